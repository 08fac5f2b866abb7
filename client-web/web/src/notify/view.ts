// The notification settings (#/settings/notifications): whether this device gets
// push notifications (asks the browser's permission, subscribes with the server's
// VAPID key), which posts notify, e-mail (off / urgent at once / a digest) with the
// address and interval, and quiet hours with "urgent ones anyway". The screen says
// first that notifications never carry names or text. When the browser cannot
// register for push, it says why and what to do; e-mail still works.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender, type View } from '../app';
import { errorBox, noticeBox, problemText } from '../views/parts';
import { loadSettings, saveSettings } from './api';
import { notifyText } from './messages';
import { currentSubscription, disablePush, enablePush, pushSupported, PushError, type PushProblem } from './push';
import {
  check,
  DEFAULT_QUIET,
  DIGEST_MINUTES,
  EMAIL_CHOICES,
  isTime,
  localOffset,
  PUSH_CHOICES,
  type NotifySettings,
  type SettingsProblem,
} from './settings';

import './notify.css';

interface State {
  /** What the form shows (the server's settings, then the person's edits). */
  draft: NotifySettings | null;
  loading: boolean;
  saving: boolean;
  /** What the checks before saving found. */
  invalid: SettingsProblem[];
  problem: (() => string) | null;
  notice: (() => string) | null;
  /** Whether this browser has a push subscription (null: not known yet). */
  device: boolean | null;
  pushWorking: boolean;
  pushProblem: PushProblem | null;
  pushNotice: (() => string) | null;
}

function newState(): State {
  return {
    draft: null,
    loading: true,
    saving: false,
    invalid: [],
    problem: null,
    notice: null,
    device: null,
    pushWorking: false,
    pushProblem: pushSupported() ? null : 'unsupported',
    pushNotice: null,
  };
}

async function load(state: State): Promise<void> {
  const [settings, subscription] = await Promise.allSettled([loadSettings(localOffset(new Date())), currentSubscription()]);
  if (settings.status === 'fulfilled') {
    state.draft = settings.value;
  } else {
    const reason: unknown = settings.reason;
    state.problem = () => problemText(reason);
  }
  state.device = subscription.status === 'fulfilled' && subscription.value !== null;
  state.loading = false;
  rerender();
}

function edit(state: State, change: Partial<NotifySettings>): void {
  if (state.draft === null) return;
  state.draft = { ...state.draft, ...change };
  state.notice = null;
  // Once the checks have said something, they follow the edits (a fixed field's
  // message goes away).
  if (state.invalid.length > 0) state.invalid = check(state.draft);
  rerender();
}

async function save(state: State): Promise<void> {
  const draft = state.draft;
  if (draft === null || state.saving) return;
  const cleaned = { ...draft, emailAddress: draft.emailAddress?.trim() || null, utcOffsetMinutes: localOffset(new Date()) };
  state.invalid = check(cleaned);
  state.problem = null;
  state.notice = null;
  if (state.invalid.length > 0) {
    rerender();
    document.getElementById('notify-invalid')?.focus();
    return;
  }
  state.saving = true;
  rerender();
  try {
    state.draft = await saveSettings(cleaned);
    state.notice = () => notifyText().saved;
  } catch (error) {
    state.problem = () => problemText(error);
  }
  state.saving = false;
  rerender();
  document.getElementById(state.problem === null ? 'notify-saved' : 'notify-problem')?.focus();
}

async function switchDevice(state: State, on: boolean): Promise<void> {
  if (state.pushWorking) return;
  state.pushWorking = true;
  state.pushProblem = null;
  state.pushNotice = null;
  state.problem = null;
  rerender();
  try {
    if (on) {
      await enablePush();
      state.device = true;
      state.pushNotice = () => notifyText().pushEnabled;
    } else {
      await disablePush();
      state.device = false;
      state.pushNotice = () => notifyText().pushDisabled;
    }
  } catch (error) {
    if (error instanceof PushError) state.pushProblem = error.problem;
    else state.problem = () => problemText(error);
  }
  state.pushWorking = false;
  // Notifications on a device that is told to send nothing would never come.
  if (on && state.device === true && state.draft?.push === 'off') {
    state.draft = { ...state.draft, push: 'urgent' };
    await save(state);
    return;
  }
  rerender();
}

function choices<T extends string>(
  name: string,
  options: readonly T[],
  current: T,
  labels: Record<T, string>,
  pick: (value: T) => void,
): TemplateResult {
  return html`${options.map(
    (value) => html`
      <div class="notify-choice">
        <input type="radio" id=${`${name}-${value}`} name=${name} value=${value} .checked=${value === current}
          @change=${() => pick(value)} />
        <label for=${`${name}-${value}`}>${labels[value]}</label>
      </div>
    `,
  )}`;
}

function pushSection(state: State, draft: NotifySettings): TemplateResult {
  const m = notifyText();
  const supported = pushSupported();
  return html`
    <section class="notify-section" aria-labelledby="notify-push-heading">
      <h2 id="notify-push-heading">${m.pushHeading}</h2>
      ${state.device === null
        ? nothing
        : html`<p class="notify-device" data-device=${state.device ? 'on' : 'off'}>${state.device ? m.pushOn : m.pushOff}</p>`}
      ${state.pushProblem === null
        ? nothing
        : html`<p class="error" role="alert" id="push-problem" data-problem=${state.pushProblem}>
            ${m.pushProblems[state.pushProblem]}
          </p>`}
      ${noticeBox(state.pushNotice?.() ?? null)}
      ${!supported
        ? nothing
        : state.device === true
          ? html`<button type="button" class="secondary" ?disabled=${state.pushWorking}
              @click=${() => void switchDevice(state, false)}>${state.pushWorking ? m.pushWorking : m.pushDisable}</button>`
          : html`<p class="hint" id="push-enable-hint">${m.pushEnableHint}</p>
              <button type="button" class="primary" id="push-enable" aria-describedby="push-enable-hint"
                ?disabled=${state.pushWorking} @click=${() => void switchDevice(state, true)}>
                ${state.pushWorking ? m.pushWorking : m.pushEnable}
              </button>`}
      <fieldset class="notify-choices" aria-describedby="push-choice-hint">
        <legend>${m.pushChoiceLegend}</legend>
        <p class="hint" id="push-choice-hint">${m.pushChoiceHint}</p>
        ${choices('push', PUSH_CHOICES, draft.push, m.pushChoices, (push) => edit(state, { push }))}
      </fieldset>
    </section>
  `;
}

function digestOptions(current: number): number[] {
  return DIGEST_MINUTES.includes(current) ? [...DIGEST_MINUTES] : [...DIGEST_MINUTES, current].sort((a, b) => a - b);
}

function emailSection(state: State, draft: NotifySettings): TemplateResult {
  const m = notifyText();
  if (!draft.emailAvailable) {
    return html`
      <section class="notify-section" aria-labelledby="notify-email-heading">
        <h2 id="notify-email-heading">${m.emailHeading}</h2>
        <p class="hint" id="email-unavailable">${m.emailUnavailable}</p>
      </section>
    `;
  }
  const invalid = state.invalid.includes('email_address_missing') || state.invalid.includes('email_address_invalid');
  return html`
    <section class="notify-section" aria-labelledby="notify-email-heading">
      <h2 id="notify-email-heading">${m.emailHeading}</h2>
      <fieldset class="notify-choices">
        <legend>${m.emailChoiceLegend}</legend>
        ${choices('email', EMAIL_CHOICES, draft.email, m.emailChoices, (email) => edit(state, { email }))}
      </fieldset>
      ${draft.email === 'off'
        ? nothing
        : html`
            <div class="field">
              <label for="email-address">${m.emailAddress}</label>
              <p class="hint" id="email-address-hint">${m.emailAddressHint}</p>
              <input id="email-address" name="email-address" type="email" autocomplete="email" inputmode="email"
                .value=${draft.emailAddress ?? ''} aria-describedby="email-address-hint"
                aria-invalid=${invalid ? 'true' : 'false'}
                @input=${(event: Event) => {
                  if (state.draft !== null) state.draft.emailAddress = (event.target as HTMLInputElement).value;
                }}
                @change=${(event: Event) => edit(state, { emailAddress: (event.target as HTMLInputElement).value })} />
            </div>
          `}
      ${draft.email === 'digest'
        ? html`
            <div class="field">
              <label for="digest-minutes">${m.digestLabel}</label>
              <select id="digest-minutes" name="digest-minutes" class="notify-select"
                @change=${(event: Event) => edit(state, { digestMinutes: Number((event.target as HTMLSelectElement).value) })}>
                ${digestOptions(draft.digestMinutes).map(
                  (minutes) => html`<option value=${String(minutes)} ?selected=${minutes === draft.digestMinutes}>
                    ${m.digestEvery(minutes)}
                  </option>`,
                )}
              </select>
            </div>
          `
        : nothing}
    </section>
  `;
}

function timeField(id: string, label: string, value: string, set: (value: string) => void): TemplateResult {
  return html`
    <div class="field notify-time">
      <label for=${id}>${label}</label>
      <input id=${id} name=${id} type="time" .value=${value} aria-invalid=${isTime(value) ? 'false' : 'true'}
        @change=${(event: Event) => set((event.target as HTMLInputElement).value)} />
    </div>
  `;
}

function quietSection(state: State, draft: NotifySettings): TemplateResult {
  const m = notifyText();
  const hours = draft.quietHours;
  return html`
    <section class="notify-section" aria-labelledby="notify-quiet-heading">
      <h2 id="notify-quiet-heading">${m.quietHeading}</h2>
      <p class="hint" id="quiet-hint">${m.quietHint}</p>
      <div class="check">
        <input type="checkbox" id="quiet-use" .checked=${hours !== null} aria-describedby="quiet-hint"
          @change=${(event: Event) =>
            edit(state, { quietHours: (event.target as HTMLInputElement).checked ? { ...DEFAULT_QUIET } : null })} />
        <label for="quiet-use">${m.quietUse}</label>
      </div>
      ${hours === null
        ? nothing
        : html`
            <div class="notify-times">
              ${timeField('quiet-start', m.quietStart, hours.start, (start) => edit(state, { quietHours: { ...hours, start } }))}
              ${timeField('quiet-end', m.quietEnd, hours.end, (end) => edit(state, { quietHours: { ...hours, end } }))}
            </div>
            <div class="check">
              <input type="checkbox" id="urgent-in-quiet" .checked=${draft.urgentInQuietHours}
                aria-describedby="urgent-in-quiet-hint"
                @change=${(event: Event) => edit(state, { urgentInQuietHours: (event.target as HTMLInputElement).checked })} />
              <label for="urgent-in-quiet">${m.urgentInQuiet}</label>
            </div>
            <p class="hint" id="urgent-in-quiet-hint">${m.urgentInQuietHint}</p>
          `}
    </section>
  `;
}

function invalidBox(state: State): TemplateResult | typeof nothing {
  if (state.invalid.length === 0) return nothing;
  const m = notifyText();
  return html`
    <div class="error" role="alert" id="notify-invalid" tabindex="-1">
      ${state.invalid.map((problem) => html`<p>${m.problems[problem]}</p>`)}
    </div>
  `;
}

function onSubmit(state: State, event: Event): void {
  event.preventDefault();
  void save(state);
}

function content(state: State): TemplateResult {
  const m = notifyText();
  const draft = state.draft;
  return html`
    <p><a class="button secondary" href="#/">${m.backHome}</a></p>
    <section class="card notify-privacy" aria-labelledby="notify-privacy-heading">
      <h2 id="notify-privacy-heading">${m.privacyHeading}</h2>
      <p>${m.privacy}</p>
    </section>
    ${state.loading ? html`<p role="status">${m.loading}</p>` : nothing}
    ${draft === null
      ? html`<div id="notify-problem" tabindex="-1">${errorBox(state.problem?.() ?? null)}</div>`
      : html`
          <form class="notify-form" novalidate @submit=${(event: Event) => onSubmit(state, event)}>
            ${pushSection(state, draft)} ${emailSection(state, draft)} ${quietSection(state, draft)}
            ${invalidBox(state)}
            <div id="notify-problem" tabindex="-1">${errorBox(state.problem?.() ?? null)}</div>
            <div id="notify-saved" tabindex="-1">${noticeBox(state.notice?.() ?? null)}</div>
            <button type="submit" class="primary" ?disabled=${state.saving}>${state.saving ? m.saving : m.save}</button>
          </form>
        `}
  `;
}

export function notificationSettingsView(): View {
  const state = newState();
  void load(state);
  return {
    title: () => notifyText().title,
    content: () => content(state),
  };
}
