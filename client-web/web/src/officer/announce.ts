// What the banner tells screen readers: a notice newly at the top of the banner is
// announced once (in a live region, `role="alert"` for 警戒 and 緊急, polite
// otherwise); redrawing it (every change, every 30 s, a language switch) says
// nothing again. Pure: the banner keeps the state and renders the result.
//
// Also the sending organisation's name of a listed notice: `GET /broadcasts` has
// `organisation_name` since issue 14, which the generated type of a listed notice
// (engine/broadcast-rules.ts `Listed`) and lists kept from before may lack.

import type { Severity } from '../generated/types';

/** The words a live region holds, for which notice. */
export interface Announcement {
  id: string;
  /** 警戒 or 緊急: said at once (`role="alert"`), interrupting. */
  urgent: boolean;
  text: string;
}

/** The banner's top notice now, worded. */
export interface TopNotice {
  id: string;
  severity: Severity | null;
  text: string;
}

/** Whether a severity interrupts (`role="alert"`) rather than waits (polite). */
export function isUrgent(severity: Severity | null): boolean {
  return severity === 'warning' || severity === 'emergency';
}

/**
 * What the live regions should hold now. The same notice keeps the same
 * announcement (the same words: nothing is said again); a notice announced before
 * in this visit, or no notice, empties them; any other is announced, and its ID is
 * added to `announced`.
 */
export function nextAnnouncement(previous: Announcement | null, top: TopNotice | null, announced: Set<string>): Announcement | null {
  if (top === null) return null;
  if (previous !== null && previous.id === top.id) return previous;
  if (announced.has(top.id)) return null;
  announced.add(top.id);
  return { id: top.id, urgent: isUrgent(top.severity), text: top.text };
}

/** The sending organisation's name as the server lists it, or null when it did not. */
export function senderName(listed: object): string | null {
  const name: unknown = (listed as { organisation_name?: unknown }).organisation_name;
  return typeof name === 'string' && name.trim() !== '' ? name : null;
}
