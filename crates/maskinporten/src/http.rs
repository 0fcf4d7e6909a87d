//! HTTP plumbing shared by the token client and the exchange: the reqwest client, the retry
//! loop, and the mapping of transport failures and response headers.

use std::{future::Future, time::Duration};

use rand::Rng;
use tilgang_ports::{Delivery, RetryPolicy, TokenError};

/// Timeouts for the token endpoints. Redirects are never followed: a token endpoint that
/// redirects is misconfigured, and following it could send a grant somewhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpConfig {
    /// How long to wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// How long one request may take in all, connecting included.
    pub request_timeout: Duration,
}

impl HttpConfig {
    /// 5 s to connect, 15 s per request.
    pub const RECOMMENDED: HttpConfig = HttpConfig {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(15),
    };

    pub(crate) fn build(&self) -> Result<reqwest::Client, reqwest::Error> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(concat!("tilgang-maskinporten/", env!("CARGO_PKG_VERSION")))
            .build()
    }
}

/// A complete answer that is not one of the transient failures [`send`] retries.
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: reqwest::StatusCode,
    /// The whole body.
    pub(crate) body: Vec<u8>,
}

/// Sends one request and reads the whole answer, turning the failures that every token call
/// treats alike into a retryable [`Attempt`]: the network (with whether the request may have
/// been sent), 429 (with its `Retry-After`) and any 5xx. Retrying them is safe because each
/// attempt of a token call carries a fresh grant. Every other answer is the caller's to judge.
pub(crate) async fn send<T>(
    request: reqwest::RequestBuilder,
    attempt: u32,
) -> Result<Answer, Attempt<T>> {
    let network = |e: reqwest::Error| Attempt::Retry {
        error: transport_error(&e, attempt),
        retry_after: None,
    };
    let response = request.send().await.map_err(network)?;
    let status = response.status();
    let wait = retry_after(response.headers());
    let body = response.bytes().await.map_err(network)?.to_vec();
    match status.as_u16() {
        429 => Err(Attempt::Retry {
            error: TokenError::RateLimited { retry_after: wait },
            retry_after: wait,
        }),
        500..=599 => Err(Attempt::Retry {
            error: TokenError::Server {
                status: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("").to_owned(),
                attempts: attempt,
            },
            retry_after: wait,
        }),
        _ => Ok(Answer { status, body }),
    }
}

/// What one attempt came to.
pub(crate) enum Attempt<T> {
    /// Success, or a failure that retrying will not fix.
    Done(Result<T, TokenError>),
    /// A transient failure; `retry_after` is the server's `Retry-After`.
    Retry {
        error: TokenError,
        retry_after: Option<Duration>,
    },
}

/// Runs `attempt` (given the 1-based attempt number) until it is done or `policy` runs out.
/// Between attempts it sleeps (on tokio's clock, so paused-clock tests do not wait) for the
/// server's `Retry-After` or a fully jittered exponential backoff. A `Retry-After` longer than
/// the policy's longest delay ends the loop at once, so the caller can decide.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    mut attempt: F,
) -> Result<T, TokenError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let max_attempts = policy.max_attempts.max(1);
    let mut n = 1;
    loop {
        match attempt(n).await {
            Attempt::Done(result) => return result,
            Attempt::Retry { error, retry_after } => {
                if n >= max_attempts {
                    return Err(error);
                }
                let delay = match retry_after {
                    Some(wait) if wait > policy.max_delay => return Err(error),
                    Some(wait) => wait,
                    None => jitter(policy.backoff_bound(n + 1)),
                };
                tracing::debug!(attempt = n, ?delay, %error, "transient failure; retrying");
                tokio::time::sleep(delay).await;
                n += 1;
            }
        }
    }
}

fn jitter(bound: Duration) -> Duration {
    if bound.is_zero() {
        return bound;
    }
    let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::rng().random_range(0..=nanos))
}

/// Maps a reqwest failure: a connect failure never reached the server; anything later may
/// have.
pub(crate) fn transport_error(error: &reqwest::Error, attempts: u32) -> TokenError {
    let delivery = if error.is_connect() {
        Delivery::NotSent
    } else {
        Delivery::MaybeSent
    };
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    TokenError::Transport {
        delivery,
        message: format!("{what} after {attempts} attempt(s): {}", error_chain(error)),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// `Retry-After` in delta-seconds. An HTTP date (rare on these endpoints) is ignored and the
/// backoff applies instead.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A body for an error message: trimmed and cut to a sane length.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    const MAX: usize = 600;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn transient() -> TokenError {
        TokenError::Server {
            status: 503,
            reason: "Service Unavailable".into(),
            attempts: 0,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_back_off() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<(), _> = with_retries(&policy, |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                Attempt::Retry {
                    error: transient(),
                    retry_after: None,
                }
            }
        })
        .await;
        assert!(matches!(result, Err(TokenError::Server { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        // Full jitter: at most 100 ms + 200 ms of (virtual) sleeping.
        assert!(started.elapsed() <= Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_and_too_long_gives_up() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        };
        let started = tokio::time::Instant::now();
        let result = with_retries(&policy, |n| async move {
            if n == 1 {
                Attempt::Retry {
                    error: transient(),
                    retry_after: Some(Duration::from_secs(3)),
                }
            } else {
                Attempt::Done(Ok(n))
            }
        })
        .await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!(started.elapsed(), Duration::from_secs(3));

        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(&policy, |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                Attempt::Retry {
                    error: TokenError::RateLimited {
                        retry_after: Some(Duration::from_secs(60)),
                    },
                    retry_after: Some(Duration::from_secs(60)),
                }
            }
        })
        .await;
        assert!(matches!(result, Err(TokenError::RateLimited { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn excerpts_are_cut_on_char_boundaries() {
        let long = "ø".repeat(500);
        let cut = body_excerpt(long.as_bytes());
        assert!(cut.ends_with('…'));
        assert!(cut.len() <= 604);
    }
}
