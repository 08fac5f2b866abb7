// The officer's own notice is acknowledged on their device as soon as it is sent: they
// wrote it and confirmed it, so a 緊急 must not then take their own screen.
//
// engine/broadcasts.ts forgets an acknowledgement once the server accepted it, and a
// list fetched while it was on its way (the live `broadcast` notice races the answer
// to the send) still says "not acknowledged". So for a while after sending, whenever
// the list shows the notice unacknowledged, it is acknowledged again (the server
// keeps the first time). This runs in the same batch of change listeners as the
// banner's redraw, so the page is never painted with the notice over it.

import { onChange } from '../engine';
import { acknowledge, broadcastState } from '../engine/broadcasts';
import { isAcknowledged } from '../engine/broadcast-rules';

/** How long after sending a stale list is watched for. */
const WATCH_MS = 120_000;
/** Acknowledging again at most this many times (a server that keeps refusing is not asked forever). */
const MAX_TRIES = 5;

/** Keeps notice `id`, just sent from this device, acknowledged here. */
export function keepAcknowledged(id: string): void {
  const until = Date.now() + WATCH_MS;
  let tries = 0;
  const check = (): void => {
    if (Date.now() > until || tries >= MAX_TRIES) {
      stop();
      return;
    }
    const state = broadcastState();
    const notice = state?.notices.find((n) => n.listed.id === id);
    if (state === null || notice === undefined || isAcknowledged(notice, state.pendingAcks)) return;
    tries += 1;
    void acknowledge(id).catch(() => undefined);
  };
  const stop = onChange(check);
  check();
}
