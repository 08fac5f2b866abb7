// The care notebook's UI, for the room view: timeline cards for every content type,
// the vitals / handover / photo composers, and the trend charts. Plain data and
// callbacks in; the engine does the fetching and sending.

import type { TemplateResult } from 'lit-html';

import { handoverForm } from './handover-form';
import { careText } from './messages';
import { photoComposer } from './photo-composer';
import type { Person, SendPost, Thresholds } from './types';
import { vitalsForm } from './vitals-form';

export { renderEntry, renderEntryBody, takeOverEnvelope, urgencyBadge } from './cards';
export { releasePhotos, closePhoto } from './photo-view';
export { trendsView, type TrendsOptions } from './trends';
export { thresholdsForm } from './thresholds-form';
export { vitalsForm, handoverForm, photoComposer };
export { releasePreviews } from './photo-composer';
export { careText } from './messages';
export type { CareContext, OutgoingFile, Person, SendPost } from './types';

export interface CareComposerOptions {
  send: SendPost;
  /** The client's thresholds in force (team notebook), for the vitals checks. */
  thresholds: () => Thresholds | null;
  /** Members a handover can name. */
  people: () => Person[];
  rerender: () => void;
}

export type CareComposerKey = 'vitals' | 'handover' | 'photo';

export interface CareComposer {
  key: CareComposerKey;
  label: () => string;
  render: () => TemplateResult;
}

/** The care composers as tabs beside the note composer (create once per room view). */
export function careComposers(options: CareComposerOptions): CareComposer[] {
  return [
    { key: 'vitals', label: () => careText().tabVitals, render: vitalsForm(options) },
    { key: 'handover', label: () => careText().tabHandover, render: handoverForm(options) },
    { key: 'photo', label: () => careText().tabPhoto, render: photoComposer(options) },
  ];
}
