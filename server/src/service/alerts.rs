//! A facility's security alerts (issue 16): its administrators (and the system
//! administrator) list the open or closed ones and close one with a note of what
//! they checked and did. Closing is audited as `alert.closed`.
//!
//! The alerts are raised by the job in [`crate::anomaly`].

use kizuna_proto::{OrganisationId, Timestamp, UserId};
use kizuna_storage::alerts::{self, StoredAlert};
use kizuna_storage::{users, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Entry};
use crate::authz::{Actor, OrgAction};
use crate::error::{ApiError, Problem};
use crate::service::acting::Acting;
use crate::service::people::org_for;
use crate::state::AppState;

/// Most alerts one list returns.
const MOST_LISTED: i64 = 200;
/// Longest note on closing.
const NOTE_MAX: usize = 500;

/// Which alerts to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Not closed yet (the default).
    #[default]
    Open,
    /// Closed, with their notes.
    Closed,
}

/// `?state=open|closed`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AlertQuery {
    /// `open` (default) or `closed`.
    #[serde(default)]
    pub state: AlertState,
}

/// A person an alert names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertPerson {
    /// Their ID.
    pub user_id: UserId,
    /// Their name.
    pub display_name: String,
    /// Their login ID.
    pub login_id: String,
}

/// How an alert was closed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertClosure {
    /// When.
    #[schema(value_type = i64)]
    pub at: Timestamp,
    /// By whom.
    pub by: AlertPerson,
    /// What they checked and did.
    pub note: String,
}

/// One alert, with what the screen needs to word it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// Its ID.
    pub id: String,
    /// `failed_sign_ins`, `failed_sign_ins_from_address`, `unusual_hour`,
    /// `many_rooms`, `bulk_downloads`, `new_device` or `break_glass`.
    pub kind: String,
    /// The person it is about (none for an address).
    pub person: Option<AlertPerson>,
    /// The address it is about (failed sign-ins from one address).
    pub address: Option<String>,
    /// The first record counted (Unix ms).
    #[schema(value_type = i64)]
    pub first_at: Timestamp,
    /// The last record counted (Unix ms).
    #[schema(value_type = i64)]
    pub last_at: Timestamp,
    /// How many: failures, rooms, downloads; 1 for a single event.
    pub count: i64,
    /// The rule's detail: `window_minutes`, `locked`, `accounts`, `hour_utc`,
    /// `usual_hours_utc`, `signed_in`.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When it was raised (Unix ms).
    #[schema(value_type = i64)]
    pub raised_at: Timestamp,
    /// How it was closed, once it is.
    pub closed: Option<AlertClosure>,
}

/// The note closing an alert.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseAlert {
    /// What was checked and what was done (1 to 500 characters).
    pub note: String,
}

fn person(conn: &mut DbConn, user: UserId) -> Result<AlertPerson, StorageError> {
    let stored = users::get(conn, user)?;
    Ok(AlertPerson {
        user_id: user,
        display_name: stored.display_name,
        login_id: stored.login_id,
    })
}

fn view(conn: &mut DbConn, alert: StoredAlert) -> Result<AlertView, StorageError> {
    let closed = match (alert.closed_at, alert.closed_by, alert.close_note) {
        (Some(at), Some(by), Some(note)) => Some(AlertClosure {
            at,
            by: person(conn, by)?,
            note,
        }),
        _ => None,
    };
    Ok(AlertView {
        person: alert.subject_user_id.map(|u| person(conn, u)).transpose()?,
        address: alert.subject_ip,
        id: alert.id,
        kind: alert.kind,
        first_at: alert.first_at,
        last_at: alert.last_at,
        count: alert.count,
        detail: serde_json::from_str(&alert.detail).unwrap_or_default(),
        raised_at: alert.raised_at,
        closed,
    })
}

/// The facility's open (or closed) alerts, newest first.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    facility: OrganisationId,
    which: AlertState,
) -> Result<Vec<AlertView>, ApiError> {
    let org = org_for(state, actor, facility, OrgAction::HandleSecurityAlerts).await?;
    state
        .read(move |conn| {
            let open = which == AlertState::Open;
            alerts::of_facility(conn, org.id, open, MOST_LISTED)?
                .into_iter()
                .map(|a| view(conn, a).map_err(ApiError::from))
                .collect()
        })
        .await
}

/// Closes one of the facility's alerts with `note`, audited as `alert.closed`. An
/// alert closed already keeps its first note and is answered as it is.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    facility: OrganisationId,
    id: uuid::Uuid,
    body: CloseAlert,
) -> Result<AlertView, ApiError> {
    let org = org_for(state, actor, facility, OrgAction::HandleSecurityAlerts).await?;
    let note = body.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > NOTE_MAX {
        return Err(ApiError::input("note", Problem::AlertNote));
    }
    let now = state.now();
    let id = id.to_string();
    state
        .write(move |conn| {
            let Some(alert) = alerts::get(conn, org.id, &id)? else {
                return Err(ApiError::NotFound);
            };
            if alerts::close(conn, &alert.id, acting.user, &note, now)? {
                let target = ("alert", alert.id.clone());
                let mut entry = Entry::success(acting.user, "alert.closed", target, acting.ip.as_deref());
                entry.detail = Some(
                    serde_json::json!({ "facility": org.id, "kind": alert.kind, "note": note }).to_string(),
                );
                audit::record(conn, now, entry)?;
            }
            let closed = alerts::get(conn, org.id, &id)?.ok_or(ApiError::NotFound)?;
            Ok(view(conn, closed)?)
        })
        .await
}
