//! The one API error type. Every failure a client can see is one of these, with a
//! stable snake_case code, an English and a Japanese message that say what to do
//! next, and an HTTP status decided here and nowhere else.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use kizuna_storage::{BlobError, StorageError};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No such endpoint or resource.
    #[error("not found")]
    NotFound,
    /// The body is not the JSON the endpoint expects.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The request is not JSON (wrong Content-Type).
    #[error("expected a JSON body")]
    ExpectedJson,
    /// The body is larger than the endpoint accepts.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The link is unknown, used or expired (deliberately not saying which).
    #[error("invitation link is not valid")]
    InvitationInvalid,
    /// The server's storage is full.
    #[error("storage full")]
    StorageFull,
    /// A backend (database, blob store) is not reachable right now.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details are logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `malformed_json`.
    pub code: &'static str,
    /// What happened and what to do next, in English.
    pub message: String,
    /// 同じ内容を日本語で。
    pub message_ja: String,
}

impl ApiError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not_found",
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::ExpectedJson => "expected_json",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::InvitationInvalid => "invitation_invalid",
            ApiError::StorageFull => "storage_full",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn messages(&self) -> (String, String) {
        match self {
            ApiError::NotFound => (
                "Nothing is here. Check the address.".into(),
                "見つかりません。アドレスを確認してください。".into(),
            ),
            ApiError::MalformedJson(detail) => (
                format!("The request could not be read ({detail}). Update the app and try again."),
                format!("リクエストを読み取れませんでした（{detail}）。アプリを更新してもう一度お試しください。"),
            ),
            ApiError::ExpectedJson => (
                "The request must be JSON (Content-Type: application/json).".into(),
                "リクエストは JSON（Content-Type: application/json）で送ってください。".into(),
            ),
            ApiError::PayloadTooLarge { limit } => (
                format!("The request is too large (limit {limit} bytes). Send less at once."),
                format!("リクエストが大きすぎます（上限 {limit} バイト）。小さく分けて送ってください。"),
            ),
            ApiError::InvitationInvalid => (
                "This link is not valid: it may have expired or been used already. Ask the person who invited you for a new one.".into(),
                "このリンクは使えません。期限切れか使用済みの可能性があります。招待した人に新しいリンクを依頼してください。".into(),
            ),
            ApiError::StorageFull => (
                "The server's storage is full. Nothing was saved; tell your administrator and try again later.".into(),
                "サーバーの保存領域がいっぱいです。保存されていません。管理者に連絡し、後でもう一度お試しください。".into(),
            ),
            ApiError::Unavailable(_) => (
                "The service is temporarily unavailable. Try again in a minute.".into(),
                "一時的に利用できません。少し待ってからもう一度お試しください。".into(),
            ),
            ApiError::Internal(_) => (
                "Something went wrong on the server. Try again; if it keeps happening, tell your administrator.".into(),
                "サーバーで問題が起きました。もう一度お試しください。続く場合は管理者に連絡してください。".into(),
            ),
        }
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let (message, message_ja) = self.messages();
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                message_ja,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound | ApiError::InvitationInvalid => StatusCode::NOT_FOUND,
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::ExpectedJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(detail) => tracing::error!(code = self.code(), %detail, "request failed"),
            ApiError::Unavailable(detail) => tracing::warn!(code = self.code(), %detail, "request failed"),
            _ => {}
        }
        HttpResponse::build(self.status_code()).json(self.body())
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Pool(e) => ApiError::Unavailable(e),
            StorageError::Connect { .. } => ApiError::Unavailable(err.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(err: BlobError) -> Self {
        match err {
            BlobError::NotFound => ApiError::NotFound,
            BlobError::TooLarge { limit } => ApiError::PayloadTooLarge { limit },
            BlobError::StorageFull => ApiError::StorageFull,
            BlobError::Unavailable(e) => ApiError::Unavailable(e),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status_and_code_in_one_place() {
        let cases = [
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::MalformedJson("x".into()), 400, "malformed_json"),
            (ApiError::ExpectedJson, 415, "expected_json"),
            (ApiError::PayloadTooLarge { limit: 1 }, 413, "payload_too_large"),
            (ApiError::InvitationInvalid, 404, "invitation_invalid"),
            (ApiError::StorageFull, 507, "storage_full"),
            (ApiError::Unavailable("db".into()), 503, "unavailable"),
            (ApiError::Internal("bug".into()), 500, "internal"),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status_code().as_u16(), status, "{err:?}");
            assert_eq!(err.code(), code);
            let body = err.body();
            assert!(!body.error.message.is_empty() && !body.error.message_ja.is_empty());
        }
    }

    #[test]
    fn internal_details_are_not_sent_to_clients() {
        let body = ApiError::Internal("secret table layout".into()).body();
        assert!(!body.error.message.contains("secret"));
    }
}
