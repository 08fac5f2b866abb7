//! The one rule of break-glass accounts: when an emergency account may be signed
//! in, and what happens when that ends.
//!
//! An emergency account is *admitted* while a disaster declared by its facility or
//! any organisation above it lasts, or until the end of a window two of the
//! facility's administrators opened by approving. A sealed account signs in only
//! while admitted (and the sign-in is audited and alerts every administrator of the
//! facility); an account in use stays signed in only while admitted. When the
//! admission ends, [`close`] ends its sessions and marks it for resealing: it
//! cannot sign in again until an administrator enrols new credentials.
//!
//! This is checked where every session is resolved ([`still_admitted`]), so it
//! holds on every node and every request, and for open WebSockets at their next
//! heartbeat, whether the admission ended by a declaration's end, by an approval
//! window running out, or by an administrator.

use kizuna_proto::{OrgRole, OrganisationId, Timestamp, UserId};
use kizuna_storage::emergency::{self as stored, EmergencyAccount, EmergencyState};
use kizuna_storage::{orgs, sessions, DbConn, StorageError};
use serde::Serialize;
use utoipa::ToSchema;

use kizuna_storage::audit::Outcome;

use crate::audit::{self, Entry};
use crate::service::broadcast_scope::OrgTree;

/// Why an emergency account is admitted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Admission {
    /// A disaster declared by this organisation (the facility or one above it).
    Disaster {
        /// The declaring organisation.
        organisation: OrganisationId,
    },
    /// Two administrators approved use until then.
    Approved {
        /// When the window closes.
        until: Timestamp,
    },
}

/// Whether `account` is admitted at `now`, and why (a declaration first).
pub fn admission(
    conn: &mut DbConn,
    tree: &OrgTree,
    account: &EmergencyAccount,
    now: Timestamp,
) -> Result<Option<Admission>, StorageError> {
    let above = tree.with_ancestors(account.facility);
    if let Some(open) = stored::open_declarations(conn, &above)?.first() {
        return Ok(Some(Admission::Disaster {
            organisation: open.organisation,
        }));
    }
    Ok(account
        .approved_until
        .filter(|until| *until > now)
        .map(|until| Admission::Approved { until }))
}

/// The facility's administrators: whom a use of its emergency accounts alerts.
pub fn administrators(conn: &mut DbConn, facility: OrganisationId) -> Result<Vec<UserId>, StorageError> {
    let mut people: Vec<UserId> = orgs::members_of(conn, facility)?
        .into_iter()
        .filter(|m| m.role == OrgRole::FacilityAdmin)
        .map(|m| m.user)
        .collect();
    people.sort();
    people.dedup();
    Ok(people)
}

/// Tells the facility's administrators on every node that `account` signed in (or
/// tried to): NOTIFY inside the transaction; returns them for this node.
pub fn alert(conn: &mut DbConn, account: &EmergencyAccount) -> Result<Vec<UserId>, StorageError> {
    let admins = administrators(conn, account.facility)?;
    for admin in &admins {
        stored::announce_alert(conn, *admin, account.user)?;
    }
    Ok(admins)
}

/// What a verified sign-in of `user` may go on to: `Ok(None)` for an ordinary
/// account; for an emergency account admitted now, marks it in use, audits the
/// sign-in with its admission and returns the administrators to alert. An
/// emergency account not admitted (or awaiting resealing) is refused with
/// `emergency_account_sealed`; record that with [`refused`] in its own transaction.
pub fn on_sign_in(
    conn: &mut DbConn,
    user: UserId,
    ip: Option<&str>,
    now: Timestamp,
) -> Result<Option<Vec<UserId>>, crate::error::ApiError> {
    let Some(account) = stored::get(conn, user)? else {
        return Ok(None);
    };
    let tree = OrgTree::load(conn)?;
    // A use that ended while nobody was signed in is closed first (in the refusal's
    // own transaction, by `refused`, since this one rolls back).
    let Some(admitted) = admission_if_usable(conn, &tree, &account, now)? else {
        return Err(crate::error::ApiError::EmergencyAccountSealed);
    };
    stored::set_state(conn, user, EmergencyState::InUse, now)?;
    let mut entry = Entry::success(user, "emergency.sign_in", ("user", user.to_string()), ip);
    entry.detail =
        Some(serde_json::json!({ "facility": account.facility, "admission": admitted }).to_string());
    audit::record(conn, now, entry)?;
    Ok(Some(alert(conn, &account)?))
}

/// The account's admission if it may sign in: sealed or in use, and admitted.
fn admission_if_usable(
    conn: &mut DbConn,
    tree: &OrgTree,
    account: &EmergencyAccount,
    now: Timestamp,
) -> Result<Option<Admission>, StorageError> {
    match account.state {
        EmergencyState::Sealed | EmergencyState::InUse => admission(conn, tree, account, now),
        EmergencyState::AwaitingEnrolment | EmergencyState::NeedsReseal => Ok(None),
    }
}

/// Records a refused sign-in of emergency account `user` (both factors were right,
/// but it is sealed) and alerts the facility's administrators: someone holds the
/// sheet and the key. Returns whom to alert on this node.
pub fn refused(
    conn: &mut DbConn,
    user: UserId,
    ip: Option<&str>,
    now: Timestamp,
) -> Result<Vec<UserId>, StorageError> {
    let Some(account) = stored::get(conn, user)? else {
        return Ok(Vec::new());
    };
    let tree = OrgTree::load(conn)?;
    let (account, _) = settle(conn, &tree, account, None, now)?;
    let entry = Entry {
        actor: Some(user),
        action: "emergency.sign_in",
        target: Some(("user", user.to_string())),
        ip,
        outcome: Outcome::Failure,
        detail: Some(format!("{{\"state\":\"{}\"}}", account.state)),
    };
    audit::record(conn, now, entry)?;
    alert(conn, &account)
}

/// Ends an emergency account's use: its sessions end, it must be resealed, audited
/// as `emergency.closed` with `why`. Returns whether it was in use.
pub fn close(
    conn: &mut DbConn,
    account: &EmergencyAccount,
    actor: Option<UserId>,
    why: &str,
    now: Timestamp,
) -> Result<bool, StorageError> {
    let was_in_use = account.state == EmergencyState::InUse;
    if was_in_use {
        stored::set_state(conn, account.user, EmergencyState::NeedsReseal, now)?;
    }
    stored::close_window(conn, account.user)?;
    stored::clear_approvals(conn, account.user)?;
    sessions::revoke_all(conn, account.user, now)?;
    let entry = Entry {
        actor,
        action: "emergency.closed",
        target: Some(("user", account.user.to_string())),
        ip: None,
        outcome: Outcome::Success,
        detail: Some(serde_json::json!({ "why": why, "was_in_use": was_in_use }).to_string()),
    };
    audit::record(conn, now, entry)?;
    Ok(was_in_use)
}

/// Brings `account` up to date at `now`: an account in use whose admission has
/// ended is [`close`]d (however it ended: a declaration's end, a window running out
/// while nobody was signed in). Returns the account as it now stands and its
/// admission. Everything that reads an account's standing goes through here.
pub fn settle(
    conn: &mut DbConn,
    tree: &OrgTree,
    mut account: EmergencyAccount,
    actor: Option<UserId>,
    now: Timestamp,
) -> Result<(EmergencyAccount, Option<Admission>), StorageError> {
    if !matches!(account.state, EmergencyState::Sealed | EmergencyState::InUse) {
        return Ok((account, None));
    }
    let admitted = admission(conn, tree, &account, now)?;
    if admitted.is_none() && account.state == EmergencyState::InUse {
        let why = if actor.is_some() {
            "disaster_ended"
        } else {
            "admission_ended"
        };
        // Its own transaction where the caller has none (resolving a session).
        kizuna_storage::refusable_transaction(conn, |conn| close(conn, &account, actor, why, now))?;
        account.state = EmergencyState::NeedsReseal;
        account.approved_until = None;
    }
    Ok((account, admitted))
}

/// Whether `user`'s session may go on at `now`: always for an ordinary account;
/// for an emergency account, only while it is in use and admitted ([`settle`]).
pub fn still_admitted(conn: &mut DbConn, user: UserId, now: Timestamp) -> Result<bool, StorageError> {
    let Some(account) = stored::get(conn, user)? else {
        return Ok(true);
    };
    if account.state != EmergencyState::InUse {
        return Ok(false);
    }
    let tree = OrgTree::load(conn)?;
    Ok(settle(conn, &tree, account, None, now)?.1.is_some())
}

/// Closes every account in use whose admission has ended (after a declaration
/// ends); returns them, for this node to close their connections.
pub fn sweep(conn: &mut DbConn, actor: UserId, now: Timestamp) -> Result<Vec<UserId>, StorageError> {
    let tree = OrgTree::load(conn)?;
    let mut closed = Vec::new();
    for account in stored::in_use(conn)? {
        let (settled, _) = settle(conn, &tree, account, Some(actor), now)?;
        if settled.state == EmergencyState::NeedsReseal {
            closed.push(settled.user);
        }
    }
    Ok(closed)
}
