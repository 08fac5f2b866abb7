// Words of regional broadcasts (the banner, the full-screen 緊急, the list), Japanese
// first, English too. A NOT VERIFIED notice's warning is shown in both languages
// whatever the switch says, so nobody mistakes it for an official one.

import type { Severity, Standing } from '../generated/types';
import { lang } from '../i18n';

const ja = {
  title: '地域のお知らせ',
  linkFromRooms: '地域のお知らせ（災害・緊急）',
  banner: '地域からのお知らせ',
  severity: { info: '情報', caution: '注意', warning: '警戒', emergency: '緊急' } as Record<Severity, string>,
  standing: { official: '公式', expired: '期限切れ', unverified: '未確認 NOT VERIFIED' } as Record<Standing, string>,
  area: (area: string) => `対象地域: ${area}`,
  issued: (when: string) => `発信: ${when}`,
  expires: (when: string) => `有効期限: ${when}`,
  acknowledge: '確認しました',
  acknowledged: '確認済み',
  acknowledging: '送信しています…',
  ackWaiting: '確認を記録しました。通信が戻るとサーバーに送られます。',
  more: (n: number) => `ほかに ${n} 件`,
  showAll: 'お知らせ一覧',
  current: '現在のお知らせ',
  past: '過去のお知らせ（期限切れ）',
  none: '現在、地域からのお知らせはありません。',
  nonePast: '過去のお知らせはありません。',
  unverifiedNote: 'このお知らせは公式のものと確認できません。内容を信用せず、発信元に別の方法で確かめてください。',
  lastSynced: (when: string) => `最終同期: ${when}`,
  neverSynced: 'まだ一度も同期していません。',
  offlineList: 'オフラインです。この端末に保存したお知らせを表示しています。',
  refresh: '最新の状態にする',
  refreshing: '更新しています…',
  emergencyLabel: '緊急のお知らせ',
  backToRooms: '← ルーム一覧',
  pinsHeading: 'この端末が登録した発信元の鍵',
  pinned: (org: string, when: string) => `発信元 ${org}（${when} に登録）`,
  fingerprint: '照合用の指紋（発信元が公開しているものと同じか確かめてください）:',
  rosterConflict: '発信元の鍵の一覧が、この端末に登録したものと食い違っています。管理者に連絡してください。',
};

type M = typeof ja;

const en: M = {
  title: 'Regional notices',
  linkFromRooms: 'Regional notices (disasters, emergencies)',
  banner: 'Notice from your region',
  severity: { info: 'Information', caution: 'Caution', warning: 'Warning', emergency: 'Emergency' },
  standing: { official: 'Official', expired: 'Expired', unverified: 'NOT VERIFIED 未確認' },
  area: (area: string) => `Area: ${area}`,
  issued: (when: string) => `Issued: ${when}`,
  expires: (when: string) => `Valid until: ${when}`,
  acknowledge: 'Acknowledge',
  acknowledged: 'Acknowledged',
  acknowledging: 'Sending…',
  ackWaiting: 'Acknowledged here. It is sent to the server when the connection returns.',
  more: (n: number) => `${n} more`,
  showAll: 'All notices',
  current: 'Current notices',
  past: 'Past notices (expired)',
  none: 'There are no regional notices at the moment.',
  nonePast: 'No past notices.',
  unverifiedNote: 'This notice could not be confirmed as official. Do not rely on it; check with the sender another way.',
  lastSynced: (when: string) => `Last synced: ${when}`,
  neverSynced: 'Not synced yet.',
  offlineList: 'You are offline. Showing the notices this device has stored.',
  refresh: 'Refresh',
  refreshing: 'Refreshing…',
  emergencyLabel: 'Emergency notice',
  backToRooms: '← Rooms',
  pinsHeading: 'Senders’ keys this device has pinned',
  pinned: (org: string, when: string) => `Sender ${org} (pinned ${when})`,
  fingerprint: 'Fingerprint to compare (check it matches the one the sender publishes):',
  rosterConflict: 'A sender’s list of keys conflicts with the one this device pinned. Tell your administrator.',
};

export const broadcastText = (): M => (lang() === 'ja' ? ja : en);

/** Both catalogues, for words shown in both languages at once. */
export const broadcastBoth = { ja, en };

/** A symbol beside each severity's words (never colour alone). */
export const SEVERITY_ICON: Record<Severity, string> = { info: 'ℹ', caution: '⚠', warning: '▲', emergency: '‼' };
