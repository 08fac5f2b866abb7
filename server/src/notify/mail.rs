//! Notification e-mail over SMTP (lettre). Every subject and body is fixed text in
//! Japanese and English with counts and a link: never a name, a room's client or a
//! word of a post. The mail server learns that this address has something new in
//! Kizuna, and when.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why the mail server could not be set up or a mail not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `smtp_url` or `mail_from` cannot be used.
    #[error("mail configuration: {0}")]
    Config(String),
    /// The message could not be built (a bad address).
    #[error("building the message: {0}")]
    Build(String),
    /// The mail server refused or could not be reached.
    #[error("sending: {0}")]
    Send(String),
}

/// What a notification e-mail says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mail {
    /// A new urgent post.
    Urgent,
    /// An urgent post the reader has still not read.
    Escalation,
    /// The author's urgent post that `unread` people have not read.
    UnreadReport {
        /// How many have not read it.
        unread: usize,
    },
    /// To a facility's administrator: `count` new security alerts.
    SecurityAlert {
        /// How many.
        count: i64,
    },
    /// The digest: `posts` new posts in `rooms` rooms.
    Digest {
        /// Posts.
        posts: i64,
        /// Rooms.
        rooms: i64,
    },
}

impl Mail {
    /// The subject: Japanese, then English.
    pub fn subject(self) -> String {
        match self {
            Mail::Urgent => "Kizuna: 新しい至急の投稿があります / Kizuna: there is a new urgent post".into(),
            Mail::Escalation => "Kizuna: 至急の投稿がまだ読まれていません / Kizuna: an urgent post is still unread".into(),
            Mail::UnreadReport { .. } => {
                "Kizuna: あなたの至急の投稿を読んでいない人がいます / Kizuna: some have not read your urgent post".into()
            }
            Mail::Digest { posts, .. } => format!("Kizuna: 新しい投稿が {posts} 件あります / Kizuna: {posts} new posts"),
            Mail::SecurityAlert { count } => {
                format!("Kizuna: セキュリティ通知が {count} 件あります / Kizuna: {count} new security alerts")
            }
        }
    }

    /// The body, with a link to Kizuna.
    pub fn body(self, public_url: &str) -> String {
        let (ja, en) = match self {
            Mail::Urgent => (
                "新しい至急の投稿があります。Kizuna を開いて確認してください。".to_owned(),
                "There is a new urgent post. Open Kizuna to read it.".to_owned(),
            ),
            Mail::Escalation => (
                "至急の投稿がまだ読まれていません。Kizuna を開いて確認してください。".to_owned(),
                "An urgent post has not been read yet. Open Kizuna to read it.".to_owned(),
            ),
            Mail::UnreadReport { unread } => (
                format!(
                    "あなたの至急の投稿を {unread} 人がまだ読んでいません。必要なら電話で連絡してください。"
                ),
                format!("{unread} people have not read your urgent post yet. Call them if it cannot wait."),
            ),
            Mail::SecurityAlert { count } => (
                format!("確認が必要なセキュリティ通知が {count} 件あります。Kizuna の「管理」から「セキュリティ通知」を開いて確認してください。"),
                format!("There are {count} new security alerts to check. Open Kizuna, Administration, Security alerts."),
            ),
            Mail::Digest { posts, rooms } => (
                format!("{rooms} 件のルームに新しい投稿が合計 {posts} 件あります。"),
                format!("There are {posts} new posts in {rooms} rooms."),
            ),
        };
        format!(
            "{ja}\n{public_url}\n\n{en}\n{public_url}\n\n\
             通知の設定は Kizuna の「設定」で変えられます。\n\
             You can change notifications in Kizuna's settings.\n"
        )
    }
}

/// The configured mail server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer {{ from: {}, server: *** }}", self.from)
    }
}

impl Mailer {
    /// A mailer for `smtp_url`, sending as `from`.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, MailError> {
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Config(format!("mail_from: {e}")))?;
        // The URL may hold a password: say what is wrong without repeating it.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| MailError::Config("smtp_url is not a valid smtp:// or smtps:// URL".into()))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Self { transport, from })
    }

    /// Sends `mail` to `to`.
    pub async fn send(&self, to: &str, mail: Mail, public_url: &str) -> Result<(), MailError> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body(public_url))
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Send(e.to_string()))?;
        Ok(())
    }
}
