// Finding a room on the room list: by the client's name as this device opened it
// (kana either way, Latin in any case, spaces ignored) and by the chips 至急あり /
// 未読あり; both narrow together.

import { describe, expect, it } from 'vitest';

import { filterRooms, foldName, isNarrowed, nameMatches, NO_QUERY } from '../src/views/list-filter';

const rooms = [
  { id: 'a', name: '山田 花子 様', unread: 0, urgent: false },
  { id: 'b', name: 'タナカ タロウ 様', unread: 3, urgent: true },
  { id: 'c', name: 'Smith John', unread: 1, urgent: false },
  { id: 'd', name: null, unread: 2, urgent: true },
];

const ids = (list: { id: string }[]): string[] => list.map((r) => r.id);

describe('room search', () => {
  it('matches kanji and ignores spaces', () => {
    expect(ids(filterRooms(rooms, { ...NO_QUERY, text: '山田花子' }))).toEqual(['a']);
    expect(ids(filterRooms(rooms, { ...NO_QUERY, text: '花子' }))).toEqual(['a']);
  });

  it('matches katakana names typed in hiragana, and half-width kana', () => {
    expect(ids(filterRooms(rooms, { ...NO_QUERY, text: 'たなか' }))).toEqual(['b']);
    expect(ids(filterRooms(rooms, { ...NO_QUERY, text: 'ﾀﾅｶ' }))).toEqual(['b']);
    expect(foldName('タナカ　タロウ')).toBe('たなかたろう');
  });

  it('matches Latin names whatever the case or width', () => {
    expect(ids(filterRooms(rooms, { ...NO_QUERY, text: 'smith' }))).toEqual(['c']);
    expect(ids(filterRooms(rooms, { ...NO_QUERY, text: 'ＪＯＨＮ' }))).toEqual(['c']);
  });

  it('never matches a name this device could not open, except with no words', () => {
    expect(nameMatches(null, 'a')).toBe(false);
    expect(nameMatches(null, '  ')).toBe(true);
    expect(ids(filterRooms(rooms, NO_QUERY))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('filters by urgent and unread, together with the words', () => {
    expect(ids(filterRooms(rooms, { ...NO_QUERY, urgent: true }))).toEqual(['b', 'd']);
    expect(ids(filterRooms(rooms, { ...NO_QUERY, unread: true }))).toEqual(['b', 'c', 'd']);
    expect(ids(filterRooms(rooms, { text: 'たなか', urgent: true, unread: true }))).toEqual(['b']);
    expect(ids(filterRooms(rooms, { text: 'smith', urgent: true, unread: false }))).toEqual([]);
  });

  it('knows when the list is narrowed (so an empty result offers to clear)', () => {
    expect(isNarrowed(NO_QUERY)).toBe(false);
    expect(isNarrowed({ ...NO_QUERY, text: ' ' })).toBe(false);
    expect(isNarrowed({ ...NO_QUERY, text: '山' })).toBe(true);
    expect(isNarrowed({ ...NO_QUERY, unread: true })).toBe(true);
  });
});
