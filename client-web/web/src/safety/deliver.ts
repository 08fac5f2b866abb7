// Delivering one answer, in the native client's order (client/src/safety.rs): the
// notice must be an official, current check; the coarse part goes to the server
// first (it is the part the server may refuse: the check closed, not my room), then
// the whole answer goes into the room's team channel through the engine's outbox,
// like every other care post (shown at once, sent once, offline-safe).

import type { PostEnvelope, WebError } from '../generated/types';
import { post } from '../engine';
import { ApiError, http, isNetwork, seg } from '../http';
import type { CoarseAnswer } from './answer';
import { safetyBoth } from './messages';
import { noteAnswered, officialCheck } from './state';

/** One answer on its way: both parts. */
export interface Outgoing {
  broadcast: string;
  room: string;
  coarse: CoarseAnswer;
  envelope: PostEnvelope;
}

/** Why nothing is sent for a notice that is not an official, current check. */
export const NOT_OFFICIAL: WebError = { code: 'not_official', ja: safetyBoth.ja.notOfficial, en: safetyBoth.en.notOfficial };

/** Whether the coarse part may go through later (no answer, server busy). */
export function retryable(error: unknown): boolean {
  return isNetwork(error) || (error instanceof ApiError && (error.status === 429 || error.status >= 500));
}

/** A failure in both languages (the server's words when it gave some). */
export function words(error: unknown): WebError {
  if (isWebError(error)) return error;
  if (error instanceof ApiError) return { code: error.code, en: error.messageEn, ja: error.messageJa };
  return { code: 'internal', en: 'Something went wrong. Try again.', ja: '問題が起きました。もう一度お試しください。' };
}

function isWebError(value: unknown): value is WebError {
  return typeof value === 'object' && value !== null && 'code' in value && 'en' in value && 'ja' in value;
}

/**
 * Both parts, in order: refused (throws `NOT_OFFICIAL`) unless the notice is an
 * official check now; the coarse status to the server; the post into the outbox.
 */
export async function deliver(item: Outgoing): Promise<void> {
  if (officialCheck(item.broadcast) === undefined) throw NOT_OFFICIAL;
  await http.json('PUT', `/broadcasts/${seg(item.broadcast)}/safety/rooms/${seg(item.room)}`, {
    status: item.coarse.status,
    need: item.coarse.need,
  });
  noteAnswered(item.broadcast, item.room, item.coarse);
  await post(item.room, 'team', item.envelope);
}
