import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, StoreError } from '@outpost/store';
import { openTestStore, testDatabaseUrl } from '@outpost/store/testing';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

describe('openStore with SQLite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpost-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent directory and opens the file in WAL mode with foreign keys and a busy timeout', async () => {
    const file = join(dir, 'nested', 'deeper', 'app.db');
    const store = await openStore({ url: file });
    expect(store.dialect).toBe('sqlite');
    expect(existsSync(file)).toBe(true);
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    await store.close();
    await store.close();
  });

  it('shares one connection per file in a process, closing it with the last handle', async () => {
    const file = join(dir, 'shared.db');
    const a = await openStore({ url: file });
    const b = await openStore({ url: join(dir, '.', 'shared.db') });
    expect(b.db).toBe(a.db);
    await a.close();
    await a.close();
    await b.db.schema.createTable('still_open').addColumn('x', 'integer').execute();
    await b.close();
    await expect(sql`select 1`.execute(b.db)).rejects.toThrow();
    const c = await openStore({ url: file });
    expect(c.db).not.toBe(a.db);
    await c.close();
  });

  it('begins transactions IMMEDIATE: the write lock is held before the first statement', async () => {
    const file = join(dir, 'locks.db');
    const store = await openStore({ url: file });
    const other = new Database(file, { timeout: 0 });
    try {
      await store.db.transaction().execute(async () => {
        expect(() => other.exec('create table t (x integer)')).toThrow(/database is locked/);
      });
      other.exec('create table t (x integer)');
    } finally {
      other.close();
      await store.close();
    }
  });

  it('a query run again after its table gained a column returns it (statements are kept prepared)', async () => {
    const store = await openStore({ url: join(dir, 'statements.db') });
    await sql`create table t (a integer)`.execute(store.db);
    await sql`insert into t (a) values (1)`.execute(store.db);
    const all = () => sql`select * from t`.execute(store.db).then((r) => r.rows);
    expect(await all()).toEqual([{ a: 1 }]);
    await sql`alter table t add column b text default 'x'`.execute(store.db);
    expect(await all()).toEqual([{ a: 1, b: 'x' }]);
    await store.close();
  });

  it('gives each :memory: store its own database', async () => {
    const a = await openStore({ url: ':memory:' });
    const b = await openStore({ url: ':memory:' });
    await a.db.schema.createTable('only_in_a').addColumn('x', 'integer').execute();
    await expect(sql`select * from only_in_a`.execute(b.db)).rejects.toThrow(/no such table/);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('openStore input errors', () => {
  it('rejects an empty url and unknown schemes', async () => {
    await expect(openStore({ url: '' })).rejects.toThrow(StoreError);
    await expect(openStore({ url: 'mysql://localhost/x' })).rejects.toThrow('unsupported store url scheme "mysql:"');
  });

  it('rejects schema names that are not plain identifiers', async () => {
    await expect(openStore({ url: testDatabaseUrl(), schema: 'x"; drop table y; --' })).rejects.toThrow(
      'invalid schema name',
    );
  });

  it('rejects a bad pool size', async () => {
    await expect(openStore({ url: testDatabaseUrl(), poolSize: 0 })).rejects.toThrow('poolSize');
  });

  it('fails with a StoreError, password redacted, when Postgres is unreachable', async () => {
    const opening = openStore({ url: 'postgres://someone:hunter2@127.0.0.1:1/none' });
    await expect(opening).rejects.toThrow(StoreError);
    await expect(opening).rejects.toThrow(/cannot open Postgres at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none/);
  });
});

describe('openStore with Postgres', () => {
  it('confines the store to its schema and reads bigint as number', async () => {
    const test = await openTestStore('postgres');
    try {
      const { store, location } = test;
      expect(store.dialect).toBe('postgres');
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
      expect(rows[0]?.schema).toBe(location.schema);
      await store.db.schema.createTable('t').addColumn('v', 'bigint').execute();
      const { rows: where } = await sql<{ table_schema: string }>`
        select table_schema from information_schema.tables where table_name = 't' and table_schema = ${location.schema}
      `.execute(store.db);
      expect(where).toHaveLength(1);
      const { rows: big } = await sql<{ v: number }>`select 9007199254740991::bigint as v`.execute(store.db);
      expect(big[0]?.v).toBe(Number.MAX_SAFE_INTEGER);
    } finally {
      await test.dispose();
    }
  });

  it('refuses a bigint that a number cannot hold exactly', async () => {
    const test = await openTestStore('postgres');
    try {
      await expect(sql`select 9007199254740993::bigint as v`.execute(test.store.db)).rejects.toThrow(RangeError);
    } finally {
      await test.dispose();
    }
  });

  it('drops the test schema on dispose', async () => {
    const test = await openTestStore('postgres');
    await test.dispose();
    const admin = await openStore({ url: testDatabaseUrl() });
    try {
      const { rows } =
        await sql`select 1 from information_schema.schemata where schema_name = ${test.location.schema}`.execute(
          admin.db,
        );
      expect(rows).toHaveLength(0);
    } finally {
      await admin.close();
    }
  });
});
