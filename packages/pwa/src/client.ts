/**
 * `@outpost/pwa/client`: the page side. Type-check page code against the DOM lib.
 * @packageDocumentation
 */

export type { LifecycleMessage } from './lifecycle/messages.js';
export {
  type RegisterOptions,
  register,
  type ServiceWorkerHandle,
  ServiceWorkerUnsupportedError,
} from './lifecycle/register.client.js';
