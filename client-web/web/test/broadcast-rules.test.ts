// The rules of what a person sees of regional broadcasts, given the core's verdicts:
// the banner holds only official, current, unacknowledged notices; the full screen
// only an official 緊急 (by the signed severity, not the server's listing); expired
// and unverified notices are listed, never alerted; rosters are fetched only for the
// "no roster" and "unknown key" warnings.

import { describe, expect, it } from 'vitest';

import type { Broadcast, BroadcastView, Severity, Standing } from '../src/generated/types';
import {
  bannerNotices, fullScreenNotice, isAcknowledged, listSections, needsOpened, rostersToFollow, standingAt, type Notice,
} from '../src/engine/broadcast-rules';

const NOW = 1_780_000_000_000;
const HOUR = 3_600_000;
const NONE: ReadonlySet<string> = new Set();

interface Spec {
  id: string;
  standing?: Standing;
  severity?: Severity;
  /** What the server's listing claims (defaults to the signed severity). */
  listedSeverity?: Severity;
  issuedAgo?: number;
  expiresIn?: number;
  organisation?: string;
  warning?: string;
  acknowledged?: boolean;
  opened?: boolean;
  readable?: boolean;
}

function notice(spec: Spec): Notice {
  const severity = spec.severity ?? 'info';
  const organisation = spec.organisation ?? 'org-city';
  const issued = NOW - (spec.issuedAgo ?? HOUR);
  const signed: Broadcast = {
    id: spec.id,
    organisation,
    signed_by: { user: 'u-officer', device: 'd-officer', key: [1, 2, 3] },
    severity,
    title: `title ${spec.id}`,
    area: '○○市 △△川 流域',
    body: '',
    issued_at: issued,
    expires_at: NOW + (spec.expiresIn ?? HOUR),
    attachment: null,
    safety_check: false,
    include_families: false,
  };
  const standing = spec.standing ?? 'official';
  const view: BroadcastView = {
    standing,
    broadcast: spec.readable === false ? null : signed,
    officer: standing === 'unverified' ? null : signed.signed_by,
    warning: spec.warning === undefined ? null : { code: spec.warning, en: 'why', ja: '理由' },
  };
  return {
    listed: {
      id: spec.id,
      organisation,
      severity: spec.listedSeverity ?? severity,
      sent_at: issued,
      expires_at: signed.expires_at,
      signed: { payload: 'cA==', signature: 'cw==', signer_key: 'aw==' },
      receipt: {
        delivered_at: NOW,
        opened_at: spec.opened === true ? NOW : null,
        acknowledged_at: spec.acknowledged === true ? NOW : null,
      },
    },
    view,
  };
}

const ids = (notices: Notice[]): string[] => notices.map((n) => n.listed.id);

describe('the banner', () => {
  it('shows official, current, unacknowledged notices, newest first', () => {
    const all = [
      notice({ id: 'older', issuedAgo: 3 * HOUR }),
      notice({ id: 'newer', issuedAgo: HOUR }),
      notice({ id: 'done', acknowledged: true }),
    ];
    expect(ids(bannerNotices(all, NOW, NONE))).toEqual(['newer', 'older']);
  });

  it('never shows an expired notice, whether the core or the clock says so', () => {
    const all = [
      notice({ id: 'core-expired', standing: 'expired', severity: 'emergency', warning: 'broadcast_expired' }),
      notice({ id: 'ran-out', severity: 'emergency', expiresIn: -1 }),
      notice({ id: 'at-expiry', expiresIn: 0 }),
    ];
    expect(bannerNotices(all, NOW, NONE)).toEqual([]);
    expect(fullScreenNotice(all, NOW, NONE)).toBeNull();
    expect(standingAt(all[1] as Notice, NOW)).toBe('expired');
    expect(standingAt(all[1] as Notice, NOW - 2 * HOUR)).toBe('official');
  });

  it('never shows an unverified notice', () => {
    const all = [
      notice({ id: 'forged', standing: 'unverified', severity: 'emergency', warning: 'broadcast_unknown_key' }),
      notice({ id: 'altered', standing: 'unverified', warning: 'broadcast_invalid', readable: false }),
    ];
    expect(bannerNotices(all, NOW, NONE)).toEqual([]);
    expect(fullScreenNotice(all, NOW, NONE)).toBeNull();
  });

  it('drops a notice acknowledged here at once, before the server heard of it', () => {
    const all = [notice({ id: 'a' }), notice({ id: 'b', issuedAgo: 2 * HOUR })];
    const pending = new Set(['a']);
    expect(ids(bannerNotices(all, NOW, pending))).toEqual(['b']);
    expect(isAcknowledged(all[0] as Notice, pending)).toBe(true);
    expect(isAcknowledged(all[1] as Notice, pending)).toBe(false);
  });
});

describe('the full screen', () => {
  it('takes an official 緊急 until it is acknowledged', () => {
    const all = [notice({ id: 'info', issuedAgo: 0 }), notice({ id: 'sos', severity: 'emergency' })];
    expect(fullScreenNotice(all, NOW, NONE)?.listed.id).toBe('sos');
    expect(fullScreenNotice(all, NOW, new Set(['sos']))).toBeNull();
  });

  it('follows the signed severity, not what the server lists beside it', () => {
    const raised = notice({ id: 'raised', severity: 'info', listedSeverity: 'emergency' });
    const lowered = notice({ id: 'lowered', severity: 'emergency', listedSeverity: 'info' });
    expect(fullScreenNotice([raised], NOW, NONE)).toBeNull();
    expect(fullScreenNotice([lowered], NOW, NONE)?.listed.id).toBe('lowered');
  });

  it('is not taken by 警戒 or 注意, which stay in the banner', () => {
    const all = [notice({ id: 'w', severity: 'warning' }), notice({ id: 'c', severity: 'caution' })];
    expect(fullScreenNotice(all, NOW, NONE)).toBeNull();
    expect(bannerNotices(all, NOW, NONE)).toHaveLength(2);
  });
});

describe('rosters to fetch', () => {
  it('asks once per organisation, only for a missing roster or an unknown key', () => {
    const all = [
      notice({ id: '1', standing: 'unverified', warning: 'broadcast_no_roster', organisation: 'assoc' }),
      notice({ id: '2', standing: 'unverified', warning: 'broadcast_no_roster', organisation: 'assoc' }),
      notice({ id: '3', standing: 'unverified', warning: 'broadcast_unknown_key', organisation: 'city' }),
      notice({ id: '4', standing: 'unverified', warning: 'broadcast_invalid', organisation: 'forged' }),
      notice({ id: '5', standing: 'expired', warning: 'broadcast_expired', organisation: 'old' }),
      notice({ id: '6', organisation: 'pinned' }),
    ];
    expect(rostersToFollow(all)).toEqual(['assoc', 'city']);
  });
});

describe('the list', () => {
  it('keeps unverified notices with the current ones and expired ones as past', () => {
    const all = [
      notice({ id: 'past', standing: 'expired', issuedAgo: 48 * HOUR }),
      notice({ id: 'ran-out', expiresIn: -HOUR, issuedAgo: 5 * HOUR }),
      notice({ id: 'odd', standing: 'unverified', warning: 'broadcast_unknown_key', issuedAgo: 2 * HOUR }),
      notice({ id: 'now', issuedAgo: HOUR }),
    ];
    const { current, past } = listSections(all, NOW);
    expect(ids(current)).toEqual(['now', 'odd']);
    expect(ids(past)).toEqual(['ran-out', 'past']);
  });
});

describe('opened receipts', () => {
  it('are sent once, only for official notices not yet opened', () => {
    expect(needsOpened(notice({ id: 'a' }), NOW, NONE)).toBe(true);
    expect(needsOpened(notice({ id: 'a' }), NOW, new Set(['a']))).toBe(false);
    expect(needsOpened(notice({ id: 'b', opened: true }), NOW, NONE)).toBe(false);
    expect(needsOpened(notice({ id: 'c', standing: 'unverified', warning: 'broadcast_unknown_key' }), NOW, NONE)).toBe(false);
  });
});
