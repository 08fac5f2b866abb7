//! The `[alerts]` section of the server configuration: when the alert job runs and
//! what counts as unusual. Defaults run out of the box; `kizuna.example.toml`
//! documents each key.

use serde::{Deserialize, Serialize};

/// Thresholds of the security alerts (issue 16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Seconds between runs of the alert job.
    pub scan_interval_secs: u64,
    /// Failed sign-ins on one account within the window that raise an alert.
    pub failed_sign_ins: u32,
    /// Failed sign-ins from one address within the window that raise an alert.
    pub failed_sign_ins_per_address: u32,
    /// The window for failed sign-ins, in minutes.
    pub failed_sign_in_window_minutes: u32,
    /// How many of a person's last successful sign-ins make their usual hours.
    pub unusual_hour_history: u32,
    /// Fewer sign-ins than this and nobody's hours are judged yet.
    pub unusual_hour_min_history: u32,
    /// An hour of the day is usual when it holds at least this share (percent) of
    /// the person's last sign-ins; a sign-in is unusual when neither its hour nor
    /// the hour either side is usual.
    pub unusual_hour_share_percent: u32,
    /// Different rooms one person opens within the window that raise an alert.
    pub rooms_opened: u32,
    /// The window for opened rooms, in minutes.
    pub rooms_window_minutes: u32,
    /// Attachment downloads by one person within the window that raise an alert.
    pub downloads: u32,
    /// The window for downloads, in minutes.
    pub downloads_window_minutes: u32,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            scan_interval_secs: 60,
            failed_sign_ins: 5,
            failed_sign_ins_per_address: 20,
            failed_sign_in_window_minutes: 10,
            unusual_hour_history: 30,
            unusual_hour_min_history: 10,
            unusual_hour_share_percent: 10,
            rooms_opened: 50,
            rooms_window_minutes: 10,
            downloads: 100,
            downloads_window_minutes: 10,
        }
    }
}

impl AlertsConfig {
    /// What is wrong with the thresholds, if anything, saying what to change.
    pub fn problem(&self) -> Option<String> {
        let counts = [
            ("failed_sign_ins", self.failed_sign_ins),
            ("failed_sign_ins_per_address", self.failed_sign_ins_per_address),
            ("rooms_opened", self.rooms_opened),
            ("downloads", self.downloads),
            (
                "failed_sign_in_window_minutes",
                self.failed_sign_in_window_minutes,
            ),
            ("rooms_window_minutes", self.rooms_window_minutes),
            ("downloads_window_minutes", self.downloads_window_minutes),
            ("unusual_hour_history", self.unusual_hour_history),
            ("unusual_hour_min_history", self.unusual_hour_min_history),
        ];
        if let Some((key, _)) = counts.iter().find(|(_, value)| *value == 0) {
            return Some(format!("[alerts] {key} must be at least 1"));
        }
        if self.scan_interval_secs == 0 {
            return Some("[alerts] scan_interval_secs must be at least 1".into());
        }
        if self.unusual_hour_min_history > self.unusual_hour_history {
            return Some("[alerts] unusual_hour_min_history must not exceed unusual_hour_history".into());
        }
        if self.unusual_hour_share_percent == 0 || self.unusual_hour_share_percent > 100 {
            return Some("[alerts] unusual_hour_share_percent must be 1 to 100".into());
        }
        None
    }
}
