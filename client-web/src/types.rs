//! The TypeScript types of the values that cross the boundary, written into the
//! generated `.d.ts` so the UI is type-checked against what this crate really sends
//! and takes (the `unchecked_*_type` attributes on the exported functions name them).
//! They mirror the `Serialize`/`Deserialize` types of `kizuna_engine` and
//! `kizuna_proto`, and the envelope of `kizuna_crypto`; the wasm-bindgen-test suite
//! checks the shapes.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** What every thrown `Error` carries as JSON in its `message`: `JSON.parse(e.message)`. */
export interface WebError { code: string; en: string; ja: string; field?: string }

export type ChannelName = "team" | "family";
export type Urgency = "normal" | "soon" | "urgent";
export type RoomRole = "owner" | "delegate" | "professional" | "family" | "volunteer";
/** History an added device gets. */
export type HistoryPolicy = "full" | "from_now" | { same_as_user: string };

export interface KeyPackageUpload { id: string; body: string; last_resort: boolean }
export interface WelcomeView { group_id: string; welcome: string }
export interface ChannelRef { group_id: string; room: string; channel: ChannelName }
export interface JoinReport { joined: ChannelRef[]; problems: (WebError & { group_id: string })[] }
export interface NewGroup { group_id: string; group_info: string }
export interface ChannelListed extends ChannelRef { active: boolean; last_seq: number }
export interface Who { user: string; device: string }
export interface ChannelMember { user: string; device: string; signature_key: string }
export interface ChannelInfo {
  group_id: string; room: string; channel: ChannelName; epoch: number; active: boolean;
  pending_commit: boolean; last_seq: number; waiting: number; current_era: string | null;
  members: ChannelMember[];
}

/** One log entry as `GET /groups/{g}/messages` and the WebSocket send it. */
export interface LogEntry {
  seq: number; kind: string; sender_device?: string | null; epoch?: number; body: string;
  stored_at: number; urgency?: Urgency | null;
}

export interface AttachmentRef { blob: string; key: number[]; sha256: number[]; mime: string; size: number }
export type ContentType = "note" | "handover" | "handover_taken" | "vitals" | "photo" | "thresholds";
export type HandoverTarget =
  | { kind: "next_visitor" } | { kind: "role"; role: string } | { kind: "person"; user: string };
export interface Handover { to: HandoverTarget; items?: { text: string; done?: boolean }[] }
export interface Vitals {
  measured_at: number; temperature_c?: number;
  blood_pressure?: { systolic_mmhg: number; diastolic_mmhg: number };
  pulse_per_min?: number; spo2_percent?: number; respiratory_rate_per_min?: number;
  weight_kg?: number; blood_glucose_mg_dl?: number;
  meal_intake?: { tenths: number } | { percent: number }; fluid_intake_ml?: number;
  excretion?: { urine_count?: number; stool_count?: number; notes?: string };
  pain_0_10?: number; consciousness?: "alert" | { jcs: number }; remarks?: string;
}
export interface Range { min?: number; max?: number }
export interface Thresholds {
  temperature_c?: Range; systolic_mmhg?: Range; diastolic_mmhg?: Range; pulse_per_min?: Range;
  spo2_percent?: Range; respiratory_rate_per_min?: Range; blood_glucose_mg_dl?: Range; weight_kg?: Range;
}
export interface PhotoContent {
  image: AttachmentRef; thumbnail: AttachmentRef; width: number; height: number;
  thumb_width: number; thumb_height: number; body_site?: string; same_wound_as?: string;
}
/** A post's plaintext. Pass it to `seal_post`/`validate_envelope` as `JSON.stringify(envelope)`. */
export interface PostEnvelope {
  version: 1; content_type: ContentType; body: string; attachments?: AttachmentRef[];
  reply_to?: string | null; mentions?: string[]; amendment_of?: string | null; urgency?: Urgency;
  handover?: Handover; taken_over?: string; vitals?: Vitals; photo?: PhotoContent; thresholds?: Thresholds;
}

export interface ReceivedPost {
  type: "post"; seq: number; post_id: string; author_user: string; author_device: string;
  sent_at: number; stored_at: number; exposed_urgency: Urgency | null; envelope: PostEnvelope;
}
/** What `Channel.ingest` reports, in log order. */
export type ChannelEvent =
  | ReceivedPost
  | { type: "commit"; seq: number; epoch_from: number; epoch: number; committer: Who | null; added: Who[]; removed: Who[] }
  | { type: "eras"; seq: number; eras: string[] }
  | { type: "removed"; seq: number }
  | { type: "waiting"; seq: number }
  | ({ type: "problem"; seq: number; kind: string } & WebError)
  | ({ type: "stalled"; seq: number } & WebError)
  | { type: "gap"; after: number; next: number };

export interface SealedPost {
  post_id: string; era_key: string | null; post: string; epoch: number; urgency: Urgency | null; blobs: string[];
}
export interface ClaimedKeyPackage { device_id: string; key_package: string }
export interface CommitRequest { commit: string; welcome: string | null; epoch: number; added: Who[]; removed: Who[] }
export interface Accepted { epoch: number; added: Who[]; removed: Who[]; era_key: string | null; problem: WebError | null }
export interface RoomMember {
  user_id: string; role: RoomRole; team_access: boolean; family_access: boolean; devices: string[];
}
/** What `outboxDecision` answers after a failed send. */
export interface OutboxDecision { action: "retry" | "resync" | "done" | "fail"; delay_ms?: number }
export interface ReconcilePlan { remove: string[]; add: { policy: HistoryPolicy; users: string[]; devices: string[] }[] }

export interface PhotoOptions {
  max_edge?: number; thumb_edge?: number; quality?: number; thumb_quality?: number; max_pixels?: number;
}
export interface PreparedPhoto {
  image: Uint8Array; thumbnail: Uint8Array; width: number; height: number; thumb_width: number; thumb_height: number;
}
export interface SealedFile { ciphertext: Uint8Array; reference: AttachmentRef }
export interface Flag { measurement: string; en: string; ja: string }
export type Validation =
  | { ok: true; unusual: Flag[]; out_of_range: Flag[]; urgency: Urgency | null }
  | ({ ok: false } & WebError);

export interface NotebookPost { seq: number; post_id: string; author: string; sent_at: number; envelope: PostEnvelope }
export interface NotebookEntry {
  post_id: string; current: NotebookPost; history: NotebookPost[]; amended: boolean;
  taken_over: { by: string; at: number } | null; take_overs: NotebookPost[];
  alert: { unusual: Flag[]; out_of_range: Flag[]; shown_as_urgent: boolean } | null;
  effective_urgency: Urgency; thresholds_in_force: Thresholds | null;
  readings: { measurement: string; value: number; unit: string }[];
}
export interface NotebookView {
  entries: NotebookEntry[]; rejected: { post_id: string; en: string; ja: string }[];
  pending: string[]; thresholds: Thresholds | null; open_handovers: string[];
}
"#;
