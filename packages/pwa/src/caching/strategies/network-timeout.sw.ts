/**
 * The promise's outcome, or undefined when `ms` pass first (never, with `ms` undefined). Undefined rather than
 * a marker value because every caller races a promise of a Response, which is never undefined. The timer is
 * always cleared, so an answered request leaves nothing pending in the worker. Shared by the strategies and the
 * navigation route, which each decide what a timeout means (answer from the cache, fail, serve the shell).
 *
 * @example
 * const first = await raceTimeout(fetch(request), 3000);
 * if (!first) return (await caches.match(request)) ?? fetch(request);
 */
export async function raceTimeout<T extends object>(
  promise: Promise<T>,
  ms: number | undefined,
): Promise<T | undefined> {
  if (ms === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => (timer = setTimeout(resolve as () => void, ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
