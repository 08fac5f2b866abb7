// Words of the care team's side of a safety check (安否確認), Japanese first, English
// too: the prompt, the screen of my rooms, the answer form, the timeline card. The
// split between what the association receives and what stays with the team is
// said in both languages on the form, whatever the switch says.

import type { SafetyNeed, SafetyStatus } from '../generated/types';
import { lang } from '../i18n';
import type { DraftProblem } from './answer';

const ja = {
  title: '安否確認',
  prompt: '安否確認: 担当の利用者の状況を回答してください',
  promptCount: (n: number) => `未回答 ${n} 件`,
  answerLink: '安否を回答',
  changeLink: '回答を見る・変える',
  roomAnswered: (status: string) => `安否確認: 回答済み（${status}）`,
  notice: (title: string) => `お知らせ: ${title}`,
  unknownNotice: 'お知らせ（この端末にありません）',
  unverifiedNotice: 'お知らせ（公式のものと確認できません）',
  open: '受付中',
  closed: '受付は終了しました',
  myRooms: '担当の利用者',
  noRooms: 'この安否確認の対象になる担当ルームはありません。',
  unanswered: '未回答',
  answeredAt: (when: string) => `${when} に回答`,
  answer: '回答する',
  change: '回答を変える',
  cancel: 'やめる',
  loading: '読み込み中…',
  backToNotices: '← お知らせ一覧',
  notOfficial:
    'このお知らせは有効な公式の安否確認として確認できません。回答せず、医師会に電話などで確かめてください。',
  formTitle: (name: string) => `${name} の状況`,
  statusLegend: '状況',
  needLegend: '必要な支援',
  place: '避難先（任意）',
  placeHint: '例: 市立第二小学校 体育館。チームだけが読めます。',
  note: 'チームへのメモ（任意）',
  noteHint: '例: 薬が残り1日分、家族と連絡が取れた。チームだけが読めます。',
  privacy: '医師会には状況の区分だけが届きます。名前やメモはチームだけが読めます。',
  send: '回答を送る',
  sending: '送っています…',
  sent: (status: string) => `回答しました（${status}）。メモはチームチャンネルに投稿しました。`,
  waiting: '通信が戻ると回答を送ります（この端末に保存しました）。',
  waitingShort: '送信待ち',
  problems: {
    status: '状況を選んでください。',
    need: '必要な支援の種類を選んでください。',
    placeTooLong: '避難先が長すぎます（500バイトまで）。短くしてください。',
    placeLines: '避難先は1行で入力してください。',
  } as Record<DraftProblem, string>,
  coreNotReady: '暗号エンジンを読み込めていません。ページを再読み込みしてください。',
  failed: (why: string) => `送れませんでした（${why}）`,
  status: { safe: '無事', needs_support: '要支援', unreachable: '連絡取れず', evacuated: '避難済み' } as Record<SafetyStatus, string>,
  need: { medical: '医療', evacuation: '避難', supplies: '物資', other: 'その他' } as Record<SafetyNeed, string>,
  kind: '安否確認の回答',
  placeShown: (place: string) => `避難先: ${place}`,
  roomsHint: '利用者ごとに回答してください。',
};

type M = typeof ja;

const en: M = {
  title: 'Safety check',
  prompt: 'Safety check: report how each of your clients is',
  promptCount: (n: number) => `${n} not answered`,
  answerLink: 'Answer the safety check',
  changeLink: 'See or change the answer',
  roomAnswered: (status: string) => `Safety check: answered (${status})`,
  notice: (title: string) => `Notice: ${title}`,
  unknownNotice: 'Notice (not on this device)',
  unverifiedNotice: 'Notice (could not be confirmed as official)',
  open: 'Open',
  closed: 'Answers are closed',
  myRooms: 'Your clients',
  noRooms: 'None of your rooms is part of this safety check.',
  unanswered: 'Not answered',
  answeredAt: (when: string) => `answered ${when}`,
  answer: 'Answer',
  change: 'Change the answer',
  cancel: 'Cancel',
  loading: 'Loading…',
  backToNotices: '← All notices',
  notOfficial:
    'This notice could not be confirmed as an official, current safety check. Do not answer it; check with the association by phone.',
  formTitle: (name: string) => `How ${name} is`,
  statusLegend: 'Status',
  needLegend: 'Support needed',
  place: 'Evacuated to (optional)',
  placeHint: 'e.g. City No. 2 Primary School gym. Only the team can read it.',
  note: 'Note for the team (optional)',
  noteHint: 'e.g. medicines for one more day; family reached. Only the team can read it.',
  privacy: 'The association receives only the status; names and notes stay with the team.',
  send: 'Send the answer',
  sending: 'Sending…',
  sent: (status: string) => `Answered (${status}). The note is posted in the team channel.`,
  waiting: 'The answer is sent when the connection returns (kept on this device).',
  waitingShort: 'Waiting to send',
  problems: {
    status: 'Choose a status.',
    need: 'Choose the kind of support needed.',
    placeTooLong: 'The place is too long (500 bytes at most). Shorten it.',
    placeLines: 'Write the place on one line.',
  },
  coreNotReady: 'The encryption engine is not loaded. Reload the page.',
  failed: (why: string) => `Not sent (${why})`,
  status: { safe: 'Safe', needs_support: 'Needs support', unreachable: 'Unreachable', evacuated: 'Evacuated' },
  need: { medical: 'Medical', evacuation: 'Evacuation', supplies: 'Supplies', other: 'Other' },
  kind: 'Safety check answer',
  placeShown: (place: string) => `Evacuated to: ${place}`,
  roomsHint: 'Answer for each client.',
};

export const safetyText = (): M => (lang() === 'ja' ? ja : en);

/** Both catalogues, for words shown in both languages at once. */
export const safetyBoth = { ja, en };

/** A symbol beside each status's words and colour (never colour alone). */
export const STATUS_ICON: Record<SafetyStatus, string> = { safe: '✓', needs_support: '!', unreachable: '?', evacuated: '→' };

/** 要支援（医療） / Needs support (Medical): the status with its need. */
export function statusWords(status: SafetyStatus, need: SafetyNeed | null | undefined): string {
  const m = safetyText();
  const words = m.status[status];
  if (need === null || need === undefined) return words;
  return lang() === 'ja' ? `${words}（${m.need[need]}）` : `${words} (${m.need[need]})`;
}
