import { resolve } from 'node:path';

/** How the demo server runs, read from the environment. */
export interface DemoConfig {
  port: number;
  host: string | undefined;
  /** `postgres://…` from DATABASE_URL, or the SQLite file DATA_DIR/outpost.db. */
  storeUrl: string;
  /** Where SQLite data lives; undefined with DATABASE_URL. */
  dataDir: string | undefined;
  secureCookies: boolean;
  /** The embedded push service (PUSH_SERVICE=off: none), and extra push-service origins (PUSH_ALLOWED_ORIGINS). */
  pushService: { port: number; secret: string | undefined } | null;
  pushAllowedOrigins: string[];
  /** NEWS_PUBLISH_EVERY_MS: how often News publishes an article; 0 never. Default 300000 (5 minutes). */
  newsPublishEveryMs: number;
}

/** Thrown for an environment variable the server cannot use; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads PORT (default 8080), HOST (default: every interface, IPv4 and IPv6, so http://localhost works whichever
 * address `localhost` resolves to), DATABASE_URL or DATA_DIR (default ./data, relative to `cwd`) and
 * SECURE_COOKIES (`true` behind https). The embedded push service: PUSH_SERVICE (`on` by default, `off`),
 * PUSH_SERVICE_PORT (default 8090), PUSH_SERVICE_SECRET (its endpoint secret, >= 16 characters; default: made once
 * and kept in DATA_DIR). PUSH_ALLOWED_ORIGINS: more push-service origins the app server may send to, comma-separated.
 * NEWS_PUBLISH_EVERY_MS: how often News publishes an article (default 300000; 0 never).
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>, cwd: string): DemoConfig {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(env.PORT)}`);
  }
  const secure = (env.SECURE_COOKIES ?? 'false').toLowerCase();
  if (secure !== 'true' && secure !== 'false') {
    throw new ConfigError(`SECURE_COOKIES must be true or false, got ${JSON.stringify(env.SECURE_COOKIES)}`);
  }
  const pushSwitch = (env.PUSH_SERVICE ?? 'on').toLowerCase();
  if (pushSwitch !== 'on' && pushSwitch !== 'off') {
    throw new ConfigError(`PUSH_SERVICE must be on or off, got ${JSON.stringify(env.PUSH_SERVICE)}`);
  }
  const pushPort =
    env.PUSH_SERVICE_PORT === undefined || env.PUSH_SERVICE_PORT === '' ? 8090 : Number(env.PUSH_SERVICE_PORT);
  if (!Number.isInteger(pushPort) || pushPort < 0 || pushPort > 65535) {
    throw new ConfigError(
      `PUSH_SERVICE_PORT must be an integer from 0 to 65535, got ${JSON.stringify(env.PUSH_SERVICE_PORT)}`,
    );
  }
  const pushSecret = env.PUSH_SERVICE_SECRET || undefined;
  if (pushSecret !== undefined && pushSecret.length < 16) {
    throw new ConfigError('PUSH_SERVICE_SECRET must be at least 16 characters');
  }
  const every =
    env.NEWS_PUBLISH_EVERY_MS === undefined || env.NEWS_PUBLISH_EVERY_MS === ''
      ? 300_000
      : Number(env.NEWS_PUBLISH_EVERY_MS);
  if (!Number.isInteger(every) || every < 0) {
    throw new ConfigError(
      `NEWS_PUBLISH_EVERY_MS must be a non-negative integer, got ${JSON.stringify(env.NEWS_PUBLISH_EVERY_MS)}`,
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim();
  const dataDir = databaseUrl ? undefined : resolve(cwd, env.DATA_DIR || 'data');
  return {
    port,
    host: env.HOST || undefined,
    storeUrl: databaseUrl || resolve(dataDir as string, 'outpost.db'),
    dataDir,
    secureCookies: secure === 'true',
    pushService: pushSwitch === 'on' ? { port: pushPort, secret: pushSecret } : null,
    pushAllowedOrigins: (env.PUSH_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    newsPublishEveryMs: every,
  };
}
