// Words of the room list's search, filters and side pane (Japanese first, English too).

import { lang } from '../i18n';

const ja = {
  searchLabel: 'ご利用者の名前で探す',
  searchHint: 'この端末の中だけで探します（名前はサーバーに送られません）。ひらがな・カタカナどちらでも探せます。',
  filtersLabel: '絞り込み',
  filterUrgent: '至急あり',
  filterUnread: '未読あり',
  shown: (shown: number, total: number) => `${total}件中 ${shown}件を表示`,
  noMatch: (query: string) =>
    query === '' ? '条件に合うルームはありません。' : `「${query}」に合うルームはありません。`,
  clear: '条件をすべて解除',
  sideLabel: 'ルーム一覧',
  current: '表示中',
};

type M = typeof ja;

const en: M = {
  searchLabel: 'Find by the client’s name',
  searchHint: 'Searched on this device only (names are never sent to the server). Hiragana and katakana both match.',
  filtersLabel: 'Filters',
  filterUrgent: 'Urgent',
  filterUnread: 'Unread',
  shown: (shown, total) => `Showing ${shown} of ${total}`,
  noMatch: (query) => (query === '' ? 'No room matches these filters.' : `No room matches “${query}”.`),
  clear: 'Clear all',
  sideLabel: 'Rooms',
  current: 'Open',
};

export const listText = (): M => (lang() === 'ja' ? ja : en);
