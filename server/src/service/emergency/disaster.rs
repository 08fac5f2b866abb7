//! Declaring a disaster and ending it: what admits a region's emergency accounts.
//!
//! A broadcast officer of a regional organisation (a medical association, a city)
//! declares a disaster for it and every organisation under it; while it lasts, the
//! sealed emergency accounts of those facilities may sign in
//! ([`super::admission`]). Ending it closes every emergency account in use whose
//! admission ended with it: sessions end at once, and each must be resealed.
//! Both are audited. Declaring twice keeps the first declaration.

use kizuna_proto::{OrganisationId, Timestamp, UserId};
use kizuna_storage::emergency::{self as stored, Declaration};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::authz::Actor;
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::people::load_org;
use crate::state::AppState;

use super::admission;

/// A declaration as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationView {
    /// Its ID.
    pub id: String,
    /// The declaring organisation.
    pub organisation: OrganisationId,
    /// Who declared it.
    pub declared_by: UserId,
    /// When.
    pub declared_at: Timestamp,
    /// When it ended (none while it lasts).
    pub ended_at: Option<Timestamp>,
}

impl From<Declaration> for DeclarationView {
    fn from(d: Declaration) -> Self {
        Self {
            id: d.id,
            organisation: d.organisation,
            declared_by: d.declared_by,
            declared_at: d.declared_at,
            ended_at: d.ended_at,
        }
    }
}

/// The organisation, after checking that the actor is one of its broadcast officers
/// (the people who speak for the region in a disaster).
async fn regional(state: &AppState, actor: &Actor, org: OrganisationId) -> Result<OrganisationId, ApiError> {
    let org = load_org(state, org).await?;
    if !actor.is_broadcast_officer(org.id) {
        return Err(ApiError::Forbidden);
    }
    Ok(org.id)
}

fn entry<'a>(acting: &'a Acting, action: &'a str, declaration: &Declaration) -> Entry<'a> {
    let mut entry = Entry::success(
        acting.user,
        action,
        ("disaster", declaration.id.clone()),
        acting.ip.as_deref(),
    );
    entry.detail = Some(serde_json::json!({ "organisation": declaration.organisation }).to_string());
    entry
}

/// Declares a disaster for `org` and everything under it (or returns the one
/// already declared). Returns the declaration and whether this call made it.
pub async fn declare(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org: OrganisationId,
) -> Result<(DeclarationView, bool), ApiError> {
    let org = regional(state, actor, org).await?;
    let now = state.now();
    state
        .write(move |conn| {
            if let Some(open) = stored::open_declarations(conn, &[org])?.into_iter().next() {
                return Ok((open.into(), false));
            }
            let declaration = Declaration {
                id: uuid::Uuid::new_v4().to_string(),
                organisation: org,
                declared_by: acting.user,
                declared_at: now,
                ended_by: None,
                ended_at: None,
            };
            stored::declare(conn, &declaration)?;
            audit::record(conn, now, entry(&acting, "disaster.declared", &declaration))?;
            Ok((declaration.into(), true))
        })
        .await
}

/// The disaster declared for `org`, if one lasts. Its broadcast officers only.
pub async fn current(
    state: &AppState,
    actor: &Actor,
    org: OrganisationId,
) -> Result<Option<DeclarationView>, ApiError> {
    let org = regional(state, actor, org).await?;
    state
        .db
        .run(move |conn| stored::open_declarations(conn, &[org]))
        .await
        .map(|open| open.into_iter().next().map(DeclarationView::from))
        .map_err(ApiError::from)
}

/// Ends `org`'s declared disaster (`not_found` if none lasts), closing the
/// emergency accounts in use that it admitted; their connections close on this node
/// now and on the others at their next heartbeat.
pub async fn end(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org: OrganisationId,
) -> Result<(), ApiError> {
    let org = regional(state, actor, org).await?;
    let now = state.now();
    let closed = state
        .write(move |conn| {
            let ended = stored::end_declaration(conn, org, acting.user, now)?.ok_or(ApiError::NotFound)?;
            audit::record(conn, now, entry(&acting, "disaster.ended", &ended))?;
            Ok(admission::sweep(conn, acting.user, now)?)
        })
        .await?;
    for user in closed {
        state.live.close_user(user);
    }
    Ok(())
}
