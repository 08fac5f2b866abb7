//! The `kizuna-server` binary as an operator runs it: first start, second start,
//! bad configuration, unreachable database, read-only data directory, SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kizuna-server");

/// The server command with a clean environment: only the variables given.
fn server(data_dir: &Path, vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("KIZUNA_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("KIZUNA_LISTEN", "127.0.0.1:0")
        .env("KIZUNA_DATA_DIR", data_dir)
        .env("RUST_LOG", "info");
    for (key, value) in vars {
        cmd.env(key, value);
    }
    cmd
}

/// A running server and everything it printed to stdout so far.
struct Started {
    child: Child,
    stdout: Vec<String>,
    addr: String,
}

/// Starts the server and reads stdout until it says where it listens.
#[allow(clippy::zombie_processes)] // the child is handed to the caller, whose stop() waits for it
fn start(data_dir: &Path, vars: &[(&str, &str)]) -> Started {
    let mut child = server(data_dir, vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                let mut err = String::new();
                child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                panic!("server did not start; stdout {lines:?}\nstderr {err}")
            });
        if let Some(rest) = line.strip_prefix("Kizuna: http://") {
            let addr = rest.split_whitespace().next().unwrap().to_owned();
            lines.push(line);
            return Started {
                child,
                stdout: lines,
                addr,
            };
        }
        lines.push(line);
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn stop(mut started: Started) -> String {
    sigterm(&started.child);
    let status = started.child.wait().unwrap();
    assert!(status.success(), "server exited with {status}");
    let mut err = String::new();
    started
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    err
}

fn run_to_exit(data_dir: &Path, vars: &[(&str, &str)]) -> Output {
    let mut child = server(data_dir, vars)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "server kept running on bad input");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn first_start_prints_a_bootstrap_link_and_the_second_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("kizuna-data");
    let first = start(&data, &[]);
    let link = first
        .stdout
        .iter()
        .find_map(|l| l.trim().strip_prefix("http://"))
        .map(str::to_owned);
    let link = link.unwrap_or_else(|| panic!("no bootstrap link in {:?}", first.stdout));
    let token = link.rsplit_once("#/invite/").map(|(_, t)| t.to_owned()).unwrap();
    assert_eq!(token.len(), 43, "{link}");
    let logs = stop(first);
    assert!(!logs.contains(&token), "the bootstrap token reached the logs");

    // Created everything it needed; stores only a hash of the token.
    assert!(data.join("kizuna.db").is_file());
    assert!(data.join("blobs").is_dir());
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "token stored in {path:?}"
            );
        }
    }

    let second = start(&data, &[]);
    assert!(
        !second.stdout.iter().any(|l| l.contains("#/invite/")),
        "second start printed a link: {:?}",
        second.stdout
    );
    assert!(
        second
            .stdout
            .iter()
            .any(|l| l.contains("kizuna-ops bootstrap-admin")),
        "{:?}",
        second.stdout
    );
    stop(second);
}

#[test]
fn sigterm_lets_an_in_flight_request_finish() {
    let dir = tempfile::tempdir().unwrap();
    let started = start(&dir.path().join("data"), &[]);
    let body = br#"{"token":"in-flight"}"#;
    let mut stream = TcpStream::connect(&started.addr).unwrap();
    write!(
        stream,
        "POST /api/v1/invitations/inspect HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        started.addr,
        body.len()
    )
    .unwrap();
    stream.write_all(&body[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&started.child);
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body[5..]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 404"),
        "request cut off by shutdown: {answer:?}"
    );
    assert!(answer.contains("invitation_invalid"));
    let mut child = started.child;
    assert!(child.wait().unwrap().success());
}

#[test]
fn unknown_configuration_keys_are_refused_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(dir.path(), &[("KIZUNA_LISTN", "127.0.0.1:1")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("listn") && err.contains("cannot start"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let file = dir.path().join("kizuna.toml");
    std::fs::write(&file, "max_blob_byte = 10\n").unwrap();
    let out = run_to_exit(dir.path(), &[("KIZUNA_CONFIG", file.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("max_blob_byte"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unreachable_database_is_named_with_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(
        dir.path(),
        &[(
            "KIZUNA_DATABASE_URL",
            "postgres://kizuna:hunter2@127.0.0.1:9/kizuna",
        )],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cannot open the PostgreSQL database"), "{err}");
    assert!(err.contains("KIZUNA_DATABASE_URL"), "{err}");
    assert!(!err.contains("hunter2"), "password printed: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_read_only_data_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("ro");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs"])
        .arg(&mount)
        .status()
        .unwrap();
    assert!(
        mounted.success(),
        "cannot mount a read-only tmpfs (run as root, as ./ops/test.sh does)"
    );
    let out = run_to_exit(&mount.join("data"), &[]);
    let _ = Command::new("umount").arg(&mount).status();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("data directory") && err.contains("KIZUNA_DATA_DIR"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("read-only"), "{err}");
}

#[test]
fn a_taken_port_is_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(dir.path(), &[("KIZUNA_LISTEN", &addr)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

#[test]
fn production_logs_are_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let started = start(&dir.path().join("data"), &[("KIZUNA_LOG_FORMAT", "json")]);
    let mut stream = TcpStream::connect(&started.addr).unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let logs = stop(started);
    let mut saw_request = false;
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        saw_request |= value["route"] == "/healthz" && value["status"] == 200;
    }
    assert!(saw_request, "no request line for /healthz in {logs}");
}
