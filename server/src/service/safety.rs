//! Safety checks (安否確認, issue 14), server side: a broadcast signed with
//! `safety_check: true` opens a check; each client room in its scope gets one coarse
//! answer from its care team; the sending organisation's officers follow the totals
//! and close the check.
//!
//! The server receives only the room, the status and with 要支援 the kind of need
//! ([`SafetyStatus`], [`SafetyNeed`]); the room's facility is read from the room.
//! There is no free-text field anywhere: the body refuses unknown fields. The
//! client's name, the team's note and where someone evacuated to are written as an
//! ordinary end-to-end encrypted post in the room's team channel, which the whole
//! team sees and the server cannot read.
//!
//! One answer per room: a later answer replaces the earlier one (the dashboard shows
//! the current state; the audit log keeps each answer's room and status).
//!
//! Who may do what: answering, a professional team member of the room (owner,
//! delegate or professional, with team access), as the room rules say (`not_found`
//! outside the room, `forbidden` for family and volunteers); the dashboard, the CSV
//! and closing, the sending organisation's broadcast officers and administrators
//! (the rule of the receipt totals).
//!
//! Live: after each answer and on closing, the sending organisation's officers'
//! sockets get `{"type":"safety","broadcast":…}` on every node (one NOTIFY per
//! officer, carrying only IDs), so the dashboard refreshes.

use std::collections::{BTreeMap, HashMap};

use kizuna_proto::{
    BroadcastId, OrgRole, OrganisationId, RoomId, RoomRole, SafetyNeed, SafetyStatus, Timestamp, UserId,
};
use kizuna_storage::broadcasts::{self as stored, StoredBroadcast};
use kizuna_storage::safety::{self, SafetyAnswer};
use kizuna_storage::{orgs, rooms, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::authz::Actor;
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::broadcast_scope::{OrgTree, Reach};
use crate::service::people::load_org;
use crate::state::AppState;

/// The body of `PUT /broadcasts/{id}/safety/rooms/{room}`. Unknown fields are
/// refused, so no note can ever reach the server this way.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyAnswerBody {
    /// How the client is.
    pub status: SafetyStatus,
    /// With `needs_support` only: what kind of support.
    #[serde(default)]
    pub need: Option<SafetyNeed>,
}

/// One of my rooms in a check's scope with its current answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySafetyRoom {
    /// The room (its name is sealed: the client decrypts it).
    pub room: RoomId,
    /// The facility that owns it.
    pub facility: OrganisationId,
    /// The current answer's status; none while unanswered.
    pub status: Option<SafetyStatus>,
    /// With `needs_support`: the kind of need.
    pub need: Option<SafetyNeed>,
    /// When it was answered.
    pub answered_at: Option<Timestamp>,
}

/// The caller's rooms in a check.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySafetyRooms {
    /// The broadcast that opened the check.
    pub broadcast: BroadcastId,
    /// Whether answers are still taken.
    pub open: bool,
    /// My rooms in scope where I am on the care team.
    pub rooms: Vec<MySafetyRoom>,
}

/// How many rooms have each answer.
#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema)]
pub struct StatusCounts {
    /// 無事.
    pub safe: u64,
    /// 要支援.
    pub needs_support: u64,
    /// 連絡取れず.
    pub unreachable: u64,
    /// 避難済み.
    pub evacuated: u64,
    /// Rooms not yet answered.
    pub unanswered: u64,
}

impl StatusCounts {
    fn add(&mut self, status: SafetyStatus) {
        match status {
            SafetyStatus::Safe => self.safe += 1,
            SafetyStatus::NeedsSupport => self.needs_support += 1,
            SafetyStatus::Unreachable => self.unreachable += 1,
            SafetyStatus::Evacuated => self.evacuated += 1,
        }
    }

    fn answered(&self) -> u64 {
        self.safe + self.needs_support + self.unreachable + self.evacuated
    }
}

/// One facility's answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilitySafety {
    /// The facility.
    pub facility: OrganisationId,
    /// Its name, to call it.
    pub name: String,
    /// Its client rooms.
    pub rooms: u64,
    /// Rooms per answer, and unanswered.
    pub totals: StatusCounts,
}

/// A room whose team answered 要支援.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedsSupport {
    /// The room.
    pub room: RoomId,
    /// The facility to call.
    pub facility: OrganisationId,
    /// Its name.
    pub facility_name: String,
    /// What kind of support.
    pub need: Option<SafetyNeed>,
    /// When the team answered.
    pub answered_at: Timestamp,
}

/// The officer's dashboard of a check.
#[derive(Debug, Serialize, ToSchema)]
pub struct SafetyDashboard {
    /// The broadcast that opened the check.
    pub broadcast: BroadcastId,
    /// Whether answers are still taken.
    pub open: bool,
    /// When an officer closed it.
    pub closed_at: Option<Timestamp>,
    /// Over every facility in scope.
    pub totals: StatusCounts,
    /// Per facility in scope with client rooms, in scope order.
    pub facilities: Vec<FacilitySafety>,
    /// Rooms needing support, oldest answer first.
    pub needs_support: Vec<NeedsSupport>,
}

/// The broadcast, if it opened a check (`not_found` otherwise).
fn check_of(conn: &mut DbConn, id: BroadcastId) -> Result<StoredBroadcast, ApiError> {
    stored::get(conn, id)?
        .filter(|b| b.safety_check)
        .ok_or(ApiError::NotFound)
}

/// Whether a check still takes answers: not closed by an officer, not expired.
fn is_open(conn: &mut DbConn, broadcast: &StoredBroadcast, now: Timestamp) -> Result<bool, StorageError> {
    Ok(broadcast.expires_at > now && safety::closed_at(conn, broadcast.id)?.is_none())
}

/// Whether a room member answers for the client: on the care team, with team access.
fn on_care_team(member: &rooms::RoomMember) -> bool {
    member.team_access
        && matches!(
            member.role,
            RoomRole::Owner | RoomRole::Delegate | RoomRole::Professional
        )
}

/// The people whose dashboards follow `org`'s checks (the receipt totals' rule).
fn followers(conn: &mut DbConn, org: OrganisationId) -> Result<Vec<UserId>, StorageError> {
    let mut people: Vec<UserId> = orgs::members_of(conn, org)?
        .into_iter()
        .filter(|m| {
            matches!(
                m.role,
                OrgRole::BroadcastOfficer | OrgRole::Officer | OrgRole::FacilityAdmin
            )
        })
        .map(|m| m.user)
        .collect();
    people.dedup();
    Ok(people)
}

/// Tells the followers of `org` on every node that check `id` changed: NOTIFY for the
/// other nodes inside the transaction, returned for this node after it commits.
fn announce(conn: &mut DbConn, org: OrganisationId, id: BroadcastId) -> Result<Vec<UserId>, StorageError> {
    let people = followers(conn, org)?;
    for person in &people {
        safety::announce_changed(conn, *person, id)?;
    }
    Ok(people)
}

fn tell_this_node(state: &AppState, people: &[UserId], id: BroadcastId) {
    for person in people {
        state.live.notify_safety(*person, id);
    }
}

/// Records the care team's answer for one room (see the module documentation for
/// who may), audited with the room and status only.
pub async fn answer(
    state: &AppState,
    acting: Acting,
    id: BroadcastId,
    room: RoomId,
    body: SafetyAnswerBody,
) -> Result<(), ApiError> {
    if !body.status.fits(body.need) {
        return Err(ApiError::SafetyNeedMismatch);
    }
    let now = state.now();
    let notified = state
        .write(move |conn| {
            let broadcast = check_of(conn, id)?;
            let member = rooms::member(conn, room, acting.user)?.ok_or(ApiError::NotFound)?;
            if !on_care_team(&member) {
                return Err(ApiError::Forbidden);
            }
            let facility = rooms::get(conn, room)?.organisation;
            if !OrgTree::load(conn)?
                .scope(broadcast.organisation_id)
                .contains(&facility)
            {
                return Err(ApiError::NotFound);
            }
            if !is_open(conn, &broadcast, now)? {
                return Err(ApiError::SafetyCheckClosed);
            }
            let answer = SafetyAnswer {
                broadcast_id: id,
                room_id: room,
                organisation_id: facility,
                status: body.status,
                need: body.need,
                answered_by: acting.user,
                answered_at: now,
            };
            safety::put(conn, &answer)?;
            let detail = serde_json::json!({ "room": room, "status": body.status, "need": body.need });
            let mut record = Entry::success(
                acting.user,
                "safety.answered",
                ("broadcast", id.to_string()),
                acting.ip.as_deref(),
            );
            record.detail = Some(detail.to_string());
            audit::record(conn, now, record)?;
            Ok(announce(conn, broadcast.organisation_id, id)?)
        })
        .await?;
    tell_this_node(state, &notified, id);
    Ok(())
}

/// The caller's rooms in a check's scope where they are on the care team, with the
/// current answers (`not_found` if the broadcast does not reach them).
pub async fn my_rooms(state: &AppState, user: UserId, id: BroadcastId) -> Result<MySafetyRooms, ApiError> {
    let now = state.now();
    state
        .read(move |conn| {
            let broadcast = check_of(conn, id)?;
            let tree = OrgTree::load(conn)?;
            if !Reach::of(conn, &tree, user)?.receives(&broadcast) {
                return Err(ApiError::NotFound);
            }
            let scope = tree.scope(broadcast.organisation_id);
            let mut mine = Vec::new();
            for room in rooms::rooms_of_user(conn, user)? {
                let Some(member) = rooms::member(conn, room, user)? else {
                    continue;
                };
                let facility = rooms::get(conn, room)?.organisation;
                if on_care_team(&member) && scope.contains(&facility) {
                    mine.push((room, facility));
                }
            }
            let ids: Vec<RoomId> = mine.iter().map(|(r, _)| *r).collect();
            let answers: HashMap<RoomId, SafetyAnswer> = safety::answers_for(conn, id, &ids)?
                .into_iter()
                .map(|a| (a.room_id, a))
                .collect();
            let rooms = mine
                .into_iter()
                .map(|(room, facility)| {
                    let answer = answers.get(&room);
                    MySafetyRoom {
                        room,
                        facility,
                        status: answer.map(|a| a.status),
                        need: answer.and_then(|a| a.need),
                        answered_at: answer.map(|a| a.answered_at),
                    }
                })
                .collect();
            Ok(MySafetyRooms {
                broadcast: id,
                open: is_open(conn, &broadcast, now)?,
                rooms,
            })
        })
        .await
}

/// `org`, after checking the actor follows its broadcasts (`forbidden`).
async fn followed_check(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
) -> Result<OrganisationId, ApiError> {
    let org = load_org(state, org).await?;
    if !actor.may_follow_broadcasts(org.id) {
        return Err(ApiError::Forbidden);
    }
    Ok(org.id)
}

fn sent_check(conn: &mut DbConn, org: OrganisationId, id: BroadcastId) -> Result<StoredBroadcast, ApiError> {
    let broadcast = check_of(conn, id)?;
    if broadcast.organisation_id != org {
        return Err(ApiError::NotFound);
    }
    Ok(broadcast)
}

/// The officer's dashboard: totals overall and per facility in scope, unanswered
/// rooms per facility, and the rooms needing support with the facility to call.
pub async fn dashboard(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
    id: BroadcastId,
) -> Result<SafetyDashboard, ApiError> {
    let org = followed_check(state, actor, org).await?;
    let now = state.now();
    state
        .read(move |conn| {
            let broadcast = sent_check(conn, org, id)?;
            let tree = OrgTree::load(conn)?;
            let scope = tree.scope(org);
            let room_counts: HashMap<OrganisationId, i64> =
                safety::room_counts(conn, &scope)?.into_iter().collect();
            let answers = safety::answers(conn, id)?;
            let mut per: BTreeMap<OrganisationId, StatusCounts> = BTreeMap::new();
            for answer in &answers {
                per.entry(answer.organisation_id).or_default().add(answer.status);
            }
            let mut totals = StatusCounts::default();
            let mut facilities = Vec::new();
            for facility in scope {
                let rooms = room_counts.get(&facility).copied().unwrap_or(0).max(0) as u64;
                let mut counts = per.get(&facility).copied().unwrap_or_default();
                if rooms == 0 && counts.answered() == 0 {
                    continue;
                }
                counts.unanswered = rooms.saturating_sub(counts.answered());
                totals.safe += counts.safe;
                totals.needs_support += counts.needs_support;
                totals.unreachable += counts.unreachable;
                totals.evacuated += counts.evacuated;
                totals.unanswered += counts.unanswered;
                facilities.push(FacilitySafety {
                    facility,
                    name: tree.name(facility),
                    rooms,
                    totals: counts,
                });
            }
            let mut needs_support: Vec<NeedsSupport> = answers
                .iter()
                .filter(|a| a.status == SafetyStatus::NeedsSupport)
                .map(|a| NeedsSupport {
                    room: a.room_id,
                    facility: a.organisation_id,
                    facility_name: tree.name(a.organisation_id),
                    need: a.need,
                    answered_at: a.answered_at,
                })
                .collect();
            needs_support.sort_by_key(|n| n.answered_at);
            Ok(SafetyDashboard {
                broadcast: id,
                open: is_open(conn, &broadcast, now)?,
                closed_at: safety::closed_at(conn, id)?,
                totals,
                facilities,
                needs_support,
            })
        })
        .await
}

/// The dashboard's per-facility totals as CSV: a header row, then one row per
/// facility (its name, then the counts). No room, client or person appears.
pub async fn dashboard_csv(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
    id: BroadcastId,
) -> Result<String, ApiError> {
    let board = dashboard(state, actor, org, id).await?;
    let mut csv = String::from("facility,safe,needs_support,unreachable,evacuated,unanswered\r\n");
    for f in &board.facilities {
        let t = f.totals;
        csv.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            csv_field(&f.name),
            t.safe,
            t.needs_support,
            t.unreachable,
            t.evacuated,
            t.unanswered
        ));
    }
    Ok(csv)
}

/// A CSV field: quoted when it holds a separator, a quote or a line break, and with
/// a leading `'` when a spreadsheet would take it for a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Closes a check: no further answers. Audited once; closing again changes nothing.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org: OrganisationId,
    id: BroadcastId,
) -> Result<(), ApiError> {
    let org = followed_check(state, actor, org).await?;
    let now = state.now();
    let notified = state
        .write(move |conn| {
            sent_check(conn, org, id)?;
            if !safety::close(conn, id, acting.user, now)? {
                return Ok(Vec::new());
            }
            let record = Entry::success(
                acting.user,
                "safety.closed",
                ("broadcast", id.to_string()),
                acting.ip.as_deref(),
            );
            audit::record(conn, now, record)?;
            Ok(announce(conn, org, id)?)
        })
        .await?;
    tell_this_node(state, &notified, id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_cannot_break_rows_or_become_formulas() {
        assert_eq!(csv_field("みなみ診療所"), "みなみ診療所");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
