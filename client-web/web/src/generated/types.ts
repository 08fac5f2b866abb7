// Generated from the Rust types by `cargo test -p kizuna-client-web --features ts --lib generated_types`
// (client-web/src/types.rs). Do not edit: change the Rust type and run that.

/**
 * What [`crate::Slot::commit_accepted`] did.
 */
export type Accepted = {
  /**
   * The epoch now.
   */
  epoch: number,
  /**
   * Devices added.
   */
  added: Array<Who>,
  /**
   * Devices removed.
   */
  removed: Array<Who>,
  /**
   * After an add: the era-key message for the newcomers (history as the policy
   * allows), to send at once as log kind `era_key`.
   */
  era_key: string | null,
  /**
   * If the era-key message could not be made (the newcomers then read from the
   * next post on).
   */
  problem: WebError | null, };

/**
 * Devices to add under one history policy, in one commit.
 */
export type AddClass = {
  /**
   * The history the newcomers get (pass it to `add_devices`).
   */
  policy: HistoryPolicy,
  /**
   * Whose key packages to claim (`POST /users/{u}/key-packages/claim`).
   */
  users: Array<UserId>,
  /**
   * Which devices to add: keep only the claimed packages of these.
   */
  devices: Array<DeviceId>, };

/**
 * A reference to an encrypted attachment in the blob store: where it is, how to
 * decrypt it and how to check it. The key never appears in `Debug` output and is
 * wiped when the reference is dropped.
 */
export type AttachmentRef = {
  /**
   * Where the ciphertext is stored.
   */
  blob: BlobId,
  /**
   * The attachment's own random key (one per file, so sharing a post shares only
   * its files).
   */
  key: Array<number>,
  /**
   * SHA-256 of the plaintext, checked after decryption.
   */
  sha256: Array<number>,
  /**
   * MIME type of the plaintext, e.g. `image/jpeg`.
   */
  mime: string,
  /**
   * Plaintext size in bytes, so clients can show it and refuse oversized downloads.
   */
  size: number, };

/**
 * An encrypted object in the blob store. Random: it says nothing about the content.
 */
export type BlobId = string;

/**
 * Blood pressure, mmHg.
 */
export type BloodPressure = {
  /**
   * Systolic (upper) pressure, mmHg.
   */
  systolic_mmhg: number,
  /**
   * Diastolic (lower) pressure, mmHg.
   */
  diastolic_mmhg: number, };

/**
 * A regional broadcast: what a medical association or a city tells every care team
 * (and, if chosen, families and volunteers) in its region.
 *
 * It holds no client's data, so it is not end-to-end encrypted: the server reads it
 * to deliver and list it. What protects it is the officer device's signature over
 * exactly these fields, so a server that is compromised or misconfigured can neither
 * change a word, the severity or the expiry, nor invent a notice in an officer's name.
 *
 * Unknown fields are refused: a field an older client ignored (say, a future
 * "cancels") could change what a notice means, so a change of meaning needs a new
 * signature label instead.
 */
export type Broadcast = {
  /**
   * Chosen by the officer's client before signing.
   */
  id: BroadcastId,
  /**
   * The regional organisation sending it, whose roster must hold the signer.
   */
  organisation: OrganisationId,
  /**
   * Who signed it, on which device, with which key. Checked against the key that
   * actually signed when the notice is opened.
   */
  signed_by: Officer,
  /**
   * How serious it is (情報 / 注意 / 警戒 / 緊急).
   */
  severity: Severity,
  /**
   * One line, at most [`MAX_TITLE_CHARS`].
   */
  title: string,
  /**
   * The area concerned, in words (e.g. "○○市 △△川 流域"), one line, at most
   * [`MAX_AREA_CHARS`].
   */
  area: string,
  /**
   * The text, at most [`MAX_BODY_CHARS`]; may be empty when the title says it all.
   */
  body: string,
  /**
   * When the officer's device signed it.
   */
  issued_at: Timestamp,
  /**
   * After this, clients list it as past rather than current; at most
   * [`MAX_VALIDITY_DAYS`] after `issued_at`.
   */
  expires_at: Timestamp,
  /**
   * An image through the photo pipeline (typically an evacuation map). Its key
   * travels in this unencrypted notice, so the server can read the image too: the
   * encryption here is the pipeline's, not secrecy. The signed SHA-256 and size are
   * what matter: the server cannot swap the map.
   */
  attachment: AttachmentRef | null,
  /**
   * Whether the notice opens a safety check (安否確認) in every room in scope.
   */
  safety_check: boolean,
  /**
   * Whether families and welfare volunteers receive it, not only the care teams.
   */
  include_families: boolean, };

/**
 * One regional broadcast, chosen by the officer's client before signing, so the
 * ID is covered by the signature and a resent copy is recognised as the same one.
 */
export type BroadcastId = string;

/**
 * One received notice as a shell shows it.
 */
export type BroadcastView = {
  /**
   * Official, expired or unverified.
   */
  standing: Standing,
  /**
   * What it says (for an unverified notice: what it claims), if readable at all.
   */
  broadcast: Broadcast | null,
  /**
   * The officer on the roster who signed it (official and expired only).
   */
  officer: Officer | null,
  /**
   * Why it is expired or not official, in both languages; `None` when official.
   */
  warning: WebError | null, };

/**
 * Bytes that reach JavaScript as a `Uint8Array` (and as an array in JSON tests).
 */
export type Bytes = Uint8Array;

/**
 * What ingesting log entries did, one event per noteworthy entry, in log order.
 */
export type ChannelEvent = { "type": "post" } & ReceivedPostFields | { "type": "commit",
  /**
   * Its log position.
   */
  seq: number,
  /**
   * The epoch before.
   */
  epoch_from: number,
  /**
   * The epoch now.
   */
  epoch: number,
  /**
   * Who made it.
   */
  committer: Who | null,
  /**
   * Devices added.
   */
  added: Array<Who>,
  /**
   * Devices removed.
   */
  removed: Array<Who>, } | { "type": "eras",
  /**
   * Its log position.
   */
  seq: number,
  /**
   * The eras learned.
   */
  eras: Array<string>, } | { "type": "removed",
  /**
   * Its log position.
   */
  seq: number, } | { "type": "waiting",
  /**
   * Its log position.
   */
  seq: number, } | { "type": "problem",
  /**
   * Its log position.
   */
  seq: number,
  /**
   * Its kind.
   */
  kind: string,
  /**
   * Stable snake_case code, e.g. `pending_commit` or `attachment_damaged`.
   */
  code: string,
  /**
   * What happened and what to do, in English.
   */
  en: string,
  /**
   * The same, in Japanese.
   */
  ja: string,
  /**
   * For a post that breaks a rule: the field at fault (`temperature_c`, `body`, …).
   */
  field?: string, } | { "type": "stalled",
  /**
   * Its log position.
   */
  seq: number,
  /**
   * Stable snake_case code, e.g. `pending_commit` or `attachment_damaged`.
   */
  code: string,
  /**
   * What happened and what to do, in English.
   */
  en: string,
  /**
   * The same, in Japanese.
   */
  ja: string,
  /**
   * For a post that breaks a rule: the field at fault (`temperature_c`, `body`, …).
   */
  field?: string, } | { "type": "gap",
  /**
   * The last position processed.
   */
  after: number,
  /**
   * The first position given after it.
   */
  next: number, };

/**
 * `Channel.info()`.
 */
export type ChannelInfo = { group_id: string, room: RoomId, channel: ChannelName, epoch: number, active: boolean, pending_commit: boolean, last_seq: number, waiting: number, current_era: string | null, members: Array<ChannelMember>, };

/**
 * A channel as `Device.channels()` lists it.
 */
export type ChannelListed = { active: boolean, last_seq: number,
  /**
   * `{room}/{channel}`.
   */
  group_id: string,
  /**
   * The room.
   */
  room: RoomId,
  /**
   * `team` or `family`.
   */
  channel: ChannelName, };

/**
 * A channel member (device) as this device sees the group.
 */
export type ChannelMember = {
  /**
   * The person.
   */
  user: UserId,
  /**
   * The device.
   */
  device: DeviceId,
  /**
   * Its public signature key, base64 (compare with the registered one).
   */
  signature_key: string, };

/**
 * The channels of a room.
 */
export type ChannelName = "team" | "family";

/**
 * A room channel as the device lists it.
 */
export type ChannelRef = {
  /**
   * `{room}/{channel}`.
   */
  group_id: string,
  /**
   * The room.
   */
  room: RoomId,
  /**
   * `team` or `family`.
   */
  channel: ChannelName, };

/**
 * One line of a handover checklist.
 */
export type ChecklistItem = {
  /**
   * What to do or check: one line, 1 to [`MAX_CHECKLIST_ITEM_BYTES`] bytes.
   */
  text: string,
  /**
   * Already done when the handover was written (e.g. "medication given").
   */
  done?: boolean, };

/**
 * A device's key package, handed out once (`POST /users/{user_id}/key-packages/claim`).
 */
export type ClaimedKeyPackage = {
  /**
   * The device.
   */
  device_id: DeviceId,
  /**
   * The key package, base64.
   */
  key_package: string, };

/**
 * What to send for a commit: `POST /groups/{g}/commits` with
 * `{sender_device, commit, welcome, idempotency_key}`.
 */
export type CommitRequest = {
  /**
   * The commit, base64.
   */
  commit: string,
  /**
   * The Welcome for the devices added, base64.
   */
  welcome: string | null,
  /**
   * The epoch the commit is made from.
   */
  epoch: number,
  /**
   * Devices it adds.
   */
  added: Array<Who>,
  /**
   * Devices it removes.
   */
  removed: Array<Who>, };

/**
 * Where a commit landed.
 */
export type CommitStored = {
  /**
   * Its position in the group's log.
   */
  seq: number,
  /**
   * The group's epoch after it.
   */
  epoch: number,
  /**
   * Whether an earlier send with the same idempotency key was found instead.
   */
  duplicate: boolean, };

/**
 * Level of consciousness: fully alert, or a Japan Coma Scale score. JSON: `"alert"`
 * or `{"jcs": 10}`.
 */
export type Consciousness = "alert" | { "jcs": number };

/**
 * What kind of post this is; decides how clients render it, which typed payload
 * it carries, and what the export produces (e.g. vitals become FHIR
 * `Observation`s). An amendment is not a type of its own: it has the type of the
 * post it corrects and sets [`PostEnvelope::amendment_of`].
 */
export type ContentType = "note" | "handover" | "handover_taken" | "vitals" | "photo" | "thresholds" | "safety_answer";

/**
 * One device (browser profile, phone app, CLI) of a person: one MLS leaf.
 */
export type DeviceId = string;

/**
 * A device's public signature key. Serialises as its 32 bytes; only valid curve
 * points deserialise, so a bad key is caught when it arrives, not at first use.
 */
export type DeviceVerifyingKey = Array<number>;

/**
 * Urine and stool since the last record. At least one part must be present.
 */
export type Excretion = {
  /**
   * Times urine was passed.
   */
  urine_count?: number,
  /**
   * Times stool was passed.
   */
  stool_count?: number,
  /**
   * Colour, consistency, incontinence and the like.
   */
  notes?: string, };

/**
 * A reading worth a second look, for the UI.
 */
export type Flag = {
  /**
   * Which reading: `temperature`, `systolic`, `spo2`, …
   */
  measurement: string,
  /**
   * Why, in English.
   */
  en: string,
  /**
   * Why, in Japanese.
   */
  ja: string, };

/**
 * A channel's group.
 */
export type GroupView = {
  /**
   * The MLS group ID.
   */
  group_id: string,
  /**
   * The room.
   */
  room_id: RoomId,
  /**
   * The channel.
   */
  channel: ChannelName,
  /**
   * The epoch the server has accepted commits up to.
   */
  epoch: number, };

/**
 * The structured part of a handover post. `Debug` hides the checklist text.
 */
export type Handover = {
  /**
   * Who should take it over.
   */
  to: HandoverTarget,
  /**
   * Things to do or check, in order.
   */
  items?: Array<ChecklistItem>, };

/**
 * Who a handover is for. JSON: `{"kind": "next_visitor"}`,
 * `{"kind": "role", "role": "nurse"}`, `{"kind": "person", "user": "<uuid>"}`.
 */
export type HandoverTarget = { "kind": "next_visitor" } | { "kind": "role",
  /**
   * The profession.
   */
  role: OrgRole, } | { "kind": "person",
  /**
   * The member.
   */
  user: UserId, };

/**
 * [`HistoryPolicy`] as the UI writes it: `"full"`, `"from_now"` or
 * `{"same_as_user": "<user id>"}`.
 */
export type HistoryPolicy = "full" | "from_now" | { "same_as_user": UserId };

/**
 * What processing welcomes did.
 */
export type JoinReport = {
  /**
   * Channels joined (read their logs from the start: `last_seq` is 0).
   */
  joined: Array<ChannelRef>,
  /**
   * Welcomes that could not be used.
   */
  problems: Array<WelcomeProblem>, };

/**
 * A batch of key packages (`POST /devices/{device_id}/key-packages`).
 */
export type KeyPackageBatch = {
  /**
   * The packages.
   */
  packages: Array<KeyPackageUpload>, };

/**
 * One key package to upload.
 */
export type KeyPackageUpload = {
  /**
   * Its ID (e.g. its hash reference), unique.
   */
  id: string,
  /**
   * The serialised MLS key package, base64.
   */
  body: string,
  /**
   * Keep it for when one-time packages run out.
   */
  last_resort: boolean, };

/**
 * How many one-time packages are left.
 */
export type KeyPackagesLeft = {
  /**
   * Unused one-time packages.
   */
  left: number, };

/**
 * One entry of a channel's log, as `GET /groups/{group_id}/messages` and the
 * WebSocket send it.
 */
export type LogEntry = {
  /**
   * Its position in the log (1, 2, … without gaps).
   */
  seq: number,
  /**
   * `commit`, `proposal`, `era_key` or `post`.
   */
  kind: LogKind,
  /**
   * The sending device.
   */
  sender_device: DeviceId | null,
  /**
   * The MLS epoch it was made in (a commit: the epoch it moves from).
   */
  epoch: number,
  /**
   * The opaque bytes, base64.
   */
  body: string,
  /**
   * When the server stored it.
   */
  stored_at: Timestamp,
  /**
   * For a post: the urgency its sender exposed in clear.
   */
  urgency?: Urgency, };

/**
 * The kind of a group-log entry.
 *
 * Reading is lenient: a kind this build does not know (from a newer server) reads
 * as [`LogKind::Unknown`], so a client can skip that entry instead of failing the
 * whole page. Parsing with [`FromStr`] is strict (the server's check of what a
 * client sends).
 */
export type LogKind = "commit" | "proposal" | "era_key" | "post" | "unknown";

/**
 * How much of a meal was eaten, as care staff record it: in tenths (割, the
 * Japanese habit: `{"tenths": 7}` is 7割) or in percent (`{"percent": 70}`).
 */
export type MealIntake = { "tenths": number } | { "percent": number };

/**
 * Where a message landed.
 */
export type MessageStored = {
  /**
   * Its position in the group's log.
   */
  seq: number,
  /**
   * Whether an earlier send with the same idempotency key was found instead.
   */
  duplicate: boolean, };

/**
 * A commit for a group (`POST /groups/{group_id}/commits`).
 */
export type NewCommit = {
  /**
   * The committing device (mine).
   */
  sender_device: DeviceId,
  /**
   * The MLS commit (a public message), base64.
   */
  commit: string,
  /**
   * The MLS welcome for the devices it adds, base64 (required when it adds some).
   */
  welcome: string | null,
  /**
   * A key chosen by the client so that a retried send is stored once.
   */
  idempotency_key: string | null, };

/**
 * A channel's group to create (`POST /rooms/{room_id}/channels/{channel}/group`).
 */
export type NewGroup = {
  /**
   * The MLS group ID: must be `{room_id}/{channel}`.
   */
  group_id: string,
  /**
   * The GroupInfo (ratchet tree inside) of the new group, base64: epoch 0, the
   * caller's device its only member.
   */
  group_info: string, };

/**
 * A message for a group's log (`POST /groups/{group_id}/messages`).
 */
export type NewMessage = {
  /**
   * `era_key` or `post` (commits go to `/groups/{group_id}/commits`).
   */
  kind: LogKind,
  /**
   * The sending device (mine).
   */
  sender_device: DeviceId,
  /**
   * The MLS epoch it was made in.
   */
  epoch: number,
  /**
   * The opaque MLS message, base64.
   */
  body: string,
  /**
   * A key chosen by the client so that a retried send is stored once.
   */
  idempotency_key: string | null,
  /**
   * For a post: the urgency the sender chooses to expose so members' devices can
   * be told "urgent" without content. Omit to keep it private.
   */
  urgency?: Urgency,
  /**
   * For a post: the attachments it references (uploaded to this channel by the
   * sender and not yet posted). Only these stay; others are swept.
   */
  blobs?: Array<BlobId>, };

/**
 * How a vitals post is shown.
 */
export type NotebookAlert = {
  /**
   * Readings unusual for anyone.
   */
  unusual: Array<Flag>,
  /**
   * Readings outside the client's thresholds in force.
   */
  out_of_range: Array<Flag>,
  /**
   * Shown (and counted) as urgent whatever the author chose.
   */
  shown_as_urgent: boolean, };

/**
 * One entry of the notebook: an original post with its amendments applied.
 */
export type NotebookEntry = {
  /**
   * The original post's ID (what replies, amendments and take-overs name).
   */
  post_id: PostId,
  /**
   * What to show: the latest accepted version.
   */
  current: NotebookPost,
  /**
   * The original, then each accepted amendment.
   */
  history: Array<NotebookPost>,
  /**
   * True when at least one amendment was applied.
   */
  amended: boolean,
  /**
   * For a handover: who took it over first.
   */
  taken_over: TakenOver | null,
  /**
   * For a handover: every take-over post, first one counts.
   */
  take_overs: Array<NotebookPost>,
  /**
   * For vitals: flags and whether that makes the post urgent.
   */
  alert: NotebookAlert | null,
  /**
   * How urgently to show it.
   */
  effective_urgency: Urgency,
  /**
   * The thresholds in force where the post sits in the log.
   */
  thresholds_in_force: Thresholds | null,
  /**
   * For vitals: the current version's numeric readings, for charts.
   */
  readings: Array<Reading>, };

/**
 * One version of a post, in an entry.
 */
export type NotebookPost = {
  /**
   * Log position.
   */
  seq: number,
  /**
   * The post.
   */
  post_id: PostId,
  /**
   * Its author.
   */
  author: UserId,
  /**
   * When it was sent.
   */
  sent_at: Timestamp,
  /**
   * What it says.
   */
  envelope: PostEnvelope, };

/**
 * A post the notebook did not apply.
 */
export type NotebookRejection = {
  /**
   * The post.
   */
  post_id: PostId,
  /**
   * Why, in English.
   */
  en: string,
  /**
   * Why, in Japanese.
   */
  ja: string, };

/**
 * A channel as the care notebook.
 */
export type NotebookView = {
  /**
   * One entry per original post, in log order.
   */
  entries: Array<NotebookEntry>,
  /**
   * Posts not applied (an amendment by someone else, …), with the reason.
   */
  rejected: Array<NotebookRejection>,
  /**
   * Amendments and take-overs waiting for the post they name.
   */
  pending: Array<PostId>,
  /**
   * The thresholds in force now (for vitals forms and charts).
   */
  thresholds: Thresholds | null,
  /**
   * Handovers nobody has taken over yet.
   */
  open_handovers: Array<PostId>, };

/**
 * One officer device of a regional organisation: who, on which device, with which
 * public key. The unit of a roster, and the signer named inside every notice.
 */
export type Officer = {
  /**
   * The officer.
   */
  user: UserId,
  /**
   * The officer's device whose key signs.
   */
  device: DeviceId,
  /**
   * That device's Ed25519 public key (the MLS credential key).
   */
  key: DeviceVerifyingKey, };

/**
 * `Channel.open_room_state()`.
 */
export type OpenedRoomName = { name: string, era: string, revision: number, author_user: UserId, };

/**
 * The role a person holds in an organisation.
 */
export type OrgRole = "officer" | "broadcast_officer" | "facility_admin" | "doctor" | "nurse" | "helper" | "care_manager" | "therapist" | "pharmacist" | "other_professional";

/**
 * A facility, association or city.
 */
export type OrganisationId = string;

/**
 * What to do after a failed send.
 */
export type OutboxAction = "retry" | "resync" | "done" | "fail";

/**
 * The decision, as the browser's outbox reads it: `{action, delay_ms?}`.
 */
export type OutboxDecision = {
  /**
   * What to do.
   */
  action: OutboxAction,
  /**
   * For [`Action::Retry`]: how long to wait first, in milliseconds.
   */
  delay_ms?: number, };

/**
 * The structured part of a photo post; the body is the caption. `Debug` hides the
 * body site.
 */
export type PhotoContent = {
  /**
   * The full image.
   */
  image: AttachmentRef,
  /**
   * A small version to show in the timeline before the image is fetched.
   */
  thumbnail: AttachmentRef,
  /**
   * Image width, pixels.
   */
  width: number,
  /**
   * Image height, pixels.
   */
  height: number,
  /**
   * Thumbnail width, pixels.
   */
  thumb_width: number,
  /**
   * Thumbnail height, pixels.
   */
  thumb_height: number,
  /**
   * Where on the body, as the team names it ("sacrum", "左踵").
   */
  body_site?: string,
  /**
   * An earlier photo post of the same wound, so clients can line the photos up
   * as a series.
   */
  same_wound_as?: PostId, };

/**
 * [`PhotoOptions`] as the UI may give them; every field optional.
 */
export type PhotoOptions = { max_edge?: number, thumb_edge?: number, quality?: number, thumb_quality?: number, max_pixels?: number, };

/**
 * The plaintext of one post.
 *
 * Unknown fields are refused rather than ignored: a field an older client skipped
 * silently (say, a future "retracts") could change a post's meaning, so any change
 * of meaning bumps [`ENVELOPE_VERSION`] instead.
 */
export type PostEnvelope = {
  /**
   * Format version; [`ENVELOPE_VERSION`] for everything written by this code.
   */
  version: number,
  /**
   * What kind of post this is.
   */
  content_type: ContentType,
  /**
   * The text, as typed by the author. Patient content: never printed by `Debug`.
   */
  body: string,
  /**
   * Encrypted files this post carries.
   */
  attachments?: Array<AttachmentRef>,
  /**
   * The post this one answers.
   */
  reply_to?: PostId | null,
  /**
   * People to notify.
   */
  mentions?: Array<UserId>,
  /**
   * Set when this post corrects an earlier one. Care records are amended, never
   * edited in place: the original stays, and readers show the latest amendment.
   * Only the original's author may amend it, keeping its content type (checked by
   * [`Notebook`](crate::content::Notebook), which knows the original).
   */
  amendment_of?: PostId | null,
  /**
   * How soon the team should read this post.
   */
  urgency?: Urgency,
  /**
   * A handover's recipient and checklist ([`ContentType::Handover`] only).
   */
  handover?: Handover,
  /**
   * The handover post being taken over ([`ContentType::HandoverTaken`] only).
   */
  taken_over?: PostId,
  /**
   * Vital signs ([`ContentType::Vitals`] only).
   */
  vitals?: Vitals,
  /**
   * A photo and its thumbnail ([`ContentType::Photo`] only).
   */
  photo?: PhotoContent,
  /**
   * The client's alert thresholds ([`ContentType::Thresholds`] only).
   */
  thresholds?: Thresholds,
  /**
   * A safety-check answer ([`ContentType::SafetyAnswer`] only).
   */
  safety?: SafetyReport, };

/**
 * One post in a room channel, chosen by the author's client.
 */
export type PostId = string;

/**
 * A photo ready to seal: upright JPEG without metadata, and its thumbnail.
 */
export type PreparedPhoto = {
  /**
   * The image, JPEG.
   */
  image: Bytes,
  /**
   * The thumbnail, JPEG.
   */
  thumbnail: Bytes,
  /**
   * Image width.
   */
  width: number,
  /**
   * Image height.
   */
  height: number,
  /**
   * Thumbnail width.
   */
  thumb_width: number,
  /**
   * Thumbnail height.
   */
  thumb_height: number, };

/**
 * The values that do not alert; either end may be left open. JSON:
 * `{"min": 92}`, `{"max": 37.5}`, `{"min": 50, "max": 110}`.
 */
export type Range = {
  /**
   * Readings below this alert.
   */
  min?: number,
  /**
   * Readings above this alert.
   */
  max?: number, };

/**
 * A numeric reading of a vitals post, for charts.
 */
export type Reading = {
  /**
   * Which reading (see [`measurement_name`]).
   */
  measurement: string,
  /**
   * The value in the measurement's unit.
   */
  value: number,
  /**
   * The unit.
   */
  unit: string, };

/**
 * A post this device opened and verified.
 */
export type ReceivedPostFields = {
  /**
   * Its position in the channel's log.
   */
  seq: number,
  /**
   * The post's ID.
   */
  post_id: PostId,
  /**
   * Who wrote it (authenticated).
   */
  author_user: UserId,
  /**
   * The device that signed it.
   */
  author_device: DeviceId,
  /**
   * When the author's device sent it.
   */
  sent_at: Timestamp,
  /**
   * When the server stored it.
   */
  stored_at: Timestamp,
  /**
   * The urgency its sender exposed to the server, if any (the envelope's own
   * `urgency` is what the author chose).
   */
  exposed_urgency: Urgency | null,
  /**
   * What it says.
   */
  envelope: PostEnvelope, };

/**
 * What to change, in order: `remove` (one commit) if not empty, else the first class
 * of `add` whose devices have key packages.
 */
export type ReconcilePlan = {
  /**
   * Devices to remove in one commit.
   */
  remove: Array<DeviceId>,
  /**
   * Devices to add, one commit per class, full history first.
   */
  add: Array<AddClass>, };

/**
 * A client's team room.
 */
export type RoomId = string;

/**
 * A member of a room as `GET /rooms/{room_id}/members` lists them.
 */
export type RoomMember = {
  /**
   * Their user ID.
   */
  user_id: UserId,
  /**
   * Their name as others see it.
   */
  display_name: string,
  /**
   * Their role in the room.
   */
  role: RoomRole,
  /**
   * Whether they use the team channel.
   */
  team_access: boolean,
  /**
   * Whether they use the family channel.
   */
  family_access: boolean,
  /**
   * Their live devices (each must be in the groups of the channels they use).
   */
  devices: Array<DeviceId>,
  /**
   * A facility's break-glass (emergency) account, not a person: clients mark it
   * wherever members are shown.
   */
  emergency: boolean, };

/**
 * The role a person holds in one client's room.
 */
export type RoomRole = "owner" | "delegate" | "professional" | "family" | "volunteer";

/**
 * One version of an organisation's roster: the complete list of officer devices
 * whose keys may sign its broadcasts, from this version on.
 */
export type RosterChange = {
  /**
   * The regional organisation whose roster this is.
   */
  organisation: OrganisationId,
  /**
   * 1 for the first roster, then one more for each change.
   */
  version: number,
  /**
   * The hash of the previous version's payload; `None` exactly for version 1.
   */
  previous: RosterHash | null,
  /**
   * When the signing device made the change (shown with it; not trusted for order,
   * which the version gives).
   */
  issued_at: Timestamp,
  /**
   * Who signed the change: one of `officers` for version 1, otherwise an officer of
   * the previous version.
   */
  signed_by: Officer,
  /**
   * Every officer device of this version.
   */
  officers: Array<Officer>, };

/**
 * The SHA-256 that links a roster change to the one before it, computed over the
 * exact signed payload (with its own label). People can compare it, shown as a
 * [`fingerprint`](Self::fingerprint), with what the organisation publishes elsewhere.
 */
export type RosterHash = Array<number>;

/**
 * What reading one roster change did, as a shell reports it.
 */
export type RosterReport = { "outcome": "pinned",
  /**
   * The version pinned (1).
   */
  version: number,
  /**
   * The officer devices.
   */
  officers: Array<Officer>,
  /**
   * For people to compare out of band.
   */
  fingerprint: string, } | { "outcome": "changed",
  /**
   * The version now pinned.
   */
  version: number,
  /**
   * Who signed the change.
   */
  signed_by: Officer,
  /**
   * Officer devices added.
   */
  added: Array<Officer>,
  /**
   * Officer devices removed.
   */
  removed: Array<Officer>, } | { "outcome": "unchanged",
  /**
   * The version pinned.
   */
  version: number, } | { "outcome": "refused",
  /**
   * Why, in both languages.
   */
  error: WebError, };

/**
 * What kind of support a client answered 要支援 needs.
 */
export type SafetyNeed = "medical" | "evacuation" | "supplies" | "other";

/**
 * The structured part of a safety-check answer post; its body is the team's note
 * (may be empty). `Debug` hides the place.
 */
export type SafetyReport = {
  /**
   * The broadcast whose check this answers.
   */
  broadcast: BroadcastId,
  /**
   * How the client is.
   */
  status: SafetyStatus,
  /**
   * With 要支援 only: what kind of support.
   */
  need?: SafetyNeed,
  /**
   * With 避難済み only: where they are now (a shelter, a relative's home).
   */
  evacuated_to?: string, };

/**
 * How a client is, as their team answers a safety check.
 */
export type SafetyStatus = "safe" | "needs_support" | "unreachable" | "evacuated";

/**
 * A file sealed under a fresh key: upload `ciphertext` to
 * `PUT /rooms/{room}/channels/{channel}/blobs/{reference.blob}` and put `reference`
 * in the post (`attachments`, or a photo's `image`/`thumbnail`).
 */
export type SealedFile = {
  /**
   * What to upload.
   */
  ciphertext: Bytes,
  /**
   * The post's reference: a fresh blob ID, the key, SHA-256, MIME type and size.
   */
  reference: AttachmentRef, };

/**
 * What to send for a post, in order: `era_key` (if any) as log kind `era_key`, then
 * `post` as log kind `post` with `urgency` and `blobs`.
 */
export type SealedPost = {
  /**
   * The post's ID (use it as the idempotency key; `era-{post_id}` for the era key).
   */
  post_id: PostId,
  /**
   * The era-key message to send first, base64, if the post starts an era.
   */
  era_key: string | null,
  /**
   * The sealed post, base64.
   */
  post: string,
  /**
   * The MLS epoch to send both with.
   */
  epoch: number,
  /**
   * The urgency to expose in clear (`null` for normal: expose nothing).
   */
  urgency: Urgency | null,
  /**
   * The blobs the post references (its files, a photo's image and thumbnail).
   */
  blobs: Array<BlobId>, };

/**
 * How serious a broadcast is. Ordered from least to most serious, so lists can sort
 * by it and "at least 警戒" is a comparison.
 */
export type Severity = "info" | "caution" | "warning" | "emergency";

/**
 * A broadcast as it travels and is stored: the exact signed bytes, the signature and
 * the public key that made it, each standard base64 in JSON.
 *
 * The key is carried so the signature can be checked before anything is parsed; it
 * proves nothing by itself: the reader must find it on the organisation's pinned
 * roster (`kizuna_engine::broadcast::RosterBook::verify`).
 */
export type SignedBroadcast = {
  /**
   * The [`Broadcast`] as canonical JSON, exactly as signed.
   */
  payload: string,
  /**
   * Ed25519 signature over [`BROADCAST_LABEL`] ‖ payload (64 bytes).
   */
  signature: string,
  /**
   * The signing device's public key (32 bytes).
   */
  signer_key: string, };

/**
 * A roster change as it travels and is stored; same shape as a signed broadcast.
 */
export type SignedRosterChange = {
  /**
   * The [`RosterChange`] as canonical JSON, exactly as signed.
   */
  payload: string,
  /**
   * Ed25519 signature over [`ROSTER_LABEL`] ‖ payload (64 bytes).
   */
  signature: string,
  /**
   * The signing device's public key (32 bytes).
   */
  signer_key: string, };

/**
 * How a shell shows one notice.
 */
export type Standing = "official" | "expired" | "unverified";

/**
 * `Channel.start_era()`.
 */
export type StartedEra = {
  /**
   * Base64, as the server's log takes it.
   */
  era_key: string | null, epoch: number, };

/**
 * Who took a handover over.
 */
export type TakenOver = {
  /**
   * Who.
   */
  by: UserId,
  /**
   * When.
   */
  at: Timestamp, };

/**
 * The alert thresholds the team set for one client. Every threshold is optional.
 * `Debug` shows which thresholds are set, never their values.
 */
export type Thresholds = {
  /**
   * Body temperature, °C.
   */
  temperature_c?: Range,
  /**
   * Systolic blood pressure, mmHg.
   */
  systolic_mmhg?: Range,
  /**
   * Diastolic blood pressure, mmHg.
   */
  diastolic_mmhg?: Range,
  /**
   * Pulse, beats per minute.
   */
  pulse_per_min?: Range,
  /**
   * SpO2, % (usually a minimum only).
   */
  spo2_percent?: Range,
  /**
   * Breaths per minute.
   */
  respiratory_rate_per_min?: Range,
  /**
   * Blood glucose, mg/dL.
   */
  blood_glucose_mg_dl?: Range,
  /**
   * Body weight, kg (e.g. a maximum for a client with heart failure).
   */
  weight_kg?: Range, };

/**
 * A point in time, milliseconds since the Unix epoch (UTC).
 */
export type Timestamp = number;

/**
 * How soon a post needs attention. The sender may expose it in clear (it is the
 * only thing about a post's content the server learns) so notifications can say
 * "urgent" without saying what.
 */
export type Urgency = "normal" | "soon" | "urgent";

/**
 * One person. One ID per person, never shared.
 */
export type UserId = string;

/**
 * What [`validate_envelope`] found.
 */
export type Validation = {
  /**
   * Always true.
   */
  ok: true,
  /**
   * Readings that are possible but unusual (show them before sending).
   */
  unusual: Array<Flag>,
  /**
   * Readings outside the client's thresholds.
   */
  out_of_range: Array<Flag>,
  /**
   * The urgency [`crate::SealedPost::urgency`] will expose.
   */
  urgency: Urgency | null, } | {
  /**
   * Always false.
   */
  ok: false,
  /**
   * Stable snake_case code, e.g. `pending_commit` or `attachment_damaged`.
   */
  code: string,
  /**
   * What happened and what to do, in English.
   */
  en: string,
  /**
   * The same, in Japanese.
   */
  ja: string,
  /**
   * For a post that breaks a rule: the field at fault (`temperature_c`, `body`, …).
   */
  field?: string, };

/**
 * The readings of one visit or one moment. Every reading is optional, but at least
 * one must be present. `Debug` shows which readings are present, never their values.
 */
export type Vitals = {
  /**
   * When the readings were taken (may be well before the post was sent, e.g. a
   * post written after the visit).
   */
  measured_at: Timestamp,
  /**
   * Body temperature, °C.
   */
  temperature_c?: number,
  /**
   * Blood pressure, both values together.
   */
  blood_pressure?: BloodPressure,
  /**
   * Pulse, beats per minute.
   */
  pulse_per_min?: number,
  /**
   * Oxygen saturation by pulse oximeter, %.
   */
  spo2_percent?: number,
  /**
   * Breaths per minute.
   */
  respiratory_rate_per_min?: number,
  /**
   * Body weight, kg.
   */
  weight_kg?: number,
  /**
   * Blood glucose, mg/dL.
   */
  blood_glucose_mg_dl?: number,
  /**
   * How much of the meal was eaten.
   */
  meal_intake?: MealIntake,
  /**
   * Fluid drunk since the last record, mL.
   */
  fluid_intake_ml?: number,
  /**
   * Urine and stool since the last record.
   */
  excretion?: Excretion,
  /**
   * Pain on the 0 (none) to 10 (worst imaginable) numeric rating scale.
   */
  pain_0_10?: number,
  /**
   * Level of consciousness.
   */
  consciousness?: Consciousness,
  /**
   * How the readings were taken ("after bathing", "left arm"); exported with them
   * (FHIR `Observation.note`). The post's body is for everything else.
   */
  remarks?: string, };

/**
 * What went wrong, for people and for the UI's logic.
 */
export type WebError = {
  /**
   * Stable snake_case code, e.g. `pending_commit` or `attachment_damaged`.
   */
  code: string,
  /**
   * What happened and what to do, in English.
   */
  en: string,
  /**
   * The same, in Japanese.
   */
  ja: string,
  /**
   * For a post that breaks a rule: the field at fault (`temperature_c`, `body`, …).
   */
  field?: string, };

/**
 * A welcome that could not be used.
 */
export type WelcomeProblem = {
  /**
   * The group it named.
   */
  group_id: string,
  /**
   * Stable snake_case code, e.g. `pending_commit` or `attachment_damaged`.
   */
  code: string,
  /**
   * What happened and what to do, in English.
   */
  en: string,
  /**
   * The same, in Japanese.
   */
  ja: string,
  /**
   * For a post that breaks a rule: the field at fault (`temperature_c`, `body`, …).
   */
  field?: string, };

/**
 * A welcome waiting for a device (`GET /devices/{device_id}/welcomes`).
 */
export type WelcomeView = {
  /**
   * The group it lets the device join, `{room_id}/{channel}`.
   */
  group_id: string,
  /**
   * The MLS welcome, base64.
   */
  welcome: string, };

/**
 * A person and one of their devices.
 */
export type Who = {
  /**
   * The person.
   */
  user: UserId,
  /**
   * Their device.
   */
  device: DeviceId, };

// Written by hand in client-web/src/types.rs: no Rust type of its own.
/** A `post` event of `Channel.ingest`: a post this device opened and verified, as the UI keeps it. */
export type ReceivedPost = Extract<ChannelEvent, { type: "post" }>;
