import type { Kysely } from 'kysely';

/** A Kysely instance with no table types: the store has none of its own, each consumer narrows it to its tables. */
// biome-ignore lint/suspicious/noExplicitAny: Kysely<any> is the one way to say "tables declared by the consumer".
export type AnyKysely = Kysely<any>;

/** The SQL engine behind a {@link Store}. Queries are written once; `dialect` is only consulted for DDL differences. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * An open database: a Kysely instance plus the engine it talks to.
 *
 * Consumers declare their own table interfaces and narrow the instance:
 * ```ts
 * interface Tables { notes: { id: string; body: string; created_at: number } }
 * const db = store.db as Kysely<Tables>;
 * ```
 * Column conventions that keep one set of queries working on both engines: times are integer milliseconds since
 * the epoch in `bigint` columns (read back as `number`), booleans are `integer` 0/1, blobs are {@link blobColumnType}
 * (read back as `Buffer`), JSON is `text` serialised by the caller.
 */
export interface Store {
  readonly db: AnyKysely;
  readonly dialect: Dialect;
  /** Releases the connection(s). Safe to call more than once. */
  close(): Promise<void>;
}

/** A store could not be opened: a malformed URL or schema name, or the database refused the setup. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

/**
 * The column type that holds bytes on this engine (`bytea` on Postgres, `blob` on SQLite); both read back as `Buffer`.
 *
 * @example
 * ```ts
 * db.schema.createTable('files').addColumn('data', blobColumnType(dialect), (c) => c.notNull())
 * ```
 */
export function blobColumnType(dialect: Dialect): 'bytea' | 'blob' {
  return dialect === 'postgres' ? 'bytea' : 'blob';
}
