//! `POST /rooms/{id}/exports`: a member's device says it exported a room, for the
//! access records. The use case is [`crate::service::exports`].

use actix_web::{post, web, HttpResponse};
use kizuna_proto::RoomId;

use crate::audit::access::Reader;
use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::service::exports::{self, ExportNotice};
use crate::state::AppState;

/// Records an export of the room made on this device (`room.export` in the access
/// records, with the format and period). Room members only; 404 for anyone else.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = ExportNotice,
    responses((status = 204, description = "Recorded"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/rooms/{room_id}/exports")]
pub async fn record(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<RoomId>,
    body: web::Json<ExportNotice>,
) -> Result<HttpResponse, ApiError> {
    let reader = Reader {
        user: auth.user.id,
        session_id: auth.session_id.clone(),
    };
    exports::record(&state, reader, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
