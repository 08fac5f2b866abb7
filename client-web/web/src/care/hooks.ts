// Plugs the care notebook into the room view through its hook registry
// (views/room-parts.ts): cards for every content type but plain notes, the
// vitals / handover / photo composer tabs, and the trend charts under the team
// channel's timeline. Imported once from main.ts.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { myUserId, openChannel, post } from '../engine';
import { registerComposerTab, registerEntryRenderer, registerRoomSection, type ComposerContext } from '../views/room-parts';
import { renderEntryBody, takeOverEnvelope } from './cards';
import { handoverForm } from './handover-form';
import { careText } from './messages';
import { photoComposer, releasePreviews } from './photo-composer';
import { releasePhotos } from './photo-view';
import { trendsView } from './trends';
import type { Person } from './types';
import { vitalsForm } from './vitals-form';

registerEntryRenderer((ctx) => {
  if (ctx.entry.current.envelope.content_type === 'note') return null;
  return renderEntryBody(ctx.entry, {
    me: myUserId() ?? '',
    nameOf: ctx.authorName,
    loadAttachment: ctx.fetchAttachment,
    takeOver: async (handover) => {
      await post(ctx.roomId, ctx.channel, takeOverEnvelope(handover));
    },
    rerender: ctx.rerender,
  });
});

interface Composers {
  ctx: ComposerContext;
  vitals: () => TemplateResult;
  handover: () => TemplateResult;
  photo: () => TemplateResult;
}

// One set of composers (with their half-filled forms) per room channel.
const composers = new Map<string, Composers>();

function people(roomId: string, channel: ComposerContext['channel']): Person[] {
  const me = myUserId();
  return openChannel(roomId, channel)
    .members()
    .filter((m) => m.user_id !== me && (channel === 'team' ? m.team_access : m.family_access))
    .map((m) => ({ user: m.user_id, name: m.display_name }));
}

function composersFor(ctx: ComposerContext): Composers {
  const key = `${ctx.roomId}/${ctx.channel}`;
  let set = composers.get(key);
  if (set === undefined) {
    const options = {
      send: (...args: Parameters<ComposerContext['send']>) => current.ctx.send(...args),
      thresholds: () => current.ctx.thresholds,
      people: () => people(current.ctx.roomId, current.ctx.channel),
      rerender: () => current.ctx.rerender(),
    };
    const current: Composers = {
      ctx,
      vitals: vitalsForm(options),
      handover: handoverForm(options),
      photo: photoComposer(options),
    };
    set = current;
    composers.set(key, set);
  }
  set.ctx = ctx;
  return set;
}

// Leaving the rooms (another screen, signing out): drafts, decrypted thumbnails and
// photo previews are dropped, so nothing of this person's stays on the page.
window.addEventListener('hashchange', () => {
  if (location.hash.startsWith('#/rooms/')) return;
  composers.clear();
  trends.clear();
  releasePhotos();
  releasePreviews();
});

registerComposerTab({ id: 'vitals', label: () => careText().tabVitals, channels: ['team'], render: (ctx) => composersFor(ctx).vitals() });
registerComposerTab({ id: 'handover', label: () => careText().tabHandover, channels: ['team'], render: (ctx) => composersFor(ctx).handover() });
registerComposerTab({ id: 'photo', label: () => careText().tabPhoto, render: (ctx) => composersFor(ctx).photo() });

// The trend charts: under the team channel's timeline, opened on request.
const trends = new Map<string, { open: boolean; view: () => TemplateResult }>();

registerRoomSection(({ roomId, channel }) => {
  if (channel !== 'team') return null;
  let entry = trends.get(roomId);
  if (entry === undefined) {
    const handle = openChannel(roomId, 'team');
    entry = {
      open: false,
      view: trendsView({
        notebook: () => handle.notebook(),
        rerender,
        send: async (envelope, files) => {
          await post(roomId, 'team', envelope, files);
        },
      }),
    };
    trends.set(roomId, entry);
  }
  const mine = entry;
  const m = careText();
  return html`<section class="care-trends-section" aria-label=${m.trendsTitle}>
    <button type="button" class="secondary care-trends-toggle" aria-expanded=${mine.open ? 'true' : 'false'}
      @click=${() => { mine.open = !mine.open; rerender(); }}>
      ${mine.open ? m.hideTrends : m.showTrends}
    </button>
    ${mine.open ? mine.view() : nothing}
  </section>`;
});
