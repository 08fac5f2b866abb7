// The engine's export input from what this device decrypted (the pure part of the
// export buttons, so it can be tested without a browser): the room's name, members,
// each channel's posts and read positions, and the period. The record screen's
// period ends at the last millisecond of its last day; the engine's `to` is
// exclusive, hence the +1.

import type { ChannelName, ReceivedPost } from '../generated/types';

export type ExportFormat = 'json' | 'csv' | 'fhir';

export interface ExportChannel {
  channel: ChannelName;
  posts: ReceivedPost[];
  reads: { user_id: string; seq: number; read_at: number | null }[];
}

export interface ExportMember {
  user_id: string;
  display_name: string;
  role: string;
}

export interface ExportInput {
  room_id: string;
  client_name: string;
  from: number;
  to: number;
  exported_at: number;
  exported_by: string | null;
  utc_offset_minutes: number;
  members: ExportMember[];
  channels: { channel: ChannelName; posts: ReceivedPost[]; reads: ExportChannel['reads'] }[];
}

/** The input for `export_room`; `now` is when the export is made. */
export function exportInput(
  room: { roomId: string; name: string | null },
  range: { from: number; to: number },
  members: ExportMember[],
  channels: ExportChannel[],
  me: string | null,
  now: number,
): ExportInput {
  return {
    room_id: room.roomId,
    client_name: room.name ?? '',
    from: range.from,
    to: range.to + 1,
    exported_at: now,
    exported_by: me,
    // The CSV's times in this device's time zone (getTimezoneOffset is UTC minus local).
    utc_offset_minutes: -new Date(now).getTimezoneOffset(),
    members: members.map((m) => ({ user_id: m.user_id, display_name: m.display_name, role: m.role })),
    channels: channels.map((c) => ({
      channel: c.channel,
      posts: c.posts,
      reads: c.reads.map((r) => ({ user_id: r.user_id, seq: r.seq, read_at: r.read_at })),
    })),
  };
}

/** The file name: `kizuna-<room>-<from>_<to>.<ext>` with the days in local time. */
export function fileName(roomId: string, range: { from: number; to: number }, format: ExportFormat): string {
  const day = (millis: number): string => {
    const d = new Date(millis);
    return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
  };
  const ext = format === 'csv' ? 'vitals.csv' : format === 'fhir' ? 'fhir.json' : 'record.json';
  return `kizuna-${roomId.slice(0, 8)}-${day(range.from)}_${day(range.to)}.${ext}`;
}

/** The MIME type of each file. */
export function mimeOf(format: ExportFormat): string {
  return format === 'csv' ? 'text/csv;charset=utf-8' : format === 'fhir' ? 'application/fhir+json' : 'application/json';
}
