export { LocalRouter, type NodeRouter, type RouteHint } from './cluster/node-router.js';
export { nodeChannel, PostgresRouter } from './cluster/postgres-router.js';
export type { PushCore, PushEvents } from './delivery/push-core.js';
export { MAX_IN_FLIGHT } from './delivery/user-agent-session.js';
export {
  applicationServerKeyHash,
  type EndpointClaims,
  EndpointKeyring,
  type TokenError,
} from './endpoint-token.js';
export { Errno, PushError, type PushErrorBody } from './http/push-error.js';
export {
  type EncryptionHeaderInput,
  MAX_PAYLOAD_BYTES,
  parseEncryption,
  parseHeaderParams,
  parseTopic,
  parseTtl,
  parseUrgency,
  type Urgency,
} from './http/push-headers.js';
export type { RateLimit } from './http/rate-limiter.js';
export {
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpTimeouts,
} from './limits.js';
export * from './protocol/index.js';
export { redactId, redactUrl } from './redact.js';
export { createPushService, type PushService, type PushServiceOptions, pushServiceLogger } from './server.js';
export { pushMigrations } from './store/schema.js';
export {
  type ReceivedMessage,
  type VirtualSubscription,
  VirtualUserAgent,
  type VirtualUserAgentOptions,
  type VirtualUserAgentState,
} from './virtual-ua.js';
export { type GatewayStats, PUSH_SUBPROTOCOL } from './websocket.js';
