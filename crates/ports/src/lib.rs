//! Port traits: every outbound capability the access-management use cases need.
//!
//! - [`AccessTokenSource`]: Maskinporten access tokens (step 1).
//! - [`AltinnTokenSource`]: Altinn platform tokens from the token exchange (step 2).
//! - [`Parties`]: a fødselsnummer or organisation number to a party, read-only (step 3).
//! - [`Rights`]: right holders and what they hold; grant, revoke, add and remove right holders
//!   (steps 4–6).
//! - [`SystemRegister`]: a vendor's systems and requests to customers for system users.
//! - [`Clock`]: the time, so that expiry logic can be tested without waiting.
//!
//! Adapters implement these traits (one per Altinn generation); use cases and the app depend
//! only on them. The traits speak the domain's neutral terms ([`Party`], [`Grantable`],
//! [`HeldAccess`]) and name no wire type of either generation.
//!
//! Errors are concrete types defined here ([`TokenError`], [`AltinnError`]) so that a use case
//! can react to what the server said (a 401, a duplicate, a not-found) whichever adapter is
//! behind the port. They keep the server's own words as data (status, reason phrase, body,
//! every server code, validation paths) and whether the request may have been sent
//! ([`Delivery`]). Their hints name no setting of a particular backend or program.
//!
//! With the `mocks` feature, mockall mocks of every trait are generated (`MockRights` and so
//! on); without it consumers pay nothing for them.
#![warn(missing_docs)]

mod error;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tilgang_domain::{
    Grantable, HeldAccess, OrgNumber, PackageCode, Party, PartyQuery, PartyRef, ScopeSet, SystemId,
    SystemUserInfo, SystemUserRequest, VendorSystem,
    secret::{AccessToken, AltinnToken},
};

pub use error::{
    AltinnError, DecodeError, Delivery, ErrorKind, Rejection, TokenError, TokenRejection,
    Unsupported, ValidationIssue,
};

#[cfg(any(test, feature = "mocks"))]
use mockall::automock;

/// The time. Implemented by the system clock in production and by a settable clock in tests.
#[cfg_attr(any(test, feature = "mocks"), automock)]
pub trait Clock: Send + Sync {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A system user (RFC 9396 `authorization_details` of type `urn:altinn:systemuser`): the
/// organisation whose system user the token is for, and optionally which of its system users.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SystemUserAuthorization {
    /// The organisation that owns the system user (`systemuser_org`).
    pub org: OrgNumber,
    /// Picks one of several system users of the same organisation (`externalRef`).
    pub external_ref: Option<String>,
}

/// What to ask Maskinporten for. Everything here changes the token's identity and so is part
/// of a cache key; the client id, key and issuer are the token source's own configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenRequest {
    /// The scopes (sorted and de-duplicated by construction).
    pub scopes: ScopeSet,
    /// Audience restriction (`resource`): one or more target API URIs.
    pub resource: Vec<String>,
    /// The consumer a supplier acts for (`consumer_org`).
    pub consumer_org: Option<OrgNumber>,
    /// End-user restriction (`pid`): an 11-digit national id, kept as text because Maskinporten
    /// only checks its syntax. Masked in logs by the adapter.
    pub pid: Option<tilgang_domain::Fnr>,
    /// Sub-client (`iss_onbehalfof`); mutually exclusive with `consumer_org`.
    pub iss_onbehalfof: Option<String>,
    /// System user (`authorization_details`).
    pub system_user: Option<SystemUserAuthorization>,
}

impl TokenRequest {
    /// A request for scopes only.
    pub fn scopes(scopes: ScopeSet) -> Self {
        TokenRequest {
            scopes,
            resource: Vec::new(),
            consumer_org: None,
            pid: None,
            iss_onbehalfof: None,
            system_user: None,
        }
    }
}

/// Step 1: access tokens from Maskinporten.
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait AccessTokenSource: Send + Sync {
    /// A valid access token for `request`, from the cache when one is fresh.
    async fn access_token(&self, request: &TokenRequest) -> Result<AccessToken, TokenError>;

    /// Drops the cached token for `request`, e.g. after a downstream API answered 401, so the
    /// next call fetches a new one.
    async fn invalidate(&self, request: &TokenRequest);
}

/// Step 2: Altinn platform tokens (Maskinporten token exchanged at the Altinn platform).
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait AltinnTokenSource: Send + Sync {
    /// A valid Altinn token, from the cache when one is fresh.
    async fn altinn_token(&self) -> Result<AltinnToken, TokenError>;

    /// Drops the cached Altinn token (and the Maskinporten token behind it), e.g. after an
    /// Altinn API answered 401, so the next call exchanges anew.
    async fn invalidate(&self);
}

/// Step 3: resolving a person or organisation to a party, as seen from an organisation.
///
/// Read-only: resolving never changes anything. In Altinn 3 a person can only be found among
/// the organisation's right holders; making someone a right holder is a change, and lives in
/// [`Rights::add_right_holder`].
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait Parties: Send + Sync {
    /// The party `query` names, as seen from `org`; `None` when the backend can only find it
    /// once it is a right holder of `org` and it is not (yet) one.
    async fn resolve(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<Option<Party>, AltinnError>;
}

/// Giving or taking away, for [`Rights::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Giving.
    Grant,
    /// Taking away.
    Revoke,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Grant => "grant",
            Operation::Revoke => "revoke",
        })
    }
}

/// Whether [`Rights::add_right_holder`] changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RightHolderChange {
    /// The party was made a right holder now.
    Added,
    /// The party already was a right holder; nothing changed.
    AlreadyRightHolder,
    /// The backend has no separate notion of a right holder (Altinn 2: a party becomes one by
    /// its first delegation); the party was only looked up.
    NotNeeded,
}

/// A party made (or found to be) a right holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightHolderAdded {
    /// The party.
    pub party: Party,
    /// What changed.
    pub change: RightHolderChange,
}

/// Steps 4–6: what right holders hold from an organisation, and changing it.
///
/// Shaped around the use cases, not around one API: a grant is a set of [`Grantable`]s, a
/// revoke is a set of [`HeldAccess`]es as [`Rights::holdings`] returned them (their opaque
/// handles tell the adapter what to delete). Implementations follow paging themselves, so a
/// list is always complete.
///
/// Every method that changes something is not retried blindly by the adapter when the request
/// may have been sent: a failure whose [`Delivery`] is `MaybeSent` may have taken effect, and
/// the use cases read again before deciding.
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait Rights: Send + Sync {
    /// Refuses, before anything is sent, a grantable this backend cannot grant or revoke; the
    /// error says which platform can.
    fn check(&self, operation: Operation, grantable: &Grantable) -> Result<(), Unsupported>;

    /// Everyone who holds something from `org`.
    async fn right_holders(&self, org: &PartyRef) -> Result<Vec<Party>, AltinnError>;

    /// Makes the party `query` names a right holder of `org`. In Altinn 3 this is a change
    /// (and person lookups behind it are rate-limited), so it is never done implicitly by a
    /// read.
    async fn add_right_holder(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<RightHolderAdded, AltinnError>;

    /// Everything `holder` holds from `org`, with every path by which it is held.
    async fn holdings(
        &self,
        org: &PartyRef,
        holder: &Party,
    ) -> Result<Vec<HeldAccess>, AltinnError>;

    /// Gives `holder` every grantable in `grantables` from `org`. The caller sends only what
    /// is missing; a backend may need several requests.
    async fn grant(
        &self,
        org: &PartyRef,
        holder: &Party,
        grantables: &[Grantable],
    ) -> Result<(), AltinnError>;

    /// Takes away every access in `accesses` (each as [`Rights::holdings`] returned it, with
    /// its handle) from `holder`.
    async fn revoke(
        &self,
        org: &PartyRef,
        holder: &Party,
        accesses: &[HeldAccess],
    ) -> Result<(), AltinnError>;

    /// Ends `holder`'s relation to `org`. Without `cascade`, refuses (with
    /// [`AltinnError::StillHolds`]) while the holder still holds something directly; with it,
    /// removes that too.
    async fn remove_right_holder(
        &self,
        org: &PartyRef,
        holder: &Party,
        cascade: bool,
    ) -> Result<(), AltinnError>;
}

/// What [`SystemRegister::register`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Registration {
    /// The system was created.
    Created,
    /// The system existed and was updated to match.
    Updated,
}

/// A request for a system user, and whether it was made now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOutcome {
    /// The request.
    pub request: SystemUserRequest,
    /// Whether it already existed (asking again shows it instead of failing).
    pub existing: bool,
}

/// System-user onboarding: the vendor's systems in the system register, requests to
/// customers for system users, and the system users that exist. Called with the vendor's own
/// token (no system user in it).
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait SystemRegister: Send + Sync {
    /// Creates the system, or updates it when it exists, to hold exactly `system`'s name,
    /// packages and client ids.
    async fn register(&self, system: &VendorSystem) -> Result<Registration, AltinnError>;

    /// One system, if it exists.
    async fn system(&self, id: &SystemId) -> Result<Option<VendorSystem>, AltinnError>;

    /// The vendor's systems.
    async fn systems(&self) -> Result<Vec<VendorSystem>, AltinnError>;

    /// Asks `customer` for a system user of `system` with `packages`. The same customer and
    /// reference again gives the existing request.
    async fn request_system_user(
        &self,
        system: &SystemId,
        customer: &OrgNumber,
        packages: &[PackageCode],
        external_ref: Option<String>,
    ) -> Result<RequestOutcome, AltinnError>;

    /// One request, by its id.
    async fn request(&self, id: &str) -> Result<Option<SystemUserRequest>, AltinnError>;

    /// The request for a customer and reference (the reference defaults to the customer's
    /// number, as Altinn's does).
    async fn request_for(
        &self,
        system: &SystemId,
        customer: &OrgNumber,
        external_ref: Option<String>,
    ) -> Result<Option<SystemUserRequest>, AltinnError>;

    /// The system users of `system`.
    async fn system_users(&self, system: &SystemId) -> Result<Vec<SystemUserInfo>, AltinnError>;
}

/// Retry guidance shared by adapters: a bounded exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many attempts in all (1 means no retry).
    pub max_attempts: u32,
    /// The first backoff.
    pub base_delay: Duration,
    /// The longest single backoff.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// No retries.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The upper bound of the backoff before attempt `attempt` (1-based; attempt 1 has none).
    /// Callers draw the actual delay uniformly from `0..=bound` (full jitter).
    pub fn backoff_bound(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let factor = 1u32.checked_shl(attempt - 2).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_bound(1), Duration::ZERO);
        assert_eq!(p.backoff_bound(2), Duration::from_millis(100));
        assert_eq!(p.backoff_bound(3), Duration::from_millis(200));
        assert_eq!(p.backoff_bound(40), Duration::from_secs(5));
    }

    #[tokio::test]
    async fn mocks_are_generated() {
        let mut m = MockAltinnTokenSource::new();
        m.expect_invalidate().times(1).return_const(());
        m.invalidate().await;
    }
}
