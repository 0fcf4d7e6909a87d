//! The six steps through the `tilgang` facade, against an in-process mock server: Maskinporten
//! token, Altinn exchange, party lookup, show, grant and revoke, with the mock's own state
//! checked after each change.

mod e2e_common;

use e2e_common::{As, stack};
use tilgang::{
    access::{GrantStatus, RevokeStatus, organisation_query, person_query, service_right},
    altinn2::RightsFilter,
    domain::{Action, Grantable, HeldVia, PartyKind, PartyRef},
    ports::{AccessTokenSource, AltinnTokenSource},
};
use tilgang_mock::{MockServer, demo};

/// The demo service's rights for `actions`, in a stable order.
fn demo_rights(actions: &[&str]) -> Vec<Grantable> {
    let mut rights: Vec<Grantable> = actions
        .iter()
        .map(|a| service_right(demo::SERVICE_CODE, &demo::SERVICE_EDITION.to_string(), a).unwrap())
        .collect();
    rights.sort();
    rights
}

/// Directly delegated rights on the demo service from the demo org to the demo person, as the
/// mock's world holds them.
fn held_in_world(mock: &MockServer) -> Vec<String> {
    let mut actions: Vec<String> = mock
        .world()
        .rights
        .iter()
        .filter(|r| {
            r.from == demo::ORG && r.to == demo::PERSON_FNR && r.service_code == demo::SERVICE_CODE
        })
        .map(|r| r.action.clone())
        .collect();
    actions.sort();
    actions
}

#[tokio::test]
async fn six_steps_end_to_end() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());

    // Step 1: a Maskinporten token for the demo client's organisation.
    let token = s.tokens.access_token(&s.request).await.unwrap();
    assert!(
        token
            .consumer
            .as_deref()
            .is_some_and(|c| c.ends_with(demo::ORG))
    );
    assert!(
        token
            .scope
            .as_ref()
            .is_some_and(|sc| sc.contains("altinn:enduser"))
    );

    // Step 2: exchanged for an Altinn token.
    let altinn_token = s.exchange.altinn_token().await.unwrap();
    assert!(altinn_token.expires_at > std::time::SystemTime::now());

    // Step 3: the person as a reportee, through the adapter's own operation and through the
    // use cases; the number comes back masked both ways.
    let query = person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap();
    let reportee = s.altinn.reportee(&query).await.unwrap();
    assert_eq!(reportee.reportee_id.number(), demo::PERSON_PARTY_ID);
    assert_eq!(
        reportee.social_security_number.unwrap().as_str(),
        "268992*****"
    );
    let org = PartyRef::My;
    let party = s.access.resolve(&org, &query).await.unwrap();
    assert_eq!(party.kind, PartyKind::Person);
    assert_eq!(
        party.reportee_id.as_ref().map(|r| r.number()),
        Some(demo::PERSON_PARTY_ID)
    );
    assert_eq!(party.ssn.unwrap().as_str(), "268992*****");

    // Step 4: nothing held yet.
    let report = s.access.show(&org, &query).await.unwrap();
    assert!(report.accesses.is_empty(), "{:?}", report.accesses);
    assert_eq!(
        report.holder.reportee_id.as_ref().map(|r| r.number()),
        Some(demo::PERSON_PARTY_ID)
    );

    // Step 5: grant Read and Write; the mock now holds both.
    let wanted = demo_rights(&["Read", "Write"]);
    let outcome = s.access.grant(&org, &query, &wanted).await.unwrap();
    assert!(outcome.changed);
    assert_eq!(outcome.requests_sent, 1);
    assert_eq!(outcome.accesses.len(), 2, "{:?}", outcome.accesses);
    assert!(
        outcome
            .accesses
            .iter()
            .all(|line| line.status == GrantStatus::Added),
        "{:?}",
        outcome.accesses
    );
    assert_eq!(held_in_world(&mock), ["Read", "Write"]);

    // Granting again sends nothing (idempotent), and says how the holder already holds each.
    let again = s.access.grant(&org, &query, &wanted).await.unwrap();
    assert!(!again.changed);
    assert_eq!(again.requests_sent, 0);
    assert!(
        again.accesses.iter().all(|line| line.status
            == GrantStatus::AlreadyHeld {
                held_via: vec![HeldVia::Direct]
            }),
        "{:?}",
        again.accesses
    );

    // Show lists exactly the two rights, held directly and so revocable by this client.
    let report = s.access.show(&org, &query).await.unwrap();
    let mut shown: Vec<Grantable> = report
        .accesses
        .iter()
        .filter(|a| a.revocable && a.is_direct())
        .map(|a| a.grantable.clone())
        .collect();
    shown.sort();
    assert_eq!(shown, wanted);
    assert_eq!(report.accesses.len(), 2, "{:?}", report.accesses);

    // Step 6: revoke both; the mock holds nothing any more.
    let outcome = s.access.revoke(&org, &query, &wanted).await.unwrap();
    assert!(outcome.changed);
    assert!(
        outcome.accesses.iter().all(|line| line.status
            == RevokeStatus::Removed {
                still_held_via: vec![]
            }),
        "{:?}",
        outcome.accesses
    );
    assert!(held_in_world(&mock).is_empty());
    let report = s.access.show(&org, &query).await.unwrap();
    assert!(report.accesses.is_empty(), "{:?}", report.accesses);

    // Revoking again is a no-op.
    let outcome = s.access.revoke(&org, &query, &wanted).await.unwrap();
    assert!(!outcome.changed);
    assert!(
        outcome
            .accesses
            .iter()
            .all(|line| line.status == RevokeStatus::NotHeld),
        "{:?}",
        outcome.accesses
    );
}

#[tokio::test]
async fn organisation_party_and_its_delegations_through_the_use_cases_and_the_adapter() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let query = organisation_query(demo::ORG_RECEIVER, demo::ORG_RECEIVER_NAME).unwrap();

    // Through the neutral use cases: the organisation resolves to its party, and it holds
    // exactly the one direct right the demo world gives it.
    let report = s.access.show(&PartyRef::My, &query).await.unwrap();
    assert_eq!(report.holder.kind, PartyKind::Organisation);
    assert_eq!(
        report.holder.reportee_id.as_ref().map(|r| r.number()),
        Some(demo::ORG_RECEIVER_PARTY_ID)
    );
    assert_eq!(report.accesses.len(), 1, "{:?}", report.accesses);
    let held = &report.accesses[0];
    let expected = service_right(
        demo::SERVICE_CODE_2,
        &demo::SERVICE_EDITION_2.to_string(),
        "Read",
    )
    .unwrap();
    assert_eq!(held.grantable, expected);
    assert_eq!(held.held_via, [HeldVia::Direct]);

    // Through the Altinn 2 adapter's own operations, which return the wire model.
    let reportee = s.altinn.reportee(&query).await.unwrap();
    assert_eq!(reportee.reportee_id.number(), demo::ORG_RECEIVER_PARTY_ID);
    let receiver = PartyRef::Reportee(reportee.reportee_id.clone());
    let rights = s
        .altinn
        .rights(&PartyRef::My, &receiver, RightsFilter::All)
        .await
        .unwrap();
    assert_eq!(rights.len(), 1, "{rights:?}");
    assert_eq!(
        rights[0].service_code.as_ref().unwrap().as_str(),
        demo::SERVICE_CODE_2
    );
    assert_eq!(rights[0].action, Action::Read);
}

#[tokio::test]
async fn paging_returns_every_right_holder_and_right() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let bulk = PartyRef::parse(demo::BULK_ORG).unwrap();

    // Both lists exceed the 50-item page, so each is only complete if paging is followed:
    // once through the adapter's own operation, once through the use case over the port.
    let holders = s.altinn.right_holders_of(&bulk).await.unwrap();
    assert_eq!(holders.len(), demo::BULK_RIGHT_HOLDERS);
    let list = s.access.right_holders(&bulk).await.unwrap();
    assert_eq!(list.right_holders.len(), demo::BULK_RIGHT_HOLDERS);

    let query = person_query(demo::PAGING_PERSON_FNR, demo::PAGING_PERSON_LAST_NAME).unwrap();
    let report = s.access.show(&bulk, &query).await.unwrap();
    assert_eq!(report.accesses.len(), demo::PAGING_PERSON_RIGHTS);
    // Every one is a distinct, directly delegated service right: none was read twice across
    // a page boundary, and none is the synthetic "Single Rights" role.
    assert!(
        report
            .accesses
            .iter()
            .all(|a| matches!(a.grantable, Grantable::ServiceRight(_)) && a.is_direct()),
        "{:?}",
        report.accesses
    );
    let distinct: std::collections::BTreeSet<&Grantable> =
        report.accesses.iter().map(|a| &a.grantable).collect();
    assert_eq!(distinct.len(), demo::PAGING_PERSON_RIGHTS);
}
