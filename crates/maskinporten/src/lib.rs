//! Maskinporten tokens and the Altinn token exchange.
//!
//! This crate gets access tokens from [Maskinporten] with JWT-bearer grants (RFC 7523), caches
//! and refreshes them, and exchanges them for Altinn platform tokens. It can be used on its
//! own by teams that only need Maskinporten tokens.
//!
//! - **Grants** ([`GrantSigner`]): RS256 (default), RS384 or RS512; the key is named by `kid`
//!   (a registered key) or `x5c` (an enterprise certificate chain), never both. Claims are
//!   exactly the documented ones: `aud` (the issuer string), `iss`, `scope`, `iat`, `exp`
//!   (≤ 120 s), `jti` (UUIDv4) and, when asked for, `resource`, `consumer_org`, `pid`,
//!   `iss_onbehalfof` and `authorization_details` (system user).
//! - **Keys** ([`ClientKey`], [`PrivateKey`], [`CertificateChain`]): PEM (PKCS#1, PKCS#8), a
//!   private JWK, a PEM certificate chain with its key, or a PKCS#12 file with a password.
//!   Errors name the file and the problem, never key bytes.
//! - **Client** ([`MaskinportenClient`], an [`AccessTokenSource`]): endpoints from the
//!   well-known document, a form POST of `grant_type` and `assertion` only, no redirects,
//!   timeouts, typed errors ([`TokenError`]) that keep Maskinporten's `error`, description, MP
//!   code and trace id, and bounded retries of transient failures with a fresh grant each time.
//! - **Cache** ([`TokenCache`]): keyed by issuer, client id, key id and the whole
//!   [`TokenRequest`]; refresh ahead of expiry ([`RefreshPolicy`]); one request per key however
//!   many callers wait; a lock-free hot path.
//! - **Altinn exchange** ([`AltinnExchange`], an [`AltinnTokenSource`]).
//!
//! Secrets (keys, grants, tokens, passwords) live in types whose `Debug` is redacted, and are
//! never logged.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use tilgang_domain::ScopeSet;
//! use tilgang_maskinporten::{
//!     AltinnExchange, ClientKey, Environment, MaskinportenClient, SigningAlgorithm,
//! };
//! use tilgang_ports::{AccessTokenSource, AltinnTokenSource, TokenRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // A key registered on the client as a JWK (its `kid` names it in the grant).
//! let key = ClientKey::from_jwk_file("maskinporten.jwk.json")?;
//! let client = MaskinportenClient::builder(
//!     Environment::Test,
//!     "0b1a6d1c-5f8c-4d5e-9a7b-2c3d4e5f6a7b",
//!     key,
//! )
//! .algorithm(SigningAlgorithm::Rs256)
//! .build()?;
//!
//! let request = TokenRequest::scopes(ScopeSet::parse("altinn:accessmanagement/authorizedparties")?);
//! let token = client.access_token(&request).await?;
//! println!("token valid until {:?}", token.expires_at);
//!
//! // Exchange it for an Altinn token (TT02 pairs with Maskinporten test).
//! let exchange = AltinnExchange::builder(
//!     Arc::new(client),
//!     request,
//!     "https://platform.tt02.altinn.no".parse()?,
//! )
//! .build()?;
//! let altinn = exchange.altinn_token().await?;
//! println!("Altinn token valid until {:?}", altinn.expires_at);
//! # Ok(())
//! # }
//! ```
//!
//! [Maskinporten]: https://docs.digdir.no/docs/Maskinporten/
#![warn(missing_docs)]

mod cache;
mod client;
mod clock;
mod exchange;
mod grant;
mod http;
mod jwt;
mod key;
mod patience;

pub use cache::{RefreshPolicy, TokenCache};
pub use client::{
    ConfigError, Discovery, Environment, JWT_BEARER_GRANT_TYPE, MaskinportenClient,
    MaskinportenClientBuilder, MaskinportenConfig,
};
pub use clock::TokioClock;
pub use exchange::{
    AltinnExchange, AltinnExchangeBuilder, AltinnExchangeConfig, ENTERPRISE_USER_HEADER,
};
pub use grant::{
    Assertion, GrantError, GrantSettings, GrantSigner, MAX_GRANT_LIFETIME, ResourceClaim,
    SigningAlgorithm, validate,
};
pub use http::HttpConfig;
pub use jwt::{SystemUserClaim, system_user_claim};
pub use key::{CertificateChain, ClientKey, KeyError, KeyReference, MIN_RSA_BITS, PrivateKey};
pub use patience::{OutagePolicy, UntilDeadline};
pub use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, RetryPolicy, TokenError, TokenRequest,
};
