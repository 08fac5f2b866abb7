// One client's room: channel tabs (team / family, those the person may use), the
// timeline (room-timeline.ts) and the composer (room-composer.ts). The note composer
// is built in; other composers and richer entry cards come from the registry in
// room-parts.ts.
//
// While the timeline is on screen it is marked read (PUT /groups/{g}/read) and the
// read positions of the others are fetched every few seconds (the server sends no
// notice when someone reads): room-state.ts.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import type { View } from '../app';
import type { ChannelName } from '../generated/types';
import { discardPost, refreshMembers, rooms, type RoomSummary } from '../engine';
import { lang } from '../i18n';
import { roomText } from '../rooms-messages';
import { membersLink } from '../members/link';
import { composer, setMode } from './room-composer';
import { roomHooks } from './room-parts';
import { markRead, pollReads, refresh, roomScreen, startPolling, type RoomScreen } from './room-state';
import { connectionLine, ensureEngine, gateView } from './rooms';
import { timeline } from './room-timeline';
import { roomSafetyPrompt } from '../safety/prompt';

function tabs(screen: RoomScreen, names: ChannelName[]): TemplateResult {
  const m = roomText();
  const { roomId, channel } = screen;
  return html`
    <nav class="channel-tabs" aria-label=${m.channelsLabel}>
      ${names.map((c) => html`<a class="button ${c === channel ? 'primary' : 'secondary'}" href=${`#/rooms/${roomId}/${c}`}
        aria-current=${c === channel ? 'page' : 'false'} data-channel=${c}>${c === 'team' ? m.channelTeam : m.channelFamily}</a>`)}
    </nav>
  `;
}

function roomLinks(screen: RoomScreen): TemplateResult {
  return html`<p class="room-links"><a href="#/" class="back">${roomText().backToRooms}</a> ${membersLink(screen.roomId)}</p>`;
}

/** A channel the person does not use (typed by hand, or an old link). */
function notYours(screen: RoomScreen, room: RoomSummary): TemplateResult {
  const m = roomText();
  // Family never have the team channel.
  return html`
    ${roomLinks(screen)}
    ${tabs(screen, room.channels)}
    <p class="notice" id="channel-not-yours" role="alert">
      ${m.channelNotYours(screen.channel === 'team' ? m.channelTeam : m.channelFamily)}
    </p>
  `;
}

/** Whether this device is (still, or yet) in the channel. */
function membership(screen: RoomScreen, joined: boolean): TemplateResult | typeof nothing {
  const m = roomText();
  if (screen.handle.removed()) return html`<p class="notice" id="removed" role="status">${m.removedFromChannel}</p>`;
  return joined ? nothing : html`<p class="notice" id="not-joined" role="status">${m.notJoined}</p>`;
}

function channelTimeline(screen: RoomScreen): TemplateResult {
  const { handle, roomId, channel } = screen;
  return html`
    ${timeline(handle, {
      me: screen.person.userId,
      reads: screen.state.reads,
      amend: (entry) => setMode(screen, { kind: 'amend', entry }),
      reply: (entry) => setMode(screen, { kind: 'reply', entry }),
      discard: (postId) => void discardPost(postId),
    })}
    ${handle.problems().map((p) => html`<p class="notice entry-problem" role="status" data-reason=${p.reason} data-count=${p.count}>${lang() === 'ja' ? p.ja : p.en}</p>`)}
    ${roomHooks.sections.map((section) => section({ roomId, channel }))}
  `;
}

function refreshButton(screen: RoomScreen): TemplateResult {
  const m = roomText();
  const refreshing = screen.state.refreshing;
  return html`
    <p class="room-refresh">
      <button type="button" class="secondary" id="room-refresh" ?disabled=${refreshing} @click=${() => refresh(screen)}>
        ${refreshing ? m.refreshing : m.refresh}
      </button>
    </p>
  `;
}

function content(screen: RoomScreen): TemplateResult {
  ensureEngine(screen.person);
  const blocked = gateView(screen.person);
  if (blocked !== null) return blocked;
  const room = rooms().find((r) => r.roomId === screen.roomId);
  if (!screen.state.membersLoaded) {
    screen.state.membersLoaded = true;
    void refreshMembers(screen.roomId).catch(() => undefined);
    void pollReads(screen);
  }
  if (room !== undefined && !room.channels.includes(screen.channel)) return notYours(screen, room);
  const joined = screen.handle.joined();
  if (joined) queueMicrotask(() => markRead(screen));
  return html`
    ${roomLinks(screen)}
    ${room === undefined ? nothing : tabs(screen, room.channels)}
    ${connectionLine()}
    ${roomSafetyPrompt(screen.roomId)}
    ${membership(screen, joined)}
    ${channelTimeline(screen)}
    ${screen.handle.removed() ? nothing : composer(screen)}
    ${refreshButton(screen)}
  `;
}

export function roomView(person: Me, roomId: string, channel: ChannelName): View {
  const screen = roomScreen(person, roomId, channel);
  startPolling(screen);
  return {
    title: () => {
      const room = rooms().find((r) => r.roomId === roomId);
      if (room === undefined) return roomText().roomsTitle;
      return room.name ?? roomText().nameLoading;
    },
    content: () => content(screen),
  };
}
