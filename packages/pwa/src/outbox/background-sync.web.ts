// Background Sync is Chromium-only and not in TypeScript's DOM or WebWorker lib. Declared here once, optional,
// so every use has to feature-detect it (`registration.sync?.register(...)`) and no cast is needed anywhere.

/** The part of `SyncManager` the outbox uses. */
export interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

declare global {
  interface ServiceWorkerRegistration {
    /** Background Sync, where the browser has it (Chromium); undefined elsewhere. */
    readonly sync?: SyncManagerLike;
  }
}
