// What the administrator does with an emergency account: approve its use (one of
// two), end its use now (after a confirmation dialog that says what happens), and
// reseal it (the server asks for a fresh password + passkey first; the HTTP client
// shows that dialog and sends once more), which gives a new enrolment link.

import { html, nothing, type TemplateResult } from 'lit-html';

import { rerender } from '../app';
import { describeError } from '../http';
import { formatTime } from '../i18n';
import { approveEmergency, endEmergency, resealEmergency } from './emergency-api';
import type { EmergencyAccount } from './emergency-model';
import { approvalProgress } from './emergency-rules';
import { emergencyText } from './emergency-messages';
import type { EmergencyScreen } from './emergency-state';

type Reload = () => Promise<void>;

/** Runs one action: busy while it runs, its outcome as a notice or a problem, then the list again. */
async function run(
  screen: EmergencyScreen,
  reload: Reload,
  action: () => Promise<(() => string) | null>,
  focusAfter = 'emergency-status',
): Promise<void> {
  if (screen.busy) return;
  screen.busy = true;
  screen.problem = null;
  screen.notice = null;
  rerender();
  try {
    screen.notice = await action();
  } catch (error) {
    screen.problem = () => describeError(error);
  }
  screen.busy = false;
  await reload();
  document.getElementById(screen.problem === null ? focusAfter : 'emergency-status')?.focus();
}

export function approve(screen: EmergencyScreen, account: EmergencyAccount, reload: Reload): Promise<void> {
  return run(screen, reload, async () => {
    const progress = approvalProgress(await approveEmergency(screen.orgId, account.userId));
    const label = `【緊急用】${account.label}`;
    return progress.kind === 'admitted'
      ? () => emergencyText().approvedTwo(label, formatTime(progress.until))
      : () => emergencyText().approvedOne(label);
  });
}

export function reseal(screen: EmergencyScreen, account: EmergencyAccount, reload: Reload): Promise<void> {
  return run(screen, reload, async () => {
    const issued = await resealEmergency(screen.orgId, account.userId);
    const label = account.label;
    screen.issued = {
      kind: 'resealed',
      userId: account.userId,
      label,
      loginId: account.loginId,
      link: { issued, name: `【緊急用】${label}`, copied: null },
    };
    return account.state === 'awaiting_enrolment' ? null : () => emergencyText().resealed(`【緊急用】${label}`);
  }, 'emergency-link-title');
}

export function askEnd(screen: EmergencyScreen, account: EmergencyAccount): void {
  screen.confirmEnd = account;
  rerender();
  const dialog = document.getElementById('emergency-end');
  if (dialog instanceof HTMLDialogElement && !dialog.open) dialog.showModal();
}

function closeEnd(screen: EmergencyScreen): void {
  const dialog = document.getElementById('emergency-end');
  if (dialog instanceof HTMLDialogElement && dialog.open) dialog.close();
  screen.confirmEnd = null;
  rerender();
}

/** The confirmation for ending an account's use (nothing when none waits). */
export function endDialog(screen: EmergencyScreen, reload: Reload): TemplateResult | typeof nothing {
  const account = screen.confirmEnd;
  if (account === null) return nothing;
  const m = emergencyText();
  const label = `【緊急用】${account.label}`;
  const cancel = (event?: Event): void => {
    event?.preventDefault();
    closeEnd(screen);
    document.getElementById('emergency-list-title')?.focus();
  };
  const confirm = (): void => {
    closeEnd(screen);
    void run(screen, reload, async () => {
      await endEmergency(screen.orgId, account.userId);
      return () => emergencyText().ended(label);
    });
  };
  return html`
    <dialog id="emergency-end" class="admin-dialog" aria-labelledby="emergency-end-title" aria-describedby="emergency-end-text" @cancel=${cancel}>
      <h2 id="emergency-end-title">${m.endTitle(label)}</h2>
      <p id="emergency-end-text">${m.endExplain}</p>
      <div class="admin-actions">
        <button type="button" class="secondary" autofocus @click=${cancel}>${m.cancel}</button>
        <button type="button" class="admin-danger" @click=${confirm}>${m.endYes}</button>
      </div>
    </dialog>
  `;
}
