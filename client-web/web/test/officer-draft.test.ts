// The officer's send form (officer/draft.ts): what must be corrected before the core
// signs (the core's own content rules, shown beside each field), the notice built
// from the form as `kizuna broadcast send` builds it, and when sending again reuses
// the ID (a retry after a lost answer must not reach everyone twice).

import { describe, expect, it } from 'vitest';

import type { Officer } from '../src/generated/types';
import { buildNotice, charCount, checkDraft, DEFAULT_HOURS, draftKey, emptyDraft, LIMITS, MAX_HOURS, needsConfirmation, parseHours, type Draft } from '../src/officer/draft';

const ORG = 'org-association';
const ME: Officer = { user: 'u-officer', device: 'd-officer', key: [1, 2, 3] };
const NOW = 1_780_000_000_000;

function draft(patch: Partial<Draft> = {}): Draft {
  return { ...emptyDraft(ORG), title: '避難指示：みなみ川流域', area: 'みなみ市 みなみ川 流域', ...patch };
}

describe('checking a draft', () => {
  it('starts with 情報, 24 hours, no safety check, no families: nothing typed yet is refused', () => {
    const empty = emptyDraft(ORG);
    expect([empty.severity, empty.hours, empty.safetyCheck, empty.includeFamilies]).toEqual(['info', '24', false, false]);
    expect(checkDraft(empty).map((p) => [p.field, p.code])).toEqual([
      ['title', 'empty'],
      ['area', 'empty'],
    ]);
  });

  it('accepts a complete draft, with an empty body', () => {
    expect(checkDraft(draft())).toEqual([]);
    expect(checkDraft(draft({ body: '' }))).toEqual([]);
  });

  it('refuses blank and multi-line headlines and areas, as the core does', () => {
    expect(checkDraft(draft({ title: '   ' }))).toEqual([{ field: 'title', code: 'empty' }]);
    expect(checkDraft(draft({ title: '一行目\n二行目' }))).toEqual([{ field: 'title', code: 'one_line' }]);
    expect(checkDraft(draft({ area: 'A\tB' }))).toEqual([{ field: 'area', code: 'one_line' }]);
    // The body may have line breaks.
    expect(checkDraft(draft({ body: '一\n二\n三' }))).toEqual([]);
  });

  it('counts characters as the core does (an emoji or a rare kanji is one)', () => {
    expect(charCount('𠮷野家🍚')).toBe(4);
    expect(checkDraft(draft({ title: '𠮷'.repeat(LIMITS.title) }))).toEqual([]);
    expect(checkDraft(draft({ title: '𠮷'.repeat(LIMITS.title + 1) }))).toEqual([
      { field: 'title', code: 'too_long', limit: LIMITS.title, actual: LIMITS.title + 1 },
    ]);
    expect(checkDraft(draft({ body: 'あ'.repeat(LIMITS.body + 1) }))[0]).toMatchObject({ field: 'body', code: 'too_long' });
  });

  it('takes the hours as a whole number from 1 to 30 days, full-width digits too', () => {
    expect(parseHours('24')).toBe(24);
    expect(parseHours(' ４８ ')).toBe(48);
    expect(parseHours(String(MAX_HOURS))).toBe(MAX_HOURS);
    for (const bad of ['0', '', '1.5', '-3', 'abc', String(MAX_HOURS + 1)]) expect(parseHours(bad)).toBeNull();
    expect(checkDraft(draft({ hours: '0' }))).toEqual([{ field: 'hours', code: 'hours_range', max: MAX_HOURS }]);
  });

  it('lists every problem in the order of the form', () => {
    expect(checkDraft({ ...emptyDraft(''), hours: 'x' }).map((p) => p.field)).toEqual(['organisation', 'title', 'area', 'hours']);
  });

  it('asks to confirm only a 緊急', () => {
    expect(['info', 'caution', 'warning', 'emergency'].map((s) => needsConfirmation(draft({ severity: s as Draft['severity'] })))).toEqual([
      false, false, false, true,
    ]);
  });
});

describe('the notice built from a draft', () => {
  it('is signed by this device, issued now, expiring after the hours, with the choices made', () => {
    const notice = buildNotice(
      draft({ severity: 'emergency', title: '  避難指示  ', body: ' 学校へ ', hours: '6', safetyCheck: true, includeFamilies: true }),
      ME, 'b-1', NOW,
    );
    expect(notice).toEqual({
      id: 'b-1',
      organisation: ORG,
      signed_by: ME,
      severity: 'emergency',
      title: '避難指示',
      area: 'みなみ市 みなみ川 流域',
      body: '学校へ',
      issued_at: NOW,
      expires_at: NOW + 6 * 3_600_000,
      attachment: null,
      safety_check: true,
      include_families: true,
    });
    expect(buildNotice(draft(), ME, 'b-2', NOW).expires_at).toBe(NOW + DEFAULT_HOURS * 3_600_000);
  });

  it('is the same notice (same ID on a retry) only while nothing that is signed changed', () => {
    const base = draft({ body: '本文' });
    expect(draftKey(base)).toBe(draftKey({ ...base, title: `${base.title} `, hours: '２４' }));
    for (const change of [{ severity: 'warning' }, { title: '別の見出し' }, { body: '別' }, { hours: '12' }, { safetyCheck: true }, { includeFamilies: true }, { organisation: 'other' }] as Partial<Draft>[]) {
      expect(draftKey({ ...base, ...change })).not.toBe(draftKey(base));
    }
  });
});
