import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate } from '@outpost/store';
import { describeEachStore, testStoreLocation } from '@outpost/store/testing';
import { expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/migrate-once.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

function runMigrateProcess(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repoRoot });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stderr }));
  });
}

describeEachStore('migrate across processes', (getStore) => {
  it('applies a migration once when two processes migrate the same database at the same time', async () => {
    const store = getStore();
    const { url, schema } = testStoreLocation(store);
    const args = schema ? [url, schema] : [url];
    // With the bookkeeping table already there, both processes start by reading it: the case where a deferred
    // SQLite transaction would decide to migrate twice.
    await migrate(store, 'earlier', [{ name: 'noop', up: async () => {} }]);
    const results = await Promise.all([runMigrateProcess(args), runMigrateProcess(args)]);
    for (const result of results) expect(result).toEqual({ code: 0, stderr: '' });
    const runs = await store.db.selectFrom('race_runs').select('pid').execute();
    expect(runs).toHaveLength(1);
    const applied = await store.db
      .selectFrom('outpost_migrations')
      .select('name')
      .where('namespace', '=', 'race')
      .execute();
    expect(applied).toEqual([{ name: 'create' }]);
  }, 30_000);
});
