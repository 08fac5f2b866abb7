// One answer to a safety check, from the form to what leaves the device. Pure (no
// page, no network), so the unit tests pin every rule.
//
// An answer goes out in two parts, as on the native client (client/src/safety.rs):
// the coarse part, `{status, need}` only, to the server for the association's totals;
// and the whole answer, with the place and the team's note, as a `safety_answer` post
// sealed for the room's team channel. Nothing typed ever goes into the coarse part.

import type { PostEnvelope, SafetyNeed, SafetyReport, SafetyStatus } from '../generated/types';

/** The statuses in the order the form offers them. */
export const STATUSES: readonly SafetyStatus[] = ['safe', 'needs_support', 'unreachable', 'evacuated'];

/** The kinds of support, in the order the form offers them (with 要支援 only). */
export const NEEDS: readonly SafetyNeed[] = ['medical', 'evacuation', 'supplies', 'other'];

/** Longest place, in UTF-8 bytes (the core's `MAX_PLACE_BYTES`). */
export const MAX_PLACE_BYTES = 500;

/** What the form holds while the person fills it in. */
export interface Draft {
  status: SafetyStatus | null;
  /** Chosen with 要支援; kept (not sent) if the status changes, so switching back keeps it. */
  need: SafetyNeed | null;
  /** Where the client went (避難済み only). */
  place: string;
  /** The team's note (any status; may be empty). */
  note: string;
}

/** What the form must say before anything is sent. */
export type DraftProblem = 'status' | 'need' | 'placeTooLong' | 'placeLines';

/** The only thing the server receives: `PUT …/safety/rooms/{room}`'s body. */
export interface CoarseAnswer {
  status: SafetyStatus;
  need: SafetyNeed | null;
}

/** Both parts of an answer. */
export interface Answer {
  coarse: CoarseAnswer;
  envelope: PostEnvelope;
}

export function emptyDraft(): Draft {
  return { status: null, need: null, place: '', note: '' };
}

// Unicode control characters (Rust's `char::is_control`: Cc).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The place as it will be sent: trimmed, and only with 避難済み (empty: left out). */
function placeOf(draft: Draft): string | null {
  if (draft.status !== 'evacuated') return null;
  const place = draft.place.trim();
  return place === '' ? null : place;
}

/** The first thing wrong with the draft, or null when it can be sent. */
export function checkDraft(draft: Draft): DraftProblem | null {
  if (draft.status === null) return 'status';
  if (draft.status === 'needs_support' && draft.need === null) return 'need';
  const place = placeOf(draft);
  if (place !== null) {
    if (new TextEncoder().encode(place).length > MAX_PLACE_BYTES) return 'placeTooLong';
    if (CONTROL.test(place)) return 'placeLines';
  }
  return null;
}

/**
 * Both parts of the answer for check `broadcast`, or what is wrong with the draft.
 * A need goes with 要支援 only, a place with 避難済み only; the note is the post's body.
 */
export function buildAnswer(broadcast: string, draft: Draft): { ok: true; answer: Answer } | { ok: false; problem: DraftProblem } {
  const problem = checkDraft(draft);
  if (problem !== null || draft.status === null) return { ok: false, problem: problem ?? 'status' };
  const status = draft.status;
  const need = status === 'needs_support' ? draft.need : null;
  const place = placeOf(draft);
  const report: SafetyReport = { broadcast, status };
  if (need !== null) report.need = need;
  if (place !== null) report.evacuated_to = place;
  const envelope: PostEnvelope = { version: 1, content_type: 'safety_answer', body: draft.note.trim(), safety: report };
  return { ok: true, answer: { coarse: { status, need }, envelope } };
}

/** A draft starting from the current answer's status and need (to change it). */
export function draftFrom(status: SafetyStatus | null, need: SafetyNeed | null): Draft {
  return { ...emptyDraft(), status, need: status === 'needs_support' ? need : null };
}
