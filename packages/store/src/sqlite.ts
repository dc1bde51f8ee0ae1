import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';
import type { AnyKysely, Store } from './store.js';

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;
/** Prepared statements kept per connection, least recently used dropped first. */
const STATEMENT_CACHE_SIZE = 200;

interface SharedDatabase {
  readonly db: AnyKysely;
  refs: number;
}

/**
 * Open SQLite files in this process, shared by path.
 *
 * better-sqlite3 is synchronous: if two connections of one process contended for the same file, the waiting one
 * would block the event loop in SQLite's busy handler while the holder (needing that same loop to finish its
 * transaction) could never release the lock. Sharing one connection per file turns that deadlock into Kysely's
 * asynchronous connection queue. Separate processes still coordinate through SQLite's own locks.
 */
const openFiles = new Map<string, SharedDatabase>();

/** Opens (or joins) the SQLite database at `path`; `':memory:'` is a private in-memory database. */
export function openSqlite(path: string): Store {
  if (path === ':memory:') {
    const db = createKysely(new Database(':memory:'));
    return handle(db, () => db.destroy());
  }
  const file = resolve(path);
  let shared = openFiles.get(file);
  if (!shared) {
    mkdirSync(dirname(file), { recursive: true });
    const connection = new Database(file);
    connection.pragma('journal_mode = WAL');
    // With WAL, NORMAL keeps the database consistent after a crash and only risks the last commits on power loss.
    connection.pragma('synchronous = NORMAL');
    shared = { db: createKysely(connection), refs: 0 };
    openFiles.set(file, shared);
  }
  shared.refs += 1;
  const entry = shared;
  return handle(entry.db, async () => {
    entry.refs -= 1;
    if (entry.refs === 0) {
      openFiles.delete(file);
      await entry.db.destroy();
    }
  });
}

function createKysely(connection: Database.Database): AnyKysely {
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return new Kysely({ dialect: new ImmediateSqliteDialect({ database: cachedStatements(connection) }) });
}

/**
 * The connection with its prepared statements kept by SQL text. Kysely prepares every query again, and preparing
 * cost as much CPU as running the push queue's statements (bench/notify). A kept statement is never busy when it
 * is used again: Kysely runs one query (or stream) at a time on the connection, and `all`/`run` finish at once.
 * SQLite re-prepares a kept statement by itself after a schema change.
 */
function cachedStatements(connection: Database.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => connection.close(),
    prepare(sql) {
      const kept = statements.get(sql);
      statements.delete(sql);
      const statement = kept ?? connection.prepare(sql);
      // Re-inserted last: the Map's first key is the least recently used.
      statements.set(sql, statement);
      if (statements.size > STATEMENT_CACHE_SIZE) {
        for (const oldest of statements.keys()) {
          statements.delete(oldest);
          break;
        }
      }
      return statement;
    },
  };
}

/**
 * Kysely's SQLite driver with every transaction opened by `BEGIN IMMEDIATE`. A deferred transaction that reads and
 * then writes fails with SQLITE_BUSY, without waiting, when another process wrote in between; taking the write lock
 * up front makes it wait (busy_timeout) instead, which is what a read-then-write transaction means on Postgres.
 */
class ImmediateTransactionsDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionsDriver(this.#config);
  }
}

function handle(db: AnyKysely, release: () => Promise<void>): Store {
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect: 'sqlite',
    close() {
      closed ??= release();
      return closed;
    },
  };
}
