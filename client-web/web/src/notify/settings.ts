// A person's notification settings (GET/PUT /me/notifications): reading the
// server's answer, the draft the settings screen edits, and the checks made before
// saving (the server makes the same ones and refuses with its own words). Pure: no
// DOM, no i18n, so the unit tests run it in Node.

export type PushChoice = 'off' | 'urgent' | 'all';
export type EmailChoice = 'off' | 'urgent' | 'digest';

export const PUSH_CHOICES: readonly PushChoice[] = ['off', 'urgent', 'all'];
export const EMAIL_CHOICES: readonly EmailChoice[] = ['off', 'urgent', 'digest'];
/** The digest intervals offered (minutes); the server takes 15..1440. */
export const DIGEST_MINUTES: readonly number[] = [15, 30, 60, 180, 360, 720, 1440];
export const DIGEST_MIN = 15;
export const DIGEST_MAX = 1440;

export interface QuietHours {
  /** "HH:MM", local time of the person. */
  start: string;
  end: string;
}

export interface NotifySettings {
  push: PushChoice;
  email: EmailChoice;
  emailAddress: string | null;
  digestMinutes: number;
  quietHours: QuietHours | null;
  /** The person's offset from UTC (minutes east), for the quiet hours. */
  utcOffsetMinutes: number;
  urgentInQuietHours: boolean;
  /** Whether the operator set up e-mail (else the e-mail choices are hidden). */
  emailAvailable: boolean;
}

/** What a check found wrong, by field; the screen words each. */
export type SettingsProblem =
  | 'email_address_missing'
  | 'email_address_invalid'
  | 'digest_range'
  | 'quiet_hours_invalid'
  | 'quiet_hours_same';

export const DEFAULT_QUIET: QuietHours = { start: '22:00', end: '07:00' };

/** The settings before the server said anything (everything off). */
export function defaultSettings(utcOffsetMinutes: number): NotifySettings {
  return {
    push: 'off',
    email: 'off',
    emailAddress: null,
    digestMinutes: 60,
    quietHours: null,
    utcOffsetMinutes,
    urgentInQuietHours: true,
    emailAvailable: true,
  };
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
// Deliberately loose: one @, something on both sides, a dot in the domain. The
// mail server is the real check.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isTime(value: string): boolean {
  return TIME.test(value);
}

function choice<T extends string>(value: unknown, options: readonly T[], fallback: T): T {
  return typeof value === 'string' && (options as readonly string[]).includes(value) ? (value as T) : fallback;
}

function quiet(value: unknown): QuietHours | null {
  if (typeof value !== 'object' || value === null) return null;
  const body = value as Record<string, unknown>;
  const start = body['start'];
  const end = body['end'];
  return typeof start === 'string' && typeof end === 'string' && isTime(start) && isTime(end) ? { start, end } : null;
}

/** The settings of the server's answer; fields it left out keep their defaults. */
export function fromJson(body: Record<string, unknown>, utcOffsetMinutes: number): NotifySettings {
  const base = defaultSettings(utcOffsetMinutes);
  const digest = body['digest_minutes'];
  const address = body['email_address'];
  const offset = body['utc_offset_minutes'];
  return {
    push: choice(body['push'], PUSH_CHOICES, base.push),
    email: choice(body['email'], EMAIL_CHOICES, base.email),
    emailAddress: typeof address === 'string' && address !== '' ? address : null,
    digestMinutes: typeof digest === 'number' && Number.isInteger(digest) ? digest : base.digestMinutes,
    quietHours: quiet(body['quiet_hours']),
    utcOffsetMinutes: typeof offset === 'number' && Number.isInteger(offset) ? offset : utcOffsetMinutes,
    urgentInQuietHours: typeof body['urgent_in_quiet_hours'] === 'boolean' ? body['urgent_in_quiet_hours'] : true,
    emailAvailable: body['email_available'] !== false,
  };
}

/** The PUT body. Where e-mail is not set up, the e-mail choice is sent as off. */
export function toJson(settings: NotifySettings): Record<string, unknown> {
  return {
    push: settings.push,
    email: settings.emailAvailable ? settings.email : 'off',
    email_address: settings.emailAddress,
    digest_minutes: settings.digestMinutes,
    quiet_hours: settings.quietHours,
    utc_offset_minutes: settings.utcOffsetMinutes,
    urgent_in_quiet_hours: settings.urgentInQuietHours,
  };
}

/** What is wrong with the settings before saving; empty when they may be saved. */
export function check(settings: NotifySettings): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const mail = settings.emailAvailable && settings.email !== 'off';
  const address = settings.emailAddress?.trim() ?? '';
  if (mail && address === '') problems.push('email_address_missing');
  else if (address !== '' && !EMAIL.test(address)) problems.push('email_address_invalid');
  const digest = settings.digestMinutes;
  if (!Number.isInteger(digest) || digest < DIGEST_MIN || digest > DIGEST_MAX) problems.push('digest_range');
  const hours = settings.quietHours;
  if (hours !== null) {
    if (!isTime(hours.start) || !isTime(hours.end)) problems.push('quiet_hours_invalid');
    else if (hours.start === hours.end) problems.push('quiet_hours_same');
  }
  return problems;
}

/** The offset from UTC (minutes east) of this browser's clock at `when`. */
export function localOffset(when: Date): number {
  return -when.getTimezoneOffset();
}
