/** What {@link raceTimeout} resolves with when the time ran out before the promise settled. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * The promise's outcome, or {@link TIMED_OUT} when `ms` pass first (never, with `ms` undefined). The timer is
 * always cleared, so an answered request leaves nothing pending in the worker. Shared by the strategies and the
 * navigation route, which each decide what a timeout means (answer from the cache, fail, serve the shell).
 *
 * @example
 * const first = await raceTimeout(fetch(request), 3000);
 * if (first === TIMED_OUT) return (await caches.match(request)) ?? fetch(request);
 */
export async function raceTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<T | typeof TIMED_OUT> {
  if (ms === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
