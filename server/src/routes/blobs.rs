//! Encrypted attachments over HTTP: upload into a room channel, fetch as a member.
//! The use cases are in [`crate::service::blobs`].

use actix_web::http::header;
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use kizuna_proto::{BlobId, Channel, RoomId};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::service::blobs::{self, BlobStored, UploadTarget};
use crate::state::AppState;

/// Uploads an encrypted attachment into a room channel. The body is the ciphertext
/// (`application/octet-stream`) with its `Content-Length`.
#[utoipa::path(
    tag = "attachments",
    params(
        ("room_id" = RoomId, Path, description = "The room"),
        ("channel" = Channel, Path, description = "team or family"),
        ("blob_id" = BlobId, Path, description = "A new random ID chosen by the client (reuse it to retry)"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = BlobStored),
        (status = 200, description = "Stored by an earlier attempt", body = BlobStored),
        (status = 400, description = "upload_interrupted", body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such room channel for this person", body = crate::error::ErrorBody),
        (status = 409, description = "blob_conflict: the ID is in use", body = crate::error::ErrorBody),
        (status = 411, description = "length_required", body = crate::error::ErrorBody),
        (status = 413, description = "payload_too_large", body = crate::error::ErrorBody),
        (status = 507, description = "quota_exceeded or storage_full", body = crate::error::ErrorBody),
    )
)]
#[put("/rooms/{room_id}/channels/{channel}/blobs/{blob_id}")]
pub async fn upload(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, Channel, BlobId)>,
    request: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (room, channel, id) = path.into_inner();
    let target = UploadTarget { room, channel, id };
    let length = request.headers().get(header::CONTENT_LENGTH);
    let stored = blobs::upload(&state, auth.user.id, target, length, body).await?;
    Ok(match stored.duplicate {
        true => HttpResponse::Ok().json(stored),
        false => HttpResponse::Created().json(stored),
    })
}

/// Downloads an attachment's ciphertext, streamed.
#[utoipa::path(
    tag = "attachments",
    params(("blob_id" = BlobId, Path, description = "The blob")),
    responses(
        (status = 200, content_type = "application/octet-stream", description = "The ciphertext"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such blob for this person", body = crate::error::ErrorBody),
    )
)]
#[get("/blobs/{blob_id}")]
pub async fn download(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<BlobId>,
) -> Result<HttpResponse, ApiError> {
    let reader = crate::audit::access::Reader {
        user: auth.user.id,
        session_id: auth.session_id.clone(),
    };
    let (size, stream) = blobs::download(&state, reader, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(size)
        .streaming(stream))
}
