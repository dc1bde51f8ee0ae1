import { randomUUID } from 'node:crypto';
import { describeEachStore } from '@outpost/store/testing';
import { expect, it } from 'vitest';
import { newMessageId, newUaid } from '../src/protocol/ids.js';
import { type IncomingMessage, PushStore } from '../src/store/push-store.js';
import { defined } from './defined.js';

function message(uaid: string, channel: string, extra: Partial<IncomingMessage> = {}): IncomingMessage {
  const now = Date.now();
  return {
    id: newMessageId(),
    uaid,
    channel_id: channel,
    topic: null,
    ttl: 60,
    expires_at: now + 60_000,
    urgency: 'normal',
    data: 'AAAA',
    encoding: 'aes128gcm',
    encryption: null,
    crypto_key: null,
    created_at: now,
    ...extra,
  };
}

const batch = (
  messages: { message: IncomingMessage; store: boolean; keyHash?: string | null }[],
  storageLimit = 100,
) => ({
  messages: messages.map((m) => ({ keyHash: null, ...m })),
  acked: [],
  now: Date.now(),
  storageLimit,
});

describeEachStore('PushStore', (getStore) => {
  async function setup() {
    const store = new PushStore(getStore());
    await store.migrate();
    const uaid = newUaid();
    const channel = randomUUID();
    await register(store, uaid, channel);
    return { store, uaid, channel };
  }

  function register(store: PushStore, uaid: string, channel: string, keyHash: string | null = null, maxChannels = 100) {
    return store.registerChannel(uaid, channel, { keyHash, now: Date.now(), node: null, maxChannels });
  }

  it('stores messages in order and reports unknown subscriptions as gone', async () => {
    const { store, uaid, channel } = await setup();
    const a = message(uaid, channel);
    const b = message(uaid, channel);
    const stray = message(uaid, randomUUID());
    const outcomes = await store.commitBatch(
      batch([
        { message: a, store: true },
        { message: stray, store: true },
        { message: b, store: true },
      ]),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'gone', 'stored']);
    const pending = await store.pendingMessages(uaid, 10, Date.now());
    expect(pending.map((m) => m.id)).toEqual([a.id, b.id]);
    const [first, second] = pending;
    expect(defined(first, 'first pending').seq).toBeLessThan(defined(second, 'second pending').seq);
  });

  it('TTL 0 is checked, not stored', async () => {
    const { store, uaid, channel } = await setup();
    const [o] = await store.commitBatch(batch([{ message: message(uaid, channel, { ttl: 0 }), store: false }]));
    expect(o).toEqual({ kind: 'checked' });
    expect(await store.pendingMessages(uaid, 10, Date.now())).toEqual([]);
  });

  it('replaces by topic across and within batches', async () => {
    const { store, uaid, channel } = await setup();
    await store.commitBatch(batch([{ message: message(uaid, channel, { topic: 't', data: 'AQ' }), store: true }]));
    const second = message(uaid, channel, { topic: 't', data: 'Ag' });
    const third = message(uaid, channel, { topic: 't', data: 'Aw' });
    await store.commitBatch(
      batch([
        { message: second, store: true },
        { message: third, store: true },
      ]),
    );
    const pending = await store.pendingMessages(uaid, 10, Date.now());
    expect(pending.map((m) => m.data)).toEqual(['Aw']);
  });

  it('enforces the storage limit per UAID', async () => {
    const { store, uaid, channel } = await setup();
    const outcomes = await store.commitBatch(
      batch(
        [1, 2, 3].map(() => ({ message: message(uaid, channel), store: true })),
        2,
      ),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'stored', 'storage-full']);
  });

  it("item 6: each subscription gets a fair share of its user agent's storage", async () => {
    const { store, uaid, channel } = await setup();
    const quiet = randomUUID();
    await register(store, uaid, quiet);
    // Two subscriptions, limit 4: the bursting one stops at 2 and the quiet one still has its 2.
    const burst = await store.commitBatch(
      batch(
        [1, 2, 3, 4].map(() => ({ message: message(uaid, channel), store: true })),
        4,
      ),
    );
    expect(burst.map((o) => o.kind)).toEqual(['stored', 'stored', 'storage-full', 'storage-full']);
    expect(burst[2]).toEqual({ kind: 'storage-full', limit: 2, scope: 'subscription' });
    const other = await store.commitBatch(
      batch(
        [1, 2].map(() => ({ message: message(uaid, quiet), store: true })),
        4,
      ),
    );
    expect(other.map((o) => o.kind)).toEqual(['stored', 'stored']);
  });

  it('item 5: a push through an endpoint made for another key than the stored one is gone', async () => {
    const { store, uaid, channel } = await setup();
    const keyed = randomUUID();
    await register(store, uaid, keyed, 'a'.repeat(43));
    const outcomes = await store.commitBatch(
      batch([
        { message: message(uaid, keyed), store: true, keyHash: 'a'.repeat(43) },
        { message: message(uaid, keyed), store: true, keyHash: 'b'.repeat(43) },
        { message: message(uaid, keyed), store: true, keyHash: null },
        { message: message(uaid, channel), store: true, keyHash: 'a'.repeat(43) },
        { message: message(uaid, channel), store: true, keyHash: null },
      ]),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'gone', 'gone', 'gone', 'stored']);
  });

  it('item 4: registerChannel refuses a new channel past the cap, re-registering an existing one is fine', async () => {
    const { store, uaid, channel } = await setup();
    expect(await register(store, uaid, randomUUID(), null, 2)).toBe('registered');
    expect(await register(store, uaid, randomUUID(), null, 2)).toBe('channel-limit');
    expect(await register(store, uaid, channel, null, 2)).toBe('registered');
  });

  it('item 3: a UAID is stored at its first register, not before', async () => {
    const store = new PushStore(getStore());
    await store.migrate();
    const uaid = newUaid();
    expect(await store.claimUaid(uaid, null)).toEqual({ known: false, previousNode: null });
    await register(store, uaid, randomUUID());
    expect(await store.claimUaid(uaid, null)).toEqual({ known: true, previousNode: null });
  });

  it('deletes acked messages, sweeps expired ones, deletes by id', async () => {
    const { store, uaid, channel } = await setup();
    const a = message(uaid, channel);
    const b = message(uaid, channel, { expires_at: Date.now() - 1 });
    const c = message(uaid, channel);
    await store.commitBatch(batch([a, b, c].map((m) => ({ message: m, store: true }))));
    await store.commitBatch({ ...batch([]), acked: [a.id] });
    expect((await store.pendingMessages(uaid, 10, Date.now())).map((m) => m.id)).toEqual([c.id]);
    expect(await store.sweepExpired(Date.now())).toBe(1);
    expect(await store.deleteMessage(c.id)).toBe(true);
    expect(await store.deleteMessage(c.id)).toBe(false);
    expect(await store.pendingMessages(uaid, 10, Date.now())).toEqual([]);
  });

  it('records which node holds a UAID and releases only its own claim', async () => {
    const { store, uaid } = await setup();
    const fresh = newUaid();
    expect(await store.claimUaid(fresh, null)).toEqual({ known: false, previousNode: null });
    await store.registerChannel(fresh, randomUUID(), { keyHash: null, now: Date.now(), node: 'aa', maxChannels: 10 });
    expect(await store.claimUaid(fresh, null)).toEqual({ known: true, previousNode: null });
    expect(await store.claimUaid(uaid, 'bb')).toEqual({ known: true, previousNode: null });
    expect(await store.claimUaid(fresh, 'cc')).toEqual({ known: true, previousNode: 'aa' });
    expect(await store.claimUaid(fresh, 'aa')).toEqual({ known: true, previousNode: 'cc' });
    expect(await store.claimUaid(newUaid(), 'aa')).toEqual({ known: false, previousNode: null });
    expect(await store.connectedNodes([fresh, uaid])).toEqual(
      new Map([
        [fresh, 'aa'],
        [uaid, 'bb'],
      ]),
    );
    await store.releaseUaid(uaid, 'aa');
    expect((await store.connectedNodes([uaid])).get(uaid)).toBe('bb');
    await store.releaseUaid(uaid, 'bb');
    expect((await store.connectedNodes([uaid])).size).toBe(0);
  });

  it('unregister removes the channel and its messages', async () => {
    const { store, uaid, channel } = await setup();
    await store.commitBatch(batch([{ message: message(uaid, channel), store: true }]));
    expect(await store.unregisterChannel(uaid, channel)).toBe(true);
    expect(await store.channelExists(uaid, channel)).toBe(false);
    expect(await store.pendingMessages(uaid, 10, Date.now())).toEqual([]);
    expect(await store.unregisterChannel(uaid, channel)).toBe(false);
  });
});
