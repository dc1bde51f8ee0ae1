import type { Writable } from 'node:stream';

/** What the bar shows. */
export interface ProgressState {
  done: number;
  delivered: number;
  expired: number;
  failed: number;
  seconds: number;
}

const WIDTH = 24;

/** Renders one line of progress: bar (when the total is known), counts and rate. */
export function renderProgress(state: ProgressState, total: number | undefined): string {
  const rate = state.seconds > 0 ? Math.round(state.done / state.seconds) : 0;
  const counts = `${state.done.toLocaleString('en-US')}${total === undefined ? '' : `/${total.toLocaleString('en-US')}`}`;
  const tail = `${counts} · ${rate.toLocaleString('en-US')}/s · delivered ${state.delivered.toLocaleString('en-US')} · expired ${state.expired.toLocaleString('en-US')} · failed ${state.failed.toLocaleString('en-US')}`;
  if (!total) return tail;
  const fraction = Math.min(1, state.done / total);
  const filled = Math.round(fraction * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${tail}`;
}

/** A progress line redrawn in place on a terminal. */
export class ProgressBar {
  readonly #out: Writable;
  readonly #total: number | undefined;

  constructor(out: Writable, total: number | undefined) {
    this.#out = out;
    this.#total = total;
  }

  update(state: ProgressState): void {
    this.#out.write(`\r\x1b[K${renderProgress(state, this.#total)}`);
  }

  finish(state: ProgressState): void {
    this.update(state);
    this.#out.write('\n');
  }
}
