import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { openStore } from './open-store.js';
import { redact } from './postgres.js';
import type { Dialect, Store } from './store.js';

/** Where a test store lives, so a test can open a second store (or another process) onto the same database. */
export interface TestStoreLocation {
  url: string;
  /** Postgres only. */
  schema?: string;
}

/** A store made for one test, plus how to reach its database again and how to throw it away. */
export interface TestStore {
  store: Store;
  location: TestStoreLocation;
  /** Closes the store and deletes its database (SQLite: the temp directory; Postgres: the schema). */
  dispose(): Promise<void>;
}

const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];
const locations = new WeakMap<Store, TestStoreLocation>();

/** The Postgres server the postgres half of the tests uses. */
export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * Opens an empty store of the given dialect: SQLite in a fresh temp directory; Postgres in a fresh schema named
 * `outpost_test_<random>` on {@link testDatabaseUrl}. Throws (never skips) when Postgres is unreachable.
 */
export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-test-'));
    const location = { url: join(dir, 'store.db') };
    const store = await openStore(location);
    locations.set(store, location);
    return {
      store,
      location,
      async dispose() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const url = testDatabaseUrl();
  const location = { url, schema: `outpost_test_${randomBytes(6).toString('hex')}` };
  let store: Store;
  try {
    store = await openStore({ ...location, poolSize: 4 });
  } catch (error) {
    throw new Error(
      `Postgres for the store tests is unreachable at ${redact(url)} (set TEST_DATABASE_URL): ${(error as Error).message}`,
      { cause: error },
    );
  }
  locations.set(store, location);
  return {
    store,
    location,
    async dispose() {
      await store.close();
      await dropSchema(url, location.schema);
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Runs `define` twice inside describe blocks named 'sqlite' and 'postgres'. `getStore()` returns an open, empty
 * store made for the current test (SQLite: a temp file; Postgres: a fresh schema named `outpost_test_<random>`,
 * dropped after the test). If Postgres is unreachable the postgres tests fail rather than skip.
 *
 * @example
 * ```ts
 * describeEachStore('notes store', (getStore, dialect) => {
 *   it('saves a note', async () => {
 *     const store = getStore();
 *     await migrate(store, 'notes', notesMigrations);
 *     // …
 *   });
 * });
 * ```
 */
export function describeEachStore(title: string, define: (getStore: () => Store, dialect: Dialect) => void): void {
  describe(title, () => {
    for (const dialect of DIALECTS) {
      describe(dialect, () => {
        let current: TestStore | undefined;
        beforeEach(async () => {
          current = await openTestStore(dialect);
        });
        afterEach(async () => {
          const finished = current;
          current = undefined;
          await finished?.dispose();
        });
        define(() => {
          if (!current) throw new Error('getStore() is only available inside a test or a beforeEach/afterEach hook');
          return current.store;
        }, dialect);
      });
    }
  });
}

/**
 * Where a store handed out by {@link describeEachStore} lives, e.g. to open a second store onto the same database:
 * `openStore(testStoreLocation(getStore()))`.
 */
export function testStoreLocation(store: Store): TestStoreLocation {
  const location = locations.get(store);
  if (!location) throw new Error('testStoreLocation() only knows stores opened by describeEachStore/openTestStore');
  return location;
}
