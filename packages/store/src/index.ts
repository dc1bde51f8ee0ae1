export type { Migration } from './migrate.js';
export { MigrationError, migrate } from './migrate.js';
export type { OpenStoreOptions } from './open-store.js';
export { openStore } from './open-store.js';
export type { Dialect, Store } from './store.js';
export { blobColumnType, StoreError } from './store.js';
