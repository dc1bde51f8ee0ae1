import { openTestStore, type TestStore } from '@outpost/store/testing';
import type { PushSubscriptionJSON } from '@outpost/webpush';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualUserAgent } from '../src/index.js';
import { type ChildService, freePort, spawnService } from './child-service.js';
import { push, startService } from './helpers.js';

/** The same subscription, reached through another node (in production: any node behind one public URL). */
function via(sub: PushSubscriptionJSON, nodeUrl: string): PushSubscriptionJSON {
  const url = new URL(sub.endpoint);
  return { ...sub, endpoint: `${nodeUrl}${url.pathname}` };
}

describe('several nodes on one Postgres', () => {
  let pg: TestStore;
  const cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    // An empty schema of its own; the nodes open their own pools onto it.
    pg = await openTestStore('postgres');
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await pg.dispose();
  });

  async function node() {
    const n = await startService({ db: pg.location.url, schema: pg.location.schema });
    cleanups.push(() => n.stop());
    return n;
  }

  it('a message POSTed to node B reaches the user agent connected to node A (LISTEN/NOTIFY)', async () => {
    const a = await node();
    const b = await node();
    const ua = await VirtualUserAgent.connect(a.wsUrl);
    cleanups.push(() => ua.close());
    const sub = await ua.subscribe();
    const r = await push(via(sub, b.url), 'routed through B');
    expect(r.status).toBe(201);
    expect((await ua.nextMessage()).text).toBe('routed through B');
    // TTL 0 travels inside the notification itself.
    expect((await push(via(sub, b.url), 'ephemeral through B', { ttl: 0 })).status).toBe(201);
    expect((await ua.nextMessage()).text).toBe('ephemeral through B');
  });

  it('a user agent that reconnects to another node makes the first node drop its old connection', async () => {
    const a = await node();
    const b = await node();
    const onA = await VirtualUserAgent.connect(a.wsUrl);
    const sub = await onA.subscribe();
    // The same user agent comes back through B while A still holds a connection it believes alive.
    const onB = await VirtualUserAgent.connect(b.wsUrl, { state: onA.state() });
    cleanups.push(() => onB.close());
    expect((await onA.closed).code).toBe(4000);
    expect((await push(via(sub, a.url), 'posted to A after the move')).status).toBe(201);
    expect((await onB.nextMessage()).text).toBe('posted to A after the move');
  });

  it('a user agent that reconnects to another node gets its stored messages', async () => {
    const a = await node();
    const b = await node();
    const ua = await VirtualUserAgent.connect(a.wsUrl);
    const sub = await ua.subscribe();
    const state = ua.state();
    await ua.close();
    expect((await push(via(sub, a.url), 'stored on A')).status).toBe(201);
    const onB = await VirtualUserAgent.connect(b.wsUrl, { state });
    cleanups.push(() => onB.close());
    expect(onB.uaid).toBe(state.uaid);
    expect((await onB.nextMessage()).text).toBe('stored on A');
  });

  it('node A killed (-9): the user agent on node B gets what was stored, including messages POSTed meanwhile', async () => {
    const port = await freePort();
    const a: ChildService = await spawnService(pg.location.url, port, pg.location.schema);
    cleanups.push(async () => {
      if (a.process.exitCode === null && a.process.signalCode === null) await a.kill9();
    });
    const b = await node();
    const ua = await VirtualUserAgent.connect(a.wsUrl, { autoAck: false });
    const sub = await ua.subscribe();
    const state = ua.state();
    // Delivered by A but never acked: still stored.
    expect((await push(via(sub, b.url), 'unacked on A')).status).toBe(201);
    expect((await ua.nextMessage()).text).toBe('unacked on A');

    await a.kill9();
    await ua.closed;
    // B still believes A holds the user agent; its NOTIFY goes nowhere, the message waits in storage.
    expect((await push(via(sub, b.url), 'posted while A was dead')).status).toBe(201);

    const onB = await VirtualUserAgent.connect(b.wsUrl, { state });
    cleanups.push(() => onB.close());
    const texts = [(await onB.nextMessage()).text, (await onB.nextMessage()).text];
    expect(texts).toEqual(['unacked on A', 'posted while A was dead']);
    // And B now routes to itself.
    expect((await push(via(sub, b.url), 'after takeover')).status).toBe(201);
    expect((await onB.nextMessage()).text).toBe('after takeover');
  });
});
