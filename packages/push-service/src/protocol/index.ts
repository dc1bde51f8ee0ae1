export * from './client-messages.js';
export * from './ids.js';
export * from './server-messages.js';
