//! Configuration of the Altinn 2 adapter.

use std::{fmt, time::Duration};

use tilgang_domain::secret::ApiKey;
use tilgang_ports::RetryPolicy;
use url::Url;

/// The TT02 test environment's host (`shared/spec/altinn2-rest.md` §1).
pub const TT02_URL: &str = "https://tt02.altinn.no";
/// The production host.
pub const PRODUCTION_URL: &str = "https://www.altinn.no";

/// The `language` query parameter (an LCID), which localises role names and descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Language {
    /// Norwegian Bokmål (1044).
    #[default]
    Bokmal,
    /// Norwegian Nynorsk (2068).
    Nynorsk,
    /// English (1033).
    English,
}

impl Language {
    /// The LCID sent on the wire.
    pub fn lcid(self) -> u16 {
        match self {
            Language::Bokmal => 1044,
            Language::Nynorsk => 2068,
            Language::English => 1033,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.lcid())
    }
}

/// What the adapter needs besides a token source.
#[derive(Debug, Clone)]
pub struct Altinn2Config {
    /// The host the REST API lives under: `https://tt02.altinn.no` or `https://www.altinn.no`
    /// (REQUIRED). Requests go to `{base_url}/api/...`; a trailing `/api` is accepted too.
    pub base_url: Url,
    /// The API key, sent as the `ApiKey` header on every call (REQUIRED).
    pub api_key: ApiKey,
    /// The `language` sent on reads whose answers carry localised text. `None` leaves it to
    /// the server.
    pub language: Option<Language>,
    /// Retries of GET, DELETE and the read-only ReporteeConversion POST after transient
    /// failures. The delegation POST is retried only when the request was never sent.
    pub retry: RetryPolicy,
    /// The longest one request may take, from connecting to the end of the body.
    pub timeout: Duration,
    /// The longest connecting may take.
    pub connect_timeout: Duration,
}

impl Altinn2Config {
    /// A configuration with the defaults: Bokmål, 4 attempts with jittered backoff, 30 s per
    /// request and 10 s to connect.
    pub fn new(base_url: Url, api_key: ApiKey) -> Self {
        Altinn2Config {
            base_url,
            api_key,
            language: Some(Language::Bokmal),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}
