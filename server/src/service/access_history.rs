//! A facility's access history: who read which of its rooms, downloaded which file or
//! exported what, when, from which device, over which range — for the facility's
//! administrators (and the system administrator) only. Viewing and downloading it is
//! itself audited (`access.viewed`, `access.exported`).

pub mod spreadsheet;

use std::collections::{HashMap, HashSet};

use kizuna_proto::{DeviceId, OrganisationId, RoomId, Timestamp, UserId};
use kizuna_storage::audit::{self, ChainedEvent, HistoryFilter};
use kizuna_storage::{devices, orgs, rooms, users, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{record, Entry};
use crate::authz::Actor;
use crate::error::{ApiError, Problem};
use crate::service::acting::Acting;
use crate::state::AppState;

/// Most entries in one page.
pub const MAX_PAGE: i64 = 200;
/// Most rows in one CSV download.
pub const MAX_CSV_ROWS: usize = 50_000;
/// Japan Standard Time, for dates typed by people and times shown to them.
const JST_MILLIS: i64 = 9 * 3600 * 1000;

/// What to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccessQuery {
    /// Only this person's accesses.
    pub person: Option<UserId>,
    /// Only this room's.
    pub room: Option<RoomId>,
    /// From this day (`YYYY-MM-DD`, Japan time), inclusive.
    pub from: Option<String>,
    /// To this day (`YYYY-MM-DD`, Japan time), inclusive.
    pub to: Option<String>,
    /// The next page: entries before this seq (`next_before` of the previous page).
    pub before: Option<i64>,
    /// At most this many (default and maximum 200).
    pub limit: Option<i64>,
}

/// Someone, by ID and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    /// The ID.
    pub id: String,
    /// The name people know them or it by.
    pub name: String,
}

/// One access record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessLine {
    /// Its place in the audit chain.
    pub seq: i64,
    /// When (Unix milliseconds).
    pub at: Timestamp,
    /// Who.
    pub person: Option<Named>,
    /// From which device (when the session was bound to one).
    pub device: Option<Named>,
    /// `room.read`, `blob.download`, `room.export`, …
    pub action: String,
    /// The action in words (Japanese).
    pub action_ja: String,
    /// The action in words (English).
    pub action_en: String,
    /// The room.
    pub room: Option<RoomId>,
    /// The room's channel, for reads.
    pub channel: Option<String>,
    /// The first seq read.
    pub from: Option<i64>,
    /// The last seq read (none: nothing yet, or following live).
    pub to: Option<i64>,
    /// The file downloaded.
    pub blob: Option<String>,
}

/// One page of the history, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessPage {
    /// The records.
    pub entries: Vec<AccessLine>,
    /// Pass as `before` for the next page; none on the last page.
    pub next_before: Option<i64>,
}

/// Midnight (Japan time) starting `YYYY-MM-DD`, as a timestamp.
pub fn day_start(text: &str) -> Option<Timestamp> {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return None };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days-from-civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(Timestamp(days * 86_400_000 - JST_MILLIS))
}

/// A time as people in Japan read it: `2026-12-05 09:30:12`.
pub fn jst_text(at: Timestamp) -> String {
    Timestamp(at.0 + JST_MILLIS)
        .to_rfc3339()
        .trim_end_matches('Z')
        .replacen('T', " ", 1)
}

fn filter_of(org: OrganisationId, query: &AccessQuery) -> Result<HistoryFilter, ApiError> {
    let day = |field: &'static str, text: &Option<String>| match text {
        None => Ok(None),
        Some(t) => day_start(t)
            .map(Some)
            .ok_or(ApiError::input(field, Problem::BirthDateShape)),
    };
    Ok(HistoryFilter {
        organisation: org,
        room: query.room,
        actor: query.person,
        from: day("from", &query.from)?,
        to: day("to", &query.to)?.map(|t| Timestamp(t.0 + 86_400_000)),
        before_seq: query.before,
    })
}

/// Checks the viewer and the filter: the facility exists (404), the viewer
/// administers it (403), a room asked for is the facility's (404).
fn check(
    conn: &mut DbConn,
    actor: &Actor,
    org: OrganisationId,
    room: Option<RoomId>,
) -> Result<(), ApiError> {
    match orgs::get(conn, org) {
        Err(StorageError::NotFound) => return Err(ApiError::NotFound),
        other => other?,
    };
    // Not regional officers: the history names the facility's clients' rooms.
    if !actor.administers(org) {
        return Err(ApiError::Forbidden);
    }
    if let Some(room) = room {
        match rooms::get(conn, room) {
            Ok(r) if r.organisation == org => {}
            Ok(_) | Err(StorageError::NotFound) => return Err(ApiError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn viewing_entry<'a>(
    acting: &'a Acting,
    action: &'a str,
    org: OrganisationId,
    query: &AccessQuery,
) -> Entry<'a> {
    let mut entry = Entry::success(
        acting.user,
        action,
        ("organisation", org.to_string()),
        acting.ip.as_deref(),
    );
    entry.detail = Some(
        serde_json::json!({
            "person": query.person, "room": query.room, "from": query.from, "to": query.to,
        })
        .to_string(),
    );
    entry
}

/// One page of the facility's access history, newest first.
pub async fn page(
    state: &AppState,
    (actor, acting): (&Actor, Acting),
    org: OrganisationId,
    query: AccessQuery,
) -> Result<AccessPage, ApiError> {
    let (actor, now) = (actor.clone(), state.now());
    let limit = query.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    state
        .write(move |conn| {
            check(conn, &actor, org, query.room)?;
            let filter = filter_of(org, &query)?;
            let found = audit::room_history(conn, &filter, limit)?;
            let next_before = (found.len() as i64 == limit)
                .then(|| found.last().map(|e| e.seq))
                .flatten();
            let entries = lines(conn, found)?;
            record(conn, now, viewing_entry(&acting, "access.viewed", org, &query))?;
            Ok(AccessPage { entries, next_before })
        })
        .await
}

/// The whole matching history (up to [`MAX_CSV_ROWS`]) as CSV for Excel: UTF-8 with
/// a byte-order mark, a header row in Japanese and English, times in Japan time.
pub async fn csv(
    state: &AppState,
    (actor, acting): (&Actor, Acting),
    org: OrganisationId,
    query: AccessQuery,
) -> Result<String, ApiError> {
    let (actor, now) = (actor.clone(), state.now());
    state
        .write(move |conn| {
            check(conn, &actor, org, query.room)?;
            let mut filter = filter_of(org, &query)?;
            let mut all = Vec::new();
            while all.len() < MAX_CSV_ROWS {
                let found = audit::room_history(conn, &filter, MAX_PAGE)?;
                let done = (found.len() as i64) < MAX_PAGE;
                filter.before_seq = found.last().map(|e| e.seq);
                all.extend(lines(conn, found)?);
                if done {
                    break;
                }
            }
            record(conn, now, viewing_entry(&acting, "access.exported", org, &query))?;
            Ok(spreadsheet::render(&all))
        })
        .await
}

fn lines(conn: &mut DbConn, found: Vec<ChainedEvent>) -> Result<Vec<AccessLine>, ApiError> {
    let people: Vec<UserId> = found
        .iter()
        .filter_map(|e| e.event.actor)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<UserId, String> = users::get_many(conn, &people)?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut device_names: HashMap<DeviceId, String> = HashMap::new();
    for device in found.iter().filter_map(|e| e.scope.device) {
        if let std::collections::hash_map::Entry::Vacant(slot) = device_names.entry(device) {
            match devices::get(conn, device) {
                Ok(d) => {
                    slot.insert(d.name);
                }
                Err(StorageError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|e| {
            let detail: serde_json::Value = e
                .event
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let (ja, en) = action_words(&e.event.action);
            AccessLine {
                seq: e.seq,
                at: e.event.at,
                person: e.event.actor.map(|id| Named {
                    id: id.to_string(),
                    name: names.get(&id).cloned().unwrap_or_default(),
                }),
                device: e.scope.device.map(|id| Named {
                    id: id.to_string(),
                    name: device_names.get(&id).cloned().unwrap_or_default(),
                }),
                action_ja: ja.to_owned(),
                action_en: en.to_owned(),
                action: e.event.action,
                room: e.scope.room,
                channel: detail["channel"].as_str().map(str::to_owned),
                from: detail["from"].as_i64(),
                to: detail["to"].as_i64(),
                blob: detail["blob"].as_str().map(str::to_owned),
            }
        })
        .collect())
}

/// An action in words (Japanese, English).
pub fn action_words(action: &str) -> (&'static str, &'static str) {
    match action {
        "room.read" => ("記録を閲覧", "Read the record"),
        "blob.download" => ("写真・ファイルを取得", "Downloaded a photo or file"),
        "room.export" => ("記録を出力", "Exported the record"),
        "room.created" => ("部屋を作成", "Created the room"),
        "room.member_removed" => ("メンバーを削除", "Removed a member"),
        _ => ("その他の操作", "Other action"),
    }
}

/// A room of the facility, to pick in the history screen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacilityRoom {
    /// The room.
    pub id: RoomId,
    /// When it was made.
    pub created_at: Timestamp,
    /// Who made it.
    pub created_by: Named,
}

/// The facility's rooms (names are sealed on members' devices, so a room is shown by
/// who made it and when).
pub async fn rooms_of(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
) -> Result<Vec<FacilityRoom>, ApiError> {
    let actor = actor.clone();
    state
        .read(move |conn| {
            check(conn, &actor, org, None)?;
            let list = rooms::list_for_organisation(conn, org)?;
            let makers: Vec<UserId> = list.iter().map(|r| r.created_by).collect();
            let names: HashMap<UserId, String> = users::get_many(conn, &makers)?
                .into_iter()
                .map(|u| (u.id, u.display_name))
                .collect();
            Ok(list
                .into_iter()
                .map(|r| FacilityRoom {
                    id: r.id,
                    created_at: r.created_at,
                    created_by: Named {
                        id: r.created_by.to_string(),
                        name: names.get(&r.created_by).cloned().unwrap_or_default(),
                    },
                })
                .collect())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_japan_time() {
        // 2026-12-05 00:00 JST is 2026-12-04 15:00 UTC.
        let start = day_start("2026-12-05").unwrap();
        assert_eq!(start.to_rfc3339(), "2026-12-04T15:00:00Z");
        assert_eq!(jst_text(start), "2026-12-05 00:00:00");
        for bad in ["2026-13-01", "2026/12/05", "26-12-05", "", "2026-12-5"] {
            assert!(day_start(bad).is_none(), "{bad}");
        }
    }
}
