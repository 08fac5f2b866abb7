//! What kind of file a photo is, judged from its bytes (a name or extension says
//! nothing: a text file can be called `wound.jpg`), and whether a JPEG is complete.

/// The kinds of file the pipeline tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Jpeg,
    Png,
    /// An image format we recognise but do not decode, by its usual name.
    Unsupported(&'static str),
    /// Not an image format we know of.
    Unknown,
}

/// Recognises the format by its magic bytes.
pub(super) fn sniff(bytes: &[u8]) -> Kind {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\xFF\xD8\xFF") {
        return Kind::Jpeg;
    }
    if starts(b"\x89PNG\r\n\x1A\n") {
        return Kind::Png;
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Kind::Unsupported("GIF");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        // Also most camera RAW formats (DNG, CR2, NEF, ARW), which are TIFF inside.
        return Kind::Unsupported("TIFF/RAW");
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Kind::Unsupported("WebP");
    }
    if starts(b"BM") && bytes.len() > 14 && bytes.get(6..10) == Some(&[0, 0, 0, 0]) {
        return Kind::Unsupported("BMP");
    }
    if starts(b"\xFF\x0A") || starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Kind::Unsupported("JPEG XL");
    }
    if starts(b"8BPS") {
        return Kind::Unsupported("Photoshop");
    }
    // ISO base media files: a size, "ftyp", then the major brand.
    if bytes.get(4..8) == Some(b"ftyp") {
        return match bytes.get(8..12) {
            Some(b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1") => {
                Kind::Unsupported("HEIC")
            }
            Some(b"avif" | b"avis") => Kind::Unsupported("AVIF"),
            _ => Kind::Unknown, // a video, most likely
        };
    }
    Kind::Unknown
}

/// Whether a JPEG runs to its end-of-image marker.
///
/// JPEG decoders (zune-jpeg included) fill a cut-off scan with grey and report success,
/// so a half-uploaded photo would otherwise go out as a photo with its lower part
/// missing. This walks the marker segments and the entropy-coded data, without
/// decoding, until it meets EOI (FF D9). Bytes after EOI (maker trailers, the extra
/// images of an MPO) are allowed.
pub(super) fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Find the next marker, skipping stray bytes and fill bytes (FF FF ...).
        while bytes.get(i).is_some_and(|&b| b != 0xFF) {
            i += 1;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            // Markers without a length: restart markers, TEM, and a stray SOI.
            0xD0..=0xD8 | 0x01 => {}
            _ => {
                let Some(len) = bytes
                    .get(i..i + 2)
                    .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                else {
                    return false;
                };
                if len < 2 {
                    return false;
                }
                i += len;
                if marker == 0xDA {
                    // Start of scan: skip the entropy-coded data up to the next marker
                    // (FF followed by anything but a stuffed 00, a restart or a fill byte).
                    i = match next_marker_after_scan(bytes, i) {
                        Some(at) => at,
                        None => return false,
                    };
                }
            }
        }
    }
}

fn next_marker_after_scan(bytes: &[u8], from: usize) -> Option<usize> {
    let data = bytes.get(from..)?;
    let mut at = 0;
    while let Some(offset) = data.get(at..)?.iter().position(|&b| b == 0xFF) {
        let ff = at + offset;
        let mut next = ff + 1;
        while data.get(next) == Some(&0xFF) {
            next += 1;
        }
        match data.get(next)? {
            0x00 | 0xD0..=0xD7 => at = next + 1,
            _ => return Some(from + ff),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Kind::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), Kind::Png);
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Kind::Unsupported("GIF"));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Kind::Unsupported("HEIC")
        );
        assert_eq!(sniff(b"\0\0\0\x1CftypavifXXXX"), Kind::Unsupported("AVIF"));
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Kind::Unsupported("TIFF/RAW"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Kind::Unsupported("WebP"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"), Kind::Unknown);
        assert_eq!(sniff("体温 36.8℃ — not a photo".as_bytes()), Kind::Unknown);
        assert_eq!(sniff(b"\xFF\xD8"), Kind::Unknown);
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_incomplete() {
        // SOI, a COM segment, SOS with stuffed FF 00 and a restart marker, EOI.
        let whole: &[u8] = b"\xFF\xD8\xFF\xFE\0\x04hi\xFF\xDA\0\x02\x12\xFF\0\x34\xFF\xD0\x56\xFF\xD9";
        assert!(jpeg_is_complete(whole));
        let with_trailer = [whole, b"SEFT trailer"].concat();
        assert!(jpeg_is_complete(&with_trailer));
        for cut in 0..whole.len() {
            assert!(!jpeg_is_complete(&whole[..cut]), "cut at {cut}");
        }
        // A segment length running past the end, and a zero length.
        assert!(!jpeg_is_complete(b"\xFF\xD8\xFF\xE1\xFF\xFF\xFF\xD9"));
        assert!(!jpeg_is_complete(b"\xFF\xD8\xFF\xE1\0\0\xFF\xD9"));
    }
}
