import { signal } from '@preact/signals';
import { deleteDB, type IDBPDatabase, openDB } from 'idb';

/** A mail being written, kept on this device until it is sent or discarded. */
export interface Draft {
  id: string;
  to: string;
  subject: string;
  body: string;
  updatedAt: number;
}

/**
 * Drafts are user data: one database per account on this device (so the next user of a shared device never sees
 * them), whose name never changes with an app version (docs/demo.md, "Local data").
 */
const dbName = (account: string) => `outpost-demo-drafts.${account}`;
/** The one database every account shared before drafts were kept per account: nobody's to inherit, so dropped. */
const SHARED_DB_NAME = 'outpost-demo-drafts';
const SAVE_DELAY_MS = 300;

let account: string | null = null;
let database: Promise<IDBPDatabase> | null = null;
const db = (): Promise<IDBPDatabase> | null => {
  if (account === null) return null;
  database ??= openDB(dbName(account), 1, {
    upgrade(upgrade) {
      upgrade.createObjectStore('drafts', { keyPath: 'id' });
    },
  });
  return database;
};

const blank = (): Draft => ({ id: crypto.randomUUID(), to: '', subject: '', body: '', updatedAt: Date.now() });

/** Every saved draft of the current account, newest first. */
export const drafts = signal<Draft[]>([]);
/** The draft in the compose form. */
export const currentDraft = signal<Draft>(blank());
/** True once the current draft's latest edit is on disk. */
export const draftSaved = signal(false);

let saveTimer: ReturnType<typeof setTimeout> | undefined;
let sharedDropped = false;

/**
 * Shows the drafts of `next` (null: nobody's, and edits are not saved). The form and the list are emptied first,
 * so one account's draft is never on screen, or saved, under another.
 */
export async function showDraftsOf(next: string | null): Promise<void> {
  if (!sharedDropped) {
    sharedDropped = true;
    void deleteDB(SHARED_DB_NAME).catch(() => {});
  }
  if (next === account) return;
  clearTimeout(saveTimer);
  const previous = database;
  account = next;
  database = null;
  drafts.value = [];
  currentDraft.value = blank();
  draftSaved.value = false;
  void previous?.then((open) => open.close()).catch(() => {});
  if (next !== null) await loadDrafts();
}

/** Deletes every draft `owner` kept on this device (at sign-out). */
export async function forgetDrafts(owner: string): Promise<void> {
  if (owner === account) await showDraftsOf(null);
  await deleteDB(dbName(owner));
}

/** Reads the saved drafts and reopens the newest one. */
async function loadDrafts(): Promise<void> {
  const reading = account;
  const open = db();
  if (!open) return;
  const all = ((await (await open).getAll('drafts')) as Draft[]).sort((a, b) => b.updatedAt - a.updatedAt);
  if (account !== reading) return;
  drafts.value = all;
  if (all[0] && isEmpty(currentDraft.value)) {
    currentDraft.value = all[0];
    draftSaved.value = true;
  }
}

/** Changes the current draft; it is saved shortly after the last keystroke. */
export function editDraft(patch: Partial<Omit<Draft, 'id' | 'updatedAt'>>): void {
  currentDraft.value = { ...currentDraft.value, ...patch, updatedAt: Date.now() };
  draftSaved.value = false;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => void saveCurrent(), SAVE_DELAY_MS);
}

async function saveCurrent(): Promise<void> {
  const draft = currentDraft.value;
  const open = db();
  if (isEmpty(draft) || !open) return;
  await (await open).put('drafts', draft);
  if (currentDraft.value === draft) draftSaved.value = true;
  drafts.value = [draft, ...drafts.value.filter((other) => other.id !== draft.id)];
}

/** Opens a saved draft in the compose form (saving the one being written first). */
export async function openDraft(id: string): Promise<void> {
  clearTimeout(saveTimer);
  await saveCurrent();
  const draft = drafts.value.find((candidate) => candidate.id === id);
  if (draft) {
    currentDraft.value = draft;
    draftSaved.value = true;
  }
}

/** Starts a new, empty draft (saving the one being written first). */
export async function newDraft(): Promise<void> {
  clearTimeout(saveTimer);
  await saveCurrent();
  currentDraft.value = blank();
  draftSaved.value = false;
}

/** Removes a draft (after it went into the outbox); the form gets a new empty one if it was showing it. */
export async function discardDraft(id: string): Promise<void> {
  clearTimeout(saveTimer);
  await (await db())?.delete('drafts', id);
  drafts.value = drafts.value.filter((draft) => draft.id !== id);
  if (currentDraft.value.id === id) {
    currentDraft.value = blank();
    draftSaved.value = false;
  }
}

function isEmpty(draft: Draft): boolean {
  return draft.to === '' && draft.subject === '' && draft.body === '';
}
