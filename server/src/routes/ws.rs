//! `GET /api/v1/ws`: the real-time channel. Authenticated by the session (cookie
//! or bearer token). For now it carries heartbeats; the delivery service adds
//! group subscriptions. Ending the session or disabling the account closes it at
//! once (close code 4401).

use std::time::Duration;

use actix_web::{get, web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message};

use crate::auth::session::{self, Authenticated};
use crate::error::ApiError;
use crate::state::AppState;

/// How often the server pings, and re-checks the session.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// Close code for "your session ended".
const SESSION_ENDED: u16 = 4401;

/// Opens the WebSocket.
#[utoipa::path(
    tag = "realtime",
    responses(
        (status = 101, description = "Switching to WebSocket; the first message is {\"type\":\"hello\"}"),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
    )
)]
#[get("/ws")]
pub async fn ws(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, mut out, mut incoming) = actix_ws::handle(&req, body)?;
    let mut registration = state.live.register(auth.user.id, &auth.session_id);
    let token = req
        .cookie(session::COOKIE)
        .map(|c| c.value().to_owned())
        .or_else(|| {
            req.headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
        .ok_or(ApiError::NotSignedIn)?;
    state.metrics.websockets.inc();
    actix_web::rt::spawn(async move {
        let hello = serde_json::json!({ "type": "hello", "user_id": auth.user.id }).to_string();
        let mut open = out.text(hello).await.is_ok();
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.tick().await;
        while open {
            tokio::select! {
                _ = registration.closed.changed() => break,
                _ = beat.tick() => {
                    if !still_live(&state, token.clone()).await {
                        break;
                    }
                    open = out.ping(b"").await.is_ok();
                }
                message = incoming.recv() => match message {
                    Some(Ok(Message::Ping(bytes))) => open = out.pong(&bytes).await.is_ok(),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => open = false,
                    Some(Ok(_)) => {}
                },
            }
        }
        if open {
            let reason = CloseReason {
                code: CloseCode::Other(SESSION_ENDED),
                description: Some("session ended".into()),
            };
            let _ = out.close(Some(reason)).await;
        }
        state.metrics.websockets.dec();
        drop(registration);
    });
    Ok(response)
}

async fn still_live(state: &AppState, token: String) -> bool {
    let now = state.now();
    let idle = Duration::from_secs(state.config.session_idle_minutes.saturating_mul(60));
    matches!(
        state
            .db
            .run(move |conn| session::resolve(conn, &token, now, idle))
            .await,
        Ok(Some(_))
    )
}
