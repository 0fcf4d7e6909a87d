//! Errors of building the adapter. Calls return the ports' [`AltinnError`](tilgang_ports::AltinnError).

/// The adapter could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The platform URL cannot be used.
    #[error(
        "invalid Altinn platform URL {url:?}: {reason} (expected e.g. https://platform.tt02.altinn.no)"
    )]
    PlatformUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The HTTP client could not be built (e.g. TLS set-up failed).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
}
