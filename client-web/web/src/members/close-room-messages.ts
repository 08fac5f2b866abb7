// Words of closing a room (issue 16): the close panel on the members screen, its
// confirmation, the banner of a closed room and the room list's 「終了したケア」.

import { lang } from '../i18n';

/** The reasons a room is closed, as the server names them. */
export type CloseReason = 'moved' | 'deceased' | 'other';
export const CLOSE_REASONS: readonly CloseReason[] = ['moved', 'deceased', 'other'];

const ja = {
  closeHeading: 'このケアを終了する',
  closeExplain: '利用者さんがサービスを終えたとき（転居・逝去など）に、このルームを終了します。',
  reasonQuestion: '終了の理由',
  reasons: { moved: '転居', deceased: '逝去', other: 'サービス終了' } as Record<string, string>,
  closeButton: 'このケアを終了する',
  confirmTitle: 'このケアを終了しますか？',
  confirmExplain: (years: number) =>
    `終了すると、このルームは閲覧のみになります。新しい投稿・写真・招待・メンバーの変更はできません。記録は施設の保存期間（${years}年）のあと、完全に削除されます。再開できるのは施設の管理者だけです。`,
  confirmClose: '終了する',
  cancel: 'やめる',
  closing: '終了しています…',
  closed: 'このケアを終了しました。ルームは閲覧のみになりました。',
  banner: (date: string, reason: string) => `このケアは終了しています（${date}・${reason}）。閲覧のみできます。`,
  closedHeading: '終了したケア',
  date: (at: number) =>
    new Date(at).toLocaleDateString('ja-JP', { year: 'numeric', month: 'long', day: 'numeric' }),
};

type M = typeof ja;

const en: M = {
  closeHeading: 'Close this room',
  closeExplain: 'Close this room when the client leaves the service (moved away, passed away…).',
  reasonQuestion: 'Reason',
  reasons: { moved: 'moved', deceased: 'deceased', other: 'service ended' },
  closeButton: 'Close this room',
  confirmTitle: 'Close this room?',
  confirmExplain: (years: number) =>
    `Once closed, the room is read-only: no new posts, photos, invitations or member changes. Its records are deleted for good after the facility's retention period (${years} years). Only the facility's administrator can reopen it.`,
  confirmClose: 'Close',
  cancel: 'Cancel',
  closing: 'Closing…',
  closed: 'This room is closed and now read-only.',
  banner: (date: string, reason: string) => `This care has ended (${date}, ${reason}). You can still read it.`,
  closedHeading: 'Closed',
  date: (at: number) => new Date(at).toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric' }),
};

export function closeText(): M {
  return lang() === 'ja' ? ja : en;
}
