// The `outpost` command as users run it: the bin npm links at `npm ci` time (node_modules/.bin/outpost ->
// packages/cli/bin/outpost.js -> dist/), so these tests need `npm run build` first, as `npm test` does.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pushService from '../src/commands/push-service.js';
import * as ua from '../src/commands/ua.js';

const root = new URL('../../../', import.meta.url).pathname;
const linked = join(root, 'node_modules/.bin/outpost');
const dir = mkdtempSync(join(tmpdir(), 'outpost-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd = root): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const outpost = (args: string[]) => run(linked, args);

describe('the linked outpost command', () => {
  it('is the committed shim, so npm links it before anything is built', () => {
    expect(realpathSync(linked)).toBe(join(root, 'packages/cli/bin/outpost.js'));
  });

  it('prints the commands from node_modules/.bin, through npx and through npm exec', async () => {
    for (const ran of [
      await outpost(['--help']),
      await run('npx', ['--no-install', 'outpost', '--help']),
      await run('npm', ['exec', '--no', '--', 'outpost', '--help']),
    ]) {
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      for (const name of ['vapid', 'send', 'push-service', 'ua'])
        expect(ran.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  }, 60_000);

  it('says to run the build when dist/ is missing', async () => {
    // The shim on its own: next to it there is no dist/, as in a fresh clone before `npm run build`.
    mkdirSync(join(dir, 'unbuilt/bin'), { recursive: true });
    const shim = join(dir, 'unbuilt/bin/outpost.js');
    copyFileSync(join(root, 'packages/cli/bin/outpost.js'), shim);
    const ran = await run(process.execPath, [shim, '--help'], dir);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/not built yet\. Run `npm run build`/);
  });

  it('generates a VAPID key pair the library accepts', async () => {
    const ran = await outpost(['vapid']);
    expect(ran.code).toBe(0);
    const keys = JSON.parse(ran.stdout) as { publicKey: string; privateKey: string };
    const { decodeVapidKeys } = await import('@outpost/webpush');
    const raw = decodeVapidKeys(keys);
    expect([raw.publicKey.length, raw.privateKey.length]).toEqual([65, 32]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// web-push-testing (a devDependency) is the mock push service web-push's own users test against: it checks the
// VAPID header form each encoding requires and decrypts with http_ece. It is CommonJS without types.
interface WebPushTestingServer {
  startServer(): void;
  _server: { close(callback: () => void): void; listening: boolean; once(event: 'listening', f: () => void): void };
}
const requireCjs = createRequire(import.meta.url);
const { PushApiModel } = requireCjs('web-push-testing/src/PushApiModel.js') as { PushApiModel: new () => object };
const WebPushTesting = requireCjs('web-push-testing/src/server.js') as new (
  model: object,
  port: number,
) => WebPushTestingServer;

describe('outpost send against web-push-testing', () => {
  let server: WebPushTestingServer;
  let base: string;
  let vapidFile: string;
  let publicKey: string;

  beforeAll(async () => {
    const port = await freePort();
    server = new WebPushTesting(new PushApiModel(), port);
    server.startServer(); // logs "Server running on port …" once listening
    if (!server._server.listening) await new Promise<void>((resolve) => server._server.once('listening', resolve));
    base = `http://localhost:${port}`;
    const keys = await outpost(['vapid']);
    vapidFile = join(dir, 'vapid.json');
    writeFileSync(vapidFile, keys.stdout);
    publicKey = (JSON.parse(keys.stdout) as { publicKey: string }).publicKey;
  }, 60_000);
  afterAll(() => new Promise<void>((resolve) => server._server.close(resolve)));

  async function api<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: T }).data;
  }

  const subscribe = () =>
    api<{ endpoint: string; keys: { p256dh: string; auth: string }; clientHash: string }>('/subscribe', {
      userVisibleOnly: 'true',
      applicationServerKey: publicKey,
    });
  const received = async (clientHash: string) =>
    (await api<{ messages: string[] }>('/get-notifications', { clientHash })).messages;

  it.each(['aes128gcm', 'aesgcm'])(
    '%s: one message is verified (VAPID) and decrypted',
    async (encoding) => {
      const { clientHash, ...subscription } = await subscribe();
      const file = join(dir, `one-${encoding}.json`);
      writeFileSync(file, JSON.stringify(subscription));
      const text = `one via ${encoding}: ünïcödé`;
      const ran = await outpost([
        'send',
        '--subscription',
        file,
        '--payload',
        text,
        '--vapid',
        vapidFile,
        '--subject',
        'mailto:ops@example.com',
        '--encoding',
        encoding,
      ]);
      expect(ran.stderr).toBe('');
      expect(JSON.parse(ran.stdout)).toMatchObject({ status: 201, result: 'delivered' });
      expect(ran.code).toBe(0);
      expect(await received(clientHash)).toEqual([text]);
    },
    60_000,
  );

  it.each(['aes128gcm', 'aesgcm'])(
    '%s: a file of subscriptions, sent from worker threads',
    async (encoding) => {
      const subscriptions = await Promise.all(Array.from({ length: 6 }, () => subscribe()));
      const file = join(dir, `many-${encoding}.ndjson`);
      writeFileSync(file, subscriptions.map(({ clientHash: _, ...s }) => JSON.stringify(s)).join('\n'));
      const ran = await outpost([
        'send',
        '--subscriptions',
        file,
        '--payload',
        `many via ${encoding}`,
        '--vapid',
        vapidFile,
        '--subject',
        'mailto:ops@example.com',
        '--encoding',
        encoding,
        '--concurrency',
        '3',
      ]);
      expect(JSON.parse(ran.stdout)).toMatchObject({ delivered: 6, expired: 0, failed: 0 });
      expect(ran.code).toBe(0);
      for (const s of subscriptions) expect(await received(s.clientHash)).toEqual([`many via ${encoding}`]);
    },
    60_000,
  );
});

describe('outpost send to outpost push-service', () => {
  it('the push service accepts both VAPID forms, and outpost ua decrypts both encodings', async () => {
    const keys = await outpost(['vapid']);
    const vapidFile = join(dir, 'vapid-own.json');
    writeFileSync(vapidFile, keys.stdout);
    const { publicKey } = JSON.parse(keys.stdout) as { publicKey: string };

    const stopService = new AbortController();
    const serviceOut = new PassThrough();
    const firstLine = new Promise<string>((resolve) => {
      let buffer = '';
      serviceOut.on('data', (chunk: Buffer) => {
        buffer += chunk;
        if (buffer.includes('\n')) resolve(buffer.slice(0, buffer.indexOf('\n')));
      });
    });
    const args = ['--port', '0', '--db', join(dir, 'push.db'), '--secret-file', join(dir, 'push.secret')];
    const service = pushService.run(args, {
      stdout: serviceOut,
      stderr: new PassThrough(),
      signal: stopService.signal,
    });
    const { websocket } = JSON.parse(await firstLine) as { websocket: string };

    const uaOut = new PassThrough();
    const uaLines: string[] = [];
    let subscribed: (line: string) => void = () => undefined;
    const subscription = new Promise<string>((resolve) => {
      subscribed = resolve;
    });
    let buffer = '';
    uaOut.on('data', (chunk: Buffer) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        uaLines.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        if (uaLines.length === 1) subscribed(uaLines[0] ?? '');
      }
    });
    // A restricted subscription: the push service refuses any message not signed with this key.
    const client = ua.run(['--server', websocket, '--key', publicKey, '--count', '2'], {
      stdout: uaOut,
      stderr: new PassThrough(),
    });
    const file = join(dir, 'own-subscription.json');
    writeFileSync(file, await subscription);
    try {
      for (const encoding of ['aes128gcm', 'aesgcm']) {
        const ran = await outpost([
          'send',
          '--subscription',
          file,
          '--payload',
          `to our service via ${encoding}`,
          '--vapid',
          vapidFile,
          '--subject',
          'mailto:ops@example.com',
          '--encoding',
          encoding,
        ]);
        expect(JSON.parse(ran.stdout)).toMatchObject({ status: 201, result: 'delivered' });
      }
      expect(await client).toBe(0);
      expect(uaLines.slice(1).map((l) => (JSON.parse(l) as { data: string }).data)).toEqual([
        'to our service via aes128gcm',
        'to our service via aesgcm',
      ]);
    } finally {
      stopService.abort();
      await service;
    }
  }, 60_000);
});
