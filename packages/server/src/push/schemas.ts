import { MAX_ENDPOINT_LENGTH } from './endpoint-allowlist.js';

const endpoint = { type: 'string', minLength: 1, maxLength: MAX_ENDPOINT_LENGTH } as const;

/** Body of POST /api/push/subscriptions: `PushSubscription.toJSON()`, plus `oldEndpoint` on a change. */
export const postSubscriptionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint', 'keys'],
  properties: {
    endpoint,
    expirationTime: { type: ['integer', 'null'], minimum: 0 },
    keys: {
      type: 'object',
      additionalProperties: false,
      required: ['p256dh', 'auth'],
      properties: {
        p256dh: { type: 'string', minLength: 1, maxLength: 200 },
        auth: { type: 'string', minLength: 1, maxLength: 100 },
      },
    },
    oldEndpoint: endpoint,
  },
} as const;

/** Body of DELETE /api/push/subscriptions. */
export const deleteSubscriptionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  properties: { endpoint },
} as const;

/** Response of GET /api/push/key. */
export const keyResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['publicKey'],
  properties: { publicKey: { type: 'string' } },
} as const;
