// Content-free notifications: what the service worker shows for each kind of push
// (a fixed sentence, never anything the payload could smuggle in), where a tap
// leads, and the checks the settings screen makes before saving.

import { describe, expect, it } from 'vitest';

import { fallbackNotification, notificationFor, parsePush, sentence, type PushKind } from '../src/pwa/push-words';
import { check, defaultSettings, fromJson, toJson, type NotifySettings } from '../src/notify/settings';

const ROOM = '3f2b8c1e-9a4d-4e6f-8b1a-2c3d4e5f6a7b';

const push = (kind: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ v: 1, kind, room: ROOM, count: 1, ...extra });

describe('the words of a push notification', () => {
  it('says the fixed sentence of each kind, in Japanese and English', () => {
    const expected: Record<PushKind, [string, string]> = {
      urgent: ['新しい至急の投稿があります', 'There is a new urgent post'],
      posts: ['新しい投稿があります', 'There is a new post'],
      escalation: ['まだ読んでいない至急の投稿があります', 'An urgent post is still waiting for you to read it'],
      unread_report: ['あなたの至急の投稿を、まだ1人が読んでいません', '1 person has not read your urgent post yet'],
      broadcast: ['地域からの新しいお知らせがあります', 'There is a new regional notice'],
      security_alert: ['確認が必要なセキュリティ通知があります', 'There is a new security alert to check'],
    };
    for (const [kind, [ja, en]] of Object.entries(expected)) {
      const payload = parsePush(push(kind));
      expect(payload, kind).not.toBeNull();
      if (payload === null) continue;
      expect(notificationFor(payload, 'ja').body).toBe(ja);
      expect(notificationFor(payload, 'en').body).toBe(en);
      // No language stored yet: Japanese, then English on a second line.
      expect(notificationFor(payload, null).body).toBe(`${ja}\n${en}`);
      expect(notificationFor(payload, null).title).toBe('Kizuna');
    }
  });

  it('counts posts, and caps the count', () => {
    const many = parsePush(push('posts', { count: 3 }));
    const lots = parsePush(push('unread_report', { count: 5000 }));
    expect(many && sentence(many, 'ja')).toBe('新しい投稿があります（3件）');
    expect(many && sentence(many, 'en')).toBe('There are 3 new posts');
    expect(lots && sentence(lots, 'ja')).toBe('あなたの至急の投稿を、まだ99+人が読んでいません');
    expect(lots && sentence(lots, 'en')).toBe('99+ people have not read your urgent post yet');
  });

  it('replaces the earlier notice of the same room and kind, and alerts again for urgent ones', () => {
    const urgent = parsePush(push('urgent'));
    const posts = parsePush(push('posts'));
    const other = parsePush(JSON.stringify({ v: 1, kind: 'urgent', room: null, count: 1 }));
    expect(urgent && notificationFor(urgent, 'ja').tag).toBe(`kizuna-urgent-${ROOM}`);
    expect(posts && notificationFor(posts, 'ja').tag).toBe(`kizuna-posts-${ROOM}`);
    expect(other && notificationFor(other, 'ja').tag).toBe('kizuna-urgent-all');
    expect(urgent && notificationFor(urgent, 'ja').renotify).toBe(true);
    expect(posts && notificationFor(posts, 'ja').renotify).toBe(false);
  });

  it('opens the room, the notices, or the start screen', () => {
    const urgent = parsePush(push('urgent'));
    const broadcast = parsePush(push('broadcast', { room: null }));
    const noRoom = parsePush(JSON.stringify({ v: 1, kind: 'posts', room: null, count: 2 }));
    expect(urgent && notificationFor(urgent, 'ja').url).toBe(`/#/rooms/${ROOM}/team`);
    expect(broadcast && notificationFor(broadcast, 'ja').url).toBe('/#/broadcasts');
    expect(noRoom && notificationFor(noRoom, 'ja').url).toBe('/#/');
  });

  it('never shows what a payload adds beyond kind, room and count', () => {
    const sneaky = parsePush(
      JSON.stringify({ v: 1, kind: 'urgent', room: '../../evil?x=山田', count: '田中 花子', text: '血圧 180', name: '山田' }),
    );
    expect(sneaky).toEqual({ kind: 'urgent', room: null, count: 1 });
    const shown = sneaky && notificationFor(sneaky, null);
    expect(shown?.body).not.toMatch(/山田|田中|血圧|evil/);
    expect(shown?.url).toBe('/#/');
  });

  it('ignores what is not one of its messages, and shows a plain notice instead', () => {
    expect(parsePush(null)).toBeNull();
    expect(parsePush('not json')).toBeNull();
    expect(parsePush(JSON.stringify({ v: 2, kind: 'urgent' }))).toBeNull();
    expect(parsePush(JSON.stringify({ v: 1, kind: 'post_text' }))).toBeNull();
    expect(parsePush('[1,2]')).toBeNull();
    expect(fallbackNotification(null).body).toBe('新しいお知らせがあります\nThere is something new');
    expect(fallbackNotification('en').body).toBe('There is something new');
  });
});

describe('the notification settings', () => {
  const base = (change: Partial<NotifySettings> = {}): NotifySettings => ({ ...defaultSettings(540), ...change });

  it('take everything off as valid', () => {
    expect(check(base())).toEqual([]);
  });

  it('need an address that looks like one when e-mail is on', () => {
    expect(check(base({ email: 'urgent' }))).toEqual(['email_address_missing']);
    expect(check(base({ email: 'digest', emailAddress: '   ' }))).toEqual(['email_address_missing']);
    expect(check(base({ email: 'urgent', emailAddress: 'nurse.example.jp' }))).toEqual(['email_address_invalid']);
    expect(check(base({ email: 'urgent', emailAddress: 'nurse@example.jp' }))).toEqual([]);
  });

  it('do not ask for an address where e-mail is not set up', () => {
    expect(check(base({ email: 'urgent', emailAvailable: false }))).toEqual([]);
    expect(toJson(base({ email: 'urgent', emailAvailable: false }))['email']).toBe('off');
  });

  it('keep the digest between 15 minutes and a day', () => {
    expect(check(base({ digestMinutes: 10 }))).toEqual(['digest_range']);
    expect(check(base({ digestMinutes: 1441 }))).toEqual(['digest_range']);
    expect(check(base({ digestMinutes: 15.5 }))).toEqual(['digest_range']);
    expect(check(base({ digestMinutes: 1440 }))).toEqual([]);
  });

  it('need quiet hours as two different HH:MM times', () => {
    expect(check(base({ quietHours: { start: '22:00', end: '07:00' } }))).toEqual([]);
    expect(check(base({ quietHours: { start: '24:00', end: '07:00' } }))).toEqual(['quiet_hours_invalid']);
    expect(check(base({ quietHours: { start: '', end: '07:00' } }))).toEqual(['quiet_hours_invalid']);
    expect(check(base({ quietHours: { start: '07:00', end: '07:00' } }))).toEqual(['quiet_hours_same']);
  });

  it('read the server’s answer and write the same shape back', () => {
    const answer = {
      push: 'urgent',
      email: 'digest',
      email_address: 'nurse@example.jp',
      digest_minutes: 180,
      quiet_hours: { start: '21:30', end: '06:00' },
      utc_offset_minutes: 540,
      urgent_in_quiet_hours: false,
      email_available: true,
    };
    const settings = fromJson(answer, 0);
    expect(settings.emailAvailable).toBe(true);
    const { email_available: _available, ...sent } = answer;
    expect(toJson(settings)).toEqual(sent);
  });

  it('fall back to safe defaults for what the answer leaves out or garbles', () => {
    const settings = fromJson({ push: 'loud', quiet_hours: { start: '9pm', end: '07:00' }, email_available: false }, -300);
    expect(settings.push).toBe('off');
    expect(settings.quietHours).toBeNull();
    expect(settings.utcOffsetMinutes).toBe(-300);
    expect(settings.emailAvailable).toBe(false);
    expect(settings.urgentInQuietHours).toBe(true);
  });
});
