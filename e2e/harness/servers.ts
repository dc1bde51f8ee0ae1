import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in e2e/harness/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The demo app's built server entry, relative to {@link REPO_ROOT}. */
export const DEMO_SERVER_ENTRY = 'apps/demo/dist/server/main.js';

/**
 * A server a test can take away and bring back. `stop()` really stops it — the port refuses connections, so
 * the browser is offline for this origin, service worker included — and `restart()` brings it back on the SAME
 * port (same origin, so the same service worker registration, caches and cookies apply).
 */
export interface RestartableServer {
  /** `http://localhost:<port>/` (with the trailing slash: it is the app's scope). */
  readonly url: string;
  readonly port: number;
  /** Whether the server is accepting connections now. */
  readonly running: boolean;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server for good and removes whatever the harness created for it (temp data dir). */
  close(): Promise<void>;
}

/**
 * Returns a TCP port that was free a moment ago. The server is then started on it explicitly, so that a
 * restart can reuse it (a server started on port 0 would get a new port each time).
 */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolvePort(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Defaults to a port found free by {@link freePort}. */
  port?: number;
  /** The server's DATA_DIR; defaults to a fresh temp dir removed by `close()`. */
  dataDir?: string;
  /** Extra environment variables (override the defaults; DATABASE_URL is not inherited, pass it here). */
  env?: Record<string, string>;
  /** Milliseconds to wait for the "listening" line; 20 s by default. */
  startTimeout?: number;
}

/** The demo server, plus where it keeps its data. */
export interface DemoServer extends RestartableServer {
  readonly dataDir: string;
}

const LISTENING = /Outpost demo listening on (http:\/\/\S+)/;

/**
 * Starts the built demo server (`node apps/demo/dist/server/main.js`, cwd = repo root) with its own PORT and
 * DATA_DIR, and resolves once it printed `Outpost demo listening on http://localhost:<port>`. If it exits or
 * stays silent past the timeout, the error carries its stdout/stderr.
 *
 * @example
 * ```ts
 * const server = await startDemoServer();
 * await page.goto(server.url);
 * await server.stop();    // offline
 * await server.restart(); // online again, same port and data
 * await server.close();
 * ```
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const entry = join(REPO_ROOT, DEMO_SERVER_ENTRY);
  if (!existsSync(entry)) {
    throw new Error(`${DEMO_SERVER_ENTRY} does not exist: build the demo first (npm run build at the repo root)`);
  }
  const port = options.port ?? (await freePort());
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'outpost-e2e-demo-data-')));
  // An inherited DATABASE_URL would point every test server at one shared database: each gets its own SQLite
  // file under dataDir unless the test passes DATABASE_URL in options.env.
  const { DATABASE_URL: _shared, ...inherited } = process.env;
  // The embedded push service is off unless a test turns it on (it would take the same port in every server).
  const env = { ...inherited, PORT: String(port), DATA_DIR: dataDir, PUSH_SERVICE: 'off', ...options.env };
  let child: ChildProcess | undefined;
  let url = '';

  const start = async () => {
    const started = await spawnUntilReady(process.execPath, [entry], env, options.startTimeout ?? 20_000);
    child = started.child;
    url = new URL('/', started.url).href;
    if (new URL(url).port !== String(port)) {
      await stopChild(child);
      throw new Error(`demo server listens on ${url}, expected port ${port} (does it honour PORT?)`);
    }
  };
  await start();

  const server: DemoServer = {
    get url() {
      return url;
    },
    port,
    dataDir,
    get running() {
      return child !== undefined;
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running) await stopChild(running);
    },
    async restart() {
      await server.stop();
      await start();
    },
    async close() {
      await server.stop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Every server process the harness started and has not seen exit. */
const children = new Set<ChildProcess>();

// A spec that forgets close(), or a worker torn down mid-test, must not leave a server holding its port.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

async function spawnUntilReady(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolveReady, reject) => {
    const fail = (why: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${why}\n--- server output ---\n${output.slice(-4000)}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        cleanup();
        // Keep draining the pipes, or a chatty server blocks on a full pipe buffer.
        child.stdout?.resume();
        child.stderr?.resume();
        resolveReady({ child, url: match[1] });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`demo server exited before listening (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`demo server did not print "listening" within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL if the process is still alive after 5 s; resolves when it has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A node:http server on a fixed port, as {@link listenRestartable} returns it. */
export interface RestartableListener {
  /** Whether the server is accepting connections now. */
  readonly running: boolean;
  /** Closes the listener and every connection: the port refuses connections until {@link restart}. */
  stop(): Promise<void>;
  /** Listens again on the same port; nothing when already listening. */
  restart(): Promise<void>;
}

/**
 * Starts a node:http server with `handler` on `port`, which a test can stop (the browser is then offline for
 * this origin) and start again on the same port (same origin, same service worker registration).
 */
export async function listenRestartable(port: number, handler: RequestListener): Promise<RestartableListener> {
  let http: Server | undefined;
  const start = () =>
    new Promise<void>((resolveListening, reject) => {
      const server = createHttpServer(handler);
      server.once('error', reject);
      server.listen(port, () => {
        http = server;
        resolveListening();
      });
    });
  await start();
  return {
    get running() {
      return http !== undefined;
    },
    async stop() {
      const running = http;
      http = undefined;
      if (!running) return;
      // Keep-alive sockets would otherwise keep answering the browser after close().
      running.closeAllConnections();
      await new Promise<void>((resolveClosed) => running.close(() => resolveClosed()));
    },
    async restart() {
      if (!http) await start();
    },
  };
}

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** Directory whose files are served; `/` serves `index.html`. */
  root: string;
  /** Defaults to a port found free by {@link freePort}. */
  port?: number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * A minimal static file server (node:http, in this process) for harness self-tests and fixtures that do not
 * need the demo app. Responses are `Cache-Control: no-cache`, so a changed service worker script is seen.
 */
export async function startStaticServer(options: StaticServerOptions): Promise<RestartableServer> {
  const root = resolve(options.root);
  const port = options.port ?? (await freePort());
  const listener = await listenRestartable(port, async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end('outside the served directory');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  return {
    url: `http://localhost:${port}/`,
    port,
    get running() {
      return listener.running;
    },
    stop: () => listener.stop(),
    async restart() {
      await listener.stop();
      await listener.restart();
    },
    close: () => listener.stop(),
  };
}
