//! Benchmark: the server-side time of one complete two-factor sign-in (begin +
//! finish: Argon2id at the configured cost, WebAuthn verification, session
//! creation, audit), against a real server on loopback, SQLite and PostgreSQL.
//!
//!     cargo bench -p kizuna-tests --bench sign_in
//!
//! The software authenticator's signing happens between the two requests and is
//! not counted. Figures go to benchmarks/sign-in.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use kizuna_tests::accounts::{origin, GOOD_PASSWORD};
use kizuna_tests::{BlobKind, DbKind, TestServer};
use serde_json::json;
use webauthn_authenticator_rs::WebauthnAuthenticator;

const ROUNDS: usize = 40;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn measure(kind: DbKind) -> Vec<Duration> {
    let server = TestServer::start(kind, BlobKind::Local).await.unwrap();
    let admin = server.bootstrap_admin().await.unwrap();
    let clinic = server
        .organisation(&admin, "Clinic", "clinic", None)
        .await
        .unwrap();
    let mut doctor = server
        .staff(&admin, &clinic, "dr.tanaka", "doctor")
        .await
        .unwrap();
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 3 {
        let started = Instant::now();
        let (ceremony, options) = server.sign_in_begin("dr.tanaka").await.unwrap();
        let begin = started.elapsed();
        let assertion = doctor.key.do_authentication(origin(), options).unwrap();
        let body = json!({ "ceremony_id": ceremony, "password": GOOD_PASSWORD, "credential": assertion });
        let finishing = Instant::now();
        let (status, answer) = server
            .post("/api/v1/auth/sign-in/finish", None, body)
            .await
            .unwrap();
        let finish = finishing.elapsed();
        assert_eq!(status, 200, "{answer}");
        doctor.token = answer["token"].as_str().unwrap().to_owned();
        if round >= 3 {
            times.push(begin + finish); // the first rounds warm caches and pools
        }
    }
    times.sort();
    times
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut report = String::new();
    writeln!(report, "# Two-factor sign-in: server time\n").unwrap();
    writeln!(
        report,
        "Command: `cargo bench -p kizuna-tests --bench sign_in` (release build)  "
    )
    .unwrap();
    writeln!(report, "Machine: {}  ", machine()).unwrap();
    writeln!(
        report,
        "Argon2id: 19456 KiB, 2 passes, 1 lane (OWASP); WebAuthn ES256 (software passkey)  "
    )
    .unwrap();
    writeln!(report, "Measured: begin + finish requests over loopback, {ROUNDS} rounds after 3 warm-up rounds; the authenticator's signing between them is not counted. Target < 300 ms.\n").unwrap();
    writeln!(report, "| database | median | p95 | max |").unwrap();
    writeln!(report, "| --- | --- | --- | --- |").unwrap();
    for (name, kind) in [("SQLite", DbKind::Sqlite), ("PostgreSQL", DbKind::Postgres)] {
        let times = measure(kind).await;
        let line = format!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms |",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.95).as_secs_f64() * 1000.0,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
        );
        println!("{line}");
        writeln!(report, "{line}").unwrap();
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../benchmarks/sign-in.md");
    std::fs::write(path, report).unwrap();
    println!("written to benchmarks/sign-in.md");
}
