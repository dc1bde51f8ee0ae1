// Outpost's page: send() stores each request (with its Idempotency-Key) in IndexedDB and asks for a sync.
import { createOutbox } from '@outpost/pwa/client';

globalThis.bench = {
  /** Queues `count` requests; returns each send()'s latency in milliseconds (until it is durably stored). */
  async enqueue(count) {
    const outbox = await createOutbox({ queue: 'bench', autoReplay: false });
    const latencies = [];
    for (let n = 1; n <= count; n++) {
      const start = performance.now();
      await outbox.send({ url: '/api/effects', headers: { 'content-type': 'application/json' }, body: `{"n":${n}}` });
      latencies.push(performance.now() - start);
    }
    outbox.close();
    return latencies;
  },
};
