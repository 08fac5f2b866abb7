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
// A new release ships a new /sw.js (the build list below changes). It waits until
// the page asks it to take over (the "new version" prompt of register.ts sends
// `skip-waiting`), so a page never runs with files from two releases.
//
// The build list is prepended by the Vite plugin in vite.config.ts as
// `var __KIZUNA_SW__ = { version, files }`.

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

interface WorkerScope {
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvt) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvt) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvt) => void): void;
}

const worker = self as unknown as WorkerScope;
const PREFIX = 'kizuna-shell-';
const CACHE = `${PREFIX}${__KIZUNA_SW__.version}`;
const SHELL = '/';
const NAVIGATION_TIMEOUT_MS = 6000;
const SERVER_PATHS = ['/api', '/healthz', '/metrics'];

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

worker.addEventListener('message', (event) => {
  const data = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'skip-waiting') {
    event.waitUntil(worker.skipWaiting());
  }
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

export {};
