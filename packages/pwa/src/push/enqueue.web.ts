// Requests a worker sends to the app server from push events (a "Mark as read" click, a replaced subscription)
// go through the outbox: stored before any network, sent exactly once (Idempotency-Key), retried when offline.

import { OutboxStore } from '../outbox/page-store.web.js';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyHeaderValue } from '../outbox/request-headers.js';
import { createItem } from '../outbox/transitions.js';

/** A JSON request to queue. */
export interface QueuedJsonRequest {
  /** Absolute URL. */
  url: string;
  /** Default POST. */
  method?: string;
  /** Sent as JSON. */
  body: unknown;
  /** What an outbox view shows for it. */
  label?: unknown;
}

/** Stores `request` in outbox queue `queue`; returns the item's id. Sending is up to the queue's replayer. */
export async function enqueueJson(queue: string, request: QueuedJsonRequest): Promise<string> {
  const key = crypto.randomUUID();
  const store = await OutboxStore.open();
  try {
    const item = createItem({
      id: crypto.randomUUID(),
      idempotencyKey: key,
      queue,
      label: request.label ?? null,
      now: Date.now(),
      request: {
        url: request.url,
        method: (request.method ?? 'POST').toUpperCase(),
        headers: [
          ['content-type', 'application/json'],
          ['accept', 'application/json'],
          [IDEMPOTENCY_KEY_HEADER.toLowerCase(), idempotencyKeyHeaderValue(key)],
        ],
        body: JSON.stringify(request.body),
      },
    });
    await store.add(item);
    return item.id;
  } finally {
    store.close();
  }
}
