// This browser's push subscription: asking permission, subscribing with the
// server's VAPID key through the service worker, and handing the subscription to
// the server (or taking it back). Every way it can fail is a `PushProblem` the
// screen words with what to do, never a raw browser error.

import { isCode } from '../http';
import { addSubscription, removeSubscription, vapidKey } from './api';

/** Why this browser does not (yet) receive notifications. */
export type PushProblem =
  /** No service worker or Push API (an old browser, a private window, plain http). */
  | 'unsupported'
  /** The person (or the browser's settings) refused the notification permission. */
  | 'denied'
  /** The browser could not register with its push service (no connection to it, or it refused). */
  | 'subscribe_failed'
  /** The server does not send to this browser's push service (the operator's allow-list). */
  | 'not_allowed';

export class PushError extends Error {
  constructor(readonly problem: PushProblem) {
    super(problem);
    this.name = 'PushError';
  }
}

/** How long to wait for the service worker before giving up. */
const WORKER_WAIT_MS = 10_000;

export function pushSupported(): boolean {
  return (
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window &&
    !import.meta.env.DEV
  );
}

/** The notification permission of this site ('default' when never asked). */
export function permission(): NotificationPermission {
  return 'Notification' in window ? Notification.permission : 'denied';
}

async function registration(): Promise<ServiceWorkerRegistration> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((done) => {
    timer = setTimeout(() => done(null), WORKER_WAIT_MS);
  });
  try {
    const ready = await Promise.race([navigator.serviceWorker.ready, late]);
    if (ready === null) throw new PushError('unsupported');
    return ready;
  } finally {
    clearTimeout(timer);
  }
}

/** This browser's current subscription, or null (also when push is unsupported). */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  try {
    return await (await registration()).pushManager.getSubscription();
  } catch {
    return null;
  }
}

/** The bytes of base64url text (the VAPID key). */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Asks permission, subscribes this browser with the server's key and hands the
 * subscription to the server. Throws `PushError` (or the server's ApiError).
 */
export async function enablePush(): Promise<void> {
  if (!pushSupported()) throw new PushError('unsupported');
  const granted = permission() === 'granted' ? 'granted' : await Notification.requestPermission();
  if (granted !== 'granted') throw new PushError('denied');
  const [worker, key] = await Promise.all([registration(), vapidKey()]);
  const applicationServerKey = fromBase64Url(key);
  let subscription: PushSubscription;
  try {
    const existing = await worker.pushManager.getSubscription();
    // A subscription made with another key (the server's key changed) cannot be reused.
    const sameKey = existing !== null && sameBytes(existing.options.applicationServerKey, applicationServerKey);
    if (existing !== null && !sameKey) await existing.unsubscribe();
    subscription = sameKey && existing !== null
      ? existing
      : await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  } catch {
    throw new PushError('subscribe_failed');
  }
  try {
    await addSubscription(subscription.toJSON());
  } catch (error) {
    if (isCode(error, 'push_endpoint_not_allowed')) {
      await subscription.unsubscribe().catch(() => false);
      throw new PushError('not_allowed');
    }
    throw error;
  }
}

/** Stops notifications to this browser: the server forgets it, then the browser. */
export async function disablePush(): Promise<void> {
  const subscription = await currentSubscription();
  if (subscription === null) return;
  await removeSubscription(subscription.endpoint);
  await subscription.unsubscribe().catch(() => false);
}

function sameBytes(key: ArrayBuffer | null, bytes: Uint8Array): boolean {
  if (key === null) return false;
  const other = new Uint8Array(key);
  return other.length === bytes.length && other.every((b, i) => b === bytes[i]);
}
