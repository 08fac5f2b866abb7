// What a push notification says. The server's push message carries no content:
// only `{"v":1,"kind","room","count"}` (encrypted to this browser, RFC 8291), so a
// notification is one fixed sentence per kind ("Kizuna: 新しい至急の投稿があります"),
// never a name, a client or a word of a post, even on a locked phone's screen.
//
// Imported by the service worker (sw.ts) only, and by the unit tests: the worker is
// a classic script that cannot share chunks with the page, so this file imports
// nothing.

export type PushKind = 'urgent' | 'posts' | 'escalation' | 'unread_report' | 'broadcast' | 'security_alert';
/** The language the app last used on this device; null when it never said. */
export type NotifyLang = 'ja' | 'en' | null;

export interface PushPayload {
  kind: PushKind;
  /** The room it is about (a UUID), or null. */
  room: string | null;
  /** How many posts it counts (at least 1). */
  count: number;
}

/** What `registration.showNotification` is given. */
export interface NotificationWords {
  title: string;
  body: string;
  /** One per room and kind: a repeat replaces the earlier notification. */
  tag: string;
  /** Whether a replacement alerts again (urgent ones do). */
  renotify: boolean;
  /** Where a tap leads (a hash route of the app). */
  url: string;
}

const KINDS: readonly PushKind[] = ['urgent', 'posts', 'escalation', 'unread_report', 'broadcast', 'security_alert'];
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Counts above this read "99+". */
const MAX_COUNT = 99;

const TITLE = { ja: 'Kizuna', en: 'Kizuna' };

const ja: Record<PushKind, (count: string) => string> = {
  urgent: () => '新しい至急の投稿があります',
  posts: (n) => (n === '1' ? '新しい投稿があります' : `新しい投稿があります（${n}件）`),
  escalation: () => 'まだ読んでいない至急の投稿があります',
  unread_report: (n) => `あなたの至急の投稿を、まだ${n}人が読んでいません`,
  broadcast: () => '地域からの新しいお知らせがあります',
  // To a facility's administrators; who and what only on the alerts screen.
  security_alert: (n) => (n === '1' ? '確認が必要なセキュリティ通知があります' : `確認が必要なセキュリティ通知があります（${n}件）`),
};

const en: Record<PushKind, (count: string) => string> = {
  urgent: () => 'There is a new urgent post',
  posts: (n) => (n === '1' ? 'There is a new post' : `There are ${n} new posts`),
  escalation: () => 'An urgent post is still waiting for you to read it',
  unread_report: (n) =>
    n === '1' ? '1 person has not read your urgent post yet' : `${n} people have not read your urgent post yet`,
  broadcast: () => 'There is a new regional notice',
  security_alert: (n) => (n === '1' ? 'There is a new security alert to check' : `There are ${n} new security alerts to check`),
};

function isKind(value: unknown): value is PushKind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/** The payload of a push message (its text), or null when it is not one of ours. */
export function parsePush(text: string | null): PushPayload | null {
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const body = parsed as Record<string, unknown>;
  if (body['v'] !== 1 || !isKind(body['kind'])) return null;
  const room = body['room'];
  const count = body['count'];
  return {
    kind: body['kind'],
    // Anything but a UUID is dropped: it goes into a link.
    room: typeof room === 'string' && UUID.test(room) ? room.toLowerCase() : null,
    count: typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 1,
  };
}

/** The sentence for a payload in one language. */
export function sentence(payload: PushPayload, language: 'ja' | 'en'): string {
  const count = payload.count > MAX_COUNT ? `${MAX_COUNT}+` : String(payload.count);
  return (language === 'ja' ? ja : en)[payload.kind](count);
}

/** The app route a tap on the notification opens. */
export function target(payload: PushPayload): string {
  if (payload.kind === 'broadcast') return '/#/broadcasts';
  if (payload.kind === 'security_alert') return '/#/admin';
  return payload.room === null ? '/#/' : `/#/rooms/${payload.room}/team`;
}

/**
 * The notification for a payload: in the language the app last used, or (when it
 * never said) Japanese with English on a second line.
 */
export function notificationFor(payload: PushPayload, language: NotifyLang): NotificationWords {
  const body = language === null ? `${sentence(payload, 'ja')}\n${sentence(payload, 'en')}` : sentence(payload, language);
  return {
    title: TITLE[language ?? 'ja'],
    body,
    tag: `kizuna-${payload.kind}-${payload.room ?? 'all'}`,
    renotify: payload.kind === 'urgent' || payload.kind === 'escalation',
    url: target(payload),
  };
}

/** The notification shown when a push arrives that this build cannot read. */
export function fallbackNotification(language: NotifyLang): NotificationWords {
  const body = { ja: '新しいお知らせがあります', en: 'There is something new' };
  return {
    title: TITLE[language ?? 'ja'],
    body: language === null ? `${body.ja}\n${body.en}` : body[language],
    tag: 'kizuna-other-all',
    renotify: false,
    url: '/#/',
  };
}
