import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type AnyKysely, type Store, StoreError } from './store.js';

const INT8_OID = 20;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Options for {@link openPostgres}. */
export interface PostgresOptions {
  url: string;
  schema?: string;
  poolSize?: number;
}

/**
 * `bigint` columns hold millisecond timestamps and counters; reading them as `number` keeps one set of queries for
 * both engines (better-sqlite3 returns numbers too). A value beyond 2^53 would silently lose precision, so it fails.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} does not fit a JavaScript number; store it as numeric or text`);
  }
  return value;
}

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Opens a Postgres pool; with `schema`, creates the schema if needed and confines every connection to it. */
export async function openPostgres(options: PostgresOptions): Promise<Store> {
  const { url, schema, poolSize = 10 } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreError(`invalid schema name ${JSON.stringify(schema)}: use letters, digits and _ (max 63)`);
  }
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new StoreError(`poolSize must be a positive integer, got ${poolSize}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    types: typeParsers,
    // The search_path is a startup parameter, so every pooled connection gets it before its first query.
    ...(schema === undefined ? {} : { options: `-c search_path="${schema}"` }),
  });
  // An idle client that loses its connection (e.g. a Postgres restart) is dropped by the pool and replaced on the
  // next checkout; without a listener the 'error' event would crash the process.
  pool.on('error', () => {});
  const db: AnyKysely = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema !== undefined) await createSchema(db, schema);
    else await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new StoreError(`cannot open Postgres at ${redact(url)}: ${(error as Error).message}`, { cause: error });
  }
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect: 'postgres',
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

async function createSchema(db: AnyKysely, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two processes creating the same schema at once: the loser sees a unique violation although the schema exists.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

/** The URL without its password, for error messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
