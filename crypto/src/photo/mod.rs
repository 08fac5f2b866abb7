//! The on-device photo pipeline: what happens to a photo between the camera and
//! [`crate::attachment`] sealing it.
//!
//! [`prepare_photo`] recognises the format from the bytes, decodes with limits checked
//! before any pixel buffer is allocated, resizes so the longest edge fits
//! [`PhotoOptions::max_edge`], turns the picture upright as its EXIF orientation says,
//! and re-encodes it as a fresh JPEG plus a thumbnail. Re-encoding from pixels is what
//! strips the metadata: nothing of the original file but its pixels survives, so no
//! EXIF (GPS position, time, camera make and model, owner name, maker notes), no XMP,
//! no IPTC and no ICC profile reach anyone else. Pure computation: no files, no clock,
//! no threads, so it runs the same natively and in the browser (wasm32).
//!
//! ```no_run
//! # use kizuna_crypto::photo::*;
//! # let bytes_from_the_camera: Vec<u8> = Vec::new();
//! let photo = prepare_photo(&bytes_from_the_camera, &PhotoOptions::default())?;
//! assert!(photo.width.max(photo.height) <= 2048);
//! // Then: seal `photo.image` and `photo.thumbnail` with `attachment::seal_all`.
//! # Ok::<(), PhotoError>(())
//! ```

mod sniff;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Cursor;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::codecs::png::PngDecoder;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageError, Limits, RgbImage, RgbaImage};

use sniff::Kind;

/// The MIME type of everything [`prepare_photo`] produces.
pub const MIME: &str = "image/jpeg";

/// No side may exceed this, whatever the pixel count (a 100000×1 "image" is an attack,
/// not a photo). Phone panoramas stay well below it.
const MAX_SIDE: u32 = 30_000;
/// Memory the decoders may use besides the picture itself (PNG text and ICC chunks,
/// row buffers). The picture's own buffer is checked separately, before it exists.
const DECODER_WORKING_MEMORY: u64 = 64 * 1024 * 1024;

/// How to prepare a photo. The defaults suit a care-team chat on a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoOptions {
    /// Longest edge of the sent image, in pixels (never upscaled). Default 2048: enough
    /// to judge a wound's edges and colour on a tablet, ~0.5–1 MB as JPEG.
    pub max_edge: u32,
    /// Longest edge of the thumbnail shown in the timeline. Default 320.
    pub thumb_edge: u32,
    /// JPEG quality (1–100) of the image. Default 85.
    pub quality: u8,
    /// JPEG quality of the thumbnail. Default 80.
    pub thumb_quality: u8,
    /// Refuse pictures with more pixels than this, before decoding. Default 50 million
    /// (phone cameras take 12–50 MP); a decoded 50 MP picture takes 150 MB.
    pub max_pixels: u64,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        Self {
            max_edge: 2048,
            thumb_edge: 320,
            quality: 85,
            thumb_quality: 80,
            max_pixels: 50_000_000,
        }
    }
}

/// A photo ready to be sealed: JPEG, upright, resized, without metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedPhoto {
    /// The image to send, JPEG ([`MIME`]).
    pub image: Vec<u8>,
    /// Its width in pixels (upright).
    pub width: u32,
    /// Its height in pixels (upright).
    pub height: u32,
    /// The thumbnail, JPEG.
    pub thumbnail: Vec<u8>,
    /// The thumbnail's width in pixels.
    pub thumb_width: u32,
    /// The thumbnail's height in pixels.
    pub thumb_height: u32,
}

/// Patient content: `Debug` shows sizes, never pixels.
impl fmt::Debug for PreparedPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedPhoto")
            .field(
                "image",
                &format_args!("{}×{}, {} bytes", self.width, self.height, self.image.len()),
            )
            .field(
                "thumbnail",
                &format_args!(
                    "{}×{}, {} bytes",
                    self.thumb_width,
                    self.thumb_height,
                    self.thumbnail.len()
                ),
            )
            .finish()
    }
}

/// The steps of [`prepare_photo_with_progress`], reported as each one ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoStage {
    /// Format recognised, limits checked, pixels decoded.
    Decoded,
    /// Resized to fit `max_edge` and turned upright.
    Resized,
    /// The image re-encoded as JPEG.
    Encoded,
    /// The thumbnail resized and encoded: done.
    Thumbnailed,
}

/// Why a photo could not be prepared. Each message says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The file has no bytes at all (a failed copy, a cloud placeholder).
    #[error("the file is empty: choose the photo again")]
    Empty,
    /// Not an image format at all, whatever the file's name says.
    #[error("this file is not a photo: choose a JPEG or PNG image")]
    NotAnImage,
    /// An image format (or a variant of one) that Kizuna does not decode.
    #[error(
        "{0} images cannot be sent: choose a JPEG or PNG photo, or set the camera to save photos as JPEG"
    )]
    Unsupported(String),
    /// The image is cut off or corrupt (e.g. an interrupted copy).
    #[error("the photo is damaged or incomplete: take it again or choose another copy")]
    Damaged,
    /// More pixels than allowed: refused before decoding.
    #[error("the image is {width}×{height} pixels, too large to send: choose a smaller image or lower the camera resolution")]
    TooLarge {
        /// Width the file declares.
        width: u32,
        /// Height the file declares.
        height: u32,
    },
    /// A bug in Kizuna, not a problem with the photo.
    #[error("the photo could not be prepared because of an internal error ({0}): please report this")]
    Internal(String),
}

impl PhotoError {
    /// A stable snake_case code, for logs and the client's error mapping.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "photo_empty",
            Self::NotAnImage => "photo_not_an_image",
            Self::Unsupported(_) => "photo_unsupported",
            Self::Damaged => "photo_damaged",
            Self::TooLarge { .. } => "photo_too_large",
            Self::Internal(_) => "photo_internal",
        }
    }

    /// The message in Japanese (the `Display` text is the English one).
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "ファイルが空です。写真をもう一度選んでください。".into(),
            Self::NotAnImage => "このファイルは写真ではありません。JPEG または PNG の画像を選んでください。".into(),
            Self::Unsupported(format) => format!(
                "{format} 形式の画像は送れません。JPEG または PNG の写真を選ぶか、カメラの設定で JPEG で保存するようにしてください。"
            ),
            Self::Damaged => {
                "写真が壊れているか、途中までしかありません。撮り直すか、別の写真を選んでください。".into()
            }
            Self::TooLarge { width, height } => format!(
                "画像が {width}×{height} ピクセルで、大きすぎて送れません。小さい画像を選ぶか、カメラの解像度を下げてください。"
            ),
            Self::Internal(detail) => {
                format!("内部エラーのため写真を準備できませんでした（{detail}）。この問題を報告してください。")
            }
        }
    }
}

/// Prepares a photo for sending: see the [module documentation](self).
pub fn prepare_photo(bytes: &[u8], options: &PhotoOptions) -> Result<PreparedPhoto, PhotoError> {
    prepare_photo_with_progress(bytes, options, &mut |_| {})
}

/// [`prepare_photo`], calling `progress` as each [`PhotoStage`] ends (for a progress
/// indicator, or to time the stages: the core has no clock of its own).
pub fn prepare_photo_with_progress(
    bytes: &[u8],
    options: &PhotoOptions,
    progress: &mut dyn FnMut(PhotoStage),
) -> Result<PreparedPhoto, PhotoError> {
    let (pixels, orientation) = decode(bytes, options)?;
    progress(PhotoStage::Decoded);

    // Resize first, orient second: rotating the small picture is cheaper, and the
    // longest edge is the same either way.
    let (width, height) = fit(pixels.width(), pixels.height(), options.max_edge);
    let resized = resize(&pixels, width, height)?;
    drop(pixels);
    let mut upright = DynamicImage::ImageRgb8(resized);
    upright.apply_orientation(orientation);
    let upright = upright.into_rgb8();
    progress(PhotoStage::Resized);

    let image = encode_jpeg(&upright, options.quality)?;
    progress(PhotoStage::Encoded);

    let (thumb_width, thumb_height) = fit(upright.width(), upright.height(), options.thumb_edge);
    let thumb = resize(&upright, thumb_width, thumb_height)?;
    let thumbnail = encode_jpeg(&thumb, options.thumb_quality)?;
    progress(PhotoStage::Thumbnailed);

    Ok(PreparedPhoto {
        image,
        width: upright.width(),
        height: upright.height(),
        thumbnail,
        thumb_width,
        thumb_height,
    })
}

/// Recognises, checks and decodes; returns RGB pixels as stored and the orientation
/// to apply to them.
fn decode(
    bytes: &[u8],
    options: &PhotoOptions,
) -> Result<(RgbImage, image::metadata::Orientation), PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    // The picture's own buffer is checked against `max_pixels` below, from the
    // declared dimensions; these limits bound everything else the decoders allocate.
    let limits = working_memory_limits(None);
    match sniff::sniff(bytes) {
        Kind::Jpeg => {
            if !sniff::jpeg_is_complete(bytes) {
                return Err(PhotoError::Damaged);
            }
            let decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(from_image_error)?;
            decode_with(decoder, options)
        }
        Kind::Png => {
            let decoder = PngDecoder::with_limits(Cursor::new(bytes), limits).map_err(from_image_error)?;
            decode_with(decoder, options)
        }
        Kind::Unsupported(format) => Err(PhotoError::Unsupported(format.to_owned())),
        Kind::Unknown => Err(PhotoError::NotAnImage),
    }
}

fn decode_with(
    mut decoder: impl ImageDecoder,
    options: &PhotoOptions,
) -> Result<(RgbImage, image::metadata::Orientation), PhotoError> {
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Damaged);
    }
    // Four bytes a pixel allows 8-bit RGBA; 16-bit pictures must be half the pixels.
    let too_large = width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > options.max_pixels
        || decoder.total_bytes() > options.max_pixels.saturating_mul(4);
    if too_large {
        return Err(PhotoError::TooLarge { width, height });
    }
    decoder
        .set_limits(working_memory_limits(Some((width, height))))
        .map_err(from_image_error)?;
    // A broken EXIF block is no reason to refuse a photo: it is discarded anyway, and
    // the picture is then shown as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(|error| match error {
        ImageError::Limits(_) => PhotoError::TooLarge { width, height },
        other => from_image_error(other),
    })?;
    Ok((into_rgb(decoded), orientation))
}

fn working_memory_limits(dimensions: Option<(u32, u32)>) -> Limits {
    let mut limits = Limits::no_limits();
    limits.max_image_width = dimensions.map(|(width, _)| width);
    limits.max_image_height = dimensions.map(|(_, height)| height);
    limits.max_alloc = Some(DECODER_WORKING_MEMORY);
    limits
}

fn from_image_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Unsupported(_) => PhotoError::Unsupported("this kind of JPEG or PNG".to_owned()),
        // Refused sizes are caught before decoding, from the declared dimensions;
        // what is left here is a decoder refusing its own working memory.
        ImageError::Limits(_) => PhotoError::Damaged,
        ImageError::Decoding(_) | ImageError::IoError(_) | ImageError::Parameter(_) => PhotoError::Damaged,
        ImageError::Encoding(error) => PhotoError::Internal(error.to_string()),
    }
}

/// 8-bit RGB, the only thing the rest of the pipeline handles. Transparent pixels
/// (screenshots, PNG graphics) are laid on white, as a viewer would show them; JPEG
/// has no transparency.
fn into_rgb(image: DynamicImage) -> RgbImage {
    match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other if other.color().has_alpha() => flatten_on_white(&other.into_rgba8()),
        other => other.into_rgb8(),
    }
}

fn flatten_on_white(rgba: &RgbaImage) -> RgbImage {
    let mut out = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for pixel in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(pixel[3]);
        for &channel in &pixel[..3] {
            let blended = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            out.push(blended.min(255) as u8);
        }
    }
    RgbImage::from_raw(rgba.width(), rgba.height(), out).unwrap_or_default()
}

/// The size that fits `width`×`height` within `max_edge` on its longest side, keeping
/// the aspect ratio; never larger than the original, never zero.
fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let max_edge = max_edge.clamp(1, 65_535); // JPEG's own limit
    let longest = width.max(height);
    if longest <= max_edge {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max_edge) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(max_edge).clamp(1, max_edge)
    };
    (scale(width), scale(height))
}

/// Resamples with a Lanczos-3 convolution (sharp, no aliasing when shrinking), through
/// `fast_image_resize`: SIMD where the CPU has it, and working buffers of a few rows
/// rather than a float copy of the whole picture.
fn resize(src: &RgbImage, width: u32, height: u32) -> Result<RgbImage, PhotoError> {
    if (width, height) == src.dimensions() {
        return Ok(src.clone());
    }
    let internal = |error: &dyn fmt::Display| PhotoError::Internal(format!("resize: {error}"));
    // The typed API compiles only the RGB8 path: the untyped one pulls in every pixel
    // type's tables (a 16-bit alpha table alone was a quarter of the browser's core).
    let source = TypedImageRef::<U8x3>::from_buffer(src.width(), src.height(), src.as_raw())
        .map_err(|e| internal(&e))?;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    let mut target = TypedImage::<U8x3>::from_buffer(width, height, &mut pixels).map_err(|e| internal(&e))?;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .use_alpha(false);
    Resizer::new()
        .resize_typed(&source, &mut target, &options)
        .map_err(|e| internal(&e))?;
    RgbImage::from_raw(width, height, pixels).ok_or_else(|| internal(&"buffer size"))
}

/// Encodes baseline JPEG from pixels alone: a JFIF header and the picture, no EXIF,
/// no ICC profile, nothing else.
fn encode_jpeg(pixels: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(pixels.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|error| PhotoError::Internal(format!("JPEG encoder: {error}")))?;
    Ok(out)
}
