//! Retrying requests that can succeed unchanged (transport errors, 5xx,
//! 429) with exponential backoff and full jitter: each wait is a random time
//! up to a ceiling that doubles, so thousands of laptops coming back online
//! at once do not hit the registry in waves.

use crate::SyncError;
use rand::Rng;
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first ceiling.
    pub base: Duration,
    /// The ceiling stops doubling here.
    pub cap: Duration,
    /// Tries in all, the first included; at least one.
    pub attempts: u32,
}

impl Default for Backoff {
    /// The protocol's: 0.5 s doubling to 5 minutes. Six tries wait at most
    /// 15.5 s in all, about half that on average, before giving up.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(300),
            attempts: 6,
        }
    }
}

impl Backoff {
    /// The ceiling of the wait before try `retry` (0 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2_u32.saturating_pow(retry.min(30));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Runs `attempt` until it succeeds, fails for a reason retrying cannot
    /// fix, or runs out of tries; `retried` hears of each retry.
    pub async fn run<T, F, Fut>(
        &self,
        mut attempt: F,
        mut retried: impl FnMut(u32, &SyncError),
    ) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SyncError>>,
    {
        let mut retry = 0;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) if error.is_retryable() && retry + 1 < self.attempts.max(1) => {
                    retried(retry + 1, &error);
                    let ceiling = self.ceiling(retry);
                    // Never sooner than the registry asked (within the cap).
                    let asked = error.retry_after().unwrap_or_default().min(self.cap);
                    let wait = rand::thread_rng()
                        .gen_range(Duration::ZERO..=ceiling)
                        .max(asked);
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::default();
        let ceilings: Vec<u64> = (0..12)
            .map(|retry| u64::try_from(backoff.ceiling(retry).as_millis()).unwrap_or(0))
            .collect();
        assert_eq!(
            ceilings,
            [
                500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
                300_000
            ]
        );
    }

    fn refused(status: u16) -> SyncError {
        SyncError::Refused {
            url: "http://registry".into(),
            status,
            code: String::new(),
            body: String::new(),
            retry_after: None,
        }
    }

    #[tokio::test]
    async fn only_errors_that_can_pass_are_retried() {
        let fast = Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            attempts: 4,
        };
        let tries = Cell::new(0);
        let result: Result<(), _> = fast
            .run(
                || {
                    tries.set(tries.get() + 1);
                    async { Err(refused(503)) }
                },
                |_, _| {},
            )
            .await;
        assert!(result.is_err());
        assert_eq!(tries.get(), 4, "a 503 is tried four times");

        tries.set(0);
        let result: Result<(), _> = fast
            .run(
                || {
                    tries.set(tries.get() + 1);
                    async { Err(refused(400)) }
                },
                |_, _| {},
            )
            .await;
        assert!(result.is_err());
        assert_eq!(tries.get(), 1, "a 400 will fail the same way again");

        tries.set(0);
        let value = fast
            .run(
                || {
                    tries.set(tries.get() + 1);
                    let n = tries.get();
                    async move {
                        if n < 3 {
                            Err(refused(429))
                        } else {
                            Ok(n)
                        }
                    }
                },
                |_, _| {},
            )
            .await
            .expect("the third try passes");
        assert_eq!(value, 3);
    }
}
