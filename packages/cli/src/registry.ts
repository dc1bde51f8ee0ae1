import type { Command } from './command.js';
import * as pushService from './commands/push-service.js';
import * as send from './commands/send.js';
import * as ua from './commands/ua.js';
import * as vapid from './commands/vapid.js';

/** Every `outpost` subcommand, in the order `outpost --help` lists them. One line per command. */
export const commands: readonly Command[] = [vapid, send, pushService, ua];
