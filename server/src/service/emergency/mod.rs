//! Break-glass (emergency) accounts (issue 14; the MHLW guideline asks that
//! emergency accounts be managed, their use detected, and their access revoked
//! afterwards), as the facility's administrators handle them.
//!
//! An emergency account is not a person's: a facility administrator prepares it
//! with a label ("緊急用1") and a care role, and enrols it through an ordinary
//! enrolment link, with a password written on a sheet and a security key, both
//! kept in the facility's safe. Enrolling seals it (no session is given). From then
//! on [`admission`] decides when it may sign in: while a disaster declared over the
//! facility lasts ([`disaster`]), or for a window after two different
//! administrators approve. Every sign-in, and every refused attempt with the right
//! factors, is audited and alerts every administrator of the facility, live.
//! When the admission ends (or an administrator ends it), its sessions end and it
//! must be resealed: a new enrolment link, new sheet, new key.
//!
//! There is no key escrow: an emergency account reads nothing by being one. It
//! gains a room the way anyone does, added by a member of that room's team from
//! their own device (the room's owner or delegate invites it; the MLS add is made
//! by a member's device). Its name always reads 【緊急用】 with its label, and room
//! member lists flag it (`emergency: true`), so every member of every room it is
//! in sees it there.

pub mod admission;
pub mod disaster;

use std::time::Duration;

use kizuna_proto::{OrgRole, OrganisationId, Timestamp, UserId};
use kizuna_storage::emergency::{self as stored, EmergencyAccount, EmergencyState};
use kizuna_storage::invitations::InvitationKind;
use kizuna_storage::orgs::{self, Membership};
use kizuna_storage::users::{self, User, UserStatus};
use kizuna_storage::{credentials, invitations, sessions, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit;
use crate::authz::{role_fits_organisation, Actor, OrgAction};
use crate::error::{required_name, ApiError, Problem};
use crate::invites::{self, IssuedLink};
use crate::service::acting::Acting;
use crate::service::broadcast_scope::OrgTree;
use crate::service::invitations::ttl_hours;
use crate::service::people::org_for;
use crate::service::staff::action_entry;
use crate::state::AppState;
use admission::Admission;

/// How long two administrators' approval keeps an account usable.
pub const APPROVAL_WINDOW: Duration = Duration::from_secs(8 * 3600);
/// How close together the two approvals must be.
pub const APPROVALS_WITHIN: Duration = Duration::from_secs(3600);
/// What every emergency account's name starts with, wherever it is shown.
pub const NAME_MARK: &str = "【緊急用】";

/// A new emergency account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmergencyAccount {
    /// What the facility calls it, e.g. "緊急用1" (1–40 characters).
    pub label: String,
    /// The care role it acts in (a professional role of the facility).
    pub role: OrgRole,
}

/// A prepared account and the link to enrol its sheet and key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreparedAccount {
    /// The account.
    pub user_id: UserId,
    /// What to write on the sheet as the login ID.
    pub login_id: String,
    /// The one-time enrolment link.
    pub enrolment: IssuedLink,
}

/// One emergency account as its facility's administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyAccountView {
    /// The account.
    pub user_id: UserId,
    /// Its login ID.
    pub login_id: String,
    /// Its label.
    pub label: String,
    /// `awaiting_enrolment`, `sealed`, `in_use` or `needs_reseal`.
    pub state: String,
    /// When it was last sealed.
    pub sealed_at: Option<Timestamp>,
    /// Its last sign-in.
    pub last_sign_in_at: Option<Timestamp>,
    /// Why it may sign in now, if it may.
    pub admission: Option<Admission>,
    /// Administrators who approved use within the last hour (two open it).
    pub pending_approvals: Vec<UserId>,
}

/// The facility's emergency accounts and any disaster declared over it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyAccounts {
    /// Declarations covering the facility now.
    pub declared_by: Vec<OrganisationId>,
    /// Its accounts, oldest first.
    pub accounts: Vec<EmergencyAccountView>,
}

/// The facility's emergency account `user`, or `not_found`.
fn account_of(
    conn: &mut DbConn,
    facility: OrganisationId,
    user: UserId,
) -> Result<EmergencyAccount, ApiError> {
    stored::get(conn, user)?
        .filter(|a| a.facility == facility)
        .ok_or(ApiError::NotFound)
}

/// Issues a fresh enrolment link for `user` (a recovery link: it sets a new
/// password and registers a new key for the existing account), ending older ones.
fn enrolment_link(
    conn: &mut DbConn,
    state_url: &str,
    (facility, user, label): (OrganisationId, UserId, &str),
    by: UserId,
    ttl: Duration,
    now: Timestamp,
) -> Result<IssuedLink, ApiError> {
    invitations::expire_for_user(conn, user, now)?;
    let request = invites::Request {
        kind: InvitationKind::Recovery,
        organisation: Some(facility),
        room: None,
        role: None,
        invitee_name: Some(format!("{NAME_MARK}{label}")),
        created_by: Some(by),
        target_user: Some(user),
        ttl,
    };
    Ok(invites::issue(conn, state_url, request, now)?)
}

/// Prepares a sealed emergency account for the facility: the account, its staff
/// role and an enrolment link. Facility administrators only; audited.
pub async fn prepare(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    facility: OrganisationId,
    new: NewEmergencyAccount,
) -> Result<PreparedAccount, ApiError> {
    let org = org_for(state, actor, facility, OrgAction::ManageEmergencyAccounts).await?;
    if !role_fits_organisation(new.role, &org) || !crate::authz::is_professional(new.role) {
        return Err(ApiError::input("role", Problem::EmergencyCareRole));
    }
    let label = required_name("label", &new.label, 40)?;
    let (now, url, ttl) = (
        state.now(),
        state.config.public_url(),
        ttl_hours(state.config.invitation_ttl_hours),
    );
    state
        .write(move |conn| {
            let user = UserId::from_uuid(uuid::Uuid::new_v4());
            let login_id = format!("emergency-{}", &user.as_uuid().simple().to_string()[..10]);
            users::create(
                conn,
                &User {
                    id: user,
                    login_id: login_id.clone(),
                    display_name: format!("{NAME_MARK}{label}"),
                    is_system_admin: false,
                    status: UserStatus::Active,
                    created_at: now,
                    last_sign_in_at: None,
                    birth_date: None,
                },
            )?;
            let membership = Membership {
                user,
                organisation: org.id,
                role: new.role,
                created_at: now,
            };
            orgs::add_membership(conn, &membership)?;
            let account = EmergencyAccount {
                user,
                facility: org.id,
                label: label.clone(),
                state: EmergencyState::AwaitingEnrolment,
                created_by: acting.user,
                created_at: now,
                sealed_at: None,
                approved_until: None,
            };
            stored::create(conn, &account)?;
            let enrolment = enrolment_link(conn, &url, (org.id, user, &label), acting.user, ttl, now)?;
            let detail = serde_json::json!({ "facility": org.id, "role": new.role }).to_string();
            audit::record(
                conn,
                now,
                action_entry(&acting, "emergency.prepared", user, detail),
            )?;
            Ok(PreparedAccount {
                user_id: user,
                login_id,
                enrolment,
            })
        })
        .await
}

/// Called when `user` finished an enrolment link: seals an emergency account
/// (audited) and says so, so no session is given; `false` for anyone else.
pub fn sealed_on_enrolment(conn: &mut DbConn, user: UserId, now: Timestamp) -> Result<bool, ApiError> {
    if stored::get(conn, user)?.is_none() {
        return Ok(false);
    }
    stored::set_state(conn, user, EmergencyState::Sealed, now)?;
    stored::clear_approvals(conn, user)?;
    sessions::revoke_all(conn, user, now)?;
    let entry = audit::Entry::success(user, "emergency.sealed", ("user", user.to_string()), None);
    audit::record(conn, now, entry)?;
    Ok(true)
}

/// The facility's emergency accounts with where each stands. Facility
/// administrators only.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    facility: OrganisationId,
) -> Result<EmergencyAccounts, ApiError> {
    let org = org_for(state, actor, facility, OrgAction::ManageEmergencyAccounts).await?;
    let now = state.now();
    state
        .write(move |conn| {
            let tree = OrgTree::load(conn)?;
            let declared_by = stored::open_declarations(conn, &tree.with_ancestors(org.id))?
                .into_iter()
                .map(|d| d.organisation)
                .collect();
            let mut accounts = Vec::new();
            for account in stored::of_facility(conn, org.id)? {
                let user = users::get(conn, account.user)?;
                let (account, admission) = admission::settle(conn, &tree, account, None, now)?;
                accounts.push(EmergencyAccountView {
                    user_id: account.user,
                    login_id: user.login_id,
                    label: account.label.clone(),
                    state: account.state.to_string(),
                    sealed_at: account.sealed_at,
                    last_sign_in_at: user.last_sign_in_at,
                    admission,
                    pending_approvals: stored::approvers_since(
                        conn,
                        account.user,
                        now.minus(APPROVALS_WITHIN),
                    )?,
                });
            }
            Ok(EmergencyAccounts {
                declared_by,
                accounts,
            })
        })
        .await
}

/// The outcome of an approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct Approval {
    /// Administrators whose approval within the last hour counts (the caller's too).
    pub approvals: usize,
    /// Set when this approval was the second: the account may sign in until then.
    pub admitted_until: Option<Timestamp>,
}

/// Records the calling administrator's approval of the account's use; the second
/// different administrator within an hour opens it for [`APPROVAL_WINDOW`].
/// Audited. Only a sealed or in-use account can be approved.
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    facility: OrganisationId,
    user: UserId,
) -> Result<Approval, ApiError> {
    let org = org_for(state, actor, facility, OrgAction::ManageEmergencyAccounts).await?;
    let now = state.now();
    state
        .write(move |conn| {
            let account = account_of(conn, org.id, user)?;
            if !matches!(account.state, EmergencyState::Sealed | EmergencyState::InUse) {
                return Err(ApiError::EmergencyAccountNotSealed);
            }
            stored::approve(conn, user, acting.user, now)?;
            let approvers = stored::approvers_since(conn, user, now.minus(APPROVALS_WITHIN))?;
            let admitted_until = (approvers.len() >= 2).then(|| now.plus(APPROVAL_WINDOW));
            if let Some(until) = admitted_until {
                stored::set_approved_until(conn, user, until)?;
                stored::clear_approvals(conn, user)?;
            }
            let detail =
                serde_json::json!({ "approvals": approvers.len(), "admitted_until": admitted_until });
            audit::record(
                conn,
                now,
                action_entry(&acting, "emergency.approved", user, detail.to_string()),
            )?;
            Ok(Approval {
                approvals: approvers.len(),
                admitted_until,
            })
        })
        .await
}

/// Ends the account's use now: its sessions end, an approval window closes, and an
/// account that was in use must be resealed. Audited; connections close.
pub async fn end(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    facility: OrganisationId,
    user: UserId,
) -> Result<(), ApiError> {
    let org = org_for(state, actor, facility, OrgAction::ManageEmergencyAccounts).await?;
    let now = state.now();
    state
        .write(move |conn| {
            let account = account_of(conn, org.id, user)?;
            admission::close(conn, &account, Some(acting.user), "ended_by_administrator", now)?;
            Ok(())
        })
        .await?;
    state.live.close_user(user);
    Ok(())
}

/// Reseals the account with new credentials: sessions end, its password and keys
/// stop working, and a new enrolment link is issued (for a new sheet and key).
/// Needs a fresh re-authentication, like resetting a person's sign-in. Audited.
pub async fn reseal(
    state: &AppState,
    auth: &crate::auth::session::Authenticated,
    acting: Acting,
    facility: OrganisationId,
    user: UserId,
) -> Result<IssuedLink, ApiError> {
    let org = org_for(state, &auth.actor, facility, OrgAction::ManageEmergencyAccounts).await?;
    auth.require_fresh(state)?;
    let (now, url, ttl) = (
        state.now(),
        state.config.public_url(),
        ttl_hours(state.config.invitation_ttl_hours),
    );
    let issued = state
        .write(move |conn| {
            let account = account_of(conn, org.id, user)?;
            sessions::revoke_all(conn, user, now)?;
            credentials::remove_all(conn, user)?;
            stored::set_state(conn, user, EmergencyState::AwaitingEnrolment, now)?;
            stored::clear_approvals(conn, user)?;
            let link = enrolment_link(conn, &url, (org.id, user, &account.label), acting.user, ttl, now)?;
            audit::record(
                conn,
                now,
                action_entry(&acting, "emergency.resealing", user, "{}".into()),
            )?;
            Ok(link)
        })
        .await?;
    state.live.close_user(user);
    Ok(issued)
}
