// The handover composer (申し送り): for whom (the next visitor, the next person of
// a profession, or one member), the note, a checklist whose items can be added,
// ticked as already done, and removed, and the urgency (as a note has: 至急 is
// explained in one line). Checked by the core before sending.

import { html, nothing, type TemplateResult } from 'lit-html';

import './care.css';
import { careCore, coreError } from './core';
import { lang } from '../i18n';
import { roleWords } from '../members/role-names';
import { careText, inLang } from './messages';
import { urgencyText } from './format';
import type { OrgRole } from '../generated/types.js';
import type { HandoverTarget, Person, PostEnvelope, SendPost, Urgency } from './types';

export interface HandoverFormOptions {
  send: SendPost;
  /** Members who can be named (not the author). */
  people: () => Person[];
  rerender: () => void;
}

const URGENCIES: Urgency[] = ['normal', 'soon', 'urgent'];

const ROLES: OrgRole[] = ['nurse', 'doctor', 'helper', 'care_manager', 'therapist', 'pharmacist', 'other_professional'];

interface Item {
  key: number;
  text: string;
  done: boolean;
}

export function handoverForm(options: HandoverFormOptions): () => TemplateResult {
  let nextKey = 1;
  const state = {
    kind: 'next_visitor' as HandoverTarget['kind'],
    role: 'nurse' as OrgRole,
    person: '',
    body: '',
    items: [] as Item[],
    urgency: 'normal' as Urgency,
    busy: false,
    problem: null as string | null,
    notice: null as string | null,
  };

  function addItem(): void {
    const item = { key: nextKey++, text: '', done: false };
    state.items.push(item);
    options.rerender();
    document.getElementById(`hf-item-${item.key}`)?.focus();
  }

  function removeItem(key: number): void {
    state.items = state.items.filter((i) => i.key !== key);
    options.rerender();
    document.getElementById('hf-add')?.focus();
  }

  function target(): HandoverTarget | null {
    if (state.kind === 'role') return { kind: 'role', role: state.role };
    if (state.kind === 'person') {
      const person = state.person !== '' ? state.person : options.people()[0]?.user;
      return person === undefined ? null : { kind: 'person', user: person };
    }
    return { kind: 'next_visitor' };
  }

  function problem(text: string): void {
    state.problem = text;
    state.notice = null;
    options.rerender();
  }

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (state.busy) return;
    const m = careText();
    const to = target();
    if (to === null) return problem(m.noPeople);
    const items = state.items
      .filter((i) => i.text.trim() !== '')
      .map((i) => (i.done ? { text: i.text.trim(), done: true } : { text: i.text.trim() }));
    if (state.body.trim() === '' && items.length === 0) return problem(m.handoverEmpty);
    const envelope: PostEnvelope = {
      version: 1,
      content_type: 'handover',
      body: state.body.trim(),
      handover: items.length === 0 ? { to } : { to, items },
      urgency: state.urgency,
    };
    const core = await careCore();
    if (core === null) return problem(m.coreNotReady);
    const checked = core.validate_envelope(JSON.stringify(envelope), null);
    if (!checked.ok) return problem(inLang(checked));
    state.busy = true;
    state.problem = null;
    state.notice = m.sending;
    options.rerender();
    try {
      await options.send(envelope);
      Object.assign(state, { body: '', items: [], notice: m.sent, kind: 'next_visitor', urgency: 'normal' });
    } catch (error) {
      state.notice = null;
      state.problem = m.sendFailed(inLang(coreError(error)));
    }
    state.busy = false;
    options.rerender();
  }

  const radio = (kind: HandoverTarget['kind'], label: string): TemplateResult => html`<div class="check">
    <input type="radio" id=${`hf-to-${kind}`} name="hf-to" value=${kind} .checked=${state.kind === kind}
      @change=${() => { state.kind = kind; options.rerender(); }} />
    <label for=${`hf-to-${kind}`}>${label}</label>
  </div>`;

  const urgencyChoice = (): TemplateResult => {
    const m = careText();
    return html`<fieldset class="care-fieldset care-urgency-choice" aria-describedby="hf-urgency-help">
      <legend>${m.urgencyLabel}</legend>
      <div class="care-urgency-options">
        ${URGENCIES.map((u) => html`<div class="check care-urgency-option care-urgency-option--${u}">
          <input type="radio" id=${`hf-urgency-${u}`} name="hf-urgency" value=${u} .checked=${state.urgency === u}
            @change=${() => { state.urgency = u; options.rerender(); }} />
          <label for=${`hf-urgency-${u}`}>${urgencyText(u)}</label>
        </div>`)}
      </div>
      <p class="hint care-urgency-help" id="hf-urgency-help">${m.urgencyHelp}</p>
    </fieldset>`;
  };

  return () => {
    const m = careText();
    const people = options.people();
    return html`<form class="care-form care-handover-form" novalidate @submit=${submit} aria-labelledby="hf-title">
      <h2 id="hf-title">${m.handoverTitle}</h2>
      <fieldset class="care-fieldset">
        <legend>${m.handoverToLabel}</legend>
        ${radio('next_visitor', m.handoverToNext)} ${radio('role', m.handoverToRole)}
        ${state.kind === 'role'
          ? html`<div class="care-field care-field--wide">
              <label for="hf-role">${m.handoverRole}</label>
              <select id="hf-role" @change=${(e: Event) => { state.role = (e.target as HTMLSelectElement).value as OrgRole; }}>
                ${ROLES.map((r) => html`<option value=${r} ?selected=${state.role === r}>${m.roles[r] ?? roleWords(r, lang())}</option>`)}
              </select>
            </div>`
          : nothing}
        ${people.length === 0 ? nothing : radio('person', m.handoverToPerson)}
        ${state.kind === 'person' && people.length > 0
          ? html`<div class="care-field care-field--wide">
              <label for="hf-person">${m.handoverPerson}</label>
              <select id="hf-person" @change=${(e: Event) => { state.person = (e.target as HTMLSelectElement).value; }}>
                ${people.map((p) => html`<option value=${p.user} ?selected=${state.person === p.user}>${p.name}</option>`)}
              </select>
            </div>`
          : nothing}
      </fieldset>
      <div class="care-field care-field--wide">
        <label for="hf-body">${m.handoverText}</label>
        <textarea id="hf-body" rows="4" .value=${state.body}
          @input=${(e: Event) => { state.body = (e.target as HTMLTextAreaElement).value; }}></textarea>
      </div>
      <fieldset class="care-fieldset">
        <legend>${m.checklist}</legend>
        <ol class="care-items">
          ${state.items.map((item, index) => html`<li class="care-item">
            <label for=${`hf-item-${item.key}`} class="care-item__label">${m.checklistItem(index + 1)}</label>
            <input id=${`hf-item-${item.key}`} type="text" autocomplete="off" .value=${item.text}
              @input=${(e: Event) => { item.text = (e.target as HTMLInputElement).value; }} />
            <div class="check care-item__done">
              <input type="checkbox" id=${`hf-done-${item.key}`} .checked=${item.done}
                @change=${(e: Event) => { item.done = (e.target as HTMLInputElement).checked; }} />
              <label for=${`hf-done-${item.key}`}>${m.itemAlreadyDone}</label>
            </div>
            <button type="button" class="secondary care-item__remove" @click=${() => removeItem(item.key)}>
              ${m.removeItem(index + 1)}
            </button>
          </li>`)}
        </ol>
        <button type="button" id="hf-add" class="secondary care-add" @click=${addItem}>＋ ${m.addItem}</button>
      </fieldset>
      ${urgencyChoice()}
      <div class="care-live" aria-live="polite">
        ${state.problem === null ? nothing : html`<p class="error" role="alert">${state.problem}</p>`}
        ${state.notice === null ? nothing : html`<p class="notice">${state.notice}</p>`}
      </div>
      <button type="submit" class="primary" ?disabled=${state.busy}>${m.send}</button>
    </form>`;
  };
}
