//! Errors of building the adapter. Calls return the ports' [`AltinnError`](tilgang_ports::AltinnError).

/// The adapter could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL cannot be used.
    #[error("invalid Altinn base URL {url:?}: {reason} (expected e.g. https://tt02.altinn.no)")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The API key cannot be sent as a header.
    #[error("the Altinn API key contains characters that cannot be sent in a header")]
    ApiKey,
    /// The HTTP client could not be built (e.g. TLS set-up failed).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
}
