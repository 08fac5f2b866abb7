// What goes into an inspection record, as plain data: the entries of a channel's
// notebook with anything written in the range, grouped by day; the earlier versions
// of a corrected entry; who has read an entry; the vitals as table rows. Pure (no
// engine, no DOM, no words), so the unit tests walk it with hand-made notebooks.

import type { NotebookEntry, NotebookPost, NotebookView } from '../generated/types';
import { dayValue, inRange, type Range } from './range';

/** How far one member has read a channel (GET /groups/{g}/reads). */
export interface ReadPosition {
  user_id: string;
  display_name: string;
  seq: number;
  read_at: number | null;
}

/** The original version of an entry (its author and first time). */
export function original(entry: NotebookEntry): NotebookPost {
  return entry.history[0] ?? entry.current;
}

/** Every moment something was written on an entry: the original, each correction, each take-over. */
function moments(entry: NotebookEntry): number[] {
  return [entry.current, ...entry.history, ...entry.take_overs].map((p) => p.sent_at);
}

/**
 * The entries with anything written in the range (a post from before it that was
 * corrected or taken over within it is part of the period's record too), ordered
 * by when they were first written.
 */
export function entriesIn(view: NotebookView, range: Range): NotebookEntry[] {
  return view.entries
    .filter((entry) => moments(entry).some((at) => inRange(at, range)))
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => original(a.entry).sent_at - original(b.entry).sent_at || a.index - b.index)
    .map(({ entry }) => entry);
}

/** The versions a correction replaced, oldest first (the original among them). */
export function earlierVersions(entry: NotebookEntry): NotebookPost[] {
  if (!entry.amended) return [];
  return entry.history.filter((version) => version.seq !== entry.current.seq);
}

/**
 * Who has read the entry as it reads now (their position reaches its current
 * version), its author aside: a post at position N is read by members at N or beyond.
 */
export function readersOf(entry: NotebookEntry, reads: ReadPosition[]): ReadPosition[] {
  const author = original(entry).author;
  return reads.filter((r) => r.user_id !== author && r.seq >= entry.current.seq);
}

/** Who has not read it yet (author aside). */
export function notReadBy(entry: NotebookEntry, reads: ReadPosition[]): ReadPosition[] {
  const author = original(entry).author;
  return reads.filter((r) => r.user_id !== author && r.seq < entry.current.seq);
}

/** Items by local calendar day (`YYYY-MM-DD`), in the order given. */
export function byDay<T>(items: T[], at: (item: T) => number): { day: string; items: T[] }[] {
  const days: { day: string; items: T[] }[] = [];
  for (const item of items) {
    const day = dayValue(at(item));
    const last = days[days.length - 1];
    if (last !== undefined && last.day === day) last.items.push(item);
    else days.push({ day, items: [item] });
  }
  return days;
}

/** When a vitals entry's readings were taken (the form's time, else when it was sent). */
export function measuredAt(entry: NotebookEntry): number {
  return entry.current.envelope.vitals?.measured_at ?? original(entry).sent_at;
}

/** The vitals entries among `entries`, measured in the range, by when they were measured. */
export function vitalsIn(entries: NotebookEntry[], range: Range): NotebookEntry[] {
  return entries
    .filter((e) => e.current.envelope.content_type === 'vitals' && e.current.envelope.vitals !== undefined)
    .filter((e) => inRange(measuredAt(e), range))
    .sort((a, b) => measuredAt(a) - measuredAt(b));
}

/** The order of the vitals table's columns (the vitals card's order, cards-vitals.ts). */
export const VITALS_FIELDS = [
  'temperature_c', 'blood_pressure', 'pulse_per_min', 'spo2_percent', 'respiratory_rate_per_min', 'weight_kg',
  'blood_glucose_mg_dl', 'meal_intake', 'fluid_intake_ml', 'excretion', 'pain_0_10', 'consciousness',
];

/**
 * A table's columns: every field any row has, once, in `order` (fields it does not
 * name go last, in the order they first appear).
 */
export function columnsOf<C extends { field: string }>(rows: C[][], order: readonly string[] = VITALS_FIELDS): C[] {
  const seen = new Map<string, C>();
  for (const row of rows) for (const cell of row) if (!seen.has(cell.field)) seen.set(cell.field, cell);
  const rank = (field: string): number => {
    const at = order.indexOf(field);
    return at < 0 ? order.length : at;
  };
  return [...seen.values()].map((c, i) => ({ c, i })).sort((a, b) => rank(a.c.field) - rank(b.c.field) || a.i - b.i).map(({ c }) => c);
}
