// Words of the security alerts screen (issue 16): Japanese first, English too. Each
// alert is one plain sentence about a person (or an address) and counts.

import { lang } from '../i18n';

export interface AlertWordsInput {
  kind: string;
  name: string;
  address: string | null;
  count: number;
  minutes: number;
  locked: boolean;
  accounts: number;
  time: string;
  signedIn: boolean;
}

const ja = {
  title: 'セキュリティ通知',
  tab: 'セキュリティ通知',
  // The tab is a flex box, which drops a plain space before the badge: the badge brings its own.
  badge: (n: number) => `（未対応 ${n} 件）`,
  explain: 'サインイン失敗の連続、ふだんと違う時間のサインイン、短時間に多くのルームを開く・多くのファイルを取り出す、新しい端末、緊急用アカウントの使用を、監査ログから見つけてお知らせします。本人や関係者に確認し、対応を書いて閉じてください。',
  open: '未対応の通知',
  closed: '対応済みの通知',
  none: '未対応の通知はありません。',
  noneClosed: '対応済みの通知はまだありません。',
  loading: '読み込み中…',
  when: (at: string) => `日時: ${at}`,
  note: '確認したこと・対応（必須）',
  closeButton: '対応済みにする',
  noteRequired: '確認したことと対応を書いてください',
  closedBy: (who: string, at: string) => `${at} ${who} さんが対応済みにしました`,
  closedNotice: '対応済みにしました',
  someone: '不明な人',
  sentence: (a: AlertWordsInput): string => {
    switch (a.kind) {
      case 'failed_sign_ins':
        return a.locked
          ? `${a.name} さんのアカウントで、サインイン失敗が${a.count}回続き、アカウントがロックされました`
          : `${a.name} さんのアカウントで、${a.minutes}分間にサインイン失敗が${a.count}回ありました`;
      case 'failed_sign_ins_from_address':
        return `アドレス ${a.address ?? ''} から、${a.minutes}分間に ${a.accounts} 個のログインIDへのサインイン失敗が${a.count}回ありました`;
      case 'unusual_hour':
        return `${a.name} さんが、ふだんサインインしない時間（${a.time}）にサインインしました`;
      case 'many_rooms':
        return `${a.name} さんが、${a.minutes}分間に ${a.count} 件のルームを開きました`;
      case 'bulk_downloads':
        return `${a.name} さんが、${a.minutes}分間にファイルを ${a.count} 回取り出しました`;
      case 'new_device':
        return `${a.name} さんのアカウントに、新しい端末が登録されました`;
      case 'break_glass':
        return a.signedIn
          ? `緊急用アカウント ${a.name} でサインインがありました`
          : `封印中の緊急用アカウント ${a.name} でサインインが試みられました`;
      default:
        return `${a.name} さんについての通知があります`;
    }
  },
};

const en: typeof ja = {
  title: 'Security alerts',
  tab: 'Security alerts',
  badge: (n) => `\u00a0(${n} open)`,
  explain: 'Kizuna reads the audit log for runs of failed sign-ins, sign-ins at unusual hours, many rooms opened or many files downloaded in a short time, new devices and any use of an emergency account. Check with the person, then write what you found and did, and close the alert.',
  open: 'Open alerts',
  closed: 'Closed alerts',
  none: 'No open alerts.',
  noneClosed: 'No closed alerts yet.',
  loading: 'Loading…',
  when: (at) => `When: ${at}`,
  note: 'What you checked and did (required)',
  closeButton: 'Close the alert',
  noteRequired: 'Write what you checked and what you did',
  closedBy: (who, at) => `Closed by ${who} on ${at}`,
  closedNotice: 'Closed',
  someone: 'someone unknown',
  sentence: (a) => {
    switch (a.kind) {
      case 'failed_sign_ins':
        return a.locked
          ? `${a.count} failed sign-ins on ${a.name}'s account; it is now locked`
          : `${a.count} failed sign-ins on ${a.name}'s account within ${a.minutes} minutes`;
      case 'failed_sign_ins_from_address':
        return `${a.count} failed sign-ins to ${a.accounts} login IDs from ${a.address ?? ''} within ${a.minutes} minutes`;
      case 'unusual_hour':
        return `${a.name} signed in at an unusual time for them (${a.time})`;
      case 'many_rooms':
        return `${a.name} opened ${a.count} rooms within ${a.minutes} minutes`;
      case 'bulk_downloads':
        return `${a.name} downloaded files ${a.count} times within ${a.minutes} minutes`;
      case 'new_device':
        return `A new device was registered on ${a.name}'s account`;
      case 'break_glass':
        return a.signedIn
          ? `Someone signed in with the emergency account ${a.name}`
          : `Someone tried to sign in with the sealed emergency account ${a.name}`;
      default:
        return `An alert about ${a.name}`;
    }
  },
};

export function alertsText(): typeof ja {
  return lang() === 'en' ? en : ja;
}
