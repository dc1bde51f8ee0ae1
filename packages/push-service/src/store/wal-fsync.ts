import { type FileHandle, open } from 'node:fs/promises';

/**
 * Makes SQLite commits durable without blocking the event loop. better-sqlite3 runs on the main thread, so with
 * `synchronous=FULL` every commit would stall all sockets for the length of an fsync. Instead the connection runs
 * `synchronous=NORMAL` (commits reach the OS, which is enough for a process crash) and this flushes the WAL file
 * with an fsync on libuv's thread pool before a commit is reported: the guarantee of FULL (a 201 survives power
 * loss), while the next group commit is already being built.
 *
 * Calls coalesce: every caller waits for an fsync that started after its call, and at most one more is queued
 * behind the one in flight, however many callers arrive meanwhile.
 */
export class WalFsync {
  #handle: Promise<FileHandle> | undefined;
  #inFlight: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #count = 0;
  #totalMs = 0;

  constructor(
    private readonly walPath: string,
    private readonly flush: (handle: FileHandle) => Promise<void> = (handle) => handle.sync(),
  ) {}

  /** Resolves once everything written to the WAL before this call is on stable storage. */
  sync(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#inFlight) return this.#start();
    // The fsync in flight may have begun before the caller's commit: queue one more, shared by all who ask now.
    const next = this.#inFlight.then(
      () => undefined,
      () => undefined,
    );
    this.#next = next.then(() => {
      this.#next = undefined;
      return this.#start();
    });
    return this.#next;
  }

  #start(): Promise<void> {
    const run = (async () => {
      this.#handle ??= open(this.walPath, 'r');
      const handle = await this.#handle;
      const started = performance.now();
      await this.flush(handle);
      this.#count += 1;
      this.#totalMs += performance.now() - started;
    })();
    this.#inFlight = run;
    const clear = () => {
      if (this.#inFlight === run) this.#inFlight = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  /** How many fsyncs ran and how long they took in total: the price of durability, for metrics and benches. */
  get stats(): { count: number; totalMs: number } {
    return { count: this.#count, totalMs: this.#totalMs };
  }

  /** Closes the file handle. */
  async close(): Promise<void> {
    await this.#next?.catch(() => undefined);
    await this.#inFlight?.catch(() => undefined);
    const handle = this.#handle;
    this.#handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }
}
