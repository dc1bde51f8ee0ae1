import { type Migration, MigrationError, migrate, openStore, type Store } from '@outpost/store';
import { describeEachStore, testStoreLocation } from '@outpost/store/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { pendingMigrations } from '../src/migrate.js';

/** A migration that creates table `t_<name>` and logs its own name, so tests can see what ran and in which order. */
function creating(name: string, log: string[]): Migration {
  return {
    name,
    async up(db) {
      log.push(name);
      await db.schema
        .createTable(`t_${name}`)
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .execute();
    },
  };
}

async function appliedNames(store: Store, namespace: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('outpost_migrations')
    .select(['name', 'applied_at'])
    .where('namespace', '=', namespace)
    .orderBy('name')
    .execute();
  for (const row of rows) expect(typeof row.applied_at).toBe('number');
  return rows.map((row) => row.name);
}

async function tableExists(store: Store, table: string): Promise<boolean> {
  try {
    await sql`select count(*) from ${sql.table(table)}`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}

describeEachStore('migrate', (getStore, dialect) => {
  it('applies migrations in list order, not name order, and records them', async () => {
    const store = getStore();
    const log: string[] = [];
    await migrate(store, 'app', [creating('b', log), creating('a', log), creating('c', log)]);
    expect(log).toEqual(['b', 'a', 'c']);
    expect(await appliedNames(store, 'app')).toEqual(['a', 'b', 'c']);
  });

  it('passes the dialect to up()', async () => {
    const seen: string[] = [];
    await migrate(getStore(), 'app', [{ name: 'x', up: async (_db, d) => void seen.push(d) }]);
    expect(seen).toEqual([dialect]);
  });

  it('is idempotent: a re-run applies nothing, a longer list applies only the new tail', async () => {
    const store = getStore();
    const log: string[] = [];
    const first = [creating('one', log), creating('two', log)];
    await migrate(store, 'app', first);
    await migrate(store, 'app', first);
    expect(log).toEqual(['one', 'two']);
    await migrate(store, 'app', [...first, creating('three', log)]);
    expect(log).toEqual(['one', 'two', 'three']);
    expect(await appliedNames(store, 'app')).toEqual(['one', 'three', 'two']);
  });

  it('keeps namespaces apart', async () => {
    const store = getStore();
    const log: string[] = [];
    await migrate(store, 'mail', [creating('m1', log)]);
    await migrate(store, 'chat', [{ name: 'm1', up: async () => void log.push('chat/m1') }]);
    expect(log).toEqual(['m1', 'chat/m1']);
    expect(await appliedNames(store, 'mail')).toEqual(['m1']);
    expect(await appliedNames(store, 'chat')).toEqual(['m1']);
  });

  it('rolls back every migration of the run when one fails', async () => {
    const store = getStore();
    const log: string[] = [];
    const failing: Migration = {
      name: 'boom',
      up: async () => {
        throw new Error('disk on fire');
      },
    };
    const run = migrate(store, 'app', [creating('ok', log), failing]);
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow('migration app/boom failed: disk on fire');
    expect(await tableExists(store, 't_ok')).toBe(false);
    await migrate(store, 'app', [creating('ok', log)]);
    expect(await tableExists(store, 't_ok')).toBe(true);
  });

  it('rejects a history with a gap: a new migration inserted before an applied one', async () => {
    const store = getStore();
    const log: string[] = [];
    await migrate(store, 'app', [creating('a', log), creating('c', log)]);
    await expect(migrate(store, 'app', [creating('a', log), creating('b', log), creating('c', log)])).rejects.toThrow(
      'migration app/c is applied but the earlier app/b is not',
    );
  });

  it('accepts applied migrations the list does not know (a newer version migrated first)', async () => {
    const store = getStore();
    const log: string[] = [];
    await migrate(store, 'app', [creating('a', log), creating('b', log)]);
    await migrate(store, 'app', [creating('a', log)]);
    expect(log).toEqual(['a', 'b']);
  });

  it('runs once when two stores on the same database migrate at the same time', async () => {
    const first = getStore();
    const second = await openStore(testStoreLocation(first));
    try {
      const log: string[] = [];
      const list = [creating('x', log), creating('y', log)];
      await Promise.all([migrate(first, 'app', list), migrate(second, 'app', list), migrate(first, 'app', list)]);
      expect(log).toEqual(['x', 'y']);
      expect(await appliedNames(second, 'app')).toEqual(['x', 'y']);
    } finally {
      await second.close();
    }
  });
});

describe('migration list validation', () => {
  const noop = async () => {};
  it('rejects duplicate names', async () => {
    const store = await openStore({ url: ':memory:' });
    await expect(
      migrate(store, 'app', [
        { name: 'a', up: noop },
        { name: 'a', up: noop },
      ]),
    ).rejects.toThrow('duplicate migration name app/a');
    await store.close();
  });

  it('rejects empty namespaces and names', async () => {
    const store = await openStore({ url: ':memory:' });
    await expect(migrate(store, '', [])).rejects.toThrow(MigrationError);
    await expect(migrate(store, 'app', [{ name: '', up: noop }])).rejects.toThrow('has an empty name');
    await store.close();
  });

  it('computes the pending tail', () => {
    const list = ['a', 'b', 'c'].map((name) => ({ name, up: noop }));
    expect(pendingMigrations('n', list, new Set()).map((m) => m.name)).toEqual(['a', 'b', 'c']);
    expect(pendingMigrations('n', list, new Set(['a'])).map((m) => m.name)).toEqual(['b', 'c']);
    expect(pendingMigrations('n', list, new Set(['a', 'b', 'c', 'z']))).toEqual([]);
    expect(() => pendingMigrations('n', list, new Set(['b']))).toThrow('n/b is applied but the earlier n/a is not');
  });
});
