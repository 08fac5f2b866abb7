//! Facility administration: registering organisations, inviting staff, the staff
//! list with last sign-in, suspending, disabling leavers, unlocking, and
//! identity-verified resets with their ledger. Every handler asks the role matrix
//! (`authz`) before it touches anything.

use std::time::Duration;

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::{OrgRole, OrganisationId, OrganisationKind, RoomRole, Timestamp, UserId};
use kizuna_storage::audit::Outcome;
use kizuna_storage::invitations::{self, InvitationKind};
use kizuna_storage::orgs::{self, Organisation};
use kizuna_storage::reset_ledger::{self, ResetEntry};
use kizuna_storage::users::{self, UserStatus};
use kizuna_storage::{credentials, rooms, sessions, throttle, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::auth::throttle::login_key;
use crate::authz::{role_fits_organisation, Actor, OrgAction, Target};
use crate::error::{required_name, ApiError};
use crate::invites::{self, IssuedLink};
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

fn ttl_hours(hours: u64) -> Duration {
    Duration::from_secs(hours.saturating_mul(3600))
}

pub(crate) async fn load_org(state: &AppState, id: OrganisationId) -> Result<Organisation, ApiError> {
    state
        .db
        .run(move |conn| orgs::get(conn, id))
        .await
        .map_err(ApiError::from)
}

/// Registers a facility (system administrator, or an officer under their association or city).
#[utoipa::path(
    tag = "administration",
    request_body = NewOrganisation,
    responses((status = 200, body = OrganisationView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let parent = match body.parent_id {
        Some(id) => Some(load_org(&state, id).await.map_err(|_| {
            ApiError::invalid("parent_id", "no such organisation", "その団体は見つかりません")
        })?),
        None => None,
    };
    if !auth.actor.may_create_organisation(body.kind, parent.as_ref()) {
        return Err(ApiError::Forbidden);
    }
    let name = required_name("name", &body.name, 200)?;
    let now = state.now();
    let org = Organisation {
        id: OrganisationId::from_uuid(uuid::Uuid::new_v4()),
        name,
        kind: body.kind,
        parent: body.parent_id,
        created_at: now,
    };
    let (stored, actor, ip) = (org.clone(), auth.user.id, session::client_ip(&req));
    state
        .db
        .run(move |conn| {
            orgs::create(conn, &stored)?;
            let entry = Entry::success(
                actor,
                "organisation.created",
                ("organisation", stored.id.to_string()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OrganisationView::from(org)))
}

/// The organisations I may administer (see their staff): every one for the system
/// administrator, else the facilities I administer and those under the association
/// or city I am an officer of. Others get an empty list.
#[utoipa::path(
    tag = "administration",
    responses((status = 200, body = [OrganisationView]), (status = 401, body = crate::error::ErrorBody))
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let all = state.db.run(orgs::list).await?;
    let mine: Vec<OrganisationView> = all
        .into_iter()
        .filter(|org| auth.actor.may(org, OrgAction::ListStaff))
        .map(OrganisationView::from)
        .collect();
    Ok(HttpResponse::Ok().json(mine))
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

/// Invites a named person to the facility's staff with a role. The link is
/// one-time and expires (72 h by default).
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    request_body = NewStaffInvitation,
    responses((status = 200, body = IssuedLink), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[post("/organisations/{org_id}/invitations")]
pub async fn invite_staff(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<NewStaffInvitation>,
) -> Result<HttpResponse, ApiError> {
    let org = load_org(&state, path.into_inner()).await?;
    auth.actor.require(&org, OrgAction::InviteStaff)?;
    let body = body.into_inner();
    if !role_fits_organisation(body.role, &org) {
        return Err(ApiError::invalid(
            "role",
            "officers belong to associations and cities only",
            "担当官は医師会・市区町村にのみ置けます",
        ));
    }
    let name = required_name("invitee_name", &body.invitee_name, 100)?;
    let request = invites::Request {
        kind: InvitationKind::Staff,
        organisation: Some(org.id),
        room: None,
        role: Some(body.role.as_str().to_owned()),
        invitee_name: Some(name),
        created_by: Some(auth.user.id),
        target_user: None,
        ttl: ttl_hours(state.config.invitation_ttl_hours),
    };
    let issued = issue_and_audit(&state, &auth, &req, request, "invitation.staff_created").await?;
    Ok(HttpResponse::Ok().json(issued))
}

pub(crate) async fn issue_and_audit(
    state: &AppState,
    auth: &Authenticated,
    req: &HttpRequest,
    request: invites::Request,
    action: &'static str,
) -> Result<IssuedLink, ApiError> {
    let (now, public_url, actor, ip) = (
        state.now(),
        state.config.public_url(),
        auth.user.id,
        session::client_ip(req),
    );
    let issued = state
        .db
        .run(move |conn| {
            let issued = invites::issue(conn, &public_url, request, now)?;
            let entry = Entry::success(
                actor,
                action,
                ("invitation", issued.invitation_id.to_string()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            Ok(issued)
        })
        .await?;
    Ok(issued)
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
    pub devices: Vec<crate::routes::delivery::DeviceView>,
}

fn status_name(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "active",
        UserStatus::Suspended => "suspended",
        UserStatus::Disabled => "disabled",
    }
}

/// The facility's staff and the members of its rooms (families too), with last sign-in.
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    responses((status = 200, body = [StaffView]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[get("/organisations/{org_id}/staff")]
pub async fn list_staff(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let org = load_org(&state, path.into_inner()).await?;
    auth.actor.require(&org, OrgAction::ListStaff)?;
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
                let roles: Vec<OrgRole> = staff
                    .iter()
                    .filter(|m| m.user == user.id)
                    .map(|m| m.role)
                    .collect();
                let room_roles: Vec<RoomRole> = room_members
                    .iter()
                    .filter(|m| m.user == user.id)
                    .map(|m| m.role)
                    .collect();
                // Room members are listed so the facility sees who is in its rooms,
                // but they are not its people to administer: their lock state and
                // devices are shown only to whoever administers them.
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
                views.push(StaffView {
                    user_id: user.id,
                    relation: if !staff {
                        Relation::RoomMember
                    } else {
                        Relation::Staff
                    },
                    login_id: user.login_id,
                    display_name: user.display_name,
                    status: status_name(user.status).to_owned(),
                    last_sign_in_at: user.last_sign_in_at,
                    roles,
                    room_roles,
                    locked,
                    devices,
                });
            }
            Ok(views)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
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

/// Loads the person an administrative action would touch and applies the one rule
/// ([`Actor::may_act_on`]): they hold a staff role in `org`, which the actor
/// administers, and are neither the system administrator nor the actor. Call it
/// inside the action's transaction.
pub(crate) fn check_target(
    conn: &mut DbConn,
    actor: &Actor,
    org: &Organisation,
    action: OrgAction,
    target: UserId,
) -> Result<users::User, ApiError> {
    let memberships = orgs::memberships_of_user(conn, target)?;
    let user = match users::get(conn, target) {
        Err(StorageError::NotFound) => return Err(ApiError::NotFound),
        other => other?,
    };
    let person = Target {
        user: target,
        is_system_admin: user.is_system_admin,
        memberships: &memberships,
    };
    actor.may_act_on(org, action, person)?;
    Ok(user)
}

/// Suspends, re-enables, disables (leaver) or unlocks a person.
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
    ),
    request_body = StaffActionRequest,
    responses(
        (status = 204, description = "Done; for suspend and disable, the person's sessions and connections ended at once"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, description = "Not connected to this facility", body = crate::error::ErrorBody),
        (status = 422, description = "A disabled account cannot be re-enabled", body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/actions")]
pub async fn staff_action(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
    body: web::Json<StaffActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, target) = path.into_inner();
    let org = load_org(&state, org_id).await?;
    auth.actor.require(&org, OrgAction::ManageStaff)?;
    auth.require_fresh(&state)?;
    let action = body.into_inner().action;
    let (now, actor, ip) = (state.now(), auth.actor.clone(), session::client_ip(&req));
    state
        .write(move |conn| {
            let user = check_target(conn, &actor, &org, OrgAction::ManageStaff, target)?;
            let name = match action {
                StaffAction::Suspend => {
                    users::set_status(conn, target, UserStatus::Suspended)?;
                    sessions::revoke_all(conn, target, now)?;
                    "user.suspended"
                }
                StaffAction::Reactivate => {
                    if user.status == UserStatus::Disabled {
                        return Err(ApiError::invalid(
                            "action",
                            "a person who has left cannot be re-enabled; invite them again",
                            "退職等で無効にしたアカウントは再開できません。改めて招待してください",
                        ));
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
                    // The authenticators stay on record but can never be used again
                    // (sign-in refuses every account that is not active): removing
                    // them would change the public sign-in/begin answer for the
                    // login ID and tell anyone who knows it that the person left.
                    invitations::expire_for_user(conn, target, now)?;
                    "user.disabled"
                }
                StaffAction::Unlock => {
                    throttle::clear(conn, &login_key(&user.login_id))?;
                    "user.unlocked"
                }
            };
            let entry = Entry {
                actor: Some(actor.user),
                action: name,
                target: Some(("user", target.to_string())),
                ip: ip.as_deref(),
                outcome: Outcome::Success,
                detail: Some(format!("{{\"organisation\":\"{}\"}}", org.id)),
            };
            audit::record(conn, now, entry)?;
            Ok(())
        })
        .await?;
    if matches!(action, StaffAction::Suspend | StaffAction::Disable) {
        state.live.close_user(target);
    }
    Ok(HttpResponse::NoContent().finish())
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
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
    ),
    request_body = RoleChange,
    responses(
        (status = 204),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/roles")]
pub async fn change_role(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
    body: web::Json<RoleChange>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, target) = path.into_inner();
    let org = load_org(&state, org_id).await?;
    auth.actor.require(&org, OrgAction::ManageStaff)?;
    auth.require_fresh(&state)?;
    let change = body.into_inner();
    if !role_fits_organisation(change.role, &org) {
        return Err(ApiError::invalid(
            "role",
            "officers belong to associations and cities only",
            "担当官は医師会・市区町村にのみ置けます",
        ));
    }
    let (now, actor, ip) = (state.now(), auth.actor.clone(), session::client_ip(&req));
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
                    return Err(ApiError::invalid(
                        "role",
                        "this is the person's only role here; disable the account if they have left",
                        "この人の唯一の役割です。退職の場合はアカウントを無効にしてください",
                    ));
                }
                orgs::remove_membership(conn, target, org.id, change.role)?;
                "user.role_revoked"
            };
            let entry = Entry {
                actor: Some(actor.user),
                action,
                target: Some(("user", target.to_string())),
                ip: ip.as_deref(),
                outcome: Outcome::Success,
                detail: Some(format!(
                    "{{\"organisation\":\"{}\",\"role\":\"{}\"}}",
                    org.id,
                    change.role.as_str()
                )),
            };
            audit::record(conn, now, entry)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How the person's identity was verified before a reset.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// In person, with photo ID.
    InPersonPhotoId,
    /// By video call.
    VideoCall,
    /// By phone, a voice the administrator knows.
    KnownVoicePhone,
    /// Another way, described in the note.
    Other,
}

impl VerificationMethod {
    fn as_str(self) -> &'static str {
        match self {
            VerificationMethod::InPersonPhotoId => "in_person_photo_id",
            VerificationMethod::VideoCall => "video_call",
            VerificationMethod::KnownVoicePhone => "known_voice_phone",
            VerificationMethod::Other => "other",
        }
    }
}

/// A reset after a lost authenticator or forgotten password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// How identity was verified.
    pub verification_method: VerificationMethod,
    /// What was checked (e.g. "driving licence; photo matched").
    pub verification_note: String,
}

/// Resets a person's sign-in after verifying their identity: records the check in
/// the reset ledger, ends their sessions, revokes their authenticators, and issues
/// a one-time recovery link that only lets them set a new password and register a
/// new authenticator.
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
    ),
    request_body = ResetRequest,
    responses(
        (status = 200, description = "Give the link to the person only", body = IssuedLink),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/reset")]
pub async fn reset(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, target) = path.into_inner();
    let org = load_org(&state, org_id).await?;
    auth.actor.require(&org, OrgAction::ResetStaff)?;
    auth.require_fresh(&state)?;
    let body = body.into_inner();
    let note = body.verification_note.trim().to_owned();
    if note.chars().count() < 3 || note.chars().count() > 500 {
        return Err(ApiError::invalid(
            "verification_note",
            "describe in 3 to 500 characters how identity was checked",
            "本人確認の方法を3〜500文字で記録してください",
        ));
    }
    let (now, actor, ip, public_url) = (
        state.now(),
        auth.actor.clone(),
        session::client_ip(&req),
        state.config.public_url(),
    );
    let ttl = ttl_hours(state.config.recovery_link_ttl_hours);
    let issued = state
        .write(move |conn| {
            let user = check_target(conn, &actor, &org, OrgAction::ResetStaff, target)?;
            if user.status == UserStatus::Disabled {
                return Err(ApiError::invalid(
                    "user_id",
                    "this person has left; invite them again instead",
                    "このアカウントは無効です。改めて招待してください",
                ));
            }
            invitations::expire_for_user(conn, target, now)?;
            let request = invites::Request {
                kind: InvitationKind::Recovery,
                organisation: Some(org.id),
                room: None,
                role: None,
                invitee_name: Some(user.display_name.clone()),
                created_by: Some(actor.user),
                target_user: Some(target),
                ttl,
            };
            let issued = invites::issue(conn, &public_url, request, now)?;
            reset_ledger::append(
                conn,
                &ResetEntry {
                    id: uuid::Uuid::new_v4().to_string(),
                    at: now,
                    organisation: org.id,
                    user: target,
                    performed_by: actor.user,
                    verification_method: body.verification_method.as_str().to_owned(),
                    verification_note: note,
                    invitation: issued.invitation_id,
                },
            )?;
            sessions::revoke_all(conn, target, now)?;
            credentials::remove_all(conn, target)?;
            let entry = Entry {
                actor: Some(actor.user),
                action: "user.reset",
                target: Some(("user", target.to_string())),
                ip: ip.as_deref(),
                outcome: Outcome::Success,
                detail: Some(format!(
                    "{{\"method\":\"{}\"}}",
                    body.verification_method.as_str()
                )),
            };
            audit::record(conn, now, entry)?;
            Ok(issued)
        })
        .await?;
    state.live.close_user(target);
    Ok(HttpResponse::Ok().json(issued))
}

/// One ledger line as exported.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLine {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The person reset.
    pub user_id: UserId,
    /// The administrator who verified and reset.
    pub performed_by: UserId,
    /// How identity was verified.
    pub verification_method: String,
    /// What was checked.
    pub verification_note: String,
    /// The recovery link issued.
    pub invitation_id: String,
}

/// Export format.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LedgerQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

fn csv_field(value: &str) -> String {
    // Quote every field and neutralise spreadsheet formulas.
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// The facility's reset ledger (append-only), as JSON or CSV for inspections.
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility"), LedgerQuery),
    responses(
        (status = 200, body = [LedgerLine], description = "JSON, or text/csv with ?format=csv"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
    )
)]
#[get("/organisations/{org_id}/reset-ledger")]
pub async fn reset_ledger_export(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let org = load_org(&state, path.into_inner()).await?;
    auth.actor.require(&org, OrgAction::ViewResetLedger)?;
    let entries = state
        .db
        .run(move |conn| reset_ledger::for_organisation(conn, org.id))
        .await?;
    let lines: Vec<LedgerLine> = entries
        .into_iter()
        .map(|e| LedgerLine {
            at: e.at.to_rfc3339(),
            user_id: e.user,
            performed_by: e.performed_by,
            verification_method: e.verification_method,
            verification_note: e.verification_note,
            invitation_id: e.invitation.to_string(),
        })
        .collect();
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(lines)),
        Some("csv") => {
            let mut csv =
                String::from("at,user_id,performed_by,verification_method,verification_note,invitation_id\n");
            for l in &lines {
                let fields = [
                    l.at.clone(),
                    l.user_id.to_string(),
                    l.performed_by.to_string(),
                    l.verification_method.clone(),
                    l.verification_note.clone(),
                    l.invitation_id.clone(),
                ];
                csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .body(csv))
        }
        Some(_) => Err(ApiError::invalid(
            "format",
            "use json or csv",
            "json か csv を指定してください",
        )),
    }
}
