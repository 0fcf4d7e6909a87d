//! Nothing the adapter prints gives away the Altinn token or a full fødselsnummer: not the
//! client's `Debug`, not an error's `Debug` or `Display`, and not the values it returns, which
//! callers log freely. The numbers are the fixtures' own (01017012345 and 02028012345) and a
//! valid synthetic one the client itself sends.

mod common;

use std::fmt::Debug;

use common::*;
use tilgang_altinn3::wire::PersonInput;
use tilgang_ports::{Parties, Rights};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

/// Fails when `text` holds the token or a full number.
fn assert_clean(what: &str, text: &str) {
    for secret in [TOKEN, TOKEN_2, "secret-payload", "renewed-payload"] {
        assert!(!text.contains(secret), "{what} shows the token: {text}");
    }
    let fnrs = [
        PA_FNR_IN_FIXTURES.to_owned(),
        PD_FNR_IN_FIXTURES.to_owned(),
        pa_fnr().expose().to_owned(),
    ];
    for fnr in &fnrs {
        assert!(
            !text.contains(fnr.as_str()),
            "{what} shows a fødselsnummer: {text}"
        );
    }
}

fn assert_debug_clean(what: &str, value: &impl Debug) {
    assert_clean(what, &format!("{value:?}"));
    assert_clean(what, &format!("{value:#?}"));
}

async fn serve(server: &MockServer, verb: &str, tail: &str, status: u16, body: String) {
    Mock::given(method(verb))
        .and(path(format!("{ENDUSER}/{tail}")))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_client_does_not_show_its_token() {
    let server = MockServer::start().await;
    serve(&server, "GET", "connections/resources", 200, "[]".into()).await;
    let (client, _) = client(&server);
    // After a call, so the token has been fetched and its header built.
    client.resources(uuid(ORG), uuid(PA)).await.unwrap();
    assert_debug_clean("the client", &client);
}

#[tokio::test]
async fn values_read_from_the_fixtures_do_not_show_the_numbers() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections",
        200,
        fixture("x02_connections.json"),
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/accesspackages",
        200,
        fixture("x04_package_permissions.json"),
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/resources",
        200,
        fixture("x07_resource_permissions.json"),
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/resources/rights",
        200,
        fixture("x08_resource_rights.json"),
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/roles",
        200,
        fixture("x10_role_permissions.json"),
    )
    .await;
    let (client, _) = client(&server);
    let (org, pa) = (uuid(ORG), uuid(PA));
    let connections = client.connections(org, None).await.unwrap();
    // The fixture does hold the number, so a clean Debug is the masking's doing.
    assert_eq!(
        connections[0].party.person_identifier.as_deref(),
        Some(PA_FNR_IN_FIXTURES)
    );
    assert_debug_clean("E2's connections", &connections);
    assert_debug_clean("E5's packages", &client.packages(org, pa).await.unwrap());
    assert_debug_clean("E9's resources", &client.resources(org, pa).await.unwrap());
    let resource = tilgang_domain::ResourceId::parse(RESOURCE).unwrap();
    assert_debug_clean(
        "E10's rights",
        &client.resource_rights(org, pa, &resource).await.unwrap(),
    );
    assert_debug_clean("E15's roles", &client.roles(org, pa).await.unwrap());
    let holders = client.right_holders(&org_ref()).await.unwrap();
    assert_debug_clean("the right holders", &holders);
    let holdings = client.holdings(&org_ref(), &holder(PA)).await.unwrap();
    assert_debug_clean("the holdings", &holdings);
}

#[tokio::test]
async fn a_resolved_or_added_person_does_not_show_the_number() {
    let server = MockServer::start().await;
    serve(&server, "GET", "connections", 200, x02_with_valid_numbers()).await;
    let (client, _) = client(&server);
    let query = person(pa_fnr(), "Nordmann");
    assert_debug_clean("the query", &query);
    let found = client.resolve(&org_ref(), &query).await.unwrap();
    assert!(found.is_some());
    assert_debug_clean("a resolved person", &found);
    let added = client.add_right_holder(&org_ref(), &query).await.unwrap();
    assert_debug_clean("an added right holder", &added);
    assert_debug_clean(
        "the body sent",
        &PersonInput::new(pa_fnr().expose(), "Nordmann"),
    );
}

#[tokio::test]
async fn errors_do_not_show_the_token_or_the_number() {
    let server = MockServer::start().await;
    serve(&server, "GET", "connections", 200, x02_with_valid_numbers()).await;
    serve(
        &server,
        "POST",
        "connections",
        400,
        fixture("x13_problem_person_mismatch.json"),
    )
    .await;
    serve(&server, "GET", "connections/roles", 401, String::new()).await;
    let (client, _) = client(&server);

    // A last name that does not match a listed number names the person.
    let wrong_name = client
        .resolve(&org_ref(), &person(pa_fnr(), "Hansen"))
        .await
        .unwrap_err();
    assert_debug_clean("a name mismatch", &wrong_name);
    assert_clean("a name mismatch", &wrong_name.to_string());

    // Altinn's refusal of a person lookup, after the number was sent in the body.
    let refused = client
        .add_person(uuid(ORG), &PersonInput::new(pa_fnr().expose(), "Hansen"))
        .await
        .unwrap_err();
    assert!(refused.has_code("AM.VLD-00034"));
    assert_debug_clean("a refused lookup", &refused);
    assert_clean("a refused lookup", &refused.to_string());

    // A refused token, after one renewal.
    let unauthorized = client.roles(uuid(ORG), uuid(PA)).await.unwrap_err();
    assert_eq!(unauthorized.status(), Some(401));
    assert_debug_clean("a 401", &unauthorized);
    assert_clean("a 401", &unauthorized.to_string());
}
