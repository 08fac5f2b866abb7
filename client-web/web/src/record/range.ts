// The date range of an inspection record: two calendar days picked on the screen
// (`<input type="date">`, local time), both included. Pure (the current time is a
// parameter) so the unit tests can fix it.

/** A span of time in milliseconds since the epoch, both ends included. */
export interface Range {
  from: number;
  to: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A moment's local calendar day as an `<input type="date">` value: `2026-11-03`. */
export function dayValue(millis: number): string {
  const d = new Date(millis);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The local midnight starting a `YYYY-MM-DD` day, or null for anything else. */
export function dayStart(value: string): number | null {
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (found === null) return null;
  const [year, month, day] = [Number(found[1]), Number(found[2]), Number(found[3])];
  const date = new Date(year, month - 1, day);
  // 2026-02-30 rolls over into March: not a day.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return date.getTime();
}

/** The last millisecond of the local day that starts at `start`. */
function dayEnd(start: number): number {
  const d = new Date(start);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() - 1;
}

/**
 * The range from the start of day `from` to the end of day `to`, or null when a
 * day is not a day or `from` comes after `to`.
 */
export function rangeOf(from: string, to: string): Range | null {
  const start = dayStart(from);
  const last = dayStart(to);
  if (start === null || last === null || start > last) return null;
  return { from: start, to: dayEnd(last) };
}

/**
 * The range shown first: the month up to today (from the same day of last month to
 * the end of today), so what was written today is in it. The 31st of a month whose
 * previous month is shorter starts on that month's last day.
 */
export function defaultRange(now: number): Range {
  const today = new Date(now);
  const year = today.getFullYear();
  const month = today.getMonth();
  const lastOfPrevious = new Date(year, month, 0).getDate();
  const from = new Date(year, month - 1, Math.min(today.getDate(), lastOfPrevious)).getTime();
  return { from, to: dayEnd(new Date(year, month, today.getDate()).getTime()) };
}

/** Whether a moment falls in the range (both ends included). */
export function inRange(at: number, range: Range): boolean {
  return at >= range.from && at <= range.to;
}
