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
}

/** Thrown for an environment variable the server cannot use; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads PORT (default 8080), HOST (default: every interface, IPv4 and IPv6, so http://localhost works whichever
 * address `localhost` resolves to), DATABASE_URL or DATA_DIR (default ./data, relative to `cwd`) and
 * SECURE_COOKIES (`true` behind https).
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
  const databaseUrl = env.DATABASE_URL?.trim();
  const dataDir = databaseUrl ? undefined : resolve(cwd, env.DATA_DIR || 'data');
  return {
    port,
    host: env.HOST || undefined,
    storeUrl: databaseUrl || resolve(dataDir as string, 'outpost.db'),
    dataDir,
    secureCookies: secure === 'true',
  };
}
