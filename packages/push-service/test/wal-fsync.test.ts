import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WalFsync } from '../src/store/wal-fsync.js';

describe('WalFsync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-wal-'));
  const wal = join(dir, 'db-wal');
  writeFileSync(wal, 'frames');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Flushes that complete only when the test says so, recording the "commit clock" when each one started. */
  function controlledFlush() {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    let clock = 0;
    return {
      started,
      commit: () => ++clock,
      finishOldest: () => finish.shift()?.(),
      flush: () =>
        new Promise<void>((resolve) => {
          started.push(clock);
          finish.push(resolve);
        }),
    };
  }

  const settle = () => new Promise((r) => setTimeout(r, 10));

  it('starts a flush per caller up to 3 at once; later callers share one that starts after their commits', async () => {
    const f = controlledFlush();
    const sync = new WalFsync(wal, f.flush);
    const done: string[] = [];
    const track = (name: string) => sync.sync().then(() => done.push(name));
    const a = track('a');
    f.commit();
    const b = track('b');
    f.commit();
    const c = track('c');
    await settle();
    // Each began after its caller's commit (the clock value when the caller asked).
    expect(f.started.length).toBe(3);
    for (const [i, clock] of f.started.entries()) expect(clock).toBeGreaterThanOrEqual(i);
    f.commit();
    const d = track('d');
    const e = track('e');
    await settle();
    expect(f.started.length).toBe(3); // d and e wait for a slot
    f.finishOldest();
    await a;
    await settle();
    expect(f.started.length).toBe(4); // one shared flush for d and e …
    expect(f.started[3]).toBeGreaterThanOrEqual(3); // … started after their commit
    for (let i = 0; i < 3; i++) f.finishOldest();
    await Promise.all([b, c, d, e]);
    expect(done.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await sync.close();
  });

  it('really flushes the file (default fdatasync) and reports a missing WAL as an error', async () => {
    const sync = new WalFsync(wal);
    await sync.sync();
    expect(sync.stats.count).toBe(1);
    await sync.close();
    await expect(new WalFsync(join(dir, 'missing-wal')).sync()).rejects.toThrow(/ENOENT/);
  });
});
