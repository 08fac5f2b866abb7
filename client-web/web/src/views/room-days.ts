// Day separators of the room timeline, as chat apps draw them: 今日 / 昨日 /
// 12月3日(木) (a year is added when it is not this year). Pure: the time, "now"
// and the language come in, so the tests can pin them.

export type DayLang = 'ja' | 'en';

export interface DayWords {
  today: string;
  yesterday: string;
}

/** The local calendar day of `ms` as `YYYY-MM-DD` (what posts are grouped by). */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The label of the day of `ms`, seen at `now`. */
export function dayLabel(ms: number, now: number, language: DayLang, words: DayWords): string {
  const key = dayKey(ms);
  if (key === dayKey(now)) return words.today;
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (key === dayKey(yesterday.getTime())) return words.yesterday;
  const date = new Date(ms);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(language === 'ja' ? 'ja-JP' : 'en-GB', {
    year: sameYear ? undefined : 'numeric',
    month: language === 'ja' ? 'long' : 'short',
    day: 'numeric',
    weekday: 'short',
  }).format(date);
}

/** Items in order, each marked with the day label when it starts a new day. */
export function withDays<T>(
  items: readonly T[],
  timeOf: (item: T) => number,
  now: number,
  language: DayLang,
  words: DayWords,
): { item: T; day: string | null }[] {
  let last: string | null = null;
  return items.map((item) => {
    const key = dayKey(timeOf(item));
    const day = key === last ? null : dayLabel(timeOf(item), now, language, words);
    last = key;
    return { item, day };
  });
}
