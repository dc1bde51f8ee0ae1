import type { Readable, Writable } from 'node:stream';

/** Where a command reads and writes, so tests can run commands in-process. */
export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
  /** For commands that read `-` (standard input). */
  stdin?: Readable;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  stderrIsTTY?: boolean;
  /** Stops a long-running command. */
  signal?: AbortSignal;
}

/**
 * One `outpost` subcommand. Each lives in `commands/<name>.ts` exporting `usage` and `run`, and is listed
 * once, with its name and one-line summary, in `registry.ts`. `run` resolves with the process exit code:
 * 0 success, 1 the operation failed, 2 bad usage.
 */
export interface Command {
  /** Full text for `outpost <name> --help`. */
  usage: string;
  run(argv: string[], io?: CommandIo): Promise<number>;
}

/** A registry line: what `outpost --help` shows, and how to load the command only when it runs. */
export interface CommandEntry {
  name: string;
  /** One line for `outpost --help`. */
  summary: string;
  /** Imports the command's module, and with it only the dependencies that command uses. */
  load(): Promise<Command>;
}

/** The real process's streams. */
export const processIo: CommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  stderrIsTTY: process.stderr.isTTY === true,
};
