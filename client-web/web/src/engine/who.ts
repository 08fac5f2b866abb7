// Who was signed in on this device, for opening the app while offline: only the
// person's opaque user ID is kept in clear (localStorage); their name and login ID
// are kept sealed with the vault and filled in once the vault is open again.

import type { Me } from '../api';
import * as store from './store';

const LAST_USER = 'kizuna.lastUser';

/** Remembers (sealed) who is signed in; or, for a placeholder, fills it in. */
export async function rememberMe(me: Me): Promise<void> {
  if (me.loginId === '') {
    const saved = await store.getJson<Me>(`${me.userId}:me`);
    if (saved !== null && saved.userId === me.userId) Object.assign(me, saved);
    return;
  }
  try {
    localStorage.setItem(LAST_USER, me.userId);
  } catch {
    // storage refused: no offline start, nothing else changes
  }
  await store.putJson(`${me.userId}:me`, me);
}

/**
 * When the server cannot be reached: the last person signed in on this device, as a
 * placeholder (name unknown until their vault opens), or null.
 */
export function offlineMe(): Me | null {
  let userId: string | null = null;
  try {
    userId = localStorage.getItem(LAST_USER);
  } catch {
    userId = null;
  }
  if (userId === null || !/^[0-9a-f-]{36}$/.test(userId)) return null;
  return { userId, loginId: '', displayName: '', isSystemAdmin: false };
}

/** Forgets the offline start (sign-out). */
export function forgetMe(): void {
  try {
    localStorage.removeItem(LAST_USER);
  } catch {
    // nothing to forget
  }
}
