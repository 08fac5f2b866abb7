//! Requests to the backup bucket: `object_store` signs them (SigV4, by query
//! string, with the headers Object Lock needs folded into the signature) and
//! `reqwest` sends them, on a small runtime of the target's own so that the
//! synchronous [`BackupTarget`](super::target::BackupTarget) can wait for them
//! from inside the command's runtime.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use object_store::aws::AmazonS3;
use object_store::path::Path as ObjectPath;
use object_store::signer::{HeaderName, HeaderValue, Method, SignedUrlOptions, Signer};
use reqwest::Response;
use serde::Deserialize;
use tokio::runtime::Runtime;

use super::BackupError;

/// How long a signed request stays valid (it is sent at once).
const SIGNED_FOR: Duration = Duration::from_secs(15 * 60);
/// Tries for a request that failed on the way or with a 5xx answer.
const TRIES: u32 = 3;

/// A request body.
pub enum Body {
    /// A local file, streamed, with its size.
    File(PathBuf, u64),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

/// An S3 error answer, for deciding what to do and for messages.
#[derive(Debug, Default)]
pub struct S3Error {
    /// The HTTP status.
    pub status: u16,
    /// The S3 error code (`AccessDenied`, `NoSuchBucket`…), empty without a body.
    pub code: String,
    /// S3's own message.
    pub message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message")]
    message: String,
}

impl S3Error {
    /// Reads the error from a failed response.
    pub async fn read(response: Response) -> Self {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body: ErrorBody = quick_xml::de::from_str(&text).unwrap_or_default();
        Self {
            status,
            code: body.code,
            message: body.message,
        }
    }

    /// Whether S3 refused for lack of permission (or because of Object Lock).
    pub fn access_denied(&self) -> bool {
        self.code == "AccessDenied" || (self.code.is_empty() && self.status == 403)
    }

    /// A [`BackupError::CannotRun`] saying what failed and what to check.
    pub fn cannot(&self, what: &str, bucket: &str) -> BackupError {
        let hint = match (self.status, self.code.as_str()) {
            (_, "NoSuchBucket") => format!(
                " — there is no bucket {bucket:?}: check s3://BUCKET/PREFIX, --s3-endpoint and --s3-region. \
                 バケットが見つかりません。"
            ),
            (_, "InvalidAccessKeyId" | "SignatureDoesNotMatch") => {
                " — check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. 認証情報を確認してください。"
                    .to_owned()
            }
            (403, _) | (_, "AccessDenied") => format!(
                " — these credentials may not do this in {bucket:?}: check the key's policy. \
                 この認証情報には権限がありません。"
            ),
            _ => String::new(),
        };
        BackupError::CannotRun(format!(
            "S3 {what}: {} {} {}{hint}",
            self.status, self.code, self.message
        ))
    }
}

/// The bucket's client: signer, HTTP client and the runtime they run on.
pub struct S3Client {
    runtime: Option<Runtime>,
    /// The bucket as `object_store` reaches it (signing, reads, listings).
    pub store: AmazonS3,
    http: reqwest::Client,
    /// The bucket's name, for messages.
    pub bucket: String,
}

impl S3Client {
    /// A client for `store` (built for `bucket`).
    pub fn new(store: AmazonS3, bucket: String) -> Result<Self, BackupError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("kizuna-backup-s3")
            .enable_all()
            .build()
            .map_err(|e| BackupError::CannotRun(format!("starting the S3 client: {e}")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| BackupError::CannotRun(format!("starting the S3 client: {e}")))?;
        Ok(Self {
            runtime: Some(runtime),
            store,
            http,
            bucket,
        })
    }

    /// Runs `work` on the client's runtime and waits for it. Safe to call from
    /// synchronous code inside another runtime: it waits on a thread of its own.
    pub fn block<T: Send>(
        &self,
        work: impl Future<Output = Result<T, BackupError>> + Send,
    ) -> Result<T, BackupError> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| BackupError::CannotRun("the S3 client has stopped".into()))?;
        std::thread::scope(|scope| scope.spawn(|| runtime.block_on(work)).join())
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Sends one signed request for `key` (the full key in the bucket; empty for
    /// the bucket itself). `headers` are signed and sent; a body's length is sent.
    /// Retries a request that failed on the way or with a 5xx answer.
    pub async fn send(
        &self,
        method: Method,
        key: &str,
        query: &[(&str, &str)],
        headers: &[(&'static str, String)],
        body: Option<&Body>,
    ) -> Result<Response, BackupError> {
        let mut options = SignedUrlOptions::new().with_query(query.iter().copied());
        for (name, value) in headers {
            let value = HeaderValue::from_str(value)
                .map_err(|e| BackupError::CannotRun(format!("S3 header {name}: {e}")))?;
            options = options.with_signed_header(HeaderName::from_static(name), value);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let url = self
                .store
                .signed_url_opts(method.clone(), &ObjectPath::from(key), SIGNED_FOR, &options)
                .await
                .map_err(|e| BackupError::CannotRun(format!("signing an S3 request: {e}")))?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .headers(options.signed_headers.clone());
            request = match body {
                None => request,
                Some(Body::Bytes(bytes)) => request.body(bytes.clone()),
                Some(Body::File(path, size)) => request
                    .header(reqwest::header::CONTENT_LENGTH, *size)
                    .body(open_body(path).await?),
            };
            let retry = match request.send().await {
                Ok(response) if !response.status().is_server_error() => return Ok(response),
                Ok(response) if attempt >= TRIES => return Ok(response),
                Err(e) if attempt >= TRIES => {
                    return Err(BackupError::CannotRun(format!(
                        "S3 {method} {key}: {e} (check --s3-endpoint and the network). \
                         S3 に接続できません。"
                    )))
                }
                Ok(_) | Err(_) => Duration::from_millis(500 * u64::from(attempt)),
            };
            tokio::time::sleep(retry).await;
        }
    }
}

async fn open_body(path: &Path) -> Result<reqwest::Body, BackupError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| BackupError::CannotRun(format!("reading {}: {e}", path.display())))?;
    Ok(reqwest::Body::from(file))
}

impl Drop for S3Client {
    fn drop(&mut self) {
        // Dropping a runtime may not block inside another runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
