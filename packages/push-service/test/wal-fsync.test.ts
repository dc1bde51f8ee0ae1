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

  /** A flush that completes only when the test says so, recording when each one started. */
  function controlledFlush() {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    let clock = 0;
    return {
      started,
      tick: () => ++clock,
      finishNext: () => finish.shift()?.(),
      flush: () =>
        new Promise<void>((resolve) => {
          started.push(clock);
          finish.push(resolve);
        }),
    };
  }

  it('every caller waits for an fsync that began after its call; callers during one fsync share the next', async () => {
    const f = controlledFlush();
    const sync = new WalFsync(wal, f.flush);
    const order: string[] = [];
    const a = sync.sync().then(() => order.push('a'));
    await new Promise((r) => setTimeout(r, 10)); // the first fsync is running
    f.tick(); // commits after the first fsync began
    const b = sync.sync().then(() => order.push('b'));
    const c = sync.sync().then(() => order.push('c'));
    f.finishNext();
    await a;
    expect(order).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 10));
    expect(f.started).toEqual([0, 1]); // b and c share one fsync that started after their commits
    f.finishNext();
    await Promise.all([b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
    await sync.close();
  });

  it('really fsyncs the file (default flush) and reports a missing WAL as an error', async () => {
    await new WalFsync(wal).sync();
    await expect(new WalFsync(join(dir, 'missing-wal')).sync()).rejects.toThrow(/ENOENT/);
  });
});
