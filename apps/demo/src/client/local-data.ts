import { forgetDrafts } from './mail/drafts';
import { forgetFolders } from './mail/folders';

/** Removes what `account` keeps on this device besides its outbox items: its drafts and its folders' copies. */
export async function forgetAccountData(account: string): Promise<void> {
  forgetFolders(account);
  await forgetDrafts(account);
}
