//! Looking for a marker where the server must never keep it: the database file or
//! dump, the data directory, the log. Used by every "the server never sees it" suite.

use std::path::Path;

use anyhow::Result;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::process::ServerProcess;
use crate::TestDb;

/// The marker in the forms a careless server might store or log it: as is, as hex,
/// and as base64 at each of the three byte alignments.
pub fn needles(marker: &str) -> Vec<Vec<u8>> {
    let bytes = marker.as_bytes();
    let mut found = vec![
        bytes.to_vec(),
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
            .into_bytes(),
    ];
    for skip in 0..3 {
        for encoded in [
            STANDARD.encode(&bytes[skip..]),
            URL_SAFE_NO_PAD.encode(&bytes[skip..]),
        ] {
            found.push(encoded.as_bytes()[..encoded.len() - 4].to_vec());
        }
    }
    found
}

/// Fails the test if `haystack` (named `what` in the message) holds any needle.
pub fn scan(what: &str, haystack: &[u8], needles: &[Vec<u8>]) {
    for needle in needles {
        assert!(
            !haystack.windows(needle.len()).any(|w| w == needle.as_slice()),
            "{what} holds a marker as {:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

/// [`scan`]s every file below `dir`; returns how many files were read.
pub fn scan_dir(dir: &Path, needles: &[Vec<u8>]) -> Result<usize> {
    let mut files = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files += scan_dir(&path, needles)?;
        } else {
            scan(&path.display().to_string(), &std::fs::read(&path)?, needles);
            files += 1;
        }
    }
    Ok(files)
}

/// Stops `process` and fails the test if any needle is in what its server kept: the
/// PostgreSQL database (`db`, through `pg_dump`), else the SQLite file; the data
/// directory (local blobs included); the debug log.
pub async fn assert_server_kept_none(
    process: &mut ServerProcess,
    db: Option<&TestDb>,
    needles: &[Vec<u8>],
) -> Result<()> {
    if let Some(db) = db {
        let dump = std::process::Command::new("pg_dump").arg(&db.url).output()?;
        assert!(
            dump.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&dump.stderr)
        );
        assert!(dump.stdout.len() > 1000, "the dump holds the data");
        scan("the PostgreSQL dump", &dump.stdout, needles);
    }
    process.kill().await?;
    let files = scan_dir(&process.data_dir, needles)?;
    if db.is_none() {
        assert!(files > 0, "the data directory holds the SQLite database");
    }
    let logged = std::fs::read(&process.log)?;
    assert!(logged.len() > 100, "the server logged at debug level");
    scan("the server's log", &logged, needles);
    Ok(())
}
