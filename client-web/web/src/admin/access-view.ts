// `#/admin/ORG/access`: アクセス記録 / Access records. The facility's administrator
// picks a staff member or a room (from the facility's staff list and rooms), a date
// range, and sees who read which room, downloaded which file or exported what, when
// and from which device; the same records download as CSV for Excel. Anyone else
// gets the server's refusal in words.

import './access.css';

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import { rerender, type View } from '../app';
import { describeError } from '../http';
import { lang } from '../i18n';
import { errorBox, noticeBox } from '../views/parts';
import { accessCsv, accessPage, facilityRooms, type AccessFilter, type AccessLine, type FacilityRoom } from './access-api';
import { accessText } from './access-messages';
import { listStaff, type StaffMember } from './api';
import { facilityTabs } from './emergency-nav';
import { selectField } from './parts';

interface AccessScreen {
  orgId: string;
  mode: 'person' | 'room';
  filter: AccessFilter;
  staff: StaffMember[];
  rooms: FacilityRoom[];
  lines: AccessLine[] | null;
  nextBefore: number | null;
  busy: boolean;
  problem: (() => string) | null;
  notice: (() => string) | null;
}

/** A time in Japan time, as people there read it. */
export function when(at: number): string {
  return new Date(at).toLocaleString(lang() === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo' });
}

/** Which part of the record an access covered, in words. */
export function rangeWords(line: AccessLine): string {
  const m = accessText();
  if (line.blob !== null) return m.file(line.blob);
  if (line.from === null) return '';
  if (line.to === null) return m.seqOnwards(line.from);
  return line.to >= line.from ? m.seqRange(line.from, line.to) : m.nothingNew(line.from);
}

function roomName(screen: AccessScreen, id: string | null): string {
  if (id === null) return '';
  const room = screen.rooms.find((r) => r.id === id);
  if (room === undefined) return id.slice(0, 8);
  return accessText().roomLabel(room.id, room.createdBy?.name ?? '', when(room.createdAt).split(' ')[0] ?? '');
}

async function run(screen: AccessScreen, more: boolean): Promise<void> {
  screen.busy = true;
  screen.problem = null;
  rerender();
  try {
    const page = await accessPage(screen.orgId, screen.filter, more ? screen.nextBefore : null);
    screen.lines = more ? [...(screen.lines ?? []), ...page.entries] : page.entries;
    screen.nextBefore = page.nextBefore;
  } catch (error) {
    screen.problem = () => describeError(error);
  }
  screen.busy = false;
  rerender();
}

async function start(screen: AccessScreen): Promise<void> {
  try {
    const [staff, rooms] = await Promise.all([listStaff(screen.orgId), facilityRooms(screen.orgId)]);
    screen.staff = staff.filter((s) => s.relation === 'staff');
    screen.rooms = rooms;
  } catch (error) {
    screen.problem = () => describeError(error);
    rerender();
    return;
  }
  await run(screen, false);
}

async function download(screen: AccessScreen): Promise<void> {
  screen.notice = null;
  screen.problem = null;
  try {
    const blob = await accessCsv(screen.orgId, screen.filter);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `access-records-${screen.orgId.slice(0, 8)}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    screen.notice = () => accessText().downloaded;
  } catch (error) {
    screen.problem = () => describeError(error);
  }
  rerender();
}

function readForm(screen: AccessScreen, form: HTMLFormElement): void {
  const data = new FormData(form);
  const text = (key: string): string | null => {
    const value = data.get(key);
    return typeof value === 'string' && value !== '' ? value : null;
  };
  screen.filter = {
    person: screen.mode === 'person' ? text('access_person') : null,
    room: screen.mode === 'room' ? text('access_room') : null,
    from: text('access_from'),
    to: text('access_to'),
  };
}

function filterForm(screen: AccessScreen): TemplateResult {
  const m = accessText();
  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    if (event.currentTarget instanceof HTMLFormElement) readForm(screen, event.currentTarget);
    void run(screen, false);
  };
  const mode = (which: 'person' | 'room', label: string): TemplateResult =>
    html`<button type="button" id="access-mode-${which}" class="${screen.mode === which ? 'primary' : 'secondary'}"
      aria-pressed=${screen.mode === which ? 'true' : 'false'} @click=${() => {
        screen.mode = which;
        rerender();
      }}>${label}</button>`;
  const picker =
    screen.mode === 'person'
      ? selectField({
          id: 'access_person',
          label: m.pickPerson,
          value: screen.filter.person ?? '',
          options: [{ value: '', text: m.everyone }, ...screen.staff.map((s) => ({ value: s.userId, text: s.displayName }))],
        })
      : selectField({
          id: 'access_room',
          label: m.pickRoom,
          value: screen.filter.room ?? '',
          options: [{ value: '', text: m.allRooms }, ...screen.rooms.map((r) => ({ value: r.id, text: roomName(screen, r.id) }))],
        });
  return html`
    <div class="access-mode" role="group">${mode('person', m.byPerson)} ${mode('room', m.byRoom)}</div>
    <form class="access-filter" @submit=${submit} novalidate>
      ${picker}
      <div class="field"><label for="access_from">${m.from}</label><input type="date" id="access_from" name="access_from" .value=${screen.filter.from ?? ''} /></div>
      <div class="field"><label for="access_to">${m.to}</label><input type="date" id="access_to" name="access_to" .value=${screen.filter.to ?? ''} /></div>
      <button type="submit" class="primary" id="access-show" ?disabled=${screen.busy}>${m.show}</button>
    </form>
  `;
}

function table(screen: AccessScreen): TemplateResult | typeof nothing {
  const m = accessText();
  const lines = screen.lines;
  // Refused or failed before the first page: the error says so, not "loading" forever.
  if (lines === null) return screen.problem === null ? html`<p role="status">${m.loading}</p>` : nothing;
  if (lines.length === 0) return html`<p id="access-none">${m.none}</p>`;
  const ja = lang() === 'ja';
  return html`
    <table class="admin-table access-table" id="access-table">
      <caption class="admin-sr">${m.title}</caption>
      <thead>
        <tr><th scope="col">${m.when}</th><th scope="col">${m.who}</th><th scope="col">${m.device}</th><th scope="col">${m.action}</th><th scope="col">${m.room}</th><th scope="col">${m.range}</th></tr>
      </thead>
      <tbody>
        ${lines.map(
          (l) => html`<tr data-action=${l.action}>
            <td data-label=${m.when}>${when(l.at)}</td>
            <td data-label=${m.who}>${l.person?.name ?? ''}</td>
            <td data-label=${m.device} class="access-device">${l.device === null ? m.noDevice : l.device.name}</td>
            <td data-label=${m.action}>${ja ? l.actionJa : l.actionEn}</td>
            <td data-label=${m.room}>${roomName(screen, l.room)}${l.channel === null ? nothing : html` · ${m.channel(l.channel)}`}</td>
            <td data-label=${m.range} class="access-range">${rangeWords(l)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  `;
}

/** The screen. */
export function accessView(me: Me, orgId: string): View {
  const screen: AccessScreen = {
    orgId,
    mode: 'person',
    filter: { person: null, room: null, from: null, to: null },
    staff: [],
    rooms: [],
    lines: null,
    nextBefore: null,
    busy: false,
    problem: null,
    notice: null,
  };
  void start(screen);
  return {
    title: () => accessText().title,
    content: () => {
      const m = accessText();
      return html`
        ${facilityTabs(me, orgId, 'access')}
        <div class="admin-wide">
          <section class="card admin-section" aria-labelledby="access-title" aria-busy=${screen.busy ? 'true' : 'false'}>
            <h2 id="access-title">${m.title} / Access records</h2>
            <p class="hint">${m.explain}</p>
            ${filterForm(screen)} ${errorBox(screen.problem?.() ?? null)} ${noticeBox(screen.notice?.() ?? null)} ${table(screen)}
            <div class="access-actions">
              ${screen.nextBefore === null
                ? nothing
                : html`<button type="button" class="secondary" ?disabled=${screen.busy} @click=${() => void run(screen, true)}>${m.more}</button>`}
              <button type="button" class="secondary admin-download" id="access-csv" @click=${() => void download(screen)}>${m.downloadCsv}</button>
            </div>
          </section>
        </div>
      `;
    },
  };
}
