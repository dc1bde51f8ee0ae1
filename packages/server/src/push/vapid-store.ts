import type { Store } from '@outpost/store';
import { generateVapidKeys, type VapidKeys } from '@outpost/webpush';
import type { Kysely } from 'kysely';
import type { PushTables } from './tables.js';

const ROW_ID = 'default';

/**
 * The app server's VAPID key pair from the store, made and stored on first use. Several processes starting at
 * once all end up with the first one stored (insert-if-absent, then read back): a second key would orphan every
 * subscription made with the first.
 */
export async function storedVapidKeys(store: Store, now: number): Promise<VapidKeys> {
  const db = store.db as Kysely<PushTables>;
  const read = () =>
    db.selectFrom('push_vapid').select(['public_key', 'private_key']).where('id', '=', ROW_ID).executeTakeFirst();
  let row = await read();
  if (!row) {
    const keys = await generateVapidKeys();
    await db
      .insertInto('push_vapid')
      .values({ id: ROW_ID, public_key: keys.publicKey, private_key: keys.privateKey, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    row = await read();
    if (!row) throw new Error('push_vapid row vanished right after it was written');
  }
  return { publicKey: row.public_key, privateKey: row.private_key };
}
