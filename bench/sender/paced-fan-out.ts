import type { FanOutOptions, FanOutSummary, PushSubscriptionJSON } from '@outpost/webpush';

type FanOut = (
  subscriptions: AsyncIterable<PushSubscriptionJSON>,
  payload: string,
  options: FanOutOptions,
) => Promise<FanOutSummary>;

/**
 * One long-lived fan-out fed in rounds: between rounds its input waits, so other contenders can be measured
 * on the machine while its workers and connections stay up. This times the sender's steady state, as in a
 * large fan-out, instead of its start-up (worker threads, TLS handshakes), which is measured on its own.
 */
export class PacedFanOut {
  readonly #rounds: PushSubscriptionJSON[][] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  #delivered = 0;
  #target = 0;
  #roundDone: (() => void) | undefined;
  readonly summary: Promise<FanOutSummary>;

  constructor(fanOut: FanOut, payload: string, options: FanOutOptions) {
    const self = this;
    async function* input(): AsyncGenerator<PushSubscriptionJSON> {
      for (;;) {
        while (self.#rounds.length === 0 && !self.#closed) await new Promise<void>((resolve) => (self.#wake = resolve));
        const slice = self.#rounds.shift();
        if (!slice) return;
        yield* slice;
      }
    }
    this.summary = fanOut(input(), payload, {
      ...options,
      onResult: (result) => {
        if (result.result !== 'delivered') throw new Error(`bench message not delivered: ${JSON.stringify(result)}`);
        if (++this.#delivered === this.#target) this.#roundDone?.();
      },
    });
  }

  /** Sends one slice and resolves when every message of it has a result. */
  round(slice: PushSubscriptionJSON[]): Promise<void> {
    this.#target = this.#delivered + slice.length;
    const done = new Promise<void>((resolve) => (this.#roundDone = resolve));
    this.#rounds.push(slice);
    this.#wake?.();
    return Promise.race([done, this.summary.then(() => undefined)]);
  }

  /** Ends the input and returns the fan-out's summary. */
  finish(): Promise<FanOutSummary> {
    this.#closed = true;
    this.#wake?.();
    return this.summary;
  }
}
