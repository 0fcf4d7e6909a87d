//! The six steps through the library API of every crate, against an in-process mock server:
//! Maskinporten token, Altinn exchange, reportee lookup, show, grant and revoke, with the
//! mock's own state checked after each change.

mod e2e_common;

use e2e_common::{As, stack};
use tilgang_access::{GrantStatus, RevokeStatus, ServiceRight, person_query};
use tilgang_domain::{Action, PartyRef, ReporteeQuery, party::Name};
use tilgang_mock::{MockServer, demo};
use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, Delegations, ReporteeLookup, RightsFilter,
};

fn demo_rights(actions: &[&str]) -> Vec<ServiceRight> {
    actions
        .iter()
        .map(|a| {
            ServiceRight::parse(demo::SERVICE_CODE, &demo::SERVICE_EDITION.to_string(), a).unwrap()
        })
        .collect()
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

    // Step 3: the person as a reportee; the number comes back masked.
    let query = person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap();
    let reportee = s.altinn.reportee(&query).await.unwrap();
    assert_eq!(reportee.reportee_id.number(), demo::PERSON_PARTY_ID);
    assert_eq!(
        reportee.social_security_number.unwrap().as_str(),
        "268992*****"
    );

    // Step 4: nothing held yet.
    let org = PartyRef::My;
    let report = s.access.show(&org, &query).await.unwrap();
    assert!(report.rights.is_empty(), "{:?}", report.rights);
    assert_eq!(report.holder.reportee_id.number(), demo::PERSON_PARTY_ID);

    // Step 5: grant Read and Write; the mock now holds both.
    let wanted = demo_rights(&["Read", "Write"]);
    let outcome = s.access.grant(&org, &query, &wanted).await.unwrap();
    assert!(outcome.changed);
    assert_eq!(outcome.requests_sent, 1);
    assert!(
        outcome
            .rights
            .iter()
            .all(|r| r.status == GrantStatus::Added)
    );
    assert_eq!(held_in_world(&mock), ["Read", "Write"]);

    // Granting again sends nothing (idempotent).
    let again = s.access.grant(&org, &query, &wanted).await.unwrap();
    assert!(!again.changed);
    assert_eq!(again.requests_sent, 0);

    let report = s.access.show(&org, &query).await.unwrap();
    let mut shown: Vec<String> = report
        .rights
        .iter()
        .filter(|r| r.revocable)
        .map(|r| r.action.to_string())
        .collect();
    shown.sort();
    assert_eq!(shown, ["Read", "Write"]);

    // Step 6: revoke both; the mock holds nothing any more.
    let outcome = s.access.revoke(&org, &query, &wanted).await.unwrap();
    assert!(outcome.changed);
    assert!(
        outcome
            .rights
            .iter()
            .all(|r| matches!(r.status, RevokeStatus::Removed { .. }))
    );
    assert!(held_in_world(&mock).is_empty());
    let report = s.access.show(&org, &query).await.unwrap();
    assert!(report.rights.is_empty());

    // Revoking again is a no-op.
    let outcome = s.access.revoke(&org, &query, &wanted).await.unwrap();
    assert!(!outcome.changed);
    assert!(
        outcome
            .rights
            .iter()
            .all(|r| r.status == RevokeStatus::NotHeld)
    );
}

#[tokio::test]
async fn organisation_reportee_and_its_delegations_through_the_ports() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let query = ReporteeQuery::Organisation {
        org: demo::ORG_RECEIVER.parse().unwrap(),
        name: Name::parse(demo::ORG_RECEIVER_NAME).unwrap(),
    };
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
    let holders = s.altinn.right_holders(&bulk).await.unwrap();
    assert_eq!(holders.len(), demo::BULK_RIGHT_HOLDERS);

    let query = person_query(demo::PAGING_PERSON_FNR, demo::PAGING_PERSON_LAST_NAME).unwrap();
    let report = s.access.show(&bulk, &query).await.unwrap();
    assert_eq!(report.rights.len(), demo::PAGING_PERSON_RIGHTS);
}
