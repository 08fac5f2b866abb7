// The room list (the signed-in start screen's main part) and the gate every
// engine-backed screen passes first: the vault must be open (after a reload a PRF
// vault opens from its session wrap while the session lives, else it needs its
// passkey again: vault.ts), then the engine starts (device, cache, live). Search
// and filters: list-search.ts; the desktop side pane: list-pane.ts; the title's
// and the app badge's count: list-badge.ts.

import { html, nothing, type TemplateResult } from 'lit-html';

import '../rooms.css';
import type { Me } from '../api';
import { navigate, rerender } from '../app';
import { lang, t } from '../i18n';
import { createRoom, onChange, refreshRooms, roomOrganisations, rooms, startEngine, status, warmEngine } from '../engine';
import { roleName, roomText } from '../rooms-messages';
import { resumeVault, unlockVault, vaultKind } from '../vault';
import { localPrf } from '../webauthn';
import { errorBox, noticeBox, problemText } from './parts';
import './list-badge';
import { resetSearch, searchableList } from './list-search';
import { closedRooms } from './list-closed';
import { closureOf, ensureClosures, refreshClosures } from '../members/close-room';
import { broadcastText } from '../broadcasts/messages';

// Every engine change redraws the current screen.
onChange(() => rerender());

interface Gate {
  locked: { credentialId: string; rpId: string } | null;
  missing: boolean;
  busy: boolean;
  problem: (() => string) | null;
}

const gate: Gate = { locked: null, missing: false, busy: false, problem: null };
let gateFor: string | null = null;
let resumed = false;

/** Forgets what the gate learnt (sign-out). */
export function resetGate(): void {
  gateFor = null;
  resumed = false;
  gate.locked = null;
  gate.missing = false;
  gate.problem = null;
  resetSearch();
}

/** Opens the vault if it can open by itself, then starts the engine (once). */
export function ensureEngine(person: Me): void {
  if (gateFor !== person.userId) {
    resetGate();
    gateFor = person.userId;
  }
  if (vaultKind() !== null) {
    if (status().state === 'off') startEngine(person).catch(() => rerender());
    return;
  }
  if (resumed) return;
  resumed = true;
  warmEngine();
  void resumeVault(person.userId).then((found) => {
    if (found === null) gate.missing = true;
    else if (found.kind === 'locked') gate.locked = { credentialId: found.credentialId, rpId: found.rpId };
    rerender();
  });
}

async function unlock(person: Me): Promise<void> {
  const locked = gate.locked;
  if (gate.busy || locked === null) return;
  gate.busy = true;
  gate.problem = null;
  rerender();
  try {
    const prf = await localPrf(locked.rpId, locked.credentialId);
    if (prf !== null && (await unlockVault(person.userId, prf))) {
      gate.locked = null;
    } else gate.problem = () => t().vaultLocked;
  } catch (error) {
    gate.problem = () => problemText(error);
  }
  gate.busy = false;
  rerender();
}

/** What stands between the person and the engine (nothing once it runs). */
export function gateView(person: Me): TemplateResult | null {
  const m = roomText();
  if (vaultKind() === null) {
    if (gate.missing) return html`<p class="error" role="alert">${m.vaultMissing}</p>`;
    if (gate.locked === null) return html`<p role="status">${t().loading}</p>`;
    return html`
      <section class="card">
        <p id="vault-status" data-kind="locked">${t().vaultLocked}</p>
        <button type="button" class="primary" id="unlock" ?disabled=${gate.busy} @click=${() => unlock(person)}>${t().unlock}</button>
        ${errorBox(gate.problem?.() ?? null)}
      </section>
    `;
  }
  const s = status();
  if (s.state === 'failed') return html`<p class="error" role="alert">${m.engineFailed}</p>`;
  if (s.state !== 'ready') return html`<p role="status" id="engine-status">${m.engineStarting}</p>`;
  return null;
}

/** The connection line: live / connecting / offline. */
export function connectionLine(): TemplateResult {
  const m = roomText();
  const s = status();
  const problem = s.problem === null ? null : lang() === 'ja' ? s.problem.ja : s.problem.en;
  const notice = s.notice === null ? null : lang() === 'ja' ? s.notice.ja : s.notice.en;
  const text = !s.online ? m.offline : s.live === 'open' ? m.live : s.live === 'connecting' ? m.connecting : m.disconnected;
  return html`
    <p class="connection" data-live=${s.online ? s.live : 'offline'} role="status" aria-live="polite">${text}</p>
    ${errorBox(problem)} ${noticeBox(notice)}
  `;
}

interface ListState {
  refreshing: boolean;
  creating: boolean;
  problem: (() => string) | null;
  nameInvalid: boolean;
}

const list: ListState = { refreshing: false, creating: false, problem: null, nameInvalid: false };

async function doRefresh(): Promise<void> {
  if (list.refreshing) return;
  list.refreshing = true;
  list.problem = null;
  rerender();
  try {
    await Promise.all([refreshRooms(), refreshClosures()]);
  } catch (error) {
    list.problem = () => problemText(error);
  }
  list.refreshing = false;
  rerender();
}

async function doCreate(event: Event): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const data = new FormData(form);
  const name = String(data.get('room-name') ?? '').trim();
  const org = String(data.get('room-org') ?? roomOrganisations()[0]?.id ?? '');
  if (name === '') {
    list.nameInvalid = true;
    list.problem = () => roomText().roomNameRequired;
    rerender();
    return;
  }
  list.creating = true;
  list.problem = null;
  list.nameInvalid = false;
  rerender();
  try {
    const id = await createRoom(org, name);
    form.reset();
    navigate(`#/rooms/${id}/team`);
  } catch (error) {
    list.problem = () => problemText(error);
  }
  list.creating = false;
  rerender();
}

function roomCard(room: ReturnType<typeof rooms>[number]): TemplateResult {
  const m = roomText();
  const channel = room.channels[0] ?? 'family';
  return html`
    <li class="room-card" data-room=${room.roomId}>
      <a class="room-link" href=${`#/rooms/${room.roomId}/${channel}`}>
        <span class="room-name">${room.name ?? m.nameLoading}</span>
        <span class="room-role">${m.role(room.myRole)}</span>
        <span class="room-marks">
          ${room.urgent ? html`<span class="badge urgent" data-urgent="true">${m.urgentMark}</span>` : nothing}
          ${room.unread > 0 ? html`<span class="badge unread" data-unread=${room.unread}>${m.unread(room.unread)}</span>` : nothing}
        </span>
      </a>
    </li>
  `;
}

function createForm(): TemplateResult | typeof nothing {
  const orgs = roomOrganisations();
  if (orgs.length === 0) return nothing;
  const m = roomText();
  return html`
    <details class="card create-room">
      <summary>${m.createRoom}</summary>
      <form @submit=${doCreate} novalidate>
        <div class="field">
          <label for="room-name">${m.roomName}</label>
          <p class="hint" id="room-name-hint">${m.roomNameHint}</p>
          <input id="room-name" name="room-name" type="text" autocomplete="off" maxlength="100"
            aria-describedby="room-name-hint" aria-invalid=${list.nameInvalid ? 'true' : 'false'} />
        </div>
        ${orgs.length > 1
          ? html`<div class="field">
              <label for="room-org">${m.organisation}</label>
              <select id="room-org" name="room-org">${orgs.map((o) => html`<option value=${o.id}>${o.name}</option>`)}</select>
            </div>`
          : nothing}
        <button type="submit" class="primary" ?disabled=${list.creating}>${list.creating ? m.creating : m.create}</button>
      </form>
    </details>
  `;
}

/** The room list section of the start screen. */
export function roomList(person: Me): TemplateResult {
  ensureEngine(person);
  const blocked = gateView(person);
  if (blocked !== null) return blocked;
  const m = roomText();
  ensureClosures();
  const mine = rooms().filter((r) => closureOf(r.roomId) === null);
  const closed = rooms().filter((r) => closureOf(r.roomId) !== null);
  return html`
    <section aria-labelledby="rooms-heading" class="rooms">
      <h2 id="rooms-heading">${m.roomsHeading}</h2>
      <p><a class="button secondary broadcasts-link" id="broadcasts-link" href="#/broadcasts">${broadcastText().linkFromRooms}</a></p>
      ${connectionLine()}
      ${mine.length > 0 ? searchableList('room', mine, roomCard) : closed.length === 0 ? html`<p id="no-rooms">${m.noRooms}</p>` : nothing}
      ${closedRooms(closed, roomCard)}
      <button type="button" class="secondary" id="refresh" ?disabled=${list.refreshing} @click=${doRefresh}>
        ${list.refreshing ? m.refreshing : m.refresh}
      </button>
      ${errorBox(list.problem?.() ?? null)}
      ${createForm()}
    </section>
  `;
}

export { roleName };
