import { randomUUID } from 'node:crypto';
import { describeEachStore } from '@outpost/store/testing';
import { expect, it } from 'vitest';
import { newMessageId, newUaid } from '../src/protocol/ids.js';
import { type IncomingMessage, PushStore } from '../src/store/push-store.js';

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

const batch = (messages: { message: IncomingMessage; store: boolean }[], storageLimit = 100) => ({
  messages,
  newUaids: [],
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
    await store.registerChannel(uaid, channel, null, Date.now());
    return { store, uaid, channel };
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
    expect(pending[0]!.seq).toBeLessThan(pending[1]!.seq);
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
    await store.commitBatch({ ...batch([]), newUaids: [{ uaid: fresh, node: 'aa' }] });
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
