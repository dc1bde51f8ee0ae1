#!/usr/bin/env node
// The `outpost` command: looks the subcommand up in the registry and hands it the rest of the arguments.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type CommandIo, processIo } from './command.js';
import { commands } from './registry.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: outpost <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `outpost <command> --help` for the options of one command.',
  ].join('\n');
}

/** Runs `outpost` with the given arguments (without `node` and the script); resolves with the exit code. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(`${topic ? topic.usage : overview()}\n`);
    return first === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    io.stderr.write(`outpost: unknown command ${JSON.stringify(first)}\n\n${overview()}\n`);
    return 2;
  }
  return command.run(rest, io);
}

// Run when executed (also through npm's bin symlink, hence realpath), not when imported by a test.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`outpost: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
