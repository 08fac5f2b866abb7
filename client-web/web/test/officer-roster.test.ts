// Where this device stands on an organisation's officer roster (officer/roster.ts):
// none yet (offer to publish version 1), listed (may send), not listed (show the
// officer line to send to a colleague), and that line as `kizuna broadcast whoami`
// prints it.

import { describe, expect, it } from 'vitest';

import type { Officer, RosterChange, SignedRosterChange } from '../src/generated/types';
import { decodeRosterChange, firstRoster, officerLine, rosterStanding, sameOfficer } from '../src/officer/roster';

const ME: Officer = { user: '0190a1b2-0000-7000-8000-00000000003d', device: '0190a1b2-0000-7000-8000-000000000047', key: Array.from({ length: 32 }, (_, i) => i * 8) };
const COLLEAGUE: Officer = { ...ME, device: '0190a1b2-0000-7000-8000-000000000048' };

function signed(change: RosterChange): SignedRosterChange {
  const bytes = new TextEncoder().encode(JSON.stringify(change));
  return { payload: btoa(String.fromCharCode(...bytes)), signature: 'c2ln', signer_key: 'a2V5' };
}

describe('the roster standing', () => {
  it('is none without any version: the first roster names this device alone, signed by it', () => {
    expect(rosterStanding([], ME)).toEqual({ kind: 'none' });
    expect(firstRoster('org-1', ME, 5)).toEqual({ organisation: 'org-1', version: 1, previous: null, issued_at: 5, signed_by: ME, officers: [ME] });
  });

  it('is read from the newest version', () => {
    const v1 = signed(firstRoster('org-1', COLLEAGUE, 1));
    const v2 = signed({ ...firstRoster('org-1', COLLEAGUE, 2), version: 2, previous: [1, 2], officers: [COLLEAGUE, ME] });
    expect(rosterStanding([v1], ME)).toEqual({ kind: 'not_listed', version: 1, officers: 1 });
    expect(rosterStanding([v1, v2], ME)).toEqual({ kind: 'listed', version: 2, officers: 2 });
  });

  it('does not take another device of the same person, or the same device with another key, for this one', () => {
    expect(sameOfficer(ME, { ...ME })).toBe(true);
    expect(sameOfficer(ME, COLLEAGUE)).toBe(false);
    expect(sameOfficer(ME, { ...ME, key: [...ME.key.slice(0, 31), 1] })).toBe(false);
  });

  it('is unreadable for a payload that is not a roster change', () => {
    expect(rosterStanding([{ payload: '!!!', signature: '', signer_key: '' }], ME)).toEqual({ kind: 'unreadable' });
    expect(decodeRosterChange({ payload: btoa('{"version":1}'), signature: '', signer_key: '' })).toBeNull();
  });

  it('reads Japanese in the payload (UTF-8)', () => {
    const change = { ...firstRoster('みなみ県医師会', ME, 1) };
    expect(decodeRosterChange(signed(change))?.organisation).toBe('みなみ県医師会');
  });
});

describe('the officer line', () => {
  it('is USER:DEVICE:KEY with the key as 64 hex digits, as the CLI prints and reads it', () => {
    const line = officerLine(ME);
    const [user, device, key] = line.split(':');
    expect([user, device]).toEqual([ME.user, ME.device]);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key?.slice(0, 8)).toBe('00081018');
  });
});
