import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { encrypt } from '@outpost/webpush';
import { afterAll, describe, expect, it } from 'vitest';
import * as pushService from '../src/commands/push-service.js';
import * as ua from '../src/commands/ua.js';
import { defined } from './defined.js';

/** Collects a stream's lines and lets a test wait for the n-th. */
function lines(stream: PassThrough) {
  const seen: string[] = [];
  let buffer = '';
  const waiters: (() => void)[] = [];
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      seen.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
    for (const w of waiters.splice(0)) w();
  });
  return {
    seen,
    async nth(n: number): Promise<string> {
      for (;;) {
        const line = seen[n];
        if (line !== undefined) return line;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

describe('outpost push-service and outpost ua', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-cli-push-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the service logs its URLs first; ua prints the subscription, then each decrypted message, then exits', async () => {
    const serviceOut = new PassThrough();
    const serviceLines = lines(serviceOut);
    const stopService = new AbortController();
    const secretFile = join(dir, 'secret');
    const service = pushService.run(['--port', '0', '--db', join(dir, 'push.db'), '--secret-file', secretFile], {
      stdout: serviceOut,
      stderr: new PassThrough(),
      signal: stopService.signal,
    });
    const listening = JSON.parse(await serviceLines.nth(0)) as { http: string; websocket: string };
    // A missing secret file is created, and that is logged (warn) right after the listening line.
    expect(JSON.parse(await serviceLines.nth(1))).toMatchObject({ level: 40, file: secretFile });
    expect(listening.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listening.websocket).toBe(`${listening.http.replace('http', 'ws')}/`);
    expect(readFileSync(secretFile, 'utf8')).toMatch(/^[A-Za-z0-9_-]{43}$/m);

    const uaOut = new PassThrough();
    const uaLines = lines(uaOut);
    const client = ua.run(['--server', listening.websocket, '--count', '2'], {
      stdout: uaOut,
      stderr: new PassThrough(),
    });
    const subscription = JSON.parse(await uaLines.nth(0)) as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };
    expect(subscription.endpoint.startsWith(`${listening.http}/push/`)).toBe(true);
    for (const text of ['first', 'second']) {
      const { body, headers } = await encrypt(text, subscription.keys);
      const r = await fetch(subscription.endpoint, {
        method: 'POST',
        headers: { ...headers, TTL: '60' },
        body: new Uint8Array(body),
      });
      expect(r.status).toBe(201);
    }
    expect(await client).toBe(0);
    const messages = uaLines.seen.slice(1).map((l) => JSON.parse(l) as { version: string; data: string });
    expect(messages.map((m) => m.data)).toEqual(['first', 'second']);
    expect(defined(messages[0], 'first message').version).toMatch(/^[A-Za-z0-9_-]{22}$/);

    stopService.abort();
    expect(await service).toBe(0);
  });

  it('ua ends with 0 when stopped, and with 1 and the reason when the service goes away while it waits', async () => {
    const serviceOut = new PassThrough();
    const serviceLines = lines(serviceOut);
    const stopService = new AbortController();
    const args = ['--port', '0', '--db', join(dir, 'push-ends.db'), '--secret-file', join(dir, 'secret-ends')];
    const service = pushService.run(args, {
      stdout: serviceOut,
      stderr: new PassThrough(),
      signal: stopService.signal,
    });
    const { websocket } = JSON.parse(await serviceLines.nth(0)) as { websocket: string };

    // Stopped while waiting for a message that never comes.
    const stopUa = new AbortController();
    const stoppedOut = new PassThrough();
    const stoppedLines = lines(stoppedOut);
    const stopped = ua.run(['--server', websocket], {
      stdout: stoppedOut,
      stderr: new PassThrough(),
      signal: stopUa.signal,
    });
    await stoppedLines.nth(0);
    stopUa.abort();
    expect(await stopped).toBe(0);
    // Only the subscription line: nothing was received, nothing made up.
    expect(stoppedLines.seen).toHaveLength(1);

    // Waiting when the push service shuts down: the connection is lost, which is an error for `ua`.
    const lostOut = new PassThrough();
    const lostLines = lines(lostOut);
    const lostErr = new PassThrough();
    const lostErrLines = lines(lostErr);
    const lost = ua.run(['--server', websocket], { stdout: lostOut, stderr: lostErr });
    await lostLines.nth(0);
    stopService.abort();
    expect(await lost).toBe(1);
    expect(await lostErrLines.nth(0)).toMatch(/closed the connection/);
    expect(await service).toBe(0);
  });

  it('refuses bad arguments with exit code 2 and a reason', async () => {
    const err = new PassThrough();
    const errLines = lines(err);
    expect(await ua.run(['--server', 'http://x'], { stdout: new PassThrough(), stderr: err })).toBe(2);
    expect(await errLines.nth(0)).toMatch(/--server/);
    expect(await pushService.run(['--port', 'x'], { stdout: new PassThrough(), stderr: err })).toBe(2);
    expect(await pushService.run(['--bogus'], { stdout: new PassThrough(), stderr: err })).toBe(2);
    const unreachable = ['--db', 'postgres://nobody@127.0.0.1:1/none', '--secret-file', join(dir, 'secret')];
    expect(await pushService.run(unreachable, { stdout: new PassThrough(), stderr: err })).toBe(1);
    expect(errLines.seen.some((l) => /cannot start/.test(l))).toBe(true);
  });
});
