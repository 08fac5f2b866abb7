//! A facility administrator revokes a device of one of their people: the phone a
//! nurse lost, the office PC a helper no longer uses. The device's sessions end and
//! its live connections close at once; the other members' clients then remove it
//! from every channel's MLS group (revoked devices are the ones a commit may
//! remove), and it receives nothing posted afterwards.

use actix_web::{post, web, HttpRequest, HttpResponse};
use kizuna_proto::{DeviceId, OrganisationId, UserId};
use kizuna_storage::audit::Outcome;
use kizuna_storage::devices;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::authz::OrgAction;
use crate::error::ApiError;
use crate::routes::admin::{check_target, load_org};
use crate::state::AppState;

/// Revokes one device of one of the facility's staff (needs a fresh re-authentication).
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
        ("device_id" = DeviceId, Path, description = "Their device"),
    ),
    responses(
        (status = 204, description = "Revoked; its sessions and connections ended at once"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, description = "Not this facility's person, not their device, or already revoked", body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/devices/{device_id}/revoke")]
pub async fn revoke_staff_device(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId, DeviceId)>,
) -> Result<HttpResponse, ApiError> {
    let (org_id, target, device) = path.into_inner();
    let org = load_org(&state, org_id).await?;
    auth.actor.require(&org, OrgAction::ManageStaff)?;
    auth.require_fresh(&state)?;
    let (now, actor, ip) = (state.now(), auth.actor.clone(), session::client_ip(&req));
    let (ended, sharing) = state
        .write(move |conn| {
            check_target(conn, &actor, &org, OrgAction::ManageStaff, target)?;
            let theirs = devices::for_user(conn, target)?
                .into_iter()
                .any(|d| d.id == device && d.revoked_at.is_none());
            if !theirs {
                return Err(ApiError::NotFound);
            }
            let ended = devices::sessions_of(conn, device)?;
            devices::revoke(conn, device, now)?;
            let entry = Entry {
                actor: Some(actor.user),
                action: "device.revoked_by_administrator",
                target: Some(("device", device.to_string())),
                ip: ip.as_deref(),
                outcome: Outcome::Success,
                detail: Some(format!(
                    "{{\"organisation\":\"{}\",\"user\":\"{target}\"}}",
                    org.id
                )),
            };
            audit::record(conn, now, entry)?;
            // The people sharing a room with them learn it, so their clients
            // take the device out of the channels at once.
            let sharing = crate::live::co_members(conn, target)?;
            Ok((ended, sharing))
        })
        .await?;
    for session in ended {
        state.live.close_session(&session);
    }
    state.live.notify_all_members(&sharing);
    Ok(HttpResponse::NoContent().finish())
}
