import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '@outpost/store';
import type { FastifyInstance } from 'fastify';
import { buildDemoServer } from './app.js';
import { type DemoConfig, readConfig } from './config.js';

// `npm start` entry. Prints exactly one line on stdout when ready (tests wait for it); everything else goes to
// stderr. Startup problems (bad PORT, port in use, unreachable DATABASE_URL) end the process with one clear line.
try {
  const config = readConfig(process.env, process.cwd());
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore({ url: config.storeUrl });
  const app = buildDemoServer({
    store,
    clientDir: fileURLToPath(new URL('../client/', import.meta.url)),
    secureCookies: config.secureCookies,
    newsPublishEveryMs: config.newsPublishEveryMs,
    logger: { level: process.env.LOG_LEVEL ?? 'warn', stream: process.stderr },
  });
  await listen(app, config);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  process.stdout.write(`Outpost demo listening on http://localhost:${port}\n`);
  closeOnSignals(app, store);
} catch (error) {
  process.stderr.write(`Outpost demo could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

async function listen(app: FastifyInstance, config: DemoConfig): Promise<void> {
  if (config.host) {
    await app.listen({ port: config.port, host: config.host });
    return;
  }
  try {
    // '::' accepts IPv6 and (dual stack) IPv4, so localhost works whether it resolves to ::1 or 127.0.0.1.
    await app.listen({ port: config.port, host: '::' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw error;
    await app.listen({ port: config.port, host: '0.0.0.0' });
  }
}

function closeOnSignals(app: FastifyInstance, store: Store): void {
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      // Stop accepting, finish in-flight requests, then release the database.
      app
        .close()
        .then(() => store.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
    });
  }
}
