import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PushService } from '@outpost/push-service';
import { openStore, type Store } from '@outpost/store';
import type { FastifyInstance } from 'fastify';
import { buildDemoServer } from './app.js';
import { type DemoConfig, readConfig } from './config.js';
import { startEmbeddedPushService } from './embedded-push-service.js';

// `npm start` entry. Prints the listening line on stdout when ready (tests wait for it), then, with the embedded
// push service, the Firefox preference that points at it; everything else goes to stderr. Startup problems (bad PORT, port in use, unreachable DATABASE_URL) end the process with one clear line.
try {
  const config = readConfig(process.env, process.cwd());
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore({ url: config.storeUrl });
  let pushService: PushService | null = null;
  if (config.pushService) {
    const dir = config.dataDir ?? resolve(process.cwd(), 'data');
    mkdirSync(dir, { recursive: true });
    pushService = await startEmbeddedPushService({ ...config.pushService, dataDir: dir });
  }
  const app = buildDemoServer({
    store,
    clientDir: fileURLToPath(new URL('../client/', import.meta.url)),
    secureCookies: config.secureCookies,
    pushServiceOrigins: [...(pushService ? [pushService.url] : []), ...config.pushAllowedOrigins],
    newsPublishEveryMs: config.newsPublishEveryMs,
    ...(config.dataDir ? { musicDir: join(config.dataDir, 'music') } : {}),
    logger: { level: process.env.LOG_LEVEL ?? 'warn', stream: process.stderr },
  });
  await listen(app, config);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  process.stdout.write(`Outpost demo listening on http://localhost:${port}\n`);
  if (pushService) {
    process.stdout.write(
      `Push service on ${pushService.url}; in Firefox set about:config dom.push.serverURL = ${pushService.wsUrl} ` +
        '(and dom.push.testing.allowInsecureServerURL = true) to receive push through it\n',
    );
  }
  closeOnSignals(app, store, pushService);
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

function closeOnSignals(app: FastifyInstance, store: Store, pushService: PushService | null): void {
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (closing) return;
      closing = true;
      // Stop accepting, finish in-flight requests, then release the database.
      app
        .close()
        .then(() => store.close())
        .then(() => pushService?.close())
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
