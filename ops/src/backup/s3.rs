//! An S3 bucket as a backup target (`s3://bucket/prefix`), every file written
//! under S3 Object Lock so that for the lock's time nobody can delete or overwrite
//! it, not even with the operator's own credentials: one generation at least stays
//! out of reach of whatever takes over the server. Locks, the bucket check and
//! pruning around them are in [`super::s3_lock`].

use std::collections::HashMap;
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::sync::Mutex;

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::signer::Method;
use object_store::{ObjectStore, ObjectStoreExt};
use tempfile::TempDir;

use super::s3_http::{Body, S3Client, S3Error};
pub use super::s3_lock::LockMode;
use super::s3_lock::{self, Head, Lock};
use super::target::{check_key, BackupTarget, Removal};
use super::{cannot, BackupError};

/// How an `s3://` target is reached (flags or `KIZUNA_BACKUP_S3_…`). The
/// credentials are the standard `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// (optional) `AWS_SESSION_TOKEN`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct S3Args {
    /// For an s3:// target: the endpoint of an S3-compatible service
    /// (default: AWS, or AWS_ENDPOINT_URL).
    #[arg(long = "s3-endpoint", env = "KIZUNA_BACKUP_S3_ENDPOINT")]
    pub endpoint: Option<String>,
    /// For an s3:// target: the region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1).
    #[arg(long = "s3-region", env = "KIZUNA_BACKUP_S3_REGION")]
    pub region: Option<String>,
}

/// How long, and how strictly, an S3 target's new files are locked.
#[derive(clap::Args, Debug, Clone)]
pub struct LockArgs {
    /// For an s3:// target: compliance (nobody can delete a file before its lock
    /// ends) or governance (only a user granted s3:BypassGovernanceRetention can).
    #[arg(long = "s3-lock-mode", env = "KIZUNA_BACKUP_S3_LOCK_MODE", value_enum, default_value_t = LockMode::Compliance)]
    pub mode: LockMode,
    /// For an s3:// target: days each generation stays locked, from its time.
    #[arg(long = "s3-lock-days", env = "KIZUNA_BACKUP_S3_LOCK_DAYS", default_value_t = 35,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Seconds instead of days (for tests).
    #[arg(long = "s3-lock-seconds", hide = true)]
    pub seconds: Option<u32>,
}

impl Default for LockArgs {
    fn default() -> Self {
        Self {
            mode: LockMode::Compliance,
            days: 35,
            seconds: None,
        }
    }
}

impl LockArgs {
    /// The lock length in seconds.
    pub fn seconds(&self) -> i64 {
        self.seconds.map_or(i64::from(self.days) * 86_400, i64::from)
    }
}

/// An S3 bucket (and prefix) holding backups.
pub struct S3Target {
    client: S3Client,
    /// `""` or `"prefix/"`.
    prefix: String,
    endpoint: String,
    /// Set by `prepare_backup`: how new files are locked.
    lock: Option<Lock>,
    /// What `exists` learnt of each file, for `keep`.
    heads: Mutex<HashMap<String, Head>>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl S3Target {
    /// Opens `bucket/prefix` (the spec after `s3://`).
    pub fn open(spec: &str, args: &S3Args) -> Result<Self, BackupError> {
        let (bucket, prefix) = spec.split_once('/').unwrap_or((spec, ""));
        let prefix = prefix.trim_matches('/');
        if bucket.is_empty() || (!prefix.is_empty() && check_key(prefix).is_err()) {
            return Err(BackupError::CannotRun(format!(
                "backup target s3://{spec}: write s3://BUCKET or s3://BUCKET/PREFIX"
            )));
        }
        let has_keys = env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_some();
        let has_role = [
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ]
        .iter()
        .any(|name| env(name).is_some());
        if !has_keys && !has_role {
            return Err(BackupError::CannotRun(
                "no S3 credentials for the backup target: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
                 (a key for the backup bucket only, not the server's blob store key). \
                 S3 の認証情報がありません。AWS_ACCESS_KEY_ID と AWS_SECRET_ACCESS_KEY を設定してください。"
                    .into(),
            ));
        }
        let region = args
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(&region);
        let endpoint = args.endpoint.clone().or_else(|| env("AWS_ENDPOINT_URL"));
        if let Some(endpoint) = &endpoint {
            builder = builder
                .with_endpoint(endpoint.trim_end_matches('/'))
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder
            .build()
            .map_err(|e| BackupError::CannotRun(format!("backup target s3://{spec}: {e}")))?;
        Ok(Self {
            client: S3Client::new(store, bucket.to_owned())?,
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            endpoint: endpoint.unwrap_or_else(|| format!("AWS {region}")),
            lock: None,
            heads: Mutex::new(HashMap::new()),
        })
    }

    /// The key in the bucket for a target key.
    fn full(&self, key: &str) -> Result<String, BackupError> {
        check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    fn lock(&self) -> Result<&Lock, BackupError> {
        self.lock
            .as_ref()
            .ok_or_else(|| BackupError::CannotRun("internal: an S3 write before prepare_backup".into()))
    }
}

/// The MD5 (base64) and size of a file: S3 requires Content-MD5 with Object Lock.
fn md5_of(file: &Path) -> Result<(String, u64), BackupError> {
    use base64::Engine as _;
    use md5::Digest as _;
    let mut input = std::fs::File::open(file).map_err(cannot(format!("reading {}", file.display())))?;
    let mut hasher = md5::Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .map_err(cannot(format!("reading {}", file.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
        size += n as u64;
    }
    Ok((
        base64::engine::general_purpose::STANDARD.encode(hasher.finalize()),
        size,
    ))
}

impl BackupTarget for S3Target {
    fn describe(&self) -> String {
        format!("s3://{}/{} ({})", self.client.bucket, self.prefix, self.endpoint)
    }

    fn staging(&self) -> Result<TempDir, BackupError> {
        // Encrypted files only; uploaded from here.
        tempfile::Builder::new()
            .prefix("kizuna-backup-")
            .tempdir()
            .map_err(cannot("creating a temporary directory"))
    }

    fn prepare_backup(&mut self, generation_millis: i64, lock: &LockArgs) -> Result<(), BackupError> {
        let client = &self.client;
        client.block(s3_lock::check_bucket(client))?;
        self.lock = Some(Lock::from_generation(generation_millis, lock));
        Ok(())
    }

    fn exists(&self, key: &str) -> Result<bool, BackupError> {
        let full = self.full(key)?;
        let head = self.client.block(s3_lock::head(&self.client, &full, None))?;
        let found = head.is_some();
        if let (Some(head), Ok(mut heads)) = (head, self.heads.lock()) {
            heads.insert(full, head);
        }
        Ok(found)
    }

    fn keep(&self, key: &str) -> Result<(), BackupError> {
        let full = self.full(key)?;
        let head = self.heads.lock().ok().and_then(|mut heads| heads.remove(&full));
        let Some(head) = head else { return Ok(()) };
        let lock = self.lock()?;
        self.client
            .block(s3_lock::extend(&self.client, &full, &head, lock))
    }

    fn put_file(&self, key: &str, file: &Path) -> Result<(), BackupError> {
        let full = self.full(key)?;
        let lock = self.lock()?;
        let (md5, size) = md5_of(file)?;
        let mut headers = lock.headers();
        headers.push(("content-md5", md5));
        let body = Body::File(file.to_owned(), size);
        self.client.block(async {
            let response = self
                .client
                .send(Method::PUT, &full, &[], &headers, Some(&body))
                .await?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(S3Error::read(response)
                    .await
                    .cannot(&format!("writing {full}"), &self.client.bucket))
            }
        })
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read>>, BackupError> {
        let full = self.full(key)?;
        let fail = |e: String| BackupError::CannotRun(format!("reading {full} from S3: {e}"));
        let file = self.client.block(async {
            let result = match self.client.store.get(&ObjectPath::from(full.as_str())).await {
                Ok(result) => result,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(fail(e.to_string())),
            };
            let mut file = tempfile::tempfile().map_err(|e| fail(e.to_string()))?;
            let mut stream = result.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| fail(e.to_string()))?;
                file.write_all(&chunk).map_err(|e| fail(e.to_string()))?;
            }
            file.rewind().map_err(|e| fail(e.to_string()))?;
            Ok(Some(file))
        })?;
        Ok(file.map(|f| Box::new(std::io::BufReader::new(f)) as Box<dyn Read>))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BackupError> {
        let full = self.full(prefix)?;
        let listing = self.client.block(async {
            self.client
                .store
                .list_with_delimiter(Some(&ObjectPath::from(full.as_str())))
                .await
                .map_err(|e| BackupError::CannotRun(format!("listing {full} in S3: {e}")))
        })?;
        let mut names: Vec<String> = listing
            .common_prefixes
            .iter()
            .chain(listing.objects.iter().map(|o| &o.location))
            .filter_map(|p| p.filename().map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn delete(&self, key: &str) -> Result<Removal, BackupError> {
        let full = self.full(key)?;
        self.client.block(s3_lock::remove(&self.client, &full, true))
    }

    fn remove_generation(&self, generation: &str) -> Result<Removal, BackupError> {
        let full = self.full(&format!("generations/{generation}"))?;
        self.client
            .block(s3_lock::remove(&self.client, &format!("{full}/"), false))
    }
}
