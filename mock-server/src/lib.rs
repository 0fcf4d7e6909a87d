//! `tilgang-mock`: a faithful fake of Maskinporten, the Altinn token exchange, the Altinn 2
//! REST API and the Altinn 3 access-management API, for tests and offline experiments.
//!
//! One listener serves them all (their real paths do not collide):
//!
//! - Maskinporten (`shared/spec/maskinporten.md` §1): `GET /.well-known/oauth-authorization-server`,
//!   `GET /jwk`, `POST /token` with full JWT-bearer grant validation and Maskinporten-shaped
//!   errors.
//! - The Altinn token exchange (§2): `GET /authentication/api/v1/exchange/{provider}`.
//! - The Altinn 2 REST API (`shared/spec/altinn2-rest.md` §3–§10): ReporteeConversion and the
//!   `{who}/authorization` delegation resources, HAL+JSON written and read with the domain's
//!   codec ([`tilgang_altinn2_wire::hal`]), errors in the HTTP reason phrase.
//! - The Altinn 3 access-management API (`shared/spec/altinn3-accessmanagement.md`): the
//!   enduser connections API E1–E16 for system-user tokens, the package metadata API, and
//!   system-user onboarding (the system register and system-user requests), over the
//!   world's Altinn 3 section ([`world::altinn3`]).
//! - Inspection and control under `/_mock/`: reset, state, request log, counters, faults,
//!   the clock, and the customer's approval of system-user requests.
//!
//! Every time-based rule reads one [`Clock`], the system clock unless the server was started
//! with another ([`MockServer::builder`], [`MockServer::start_with_clock`]); a test moves it
//! through [`MockServer::clock`] instead of waiting.
//!
//! ```no_run
//! # async fn example() {
//! use tilgang_mock::{MockServer, World, demo};
//! let mut world = World::demo();
//! world.settings.access_token_lifetime_secs = 30;
//! let server = MockServer::start_with(world).await;
//! assert_eq!(server.issuer(), format!("{}/", server.uri()));
//! // ... run a client against server.uri() ...
//! assert_eq!(server.count("POST /token"), 0);
//! # }
//! ```
//!
//! The server stops when the [`MockServer`] is dropped. See the crate README for the
//! fixtures format and the behaviours chosen where the specification is silent.
#![warn(missing_docs)]

mod altinn2;
mod altinn3;
mod authentication;
pub mod demo;
mod exchange;
mod inspect;
pub mod jwt;
mod maskinporten;
mod server;
mod shared;
pub mod world;

pub use altinn2::{API_KEY_FORBIDDEN, MISSING_API_KEY, MISSING_SCOPE};
pub use exchange::WRONG_PASSWORD_TEXT;
pub use maskinporten::GRANT_TYPE;
pub use server::{MAX_BODY_BYTES, MockServer, MockServerBuilder};
pub use shared::{
    clock::Clock,
    credentials::ENTERPRISE_USER_HEADER,
    faults::{FaultRule, Faults},
    record::{REQUEST_LOG_CAPACITY, RecordedRequest},
};
pub use world::{World, WorldError};
