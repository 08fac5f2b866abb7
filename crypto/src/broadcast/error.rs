//! Why a broadcast or a roster change cannot be signed or opened.

use kizuna_proto::DeviceId;

/// Why a broadcast or roster change was refused. The `Display` text is the English
/// message, [`message_ja`](Self::message_ja) the Japanese one, [`code`](Self::code) the
/// stable snake_case code; each says what to do next.
///
/// Opening checks in this order: the wire fields decode, the signature verifies over
/// the exact bytes ([`BadSignature`](Self::BadSignature)), the bytes parse as the one
/// canonical JSON of the content ([`Malformed`](Self::Malformed)), the key that signed
/// is the one the content names ([`SignerMismatch`](Self::SignerMismatch)), and the
/// content keeps the rules (the other variants).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BroadcastError {
    /// A required text field (the title, the area) is empty or only blanks.
    #[error("`{field}` is empty: fill it in and send again")]
    Empty {
        /// The field at fault.
        field: &'static str,
    },
    /// A text field is longer than allowed, in characters.
    #[error("`{field}` is too long ({actual} > {limit} characters): shorten it and send again")]
    TooLong {
        /// The field at fault.
        field: &'static str,
        /// Its length in characters.
        actual: usize,
        /// The most allowed.
        limit: usize,
    },
    /// A one-line field (title, area) holds a line break or another control character,
    /// which would let it spoof extra lines in a banner.
    #[error("`{field}` contains a line break or control character: keep it on one line")]
    ControlCharacter {
        /// The field at fault.
        field: &'static str,
    },
    /// The expiry is not after the time of issue.
    #[error("the expiry must be after the time of issue: choose a later expiry")]
    ExpiryNotAfterIssue,
    /// The expiry is further ahead than a notice may stay current.
    #[error("the expiry is more than {days} days after issue: choose an earlier expiry and send a new notice later")]
    ExpiryTooFar {
        /// The most days allowed.
        days: u32,
    },
    /// The attachment is not an image (the map people are shown inline).
    #[error("the attachment must be an image (e.g. an evacuation map), not {mime:?}")]
    AttachmentNotImage {
        /// The attachment's MIME type.
        mime: String,
    },
    /// A roster change lists no officer.
    #[error("a roster must list at least one officer")]
    NoOfficers,
    /// A roster change lists more officers than allowed.
    #[error("a roster may list at most {limit} officer devices")]
    TooManyOfficers {
        /// The most allowed.
        limit: usize,
    },
    /// A device or key is listed twice in a roster change.
    #[error("device {device} (or its key) is listed twice in the roster")]
    DuplicateOfficer {
        /// The device listed twice (or the second device with an already listed key).
        device: DeviceId,
    },
    /// A roster change's version and link to the previous change disagree: version 1
    /// links to nothing, every later version to the change before it.
    #[error("roster version {version} has a wrong link to the previous version")]
    BadLink {
        /// The version stated.
        version: u64,
    },
    /// Version 1 of a roster is not signed by one of the officers it lists.
    #[error("the first roster is not signed by one of its own officers")]
    GenesisNotSelfSigned,
    /// The signed bytes are larger than any valid notice.
    #[error("the signed data is too large ({actual} > {limit} bytes)")]
    TooLarge {
        /// The size received.
        actual: usize,
        /// The largest valid size.
        limit: usize,
    },
    /// The signature does not verify over the exact bytes received: the content was
    /// altered after signing (by the server or on the way), or it was never signed by
    /// the key it names.
    #[error("the signature does not verify: the notice was altered or forged")]
    BadSignature,
    /// The content names another officer than the key that signed it: someone signed
    /// in another officer's name.
    #[error("the notice names a different officer than the one whose key signed it")]
    SignerMismatch,
    /// The bytes are not a notice: bad base64, not JSON, unknown or duplicate fields,
    /// trailing data, or not the single canonical encoding.
    #[error("the data cannot be read ({0})")]
    Malformed(String),
}

impl BroadcastError {
    /// A stable snake_case code, for logs and the client's error mapping.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "broadcast_empty_field",
            Self::TooLong { .. } => "broadcast_too_long",
            Self::ControlCharacter { .. } => "broadcast_control_character",
            Self::ExpiryNotAfterIssue => "broadcast_expiry_not_after_issue",
            Self::ExpiryTooFar { .. } => "broadcast_expiry_too_far",
            Self::AttachmentNotImage { .. } => "broadcast_attachment_not_image",
            Self::NoOfficers => "roster_no_officers",
            Self::TooManyOfficers { .. } => "roster_too_many_officers",
            Self::DuplicateOfficer { .. } => "roster_duplicate_officer",
            Self::BadLink { .. } => "roster_bad_link",
            Self::GenesisNotSelfSigned => "roster_genesis_not_self_signed",
            Self::TooLarge { .. } => "broadcast_too_large",
            Self::BadSignature => "broadcast_bad_signature",
            Self::SignerMismatch => "broadcast_signer_mismatch",
            Self::Malformed(_) => "broadcast_malformed",
        }
    }

    /// The field at fault, for a content rule the sender can correct.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Empty { field } | Self::TooLong { field, .. } | Self::ControlCharacter { field } => {
                Some(field)
            }
            Self::ExpiryNotAfterIssue | Self::ExpiryTooFar { .. } => Some("expires_at"),
            Self::AttachmentNotImage { .. } => Some("attachment"),
            Self::NoOfficers | Self::TooManyOfficers { .. } | Self::DuplicateOfficer { .. } => {
                Some("officers")
            }
            _ => None,
        }
    }

    /// The message in Japanese (the `Display` text is the English one).
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty { field } => format!("`{field}` が空です。入力してもう一度送ってください。"),
            Self::TooLong { field, actual, limit } => {
                format!("`{field}` が長すぎます（{actual} > {limit} 文字）。短くしてもう一度送ってください。")
            }
            Self::ControlCharacter { field } => {
                format!("`{field}` に改行または制御文字が含まれています。1 行にしてください。")
            }
            Self::ExpiryNotAfterIssue => "有効期限は発信時刻より後にしてください。".into(),
            Self::ExpiryTooFar { days } => format!(
                "有効期限が発信から {days} 日を超えています。期限を早め、必要なら後で改めて発信してください。"
            ),
            Self::AttachmentNotImage { mime } => {
                format!("添付は画像（避難地図など）にしてください（{mime:?} は使えません）。")
            }
            Self::NoOfficers => "名簿には担当者を 1 人以上載せてください。".into(),
            Self::TooManyOfficers { limit } => {
                format!("名簿に載せられる担当者の端末は {limit} 台までです。")
            }
            Self::DuplicateOfficer { device } => {
                format!("端末 {device}（またはその鍵）が名簿に重複しています。")
            }
            Self::BadLink { version } => {
                format!("名簿の版 {version} の前の版へのつながりが正しくありません。")
            }
            Self::GenesisNotSelfSigned => {
                "最初の名簿が、その名簿に載っている担当者の署名ではありません。".into()
            }
            Self::TooLarge { actual, limit } => {
                format!("署名されたデータが大きすぎます（{actual} > {limit} バイト）。")
            }
            Self::BadSignature => "署名を検証できません。改ざんまたは偽造されたお知らせです。".into(),
            Self::SignerMismatch => "お知らせに書かれた担当者と、署名した鍵の担当者が一致しません。".into(),
            Self::Malformed(detail) => format!("データを読み取れません（{detail}）。"),
        }
    }
}
