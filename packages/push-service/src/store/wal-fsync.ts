import { type FileHandle, open } from 'node:fs/promises';

/** fsyncs in flight at once: each group commit starts its own instead of queueing behind a slow one. */
const MAX_IN_FLIGHT = 3;

/**
 * Makes SQLite commits durable without blocking the event loop. better-sqlite3 runs on the main thread, so with
 * `synchronous=FULL` every commit would stall all sockets for the length of an fsync. Instead the connection runs
 * `synchronous=NORMAL` (commits reach the OS, which is enough for a process crash) and this flushes the WAL file
 * (fdatasync, as SQLite itself does on Linux) on libuv's thread pool before a commit is reported: the guarantee
 * of FULL (a 201 survives power loss), while the next group commit is already being built.
 *
 * Every caller waits for a flush that started after its call. Up to {@link MAX_IN_FLIGHT} run at once (kept
 * below libuv's four pool threads); past that, callers share one queued flush that starts when a slot frees.
 */
export class WalFsync {
  #handle: Promise<FileHandle> | undefined;
  #inFlight = 0;
  #queued: Promise<void> | undefined;
  #slotFreed: (() => void) | undefined;
  #count = 0;
  #totalMs = 0;

  constructor(
    private readonly walPath: string,
    private readonly flush: (handle: FileHandle) => Promise<void> = (handle) => handle.datasync(),
  ) {}

  /** Resolves once everything written to the WAL before this call is on stable storage. */
  sync(): Promise<void> {
    if (this.#inFlight < MAX_IN_FLIGHT) return this.#start();
    this.#queued ??= new Promise<void>((resolve) => {
      this.#slotFreed = resolve;
    }).then(() => {
      this.#queued = undefined;
      return this.#start();
    });
    return this.#queued;
  }

  async #start(): Promise<void> {
    this.#inFlight += 1;
    try {
      this.#handle ??= open(this.walPath, 'r');
      const handle = await this.#handle;
      const started = performance.now();
      await this.flush(handle);
      this.#count += 1;
      this.#totalMs += performance.now() - started;
    } finally {
      this.#inFlight -= 1;
      const wake = this.#slotFreed;
      this.#slotFreed = undefined;
      wake?.();
    }
  }

  /** How many flushes ran and how long they took in total: the price of durability, for metrics and benches. */
  get stats(): { count: number; totalMs: number } {
    return { count: this.#count, totalMs: this.#totalMs };
  }

  /** Waits for flushes in flight, then closes the file handle. */
  async close(): Promise<void> {
    while (this.#inFlight > 0 || this.#queued) {
      await (this.#queued ?? new Promise((r) => setTimeout(r, 1)));
    }
    const handle = this.#handle;
    this.#handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }
}
