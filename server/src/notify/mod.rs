//! Content-free notifications (issue 15): Web Push to people's browsers and e-mail,
//! for new posts, unread urgent posts (escalation) and broadcast notices.
//!
//! A notification never says who or what: the push payload is
//! `{"v":1,"kind","room","count"}` (the service worker words it) and e-mail is fixed
//! bilingual text with counts and a link. Sending happens off the request path, in
//! a task per event; a push service or mail server that fails or hangs is logged
//! (without keys or addresses) and never fails or slows a post.

pub mod events;
pub mod mail;
pub mod webpush;

use std::sync::Arc;
use std::time::Duration;

use kizuna_proto::{RoomId, UserId};
use kizuna_storage::notifications::{self, PushSubscription};
use kizuna_storage::{settings, Db};
use serde::Serialize;

use crate::config::Config;
use crate::error::ApiError;
use mail::{Mail, Mailer};
use webpush::VapidKey;

/// What a push is about; the service worker chooses the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PushKind {
    /// A new urgent post.
    Urgent,
    /// New posts (for people who asked for every post).
    Posts,
    /// An urgent post still unread after the room's escalation time.
    Escalation,
    /// To an urgent post's author: `count` people have not read it.
    UnreadReport,
    /// A broadcast notice (disaster mode).
    Broadcast,
    /// To a facility's administrators: `count` new security alerts (no names).
    SecurityAlert,
}

/// The whole plaintext of a push: a kind, a room ID and a count. Nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PushPayload {
    /// The payload's version.
    pub v: u8,
    /// What it is about.
    pub kind: PushKind,
    /// The room, when there is one.
    pub room: Option<RoomId>,
    /// How many.
    pub count: i64,
}

impl PushPayload {
    /// A version-1 payload.
    pub fn new(kind: PushKind, room: Option<RoomId>, count: i64) -> Self {
        Self {
            v: 1,
            kind,
            room,
            count,
        }
    }
}

/// How long push services keep an undelivered push.
const PUSH_TTL_SECS: u64 = 24 * 60 * 60;
/// How long one push request may take.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// The senders: the VAPID key, an HTTP client for push services and the mail
/// server, if configured. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Notifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    vapid: VapidKey,
    subject: String,
    http: reqwest::Client,
    mailer: Option<Mailer>,
    hosts: Vec<String>,
    allow_http: bool,
    public_url: String,
}

/// Why notifications could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    /// A setting cannot be used.
    #[error("{0}")]
    Config(String),
    /// The stored VAPID key could not be read or created.
    #[error("VAPID key: {0}")]
    Storage(#[from] kizuna_storage::StorageError),
}

impl Notifier {
    /// Sets up the senders. The VAPID key is `vapid_private_key`, else the one kept
    /// in the database (created on first start, shared by every node).
    pub fn new(config: &Config, db: &Db) -> Result<Self, NotifierError> {
        let key = match &config.vapid_private_key {
            Some(key) => key.expose().clone(),
            None => db.run_blocking(|conn| {
                settings::get_or_create(conn, "vapid_private_key", VapidKey::generate)
            })?,
        };
        let vapid = VapidKey::from_base64url(&key).map_err(|_| {
            NotifierError::Config("vapid_private_key is not a base64url P-256 private key".into())
        })?;
        let mailer = match (&config.smtp_url, &config.mail_from) {
            (Some(url), Some(from)) => {
                Some(Mailer::new(url.expose(), from).map_err(|e| NotifierError::Config(e.to_string()))?)
            }
            _ => None,
        };
        let http = reqwest::Client::builder()
            .timeout(PUSH_TIMEOUT)
            // A push service never redirects; following one would leave the allow-list.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifierError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                vapid,
                subject: config
                    .vapid_subject
                    .clone()
                    .unwrap_or_else(|| config.public_url()),
                http,
                mailer,
                hosts: config
                    .push_endpoint_hosts
                    .iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
                allow_http: config.push_allow_http,
                public_url: config.public_url(),
            }),
        })
    }

    /// Whether e-mail can be sent (a mail server is configured).
    pub fn email_available(&self) -> bool {
        self.inner.mailer.is_some()
    }

    /// The public key browsers subscribe with.
    pub fn vapid_public_key(&self) -> &str {
        self.inner.vapid.public_key()
    }

    /// Whether a subscription may name `endpoint`: https (http only when allowed for
    /// tests) to a host on the allow-list. The server will send requests there, so
    /// nothing else is stored.
    pub fn check_endpoint(&self, endpoint: &str) -> Result<url::Url, ApiError> {
        let url = url::Url::parse(endpoint).map_err(|_| ApiError::PushEndpointNotAllowed)?;
        let scheme_ok = url.scheme() == "https" || (self.inner.allow_http && url.scheme() == "http");
        let host = url.host_str().map(str::to_ascii_lowercase).unwrap_or_default();
        let listed = self
            .inner
            .hosts
            .iter()
            .any(|allowed| match allowed.strip_prefix("*.") {
                Some(domain) => host.len() > domain.len() + 1 && host.ends_with(&format!(".{domain}")),
                None => host == *allowed,
            });
        if !scheme_ok
            || !listed
            || !url.username().is_empty()
            || url.password().is_some()
            || endpoint.len() > 2048
        {
            return Err(ApiError::PushEndpointNotAllowed);
        }
        Ok(url)
    }

    /// Pushes `payload` to every browser of `user`, removing subscriptions their
    /// push service says are gone. Failures are logged, not returned.
    pub async fn push(&self, db: &Db, user: UserId, payload: PushPayload) {
        let subscriptions = match db
            .run(move |conn| notifications::subscriptions_of(conn, user))
            .await
        {
            Ok(subs) => subs,
            Err(e) => {
                tracing::warn!(error = %e, "loading push subscriptions failed");
                return;
            }
        };
        let Ok(plaintext) = serde_json::to_vec(&payload) else {
            return;
        };
        for sub in subscriptions {
            match self.push_one(&sub, &plaintext, payload.kind).await {
                Ok(Delivery::Sent) => {}
                Ok(Delivery::Gone) => {
                    let id = sub.id.clone();
                    if let Err(e) = db
                        .run(move |conn| notifications::forget_subscription(conn, &id))
                        .await
                    {
                        tracing::warn!(error = %e, "removing a gone push subscription failed");
                    } else {
                        tracing::info!(subscription = %sub.id, "push subscription gone; removed");
                    }
                }
                Err(reason) => tracing::warn!(subscription = %sub.id, %reason, "push failed"),
            }
        }
    }

    async fn push_one(
        &self,
        sub: &PushSubscription,
        plaintext: &[u8],
        kind: PushKind,
    ) -> Result<Delivery, String> {
        // Checked again: the allow-list may have shrunk since the browser subscribed.
        let url = self
            .check_endpoint(&sub.endpoint)
            .map_err(|_| "endpoint no longer allowed".to_owned())?;
        let body =
            webpush::encrypt(plaintext, sub.p256dh.expose(), sub.auth.expose()).map_err(|e| e.to_string())?;
        let expires = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
            + 12 * 60 * 60;
        let audience = url.origin().ascii_serialization();
        let urgency = if kind == PushKind::Posts { "normal" } else { "high" };
        let response = self
            .inner
            .http
            .post(url)
            .header("TTL", PUSH_TTL_SECS.to_string())
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Urgency", urgency)
            .header(
                "Authorization",
                self.inner
                    .vapid
                    .authorization(&audience, &self.inner.subject, expires),
            )
            .body(body)
            .send()
            .await
            // Without the URL: it identifies the browser.
            .map_err(|e| format!("push service unreachable: {}", e.without_url()))?;
        match response.status().as_u16() {
            200..=299 => Ok(Delivery::Sent),
            404 | 410 => Ok(Delivery::Gone),
            status => Err(format!("push service answered {status}")),
        }
    }

    /// Sends `mail` to `address`, if e-mail is configured. Failures are logged.
    pub async fn mail(&self, address: &str, mail: Mail) {
        let Some(mailer) = &self.inner.mailer else { return };
        if let Err(e) = mailer.send(address, mail, &self.inner.public_url).await {
            tracing::warn!(error = %e, "notification e-mail failed");
        }
    }
}

enum Delivery {
    Sent,
    Gone,
}
