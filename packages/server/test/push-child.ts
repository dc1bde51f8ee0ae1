import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestStoreLocation } from '@outpost/store/testing';
import type { PushSink } from './push-sink.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** An app server with the push plugin in a child process (test/fixtures/push-child.ts). */
export interface PushChild {
  url: string;
  process: ChildProcess;
  /** The value of a metric without labels from the child's /metrics. */
  metric(name: string): Promise<number>;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
}

export async function spawnPushChild(
  location: TestStoreLocation,
  sink: PushSink,
  options: { worker: boolean; leaseMs: number },
): Promise<PushChild> {
  // node itself with tsx as a loader, so SIGKILL reaches the app server and not a wrapper process.
  const args = ['--import', 'tsx', '--conditions=@outpost/source', join(here, 'fixtures', 'push-child.ts')];
  const env = {
    ...process.env,
    PUSH_STORE_URL: location.url,
    ...(location.schema === undefined ? {} : { PUSH_STORE_SCHEMA: location.schema }),
    PUSH_SINK_ORIGIN: sink.origin,
    PUSH_SINK_CA: sink.ca,
    PUSH_LEASE_MS: String(options.leaseMs),
    PUSH_WORKER: options.worker ? '1' : '0',
  };
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stdout = child.stdout;
  if (!stdout) throw new Error('child has no stdout');
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`push child exited (${code}) before listening`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    process: child,
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      if (!match) throw new Error(`metric ${name} not found`);
      return Number(match[1]);
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
