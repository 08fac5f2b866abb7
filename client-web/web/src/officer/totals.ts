// The officer's dashboard as data: the receipt totals per organisation
// (`GET /organisations/{o}/broadcasts/{id}/receipts`) and a safety check's totals
// (`…/safety`), with the sums, shares and "what is new since the last answer" the
// screen shows and announces. Pure (no words: the view words them).
//
// The safety vocabulary mirrors kizuna_proto::safety (SafetyStatus, SafetyNeed).

export type SafetyStatus = 'safe' | 'needs_support' | 'unreachable' | 'evacuated';
export type SafetyNeed = 'medical' | 'evacuation' | 'supplies' | 'other';

/** The order the dashboard lists statuses in: the ones needing action first. */
export const STATUS_ORDER: readonly SafetyStatus[] = ['needs_support', 'unreachable', 'evacuated', 'safe'];

/** Rooms per answer, and not yet answered. */
export interface StatusCounts {
  safe: number;
  needs_support: number;
  unreachable: number;
  evacuated: number;
  unanswered: number;
}

export interface FacilitySafety {
  facility: string;
  name: string;
  rooms: number;
  totals: StatusCounts;
}

/** A room whose team answered 要支援, with the facility to call. */
export interface NeedsSupportRoom {
  room: string;
  facility: string;
  facilityName: string;
  need: SafetyNeed | null;
  answeredAt: number;
}

export interface SafetyBoard {
  broadcast: string;
  open: boolean;
  closedAt: number | null;
  totals: StatusCounts;
  facilities: FacilitySafety[];
  /** In the server's order (oldest answer first: waiting longest). */
  needsSupport: NeedsSupportRoom[];
}

/** How far a notice reached in one organisation in scope. */
export interface OrgReceipts {
  organisation: string;
  name: string;
  recipients: number;
  delivered: number;
  opened: number;
  acknowledged: number;
}

/** Whole percent of `part` in `whole`, rounded down (0 of nobody is 0 %). */
export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.floor((Math.min(part, whole) * 100) / whole);
}

/** The receipts summed over every organisation in scope. */
export function receiptSum(orgs: readonly OrgReceipts[]): Omit<OrgReceipts, 'organisation' | 'name'> {
  const sum = { recipients: 0, delivered: 0, opened: 0, acknowledged: 0 };
  for (const o of orgs) {
    sum.recipients += o.recipients;
    sum.delivered += o.delivered;
    sum.opened += o.opened;
    sum.acknowledged += o.acknowledged;
  }
  return sum;
}

/** Rooms answered (any status). */
export function answered(c: StatusCounts): number {
  return c.safe + c.needs_support + c.unreachable + c.evacuated;
}

/** Rooms in scope: answered and unanswered. */
export function roomsInScope(c: StatusCounts): number {
  return answered(c) + c.unanswered;
}

/** One 要支援 answer, so a later answer for the same room counts as new again. */
export function needKey(n: NeedsSupportRoom): string {
  return `${n.room}@${n.answeredAt}`;
}

/**
 * The 要支援 rooms that arrived since `seen` was taken (none on the first load:
 * those are on the screen, not news), in the server's order.
 */
export function newNeeds(seen: ReadonlySet<string> | null, board: SafetyBoard): NeedsSupportRoom[] {
  if (seen === null) return [];
  return board.needsSupport.filter((n) => !seen.has(needKey(n)));
}
