//! Closing a room and keeping its records for the legal period (issue 16).
//!
//! A room is closed when its client leaves the service (moved, died, or the service
//! ended otherwise), by the room's owner or a delegate, or by the facility's
//! administrator. A closed room is read-only: [`refuse_if_closed`] is asked before
//! every post, upload, invitation, membership and group change. The facility's
//! administrator sets the retention period (2 to 5 whole years, 5 by default),
//! places and lifts legal holds, and may reopen a closed room while its content is
//! still kept. The daily job in [`job`] erases each closed room past its retention
//! and not on hold.

pub mod job;

use kizuna_proto::{OrganisationId, RoomId, RoomRole, Timestamp};
use kizuna_storage::retention::{self, ClosureReason, Hold, MAX_YEARS, MIN_YEARS};
use kizuna_storage::{orgs, rooms, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::authz::Actor;
use crate::error::{ApiError, Problem};
use crate::service::acting::Acting;
use crate::state::AppState;

/// Most characters in a legal hold's reason.
pub const MAX_HOLD_REASON: usize = 500;

/// Why a room is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 転居: the client moved away.
    Moved,
    /// 逝去: the client died.
    Deceased,
    /// サービス終了: the service ended for another reason.
    Other,
}

impl From<Reason> for ClosureReason {
    fn from(reason: Reason) -> Self {
        match reason {
            Reason::Moved => ClosureReason::Moved,
            Reason::Deceased => ClosureReason::Deceased,
            Reason::Other => ClosureReason::Other,
        }
    }
}

impl From<ClosureReason> for Reason {
    fn from(reason: ClosureReason) -> Self {
        match reason {
            ClosureReason::Moved => Reason::Moved,
            ClosureReason::Deceased => Reason::Deceased,
            ClosureReason::Other => Reason::Other,
        }
    }
}

/// Closing a room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRoom {
    /// `moved`, `deceased` or `other`.
    pub reason: Reason,
}

/// A room's place in its retention, as its members and administrators see it.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RoomRetention {
    /// When the room was closed (none while it is open).
    pub closed_at: Option<Timestamp>,
    /// Why it was closed.
    pub closed_reason: Option<Reason>,
    /// The facility's retention period in whole years.
    pub retention_years: i64,
    /// When the job may delete the room's content (closed rooms only).
    pub delete_after: Option<Timestamp>,
}

/// The retention of `room` (owned by `org`), read on `conn`.
pub fn retention_of(
    conn: &mut DbConn,
    room: RoomId,
    org: OrganisationId,
) -> Result<RoomRetention, StorageError> {
    let years = retention::years(conn, org)?;
    let closure = retention::closure(conn, room)?;
    Ok(RoomRetention {
        closed_at: closure.as_ref().map(|c| c.closed_at),
        closed_reason: closure.as_ref().map(|c| c.reason.into()),
        retention_years: years,
        delete_after: closure.map(|c| retention::delete_after(c.closed_at, years)),
    })
}

/// `room_closed` if the room is closed: the one check every write into a room asks.
pub fn refuse_closed(conn: &mut DbConn, room: RoomId) -> Result<(), ApiError> {
    match retention::closure(conn, room)? {
        Some(_) => Err(ApiError::RoomClosed),
        None => Ok(()),
    }
}

/// [`refuse_closed`] on a pooled connection, for use cases that write later.
pub async fn refuse_if_closed(state: &AppState, room: RoomId) -> Result<(), ApiError> {
    state.read(move |conn| refuse_closed(conn, room)).await
}

/// The room's facility, if the actor administers it; else `forbidden`.
fn administered_room(conn: &mut DbConn, actor: &Actor, room: RoomId) -> Result<OrganisationId, ApiError> {
    let org = rooms::get(conn, room)
        .map_err(|e| match e {
            StorageError::NotFound => ApiError::Forbidden,
            e => e.into(),
        })?
        .organisation;
    if actor.administers(org) {
        Ok(org)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The erased rooms are gone: they cannot be closed, reopened or held.
fn not_erased(conn: &mut DbConn, room: RoomId) -> Result<(), ApiError> {
    match retention::closure(conn, room)? {
        Some(c) if c.deleted_at.is_some() => Err(ApiError::NotFound),
        _ => Ok(()),
    }
}

fn record(
    conn: &mut DbConn,
    now: Timestamp,
    acting: &Acting,
    action: &str,
    target: (&str, String),
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let mut entry = Entry::success(acting.user, action, target, acting.ip.as_deref());
    entry.detail = Some(detail.to_string());
    Ok(audit::record(conn, now, entry)?)
}

/// Closes a room (its owner or a delegate, or the facility's administrator): from
/// now on it is read-only, its unused invitations end, and its content is deleted
/// after the facility's retention period. Already closed: `room_closed`.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    room: RoomId,
    body: CloseRoom,
) -> Result<RoomRetention, ApiError> {
    let (actor, now) = (actor.clone(), state.now());
    state
        .write(move |conn| {
            let org = rooms::get(conn, room).map_err(|e| match e {
                StorageError::NotFound => ApiError::Forbidden,
                e => e.into(),
            })?;
            let own = rooms::member(conn, room, acting.user)?;
            let leads = own.is_some_and(|m| matches!(m.role, RoomRole::Owner | RoomRole::Delegate));
            if !leads && !actor.administers(org.organisation) {
                return Err(ApiError::Forbidden);
            }
            not_erased(conn, room)?;
            if !retention::close(conn, room, acting.user, body.reason.into(), now)? {
                return Err(ApiError::RoomClosed);
            }
            let ended = retention::end_invitations(conn, room, now)?;
            let view = retention_of(conn, room, org.organisation)?;
            let detail = serde_json::json!({
                "reason": ClosureReason::from(body.reason).as_str(),
                "retention_years": view.retention_years,
                "invitations_ended": ended,
            });
            record(
                conn,
                now,
                &acting,
                "room.closed",
                ("room", room.to_string()),
                detail,
            )?;
            Ok(view)
        })
        .await
}

/// Reopens a closed room whose content is still kept (the facility's
/// administrator): it takes posts and changes again. An open room stays as it is.
pub async fn reopen(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    room: RoomId,
) -> Result<RoomRetention, ApiError> {
    let (actor, now) = (actor.clone(), state.now());
    state
        .write(move |conn| {
            let org = administered_room(conn, &actor, room)?;
            not_erased(conn, room)?;
            if retention::reopen(conn, room)? {
                record(
                    conn,
                    now,
                    &acting,
                    "room.reopened",
                    ("room", room.to_string()),
                    serde_json::json!({}),
                )?;
            }
            Ok(retention_of(conn, room, org)?)
        })
        .await
}

/// A legal hold's reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    /// Why the records must be kept (a case, a request from an authority), 1 to 500
    /// characters.
    pub reason: String,
}

/// Places a legal hold on a room (the facility's administrator): its content is not
/// deleted, whatever its retention, until the hold is lifted.
pub async fn place_hold(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    room: RoomId,
    body: HoldBody,
) -> Result<(), ApiError> {
    let reason = body.reason.trim().to_owned();
    let (actor, now) = (actor.clone(), state.now());
    state
        .write(move |conn| {
            administered_room(conn, &actor, room)?;
            let length = reason.chars().count();
            if length == 0 || length > MAX_HOLD_REASON {
                return Err(ApiError::input(
                    "reason",
                    Problem::HoldReason { max: MAX_HOLD_REASON },
                ));
            }
            not_erased(conn, room)?;
            let hold = Hold {
                room,
                placed_by: acting.user,
                placed_at: now,
                reason: reason.clone(),
            };
            retention::place_hold(conn, &hold)?;
            let detail = serde_json::json!({ "reason": reason });
            record(
                conn,
                now,
                &acting,
                "room.hold_placed",
                ("room", room.to_string()),
                detail,
            )
        })
        .await
}

/// Lifts the legal hold on a room (the facility's administrator). No hold: `not_found`.
pub async fn lift_hold(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    room: RoomId,
) -> Result<(), ApiError> {
    let (actor, now) = (actor.clone(), state.now());
    state
        .write(move |conn| {
            administered_room(conn, &actor, room)?;
            let Some(hold) = retention::hold(conn, room)? else {
                return Err(ApiError::NotFound);
            };
            retention::lift_hold(conn, room)?;
            let detail = serde_json::json!({ "placed_at": hold.placed_at, "reason": hold.reason });
            record(
                conn,
                now,
                &acting,
                "room.hold_lifted",
                ("room", room.to_string()),
                detail,
            )
        })
        .await
}

/// A facility's retention period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionBody {
    /// Whole years a closed room is kept: 2 to 5.
    pub years: i64,
}

/// One of a facility's rooms, for its administrator: dates, closure and hold.
/// No name: names are sealed on members' devices.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityRoom {
    /// The room.
    pub room_id: RoomId,
    /// When it was opened.
    pub created_at: Timestamp,
    /// Its closure and deletion date.
    #[serde(flatten)]
    pub retention: RoomRetention,
    /// When its content was deleted (the room is then a tombstone).
    pub deleted_at: Option<Timestamp>,
    /// The legal hold's reason, while there is one.
    pub hold_reason: Option<String>,
    /// Since when it is held.
    pub held_since: Option<Timestamp>,
}

/// A facility's retention period and its rooms.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityRetention {
    /// Whole years a closed room is kept.
    pub years: i64,
    /// The fewest years allowed.
    pub min_years: i64,
    /// The most years allowed (and the default).
    pub max_years: i64,
    /// The facility's rooms, oldest first.
    pub rooms: Vec<FacilityRoom>,
}

fn facility_retention(conn: &mut DbConn, org: OrganisationId) -> Result<FacilityRetention, StorageError> {
    let years = retention::years(conn, org)?;
    let rooms = retention::rooms_of_organisation(conn, org)?
        .into_iter()
        .map(|(room_id, created_at, closure, hold)| FacilityRoom {
            room_id,
            created_at,
            retention: RoomRetention {
                closed_at: closure.as_ref().map(|c| c.closed_at),
                closed_reason: closure.as_ref().map(|c| c.reason.into()),
                retention_years: years,
                delete_after: closure
                    .as_ref()
                    .map(|c| retention::delete_after(c.closed_at, years)),
            },
            deleted_at: closure.and_then(|c| c.deleted_at),
            held_since: hold.as_ref().map(|h| h.placed_at),
            hold_reason: hold.map(|h| h.reason),
        })
        .collect();
    Ok(FacilityRetention {
        years,
        min_years: MIN_YEARS,
        max_years: MAX_YEARS,
        rooms,
    })
}

/// The facility's retention period and rooms (its administrator).
pub async fn facility(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
) -> Result<FacilityRetention, ApiError> {
    let actor = actor.clone();
    state
        .read(move |conn| {
            orgs::get(conn, org)?;
            if !actor.administers(org) {
                return Err(ApiError::Forbidden);
            }
            Ok(facility_retention(conn, org)?)
        })
        .await
}

/// Sets the facility's retention period (its administrator), audited with the old
/// and new value. It applies to every closed room of the facility from now on.
pub async fn set_years(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org: OrganisationId,
    body: RetentionBody,
) -> Result<FacilityRetention, ApiError> {
    let (actor, now, years) = (actor.clone(), state.now(), body.years);
    state
        .write(move |conn| {
            orgs::get(conn, org)?;
            if !actor.administers(org) {
                return Err(ApiError::Forbidden);
            }
            if !(MIN_YEARS..=MAX_YEARS).contains(&years) {
                let problem = Problem::RetentionYears {
                    min: MIN_YEARS,
                    max: MAX_YEARS,
                };
                return Err(ApiError::input("years", problem));
            }
            let before = retention::years(conn, org)?;
            retention::set_years(conn, org, years, acting.user, now)?;
            let detail = serde_json::json!({ "from_years": before, "to_years": years });
            record(
                conn,
                now,
                &acting,
                "retention.changed",
                ("organisation", org.to_string()),
                detail,
            )?;
            Ok(facility_retention(conn, org)?)
        })
        .await
}
