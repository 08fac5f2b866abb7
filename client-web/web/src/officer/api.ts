// The officer's requests (routes/broadcasts.rs, routes/safety.rs) and the signing on
// this device they need, through the one HTTP client: failures arrive as its
// ApiError with the server's en/ja words; a refusal of the core (a rule of the
// notice broken) as a `Problem` with the core's words.
//
// Signing uses the running engine's device: the key the server registered for this
// browser, whose session acts for it (`POST /devices` binds it), which is what the
// server requires of the signer (`broadcast_wrong_device` otherwise).

import type { Broadcast, Officer, RosterReport, SignedBroadcast, SignedRosterChange } from '../generated/types';
import { coreError } from '../core-error';
import { http, seg } from '../http';
import { list, num, object, record, str, type Body } from '../http/answer';
import { saveDevice } from '../engine/device';
import { current, locked, need, type Engine } from '../engine/state';
import { firstRoster } from './roster';
import type { FacilitySafety, NeedsSupportRoom, OrgReceipts, SafetyBoard, SafetyNeed, StatusCounts } from './totals';

/** Something the core refused, in both languages. */
export class Problem extends Error {
  constructor(readonly en: string, readonly ja: string) {
    super(en);
    this.name = 'Problem';
  }
}

const orgPath = (org: string): string => `/organisations/${seg(org)}`;
const sentPath = (org: string, id: string): string => `${orgPath(org)}/broadcasts/${seg(id)}`;

/**
 * Runs `use` on the running engine's device; what the core throws becomes a Problem.
 * Signing only reads the device (one synchronous call), so it needs no turn of the
 * engine's lock and never waits behind a long sync.
 */
function withDevice<T>(use: (engine: Engine) => T): T {
  const engine = current();
  if (engine === null) throw new Problem('This device is not ready yet. Wait a moment and try again.', 'この端末の準備ができていません。少し待ってからもう一度お試しください。');
  try {
    return use(engine);
  } catch (error) {
    const why = coreError(error);
    throw new Problem(why.en, why.ja);
  }
}

/** This device as an officer (what a roster lists for it, what signs). */
export async function myOfficer(): Promise<Officer> {
  return withDevice((engine) => engine.device.officer());
}

/** Every version of the organisation's roster, oldest first. */
export async function fetchRoster(org: string): Promise<SignedRosterChange[]> {
  const answer = await http.json<{ changes?: SignedRosterChange[] }>('GET', `${orgPath(org)}/roster`);
  return Array.isArray(answer?.changes) ? answer.changes : [];
}

/** Pins the roster on first sight (or follows its changes) in the device state, saved at once. */
export function pinRoster(changes: SignedRosterChange[]): Promise<RosterReport[]> {
  // It changes the device: one operation at a time, as engine/broadcasts.ts does.
  return locked(async () => {
    const reports = withDevice((engine) => engine.device.accept_rosters(changes));
    await saveDevice(need());
    return reports;
  });
}

/** Publishes roster version 1 naming this device, signed by it, and pins it here. */
export async function publishFirstRoster(org: string): Promise<RosterReport | null> {
  const signed = withDevice((engine) => engine.device.sign_roster_change(firstRoster(org, engine.device.officer(), Date.now())));
  await http.json('POST', `${orgPath(org)}/roster`, signed);
  const [report] = await pinRoster([signed]);
  return report ?? null;
}

/** Signs the notice on this device and sends it; its ID. */
export async function sendNotice(notice: Broadcast): Promise<string> {
  const signed: SignedBroadcast = withDevice((engine) => engine.device.sign_broadcast(notice));
  const sent = object(await http.json<unknown>('POST', `${orgPath(notice.organisation)}/broadcasts`, signed));
  return str(sent, 'id');
}

const count = (body: Body, key: string): number => num(body, key) ?? 0;

function orgReceipts(b: Body): OrgReceipts {
  return {
    organisation: str(b, 'organisation'),
    name: typeof b['name'] === 'string' ? b['name'] : '',
    recipients: count(b, 'recipients'),
    delivered: count(b, 'delivered'),
    opened: count(b, 'opened'),
    acknowledged: count(b, 'acknowledged'),
  };
}

/** How far a notice reached, per organisation in scope (the sender first). */
export async function receiptTotals(org: string, id: string): Promise<OrgReceipts[]> {
  const body = object(await http.json<unknown>('GET', `${sentPath(org, id)}/receipts`));
  return list(body['organisations']).map(orgReceipts);
}

function counts(value: unknown): StatusCounts {
  const b = record(value) ?? {};
  return { safe: count(b, 'safe'), needs_support: count(b, 'needs_support'), unreachable: count(b, 'unreachable'), evacuated: count(b, 'evacuated'), unanswered: count(b, 'unanswered') };
}

const NEEDS: readonly string[] = ['medical', 'evacuation', 'supplies', 'other'];

function facility(b: Body): FacilitySafety {
  return { facility: str(b, 'facility'), name: typeof b['name'] === 'string' ? b['name'] : '', rooms: count(b, 'rooms'), totals: counts(b['totals']) };
}

function needsSupport(b: Body): NeedsSupportRoom {
  const need = b['need'];
  return {
    room: str(b, 'room'),
    facility: str(b, 'facility'),
    facilityName: typeof b['facility_name'] === 'string' ? b['facility_name'] : '',
    need: typeof need === 'string' && NEEDS.includes(need) ? (need as SafetyNeed) : null,
    answeredAt: count(b, 'answered_at'),
  };
}

/** The safety check's dashboard (`not_found`, 404, when the notice opened no check). */
export async function safetyBoard(org: string, id: string): Promise<SafetyBoard> {
  const body = object(await http.json<unknown>('GET', `${sentPath(org, id)}/safety`));
  return {
    broadcast: str(body, 'broadcast'),
    open: body['open'] === true,
    closedAt: num(body, 'closed_at'),
    totals: counts(body['totals']),
    facilities: list(body['facilities']).map(facility),
    needsSupport: list(body['needs_support']).map(needsSupport),
  };
}

/** Closes the check: later answers are refused (`safety_check_closed`). */
export async function closeCheck(org: string, id: string): Promise<void> {
  await http.json('POST', `${sentPath(org, id)}/safety/close`, {});
}

/** The per-facility totals as CSV: a plain link, downloaded with the session cookie. */
export function safetyCsvHref(org: string, id: string): string {
  return `/api/v1${sentPath(org, id)}/safety.csv`;
}
