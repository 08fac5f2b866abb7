// The facility's access records (server: routes/access.rs): a page as JSON, the
// same records as CSV for Excel, and the facility's rooms to choose from.

import { http } from '../http';
import { list, num, object, record, str, type Body } from '../http/answer';

const base = (orgId: string): string => `/organisations/${encodeURIComponent(orgId)}`;

/** Someone or something, by ID and name. */
export interface Named {
  id: string;
  name: string;
}

/** One access record. */
export interface AccessLine {
  seq: number;
  at: number;
  person: Named | null;
  device: Named | null;
  action: string;
  actionJa: string;
  actionEn: string;
  room: string | null;
  channel: string | null;
  from: number | null;
  to: number | null;
  blob: string | null;
}

/** One page, newest first; `nextBefore` asks for the next. */
export interface AccessPage {
  entries: AccessLine[];
  nextBefore: number | null;
}

/** What to list: one person or one room, and a date range (YYYY-MM-DD, Japan time). */
export interface AccessFilter {
  person: string | null;
  room: string | null;
  from: string | null;
  to: string | null;
}

function named(value: unknown): Named | null {
  const body = record(value);
  return body === null ? null : { id: str(body, 'id'), name: str(body, 'name') };
}

function optionalText(body: Body, key: string): string | null {
  const value = body[key];
  return typeof value === 'string' ? value : null;
}

function line(body: Body): AccessLine {
  return {
    seq: num(body, 'seq') ?? 0,
    at: num(body, 'at') ?? 0,
    person: named(body['person']),
    device: named(body['device']),
    action: str(body, 'action'),
    actionJa: str(body, 'action_ja'),
    actionEn: str(body, 'action_en'),
    room: optionalText(body, 'room'),
    channel: optionalText(body, 'channel'),
    from: num(body, 'from'),
    to: num(body, 'to'),
    blob: optionalText(body, 'blob'),
  };
}

/** The query string of a filter (and a page). */
export function accessQuery(filter: AccessFilter, before: number | null = null): string {
  const params = new URLSearchParams();
  if (filter.person !== null) params.set('person', filter.person);
  if (filter.room !== null) params.set('room', filter.room);
  if (filter.from !== null) params.set('from', filter.from);
  if (filter.to !== null) params.set('to', filter.to);
  if (before !== null) params.set('before', String(before));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export async function accessPage(orgId: string, filter: AccessFilter, before: number | null): Promise<AccessPage> {
  const body = object(await http.json<unknown>('GET', `${base(orgId)}/access${accessQuery(filter, before)}`));
  return { entries: list(body['entries']).map(line), nextBefore: num(body, 'next_before') };
}

export async function accessCsv(orgId: string, filter: AccessFilter): Promise<Blob> {
  return http.blob(`${base(orgId)}/access.csv${accessQuery(filter)}`, 'text/csv');
}

/** A room of the facility (its name is sealed on members' devices). */
export interface FacilityRoom {
  id: string;
  createdAt: number;
  createdBy: Named | null;
}

export async function facilityRooms(orgId: string): Promise<FacilityRoom[]> {
  return list(await http.json<unknown>('GET', `${base(orgId)}/access/rooms`)).map((b) => ({
    id: str(b, 'id'),
    createdAt: num(b, 'created_at') ?? 0,
    createdBy: named(b['created_by']),
  }));
}
