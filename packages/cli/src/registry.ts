import type { CommandEntry } from './command.js';

// Each command is imported when it runs, not before: `outpost vapid` must not pay for the push service's
// database drivers or the sender's HTTP pools, and `outpost --help` loads no command at all.

/** Every `outpost` subcommand, in the order `outpost --help` lists them. One line per command. */
export const commands: readonly CommandEntry[] = [
  {
    name: 'vapid',
    summary: 'generate a VAPID key pair (prints {"publicKey","privateKey"} as JSON)',
    load: () => import('./commands/vapid.js'),
  },
  {
    name: 'send',
    summary: 'send a Web Push message to one subscription, or to every line of an NDJSON file',
    load: () => import('./commands/send.js'),
  },
  {
    name: 'push-service',
    summary: 'run a self-hosted RFC 8030 push service (HTTP API + Mozilla WebPush WebSocket on one port)',
    load: () => import('./commands/push-service.js'),
  },
  {
    name: 'ua',
    summary: 'a virtual browser: subscribe to a push service and print decrypted messages',
    load: () => import('./commands/ua.js'),
  },
];
