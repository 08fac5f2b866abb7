//! The manifest of one backup generation: what it holds, to restore and to check it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The manifest format this version writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// One generation's manifest (stored age-encrypted as `manifest.age`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] when written.
    pub format: u32,
    /// The generation's name (its directory).
    pub generation: String,
    /// When the database snapshot was taken, UTC (`2026-12-04T21:50:18Z`).
    pub created_at: String,
    /// The kizuna-ops version that wrote it.
    pub kizuna_version: String,
    /// The database snapshot.
    pub database: DatabaseEntry,
    /// Rows per table in the snapshot.
    pub tables: BTreeMap<String, i64>,
    /// Every blob: ID, the SHA-256 of its stored bytes, size.
    pub blobs: Vec<BlobEntry>,
}

/// The database snapshot in a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseEntry {
    /// `sqlite` (a whole database file) or `postgresql` (a `pg_dump -Fc` archive).
    pub kind: DatabaseKind,
    /// SHA-256 of the snapshot's bytes before encryption.
    pub sha256: String,
    /// Its size before encryption.
    pub size: u64,
    /// The log generation the deployment had when the snapshot was taken.
    pub log_generation: Option<String>,
}

/// Which engine made the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    /// A SQLite database file (`VACUUM INTO`).
    Sqlite,
    /// A PostgreSQL custom-format archive (`pg_dump -Fc`).
    Postgresql,
}

impl DatabaseKind {
    /// The name operators read.
    pub fn name(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "SQLite",
            DatabaseKind::Postgresql => "PostgreSQL",
        }
    }
}

/// One blob in a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobEntry {
    /// The blob's ID in the deployment's blob store.
    pub id: String,
    /// SHA-256 of its stored bytes (client-made ciphertext); names its copy.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

impl BlobEntry {
    /// The key of its encrypted copy in the target.
    pub fn key(&self) -> String {
        blob_key(&self.sha256)
    }
}

/// The key of a blob copy.
pub fn blob_key(sha256: &str) -> String {
    format!("blobs/{sha256}.age")
}

/// Keys inside a generation.
pub fn generation_key(generation: &str, file: &str) -> String {
    format!("generations/{generation}/{file}")
}

/// The encrypted manifest's file name.
pub const MANIFEST: &str = "manifest.age";
/// The encrypted database snapshot's file name.
pub const DATABASE: &str = "database.age";
/// The list of blob copies a generation uses (names only, in clear, for pruning).
pub const BLOB_REFS: &str = "blob-refs";

/// A UTC time as `2026-12-04T21:50:18Z` and as a sortable generation stamp
/// `20261204T215018.123Z`, from Unix milliseconds.
pub fn utc_times(millis: i64) -> (String, String) {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z"),
        format!("{year:04}{month:02}{day:02}T{h:02}{m:02}{s:02}.{ms:03}Z"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_and_sortable() {
        assert_eq!(
            utc_times(1_796_421_018_123),
            (
                "2026-12-04T21:50:18Z".to_owned(),
                "20261204T215018.123Z".to_owned()
            )
        );
        assert_eq!(utc_times(0).0, "1970-01-01T00:00:00Z");
        assert_eq!(utc_times(951_782_400_000).0, "2000-02-29T00:00:00Z");
    }

    #[test]
    fn a_manifest_round_trips_and_refuses_unknown_fields() {
        let manifest = Manifest {
            format: FORMAT_VERSION,
            generation: "g".into(),
            created_at: "t".into(),
            kizuna_version: "0".into(),
            database: DatabaseEntry {
                kind: DatabaseKind::Postgresql,
                sha256: "00".into(),
                size: 1,
                log_generation: None,
            },
            tables: BTreeMap::from([("users".to_owned(), 3)]),
            blobs: vec![],
        };
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(json.contains("\"kind\":\"postgresql\""), "{json}");
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), manifest);
        let extra = json.replacen('{', "{\"x\":1,", 1);
        assert!(serde_json::from_str::<Manifest>(&extra).is_err());
    }
}
