//! S3 Object Lock for backups: the bucket check (versioning and Object Lock on),
//! the lock each new file carries (mode and retain-until date, from the
//! generation's time), extending the lock of blob copies a new generation uses
//! again, and deleting whole object versions when pruning — where a version still
//! locked is left in place and reported, not an error.

use std::time::{SystemTime, UNIX_EPOCH};

use md5::Digest as _;
use object_store::signer::Method;
use reqwest::Response;
use serde::Deserialize;

use super::manifest::{utc_times, BLOB_REFS, DATABASE, MANIFEST};
use super::s3::LockArgs;
use super::s3_http::{Body, S3Client, S3Error};
use super::target::Removal;
use super::BackupError;

/// Object Lock retention mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LockMode {
    /// Nobody can shorten the lock or delete a locked version, not even the account's root user.
    Compliance,
    /// Users granted `s3:BypassGovernanceRetention` can (Kizuna never asks to).
    Governance,
}

impl LockMode {
    fn header(self) -> &'static str {
        match self {
            LockMode::Compliance => "COMPLIANCE",
            LockMode::Governance => "GOVERNANCE",
        }
    }
}

/// How this run's new files are locked.
#[derive(Debug, Clone)]
pub struct Lock {
    mode: LockMode,
    /// UTC, `2027-01-08T21:50:18Z`.
    until: String,
}

impl Lock {
    /// The lock of a generation made at `millis`.
    pub fn from_generation(millis: i64, args: &LockArgs) -> Self {
        Self {
            mode: args.mode,
            until: utc_times(millis.saturating_add(args.seconds().saturating_mul(1000))).0,
        }
    }

    /// The request headers that lock a new file.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("x-amz-object-lock-mode", self.mode.header().to_owned()),
            ("x-amz-object-lock-retain-until-date", self.until.clone()),
        ]
    }
}

/// What a HEAD request tells of an object version.
#[derive(Debug, Clone, Default)]
pub struct Head {
    version_id: Option<String>,
    retain_until: Option<String>,
    mode: Option<String>,
    legal_hold: bool,
}

/// Whether UTC time `a` is after `b` (both ISO 8601, `Z`, fractions ignored).
fn after(a: &str, b: &str) -> bool {
    a.get(..19).unwrap_or(a) > b.get(..19).unwrap_or(b)
}

fn now() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    utc_times(millis).0
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// HEADs `key` (a version of it if given); `None` if it does not exist.
pub async fn head(client: &S3Client, key: &str, version: Option<&str>) -> Result<Option<Head>, BackupError> {
    let query: Vec<(&str, &str)> = version.map(|v| ("versionId", v)).into_iter().collect();
    let response = client.send(Method::HEAD, key, &query, &[], None).await?;
    match response.status().as_u16() {
        404 | 405 => Ok(None), // 405: a delete marker
        status if (200..300).contains(&status) => Ok(Some(Head {
            version_id: header(&response, "x-amz-version-id"),
            retain_until: header(&response, "x-amz-object-lock-retain-until-date"),
            mode: header(&response, "x-amz-object-lock-mode"),
            legal_hold: header(&response, "x-amz-object-lock-legal-hold").as_deref() == Some("ON"),
        })),
        _ => Err(S3Error::read(response)
            .await
            .cannot(&format!("reading {key}"), &client.bucket)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Versioning {
    #[serde(rename = "Status")]
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LockConfiguration {
    #[serde(rename = "ObjectLockEnabled")]
    enabled: String,
}

fn not_locked(bucket: &str, what: &str, ja: &str) -> BackupError {
    BackupError::CannotRun(format!(
        "the bucket {bucket} {what}. Kizuna writes every backup under S3 Object Lock, so that not even \
         these credentials can delete a generation before its lock ends. Turn both on for the bucket:\n  \
         aws s3api put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled\n  \
         aws s3api put-object-lock-configuration --bucket {bucket} --object-lock-configuration ObjectLockEnabled=Enabled\n\
         or create a new bucket with it: aws s3api create-bucket --bucket NAME --object-lock-enabled-for-bucket \
         (add --endpoint-url URL for an S3-compatible service; some services allow it only at creation).\n\
         バケット {bucket} は{ja}。Kizuna のバックアップは S3 オブジェクトロック付きで書き込み、ロック期間中は\
         この認証情報でも削除できないようにします。バケットのバージョニングとオブジェクトロックを有効にするか、\
         オブジェクトロックを有効にした新しいバケットを作成してください。"
    ))
}

async fn bucket_get(client: &S3Client, what: &str) -> Result<Result<String, S3Error>, BackupError> {
    let response = client.send(Method::GET, "", &[(what, "")], &[], None).await?;
    if response.status().is_success() {
        Ok(Ok(response.text().await.unwrap_or_default()))
    } else {
        Ok(Err(S3Error::read(response).await))
    }
}

/// Checks that the bucket has versioning and Object Lock enabled; says what to do if not.
pub async fn check_bucket(client: &S3Client) -> Result<(), BackupError> {
    let bucket = &client.bucket;
    let text = bucket_get(client, "versioning")
        .await?
        .map_err(|e| e.cannot("reading the bucket's versioning", bucket))?;
    let versioning: Versioning = quick_xml::de::from_str(&text).unwrap_or_default();
    if versioning.status != "Enabled" {
        return Err(not_locked(
            bucket,
            "has neither versioning nor Object Lock enabled",
            "バージョニングもオブジェクトロックも有効になっていません",
        ));
    }
    let enabled = match bucket_get(client, "object-lock").await? {
        Ok(text) => {
            quick_xml::de::from_str::<LockConfiguration>(&text)
                .unwrap_or_default()
                .enabled
                == "Enabled"
        }
        Err(e) if e.code == "ObjectLockConfigurationNotFoundError" || e.status == 404 => false,
        Err(e) => return Err(e.cannot("reading the bucket's Object Lock configuration", bucket)),
    };
    if !enabled {
        return Err(not_locked(
            bucket,
            "does not have Object Lock enabled",
            "オブジェクトロックが有効になっていません",
        ));
    }
    Ok(())
}

/// Extends the lock of an existing version to at least `lock`'s date (its mode kept).
pub async fn extend(client: &S3Client, key: &str, head: &Head, lock: &Lock) -> Result<(), BackupError> {
    if head
        .retain_until
        .as_deref()
        .is_some_and(|until| !after(&lock.until, until))
    {
        return Ok(());
    }
    let mode = head.mode.clone().unwrap_or_else(|| lock.mode.header().to_owned());
    let xml = format!(
        "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>{mode}</Mode>\
         <RetainUntilDate>{}</RetainUntilDate></Retention>",
        lock.until
    );
    let md5 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(xml.as_bytes()))
    };
    let mut query = vec![("retention", "")];
    if let Some(version) = &head.version_id {
        query.push(("versionId", version));
    }
    let body = Body::Bytes(xml.into_bytes());
    let response = client
        .send(Method::PUT, key, &query, &[("content-md5", md5)], Some(&body))
        .await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(S3Error::read(response)
            .await
            .cannot(&format!("extending the lock of {key}"), &client.bucket))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Versions {
    #[serde(rename = "IsTruncated")]
    is_truncated: bool,
    #[serde(rename = "NextKeyMarker")]
    next_key_marker: Option<String>,
    #[serde(rename = "NextVersionIdMarker")]
    next_version_id_marker: Option<String>,
    #[serde(rename = "Version")]
    versions: Vec<Entry>,
    #[serde(rename = "DeleteMarker")]
    delete_markers: Vec<Entry>,
}

#[derive(Deserialize, Debug, Clone)]
struct Entry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId")]
    version_id: String,
}

/// Every version and delete marker under `prefix` (versions first).
async fn versions(client: &S3Client, prefix: &str) -> Result<Vec<Entry>, BackupError> {
    let (mut entries, mut markers) = (Vec::new(), Vec::new());
    let mut next: Option<(String, String)> = None;
    loop {
        let mut query = vec![("versions", ""), ("prefix", prefix)];
        if let Some((key, version)) = &next {
            query.push(("key-marker", key));
            query.push(("version-id-marker", version));
        }
        let response = client.send(Method::GET, "", &query, &[], None).await?;
        if !response.status().is_success() {
            let e = S3Error::read(response).await;
            return Err(e.cannot(&format!("listing the versions of {prefix}"), &client.bucket));
        }
        let text = response.text().await.unwrap_or_default();
        let page: Versions = quick_xml::de::from_str(&text).map_err(|e| {
            BackupError::CannotRun(format!(
                "S3 listing the versions of {prefix}: unreadable answer ({e})"
            ))
        })?;
        entries.extend(page.versions);
        markers.extend(page.delete_markers);
        match (
            page.is_truncated,
            page.next_key_marker,
            page.next_version_id_marker,
        ) {
            (true, Some(key), Some(version)) => next = Some((key, version)),
            _ => break,
        }
    }
    entries.extend(markers);
    Ok(entries)
}

/// The order a generation's files go in: the manifest first, the blob list last.
fn rank(key: &str) -> u8 {
    match key.rsplit('/').next() {
        Some(MANIFEST) => 0,
        Some(DATABASE) => 1,
        Some(BLOB_REFS) => 3,
        _ => 2,
    }
}

/// Deletes every version of `key` (exactly, if `exact`) or of everything under
/// it, in [`rank`] order; stops at the first version S3 refuses and says why.
pub async fn remove(client: &S3Client, key: &str, exact: bool) -> Result<Removal, BackupError> {
    let mut entries = versions(client, key).await?;
    entries.retain(|e| !exact || e.key == key);
    entries.sort_by_key(|e| rank(&e.key)); // stable: versions before markers
    for entry in entries {
        let query = [("versionId", entry.version_id.as_str())];
        let response = client.send(Method::DELETE, &entry.key, &query, &[], None).await?;
        if response.status().is_success() || response.status().as_u16() == 404 {
            continue;
        }
        let error = S3Error::read(response).await;
        if !error.access_denied() {
            return Err(error.cannot(&format!("deleting {}", entry.key), &client.bucket));
        }
        let head = head(client, &entry.key, Some(&entry.version_id))
            .await?
            .unwrap_or_default();
        let now = now();
        return Ok(match head.retain_until {
            Some(until) if after(&until, &now) => Removal::LockedUntil(until),
            _ if head.legal_hold => Removal::Refused(format!("{} is under an S3 legal hold", entry.key)),
            _ => Removal::Refused(format!(
                "S3 refused to delete {} ({} {}): the backup key may lack s3:DeleteObjectVersion",
                entry.key, error.code, error.message
            )),
        });
    }
    Ok(Removal::Removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_runs_from_the_generation_time() {
        let args = LockArgs::default();
        let lock = Lock::from_generation(1_796_421_018_123, &args);
        assert_eq!(lock.until, "2027-01-08T21:50:18Z");
        assert_eq!(lock.headers()[0].1, "COMPLIANCE");
    }

    #[test]
    fn times_compare_with_or_without_fractions() {
        assert!(after("2027-01-08T21:50:19.000Z", "2027-01-08T21:50:18Z"));
        assert!(!after("2027-01-08T21:50:18.000Z", "2027-01-08T21:50:18Z"));
        assert!(!after("2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"));
    }

    #[test]
    fn the_manifest_goes_first_and_the_blob_list_last() {
        let mut keys = vec!["g/blob-refs", "g/database.age", "g/manifest.age"];
        keys.sort_by_key(|k| rank(k));
        assert_eq!(keys, ["g/manifest.age", "g/database.age", "g/blob-refs"]);
    }

    #[test]
    fn a_version_listing_parses() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>false</IsTruncated>
<Version><Key>g/manifest.age</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest></Version>
<DeleteMarker><Key>g/blob-refs</Key><VersionId>m1</VersionId></DeleteMarker>
<Version><Key>g/blob-refs</Key><VersionId>v2</VersionId></Version></ListVersionsResult>"#;
        let page: Versions = quick_xml::de::from_str(xml).unwrap_or_default();
        assert_eq!(page.versions.len(), 2);
        assert_eq!(page.delete_markers.len(), 1);
        assert!(!page.is_truncated);
    }
}
