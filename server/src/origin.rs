//! Cross-site request refusal: the one rule for which pages may change state.
//!
//! A state-changing request (POST, PUT, PATCH, DELETE) or a WebSocket handshake is
//! refused with `403 cross_site_request` when the browser says it comes from a page
//! of another site:
//!
//! 1. `Origin` present: it must be one of the configured origins
//!    ([`Config::request_origins`](crate::config::Config::request_origins): the origin
//!    of `public_url` and each `webauthn_origins` entry). `Origin: null` is refused.
//! 2. No `Origin` but `Sec-Fetch-Site`: it must be `same-origin` or `none` (typed by
//!    the person); `same-site` (a sibling subdomain) and `cross-site` are refused.
//! 3. Neither header: allowed, cookie or not. Cross-site request forgery needs the
//!    victim's browser, and every browser Kizuna supports sends `Origin` on each
//!    cross-origin POST, PUT, PATCH and DELETE and on every WebSocket handshake; a
//!    request with neither header comes from a program (the native client, `curl`)
//!    that holds its credential itself. The session cookie is also `SameSite=Strict`,
//!    so this rule is the second of two locks, and the one that also covers
//!    same-site pages on another subdomain.
//!
//! Safe methods (GET, HEAD, OPTIONS) are not checked: they change nothing, and the
//! WebSocket handshake, the one GET that does open a channel, is checked as above.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::ResponseError;

use crate::error::ApiError;

/// The origins allowed to change state, compared as `scheme://host[:port]`.
#[derive(Debug, Clone)]
pub struct AllowedOrigins(pub Vec<String>);

/// Whether this request must pass the origin rule.
fn is_checked(method: &Method, headers: &HeaderMap) -> bool {
    let state_changing = matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let websocket = headers
        .get("upgrade")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    state_changing || websocket
}

/// The rule itself: `Ok` when the request may proceed.
pub fn check(method: &Method, headers: &HeaderMap, allowed: &AllowedOrigins) -> Result<(), ApiError> {
    if !is_checked(method, headers) {
        return Ok(());
    }
    if let Some(origin) = headers.get("origin") {
        let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
        return if allowed.0.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            Ok(())
        } else {
            Err(ApiError::CrossSiteRequest)
        };
    }
    match headers.get("sec-fetch-site").map(|v| v.to_str().unwrap_or("")) {
        None | Some("same-origin") | Some("none") => Ok(()),
        Some(_) => Err(ApiError::CrossSiteRequest),
    }
}

/// Middleware: refuses cross-site state-changing requests and WebSocket handshakes
/// before any handler runs.
pub async fn same_origin_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = match req.app_data::<actix_web::web::Data<AllowedOrigins>>() {
        Some(allowed) => check(req.method(), req.headers(), allowed).err(),
        // Not configured is a bug: refuse rather than let everything through.
        None => is_checked(req.method(), req.headers()).then_some(ApiError::CrossSiteRequest),
    };
    if let Some(err) = refusal {
        tracing::warn!(
            method = %req.method(),
            origin = ?req.headers().get("origin"),
            sec_fetch_site = ?req.headers().get("sec-fetch-site"),
            "cross-site request refused"
        );
        return Ok(req.into_response(err.error_response()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_rule_in_one_table() {
        let allowed = AllowedOrigins(vec!["https://kizuna.example.jp".into()]);
        let post = Method::POST;
        type Case<'a> = (&'a Method, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            (&post, &[("origin", "https://kizuna.example.jp")], true),
            (&post, &[("origin", "https://evil.example")], false),
            (&post, &[("origin", "null")], false),
            (&post, &[("origin", "http://kizuna.example.jp")], false),
            (&post, &[("sec-fetch-site", "same-origin")], true),
            (&post, &[("sec-fetch-site", "same-site")], false),
            (&post, &[("sec-fetch-site", "cross-site")], false),
            (&post, &[], true),
            (&Method::DELETE, &[("origin", "https://evil.example")], false),
            (&Method::GET, &[("origin", "https://evil.example")], true),
            (
                &Method::GET,
                &[("origin", "https://evil.example"), ("upgrade", "websocket")],
                false,
            ),
            (
                &Method::GET,
                &[("origin", "https://kizuna.example.jp"), ("upgrade", "websocket")],
                true,
            ),
        ];
        for (method, pairs, ok) in cases {
            assert_eq!(
                check(method, &headers(pairs), &allowed).is_ok(),
                *ok,
                "{method} {pairs:?}"
            );
        }
    }
}
