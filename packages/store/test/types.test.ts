import { blobColumnType, migrate } from '@outpost/store';
import { describeEachStore } from '@outpost/store/testing';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';

interface Tables {
  samples: {
    id: string;
    created_at: number;
    flag: number;
    ratio: number;
    payload: Buffer;
    note: string | null;
  };
}

describeEachStore('column conventions', (getStore, dialect) => {
  it('round-trips text, bigint ms, 0/1 booleans, reals, blobs and nulls with the same JS types', async () => {
    const store = getStore();
    await migrate(store, 'types', [
      {
        name: 'samples',
        async up(db, d) {
          await db.schema
            .createTable('samples')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('created_at', 'bigint', (c) => c.notNull())
            .addColumn('flag', 'integer', (c) => c.notNull())
            .addColumn('ratio', 'double precision', (c) => c.notNull())
            .addColumn('payload', blobColumnType(d), (c) => c.notNull())
            .addColumn('note', 'text')
            .execute();
        },
      },
    ]);
    const db = store.db as Kysely<Tables>;
    const payload = Buffer.from([0, 1, 2, 250, 255, 0]);
    const row = {
      id: 'ünïcødé ✓ 中文',
      created_at: Date.UTC(2030, 0, 1) + 123,
      flag: 1,
      ratio: 0.25,
      payload,
      note: null,
    };
    await db.insertInto('samples').values(row).execute();
    const read = await db.selectFrom('samples').selectAll().executeTakeFirstOrThrow();
    expect(read).toEqual(row);
    expect(Buffer.isBuffer(read.payload)).toBe(true);
    expect(typeof read.created_at).toBe('number');

    const { count } = await db
      .selectFrom('samples')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toBe(1);
    expect(blobColumnType(dialect)).toBe(dialect === 'postgres' ? 'bytea' : 'blob');
  });

  it('keeps the largest safe integer exact', async () => {
    const store = getStore();
    await migrate(store, 'types', [
      { name: 'n', up: (db) => db.schema.createTable('n').addColumn('v', 'bigint').execute() },
    ]);
    await store.db.insertInto('n').values({ v: Number.MAX_SAFE_INTEGER }).execute();
    const read = await store.db.selectFrom('n').select('v').executeTakeFirstOrThrow();
    expect(read.v).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('enforces foreign keys', async () => {
    const store = getStore();
    await migrate(store, 'fk', [
      {
        name: 'tables',
        async up(db) {
          await db.schema
            .createTable('parent')
            .addColumn('id', 'integer', (c) => c.primaryKey())
            .execute();
          await db.schema
            .createTable('child')
            .addColumn('parent_id', 'integer', (c) => c.notNull().references('parent.id'))
            .execute();
        },
      },
    ]);
    await expect(store.db.insertInto('child').values({ parent_id: 42 }).execute()).rejects.toThrow(/foreign key/i);
  });
});
