// Entries the WASM core refused while reading a channel's log: a replayed copy of a
// post already shown (`post_replayed`) or an entry that could not be opened or
// checked (tampered, bad padding, from someone who was not a member, ...). The
// rule lives in the core (`Channel.ingest` reports them as `problem` events and
// shows nothing of them); here they are only kept per channel, in the sealed cache,
// so the room can tell the person in words, once per refused entry.

import type { ChannelEvent } from '../generated/types';
import type { Engine } from './state';
import * as store from './store';

/** A refused entry as the core reported it. */
export interface EntryProblem {
  seq: number;
  kind: string;
  code: string;
}

/** What the room shows: one line per kind of refusal, in both languages. */
export interface ProblemNotice {
  reason: 'replayed' | 'unreadable';
  count: number;
  seqs: number[];
  en: string;
  ja: string;
}

/** The core's code for a replayed copy of a post this device already holds. */
const REPLAYED = 'post_replayed';

function key(engine: Engine, group: string): string {
  return `${engine.userId}:problems:${group}`;
}

export async function loadProblems(engine: Engine, group: string): Promise<void> {
  const saved = await store.getJson<EntryProblem[]>(key(engine, group));
  if (saved !== null && saved.length > 0) engine.problems.set(group, saved);
}

/** Keeps the `problem` events of one ingest (each log position once); returns whether any were new. */
export async function rememberProblems(engine: Engine, group: string, events: ChannelEvent[]): Promise<boolean> {
  const known = engine.problems.get(group) ?? [];
  const seen = new Set(known.map((p) => p.seq));
  const fresh: EntryProblem[] = [];
  for (const event of events) {
    if (event.type !== 'problem' || seen.has(event.seq)) continue;
    seen.add(event.seq);
    fresh.push({ seq: event.seq, kind: event.kind, code: event.code });
  }
  if (fresh.length === 0) return false;
  const all = [...known, ...fresh].sort((a, b) => a.seq - b.seq);
  engine.problems.set(group, all);
  await store.putJson(key(engine, group), all);
  return true;
}

/** Forgets a channel's refusals (its log is read again from the start and reports them anew). */
export async function forgetProblems(engine: Engine, group: string): Promise<void> {
  engine.problems.delete(group);
  await store.putJson(key(engine, group), []);
}

function words(reason: ProblemNotice['reason'], count: number): { en: string; ja: string } {
  if (reason === 'replayed') {
    return count === 1
      ? {
          en: 'A post was sent again; the copy is not shown.',
          ja: '同じ投稿が再送されたため、2回目は表示していません。',
        }
      : {
          en: `${count} posts were sent again; the copies are not shown.`,
          ja: `同じ投稿が再送されたため（${count}件）、2回目以降は表示していません。`,
        };
  }
  const en =
    count === 1
      ? 'A post could not be opened or checked (it may have been altered or damaged), so it is not shown.'
      : `${count} posts could not be opened or checked (they may have been altered or damaged), so they are not shown.`;
  const ja =
    count === 1
      ? '確認できない投稿が1件あったため、表示していません（途中で書き換えられたか、壊れている可能性があります）。'
      : `確認できない投稿が${count}件あったため、表示していません（途中で書き換えられたか、壊れている可能性があります）。`;
  return {
    en: `${en} If a record seems to be missing, ask the person who wrote it.`,
    ja: `${ja}抜けている記録がありそうなら、書いた人に確認してください。`,
  };
}

/** The channel's refusals as the room shows them (replays first), or none. */
export function problemNotices(engine: Engine, group: string): ProblemNotice[] {
  const problems = engine.problems.get(group) ?? [];
  const notices: ProblemNotice[] = [];
  for (const reason of ['replayed', 'unreadable'] as const) {
    const seqs = problems.filter((p) => (p.code === REPLAYED) === (reason === 'replayed')).map((p) => p.seq);
    if (seqs.length > 0) notices.push({ reason, count: seqs.length, seqs, ...words(reason, seqs.length) });
  }
  return notices;
}
