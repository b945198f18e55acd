//! Phone numbers as callers dial them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A North American (NANP) phone number, kept as its ten digits. Voter files
/// write numbers every way (`(919) 555-0101`, `919.555.0101`, `+1 919 555
/// 0101`); one form makes "never queue the same phone twice" a string
/// comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    #[error("phone number {0:?} has {1} digits; a US number has 10 (or 11 starting with 1)")]
    Length(String, usize),
    #[error("phone number {0:?} has an area code or exchange starting with 0 or 1, which no US number has")]
    BadPrefix(String),
}

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, PhoneNumberError> {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let digits = match digits.len() {
            11 if digits.starts_with('1') => digits[1..].to_owned(),
            10 => digits,
            n => return Err(PhoneNumberError::Length(raw.trim().to_owned(), n)),
        };
        let bytes = digits.as_bytes();
        if matches!(bytes[0], b'0' | b'1') || matches!(bytes[3], b'0' | b'1') {
            return Err(PhoneNumberError::BadPrefix(raw.trim().to_owned()));
        }
        Ok(Self(digits))
    }

    /// The ten digits.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The number as a `tel:` link dials it.
    pub fn tel_uri(&self) -> String {
        format!("tel:+1{}", self.0)
    }

    /// `(919) 555-0101`, as people read it.
    pub fn display(&self) -> String {
        format!("({}) {}-{}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, expected: Result<&str, PhoneNumberError>) {
        assert_eq!(
            PhoneNumber::parse(raw).as_ref().map(PhoneNumber::digits),
            expected.as_ref().map(|s| *s),
            "{raw:?}"
        );
    }

    #[test]
    fn numbers_parse_from_every_way_files_write_them() {
        check("9195550101", Ok("9195550101"));
        check("(919) 555-0101", Ok("9195550101"));
        check("+1 919.555.0101", Ok("9195550101"));
        check("19195550101", Ok("9195550101"));
        check(
            "555-0101",
            Err(PhoneNumberError::Length("555-0101".into(), 7)),
        );
        check("", Err(PhoneNumberError::Length(String::new(), 0)));
        check(
            "0195550101",
            Err(PhoneNumberError::BadPrefix("0195550101".into())),
        );
        check(
            "9191550101",
            Err(PhoneNumberError::BadPrefix("9191550101".into())),
        );
    }

    #[test]
    fn numbers_display_and_dial() {
        let phone = PhoneNumber::parse("919-555-0101").expect("valid");
        assert_eq!(phone.display(), "(919) 555-0101");
        assert_eq!(phone.tel_uri(), "tel:+19195550101");
    }
}
