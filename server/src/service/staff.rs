//! Facility administration: registering organisations, inviting staff, the staff
//! list with last sign-in, suspending, disabling leavers, unlocking, roles and
//! revoking a lost device (resets are in [`crate::service::resets`]). Every use
//! case asks the role matrix (`authz`) before it touches anything.

use kizuna_proto::{DeviceId, OrgRole, OrganisationId, OrganisationKind, RoomRole, Timestamp, UserId};
use kizuna_storage::audit::Outcome;
use kizuna_storage::invitations::{self, InvitationKind};
use kizuna_storage::orgs::{self, Organisation};
use kizuna_storage::users::{self, User, UserStatus};
use kizuna_storage::{rooms, sessions, throttle, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::Authenticated;
use crate::auth::throttle::login_key;
use crate::authz::{misplaced_role, role_fits_organisation, Actor, OrgAction};
use crate::error::{required_name, ApiError, Problem};
use crate::invites::{self, IssuedLink};
use crate::service::acting::Acting;
use crate::service::devices::DeviceView;
use crate::service::invitations::{issue_and_audit, ttl_hours};
use crate::service::people::{check_target, load_org, org_for};
use crate::state::AppState;

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Its name.
    pub name: String,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// The association or city it belongs to.
    pub parent_id: Option<OrganisationId>,
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationView {
    /// Its ID.
    pub id: OrganisationId,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: OrganisationKind,
    /// Its association or city.
    pub parent_id: Option<OrganisationId>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            parent_id: o.parent,
        }
    }
}

/// Registers a facility (system administrator, or an officer under their
/// association or city), with its audit record.
pub async fn create_organisation(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    new: NewOrganisation,
) -> Result<OrganisationView, ApiError> {
    let parent = match new.parent_id {
        Some(id) => Some(
            load_org(state, id)
                .await
                .map_err(|_| ApiError::input("parent_id", Problem::NoSuchOrganisation))?,
        ),
        None => None,
    };
    if !actor.may_create_organisation(new.kind, parent.as_ref()) {
        return Err(ApiError::Forbidden);
    }
    let name = required_name("name", &new.name, 200)?;
    let now = state.now();
    let org = Organisation {
        id: OrganisationId::from_uuid(uuid::Uuid::new_v4()),
        name,
        kind: new.kind,
        parent: new.parent_id,
        created_at: now,
    };
    let stored = org.clone();
    state
        .write(move |conn| {
            orgs::create(conn, &stored)?;
            let target = ("organisation", stored.id.to_string());
            let entry = Entry::success(acting.user, "organisation.created", target, acting.ip.as_deref());
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    Ok(OrganisationView::from(org))
}

/// The organisations `actor` may administer (see their staff): every one for the
/// system administrator, else the facilities they administer and those under the
/// association or city they are an officer of.
pub async fn list_organisations(state: &AppState, actor: &Actor) -> Result<Vec<OrganisationView>, ApiError> {
    let all = state.db.run(orgs::list).await?;
    Ok(all
        .into_iter()
        .filter(|org| actor.may(org, OrgAction::ListStaff))
        .map(OrganisationView::from)
        .collect())
}

/// A staff invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffInvitation {
    /// The person's name, as they will be shown.
    pub invitee_name: String,
    /// Their role in the facility.
    pub role: OrgRole,
}

/// Invites a named person to the facility's staff with a role: a one-time link.
pub async fn invite_staff(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org_id: OrganisationId,
    new: NewStaffInvitation,
) -> Result<IssuedLink, ApiError> {
    let org = org_for(state, actor, org_id, OrgAction::InviteStaff).await?;
    if !role_fits_organisation(new.role, &org) {
        return Err(misplaced_role(new.role));
    }
    let name = required_name("invitee_name", &new.invitee_name, 100)?;
    let request = invites::Request {
        kind: InvitationKind::Staff,
        organisation: Some(org.id),
        room: None,
        role: Some(new.role.as_str().to_owned()),
        invitee_name: Some(name),
        created_by: Some(acting.user),
        target_user: None,
        ttl: ttl_hours(state.config.invitation_ttl_hours),
    };
    issue_and_audit(state, &acting, request, "invitation.staff_created").await
}

/// How a person is connected to the facility.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// On the facility's staff.
    Staff,
    /// A member of one of the facility's rooms (family, volunteer, outside professional).
    RoomMember,
}

/// One person in the staff list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// Their ID.
    pub user_id: UserId,
    /// Their login ID.
    pub login_id: String,
    /// Their name.
    pub display_name: String,
    /// `active`, `suspended` or `disabled`.
    pub status: String,
    /// Their last successful sign-in.
    pub last_sign_in_at: Option<Timestamp>,
    /// Staff or room member.
    pub relation: Relation,
    /// Their roles in the facility.
    pub roles: Vec<OrgRole>,
    /// Their roles in the facility's rooms.
    pub room_roles: Vec<RoomRole>,
    /// Locked after repeated failed sign-ins (staff only; `false` for room members).
    pub locked: bool,
    /// Their devices (browsers, apps), revoked ones too, oldest first (staff only;
    /// empty for room members, who are not the facility's to administer).
    pub devices: Vec<DeviceView>,
}

fn status_name(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::Suspended => "suspended",
        UserStatus::Disabled => "disabled",
    }
}

/// The facility's staff and the members of its rooms (families too), with last
/// sign-in.
pub async fn list_staff(
    state: &AppState,
    actor: &Actor,
    org_id: OrganisationId,
) -> Result<Vec<StaffView>, ApiError> {
    let org = org_for(state, actor, org_id, OrgAction::ListStaff).await?;
    let views = state
        .db
        .run(move |conn| {
            let staff = orgs::members_of(conn, org.id)?;
            let room_members = rooms::members_of_organisation_rooms(conn, org.id)?;
            let mut ids: Vec<UserId> = staff
                .iter()
                .map(|m| m.user)
                .chain(room_members.iter().map(|m| m.user))
                .collect();
            ids.sort();
            ids.dedup();
            let mut views = Vec::new();
            for user in users::get_many(conn, &ids)? {
                let roles = staff
                    .iter()
                    .filter(|m| m.user == user.id)
                    .map(|m| m.role)
                    .collect();
                let room_roles = room_members
                    .iter()
                    .filter(|m| m.user == user.id)
                    .map(|m| m.role)
                    .collect();
                views.push(staff_view(conn, user, roles, room_roles)?);
            }
            Ok(views)
        })
        .await?;
    Ok(views)
}

fn staff_view(
    conn: &mut DbConn,
    user: User,
    roles: Vec<OrgRole>,
    room_roles: Vec<RoomRole>,
) -> Result<StaffView, StorageError> {
    // Room members are listed so the facility sees who is in its rooms, but they are
    // not its people to administer: their lock state and devices are shown only to
    // whoever administers them.
    let staff = !roles.is_empty();
    let locked = staff
        && throttle::get(conn, &login_key(&user.login_id))?
            .locked_at
            .is_some();
    let devices = if staff {
        kizuna_storage::devices::for_user(conn, user.id)?
            .into_iter()
            .map(Into::into)
            .collect()
    } else {
        Vec::new()
    };
    Ok(StaffView {
        user_id: user.id,
        relation: if staff {
            Relation::Staff
        } else {
            Relation::RoomMember
        },
        login_id: user.login_id,
        display_name: user.display_name,
        status: status_name(user.status).to_owned(),
        last_sign_in_at: user.last_sign_in_at,
        roles,
        room_roles,
        locked,
        devices,
    })
}

/// What to do to a person's account.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffAction {
    /// Bar sign-in for now; sessions end.
    Suspend,
    /// Lift a suspension.
    Reactivate,
    /// The person has left: sessions end, they can never sign in again (their
    /// authenticators stop working). Their past posts keep their authorship.
    Disable,
    /// Lift a lock after repeated failed sign-ins.
    Unlock,
}

/// An action on a person's account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffActionRequest {
    /// The action.
    pub action: StaffAction,
}

/// The audit record of an action on `target` in `org`, with `detail` as JSON.
pub(crate) fn action_entry<'a>(
    acting: &'a Acting,
    action: &'static str,
    target: UserId,
    detail: String,
) -> Entry<'a> {
    Entry {
        actor: Some(acting.user),
        action,
        target: Some(("user", target.to_string())),
        ip: acting.ip.as_deref(),
        outcome: Outcome::Success,
        detail: Some(detail),
    }
}

/// Suspends, re-enables, disables (leaver) or unlocks a person, with its audit
/// record; for suspend and disable their live connections end at once. Needs a
/// fresh re-authentication.
pub async fn act_on(
    state: &AppState,
    auth: &Authenticated,
    acting: Acting,
    (org_id, target): (OrganisationId, UserId),
    action: StaffAction,
) -> Result<(), ApiError> {
    let org = org_for(state, &auth.actor, org_id, OrgAction::ManageStaff).await?;
    // Refused as not allowed before as not fresh: no hint to those who may not.
    auth.require_fresh(state)?;
    let (now, actor) = (state.now(), auth.actor.clone());
    state
        .write(move |conn| {
            let user = check_target(conn, &actor, &org, OrgAction::ManageStaff, target)?;
            let name = apply_action(conn, &user, action, now)?;
            let detail = format!("{{\"organisation\":\"{}\"}}", org.id);
            Ok(audit::record(
                conn,
                now,
                action_entry(&acting, name, target, detail),
            )?)
        })
        .await?;
    if matches!(action, StaffAction::Suspend | StaffAction::Disable) {
        state.live.close_user(target);
    }
    Ok(())
}

/// Applies `action` to `user`; returns the audit action's name.
fn apply_action(
    conn: &mut DbConn,
    user: &User,
    action: StaffAction,
    now: Timestamp,
) -> Result<&'static str, ApiError> {
    let target = user.id;
    Ok(match action {
        StaffAction::Suspend => {
            users::set_status(conn, target, UserStatus::Suspended)?;
            sessions::revoke_all(conn, target, now)?;
            "user.suspended"
        }
        StaffAction::Reactivate => {
            if user.status == UserStatus::Disabled {
                return Err(ApiError::input("action", Problem::LeftCannotBeReenabled));
            }
            users::set_status(conn, target, UserStatus::Active)?;
            "user.reactivated"
        }
        StaffAction::Disable => {
            users::set_status(conn, target, UserStatus::Disabled).or_else(|e| match e {
                StorageError::Refused(_) => Ok(()),
                other => Err(other),
            })?;
            sessions::revoke_all(conn, target, now)?;
            // The authenticators stay on record but can never be used again (sign-in
            // refuses every account that is not active): removing them would change
            // the public sign-in/begin answer for the login ID and tell anyone who
            // knows it that the person left.
            invitations::expire_for_user(conn, target, now)?;
            kizuna_storage::notifications::forget_user(conn, target)?;
            "user.disabled"
        }
        StaffAction::Unlock => {
            throttle::clear(conn, &login_key(&user.login_id))?;
            "user.unlocked"
        }
    })
}

/// A role to give or take away.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// The role in this facility.
    pub role: OrgRole,
    /// `true` to give it, `false` to take it away.
    pub granted: bool,
}

/// Gives a staff member a role in the facility, or takes one away (a person keeps
/// at least one role while on the staff; disable leavers instead).
pub async fn change_role(
    state: &AppState,
    auth: &Authenticated,
    acting: Acting,
    (org_id, target): (OrganisationId, UserId),
    change: RoleChange,
) -> Result<(), ApiError> {
    let org = org_for(state, &auth.actor, org_id, OrgAction::ManageStaff).await?;
    // Refused as not allowed before as not fresh: no hint to those who may not.
    auth.require_fresh(state)?;
    if !role_fits_organisation(change.role, &org) {
        return Err(misplaced_role(change.role));
    }
    let (now, actor) = (state.now(), auth.actor.clone());
    state
        .write(move |conn| {
            // Only the organisation's own staff get roles: a family member or an
            // outside professional in one of its rooms is not found here.
            check_target(conn, &actor, &org, OrgAction::ManageStaff, target)?;
            let held: Vec<OrgRole> = orgs::memberships_of_user(conn, target)?
                .into_iter()
                .filter(|m| m.organisation == org.id)
                .map(|m| m.role)
                .collect();
            let action = if change.granted {
                if !held.contains(&change.role) {
                    let membership = orgs::Membership {
                        user: target,
                        organisation: org.id,
                        role: change.role,
                        created_at: now,
                    };
                    orgs::add_membership(conn, &membership)?;
                }
                "user.role_granted"
            } else {
                if held == [change.role] {
                    return Err(ApiError::input("role", Problem::OnlyRole));
                }
                orgs::remove_membership(conn, target, org.id, change.role)?;
                "user.role_revoked"
            };
            let detail = format!(
                "{{\"organisation\":\"{}\",\"role\":\"{}\"}}",
                org.id,
                change.role.as_str()
            );
            Ok(audit::record(
                conn,
                now,
                action_entry(&acting, action, target, detail),
            )?)
        })
        .await
}

/// Revokes one device of one of the facility's staff (needs a fresh
/// re-authentication): the device's sessions end and its live connections close at
/// once, and the people sharing a room with its owner learn it, so their clients
/// take the device out of the channels.
pub async fn revoke_device(
    state: &AppState,
    auth: &Authenticated,
    acting: Acting,
    (org_id, target, device): (OrganisationId, UserId, DeviceId),
) -> Result<(), ApiError> {
    let org = org_for(state, &auth.actor, org_id, OrgAction::ManageStaff).await?;
    auth.require_fresh(state)?;
    let (now, actor) = (state.now(), auth.actor.clone());
    let (ended, sharing) = state
        .write(move |conn| {
            check_target(conn, &actor, &org, OrgAction::ManageStaff, target)?;
            let theirs = kizuna_storage::devices::for_user(conn, target)?
                .into_iter()
                .any(|d| d.id == device && d.revoked_at.is_none());
            if !theirs {
                return Err(ApiError::NotFound);
            }
            let ended = kizuna_storage::devices::sessions_of(conn, device)?;
            kizuna_storage::devices::revoke(conn, device, now)?;
            let entry = Entry {
                actor: Some(acting.user),
                action: "device.revoked_by_administrator",
                target: Some(("device", device.to_string())),
                ip: acting.ip.as_deref(),
                outcome: Outcome::Success,
                detail: Some(format!(
                    "{{\"organisation\":\"{}\",\"user\":\"{target}\"}}",
                    org.id
                )),
            };
            audit::record(conn, now, entry)?;
            let sharing = crate::live::co_members(conn, target)?;
            Ok((ended, sharing))
        })
        .await?;
    for session in ended {
        state.live.close_session(&session);
    }
    state.live.notify_all_members(&sharing);
    Ok(())
}
