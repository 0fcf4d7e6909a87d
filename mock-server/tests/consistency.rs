//! The party indexes follow every change of the world, and the state file holds every change
//! the mock acknowledged, also when many arrive at once.

mod common;

use std::net::SocketAddr;

use common::*;
use reqwest::Method;
use serde_json::json;
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, RightRequest,
    hal::{self, EmbeddedCasing},
};
use tilgang_domain::{Action, ServiceCode, ServiceEditionCode};
use tilgang_mock::{MockServer, World, demo, world::Person};

/// A person who is not in the demo world: the demo person HEIS under a new party id and name.
fn newcomer() -> Person {
    Person {
        ssn: demo::PERSON_FNR.into(),
        first_name: "NY".into(),
        last_name: "NYKOMMER".into(),
        party_id: 77_000_001,
    }
}

async fn convert(server: &MockServer, token: &str, ssn: &str, last_name: &str) -> Option<String> {
    let resp = api(
        server,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        token,
    )
    .json(&json!({"SocialSecurityNumber": ssn, "LastName": last_name}))
    .send()
    .await
    .unwrap();
    match resp.status().as_u16() {
        200 => Some(
            hal::decode_reportee(&resp.bytes().await.unwrap())
                .unwrap()
                .reportee_id
                .as_str()
                .to_owned(),
        ),
        404 => None,
        other => panic!("ReporteeConversion answered {other}"),
    }
}

async fn holder_status(server: &MockServer, token: &str, rid: &str) -> u16 {
    api(
        server,
        Method::GET,
        &format!("/api/my/authorization/Delegations/{rid}"),
        token,
    )
    .send()
    .await
    .unwrap()
    .status()
    .as_u16()
}

/// The demo world with HEIS replaced by the newcomer (same fødselsnummer, new id and name).
fn world_with_newcomer() -> World {
    let mut world = World::demo();
    world.persons.retain(|p| p.ssn != demo::PERSON_FNR);
    world.persons.push(newcomer());
    world
}

#[tokio::test]
async fn lookups_follow_every_kind_of_world_replacement() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let heis = || convert(&server, &token, demo::PERSON_FNR, demo::PERSON_LAST_NAME);
    let nykommer = || convert(&server, &token, demo::PERSON_FNR, "nykommer");
    assert_eq!(heis().await.as_deref(), Some("r50828869"));
    assert_eq!(nykommer().await, None);

    // MockServer::set_world.
    server.set_world(world_with_newcomer());
    assert_eq!(heis().await, None);
    assert_eq!(nykommer().await.as_deref(), Some("r77000001"));
    assert_eq!(holder_status(&server, &token, "r77000001").await, 200);
    assert_eq!(holder_status(&server, &token, "r50828869").await, 404);

    // POST /_mock/reset.
    let resp = client()
        .post(format!("{}/_mock/reset", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(heis().await.as_deref(), Some("r50828869"));
    assert_eq!(nykommer().await, None);
    assert_eq!(holder_status(&server, &token, "r77000001").await, 404);

    // PUT /_mock/state.
    let resp = client()
        .put(format!("{}/_mock/state", server.uri()))
        .body(world_with_newcomer().to_json())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(heis().await, None);
    assert_eq!(nykommer().await.as_deref(), Some("r77000001"));

    // MockServer::reset.
    server.reset();
    assert_eq!(heis().await.as_deref(), Some("r50828869"));
    assert_eq!(holder_status(&server, &token, "r77000001").await, 404);

    // MockServer::update_world, changing a party in place: a new party id and a new
    // organisation number are found at once, the old ones no longer.
    server.update_world(|w| {
        let p = w
            .persons
            .iter_mut()
            .find(|p| p.ssn == demo::PERSON_FNR)
            .unwrap();
        p.party_id = 77_000_002;
        let o = w
            .organisations
            .iter_mut()
            .find(|o| o.org == demo::ORG_RECEIVER)
            .unwrap();
        o.org = "987654325".into();
    });
    assert_eq!(heis().await.as_deref(), Some("r77000002"));
    assert_eq!(holder_status(&server, &token, "r77000002").await, 200);
    assert_eq!(holder_status(&server, &token, "r50828869").await, 404);
    assert_eq!(holder_status(&server, &token, "987654325").await, 200);
    assert_eq!(
        holder_status(&server, &token, demo::ORG_RECEIVER).await,
        404
    );
}

#[tokio::test]
async fn delegating_to_a_person_added_by_a_replacement_works() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    server.set_world(world_with_newcomer());
    let request = DelegationRequest {
        receiver: Receiver::Person {
            ssn: demo::PERSON_FNR.into(),
            last_name: "NYKOMMER".into(),
        },
        rights: vec![read_right(demo::SERVICE_CODE, demo::SERVICE_EDITION)],
        roles: vec![],
        email: None,
    };
    let resp = api(
        &server,
        Method::POST,
        "/api/my/authorization/Delegations",
        &token,
    )
    .header("Content-Type", "application/hal+json")
    .body(hal::encode_delegation_request(
        &request,
        EmbeddedCasing::Lower,
    ))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
    let holder = api(
        &server,
        Method::GET,
        "/api/my/authorization/Delegations/r77000001",
        &token,
    )
    .send()
    .await
    .unwrap();
    let holder = hal::decode_right_holder(&holder.bytes().await.unwrap()).unwrap();
    assert_eq!(holder.rights.len(), 1);
}

fn read_right(code: &str, edition: u32) -> RightRequest {
    RightRequest::service(
        ServiceCode::parse(code).unwrap(),
        ServiceEditionCode::new(edition).unwrap(),
        Action::Read,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_file_holds_every_acknowledged_change_made_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let server = MockServer::bind(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        World::demo(),
        Some(state.clone()),
    )
    .await
    .unwrap();
    let token = admin_token(&server);
    // Twelve delegations (one per bulk service) and a deletion, all in flight together.
    let posts = (0..12).map(|i| {
        let request = DelegationRequest {
            receiver: Receiver::Person {
                ssn: demo::PERSON_FNR.into(),
                last_name: demo::PERSON_LAST_NAME.into(),
            },
            rights: vec![read_right(&format!("{}", 9100 + i), 1)],
            roles: vec![],
            email: None,
        };
        api(
            &server,
            Method::POST,
            "/api/my/authorization/Delegations",
            &token,
        )
        .header("Content-Type", "application/hal+json")
        .body(hal::encode_delegation_request(
            &request,
            EmbeddedCasing::Lower,
        ))
        .send()
    });
    let delete = api(
        &server,
        Method::DELETE,
        &format!(
            "/api/my/authorization/Delegations/r50828870/rights/{}",
            demo::ROLE_PERSON_DIRECT_RIGHT_ID
        ),
        &token,
    )
    .send();
    let (posted, deleted) = tokio::join!(futures_join_all(posts), delete);
    for resp in posted {
        assert_eq!(resp.unwrap().status(), 201);
    }
    assert_eq!(deleted.unwrap().status(), 204);
    // Every change was acknowledged, so the file holds all of them now, with no waiting.
    let saved = World::load(&state).unwrap();
    assert_eq!(saved, server.world());
    let held: Vec<&str> = saved
        .rights
        .iter()
        .filter(|r| r.to == demo::PERSON_FNR && r.from == demo::ORG)
        .map(|r| r.service_code.as_str())
        .collect();
    for i in 0..12 {
        assert!(held.contains(&format!("{}", 9100 + i).as_str()), "{held:?}");
    }
    assert!(
        saved
            .rights
            .iter()
            .all(|r| r.id != demo::ROLE_PERSON_DIRECT_RIGHT_ID)
    );
}

/// Runs futures concurrently on the runtime's workers (the crate has no `futures`
/// dependency) and returns their outputs in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_log_and_counters_show_a_normalised_request_as_sent() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let resp = api(
        &server,
        Method::GET,
        "/API/My/Authorization/Delegations/R50828869/?Language=1044",
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let log = server.requests();
    let last = log.last().unwrap();
    assert_eq!(last.path, "/API/My/Authorization/Delegations/R50828869/");
    assert_eq!(last.query.as_deref(), Some("Language=1044"));
    assert_eq!(
        last.route.as_deref(),
        Some("GET /api/{who}/authorization/Delegations/{receiverId}")
    );
    assert_eq!(
        server.count("get /API/{WHO}/authorization/delegations/{receiverId}"),
        1
    );
    assert_eq!(
        server.counters().into_iter().collect::<Vec<_>>(),
        vec![(
            "GET /api/{who}/authorization/Delegations/{receiverId}".to_owned(),
            1
        )]
    );
}
