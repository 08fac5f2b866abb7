// The timeline's day separators: 今日 / 昨日 / 12月3日(木), one per calendar day,
// a year only when it is not this year.

import { describe, expect, it } from 'vitest';

import { dayLabel, withDays } from '../src/views/room-days';

const JA = { today: '今日', yesterday: '昨日' };
const EN = { today: 'Today', yesterday: 'Yesterday' };
const now = new Date(2026, 11, 4, 9, 30).getTime();
const at = (month: number, day: number, hour: number, year = 2026): number => new Date(year, month - 1, day, hour, 5).getTime();

describe('dayLabel', () => {
  it('says today and yesterday, then the date with the weekday', () => {
    expect(dayLabel(at(12, 4, 0), now, 'ja', JA)).toBe('今日');
    expect(dayLabel(at(12, 3, 23), now, 'ja', JA)).toBe('昨日');
    expect(dayLabel(at(12, 2, 12), now, 'ja', JA)).toBe('12月2日(水)');
    expect(dayLabel(at(12, 2, 12), now, 'en', EN)).toBe('Wed 2 Dec');
    expect(dayLabel(at(12, 31, 12, 2025), now, 'ja', JA)).toBe('2025年12月31日(水)');
  });

  it('knows yesterday across a month boundary', () => {
    const first = new Date(2026, 2, 1, 8).getTime();
    expect(dayLabel(new Date(2026, 1, 28, 22).getTime(), first, 'ja', JA)).toBe('昨日');
  });
});

describe('withDays', () => {
  it('marks the first post of each day only', () => {
    const times = [at(12, 2, 9), at(12, 2, 18), at(12, 3, 7), at(12, 4, 0), at(12, 4, 8)];
    const marked = withDays(times, (t) => t, now, 'ja', JA).map((m) => m.day);
    expect(marked).toEqual(['12月2日(水)', null, '昨日', '今日', null]);
  });

  it('draws nothing for no posts', () => {
    expect(withDays([], (t: number) => t, now, 'ja', JA)).toEqual([]);
  });
});
