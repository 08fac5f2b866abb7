// In-room search over the device's decrypted notebook: every word must occur,
// Japanese as written, Latin in any case, full-width forms meet half-width ones,
// the structured fields of vitals and handovers count, IDs never do.

import { describe, expect, it } from 'vitest';

import type { NotebookEntry, PostEnvelope } from '../src/generated/types';
import { normalise, searchEntries } from '../src/engine/search';

let seq = 0;
function entry(envelope: Partial<PostEnvelope>, earlier: Partial<PostEnvelope>[] = []): NotebookEntry {
  const versions = [...earlier, envelope].map((e) => {
    seq += 1;
    return {
      seq,
      post_id: `post-${seq}-3fa85f64`,
      author: 'user-a1b2',
      sent_at: 1_700_000_000_000 + seq * 60_000,
      envelope: { version: 1, content_type: 'note', body: '', ...e } as PostEnvelope,
    };
  });
  const current = versions[versions.length - 1];
  if (current === undefined) throw new Error('no version');
  return {
    post_id: versions[0]?.post_id ?? current.post_id,
    current,
    history: versions,
    amended: versions.length > 1,
    taken_over: null,
    take_overs: [],
    alert: null,
    effective_urgency: 'normal',
    thresholds_in_force: null,
    readings: [],
  };
}

const note = entry({ body: '夕食は半分ほど召し上がりました。' });
const latin = entry({ body: 'SpO2 was low after the Bath' });
const vitals = entry({
  content_type: 'vitals',
  body: '',
  vitals: { measured_at: 1, temperature_c: 38.4, blood_pressure: { systolic_mmhg: 128, diastolic_mmhg: 76 }, remarks: '入浴後に測定' },
});
const handover = entry({
  content_type: 'handover',
  body: '明日の訪問で確認を',
  handover: { to: { kind: 'next_visitor' }, items: [{ text: '褥瘡の処置' }, { text: '服薬の確認', done: true }] },
});
const corrected = entry({ body: '訂正後の内容' }, [{ body: '最初は吸引と書いた' }]);
const all = [note, latin, vitals, handover, corrected];

describe('searchEntries', () => {
  it('finds Japanese text in the body, newest first', () => {
    const hits = searchEntries(all, '半分');
    expect(hits.map((h) => h.postId)).toEqual([note.post_id]);
    expect(hits[0]?.excerpt).toContain('夕食は半分');
    expect(searchEntries(all, '確認').map((h) => h.postId)).toEqual([handover.post_id]);
  });

  it('matches Latin text in any case and full-width forms', () => {
    expect(searchEntries(all, 'spo2 BATH').map((h) => h.postId)).toEqual([latin.post_id]);
    expect(searchEntries(all, 'ＳｐＯ２').map((h) => h.postId)).toEqual([latin.post_id]);
  });

  it('looks into vitals and handover fields', () => {
    expect(searchEntries(all, '38.4').map((h) => h.postId)).toEqual([vitals.post_id]);
    expect(searchEntries(all, '３８．４').map((h) => h.postId)).toEqual([vitals.post_id]);
    expect(searchEntries(all, '128/76').map((h) => h.postId)).toEqual([vitals.post_id]);
    expect(searchEntries(all, '入浴後').map((h) => h.postId)).toEqual([vitals.post_id]);
    const hits = searchEntries(all, '褥瘡');
    expect(hits.map((h) => h.postId)).toEqual([handover.post_id]);
    expect(hits[0]?.excerpt).toBe('褥瘡の処置');
  });

  it('needs every word, and finds earlier versions of a corrected post', () => {
    expect(searchEntries(all, '明日 褥瘡').map((h) => h.postId)).toEqual([handover.post_id]);
    expect(searchEntries(all, '明日 夕食')).toEqual([]);
    expect(searchEntries(all, '吸引').map((h) => h.postId)).toEqual([corrected.post_id]);
  });

  it('returns the newest match first', () => {
    expect(searchEntries(all, 'の').map((h) => h.postId)).toEqual([corrected.post_id, handover.post_id]);
  });

  it('finds nothing for an empty query, an absent word, or an ID', () => {
    expect(searchEntries(all, '   ')).toEqual([]);
    expect(searchEntries(all, '見つからない言葉')).toEqual([]);
    expect(searchEntries(all, 'post-1')).toEqual([]);
    expect(searchEntries(all, 'a1b2')).toEqual([]);
  });

  it('searches the labels the caller adds (author, kind)', () => {
    const hits = searchEntries(all, '申し送り', (e) => (e.current.envelope.content_type === 'handover' ? ['申し送り'] : []));
    expect(hits.map((h) => h.postId)).toEqual([handover.post_id]);
    expect(hits[0]?.excerpt).toBe('明日の訪問で確認を');
  });
});

describe('normalise', () => {
  it('folds width, case and spaces', () => {
    expect(normalise('  ＡＢＣ　ｄｅｆ \n 体温 ')).toBe('abc def 体温');
  });
});
