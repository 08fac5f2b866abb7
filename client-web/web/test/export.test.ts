// The export buttons' pure part: the engine's input from a decrypted room (the
// record screen's inclusive period made exclusive, the members' names and roles, the
// read positions) and the file names.

import { describe, expect, it } from 'vitest';

import type { ReceivedPost } from '../src/generated/types';
import { exportInput, fileName, mimeOf } from '../src/export/input';

const ROOM = '0a1b2c3d-0000-4000-8000-0000000000aa';
const NURSE = '00000000-0000-4000-8000-000000000001';

describe('the export input', () => {
  it('holds the room, the period, the members and each channel with its reads', () => {
    const from = new Date(2026, 10, 1).getTime();
    const to = new Date(2026, 11, 1).getTime() - 1;
    const post = { seq: 1, post_id: 'p1', author_user: NURSE, sent_at: from + 1 } as unknown as ReceivedPost;
    const input = exportInput(
      { roomId: ROOM, name: '鈴木 花子' },
      { from, to },
      [{ user_id: NURSE, display_name: '看護師 佐藤', role: 'professional', devices: [] } as never],
      [{ channel: 'team', posts: [post], reads: [{ user_id: NURSE, seq: 1, read_at: null, display_name: 'x' } as never] }],
      NURSE,
      to,
    );
    expect(input.room_id).toBe(ROOM);
    expect(input.client_name).toBe('鈴木 花子');
    expect(input.from).toBe(from);
    expect(input.to).toBe(new Date(2026, 11, 1).getTime());
    expect(input.members).toEqual([{ user_id: NURSE, display_name: '看護師 佐藤', role: 'professional' }]);
    expect(input.channels[0]?.reads).toEqual([{ user_id: NURSE, seq: 1, read_at: null }]);
    expect(input.channels[0]?.posts).toEqual([post]);
    expect(input.utc_offset_minutes).toBe(-new Date(to).getTimezoneOffset());
  });

  it('names the files by room and days', () => {
    const range = { from: new Date(2026, 10, 1).getTime(), to: new Date(2026, 10, 30, 23, 59).getTime() };
    expect(fileName(ROOM, range, 'csv')).toBe('kizuna-0a1b2c3d-20261101_20261130.vitals.csv');
    expect(fileName(ROOM, range, 'fhir')).toBe('kizuna-0a1b2c3d-20261101_20261130.fhir.json');
    expect(mimeOf('fhir')).toBe('application/fhir+json');
  });
});
