// One client's room: channel tabs (team / family, those the person may use, each
// with its unread count), the in-room search (room-search.ts), the timeline
// (room-timeline.ts) and the composer bar at the bottom (room-composer.ts). The
// note composer is built in; other composers and richer entry cards come from the
// registry in room-parts.ts.
//
// While the timeline is on screen it is marked read (PUT /groups/{g}/read) and the
// read positions are fetched every few seconds (the server sends no notice when
// someone reads): room-state.ts.

import { html, nothing, type TemplateResult } from 'lit-html';

import type { Me } from '../api';
import type { View } from '../app';
import type { ChannelName } from '../generated/types';
import { discardPost, refreshMembers, rooms, status, type RoomSummary } from '../engine';
import { lang } from '../i18n';
import { roomText } from '../rooms-messages';
import { membersLink } from '../members/link';
import { recordLink } from '../record/link';
import { closedBanner, closureOf } from '../members/close-room';
import { composer, setMode } from './room-composer';
import { roomHooks } from './room-parts';
import {
  channelUnread, followNewest, markRead, pollReads, refresh, roomScreen, startPolling, type RoomScreen,
} from './room-state';
import { roomSearch, searchMatches } from './room-search';
import { connectionLine, ensureEngine, gateView } from './rooms';
import { timeline } from './room-timeline';
import { roomSafetyPrompt } from '../safety/prompt';

function tabs(screen: RoomScreen, room: RoomSummary): TemplateResult {
  const m = roomText();
  const { roomId, channel } = screen;
  const tab = (c: ChannelName): TemplateResult => {
    const unread = channelUnread(screen, c, room);
    const name = c === 'team' ? m.channelTeam : m.channelFamily;
    return html`<a class="button ${c === channel ? 'primary' : 'secondary'}" href=${`#/rooms/${roomId}/${c}`}
      aria-current=${c === channel ? 'page' : 'false'} data-channel=${c} data-unread=${unread}>
      <span>${name}</span>${unread === 0
        ? nothing
        : html`<span class="tab-unread" aria-hidden="true">${unread}</span><span class="visually-hidden">${m.tabUnread(unread)}</span>`}
    </a>`;
  };
  return html`<nav class="channel-tabs" aria-label=${m.channelsLabel}>${room.channels.map(tab)}</nav>`;
}

function roomLinks(screen: RoomScreen): TemplateResult {
  return html`<p class="room-links"><a href="#/" class="back">${roomText().backToRooms}</a> ${membersLink(screen.roomId)} ${recordLink(screen.roomId)}</p>`;
}

/** A channel the person does not use (typed by hand, or an old link). */
function notYours(screen: RoomScreen, room: RoomSummary): TemplateResult {
  const m = roomText();
  // Family never have the team channel.
  return html`
    ${roomLinks(screen)}
    ${tabs(screen, room)}
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
  followNewest(screen, handle.notebook().entries.length + handle.outbox().length);
  return html`
    ${timeline(handle, {
      me: screen.person.userId,
      reads: screen.state.reads,
      matches: searchMatches(screen),
      amend: (entry) => setMode(screen, { kind: 'amend', entry }),
      reply: (entry) => setMode(screen, { kind: 'reply', entry }),
      discard: (postId) => void discardPost(postId),
      readOnly: closureOf(screen.roomId) !== null,
    })}
    ${handle.problems().map((p) => html`<p class="notice entry-problem" role="status" data-reason=${p.reason} data-count=${p.count}>${lang() === 'ja' ? p.ja : p.en}</p>`)}
    ${roomHooks.sections.map((section) => section({ roomId, channel }))}
  `;
}

function refreshButton(screen: RoomScreen): TemplateResult {
  const m = roomText();
  const refreshing = screen.state.refreshing;
  return html`
    <button type="button" class="secondary" id="room-refresh" ?disabled=${refreshing} @click=${() => refresh(screen)}>
      ${refreshing ? m.refreshing : m.refresh}
    </button>
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
    <div class="room" data-channel=${screen.channel}>
      ${roomLinks(screen)}
      ${room === undefined ? nothing : tabs(screen, room)}
      ${connectionLine()}
      ${roomSafetyPrompt(screen.roomId)}
      <div class="room-tools">${roomSearch(screen)} ${refreshButton(screen)}</div>
      ${membership(screen, joined)}
      ${channelTimeline(screen)}
      ${closedBanner(screen.roomId)}
      ${screen.handle.removed() || closureOf(screen.roomId) !== null ? nothing : composer(screen)}
      <div id="room-end"></div>
    </div>
  `;
}

export function roomView(person: Me, roomId: string, channel: ChannelName): View {
  const screen = roomScreen(person, roomId, channel);
  startPolling(screen);
  return {
    title: () => {
      const room = rooms().find((r) => r.roomId === roomId);
      // Until the engine has opened this device's cache, the name is on its way.
      if (room === undefined) return status().state === 'ready' ? roomText().roomsTitle : roomText().nameLoading;
      return room.name ?? roomText().nameLoading;
    },
    content: () => content(screen),
  };
}
