//! Hybrid logical clocks: timestamps that order events across devices whose
//! wall clocks disagree, and never move backwards on one device.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds since the Unix epoch, plus a counter that orders events
/// within one millisecond (or while the wall clock lags behind the clock).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
}

impl Hlc {
    /// The clock's next value for a local event at wall time `now_ms`.
    pub fn tick(self, now_ms: u64) -> Self {
        if now_ms > self.wall_ms {
            Self {
                wall_ms: now_ms,
                counter: 0,
            }
        } else {
            Self {
                wall_ms: self.wall_ms,
                counter: self.counter.saturating_add(1),
            }
        }
    }

    /// The clock's next value after seeing `remote` (from the registry or
    /// another device) at wall time `now_ms`.
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Self {
        let wall_ms = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = match (wall_ms == self.wall_ms, wall_ms == remote.wall_ms) {
            (true, true) => self.counter.max(remote.counter).saturating_add(1),
            (true, false) => self.counter.saturating_add(1),
            (false, true) => remote.counter.saturating_add(1),
            (false, false) => 0,
        };
        Self { wall_ms, counter }
    }

    /// A fixed-width text form whose string order is the clock's order, for
    /// storage in text columns.
    pub fn encode(self) -> String {
        format!("{:015}-{:010}", self.wall_ms, self.counter)
    }

    /// The text form back, exactly as `encode` writes it (15 digits, a
    /// dash, 10 digits); anything else is not a clock.
    pub fn decode(text: &str) -> Option<Self> {
        let (wall, counter) = text.split_once('-')?;
        let digits = |part: &str, width: usize| {
            part.len() == width && part.bytes().all(|byte| byte.is_ascii_digit())
        };
        if !digits(wall, 15) || !digits(counter, 10) {
            return None;
        }
        Some(Self {
            wall_ms: wall.parse().ok()?,
            counter: counter.parse().ok()?,
        })
    }

    /// A device's clock as the registry accepts it: no later than the
    /// registry's own wall clock plus the skew it allows. A laptop whose
    /// clock runs days ahead would otherwise win every later-write-wins
    /// field until the world caught up with it.
    pub fn clamped(self, now_ms: u64, allowed_skew_ms: u64) -> Self {
        let limit = now_ms.saturating_add(allowed_skew_ms);
        if self.wall_ms > limit {
            Self {
                wall_ms: limit,
                counter: self.counter,
            }
        } else {
            self
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_encoded_form_decodes() {
        let clock = Hlc {
            wall_ms: 1_764_590_400_000,
            counter: 7,
        };
        assert_eq!(Hlc::decode(&clock.encode()), Some(clock));
        for bad in [
            "",
            "garbage",
            "1-2",
            "+01764590400000-0000000007",
            "001764590400000-000000007",
            "001764590400000-0000000007-1",
            "00176459040000x-0000000007",
            "99999999999999999999-0000000007",
        ] {
            assert_eq!(Hlc::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_clock_far_ahead_is_clamped_to_the_allowed_skew() {
        let now = 1_000_000;
        let skew = 100;
        for (wall_ms, expected) in [
            (0, 0),
            (now, now),
            (now + 100, now + 100),
            (now + 101, now + 100),
            (u64::MAX, now + 100),
        ] {
            let clamped = Hlc {
                wall_ms,
                counter: 3,
            }
            .clamped(now, skew);
            assert_eq!(
                (clamped.wall_ms, clamped.counter),
                (expected, 3),
                "{wall_ms}"
            );
        }
    }

    #[test]
    fn ticks_never_go_backwards_even_when_the_wall_clock_does() {
        let mut clock = Hlc::default();
        let mut seen = Vec::new();
        for now in [1_000, 1_000, 900, 2_000, 1_500, 2_000] {
            clock = clock.tick(now);
            seen.push(clock);
        }
        assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
        assert_eq!(
            seen[2],
            Hlc {
                wall_ms: 1_000,
                counter: 2
            }
        );
    }

    #[test]
    fn observing_a_clock_ahead_jumps_past_it() {
        let local = Hlc {
            wall_ms: 1_000,
            counter: 3,
        };
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 7,
        };
        let next = local.observe(remote, 1_200);
        assert!(next > remote && next > local);
        assert_eq!(
            next,
            Hlc {
                wall_ms: 5_000,
                counter: 8
            }
        );
    }

    #[test]
    fn the_text_form_sorts_like_the_clock() {
        let a = Hlc {
            wall_ms: 99,
            counter: 12,
        };
        let b = Hlc {
            wall_ms: 100,
            counter: 1,
        };
        assert!(a.encode() < b.encode());
        assert_eq!(Hlc::decode(&a.encode()), Some(a));
        assert_eq!(Hlc::decode("nonsense"), None);
    }
}
