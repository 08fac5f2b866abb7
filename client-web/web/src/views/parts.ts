// Pieces every form uses: a labelled field with its hint, an error box that screen
// readers announce, and words for what went wrong with a passkey.

import { html, nothing, type TemplateResult } from 'lit-html';

import { describeError } from '../http';
import { t } from '../i18n';
import { PasskeyError } from '../webauthn';

export interface FieldOptions {
  id: string;
  label: string;
  hint?: string;
  type?: 'text' | 'password';
  autocomplete: string;
  value?: string;
  required?: boolean;
  invalid?: boolean;
  /** Lower-case ASCII input (login IDs): no capitalisation or correction on phones. */
  plain?: boolean;
  /** Called as the person types (e.g. to suggest a login ID from the name). */
  onInput?: (event: Event) => void;
}

export function field(options: FieldOptions): TemplateResult {
  const hintId = `${options.id}-hint`;
  const plain = options.plain === true;
  return html`
    <div class="field">
      <label for=${options.id}>${options.label}</label>
      ${options.hint === undefined ? nothing : html`<p class="hint" id=${hintId}>${options.hint}</p>`}
      <input
        id=${options.id}
        name=${options.id}
        type=${options.type ?? 'text'}
        autocomplete=${options.autocomplete}
        value=${options.value ?? ''}
        ?required=${options.required ?? false}
        aria-describedby=${options.hint === undefined ? nothing : hintId}
        aria-invalid=${options.invalid === true ? 'true' : 'false'}
        autocapitalize=${plain ? 'none' : nothing}
        spellcheck=${plain ? 'false' : nothing}
        @input=${options.onInput ?? null}
      />
    </div>
  `;
}

/** A message that is announced when it appears; nothing when there is none. */
export function errorBox(message: string | null): TemplateResult | typeof nothing {
  if (message === null) return nothing;
  return html`<p class="error" role="alert">${message}</p>`;
}

export function noticeBox(message: string | null): TemplateResult | typeof nothing {
  if (message === null) return nothing;
  return html`<p class="notice" role="status">${message}</p>`;
}

/** What to tell the person when a ceremony or request failed. */
export function problemText(error: unknown): string {
  const m = t();
  if (error instanceof PasskeyError) {
    switch (error.problem) {
      case 'cancelled':
        return m.passkeyCancelled;
      case 'unsupported':
        return m.passkeyUnsupported;
      case 'exists':
        return m.passkeyExists;
      case 'failed':
        return m.passkeyFailed(error.detail);
    }
  }
  return describeError(error);
}

/** The text of a form field, trimmed (null when absent). */
export function formText(form: HTMLFormElement, name: string): string | null {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : null;
}
