//! Every refusal is the documented JSON `{"error":{"code","message","message_ja"}}`,
//! including those the HTTP framework makes itself: a method a route does not
//! serve (405), a path or query that does not parse (400/404), an oversized or
//! broken payload. This middleware turns any error answer that is not JSON yet into
//! the [`ApiError`] for its status.
//!
//! Headers too large (431): actix-http's dispatcher answers a request head over
//! 128 KiB, or with more than 96 headers, with an empty 431 before any service
//! runs; the status and the empty body are written in `h1/dispatcher.rs` and cannot
//! be changed from outside (the same holds for its 400 on a request line that does
//! not parse and its 408 when the headers take longer than 5 s). So Kizuna enforces
//! its own, smaller limits here ([`MAX_HEADER_BYTES`], [`MAX_HEADERS`]) and answers
//! them with a JSON 431; only a request beyond actix's own limits still gets the
//! empty answer.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;

/// Most bytes of request target plus headers accepted (actix itself stops at 128 KiB).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Most header fields accepted (actix itself stops at 96).
pub const MAX_HEADERS: usize = 64;

/// The JSON body limit, to name in a framework-made 413.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

fn headers_too_large(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let bytes: usize = req.uri().to_string().len()
        + headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>();
    bytes > MAX_HEADER_BYTES || headers.len() > MAX_HEADERS
}

/// The catalogue's error for a status the framework answered with.
fn error_for(status: StatusCode, detail: Option<String>, json_limit: usize) -> ApiError {
    match status.as_u16() {
        400 => ApiError::BadRequest(detail.unwrap_or_else(|| "malformed request".into())),
        404 => ApiError::NotFound,
        405 => ApiError::MethodNotAllowed,
        408 => ApiError::RequestTimeout,
        411 => ApiError::LengthRequired,
        413 => ApiError::PayloadTooLarge {
            limit: json_limit as u64,
        },
        415 => ApiError::ExpectedJson,
        431 => ApiError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES as u64,
        },
        500 => ApiError::internal(detail.unwrap_or_default()),
        503 => ApiError::Unavailable(detail.unwrap_or_default()),
        other => ApiError::Refused { status: other },
    }
}

fn is_json(response: &HttpResponse<impl MessageBody>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Middleware: oversized headers are refused with a JSON 431, and any error answer
/// that is not JSON becomes the catalogue's JSON for its status.
pub async fn json_refusals(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    if headers_too_large(&req) {
        let err = ApiError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES as u64,
        };
        return Ok(req.into_response(err.error_response()).map_into_right_body());
    }
    let json_limit = req.app_data::<web::Data<JsonLimit>>().map_or(0, |l| l.0);
    // The request is not cloned before routing: the router needs it unshared. An
    // error that escaped as `Err` is answered by actix with its `error_response`,
    // so it is replaced by the catalogue's error here.
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(err) => {
            let response = err.error_response();
            if is_json(&response) {
                return Err(err);
            }
            return Err(error_for(response.status(), Some(err.to_string()), json_limit).into());
        }
    };
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.response()) {
        return Ok(response.map_into_left_body());
    }
    let detail = response.response().error().map(|e| e.to_string());
    let err = error_for(status, detail, json_limit);
    let answer = err.error_response();
    Ok(response.into_response(answer).map_into_right_body())
}
