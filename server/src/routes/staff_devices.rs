//! A facility administrator revokes a device of one of their people: the phone a
//! nurse lost, the office PC a helper no longer uses. The device's sessions end and
//! its live connections close at once; the other members' clients then remove it
//! from every channel's MLS group (revoked devices are the ones a commit may
//! remove), and it receives nothing posted afterwards.

use actix_web::{post, web, HttpRequest, HttpResponse};
use kizuna_proto::{DeviceId, OrganisationId, UserId};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::staff;
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
    let acting = Acting::of(&auth, &req);
    staff::revoke_device(&state, &auth, acting, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
