// Which room a used room invitation led to, remembered on this device: the server
// answers the same `invitation_invalid` for a used link as for an unknown one (so a
// guesser learns nothing), yet a person who opens her own used link again should
// land in her room. Kept under a hash of the token (never the token) with the
// account that used it; only that account is sent to the room, and only while it
// is still a member (the caller checks with the server).

const PREFIX = 'kizuna.invite.';

async function keyOf(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token.trim()));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return PREFIX + hex.slice(0, 32);
}

/** Remembers that `userId` joined `roomId` with the link of `token`. */
export async function rememberJoined(token: string, userId: string, roomId: string): Promise<void> {
  try {
    localStorage.setItem(await keyOf(token), JSON.stringify({ user: userId, room: roomId }));
  } catch {
    // No storage (private mode): the used link then leads home instead.
  }
}

/** The room `userId` joined with this link on this device, if remembered. */
export async function joinedWith(token: string, userId: string): Promise<string | null> {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(await keyOf(token)) ?? 'null');
    if (typeof saved !== 'object' || saved === null) return null;
    const { user, room } = saved as Record<string, unknown>;
    return user === userId && typeof room === 'string' ? room : null;
  } catch {
    return null;
  }
}
