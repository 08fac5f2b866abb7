// The care team's answers to a safety check (安否確認): what the form must say before
// sending; that the server's part carries the status and the kind of need only,
// never the place or the note; that a need goes with 要支援 only and a place with
// 避難済み only; and which checks may be answered at all (official now, signed with
// a safety check), and what the prompts count.

import { describe, expect, it } from 'vitest';

import type { Broadcast, BroadcastView, Standing } from '../src/generated/types';
import type { Notice } from '../src/engine/broadcast-rules';
import { buildAnswer, checkDraft, draftFrom, emptyDraft, MAX_PLACE_BYTES, type Draft } from '../src/safety/answer';
import {
  answerableChecks, isAnswerable, roomPrompt, unansweredCount, withAnswer, type SafetyRooms,
} from '../src/safety/rules';

const CHECK = '0190a1b2-0000-7000-8000-0000000000c1';
const NOTE = '酸素ボンベ残り2時間';
const PLACE = '市立第二小学校 体育館';

function draft(change: Partial<Draft>): Draft {
  return { ...emptyDraft(), ...change };
}

describe('building an answer', () => {
  it('sends the server the status and need only; the note and place go in the team post', () => {
    const built = buildAnswer(CHECK, draft({ status: 'needs_support', need: 'medical', note: ` ${NOTE} ` }));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.answer.coarse).toEqual({ status: 'needs_support', need: 'medical' });
    expect(JSON.stringify(built.answer.coarse)).not.toContain(NOTE);
    expect(built.answer.envelope).toEqual({
      version: 1,
      content_type: 'safety_answer',
      body: NOTE,
      safety: { broadcast: CHECK, status: 'needs_support', need: 'medical' },
    });
  });

  it('keeps the place for 避難済み, and never lets it reach the server', () => {
    const built = buildAnswer(CHECK, draft({ status: 'evacuated', place: `  ${PLACE} `, need: 'supplies' }));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.answer.coarse).toEqual({ status: 'evacuated', need: null });
    expect(built.answer.envelope.safety).toEqual({ broadcast: CHECK, status: 'evacuated', evacuated_to: PLACE });
    expect(JSON.stringify(built.answer.coarse)).not.toContain('小学校');
  });

  it('drops a need or place left over from another status', () => {
    const built = buildAnswer(CHECK, draft({ status: 'safe', need: 'medical', place: PLACE }));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.answer.coarse).toEqual({ status: 'safe', need: null });
    expect(built.answer.envelope.safety).toEqual({ broadcast: CHECK, status: 'safe' });
    expect(built.answer.envelope.body).toBe('');
  });

  it('leaves out an empty place', () => {
    const built = buildAnswer(CHECK, draft({ status: 'evacuated', place: '   ' }));
    expect(built.ok && built.answer.envelope.safety).toEqual({ broadcast: CHECK, status: 'evacuated' });
  });
});

describe('checking the draft', () => {
  it('asks for a status, then for the kind of support with 要支援', () => {
    expect(checkDraft(emptyDraft())).toBe('status');
    expect(buildAnswer(CHECK, emptyDraft())).toEqual({ ok: false, problem: 'status' });
    expect(checkDraft(draft({ status: 'needs_support' }))).toBe('need');
    expect(checkDraft(draft({ status: 'needs_support', need: 'other' }))).toBeNull();
    expect(checkDraft(draft({ status: 'unreachable' }))).toBeNull();
  });

  it('refuses a place over 500 bytes or on several lines, counting UTF-8 bytes', () => {
    const fits = 'あ'.repeat(Math.floor(MAX_PLACE_BYTES / 3));
    expect(checkDraft(draft({ status: 'evacuated', place: fits }))).toBeNull();
    expect(checkDraft(draft({ status: 'evacuated', place: `${fits}あ` }))).toBe('placeTooLong');
    expect(checkDraft(draft({ status: 'evacuated', place: '避難所\n体育館' }))).toBe('placeLines');
    // The same place is no problem for another status: it is not sent.
    expect(checkDraft(draft({ status: 'safe', place: '避難所\n体育館' }))).toBeNull();
  });

  it('starts a change from the current answer', () => {
    expect(draftFrom('needs_support', 'supplies')).toEqual(draft({ status: 'needs_support', need: 'supplies' }));
    expect(draftFrom('safe', 'supplies')).toEqual(draft({ status: 'safe' }));
    expect(draftFrom(null, null)).toEqual(emptyDraft());
  });
});

const NOW = 1_780_000_000_000;
const HOUR = 3_600_000;

function notice(id: string, spec: { standing?: Standing; check?: boolean; expiresIn?: number; issuedAgo?: number } = {}): Notice {
  const broadcast: Broadcast = {
    id,
    organisation: 'org-association',
    signed_by: { user: 'u', device: 'd', key: [1] },
    severity: 'emergency',
    title: '避難指示',
    area: 'みなみ市',
    body: '',
    issued_at: NOW - (spec.issuedAgo ?? HOUR),
    expires_at: NOW + (spec.expiresIn ?? HOUR),
    attachment: null,
    safety_check: spec.check ?? true,
    include_families: false,
  };
  const standing = spec.standing ?? 'official';
  const view: BroadcastView = { standing, broadcast, officer: null, warning: null };
  return {
    listed: {
      id, organisation: 'org-association', severity: 'emergency', sent_at: broadcast.issued_at, expires_at: broadcast.expires_at,
      signed: { payload: '{}', signature: '', signer_key: '' },
      receipt: { delivered_at: null, opened_at: null, acknowledged_at: null },
    },
    view,
  };
}

describe('which checks may be answered', () => {
  it('only an official, current notice signed with a safety check', () => {
    expect(isAnswerable(notice('a'), NOW)).toBe(true);
    expect(isAnswerable(notice('b', { standing: 'unverified' }), NOW)).toBe(false);
    expect(isAnswerable(notice('c', { standing: 'expired' }), NOW)).toBe(false);
    expect(isAnswerable(notice('d', { expiresIn: -1 }), NOW)).toBe(false);
    expect(isAnswerable(notice('e', { check: false }), NOW)).toBe(false);
    expect(isAnswerable(undefined, NOW)).toBe(false);
  });

  it('lists the answerable ones newest first', () => {
    const all = [notice('old', { issuedAgo: 3 * HOUR }), notice('forged', { standing: 'unverified' }), notice('new', { issuedAgo: 60_000 })];
    expect(answerableChecks(all, NOW).map((n) => n.listed.id)).toEqual(['new', 'old']);
  });
});

const LIST: SafetyRooms = {
  broadcast: CHECK,
  open: true,
  rooms: [
    { room: 'r1', facility: 'f', status: null, need: null, answered_at: null },
    { room: 'r2', facility: 'f', status: 'safe', need: null, answered_at: NOW },
    { room: 'r3', facility: 'f', status: null, need: null, answered_at: null },
  ],
};

describe('prompts', () => {
  it('counts rooms still to answer; an answer waiting here counts as given; none once closed', () => {
    expect(unansweredCount(LIST, new Set())).toBe(2);
    expect(unansweredCount(LIST, new Set(['r3']))).toBe(1);
    expect(unansweredCount({ ...LIST, open: false }, new Set())).toBe(0);
  });

  it('asks in an unanswered room, shows the answer in an answered one, nothing elsewhere', () => {
    expect(roomPrompt(LIST, 'r1', new Set())).toEqual({ kind: 'ask' });
    expect(roomPrompt(LIST, 'r2', new Set())).toEqual({ kind: 'answered', status: 'safe', need: null });
    expect(roomPrompt(LIST, 'r1', new Set(['r1']))).toEqual({ kind: 'waiting' });
    expect(roomPrompt(LIST, 'elsewhere', new Set())).toBeNull();
    expect(roomPrompt({ ...LIST, open: false }, 'r1', new Set())).toBeNull();
  });

  it('shows an accepted answer at once', () => {
    const after = withAnswer(LIST, 'r1', 'needs_support', 'medical', NOW);
    expect(after.rooms[0]).toEqual({ room: 'r1', facility: 'f', status: 'needs_support', need: 'medical', answered_at: NOW });
    expect(unansweredCount(after, new Set())).toBe(1);
  });
});
