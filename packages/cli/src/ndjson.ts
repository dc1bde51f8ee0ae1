import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** A line that was not a JSON object, reported instead of stopping a long run. */
export interface UnreadableLine {
  line: number;
  message: string;
}

/**
 * Streams one JSON value per line from a file (or a stream), never holding more than a line at a time, so a
 * file of a million subscriptions costs the same memory as one of ten. Blank lines are skipped; a line that
 * is not JSON goes to `onUnreadable` and the stream goes on.
 */
export async function* readNdjson<T>(
  source: string | Readable,
  onUnreadable: (bad: UnreadableLine) => void,
): AsyncGenerator<T> {
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        onUnreadable({ line: n, message: (error as Error).message });
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        onUnreadable({ line: n, message: 'not a JSON object' });
        continue;
      }
      yield value as T;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Counts the lines of a file by streaming it (for a progress bar's total). */
export async function countLines(path: string): Promise<number> {
  let count = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) count++;
    const tail = chunk.at(-1);
    if (tail !== undefined) last = tail;
  }
  return last === 10 ? count : count + 1;
}
