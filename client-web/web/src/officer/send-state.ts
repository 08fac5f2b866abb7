// The send screen's state and actions: the draft (kept for the visit, so a failed
// send or a trip to another screen loses nothing typed), the checks shown after the
// first try, the 緊急 confirmation, and signing and sending (`Client::send_broadcast`).
//
// Sending again after a failure, with nothing changed, reuses the notice's ID: if
// the first try did reach the server, the second is answered `duplicate_broadcast`,
// which then means "sent", and nobody gets the notice twice.

import type { Me } from '../api';
import { navigate, rerender } from '../app';
import { isCode, isNetwork } from '../http';
import { myOfficer, sendNotice } from './api';
import { forgetImage, imageKey, noticeAttachment } from './image';
import { keepAcknowledged } from './own-notice';
import { buildNotice, checkDraft, draftKey, emptyDraft, needsConfirmation, type Draft, type DraftProblem } from './draft';
import { sendingOrganisations } from './roles';
import { rosterFor, UNEXPECTED, wordsOf, type Words } from './roster-state';

export interface SendState {
  userId: string;
  draft: Draft;
  /** Whether to show the draft's problems (after the first try to send). */
  checked: boolean;
  phase: 'edit' | 'confirm' | 'sending';
  problem: { words: Words; offline: boolean } | null;
  /** The last try: the same draft is sent again under the same ID. */
  attempt: { key: string; id: string } | null;
}

let state: SendState | null = null;

/** Notices sent from this page in this visit, by ID: the organisation that sent them. */
const sentFrom = new Map<string, string>();
/** Sent, and the status screen has not said so yet. */
const justSent = new Set<string>();

/** Whether notice `id` was just sent from this page (true once). */
export function takeJustSent(id: string): boolean {
  return justSent.delete(id);
}

/** The organisation a notice sent from this page came from (null for any other notice). */
export function sentOrganisation(id: string): string | null {
  return sentFrom.get(id) ?? null;
}

/** The person's send screen state (a new draft for the first organisation they send for). */
export function sendStateFor(me: Me): SendState {
  if (state !== null && state.userId === me.userId) return state;
  const first = sendingOrganisations(me)[0]?.id ?? '';
  state = { userId: me.userId, draft: emptyDraft(first), checked: false, phase: 'edit', problem: null, attempt: null };
  return state;
}

/** Changes the draft as the person types (no redraw needed: the inputs hold it). */
export function edit(patch: Partial<Draft>, redraw = true): void {
  if (state === null) return;
  state.draft = { ...state.draft, ...patch };
  if (redraw) rerender();
}

/** The problems to show now (none before the first try). */
export function shownProblems(s: SendState): DraftProblem[] {
  return s.checked ? checkDraft(s.draft) : [];
}

const FIELD_IDS: Record<DraftProblem['field'], string> = {
  organisation: 'officer-org',
  title: 'officer-title',
  area: 'officer-area',
  body: 'officer-body',
  hours: 'officer-hours',
};

export const fieldId = (field: DraftProblem['field']): string => FIELD_IDS[field];

/** "Send": checks, then asks to confirm a 緊急, else signs and sends. */
export function submit(): void {
  const s = state;
  if (s === null || s.phase === 'sending') return;
  s.checked = true;
  s.problem = null;
  const problems = checkDraft(s.draft);
  const roster = rosterFor(s.draft.organisation);
  if (problems.length > 0) {
    rerender();
    const first = problems[0];
    if (first !== undefined) document.getElementById(fieldId(first.field))?.focus();
    return;
  }
  if (roster.standing?.kind !== 'listed') {
    rerender();
    document.getElementById('officer-roster-heading')?.focus();
    return;
  }
  if (needsConfirmation(s.draft) && s.phase === 'edit') {
    s.phase = 'confirm';
    rerender();
    document.getElementById('officer-confirm-heading')?.focus();
    return;
  }
  void send(s);
}

/** Back from the 緊急 confirmation to the form, nothing lost. */
export function backToEdit(): void {
  if (state === null) return;
  state.phase = 'edit';
  rerender();
  document.getElementById('officer-send')?.focus();
}

async function send(s: SendState): Promise<void> {
  const key = draftKey(s.draft) + imageKey();
  const id = s.attempt !== null && s.attempt.key === key ? s.attempt.id : crypto.randomUUID();
  s.attempt = { key, id };
  s.phase = 'sending';
  rerender();
  const org = s.draft.organisation;
  try {
    // The image is uploaded once: a retry signs the same reference (image.ts).
    const attachment = await noticeAttachment(org);
    await sendNotice({ ...buildNotice(s.draft, await myOfficer(), id, Date.now()), attachment });
  } catch (error) {
    if (!isCode(error, 'duplicate_broadcast')) {
      s.phase = 'edit';
      s.problem = { words: wordsOf(error) ?? UNEXPECTED, offline: isNetwork(error) };
      rerender();
      document.getElementById('officer-send-problem')?.focus();
      return;
    }
    // The earlier try of this very notice reached the server: it is sent.
  }
  sentFrom.set(id, org);
  justSent.add(id);
  // The sender has read what they signed: it does not take their own screen.
  keepAcknowledged(id);
  forgetImage();
  state = null;
  navigate(`#/broadcasts/${id}/status`);
}
