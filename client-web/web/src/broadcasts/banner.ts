// The broadcast banner pinned above every screen: the newest official notice not yet
// acknowledged, and for 緊急 a full-screen dialog until it is acknowledged (the rest
// of the page is inert meanwhile). Expired and unverified notices never appear here
// (engine/broadcast-rules.ts). Mounted once, for its effects, by main.ts, like the
// app-wide bar of pwa/register.ts.

import { html, nothing, render, type TemplateResult } from 'lit-html';

import { onChange } from '../engine';
import { broadcastState, markOpened, type Notice } from '../engine/broadcasts';
import { bannerNotices, fullScreenNotice, severityOf } from '../engine/broadcast-rules';
import { broadcastText } from './messages';
import { ackButton, noticeMeta, severityTag } from './parts';
import { nextAnnouncement, type Announcement } from '../officer/announce';
import '../officer/announce.css';
import { safetyStrip } from '../safety/prompt';

import './broadcasts.css';

/** Expiry is a matter of time: look again this often. */
const TICK_MS = 30_000;

let bar: HTMLElement | null = null;
/** The full-screen notice focused last, so focus moves only when a new one appears. */
let focusedFor: string | null = null;
/** Where a newly shown notice is said to screen readers, once (officer/announce.ts). */
let announcer: HTMLElement | null = null;
let announcement: Announcement | null = null;
const announced = new Set<string>();

/** Says the notice now shown (the full-screen one first) if it is new; redraws say nothing. */
function announce(notice: Notice | null): void {
  if (announcer === null) return;
  const signed = notice?.view.broadcast ?? null;
  const m = broadcastText();
  const severity = notice === null ? null : severityOf(notice);
  const top = notice === null || signed === null ? null : {
    id: notice.listed.id,
    severity,
    text: `${m.banner} ${severity === null ? '' : m.severity[severity]}: ${signed.title} — ${m.area(signed.area)}`,
  };
  announcement = nextAnnouncement(announcement, top, announced);
  const urgent = announcement?.urgent === true;
  // An alert is said when it is inserted with its words, so it exists only while it
  // has some; a polite region must be there, empty, before its words arrive.
  render(
    html`${urgent ? html`<div role="alert" class="officer-sr-only" id="broadcast-announce-alert">${announcement?.text}</div>` : nothing}
      <div role="status" aria-live="polite" class="officer-sr-only" id="broadcast-announce-polite">${urgent ? '' : (announcement?.text ?? '')}</div>`,
    announcer,
  );
}

function bannerView(top: Notice, others: number): TemplateResult {
  const m = broadcastText();
  const signed = top.view.broadcast;
  const severity = severityOf(top);
  return html`
    <section class="broadcast-banner" data-severity=${severity ?? nothing} data-broadcast=${top.listed.id} aria-labelledby="broadcast-banner-title">
      <p class="broadcast-kicker">${severityTag(severity)} <span class="broadcast-from">${m.banner}</span></p>
      <p class="broadcast-title" id="broadcast-banner-title">${signed?.title ?? ''}</p>
      ${signed === null ? nothing : html`<p class="broadcast-area">${m.area(signed.area)}</p>`}
      <div class="broadcast-actions">
        ${ackButton(top, draw, 'broadcast-banner-ack')}
        <a class="button secondary" href="#/broadcasts" id="broadcast-banner-list">${others > 0 ? `${m.showAll} (${m.more(others)})` : m.showAll}</a>
      </div>
    </section>
  `;
}

function overlayView(notice: Notice): TemplateResult {
  const m = broadcastText();
  const signed = notice.view.broadcast;
  return html`
    <div class="broadcast-overlay" role="alertdialog" aria-modal="true" aria-labelledby="broadcast-overlay-title"
      aria-describedby="broadcast-overlay-body" data-broadcast=${notice.listed.id}>
      <div class="broadcast-overlay-box" data-severity="emergency">
        <p class="broadcast-kicker">${severityTag('emergency')} <span class="broadcast-from">${m.emergencyLabel}</span></p>
        <h2 id="broadcast-overlay-title" class="broadcast-title">${signed?.title ?? ''}</h2>
        ${noticeMeta(notice)}
        <p id="broadcast-overlay-body" class="broadcast-body">${signed?.body ?? ''}</p>
        ${ackButton(notice, draw, 'broadcast-overlay-ack')}
      </div>
    </div>
  `;
}

/** Makes the page behind the full-screen notice inert (or live again). */
function holdPage(hold: boolean): void {
  const app = document.getElementById('app');
  if (app !== null) app.inert = hold;
  const pwa = document.getElementById('pwa-bar');
  if (pwa !== null) pwa.inert = hold;
  document.body.classList.toggle('broadcast-emergency', hold);
}

function draw(): void {
  if (bar === null) return;
  const state = broadcastState();
  if (state === null) {
    render(nothing, bar);
    announce(null);
    holdPage(false);
    return;
  }
  const now = Date.now();
  const shown = bannerNotices(state.notices, now, state.pendingAcks);
  const top = shown[0];
  const urgent = fullScreenNotice(state.notices, now, state.pendingAcks);
  if (top !== undefined) markOpened(top.listed.id);
  if (urgent !== null) markOpened(urgent.listed.id);
  announce(urgent ?? top ?? null);
  render(
    html`${top === undefined ? nothing : bannerView(top, shown.length - 1)} ${safetyStrip()} ${urgent === null ? nothing : overlayView(urgent)}`,
    bar,
  );
  holdPage(urgent !== null);
  if (urgent === null) {
    // Acknowledged: back to where the person was, at the screen's heading.
    if (focusedFor !== null) document.getElementById('view-title')?.focus();
    focusedFor = null;
  } else if (focusedFor !== urgent.listed.id) {
    focusedFor = urgent.listed.id;
    document.getElementById('broadcast-overlay-ack')?.focus();
  }
}

function mountBar(): void {
  const app = document.getElementById('app');
  if (app === null || document.getElementById('broadcast-bar') !== null) return;
  bar = document.createElement('div');
  bar.id = 'broadcast-bar';
  app.before(bar);
  announcer = document.createElement('div');
  announcer.id = 'broadcast-announcer';
  bar.after(announcer);
  announce(null); // the regions exist, empty, before anything is said in them
  onChange(draw);
  setInterval(draw, TICK_MS);
  // Signing out stops the engine without a change notice: the next screen redraws.
  window.addEventListener('hashchange', draw);
  // The language switch sets <html lang>: say the same things in the new language.
  new MutationObserver(draw).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  draw();
}

mountBar();
