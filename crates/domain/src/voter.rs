//! Voter identity and the few voter attributes every layer agrees on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A voter's id as the state publishes it (North Carolina's `ncid`, Ohio's
/// `SOS_VOTERID`, Florida's voter id). Statewide-unique within one campaign's
/// voter file; county-scoped numbers (NC `voter_reg_num`) are not `VoterId`s.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VoterId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoterIdError {
    #[error("a voter id cannot be empty")]
    Empty,
    #[error("voter id {0:?} is longer than 32 characters; check the column mapping")]
    TooLong(String),
    #[error("voter id {0:?} may hold only letters, digits and '-'; check the column mapping")]
    BadCharacter(String),
}

impl VoterId {
    pub const MAX_LEN: usize = 32;

    /// Parses an id as found in a voter file: surrounding blanks are dropped,
    /// letters are upper-cased (ids are compared case-insensitively by the
    /// states that use letters, e.g. `AA123456`).
    pub fn parse(raw: &str) -> Result<Self, VoterIdError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(VoterIdError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(VoterIdError::TooLong(trimmed.to_owned()));
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(VoterIdError::BadCharacter(trimmed.to_owned()));
        }
        Ok(Self(trimmed.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for VoterId {
    type Error = VoterIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<VoterId> for String {
    fn from(id: VoterId) -> Self {
        id.0
    }
}

impl fmt::Display for VoterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Party registration, normalised across states. Codes a state uses that we
/// do not know yet are kept verbatim rather than lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Democratic,
    Republican,
    Unaffiliated,
    Libertarian,
    Green,
    Other(String),
}

impl Party {
    /// Maps the codes published by NC (`DEM`, `UNA`), FL (`NPA`, `LPF`) and
    /// OH (`D`, `R`) onto one set.
    pub fn from_code(code: &str) -> Self {
        match code.trim().to_ascii_uppercase().as_str() {
            "DEM" | "D" => Self::Democratic,
            "REP" | "R" => Self::Republican,
            "UNA" | "NPA" | "" => Self::Unaffiliated,
            "LIB" | "LPF" | "L" => Self::Libertarian,
            "GRE" | "G" => Self::Green,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The short label shown in lists.
    pub fn code(&self) -> &str {
        match self {
            Self::Democratic => "DEM",
            Self::Republican => "REP",
            Self::Unaffiliated => "UNA",
            Self::Libertarian => "LIB",
            Self::Green => "GRE",
            Self::Other(code) => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_id(raw: &str, expected: Result<&str, VoterIdError>) {
        let parsed = VoterId::parse(raw);
        assert_eq!(
            parsed.as_ref().map(VoterId::as_str),
            expected.as_ref().map(|s| *s)
        );
    }

    #[test]
    fn voter_ids_parse() {
        check_id("AA123456", Ok("AA123456"));
        check_id("  bn98765 ", Ok("BN98765"));
        check_id("OH0012-334", Ok("OH0012-334"));
        check_id("", Err(VoterIdError::Empty));
        check_id("   ", Err(VoterIdError::Empty));
        check_id("AB 12", Err(VoterIdError::BadCharacter("AB 12".into())));
        check_id(&"9".repeat(33), Err(VoterIdError::TooLong("9".repeat(33))));
    }

    #[test]
    fn voter_id_deserialisation_parses() {
        let id: VoterId = serde_json::from_str("\"cw123\"").expect("valid id");
        assert_eq!(id.as_str(), "CW123");
        assert!(serde_json::from_str::<VoterId>("\"a;b\"").is_err());
    }

    #[test]
    fn party_codes_from_every_state_normalise() {
        for (code, party) in [
            ("DEM", Party::Democratic),
            ("d", Party::Democratic),
            ("REP", Party::Republican),
            ("UNA", Party::Unaffiliated),
            ("NPA", Party::Unaffiliated),
            ("LPF", Party::Libertarian),
            ("GRE", Party::Green),
            ("CST", Party::Other("CST".into())),
        ] {
            assert_eq!(Party::from_code(code), party, "code {code}");
        }
        assert_eq!(Party::from_code("cst").code(), "CST");
    }
}
