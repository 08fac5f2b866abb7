// The words of the access records screen (アクセス記録 / Access records), Japanese
// and English.

import { lang } from '../i18n';

export interface AccessMessages {
  tab: string;
  title: string;
  explain: string;
  byPerson: string;
  byRoom: string;
  pickPerson: string;
  pickRoom: string;
  everyone: string;
  allRooms: string;
  roomLabel: (id: string, maker: string, made: string) => string;
  from: string;
  to: string;
  show: string;
  more: string;
  downloadCsv: string;
  downloaded: string;
  loading: string;
  none: string;
  when: string;
  who: string;
  device: string;
  action: string;
  room: string;
  range: string;
  noDevice: string;
  channel: (c: string) => string;
  seqRange: (from: number, to: number) => string;
  seqOnwards: (from: number) => string;
  nothingNew: (from: number) => string;
  file: (id: string) => string;
}

const channelJa: Record<string, string> = { team: '専門職', family: '家族' };

const ja: AccessMessages = {
  tab: 'アクセス記録',
  title: 'アクセス記録',
  explain:
    'この施設の部屋の記録を、誰が・いつ・どの端末で閲覧し、写真やファイルを取得し、出力したかを表示します。記録は改ざんできないよう連鎖して保存されています。',
  byPerson: '人で見る',
  byRoom: '部屋で見る',
  pickPerson: '職員',
  pickRoom: '部屋',
  everyone: 'すべての人',
  allRooms: 'すべての部屋',
  roomLabel: (id, maker, made) => `部屋 ${id.slice(0, 8)}（${maker} が ${made} に作成）`,
  from: '開始日',
  to: '終了日',
  show: '表示',
  more: 'さらに表示',
  downloadCsv: 'CSV をダウンロード（Excel 用）',
  downloaded: 'CSV をダウンロードしました。',
  loading: '読み込み中…',
  none: 'この条件の記録はありません。',
  when: '日時',
  who: '氏名',
  device: '端末',
  action: '操作',
  room: '部屋',
  range: '範囲',
  noDevice: '（端末不明）',
  channel: (c) => channelJa[c] ?? c,
  seqRange: (from, to) => `${from}〜${to} 番`,
  seqOnwards: (from) => `${from} 番以降（リアルタイム）`,
  nothingNew: (from) => `${from} 番以降（新着なし）`,
  file: (id) => `ファイル ${id.slice(0, 8)}`,
};

const en: AccessMessages = {
  tab: 'Access records',
  title: 'Access records',
  explain:
    "Who read this facility's rooms, downloaded photos or files, or exported records: when, and from which device. The records are chained so they cannot be altered unnoticed.",
  byPerson: 'By person',
  byRoom: 'By room',
  pickPerson: 'Staff member',
  pickRoom: 'Room',
  everyone: 'Everyone',
  allRooms: 'All rooms',
  roomLabel: (id, maker, made) => `Room ${id.slice(0, 8)} (made by ${maker} on ${made})`,
  from: 'From',
  to: 'To',
  show: 'Show',
  more: 'Show more',
  downloadCsv: 'Download CSV (for Excel)',
  downloaded: 'The CSV was downloaded.',
  loading: 'Loading…',
  none: 'No records match.',
  when: 'When',
  who: 'Who',
  device: 'Device',
  action: 'Action',
  room: 'Room',
  range: 'Range',
  noDevice: '(device unknown)',
  channel: (c) => (c === 'team' ? 'professionals' : c),
  seqRange: (from, to) => `entries ${from}–${to}`,
  seqOnwards: (from) => `from entry ${from} (live)`,
  nothingNew: (from) => `from entry ${from} (nothing new)`,
  file: (id) => `file ${id.slice(0, 8)}`,
};

export const accessText = (): AccessMessages => (lang() === 'ja' ? ja : en);
