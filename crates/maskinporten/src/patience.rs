//! [`UntilDeadline`]: keep asking a token source through an outage, up to a deadline.
//!
//! The token client's own [`RetryPolicy`](tilgang_ports::RetryPolicy) covers short blips: a few
//! attempts with backoff, and it gives up at once when the server asks for a longer pause
//! (Maskinporten answers an outage with 503 and `Retry-After: 30`). A batch job that must not
//! fail because Maskinporten was down for half a minute wraps its token source in
//! [`UntilDeadline`]: transient failures are waited out, honouring `Retry-After`, until the
//! configured deadline has passed since the first failure; then the call fails with
//! [`TokenError::Deadline`] naming the deadline, the attempts and the last failure.

use std::{fmt, sync::Arc, time::Duration};

use async_trait::async_trait;
use tilgang_domain::secret::AccessToken;
use tilgang_ports::{AccessTokenSource, ErrorKind, TokenError, TokenRequest};

/// How long [`UntilDeadline`] waits for a token source to recover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutagePolicy {
    /// The longest time from the first transient failure of one call to giving up.
    pub deadline: Duration,
    /// The pause between attempts when the server gave no `Retry-After`.
    pub pause: Duration,
    /// The longest single pause, whatever `Retry-After` says, so that a recovery is noticed
    /// soon after it happens.
    pub max_pause: Duration,
}

impl OutagePolicy {
    /// Waits up to two minutes, trying again every 5 s (at most every 30 s when asked to).
    pub const RECOMMENDED: OutagePolicy = OutagePolicy {
        deadline: Duration::from_secs(120),
        pause: Duration::from_secs(5),
        max_pause: Duration::from_secs(30),
    };
}

impl Default for OutagePolicy {
    fn default() -> Self {
        OutagePolicy::RECOMMENDED
    }
}

/// An [`AccessTokenSource`] that waits out transient failures of another one until a deadline.
///
/// Only failures of [`ErrorKind::Transient`] (5xx, 429, network) are waited out; a refusal
/// (a wrong key, a missing scope) fails at once. Waiting uses tokio's clock, so tests can pause
/// and advance it.
pub struct UntilDeadline {
    inner: Arc<dyn AccessTokenSource>,
    policy: OutagePolicy,
}

impl fmt::Debug for UntilDeadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntilDeadline")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl UntilDeadline {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn AccessTokenSource>, policy: OutagePolicy) -> Self {
        UntilDeadline { inner, policy }
    }

    /// The policy in force.
    pub fn policy(&self) -> OutagePolicy {
        self.policy
    }
}

#[async_trait]
impl AccessTokenSource for UntilDeadline {
    async fn access_token(&self, request: &TokenRequest) -> Result<AccessToken, TokenError> {
        let mut started: Option<tokio::time::Instant> = None;
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let error = match self.inner.access_token(request).await {
                Ok(token) => {
                    if attempts > 1 {
                        tracing::info!(attempts, "token source recovered");
                    }
                    return Ok(token);
                }
                Err(e) if e.kind() == ErrorKind::Transient => e,
                Err(e) => return Err(e),
            };
            let now = tokio::time::Instant::now();
            let since = *started.get_or_insert(now);
            let deadline = since + self.policy.deadline;
            if now >= deadline {
                return Err(TokenError::Deadline {
                    message: format!(
                        "the token server did not recover within {} s ({attempts} attempts); \
                         last failure: {error}; try again later or raise the deadline",
                        self.policy.deadline.as_secs()
                    ),
                });
            }
            let asked = match &error {
                TokenError::RateLimited { retry_after } => *retry_after,
                _ => None,
            };
            let pause = asked
                .unwrap_or(self.policy.pause)
                .min(self.policy.max_pause)
                .min(deadline - now);
            tracing::warn!(%error, attempts, ?pause, "token source unavailable; waiting");
            tokio::time::sleep(pause).await;
        }
    }

    async fn invalidate(&self, request: &TokenRequest) {
        self.inner.invalidate(request).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tilgang_domain::{ScopeSet, secret::AccessToken};

    use super::*;

    /// A token source that fails with 503 until a given tokio instant, counting calls.
    struct Outage {
        until: tokio::time::Instant,
        calls: Mutex<u32>,
        refuse: bool,
    }

    #[async_trait]
    impl AccessTokenSource for Outage {
        async fn access_token(&self, _: &TokenRequest) -> Result<AccessToken, TokenError> {
            *self.calls.lock().unwrap() += 1;
            if self.refuse {
                return Err(TokenError::Config {
                    message: "bad key".into(),
                });
            }
            if tokio::time::Instant::now() < self.until {
                Err(TokenError::Server {
                    status: 503,
                    reason: "Service Unavailable".into(),
                    attempts: 1,
                })
            } else {
                Ok(token())
            }
        }

        async fn invalidate(&self, _: &TokenRequest) {}
    }

    fn token() -> AccessToken {
        AccessToken {
            token: tilgang_domain::secret::SecretText::new("t"),
            expires_at: std::time::SystemTime::now() + Duration::from_secs(120),
            scope: None,
            consumer: None,
        }
    }

    fn request() -> TokenRequest {
        TokenRequest::scopes(ScopeSet::parse("altinn:enduser").unwrap())
    }

    fn source(outage: Duration, refuse: bool) -> Arc<Outage> {
        Arc::new(Outage {
            until: tokio::time::Instant::now() + outage,
            calls: Mutex::new(0),
            refuse,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_thirty_second_outage_is_waited_out() {
        let inner = source(Duration::from_secs(30), false);
        let patient = UntilDeadline::new(inner.clone(), OutagePolicy::RECOMMENDED);
        let start = tokio::time::Instant::now();
        patient.access_token(&request()).await.expect("recovers");
        let waited = start.elapsed();
        assert!(waited >= Duration::from_secs(30), "{waited:?}");
        assert!(waited <= Duration::from_secs(35), "{waited:?}");
        // One attempt every 5 s: at 0, 5, …, 30.
        assert_eq!(*inner.calls.lock().unwrap(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn an_outage_longer_than_the_deadline_fails_clearly_at_the_deadline() {
        let inner = source(Duration::from_secs(600), false);
        let policy = OutagePolicy {
            deadline: Duration::from_secs(60),
            ..OutagePolicy::RECOMMENDED
        };
        let patient = UntilDeadline::new(inner, policy);
        let start = tokio::time::Instant::now();
        let err = patient.access_token(&request()).await.unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        assert!(matches!(err, TokenError::Deadline { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("within 60 s"), "{text}");
        assert!(text.contains("HTTP 503"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_are_not_waited_out() {
        let inner = source(Duration::ZERO, true);
        let patient = UntilDeadline::new(inner.clone(), OutagePolicy::RECOMMENDED);
        let start = tokio::time::Instant::now();
        let err = patient.access_token(&request()).await.unwrap_err();
        assert!(matches!(err, TokenError::Config { .. }), "{err:?}");
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(*inner.calls.lock().unwrap(), 1);
    }
}
