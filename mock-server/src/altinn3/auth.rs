//! Who may call, in the order of `shared/spec/altinn3-accessmanagement.md` §2.1: the Altinn
//! token (401), then both authorization policies of the action (403): the scope policy on the
//! raw query strings with the person-access-manager rule, and the PDP decision that the
//! caller is an access manager for `party`.

use std::sync::Arc;

use uuid::Uuid;

use crate::{
    shared::{
        Core,
        tokens::{
            TokenCache,
            altinn::{self, AltinnIdentity},
        },
    },
    world::World,
};

use super::{query::Query, refusal::Refusal};

const SCOPE_PREFIX: &str = "altinn:accessmanagement/enduser:connections:";
/// The portal scope satisfies every enduser policy.
const PORTAL: &str = "altinn:portal/enduser";
/// E1's scope.
pub(super) const AUTHORIZED_PARTIES: &str = "altinn:accessmanagement/authorizedparties";

/// The authorization policies of the enduser API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Policy {
    /// E1: the authorized-parties scope; no PDP.
    AuthorizedParties,
    /// `POLICY_ENDUSER_CONNECTIONS_BIDRECTIONAL_READ` plus the PDP `read`.
    BidirRead,
    /// `POLICY_ENDUSER_CONNECTIONS_BIDIRECTIONAL_WRITE` plus the PDP `write`.
    BidirWrite,
    /// `POLICY_ENDUSER_CONNECTIONS_WRITE_TOOTHERS` plus the PDP `write`.
    WriteToOthers,
}

/// Verifies the Altinn token (the exchange's, on the mock's clock with the world's
/// `api_clock_skew_secs`, 0 by default as Access Management's `ClockSkew = 0`).
pub(super) fn authenticate(
    core: &Core,
    tokens: &TokenCache<AltinnIdentity>,
    bearer: Option<&str>,
) -> Result<Arc<AltinnIdentity>, Refusal> {
    let token = bearer.ok_or(Refusal::Unauthenticated)?;
    let skew = core.world.read().settings.api_clock_skew_secs as i64;
    altinn::verify(core, tokens, token, skew).map_err(|_| Refusal::Unauthenticated)
}

fn has(id: &AltinnIdentity, scope: &str) -> bool {
    id.scopes.iter().any(|s| s == scope || s == PORTAL)
}

/// The scope policy: compares `party` with `from` and `to` as raw strings, without case.
fn scope_policy(policy: Policy, id: &AltinnIdentity, q: &Query) -> bool {
    let party = q.first("party");
    let same = |name: &str| match (party, q.first(name)) {
        (Some(p), Some(v)) => p.eq_ignore_ascii_case(v),
        _ => false,
    };
    let (to_others, from_others) = match policy {
        Policy::AuthorizedParties => return has(id, AUTHORIZED_PARTIES),
        Policy::WriteToOthers => return has(id, &format!("{SCOPE_PREFIX}toothers.write")),
        Policy::BidirRead => ("toothers.read", "fromothers.read"),
        Policy::BidirWrite => ("toothers.write", "fromothers.write"),
    };
    (same("from") && has(id, &format!("{SCOPE_PREFIX}{to_others}")))
        || (same("to") && has(id, &format!("{SCOPE_PREFIX}{from_others}")))
}

/// `PersonAccessManagerRequirement`: when `party` and `to` are the same GUID, a caller that is
/// not that party itself may act only for a party that exists and is not a person.
fn person_access_manager(world: &World, id: &AltinnIdentity, q: &Query) -> bool {
    let (Some(party), Some(to)) = (q.uuid("party"), q.uuid("to")) else {
        return true;
    };
    if party != to {
        return true;
    }
    if id
        .party_uuid
        .as_deref()
        .and_then(|p| Uuid::parse_str(p).ok())
        == Some(party)
    {
        return true;
    }
    world.entity(party).is_some_and(|e| !e.is_person())
}

/// The caller as Access Management's PDP sees it: the system user of the token.
pub(super) fn caller(id: &AltinnIdentity) -> Option<Uuid> {
    id.system_user
        .as_deref()
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// The PDP decision on `altinn_access_management` for `party`: Permit when the caller holds
/// `tilgangsstyrer` or `hovedadministrator` from it.
fn pdp(world: &World, id: &AltinnIdentity, q: &Query) -> bool {
    let (Some(party), Some(caller)) = (q.uuid("party"), caller(id)) else {
        return false;
    };
    world.altinn3.is_access_manager(party, caller)
}

/// Both policies of an action; `Forbidden` when either fails.
pub(super) fn authorize(
    world: &World,
    id: &AltinnIdentity,
    policy: Policy,
    q: &Query,
) -> Result<(), Refusal> {
    if !scope_policy(policy, id, q) {
        return Err(Refusal::Forbidden);
    }
    let ok = match policy {
        Policy::AuthorizedParties => true,
        Policy::BidirRead | Policy::BidirWrite => {
            person_access_manager(world, id, q) && pdp(world, id, q)
        }
        Policy::WriteToOthers => pdp(world, id, q),
    };
    if ok { Ok(()) } else { Err(Refusal::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn identity(scopes: &[&str], su: Option<&str>) -> AltinnIdentity {
        AltinnIdentity {
            exp: 0,
            user: None,
            org: demo::ORG.into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            user_id: 0,
            party_uuid: None,
            system_user: su.map(str::to_owned),
        }
    }

    fn q(text: &str) -> Query {
        Query::parse(Some(text))
    }

    const READ: &str = "altinn:accessmanagement/enduser:connections:toothers.read";
    const FROM_READ: &str = "altinn:accessmanagement/enduser:connections:fromothers.read";

    #[test]
    fn the_scope_follows_which_side_party_is_on() {
        let w = World::demo();
        let org = demo::ORG_UUID;
        let id = identity(&[READ], Some(demo::SYSTEM_USER_ID));
        let to_others = q(&format!("party={org}&from={org}"));
        assert_eq!(authorize(&w, &id, Policy::BidirRead, &to_others), Ok(()));
        let from_others = q(&format!("party={org}&to={org}"));
        assert_eq!(
            authorize(&w, &id, Policy::BidirRead, &from_others),
            Err(Refusal::Forbidden)
        );
        let id = identity(&[FROM_READ], Some(demo::SYSTEM_USER_ID));
        assert_eq!(authorize(&w, &id, Policy::BidirRead, &from_others), Ok(()));
        // The comparison is on the raw strings: an upper-case copy still matches, without case.
        let upper = q(&format!("party={org}&to={}", org.to_uppercase()));
        assert_eq!(authorize(&w, &id, Policy::BidirRead, &upper), Ok(()));
    }

    #[test]
    fn only_an_access_manager_is_permitted() {
        let w = World::demo();
        let org = demo::ORG_UUID;
        let query = q(&format!("party={org}&from={org}"));
        let other = identity(&[READ], Some(demo::SYSTEM_USER_2_ID));
        assert_eq!(
            authorize(&w, &other, Policy::BidirRead, &query),
            Err(Refusal::Forbidden)
        );
        let none = identity(&[READ], None);
        assert_eq!(
            authorize(&w, &none, Policy::BidirRead, &query),
            Err(Refusal::Forbidden)
        );
        let bad_party = q("party=not-a-guid&from=not-a-guid");
        let su = identity(&[READ], Some(demo::SYSTEM_USER_ID));
        assert_eq!(
            authorize(&w, &su, Policy::BidirRead, &bad_party),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn a_person_party_on_the_receiving_side_is_refused() {
        let w = World::demo();
        let p = demo::PERSON_UUID;
        let id = identity(&[FROM_READ], Some(demo::SYSTEM_USER_ID));
        assert!(!person_access_manager(
            &w,
            &id,
            &q(&format!("party={p}&to={p}"))
        ));
        let org = demo::ORG_UUID;
        assert!(person_access_manager(
            &w,
            &id,
            &q(&format!("party={org}&to={org}"))
        ));
    }
}
