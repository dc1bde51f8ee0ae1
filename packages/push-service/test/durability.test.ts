import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualUserAgent } from '../src/index.js';
import { type ChildService, freePort, spawnService } from './child-service.js';
import { defined } from './defined.js';
import { push } from './helpers.js';

describe('durability: a 201 survives kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-push-kill-'));
  const children: ChildService[] = [];
  afterAll(async () => {
    for (const c of children) if (c.process.exitCode === null) await c.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every accepted message after the service is killed and restarted', async () => {
    const db = join(dir, 'push.db');
    const port = await freePort();
    const first = await spawnService(db, port);
    children.push(first);

    const ua = await VirtualUserAgent.connect(first.wsUrl);
    const subs = [await ua.subscribe(), await ua.subscribe()];
    const state = ua.state();
    await ua.close();

    // Concurrent POSTs share group commits; every 201 must mean committed.
    const sent = Array.from({ length: 60 }, (_, i) => ({
      sub: defined(subs[i % 2], 'subscription'),
      text: `message ${i}`,
    }));
    const responses = await Promise.all(sent.map(({ sub, text }) => push(sub, text, { ttl: 3600 })));
    expect(responses.map((r) => r.status)).toEqual(sent.map(() => 201));

    await first.kill9();
    expect(first.process.signalCode).toBe('SIGKILL');

    const second = await spawnService(db, port);
    children.push(second);
    const again = await VirtualUserAgent.connect(second.wsUrl, { state });
    expect(again.uaid).toBe(state.uaid);
    const received: string[] = [];
    for (let i = 0; i < sent.length; i++) received.push(defined((await again.nextMessage()).text, `message ${i}`));
    expect(received).toEqual(sent.map((s) => s.text));
    await again.close();
    await second.kill9();
  });
});
