// Words of the facility's retention setting and legal holds (issue 16).

import { lang } from '../i18n';

const ja = {
  heading: '記録の保存期間と保全',
  explain:
    '終了したケアの記録は、保存期間が過ぎると自動的に完全削除されます。法令上の保存期間は2年（都道府県によっては5年）です。',
  yearsLabel: '保存期間（終了後の年数）',
  years: (n: number) => `${n}年`,
  save: '保存期間を変更',
  saved: (n: number) => `保存期間を${n}年にしました。`,
  roomsHeading: 'ケア（ルーム）の一覧',
  room: 'ルーム',
  opened: '開始',
  state: '状態',
  open: '継続中',
  closedOn: (date: string, reason: string) => `終了 ${date}（${reason}）`,
  deleteAfter: (date: string) => `削除予定 ${date}`,
  deleted: (date: string) => `削除済み ${date}`,
  reasons: { moved: '転居', deceased: '逝去', other: 'サービス終了' } as Record<string, string>,
  held: (reason: string) => `保全中: ${reason}`,
  holdReason: '保全の理由',
  hold: '保全する（削除を止める）',
  lift: '保全を解除',
  reopen: '再開する',
  holdMissing: '保全の理由を入力してください。',
  date: (at: number) => new Date(at).toLocaleDateString('ja-JP', { year: 'numeric', month: 'long', day: 'numeric' }),
};

type M = typeof ja;

const en: M = {
  heading: 'Record retention and legal holds',
  explain:
    "A closed room's records are deleted for good once the retention period has passed. The legal period is 2 years (5 in some prefectures).",
  yearsLabel: 'Retention (years after closing)',
  years: (n: number) => `${n} years`,
  save: 'Change the retention period',
  saved: (n: number) => `The retention period is now ${n} years.`,
  roomsHeading: 'Rooms',
  room: 'Room',
  opened: 'Opened',
  state: 'State',
  open: 'Open',
  closedOn: (date: string, reason: string) => `Closed ${date} (${reason})`,
  deleteAfter: (date: string) => `To be deleted after ${date}`,
  deleted: (date: string) => `Deleted ${date}`,
  reasons: { moved: 'moved', deceased: 'deceased', other: 'service ended' },
  held: (reason: string) => `On legal hold: ${reason}`,
  holdReason: 'Reason for the hold',
  hold: 'Place a legal hold (stops deletion)',
  lift: 'Lift the hold',
  reopen: 'Reopen',
  holdMissing: 'Say why the records are held.',
  date: (at: number) => new Date(at).toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric' }),
};

export function retentionText(): M {
  return lang() === 'ja' ? ja : en;
}
