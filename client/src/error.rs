//! The client's one error type. Server refusals keep the server's stable code, status
//! and both messages; everything else says in plain words what failed and, through
//! [`ClientError::messages`], what a person can do about it, in English and Japanese.

use std::path::PathBuf;

use kizuna_crypto::attachment::AttachmentError;
use kizuna_crypto::channel::ChannelError;
use kizuna_crypto::photo::PhotoError;
use kizuna_crypto::{EnvelopeError, MlsError};
use kizuna_engine::EngineError;
use kizuna_proto::{Channel, RoomId};
use serde_json::Value;

/// What went wrong in a client operation.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error: its HTTP status, stable code and message.
    #[error("the server refused ({status} {code}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's stable snake_case code, e.g. `wrong_epoch` or `not_found`.
        code: String,
        /// The server's message in English.
        message: String,
        /// The server's message in Japanese (the English one if the server sent none).
        message_ja: String,
        /// For `wrong_epoch`: the group's current epoch, if the server said.
        current_epoch: Option<u64>,
    },
    /// The server could not be reached, or the connection broke mid-request.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// The server's answer does not follow the protocol (bad JSON, missing field,
    /// undecodable base64, unknown frame).
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The software authenticator failed or refused the ceremony.
    #[error("authenticator: {0}")]
    Authenticator(String),
    /// The MLS layer of the crypto core failed (key packages, joining, state).
    #[error("MLS: {0}")]
    Mls(#[from] MlsError),
    /// The channel layer of the crypto core failed (commits, era keys, posts, sealed
    /// state).
    #[error("channel: {0}")]
    Channel(#[from] ChannelError),
    /// The local state file or its key file could not be read, written or parsed.
    #[error("state file {path}: {reason}")]
    State {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The state file or its key file can be read by other users of this machine.
    #[error("{path} is readable by other users (mode {mode:o}); run `chmod 600` on it")]
    InsecureState {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The operation needs a signed-in account and this state has none (or its
    /// session ended).
    #[error("not signed in")]
    NotSignedIn,
    /// The state has no software authenticator to sign in with.
    #[error("this state file holds no authenticator")]
    NoAuthenticator,
    /// The state belongs to another account than the one asked for.
    #[error("this state file belongs to {0}")]
    OtherAccount(String),
    /// This device is not (or no longer) in the channel's MLS group.
    #[error("not in the {channel} channel of room {room}")]
    NotInChannel {
        /// The room.
        room: RoomId,
        /// The channel.
        channel: Channel,
    },
    /// The person may not read or write this channel of the room (e.g. family and the
    /// team channel), or is not in the room at all.
    #[error("no access to the {channel} channel of room {room}")]
    NoChannelAccess {
        /// The room.
        room: RoomId,
        /// The channel.
        channel: Channel,
    },
    /// An argument cannot be used (bad link, bad ID, empty text).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Other members kept changing the group; gave up after this many attempts.
    #[error("the group kept changing; gave up after {0} attempts")]
    TooManyConflicts(u32),
    /// An attachment could not be encrypted, or a downloaded one is damaged or was
    /// altered (it is not shown).
    #[error("attachment: {0}")]
    Attachment(#[from] AttachmentError),
    /// A photo could not be prepared (not an image, damaged, too large, unsupported).
    #[error("photo: {0}")]
    Photo(#[from] PhotoError),
    /// A post's content breaks a rule (e.g. an impossible vital sign): nothing sent.
    #[error("post: {0}")]
    Envelope(#[from] EnvelopeError),
    /// A rule of the client engine refused it (e.g. a notice that names another
    /// device as its signer); its own code and words.
    #[error("{}", .0.en)]
    Engine(EngineError),
}

/// A shorthand for the client's results.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

impl ClientError {
    /// A stable snake_case code for scripts (`--json` output): the server's own code
    /// for server refusals.
    pub fn code(&self) -> &str {
        match self {
            Self::Server { code, .. } => code,
            Self::Network(_) => "network",
            Self::Protocol(_) => "protocol",
            Self::Authenticator(_) => "authenticator",
            Self::Mls(_) => "mls",
            Self::Channel(_) => "channel",
            Self::State { .. } => "state_file",
            Self::InsecureState { .. } => "insecure_state_file",
            Self::NotSignedIn => "not_signed_in",
            Self::NoAuthenticator => "no_authenticator",
            Self::OtherAccount(_) => "other_account",
            Self::NotInChannel { .. } => "not_in_channel",
            Self::NoChannelAccess { .. } => "no_channel_access",
            Self::InvalidInput(_) => "invalid_input",
            Self::TooManyConflicts(_) => "too_many_conflicts",
            Self::Attachment(e) => e.code(),
            Self::Photo(e) => e.code(),
            Self::Envelope(_) => "invalid_post",
            Self::Engine(e) => e.code,
        }
    }

    /// The HTTP status, for server refusals.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the server said the resource is not there (or not there for us).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// What happened and what to do, for people: (English, Japanese).
    pub fn messages(&self) -> (String, String) {
        match self {
            Self::Engine(e) => (e.en.clone(), e.ja.clone()),
            Self::Server {
                message, message_ja, ..
            } => (message.clone(), message_ja.clone()),
            Self::Network(detail) => (
                format!("Cannot reach the server ({detail}). Check the address and the network, then try again."),
                format!("サーバーに接続できません（{detail}）。アドレスとネットワークを確認して、もう一度お試しください。"),
            ),
            Self::Protocol(detail) => (
                format!("The server's answer could not be understood ({detail}). Update the client."),
                format!("サーバーの応答を理解できませんでした（{detail}）。クライアントを更新してください。"),
            ),
            Self::Authenticator(detail) => (
                format!("The authenticator failed ({detail})."),
                format!("認証器でエラーが発生しました（{detail}）。"),
            ),
            Self::Mls(e) => (
                format!("Encryption failed: {e}."),
                format!("暗号処理に失敗しました: {e}"),
            ),
            Self::Channel(e) => (
                format!("Encryption failed: {e}."),
                format!("暗号処理に失敗しました: {e}"),
            ),
            Self::State { path, reason } => (
                format!("The state file {} cannot be used: {reason}.", path.display()),
                format!("状態ファイル {} を使えません: {reason}", path.display()),
            ),
            Self::InsecureState { path, mode } => (
                format!(
                    "{} can be read by other users (mode {mode:o}). Run `chmod 600` on it.",
                    path.display()
                ),
                format!(
                    "{} を他のユーザーが読めます（モード {mode:o}）。`chmod 600` を実行してください。",
                    path.display()
                ),
            ),
            Self::NotSignedIn => (
                "You are not signed in. Run `kizuna sign-in` first.".into(),
                "サインインしていません。先に `kizuna sign-in` を実行してください。".into(),
            ),
            Self::NoAuthenticator => (
                "This state file holds no authenticator. Register with an invitation link first.".into(),
                "この状態ファイルには認証器がありません。先に招待リンクで登録してください。".into(),
            ),
            Self::OtherAccount(login) => (
                format!("This state file belongs to {login}. Use another file for another account."),
                format!("この状態ファイルは {login} のものです。別のアカウントには別のファイルを使ってください。"),
            ),
            Self::NotInChannel { room, channel } => (
                format!("You are not (or no longer) in the {channel} channel of room {room}. A member adds you when they next sync."),
                format!("ルーム {room} の {channel} チャンネルに参加していません。他のメンバーの同期時に追加されます。"),
            ),
            Self::NoChannelAccess { room, channel } => (
                format!("You have no access to the {channel} channel of room {room}: your role in the room does not include it. Ask the room's owner if you need it."),
                format!("ルーム {room} の {channel} チャンネルを見る権限がありません（このルームでの役割に含まれていません）。必要な場合はルームの管理者に相談してください。"),
            ),
            Self::InvalidInput(detail) => (
                format!("Invalid input: {detail}."),
                format!("入力が正しくありません: {detail}"),
            ),
            Self::TooManyConflicts(n) => (
                format!("Others kept changing the group ({n} attempts). Try again in a moment."),
                format!("他のメンバーがグループを変更し続けています（{n} 回試行）。少し待ってからもう一度お試しください。"),
            ),
            Self::Attachment(e) => (e.to_string(), e.message_ja()),
            Self::Photo(e) => (e.to_string(), e.message_ja()),
            Self::Envelope(e) => (
                format!("Nothing was sent: {e}. Correct it and send again."),
                format!("送信していません：{e}。修正してもう一度送ってください。"),
            ),
        }
    }

    /// Reads a server error answer. Accepts the server's
    /// `{"error":{"code","message","message_ja","current_epoch"}}` and the flatter
    /// `{"code","message":{"en","ja"},"current"}` form; anything else keeps the status
    /// and the raw text.
    pub(crate) fn from_answer(status: u16, text: &str) -> Self {
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let detail = value.get("error").filter(|e| e.is_object()).unwrap_or(&value);
        let code = detail
            .get("code")
            .and_then(Value::as_str)
            .map_or_else(|| format!("http_{status}"), str::to_owned);
        let (message, message_ja) = match detail.get("message") {
            Some(Value::String(en)) => {
                let ja = detail.get("message_ja").and_then(Value::as_str).unwrap_or(en);
                (en.clone(), ja.to_owned())
            }
            Some(Value::Object(map)) => {
                let en = map.get("en").and_then(Value::as_str).unwrap_or_default();
                let ja = map.get("ja").and_then(Value::as_str).unwrap_or(en);
                (en.to_owned(), ja.to_owned())
            }
            _ => {
                let raw: String = text.chars().take(200).collect();
                (raw.clone(), raw)
            }
        };
        let current_epoch = ["current_epoch", "current"]
            .iter()
            .find_map(|k| detail.get(*k).and_then(Value::as_u64));
        Self::Server {
            status,
            code,
            message,
            message_ja,
            current_epoch,
        }
    }
}

impl From<EngineError> for ClientError {
    fn from(e: EngineError) -> Self {
        Self::Engine(e)
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        // Without the URL: it can carry a group or room ID, which is fine, but never
        // more than the caller already knows.
        Self::Network(e.without_url().to_string())
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for ClientError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        Self::Network(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_code_status_messages_and_epoch() {
        let body = r#"{"error":{"code":"wrong_epoch","message":"Someone changed it","message_ja":"変更されました","current_epoch":4}}"#;
        let ClientError::Server {
            status,
            code,
            message,
            message_ja,
            current_epoch,
        } = ClientError::from_answer(409, body)
        else {
            panic!("not a server error");
        };
        assert_eq!(
            (
                status,
                code.as_str(),
                message.as_str(),
                message_ja.as_str(),
                current_epoch
            ),
            (
                409,
                "wrong_epoch",
                "Someone changed it",
                "変更されました",
                Some(4)
            )
        );
    }

    #[test]
    fn the_flat_contract_form_and_garbage_are_read_too() {
        let flat = ClientError::from_answer(
            409,
            r#"{"code":"wrong_epoch","message":{"en":"E","ja":"J"},"current":7}"#,
        );
        assert_eq!(flat.code(), "wrong_epoch");
        assert_eq!(flat.messages(), ("E".into(), "J".into()));
        assert!(matches!(
            flat,
            ClientError::Server {
                current_epoch: Some(7),
                ..
            }
        ));
        let garbage = ClientError::from_answer(502, "<html>bad gateway</html>");
        assert_eq!((garbage.code(), garbage.status()), ("http_502", Some(502)));
    }
}
