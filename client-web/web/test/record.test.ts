// The inspection record's pure parts: the period picked on the screen (days in local
// time, both included, the month up to today at first), which entries of a notebook
// belong to the period, a correction's earlier versions, who has read an entry, the
// grouping by day and the vitals table's rows and columns.

import { describe, expect, it } from 'vitest';

import type { NotebookEntry, NotebookPost, NotebookView, PostEnvelope } from '../src/generated/types';
import {
  byDay, columnsOf, earlierVersions, entriesIn, notReadBy, readersOf, vitalsIn, type ReadPosition,
} from '../src/record/model';
import { dayStart, dayValue, defaultRange, inRange, rangeOf } from '../src/record/range';

const at = (y: number, m: number, d: number, h = 0, min = 0): number => new Date(y, m - 1, d, h, min).getTime();

const NURSE = '00000000-0000-4000-8000-000000000001';
const DOCTOR = '00000000-0000-4000-8000-000000000002';
const HELPER = '00000000-0000-4000-8000-000000000003';

let seq = 0;

function version(author: string, sentAt: number, envelope: Partial<PostEnvelope> = {}): NotebookPost {
  seq += 1;
  return {
    seq,
    post_id: `p${seq}`,
    author,
    sent_at: sentAt,
    envelope: { version: 1, content_type: 'note', body: `text ${seq}`, ...envelope },
  };
}

function entry(versions: NotebookPost[], takeOvers: NotebookPost[] = []): NotebookEntry {
  const first = versions[0] as NotebookPost;
  return {
    post_id: first.post_id,
    current: versions[versions.length - 1] as NotebookPost,
    history: versions,
    amended: versions.length > 1,
    taken_over: takeOvers[0] === undefined ? null : { by: takeOvers[0].author, at: takeOvers[0].sent_at },
    take_overs: takeOvers,
    alert: null,
    effective_urgency: 'normal',
    thresholds_in_force: null,
    readings: [],
  };
}

const notebook = (entries: NotebookEntry[]): NotebookView => ({ entries, rejected: [], pending: [], thresholds: null, open_handovers: [] });

describe('the period', () => {
  it('starts as the month up to the end of today', () => {
    const range = defaultRange(at(2026, 12, 4, 15, 30));
    expect(range.from).toBe(at(2026, 11, 4));
    expect(range.to).toBe(at(2026, 12, 5) - 1);
    expect(inRange(at(2026, 12, 4, 23, 59), range)).toBe(true);
  });

  it('starts on the last day of a shorter previous month, and crosses the new year', () => {
    expect(defaultRange(at(2026, 3, 31, 9)).from).toBe(at(2026, 2, 28));
    expect(defaultRange(at(2026, 1, 15, 9)).from).toBe(at(2025, 12, 15));
  });

  it('takes two picked days, both included', () => {
    const range = rangeOf('2026-11-01', '2026-11-30');
    expect(range).toEqual({ from: at(2026, 11, 1), to: at(2026, 12, 1) - 1 });
    expect(inRange(at(2026, 10, 31, 23, 59), range!)).toBe(false);
    expect(inRange(at(2026, 11, 30, 23, 59), range!)).toBe(true);
    expect(inRange(at(2026, 12, 1), range!)).toBe(false);
    expect(rangeOf('2026-11-05', '2026-11-05')).toEqual({ from: at(2026, 11, 5), to: at(2026, 11, 6) - 1 });
  });

  it('refuses an end before the start and days that are not days', () => {
    expect(rangeOf('2026-11-30', '2026-11-01')).toBeNull();
    expect(rangeOf('2026-02-30', '2026-03-01')).toBeNull();
    expect(rangeOf('', '2026-03-01')).toBeNull();
    expect(dayStart('2026/11/01')).toBeNull();
  });

  it('writes a moment as the date picker value of its day', () => {
    expect(dayValue(at(2026, 1, 9, 23, 59))).toBe('2026-01-09');
    expect(dayStart(dayValue(at(2026, 7, 20, 12)))).toBe(at(2026, 7, 20));
  });
});

describe('what belongs to the period', () => {
  const range = rangeOf('2026-11-01', '2026-11-30')!;
  const before = entry([version(NURSE, at(2026, 10, 20))]);
  const correctedInside = entry([version(NURSE, at(2026, 10, 31, 22)), version(NURSE, at(2026, 11, 2, 8))]);
  const handover = entry([version(DOCTOR, at(2026, 10, 30))], [version(NURSE, at(2026, 11, 1, 9))]);
  const second = entry([version(DOCTOR, at(2026, 11, 10, 10))]);
  const first = entry([version(HELPER, at(2026, 11, 3, 10))]);
  const after = entry([version(NURSE, at(2026, 12, 1, 0, 1))]);

  it('keeps entries with anything written in it, in the order first written', () => {
    const kept = entriesIn(notebook([before, correctedInside, handover, second, first, after]), range);
    expect(kept.map((e) => e.post_id)).toEqual([handover.post_id, correctedInside.post_id, first.post_id, second.post_id]);
  });

  it('groups by local day', () => {
    const kept = entriesIn(notebook([first, second, entry([version(NURSE, at(2026, 11, 10, 18))])]), range);
    const days = byDay(kept, (e) => (e.history[0] as NotebookPost).sent_at);
    expect(days.map((d) => [d.day, d.items.length])).toEqual([['2026-11-03', 1], ['2026-11-10', 2]]);
  });
});

describe('a corrected entry and who has read it', () => {
  const v1 = version(NURSE, at(2026, 11, 2, 8));
  const v2 = version(NURSE, at(2026, 11, 2, 9));
  const v3 = version(NURSE, at(2026, 11, 2, 10));
  const corrected = entry([v1, v2, v3]);

  it('lists every earlier version, oldest first, and none for an entry never corrected', () => {
    expect(earlierVersions(corrected).map((v) => v.post_id)).toEqual([v1.post_id, v2.post_id]);
    expect(earlierVersions(entry([version(NURSE, at(2026, 11, 3))]))).toEqual([]);
  });

  it('counts as read by those whose position reaches the current version, the author aside', () => {
    const reads: ReadPosition[] = [
      { user_id: NURSE, display_name: '看護 花子', seq: v3.seq, read_at: at(2026, 11, 2, 10) },
      { user_id: DOCTOR, display_name: '医師 一郎', seq: v3.seq + 5, read_at: at(2026, 11, 3) },
      { user_id: HELPER, display_name: 'ヘルパー 三郎', seq: v2.seq, read_at: at(2026, 11, 2, 9) },
    ];
    expect(readersOf(corrected, reads).map((r) => r.display_name)).toEqual(['医師 一郎']);
    expect(notReadBy(corrected, reads).map((r) => r.display_name)).toEqual(['ヘルパー 三郎']);
  });
});

describe('the vitals table', () => {
  const range = rangeOf('2026-11-01', '2026-11-30')!;
  const vitals = (sentAt: number, measuredAt: number): NotebookEntry =>
    entry([version(NURSE, sentAt, { content_type: 'vitals', vitals: { measured_at: measuredAt, temperature_c: 36.8 } })]);

  it('has the vitals measured in the period, by when measured', () => {
    const late = vitals(at(2026, 11, 5, 18), at(2026, 11, 5, 9));
    const early = vitals(at(2026, 11, 4, 12), at(2026, 11, 4, 11));
    const measuredBefore = vitals(at(2026, 11, 1, 1), at(2026, 10, 31, 20));
    const note = entry([version(NURSE, at(2026, 11, 4, 13))]);
    const rows = vitalsIn([late, note, early, measuredBefore], range);
    expect(rows.map((e) => e.post_id)).toEqual([early.post_id, late.post_id]);
  });

  it('has one column per measurement anyone took, in the card order', () => {
    const columns = columnsOf([
      [{ field: 'pulse_per_min' }, { field: 'spo2_percent' }],
      [{ field: 'temperature_c' }, { field: 'pulse_per_min' }],
      [{ field: 'something_new' }, { field: 'blood_pressure' }],
    ]);
    expect(columns.map((c) => c.field)).toEqual(['temperature_c', 'blood_pressure', 'pulse_per_min', 'spo2_percent', 'something_new']);
  });
});
