//! What the adapter needs besides a token source.

use std::time::Duration;

use tilgang_ports::RetryPolicy;
use url::Url;

/// TT02's platform host, where the Access Management API lives under
/// `/accessmanagement/api/v1/`.
pub const TT02_PLATFORM_URL: &str = "https://platform.tt02.altinn.no";
/// Production's platform host.
pub const PRODUCTION_PLATFORM_URL: &str = "https://platform.altinn.no";

/// The adapter's configuration.
#[derive(Debug, Clone)]
pub struct Altinn3Config {
    /// The Altinn platform (REQUIRED), e.g. [`TT02_PLATFORM_URL`]; requests go to
    /// `{platform_url}/accessmanagement/api/v1/...`.
    pub platform_url: Url,
    /// Retries of the calls that are safe to repeat (reads, deletes, the idempotent package
    /// grant and key-set replacement). Person lookups (adding a right holder) are never
    /// repeated once they may have been sent.
    pub retry: RetryPolicy,
    /// The longest one request may take, from connecting to the end of the body.
    pub timeout: Duration,
    /// The longest connecting may take.
    pub connect_timeout: Duration,
    /// How long one listing of an organisation's right holders answers person lookups before
    /// it is read again. Any change this client makes to the organisation's right holders
    /// drops it at once.
    pub right_holders_ttl: Duration,
}

impl Altinn3Config {
    /// A configuration with the defaults: 4 attempts with jittered backoff, 30 s per request,
    /// 10 s to connect, right-holder listings kept for 30 s.
    pub fn new(platform_url: Url) -> Self {
        Altinn3Config {
            platform_url,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            right_holders_ttl: Duration::from_secs(30),
        }
    }
}
