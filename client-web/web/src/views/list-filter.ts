// Finding a room on the room list: by the client's name (opened on this device; the
// query never leaves it) and by what is waiting (urgent, unread). Pure functions,
// tested in test/list-filter.test.ts.

/** What the person asked for: the words typed and the filter chips turned on. */
export interface ListQuery {
  text: string;
  urgent: boolean;
  unread: boolean;
}

/** What the list needs of a room to filter it. */
export interface Filterable {
  name: string | null;
  unread: number;
  urgent: boolean;
}

export const NO_QUERY: ListQuery = { text: '', urgent: false, unread: false };

/**
 * The form names are compared in: NFKC (full-width Latin and half-width kana fold),
 * lower case, katakana as hiragana, no spaces (「山田 花子」 = 「山田花子」).
 */
export function foldName(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/[\s\u3000]+/g, '');
}

/** Whether `name` contains what was typed (an empty query matches every name). */
export function nameMatches(name: string | null, text: string): boolean {
  const wanted = foldName(text);
  if (wanted === '') return true;
  return name !== null && foldName(name).includes(wanted);
}

/** The rooms that match every part of the query, in their order. */
export function filterRooms<R extends Filterable>(rooms: readonly R[], query: ListQuery): R[] {
  return rooms.filter(
    (room) =>
      nameMatches(room.name, query.text) && (!query.urgent || room.urgent) && (!query.unread || room.unread > 0),
  );
}

/** Whether anything narrows the list (so an empty result offers to clear it). */
export function isNarrowed(query: ListQuery): boolean {
  return query.text.trim() !== '' || query.urgent || query.unread;
}
