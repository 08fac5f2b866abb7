// What the UI does with regional broadcasts once the core has judged them: which one
// the banner shows, which one takes the whole screen, which rosters to fetch, how the
// list is split. Pure (time comes in as a parameter) so the unit tests pin every rule.
//
// The severity, title and expiry always come from the signed notice the core opened,
// never from the server's listing beside it: a server must not be able to turn a
// 情報 into a full-screen 緊急, or keep an expired 緊急 in the banner.

import type { BroadcastView, Severity, SignedBroadcast, Standing } from '../generated/types';

/** The caller's receipt as `GET /broadcasts` lists it. */
export interface Receipt {
  delivered_at: number | null;
  opened_at: number | null;
  acknowledged_at: number | null;
}

/** One broadcast as `GET /broadcasts` lists it (the server's fields are not trusted). */
export interface Listed {
  id: string;
  organisation: string;
  /** The sender's registered name (not signed: the verdict rests on the roster). */
  organisation_name?: string;
  severity: Severity;
  sent_at: number;
  expires_at: number;
  signed: SignedBroadcast;
  receipt: Receipt;
}

/** A listed broadcast with the core's verdict on its signed notice. */
export interface Notice {
  listed: Listed;
  view: BroadcastView;
}

/** Warnings that mean "this device lacks the roster": fetch it once and verify again. */
const ROSTER_CODES: ReadonlySet<string> = new Set(['broadcast_no_roster', 'broadcast_unknown_key']);

/** Its standing at `now`: an official notice whose signed expiry has passed is expired. */
export function standingAt(notice: Notice, now: number): Standing {
  if (notice.view.standing !== 'official') return notice.view.standing;
  const signed = notice.view.broadcast;
  return signed === null || signed.expires_at <= now ? 'expired' : 'official';
}

/** Whether the person acknowledged it (the server's receipt, or here, still being sent). */
export function isAcknowledged(notice: Notice, pending: ReadonlySet<string>): boolean {
  return notice.listed.receipt.acknowledged_at !== null || pending.has(notice.listed.id);
}

/** When it was signed (the server's time for one the core could not read). */
function issuedAt(notice: Notice): number {
  return notice.view.broadcast?.issued_at ?? notice.listed.sent_at;
}

function newestFirst(a: Notice, b: Notice): number {
  return issuedAt(b) - issuedAt(a);
}

/** What the banner may show: official now and not acknowledged, newest first. */
export function bannerNotices(notices: readonly Notice[], now: number, pending: ReadonlySet<string>): Notice[] {
  return notices.filter((n) => standingAt(n, now) === 'official' && !isAcknowledged(n, pending)).sort(newestFirst);
}

/** The one that takes the whole screen until acknowledged: the newest official 緊急. */
export function fullScreenNotice(notices: readonly Notice[], now: number, pending: ReadonlySet<string>): Notice | null {
  return bannerNotices(notices, now, pending).find((n) => n.view.broadcast?.severity === 'emergency') ?? null;
}

/** Organisations whose roster this device should fetch and pin (each once). */
export function rostersToFollow(notices: readonly Notice[]): string[] {
  const out: string[] = [];
  for (const n of notices) {
    const code = n.view.warning?.code;
    if (n.view.standing !== 'unverified' || code === undefined || !ROSTER_CODES.has(code)) continue;
    const organisation = n.view.broadcast?.organisation ?? n.listed.organisation;
    if (!out.includes(organisation)) out.push(organisation);
  }
  return out;
}

/**
 * The list view: current notices (official now, and unverified ones, marked) and past
 * ones (expired), each newest first. Unverified notices are never dropped.
 */
export function listSections(notices: readonly Notice[], now: number): { current: Notice[]; past: Notice[] } {
  const current: Notice[] = [];
  const past: Notice[] = [];
  for (const n of [...notices].sort(newestFirst)) {
    (standingAt(n, now) === 'expired' ? past : current).push(n);
  }
  return { current, past };
}

/** Whether showing it should record `opened` (official now, not yet recorded or sent). */
export function needsOpened(notice: Notice, now: number, sent: ReadonlySet<string>): boolean {
  return standingAt(notice, now) === 'official' && notice.listed.receipt.opened_at === null && !sent.has(notice.listed.id);
}

/** The severity to show: the signed one, or null when the core could not read the notice. */
export function severityOf(notice: Notice): Severity | null {
  return notice.view.broadcast?.severity ?? null;
}
