// Answering from the form: the draft becomes both parts (answer.ts), the core checks
// the post as it checks every care post, and deliver.ts sends them in order. With no
// network the whole answer waits on this device (pending.ts) and goes, in the same
// order, when the connection returns.

import type { WebError } from '../generated/types';
import { careCore } from '../care/core';
import { buildAnswer, type Draft, type DraftProblem } from './answer';
import { deliver, NOT_OFFICIAL, retryable, words, type Outgoing } from './deliver';
import { safetyBoth } from './messages';
import { keepForLater } from './pending';
import { officialCheck } from './state';

export type Outcome =
  | { kind: 'sent' }
  | { kind: 'waiting' }
  | { kind: 'problem'; problem: DraftProblem }
  | { kind: 'refused'; words: WebError };

const NO_CORE: WebError = { code: 'core_not_ready', ja: safetyBoth.ja.coreNotReady, en: safetyBoth.en.coreNotReady };

/** Answers check `broadcast` for `room` from the form's draft. */
export async function sendAnswer(broadcast: string, room: string, draft: Draft): Promise<Outcome> {
  const built = buildAnswer(broadcast, draft);
  if (!built.ok) return { kind: 'problem', problem: built.problem };
  if (officialCheck(broadcast) === undefined) return { kind: 'refused', words: NOT_OFFICIAL };
  const core = await careCore();
  if (core === null) return { kind: 'refused', words: NO_CORE };
  const checked = core.validate_envelope(JSON.stringify(built.answer.envelope), null);
  if (!checked.ok) return { kind: 'refused', words: { code: checked.code, en: checked.en, ja: checked.ja } };
  const item: Outgoing = { broadcast, room, ...built.answer };
  try {
    await deliver(item);
    return { kind: 'sent' };
  } catch (error) {
    if (!retryable(error)) return { kind: 'refused', words: words(error) };
    await keepForLater(item);
    return { kind: 'waiting' };
  }
}
