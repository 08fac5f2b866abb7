// What a broadcast officer writes on the send screen, the checks made before signing
// (the core's content rules, so a mistake is shown beside its field rather than as a
// refusal after pressing send), and the notice built from it. Pure: time and the
// new ID come in as parameters, so the unit tests pin every rule.
//
// The limits are the core's (crypto/src/broadcast/content.rs); the core checks them
// again when it signs, and the server when it opens the notice.

import type { Broadcast, Officer, Severity } from '../generated/types';

/** The core's limits, in characters (Unicode scalar values, as Rust counts them). */
export const LIMITS = { title: 120, area: 200, body: 4000 } as const;
/** How long a notice may stay current: at most 30 days. */
export const MAX_HOURS = 30 * 24;
/** The validity offered by default, as `kizuna broadcast send --hours`. */
export const DEFAULT_HOURS = 24;

export const SEVERITIES: readonly Severity[] = ['info', 'caution', 'warning', 'emergency'];

/** The form as typed (the hours as text, so a half-typed number is kept as is). */
export interface Draft {
  organisation: string;
  severity: Severity;
  title: string;
  area: string;
  body: string;
  hours: string;
  safetyCheck: boolean;
  includeFamilies: boolean;
}

export type DraftField = 'organisation' | 'title' | 'area' | 'body' | 'hours';

/** One thing to correct before the notice can be signed. */
export type DraftProblem =
  | { field: DraftField; code: 'empty' }
  | { field: DraftField; code: 'too_long'; limit: number; actual: number }
  | { field: DraftField; code: 'one_line' }
  | { field: 'hours'; code: 'hours_range'; max: number };

export function emptyDraft(organisation: string): Draft {
  return {
    organisation,
    severity: 'info',
    title: '',
    area: '',
    body: '',
    hours: String(DEFAULT_HOURS),
    safetyCheck: false,
    includeFamilies: false,
  };
}

/** Characters as the core counts them (not UTF-16 code units). */
export function charCount(text: string): number {
  return [...text].length;
}

/** Control characters (Unicode Cc, as Rust's `char::is_control`): line breaks, tabs. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function oneLine(field: DraftField, text: string, limit: number): DraftProblem | null {
  const value = text.trim();
  if (value === '') return { field, code: 'empty' };
  if (CONTROL.test(value)) return { field, code: 'one_line' };
  const actual = charCount(value);
  return actual > limit ? { field, code: 'too_long', limit, actual } : null;
}

/** The hours as a whole number from 1 to MAX_HOURS, or null. */
export function parseHours(text: string): number | null {
  const trimmed = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  const hours = Number(trimmed);
  return hours >= 1 && hours <= MAX_HOURS ? hours : null;
}

/** Everything to correct, in the order of the form; empty when it can be signed. */
export function checkDraft(draft: Draft): DraftProblem[] {
  const problems: DraftProblem[] = [];
  if (draft.organisation === '') problems.push({ field: 'organisation', code: 'empty' });
  const title = oneLine('title', draft.title, LIMITS.title);
  if (title !== null) problems.push(title);
  const area = oneLine('area', draft.area, LIMITS.area);
  if (area !== null) problems.push(area);
  const body = charCount(draft.body.trim());
  if (body > LIMITS.body) problems.push({ field: 'body', code: 'too_long', limit: LIMITS.body, actual: body });
  if (parseHours(draft.hours) === null) problems.push({ field: 'hours', code: 'hours_range', max: MAX_HOURS });
  return problems;
}

/** Whether sending needs the extra confirmation: a 緊急 takes everyone's whole screen. */
export function needsConfirmation(draft: Draft): boolean {
  return draft.severity === 'emergency';
}

/**
 * The notice to sign, as `Client::send_broadcast` builds it: the ID chosen here,
 * this device as the signer, issued now, expiring `hours` later, no attachment.
 * Call only when `checkDraft` found nothing.
 */
export function buildNotice(draft: Draft, signer: Officer, id: string, now: number): Broadcast {
  const hours = parseHours(draft.hours) ?? DEFAULT_HOURS;
  return {
    id,
    organisation: draft.organisation,
    signed_by: signer,
    severity: draft.severity,
    title: draft.title.trim(),
    area: draft.area.trim(),
    body: draft.body.trim(),
    issued_at: now,
    expires_at: now + hours * 3_600_000,
    attachment: null,
    safety_check: draft.safetyCheck,
    include_families: draft.includeFamilies,
  };
}

/**
 * A key for "the same notice": sending again after a failure reuses the earlier ID
 * while nothing was changed, so a send that did reach the server is not sent twice
 * (the server answers `duplicate_broadcast`, which then means it was sent).
 */
export function draftKey(draft: Draft): string {
  const { organisation, severity, title, area, body, hours, safetyCheck, includeFamilies } = draft;
  return JSON.stringify([organisation, severity, title.trim(), area.trim(), body.trim(), parseHours(hours), safetyCheck, includeFamilies]);
}
