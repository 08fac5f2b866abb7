//! How serious a regional broadcast is: 情報 / 注意 / 警戒 / 緊急.
//!
//! A vocabulary in `proto`, not in `crypto`, because everyone needs it: the officer's
//! client signs it inside the broadcast, the server reads it from the (not encrypted)
//! broadcast to decide how to store, list and notify, and both clients choose from it
//! how loudly to show a notice (a banner, or the full screen for 緊急). The snake_case
//! names are sent on the wire and are therefore stable.
//!
//! Written out by hand rather than with `roles.rs`'s `vocabulary!` (private to that
//! module), and without the `diesel` conversions, which `sql.rs` adds for every stored
//! vocabulary once the server stores broadcasts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::roles::UnknownName;

/// How serious a broadcast is. Ordered from least to most serious, so lists can sort
/// by it and "at least 警戒" is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 情報: for information (a shelter opened, a road reopened).
    Info,
    /// 注意: take care (heavy rain expected, check supplies).
    Caution,
    /// 警戒: be ready to act (evacuation may be ordered).
    Warning,
    /// 緊急: act now (evacuate). Clients show it full screen until acknowledged.
    Emergency,
}

impl Severity {
    /// Every value, least serious first.
    pub const ALL: &'static [Severity] = &[
        Severity::Info,
        Severity::Caution,
        Severity::Warning,
        Severity::Emergency,
    ];

    /// The stable snake_case name sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Caution => "caution",
            Severity::Warning => "warning",
            Severity::Emergency => "emergency",
        }
    }

    /// The label people read in Japanese (情報, 注意, 警戒, 緊急).
    pub const fn label_ja(self) -> &'static str {
        match self {
            Severity::Info => "情報",
            Severity::Caution => "注意",
            Severity::Warning => "警戒",
            Severity::Emergency => "緊急",
        }
    }

    /// The label people read in English.
    pub const fn label_en(self) -> &'static str {
        match self {
            Severity::Info => "Information",
            Severity::Caution => "Caution",
            Severity::Warning => "Warning",
            Severity::Emergency => "Emergency",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .iter()
            .copied()
            .find(|severity| severity.as_str() == s)
            .ok_or_else(|| UnknownName {
                vocabulary: "severity",
                name: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(*severity));
            assert_eq!(
                serde_json::to_string(severity).unwrap(),
                format!("\"{}\"", severity.as_str())
            );
        }
        let err = "panic".parse::<Severity>().unwrap_err();
        assert_eq!(err.to_string(), "unknown severity \"panic\"");
        assert!(serde_json::from_str::<Severity>("\"Emergency\"").is_err());
    }

    #[test]
    fn labels_are_the_four_levels_people_know_in_order_of_seriousness() {
        let ja: Vec<_> = Severity::ALL.iter().map(|s| s.label_ja()).collect();
        assert_eq!(ja, ["情報", "注意", "警戒", "緊急"]);
        assert_eq!(Severity::Emergency.label_en(), "Emergency");
        assert!(Severity::Info < Severity::Caution && Severity::Warning < Severity::Emergency);
    }
}
