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
    /// No valid session: not signed in, or the session ended.
    #[error("not signed in")]
    NotSignedIn,
    /// Sign-in failed. Deliberately says nothing about which factor or whether the
    /// account exists.
    #[error("sign-in failed")]
    SignInFailed,
    /// Too many failed attempts from this account or address: wait.
    #[error("too many attempts; retry after {retry_after_secs} s")]
    TooManyAttempts {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// Locked after repeated failures; an administrator must unlock it.
    #[error("account locked")]
    AccountLocked,
    /// Signed in, but this role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A sensitive action needs a recent password + authenticator confirmation.
    #[error("re-authentication required")]
    ReauthRequired,
    /// A field is missing or has a value that cannot be used.
    #[error("invalid {field}: {problem}")]
    InvalidInput {
        /// The field.
        field: &'static str,
        /// What is wrong, in English.
        problem: String,
        /// What is wrong, in Japanese.
        problem_ja: String,
    },
    /// The chosen password breaks a rule.
    #[error("password rejected: {code}")]
    PasswordRejected {
        /// The rule's stable code, e.g. `password_too_short`.
        code: &'static str,
        /// What to do, in English.
        message: String,
        /// What to do, in Japanese.
        message_ja: String,
    },
    /// The login ID is taken.
    #[error("login ID taken")]
    LoginIdTaken,
    /// Removing this authenticator would leave the account without a second factor.
    #[error("last authenticator")]
    LastCredential,
    /// The WebAuthn ceremony is unknown, used or expired.
    #[error("ceremony invalid")]
    CeremonyInvalid,
    /// The authenticator's response did not verify (wrong origin, wrong challenge,
    /// bad signature).
    #[error("webauthn response rejected: {0}")]
    WebauthnRejected(String),
    /// A commit for an epoch that is not the group's current one.
    #[error("wrong epoch; current is {current}")]
    WrongEpoch {
        /// The group's current epoch.
        current: i64,
    },
    /// A post whose post ID the group's log already holds, sent as a new message
    /// (not a retry with the original's idempotency key): a replay.
    #[error("duplicate post")]
    DuplicatePost,
    /// An MLS message that cannot be used (garbage, truncated, wrong group, not a
    /// commit where one is needed, bad signature).
    #[error("invalid MLS message: {0}")]
    InvalidMls(String),
    /// A valid commit that room policy does not allow (e.g. adding someone who is not
    /// in the channel).
    #[error("commit not allowed: {en}")]
    CommitNotAllowed {
        /// Why, in English.
        en: String,
        /// Why, in Japanese.
        ja: String,
    },
    /// The person is already a member of the room.
    #[error("already a member")]
    AlreadyMember,
    /// A name that must be sealed on the device (a room's name, an invitee's name)
    /// came in clear: refused and not stored, so an old client cannot leak it.
    #[error("{field} must be sealed on the device, not sent in clear")]
    SealedFieldRequired {
        /// The field sent in clear.
        field: &'static str,
    },
    /// Another member stored a newer room state first.
    #[error("room state revision {current} is already stored")]
    StateConflict {
        /// The revision stored now.
        current: i64,
    },
    /// This person already has as many live connections as allowed.
    #[error("too many connections")]
    TooManyConnections,
    /// The server's storage is full.
    #[error("storage full")]
    StorageFull,
    /// The facility's attachment storage is used up.
    #[error("attachment quota exceeded: {used} of {quota} bytes used")]
    QuotaExceeded {
        /// Bytes in use.
        used: u64,
        /// The quota.
        quota: u64,
    },
    /// An upload without a Content-Length.
    #[error("length required")]
    LengthRequired,
    /// The upload broke off before all its bytes arrived.
    #[error("upload interrupted: {0}")]
    UploadInterrupted(String),
    /// The blob ID is in use by another upload.
    #[error("blob conflict: {en}")]
    BlobConflict {
        /// Why, in English.
        en: &'static str,
        /// Why, in Japanese.
        ja: &'static str,
    },
    /// A state-changing request or WebSocket handshake from a page of another site
    /// (its `Origin` is not one of the configured origins).
    #[error("cross-site request refused")]
    CrossSiteRequest,
    /// The endpoint exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body arrived too slowly (or stopped); the connection is closed.
    #[error("request body too slow")]
    RequestTimeout,
    /// The request's headers are larger or more numerous than allowed.
    #[error("request headers too large")]
    HeadersTooLarge {
        /// Most header bytes accepted.
        limit: u64,
    },
    /// The request itself (not its JSON body) could not be used: a malformed path
    /// parameter, query string or header.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Any other refusal the HTTP framework made (a status without a variant of
    /// its own), answered as JSON with its status kept.
    #[error("request refused with status {status}")]
    Refused {
        /// The HTTP status.
        status: u16,
    },
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
    /// For `wrong_epoch`: the group's current epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_epoch: Option<i64>,
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
            ApiError::NotSignedIn => "not_signed_in",
            ApiError::SignInFailed => "sign_in_failed",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::AccountLocked => "account_locked",
            ApiError::Forbidden => "forbidden",
            ApiError::ReauthRequired => "reauth_required",
            ApiError::InvalidInput { .. } => "invalid_input",
            ApiError::PasswordRejected { code, .. } => code,
            ApiError::LoginIdTaken => "login_id_taken",
            ApiError::LastCredential => "last_credential",
            ApiError::CeremonyInvalid => "ceremony_invalid",
            ApiError::WrongEpoch { .. } => "wrong_epoch",
            ApiError::DuplicatePost => "duplicate_post",
            ApiError::WebauthnRejected(_) => "webauthn_rejected",
            ApiError::InvalidMls(_) => "invalid_mls",
            ApiError::CommitNotAllowed { .. } => "commit_not_allowed",
            ApiError::TooManyConnections => "too_many_connections",
            ApiError::AlreadyMember => "already_member",
            ApiError::SealedFieldRequired { .. } => "sealed_field_required",
            ApiError::StateConflict { .. } => "state_conflict",
            ApiError::StorageFull => "storage_full",
            ApiError::QuotaExceeded { .. } => "quota_exceeded",
            ApiError::LengthRequired => "length_required",
            ApiError::UploadInterrupted(_) => "upload_interrupted",
            ApiError::BlobConflict { .. } => "blob_conflict",
            ApiError::CrossSiteRequest => "cross_site_request",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::HeadersTooLarge { .. } => "headers_too_large",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Refused { .. } => "request_refused",
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
            ApiError::NotSignedIn => (
                "You are not signed in, or your session has ended. Sign in again.".into(),
                "サインインしていないか、セッションが終了しました。もう一度サインインしてください。".into(),
            ),
            ApiError::SignInFailed => (
                "Sign-in failed. Check your login ID and password and use your registered security key or passkey.".into(),
                "サインインできませんでした。ログインID・パスワードを確認し、登録したセキュリティキーまたはパスキーを使ってください。".into(),
            ),
            ApiError::TooManyAttempts { retry_after_secs } => (
                format!("Too many attempts. Wait {retry_after_secs} seconds and try again."),
                format!("試行回数が多すぎます。{retry_after_secs} 秒待ってからもう一度お試しください。"),
            ),
            ApiError::AccountLocked => (
                "Sign-in is locked after repeated failures. Ask your facility administrator to unlock it.".into(),
                "失敗が続いたためサインインがロックされました。事業所の管理者に解除を依頼してください。".into(),
            ),
            ApiError::Forbidden => (
                "Your role does not allow this. Ask your facility administrator if you need it.".into(),
                "この操作は許可されていません。必要な場合は事業所の管理者に相談してください。".into(),
            ),
            ApiError::ReauthRequired => (
                "For this change, confirm it is you: enter your password and use your security key or passkey, then try again.".into(),
                "この操作には本人確認が必要です。パスワードを入力し、セキュリティキー（パスキー）を使ってから、もう一度お試しください。".into(),
            ),
            ApiError::InvalidInput { field, problem, problem_ja } => {
                (format!("{field}: {problem}"), format!("{field}: {problem_ja}"))
            }
            ApiError::PasswordRejected { message, message_ja, .. } => (message.clone(), message_ja.clone()),
            ApiError::LoginIdTaken => (
                "This login ID is already in use. Choose another one.".into(),
                "このログインIDは使われています。別のIDを選んでください。".into(),
            ),
            ApiError::WrongEpoch { current } => (
                format!("Someone changed the group first (it is at epoch {current}). Fetch the new messages and try again."),
                format!("先に他の人がグループを更新しました（エポック {current}）。新しいメッセージを取得してから再送してください。"),
            ),
            ApiError::DuplicatePost => (
                "This channel already has a post with this ID; it was not stored again. To resend a post, repeat the original request with its idempotency key; to post anew, seal a new post.".into(),
                "このチャンネルには同じIDの投稿が既にあるため、保存しませんでした。再送するときは元の冪等キーで同じ要求を送り、新しく投稿するときは新しい投稿を作成してください。".into(),
            ),
            ApiError::LastCredential => (
                "This is your only security key or passkey. Register another one before removing it.".into(),
                "これが唯一のセキュリティキー（パスキー）です。削除する前に別のものを登録してください。".into(),
            ),
            ApiError::CeremonyInvalid => (
                "This step has expired or was already used. Start again.".into(),
                "この手続きは期限切れか使用済みです。最初からやり直してください。".into(),
            ),
            ApiError::WebauthnRejected(_) => (
                "Your security key or passkey could not be verified. Make sure you are on the right site and try again.".into(),
                "セキュリティキー（パスキー）を確認できませんでした。正しいサイトか確認して、もう一度お試しください。".into(),
            ),
            ApiError::InvalidMls(detail) => (
                format!("The encrypted message could not be used ({detail}). Update the app, sync and try again."),
                format!("暗号化メッセージを処理できませんでした（{detail}）。アプリを更新し、同期してからもう一度お試しください。"),
            ),
            ApiError::CommitNotAllowed { en, ja } => (
                format!("This change to the group is not allowed: {en}. Sync the room's members and try again."),
                format!("このグループ変更は許可されていません：{ja}。ルームのメンバーを同期してからもう一度お試しください。"),
            ),
            ApiError::AlreadyMember => (
                "You are already a member of this room. Open it from your room list.".into(),
                "既にこのルームのメンバーです。ルーム一覧から開いてください。".into(),
            ),
            ApiError::SealedFieldRequired { field } => (
                format!("Names are encrypted on your device and never sent to the server in clear ({field} was refused and not stored). Update the app and try again."),
                format!("名前は端末で暗号化され、平文でサーバーに送られることはありません（{field} は受け付けず、保存していません）。アプリを更新してからもう一度お試しください。"),
            ),
            ApiError::StateConflict { current } => (
                format!("Someone else changed this room's name at the same time (now version {current}). Refresh the room list and try again."),
                format!("他の人が同時にこのルームの名前を変更しました（現在の版 {current}）。ルーム一覧を更新してからもう一度お試しください。"),
            ),
            ApiError::TooManyConnections => (
                "You have too many open connections. Close other tabs or devices and try again.".into(),
                "接続数が多すぎます。他のタブや端末を閉じてからもう一度お試しください。".into(),
            ),
            ApiError::StorageFull => (
                "The server's storage is full. Nothing was saved; tell your administrator and try again later.".into(),
                "サーバーの保存領域がいっぱいです。保存されていません。管理者に連絡し、後でもう一度お試しください。".into(),
            ),
            ApiError::QuotaExceeded { used, quota } => (
                format!("Your facility's storage for photos and files is full ({used} of {quota} bytes used). Nothing was saved; ask your facility administrator to free space or raise the quota."),
                format!("事業所の写真・ファイル用の保存容量がいっぱいです（{quota} バイト中 {used} バイト使用）。保存されていません。事業所の管理者に容量の確保を依頼してください。"),
            ),
            ApiError::LengthRequired => (
                "Send the file with its size (Content-Length). Update the app and try again.".into(),
                "ファイルはサイズ（Content-Length）付きで送ってください。アプリを更新してもう一度お試しください。".into(),
            ),
            ApiError::UploadInterrupted(_) => (
                "The upload broke off before the whole file arrived. Nothing was saved; check the connection and send it again.".into(),
                "ファイル全体が届く前に送信が途切れました。保存されていません。通信状態を確認してもう一度送ってください。".into(),
            ),
            ApiError::BlobConflict { en, ja } => ((*en).into(), (*ja).into()),
            ApiError::CrossSiteRequest => (
                "This request came from another website and was refused. Open Kizuna at its own address and try again there.".into(),
                "別のウェブサイトからのリクエストのため拒否しました。Kizuna を正しいアドレスで開き、そこからもう一度お試しください。".into(),
            ),
            ApiError::MethodNotAllowed => (
                "This address does not accept this kind of request. Update the app and try again.".into(),
                "このアドレスはこの種類のリクエストを受け付けません。アプリを更新してもう一度お試しください。".into(),
            ),
            ApiError::RequestTimeout => (
                "The request arrived too slowly and was cut off. Nothing was saved; check the connection and try again.".into(),
                "リクエストの到着が遅すぎたため打ち切りました。保存されていません。通信状態を確認してもう一度お試しください。".into(),
            ),
            ApiError::HeadersTooLarge { limit } => (
                format!("The request's headers are too large (limit {limit} bytes). Clear this site's cookies or update the app and try again."),
                format!("リクエストのヘッダーが大きすぎます（上限 {limit} バイト）。このサイトの Cookie を削除するかアプリを更新して、もう一度お試しください。"),
            ),
            ApiError::BadRequest(detail) => (
                format!("The request could not be read ({detail}). Check the address or update the app and try again."),
                format!("リクエストを読み取れませんでした（{detail}）。アドレスを確認するか、アプリを更新してもう一度お試しください。"),
            ),
            ApiError::Refused { status } => (
                format!("The server refused this request (HTTP {status}). Update the app and try again; if it keeps happening, tell your administrator."),
                format!("サーバーがこのリクエストを拒否しました（HTTP {status}）。アプリを更新してもう一度お試しください。続く場合は管理者に連絡してください。"),
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
        let current_epoch = match self {
            ApiError::WrongEpoch { current } => Some(*current),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                message_ja,
                current_epoch,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound | ApiError::InvitationInvalid => StatusCode::NOT_FOUND,
            ApiError::NotSignedIn | ApiError::SignInFailed => StatusCode::UNAUTHORIZED,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::AccountLocked => StatusCode::LOCKED,
            ApiError::Forbidden | ApiError::ReauthRequired | ApiError::CommitNotAllowed { .. } => {
                StatusCode::FORBIDDEN
            }
            ApiError::InvalidMls(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
            ApiError::InvalidInput { .. }
            | ApiError::PasswordRejected { .. }
            | ApiError::SealedFieldRequired { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::LoginIdTaken
            | ApiError::LastCredential
            | ApiError::WrongEpoch { .. }
            | ApiError::DuplicatePost
            | ApiError::AlreadyMember
            | ApiError::StateConflict { .. }
            | ApiError::BlobConflict { .. } => StatusCode::CONFLICT,
            ApiError::LengthRequired => StatusCode::LENGTH_REQUIRED,
            ApiError::UploadInterrupted(_) => StatusCode::BAD_REQUEST,
            ApiError::CeremonyInvalid | ApiError::WebauthnRejected(_) => StatusCode::BAD_REQUEST,
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::ExpectedJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::StorageFull | ApiError::QuotaExceeded { .. } => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::CrossSiteRequest => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Refused { status } => StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
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
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::TooManyAttempts { retry_after_secs } = self {
            response.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if matches!(self, ApiError::RequestTimeout | ApiError::HeadersTooLarge { .. }) {
            // The rest of a slow body, or of oversized headers, is not worth reading.
            response.force_close();
        }
        response.json(self.body())
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => ApiError::NotFound,
            StorageError::Full(detail) => {
                tracing::error!(%detail, "the database's disk is full: writes are refused until space is freed");
                ApiError::StorageFull
            }
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
            BlobError::Body(e) => ApiError::UploadInterrupted(e),
            BlobError::LengthMismatch { declared, received } => ApiError::invalid(
                "content-length",
                format!("{received} bytes arrived but {declared} were declared; send the file again"),
                format!("{declared} バイトの予定が {received} バイト届きました。もう一度送ってください"),
            ),
            BlobError::Config(e) => ApiError::Internal(e),
        }
    }
}

/// A required name-like field, trimmed: 1 to `max` characters, else `invalid_input`.
pub fn required_name(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("give a name of 1 to {max} characters"),
            format!("1〜{max}文字で名前を入力してください"),
        ));
    }
    Ok(value.to_owned())
}

impl ApiError {
    /// A field that cannot be used, with what is wrong in both languages.
    pub fn invalid(field: &'static str, problem: impl Into<String>, problem_ja: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            field,
            problem: problem.into(),
            problem_ja: problem_ja.into(),
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
            (
                ApiError::SealedFieldRequired {
                    field: "display_name",
                },
                422,
                "sealed_field_required",
            ),
            (ApiError::StateConflict { current: 2 }, 409, "state_conflict"),
            (ApiError::StorageFull, 507, "storage_full"),
            (
                ApiError::QuotaExceeded { used: 1, quota: 2 },
                507,
                "quota_exceeded",
            ),
            (ApiError::LengthRequired, 411, "length_required"),
            (
                ApiError::UploadInterrupted("reset".into()),
                400,
                "upload_interrupted",
            ),
            (ApiError::BlobConflict { en: "x", ja: "x" }, 409, "blob_conflict"),
            (ApiError::NotSignedIn, 401, "not_signed_in"),
            (ApiError::SignInFailed, 401, "sign_in_failed"),
            (
                ApiError::TooManyAttempts { retry_after_secs: 4 },
                429,
                "too_many_attempts",
            ),
            (ApiError::AccountLocked, 423, "account_locked"),
            (ApiError::Forbidden, 403, "forbidden"),
            (ApiError::ReauthRequired, 403, "reauth_required"),
            (ApiError::LoginIdTaken, 409, "login_id_taken"),
            (ApiError::LastCredential, 409, "last_credential"),
            (ApiError::WrongEpoch { current: 3 }, 409, "wrong_epoch"),
            (ApiError::DuplicatePost, 409, "duplicate_post"),
            (ApiError::CeremonyInvalid, 400, "ceremony_invalid"),
            (
                ApiError::WebauthnRejected("origin".into()),
                400,
                "webauthn_rejected",
            ),
            (ApiError::CrossSiteRequest, 403, "cross_site_request"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (ApiError::RequestTimeout, 408, "request_timeout"),
            (ApiError::HeadersTooLarge { limit: 1 }, 431, "headers_too_large"),
            (ApiError::BadRequest("x".into()), 400, "bad_request"),
            (ApiError::Refused { status: 416 }, 416, "request_refused"),
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
    fn a_full_database_disk_is_storage_full_not_internal() {
        let err = ApiError::from(StorageError::Full("database or disk is full".into()));
        assert_eq!((err.status_code().as_u16(), err.code()), (507, "storage_full"));
    }

    #[test]
    fn internal_details_are_not_sent_to_clients() {
        let body = ApiError::Internal("secret table layout".into()).body();
        assert!(!body.error.message.contains("secret"));
    }
}
