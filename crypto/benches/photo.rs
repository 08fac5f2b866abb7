//! A 12-megapixel photo through the on-device pipeline (strip, resize, orient,
//! re-encode, thumbnail) and sealing of both outputs; then sealing a 100 MB file in
//! 1 MiB pieces. Target (BRIEF.md): < 1 s natively for the photo; upload memory flat
//! (< 32 MB) whatever the size.
//!
//! Run with `cargo bench -p kizuna-crypto --bench photo`; prints the figures and writes
//! them, with the machine they ran on, to `benchmarks/photo.md`.

use std::alloc::System;
use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use cap::Cap;
use kizuna_crypto::attachment::{seal_all, AttachmentKey, AttachmentSealer};
use kizuna_crypto::photo::{prepare_photo_with_progress, PhotoOptions, PhotoStage};
use kizuna_crypto::Random;
use rand::RngCore;

/// Counts every heap byte, so peaks are measured rather than guessed from RSS.
#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/wound-12mp-exif-gps.jpg");
const WARM_UP: usize = 2;
const RUNS: usize = 15;
const BIG_FILE: usize = 100 * 1000 * 1000;
const PIECE: usize = 1 << 20;
const BIG_RUNS: usize = 3;

/// Nonces and keys from the OS generator, as a real client draws them.
struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

struct Stats {
    median: Duration,
    p95: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        max: at(1.0),
    }
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    // Shared machines (CI, a colleague's build) inflate the tail; record the load so
    // a slow p95 can be told apart from a regression.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{cores} cores available, {model}; 1-minute load average {load} at start")
}

/// One run's wall time per step.
#[derive(Default)]
struct Run {
    decode: Duration,
    resize: Duration,
    encode: Duration,
    thumbnail: Duration,
    encrypt: Duration,
    total: Duration,
    image_len: usize,
    thumb_len: usize,
    sealed_len: usize,
    size: (u32, u32, u32, u32),
}

fn photo_run(original: &[u8], rng: &mut OsRandom) -> Result<Run, Box<dyn Error>> {
    let start = Instant::now();
    let mut marks = Vec::with_capacity(4);
    let photo = prepare_photo_with_progress(original, &PhotoOptions::default(), &mut |stage: PhotoStage| {
        marks.push((stage, Instant::now()))
    })?;
    let prepared = Instant::now();
    let image = seal_all(&photo.image, rng)?;
    let thumb = seal_all(&photo.thumbnail, rng)?;
    let end = Instant::now();

    let [(PhotoStage::Decoded, decoded), (PhotoStage::Resized, resized), (PhotoStage::Encoded, encoded), (PhotoStage::Thumbnailed, thumbnailed)] =
        marks[..]
    else {
        return Err("stages reported out of order".into());
    };
    Ok(Run {
        decode: decoded - start,
        resize: resized - decoded,
        encode: encoded - resized,
        thumbnail: thumbnailed - encoded,
        encrypt: end - prepared,
        total: end - start,
        image_len: photo.image.len(),
        thumb_len: photo.thumbnail.len(),
        sealed_len: image.ciphertext.len() + thumb.ciphertext.len(),
        size: (photo.width, photo.height, photo.thumb_width, photo.thumb_height),
    })
}

/// Seals `BIG_FILE` bytes read in `PIECE`-sized pieces, as an upload from disk would:
/// one read buffer, each sealed piece sent on and dropped. Returns the wall time.
fn seal_big_file(rng: &mut OsRandom) -> Result<(Duration, u64), Box<dyn Error>> {
    let mut piece = vec![0u8; PIECE];
    rng.fill(&mut piece);
    let key = AttachmentKey::generate(rng);
    let start = Instant::now();
    let mut sealer = AttachmentSealer::new(&key, rng);
    let mut sent = sealer.header().len() as u64;
    let mut left = BIG_FILE;
    while left > 0 {
        let take = left.min(PIECE);
        // Stand-in for the next read: vary the bytes so no chunk repeats.
        piece[..8].copy_from_slice(&(left as u64).to_le_bytes());
        let sealed = sealer.push(&piece[..take])?;
        sent += sealed.len() as u64; // "uploaded", then dropped
        left -= take;
    }
    let (tail, summary) = sealer.finish()?;
    sent += tail.len() as u64;
    let elapsed = start.elapsed();
    if sent != summary.ciphertext_len {
        return Err("sealed length differs from ciphertext_len".into());
    }
    Ok((elapsed, sent))
}

/// A PNG header declaring 100000×100000 pixels (30 GB decoded), then an empty IDAT.
fn png_bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1A\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png.extend_from_slice(&0u32.to_be_bytes());
    png.extend_from_slice(b"IDAT");
    png.extend_from_slice(&crc32(b"IDAT").to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn main() -> Result<(), Box<dyn Error>> {
    let machine = machine();
    let mut rng = OsRandom;
    let original = std::fs::read(FIXTURE).map_err(|e| format!("{FIXTURE}: {e}"))?;

    // Smallest peak first: `Cap` only keeps the highest peak ever, so each measurement
    // below must peak above the one before (checked).
    let bomb = png_bomb();
    let base = HEAP.allocated();
    let start = Instant::now();
    let refused = prepare_photo_with_progress(&bomb, &PhotoOptions::default(), &mut |_| {});
    let bomb_time = start.elapsed();
    let bomb_peak = HEAP.max_allocated().saturating_sub(base);
    let bomb_error = match refused {
        Err(error) => error.to_string(),
        Ok(_) => return Err("the PNG bomb was accepted".into()),
    };

    let base = HEAP.allocated();
    let mut big_times = Vec::with_capacity(BIG_RUNS);
    let mut sent = 0;
    for _ in 0..BIG_RUNS {
        let (elapsed, len) = seal_big_file(&mut rng)?;
        big_times.push(elapsed);
        sent = len;
    }
    let seal_peak = HEAP.max_allocated().saturating_sub(base);
    if seal_peak <= bomb_peak {
        return Err("sealing peak not above the PNG bomb's: measure them separately".into());
    }
    let big = stats(big_times);

    let base = HEAP.allocated();
    let mut runs = Vec::with_capacity(RUNS);
    for i in 0..WARM_UP + RUNS {
        let run = photo_run(&original, &mut rng)?;
        if i >= WARM_UP {
            runs.push(run);
        }
    }
    let photo_peak = HEAP.max_allocated().saturating_sub(base);
    if photo_peak <= seal_peak {
        return Err("photo peak not above the sealing peak: measure them separately".into());
    }
    let step = |f: fn(&Run) -> Duration| stats(runs.iter().map(f).collect());
    let total = step(|r| r.total);
    let first = &runs[0];

    let mut report = String::new();
    writeln!(report, "# Photo pipeline and attachment sealing (native)\n")?;
    writeln!(
        report,
        "Command: `cargo bench -p kizuna-crypto --bench photo` (release build)  "
    )?;
    writeln!(report, "Machine: {machine}  ")?;
    writeln!(
        report,
        "Measured: `testdata/wound-12mp-exif-gps.jpg` ({:.2} MB, 4000×3000 stored, EXIF \
         orientation 6) through `prepare_photo` with default options, then `seal_all` of the image \
         and of the thumbnail (fresh key each, OS RNG); {RUNS} runs after {WARM_UP} warm-up, single \
         thread. Output: {}×{} image ({} bytes), {}×{} thumbnail ({} bytes), {} bytes sealed in \
         total. Peak heap counted by a global allocator, above what was allocated before. \
         Target < 1 s.\n",
        original.len() as f64 / 1e6,
        first.size.0,
        first.size.1,
        first.image_len,
        first.size.2,
        first.size.3,
        first.thumb_len,
        first.sealed_len,
    )?;
    writeln!(report, "| step | median | p95 | max |")?;
    writeln!(report, "| --- | --- | --- | --- |")?;
    let rows: [(&str, Stats); 6] = [
        ("sniff + checks + decode (zune-jpeg)", step(|r| r.decode)),
        (
            "resize 4000×3000 → 2048×1536 (Lanczos3) + orient",
            step(|r| r.resize),
        ),
        ("JPEG encode, quality 85", step(|r| r.encode)),
        ("thumbnail: resize + encode", step(|r| r.thumbnail)),
        ("encrypt image + thumbnail", step(|r| r.encrypt)),
        ("**total**", total),
    ];
    for (name, s) in &rows {
        writeln!(
            report,
            "| {name} | {} | {} | {} |",
            millis(s.median),
            millis(s.p95),
            millis(s.max)
        )?;
    }
    writeln!(
        report,
        "\nPeak heap during the photo runs: {}.\n",
        mib(photo_peak)
    )?;

    writeln!(report, "## Sealing a 100 MB file in 1 MiB pieces\n")?;
    writeln!(
        report,
        "`AttachmentSealer::push` fed {BIG_FILE} bytes from one reused 1 MiB read buffer, each \
         sealed piece dropped as if uploaded ({sent} bytes sealed); {BIG_RUNS} runs.\n"
    )?;
    writeln!(
        report,
        "| median | max | throughput (median) | peak heap, read buffer included |"
    )?;
    writeln!(report, "| --- | --- | --- | --- |")?;
    writeln!(
        report,
        "| {} | {} | {:.0} MB/s | {} |",
        millis(big.median),
        millis(big.max),
        BIG_FILE as f64 / 1e6 / big.median.as_secs_f64(),
        mib(seal_peak)
    )?;

    writeln!(report, "\n## Refusing a PNG bomb\n")?;
    writeln!(
        report,
        "A {}-byte PNG declaring 100000×100000 pixels: refused in {:.2} ms with a peak heap of {} \
         (\"{bomb_error}\").",
        bomb.len(),
        bomb_time.as_secs_f64() * 1e3,
        mib(bomb_peak)
    )?;
    print!("{report}");

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../benchmarks/photo.md");
    std::fs::write(path, &report)?;
    println!("\nwritten to benchmarks/photo.md");
    Ok(())
}
