//! `GET /healthz`: is this node able to serve? Checks the database and the blob
//! store for real (a query; a write, read and delete).

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// One dependency's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    /// Whether it answered.
    pub ok: bool,
    /// Which backend (`sqlite`, `postgresql`, `local:…`, `s3:…`).
    pub backend: String,
    /// What went wrong, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The node's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// The server's version.
    pub version: &'static str,
    /// The database.
    pub database: Check,
    /// The blob store.
    pub blobs: Check,
}

/// Checks the database and blob store.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Database and blob store answer", body = Health),
        (status = 503, description = "A dependency is failing", body = Health),
    )
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let (db, blobs) = tokio::join!(state.db.health(), state.blobs.health());
    let database = Check {
        ok: db.is_ok(),
        backend: state.db.backend_name().to_owned(),
        error: db.err().map(|e| e.to_string()),
    };
    let blobs = Check {
        ok: blobs.is_ok(),
        backend: state.blobs.description().to_owned(),
        error: blobs.err().map(|e| e.to_string()),
    };
    let healthy = database.ok && blobs.ok;
    let body = Health {
        status: if healthy { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        database,
        blobs,
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
