// The notification endpoints: the server's VAPID key, this browser's push
// subscription, the person's settings and a room's escalation time. Sent through
// the one HTTP client (http/): failures arrive as its ApiError with the server's
// en/ja words.

import { http, seg } from '../http';
import { malformed, object, record, str } from '../http/answer';
import { fromJson, toJson, type NotifySettings } from './settings';

/** The server's VAPID public key (base64url of the uncompressed P-256 point). */
export async function vapidKey(): Promise<string> {
  return str(object(await http.json<unknown>('GET', '/push/key')), 'vapid_public_key');
}

/** Hands the server this browser's subscription (`PushSubscription.toJSON()`). */
export async function addSubscription(subscription: PushSubscriptionJSON): Promise<void> {
  const keys = subscription.keys;
  if (subscription.endpoint === undefined || keys?.['p256dh'] === undefined || keys['auth'] === undefined) throw malformed();
  await http.json<unknown>('POST', '/me/push-subscriptions', {
    endpoint: subscription.endpoint,
    keys: { p256dh: keys['p256dh'], auth: keys['auth'] },
  });
}

/** Tells the server to stop sending to this endpoint. */
export async function removeSubscription(endpoint: string): Promise<void> {
  await http.json<unknown>('DELETE', '/me/push-subscriptions', { endpoint });
}

export async function loadSettings(utcOffsetMinutes: number): Promise<NotifySettings> {
  return fromJson(object(await http.json<unknown>('GET', '/me/notifications')), utcOffsetMinutes);
}

/** Saves the settings; the server's answer (what it keeps) when it sends one. */
export async function saveSettings(settings: NotifySettings): Promise<NotifySettings> {
  const answer = record(await http.json<unknown>('PUT', '/me/notifications', toJson(settings)));
  if (answer === null) return settings;
  // The server's answer may leave out whether e-mail is available: keep what we knew.
  const kept = fromJson(answer, settings.utcOffsetMinutes);
  return { ...kept, emailAvailable: settings.emailAvailable && answer['email_available'] !== false };
}

/** Minutes after which an unread urgent post notifies again; null when off. */
export async function loadEscalation(roomId: string): Promise<number | null> {
  const minutes = object(await http.json<unknown>('GET', `/rooms/${seg(roomId)}/escalation`))['minutes'];
  return typeof minutes === 'number' ? minutes : null;
}

export async function saveEscalation(roomId: string, minutes: number | null): Promise<number | null> {
  const answer = record(await http.json<unknown>('PUT', `/rooms/${seg(roomId)}/escalation`, { minutes }));
  const kept = answer?.['minutes'];
  return answer === null ? minutes : typeof kept === 'number' ? kept : null;
}
