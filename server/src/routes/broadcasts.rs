//! Regional broadcasts over HTTP (issue 14): an organisation's roster of officer
//! keys, sending, listing, receipts and the officer's totals. The use cases are in
//! [`crate::service::broadcasts`].

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use kizuna_crypto::broadcast::{SignedBroadcast, SignedRosterChange};
use kizuna_proto::{BlobId, BroadcastId, OrganisationId};

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::service::acting::Acting;
use crate::service::blobs::BlobStored;
use crate::service::broadcast_maps;
use crate::service::broadcasts::{
    self, BroadcastList, BroadcastSent, ReceiptTotals, ReceiptUpdate, Roster, SignedForm,
};
use crate::state::AppState;

/// Stores the next version of the organisation's roster of officer keys, signed on
/// the officer's device this session acts for: version 1 by one of its own
/// officers, every later one by an officer on the current version. Only broadcast
/// officers of the organisation; audited.
#[utoipa::path(
    tag = "broadcasts",
    params(("org_id" = OrganisationId, Path, description = "The association or city")),
    request_body = SignedForm,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/organisations/{org_id}/roster")]
pub async fn post_roster(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<SignedRosterChange>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    broadcasts::change_roster(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every version of the organisation's roster, oldest first, for anyone its
/// broadcasts can reach; clients pin version 1 and check each change themselves.
#[utoipa::path(
    tag = "broadcasts",
    params(("org_id" = OrganisationId, Path, description = "The association or city")),
    responses((status = 200, body = Roster), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/roster")]
pub async fn get_roster(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(broadcasts::roster(&state, auth.user.id, path.into_inner()).await?))
}

/// Sends a broadcast signed on the officer's device (on the current roster) to the
/// organisation and every organisation under it, and, if it says so, to families
/// and volunteers in their rooms. Stored once; every connected recipient gets
/// `{"type":"broadcast","id":…}` over the WebSocket at once.
#[utoipa::path(
    tag = "broadcasts",
    params(("org_id" = OrganisationId, Path, description = "The association or city")),
    request_body = SignedForm,
    responses((status = 201, body = BroadcastSent), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/organisations/{org_id}/broadcasts")]
pub async fn send(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<SignedBroadcast>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let sent = broadcasts::send(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(sent))
}

/// The broadcasts that reach me, newest first, each with its signed notice (verify
/// it against the pinned roster) and my receipt; fetching marks them delivered.
#[utoipa::path(tag = "broadcasts", responses((status = 200, body = BroadcastList), (status = 401, body = ErrorBody)))]
#[get("/broadcasts")]
pub async fn list(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(broadcasts::list(&state, auth.user.id).await?))
}

/// Records that I opened or acknowledged a broadcast meant for me.
#[utoipa::path(
    tag = "broadcasts",
    params(("broadcast_id" = BroadcastId, Path, description = "The broadcast")),
    request_body = ReceiptUpdate,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/broadcasts/{broadcast_id}/receipt")]
pub async fn receipt(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<BroadcastId>,
    body: web::Json<ReceiptUpdate>,
) -> Result<HttpResponse, ApiError> {
    broadcasts::record_receipt(&state, auth.user.id, path.into_inner(), body.into_inner().state).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How far a broadcast reached, per organisation in scope: recipients, delivered,
/// opened, acknowledged. For the sending organisation's broadcast officers and
/// administrators.
#[utoipa::path(
    tag = "broadcasts",
    params(("org_id" = OrganisationId, Path, description = "The sending organisation"), ("broadcast_id" = BroadcastId, Path, description = "The broadcast")),
    responses((status = 200, body = ReceiptTotals), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/broadcasts/{broadcast_id}/receipts")]
pub async fn receipt_totals(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(OrganisationId, BroadcastId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(broadcasts::receipt_totals(&state, &auth.actor, org, id).await?))
}

/// Uploads the encrypted image (an evacuation map) for a notice the caller will sign:
/// the ciphertext, with `Content-Length`. Fetched with `GET /blobs/{id}` by the
/// uploader until the notice is sent, then by everyone it reaches. Broadcast
/// officers of the organisation.
#[utoipa::path(
    tag = "broadcasts",
    params(("org_id" = OrganisationId, Path, description = "The sending organisation"), ("blob_id" = BlobId, Path, description = "A new blob ID chosen by the client")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = BlobStored), (status = 200, description = "Stored by an earlier attempt", body = BlobStored), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 411, body = ErrorBody), (status = 413, body = ErrorBody))
)]
#[put("/organisations/{org_id}/broadcast-images/{blob_id}")]
pub async fn upload_image(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(OrganisationId, BlobId)>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let length = request.headers().get(actix_web::http::header::CONTENT_LENGTH);
    let stored = broadcast_maps::upload(&state, &auth.actor, path.into_inner(), length, body).await?;
    Ok(match stored.duplicate {
        true => HttpResponse::Ok().json(stored),
        false => HttpResponse::Created().json(stored),
    })
}
