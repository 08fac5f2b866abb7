//! The post envelope: what a post says, before encryption.
//!
//! A versioned, typed JSON document. JSON because the browser client, the FHIR export
//! and future readers can all read it, and because posts must stay readable for
//! years: a self-describing format ages better than a positional one. The envelope is
//! never seen by the server; it travels only inside the AEAD ciphertext.

use std::fmt;

use kizuna_proto::{BlobId, PostId, UserId};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

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

/// What kind of post this is; decides how clients render it and what the export
/// produces (e.g. vitals become FHIR `Observation`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    /// Free text.
    Note,
    /// A shift or visit handover.
    Handover,
    /// Vital signs.
    Vitals,
    /// One or more photos (the images are attachments).
    Photo,
}

/// A reference to an encrypted attachment in the blob store: where it is, how to
/// decrypt it and how to check it. The key never appears in `Debug` output and is
/// wiped when the reference is dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub attachments: Vec<AttachmentRef>,
    /// The post this one answers.
    #[serde(default)]
    pub reply_to: Option<PostId>,
    /// People to notify.
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// Set when this post corrects an earlier one. Care records are amended, never
    /// edited in place: the original stays, and readers show the latest amendment.
    #[serde(default)]
    pub amendment_of: Option<PostId>,
}

impl PostEnvelope {
    /// A post of the current version with just a body; fill in the other fields as
    /// needed.
    pub fn new(content_type: ContentType, body: impl Into<String>) -> Self {
        Self {
            version: ENVELOPE_VERSION,
            content_type,
            body: body.into(),
            attachments: Vec::new(),
            reply_to: None,
            mentions: Vec::new(),
            amendment_of: None,
        }
    }

    /// Checks the envelope is one this code may write and read as post `post`: a
    /// supported version, within the size limits, and not referring to itself.
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
        if self.reply_to == Some(post) || self.amendment_of == Some(post) {
            return Err(EnvelopeError::Malformed("post refers to itself".into()));
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
    #[error("malformed post envelope: {0}")]
    Malformed(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn post_id() -> PostId {
        PostId::from_uuid(Uuid::from_u128(9))
    }

    fn photo() -> PostEnvelope {
        let mut envelope = PostEnvelope::new(ContentType::Photo, "傷の様子 / wound today");
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
        let printed = format!("{:?}", photo());
        assert!(!printed.contains("wound"), "{printed}");
        assert!(!printed.contains("171"), "{printed}"); // 0xab as decimal
        assert!(printed.contains("image/jpeg"), "{printed}");
    }

    #[test]
    fn json_round_trip_keeps_every_field() {
        let envelope = photo();
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
        let minimal = br#"{"version":1,"content_type":"vitals","body":""}"#;
        assert_eq!(
            PostEnvelope::from_json(minimal, post_id()).unwrap(),
            PostEnvelope::new(ContentType::Vitals, "")
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
        envelope.attachments = vec![photo().attachments[0].clone(); MAX_ATTACHMENTS + 1];
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
