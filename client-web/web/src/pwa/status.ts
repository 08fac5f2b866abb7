// Whether the device is online, for a banner any screen can show. The app-wide
// bar of register.ts shows it on every screen; a view that wants it in its own
// place puts `offlineBanner()` in its template (the bar then hides its copy).

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { pwaText } from './messages';

import './pwa.css';

type Listener = () => void;

let online = navigator.onLine;
/** Set when the connection returned, cleared a few seconds later. */
let backOnlineUntil = 0;
const listeners = new Set<Listener>();
const BACK_ONLINE_MS = 5000;

function changed(): void {
  for (const listener of listeners) listener();
  // Views that embed the banner redraw too.
  rerender();
}

window.addEventListener('offline', () => {
  online = false;
  backOnlineUntil = 0;
  changed();
});

window.addEventListener('online', () => {
  online = true;
  backOnlineUntil = Date.now() + BACK_ONLINE_MS;
  changed();
  setTimeout(changed, BACK_ONLINE_MS + 50);
});

/** Whether the browser has a network connection (it cannot tell if the server answers). */
export function isOnline(): boolean {
  return online;
}

/** Calls `listener` whenever the connection state changes; returns the unsubscribe. */
export function onConnectionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** "オフラインです" with what that means, while offline; nothing otherwise. */
export function offlineBanner(): TemplateResult | typeof nothing {
  if (online) return nothing;
  const m = pwaText();
  return html`
    <div class="offline-banner" data-state="offline">
      <strong class="offline-title">${m.offline}</strong>
      <span class="offline-detail">${m.offlineDetail}</span>
    </div>
  `;
}

/** A short "back online" note for a while after the connection returns. */
export function backOnlineNote(): TemplateResult | typeof nothing {
  if (!online || Date.now() >= backOnlineUntil) return nothing;
  return html`<div class="online-note" data-state="online">${pwaText().backOnline}</div>`;
}
