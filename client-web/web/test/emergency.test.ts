// Emergency (break-glass) accounts as the facility administrator's screens read them:
// the server's list, prepared account, approval and enrolment answers; which actions
// each state offers; what one and two approvals say; who declared a disaster as far
// as the page can name them; labels; and what the live alert keeps and links to.

import { describe, expect, it } from 'vitest';

import { Malformed, readApproval, readEnrolled, readList, readPrepared } from '../src/admin/emergency-model';
import {
  actionsFor, alertLinks, alertTargets, approvalProgress, declarer, labelProblem, linkStillNeeded, recordAlert, waitingForSecond,
} from '../src/admin/emergency-rules';

const FACILITY = '0190a1b2-0000-7000-8000-00000000f001';
const ASSOCIATION = '0190a1b2-0000-7000-8000-00000000a001';
const ACCOUNT = '0190a1b2-0000-7000-8000-0000000000e1';
const ADMIN = '0190a1b2-0000-7000-8000-0000000000d1';
const OTHER_ADMIN = '0190a1b2-0000-7000-8000-0000000000d2';

function listed(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user_id: ACCOUNT,
    login_id: 'emergency-0190a1b200',
    label: '緊急用1',
    state: 'sealed',
    sealed_at: 1_780_000_000_000,
    last_sign_in_at: null,
    admission: null,
    pending_approvals: [],
    ...overrides,
  };
}

describe('reading the server', () => {
  it('reads the list with each admission kind and the declarations', () => {
    const list = readList({
      declared_by: [ASSOCIATION],
      accounts: [
        listed({ state: 'in_use', last_sign_in_at: 1_780_000_100_000, admission: { by: 'disaster', organisation: ASSOCIATION } }),
        listed({ admission: { by: 'approved', until: 1_780_028_800_000 }, pending_approvals: [ADMIN] }),
        listed({ state: 'awaiting_enrolment', sealed_at: null }),
      ],
    });
    expect(list.declaredBy).toEqual([ASSOCIATION]);
    expect(list.accounts.map((a) => a.state)).toEqual(['in_use', 'sealed', 'awaiting_enrolment']);
    expect(list.accounts[0]?.admission).toEqual({ by: 'disaster', organisation: ASSOCIATION });
    expect(list.accounts[0]?.lastSignInAt).toBe(1_780_000_100_000);
    expect(list.accounts[1]?.admission).toEqual({ by: 'approved', until: 1_780_028_800_000 });
    expect(list.accounts[1]?.pendingApprovals).toEqual([ADMIN]);
    expect(list.accounts[2]?.sealedAt).toBeNull();
  });

  it('keeps a state a newer server added as its word, and offers nothing for it', () => {
    const [account] = readList({ declared_by: [], accounts: [listed({ state: 'retired' })] }).accounts;
    expect(account?.state).toBe('unknown');
    expect(account?.rawState).toBe('retired');
    expect(account === undefined ? null : actionsFor(account)).toEqual([]);
  });

  it('refuses answers without the fields it needs', () => {
    expect(() => readList({ declared_by: [] })).toThrow(Malformed);
    expect(() => readList({ accounts: [listed({ login_id: 7 })] })).toThrow(Malformed);
    expect(() => readPrepared({ user_id: ACCOUNT, login_id: 'x' })).toThrow(Malformed);
  });

  it('reads a prepared account and its one-time enrolment link', () => {
    const prepared = readPrepared({
      user_id: ACCOUNT,
      login_id: 'emergency-0190a1b200',
      enrolment: { invitation_id: 'i', link: 'http://x/#/invite/t', qr_payload: 'http://x/#/invite/t', expires_at: 5 },
    });
    expect(prepared).toEqual({
      userId: ACCOUNT,
      loginId: 'emergency-0190a1b200',
      enrolment: { link: 'http://x/#/invite/t', qrPayload: 'http://x/#/invite/t', expiresAt: 5 },
    });
  });

  it('tells a sealed enrolment from a signed-in one', () => {
    expect(readEnrolled({ user_id: ACCOUNT, sealed: true })).toEqual({ sealed: true, userId: ACCOUNT });
    expect(readEnrolled({ user_id: ACCOUNT, token: 'session', expires_at: 1 })).toEqual({ sealed: false, userId: ACCOUNT });
  });
});

describe('what an administrator may do', () => {
  it('offers by state: a new link, approval, ending use, resealing', () => {
    expect(actionsFor({ state: 'awaiting_enrolment', admission: null })).toEqual(['reseal']);
    expect(actionsFor({ state: 'sealed', admission: null })).toEqual(['approve', 'reseal']);
    expect(actionsFor({ state: 'sealed', admission: { by: 'approved', until: 1 } })).toEqual(['end', 'reseal']);
    expect(actionsFor({ state: 'in_use', admission: { by: 'disaster', organisation: ASSOCIATION } })).toEqual(['end', 'reseal']);
    expect(actionsFor({ state: 'needs_reseal', admission: null })).toEqual(['reseal']);
  });

  it('says one approval needs a second administrator, and two open it', () => {
    expect(approvalProgress(readApproval({ approvals: 1, admitted_until: null }))).toEqual({ kind: 'needs_second', count: 1 });
    expect(approvalProgress(readApproval({ approvals: 2, admitted_until: 1_780_028_800_000 }))).toEqual({
      kind: 'admitted',
      until: 1_780_028_800_000,
    });
  });

  it('knows when I approved and wait for someone else', () => {
    expect(waitingForSecond({ pendingApprovals: [ADMIN] }, ADMIN)).toBe(true);
    expect(waitingForSecond({ pendingApprovals: [ADMIN] }, OTHER_ADMIN)).toBe(false);
    expect(waitingForSecond({ pendingApprovals: [] }, ADMIN)).toBe(false);
  });

  it('keeps a link shown only while its account still awaits enrolment', () => {
    expect(linkStillNeeded(ACCOUNT, [{ userId: ACCOUNT, state: 'awaiting_enrolment' }])).toBe(true);
    expect(linkStillNeeded(ACCOUNT, [{ userId: ACCOUNT, state: 'sealed' }])).toBe(false);
    expect(linkStillNeeded(ACCOUNT, [])).toBe(false);
  });

  it('takes labels of 1 to 40 characters, counting Japanese characters as one', () => {
    expect(labelProblem('  ')).toBe('empty');
    expect(labelProblem('緊急用1')).toBeNull();
    expect(labelProblem('緊'.repeat(40))).toBeNull();
    expect(labelProblem('緊'.repeat(41))).toBe('long');
  });
});

describe('who declared a disaster', () => {
  const known = [{ id: FACILITY, name: 'みなみ診療所', parentId: ASSOCIATION }];

  it('names what the page knows, else says it is the body the facility belongs to, else one above', () => {
    expect(declarer(FACILITY, FACILITY, known)).toEqual({ kind: 'named', name: 'みなみ診療所' });
    expect(declarer(ASSOCIATION, FACILITY, known)).toEqual({ kind: 'parent' });
    expect(declarer('0190a1b2-0000-7000-8000-00000000b001', FACILITY, known)).toEqual({ kind: 'above' });
    expect(declarer(ASSOCIATION, FACILITY, [...known, { id: ASSOCIATION, name: 'みなみ県医師会', parentId: null }])).toEqual({
      kind: 'named',
      name: 'みなみ県医師会',
    });
  });
});

describe('the live alert', () => {
  const targets = alertTargets([
    { organisationId: FACILITY, role: 'facility_admin', organisationName: 'みなみ診療所' },
    { organisationId: FACILITY, role: 'nurse' },
    { organisationId: 'other', role: 'facility_admin' },
    { organisationId: ASSOCIATION, role: 'officer' },
  ]);

  it('watches the facilities the person administers, once each', () => {
    expect(targets).toEqual([
      { orgId: FACILITY, name: 'みなみ診療所' },
      { orgId: 'other', name: null },
    ]);
  });

  it('keeps every alert until dismissed, newest last, and a bounded number', () => {
    let events = recordAlert([], ACCOUNT, 1);
    events = recordAlert(events, ACCOUNT, 2);
    expect(events).toEqual([
      { account: ACCOUNT, at: 1 },
      { account: ACCOUNT, at: 2 },
    ]);
    for (let i = 0; i < 30; i += 1) events = recordAlert(events, ACCOUNT, 10 + i, 20);
    expect(events).toHaveLength(20);
    expect(events.at(-1)?.at).toBe(39);
  });

  it('links to the facility of an account it has seen listed, else to every facility administered', () => {
    const seen = new Map([[ACCOUNT, { label: '緊急用1', orgId: FACILITY }]]);
    expect(alertLinks([{ account: ACCOUNT, at: 1 }], seen, targets)).toEqual([{ orgId: FACILITY, name: 'みなみ診療所' }]);
    expect(alertLinks([{ account: 'unseen', at: 1 }], seen, targets)).toEqual(targets);
  });
});
