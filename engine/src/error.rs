//! The engine's one error type.
//!
//! Every failure of the engine reaches the UI as an [`EngineError`]: a stable snake_case
//! `code` for the UI's logic, and what happened plus what to do next in English (`en`)
//! and Japanese (`ja`), ready to show. The browser client throws it as a JS `Error`
//! whose `message` is this object as JSON ([`EngineError::to_json`]), so a `catch`
//! anywhere in the UI can show the right language without knowing which call failed;
//! the native client prints it.

use kizuna_crypto::attachment::AttachmentError;
use kizuna_crypto::broadcast::BroadcastError;
use kizuna_crypto::channel::ChannelError;
use kizuna_crypto::photo::PhotoError;
use kizuna_crypto::{EnvelopeError, MlsError, OpenError, SealError};
use serde::Serialize;

use crate::broadcast::{RosterError, Unverified};

/// What went wrong, for people and for the UI's logic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
// `WebError` in the browser client, which throws it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "WebError"))]
pub struct EngineError {
    /// Stable snake_case code, e.g. `pending_commit` or `attachment_damaged`.
    pub code: &'static str,
    /// What happened and what to do, in English.
    pub en: String,
    /// The same, in Japanese.
    pub ja: String,
    /// For a post that breaks a rule: the field at fault (`temperature_c`, `body`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
}

impl EngineError {
    /// An error with both messages.
    pub fn new(code: &'static str, en: impl Into<String>, ja: impl Into<String>) -> Self {
        Self {
            code,
            en: en.into(),
            ja: ja.into(),
            field: None,
        }
    }

    /// An argument the UI passed cannot be used (bad ID, bad base64, bad JSON).
    pub fn invalid_input(what: &str, detail: impl std::fmt::Display) -> Self {
        Self::new(
            "invalid_input",
            format!("Invalid {what}: {detail}. This is a bug in the app; please report it."),
            format!("{what} が正しくありません（{detail}）。アプリの不具合です。報告してください。"),
        )
    }

    /// The channel handle names a channel this device no longer holds.
    pub fn unknown_channel(group: &str) -> Self {
        Self::new(
            "unknown_channel",
            format!("This device holds no channel {group}. Reload the room."),
            format!("この端末にはチャンネル {group} がありません。ルームを開き直してください。"),
        )
    }

    /// The message as JSON, for a JS `Error`'s `message`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{{\"code\":\"{}\"}}", self.code))
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.en, self.code)
    }
}

impl From<MlsError> for EngineError {
    fn from(e: MlsError) -> Self {
        let code = match &e {
            MlsError::Malformed { .. } => "mls_malformed",
            MlsError::WrongGroup => "mls_wrong_group",
            MlsError::WrongEpoch { .. } => "mls_wrong_epoch",
            MlsError::ForeignCredential => "mls_foreign_credential",
            MlsError::NotAMember(_) => "mls_not_a_member",
            MlsError::EmptyInput => "mls_empty_input",
            MlsError::Evicted => "channel_inactive",
            MlsError::Mls { .. } => "mls_failed",
            MlsError::State(_) => "state_invalid",
        };
        let (en_next, ja_next) = match &e {
            MlsError::WrongEpoch { .. } => (
                "Fetch the channel's earlier entries first.",
                "先にチャンネルの以前の記録を取得してください。",
            ),
            MlsError::Evicted => (
                "This device is no longer in the channel.",
                "この端末はもうチャンネルに参加していません。",
            ),
            _ => (
                "Sync again; if it persists, please report it.",
                "もう一度同期してください。続く場合は報告してください。",
            ),
        };
        Self::new(
            code,
            format!("Encryption failed: {e}. {en_next}"),
            format!("暗号処理に失敗しました（{e}）。{ja_next}"),
        )
    }
}

impl From<ChannelError> for EngineError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Mls(e) => e.into(),
            ChannelError::Post(e) => e.into(),
            ChannelError::Seal(e) => e.into(),
            ChannelError::UnknownEra(era) => Self::new(
                "unknown_era",
                format!("The key of era {era} has not arrived yet: the post opens once it does."),
                format!("期間 {era} の鍵がまだ届いていません。届きしだい投稿を表示します。"),
            ),
            ChannelError::NotAMemberInEra { device, era } => Self::new(
                "post_not_a_member",
                format!("Refused: device {device} was not in the channel in era {era}, so it cannot have written this post."),
                format!("拒否しました：端末 {device} は期間 {era} にチャンネルのメンバーではなく、この投稿を書けません。"),
            ),
            ChannelError::WrongUser { device, user } => Self::new(
                "post_wrong_user",
                format!("Refused: device {device} does not belong to user {user}."),
                format!("拒否しました：端末 {device} はユーザー {user} のものではありません。"),
            ),
            ChannelError::SenderMismatch { sender, author } => Self::new(
                "post_sender_mismatch",
                format!("Refused: a post by device {author} was sent by device {sender}."),
                format!("拒否しました：端末 {author} の投稿が端末 {sender} から送られています。"),
            ),
            ChannelError::ReplayedPost { post, first_seq, seq } => Self::new(
                "post_replayed",
                format!("Refused: the post at #{seq} is a replayed copy of post #{first_seq} ({post}); it is shown once."),
                format!("拒否しました：#{seq} の投稿は #{first_seq} の投稿（{post}）の再送です。一度だけ表示します。"),
            ),
            ChannelError::WrongChannel { expected } => Self::new(
                "wrong_channel",
                format!("Refused: the message belongs to another room or channel than {expected}."),
                format!("拒否しました：このメッセージは {expected} 以外のルームまたはチャンネルのものです。"),
            ),
            ChannelError::Malformed(what) => Self::new(
                "malformed",
                format!("A message could not be read ({what}); it was skipped."),
                format!("メッセージを読み取れませんでした（{what}）。スキップしました。"),
            ),
            ChannelError::EraConflict(era) => Self::new(
                "era_conflict",
                format!("Refused: a member sent a second, different key for era {era}."),
                format!("拒否しました：期間 {era} について別の鍵が送られました。"),
            ),
            ChannelError::Inactive => Self::new(
                "channel_inactive",
                "This device is no longer a member of the channel.",
                "この端末はもうチャンネルのメンバーではありません。",
            ),
            ChannelError::PendingCommit => Self::new(
                "pending_commit",
                "A membership change awaits the server's answer: call commit_accepted or commit_rejected first.",
                "メンバー変更がサーバーの応答待ちです。先に commit_accepted か commit_rejected を呼んでください。",
            ),
            ChannelError::NoPendingCommit => Self::new(
                "no_pending_commit",
                "No membership change is waiting for the server's answer.",
                "サーバーの応答を待っているメンバー変更はありません。",
            ),
            ChannelError::State(why) => Self::new(
                "state_invalid",
                format!("The saved data cannot be used ({why}). Sign in again on this device."),
                format!("保存データを使えません（{why}）。この端末でもう一度サインインしてください。"),
            ),
        }
    }
}

impl From<OpenError> for EngineError {
    fn from(e: OpenError) -> Self {
        let refused = |code, en: &str, ja: &str| {
            Self::new(
                code,
                format!("Post refused: {en}."),
                format!("投稿を拒否しました：{ja}。"),
            )
        };
        match e {
            OpenError::WrongRoom { .. } => refused(
                "post_wrong_room",
                "it belongs to another room",
                "別のルームの投稿です",
            ),
            OpenError::WrongChannel { .. } => refused(
                "post_wrong_channel",
                "it belongs to another channel",
                "別のチャンネルの投稿です",
            ),
            OpenError::UnknownEra(era) => ChannelError::UnknownEra(era).into(),
            OpenError::BadSignature => refused(
                "post_bad_signature",
                "its signature does not verify (altered, or not by its author)",
                "署名を検証できません（改ざんされたか、本人の投稿ではありません）",
            ),
            OpenError::DecryptFailed => {
                refused("post_decrypt_failed", "it does not decrypt", "復号できません")
            }
            OpenError::BadPadding(_) => refused(
                "post_bad_padding",
                "its padding is malformed (altered, or a faulty client)",
                "パディングが不正です（改ざん、または送信側の不具合）",
            ),
            OpenError::TooLarge { .. } => refused(
                "post_too_large",
                "it is larger than any valid post",
                "大きすぎます",
            ),
            OpenError::Envelope(e) => {
                let mut error = EngineError::from(e);
                error.code = "post_invalid_content";
                error
            }
        }
    }
}

impl From<SealError> for EngineError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Envelope(e) => e.into(),
            other => Self::new(
                "internal",
                format!("The post could not be encrypted ({other}). Please report this."),
                format!("投稿を暗号化できませんでした（{other}）。報告してください。"),
            ),
        }
    }
}

impl From<EnvelopeError> for EngineError {
    fn from(e: EnvelopeError) -> Self {
        let (field, en, ja) = match &e {
            EnvelopeError::Vitals(v) | EnvelopeError::Thresholds(v) => {
                (v.field.to_owned(), v.en.clone(), v.ja.clone())
            }
            EnvelopeError::UnsupportedVersion(v) => (
                "version".to_owned(),
                format!("This post uses format version {v}, which this app does not know: update Kizuna."),
                format!(
                    "この投稿は形式バージョン {v} で、このアプリでは読めません。Kizuna を更新してください。"
                ),
            ),
            EnvelopeError::TooLarge { field, actual, limit } => (
                (*field).to_owned(),
                format!("`{field}` is too large ({actual} > {limit}): shorten it and send again."),
                format!("`{field}` が大きすぎます（{actual} > {limit}）。短くしてもう一度送ってください。"),
            ),
            EnvelopeError::Malformed(detail) => (
                malformed_field(detail),
                format!("Nothing was sent: {detail}. Correct it and send again."),
                format!("送信していません：{detail}。修正してもう一度送ってください。"),
            ),
        };
        let code = match e {
            EnvelopeError::Vitals(_) => "invalid_vitals",
            EnvelopeError::Thresholds(_) => "invalid_thresholds",
            _ => "invalid_post",
        };
        Self {
            code,
            en,
            ja,
            field: Some(field),
        }
    }
}

/// The field a "malformed" message names in backticks (serde's and the payload
/// checks' convention), else the first dotted word it starts with, else `envelope`.
fn malformed_field(detail: &str) -> String {
    if let Some(rest) = detail.split_once('`').map(|(_, rest)| rest) {
        if let Some((field, _)) = rest.split_once('`') {
            return field.to_owned();
        }
    }
    let first = detail.split_whitespace().next().unwrap_or("");
    if first.contains('.')
        && first
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    {
        return first.to_owned();
    }
    "envelope".to_owned()
}

impl From<AttachmentError> for EngineError {
    fn from(e: AttachmentError) -> Self {
        Self::new(e.code(), e.to_string(), e.message_ja())
    }
}

impl From<PhotoError> for EngineError {
    fn from(e: PhotoError) -> Self {
        Self::new(e.code(), e.to_string(), e.message_ja())
    }
}

impl From<BroadcastError> for EngineError {
    fn from(e: BroadcastError) -> Self {
        Self {
            field: e.field().map(str::to_owned),
            ..Self::new(e.code(), e.to_string(), e.message_ja())
        }
    }
}

impl From<RosterError> for EngineError {
    fn from(e: RosterError) -> Self {
        Self::new(e.code(), e.to_string(), e.message_ja())
    }
}

impl From<&Unverified> for EngineError {
    fn from(reason: &Unverified) -> Self {
        Self::new(reason.code(), reason.en(), reason.ja())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kizuna_crypto::content::VitalsError;

    #[test]
    fn errors_serialise_as_code_and_both_messages() {
        let json: serde_json::Value =
            serde_json::from_str(&EngineError::from(ChannelError::PendingCommit).to_json()).unwrap();
        assert_eq!(json["code"], "pending_commit");
        assert!(json["en"].as_str().unwrap().contains("commit_accepted"));
        assert!(json["ja"].as_str().unwrap().contains("応答待ち"));
        assert!(json.get("field").is_none());
    }

    #[test]
    fn envelope_errors_name_the_field() {
        let vitals = EnvelopeError::Vitals(VitalsError {
            field: "temperature_c",
            en: "too hot".into(),
            ja: "高すぎ".into(),
        });
        let e = EngineError::from(vitals);
        assert_eq!(
            (e.code, e.field.as_deref(), e.ja.as_str()),
            ("invalid_vitals", Some("temperature_c"), "高すぎ")
        );
        let e = EngineError::from(EnvelopeError::Malformed(
            "a vitals post needs the field `vitals`".into(),
        ));
        assert_eq!(e.field.as_deref(), Some("vitals"));
        let e = EngineError::from(EnvelopeError::Malformed(
            "photo.width 0 is outside 1..=20000".into(),
        ));
        assert_eq!(e.field.as_deref(), Some("photo.width"));
        let e = EngineError::from(EnvelopeError::Malformed("post refers to itself".into()));
        assert_eq!(e.field.as_deref(), Some("envelope"));
    }

    #[test]
    fn refused_posts_say_why_in_both_languages() {
        let e = EngineError::from(ChannelError::Post(OpenError::BadSignature));
        assert_eq!(e.code, "post_bad_signature");
        assert!(e.en.starts_with("Post refused"));
        assert!(e.ja.starts_with("投稿を拒否しました"));
    }
}
