import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPushService, type PushService, pushServiceLogger } from '@outpost/push-service';

/** Options of {@link startEmbeddedPushService}. */
export interface EmbeddedPushServiceOptions {
  port: number;
  /** Where its SQLite database (and, without `secret`, its generated endpoint secret) live. */
  dataDir: string;
  secret: string | undefined;
}

/**
 * Starts @outpost/push-service on SQLite next to the demo (its own port), for browsers that can be pointed at it
 * (Firefox: `dom.push.serverURL`). The endpoint secret is made once and kept, so endpoints survive restarts.
 */
export async function startEmbeddedPushService(options: EmbeddedPushServiceOptions): Promise<PushService> {
  const service = await createPushService({
    db: join(options.dataDir, 'push-service.db'),
    secrets: [options.secret ?? keptSecret(join(options.dataDir, 'push-service.secret'))],
    port: options.port,
    logger: pushServiceLogger(process.stderr),
  });
  await service.listen();
  return service;
}

function keptSecret(file: string): string {
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 16) return kept;
  } catch {
    // First start: made below.
  }
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
