//! The history a device added to a channel gets, as both clients and the UI spell it.

use kizuna_crypto::channel::HistoryPolicy;
use kizuna_proto::UserId;
use serde::{Deserialize, Serialize};

/// [`HistoryPolicy`] as the UI writes it: `"full"`, `"from_now"` or
/// `{"same_as_user": "<user id>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "HistoryPolicy"))]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Every era this device holds.
    Full,
    /// None: the newcomers read from now on.
    FromNow,
    /// What the user's other devices could read.
    SameAsUser(UserId),
}

impl From<Policy> for HistoryPolicy {
    fn from(p: Policy) -> Self {
        match p {
            Policy::Full => HistoryPolicy::Full,
            Policy::FromNow => HistoryPolicy::FromNow,
            Policy::SameAsUser(user) => HistoryPolicy::SameAsUser(user),
        }
    }
}

impl From<HistoryPolicy> for Policy {
    fn from(p: HistoryPolicy) -> Self {
        match p {
            HistoryPolicy::Full => Policy::Full,
            HistoryPolicy::FromNow => Policy::FromNow,
            HistoryPolicy::SameAsUser(user) => Policy::SameAsUser(user),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::from_json;

    #[test]
    fn policies_read_as_the_ui_writes_them() {
        assert_eq!(from_json::<Policy>("p", r#""full""#).unwrap(), Policy::Full);
        assert_eq!(
            from_json::<Policy>("p", r#""from_now""#).unwrap(),
            Policy::FromNow
        );
        let user = "00000000-0000-0000-0000-000000000007";
        assert_eq!(
            from_json::<Policy>("p", &format!(r#"{{"same_as_user":"{user}"}}"#)).unwrap(),
            Policy::SameAsUser(user.parse().unwrap())
        );
        assert_eq!(
            from_json::<Policy>("p", r#""all""#).unwrap_err().code,
            "invalid_input"
        );
        for p in [
            Policy::Full,
            Policy::FromNow,
            Policy::SameAsUser(user.parse().unwrap()),
        ] {
            assert_eq!(Policy::from(HistoryPolicy::from(p)), p);
        }
    }
}
