//! The care notebook's helpers, in plain Rust: photos prepared on the device, files
//! sealed and opened, envelopes checked before sending, and a channel's posts shown
//! as the notebook. All the rules are `kizuna_crypto`'s; this only shapes the results
//! for the UI.

use kizuna_crypto::attachment::{self, AttachmentKey, AttachmentOpener};
use kizuna_crypto::content::{
    Entry, Flag, Measurement, Notebook, NotebookPost, Reading, Rejection, Thresholds, VitalsAlert,
};
use kizuna_crypto::photo::{self, PhotoOptions};
use kizuna_crypto::proto::{BlobId, PostId, Timestamp, Urgency, UserId};
use kizuna_crypto::{AttachmentRef, PostEnvelope, Random};
use serde::{Deserialize, Serialize};

use crate::codec::Bytes;
use crate::error::EngineError;

/// [`PhotoOptions`] as the UI may give them; every field optional.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "PhotoOptions", optional_fields))]
#[serde(deny_unknown_fields)]
pub struct PhotoOptionsIn {
    max_edge: Option<u32>,
    thumb_edge: Option<u32>,
    quality: Option<u8>,
    thumb_quality: Option<u8>,
    max_pixels: Option<u64>,
}

impl From<PhotoOptionsIn> for PhotoOptions {
    fn from(o: PhotoOptionsIn) -> Self {
        let d = PhotoOptions::default();
        Self {
            max_edge: o.max_edge.unwrap_or(d.max_edge),
            thumb_edge: o.thumb_edge.unwrap_or(d.thumb_edge),
            quality: o.quality.unwrap_or(d.quality),
            thumb_quality: o.thumb_quality.unwrap_or(d.thumb_quality),
            max_pixels: o.max_pixels.unwrap_or(d.max_pixels),
        }
    }
}

/// A photo ready to seal: upright JPEG without metadata, and its thumbnail.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PreparedPhoto {
    /// The image, JPEG.
    pub image: Bytes,
    /// The thumbnail, JPEG.
    pub thumbnail: Bytes,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Thumbnail width.
    pub thumb_width: u32,
    /// Thumbnail height.
    pub thumb_height: u32,
}

/// Prepares a photo on the device (see `kizuna_crypto::photo`).
pub fn prepare_photo(bytes: &[u8], options: PhotoOptionsIn) -> Result<PreparedPhoto, EngineError> {
    let p = photo::prepare_photo(bytes, &options.into())?;
    Ok(PreparedPhoto {
        width: p.width,
        height: p.height,
        thumb_width: p.thumb_width,
        thumb_height: p.thumb_height,
        image: Bytes(p.image),
        thumbnail: Bytes(p.thumbnail),
    })
}

/// A file sealed under a fresh key: upload `ciphertext` to
/// `PUT /rooms/{room}/channels/{channel}/blobs/{reference.blob}` and put `reference`
/// in the post (`attachments`, or a photo's `image`/`thumbnail`).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SealedFile {
    /// What to upload.
    pub ciphertext: Bytes,
    /// The post's reference: a fresh blob ID, the key, SHA-256, MIME type and size.
    pub reference: AttachmentRef,
}

/// Seals a file held in memory under a fresh key, with a fresh blob ID.
pub fn seal_attachment(
    plaintext: &[u8],
    mime: &str,
    rng: &mut dyn Random,
) -> Result<SealedFile, EngineError> {
    if mime.is_empty() || mime.len() > 127 || !mime.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(EngineError::invalid_input("MIME type", format!("{mime:?}")));
    }
    let sealed = attachment::seal_all(plaintext, rng)?;
    let mut id = [0u8; 16];
    rng.fill(&mut id);
    Ok(SealedFile {
        reference: AttachmentRef {
            blob: BlobId::from_uuid(uuid::Builder::from_random_bytes(id).into_uuid()),
            key: *sealed.key.as_bytes(),
            sha256: sealed.sealed.sha256_of_plaintext,
            mime: mime.to_owned(),
            size: sealed.sealed.plaintext_len,
        },
        ciphertext: Bytes(sealed.ciphertext),
    })
}

/// Opens a downloaded file and checks it is the one `reference` describes (size and
/// SHA-256). A damaged, cut-off, swapped or altered file is an error, never bytes.
pub fn open_attachment(ciphertext: &[u8], reference: &AttachmentRef) -> Result<Vec<u8>, EngineError> {
    let key = AttachmentKey::from_bytes(reference.key);
    let mut opener = AttachmentOpener::with_limit(&key, reference.size);
    let mut plaintext = opener.push(ciphertext)?;
    plaintext.extend(opener.finish(&reference.sha256, reference.size)?);
    Ok(plaintext)
}

/// A reading worth a second look, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Flag"))]
pub struct FlagOut {
    /// Which reading: `temperature`, `systolic`, `spo2`, …
    pub measurement: &'static str,
    /// Why, in English.
    pub en: String,
    /// Why, in Japanese.
    pub ja: String,
}

fn flags(list: &[Flag]) -> Vec<FlagOut> {
    list.iter()
        .map(|f| FlagOut {
            measurement: measurement_name(f.measurement),
            en: f.en.clone(),
            ja: f.ja.clone(),
        })
        .collect()
}

/// A stable snake_case name per measurement (the UI's keys for labels and charts).
pub fn measurement_name(m: Measurement) -> &'static str {
    match m {
        Measurement::Temperature => "temperature",
        Measurement::Systolic => "systolic",
        Measurement::Diastolic => "diastolic",
        Measurement::Pulse => "pulse",
        Measurement::Spo2 => "spo2",
        Measurement::RespiratoryRate => "respiratory_rate",
        Measurement::Weight => "weight",
        Measurement::BloodGlucose => "blood_glucose",
        Measurement::MealIntake => "meal_intake",
        Measurement::FluidIntake => "fluid_intake",
        Measurement::Excretion => "excretion",
        Measurement::Pain => "pain",
        Measurement::Consciousness => "consciousness",
    }
}

/// What [`validate_envelope`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum Validation {
    /// The post may be sent.
    Valid {
        /// Always true.
        #[cfg_attr(feature = "ts", ts(type = "true"))]
        ok: bool,
        /// Readings that are possible but unusual (show them before sending).
        unusual: Vec<FlagOut>,
        /// Readings outside the client's thresholds.
        out_of_range: Vec<FlagOut>,
        /// The urgency [`crate::SealedPost::urgency`] will expose.
        urgency: Option<Urgency>,
    },
    /// The post breaks a rule: nothing may be sent.
    Invalid {
        /// Always false.
        #[cfg_attr(feature = "ts", ts(type = "false"))]
        ok: bool,
        /// Why, with the field at fault.
        #[serde(flatten)]
        error: EngineError,
    },
}

/// Checks a post before it is sent, exactly as receivers will (`PostEnvelope`'s
/// rules: payload matching the content type, impossible vital signs naming the
/// field, limits), so a form can point at the field. `thresholds_json` are the
/// client's thresholds in force, if any.
pub fn validate_envelope(json: &str, thresholds_json: Option<&str>) -> Validation {
    let invalid = |error| Validation::Invalid { ok: false, error };
    let envelope: PostEnvelope = match serde_json::from_str(json) {
        Ok(envelope) => envelope,
        Err(e) => return invalid(kizuna_crypto::EnvelopeError::Malformed(e.to_string()).into()),
    };
    let thresholds = match thresholds_json.map(parse_thresholds).transpose() {
        Ok(thresholds) => thresholds,
        Err(error) => return invalid(error),
    };
    // Any ID but one the post refers to: the check is that it refers to no post as itself.
    let id = PostId::from_uuid(uuid::Uuid::from_u128(u128::MAX));
    if let Err(e) = envelope.validate(id) {
        return invalid(e.into());
    }
    let alert = envelope
        .vitals
        .as_ref()
        .map(|v| v.alert(thresholds.as_ref()))
        .unwrap_or_default();
    Validation::Valid {
        ok: true,
        unusual: flags(&alert.unusual),
        out_of_range: flags(&alert.out_of_range),
        urgency: envelope.exposed_urgency(thresholds.as_ref()),
    }
}

/// The client's thresholds from their JSON (a `thresholds` post's payload), checked.
pub fn parse_thresholds(json: &str) -> Result<Thresholds, EngineError> {
    let thresholds: Thresholds = crate::codec::from_json("thresholds", json)?;
    thresholds
        .validate()
        .map_err(|e| EngineError::from(kizuna_crypto::EnvelopeError::Thresholds(e)))?;
    Ok(thresholds)
}

/// A post as the notebook takes it: a `post` event from `ingest` (other fields of the
/// event are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct PostIn {
    seq: i64,
    post_id: PostId,
    author_user: UserId,
    sent_at: Timestamp,
    envelope: PostEnvelope,
}

/// One version of a post, in an entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NotebookPost"))]
pub struct PostOut {
    /// Log position.
    pub seq: i64,
    /// The post.
    pub post_id: PostId,
    /// Its author.
    pub author: UserId,
    /// When it was sent.
    pub sent_at: Timestamp,
    /// What it says.
    pub envelope: PostEnvelope,
}

impl From<&NotebookPost> for PostOut {
    fn from(p: &NotebookPost) -> Self {
        Self {
            seq: p.seq,
            post_id: p.post,
            author: p.author,
            sent_at: p.sent_at,
            envelope: p.envelope.clone(),
        }
    }
}

/// Who took a handover over.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TakenOver {
    /// Who.
    pub by: UserId,
    /// When.
    pub at: Timestamp,
}

/// How a vitals post is shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NotebookAlert"))]
pub struct AlertOut {
    /// Readings unusual for anyone.
    pub unusual: Vec<FlagOut>,
    /// Readings outside the client's thresholds in force.
    pub out_of_range: Vec<FlagOut>,
    /// Shown (and counted) as urgent whatever the author chose.
    pub shown_as_urgent: bool,
}

impl From<&VitalsAlert> for AlertOut {
    fn from(a: &VitalsAlert) -> Self {
        Self {
            unusual: flags(&a.unusual),
            out_of_range: flags(&a.out_of_range),
            shown_as_urgent: a.shown_as_urgent,
        }
    }
}

/// A numeric reading of a vitals post, for charts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Reading"))]
pub struct ReadingOut {
    /// Which reading (see [`measurement_name`]).
    pub measurement: &'static str,
    /// The value in the measurement's unit.
    pub value: f64,
    /// The unit.
    pub unit: &'static str,
}

/// One entry of the notebook: an original post with its amendments applied.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NotebookEntry"))]
pub struct EntryOut {
    /// The original post's ID (what replies, amendments and take-overs name).
    pub post_id: PostId,
    /// What to show: the latest accepted version.
    pub current: PostOut,
    /// The original, then each accepted amendment.
    pub history: Vec<PostOut>,
    /// True when at least one amendment was applied.
    pub amended: bool,
    /// For a handover: who took it over first.
    pub taken_over: Option<TakenOver>,
    /// For a handover: every take-over post, first one counts.
    pub take_overs: Vec<PostOut>,
    /// For vitals: flags and whether that makes the post urgent.
    pub alert: Option<AlertOut>,
    /// How urgently to show it.
    pub effective_urgency: Urgency,
    /// The thresholds in force where the post sits in the log.
    pub thresholds_in_force: Option<Thresholds>,
    /// For vitals: the current version's numeric readings, for charts.
    pub readings: Vec<ReadingOut>,
}

impl From<&Entry<'_>> for EntryOut {
    fn from(e: &Entry<'_>) -> Self {
        let readings = e
            .current
            .envelope
            .vitals
            .as_ref()
            .map(|v| {
                v.measurements()
                    .into_iter()
                    .filter_map(|(m, r)| match r {
                        Reading::Quantity(value) => Some(ReadingOut {
                            measurement: measurement_name(m),
                            value,
                            unit: m.unit(),
                        }),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            post_id: e.original.post,
            current: e.current.into(),
            history: e.history.iter().map(|p| (*p).into()).collect(),
            amended: e.is_amended(),
            taken_over: e.taken_over.map(|(by, at)| TakenOver { by, at }),
            take_overs: e.take_overs.iter().map(|p| (*p).into()).collect(),
            alert: e.alert.as_ref().map(Into::into),
            effective_urgency: e.effective_urgency(),
            thresholds_in_force: e.thresholds_in_force.cloned(),
            readings,
        }
    }
}

/// A post the notebook did not apply.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NotebookRejection"))]
pub struct RejectedOut {
    /// The post.
    pub post_id: PostId,
    /// Why, in English.
    pub en: String,
    /// Why, in Japanese.
    pub ja: String,
}

/// A channel as the care notebook.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "NotebookView"))]
pub struct NotebookOut {
    /// One entry per original post, in log order.
    pub entries: Vec<EntryOut>,
    /// Posts not applied (an amendment by someone else, …), with the reason.
    pub rejected: Vec<RejectedOut>,
    /// Amendments and take-overs waiting for the post they name.
    pub pending: Vec<PostId>,
    /// The thresholds in force now (for vitals forms and charts).
    pub thresholds: Option<Thresholds>,
    /// Handovers nobody has taken over yet.
    pub open_handovers: Vec<PostId>,
}

/// The notebook of one channel from its posts (`post` events, any order).
pub fn notebook(posts_json: &str) -> Result<NotebookOut, EngineError> {
    let posts: Vec<PostIn> = crate::codec::from_json("posts", posts_json)?;
    let mut notebook = Notebook::new();
    for p in posts {
        notebook.add(NotebookPost {
            seq: p.seq,
            post: p.post_id,
            author: p.author_user,
            sent_at: p.sent_at,
            envelope: p.envelope,
        });
    }
    Ok(NotebookOut {
        entries: notebook.entries().iter().map(Into::into).collect(),
        rejected: notebook
            .rejected()
            .into_iter()
            .map(|(post_id, why): (PostId, Rejection)| RejectedOut {
                post_id,
                en: why.to_string(),
                ja: why.ja(),
            })
            .collect(),
        pending: notebook.pending(),
        thresholds: notebook.thresholds().cloned(),
        open_handovers: notebook
            .open_handovers()
            .iter()
            .map(|e| e.original.post)
            .collect(),
    })
}

#[cfg(test)]
#[path = "care_tests.rs"]
mod tests;
