//! The anomaly rules, without I/O: an audit record goes in, the rules say what
//! history they need to judge it ([`checks`], [`Check::look`]), and the history
//! goes in to get a finding ([`Check::judge`]) or nothing. The job
//! (`anomaly::job`) does the reading and storing.
//!
//! Every rule looks at the subject's own records: a person's failed sign-ins,
//! sign-in hours, opened rooms, downloads and devices; an address's failed
//! sign-ins.

use std::collections::BTreeSet;

use kizuna_proto::{Timestamp, UserId};
use kizuna_storage::alerts::AuditRecord;
use serde_json::{json, Value};

use super::config::AlertsConfig;

/// Which rule raised an alert. Stored and sent as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// Many failed sign-ins on one account in a short time (or it locked).
    FailedSignIns,
    /// Many failed sign-ins from one address in a short time.
    FailedSignInsFromAddress,
    /// A sign-in at an hour the person does not usually sign in.
    UnusualHour,
    /// One person opening many different rooms in a short time.
    ManyRooms,
    /// One person downloading many attachments in a short time.
    BulkDownloads,
    /// A device registered by someone who already had one.
    NewDevice,
    /// A break-glass (emergency) account signed in or tried to.
    BreakGlass,
}

impl AlertKind {
    /// Every kind.
    pub const ALL: [AlertKind; 7] = [
        AlertKind::FailedSignIns,
        AlertKind::FailedSignInsFromAddress,
        AlertKind::UnusualHour,
        AlertKind::ManyRooms,
        AlertKind::BulkDownloads,
        AlertKind::NewDevice,
        AlertKind::BreakGlass,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AlertKind::FailedSignIns => "failed_sign_ins",
            AlertKind::FailedSignInsFromAddress => "failed_sign_ins_from_address",
            AlertKind::UnusualHour => "unusual_hour",
            AlertKind::ManyRooms => "many_rooms",
            AlertKind::BulkDownloads => "bulk_downloads",
            AlertKind::NewDevice => "new_device",
            AlertKind::BreakGlass => "break_glass",
        }
    }

    /// The kind a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Who an alert is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A person.
    Person(UserId),
    /// An address (failed sign-ins from it, to any accounts).
    Address(String),
}

/// Audit actions the rules read.
pub mod actions {
    /// A sign-in (success or failure).
    pub const SIGN_IN: &str = "auth.sign_in";
    /// The failure that locked a login ID.
    pub const LOCKED: &str = "auth.locked";
    /// A break-glass account's sign-in (success or a refused sealed account).
    pub const EMERGENCY_SIGN_IN: &str = "emergency.sign_in";
    /// A room opened (target `room`).
    pub const ROOM_READ: &str = "room.read";
    /// An attachment downloaded.
    pub const BLOB_DOWNLOAD: &str = "blob.download";
    /// A device registered.
    pub const DEVICE_REGISTERED: &str = "device.registered";
}

const FAILURE: &str = "failure";
const SUCCESS: &str = "success";
const SIGN_IN_FAILURES: &[&str] = &[actions::SIGN_IN, actions::LOCKED];
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// One rule to apply to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The rule.
    pub kind: AlertKind,
    /// Whose records it reads.
    pub subject: Subject,
    /// The record that asked for it.
    pub record: AuditRecord,
}

/// The history a check needs: the subject's records with one of `actions` (and
/// `outcome`, when given) from `from` to `to`, newest first, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// Which actions.
    pub actions: &'static [&'static str],
    /// Which outcome, if one.
    pub outcome: Option<&'static str>,
    /// From.
    pub from: Timestamp,
    /// To (inclusive).
    pub to: Timestamp,
    /// At most.
    pub limit: i64,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule.
    pub kind: AlertKind,
    /// Who.
    pub subject: Subject,
    /// The first record counted.
    pub first_at: Timestamp,
    /// The last record counted.
    pub last_at: Timestamp,
    /// How many.
    pub count: i64,
    /// What the words need (window, hour, …).
    pub detail: Value,
    /// The people involved (for an address: the accounts tried that exist), whose
    /// facilities are told.
    pub people: Vec<UserId>,
}

/// The checks a new audit record asks for (none for most records).
pub fn checks(record: &AuditRecord) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |kind: AlertKind, subject: Subject| {
        out.push(Check {
            kind,
            subject,
            record: record.clone(),
        })
    };
    let action = record.action.as_str();
    let person = record.actor.map(Subject::Person);
    let failed_sign_in = SIGN_IN_FAILURES.contains(&action) && record.outcome == FAILURE;
    match (action, person) {
        (_, Some(person)) if failed_sign_in => check(AlertKind::FailedSignIns, person),
        (actions::SIGN_IN, Some(person)) if record.outcome == SUCCESS => {
            check(AlertKind::UnusualHour, person)
        }
        (actions::EMERGENCY_SIGN_IN, Some(person)) => check(AlertKind::BreakGlass, person),
        (actions::ROOM_READ, Some(person)) if record.target_kind.as_deref() == Some("room") => {
            check(AlertKind::ManyRooms, person)
        }
        (actions::BLOB_DOWNLOAD, Some(person)) => check(AlertKind::BulkDownloads, person),
        (actions::DEVICE_REGISTERED, Some(person)) if record.outcome == SUCCESS => {
            check(AlertKind::NewDevice, person)
        }
        _ => {}
    }
    if failed_sign_in {
        if let Some(ip) = &record.ip {
            check(AlertKind::FailedSignInsFromAddress, Subject::Address(ip.clone()));
        }
    }
    out
}

impl Check {
    /// How long a burst of this kind is watched, in minutes (none for single events).
    pub fn window_minutes(&self, limits: &AlertsConfig) -> Option<u32> {
        match self.kind {
            AlertKind::FailedSignIns | AlertKind::FailedSignInsFromAddress => {
                Some(limits.failed_sign_in_window_minutes)
            }
            AlertKind::ManyRooms => Some(limits.rooms_window_minutes),
            AlertKind::BulkDownloads => Some(limits.downloads_window_minutes),
            AlertKind::UnusualHour | AlertKind::NewDevice | AlertKind::BreakGlass => None,
        }
    }

    /// The history to judge this check by; none when the record alone decides.
    pub fn look(&self, limits: &AlertsConfig) -> Option<Look> {
        let at = self.record.at;
        let window = |minutes: u32, actions: &'static [&'static str], outcome| Look {
            actions,
            outcome,
            from: Timestamp(at.0 - i64::from(minutes) * MINUTE_MS),
            to: at,
            limit: super::history::MOST_HISTORY,
        };
        let minutes = self.window_minutes(limits).unwrap_or(0);
        match self.kind {
            AlertKind::FailedSignIns | AlertKind::FailedSignInsFromAddress => {
                Some(window(minutes, SIGN_IN_FAILURES, Some(FAILURE)))
            }
            AlertKind::ManyRooms => Some(window(minutes, &[actions::ROOM_READ], None)),
            AlertKind::BulkDownloads => Some(window(minutes, &[actions::BLOB_DOWNLOAD], None)),
            AlertKind::UnusualHour => Some(Look {
                actions: &[actions::SIGN_IN],
                outcome: Some(SUCCESS),
                from: Timestamp(0),
                to: at,
                // The record itself is among them; it is left out when judging.
                limit: i64::from(limits.unusual_hour_history) + 1,
            }),
            AlertKind::NewDevice => Some(Look {
                actions: &[actions::DEVICE_REGISTERED],
                outcome: Some(SUCCESS),
                from: Timestamp(0),
                to: at,
                limit: 2,
            }),
            AlertKind::BreakGlass => None,
        }
    }

    /// The records of `history` this check counts: earlier ones (or this one),
    /// never a later one, and of the right kind.
    fn counted<'h>(&self, history: &'h [AuditRecord]) -> impl Iterator<Item = &'h AuditRecord> + 'h {
        let (at, id, kind) = (self.record.at, self.record.id, self.kind);
        history.iter().filter(move |r| {
            let not_later = (r.at, r.id) <= (at, id);
            let fits = match kind {
                AlertKind::ManyRooms => r.target_kind.as_deref() == Some("room"),
                _ => true,
            };
            not_later && fits
        })
    }

    /// How much of the history counts: different rooms for [`AlertKind::ManyRooms`],
    /// records for the others.
    pub fn tally(&self, history: &[AuditRecord]) -> i64 {
        match self.kind {
            AlertKind::ManyRooms => self
                .counted(history)
                .filter_map(|r| r.target_id.as_deref())
                .collect::<BTreeSet<_>>()
                .len() as i64,
            _ => self.counted(history).count() as i64,
        }
    }

    /// Judges the record by `history` (what [`Check::look`] asked for; empty when
    /// it asked for nothing).
    pub fn judge(&self, history: &[AuditRecord], limits: &AlertsConfig) -> Option<Finding> {
        let at = self.record.at;
        let finding = |first_at: Timestamp, count: i64, detail: Value| Finding {
            kind: self.kind,
            subject: self.subject.clone(),
            first_at,
            last_at: at,
            count,
            detail,
            people: self.people(history),
        };
        let burst = |threshold: u32| {
            let count = self.tally(history);
            let first = self.counted(history).map(|r| r.at).min().unwrap_or(at);
            let minutes = self.window_minutes(limits).unwrap_or(0);
            (count >= i64::from(threshold)).then(|| (first, count, json!({ "window_minutes": minutes })))
        };
        match self.kind {
            AlertKind::FailedSignIns => {
                let locked = self.record.action == actions::LOCKED;
                let threshold = if locked { 1 } else { limits.failed_sign_ins };
                let (first, count, mut detail) = burst(threshold)?;
                detail["locked"] = json!(locked);
                Some(finding(first, count, detail))
            }
            AlertKind::FailedSignInsFromAddress => {
                let (first, count, mut detail) = burst(limits.failed_sign_ins_per_address)?;
                let tried: BTreeSet<_> = self
                    .counted(history)
                    .filter_map(|r| r.target_id.as_deref())
                    .collect();
                detail["accounts"] = json!(tried.len());
                Some(finding(first, count, detail))
            }
            AlertKind::ManyRooms => {
                let (first, count, detail) = burst(limits.rooms_opened)?;
                Some(finding(first, count, detail))
            }
            AlertKind::BulkDownloads => {
                let (first, count, detail) = burst(limits.downloads)?;
                Some(finding(first, count, detail))
            }
            AlertKind::UnusualHour => {
                let past: Vec<Timestamp> = self
                    .counted(history)
                    .filter(|r| r.id != self.record.id)
                    .map(|r| r.at)
                    .take(limits.unusual_hour_history as usize)
                    .collect();
                let usual = usual_hours(&past, limits)?;
                let hour = hour_of(at);
                let near = [(hour + 23) % 24, hour, (hour + 1) % 24];
                if near.iter().any(|h| usual.contains(h)) {
                    return None;
                }
                let detail = json!({ "hour_utc": hour, "usual_hours_utc": usual, "history": past.len() });
                Some(finding(at, 1, detail))
            }
            AlertKind::NewDevice => {
                let before = self.counted(history).filter(|r| r.id != self.record.id).count();
                (before > 0).then(|| finding(at, 1, json!({ "device": self.record.target_id })))
            }
            AlertKind::BreakGlass => {
                let used = self.record.outcome == SUCCESS;
                Some(finding(at, 1, json!({ "signed_in": used })))
            }
        }
    }

    /// Whose facilities hear of it: the person, or for an address the accounts
    /// tried that exist.
    pub fn people(&self, history: &[AuditRecord]) -> Vec<UserId> {
        match &self.subject {
            Subject::Person(user) => vec![*user],
            Subject::Address(_) => self
                .counted(history)
                .filter_map(|r| r.actor)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

/// The hour of the day (UTC) of `at`. The rule compares hours with hours, so the
/// time zone does not matter (Japan's is a whole number of hours).
pub fn hour_of(at: Timestamp) -> u32 {
    (at.0.div_euclid(HOUR_MS).rem_euclid(24)) as u32
}

/// The hours holding at least the configured share of `past` sign-ins; none when
/// there are too few to judge.
pub fn usual_hours(past: &[Timestamp], limits: &AlertsConfig) -> Option<Vec<u32>> {
    if past.len() < limits.unusual_hour_min_history as usize {
        return None;
    }
    let mut per_hour = [0_usize; 24];
    for at in past {
        per_hour[hour_of(*at) as usize] += 1;
    }
    let share = limits.unusual_hour_share_percent as usize;
    Some(
        (0..24)
            .filter(|h| per_hour[*h as usize] * 100 >= share * past.len())
            .collect(),
    )
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
