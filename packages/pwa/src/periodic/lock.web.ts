import { claimLease, releaseLease } from './store.web.js';

/**
 * Runs `work` while holding the tag's lock across every page of the origin: a Web Lock (`outpost-periodic:<tag>`)
 * where the browser has the API, so a second tab waits and then sees the first tab's run record; elsewhere an
 * IndexedDB lease of `leaseMs`, which a second tab does not wait for (it gets null). A lease left behind by a
 * closed tab expires by itself.
 */
export async function withTagLock<T>(tag: string, leaseMs: number, work: () => Promise<T>): Promise<T | null> {
  const locks: LockManager | undefined = navigator.locks;
  if (locks) return locks.request(`outpost-periodic:${tag}`, () => work());
  const owner = crypto.randomUUID();
  if (!(await claimLease(tag, owner, Date.now(), leaseMs))) return null;
  try {
    return await work();
  } finally {
    await releaseLease(tag, owner);
  }
}
