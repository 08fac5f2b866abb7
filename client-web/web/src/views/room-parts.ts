// Where other modules hook richer content into the room (care cards and composers).
//
// HOOK-IN POINT for the "care" helper: register from your own module (imported once
// from main.ts), e.g.
//
//   import { registerEntryRenderer, registerComposerTab } from '../views/room-parts';
//   registerEntryRenderer((ctx) => ctx.entry.current.envelope.content_type === 'vitals' ? vitalsCard(ctx) : null);
//   registerComposerTab({ id: 'vitals', label: () => t().vitals, render: (ctx) => vitalsForm(ctx) });
//
// An entry renderer returns the body of a timeline entry, or null to leave it to
// the next renderer (the room's plain-text note body is the fallback). The author,
// time, urgency badge, amendment history, reply quote and read receipts are drawn
// around it by room.ts. A composer tab draws a form and calls ctx.send(envelope).

import type { TemplateResult } from 'lit-html';

import type { AttachmentRef, ChannelName, NotebookEntry, PostEnvelope, Thresholds } from '../generated/types';

export interface EntryContext {
  roomId: string;
  channel: ChannelName;
  entry: NotebookEntry;
  /** A member's display name (or a placeholder). */
  authorName: (userId: string) => string;
  /** Downloads and decrypts an attachment of this channel. */
  fetchAttachment: (ref: AttachmentRef) => Promise<Uint8Array>;
  /** Draws the page again (after an attachment loaded, say). */
  rerender: () => void;
}

export type EntryRenderer = (ctx: EntryContext) => TemplateResult | null;

export interface ComposerContext {
  roomId: string;
  channel: ChannelName;
  /** Thresholds in force for this client (team notebook), or null. */
  thresholds: Thresholds | null;
  /** Queues the post (shown at once as waiting, sent once); files are ciphertext. */
  send: (envelope: PostEnvelope, files?: { reference: AttachmentRef; ciphertext: Uint8Array }[]) => Promise<void>;
  rerender: () => void;
}

export interface ComposerTab {
  id: string;
  label: () => string;
  /** Channels it is offered in (default: both). */
  channels?: ChannelName[];
  render: (ctx: ComposerContext) => TemplateResult;
}

/** Extra sections under the timeline (e.g. a trend chart), per room channel. */
export type RoomSection = (ctx: { roomId: string; channel: ChannelName }) => TemplateResult | null;

export const roomHooks = {
  entryRenderers: [] as EntryRenderer[],
  composerTabs: [] as ComposerTab[],
  sections: [] as RoomSection[],
};

export function registerEntryRenderer(renderer: EntryRenderer): void {
  roomHooks.entryRenderers.push(renderer);
}

export function registerComposerTab(tab: ComposerTab): void {
  roomHooks.composerTabs.push(tab);
}

export function registerRoomSection(section: RoomSection): void {
  roomHooks.sections.push(section);
}
