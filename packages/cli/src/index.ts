// @outpost/cli: the `outpost` command. The programmatic surface is for tests and embedding: the dispatcher
// and the command registry.
export type { Command, CommandIo } from './command.js';
export { main } from './main.js';
export { commands } from './registry.js';
