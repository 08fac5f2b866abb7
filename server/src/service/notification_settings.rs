//! Each person's notification settings: push, e-mail, digest, quiet hours. What
//! notifications say is fixed and content-free (see [`crate::notify`]); these
//! settings only choose which reach whom and when.

use kizuna_proto::{Timestamp, UserId};
use kizuna_storage::notifications::{self, NotificationSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Which posts reach a person's browsers as a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushLevel {
    /// None.
    Off,
    /// Urgent posts only (the default).
    Urgent,
    /// Every post.
    All,
}

/// Which posts reach a person by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailLevel {
    /// None (the default).
    Off,
    /// Urgent posts, at once.
    Urgent,
    /// Urgent posts at once and the others counted in a digest.
    Digest,
}

impl PushLevel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Urgent => "urgent",
            Self::All => "all",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "off" => Self::Off,
            "all" => Self::All,
            _ => Self::Urgent,
        }
    }
}

impl EmailLevel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Urgent => "urgent",
            Self::Digest => "digest",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "urgent" => Self::Urgent,
            "digest" => Self::Digest,
            _ => Self::Off,
        }
    }
}

/// Hours without notifications, in the person's local time (`HH:MM`). Over
/// midnight when `start` is later than `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// When they begin, e.g. `22:00`.
    pub start: String,
    /// When they end, e.g. `07:00`.
    pub end: String,
}

/// A person's notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsBody {
    /// Which posts reach my browsers as a push.
    pub push: PushLevel,
    /// Which posts reach me by e-mail.
    pub email: EmailLevel,
    /// Where e-mail goes.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Minutes between digests (15 to 1440).
    #[serde(default = "default_digest_minutes")]
    pub digest_minutes: i64,
    /// Hours without notifications, or none.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// My local time minus UTC, in minutes (Japan: 540).
    #[serde(default = "default_offset")]
    pub utc_offset_minutes: i64,
    /// Whether urgent posts still notify during the quiet hours.
    #[serde(default = "default_true")]
    pub urgent_in_quiet_hours: bool,
}

/// My settings, and whether this server can send e-mail at all.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationSettingsView {
    /// The settings.
    #[serde(flatten)]
    pub settings: NotificationSettingsBody,
    /// False when the server has no mail server configured: e-mail stays off.
    pub email_available: bool,
}

fn default_digest_minutes() -> i64 {
    60
}

fn default_offset() -> i64 {
    540
}

fn default_true() -> bool {
    true
}

impl Default for NotificationSettingsBody {
    fn default() -> Self {
        Self {
            push: PushLevel::Urgent,
            email: EmailLevel::Off,
            email_address: None,
            digest_minutes: default_digest_minutes(),
            quiet_hours: None,
            utc_offset_minutes: default_offset(),
            urgent_in_quiet_hours: true,
        }
    }
}

/// The settings in force for one person, as the sender reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// Push level.
    pub push: PushLevel,
    /// E-mail level.
    pub email: EmailLevel,
    /// Where e-mail goes.
    pub email_address: Option<String>,
    /// Minutes between digests.
    pub digest_minutes: i64,
    /// Quiet hours as minutes after local midnight.
    pub quiet: Option<(i64, i64)>,
    /// Local time minus UTC, in minutes.
    pub utc_offset_minutes: i64,
    /// Whether urgent posts notify in the quiet hours.
    pub urgent_in_quiet_hours: bool,
}

impl Preferences {
    /// The stored settings, or the defaults.
    pub fn of(stored: Option<NotificationSettings>) -> Self {
        match stored {
            None => Self::from_body(&NotificationSettingsBody::default()),
            Some(s) => Self {
                push: PushLevel::parse(&s.push),
                email: EmailLevel::parse(&s.email),
                email_address: s.email_address,
                digest_minutes: s.digest_minutes,
                quiet: s.quiet_start.zip(s.quiet_end),
                utc_offset_minutes: s.utc_offset_minutes,
                urgent_in_quiet_hours: s.urgent_in_quiet_hours,
            },
        }
    }

    fn from_body(body: &NotificationSettingsBody) -> Self {
        Self {
            push: body.push,
            email: body.email,
            email_address: body.email_address.clone(),
            digest_minutes: body.digest_minutes,
            quiet: None,
            utc_offset_minutes: body.utc_offset_minutes,
            urgent_in_quiet_hours: body.urgent_in_quiet_hours,
        }
    }

    /// Whether `now` falls in the person's quiet hours.
    pub fn is_quiet(&self, now: Timestamp) -> bool {
        let Some((start, end)) = self.quiet else {
            return false;
        };
        let minute = (now.0.div_euclid(60_000) + self.utc_offset_minutes).rem_euclid(24 * 60);
        if start < end {
            (start..end).contains(&minute)
        } else {
            minute >= start || minute < end
        }
    }

    /// Whether an urgent notification may go now.
    pub fn urgent_now(&self, now: Timestamp) -> bool {
        self.urgent_in_quiet_hours || !self.is_quiet(now)
    }
}

fn body_of(p: &Preferences) -> NotificationSettingsBody {
    let hhmm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    NotificationSettingsBody {
        push: p.push,
        email: p.email,
        email_address: p.email_address.clone(),
        digest_minutes: p.digest_minutes,
        quiet_hours: p.quiet.map(|(s, e)| QuietHours {
            start: hhmm(s),
            end: hhmm(e),
        }),
        utc_offset_minutes: p.utc_offset_minutes,
        urgent_in_quiet_hours: p.urgent_in_quiet_hours,
    }
}

/// Minutes after midnight of `HH:MM`.
fn minutes_of(field: &'static str, text: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::input(field, Problem::TimeOfDay);
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// My settings.
pub async fn get(state: &AppState, user: UserId) -> Result<NotificationSettingsView, ApiError> {
    let stored = state
        .read(move |conn| Ok(notifications::settings(conn, user)?))
        .await?;
    Ok(NotificationSettingsView {
        settings: body_of(&Preferences::of(stored)),
        email_available: state.notifier.email_available(),
    })
}

/// Replaces my settings. E-mail other than `off` needs a mail server and an
/// address.
pub async fn put(
    state: &AppState,
    user: UserId,
    body: NotificationSettingsBody,
) -> Result<NotificationSettingsView, ApiError> {
    if !(15..=1440).contains(&body.digest_minutes) {
        return Err(ApiError::input(
            "digest_minutes",
            Problem::Minutes { min: 15, max: 1440 },
        ));
    }
    if !(-720..=840).contains(&body.utc_offset_minutes) {
        return Err(ApiError::input("utc_offset_minutes", Problem::UtcOffset));
    }
    let quiet = match &body.quiet_hours {
        None => None,
        Some(q) => {
            let (start, end) = (
                minutes_of("quiet_hours.start", &q.start)?,
                minutes_of("quiet_hours.end", &q.end)?,
            );
            if start == end {
                return Err(ApiError::input("quiet_hours", Problem::QuietHoursEmpty));
            }
            Some((start, end))
        }
    };
    let address = body
        .email_address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if let Some(address) = address {
        if address.len() > 254 || address.parse::<lettre::Address>().is_err() {
            return Err(ApiError::input("email_address", Problem::EmailAddress));
        }
    }
    if body.email != EmailLevel::Off {
        if !state.notifier.email_available() {
            return Err(ApiError::EmailUnavailable);
        }
        if address.is_none() {
            return Err(ApiError::input("email_address", Problem::EmailAddress));
        }
    }
    let row = NotificationSettings {
        user_id: user,
        push: body.push.as_str().to_owned(),
        email: body.email.as_str().to_owned(),
        email_address: address.map(str::to_owned),
        digest_minutes: body.digest_minutes,
        quiet_start: quiet.map(|q| q.0),
        quiet_end: quiet.map(|q| q.1),
        utc_offset_minutes: body.utc_offset_minutes,
        urgent_in_quiet_hours: body.urgent_in_quiet_hours,
        updated_at: state.now(),
    };
    state
        .write(move |conn| Ok(notifications::put_settings(conn, &row)?))
        .await?;
    get(state, user).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(start: i64, end: i64) -> Preferences {
        Preferences {
            quiet: Some((start, end)),
            ..Preferences::of(None)
        }
    }

    /// 22:00–07:00 in Japan (UTC+9) is 13:00–22:00 UTC.
    #[test]
    fn quiet_hours_over_midnight_in_local_time() {
        let at_utc = |h: i64, m: i64| Timestamp((h * 60 + m) * 60_000);
        let p = quiet(22 * 60, 7 * 60);
        assert!(p.is_quiet(at_utc(13, 0)));
        assert!(p.is_quiet(at_utc(21, 59)));
        assert!(!p.is_quiet(at_utc(22, 0)));
        assert!(!p.is_quiet(at_utc(12, 59)));
        let day = quiet(9 * 60, 17 * 60);
        assert!(day.is_quiet(at_utc(0, 0)));
        assert!(!day.is_quiet(at_utc(8, 0)));
    }

    #[test]
    fn times_of_day_are_strict() {
        assert_eq!(minutes_of("f", "07:30").unwrap(), 450);
        for bad in ["7:30", "24:00", "12:60", "ab:cd", "1230", ""] {
            assert!(minutes_of("f", bad).is_err(), "{bad}");
        }
    }
}
