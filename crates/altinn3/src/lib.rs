//! The Altinn 3 access-management adapter: the Access Management *enduser connections* API,
//! called with a vendor's system-user token (`shared/spec/altinn3-accessmanagement.md`).
//!
//! [`Altinn3Client`] implements the neutral ports [`Parties`](tilgang_ports::Parties) and
//! [`Rights`](tilgang_ports::Rights), and offers each endpoint (E1–E16, the package metadata)
//! as a method of its own:
//!
//! - tokens come from any [`AltinnTokenSource`](tilgang_ports::AltinnTokenSource), normally the
//!   Altinn token exchanged from a Maskinporten token with `authorization_details` for the
//!   customer's system user; a 401 renews it once;
//! - parties are UUIDs, printed the one way Altinn compares them (lower-case, hyphenated) in
//!   `party`, `from` and `to` alike; organisations resolve through the authorized parties (E1,
//!   cached per token), persons read-only among the organisation's right holders (one E2
//!   listing serves every person), and adding a right holder (E3) is explicit;
//! - refusals keep every code (AM-xxxxx, STD-00000 and its AM.VLD-xxxxx with their paths) and
//!   say what to do (AM-00022: add them as a right holder first; AM.VLD-00026: your system user
//!   may not give that package, and why, from the delegation check; AM-00026: Altinn blocks
//!   person lookups for an hour after two misses);
//! - retries only where the call is idempotent (reads, deletes, the package grant, the key-set
//!   replacement); a person lookup is never repeated once it may have been sent, and AM-00026
//!   is never retried;
//! - no paging headers are sent; a non-null `links.next` is followed on the same host;
//! - Altinn 2 service rights are refused before anything is sent.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn demo(tokens: Arc<dyn tilgang_ports::AltinnTokenSource>) -> Result<(), Box<dyn std::error::Error>> {
//! use tilgang_altinn3::{Altinn3Client, Altinn3Config, TT02_PLATFORM_URL};
//!
//! let client = Arc::new(Altinn3Client::new(Altinn3Config::new(TT02_PLATFORM_URL.parse()?), tokens)?);
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
mod problem;
mod systemregister;

pub use client::Altinn3Client;
pub use config::{Altinn3Config, PRODUCTION_PLATFORM_URL, TT02_PLATFORM_URL};
pub use error::ConfigError;
pub use systemregister::{SYSTEM_REGISTER_SCOPES, SystemRegisterClient};
/// The Altinn 3 wire model this adapter reads and writes, for callers who need the DTOs.
pub use tilgang_altinn3_wire as wire;
