//! Leases on call targets: how no voter is called by two people at once
//! (sync brief, "No double calls"). A target is what a caller would reach:
//! a phone number, or a household at the door.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `phone:<ten digits>` or `household:<address key>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LeaseTarget(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a lease target; targets are phone:<ten digits> or household:<address key>")]
pub struct LeaseTargetError(pub String);

impl LeaseTarget {
    pub fn phone(digits: &str) -> Self {
        Self(format!("phone:{digits}"))
    }

    pub fn household(address_key: &str) -> Self {
        Self(format!("household:{address_key}"))
    }

    pub fn parse(text: &str) -> Result<Self, LeaseTargetError> {
        let valid = match text.split_once(':') {
            Some(("phone", digits)) => {
                digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Some(("household", key)) => !key.trim().is_empty() && key.len() <= 200,
            _ => false,
        };
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(LeaseTargetError(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The phone's ten digits, for a phone target.
    pub fn phone_digits(&self) -> Option<&str> {
        self.0.strip_prefix("phone:")
    }

    /// The address key, for a household target.
    pub fn address_key(&self) -> Option<&str> {
        self.0.strip_prefix("household:")
    }
}

impl TryFrom<String> for LeaseTarget {
    type Error = LeaseTargetError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<LeaseTarget> for String {
    fn from(target: LeaseTarget) -> Self {
        target.0
    }
}

impl fmt::Display for LeaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lease a result was recorded under: the registry counts it valid if
/// the target's lease still has this epoch and this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRef {
    pub target: LeaseTarget,
    pub epoch: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_refuse_what_is_not_one() {
        assert_eq!(
            LeaseTarget::parse("phone:9195550100"),
            Ok(LeaseTarget::phone("9195550100"))
        );
        assert!(LeaseTarget::parse("household:100|MAIN ST||27601").is_ok());
        for bad in [
            "phone:919555",
            "phone:91955501OO",
            "household:",
            "voter:AA1",
            "9195550100",
        ] {
            assert!(LeaseTarget::parse(bad).is_err(), "{bad}");
        }
        let parsed: Result<LeaseTarget, _> = serde_json::from_str("\"phone:12\"");
        assert!(parsed.is_err());
    }
}
