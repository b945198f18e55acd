//! Time as the store writes it: UTC, to the second, in one fixed-width form
//! so that text comparison in SQL is time comparison.

use jiff::Timestamp;

pub(crate) fn stamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) fn millis(at: Timestamp) -> u64 {
    u64::try_from(at.as_millisecond()).unwrap_or(0)
}

/// A new client-generated id (UUIDv7: time-ordered, so ids sort roughly by
/// when they were made).
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
