use std::time::{Duration, Instant};

use image::codecs::png::PngEncoder;
use image::{ImageEncoder, Rgb, Rgba};

use super::*;
use crate::attachment::{open_all, seal_all};
use crate::testing::TestRandom;

/// 4000×3000 stored, EXIF Orientation 6, GPS, Make/Model/Artist (see its README).
/// A copy kept in the repository, so a fresh clone tests alone.
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/wound-12mp-exif-gps.jpg");

fn fixture() -> Vec<u8> {
    std::fs::read(FIXTURE).unwrap_or_else(|e| panic!("test fixture {FIXTURE}: {e}"))
}

fn decode_jpeg(bytes: &[u8]) -> RgbImage {
    assert!(bytes.starts_with(b"\xFF\xD8\xFF"), "output is a JPEG");
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

/// The markers of a JPEG's header segments, up to the start of scan.
fn segment_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    markers
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

fn small(image: &RgbImage) -> RgbImage {
    let (w, h) = fit(image.width(), image.height(), 64);
    resize(image, w, h).unwrap()
}

fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> Rgba<u8>) -> Vec<u8> {
    let picture = RgbaImage::from_fn(width, height, pixel);
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), width, height, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// A JPEG whose left half is red and right half blue, with an EXIF block carrying
/// `orientation` (1–8).
fn jpeg_with_orientation(orientation: u16) -> Vec<u8> {
    let picture = RgbImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    // TIFF, little-endian, one IFD with one entry: Orientation (0x0112), SHORT, 1.
    let mut exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    exif.extend_from_slice(&orientation.to_le_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 95);
    encoder.set_exif_metadata(exif).unwrap();
    encoder
        .write_image(picture.as_raw(), 64, 32, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 200 && p[1] < 60 && p[2] < 60
}

fn is_blue(p: &Rgb<u8>) -> bool {
    p[2] > 200 && p[0] < 60 && p[1] < 60
}

fn quick<T>(what: &str, run: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = run();
    // Generous for a debug build on a loaded 2-core machine; what matters is that the
    // refusal does not decode (a decode of these would take seconds and gigabytes).
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{what} took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn the_12mp_fixture_comes_out_upright_resized_and_without_metadata() {
    let original = fixture();
    let photo = prepare_photo(&original, &PhotoOptions::default()).unwrap();

    // Upright: stored 4000×3000 with Orientation 6, so a portrait 3000×4000 scaled down.
    assert_eq!((photo.width, photo.height), (1536, 2048));
    let image = decode_jpeg(&photo.image);
    assert_eq!(image.dimensions(), (1536, 2048));

    // Turned the right way (90° clockwise), not just some way: compare with the
    // stored pixels rotated each way.
    let stored = image::load_from_memory(&original).unwrap().into_rgb8();
    let ours = small(&image);
    let clockwise = small(&image::imageops::rotate90(&stored));
    let counter = small(&image::imageops::rotate270(&stored));
    let (right, wrong) = (mean_abs_diff(&ours, &clockwise), mean_abs_diff(&ours, &counter));
    assert!(
        right < 4.0 && right * 3.0 < wrong,
        "diff to upright {right:.1}, to wrong way {wrong:.1}"
    );

    // Nothing but pixels left: no APPn segment beyond the JFIF header, and none of the
    // fixture's EXIF text anywhere in either file.
    for jpeg in [&photo.image, &photo.thumbnail] {
        let markers = segment_markers(jpeg);
        assert_eq!(markers.first(), Some(&0xE0), "JFIF first");
        assert!(
            markers.iter().all(|m| !(0xE1..=0xEF).contains(m)),
            "APPn segments: {markers:x?}"
        );
        assert!(!markers.contains(&0xFE), "no comment segment");
        for needle in [
            &b"Exif"[..],
            b"GPS",
            b"KizunaTestCam",
            b"TC-1",
            b"nurse",
            b"patient home",
            b"2026:11:20",
            b"test fixture",
            b"ICC_PROFILE",
            b"http://ns.adobe.com",
        ] {
            assert!(
                !contains(jpeg, needle),
                "{} leaked",
                String::from_utf8_lossy(needle)
            );
        }
    }

    // The thumbnail decodes, is upright too, and fits 320.
    let thumb = decode_jpeg(&photo.thumbnail);
    assert_eq!(thumb.dimensions(), (photo.thumb_width, photo.thumb_height));
    assert_eq!((photo.thumb_width, photo.thumb_height), (240, 320));
    assert!(mean_abs_diff(&small(&thumb), &small(&image)) < 4.0);

    // A sensible size for a 2048-pixel photo, and it seals and opens.
    assert!(photo.image.len() < original.len() && photo.image.len() > 50_000);
    let sealed = seal_all(&photo.image, &mut TestRandom::new(5)).unwrap();
    let opened = open_all(
        &sealed.ciphertext,
        &sealed.key,
        &sealed.sealed.sha256_of_plaintext,
    )
    .unwrap();
    assert_eq!(opened, photo.image);
}

#[test]
fn progress_reports_every_stage_in_order() {
    let mut stages = Vec::new();
    let bytes = png(50, 40, |_, _| Rgba([1, 2, 3, 255]));
    prepare_photo_with_progress(&bytes, &PhotoOptions::default(), &mut |stage| stages.push(stage)).unwrap();
    use PhotoStage::*;
    assert_eq!(stages, [Decoded, Resized, Encoded, Thumbnailed]);
}

#[test]
fn every_exif_orientation_is_applied() {
    // Where the red (left) half of the stored picture ends up, for orientations 1–8.
    // (first pixel, last pixel) of the upright result: R = red, B = blue.
    let cases = [
        (1, (64, 32), ('R', 'B')),
        (2, (64, 32), ('B', 'R')), // mirrored
        (3, (64, 32), ('B', 'R')), // 180°
        (4, (64, 32), ('R', 'B')), // flipped vertically
        (5, (32, 64), ('R', 'B')), // transposed
        (6, (32, 64), ('R', 'B')), // 90° clockwise: left goes to the top
        (7, (32, 64), ('B', 'R')), // transversed
        (8, (32, 64), ('B', 'R')), // 90° counter-clockwise: left goes to the bottom
    ];
    for (orientation, size, (first, last)) in cases {
        let photo = prepare_photo(&jpeg_with_orientation(orientation), &PhotoOptions::default()).unwrap();
        assert_eq!((photo.width, photo.height), size, "orientation {orientation}");
        let image = decode_jpeg(&photo.image);
        let colour = |p: &Rgb<u8>| match (is_red(p), is_blue(p)) {
            (true, _) => 'R',
            (_, true) => 'B',
            _ => '?',
        };
        let (w, h) = image.dimensions();
        let got = (
            colour(image.get_pixel(1, 1)),
            colour(image.get_pixel(w - 2, h - 2)),
        );
        assert_eq!(got, (first, last), "orientation {orientation}");
        assert!(!contains(&photo.image, b"Exif"));
    }
}

#[test]
fn small_pictures_are_not_upscaled_and_transparency_becomes_white() {
    // Left half transparent, right half opaque green.
    let bytes = png(100, 50, |x, _| {
        if x < 50 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([0, 200, 0, 255])
        }
    });
    let photo = prepare_photo(&bytes, &PhotoOptions::default()).unwrap();
    assert_eq!(
        (photo.width, photo.height, photo.thumb_width, photo.thumb_height),
        (100, 50, 100, 50)
    );
    let image = decode_jpeg(&photo.image);
    let white = image.get_pixel(10, 25);
    assert!(white.0.iter().all(|&c| c > 240), "transparent became {white:?}");
    let green = image.get_pixel(90, 25);
    assert!(green[1] > 180 && green[0] < 40, "opaque stayed {green:?}");

    let options = PhotoOptions {
        max_edge: 40,
        thumb_edge: 10,
        ..PhotoOptions::default()
    };
    let photo = prepare_photo(&bytes, &options).unwrap();
    assert_eq!(
        (photo.width, photo.height, photo.thumb_width, photo.thumb_height),
        (40, 20, 10, 5)
    );
}

#[test]
fn a_truncated_jpeg_is_refused_not_filled_in() {
    let original = fixture();
    for keep in [original.len() / 2, original.len() - 2, 600] {
        let error = quick("truncated JPEG", || {
            prepare_photo(&original[..keep], &PhotoOptions::default())
        });
        assert_eq!(error, Err(PhotoError::Damaged), "kept {keep} bytes");
    }
    assert_eq!(
        prepare_photo(b"\xFF\xD8\xFF", &PhotoOptions::default()),
        Err(PhotoError::Damaged)
    );
}

#[test]
fn a_truncated_or_corrupt_png_is_refused() {
    let bytes = png(300, 200, |x, y| {
        Rgba([(x * 7 % 256) as u8, (y * 13 % 256) as u8, 90, 255])
    });
    for keep in [bytes.len() / 2, bytes.len() - 13, 40] {
        assert_eq!(
            prepare_photo(&bytes[..keep], &PhotoOptions::default()),
            Err(PhotoError::Damaged)
        );
    }
    let mut corrupt = bytes.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0xFF; // fails the IDAT CRC or the deflate stream
    assert_eq!(
        prepare_photo(&corrupt, &PhotoOptions::default()),
        Err(PhotoError::Damaged)
    );
}

#[test]
fn empty_text_and_other_formats_get_their_own_errors() {
    let options = PhotoOptions::default();
    assert_eq!(prepare_photo(b"", &options), Err(PhotoError::Empty));
    let note = "訪問記録: 褥瘡の写真は後で送ります (wound.jpg)\n".repeat(50);
    assert_eq!(
        prepare_photo(note.as_bytes(), &options),
        Err(PhotoError::NotAnImage)
    );
    assert_eq!(
        prepare_photo(b"%PDF-1.7\n", &options),
        Err(PhotoError::NotAnImage)
    );

    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    assert_eq!(
        prepare_photo(gif, &options),
        Err(PhotoError::Unsupported("GIF".into()))
    );
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0";
    assert_eq!(
        prepare_photo(heic, &options),
        Err(PhotoError::Unsupported("HEIC".into()))
    );
    let tiff = b"II*\0\x08\0\0\0\0\0";
    assert_eq!(
        prepare_photo(tiff, &options),
        Err(PhotoError::Unsupported("TIFF/RAW".into()))
    );
}

#[test]
fn a_png_bomb_is_refused_from_its_header_without_decoding() {
    // A valid PNG header declaring 100000×100000 (30 GB of pixels), then a few bytes.
    let mut bomb = b"\x89PNG\r\n\x1A\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    bomb.extend_from_slice(&13u32.to_be_bytes());
    bomb.extend_from_slice(&ihdr);
    bomb.extend_from_slice(&crate::testing::png_crc32(&ihdr).to_be_bytes());
    bomb.extend_from_slice(b"\0\0\0\0IDAT\x35\xaf\x06\x1e");
    let error = quick("PNG bomb", || prepare_photo(&bomb, &PhotoOptions::default()));
    assert_eq!(
        error,
        Err(PhotoError::TooLarge {
            width: 100_000,
            height: 100_000
        })
    );

    // Under the side limit but over the pixel limit, and long and thin.
    for (w, h) in [(8_000, 7_000), (40_000, 10)] {
        let mut header = b"IHDR".to_vec();
        header.extend_from_slice(&u32::to_be_bytes(w));
        header.extend_from_slice(&u32::to_be_bytes(h));
        header.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut file = bomb[..8].to_vec();
        file.extend_from_slice(&13u32.to_be_bytes());
        file.extend_from_slice(&header);
        file.extend_from_slice(&crate::testing::png_crc32(&header).to_be_bytes());
        file.extend_from_slice(&bomb[8 + 25..]); // the empty IDAT
        let error = quick("large PNG", || prepare_photo(&file, &PhotoOptions::default()));
        assert_eq!(error, Err(PhotoError::TooLarge { width: w, height: h }));
    }
}

#[test]
fn a_jpeg_declaring_huge_dimensions_is_refused_before_decoding() {
    let mut jpeg = jpeg_with_orientation(1);
    // Patch the frame header (SOF0: FF C0, length, precision, height, width).
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    let error = quick("huge JPEG", || prepare_photo(&jpeg, &PhotoOptions::default()));
    assert_eq!(
        error,
        Err(PhotoError::TooLarge {
            width: 60_000,
            height: 60_000
        })
    );
}

#[test]
fn errors_say_what_to_do_next_in_both_languages() {
    let all = [
        PhotoError::Empty,
        PhotoError::NotAnImage,
        PhotoError::Unsupported("HEIC".into()),
        PhotoError::Damaged,
        PhotoError::TooLarge {
            width: 100_000,
            height: 100_000,
        },
        PhotoError::Internal("x".into()),
    ];
    let codes: std::collections::HashSet<_> = all.iter().map(PhotoError::code).collect();
    assert_eq!(codes.len(), all.len());
    for error in all {
        let (en, ja) = (error.to_string(), error.message_ja());
        assert!(en.contains(": "), "{en}");
        assert!(ja.contains("ください"), "{ja}");
    }
    assert!(PhotoError::Unsupported("HEIC".into())
        .to_string()
        .contains("choose a JPEG or PNG"));
    assert!(PhotoError::TooLarge {
        width: 100_000,
        height: 100_000
    }
    .message_ja()
    .contains("100000×100000"));
}

#[test]
fn debug_output_shows_sizes_not_pixels() {
    let photo = prepare_photo(
        &png(20, 10, |_, _| Rgba([9, 9, 9, 255])),
        &PhotoOptions::default(),
    )
    .unwrap();
    let printed = format!("{photo:?}");
    assert!(printed.contains("20×10"), "{printed}");
    assert!(!printed.contains("255, 216"), "{printed}"); // FF D8 as decimal bytes
}
