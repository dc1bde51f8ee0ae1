import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import { type Store, StoreError } from './store.js';

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** `postgres://…` or `postgresql://…` for Postgres; a file path (or `':memory:'`) for SQLite. */
  url: string;
  /** Postgres only: the schema to create (if missing) and use via `search_path`. Ignored for SQLite. */
  schema?: string;
  /** Postgres only: maximum pooled connections (default 10). */
  poolSize?: number;
}

/**
 * Opens a store. url: `'postgres://…'` | `'postgresql://…'` → Postgres (pool); a file path → SQLite (parent directory
 * created, WAL, foreign keys, busy_timeout); `':memory:'` → in-memory SQLite. `schema` (Postgres only): use/create
 * this schema via `search_path`.
 *
 * Opening the same SQLite file twice in one process shares one connection (see docs/store.md for why).
 *
 * @example
 * ```ts
 * const store = await openStore({ url: process.env.DATABASE_URL ?? './data/app.db' });
 * await migrate(store, 'notes', notesMigrations);
 * ```
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { url } = options;
  if (typeof url !== 'string' || url.trim() === '') throw new StoreError('store url is empty');
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const scheme = url.slice(0, url.indexOf(':') + 1);
    throw new StoreError(`unsupported store url scheme ${JSON.stringify(scheme)}: use postgres:// or a file path`);
  }
  return openSqlite(url);
}
