//! The mock's HAL+JSON output for the data of the documented examples, compared structurally
//! (as `serde_json::Value`) with the golden fixtures in `tests/fixtures/` (workspace root).
//! The mock serves the same data through real HTTP; only its base URL is swapped for the
//! documented host before comparing.

mod common;

use common::*;
use reqwest::Method;
use serde_json::Value;
use tilgang_mock::{
    MockServer, World, demo,
    world::{
        AdminRole, HeldRight, HeldRole, Localised, Organisation, Person, RoleDefinition, Service,
    },
};

fn fixture(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

async fn served(
    server: &MockServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    host: &str,
) -> Value {
    let mut req = api(server, method, path, token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}: {}", reason(&resp));
    let text = resp.text().await.unwrap().replace(&server.uri(), host);
    serde_json::from_str(&text).unwrap()
}

fn right(
    id: i64,
    from: &str,
    to: &str,
    code: &str,
    edition: u32,
    source: &str,
    role_id: Option<i64>,
) -> HeldRight {
    HeldRight {
        id,
        from: from.into(),
        to: to.into(),
        service_code: code.into(),
        service_edition: edition,
        action: "Read".into(),
        source: source.into(),
        role_id,
        delegator: None,
        delegated_time: "2021-12-01T11:57:43.373".into(),
        delegatable: true,
    }
}

/// The reference page's world: organisation 912345678 with a person and an organisation as
/// right holders (§5.2, §5.4).
fn reference_world() -> World {
    let mut w = World::demo();
    w.organisations.push(Organisation {
        org: "912345678".into(),
        name: "EKSEMPEL AS".into(),
        party_id: 50_999_999,
        form: "AS".into(),
    });
    w.organisations.push(Organisation {
        org: "812345679".into(),
        name: "ORGANISASJONSNAVN AS".into(),
        party_id: 50_040_999,
        form: "AS".into(),
    });
    // The example's ids collide with demo parties; give the example the ids it documents.
    w.persons.retain(|p| p.party_id != 50_006_868);
    w.rights.retain(|r| r.to != demo::PAGING_PERSON_FNR);
    w.organisations
        .iter_mut()
        .filter(|o| o.party_id == 50_040_934)
        .for_each(|o| o.party_id = 50_040_998);
    w.organisations
        .iter_mut()
        .filter(|o| o.org == "812345679")
        .for_each(|o| o.party_id = 50_040_934);
    w.persons.push(Person {
        ssn: "02095812345".into(),
        first_name: "KAI".into(),
        last_name: "MOSSIGE".into(),
        party_id: 50_006_868,
    });
    w.enterprise_users[0].roles.push(AdminRole {
        party: "912345678".into(),
        role: "Hovedadministrator".into(),
    });
    for (code, edition) in [("1120", 131_028), ("3502", 140_117), ("5123", 1)] {
        w.services.push(Service {
            code: code.into(),
            edition,
            name: code.into(),
            actions: vec!["Read".into()],
            delegable: true,
            owner: None,
            owner_code: None,
        });
    }
    w.role_definitions.push(RoleDefinition {
        id: 64,
        code: Some("REGNA".into()),
        role_type: "Altinn".into(),
        name: Localised::same("Regnskapsmedarbeider"),
        description: Localised::same("Tilgang til regnskapstjenester"),
        delegable: true,
        rights: vec![],
    });
    w.roles.push(HeldRole {
        id: 1_234_567,
        from: "912345678".into(),
        to: "02095812345".into(),
        role_definition_id: 64,
        delegator: Some("KARI NORDMANN".into()),
        delegated_time: Some("2021-12-01T11:57:43.373".into()),
    });
    w.rights.push(right(
        1_004_893,
        "912345678",
        "02095812345",
        "1120",
        131_028,
        "RoleTypeRights",
        Some(1_234_567),
    ));
    w.rights.push(right(
        1_009_589,
        "912345678",
        "02095812345",
        "3502",
        140_117,
        "DirectlyDelegatedRights",
        None,
    ));
    w.rights.push(right(
        1_009_590,
        "912345678",
        "812345679",
        "3502",
        140_117,
        "DirectlyDelegatedRights",
        None,
    ));
    w
}

#[tokio::test]
async fn right_holder_matches_rightholder_json() {
    let mut world = World::demo();
    world.rights.push(right(
        4_371_450,
        demo::ORG,
        demo::PERSON_FNR,
        "4864",
        1,
        "DirectlyDelegatedRights",
        None,
    ));
    let server = MockServer::start_with(world).await;
    let token = admin_token(&server);
    let got = served(
        &server,
        &token,
        Method::GET,
        "/api/my/authorization/Delegations/r50828869?language=1044",
        None,
        "https://tt02.altinn.no",
    )
    .await;
    assert_eq!(got, fixture("rightholder.json"));
}

#[tokio::test]
async fn right_holder_list_matches_rightholders_json() {
    let server = MockServer::start_with(reference_world()).await;
    let token = admin_token(&server);
    let got = served(
        &server,
        &token,
        Method::GET,
        "/api/912345678/authorization/Delegations",
        None,
        "https://www.altinn.no",
    )
    .await;
    assert_eq!(got, fixture("rightholders.json"));
}

#[tokio::test]
async fn rights_list_matches_rights_json() {
    let server = MockServer::start_with(reference_world()).await;
    let token = admin_token(&server);
    let got = served(
        &server,
        &token,
        Method::GET,
        "/api/912345678/authorization/Delegations/r50006868/rights",
        None,
        "https://www.altinn.no",
    )
    .await;
    assert_eq!(got, fixture("rights.json"));
}

#[tokio::test]
async fn roles_list_matches_roles_json() {
    let server = MockServer::start_with(reference_world()).await;
    let token = admin_token(&server);
    let got = served(
        &server,
        &token,
        Method::GET,
        "/api/912345678/authorization/Delegations/r50006868/roles",
        None,
        "https://www.altinn.no",
    )
    .await;
    assert_eq!(got, fixture("roles.json"));
}

#[tokio::test]
async fn reportee_conversion_matches_the_response_fixtures() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let got = served(
        &server,
        &token,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        Some(fixture("reportee_conversion_request_person.json")),
        "",
    )
    .await;
    let mut expected = fixture("reportee_conversion_response_person.json");
    // The guide shows the number in full; the mock masks every fødselsnummer it prints.
    expected["SocialSecurityNumber"] = Value::String("268992*****".into());
    assert_eq!(got, expected);
    let got = served(
        &server,
        &token,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        Some(fixture("reportee_conversion_request_organisation.json")),
        "",
    )
    .await;
    assert_eq!(
        got,
        fixture("reportee_conversion_response_organisation.json")
    );
}

#[tokio::test]
async fn documented_delegation_bodies_are_accepted() {
    let server = MockServer::start_with(reference_world()).await;
    let token = admin_token(&server);
    let resp = api(
        &server,
        Method::POST,
        "/api/my/authorization/Delegations/",
        &token,
    )
    .json(&fixture("delegation_request_guide.json"))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 201, "{}", reason(&resp));
    let resp = api(
        &server,
        Method::POST,
        "/api/912345678/authorization/Delegations",
        &token,
    )
    .json(&fixture("delegation_request_reference.json"))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 201, "{}", reason(&resp));
    // Message and system-resource rights parse, and are refused with a reason (the mock has
    // no messages or system resources).
    for name in [
        "delegation_request_message_right.json",
        "delegation_request_system_resource_right.json",
    ] {
        let resp = api(
            &server,
            Method::POST,
            "/api/912345678/authorization/Delegations",
            &token,
        )
        .json(&fixture(name))
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 400, "{name}");
        assert!(
            reason(&resp).contains("Only service rights"),
            "{}",
            reason(&resp)
        );
    }
}
