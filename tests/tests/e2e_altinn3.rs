//! The six steps on Altinn 3 through the `tilgang` facade, against an in-process mock server:
//! a Maskinporten token for the demo organisation's system user, the exchange, the person
//! among the organisation's right holders, show, grant an access package and a resource
//! right, show, revoke, show, with the mock's own world checked after each change. Then each
//! refusal the Altinn 3 adapter gives a meaning to, met through the use cases as a team's
//! service meets it.

mod e2e_common;

use e2e_common::{ALTINN3_SCOPES, settings3, stack3};
use tilgang::{
    access::{AccessError, GrantStatus, RevokeStatus, Step, package, person_query, resource_right},
    domain::{Grantable, HeldAccess, HeldVia, PartyKind, PartyRef, PartyUuid},
    maskinporten::system_user_claim,
    ports::{AccessTokenSource, AltinnError, AltinnTokenSource, ErrorKind},
};
use tilgang_mock::{
    MockServer, World, demo,
    world::altinn3::{Assignment3, RETTIGHETSHAVER, right_key},
};

/// The route key of E3 (`POST enduser/connections`), the person lookup Altinn throttles.
const E3: &str = "POST /accessmanagement/api/v1/enduser/connections";
/// E6, giving a package.
const E6: &str = "POST /accessmanagement/api/v1/enduser/connections/accesspackages";
/// E7, taking a package away.
const E7: &str = "DELETE /accessmanagement/api/v1/enduser/connections/accesspackages";
/// E4, removing a right holder.
const E4: &str = "DELETE /accessmanagement/api/v1/enduser/connections";

fn org() -> PartyRef {
    PartyRef::parse(demo::ORG).unwrap()
}

fn heis() -> tilgang::domain::PartyQuery {
    person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap()
}

/// The right-holder links from the demo organisation to `to` in the mock's world.
fn links(world: &World, to: &str) -> Vec<Assignment3> {
    let (from, to) = (demo::uuid(demo::ORG_UUID), demo::uuid(to));
    world
        .altinn3
        .assignments
        .iter()
        .filter(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
        .cloned()
        .collect()
}

/// What the one right-holder link to `to` holds: its package codes and its resource keys,
/// each sorted and with repeats kept (a repeat would be a duplicated creation).
fn link_holds(mock: &MockServer, to: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let links = links(&mock.world(), to);
    assert_eq!(links.len(), 1, "exactly one right-holder link: {links:?}");
    let mut packages: Vec<String> = links[0]
        .packages
        .iter()
        .map(|p| p.package.clone())
        .collect();
    packages.sort();
    let mut resources: Vec<(String, Vec<String>)> = links[0]
        .resources
        .iter()
        .map(|r| {
            let mut keys = r.keys.clone();
            keys.sort();
            (r.resource.clone(), keys)
        })
        .collect();
    resources.sort();
    (packages, resources)
}

/// The directly held accesses of a report, as grantables.
fn direct(accesses: &[HeldAccess]) -> Vec<Grantable> {
    let mut out: Vec<Grantable> = accesses
        .iter()
        .filter(|h| h.is_direct())
        .map(|h| h.grantable.clone())
        .collect();
    out.sort();
    out
}

fn regnskap() -> Grantable {
    package(demo::PACKAGE_REGNSKAP).unwrap()
}

fn hr_read() -> Grantable {
    resource_right(demo::RESOURCE_ID, "read").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_steps_end_to_end_on_altinn3() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);

    // Step 1: a Maskinporten token for the demo organisation's system user, with the three
    // Access Management scopes.
    let token = s.tokens.access_token(&s.request).await.unwrap();
    let claim = system_user_claim(token.token.expose()).expect("the token names a system user");
    assert_eq!(claim.id.as_deref(), Some(demo::SYSTEM_USER_ID));
    assert_eq!(claim.org.as_deref(), Some(demo::ORG));
    let scopes = token.scope.expect("the token says its scopes");
    for scope in ALTINN3_SCOPES.split_whitespace() {
        assert!(scopes.contains(scope), "{scope} missing");
    }

    // Step 2: the exchange keeps the system user, which is who Access Management acts as.
    let altinn_token = s.exchange.altinn_token().await.unwrap();
    assert!(altinn_token.expires_at > std::time::SystemTime::now());
    let claim = system_user_claim(altinn_token.token.expose()).expect("the Altinn token too");
    assert_eq!(claim.id.as_deref(), Some(demo::SYSTEM_USER_ID));

    // Step 3: the organisation among the system user's parties, and the person among its
    // right holders; both read-only, so no person lookup (E3) is spent.
    let parties = s.altinn.authorized_parties().await.unwrap();
    assert!(
        parties
            .iter()
            .any(|p| p.organization_number.as_deref() == Some(demo::ORG)),
        "{parties:?}"
    );
    assert_eq!(
        s.altinn.org_uuid(&org()).await.unwrap(),
        PartyUuid::parse(demo::ORG_UUID).unwrap()
    );
    let party = s.access.resolve(&org(), &heis()).await.unwrap();
    assert_eq!(party.kind, PartyKind::Person);
    assert_eq!(
        party.party_uuid,
        Some(PartyUuid::parse(demo::PERSON_UUID).unwrap())
    );
    assert_eq!(party.ssn.unwrap().as_str(), "268992*****");
    assert_eq!(mock.count(E3), 0);

    // Step 4: nothing held yet.
    let report = s.access.show(&org(), &heis()).await.unwrap();
    assert!(report.accesses.is_empty(), "{:?}", report.accesses);

    // Step 5: a package and a resource right; the mock's link now holds both, once each.
    let wanted = vec![regnskap(), hr_read()];
    let outcome = s.access.grant(&org(), &heis(), &wanted).await.unwrap();
    assert!(outcome.changed);
    assert_eq!(
        outcome.right_holder, None,
        "HEIS already was a right holder"
    );
    assert_eq!(outcome.requests_sent, 1);
    assert!(
        outcome
            .accesses
            .iter()
            .all(|l| l.status == GrantStatus::Added),
        "{:?}",
        outcome.accesses
    );
    let read_key = right_key(demo::RESOURCE_ID, "read");
    assert_eq!(
        link_holds(&mock, demo::PERSON_UUID),
        (
            vec![demo::PACKAGE_REGNSKAP.to_owned()],
            vec![(demo::RESOURCE_ID.to_owned(), vec![read_key.clone()])]
        )
    );
    // Granting again sends nothing: both are held directly now.
    let e6_before = mock.count(E6);
    let again = s.access.grant(&org(), &heis(), &wanted).await.unwrap();
    assert!(!again.changed);
    assert_eq!(again.requests_sent, 0);
    assert_eq!(mock.count(E6), e6_before);
    for line in &again.accesses {
        let GrantStatus::AlreadyHeld { held_via } = &line.status else {
            panic!("{line:?}");
        };
        assert!(held_via.contains(&HeldVia::Direct), "{line:?}");
    }

    // Step 4 again: both are listed as held directly and revocable.
    let report = s.access.show(&org(), &heis()).await.unwrap();
    let mut want = wanted.clone();
    want.sort();
    assert_eq!(direct(&report.accesses), want);
    assert!(
        report
            .accesses
            .iter()
            .filter(|h| h.is_direct())
            .all(|h| h.revocable && h.handle.is_some()),
        "{:?}",
        report.accesses
    );

    // Step 6: revoke both; the link stays (the person is still a right holder) and is empty.
    let revoked = s.access.revoke(&org(), &heis(), &wanted).await.unwrap();
    assert!(revoked.changed);
    assert!(
        revoked
            .accesses
            .iter()
            .all(|l| matches!(l.status, RevokeStatus::Removed { .. })),
        "{:?}",
        revoked.accesses
    );
    assert_eq!(link_holds(&mock, demo::PERSON_UUID), (vec![], vec![]));
    let report = s.access.show(&org(), &heis()).await.unwrap();
    assert!(direct(&report.accesses).is_empty(), "{:?}", report.accesses);
    // Revoking again is a no-op that sends no delete.
    let e7_before = mock.count(E7);
    let again = s.access.revoke(&org(), &heis(), &wanted).await.unwrap();
    assert!(!again.changed);
    assert_eq!(mock.count(E7), e7_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_is_not_a_right_holder_is_added_by_grant_and_only_then() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    let profile = person_query(demo::PROFILE_PERSON_FNR, demo::PROFILE_PERSON_LAST_NAME).unwrap();

    // Reading never adds anyone: it is NotRightHolder (exit 4 in the CLI), and nothing is sent
    // beyond the listing.
    let err = s.access.show(&org(), &profile).await.unwrap_err();
    assert!(matches!(err, AccessError::NotRightHolder { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(!err.to_string().contains(demo::PROFILE_PERSON_FNR), "{err}");
    assert_eq!(mock.count(E3), 0);
    assert!(links(&mock.world(), demo::PROFILE_PERSON_UUID).is_empty());

    // A grant makes them a right holder first (one E3), and says so.
    let outcome = s
        .access
        .grant(
            &org(),
            &profile,
            &[package(demo::PACKAGE_POSTTJENESTER).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(
        outcome.right_holder,
        Some(tilgang::ports::RightHolderChange::Added)
    );
    assert_eq!(mock.count(E3), 1);
    assert_eq!(
        link_holds(&mock, demo::PROFILE_PERSON_UUID).0,
        [demo::PACKAGE_POSTTJENESTER]
    );
    // From now on they are found among the right holders without another lookup.
    s.access.show(&org(), &profile).await.unwrap();
    assert_eq!(mock.count(E3), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_last_name_is_am_vld_00034_and_the_third_lookup_is_throttled_without_retry() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    let with_name = |last_name: &str| person_query(demo::PROFILE_PERSON_FNR, last_name).unwrap();

    // Two misses: each is AM.VLD-00034 (bad input), explained, and sent exactly once.
    for (i, wrong) in ["FEILNAVN", "ANNETNAVN"].into_iter().enumerate() {
        let err = s
            .access
            .add_right_holder(&org(), &with_name(wrong))
            .await
            .unwrap_err();
        let source = err.altinn().expect("Altinn refused");
        assert!(source.has_code("AM.VLD-00034"), "{err:#}");
        assert_eq!(err.kind(), ErrorKind::BadInput);
        assert!(
            matches!(
                err,
                AccessError::Altinn {
                    step: Step::AddRightHolder,
                    ..
                }
            ),
            "{err}"
        );
        let rejection = source.rejection().unwrap();
        assert!(
            rejection.advice.contains("first four letters"),
            "{rejection:?}"
        );
        assert!(
            rejection
                .validation
                .iter()
                .any(|v| v.paths.iter().any(|p| p.contains("LastName"))),
            "{rejection:?}"
        );
        assert_eq!(mock.count(E3), i as u64 + 1);
    }

    // The third lookup is refused with AM-00026 (429) even with the right name. A 429 is
    // normally retried, but every retry of this one would count as another miss, so it is
    // sent once and handed back.
    let err = s
        .access
        .add_right_holder(&org(), &with_name(demo::PROFILE_PERSON_LAST_NAME))
        .await
        .unwrap_err();
    let source = err.altinn().expect("Altinn refused");
    assert!(source.has_code("AM-00026"), "{err:#}");
    assert_eq!(source.status(), Some(429));
    assert!(
        source.rejection().unwrap().advice.contains("hour"),
        "{err:#}"
    );
    assert_eq!(mock.count(E3), 3, "AM-00026 was retried");
    assert!(links(&mock.world(), demo::PROFILE_PERSON_UUID).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_the_system_user_does_not_hold_is_not_delegable_and_explained() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    let err = s
        .access
        .grant(&org(), &heis(), &[package(demo::PACKAGE_NOT_HELD).unwrap()])
        .await
        .unwrap_err();
    // E6 refused it with AM.VLD-00026, and the delegation check (E8) said why.
    let AccessError::Altinn {
        step: Step::Grant,
        source,
    } = &err
    else {
        panic!("{err:#}");
    };
    let AltinnError::NotDelegable { what, reasons } = source.as_ref() else {
        panic!("{source}");
    };
    assert!(what.contains(demo::PACKAGE_NOT_HELD), "{what}");
    let reasons = reasons.join("; ");
    assert!(reasons.contains("holds itself"), "{reasons}");
    assert!(reasons.contains("AM.VLD-00026"), "{reasons}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(
        mock.count(
            "GET /accessmanagement/api/v1/enduser/connections/accesspackages/delegationcheck"
        ),
        1
    );
    assert_eq!(link_holds(&mock, demo::PERSON_UUID), (vec![], vec![]));

    // The write action of the resource comes only with `lonn`, which the system user does not
    // hold: the delegation check (E11) refuses it and no key is sent.
    let err = s
        .access
        .grant(
            &org(),
            &heis(),
            &[resource_right(demo::RESOURCE_ID, "write").unwrap()],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err.altinn(), Some(AltinnError::NotDelegable { .. })),
        "{err:#}"
    );
    assert_eq!(
        mock.count("POST /accessmanagement/api/v1/enduser/connections/resources/rights"),
        0
    );
    assert_eq!(link_holds(&mock, demo::PERSON_UUID), (vec![], vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_role_package_is_held_indirectly_and_nothing_is_sent() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    let dagl = person_query(demo::DAGL_PERSON_FNR, demo::DAGL_PERSON_LAST_NAME).unwrap();
    let tilgangsstyrer = package(demo::PACKAGE_TILGANGSSTYRER).unwrap();

    // She holds the package through her DAGL key role, not directly.
    let report = s.access.show(&org(), &dagl).await.unwrap();
    let held: Vec<&HeldAccess> = report
        .accesses
        .iter()
        .filter(|h| h.grantable == tilgangsstyrer)
        .collect();
    assert!(!held.is_empty(), "{:?}", report.accesses);
    assert!(held.iter().all(|h| !h.revocable && h.handle.is_none()));
    assert!(
        held.iter()
            .flat_map(|h| &h.held_via)
            .any(|v| matches!(v, HeldVia::KeyRole { .. })),
        "{held:?}"
    );

    // Revoking it is refused before anything is sent, naming the key role.
    let world_before = mock.world().altinn3.assignments;
    let err = s
        .access
        .revoke(&org(), &dagl, std::slice::from_ref(&tilgangsstyrer))
        .await
        .unwrap_err();
    let AccessError::HeldIndirectly { items, .. } = &err else {
        panic!("{err:#}");
    };
    assert_eq!(items.len(), 1);
    assert!(
        items[0]
            .held_via
            .iter()
            .any(|v| matches!(v, HeldVia::KeyRole { .. })),
        "{items:?}"
    );
    assert!(err.to_string().contains("key role"), "{err}");
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert_eq!(mock.count(E7), 0);
    assert_eq!(mock.world().altinn3.assignments, world_before);

    // Granting it reports it as already held through the key role, and sends nothing.
    let outcome = s
        .access
        .grant(&org(), &dagl, std::slice::from_ref(&tilgangsstyrer))
        .await
        .unwrap();
    assert!(!outcome.changed);
    assert_eq!(outcome.requests_sent, 0);
    assert_eq!(mock.count(E6), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_right_holder_removed_behind_the_clients_back_is_am_00022() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    // The listing that resolves HEIS is kept briefly; in that time another client (here: the
    // world itself) ends her relation to the organisation.
    s.access.resolve(&org(), &heis()).await.unwrap();
    let person = demo::uuid(demo::PERSON_UUID);
    mock.update_world(|w| w.altinn3.assignments.retain(|a| a.to != person));

    let err = s
        .access
        .grant(&org(), &heis(), &[regnskap()])
        .await
        .unwrap_err();
    let source = err.altinn().expect("Altinn refused");
    assert!(source.has_code("AM-00022"), "{err:#}");
    assert!(
        source
            .rejection()
            .unwrap()
            .advice
            .contains("add them as a right holder first"),
        "{err:#}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert!(links(&mock.world(), demo::PERSON_UUID).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_right_holder_who_still_holds_something_needs_cascade() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    s.access
        .grant(&org(), &heis(), &[regnskap(), hr_read()])
        .await
        .unwrap();

    // Without cascade: AM.VLD-00010, read as StillHolds naming what is held; nothing changed.
    let err = s
        .access
        .remove_right_holder(&org(), &heis(), false)
        .await
        .unwrap_err();
    let AccessError::Altinn {
        step: Step::RemoveRightHolder,
        source,
    } = &err
    else {
        panic!("{err:#}");
    };
    let AltinnError::StillHolds { holding, rejection } = source.as_ref() else {
        panic!("{source}");
    };
    assert!(
        rejection
            .as_ref()
            .is_some_and(|r| r.has_code("AM.VLD-00010")),
        "{rejection:?}"
    );
    let holding = holding.join(", ");
    assert!(
        holding.contains("packages") && holding.contains("resources"),
        "{holding}"
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert_eq!(
        link_holds(&mock, demo::PERSON_UUID).0,
        [demo::PACKAGE_REGNSKAP]
    );

    // With cascade the link and everything on it goes; a second removal sends nothing.
    let removed = s
        .access
        .remove_right_holder(&org(), &heis(), true)
        .await
        .unwrap();
    assert!(removed.removed);
    assert!(links(&mock.world(), demo::PERSON_UUID).is_empty());
    let deletes = mock.count(E4);
    let again = s
        .access
        .remove_right_holder(&org(), &heis(), true)
        .await
        .unwrap();
    assert!(!again.removed);
    assert_eq!(mock.count(E4), deletes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_write_scope_a_grant_is_refused_with_403() {
    let mock = MockServer::start().await;
    let read_only = "altinn:accessmanagement/authorizedparties \
                     altinn:accessmanagement/enduser:connections:toothers.read";
    let built = tilgang::Stack::build(settings3(&mock, demo::ORG, read_only)).unwrap();
    let s = e2e_common::parts3(&built);

    // Reading works with the read scope.
    s.access.show(&org(), &heis()).await.unwrap();
    let err = s
        .access
        .grant(&org(), &heis(), &[regnskap()])
        .await
        .unwrap_err();
    let source = err.altinn().expect("Altinn refused");
    assert_eq!(source.status(), Some(403), "{err:#}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        source.rejection().unwrap().advice.contains("scope"),
        "{err:#}"
    );
    assert_eq!(link_holds(&mock, demo::PERSON_UUID), (vec![], vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_altinn2_service_right_is_refused_before_anything_is_sent() {
    let mock = MockServer::start().await;
    let s = stack3(&mock);
    let service = tilgang::access::service_right(demo::SERVICE_CODE, "1", "Read").unwrap();
    let err = s
        .access
        .grant(&org(), &heis(), &[service])
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::Unsupported(_)), "{err:#}");
    assert!(err.to_string().contains("Altinn 2"), "{err}");
    // Not even a token was fetched.
    assert_eq!(mock.count("POST /token"), 0);
}
