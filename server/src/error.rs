//! The one API error type and its catalogue. Every failure a client can see is one
//! of these, with a stable snake_case code, an HTTP status and an English and a
//! Japanese message that say what to do next, all written in one row of the
//! catalogue below and nowhere else. The input problems behind `invalid_input`
//! ([`Problem`]) and the password rules behind `password_*` ([`PasswordProblem`])
//! have their rows here too, so every user-facing sentence of the server is in
//! this file.

use std::error::Error as StdError;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use kizuna_crypto::broadcast::BroadcastError;
use kizuna_proto::{BlobId, DeviceId, UserId};
use kizuna_storage::{BlobError, StorageError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::password::{PasswordProblem, REUSE_HISTORY};
use crate::policy::Refusal;

/// The source of an [`ApiError::Internal`]: any error, kept for the log.
pub type BoxError = Box<dyn StdError + Send + Sync>;

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
    /// A broadcast or roster change that does not open: its signature does not
    /// verify over the exact bytes, it cannot be read, or its content breaks a rule.
    #[error("broadcast refused: {0}")]
    BroadcastInvalid(BroadcastError),
    /// A broadcast or roster change for another organisation than the address names.
    #[error("broadcast for another organisation")]
    BroadcastWrongOrganisation,
    /// A broadcast or roster change signed by another device than the officer's own
    /// live device this session acts for, or with a key that device did not register.
    #[error("not signed by this session's device")]
    BroadcastWrongDevice,
    /// A broadcast signed by a device that is not on the organisation's current
    /// roster (or the organisation has no roster yet).
    #[error("signer not on the roster")]
    BroadcastSignerUnknown,
    /// A broadcast already past its expiry.
    #[error("broadcast expired")]
    BroadcastExpired,
    /// A broadcast whose ID is already stored.
    #[error("duplicate broadcast")]
    DuplicateBroadcast,
    /// A roster change that does not follow the current version (another change was
    /// stored first, or it names the wrong previous version).
    #[error("roster version {current} is current")]
    RosterConflict {
        /// The current version (0: none yet).
        current: i64,
    },
    /// A roster change not signed by an officer on the current roster.
    #[error("roster change not signed by a current officer")]
    RosterSignerUnknown,
    /// A roster listing someone who is not a broadcast officer of the organisation on
    /// that live device with that key.
    #[error("roster lists an ineligible officer")]
    RosterOfficerIneligible,
    /// A notice naming an image its officer did not upload for this organisation, or
    /// one another notice already carries.
    #[error("broadcast image unknown")]
    BroadcastImageUnknown,
    /// An answer to a safety check that an officer closed or whose broadcast expired.
    #[error("safety check closed")]
    SafetyCheckClosed,
    /// A safety answer whose kind of need does not fit its status (a need goes with
    /// 要支援 only, and 要支援 always names one).
    #[error("safety need does not fit the status")]
    SafetyNeedMismatch,
    /// An emergency account signed in with the right factors while it is sealed (no
    /// disaster declared over its facility, no approval by two administrators) or
    /// waiting to be resealed.
    #[error("emergency account sealed")]
    EmergencyAccountSealed,
    /// An approval for an emergency account that is not enrolled and sealed.
    #[error("emergency account not sealed")]
    EmergencyAccountNotSealed,
    /// A push subscription naming an endpoint that is not a browser push service on
    /// the allow-list, or not https.
    #[error("push endpoint not allowed")]
    PushEndpointNotAllowed,
    /// E-mail notifications asked for on a server without a mail server.
    #[error("e-mail unavailable")]
    EmailUnavailable,
    /// A post, upload, invitation, membership or group change in a room that was
    /// closed (the client moved away, died, or the service ended): the room is
    /// read-only until its content is deleted after the retention period.
    #[error("room closed")]
    RoomClosed,
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
    #[error("blob conflict: {0:?}")]
    BlobConflict(UploadConflict),
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
    /// A bug or an unexpected failure; the source chain is logged where the
    /// response is made, never sent. Build one with [`ApiError::internal`].
    #[error("internal error: {0}")]
    Internal(#[source] BoxError),
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

/// One row of the catalogue: everything a refusal is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Stable machine-readable code, e.g. `malformed_json`.
    pub code: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// What happened and what to do next, in English.
    pub en: String,
    /// The same in Japanese.
    pub ja: String,
}

/// Writes a catalogue: for `$ty`, one row per pattern with its code, status, an
/// example value of that pattern and the English and Japanese wording. It makes
/// `row()` (one match: a new variant without a row does not compile) and
/// `every_example()` (so the tests reach every row, and a row cannot exist without
/// an example). The shared form gives one code and status to every row.
macro_rules! catalogue {
    ($ty:ty { $( $pat:pat => $code:expr, $status:expr, example $example:expr, en $en:expr, ja $ja:expr; )* }) => {
        impl $ty {
            /// This value's row of the catalogue.
            pub fn row(&self) -> Row {
                match self {
                    $( $pat => Row {
                        code: $code,
                        status: $status,
                        en: ToString::to_string(&$en),
                        ja: ToString::to_string(&$ja),
                    }, )*
                }
            }

            /// One example of every row of the catalogue, in the catalogue's order.
            pub fn every_example() -> Vec<Self> {
                vec![$( $example ),*]
            }

            /// Which row of the catalogue this value is, counted from 0.
            #[cfg(test)]
            #[allow(unused_variables)] // The patterns bind what the wording uses.
            fn row_index(&self) -> usize {
                let mut index = 0;
                $(
                    if matches!(self, $pat) {
                        return index;
                    }
                    index += 1;
                )*
                index
            }
        }
    };
    ($ty:ty, code $code:expr, status $status:expr, { $( $pat:pat => example $example:expr, en $en:expr, ja $ja:expr; )* }) => {
        catalogue!($ty { $( $pat => $code, $status, example $example, en $en, ja $ja; )* });
    };
}

catalogue!(ApiError {
    Self::NotFound => "not_found", StatusCode::NOT_FOUND,
        example Self::NotFound,
        en "Nothing is here. Check the address.",
        ja "見つかりません。アドレスを確認してください。";
    Self::MalformedJson(detail) => "malformed_json", StatusCode::BAD_REQUEST,
        example Self::MalformedJson("expected value at line 1 column 1".into()),
        en format!("The request could not be read ({detail}). Update the app and try again."),
        ja format!("リクエストを読み取れませんでした（{detail}）。アプリを更新してもう一度お試しください。");
    Self::ExpectedJson => "expected_json", StatusCode::UNSUPPORTED_MEDIA_TYPE,
        example Self::ExpectedJson,
        en "The request must be JSON (Content-Type: application/json).",
        ja "リクエストは JSON（Content-Type: application/json）で送ってください。";
    Self::PayloadTooLarge { limit } => "payload_too_large", StatusCode::PAYLOAD_TOO_LARGE,
        example Self::PayloadTooLarge { limit: 1024 },
        en format!("The request is too large (limit {limit} bytes). Send less at once."),
        ja format!("リクエストが大きすぎます（上限 {limit} バイト）。小さく分けて送ってください。");
    Self::InvitationInvalid => "invitation_invalid", StatusCode::NOT_FOUND,
        example Self::InvitationInvalid,
        en "This link is not valid: it may have expired or been used already. Ask the person who invited you for a new one.",
        ja "このリンクは使えません。期限切れか使用済みの可能性があります。招待した人に新しいリンクを依頼してください。";
    Self::NotSignedIn => "not_signed_in", StatusCode::UNAUTHORIZED,
        example Self::NotSignedIn,
        en "You are not signed in, or your session has ended. Sign in again.",
        ja "サインインしていないか、セッションが終了しました。もう一度サインインしてください。";
    Self::SignInFailed => "sign_in_failed", StatusCode::UNAUTHORIZED,
        example Self::SignInFailed,
        en "Sign-in failed. Check your login ID and password and use your registered security key or passkey.",
        ja "サインインできませんでした。ログインID・パスワードを確認し、登録したセキュリティキーまたはパスキーを使ってください。";
    Self::TooManyAttempts { retry_after_secs } => "too_many_attempts", StatusCode::TOO_MANY_REQUESTS,
        example Self::TooManyAttempts { retry_after_secs: 4 },
        en format!("Too many attempts. Wait {retry_after_secs} seconds and try again."),
        ja format!("試行回数が多すぎます。{retry_after_secs} 秒待ってからもう一度お試しください。");
    Self::AccountLocked => "account_locked", StatusCode::LOCKED,
        example Self::AccountLocked,
        en "Sign-in is locked after repeated failures. Ask your facility administrator to unlock it.",
        ja "失敗が続いたためサインインがロックされました。事業所の管理者に解除を依頼してください。";
    Self::Forbidden => "forbidden", StatusCode::FORBIDDEN,
        example Self::Forbidden,
        en "Your role does not allow this. Ask your facility administrator if you need it.",
        ja "この操作は許可されていません。必要な場合は事業所の管理者に相談してください。";
    Self::ReauthRequired => "reauth_required", StatusCode::FORBIDDEN,
        example Self::ReauthRequired,
        en "For this change, confirm it is you: enter your password and use your security key or passkey, then try again.",
        ja "この操作には本人確認が必要です。パスワードを入力し、セキュリティキー（パスキー）を使ってから、もう一度お試しください。";
    Self::InvalidInput { field, problem, problem_ja } => "invalid_input", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::input("display_name", Problem::NameLength { max: 100 }),
        en format!("{field}: {problem}"),
        ja format!("{field}: {problem_ja}");
    // The code and wording come from the rule's own row, in the password table below.
    Self::PasswordRejected { code, message, message_ja } => *code, StatusCode::UNPROCESSABLE_ENTITY,
        example Self::from(PasswordProblem::TooShort { min: 8 }),
        en message,
        ja message_ja;
    Self::LoginIdTaken => "login_id_taken", StatusCode::CONFLICT,
        example Self::LoginIdTaken,
        en "This login ID is already in use. Choose another one.",
        ja "このログインIDは使われています。別のIDを選んでください。";
    Self::LastCredential => "last_credential", StatusCode::CONFLICT,
        example Self::LastCredential,
        en "This is your only security key or passkey. Register another one before removing it.",
        ja "これが唯一のセキュリティキー（パスキー）です。削除する前に別のものを登録してください。";
    Self::CeremonyInvalid => "ceremony_invalid", StatusCode::BAD_REQUEST,
        example Self::CeremonyInvalid,
        en "This step has expired or was already used. Start again.",
        ja "この手続きは期限切れか使用済みです。最初からやり直してください。";
    Self::WebauthnRejected(_) => "webauthn_rejected", StatusCode::BAD_REQUEST,
        example Self::WebauthnRejected("origin mismatch".into()),
        en "Your security key or passkey could not be verified. Make sure you are on the right site and try again.",
        ja "セキュリティキー（パスキー）を確認できませんでした。正しいサイトか確認して、もう一度お試しください。";
    Self::WrongEpoch { current } => "wrong_epoch", StatusCode::CONFLICT,
        example Self::WrongEpoch { current: 3 },
        en format!("Someone changed the group first (it is at epoch {current}). Fetch the new messages and try again."),
        ja format!("先に他の人がグループを更新しました（エポック {current}）。新しいメッセージを取得してから再送してください。");
    Self::DuplicatePost => "duplicate_post", StatusCode::CONFLICT,
        example Self::DuplicatePost,
        en "This channel already has a post with this ID; it was not stored again. To resend a post, repeat the original request with its idempotency key; to post anew, seal a new post.",
        ja "このチャンネルには同じIDの投稿が既にあるため、保存しませんでした。再送するときは元の冪等キーで同じ要求を送り、新しく投稿するときは新しい投稿を作成してください。";
    Self::InvalidMls(detail) => "invalid_mls", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::InvalidMls("truncated".into()),
        en format!("The encrypted message could not be used ({detail}). Update the app, sync and try again."),
        ja format!("暗号化メッセージを処理できませんでした（{detail}）。アプリを更新し、同期してからもう一度お試しください。");
    Self::CommitNotAllowed { en, ja } => "commit_not_allowed", StatusCode::FORBIDDEN,
        example Self::CommitNotAllowed { en: "the person is not in the channel".into(), ja: "チャンネルにいない人です".into() },
        en format!("This change to the group is not allowed: {en}. Sync the room's members and try again."),
        ja format!("このグループ変更は許可されていません：{ja}。ルームのメンバーを同期してからもう一度お試しください。");
    Self::AlreadyMember => "already_member", StatusCode::CONFLICT,
        example Self::AlreadyMember,
        en "You are already a member of this room. Open it from your room list.",
        ja "既にこのルームのメンバーです。ルーム一覧から開いてください。";
    Self::SealedFieldRequired { field } => "sealed_field_required", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::SealedFieldRequired { field: "display_name" },
        en format!("Names are encrypted on your device and never sent to the server in clear ({field} was refused and not stored). Update the app and try again."),
        ja format!("名前は端末で暗号化され、平文でサーバーに送られることはありません（{field} は受け付けず、保存していません）。アプリを更新してからもう一度お試しください。");
    Self::StateConflict { current } => "state_conflict", StatusCode::CONFLICT,
        example Self::StateConflict { current: 2 },
        en format!("Someone else changed this room's name at the same time (now version {current}). Refresh the room list and try again."),
        ja format!("他の人が同時にこのルームの名前を変更しました（現在の版 {current}）。ルーム一覧を更新してからもう一度お試しください。");
    Self::BroadcastInvalid(e) => "broadcast_invalid", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::BroadcastInvalid(BroadcastError::BadSignature),
        en format!("The notice was refused and not stored: {e}. Write it again on the officer's device, sign it there and send it again."),
        ja format!("お知らせを受け付けず、保存していません：{}担当者の端末で作成し直し、署名してから送り直してください。", e.message_ja());
    Self::BroadcastWrongOrganisation => "broadcast_wrong_organisation", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::BroadcastWrongOrganisation,
        en "This notice or roster is signed for another organisation than the one it was sent to. Choose the organisation again on the officer's device and sign it anew.",
        ja "このお知らせ（名簿）は送信先とは別の団体の名前で署名されています。担当者の端末で団体を選び直し、署名し直してください。";
    Self::BroadcastWrongDevice => "broadcast_wrong_device", StatusCode::FORBIDDEN,
        example Self::BroadcastWrongDevice,
        en "Sign and send broadcasts from your own registered device, signed in on that device. Open Kizuna on your officer device and try again there.",
        ja "お知らせは、登録済みのご自身の端末で署名し、その端末から送ってください。担当者用の端末で Kizuna を開いてもう一度お試しください。";
    Self::BroadcastSignerUnknown => "broadcast_signer_unknown", StatusCode::FORBIDDEN,
        example Self::BroadcastSignerUnknown,
        en "Your device is not on your organisation's roster of officer keys, so recipients would not trust this notice. Ask an officer on the roster to add your device, then send it again.",
        ja "この端末は団体の担当者名簿に載っていないため、受信者はこのお知らせを信頼できません。名簿に載っている担当者に端末の追加を依頼してから、もう一度送ってください。";
    Self::BroadcastExpired => "broadcast_expired", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::BroadcastExpired,
        en "This notice has already expired and was not sent. Set a later expiry and send it again.",
        ja "このお知らせは有効期限が過ぎているため送信していません。期限を延ばしてもう一度送ってください。";
    Self::DuplicateBroadcast => "duplicate_broadcast", StatusCode::CONFLICT,
        example Self::DuplicateBroadcast,
        en "This notice was already sent (its ID is stored). Check the list of broadcasts; to send a new one, write a new notice.",
        ja "このお知らせは送信済みです（同じIDが保存されています）。お知らせ一覧を確認し、新しく送る場合は新しいお知らせを作成してください。";
    Self::RosterConflict { current } => "roster_conflict", StatusCode::CONFLICT,
        example Self::RosterConflict { current: 2 },
        en format!("The roster has changed (version {current} is current) and this change does not follow it. Reload the roster, make the change again on it and sign it."),
        ja format!("名簿が更新されています（現在の版 {current}）。この変更はその版に続いていません。名簿を読み込み直し、変更し直して署名してください。");
    Self::RosterSignerUnknown => "roster_signer_unknown", StatusCode::FORBIDDEN,
        example Self::RosterSignerUnknown,
        en "Only an officer on the current roster may change it, and this change is signed by a device that is not on it. Ask an officer on the roster to make the change.",
        ja "名簿を変更できるのは現在の名簿に載っている担当者だけですが、この変更は名簿にない端末で署名されています。名簿に載っている担当者に変更を依頼してください。";
    Self::RosterOfficerIneligible => "roster_officer_ineligible", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::RosterOfficerIneligible,
        en "Everyone on the roster must be a broadcast officer of this organisation, listed with a registered device and that device's key. Ask the administrator to grant the role, or correct the list, and sign it again.",
        ja "名簿に載せられるのは、この団体の発信担当者の登録済み端末とその鍵だけです。管理者に役割の付与を依頼するか一覧を直して、署名し直してください。";
    Self::BroadcastImageUnknown => "broadcast_image_unknown", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::BroadcastImageUnknown,
        en "The image this notice names was not uploaded from your account for this organisation, or another notice already carries it. Attach the image again, then send.",
        ja "このお知らせが示す画像は、この団体向けにあなたのアカウントからアップロードされたものではないか、すでに別のお知らせで使われています。画像を添付し直してから送信してください。";
    Self::SafetyCheckClosed => "safety_check_closed", StatusCode::CONFLICT,
        example Self::SafetyCheckClosed,
        en "This safety check is closed, so the answer was not recorded. Write the client's situation in the room's team channel, and call the association if they need help.",
        ja "この安否確認は終了しているため、回答は記録していません。利用者の状況はルームのチームチャンネルに書き込み、支援が必要な場合は医師会（団体）に連絡してください。";
    Self::SafetyNeedMismatch => "safety_need_mismatch", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::SafetyNeedMismatch,
        en "Choose what kind of support is needed (medical, evacuation, supplies, other) with \"needs support\", and none with the other answers, then answer again.",
        ja "「要支援」には支援の種類（医療・避難・物資・その他）を選び、それ以外の回答では選ばずに、もう一度回答してください。";
    Self::EmergencyAccountSealed => "emergency_account_sealed", StatusCode::FORBIDDEN,
        example Self::EmergencyAccountSealed,
        en "This emergency account is sealed. It can sign in only while a disaster is declared for your region, or after two of the facility's administrators approve its use; after use it must be resealed. Your attempt has been reported to the facility's administrators; contact one of them.",
        ja "この緊急用アカウントは封印されています。地域に災害が宣言されている間か、施設の管理者2名が使用を承認した後にだけサインインできます（使用後は再封印が必要です）。この試みは施設の管理者に通知されました。管理者に連絡してください。";
    Self::EmergencyAccountNotSealed => "emergency_account_not_sealed", StatusCode::CONFLICT,
        example Self::EmergencyAccountNotSealed,
        en "This emergency account is not sealed yet (or must be resealed after use), so its use cannot be approved. Enrol its sheet and security key with the enrolment link first.",
        ja "この緊急用アカウントはまだ封印されていない（または使用後の再封印が必要な）ため、使用を承認できません。先に登録リンクでパスワード用紙とセキュリティキーを登録してください。";
    Self::PushEndpointNotAllowed => "push_endpoint_not_allowed", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::PushEndpointNotAllowed,
        en "This browser's push service is not one this server sends to, so notifications were not turned on. Use Chrome, Edge, Firefox or Safari, or ask your administrator.",
        ja "このブラウザーの通知サービスはこのサーバーの送信先に含まれていないため、通知をオンにできませんでした。Chrome・Edge・Firefox・Safari を使うか、管理者に相談してください。";
    Self::EmailUnavailable => "email_unavailable", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::EmailUnavailable,
        en "This server cannot send e-mail, so e-mail notifications stay off. Use push notifications, or ask your administrator to set up e-mail.",
        ja "このサーバーはメールを送れないため、メール通知はオフのままです。プッシュ通知を使うか、管理者にメールの設定を依頼してください。";
    Self::RoomClosed => "room_closed", StatusCode::CONFLICT,
        example Self::RoomClosed,
        en "This room's care has ended, so it is read-only: nothing was posted or changed. You can still read it; to care for this person again, ask the facility's administrator to reopen the room.",
        ja "このケアは終了しているため閲覧のみできます。投稿や変更は行っていません。再びケアを始める場合は、施設の管理者にルームの再開を依頼してください。";
    Self::TooManyConnections => "too_many_connections", StatusCode::TOO_MANY_REQUESTS,
        example Self::TooManyConnections,
        en "You have too many open connections. Close other tabs or devices and try again.",
        ja "接続数が多すぎます。他のタブや端末を閉じてからもう一度お試しください。";
    Self::StorageFull => "storage_full", StatusCode::INSUFFICIENT_STORAGE,
        example Self::StorageFull,
        en "The server's storage is full. Nothing was saved; tell your administrator and try again later.",
        ja "サーバーの保存領域がいっぱいです。保存されていません。管理者に連絡し、後でもう一度お試しください。";
    Self::QuotaExceeded { used, quota } => "quota_exceeded", StatusCode::INSUFFICIENT_STORAGE,
        example Self::QuotaExceeded { used: 1, quota: 2 },
        en format!("Your facility's storage for photos and files is full ({used} of {quota} bytes used). Nothing was saved; ask your facility administrator to free space or raise the quota."),
        ja format!("事業所の写真・ファイル用の保存容量がいっぱいです（{quota} バイト中 {used} バイト使用）。保存されていません。事業所の管理者に容量の確保を依頼してください。");
    Self::LengthRequired => "length_required", StatusCode::LENGTH_REQUIRED,
        example Self::LengthRequired,
        en "Send the file with its size (Content-Length). Update the app and try again.",
        ja "ファイルはサイズ（Content-Length）付きで送ってください。アプリを更新してもう一度お試しください。";
    Self::UploadInterrupted(_) => "upload_interrupted", StatusCode::BAD_REQUEST,
        example Self::UploadInterrupted("connection reset".into()),
        en "The upload broke off before the whole file arrived. Nothing was saved; check the connection and send it again.",
        ja "ファイル全体が届く前に送信が途切れました。保存されていません。通信状態を確認してもう一度送ってください。";
    // The wording is the conflict's own row, in the delivery section below.
    Self::BlobConflict(conflict) => "blob_conflict", StatusCode::CONFLICT,
        example Self::BlobConflict(UploadConflict::Taken),
        en conflict.row().en,
        ja conflict.row().ja;
    Self::CrossSiteRequest => "cross_site_request", StatusCode::FORBIDDEN,
        example Self::CrossSiteRequest,
        en "This request came from another website and was refused. Open Kizuna at its own address and try again there.",
        ja "別のウェブサイトからのリクエストのため拒否しました。Kizuna を正しいアドレスで開き、そこからもう一度お試しください。";
    Self::MethodNotAllowed => "method_not_allowed", StatusCode::METHOD_NOT_ALLOWED,
        example Self::MethodNotAllowed,
        en "This address does not accept this kind of request. Update the app and try again.",
        ja "このアドレスはこの種類のリクエストを受け付けません。アプリを更新してもう一度お試しください。";
    Self::RequestTimeout => "request_timeout", StatusCode::REQUEST_TIMEOUT,
        example Self::RequestTimeout,
        en "The request arrived too slowly and was cut off. Nothing was saved; check the connection and try again.",
        ja "リクエストの到着が遅すぎたため打ち切りました。保存されていません。通信状態を確認してもう一度お試しください。";
    Self::HeadersTooLarge { limit } => "headers_too_large", StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        example Self::HeadersTooLarge { limit: 32768 },
        en format!("The request's headers are too large (limit {limit} bytes). Clear this site's cookies or update the app and try again."),
        ja format!("リクエストのヘッダーが大きすぎます（上限 {limit} バイト）。このサイトの Cookie を削除するかアプリを更新して、もう一度お試しください。");
    Self::BadRequest(detail) => "bad_request", StatusCode::BAD_REQUEST,
        example Self::BadRequest("malformed path".into()),
        en format!("The request could not be read ({detail}). Check the address or update the app and try again."),
        ja format!("リクエストを読み取れませんでした（{detail}）。アドレスを確認するか、アプリを更新してもう一度お試しください。");
    // Keeps the framework's status; one that is not an error status becomes 400.
    Self::Refused { status } => "request_refused", refused_status(*status),
        example Self::Refused { status: 416 },
        en format!("The server refused this request (HTTP {status}). Update the app and try again; if it keeps happening, tell your administrator."),
        ja format!("サーバーがこのリクエストを拒否しました（HTTP {status}）。アプリを更新してもう一度お試しください。続く場合は管理者に連絡してください。");
    Self::Unavailable(_) => "unavailable", StatusCode::SERVICE_UNAVAILABLE,
        example Self::Unavailable("database".into()),
        en "The service is temporarily unavailable. Try again in a minute.",
        ja "一時的に利用できません。少し待ってからもう一度お試しください。";
    Self::Internal(_) => "internal", StatusCode::INTERNAL_SERVER_ERROR,
        example Self::internal("a bug"),
        en "Something went wrong on the server. Try again; if it keeps happening, tell your administrator.",
        ja "サーバーで問題が起きました。もう一度お試しください。続く場合は管理者に連絡してください。";
});

/// The status of a framework refusal: its own when it is a valid one, else 400.
fn refused_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
}

/// What is wrong with one field of a request: the rows behind `invalid_input`.
/// Build the error with [`ApiError::input`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A name that is empty or longer than `max` characters.
    NameLength {
        /// Most characters allowed.
        max: usize,
    },
    /// A person's name carrying the mark reserved for emergency accounts.
    ReservedName,
    /// An emergency account prepared with a role that is not a care role of the facility.
    EmergencyCareRole,
    /// A login ID outside 3 to 64 of `a-z 0-9 . _ - @`.
    LoginIdShape,
    /// A birth date not written `YYYY-MM-DD`.
    BirthDateShape,
    /// An authenticator without a name.
    CredentialNameMissing,
    /// One authenticator more than an account may hold.
    TooManyCredentials {
        /// Most authenticators allowed.
        max: usize,
    },
    /// A parent organisation that does not exist.
    NoSuchOrganisation,
    /// An officer role in an organisation that is not an association or a city.
    OfficerPlacement,
    /// A broadcast officer role in an organisation that is not an association or a city.
    BroadcastOfficerPlacement,
    /// Reactivating a disabled (left) account.
    LeftCannotBeReenabled,
    /// Removing a person's only role in an organisation.
    OnlyRole,
    /// A reset's identity-check note outside 3 to 500 characters.
    VerificationNote,
    /// A reset for a person who has left.
    PersonHasLeft,
    /// A ledger format other than `json` or `csv`.
    LedgerFormat,
    /// An upload whose bytes do not match its declared length.
    ContentLengthMismatch {
        /// Bytes declared in `Content-Length`.
        declared: u64,
        /// Bytes that arrived.
        received: u64,
    },
    /// An opaque body that is not standard base64.
    NotBase64,
    /// An opaque body of no bytes or more than `max`.
    BodySize {
        /// Most bytes accepted.
        max: usize,
    },
    /// An idempotency key of no characters or more than 100.
    IdempotencyKey,
    /// A message or commit from a device that is not one of the sender's live ones.
    SenderDevice,
    /// A commit sent as a plain message, where it would escape the commit checks.
    CommitToCommits,
    /// A message kind other than an era key or a post.
    MessageKind,
    /// Urgency or attachments on a message that is not a post.
    PostOnlyFields,
    /// More attachments on one post than `max`.
    TooManyAttachments {
        /// Most attachments per post.
        max: usize,
    },
    /// An attachment whose upload did not finish.
    AttachmentNotStored {
        /// The blob.
        blob: BlobId,
    },
    /// An attachment uploaded to another room or channel.
    AttachmentOtherChannel {
        /// The blob.
        blob: BlobId,
    },
    /// An attachment uploaded by someone else.
    AttachmentNotYours {
        /// The blob.
        blob: BlobId,
    },
    /// An attachment another post already references.
    AttachmentPosted {
        /// The blob.
        blob: BlobId,
    },
    /// A post whose clear header names another room or channel.
    PostAddressedElsewhere,
    /// A post whose clear header names another author or device.
    PostAuthor,
    /// A device without a name.
    DeviceName,
    /// A person with `max` live devices registering another.
    TooManyDevices {
        /// Most live devices per person.
        max: usize,
    },
    /// A key-package upload of none or more than `max`.
    KeyPackageCount {
        /// Most packages per upload.
        max: usize,
    },
    /// A key package ID of no characters or more than 200.
    KeyPackageId,
    /// A key package ID uploaded before.
    KeyPackageIdTaken,
    /// A channel's group created under another ID than `id`.
    GroupId {
        /// The ID the channel's group must have.
        id: String,
    },
    /// A second group for a channel.
    ChannelHasGroup,
    /// A commit adding devices without their welcome.
    WelcomeRequired,
    /// A read position that is not in the channel's log.
    SeqNotInLog,
    /// A `Content-Length` that is not a number of bytes.
    ContentLengthShape,
    /// A sealed room state that does not parse.
    SealedStateShape {
        /// Why, for the developer reading the English.
        detail: String,
    },
    /// A sealed room state for another room, channel, or revision 0.
    SealedStateHeader,
    /// A sealed room state not signed by one of the caller's live devices.
    SealedStateSigner,
    /// A sealed invitee name that is not one.
    SealedNameShape,
    /// A time of day not written `HH:MM` (00:00 to 23:59).
    TimeOfDay,
    /// A number of minutes outside `min` to `max`.
    Minutes {
        /// Fewest minutes.
        min: i64,
        /// Most minutes.
        max: i64,
    },
    /// A UTC offset outside -12:00 to +14:00.
    UtcOffset,
    /// Quiet hours that start when they end.
    QuietHoursEmpty,
    /// An e-mail address that is missing or not one.
    EmailAddress,
    /// Push subscription keys that are not a P-256 key and a 16-byte secret.
    PushKeys,
    /// Closing a security alert without a note of 1 to 500 characters.
    AlertNote,
    /// A retention period outside the whole years a facility may choose.
    RetentionYears {
        /// Fewest years.
        min: i64,
        /// Most years.
        max: i64,
    },
    /// A legal hold without a reason, or with too long a one.
    HoldReason {
        /// Most characters.
        max: usize,
    },
}

catalogue!(Problem, code "invalid_input", status StatusCode::UNPROCESSABLE_ENTITY, {
    // ── Identity side ──
    Self::NameLength { max } =>
        example Self::NameLength { max: 100 },
        en format!("give a name of 1 to {max} characters"),
        ja format!("1〜{max}文字で名前を入力してください");
    Self::EmergencyCareRole =>
        example Self::EmergencyCareRole,
        en "an emergency account acts in a care role of this facility (doctor, nurse, care worker…); choose one of those",
        ja "緊急用アカウントには、この事業所のケアの役割（医師・看護師・介護職など）を選んでください";
    Self::ReservedName =>
        example Self::ReservedName,
        en "choose another name: 【緊急用】 marks a facility's emergency accounts",
        ja "別の名前にしてください。【緊急用】は施設の緊急用アカウントを示す表示です";
    Self::LoginIdShape =>
        example Self::LoginIdShape,
        en "use 3 to 64 characters: letters a-z, digits and . _ - @",
        ja "半角英小文字・数字・記号 . _ - @ を使い、3〜64文字にしてください";
    Self::BirthDateShape =>
        example Self::BirthDateShape,
        en "write it as YYYY-MM-DD",
        ja "YYYY-MM-DD の形で入力してください";
    Self::CredentialNameMissing =>
        example Self::CredentialNameMissing,
        en "give the authenticator a name",
        ja "名前を入力してください";
    Self::TooManyCredentials { max } =>
        example Self::TooManyCredentials { max: 10 },
        en format!("at most {max} authenticators: remove one first"),
        ja format!("登録できるのは {max} 個までです。先に1つ削除してください");
    Self::NoSuchOrganisation =>
        example Self::NoSuchOrganisation,
        en "no such organisation; choose one from the list",
        ja "その団体は見つかりません。一覧から選んでください";
    Self::OfficerPlacement =>
        example Self::OfficerPlacement,
        en "officers belong to associations and cities only; choose another role or organisation",
        ja "担当官は医師会・市区町村にのみ置けます。別の役割か団体を選んでください";
    Self::BroadcastOfficerPlacement =>
        example Self::BroadcastOfficerPlacement,
        en "broadcast officers belong to associations and cities only; ask your association or city to send broadcasts, or choose another role",
        ja "発信担当者は医師会・市区町村にのみ置けます。お知らせの発信は医師会・市区町村に依頼するか、別の役割を選んでください";
    Self::LeftCannotBeReenabled =>
        example Self::LeftCannotBeReenabled,
        en "a person who has left cannot be re-enabled; invite them again",
        ja "退職等で無効にしたアカウントは再開できません。改めて招待してください";
    Self::OnlyRole =>
        example Self::OnlyRole,
        en "this is the person's only role here; disable the account if they have left",
        ja "この人の唯一の役割です。退職の場合はアカウントを無効にしてください";
    Self::VerificationNote =>
        example Self::VerificationNote,
        en "describe in 3 to 500 characters how identity was checked",
        ja "本人確認の方法を3〜500文字で記録してください";
    Self::PersonHasLeft =>
        example Self::PersonHasLeft,
        en "this person has left; invite them again instead",
        ja "このアカウントは無効です。改めて招待してください";
    Self::LedgerFormat =>
        example Self::LedgerFormat,
        en "use json or csv",
        ja "json か csv を指定してください";
    // ── Delivery side (H4) ──
    Self::ContentLengthMismatch { declared, received } =>
        example Self::ContentLengthMismatch { declared: 10, received: 4 },
        en format!("{received} bytes arrived but {declared} were declared; send the file again"),
        ja format!("{declared} バイトの予定が {received} バイト届きました。もう一度送ってください");
    Self::NotBase64 =>
        example Self::NotBase64,
        en "send standard base64",
        ja "標準の base64 で送ってください";
    Self::BodySize { max } =>
        example Self::BodySize { max: 262_144 },
        en format!("must be 1 to {max} bytes"),
        ja format!("1〜{max} バイトにしてください");
    Self::IdempotencyKey =>
        example Self::IdempotencyKey,
        en "1 to 100 characters",
        ja "1〜100文字にしてください";
    Self::SenderDevice =>
        example Self::SenderDevice,
        en "send from one of your live devices",
        ja "ご自身の有効な端末から送ってください";
    Self::CommitToCommits =>
        example Self::CommitToCommits,
        en "send commits to /groups/{group_id}/commits, where they are checked",
        ja "コミットは /groups/{group_id}/commits に送ってください";
    Self::MessageKind =>
        example Self::MessageKind,
        en "use era_key or post",
        ja "era_key または post を指定してください";
    Self::PostOnlyFields =>
        example Self::PostOnlyFields,
        en "urgency and blobs belong to posts only",
        ja "urgency と blobs は投稿にだけ付けられます。外して送ってください";
    Self::TooManyAttachments { max } =>
        example Self::TooManyAttachments { max: 40 },
        en format!("a post may reference at most {max} files; split it"),
        ja format!("1件の投稿に付けられるファイルは {max} 個までです。分けて投稿してください");
    Self::AttachmentNotStored { blob } =>
        example Self::AttachmentNotStored { blob: BLOB },
        en format!("file {blob} was not uploaded (or not completely); upload it again"),
        ja format!("ファイル {blob} はアップロードされていません（途中で止まりました）。もう一度アップロードしてください");
    Self::AttachmentOtherChannel { blob } =>
        example Self::AttachmentOtherChannel { blob: BLOB },
        en format!("file {blob} was uploaded to another room or channel"),
        ja format!("ファイル {blob} は別のルームまたはチャンネルにアップロードされたものです。このチャンネルにアップロードし直してください");
    Self::AttachmentNotYours { blob } =>
        example Self::AttachmentNotYours { blob: BLOB },
        en format!("file {blob} was uploaded by someone else"),
        ja format!("ファイル {blob} は他の人がアップロードしたものです。ご自身でアップロードし直してください");
    Self::AttachmentPosted { blob } =>
        example Self::AttachmentPosted { blob: BLOB },
        en format!("file {blob} belongs to another post already"),
        ja format!("ファイル {blob} は既に別の投稿に付いています。もう一度アップロードしてください");
    Self::PostAddressedElsewhere =>
        example Self::PostAddressedElsewhere,
        en "the post is addressed to another room or channel",
        ja "投稿の宛先が別のルームまたはチャンネルです。アプリを更新してもう一度お試しください";
    Self::PostAuthor =>
        example Self::PostAuthor,
        en "the post's author must be you, on the sending device",
        ja "投稿者は送信している本人・端末でなければなりません。アプリを更新してもう一度お試しください";
    Self::DeviceName =>
        example Self::DeviceName,
        en "give the device a name",
        ja "端末の名前を入力してください";
    Self::TooManyDevices { max } =>
        example Self::TooManyDevices { max: 10 },
        en format!("at most {max} devices: revoke one you no longer use"),
        ja format!("端末は {max} 台までです。使っていない端末を削除してください");
    Self::KeyPackageCount { max } =>
        example Self::KeyPackageCount { max: 100 },
        en format!("send 1 to {max} packages"),
        ja format!("1〜{max} 個送ってください");
    Self::KeyPackageId =>
        example Self::KeyPackageId,
        en "give each package an ID of 1 to 200 characters",
        ja "IDは1〜200文字にしてください";
    Self::KeyPackageIdTaken =>
        example Self::KeyPackageIdTaken,
        en "a package with this ID was uploaded before",
        ja "同じIDのパッケージが既にあります。新しいIDで送ってください";
    Self::GroupId { id } =>
        example Self::GroupId { id: "room/team".into() },
        en format!("the group of this channel must be called {id}"),
        ja format!("このチャンネルのグループIDは {id} にしてください");
    Self::ChannelHasGroup =>
        example Self::ChannelHasGroup,
        en "this channel already has a group",
        ja "このチャンネルには既にグループがあります。そのグループを使ってください";
    Self::WelcomeRequired =>
        example Self::WelcomeRequired,
        en "a commit that adds devices needs their welcome",
        ja "端末を追加するコミットにはウェルカムが必要です。ウェルカムを付けて送ってください";
    Self::SeqNotInLog =>
        example Self::SeqNotInLog,
        en "is not a position in this channel's log; sync and try again",
        ja "このチャンネルにない位置です。同期してからもう一度お試しください";
    Self::ContentLengthShape =>
        example Self::ContentLengthShape,
        en "must be the file's size in bytes",
        ja "ファイルのサイズ（バイト数）を指定してください";
    Self::SealedStateShape { detail } =>
        example Self::SealedStateShape { detail: "truncated".into() },
        en format!("not a sealed room state: {detail}"),
        ja "暗号化されたルーム情報の形式ではありません。アプリを更新してもう一度お試しください";
    Self::SealedStateHeader =>
        example Self::SealedStateHeader,
        en "the sealed state must name this room, its family channel and a revision from 1",
        ja "暗号化されたルーム情報がこのルームの家族チャンネルと版を示していません。アプリを更新してもう一度お試しください";
    Self::SealedStateSigner =>
        example Self::SealedStateSigner,
        en "the sealed state must be signed by one of your live devices",
        ja "暗号化されたルーム情報はあなたの有効な端末で署名してください";
    Self::SealedNameShape =>
        example Self::SealedNameShape,
        en "not a sealed name",
        ja "暗号化された名前の形式ではありません。アプリを更新してもう一度お試しください";
    Self::TimeOfDay =>
        example Self::TimeOfDay,
        en "write a time of day as HH:MM, from 00:00 to 23:59",
        ja "時刻は 00:00〜23:59 の HH:MM の形で入力してください";
    Self::Minutes { min, max } =>
        example Self::Minutes { min: 15, max: 1440 },
        en format!("choose from {min} to {max} minutes"),
        ja format!("{min}〜{max} 分の範囲で選んでください");
    Self::UtcOffset =>
        example Self::UtcOffset,
        en "choose a time zone between UTC-12:00 and UTC+14:00 (Japan: +540 minutes)",
        ja "タイムゾーンは UTC-12:00〜UTC+14:00 の範囲で選んでください（日本は +540 分）";
    Self::QuietHoursEmpty =>
        example Self::QuietHoursEmpty,
        en "quiet hours must end at another time than they start; choose an end time, or turn quiet hours off",
        ja "通知しない時間帯は、開始と終了を別の時刻にするか、オフにしてください";
    Self::EmailAddress =>
        example Self::EmailAddress,
        en "give the e-mail address notifications should go to, like name@example.jp",
        ja "通知を受け取るメールアドレスを name@example.jp の形で入力してください";
    Self::PushKeys =>
        example Self::PushKeys,
        en "the browser's push keys are not valid; turn notifications off and on again in this browser",
        ja "ブラウザーの通知用の鍵が正しくありません。このブラウザーで通知をいったんオフにしてから、もう一度オンにしてください";
    Self::AlertNote =>
        example Self::AlertNote,
        en "write in 1 to 500 characters what was checked and what was done",
        ja "確認したことと対応を1〜500文字で書いてください";
    Self::RetentionYears { min, max } =>
        example Self::RetentionYears { min: 2, max: 5 },
        en format!("choose a whole number of years from {min} to {max}"),
        ja format!("{min}〜{max} 年の範囲で年数を選んでください");
    Self::HoldReason { max } =>
        example Self::HoldReason { max: 500 },
        en format!("say why the records are held (a case or request), in 1 to {max} characters"),
        ja format!("保存する理由（事案や依頼）を1〜{max}文字で入力してください");
});

/// The blob the examples of attachment problems name.
const BLOB: BlobId = BlobId::from_uuid(uuid::Uuid::nil());

// ── Delivery side (H4): why room policy refuses a commit, why an upload conflicts ──

/// The person and device the examples of commit refusals name.
const SOMEONE: (UserId, DeviceId) = (
    UserId::from_uuid(uuid::Uuid::nil()),
    DeviceId::from_uuid(uuid::Uuid::nil()),
);

// The reason inside `commit_not_allowed`, whose own row adds what to do next.
catalogue!(Refusal, code "commit_not_allowed", status StatusCode::FORBIDDEN, {
    Self::NotCommitter =>
        example Self::NotCommitter,
        en "a commit must be made by the device that sends it",
        ja "コミットは送信する端末自身が作成したものでなければなりません";
    Self::NotInChannel { user, device } =>
        example Self::NotInChannel { user: SOMEONE.0, device: SOMEONE.1 },
        en format!("device {device} of {user} is not a live device of someone in this channel"),
        ja format!("端末 {device}（{user}）はこのチャンネルのメンバーの有効な端末ではありません");
    Self::StillInChannel { user, device } =>
        example Self::StillInChannel { user: SOMEONE.0, device: SOMEONE.1 },
        en format!("device {device} of {user} is still in this channel; ask an owner or delegate to remove the person from the room first"),
        ja format!("端末 {device}（{user}）はまだこのチャンネルのメンバーです。先にオーナーまたは代理人がルームから外してください");
    Self::UnregisteredKey { device } =>
        example Self::UnregisteredKey { device: SOMEONE.1 },
        en format!("device {device} is added with a key it did not register"),
        ja format!("端末 {device} が登録されていない鍵で追加されています");
});

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let Row { en, ja, .. } = refusal.row();
        ApiError::CommitNotAllowed { en, ja }
    }
}

/// Why an upload cannot use the blob ID it chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadConflict {
    /// Another attempt is still uploading it.
    InProgress,
    /// Another upload used it.
    Taken,
}

catalogue!(UploadConflict, code "blob_conflict", status StatusCode::CONFLICT, {
    Self::InProgress =>
        example Self::InProgress,
        en "This file is still being uploaded from another attempt. Wait a minute and try again.",
        ja "このファイルは別の送信で転送中です。少し待ってからもう一度お試しください。";
    Self::Taken =>
        example Self::Taken,
        en "This file ID is already in use. Update the app and send the file again.",
        ja "このファイルIDは使用済みです。アプリを更新して、もう一度送ってください。";
});

catalogue!(PasswordProblem {
    Self::TooShort { min } => "password_too_short", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::TooShort { min: 8 },
        en format!("Please use at least {min} characters."),
        ja format!("パスワードは{min}文字以上にしてください。");
    Self::TooLong { max } => "password_too_long", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::TooLong { max: 128 },
        en format!("Please use no more than {max} characters."),
        ja format!("パスワードは{max}文字以内にしてください。");
    Self::MissingLetter => "password_missing_letter", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::MissingLetter,
        en "Please include at least one letter (a-z or A-Z).",
        ja "英字（a〜z、A〜Z）を1文字以上入れてください。";
    Self::MissingDigit => "password_missing_digit", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::MissingDigit,
        en "Please include at least one number (0-9).",
        ja "数字（0〜9）を1文字以上入れてください。";
    Self::MissingSymbol => "password_missing_symbol", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::MissingSymbol,
        en "Please include at least one symbol, such as ! # % or &.",
        ja "記号（! # % & など）を1文字以上入れてください。";
    Self::ContainsLoginId => "password_contains_login_id", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::ContainsLoginId,
        en "Your password cannot contain your login ID. Please choose another.",
        ja "ログインIDはパスワードに使えません。別のパスワードにしてください。";
    Self::ContainsName => "password_contains_name", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::ContainsName,
        en "Your password cannot contain your name. Please choose another.",
        ja "お名前はパスワードに使えません。別のパスワードにしてください。";
    Self::ContainsBirthDate => "password_contains_birth_date", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::ContainsBirthDate,
        en "Your password cannot contain your birthday. Please choose another.",
        ja "生年月日はパスワードに使えません。別のパスワードにしてください。";
    Self::Sequence => "password_sequence", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::Sequence,
        en "Please avoid runs like \"abcd\", \"1234\" or \"qwerty\".",
        ja "「abcd」「1234」「qwerty」のような並びは使えません。別のパスワードにしてください。";
    Self::Common => "password_common", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::Common,
        en "This password is too easy to guess. Please avoid common words and names.",
        ja "よく使われる言葉や名前で、推測されやすいパスワードです。別のパスワードにしてください。";
    Self::Reused => "password_reused", StatusCode::UNPROCESSABLE_ENTITY,
        example Self::Reused,
        en format!("You used this password recently. Please choose one different from your last {REUSE_HISTORY}."),
        ja format!("最近使ったパスワードです。過去{REUSE_HISTORY}回とは違うパスワードにしてください。");
});

impl ApiError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        self.row().code
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let Row { code, en, ja, .. } = self.row();
        let current_epoch = match self {
            ApiError::WrongEpoch { current } => Some(*current),
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code,
                message: en,
                message_ja: ja,
                current_epoch,
            },
        }
    }

    /// An unexpected failure, keeping `source` (an error, or a sentence saying what
    /// should not have happened) for the log.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        ApiError::Internal(source.into())
    }

    /// An unexpected failure of `source` while doing `context` (e.g. "reading a web
    /// client file"): both go to the log, with the source's own chain.
    pub fn internal_in(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        ApiError::Internal(Box::new(InContext {
            context: context.into(),
            source: source.into(),
        }))
    }

    /// A field that cannot be used, for the reason in the catalogue's [`Problem`] row.
    pub fn input(field: &'static str, problem: Problem) -> Self {
        let Row { en, ja, .. } = problem.row();
        ApiError::InvalidInput {
            field,
            problem: en,
            problem_ja: ja,
        }
    }
}

impl From<PasswordProblem> for ApiError {
    fn from(problem: PasswordProblem) -> Self {
        let Row { code, en, ja, .. } = problem.row();
        ApiError::PasswordRejected {
            code,
            message: en,
            message_ja: ja,
        }
    }
}

/// An internal failure with what the server was doing when it happened.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
struct InContext {
    context: String,
    #[source]
    source: BoxError,
}

/// `error` and its sources, outermost first, joined for one log line.
fn source_chain(error: &dyn StdError) -> String {
    let mut chain = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        chain.push_str(": ");
        chain.push_str(&source.to_string());
        next = source.source();
    }
    chain
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.row().status
    }

    fn error_response(&self) -> HttpResponse {
        let row = self.row();
        match self {
            // The whole chain goes to the log; the client gets only the row's wording.
            ApiError::Internal(source) => {
                tracing::error!(code = row.code, detail = %source_chain(source.as_ref()), "request failed");
            }
            ApiError::Unavailable(detail) => tracing::warn!(code = row.code, %detail, "request failed"),
            _ => {}
        }
        let mut response = HttpResponse::build(row.status);
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
            other => ApiError::internal(other),
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
            BlobError::LengthMismatch { declared, received } => ApiError::input(
                "content-length",
                Problem::ContentLengthMismatch { declared, received },
            ),
            BlobError::Config(e) => ApiError::internal(e),
        }
    }
}

/// A required name-like field, trimmed: 1 to `max` characters, else `invalid_input`.
pub fn required_name(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::input(field, Problem::NameLength { max }));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests;
