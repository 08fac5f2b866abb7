//! Looking up what an administrator acts on: the organisation, and the person
//! (with the one rule on whom an actor may act on).

use kizuna_proto::{OrganisationId, UserId};
use kizuna_storage::orgs::{self, Organisation};
use kizuna_storage::users;
use kizuna_storage::{DbConn, StorageError};

use crate::authz::{Actor, OrgAction, Target};
use crate::error::ApiError;
use crate::state::AppState;

/// The organisation `id`, or `not_found`.
pub async fn load_org(state: &AppState, id: OrganisationId) -> Result<Organisation, ApiError> {
    state
        .db
        .run(move |conn| orgs::get(conn, id))
        .await
        .map_err(ApiError::from)
}

/// The organisation `id` after checking that `actor` may do `action` there.
pub async fn org_for(
    state: &AppState,
    actor: &Actor,
    id: OrganisationId,
    action: OrgAction,
) -> Result<Organisation, ApiError> {
    let org = load_org(state, id).await?;
    actor.require(&org, action)?;
    Ok(org)
}

/// Loads the person an administrative action would touch and applies the one rule
/// ([`Actor::may_act_on`]): they hold a staff role in `org`, which the actor
/// administers, and are neither the system administrator nor the actor. Call it
/// inside the action's transaction.
pub fn check_target(
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
