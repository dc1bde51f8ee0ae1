import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PushServiceOptions } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** A push service running in a child process. */
export interface ChildService {
  url: string;
  wsUrl: string;
  process: ChildProcess;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
}

/** A port free right now (the child binds it; tests reuse it across restarts so endpoint URLs stay valid). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Starts `test/fixtures/serve-child.ts` and waits for its URLs. `options` (JSON-serialisable
 * {@link PushServiceOptions} fields) are merged into the child's.
 */
export async function spawnService(
  db: string,
  port: number,
  schema?: string,
  options: Partial<PushServiceOptions> = {},
): Promise<ChildService> {
  // node itself with tsx as a loader (not the tsx CLI, which would put a wrapper process between SIGKILL and us).
  const args = ['--import', 'tsx', '--conditions=@outpost/source', join(here, 'fixtures', 'serve-child.ts'), db];
  args.push(String(port));
  const env: NodeJS.ProcessEnv = { ...process.env, PUSH_OPTIONS: JSON.stringify(options) };
  if (schema !== undefined) env.PUSH_SCHEMA = schema;
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const { stdout } = child;
  if (!stdout) throw new Error('push service child has no stdout pipe');
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`push service child exited (${code}) before listening`)));
  });
  const { url, wsUrl } = JSON.parse(line) as { url: string; wsUrl: string };
  return {
    url,
    wsUrl,
    process: child,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
