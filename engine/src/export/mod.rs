//! A client's record as files the care team keeps: decrypted on the device only, so
//! nothing here touches the network. Both clients call [`export`] (the CLI's
//! `kizuna export`, the browser's download buttons) with one [`ExportInput`]:
//!
//! * [`Format::Json`]: the whole record in Kizuna's own versioned schema
//!   (`docs/export-schema.md`, `docs/export.schema.json`): every entry with its
//!   correction history, handovers and who took them over, photos (as file names),
//!   members, read positions.
//! * [`Format::Csv`]: the vital signs, one row per vitals post, for a spreadsheet
//!   (UTF-8 with BOM, headers in Japanese and English).
//! * [`Format::Fhir`]: a FHIR R4 `Bundle` of type `collection` (Patient, CareTeam,
//!   Practitioner/RelatedPerson, Communication, Observation, Media, Provenance).
//!
//! The channels' posts go through the same [`Notebook`] the notebook screen uses, so
//! an export shows exactly what the team sees: corrections applied (history kept),
//! corrections that broke a rule listed as not applied.
//!
//! Photos are written by the caller beside the export, at [`media_file`] (the
//! exports refer to them by that relative path); this module never sees their bytes.

mod csv;
mod fhir;
mod json;
#[cfg(test)]
mod tests;

use kizuna_crypto::content::{Entry, Notebook, NotebookPost};
use kizuna_crypto::{ContentType, PostEnvelope};
use kizuna_proto::{Channel, PostId, RoomId, RoomRole, Timestamp, UserId};
use serde::Deserialize;

use crate::error::EngineError;

/// The version of the JSON record's schema ([`Format::Json`]); bumped on any change
/// a reader could notice.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON record's `format` field.
pub const SCHEMA_NAME: &str = "kizuna-export";

/// Japan (+09:00): the default offset of the CSV's local times.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 9 * 60;

/// Which file to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The whole record, Kizuna's schema (`record.json`).
    Json,
    /// Vital signs for spreadsheets (`vitals.csv`).
    Csv,
    /// A FHIR R4 collection Bundle (`fhir.json`).
    Fhir,
}

impl std::str::FromStr for Format {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "fhir" => Ok(Format::Fhir),
            other => Err(EngineError::new(
                "invalid_input",
                format!("Unknown export format {other:?}: use json, csv or fhir."),
                format!(
                    "書き出し形式 {other:?} はありません。json、csv、fhir のいずれかを指定してください。"
                ),
            )),
        }
    }
}

impl Format {
    /// The file name the all-rooms export gives this format.
    pub const fn file_name(self) -> &'static str {
        match self {
            Format::Json => "record.json",
            Format::Csv => "vitals.csv",
            Format::Fhir => "fhir.json",
        }
    }

    /// The MIME type of the file.
    pub const fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Fhir => "application/fhir+json",
        }
    }
}

/// What to export: one room as this device decrypted it. JSON, built by the client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportInput {
    /// The room.
    pub room_id: RoomId,
    /// The client's name (the room's sealed name).
    pub client_name: String,
    /// Start of the range, inclusive (none: from the beginning).
    #[serde(default)]
    pub from: Option<Timestamp>,
    /// End of the range, exclusive (none: up to now).
    #[serde(default)]
    pub to: Option<Timestamp>,
    /// When the export is made (the caller's clock).
    pub exported_at: Timestamp,
    /// Who makes it.
    #[serde(default)]
    pub exported_by: Option<UserId>,
    /// The offset of the CSV's local times from UTC, in minutes (default +09:00).
    #[serde(default = "default_offset")]
    pub utc_offset_minutes: i32,
    /// The room's members (other fields of the server's member list are ignored).
    #[serde(default)]
    pub members: Vec<MemberIn>,
    /// Each channel this device reads, with its posts.
    pub channels: Vec<ChannelIn>,
}

fn default_offset() -> i32 {
    DEFAULT_UTC_OFFSET_MINUTES
}

/// A member of the room.
#[derive(Debug, Clone, Deserialize)]
pub struct MemberIn {
    /// Who.
    pub user_id: UserId,
    /// Their name.
    #[serde(default)]
    pub display_name: String,
    /// Their role in the room.
    pub role: RoomRole,
}

/// One channel's decrypted posts and, if known, how far each member has read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelIn {
    /// Which channel.
    pub channel: Channel,
    /// Its posts: `post` events of either client (any order; other fields ignored).
    pub posts: Vec<PostIn>,
    /// Read positions (`GET /groups/{group}/reads`), if the client has them.
    #[serde(default)]
    pub reads: Vec<ReadIn>,
}

/// One decrypted post.
#[derive(Debug, Clone, Deserialize)]
pub struct PostIn {
    /// Log position.
    pub seq: i64,
    /// The post (`post` in the native client's posts).
    #[serde(alias = "post")]
    pub post_id: PostId,
    /// Its author.
    pub author_user: UserId,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// What it says.
    pub envelope: PostEnvelope,
}

/// How far one member has read a channel.
#[derive(Debug, Clone, Deserialize)]
pub struct ReadIn {
    /// Who.
    pub user_id: UserId,
    /// The last log position they read (0: nothing yet).
    pub seq: i64,
    /// When.
    #[serde(default)]
    pub read_at: Option<Timestamp>,
}

/// Builds one export file from `input_json` ([`ExportInput`]).
pub fn export(input_json: &str, format: Format) -> Result<String, EngineError> {
    let input: ExportInput = crate::codec::from_json("export input", input_json)?;
    export_input(&input, format)
}

/// Builds one export file from an [`ExportInput`].
pub fn export_input(input: &ExportInput, format: Format) -> Result<String, EngineError> {
    if !(-24 * 60..=24 * 60).contains(&input.utc_offset_minutes) {
        return Err(EngineError::invalid_input(
            "utc_offset_minutes",
            input.utc_offset_minutes,
        ));
    }
    if let (Some(from), Some(to)) = (input.from, input.to) {
        if from >= to {
            return Err(EngineError::new(
                "invalid_input",
                "The export's start date is not before its end date: swap or correct them.",
                "書き出し期間の開始日が終了日より後になっています。期間を直してください。",
            ));
        }
    }
    let notebooks: Vec<(Channel, Notebook)> = input
        .channels
        .iter()
        .map(|c| (c.channel, notebook_of(&c.posts)))
        .collect();
    let record = Record::new(input, &notebooks);
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&json::record(&record)),
        Format::Fhir => serde_json::to_string_pretty(&fhir::bundle(&record)),
        Format::Csv => return Ok(csv::vitals(&record)),
    };
    text.map_err(|e| EngineError::invalid_input("export", e))
}

/// Where a photo post's image goes, relative to the export: `media/<post>.jpg`.
pub fn media_file(post: PostId) -> String {
    format!("media/{post}.jpg")
}

fn notebook_of(posts: &[PostIn]) -> Notebook {
    let mut notebook = Notebook::new();
    for p in posts {
        notebook.add(NotebookPost {
            seq: p.seq,
            post: p.post_id,
            author: p.author_user,
            sent_at: p.sent_at,
            envelope: p.envelope.clone(),
        });
    }
    notebook
}

/// The room prepared once for the three builders: entries in the range, sorted by
/// time, with the members to name their authors.
pub(crate) struct Record<'a> {
    pub input: &'a ExportInput,
    /// Entries in range, by time then channel order then log order.
    pub entries: Vec<(Channel, Entry<'a>)>,
    /// Posts the notebook did not apply, per channel.
    pub rejected: Vec<(Channel, PostId, kizuna_crypto::content::Rejection)>,
}

impl<'a> Record<'a> {
    fn new(input: &'a ExportInput, notebooks: &'a [(Channel, Notebook)]) -> Self {
        let mut entries = Vec::new();
        let mut rejected = Vec::new();
        for (channel, notebook) in notebooks {
            for entry in notebook.entries() {
                if input.in_range(entry_time(&entry)) {
                    entries.push((*channel, entry));
                }
            }
            for (post, why) in notebook.rejected() {
                rejected.push((*channel, post, why));
            }
        }
        entries.sort_by_key(|(channel, e)| (entry_time(e), *channel == Channel::Family, e.original.seq));
        Self {
            input,
            entries,
            rejected,
        }
    }

    /// A member by user ID, if still in the room.
    pub fn member(&self, user: UserId) -> Option<&'a MemberIn> {
        self.input.members.iter().find(|m| m.user_id == user)
    }

    /// A person's name, or their ID when they are no longer a member.
    pub fn name(&self, user: UserId) -> String {
        self.member(user)
            .map(|m| m.display_name.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| user.to_string())
    }

    /// Members who have read `channel` up to `seq` or further.
    pub fn read_by(&self, channel: Channel, seq: i64) -> Vec<UserId> {
        self.input
            .channels
            .iter()
            .filter(|c| c.channel == channel)
            .flat_map(|c| c.reads.iter())
            .filter(|r| r.seq >= seq)
            .map(|r| r.user_id)
            .collect()
    }
}

impl ExportInput {
    fn in_range(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

/// The time an entry is filed under (and the range is checked against): when its
/// vital signs were measured (as corrected), else when it was first posted.
pub(crate) fn entry_time(entry: &Entry<'_>) -> Timestamp {
    match (
        &entry.original.envelope.content_type,
        &entry.current.envelope.vitals,
    ) {
        (ContentType::Vitals, Some(vitals)) => vitals.measured_at,
        _ => entry.original.sent_at,
    }
}

/// `at` as RFC 3339 at `offset_minutes` from UTC, e.g. `2026-11-26T04:10:00+09:00`.
pub(crate) fn local_time(at: Timestamp, offset_minutes: i32) -> String {
    if offset_minutes == 0 {
        return at.to_rfc3339();
    }
    let shifted = Timestamp(at.0.saturating_add(i64::from(offset_minutes) * 60_000));
    let utc = shifted.to_rfc3339();
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let abs = offset_minutes.unsigned_abs();
    format!(
        "{}{sign}{:02}:{:02}",
        utc.trim_end_matches('Z'),
        abs / 60,
        abs % 60
    )
}

/// A stable UUID for a resource derived from another ID (a post's, a room's, a
/// user's): that UUID mixed with a fixed key per `kind`, as a UUIDv8. The same input
/// always gives the same ID, different kinds never collide in practice, and the
/// original ID cannot be mistaken for the derived one.
pub(crate) fn derived_uuid(base: &uuid::Uuid, kind: &str) -> uuid::Uuid {
    let mut key = [0u8; 16];
    let mut state = kind.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    for chunk in key.chunks_mut(8) {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_be_bytes());
    }
    let mut bytes = *base.as_bytes();
    for (b, k) in bytes.iter_mut().zip(key) {
        *b ^= k;
    }
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// A room role in both languages, for people.
pub(crate) fn role_names(role: RoomRole) -> (&'static str, &'static str) {
    match role {
        RoomRole::Owner => ("作成者", "owner"),
        RoomRole::Delegate => ("代理", "delegate"),
        RoomRole::Professional => ("専門職", "professional"),
        RoomRole::Family => ("家族", "family"),
        RoomRole::Volunteer => ("民生委員", "volunteer"),
    }
}
