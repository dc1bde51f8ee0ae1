// The `outpost` command: looks the subcommand up in the registry, loads it, and hands it the rest of the
// arguments. bin/outpost.js (what npm links) calls runProcess.
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
    io.stdout.write(`${topic ? (await topic.load()).usage : overview()}\n`);
    return first === undefined ? 2 : 0;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    io.stderr.write(`outpost: unknown command ${JSON.stringify(first)}\n\n${overview()}\n`);
    return 2;
  }
  const command = await entry.load();
  return command.run(rest, io);
}

/** Runs `outpost` as the process: arguments from argv, the exit code set, an unexpected error's stack on stderr. */
export async function runProcess(argv: string[] = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    process.stderr.write(`outpost: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
