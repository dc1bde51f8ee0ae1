import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  decodeBase64Url,
  decrypt,
  generateUserAgentKeys,
  generateVapidKeys,
  subscriptionKeys,
  type UserAgentKeys,
  verifyVapid,
} from '@outpost/webpush';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePushService, startFakePushService } from '../../webpush/test/fake-push-service.js';
import { selfSignedCertificate } from '../../webpush/test/tls-cert.js';
import { main } from '../src/main.js';
import { defined } from './defined.js';

const dir = mkdtempSync(join(tmpdir(), 'outpost-cli-send-'));
let service: FakePushService;
let ua: UserAgentKeys;
let vapidFile: string;

beforeAll(async () => {
  service = await startFakePushService();
  ua = await generateUserAgentKeys();
  vapidFile = join(dir, 'vapid.json');
  writeFileSync(vapidFile, JSON.stringify(await generateVapidKeys()));
});
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

async function outpost(args: string[], stdin?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const input = new PassThrough();
  input.end(stdin ?? '');
  const code = await main(args, { stdout, stderr, stdin: input });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

function subscriptionFile(path: string, name = `sub-${Math.random().toString(36).slice(2)}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ endpoint: service.endpoint(path), keys: subscriptionKeys(ua) }));
  return file;
}

const common = () => ['--vapid', vapidFile, '--subject', 'mailto:ops@example.com'];

describe('outpost dispatcher', () => {
  it('lists every command in --help', async () => {
    const { code, stdout } = await outpost(['--help']);
    expect(code).toBe(0);
    for (const name of ['vapid', 'send', 'push-service', 'ua']) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('rejects an unknown command with exit 2', async () => {
    const { code, stderr } = await outpost(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('shows a command’s usage for `help <command>` and `<command> --help`', async () => {
    expect((await outpost(['help', 'send'])).stdout).toMatch(/--subscriptions <file.ndjson>/);
    expect((await outpost(['send', '--help'])).stdout).toMatch(/--expired-out/);
  });
});

describe('outpost vapid', () => {
  it('prints a key pair as one JSON line', async () => {
    const { code, stdout } = await outpost(['vapid']);
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    const keys = JSON.parse(stdout);
    expect(Object.keys(keys)).toEqual(['publicKey', 'privateKey']);
    expect(decodeBase64Url(keys.publicKey)).toHaveLength(65);
    expect(decodeBase64Url(keys.privateKey)).toHaveLength(32);
  });
});

describe('outpost send, one subscription', () => {
  it('delivers, prints endpoint/status/result, exits 0, and the message decrypts', async () => {
    const file = subscriptionFile('/status/201');
    const { code, stdout } = await outpost([
      'send',
      '--subscription',
      file,
      '--payload',
      'hello from the CLI',
      ...common(),
      '--ttl',
      '120',
      '--urgency',
      'low',
      '--topic',
      'news',
    ]);
    expect(code).toBe(0);
    const line = JSON.parse(stdout);
    expect(Object.keys(line).slice(0, 3)).toEqual(['endpoint', 'status', 'result']);
    expect(line).toMatchObject({ endpoint: service.endpoint('/status/201'), status: 201, result: 'delivered' });
    const request = defined(service.requests.at(-1), 'last request');
    expect(request.headers).toMatchObject({ ttl: '120', urgency: 'low', topic: 'news' });
    expect(new TextDecoder().decode(await decrypt(request.body, ua))).toBe('hello from the CLI');
    const vapid = await verifyVapid({ authorization: String(request.headers.authorization), audience: service.origin });
    expect(vapid.ok).toBe(true);
  });

  it('reads the subscription from stdin and the payload from a file, in aesgcm', async () => {
    const payloadFile = join(dir, 'payload.bin');
    writeFileSync(payloadFile, Buffer.from([1, 2, 3, 0, 255]));
    const subscription = JSON.stringify({ endpoint: service.endpoint('/status/202'), keys: subscriptionKeys(ua) });
    const { code, stdout } = await outpost(
      ['send', '--subscription', '-', '--payload-file', payloadFile, ...common(), '--encoding', 'aesgcm'],
      subscription,
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 202, result: 'delivered' });
    const request = defined(service.requests.at(-1), 'last request');
    const plain = await decrypt(request.body, ua, { headers: request.headers as Record<string, string> });
    expect([...plain]).toEqual([1, 2, 3, 0, 255]);
  });

  it.each([
    ['/status/410', 'expired', 410],
    ['/status/404', 'expired', 404],
    ['/status/413', 'too-large', 413],
    ['/status/400?reason=bad%20audience', 'rejected', 400],
  ])('exits 1 and prints the result for %s', async (path, result, status) => {
    const { code, stdout } = await outpost([
      'send',
      '--subscription',
      subscriptionFile(path),
      '--payload',
      'x',
      ...common(),
    ]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ endpoint: service.endpoint(path), status, result });
  });

  it('prints status null and result invalid for unusable keys', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ endpoint: service.endpoint('/status/201'), keys: { p256dh: 'AAAA', auth: 'AAAA' } }),
    );
    const { code, stdout } = await outpost(['send', '--subscription', file, '--payload', 'x', ...common()]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: null, result: 'invalid', code: 'invalid-p256dh' });
  });

  it.each([
    ['no subscription', ['--payload', 'x'], /exactly one of --subscription/],
    ['no payload', ['--subscription', 'SUB'], /exactly one of --payload/],
    ['both payloads', ['--subscription', 'SUB', '--payload', 'x', '--payload-file', 'f'], /exactly one of --payload/],
    ['a bad subject', ['--subscription', 'SUB', '--payload', 'x', '--subject', 'ops@example.com'], /--subject must be/],
    ['a long topic', ['--subscription', 'SUB', '--payload', 'x', '--topic', 'a'.repeat(33)], /Topic must be 1 to 32/],
    ['a bad urgency', ['--subscription', 'SUB', '--payload', 'x', '--urgency', 'asap'], /--urgency must be/],
    ['a bad ttl', ['--subscription', 'SUB', '--payload', 'x', '--ttl', '1.5'], /--ttl must be an integer/],
    ['a payload over the limit', ['--subscription', 'SUB', '--payload', 'x'.repeat(3994)], /limit is 3993 bytes/],
    ['an unknown option', ['--subscription', 'SUB', '--payload', 'x', '--fast'], /Unknown option '--fast'/],
    [
      'concurrency without --subscriptions',
      ['--subscription', 'SUB', '--payload', 'x', '--concurrency', '5'],
      /go with --subscriptions/,
    ],
  ])('exits 2 with a message for %s', async (_what, args, message) => {
    const sub = subscriptionFile('/status/201');
    const withDefaults = [...common(), ...args.map((a) => (a === 'SUB' ? sub : a))];
    // Later options win in parseArgs, so a test's --subject replaces the default one.
    const { code, stderr } = await outpost(['send', ...withDefaults]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('exits 2 when the VAPID file is not a key pair', async () => {
    const bad = join(dir, 'not-vapid.json');
    writeFileSync(bad, '{"publicKey":"abc"}');
    const { code, stderr } = await outpost([
      'send',
      '--subscription',
      subscriptionFile('/status/201'),
      '--payload',
      'x',
      '--vapid',
      bad,
      '--subject',
      'mailto:a@b.c',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is not a VAPID key pair/);
  });
});

describe('outpost send --subscriptions', () => {
  function ndjson(name: string, lines: string[]): string {
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }
  const line = (path: string) => JSON.stringify({ endpoint: service.endpoint(path), keys: subscriptionKeys(ua) });

  it('prints one summary line and exits 0 when nothing failed; writes expired subscriptions out', async () => {
    const lines = [
      ...Array.from({ length: 40 }, (_, i) => line(`/status/201/${i}`)),
      line('/status/410/a'),
      '',
      line('/status/404/b'),
    ];
    const expiredOut = join(dir, 'expired.ndjson');
    const { code, stdout, stderr } = await outpost([
      'send',
      '--subscriptions',
      ndjson('ok.ndjson', lines),
      '--payload',
      'all',
      ...common(),
      '--concurrency',
      '7',
      '--expired-out',
      expiredOut,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(Object.keys(summary)).toEqual(['delivered', 'expired', 'failed', 'seconds']);
    expect(summary).toMatchObject({ delivered: 40, expired: 2, failed: 0 });
    const expired = readFileSync(expiredOut, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).endpoint)
      .sort();
    expect(expired).toEqual([service.endpoint('/status/404/b'), service.endpoint('/status/410/a')]);
  });

  it('counts rejections, invalid keys and unreadable lines as failed and exits 1', async () => {
    const file = ndjson('mixed.ndjson', [
      line('/status/201/1'),
      line('/status/400/2'),
      '{not json',
      JSON.stringify({ endpoint: service.endpoint('/status/201/3'), keys: { p256dh: 'x', auth: 'y' } }),
    ]);
    const { code, stdout, stderr } = await outpost(['send', '--subscriptions', file, '--payload', 'x', ...common()]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ delivered: 1, expired: 0, failed: 3 });
    expect(stderr).toMatch(/line 3 skipped/);
  });

  it('draws a progress bar on stderr when it is a terminal', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const err: Buffer[] = [];
    stderr.on('data', (c: Buffer) => err.push(c));
    stdout.resume();
    const file = ndjson(
      'bar.ndjson',
      Array.from({ length: 10 }, (_, i) => line(`/status/201/bar${i}`)),
    );
    const code = await main(['send', '--subscriptions', file, '--payload', 'x', ...common()], {
      stdout,
      stderr,
      stderrIsTTY: true,
    });
    expect(code).toBe(0);
    expect(Buffer.concat(err).toString()).toMatch(/\[#{24}\] 100% 10\/10 .* delivered 10 · expired 0 · failed 0\n$/);
  });

  it('exits 2 for a missing file', async () => {
    const { code, stderr } = await outpost([
      'send',
      '--subscriptions',
      join(dir, 'nope.ndjson'),
      '--payload',
      'x',
      ...common(),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot read --subscriptions/);
  });
});

describe('the outpost executable', () => {
  it('trusts a self-signed push service only with NODE_EXTRA_CA_CERTS', async () => {
    const tls = selfSignedCertificate();
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, tls.cert);
    const secure = await startFakePushService({ tls });
    const file = join(dir, 'secure.json');
    writeFileSync(file, JSON.stringify({ endpoint: secure.endpoint('/status/201'), keys: subscriptionKeys(ua) }));
    const many = join(dir, 'secure.ndjson');
    writeFileSync(
      many,
      Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({ endpoint: secure.endpoint(`/status/201/${i}`), keys: subscriptionKeys(ua) }),
      ).join('\n'),
    );
    const run = (env: Record<string, string>, target = ['--subscription', file]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const outpost = new URL('outpost-from-source.ts', import.meta.url).pathname;
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=@outpost/source',
            outpost,
            'send',
            ...target,
            '--payload',
            'x',
            ...common(),
          ],
          { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => {
          stdout += c;
        });
        child.on('close', (code) => resolve({ code, stdout }));
      });
    try {
      const trusted = await run({ NODE_EXTRA_CA_CERTS: caFile });
      expect(trusted.code).toBe(0);
      expect(JSON.parse(trusted.stdout)).toMatchObject({ status: 201, result: 'delivered' });
      // The bulk path sends from worker threads, which share the process's trust store.
      const bulk = await run({ NODE_EXTRA_CA_CERTS: caFile }, ['--subscriptions', many]);
      expect(bulk.code).toBe(0);
      expect(JSON.parse(bulk.stdout)).toMatchObject({ delivered: 5, expired: 0, failed: 0 });
      const untrusted = await run({});
      expect(untrusted.code).toBe(1);
      expect(JSON.parse(untrusted.stdout)).toMatchObject({ result: 'failed', status: null });
    } finally {
      await secure.close();
    }
  }, 60_000);
});
