//! `kizuna-ops` as an operator runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::path::Path;
use std::process::{Command, Output};

use kizuna_server::tokens::hash_token;
use kizuna_storage::{invitations, Db, DbOptions};

const BIN: &str = env!("CARGO_BIN_EXE_kizuna-ops");

fn ops(data_dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("KIZUNA_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("KIZUNA_DATA_DIR", data_dir).args(args);
    for (key, value) in vars {
        cmd.env(key, value);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn token_in(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains("#/invite/"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    line.trim().rsplit_once("#/invite/").unwrap().1.to_owned()
}

#[test]
fn init_then_check_on_the_embedded_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ops(&data, &["init"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("database: sqlite ok"), "{}", stdout(&out));
    assert!(data.join("kizuna.db").is_file() && data.join("blobs").is_dir());

    let out = ops(&data, &["check"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("all checks passed"), "{}", stdout(&out));
}

#[test]
fn check_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out = ops(
        dir.path(),
        &["check"],
        &[("KIZUNA_BLOB_URL", "s3://kizuna-blobs")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("KIZUNA_S3_ACCESS_KEY_ID"),
        "{}",
        stderr(&out)
    );

    let out = ops(
        dir.path(),
        &["check"],
        &[("KIZUNA_DATABASE_URL", "postgres://u:pw@127.0.0.1:9/none")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot open the PostgreSQL database"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("panicked") && !stderr(&out).contains(":pw@"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bootstrap_admin_replaces_the_earlier_link() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = ops(
        &data,
        &["bootstrap-admin"],
        &[("KIZUNA_PUBLIC_URL", "https://kizuna.example.jp")],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("https://kizuna.example.jp/#/invite/"),
        "{}",
        stdout(&first)
    );
    let second = ops(&data, &["bootstrap-admin"], &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let (old, new) = (token_in(&stdout(&first)), token_in(&stdout(&second)));
    assert_ne!(old, new);

    let db = Db::open(
        &format!("sqlite://{}", data.join("kizuna.db").display()),
        &DbOptions::default(),
    )
    .unwrap();
    let lookup = |token: &str| {
        let hash = hash_token(token);
        db.run_blocking(|conn| invitations::find_by_token_hash(conn, &hash))
            .unwrap()
            .unwrap()
    };
    let (old, new) = (lookup(&old), lookup(&new));
    assert!(old.expires_at <= new.created_at, "the replaced link still works");
    assert!(new.expires_at > new.created_at);
    assert_eq!(new.used_at, None);
}

#[test]
fn new_generation_starts_a_new_log_generation_after_a_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = ops(&data, &["init"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let generation = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("log generation: "))
            .map(|g| g.trim().to_owned())
    };
    let first = generation(&stdout(&out)).expect("init prints the log generation");
    let url = format!("sqlite://{}", data.join("kizuna.db").display());
    let stored = || {
        let db = Db::open(&url, &DbOptions::default()).unwrap();
        db.run_blocking(kizuna_storage::groups::log_generation).unwrap()
    };
    assert_eq!(stored(), first);

    let out = ops(&data, &["new-generation"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("新しいログ世代"), "{}", stdout(&out));
    let second = stored();
    assert_ne!(second, first);
    assert!(stdout(&out).contains(&second), "{}", stdout(&out));
}

#[test]
fn backup_key_writes_a_private_identity_and_never_overwrites_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.txt");
    let key_arg = key.to_str().unwrap();
    let out = ops(dir.path(), &["backup-key", "--out", key_arg], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let public = stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("public key: "))
        .map(str::to_owned)
        .expect("the public key is printed");
    assert!(public.starts_with("age1"), "{public}");
    let written = std::fs::read_to_string(&key).unwrap();
    assert!(written.contains("AGE-SECRET-KEY-1") && written.contains(&public));
    assert!(
        !stdout(&out).contains("AGE-SECRET-KEY"),
        "the secret is not printed"
    );
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let again = ops(dir.path(), &["backup-key", "--out", key_arg], &[]);
    assert_eq!(again.status.code(), Some(69));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), written, "the key is kept");
}

#[test]
fn backup_commands_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(ops(&data, &["init"], &[]).status.success());
    let to = dir.path().join("backups");
    let out = ops(
        &data,
        &["backup", "--to", to.to_str().unwrap()],
        &[("KIZUNA_BACKUP_RECIPIENT", "not-a-key")],
    );
    assert_eq!(out.status.code(), Some(69), "{}", stderr(&out));
    assert!(stderr(&out).contains("age1"), "{}", stderr(&out));

    let out = ops(
        &data,
        &[
            "drill",
            "--from",
            to.to_str().unwrap(),
            "--identity",
            "/nonexistent/key",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(69), "{}", stderr(&out));
    assert!(stderr(&out).contains("--identity"), "{}", stderr(&out));
}
