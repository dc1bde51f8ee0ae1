// @outpost/cli: the `outpost` command. The programmatic surface is for tests and embedding: the dispatcher
// and the command registry.
export type { Command, CommandEntry, CommandIo } from './command.js';
export { main, runProcess } from './main.js';
export { commands } from './registry.js';
