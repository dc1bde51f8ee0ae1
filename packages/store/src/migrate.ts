import { sql } from 'kysely';
import type { AnyKysely, Dialect, Store } from './store.js';

/**
 * One schema change of a namespace. `up` runs inside the migration transaction (do not open another one) and gets
 * the dialect for the few DDL differences (e.g. {@link blobColumnType}).
 *
 * @example
 * ```ts
 * const notesMigrations: Migration[] = [{
 *   name: '001-notes',
 *   async up(db) {
 *     await db.schema.createTable('notes').addColumn('id', 'text', (c) => c.primaryKey()).execute();
 *   },
 * }];
 * ```
 */
export interface Migration {
  name: string;
  up(db: AnyKysely, dialect: Dialect): Promise<void>;
}

/** A migration list is malformed, the recorded history does not fit it, or a migration's `up` failed. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly namespace: string,
    readonly migration?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const TABLE = 'outpost_migrations';

/**
 * Applies the not-yet-applied migrations of one namespace in list order, all in one transaction, recorded in
 * `outpost_migrations(namespace, name, applied_at)`. Safe when two processes migrate at once: Postgres takes a
 * transaction-scoped advisory lock, SQLite the write lock (the store's transactions begin IMMEDIATE) before reading
 * what is applied.
 *
 * Recorded names missing from the list are accepted (a newer version migrated this database: rolling deploys), but
 * a listed migration that is applied after an unapplied one is a {@link MigrationError}: order is part of the contract.
 */
export async function migrate(store: Store, namespace: string, migrations: readonly Migration[]): Promise<void> {
  validateList(namespace, migrations);
  await store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') {
      // Serialises migrators of this schema, including the `create table if not exists` below, which races otherwise.
      await sql`select pg_advisory_xact_lock(hashtext(coalesce(current_schema(), '') || ${`.${TABLE}`}))`.execute(trx);
    }
    // SQLite needs no extra lock: the store begins every transaction IMMEDIATE, i.e. holding the write lock.
    await applyPending(trx, store.dialect, namespace, migrations);
  });
}

/**
 * The migrations still to apply, given the names already recorded. Pure: throws when the history has a gap.
 */
export function pendingMigrations(
  namespace: string,
  migrations: readonly Migration[],
  applied: ReadonlySet<string>,
): Migration[] {
  const firstPending = migrations.findIndex((m) => !applied.has(m.name));
  if (firstPending === -1) return [];
  const pending = migrations.slice(firstPending);
  const appliedLater = pending.find((m) => applied.has(m.name));
  if (appliedLater) {
    throw new MigrationError(
      `migration ${namespace}/${appliedLater.name} is applied but the earlier ${namespace}/${migrations[firstPending]?.name} is not; ` +
        'add new migrations at the end of the list',
      namespace,
      appliedLater.name,
    );
  }
  return pending;
}

function validateList(namespace: string, migrations: readonly Migration[]): void {
  if (typeof namespace !== 'string' || namespace === '') {
    throw new MigrationError('migration namespace must be a non-empty string', String(namespace));
  }
  const seen = new Set<string>();
  for (const migration of migrations) {
    if (typeof migration.name !== 'string' || migration.name === '') {
      throw new MigrationError(`a migration of ${namespace} has an empty name`, namespace);
    }
    if (seen.has(migration.name)) {
      throw new MigrationError(`duplicate migration name ${namespace}/${migration.name}`, namespace, migration.name);
    }
    seen.add(migration.name);
  }
}

async function applyPending(
  db: AnyKysely,
  dialect: Dialect,
  namespace: string,
  migrations: readonly Migration[],
): Promise<void> {
  await db.schema
    .createTable(TABLE)
    .ifNotExists()
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${TABLE}_pk`, ['namespace', 'name'])
    .execute();
  const rows = await db.selectFrom(TABLE).select('name').where('namespace', '=', namespace).execute();
  const applied = new Set(rows.map((row: { name: string }) => row.name));
  for (const migration of pendingMigrations(namespace, migrations, applied)) {
    try {
      await migration.up(db, dialect);
    } catch (error) {
      throw new MigrationError(
        `migration ${namespace}/${migration.name} failed: ${(error as Error).message}`,
        namespace,
        migration.name,
        { cause: error },
      );
    }
    await db.insertInto(TABLE).values({ namespace, name: migration.name, applied_at: Date.now() }).execute();
  }
}
