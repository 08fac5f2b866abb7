//! Adding one device to a 30-device channel. Target (BRIEF.md): < 20 ms client CPU.
//!
//! Run with `cargo bench -p kizuna-crypto --bench mls_add`; prints the figures and writes
//! them, with the machine they ran on, to `benchmarks/mls-add-member.md`.
//!
//! Each iteration starts from the same 30-device group: the client's commit is cleared
//! after timing and the server view is re-created from the GroupInfo (untimed).

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kizuna_crypto::mls::{DeviceIdentity, MlsDevice, ServerGroupView};
use kizuna_crypto::proto::{DeviceId, UserId};
use kizuna_crypto::{EraKey, Random};
use rand::RngCore;
use uuid::Uuid;

const GROUP_SIZE: u128 = 30;
const WARM_UP: usize = 10;
const ITERATIONS: usize = 100;

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

fn stats(mut samples: Vec<Duration>) -> [Duration; 3] {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.95), at(1.0)]
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
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
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{cores} cores available, {model}; 1-minute load average {load} at start")
}

fn main() -> Result<(), Box<dyn Error>> {
    // A 30-device channel: the creator adds the other 29 in one commit.
    let creator = device(0);
    let (mut member, _) = creator.create_group(b"bench channel")?;
    let others: Vec<MlsDevice> = (1..GROUP_SIZE).map(device).collect();
    let packages: Vec<Vec<u8>> = others
        .iter()
        .map(|d| Ok(d.generate_key_packages(1, false)?.remove(0).bytes))
        .collect::<Result<_, Box<dyn Error>>>()?;
    member.add_devices(&packages)?;
    member.merge_pending_commit()?;
    if member.members().len() != GROUP_SIZE as usize {
        return Err("group has the wrong size".into());
    }
    let group_info = member.group_info()?;
    // Era keys handed to the channel with the add: a week of daily eras.
    let era_keys: Vec<EraKey> = (0..7).map(|_| EraKey::generate(&mut OsRandom)).collect();
    let era_message = serde_json::to_vec(&era_keys)?;

    let newcomer = device(GROUP_SIZE);
    let (mut client, mut era, mut validate, mut accept, mut join) = (vec![], vec![], vec![], vec![], vec![]);
    let mut sizes = (0, 0);
    for i in 0..WARM_UP + ITERATIONS {
        let package = newcomer.generate_key_packages(1, false)?.remove(0).bytes;
        let mut server = ServerGroupView::from_group_info(&group_info, None)?;

        let start = Instant::now();
        let out = member.add_devices(&[&package])?;
        let added_in = start.elapsed();

        let start = Instant::now();
        let _era_ciphertext = member.encrypt_application(&era_message);
        let era_in = start.elapsed();

        let start = Instant::now();
        let summary = server.validate_commit(&out.commit)?;
        let validated_in = start.elapsed();
        let start = Instant::now();
        server.accept(&out.commit)?;
        let accepted_in = start.elapsed();
        if summary.added.len() != 1 || server.epoch() != member.epoch() + 1 {
            return Err("server did not apply the add".into());
        }

        let welcome = out.welcome.ok_or("no welcome")?;
        let start = Instant::now();
        let joined = newcomer.join_from_welcome(&welcome, None)?;
        let joined_in = start.elapsed();
        if joined.members().len() != GROUP_SIZE as usize + 1 {
            return Err("newcomer sees the wrong group".into());
        }

        member.clear_pending_commit()?;
        sizes = (out.commit.len(), welcome.len());
        if i >= WARM_UP {
            client.push(added_in);
            era.push(era_in);
            validate.push(validated_in);
            accept.push(accepted_in);
            join.push(joined_in);
        }
    }
    let client_total: Vec<Duration> = client.iter().zip(&era).map(|(a, b)| *a + *b).collect();
    let server_total: Vec<Duration> = validate.iter().zip(&accept).map(|(a, b)| *a + *b).collect();

    let mut report = String::new();
    writeln!(report, "# MLS: add one device to a 30-device channel (native)\n")?;
    writeln!(
        report,
        "Command: `cargo bench -p kizuna-crypto --bench mls_add` (release build)  "
    )?;
    writeln!(report, "Machine: {}  ", machine())?;
    writeln!(
        report,
        "Measured: openmls 0.9.2 + openmls_rust_crypto 0.6, ciphersuite \
         MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, ratchet tree in Welcome and GroupInfo; \
         {ITERATIONS} iterations after {WARM_UP} warm-up, single thread, each from the same \
         30-device epoch. Commit {} bytes, Welcome {} bytes. Era keys = 7 era keys as JSON in \
         one MLS application message. Server = `ServerGroupView` validate (no merge), then \
         accept (validates again + merges). Target: client < 20 ms.\n",
        sizes.0, sizes.1
    )?;
    writeln!(report, "| step | median | p95 | max |")?;
    writeln!(report, "| --- | --- | --- | --- |")?;
    for (name, samples) in [
        ("client: add_devices (commit + welcome + group info)", client),
        ("client: encrypt era keys for the channel", era),
        ("**client total**", client_total),
        ("server: validate_commit", validate),
        ("server: accept (validate + merge)", accept),
        ("**server total**", server_total),
        ("newcomer: join_from_welcome", join),
    ] {
        let [median, p95, max] = stats(samples);
        writeln!(
            report,
            "| {name} | {} | {} | {} |",
            millis(median),
            millis(p95),
            millis(max)
        )?;
    }
    print!("{report}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../benchmarks/mls-add-member.md");
    std::fs::write(path, &report)?;
    println!("\nwritten to benchmarks/mls-add-member.md");
    Ok(())
}
