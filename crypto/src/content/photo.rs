//! Photo posts: one image (typically a wound, to follow its progress) with its
//! thumbnail. The device strips EXIF and location, resizes and thumbnails before
//! encrypting; this is only what the post says about the result.

use std::fmt;

use kizuna_proto::PostId;
use serde::{Deserialize, Serialize};

use super::{check_text, TextProblem};
use crate::envelope::{AttachmentRef, EnvelopeError};

/// The only image type a photo post carries: the device re-encodes every photo as
/// JPEG, which also drops whatever metadata the original held.
pub const PHOTO_MIME: &str = "image/jpeg";
/// Largest width or height in pixels, of the image or its thumbnail.
pub const MAX_PHOTO_DIMENSION: u32 = 20_000;
/// Longest `body_site`, in UTF-8 bytes.
pub const MAX_BODY_SITE_BYTES: usize = 100;

/// The structured part of a photo post; the body is the caption. `Debug` hides the
/// body site.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[serde(deny_unknown_fields)]
pub struct PhotoContent {
    /// The full image.
    pub image: AttachmentRef,
    /// A small version to show in the timeline before the image is fetched.
    pub thumbnail: AttachmentRef,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Thumbnail width, pixels.
    pub thumb_width: u32,
    /// Thumbnail height, pixels.
    pub thumb_height: u32,
    /// Where on the body, as the team names it ("sacrum", "左踵").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_site: Option<String>,
    /// An earlier photo post of the same wound, so clients can line the photos up
    /// as a series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_wound_as: Option<PostId>,
}

impl PhotoContent {
    /// Checks both attachments are JPEG, dimensions are 1 to
    /// [`MAX_PHOTO_DIMENSION`] with the thumbnail no larger than the image, the body
    /// site is one short line, and the post (`post`) is not its own earlier photo.
    pub fn validate(&self, post: PostId) -> Result<(), EnvelopeError> {
        for (field, attachment) in [("photo.image", &self.image), ("photo.thumbnail", &self.thumbnail)] {
            if attachment.mime != PHOTO_MIME {
                return Err(EnvelopeError::Malformed(format!(
                    "{field}.mime must be {PHOTO_MIME}"
                )));
            }
        }
        let dimensions = [
            ("photo.width", self.width),
            ("photo.height", self.height),
            ("photo.thumb_width", self.thumb_width),
            ("photo.thumb_height", self.thumb_height),
        ];
        for (field, value) in dimensions {
            if !(1..=MAX_PHOTO_DIMENSION).contains(&value) {
                return Err(EnvelopeError::Malformed(format!(
                    "{field} {value} is outside 1..={MAX_PHOTO_DIMENSION}"
                )));
            }
        }
        if self.thumb_width > self.width || self.thumb_height > self.height {
            return Err(EnvelopeError::Malformed(
                "photo.thumb_width/thumb_height are larger than the image".into(),
            ));
        }
        if let Some(site) = &self.body_site {
            match check_text(site, MAX_BODY_SITE_BYTES, false) {
                Ok(()) => {}
                Err(TextProblem::TooLong { actual, limit }) => {
                    return Err(EnvelopeError::TooLarge {
                        field: "photo.body_site",
                        actual,
                        limit,
                    })
                }
                Err(TextProblem::Blank | TextProblem::ControlCharacter) => {
                    return Err(EnvelopeError::Malformed(
                        "photo.body_site must be one non-blank line".into(),
                    ))
                }
            }
        }
        if self.same_wound_as == Some(post) {
            return Err(EnvelopeError::Malformed(
                "photo.same_wound_as refers to the post itself".into(),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for PhotoContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhotoContent")
            .field("image", &self.image)
            .field("thumbnail", &self.thumbnail)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("thumb_width", &self.thumb_width)
            .field("thumb_height", &self.thumb_height)
            .field("body_site", &self.body_site.as_ref().map(|_| format_args!("***")))
            .field("same_wound_as", &self.same_wound_as)
            .finish()
    }
}
