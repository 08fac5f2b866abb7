// The identity-verified reset: how identity was checked (method + a required note;
// the verifier is the signed-in administrator), then the one-time recovery link.

import { html, type TemplateResult } from 'lit-html';

import { describeError } from '../http';
import { rerender } from '../app';
import { errorBox, formText } from '../views/parts';
import { resetPerson, type StaffMember } from './api';
import { adminText } from './messages';
import { copyLink, linkBox, selectField } from './parts';
import type { FacilityState } from './state';

const METHODS = ['in_person_photo_id', 'video_call', 'known_voice_phone', 'other'] as const;

async function submit(event: SubmitEvent, state: FacilityState, person: StaffMember, reload: () => Promise<void>): Promise<void> {
  event.preventDefault();
  const form = event.currentTarget;
  if (state.busy || !(form instanceof HTMLFormElement)) return;
  const method = formText(form, 'reset_method') ?? 'other';
  const note = (formText(form, 'reset_note') ?? '').trim();
  state.reset.method = method;
  state.reset.note = note;
  state.reset.link = null;
  if ([...note].length < 3) {
    state.reset.problem = () => adminText().noteRequired;
    rerender();
    document.getElementById('reset_note')?.focus();
    return;
  }
  state.busy = true;
  state.reset.problem = null;
  state.problem = null;
  state.notice = null;
  rerender();
  try {
    const issued = await resetPerson(state.orgId, person.userId, method, note);
    state.reset = { link: { issued, name: person.displayName, copied: null }, problem: null, method: METHODS[0], note: '' };
  } catch (error) {
    state.reset.problem = () => describeError(error);
  }
  state.busy = false;
  await reload();
  document.getElementById(state.reset.link === null ? 'reset_note' : 'admin-recovery-title')?.focus();
}

export function resetForm(state: FacilityState, person: StaffMember, reload: () => Promise<void>): TemplateResult {
  const m = adminText();
  const r = state.reset;
  const link = r.link;
  const copy = async (): Promise<void> => {
    if (link === null) return;
    link.copied = (await copyLink('admin-recovery-url', link.issued.link)) ? 'yes' : 'failed';
    rerender();
  };
  return html`
    <section class="admin-reset" aria-labelledby="admin-reset-title">
      <h3 id="admin-reset-title">${m.resetTitle}</h3>
      <p>${m.resetExplain}</p>
      <form @submit=${(e: SubmitEvent) => void submit(e, state, person, reload)} novalidate>
        ${selectField({
          id: 'reset_method',
          label: m.method,
          value: r.method,
          options: METHODS.map((value) => ({ value, text: m.methods[value] })),
        })}
        <div class="field">
          <label for="reset_note">${m.note}</label>
          <p class="hint" id="reset_note-hint">${m.noteHint}</p>
          <textarea
            id="reset_note"
            name="reset_note"
            class="admin-textarea"
            rows="3"
            maxlength="500"
            required
            aria-describedby="reset_note-hint"
            aria-invalid=${r.problem !== null ? 'true' : 'false'}
            .value=${r.note}
          ></textarea>
        </div>
        <p class="admin-verifier">${m.verifier(state.me.displayName)}</p>
        ${errorBox(r.problem?.() ?? null)}
        <button type="submit" class="primary" ?disabled=${state.busy}>${m.resetButton}</button>
      </form>
      ${link === null
        ? html``
        : html`<p class="notice" role="status">${m.recoveryDone}</p>
            ${linkBox('admin-recovery', m.recoveryFor(link.name), link, () => void copy())}`}
    </section>
  `;
}
