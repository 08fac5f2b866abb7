//! `GET /metrics`: Prometheus text format.

use actix_web::{get, web, HttpResponse};

use crate::error::ApiError;
use crate::state::AppState;

/// Request counts and latencies by route and status, database pool use, open
/// WebSockets.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state
        .metrics
        .render(state.db.pool_status())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text))
}
