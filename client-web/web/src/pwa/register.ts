// Installs the service worker (/sw.js, see sw.ts) and draws the app-wide bar above
// every screen: the offline banner, "back online", and the prompt to switch to a
// new release once its worker is ready. Imported once, for its effects, by main.ts.
// It also tells the worker the language in force, for the words of notifications.

import { html, nothing, render, type TemplateResult } from 'lit-html';

import { lang } from '../i18n';
import { pwaText } from './messages';
import { backOnlineNote, offlineBanner, onConnectionChange } from './status';

/** How often an open page asks the server whether a new release is out. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

interface UpdateState {
  /** A new release's worker, installed and waiting for this page to say go. */
  waiting: ServiceWorker | null;
  /** A new release took over (from another tab): this page only needs a reload. */
  tookOver: boolean;
  /** The person pressed reload. */
  reloading: boolean;
}

const update: UpdateState = { waiting: null, tookOver: false, reloading: false };
let bar: HTMLElement | null = null;

function applyUpdate(): void {
  update.reloading = true;
  const waiting = update.waiting;
  if (waiting === null || waiting.state === 'redundant' || waiting.state === 'activated') {
    location.reload();
    return;
  }
  // The worker takes over; `controllerchange` then reloads. Reload anyway if it is slow.
  waiting.postMessage({ type: 'skip-waiting' });
  setTimeout(() => location.reload(), 3000);
  draw();
}

function updatePrompt(): TemplateResult | typeof nothing {
  if (update.waiting === null && !update.tookOver) return nothing;
  const m = pwaText();
  return html`
    <div class="update-prompt" data-state="update">
      <p class="update-text"><strong>${m.updateReady}</strong> ${m.updateDetail}</p>
      <button type="button" class="primary" ?disabled=${update.reloading} @click=${applyUpdate}>${m.reload}</button>
    </div>
  `;
}

function draw(): void {
  if (bar === null) return;
  render(
    html`
      <div class="pwa-live" role="status" aria-live="polite">${offlineBanner()} ${backOnlineNote()}</div>
      <div class="pwa-update" aria-live="polite">
        ${updatePrompt()}
      </div>
    `,
    bar,
  );
}

/** Tells the active worker the language in force (it words notifications with it). */
function tellLanguage(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.active?.postMessage({ type: 'language', language: lang() }))
    .catch(() => undefined);
}

function languageChanged(): void {
  draw();
  tellLanguage();
}

function mountBar(): void {
  const app = document.getElementById('app');
  if (app === null || document.getElementById('pwa-bar') !== null) return;
  bar = document.createElement('div');
  bar.id = 'pwa-bar';
  app.before(bar);
  draw();
  onConnectionChange(draw);
  // The language switch sets <html lang>: say the same things in the new language.
  new MutationObserver(languageChanged).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
}

function offer(worker: ServiceWorker): void {
  update.waiting = worker;
  draw();
}

function watch(registration: ServiceWorkerRegistration): void {
  const container = navigator.serviceWorker;
  if (registration.waiting !== null && container.controller !== null) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const next = registration.installing;
    if (next === null) return;
    next.addEventListener('statechange', () => {
      // Without a controller this is the first install: it simply takes over.
      if (next.state === 'installed' && container.controller !== null) offer(next);
    });
  });
  const check = (): void => {
    if (navigator.onLine) registration.update().catch(() => undefined);
  };
  setInterval(check, UPDATE_CHECK_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
}

function registerWorker(): void {
  const container = navigator.serviceWorker;
  let hadController = container.controller !== null;
  container.addEventListener('controllerchange', () => {
    if (update.reloading) {
      location.reload();
    } else if (hadController) {
      // Another tab switched to a new release; this page still runs the old one.
      update.tookOver = true;
      draw();
    }
    hadController = true;
  });
  container
    .register('/sw.js', { scope: '/', updateViaCache: 'none' })
    .then((registration) => {
      watch(registration);
      tellLanguage();
    })
    .catch((error: unknown) => {
      // The app works without it (only not offline); say so for whoever debugs.
      console.warn('service worker not registered', error instanceof Error ? error.message : error);
    });
}

mountBar();
if ('serviceWorker' in navigator && window.isSecureContext && !import.meta.env.DEV) {
  if (document.readyState === 'complete') registerWorker();
  else window.addEventListener('load', registerWorker, { once: true });
}
