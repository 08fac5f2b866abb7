//! Adding one device to a 30-device channel, and posts through the channel layer.
//! Targets (BRIEF.md): add < 20 ms client CPU (commit + welcome + era keys); post
//! encrypt + sign and decrypt + verify < 1 ms each.
//!
//! Run with `cargo bench -p kizuna-crypto --bench mls_add`; prints the figures and writes
//! them, with the machine they ran on, to `benchmarks/mls-add.md`.
//!
//! Each add iteration starts from the same 30-device epoch: the adder's device and channel
//! state are restored from an export (untimed), as is the server's view of the group.

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kizuna_crypto::mls::{DeviceIdentity, MlsDevice, ServerGroupView};
use kizuna_crypto::proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use kizuna_crypto::{ChannelEvent, ChannelState, ContentType, HistoryPolicy, LogKind, PostEnvelope, Random};
use rand::RngCore;
use uuid::Uuid;

const GROUP_SIZE: u128 = 30;
const ADD_WARM_UP: usize = 10;
const ADD_ITERATIONS: usize = 100;
const POST_WARM_UP: usize = 500;
const POST_ITERATIONS: usize = 5_000;
/// 2027-01-15T08:00:00Z.
const T0: Timestamp = Timestamp(1_800_000_000_000);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Keys and nonces from the OS generator, as a real client draws them.
struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

fn device(n: u128) -> MlsDevice {
    MlsDevice::new(DeviceIdentity::generate(
        UserId::from_uuid(Uuid::from_u128(n)),
        DeviceId::from_uuid(Uuid::from_u128(1_000_000 + n)),
        &mut OsRandom,
    ))
}

fn key_package(device: &MlsDevice) -> Result<Vec<u8>, Box<dyn Error>> {
    Ok(device.generate_key_packages(1, false)?.remove(0).bytes)
}

fn post_id() -> PostId {
    let mut bytes = [0u8; 16];
    OsRandom.fill(&mut bytes);
    PostId::from_uuid(Uuid::from_bytes(bytes))
}

/// Median, the given quantile, and maximum.
fn stats(mut samples: Vec<Duration>, tail: f64) -> [Duration; 3] {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(tail), at(1.0)]
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
    format!(
        "{cores} cores available, {model}; 1-minute load average {} at start",
        load()
    )
}

/// The 1-minute load average: a shared machine inflates the tail, so the report says how
/// busy it was.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A 30-device team channel as the bench needs it.
struct Setup {
    /// The creator, who adds devices and posts.
    creator: MlsDevice,
    state: ChannelState,
    /// Another member, who reads posts.
    reader: ChannelState,
    /// The server's view of the group, exported.
    server_view: Vec<u8>,
    /// When the creator last posted.
    now: Timestamp,
}

/// A 30-device team channel whose creator has posted once a day for `days` days, so
/// every member holds `days` eras.
fn channel(days: u32) -> Result<Setup, Box<dyn Error>> {
    let room = RoomId::from_uuid(Uuid::from_u128(1));
    let creator = device(0);
    let (mut state, group_info) = ChannelState::create(&creator, room, Channel::Team)?;
    let mut server = ServerGroupView::from_group_info(&group_info, None)?;
    let others: Vec<MlsDevice> = (1..GROUP_SIZE).map(device).collect();
    let packages = others.iter().map(key_package).collect::<Result<Vec<_>, _>>()?;
    let pending = state.add_devices(&packages)?;
    server.accept(&pending.commit)?;
    state.commit_accepted()?;
    let share = state.share_eras(HistoryPolicy::Full, T0, &mut OsRandom)?;
    let welcome = pending.welcome.ok_or("no welcome")?;
    let reader_device = others.into_iter().next().ok_or("no members")?;
    let mut reader = ChannelState::join(&reader_device, room, Channel::Team, &welcome)?;
    reader.process(LogKind::EraKey, Some(creator.identity().device()), &share)?;
    let mut now = T0;
    for day in 1..days {
        now = T0.plus(DAY * day);
        let note = PostEnvelope::new(ContentType::Note, format!("day {day}"));
        let out = state.seal_post(&note, post_id(), now, &mut OsRandom)?;
        let era_key = out.era_key.ok_or("a new day starts a new era")?;
        reader.process(LogKind::EraKey, Some(creator.identity().device()), &era_key)?;
    }
    if state.members().len() != GROUP_SIZE as usize || state.eras().len() != days as usize {
        return Err("channel has the wrong size".into());
    }
    Ok(Setup {
        creator,
        state,
        reader,
        server_view: server.export()?,
        now,
    })
}

/// Per-step samples of adding one device with full history.
#[derive(Default)]
struct AddSamples {
    commit: Vec<Duration>,
    merge: Vec<Duration>,
    share: Vec<Duration>,
    validate: Vec<Duration>,
    accept: Vec<Duration>,
    join: Vec<Duration>,
    learn: Vec<Duration>,
    sizes: (usize, usize, usize),
}

fn bench_add(days: u32) -> Result<AddSamples, Box<dyn Error>> {
    let Setup {
        creator,
        state,
        server_view,
        now,
        ..
    } = channel(days)?;
    let room = state.room();
    let group_id = state.group_id();
    let saved_mls = creator.export_state()?;
    let saved_channel = state.export()?;
    let identity = creator.identity().clone();
    let mut samples = AddSamples::default();
    for i in 0..ADD_WARM_UP + ADD_ITERATIONS {
        // Untimed: restore the adder and the server to the same epoch; a new device.
        let adder = MlsDevice::import_state(identity.clone(), &saved_mls)?;
        let mut state = ChannelState::import(&adder, &saved_channel)?;
        let mut server = ServerGroupView::import(group_id.as_bytes(), &server_view)?;
        let newcomer = device(GROUP_SIZE + 1 + i as u128);
        let package = key_package(&newcomer)?;

        let start = Instant::now();
        let pending = state.add_devices(&[package])?;
        let commit = start.elapsed();
        let start = Instant::now();
        let summary = server.validate_commit(&pending.commit)?;
        let validate = start.elapsed();
        let start = Instant::now();
        server.accept(&pending.commit)?;
        let accept = start.elapsed();
        let start = Instant::now();
        state.commit_accepted()?;
        let merge = start.elapsed();
        let start = Instant::now();
        let share = state.share_eras(HistoryPolicy::Full, now, &mut OsRandom)?;
        let share_in = start.elapsed();
        if summary.added.len() != 1 || server.epoch() != state.epoch() {
            return Err("server did not apply the add".into());
        }

        let welcome = pending.welcome.ok_or("no welcome")?;
        let start = Instant::now();
        let mut joined = ChannelState::join(&newcomer, room, Channel::Team, &welcome)?;
        let join = start.elapsed();
        let start = Instant::now();
        let event = joined.process(LogKind::EraKey, Some(identity.device()), &share)?;
        let learn = start.elapsed();
        if !matches!(&event, ChannelEvent::Eras(eras) if eras.len() == days as usize)
            || joined.members().len() != GROUP_SIZE as usize + 1
        {
            return Err("newcomer did not get the history".into());
        }
        samples.sizes = (pending.commit.len(), welcome.len(), share.len());
        if i >= ADD_WARM_UP {
            samples.commit.push(commit);
            samples.merge.push(merge);
            samples.share.push(share_in);
            samples.validate.push(validate);
            samples.accept.push(accept);
            samples.join.push(join);
            samples.learn.push(learn);
        }
    }
    Ok(samples)
}

/// Seal (encrypt + sign) and process (decrypt + verify) of a ~1 KiB note through
/// [`ChannelState`], within one era.
/// Samples of sealing and of processing posts, and the sealed size.
struct PostSamples {
    seal: Vec<Duration>,
    open: Vec<Duration>,
    size: usize,
}

fn bench_post() -> Result<PostSamples, Box<dyn Error>> {
    let Setup {
        creator,
        state: mut author,
        mut reader,
        now,
        ..
    } = channel(1)?;
    let author_device = creator.identity().device();
    let body = "体温36.8℃、血圧128/82、SpO2 97%。食事は全量摂取。褥瘡部の発赤は軽減。".repeat(8);
    let note = PostEnvelope::new(ContentType::Note, body.chars().take(340).collect::<String>());
    let (mut seal, mut open, mut size) = (Vec::new(), Vec::new(), 0);
    for i in 0..POST_WARM_UP + POST_ITERATIONS {
        let id = post_id();
        let start = Instant::now();
        let out = author.seal_post(&note, id, now, &mut OsRandom)?;
        let sealed_in = start.elapsed();
        if out.era_key.is_some() {
            return Err("unexpected new era".into());
        }
        let start = Instant::now();
        let event = reader.process(LogKind::Post, Some(author_device), &out.post)?;
        let opened_in = start.elapsed();
        if !matches!(&event, ChannelEvent::Post(opened, _) if opened.envelope == note) {
            return Err("post did not open".into());
        }
        size = out.post.len();
        if i >= POST_WARM_UP {
            seal.push(sealed_in);
            open.push(opened_in);
        }
    }
    Ok(PostSamples { seal, open, size })
}

/// Milliseconds with the 95th percentile (100 samples), or microseconds with the 99th.
#[derive(Clone, Copy)]
enum Unit {
    Ms,
    Us,
}

fn row(report: &mut String, name: &str, samples: Vec<Duration>, unit: Unit) -> Result<(), Box<dyn Error>> {
    let (tail, scale, suffix) = match unit {
        Unit::Ms => (0.95, 1e3, "ms"),
        Unit::Us => (0.99, 1e6, "µs"),
    };
    let [median, p, max] = stats(samples, tail);
    let f = |d: Duration| format!("{:.2} {suffix}", d.as_secs_f64() * scale);
    writeln!(report, "| {name} | {} | {} | {} |", f(median), f(p), f(max))?;
    Ok(())
}

fn add_table(report: &mut String, days: u32, s: AddSamples) -> Result<(), Box<dyn Error>> {
    let ms = Unit::Ms;
    let client: Vec<Duration> = (0..s.commit.len())
        .map(|i| s.commit[i] + s.merge[i] + s.share[i])
        .collect();
    let server: Vec<Duration> = s.validate.iter().zip(&s.accept).map(|(a, b)| *a + *b).collect();
    let newcomer: Vec<Duration> = s.join.iter().zip(&s.learn).map(|(a, b)| *a + *b).collect();
    writeln!(
        report,
        "\n## Add one device, full history of {days} era{}\n\nCommit {} bytes, Welcome {} bytes, \
         era-key message {} bytes.\n",
        if days == 1 { "" } else { "s" },
        s.sizes.0,
        s.sizes.1,
        s.sizes.2
    )?;
    writeln!(report, "| step | median | p95 | max |")?;
    writeln!(report, "| --- | --- | --- | --- |")?;
    row(report, "adder: `add_devices` (commit + welcome)", s.commit, ms)?;
    row(report, "adder: `commit_accepted` (merge)", s.merge, ms)?;
    row(
        report,
        "adder: `share_eras(Full)` (history HPKE + MLS encrypt)",
        s.share,
        ms,
    )?;
    row(report, "**adder total (client CPU)**", client, ms)?;
    row(report, "server: `validate_commit`", s.validate, ms)?;
    row(report, "server: `accept` (validate + merge)", s.accept, ms)?;
    row(report, "**server total**", server, ms)?;
    row(report, "newcomer: `ChannelState::join`", s.join, ms)?;
    row(report, "newcomer: process the era-key message", s.learn, ms)?;
    row(report, "**newcomer total**", newcomer, ms)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let started = machine();
    let month = bench_add(30)?;
    let year = bench_add(365)?;
    let PostSamples {
        seal,
        open,
        size: post_size,
    } = bench_post()?;

    let mut report = String::new();
    writeln!(report, "# MLS add and channel posts (native)\n")?;
    writeln!(
        report,
        "Command: `cargo bench -p kizuna-crypto --bench mls_add` (release build)  "
    )?;
    writeln!(report, "Machine: {started}, {} at the end  ", load())?;
    writeln!(
        report,
        "Measured: openmls 0.9.2 + openmls_rust_crypto 0.6, ciphersuite \
         MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ratchet tree in Welcome and GroupInfo; \
         a team channel of 30 devices whose creator posted once a day (one era per day). Add: \
         {ADD_ITERATIONS} iterations after {ADD_WARM_UP} warm-up, each from the same epoch \
         (adder and server view restored from an export, untimed); the adder's client CPU is \
         `add_devices` + `commit_accepted` + `share_eras(Full)`. Posts: {POST_ITERATIONS} \
         iterations after {POST_WARM_UP} warm-up of `seal_post` (validate + JSON + \
         XChaCha20-Poly1305 + Ed25519 sign + encode) and `process(Post)` (decode + era and \
         author checks + Ed25519 verify + decrypt + parse), a {post_size}-byte sealed vitals \
         note. Single thread, keys and nonces from the OS RNG. Targets: add < 20 ms client \
         CPU; post < 1 ms each."
    )?;
    add_table(&mut report, 30, month)?;
    add_table(&mut report, 365, year)?;
    writeln!(report, "\n## Posts through `ChannelState`\n")?;
    writeln!(report, "| operation | median | p99 | max |")?;
    writeln!(report, "| --- | --- | --- | --- |")?;
    let us = Unit::Us;
    row(&mut report, "`seal_post` (encrypt + sign)", seal, us)?;
    row(&mut report, "`process(Post)` (verify + decrypt)", open, us)?;
    print!("{report}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../benchmarks/mls-add.md");
    std::fs::write(path, &report)?;
    println!("\nwritten to benchmarks/mls-add.md");
    Ok(())
}
