// The service worker, served as /sw.js (scope /). It keeps the app shell of the
// build it came with, so the client opens and shows what this device has stored
// when the network is gone:
//
// - install: caches `/` (index.html) and every file of this build (hashed
//   /assets/*, manifest, icons) under a cache named after the build;
// - activate: deletes the caches of older builds, then controls open pages;
// - fetch: hashed assets from the cache; navigations from the network, falling
//   back to the cached shell when offline (or after NAVIGATION_TIMEOUT_MS on a
//   poor network); the other top-level files network first.
//
// It never touches the API (/api/*, and /healthz, /metrics), WebSocket, other
// origins or anything but GET: their answers are private or live.
//
// Notifications (push-words.ts): a push message from the server carries only a
// kind, a room ID and a count, so the worker shows one fixed sentence per kind,
// in the language the page last told it (message `{type:'language'}`, kept in an
// IndexedDB database of its own since a worker cannot read localStorage). A tap focuses an open
// window of the app (or opens one) at the room.
//
// A new release ships a new /sw.js (the build list below changes). It waits until
// the page asks it to take over (the "new version" prompt of register.ts sends
// `skip-waiting`), so a page never runs with files from two releases.
//
// The build list is prepended by the Vite plugin in vite.config.ts as
// `var __KIZUNA_SW__ = { version, files }`.

import { fallbackNotification, notificationFor, parsePush, type NotificationWords, type NotifyLang } from './push-words';

interface SwBuild {
  /** Identifies the build (a hash of every file name and content). */
  version: string;
  /** Absolute paths to cache at install (the shell and every built asset). */
  files: string[];
  /** The top-level files from public/ (manifest, icons): cached if they can be. */
  extras: string[];
}

declare const __KIZUNA_SW__: SwBuild;

// The service-worker globals, typed here because the project's TypeScript lib is
// the DOM's (the WebWorker lib conflicts with it).
interface ExtendableEvt extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface FetchEvt extends ExtendableEvt {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

interface MessageEvt extends ExtendableEvt {
  readonly data: unknown;
}

interface PushEvt extends ExtendableEvt {
  readonly data: { text(): string } | null;
}

interface NotificationEvt extends ExtendableEvt {
  readonly notification: Notification;
}

interface SubscriptionChangeEvt extends ExtendableEvt {
  readonly oldSubscription: PushSubscription | null;
  readonly newSubscription: PushSubscription | null;
}

interface WindowClientLike {
  readonly url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}

interface WorkerScope {
  skipWaiting(): Promise<void>;
  readonly clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  readonly registration: ServiceWorkerRegistration;
  readonly location: Location;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvt) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvt) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvt) => void): void;
  addEventListener(type: 'push', listener: (event: PushEvt) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvt) => void): void;
  addEventListener(type: 'pushsubscriptionchange', listener: (event: SubscriptionChangeEvt) => void): void;
}

const worker = self as unknown as WorkerScope;
const PREFIX = 'kizuna-shell-';
const CACHE = `${PREFIX}${__KIZUNA_SW__.version}`;
const SHELL = '/';
const NAVIGATION_TIMEOUT_MS = 6000;
const SERVER_PATHS = ['/api', '/healthz', '/metrics'];
/** Settings the page hands the worker (a database of its own: no release deletes it). */
const SETTINGS_DB = 'kizuna-worker';
const SETTINGS_STORE = 'settings';
const LANGUAGE_KEY = 'language';

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      // The HTTP cache may answer: hashed names never change content, and the
      // server marks index.html and the top-level files no-cache (revalidated).
      await cache.addAll(__KIZUNA_SW__.files);
      await Promise.all(__KIZUNA_SW__.extras.map((file) => cache.add(file).catch(() => undefined)));
    }),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name))),
      )
      .then(() => worker.clients.claim()),
  );
});

function openSettings(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(SETTINGS_DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(SETTINGS_STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs one request on the settings store; its result once the transaction is done. */
async function withSettings<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openSettings();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(SETTINGS_STORE, mode);
      const request = use(transaction.objectStore(SETTINGS_STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

async function rememberLanguage(language: 'ja' | 'en'): Promise<void> {
  await withSettings('readwrite', (store) => store.put(language, LANGUAGE_KEY));
}

async function storedLanguage(): Promise<NotifyLang> {
  try {
    const value: unknown = await withSettings('readonly', (store) => store.get(LANGUAGE_KEY));
    return value === 'ja' || value === 'en' ? value : null;
  } catch {
    return null;
  }
}

worker.addEventListener('message', (event) => {
  const data = event.data;
  if (typeof data !== 'object' || data === null) return;
  const message = data as { type?: unknown; language?: unknown };
  if (message.type === 'skip-waiting') {
    event.waitUntil(worker.skipWaiting());
  } else if (message.type === 'language' && (message.language === 'ja' || message.language === 'en')) {
    event.waitUntil(rememberLanguage(message.language));
  }
});

async function showPush(text: string | null): Promise<void> {
  const language = await storedLanguage();
  const payload = parsePush(text);
  // The browser insists on a notification for every push; an unreadable one gets a
  // plain "something new" rather than nothing.
  const words: NotificationWords = payload === null ? fallbackNotification(language) : notificationFor(payload, language);
  const options: NotificationOptions & { renotify: boolean } = {
    body: words.body,
    tag: words.tag,
    renotify: words.renotify,
    icon: '/icon-192.png',
    badge: '/icon-192.png',
    lang: language ?? 'ja',
    data: { url: words.url },
  };
  await worker.registration.showNotification(words.title, options);
}

worker.addEventListener('push', (event) => {
  let text: string | null = null;
  try {
    text = event.data?.text() ?? null;
  } catch {
    text = null;
  }
  event.waitUntil(showPush(text));
});

/** Focuses a window of the app at `url` (same origin only), or opens one. */
async function openApp(url: string): Promise<void> {
  const wanted = new URL(url, worker.location.origin);
  if (wanted.origin !== worker.location.origin) return;
  const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === worker.location.origin);
  if (open === undefined) {
    await worker.clients.openWindow(wanted.href);
    return;
  }
  await open.focus();
  if (open.url !== wanted.href) await open.navigate(wanted.href).catch(() => undefined);
}

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  event.waitUntil(openApp(typeof data?.url === 'string' ? data.url : '/#/'));
});

/** The push service replaced the subscription: hand the server the new one. */
async function resubscribe(event: SubscriptionChangeEvt): Promise<void> {
  const key = event.oldSubscription?.options.applicationServerKey ?? null;
  const next =
    event.newSubscription ??
    (key === null ? null : await worker.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  if (next === null) return;
  await fetch('/api/v1/me/push-subscriptions', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(next.toJSON()),
  });
}

worker.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(resubscribe(event).catch(() => undefined));
});

function isServerPath(path: string): boolean {
  return SERVER_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

async function fromCache(request: Request | string): Promise<Response | undefined> {
  const cache = await caches.open(CACHE);
  // The files are this build's own: whatever the server's Vary says, they match.
  return cache.match(request, { ignoreVary: true });
}

/** The network's answer, or null when there is none within `timeoutMs`. */
async function fromNetwork(request: Request, timeoutMs: number): Promise<Response | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((done) => {
    timer = setTimeout(() => done(null), timeoutMs);
  });
  try {
    return await Promise.race([fetch(request), late]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function navigation(request: Request): Promise<Response> {
  const answer = await fromNetwork(request, NAVIGATION_TIMEOUT_MS);
  // A server error (e.g. a restart) is as useless as no answer: show the shell.
  if (answer !== null && answer.status < 500) return answer;
  const shell = await fromCache(SHELL);
  if (shell !== undefined) return shell;
  return answer ?? Response.error();
}

async function asset(request: Request): Promise<Response> {
  const cached = await fromCache(request);
  return cached ?? fetch(request);
}

async function networkFirst(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await fromCache(request);
    if (cached !== undefined) return cached;
    throw error;
  }
}

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin || isServerPath(url.pathname)) return;
  if (request.headers.get('upgrade') !== null) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(asset(request));
  } else if (__KIZUNA_SW__.extras.includes(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});

