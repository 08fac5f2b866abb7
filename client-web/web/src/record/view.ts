// The inspection record of one client (#/rooms/{id}/record): for a period picked on
// the screen (the month up to today at first), everything the team and the family
// wrote, as a document to print on A4 or save as PDF through the browser's print
// dialog (record.css holds the print layout). Everything is decrypted on this device
// from the engine's notebooks; the only requests are the ones the room makes anyway
// (ciphertext of photos, members, read positions), none carrying content.
//
// HOOK-IN POINT for the export controls: when `src/export/controls.ts` exists and
// exports `exportControls(roomId, range)`, its element is mounted in
// `<div data-export-controls>` (hidden in print).

import { html, nothing, type TemplateResult } from 'lit-html';
import { ref } from 'lit-html/directives/ref.js';

import type { Me } from '../api';
import { rerender, type View } from '../app';
import type { ChannelName } from '../generated/types';
import { openChannel, refreshMembers, roomOrganisations, rooms, status, type RoomSummary } from '../engine';
import { formatTime, lang } from '../i18n';
import { roleWords } from '../members/role-names';
import { ensureEngine, gateView } from '../views/rooms';
import { entriesIn, vitalsIn, type ReadPosition } from './model';
import { entryList, dayText, type RecordContext } from './entries';
import { recordText } from './messages';
import { photosLoading, releaseRecordPhotos } from './photos';
import { dayValue, defaultRange, rangeOf, type Range } from './range';
import { readsTable, vitalsCharts, vitalsTable } from './vitals';

import './record.css';

type ExportControls = (roomId: string, range: { from: number; to: number }) => HTMLElement;

// Optional at build time: another module provides the JSON / CSV / FHIR buttons.
const exportModules = import.meta.glob<{ exportControls?: ExportControls }>('../export/controls.ts', { eager: true });
const exportControls: ExportControls | undefined = Object.values(exportModules)[0]?.exportControls;

interface Screen {
  person: Me;
  roomId: string;
  range: Range;
  fromValue: string;
  toValue: string;
  invalid: boolean;
  /** Read positions per channel: undefined while asked, null when they could not be had. */
  reads: Partial<Record<ChannelName, ReadPosition[] | null>>;
  asked: boolean;
  hash: string;
}

function load(screen: Screen, room: RoomSummary): void {
  if (screen.asked) return;
  screen.asked = true;
  void refreshMembers(screen.roomId).catch(() => undefined).finally(rerender);
  for (const channel of room.channels) {
    openChannel(screen.roomId, channel)
      .reads()
      .then((reads) => {
        screen.reads[channel] = reads;
      })
      .catch(() => {
        screen.reads[channel] = null;
      })
      .finally(rerender);
  }
}

function setDay(screen: Screen, which: 'from' | 'to', value: string): void {
  if (which === 'from') screen.fromValue = value;
  else screen.toValue = value;
  const range = rangeOf(screen.fromValue, screen.toValue);
  screen.invalid = range === null;
  if (range !== null) screen.range = range;
  rerender();
}

let mountedFor = '';

/** Mounts the export buttons for this room and period (again when the period changes). */
function mountExport(screen: Screen, element: Element | undefined): void {
  if (element === undefined || exportControls === undefined) return;
  const key = `${screen.roomId}:${screen.range.from}:${screen.range.to}`;
  if (mountedFor === key && element.childElementCount > 0) return;
  mountedFor = key;
  element.replaceChildren(exportControls(screen.roomId, { from: screen.range.from, to: screen.range.to }));
}

function controls(screen: Screen): TemplateResult {
  const m = recordText();
  const day = (which: 'from' | 'to', label: string, value: string): TemplateResult => html`<div class="field record-day-field">
    <label for=${`record-${which}`}>${label}</label>
    <input type="date" id=${`record-${which}`} .value=${value} aria-invalid=${screen.invalid ? 'true' : 'false'}
      aria-describedby=${screen.invalid ? 'record-range-error' : nothing}
      @change=${(e: Event) => setDay(screen, which, (e.target as HTMLInputElement).value)} />
  </div>`;
  return html`<section class="record-controls" aria-label=${m.controlsLabel}>
    <p><a class="back" href=${`#/rooms/${encodeURIComponent(screen.roomId)}/team`}>${m.back}</a></p>
    <div class="record-range">${day('from', m.from, screen.fromValue)} ${day('to', m.to, screen.toValue)}</div>
    ${screen.invalid ? html`<p class="error" id="record-range-error" role="alert">${m.rangeInvalid}</p>` : nothing}
    <p><button type="button" class="primary" id="record-print" @click=${() => window.print()}>${m.print}</button></p>
    <p class="hint">${m.printHint}</p>
    <div data-export-controls class="record-export" aria-label=${m.exportLabel} ${ref((el) => mountExport(screen, el))}></div>
  </section>`;
}

function facilityName(screen: Screen, room: RoomSummary): string {
  const grant = screen.person.roles?.find((g) => g.organisationId === room.organisationId && g.organisationName !== undefined);
  return grant?.organisationName ?? roomOrganisations().find((o) => o.id === room.organisationId)?.name ?? recordText().facilityUnknown;
}

function sheetHead(screen: Screen, room: RoomSummary): TemplateResult {
  const m = recordText();
  const me = screen.person.displayName === '' ? screen.person.loginId : screen.person.displayName;
  return html`<header class="record-head">
    <p class="record-doc-title">${m.title}</p>
    <dl class="record-facts">
      <div><dt>${m.client}</dt><dd class="record-client">${room.name ?? '—'}</dd></div>
      <div><dt>${m.facility}</dt><dd>${facilityName(screen, room)}</dd></div>
      <div><dt>${m.period}</dt><dd class="record-period">${m.periodText(dayText(screen.range.from), dayText(screen.range.to))}</dd></div>
      <div><dt>${m.printedAt}</dt><dd>${formatTime(Date.now())}</dd></div>
      <div><dt>${m.printedBy}</dt><dd>${m.personWithRole(me, roleWords(room.myRole, lang()))}</dd></div>
    </dl>
  </header>`;
}

function sheet(screen: Screen, room: RoomSummary): TemplateResult {
  const m = recordText();
  const members = openChannel(screen.roomId, 'team').members();
  const nameOf = (user: string): string => members.find((p) => p.user_id === user)?.display_name ?? m.unknownAuthor;
  const roleOf = (user: string): string => {
    const member = members.find((p) => p.user_id === user);
    return member === undefined ? m.leftRoom : roleWords(member.role, lang());
  };
  const who = (user: string): string => m.personWithRole(nameOf(user), roleOf(user));
  const channels = room.channels.map((channel) => {
    const view = openChannel(screen.roomId, channel).notebook();
    return { channel, view, entries: entriesIn(view, screen.range), reads: screen.reads[channel] };
  });
  const pending = photosLoading() > 0 || channels.some((c) => c.reads === undefined);
  const channelName = (c: ChannelName): string => (c === 'team' ? m.channelTeam : m.channelFamily);
  const team = channels.find((c) => c.channel === 'team');
  const vitals = team === undefined ? [] : vitalsIn(team.entries, screen.range);
  return html`<article class="record-sheet" data-ready=${pending ? 'false' : 'true'} lang=${lang()}>
    ${sheetHead(screen, room)}
    ${channels.map(({ channel, view, entries, reads }) => {
      const ctx: RecordContext = { roomId: screen.roomId, channel, view, reads: reads ?? null, nameOf, who, rerender };
      return html`<section class="record-channel" data-channel=${channel}>
        <h2>${channelName(channel)} <span class="record-count">${m.entryCount(entries.length)}</span></h2>
        ${entryList(ctx, entries)}
      </section>`;
    })}
    ${team === undefined
      ? nothing
      : html`<section class="record-vitals-section">
          <h2>${m.vitalsTitle}</h2>
          ${vitalsTable(vitals, who)}
          ${vitalsCharts(team.view, screen.range)}
        </section>`}
    <section class="record-reads-section">
      <h2>${m.readsTitle}</h2>
      ${channels.map((c) => (c.reads === undefined ? nothing : readsTable(channelName(c.channel), c.reads, c.view.entries, roleOf)))}
    </section>
    <p class="record-meta record-footer">${m.footer}</p>
  </article>`;
}

function content(screen: Screen): TemplateResult {
  ensureEngine(screen.person);
  const blocked = gateView(screen.person);
  if (blocked !== null) return blocked;
  const m = recordText();
  const room = rooms().find((r) => r.roomId === screen.roomId);
  if (room === undefined) {
    const known = status().state === 'ready';
    return html`<p class=${known ? 'notice' : ''} role="status">${known ? m.roomUnknown : m.loading}</p>`;
  }
  load(screen, room);
  return html`${controls(screen)}${sheet(screen, room)}`;
}

/** The record screen of one room. */
export function recordView(person: Me, roomId: string): View {
  const range = defaultRange(Date.now());
  const screen: Screen = {
    person,
    roomId,
    range,
    fromValue: dayValue(range.from),
    toValue: dayValue(range.to),
    invalid: false,
    reads: {},
    asked: false,
    hash: `#/rooms/${roomId}/record`,
  };
  const leave = (): void => {
    if (location.hash === screen.hash) return;
    window.removeEventListener('hashchange', leave);
    mountedFor = '';
    releaseRecordPhotos();
  };
  window.addEventListener('hashchange', leave);
  return {
    title: () => {
      const name = rooms().find((r) => r.roomId === roomId)?.name;
      return name === undefined || name === null ? recordText().title : `${recordText().title} — ${name}`;
    },
    content: () => content(screen),
  };
}
