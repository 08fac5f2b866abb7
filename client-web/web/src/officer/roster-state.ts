// The send screen's roster section: reads the organisation's roster, pins it on this
// device (or follows it), says where this device stands, and publishes version 1
// with this device when there is none (`Client::publish_roster` with no other
// officers). Kept for the visit so switching screens does not ask again.

import type { WebError } from '../generated/types';
import { ApiError } from '../http';
import { rerender } from '../app';
import { current } from '../engine/state';
import { fetchRoster, myOfficer, pinRoster, Problem, publishFirstRoster } from './api';
import { officerLine, rosterStanding, type RosterStanding } from './roster';

/** Words in both languages (the server's, the core's, or ours). */
export interface Words {
  en: string;
  ja: string;
}

export interface RosterState {
  org: string;
  /** Whose device it was checked for. */
  userId: string | null;
  checking: boolean;
  standing: RosterStanding | null;
  /** Roster changes the core refused (a conflict with what this device pinned). */
  refused: WebError[];
  /** What failed last (checking or publishing), in words. */
  problem: { words: Words; during: 'check' | 'publish' } | null;
  publishing: boolean;
  /** The fingerprint of the roster this device just published. */
  published: string | null;
  /** This device's officer line, once known. */
  line: string | null;
  copied: 'yes' | 'failed' | null;
}

let state: RosterState | null = null;

/** Words for a failure that carries none (a bug, not the person's doing). */
export const UNEXPECTED: Words = {
  en: 'Something went wrong. Reload the page and try again.',
  ja: '問題が起きました。ページを再読み込みしてもう一度お試しください。',
};

export function wordsOf(error: unknown): Words | null {
  if (error instanceof ApiError) return { en: error.messageEn, ja: error.messageJa };
  if (error instanceof Problem) return { en: error.en, ja: error.ja };
  return null;
}

/** Reads, pins and judges the roster (the caller has drawn "checking" already, or is drawing). */
async function load(roster: RosterState): Promise<void> {
  roster.checking = true;
  roster.problem = null;
  try {
    const me = await myOfficer();
    roster.line = officerLine(me);
    const changes = await fetchRoster(roster.org);
    const reports = changes.length === 0 ? [] : await pinRoster(changes);
    roster.refused = reports.flatMap((r) => (r.outcome === 'refused' ? [r.error] : []));
    roster.standing = rosterStanding(changes, me);
  } catch (error) {
    roster.problem = { words: wordsOf(error) ?? UNEXPECTED, during: 'check' };
  }
  roster.checking = false;
  rerender();
}

/** The roster section's state for `org`, checking it the first time. */
export function rosterFor(org: string): RosterState {
  const userId = current()?.userId ?? null;
  if (state !== null && state.org === org && state.userId === userId) return state;
  const fresh: RosterState = { org, userId, checking: true, standing: null, refused: [], problem: null, publishing: false, published: null, line: null, copied: null };
  state = fresh;
  void load(fresh);
  return fresh;
}

/** Checks the roster again (after a failure, or once a colleague added this device). */
export function recheck(): void {
  if (state === null || state.checking) return;
  const roster = state;
  void load(roster);
  rerender();
}

/** Publishes roster version 1 naming this device, then checks again. */
export async function publish(): Promise<void> {
  const roster = state;
  if (roster === null || roster.publishing) return;
  roster.publishing = true;
  roster.problem = null;
  rerender();
  try {
    const report = await publishFirstRoster(roster.org);
    if (report?.outcome === 'pinned') roster.published = report.fingerprint;
    else if (report?.outcome === 'refused') roster.refused = [report.error];
  } catch (error) {
    roster.publishing = false;
    roster.problem = { words: wordsOf(error) ?? UNEXPECTED, during: 'publish' };
    rerender();
    return;
  }
  roster.publishing = false;
  const reload = load(roster);
  rerender();
  await reload;
}

/** Copies the officer line; on failure the person selects it by hand. */
export async function copyLine(): Promise<void> {
  const roster = state;
  if (roster === null || roster.line === null) return;
  try {
    await navigator.clipboard.writeText(roster.line);
    roster.copied = 'yes';
  } catch {
    roster.copied = 'failed';
  }
  rerender();
}
