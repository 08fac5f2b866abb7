//! The alert job: reads the audit log after the stored cursor, applies the rules
//! ([`super::rules`]) and stores the alerts for the facilities concerned, then tells
//! their administrators (content-free push and e-mail).
//!
//! Every node runs it. A scan first takes the cursor row (its lock, held until the
//! scan's transaction ends), so the nodes take turns: each record is judged once,
//! each alert raised once, and the cursor moves in the same transaction as the
//! alerts it raised.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use kizuna_proto::{OrgRole, OrganisationId, Timestamp, UserId};
use kizuna_storage::alerts::{self, AuditRecord, By, Cursor, StoredAlert};
use kizuna_storage::users::UserStatus;
use kizuna_storage::{notifications, orgs, rooms, users, DbConn, StorageError};

use super::config::AlertsConfig;
use super::history::{Histories, Key, MOST_HISTORY};
use super::rules::{self, actions, Check, Subject};
use crate::notify::mail::Mail;
use crate::notify::{PushKind, PushPayload};
use crate::service::notification_settings::{EmailLevel, Preferences, PushLevel};
use crate::state::AppState;

/// Records younger than this are left for the next scan: a record's time is taken
/// before its transaction commits, so a younger one may still be on its way.
pub const SETTLE: Duration = Duration::from_secs(10);
/// Records judged per transaction.
const BATCH: i64 = 500;

/// One alert newly raised for one facility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    /// The facility.
    pub organisation: OrganisationId,
    /// The alert's ID.
    pub id: String,
}

/// One run of the job: scans everything settled and notifies. Returns the alerts
/// raised. Safe on every node at once.
pub async fn scan(state: &AppState) -> Result<Vec<Raised>, crate::error::ApiError> {
    let now = state.now();
    let until = now.minus(SETTLE);
    let mut all = Vec::new();
    loop {
        let limits = state.config.alerts.clone();
        let (raised, more) = state
            .write(move |conn| Ok(scan_batch(conn, &limits, now, until)?))
            .await?;
        notify(state, &raised, now).await;
        all.extend(raised);
        if !more {
            return Ok(all);
        }
    }
}

/// Runs [`scan`] every `[alerts] scan_interval_secs`.
pub fn spawn(state: AppState) {
    let interval = Duration::from_secs(state.config.alerts.scan_interval_secs);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = scan(&state).await {
                tracing::warn!(error = %e, "the security alert job failed; will retry");
            }
        }
    });
}

/// Judges up to [`BATCH`] records after the cursor and moves it past them: the
/// alerts raised, and whether more records wait.
fn scan_batch(
    conn: &mut DbConn,
    limits: &AlertsConfig,
    now: Timestamp,
    until: Timestamp,
) -> Result<(Vec<Raised>, bool), StorageError> {
    let cursor = alerts::take_cursor(conn, now)?;
    let records = alerts::records_after(conn, &cursor, until, BATCH)?;
    let checks: Vec<Check> = records.iter().flat_map(rules::checks).collect();
    let mut reads = Reads::default();
    for check in &checks {
        if let Some((key, look)) = burst_look(check, limits) {
            reads.histories.plan(key, look.from, look.to);
        }
    }
    let mut raised = Vec::new();
    for check in &checks {
        raised.extend(apply(conn, &mut reads, check, limits, now)?);
    }
    if let Some(last) = records.last() {
        alerts::move_cursor(
            conn,
            &Cursor {
                at: last.at,
                id: last.id.to_string(),
            },
        )?;
    }
    Ok((raised, records.len() as i64 == BATCH))
}

fn by(subject: &Subject) -> By {
    match subject {
        Subject::Person(user) => By::Actor(*user),
        Subject::Address(ip) => By::Ip(ip.clone()),
    }
}

/// What one batch has read: histories, and each person's facilities.
#[derive(Default)]
struct Reads {
    histories: Histories,
    facilities: HashMap<UserId, BTreeSet<OrganisationId>>,
}

/// Whose records `look` reads for `check`.
fn key(check: &Check, look: &rules::Look) -> Key {
    Key {
        by: by(&check.subject),
        actions: look.actions,
        outcome: look.outcome,
    }
}

/// A burst rule's look and the key its history is read by; none for the rules
/// that judge a single event (their reads are few and short).
fn burst_look(check: &Check, limits: &AlertsConfig) -> Option<(Key, rules::Look)> {
    check.window_minutes(limits)?;
    let look = check.look(limits)?;
    Some((key(check, &look), look))
}

/// The history `check` is judged by, from `from` to its look's end: a burst
/// rule's from the batch's reads, a single event's read on its own.
fn history<'r>(
    conn: &mut DbConn,
    reads: &'r mut Reads,
    check: &Check,
    look: &rules::Look,
    limits: &AlertsConfig,
    from: Timestamp,
) -> Result<Cow<'r, [AuditRecord]>, StorageError> {
    let key = key(check, look);
    if check.window_minutes(limits).is_some() {
        return reads.histories.records(conn, &key, from, look.to, look.limit);
    }
    Ok(Cow::Owned(alerts::records(
        conn,
        &key.query(from, look.to),
        look.limit.min(MOST_HISTORY),
    )?))
}

/// Applies one check: a burst still going on extends the facility's open alert;
/// otherwise a finding raises a new alert for each facility concerned.
fn apply(
    conn: &mut DbConn,
    reads: &mut Reads,
    check: &Check,
    limits: &AlertsConfig,
    now: Timestamp,
) -> Result<Vec<Raised>, StorageError> {
    let look = check.look(limits);
    let past = match &look {
        Some(look) => history(conn, reads, check, look, limits, look.from)?,
        None => Cow::Owned(Vec::new()),
    };
    let finding = check.judge(&past, limits);
    let people = check.people(&past);
    let mut raised = Vec::new();
    let record = &check.record;
    for org in facilities_of(conn, &mut reads.facilities, &people)? {
        if let (Some(minutes), Some(look)) = (check.window_minutes(limits), &look) {
            let since = Timestamp(record.at.0 - i64::from(minutes) * 60_000);
            let subject = by(&check.subject);
            if let Some(open) = alerts::open_since(conn, org, check.kind.as_str(), &subject, since)? {
                let count = check.tally(&history(conn, reads, check, look, limits, open.first_at)?);
                let mut detail: serde_json::Value = serde_json::from_str(&open.detail).unwrap_or_default();
                if record.action == actions::LOCKED {
                    detail["locked"] = serde_json::json!(true);
                }
                alerts::extend(
                    conn,
                    &open.id,
                    record.at,
                    count.max(open.count),
                    &detail.to_string(),
                )?;
                continue;
            }
        }
        let Some(finding) = &finding else { continue };
        let alert = StoredAlert {
            id: uuid::Uuid::new_v4().to_string(),
            organisation_id: org,
            kind: finding.kind.as_str().to_owned(),
            subject_user_id: match &finding.subject {
                Subject::Person(user) => Some(*user),
                Subject::Address(_) => None,
            },
            subject_ip: match &finding.subject {
                Subject::Person(_) => None,
                Subject::Address(ip) => Some(ip.clone()),
            },
            source_key: format!("{}:{}", finding.kind.as_str(), record.id),
            first_at: finding.first_at,
            last_at: finding.last_at,
            count: finding.count,
            detail: finding.detail.to_string(),
            raised_at: now,
            closed_at: None,
            closed_by: None,
            close_note: None,
        };
        if alerts::raise(conn, &alert)? {
            tracing::info!(kind = finding.kind.as_str(), facility = %org, "security alert raised");
            raised.push(Raised {
                organisation: org,
                id: alert.id,
            });
        }
    }
    Ok(raised)
}

/// The facilities whose administrators hear about `people`: those they hold a role
/// in; for someone with none (a family member, a volunteer), the facilities of
/// their rooms. Each person's are looked up once per batch (`known`).
fn facilities_of(
    conn: &mut DbConn,
    known: &mut HashMap<UserId, BTreeSet<OrganisationId>>,
    people: &[UserId],
) -> Result<BTreeSet<OrganisationId>, StorageError> {
    let mut out = BTreeSet::new();
    for user in people {
        if let Some(theirs) = known.get(user) {
            out.extend(theirs.iter().copied());
            continue;
        }
        let roles = orgs::memberships_of_user(conn, *user)?;
        let mut theirs = BTreeSet::new();
        if roles.is_empty() {
            for room in rooms::rooms_of_user(conn, *user)? {
                theirs.insert(rooms::get(conn, room)?.organisation);
            }
        }
        theirs.extend(roles.into_iter().map(|m| m.organisation));
        out.extend(theirs.iter().copied());
        known.insert(*user, theirs);
    }
    Ok(out)
}

/// Tells each administrator of the facilities concerned that there are new alerts:
/// one push and one e-mail per person per scan, with a count and nothing else.
async fn notify(state: &AppState, raised: &[Raised], now: Timestamp) {
    let mut per_facility: BTreeMap<OrganisationId, i64> = BTreeMap::new();
    for r in raised {
        *per_facility.entry(r.organisation).or_default() += 1;
    }
    if per_facility.is_empty() {
        return;
    }
    let recipients = state.db.run(move |conn| recipients(conn, &per_facility)).await;
    let recipients = match recipients {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "finding whom to tell of security alerts failed");
            return;
        }
    };
    for (user, (prefs, count)) in recipients {
        // As urgent as an urgent post: it waits out quiet hours only if they said so.
        if !prefs.urgent_now(now) {
            continue;
        }
        if prefs.push != PushLevel::Off {
            let payload = PushPayload::new(PushKind::SecurityAlert, None, count);
            state.notifier.push(&state.db, user, payload).await;
        }
        if let (true, Some(address)) = (prefs.email != EmailLevel::Off, &prefs.email_address) {
            state.notifier.mail(address, Mail::SecurityAlert { count }).await;
        }
    }
}

/// The active administrators of each facility, with their settings and how many
/// new alerts concern them.
fn recipients(
    conn: &mut DbConn,
    per_facility: &BTreeMap<OrganisationId, i64>,
) -> Result<BTreeMap<UserId, (Preferences, i64)>, StorageError> {
    let mut out: BTreeMap<UserId, (Preferences, i64)> = BTreeMap::new();
    for (org, count) in per_facility {
        for member in orgs::members_of(conn, *org)? {
            if member.role != OrgRole::FacilityAdmin
                || users::get(conn, member.user)?.status != UserStatus::Active
            {
                continue;
            }
            if let Some((_, total)) = out.get_mut(&member.user) {
                *total += count;
                continue;
            }
            let prefs = Preferences::of(notifications::settings(conn, member.user)?);
            out.insert(member.user, (prefs, *count));
        }
    }
    Ok(out)
}
