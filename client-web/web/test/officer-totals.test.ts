// The officer's dashboard figures (officer/totals.ts), who is offered which screen
// (officer/roles.ts), and what the banner says to screen readers (officer/announce.ts):
// a new notice once, never again on a redraw; urgent ones interrupt.

import { describe, expect, it } from 'vitest';

import type { Me } from '../src/api';
import { isUrgent, nextAnnouncement, senderName, type Announcement } from '../src/officer/announce';
import { followedOrganisations, mayFollow, regionalAdminWithoutRole, sendingOrganisations } from '../src/officer/roles';
import { answered, needKey, newNeeds, percent, receiptSum, roomsInScope, type NeedsSupportRoom, type SafetyBoard } from '../src/officer/totals';

const ZERO = { safe: 0, needs_support: 0, unreachable: 0, evacuated: 0, unanswered: 0 };

function need(room: string, at: number): NeedsSupportRoom {
  return { room, facility: 'f-1', facilityName: 'みなみ診療所', need: 'medical', answeredAt: at };
}

function board(needs: NeedsSupportRoom[]): SafetyBoard {
  return { broadcast: 'b', open: true, closedAt: null, totals: { ...ZERO, needs_support: needs.length }, facilities: [], needsSupport: needs };
}

describe('dashboard figures', () => {
  it('gives whole percentages, never over 100, and 0 of nobody', () => {
    expect([percent(1, 3), percent(2, 3), percent(3, 3), percent(5, 3), percent(0, 0)]).toEqual([33, 66, 100, 100, 0]);
  });

  it('sums receipts over the organisations in scope', () => {
    const org = (recipients: number, delivered: number, opened: number, acknowledged: number) => ({ organisation: 'o', name: 'n', recipients, delivered, opened, acknowledged });
    expect(receiptSum([org(10, 8, 5, 2), org(4, 4, 4, 4)])).toEqual({ recipients: 14, delivered: 12, opened: 9, acknowledged: 6 });
    expect(receiptSum([])).toEqual({ recipients: 0, delivered: 0, opened: 0, acknowledged: 0 });
  });

  it('counts rooms answered and rooms in scope', () => {
    const c = { safe: 3, needs_support: 1, unreachable: 2, evacuated: 4, unanswered: 5 };
    expect([answered(c), roomsInScope(c)]).toEqual([10, 15]);
  });

  it('calls 要支援 rooms new only when they arrive after the first load, in the server order', () => {
    const a = need('room-a', 100);
    const b = need('room-b', 200);
    expect(newNeeds(null, board([a]))).toEqual([]);
    const seen = new Set([needKey(a)]);
    expect(newNeeds(seen, board([a, b]))).toEqual([b]);
    // The same room answering 要支援 again later is news again.
    expect(newNeeds(new Set([needKey(a), needKey(b)]), board([b, need('room-a', 300)]))).toEqual([need('room-a', 300)]);
  });
});

describe('who is offered what', () => {
  const me = (roles: { organisationId: string; role: string; organisationKind?: string; organisationName?: string }[]): Me => ({
    userId: 'u', loginId: 'l', displayName: 'd', isSystemAdmin: false, roles,
  });

  it('offers sending to broadcast officers, and following to officers and administrators too', () => {
    const person = me([
      { organisationId: 'assoc', role: 'broadcast_officer', organisationKind: 'association', organisationName: '医師会' },
      { organisationId: 'assoc', role: 'officer', organisationKind: 'association' },
      { organisationId: 'city', role: 'officer', organisationKind: 'city', organisationName: 'みなみ市' },
      { organisationId: 'clinic', role: 'nurse', organisationKind: 'clinic' },
    ]);
    expect(sendingOrganisations(person).map((o) => o.id)).toEqual(['assoc']);
    expect(followedOrganisations(person).map((o) => o.id)).toEqual(['assoc', 'city']);
    expect([mayFollow(person, 'city'), mayFollow(person, 'clinic')]).toEqual([true, false]);
    expect(regionalAdminWithoutRole(person).map((o) => o.name)).toEqual(['みなみ市']);
    expect(sendingOrganisations(me([{ organisationId: 'clinic', role: 'nurse' }]))).toEqual([]);
  });
});

describe('what the banner says to screen readers', () => {
  it('says a new notice once, and nothing again while it stays on top', () => {
    const said = new Set<string>();
    const first = nextAnnouncement(null, { id: 'n1', severity: 'caution', text: '注意: 河川' }, said);
    expect(first).toEqual({ id: 'n1', urgent: false, text: '注意: 河川' });
    // A redraw (or another language) keeps the very same announcement: no new words.
    expect(nextAnnouncement(first, { id: 'n1', severity: 'caution', text: 'Caution: river' }, said)).toBe(first);
  });

  it('interrupts for 警戒 and 緊急 only', () => {
    expect((['info', 'caution', 'warning', 'emergency', null] as const).map(isUrgent)).toEqual([false, false, true, true, false]);
    expect(nextAnnouncement(null, { id: 'e', severity: 'emergency', text: '緊急' }, new Set())?.urgent).toBe(true);
  });

  it('empties when the banner does, and does not repeat a notice already said', () => {
    const said = new Set<string>();
    let shown: Announcement | null = nextAnnouncement(null, { id: 'a', severity: 'info', text: 'A' }, said);
    shown = nextAnnouncement(shown, { id: 'b', severity: 'warning', text: 'B' }, said);
    expect(shown?.id).toBe('b');
    // B acknowledged: A is on top again, already said.
    expect(nextAnnouncement(shown, { id: 'a', severity: 'info', text: 'A' }, said)).toBeNull();
    expect(nextAnnouncement(shown, null, said)).toBeNull();
  });

  it('reads the sender’s name only when the server gave one', () => {
    expect(senderName({ organisation_name: 'みなみ県医師会' })).toBe('みなみ県医師会');
    expect(senderName({})).toBeNull();
    expect(senderName({ organisation_name: 7 })).toBeNull();
  });
});
