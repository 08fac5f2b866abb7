//! A real Web Push endpoint on loopback for the notification suites, standing in
//! for a browser's push service and the browser behind it. For each push it
//! checks the VAPID token (RFC 8292: an ES256 JWT whose audience is this
//! endpoint's origin, signed by the server's public key as `/push/key` gives it)
//! and decrypts the aes128gcm body (RFC 8291) with the subscriber's private key and
//! auth secret. The decryption is written here from the RFCs, independently of the
//! server's encryption, so a payload that arrives proves the two interoperate.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use anyhow::{anyhow, bail, ensure, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A browser's subscription: its endpoint and the keys it would hand the server.
#[derive(Clone)]
pub struct Subscriber {
    /// The endpoint URL.
    pub endpoint: String,
    /// The `p256dh` key, base64url.
    pub p256dh: String,
    /// The `auth` secret, base64url.
    pub auth: String,
}

impl Subscriber {
    /// The body of `POST /me/push-subscriptions`.
    pub fn body(&self) -> Value {
        serde_json::json!({ "endpoint": self.endpoint, "keys": { "p256dh": self.p256dh, "auth": self.auth } })
    }
}

struct Keys {
    secret: SecretKey,
    auth: [u8; 16],
}

/// One push that arrived and verified: which subscription, and its plaintext.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The endpoint's path (one per subscriber).
    pub path: String,
    /// The decrypted payload.
    pub plaintext: String,
    /// The `Urgency` header.
    pub urgency: Option<String>,
}

impl Pushed {
    /// The payload as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.plaintext).unwrap_or(Value::Null)
    }
}

#[derive(Default)]
struct Shared {
    keys: HashMap<String, Keys>,
    pushed: Vec<Pushed>,
    failures: Vec<String>,
    vapid_key: Option<String>,
}

/// The endpoint.
pub struct PushEndpoint {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    status: Arc<AtomicU16>,
}

impl PushEndpoint {
    /// Listens on a free loopback port, answering 201 until told otherwise.
    pub async fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let status = Arc::new(AtomicU16::new(201));
        let (kept, answer) = (shared.clone(), status.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (kept, answer) = (kept.clone(), answer.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, addr, kept, answer).await;
                });
            }
        });
        Ok(Self { addr, shared, status })
    }

    /// The server's VAPID public key (from `GET /push/key`): tokens must verify
    /// with it.
    pub fn expect_vapid_key(&self, key: &str) {
        if let Ok(mut shared) = self.shared.lock() {
            shared.vapid_key = Some(key.to_owned());
        }
    }

    /// What the endpoint answers from now on (201; 410 for "gone").
    pub fn answer_with(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// A new browser subscription on this endpoint, with fresh keys.
    pub fn subscriber(&self, name: &str) -> Subscriber {
        let secret = loop {
            let bytes: [u8; 32] = rand_bytes();
            if let Ok(secret) = SecretKey::from_slice(&bytes) {
                break secret;
            }
        };
        let auth: [u8; 16] = rand_bytes();
        let path = format!("/push/{name}-{}", uuid::Uuid::new_v4());
        let p256dh = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        if let Ok(mut shared) = self.shared.lock() {
            shared.keys.insert(path.clone(), Keys { secret, auth });
        }
        Subscriber {
            endpoint: format!("http://{}{path}", self.addr),
            p256dh,
            auth: URL_SAFE_NO_PAD.encode(auth),
        }
    }

    /// Every verified push to `sub` so far.
    pub fn pushed_to(&self, sub: &Subscriber) -> Vec<Pushed> {
        let path = sub
            .endpoint
            .split_once(&self.addr.to_string())
            .map_or("", |(_, p)| p)
            .to_owned();
        self.shared
            .lock()
            .map(|s| s.pushed.iter().filter(|p| p.path == path).cloned().collect())
            .unwrap_or_default()
    }

    /// Pushes that did not verify or decrypt (a test expects none).
    pub fn failures(&self) -> Vec<String> {
        self.shared.lock().map(|s| s.failures.clone()).unwrap_or_default()
    }

    /// Waits (up to 15 s) until `sub` has `n` pushes; returns them.
    pub async fn wait_for(&self, sub: &Subscriber, n: usize) -> Result<Vec<Pushed>> {
        for _ in 0..300 {
            let pushed = self.pushed_to(sub);
            if pushed.len() >= n {
                return Ok(pushed);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "{} got {} pushes, expected {n}; failures: {:?}",
            sub.endpoint,
            self.pushed_to(sub).len(),
            self.failures()
        )
    }
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(16) {
        let random = uuid::Uuid::new_v4().into_bytes();
        chunk.copy_from_slice(&random[..chunk.len()]);
    }
    out
}

async fn serve(
    stream: TcpStream,
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    status: Arc<AtomicU16>,
) -> Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).await?;
        let answer = status.load(Ordering::SeqCst);
        let outcome = check(&shared, &addr, &path, &headers, &body);
        if let Ok(mut shared) = shared.lock() {
            match outcome {
                Ok(plaintext) => shared.pushed.push(Pushed {
                    path,
                    plaintext,
                    urgency: headers.get("urgency").cloned(),
                }),
                Err(e) => shared.failures.push(format!("{path}: {e:#}")),
            }
        }
        let reply = format!("HTTP/1.1 {answer} Answer\r\nContent-Length: 0\r\n\r\n");
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Verifies the VAPID token and decrypts the body.
fn check(
    shared: &Mutex<Shared>,
    addr: &SocketAddr,
    path: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
) -> Result<String> {
    let shared = shared.lock().map_err(|_| anyhow!("poisoned"))?;
    ensure!(
        headers.get("content-encoding").map(String::as_str) == Some("aes128gcm"),
        "not aes128gcm"
    );
    ensure!(headers.contains_key("ttl"), "no TTL header");
    let authorization = headers.get("authorization").context("no Authorization")?;
    let rest = authorization
        .strip_prefix("vapid ")
        .context("not a vapid authorization")?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t.to_owned());
        } else if let Some(k) = part.strip_prefix("k=") {
            key = Some(k.to_owned());
        }
    }
    let (token, key) = (token.context("no t=")?, key.context("no k=")?);
    ensure!(
        shared.vapid_key.as_deref() == Some(key.as_str()),
        "k= is not the server's /push/key"
    );
    verify_vapid(&token, &key, &format!("http://{addr}"))?;
    let keys = shared.keys.get(path).context("unknown subscription")?;
    decrypt(body, keys)
}

fn verify_vapid(token: &str, key: &str, audience: &str) -> Result<()> {
    let parts: Vec<&str> = token.split('.').collect();
    ensure!(parts.len() == 3, "JWT has {} parts", parts.len());
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0])?)?;
    ensure!(header["alg"] == "ES256", "alg {}", header["alg"]);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1])?)?;
    ensure!(
        claims["aud"] == audience,
        "aud {} is not {audience}",
        claims["aud"]
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let exp = claims["exp"].as_i64().context("no exp")?;
    ensure!(exp > now && exp <= now + 24 * 3600, "exp {exp} not within 24 h");
    ensure!(
        claims["sub"]
            .as_str()
            .is_some_and(|s| s.starts_with("mailto:") || s.starts_with("http")),
        "sub"
    );
    let verifying = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(key)?)?;
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2])?)?;
    verifying
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .map_err(|e| anyhow!("VAPID signature: {e}"))
}

/// RFC 8291 / RFC 8188 decryption of a single-record aes128gcm body.
fn decrypt(body: &[u8], keys: &Keys) -> Result<String> {
    ensure!(body.len() > 21, "body too short");
    let salt = &body[..16];
    let id_len = body[20] as usize;
    ensure!(id_len == 65, "keyid length {id_len}");
    let sender = PublicKey::from_sec1_bytes(&body[21..21 + id_len])?;
    let ciphertext = &body[21 + id_len..];
    let shared = p256::ecdh::diffie_hellman(keys.secret.to_nonzero_scalar(), sender.as_affine());
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(keys.secret.public_key().to_encoded_point(false).as_bytes());
    info.extend_from_slice(sender.to_encoded_point(false).as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&info, &mut ikm)
        .map_err(|_| anyhow!("hkdf"))?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| anyhow!("hkdf"))?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| anyhow!("hkdf"))?;
    let mut record = Aes128Gcm::new_from_slice(&cek)?
        .decrypt(Nonce::from_slice(&nonce), ciphertext)
        .map_err(|_| anyhow!("AES-GCM: the body does not decrypt"))?;
    while record.last() == Some(&0) {
        record.pop();
    }
    ensure!(record.pop() == Some(2), "no last-record delimiter");
    Ok(String::from_utf8(record)?)
}
