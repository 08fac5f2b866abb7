//! Seal and open of a ~1 KiB note, natively. Target (BRIEF.md): < 1 ms each.
//!
//! Run with `cargo bench -p kizuna-crypto --bench post`; prints the figures and writes
//! them, with the machine they ran on, to `benchmarks/post-envelope.md`.

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kizuna_crypto::proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use kizuna_crypto::{
    open, seal, ContentType, DeviceSigningKey, EraKey, Expected, PostEnvelope, PostHeader, Random, SealedPost,
};
use rand::RngCore;
use uuid::Uuid;

const WARM_UP: usize = 500;
const ITERATIONS: usize = 5_000;

/// Nonces and keys from the OS generator, as a real client draws them.
struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

struct Stats {
    median: Duration,
    p99: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
        max: at(1.0),
    }
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
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
    // a slow p99 can be told apart from a regression.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{cores} cores available, {model}; 1-minute load average {load} at start")
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = OsRandom;
    let era = EraKey::generate(&mut rng);
    let device = DeviceSigningKey::generate(&mut rng);
    let author_key = device.verifying_key();
    let header = PostHeader {
        room: RoomId::from_uuid(Uuid::from_u128(1)),
        channel: Channel::Team,
        era: era.id(),
        post: PostId::from_uuid(Uuid::from_u128(2)),
        author_user: UserId::from_uuid(Uuid::from_u128(3)),
        author_device: DeviceId::from_uuid(Uuid::from_u128(4)),
        sent_at: Timestamp(1_795_633_800_000),
    };
    // ~1 KiB of mixed Japanese and ASCII, like a real visit note.
    let body = "本日の訪問: 体温36.8℃、血圧128/76。食欲あり、服薬確認済み。 ".repeat(12);
    let note = PostEnvelope::new(ContentType::Note, body.clone());
    let expected = Expected {
        room: header.room,
        channel: header.channel,
    };

    let mut seal_times = Vec::with_capacity(ITERATIONS);
    let mut open_times = Vec::with_capacity(ITERATIONS);
    let mut wire_len = 0;
    for i in 0..WARM_UP + ITERATIONS {
        let start = Instant::now();
        let wire = seal(header, &note, &era, &device, &mut rng)?.to_bytes();
        let sealed_in = start.elapsed();

        let start = Instant::now();
        let opened = open(&SealedPost::from_bytes(&wire)?, &expected, &era, &author_key)?;
        let opened_in = start.elapsed();

        if opened.envelope.body.len() != body.len() {
            return Err("round trip changed the body".into());
        }
        if i >= WARM_UP {
            seal_times.push(sealed_in);
            open_times.push(opened_in);
        }
        wire_len = wire.len();
    }
    let (seal_stats, open_stats) = (stats(seal_times), stats(open_times));

    let mut report = String::new();
    writeln!(report, "# Post envelope: seal and open (native)\n")?;
    writeln!(
        report,
        "Command: `cargo bench -p kizuna-crypto --bench post` (release build)  "
    )?;
    writeln!(report, "Machine: {}  ", machine())?;
    writeln!(
        report,
        "Measured: a {}-byte note ({} bytes sealed on the wire); {ITERATIONS} iterations after \
         {WARM_UP} warm-up, single thread. Seal = validate + JSON + XChaCha20-Poly1305 + Ed25519 \
         sign + encode; open = decode + checks + Ed25519 verify (strict) + decrypt + parse + \
         validate. Nonces from the OS RNG. Target < 1 ms each.\n",
        body.len(),
        wire_len
    )?;
    writeln!(report, "| operation | median | p99 | max |")?;
    writeln!(report, "| --- | --- | --- | --- |")?;
    for (name, s) in [
        ("seal (encrypt + sign)", &seal_stats),
        ("open (verify + decrypt)", &open_stats),
    ] {
        writeln!(
            report,
            "| {name} | {} | {} | {} |",
            micros(s.median),
            micros(s.p99),
            micros(s.max)
        )?;
    }
    print!("{report}");

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../benchmarks/post-envelope.md");
    std::fs::write(path, &report)?;
    println!("\nwritten to benchmarks/post-envelope.md");
    Ok(())
}
