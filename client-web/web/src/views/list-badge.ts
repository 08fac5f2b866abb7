// The count of unread urgent posts, in front of the document's title
// (「(2) 山田 花子 様 — 絆 Kizuna」) and on the installed app's icon
// (navigator.setAppBadge, where the browser has it). Redrawn with every engine
// change (rooms.ts), so it follows posts arriving and being read.

import { decorateTitle } from '../app';
import { rooms } from '../engine';

/** Unread urgent posts over every room (0 while the engine is off). */
export function urgentCount(): number {
  return rooms().reduce((sum, room) => sum + room.urgentUnread, 0);
}

/** Puts `count` in front of `title` (nothing when 0). */
export function countedTitle(count: number, title: string): string {
  return count > 0 ? `(${count}) ${title}` : title;
}

interface Badging {
  setAppBadge?: (count?: number) => Promise<void>;
  clearAppBadge?: () => Promise<void>;
}

let badged = -1; // unknown at start: the first count (even 0) is applied

function showBadge(count: number): void {
  if (count === badged) return;
  badged = count;
  const nav = navigator as Navigator & Badging;
  // Not everywhere (installed apps on Chromium, Safari on iOS 16.4+): the title says it anyway.
  const done = count > 0 ? nav.setAppBadge?.(count) : nav.clearAppBadge?.();
  void done?.catch(() => undefined);
}

decorateTitle((title) => {
  const count = urgentCount();
  showBadge(count);
  return countedTitle(count, title);
});
