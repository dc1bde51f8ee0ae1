import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPLAYED_HEADER } from '@outpost/server';
import { describeEachStore, testStoreLocation } from '@outpost/store/testing';
import { afterEach, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/crash-server.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const KEY = '"issue-12-item-10"';

interface Child {
  url: string;
  process: ChildProcess;
  exited: Promise<NodeJS.Signals | null>;
}

const children: ChildProcess[] = [];

async function startServer(
  location: { url: string; schema?: string },
  env: { TRANSACTIONAL: '1' | '0'; CRASH_AT: 'none' | 'after-effect' | 'after-commit'; LOCK_MS?: string },
): Promise<Child> {
  const args = ['--import', 'tsx', '--conditions=@outpost/source', fixture, location.url];
  if (location.schema) args.push(location.schema);
  // node itself with tsx as a loader: SIGKILL reaches the server, not a wrapper process.
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const stdout = child.stdout;
  if (!stdout) throw new Error('no stdout');
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`crash server exited (${code}) before listening`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return { url: `http://127.0.0.1:${port}/api/effects`, process: child, exited };
}

const send = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': KEY },
    body: JSON.stringify({ note: 'once' }),
  });

describeEachStore('issue 12 item 10: the effect and its idempotency record in one commit', (getStore) => {
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
  });

  const effects = async () =>
    (await getStore().db.selectFrom('crash_effects').select(['id', 'note']).execute()) as { id: string }[];

  it('kill -9 between commit and response, restart, retry with the same key: one effect, the stored answer replayed', async () => {
    const location = testStoreLocation(getStore());
    const crashing = await startServer(location, { TRANSACTIONAL: '1', CRASH_AT: 'after-commit' });
    await expect(send(crashing.url)).rejects.toThrow();
    expect(await crashing.exited).toBe('SIGKILL');

    const restarted = await startServer(location, { TRANSACTIONAL: '1', CRASH_AT: 'none' });
    const retry = await send(restarted.url);
    expect(retry.status).toBe(201);
    expect(retry.headers.get(REPLAYED_HEADER)).toBe('true');
    const rows = await effects();
    expect(rows).toHaveLength(1);
    expect(await retry.json()).toEqual({ id: rows[0]?.id });
  }, 60_000);

  it('kill -9 after the change, before the commit: neither stays, and the retry runs once', async () => {
    const location = testStoreLocation(getStore());
    const crashing = await startServer(location, { TRANSACTIONAL: '1', CRASH_AT: 'after-effect' });
    await expect(send(crashing.url)).rejects.toThrow();
    expect(await crashing.exited).toBe('SIGKILL');

    const restarted = await startServer(location, { TRANSACTIONAL: '1', CRASH_AT: 'none' });
    expect(await effects()).toHaveLength(0);
    const retry = await send(restarted.url);
    expect(retry.status).toBe(201);
    expect(retry.headers.get(REPLAYED_HEADER)).toBeNull();
    expect(await effects()).toHaveLength(1);
    const again = await send(restarted.url);
    expect(again.headers.get(REPLAYED_HEADER)).toBe('true');
    expect(await effects()).toHaveLength(1);
  }, 60_000);

  it('the non-transactional form keeps its documented window: a crash after the change runs it again after the lock timeout', async () => {
    const location = testStoreLocation(getStore());
    const crashing = await startServer(location, { TRANSACTIONAL: '0', CRASH_AT: 'after-effect', LOCK_MS: '200' });
    await expect(send(crashing.url)).rejects.toThrow();
    expect(await crashing.exited).toBe('SIGKILL');

    const restarted = await startServer(location, { TRANSACTIONAL: '0', CRASH_AT: 'none', LOCK_MS: '200' });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await send(restarted.url)).status).toBe(201);
    expect(await effects()).toHaveLength(2);
  }, 60_000);
});
