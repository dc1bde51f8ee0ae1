// Push and badge on top of the outbox (the chat worker): notifications merged per tag, app_badge, clicks, an
// action sent through the outbox, pushsubscriptionchange. The badge comes in with handlePush, which sets it.
import './outbox.js';
import { handleOutbox, handlePush } from '@outpost/pwa/sw';

const chat = handleOutbox({ queues: ['chat'] });
handlePush({
  outbox: { queue: 'chat', replayer: chat },
  actions: { 'mark-read': ({ data, count }) => ({ send: { url: '/api/chat/read', body: data }, lowerBadge: count }) },
});
