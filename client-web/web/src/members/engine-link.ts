// After a removal the channel groups must drop the removed person's devices (which
// starts a new era key). The engine does that in reconcileRoom; when it is not
// running on this page (e.g. the vault is still locked) its periodic round, or
// another member's, settles the change later.

import { reconcileRoom, status } from '../engine';

/** Settles a membership change now if the engine runs; says whether it did. */
export async function settleMembership(roomId: string): Promise<boolean> {
  if (status().state !== 'ready') return false;
  try {
    await reconcileRoom(roomId);
    return true;
  } catch (error) {
    // Another member may be settling the same change; the engine retries by itself.
    console.warn('membership not settled yet:', error instanceof Error ? error.name : 'error');
    return false;
  }
}
