// The shapes the care module works with: the core's own types (generated from the
// Rust types into generated/types.ts, see client-web/src/types.rs), and what a room
// view hands in.

export type {
  AttachmentRef,
  Flag,
  Handover,
  HandoverTarget,
  NotebookEntry,
  NotebookPost,
  NotebookView,
  PhotoContent,
  PostEnvelope,
  PreparedPhoto,
  Range,
  Thresholds,
  Urgency,
  Validation,
  Vitals,
  WebError,
} from '../generated/types.js';

import type { AttachmentRef, NotebookEntry, PostEnvelope } from '../generated/types.js';

/** An encrypted file to upload with a post (the engine's `post(…, files)`). */
export interface OutgoingFile {
  reference: AttachmentRef;
  ciphertext: Uint8Array;
}

/** Hands a post to the engine (`post(roomId, channel, envelope, files)`). */
export type SendPost = (envelope: PostEnvelope, files?: OutgoingFile[]) => Promise<void>;

/** A member of the room, for names and handover targets. */
export interface Person {
  user: string;
  name: string;
}

/** What a card needs from the room view around it. */
export interface CareContext {
  /** The signed-in user's ID. */
  me: string;
  /** A person's display name (falls back to a short ID). */
  nameOf: (user: string) => string;
  /** Fetches and decrypts an attachment (`fetchAttachment` + `open_attachment`). */
  loadAttachment: (reference: AttachmentRef) => Promise<Uint8Array>;
  /** The entry a post belongs to, for reply quotes. */
  entryOf?: (postId: string) => NotebookEntry | undefined;
  /** Takes over a handover (sends a `handover_taken` post). Absent: no button. */
  takeOver?: (handoverPostId: string) => Promise<void>;
  /** Draws the view again (after a thumbnail arrived, …). */
  rerender: () => void;
}
