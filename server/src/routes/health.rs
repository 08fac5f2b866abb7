//! `GET /healthz`: is this node able to serve? Checks the database (a query, and a
//! one-row write committed in its own transaction, so a full disk shows) and the
//! blob store (a write, read and delete), each within a second.
//!
//! Anyone may call it, so it says only *which part* is failing, never how: no
//! backend, endpoint, bucket or error text. The details go to the log (a warning
//! per failing check) and to `/metrics` (`kizuna_health_check_ok{check}`).

use actix_web::{get, web, HttpResponse};

use crate::service::health::{self, Health, PartState};
use crate::state::AppState;

/// Checks the database and blob store.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Database and blob store work", body = Health),
        (status = 503, description = "A part is failing; which one, not why (that is in the log and /metrics)", body = Health),
    )
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let body = health::check(&state).await;
    if body.database == PartState::Ok && body.blobs == PartState::Ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
