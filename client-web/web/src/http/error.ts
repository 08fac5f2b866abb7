// The one error type of every request the UI makes. The server refuses with
// `{"error":{"code","message","message_ja",...}}` (plus `current_epoch` for
// `wrong_epoch`); a request that never got an answer, or an answer that is not the
// JSON expected, becomes the same type with a code of its own, so the views word
// every failure the same way and the engine decides on codes alone.
//
// Pure: no DOM, no i18n module (the words for local failures are handed in), so it
// runs under the unit tests in Node.

/** Both languages of one message. */
export interface Words {
  en: string;
  ja: string;
}

/** The code of a request that got no answer (offline, DNS, connection reset). */
export const NETWORK = 'network';
/** The code of an answer that is not what the API sends (a proxy's HTML page, say). */
export const UNEXPECTED = 'unexpected';

/** A failed request: the server's stable code and its English and Japanese words. */
export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when no answer arrived or the answer made no sense. */
    readonly status: number,
    readonly code: string,
    readonly messageEn: string,
    readonly messageJa: string,
    /** For `wrong_epoch`: the group's current epoch, when the server said. */
    readonly currentEpoch: number | null = null,
    /** For `invalid_input`: the request field that was refused (`login_id`), to mark it. */
    readonly field: string | null = null,
  ) {
    super(messageEn);
    this.name = 'ApiError';
  }

  /** The words in the given language. */
  localized(language: 'ja' | 'en'): string {
    return language === 'ja' ? this.messageJa : this.messageEn;
  }
}

/** The failure of a request that got no answer at all. */
export function networkError(words: Words): ApiError {
  return new ApiError(0, NETWORK, words.en, words.ja);
}

/** The failure of an answer that is not what the API sends. */
export function unexpectedAnswer(status: number, words: Words): ApiError {
  return new ApiError(status, UNEXPECTED, words.en, words.ja);
}

type Record_ = Record<string, unknown>;

function record(value: unknown): Record_ | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record_) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Request fields a person fills in, in words. The server words a refused field as
 * `login_id: <what to do>`; the code is swapped for these words, and for a field
 * nobody types (a sealed record, a sequence number) it is left out, so no screen
 * shows `login_id` or `sealed_state`.
 */
export const FIELD_WORDS: Readonly<Record<string, Words>> = {
  login_id: { ja: 'ログインID', en: 'Login ID' },
  display_name: { ja: 'お名前', en: 'Name' },
  invitee_name: { ja: '招待する方のお名前', en: 'Name of the person invited' },
  name: { ja: '名前', en: 'Name' },
  password: { ja: 'パスワード', en: 'Password' },
  credential_name: { ja: '端末の名前', en: 'Device name' },
  role: { ja: '役割', en: 'Role' },
  kind: { ja: '種類', en: 'Kind' },
  birth_date: { ja: '生年月日', en: 'Date of birth' },
  verification_note: { ja: '確認した内容のメモ', en: 'Note of what was checked' },
  urgency: { ja: '緊急度', en: 'Urgency' },
  body: { ja: '本文', en: 'Text' },
};

const FIELD_PREFIX = /^([a-z][a-z0-9_-]*): (.+)$/s;

/** `login_id: use 3 to 64…` → the field and the words with the field named in words. */
export function wordField(field: string, message: string, language: 'ja' | 'en'): string {
  const words = Object.hasOwn(FIELD_WORDS, field) ? FIELD_WORDS[field] : undefined;
  if (words === undefined) return message;
  return language === 'ja' ? `${words.ja}：${message}` : `${words.en}: ${message}`;
}

function refusedField(code: string, en: string, ja: string): { field: string; en: string; ja: string } | null {
  if (code !== 'invalid_input') return null;
  const inEn = FIELD_PREFIX.exec(en);
  const inJa = FIELD_PREFIX.exec(ja);
  const field = inEn?.[1] ?? inJa?.[1];
  if (field === undefined) return null;
  const problemEn = inEn?.[1] === field ? (inEn[2] ?? en) : en;
  const problemJa = inJa?.[1] === field ? (inJa[2] ?? ja) : ja;
  return { field, en: wordField(field, problemEn, 'en'), ja: wordField(field, problemJa, 'ja') };
}

/**
 * The error of a refused answer (status not 2xx) from its body text: the server's
 * code and words, or `unexpected` when the body is not the server's error JSON.
 * `fallback` words a missing message.
 */
export function refusal(status: number, body: string, fallback: Words): ApiError {
  let parsed: unknown = null;
  try {
    parsed = body === '' ? null : JSON.parse(body);
  } catch {
    parsed = null;
  }
  const error = record(record(parsed)?.['error']);
  if (error === null) return unexpectedAnswer(status, fallback);
  const epoch = error['current_epoch'];
  const code = text(error['code']) ?? 'unknown';
  const en = text(error['message']) ?? fallback.en;
  const ja = text(error['message_ja']) ?? fallback.ja;
  const field = refusedField(code, en, ja);
  return new ApiError(
    status,
    code,
    field?.en ?? en,
    field?.ja ?? ja,
    typeof epoch === 'number' ? epoch : null,
    field?.field ?? null,
  );
}

/** Whether the request failed with this server code. */
export function isCode(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code;
}

/** Whether no answer arrived (offline): what the device keeps can still be shown. */
export function isNetwork(error: unknown): boolean {
  return isCode(error, NETWORK);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** Whether the server asks for a fresh confirmation (password + passkey) first. */
export function isReauthRequired(error: unknown): boolean {
  return isCode(error, 'reauth_required');
}

/** Whether sending the same request again later may succeed (offline, server busy, lost race). */
export function transient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 0 || error.status === 409 || error.status === 429 || error.status >= 500;
}
