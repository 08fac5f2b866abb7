// Finding posts in a room: a pure search over the notebook entries this device has
// already decrypted (its sealed cache). Nothing is sent anywhere: the server only
// ever holds ciphertext, so it cannot search and is never asked to.
//
// Matching is on NFKC-normalised, lower-cased text, so full-width and half-width
// forms (ＳｐＯ２ / SpO2, ３８．４ / 38.4) and Latin upper and lower case meet;
// Japanese is matched as written. Every word of the query must occur somewhere in
// the entry (its current text, earlier versions, the structured fields of vitals,
// handovers and photos, and whatever labels the caller adds, such as the author).

import type { NotebookEntry, NotebookPost, Vitals } from '../generated/types';

export interface SearchHit {
  /** The entry's original post ID (what the timeline marks it with). */
  postId: string;
  /** When its current version was sent (ms). */
  sentAt: number;
  /** A short piece of the text around the first word found. */
  excerpt: string;
}

/** How text is compared: NFKC (full-width → ASCII), lower case, one space. */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The words of a query (empty: no search). */
export function queryWords(query: string): string[] {
  const words = normalise(query).split(' ');
  return words.filter((w) => w !== '');
}

function vitalsTexts(vitals: Vitals): string[] {
  const out: string[] = [];
  const numbers: (number | undefined)[] = [
    vitals.temperature_c,
    vitals.pulse_per_min,
    vitals.spo2_percent,
    vitals.respiratory_rate_per_min,
    vitals.weight_kg,
    vitals.blood_glucose_mg_dl,
    vitals.fluid_intake_ml,
    vitals.pain_0_10,
  ];
  for (const n of numbers) if (n !== undefined) out.push(String(n));
  if (vitals.blood_pressure !== undefined) {
    out.push(`${vitals.blood_pressure.systolic_mmhg}/${vitals.blood_pressure.diastolic_mmhg}`);
  }
  if (vitals.excretion?.notes !== undefined) out.push(vitals.excretion.notes);
  if (vitals.remarks !== undefined) out.push(vitals.remarks);
  return out;
}

/** The readable text of one version of a post (no IDs, no attachment references). */
export function postTexts(post: NotebookPost): string[] {
  const envelope = post.envelope;
  const out = [envelope.body];
  for (const item of envelope.handover?.items ?? []) out.push(item.text);
  if (envelope.vitals !== undefined) out.push(...vitalsTexts(envelope.vitals));
  if (envelope.photo?.body_site !== undefined) out.push(envelope.photo.body_site);
  return out.filter((t) => t.trim() !== '');
}

const AROUND = 30;

function excerptOf(texts: string[], words: string[]): string {
  for (const text of texts) {
    const flat = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
    const at = flat.toLowerCase().indexOf(words[0] ?? '');
    if (at < 0) continue;
    const start = Math.max(0, at - AROUND);
    const end = Math.min(flat.length, at + (words[0]?.length ?? 0) + AROUND * 2);
    return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
  }
  const first = texts[0] ?? '';
  return first.length > AROUND * 3 ? `${first.slice(0, AROUND * 3)}…` : first;
}

/**
 * The entries matching every word of `query`, newest first. `labels` adds text
 * the entry is shown with but does not carry (author name, kind: 「申し送り」).
 */
export function searchEntries(
  entries: readonly NotebookEntry[],
  query: string,
  labels: (entry: NotebookEntry) => string[] = () => [],
): SearchHit[] {
  const words = queryWords(query);
  if (words.length === 0) return [];
  const hits: SearchHit[] = [];
  for (const entry of entries) {
    const current = postTexts(entry.current);
    const earlier = entry.history.filter((h) => h.seq !== entry.current.seq).flatMap(postTexts);
    const all = [...current, ...earlier, ...labels(entry)];
    const haystack = normalise(all.join('\n'));
    if (!words.every((w) => haystack.includes(w))) continue;
    const shown = [...current, ...earlier];
    hits.push({ postId: entry.post_id, sentAt: entry.current.sent_at, excerpt: excerptOf(shown.length > 0 ? shown : all, words) });
  }
  return hits.reverse();
}
