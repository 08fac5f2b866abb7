//! The coarse answers of a safety check (安否確認, issue 14): one status per client
//! room, and with 要支援 what kind of support is needed.
//!
//! This is everything the server, and so the association, ever learns about a
//! client in a safety check: the room, its facility, the status and the kind of
//! need. Names, notes and where someone evacuated to go into the room's team
//! channel as an ordinary end-to-end encrypted post, which the server cannot read.
//! The snake_case names are sent on the wire and stored, and are therefore stable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::roles::UnknownName;

/// How a client is, as their team answers a safety check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SafetyStatus {
    /// 無事: safe where they are.
    Safe,
    /// 要支援: needs support (say which with a [`SafetyNeed`]).
    NeedsSupport,
    /// 連絡取れず: the team could not reach them.
    Unreachable,
    /// 避難済み: evacuated (where to is written in the team channel, never here).
    Evacuated,
}

/// What kind of support a client answered 要支援 needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SafetyNeed {
    /// 医療: medical care (a doctor, medicines, oxygen, dialysis).
    Medical,
    /// 避難: help to evacuate.
    Evacuation,
    /// 物資: supplies (water, food, power).
    Supplies,
    /// その他: anything else (the team's note says what).
    Other,
}

/// Writes `as_str`, the labels, `Display` and a strict `FromStr` for a vocabulary
/// listed in `ALL`.
macro_rules! words {
    ($ty:ident, $vocabulary:literal, { $($variant:ident => $name:literal, $ja:literal, $en:literal;)* }) => {
        impl $ty {
            /// Every value, in the order clients offer them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// The stable snake_case name sent on the wire and stored.
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }

            /// The label people read in Japanese.
            pub const fn label_ja(self) -> &'static str {
                match self { $($ty::$variant => $ja),* }
            }

            /// The label people read in English.
            pub const fn label_en(self) -> &'static str {
                match self { $($ty::$variant => $en),* }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == s)
                    .ok_or_else(|| UnknownName {
                        vocabulary: $vocabulary,
                        name: s.to_owned(),
                    })
            }
        }
    };
}

words!(SafetyStatus, "safety status", {
    Safe => "safe", "無事", "Safe";
    NeedsSupport => "needs_support", "要支援", "Needs support";
    Unreachable => "unreachable", "連絡取れず", "Unreachable";
    Evacuated => "evacuated", "避難済み", "Evacuated";
});

words!(SafetyNeed, "safety need", {
    Medical => "medical", "医療", "Medical";
    Evacuation => "evacuation", "避難", "Evacuation";
    Supplies => "supplies", "物資", "Supplies";
    Other => "other", "その他", "Other";
});

impl SafetyStatus {
    /// Whether `need` fits this status: a need with 要支援 only, and 要支援 always
    /// with one (the officer must know whom to send).
    pub fn fits(self, need: Option<SafetyNeed>) -> bool {
        (self == SafetyStatus::NeedsSupport) == need.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for status in SafetyStatus::ALL {
            assert_eq!(status.as_str().parse::<SafetyStatus>(), Ok(*status));
            assert_eq!(
                serde_json::to_string(status).unwrap(),
                format!("\"{}\"", status.as_str())
            );
        }
        for need in SafetyNeed::ALL {
            assert_eq!(need.as_str().parse::<SafetyNeed>(), Ok(*need));
        }
        let err = "fine".parse::<SafetyStatus>().unwrap_err();
        assert_eq!(err.to_string(), "unknown safety status \"fine\"");
        assert!(serde_json::from_str::<SafetyNeed>("\"Medical\"").is_err());
    }

    #[test]
    fn labels_are_the_words_on_the_safety_check_screen() {
        let ja: Vec<_> = SafetyStatus::ALL.iter().map(|s| s.label_ja()).collect();
        assert_eq!(ja, ["無事", "要支援", "連絡取れず", "避難済み"]);
        let needs: Vec<_> = SafetyNeed::ALL.iter().map(|n| n.label_ja()).collect();
        assert_eq!(needs, ["医療", "避難", "物資", "その他"]);
        assert_eq!(SafetyStatus::NeedsSupport.label_en(), "Needs support");
    }

    #[test]
    fn a_need_goes_with_needs_support_only() {
        assert!(SafetyStatus::NeedsSupport.fits(Some(SafetyNeed::Medical)));
        assert!(!SafetyStatus::NeedsSupport.fits(None));
        assert!(SafetyStatus::Safe.fits(None));
        assert!(!SafetyStatus::Evacuated.fits(Some(SafetyNeed::Supplies)));
    }
}
