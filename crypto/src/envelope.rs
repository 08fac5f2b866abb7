//! The post envelope: what a post says, before encryption.
//!
//! A versioned, typed JSON document. JSON because the browser client, the FHIR export
//! and future readers can all read it, and because posts must stay readable for
//! years: a self-describing format ages better than a positional one. The envelope is
//! never seen by the server; it travels only inside the AEAD ciphertext.
//!
//! Besides free text, a post carries at most one typed payload matching its
//! [`ContentType`] (a handover's checklist, vital signs, a photo, …); the payload
//! types live in [`content`](crate::content).

use std::fmt;

use kizuna_proto::{BlobId, PostId, UserId};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::content::{Handover, PhotoContent, SafetyReport, Thresholds, Vitals, VitalsError};

/// The envelope version this code writes and the only one it reads.
pub const ENVELOPE_VERSION: u16 = 1;
/// Longest body, in UTF-8 bytes: a long handover note, not a document store.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most attachments one post may reference.
pub const MAX_ATTACHMENTS: usize = 20;
/// Most people one post may mention.
pub const MAX_MENTIONS: usize = 50;
/// Longest MIME type, in bytes (RFC 6838 allows 127 per part; one part is plenty here).
pub const MAX_MIME_BYTES: usize = 127;
/// Largest encoded envelope. JSON may escape a control character in the body as six
/// bytes, so this leaves room for a worst-case body plus every other field.
pub const MAX_ENVELOPE_BYTES: usize = 512 * 1024;

/// What kind of post this is; decides how clients render it, which typed payload
/// it carries, and what the export produces (e.g. vitals become FHIR
/// `Observation`s). An amendment is not a type of its own: it has the type of the
/// post it corrects and sets [`PostEnvelope::amendment_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    /// Free text.
    Note,
    /// A shift or visit handover (申し送り); payload [`PostEnvelope::handover`].
    Handover,
    /// Someone took over a handover; payload [`PostEnvelope::taken_over`].
    HandoverTaken,
    /// Vital signs; payload [`PostEnvelope::vitals`].
    Vitals,
    /// A photo with its thumbnail; payload [`PostEnvelope::photo`].
    Photo,
    /// The client's alert thresholds, set by the team; payload
    /// [`PostEnvelope::thresholds`].
    Thresholds,
    /// The team's answer to a regional safety check (安否確認); payload
    /// [`PostEnvelope::safety`].
    SafetyAnswer,
}

impl ContentType {
    /// The stable snake_case name used in the JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            ContentType::Note => "note",
            ContentType::Handover => "handover",
            ContentType::HandoverTaken => "handover_taken",
            ContentType::Vitals => "vitals",
            ContentType::Photo => "photo",
            ContentType::Thresholds => "thresholds",
            ContentType::SafetyAnswer => "safety_answer",
        }
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How soon the team should read a post (normal / soon / urgent). Clients sort and
/// highlight by it, and ask "who has not read this urgent post yet". A vitals post
/// outside the client's thresholds is shown as urgent whatever its author chose
/// ([`Entry::effective_urgency`](crate::content::Entry::effective_urgency)). The same
/// type the server knows, because a sender may expose it in clear for notifications.
pub use kizuna_proto::Urgency;

/// A reference to an encrypted attachment in the blob store: where it is, how to
/// decrypt it and how to check it. The key never appears in `Debug` output and is
/// wiped when the reference is dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// Where the ciphertext is stored.
    pub blob: BlobId,
    /// The attachment's own random key (one per file, so sharing a post shares only
    /// its files).
    pub key: [u8; 32],
    /// SHA-256 of the plaintext, checked after decryption.
    pub sha256: [u8; 32],
    /// MIME type of the plaintext, e.g. `image/jpeg`.
    pub mime: String,
    /// Plaintext size in bytes, so clients can show it and refuse oversized downloads.
    pub size: u64,
}

impl Drop for AttachmentRef {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl fmt::Debug for AttachmentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentRef")
            .field("blob", &self.blob)
            .field("key", &format_args!("***"))
            .field("mime", &self.mime)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// The plaintext of one post.
///
/// Unknown fields are refused rather than ignored: a field an older client skipped
/// silently (say, a future "retracts") could change a post's meaning, so any change
/// of meaning bumps [`ENVELOPE_VERSION`] instead.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
// The UI writes envelopes as well as reading them: in TypeScript, a field serde fills
// in when it is missing (`default`) is optional, though it is always written out.
#[serde(deny_unknown_fields)]
pub struct PostEnvelope {
    /// Format version; [`ENVELOPE_VERSION`] for everything written by this code.
    pub version: u16,
    /// What kind of post this is.
    pub content_type: ContentType,
    /// The text, as typed by the author. Patient content: never printed by `Debug`.
    pub body: String,
    /// Encrypted files this post carries.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub attachments: Vec<AttachmentRef>,
    /// The post this one answers.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub reply_to: Option<PostId>,
    /// People to notify.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub mentions: Vec<UserId>,
    /// Set when this post corrects an earlier one. Care records are amended, never
    /// edited in place: the original stays, and readers show the latest amendment.
    /// Only the original's author may amend it, keeping its content type (checked by
    /// [`Notebook`](crate::content::Notebook), which knows the original).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub amendment_of: Option<PostId>,
    /// How soon the team should read this post.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub urgency: Urgency,
    // The payloads are boxed: most posts are notes, and an envelope carrying every
    // payload inline would be several times larger wherever posts are held or moved.
    /// A handover's recipient and checklist ([`ContentType::Handover`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub handover: Option<Box<Handover>>,
    /// The handover post being taken over ([`ContentType::HandoverTaken`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub taken_over: Option<PostId>,
    /// Vital signs ([`ContentType::Vitals`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub vitals: Option<Box<Vitals>>,
    /// A photo and its thumbnail ([`ContentType::Photo`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub photo: Option<Box<PhotoContent>>,
    /// The client's alert thresholds ([`ContentType::Thresholds`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub thresholds: Option<Box<Thresholds>>,
    /// A safety-check answer ([`ContentType::SafetyAnswer`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub safety: Option<Box<SafetyReport>>,
}

impl PostEnvelope {
    /// A post of the current version with just a body; fill in the other fields as
    /// needed. Only a [`ContentType::Note`] is complete like this: the other types
    /// need their payload (see the constructors below).
    pub fn new(content_type: ContentType, body: impl Into<String>) -> Self {
        Self {
            version: ENVELOPE_VERSION,
            content_type,
            body: body.into(),
            attachments: Vec::new(),
            reply_to: None,
            mentions: Vec::new(),
            amendment_of: None,
            urgency: Urgency::Normal,
            handover: None,
            taken_over: None,
            vitals: None,
            photo: None,
            thresholds: None,
            safety: None,
        }
    }

    /// A handover post; `note` is its body.
    pub fn handover(handover: Handover, note: impl Into<String>) -> Self {
        Self {
            handover: Some(Box::new(handover)),
            ..Self::new(ContentType::Handover, note)
        }
    }

    /// A post saying its author takes over handover `handover`, with an optional
    /// note (may be empty).
    pub fn taken_over(handover: PostId, note: impl Into<String>) -> Self {
        Self {
            taken_over: Some(handover),
            ..Self::new(ContentType::HandoverTaken, note)
        }
    }

    /// A vitals post; `body` is free text shown with the readings (may be empty).
    pub fn vitals(vitals: Vitals, body: impl Into<String>) -> Self {
        Self {
            vitals: Some(Box::new(vitals)),
            ..Self::new(ContentType::Vitals, body)
        }
    }

    /// A photo post; `caption` is its body.
    pub fn photo(photo: PhotoContent, caption: impl Into<String>) -> Self {
        Self {
            photo: Some(Box::new(photo)),
            ..Self::new(ContentType::Photo, caption)
        }
    }

    /// A post setting the client's alert thresholds; `body` says why (may be empty).
    pub fn thresholds(thresholds: Thresholds, body: impl Into<String>) -> Self {
        Self {
            thresholds: Some(Box::new(thresholds)),
            ..Self::new(ContentType::Thresholds, body)
        }
    }

    /// The team's answer to a safety check; `note` is its body (may be empty).
    pub fn safety(report: SafetyReport, note: impl Into<String>) -> Self {
        Self {
            safety: Some(Box::new(report)),
            ..Self::new(ContentType::SafetyAnswer, note)
        }
    }

    /// This post as an amendment of `original` (an earlier post by the same author,
    /// of the same content type, or an amendment of it).
    pub fn amending(mut self, original: PostId) -> Self {
        self.amendment_of = Some(original);
        self
    }

    /// This post with the given urgency.
    pub fn with_urgency(mut self, urgency: Urgency) -> Self {
        self.urgency = urgency;
        self
    }

    /// Every blob this post references (its files, a photo's image and thumbnail):
    /// what the sender names beside the ciphertext so the server keeps them and lets
    /// the channel fetch them.
    pub fn blobs(&self) -> Vec<BlobId> {
        let mut blobs: Vec<BlobId> = self.attachments.iter().map(|a| a.blob).collect();
        if let Some(photo) = &self.photo {
            blobs.push(photo.image.blob);
            blobs.push(photo.thumbnail.blob);
        }
        blobs
    }

    /// The urgency to expose in clear for notifications: the author's choice, raised
    /// to urgent for vitals outside the client's `thresholds`; `None` (expose nothing)
    /// when normal, so a routine post tells the server nothing.
    pub fn exposed_urgency(&self, thresholds: Option<&Thresholds>) -> Option<Urgency> {
        let urgent = self
            .vitals
            .as_ref()
            .is_some_and(|v| v.alert(thresholds).shown_as_urgent);
        let urgency = if urgent { Urgency::Urgent } else { self.urgency };
        (urgency != Urgency::Normal).then_some(urgency)
    }

    /// Checks the envelope is one this code may write and read as post `post`: a
    /// supported version, within the size limits, not referring to itself, and
    /// carrying exactly the payload its content type needs, with valid values.
    pub fn validate(&self, post: PostId) -> Result<(), EnvelopeError> {
        if self.version != ENVELOPE_VERSION {
            return Err(EnvelopeError::UnsupportedVersion(self.version));
        }
        check_limit("body", self.body.len(), MAX_BODY_BYTES)?;
        check_limit("attachments", self.attachments.len(), MAX_ATTACHMENTS)?;
        check_limit("mentions", self.mentions.len(), MAX_MENTIONS)?;
        for attachment in &self.attachments {
            check_limit("mime", attachment.mime.len(), MAX_MIME_BYTES)?;
            // A MIME type ends up in headers and file pickers: printable ASCII only.
            if attachment.mime.is_empty() || !attachment.mime.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(EnvelopeError::Malformed(
                    "attachment MIME type is not printable ASCII".into(),
                ));
            }
        }
        if self.reply_to == Some(post) || self.amendment_of == Some(post) || self.taken_over == Some(post) {
            return Err(EnvelopeError::Malformed("post refers to itself".into()));
        }
        self.validate_payload(post)
    }

    /// Exactly the payload the content type needs, and nothing else; then the
    /// payload's own checks.
    fn validate_payload(&self, post: PostId) -> Result<(), EnvelopeError> {
        let payloads = [
            ("handover", ContentType::Handover, self.handover.is_some()),
            (
                "taken_over",
                ContentType::HandoverTaken,
                self.taken_over.is_some(),
            ),
            ("vitals", ContentType::Vitals, self.vitals.is_some()),
            ("photo", ContentType::Photo, self.photo.is_some()),
            ("thresholds", ContentType::Thresholds, self.thresholds.is_some()),
            ("safety", ContentType::SafetyAnswer, self.safety.is_some()),
        ];
        for (field, owner, present) in payloads {
            let wanted = self.content_type == owner;
            if present && !wanted {
                return Err(EnvelopeError::Malformed(format!(
                    "field `{field}` is not allowed in a {} post",
                    self.content_type
                )));
            }
            if wanted && !present {
                return Err(EnvelopeError::Malformed(format!(
                    "a {} post needs the field `{field}`",
                    self.content_type
                )));
            }
        }
        if let Some(handover) = &self.handover {
            handover.validate()?;
        }
        if let Some(vitals) = &self.vitals {
            vitals.validate().map_err(EnvelopeError::Vitals)?;
        }
        if let Some(photo) = &self.photo {
            photo.validate(post)?;
        }
        if let Some(thresholds) = &self.thresholds {
            thresholds.validate().map_err(EnvelopeError::Thresholds)?;
        }
        if let Some(safety) = &self.safety {
            safety.validate()?;
        }
        Ok(())
    }

    /// The canonical encoding that gets encrypted.
    pub(crate) fn to_json(&self) -> Result<Vec<u8>, EnvelopeError> {
        serde_json::to_vec(self).map_err(|e| EnvelopeError::Malformed(e.to_string()))
    }

    /// Parses decrypted bytes. The version is read first, so a post from a newer
    /// client says "unsupported version" rather than a confusing parse error.
    pub(crate) fn from_json(bytes: &[u8], post: PostId) -> Result<Self, EnvelopeError> {
        check_limit("envelope", bytes.len(), MAX_ENVELOPE_BYTES)?;
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u16,
        }
        let probe: VersionOnly =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        if probe.version != ENVELOPE_VERSION {
            return Err(EnvelopeError::UnsupportedVersion(probe.version));
        }
        let envelope: Self =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        envelope.validate(post)?;
        Ok(envelope)
    }
}

fn check_limit(field: &'static str, actual: usize, limit: usize) -> Result<(), EnvelopeError> {
    if actual > limit {
        return Err(EnvelopeError::TooLarge { field, actual, limit });
    }
    Ok(())
}

impl fmt::Debug for PostEnvelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostEnvelope")
            .field("version", &self.version)
            .field("content_type", &self.content_type)
            .field("body", &format_args!("*** ({} bytes)", self.body.len()))
            .field("attachments", &self.attachments)
            .field("reply_to", &self.reply_to)
            .field("mentions", &self.mentions)
            .field("amendment_of", &self.amendment_of)
            .field("urgency", &self.urgency)
            .field("handover", &self.handover)
            .field("taken_over", &self.taken_over)
            .field("vitals", &self.vitals)
            .field("photo", &self.photo)
            .field("thresholds", &self.thresholds)
            .field("safety", &self.safety)
            .finish()
    }
}

/// Why an envelope cannot be written or was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Written in a version this client does not understand (update the client).
    #[error("unsupported post envelope version {0}")]
    UnsupportedVersion(u16),
    /// A field is over its limit.
    #[error("post {field} too large: {actual} > {limit}")]
    TooLarge {
        /// Which field or count.
        field: &'static str,
        /// Its size or count.
        actual: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a well-formed envelope (bad JSON, missing or unknown field, bad value).
    /// The message names the field.
    #[error("malformed post envelope: {0}")]
    Malformed(String),
    /// A vital sign is not physically possible. Carries the field and the messages
    /// (English and Japanese) to show the author.
    #[error("invalid vitals: {0}")]
    Vitals(VitalsError),
    /// A threshold is not a possible value, or its minimum is above its maximum.
    #[error("invalid thresholds: {0}")]
    Thresholds(VitalsError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn post_id() -> PostId {
        PostId::from_uuid(Uuid::from_u128(9))
    }

    fn note_with_file() -> PostEnvelope {
        let mut envelope = PostEnvelope::new(ContentType::Note, "傷の様子 / wound today");
        envelope.attachments.push(AttachmentRef {
            blob: BlobId::from_uuid(Uuid::from_u128(1)),
            key: [0xab; 32],
            sha256: [0x11; 32],
            mime: "image/jpeg".into(),
            size: 123_456,
        });
        envelope.mentions.push(UserId::from_uuid(Uuid::from_u128(2)));
        envelope
    }

    #[test]
    fn debug_hides_body_and_attachment_keys() {
        let printed = format!("{:?}", note_with_file());
        assert!(!printed.contains("wound"), "{printed}");
        assert!(!printed.contains("171"), "{printed}"); // 0xab as decimal
        assert!(printed.contains("image/jpeg"), "{printed}");
    }

    #[test]
    fn json_round_trip_keeps_every_field() {
        let envelope = note_with_file();
        let bytes = envelope.to_json().unwrap();
        assert_eq!(PostEnvelope::from_json(&bytes, post_id()).unwrap(), envelope);
    }

    #[test]
    fn newer_versions_and_unknown_fields_are_refused_clearly() {
        let newer = br#"{"version":2,"content_type":"note","body":"x","future":true}"#;
        assert_eq!(
            PostEnvelope::from_json(newer, post_id()),
            Err(EnvelopeError::UnsupportedVersion(2))
        );
        let unknown = br#"{"version":1,"content_type":"note","body":"x","retracts":"y"}"#;
        assert!(matches!(
            PostEnvelope::from_json(unknown, post_id()),
            Err(EnvelopeError::Malformed(_))
        ));
        let minimal = br#"{"version":1,"content_type":"note","body":""}"#;
        assert_eq!(
            PostEnvelope::from_json(minimal, post_id()).unwrap(),
            PostEnvelope::new(ContentType::Note, "")
        );
    }

    #[test]
    fn limits_are_enforced() {
        let mut envelope = PostEnvelope::new(ContentType::Note, "あ".repeat(MAX_BODY_BYTES / 3 + 1));
        assert!(matches!(
            envelope.validate(post_id()),
            Err(EnvelopeError::TooLarge { field: "body", .. })
        ));
        envelope.body = "ok".into();
        envelope.mentions = vec![UserId::from_uuid(Uuid::nil()); MAX_MENTIONS + 1];
        assert!(matches!(
            envelope.validate(post_id()),
            Err(EnvelopeError::TooLarge {
                field: "mentions",
                ..
            })
        ));
        envelope.mentions.clear();
        envelope.attachments = vec![note_with_file().attachments[0].clone(); MAX_ATTACHMENTS + 1];
        assert!(matches!(
            envelope.validate(post_id()),
            Err(EnvelopeError::TooLarge {
                field: "attachments",
                ..
            })
        ));
        envelope.attachments.truncate(1);
        envelope.attachments[0].mime = "image/jpeg\r\nX-Evil: 1".into();
        assert!(matches!(
            envelope.validate(post_id()),
            Err(EnvelopeError::Malformed(_))
        ));
        envelope.attachments.clear();
        envelope.amendment_of = Some(post_id());
        assert!(matches!(
            envelope.validate(post_id()),
            Err(EnvelopeError::Malformed(_))
        ));
    }
}
