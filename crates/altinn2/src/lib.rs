//! The Altinn 2 REST adapter: reportee conversion and delegations over HAL+JSON.
//!
//! Altinn 2 was switched off in June 2026; this adapter stays for the retired API and its
//! fake. [`Altinn2Client`] implements the neutral ports [`Parties`](tilgang_ports::Parties)
//! and [`Rights`](tilgang_ports::Rights) against the Altinn 2 end-user API
//! (`shared/spec/altinn2-rest.md` §4–§9), and offers each Altinn 2 operation as a method of
//! its own:
//!
//! - every call carries `Authorization: Bearer <Altinn token>`, `ApiKey` and the documented
//!   `Accept`/`Content-Type` (`application/hal+json` for delegations, `application/json` for
//!   ReporteeConversion), and `language` on reads with localised text;
//! - errors keep the status, the **reason phrase as the server sent it** (Altinn 2 puts its
//!   message there, e.g. `400 Required header 'ApiKey' is missing.`), a bounded body and any
//!   error code, in [`Rejection`](tilgang_ports::Rejection);
//! - a 401 makes the adapter invalidate the Altinn token once, fetch a new one and retry once;
//! - GET, DELETE and the read-only ReporteeConversion POST are retried on transient failures
//!   with bounded, jittered backoff (tokio time); the delegation POST is retried only when it
//!   never left the machine (or on 429), never after it may have reached the server;
//! - lists that come back with the 50-item cap are followed with `$skip` until complete;
//! - an Altinn 3 party UUID is refused with `AltinnError::UnsupportedParty`, an access
//!   package or resource right with `AltinnError::Unsupported`, and invalid input with
//!   `AltinnError::InvalidInput`, before anything is sent.
//!
//! The token comes from any [`AltinnTokenSource`](tilgang_ports::AltinnTokenSource); this crate
//! does not depend on the Maskinporten adapter.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn demo(tokens: Arc<dyn tilgang_ports::AltinnTokenSource>) -> Result<(), Box<dyn std::error::Error>> {
//! use tilgang_altinn2::{Altinn2Client, Altinn2Config, TT02_URL};
//! use tilgang_domain::secret::ApiKey;
//!
//! let config = Altinn2Config::new(TT02_URL.parse()?, ApiKey::new("my-api-key"));
//! let client = Arc::new(Altinn2Client::new(config, tokens)?);
//! // `client` is both the `Parties` and the `Rights` of `tilgang_access::AccessManager`.
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod api;
mod client;
mod config;
mod error;
mod ports;

pub use api::{PAGE_SIZE, RightsFilter};
pub use client::Altinn2Client;
pub use config::{Altinn2Config, Language, PRODUCTION_URL, TT02_URL};
pub use error::ConfigError;
