//! Port traits: every outbound capability the access-management use cases need.
//!
//! - [`AccessTokenSource`]: Maskinporten access tokens (step 1).
//! - [`AltinnTokenSource`]: Altinn platform tokens from the token exchange (step 2).
//! - [`ReporteeLookup`]: fødselsnummer or organisation number to a reportee (step 3).
//! - [`Delegations`]: list, read, add and delete rights and roles (steps 4–6).
//! - [`Clock`]: the time, so that expiry logic can be tested without waiting.
//!
//! Adapters implement these traits; use cases and the app depend only on them. Parties are
//! [`PartyRef`]s, which can already carry an Altinn 3 party UUID, so an Altinn 3 adapter fits
//! behind the same traits.
//!
//! Errors are concrete types defined here ([`TokenError`], [`AltinnError`]) so that a use case
//! can react to what the server said (a 401, a duplicate, a not-found) whichever adapter is
//! behind the port. They keep the server's own words (status, reason phrase, body, codes).
//!
//! With the `mocks` feature, mockall mocks of every trait are generated (`MockDelegations` and
//! so on); without it consumers pay nothing for them.
#![warn(missing_docs)]

mod error;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tilgang_domain::{
    DelegationRequest, OrgNumber, PartyRef, Reportee, ReporteeQuery, Right, RightHolder, RightId,
    Role, RoleId, ScopeSet,
    secret::{AccessToken, AltinnToken},
};

pub use error::{AltinnError, Delivery, ErrorKind, Rejection, TokenError, TokenRejection};

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

/// Step 3: converting a fødselsnummer or organisation number to a reportee.
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait ReporteeLookup: Send + Sync {
    /// The reportee for a person (number + last name) or an organisation (number + name).
    async fn reportee(&self, query: &ReporteeQuery) -> Result<Reportee, AltinnError>;
}

/// Which rights to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RightsFilter {
    /// Every right, including those that come from roles.
    #[default]
    All,
    /// Only directly delegated rights (the ones that can be deleted one by one).
    DirectlyDelegated,
}

/// Steps 4–6: the delegations of a party (`who`) to its right holders.
///
/// Implementations follow paging themselves: a list is always complete.
#[cfg_attr(any(test, feature = "mocks"), automock)]
#[async_trait]
pub trait Delegations: Send + Sync {
    /// Everyone who holds rights or roles from `who`.
    async fn right_holders(&self, who: &PartyRef) -> Result<Vec<RightHolder>, AltinnError>;

    /// One right holder with all their rights and roles from `who`.
    async fn right_holder(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
    ) -> Result<RightHolder, AltinnError>;

    /// The rights `receiver` holds from `who`.
    async fn rights(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
        filter: RightsFilter,
    ) -> Result<Vec<Right>, AltinnError>;

    /// The roles `receiver` holds from `who`.
    async fn roles(&self, who: &PartyRef, receiver: &PartyRef) -> Result<Vec<Role>, AltinnError>;

    /// Delegates rights and roles from `who` in one request. Not retried blindly: a failure
    /// whose [`Delivery`] is `MaybeSent` may have taken effect.
    async fn add(&self, who: &PartyRef, request: &DelegationRequest) -> Result<(), AltinnError>;

    /// Deletes one directly delegated right.
    async fn delete_right(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
        right: RightId,
    ) -> Result<(), AltinnError>;

    /// Deletes one role assignment.
    async fn delete_role(
        &self,
        who: &PartyRef,
        receiver: &PartyRef,
        role: RoleId,
    ) -> Result<(), AltinnError>;
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
