//! `GET /api/openapi.json`: the OpenAPI 3 document of the whole API, collected
//! from the handlers registered with the app.

use actix_web::{get, web, HttpResponse};

/// The generated document, built once at start-up.
pub struct ApiDocument(pub utoipa::openapi::OpenApi);

/// The OpenAPI document describing every endpoint, its bodies and its errors.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json"))
)]
#[get("/api/openapi.json")]
pub async fn openapi_json(document: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok().json(&document.0)
}
