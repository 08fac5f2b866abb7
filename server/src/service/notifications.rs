//! Push subscriptions and each room's escalation time: the use cases behind
//! `/push/key`, `/me/push-subscriptions` and `/rooms/{room}/escalation`. Settings
//! are in [`super::notification_settings`]; sending is in [`crate::notify`].

use kizuna_proto::{Redacted, RoomId, RoomRole, UserId};
use kizuna_storage::notifications::{self, PushSubscription};
use kizuna_storage::rooms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::notify::events::DEFAULT_ESCALATION_MINUTES;
use crate::notify::webpush;
use crate::state::AppState;

/// The key browsers subscribe with.
#[derive(Debug, Serialize, ToSchema)]
pub struct VapidKeyView {
    /// This server's VAPID public key: base64url of the uncompressed P-256 point
    /// (`applicationServerKey`).
    pub vapid_public_key: String,
}

/// A browser's `PushSubscription` keys.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushKeys {
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The browser's 16-byte authentication secret, base64url.
    pub auth: String,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it (without
/// `expirationTime`, which may be sent and is ignored).
#[derive(Deserialize, ToSchema)]
pub struct PushSubscriptionBody {
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// Its keys.
    pub keys: PushKeys,
}

impl std::fmt::Debug for PushSubscriptionBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PushSubscriptionBody {{ endpoint: ***, keys: *** }}")
    }
}

/// Which subscription to remove.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushEndpoint {
    /// Its endpoint.
    pub endpoint: String,
}

/// A stored subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushSubscriptionView {
    /// Its ID.
    pub id: String,
}

/// A room's escalation time.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationBody {
    /// Minutes after which an urgent post the team has not read notifies again
    /// (5 to 1440); null: never.
    pub minutes: Option<i64>,
}

/// The server's VAPID public key.
pub fn vapid_key(state: &AppState) -> VapidKeyView {
    VapidKeyView {
        vapid_public_key: state.notifier.vapid_public_key().to_owned(),
    }
}

/// Stores a push subscription for `user`'s browser: only an https endpoint of a
/// push service on the allow-list, with valid keys. The same endpoint again keeps
/// its ID.
pub async fn subscribe(
    state: &AppState,
    user: UserId,
    body: PushSubscriptionBody,
) -> Result<PushSubscriptionView, ApiError> {
    state.notifier.check_endpoint(&body.endpoint)?;
    webpush::check_keys(&body.keys.p256dh, &body.keys.auth)
        .map_err(|_| ApiError::input("keys", Problem::PushKeys))?;
    let sub = PushSubscription {
        id: uuid::Uuid::new_v4().to_string(),
        user,
        endpoint: body.endpoint,
        p256dh: Redacted::new(body.keys.p256dh),
        auth: Redacted::new(body.keys.auth),
    };
    let now = state.now();
    let id = state
        .write(move |conn| Ok(notifications::subscribe(conn, &sub, now)?))
        .await?;
    Ok(PushSubscriptionView { id })
}

/// Removes `user`'s subscription for `endpoint`; someone else's is `not_found`.
pub async fn unsubscribe(state: &AppState, user: UserId, endpoint: String) -> Result<(), ApiError> {
    let removed = state
        .write(move |conn| Ok(notifications::unsubscribe(conn, user, &endpoint)?))
        .await?;
    if removed {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// A room's escalation time, for its members.
pub async fn escalation(state: &AppState, user: UserId, room: RoomId) -> Result<EscalationBody, ApiError> {
    state
        .read(move |conn| {
            rooms::member(conn, room, user)?.ok_or(ApiError::NotFound)?;
            let minutes = notifications::escalation(conn, room)?.unwrap_or(Some(DEFAULT_ESCALATION_MINUTES));
            Ok(EscalationBody { minutes })
        })
        .await
}

/// Sets a room's escalation time: for those who manage the room (its owner and
/// delegates, who may also invite and remove members).
pub async fn set_escalation(
    state: &AppState,
    user: UserId,
    room: RoomId,
    body: EscalationBody,
) -> Result<EscalationBody, ApiError> {
    if body.minutes.is_some_and(|m| !(5..=1440).contains(&m)) {
        return Err(ApiError::input("minutes", Problem::Minutes { min: 5, max: 1440 }));
    }
    let minutes = body.minutes;
    state
        .write(move |conn| {
            let own = rooms::member(conn, room, user)?.ok_or(ApiError::NotFound)?;
            if !matches!(own.role, RoomRole::Owner | RoomRole::Delegate) {
                return Err(ApiError::Forbidden);
            }
            notifications::set_escalation(conn, room, minutes)?;
            Ok(EscalationBody { minutes })
        })
        .await
}
