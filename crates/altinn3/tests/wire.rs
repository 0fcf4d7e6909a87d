//! Every endpoint method sends exactly the request of `shared/spec/altinn3-accessmanagement.md`
//! §2.3 and §6.1: method, path, query text (names and order as sent, and the one lower-case
//! hyphenated spelling of every UUID, because the API compares `party` with `from`/`to` as raw
//! strings), headers and body. Each test serves a catch-all answer and then reads the one
//! request wiremock received, so a parameter too many is caught as surely as one too few.

mod common;

use common::*;
use serde_json::json;
use tilgang_altinn3::wire::PersonInput;
use tilgang_domain::{ResourceId, RoleCode};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers::any};

/// The UUIDs as the tests give them: upper-case, so a client that printed what it was given
/// instead of the one canonical form would be caught.
fn org() -> tilgang_domain::PartyUuid {
    uuid(&ORG.to_uppercase())
}

fn pa() -> tilgang_domain::PartyUuid {
    uuid(&PA.to_uppercase())
}

fn resource() -> ResourceId {
    ResourceId::parse(RESOURCE).unwrap()
}

/// A server that answers every request with `status` and `body`.
async fn answering(status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

/// What one request must look like.
struct Expected<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    body: Option<serde_json::Value>,
    /// Whether the request carries the Altinn token (the metadata API is public).
    authorized: bool,
}

fn assert_request(request: &Request, want: Expected<'_>) {
    let shown = line(request);
    assert_eq!(request.method.as_str(), want.method, "{shown}");
    assert_eq!(request.url.path(), want.path, "{shown}");
    assert_eq!(request.url.query(), want.query, "{shown}");
    let bearer = format!("Bearer {TOKEN}");
    if want.authorized {
        assert_eq!(header(request, "authorization"), Some(bearer.as_str()));
    } else {
        assert_eq!(header(request, "authorization"), None, "{shown}");
    }
    assert_eq!(
        header(request, "accept"),
        Some("application/json"),
        "{shown}"
    );
    // The paging headers are ignored by the server (§2.2); sending them would suggest they
    // page, so the client never does.
    for paging in ["x-page-size", "x-page-number"] {
        assert_eq!(header(request, paging), None, "{shown} sends {paging}");
    }
    match want.body {
        Some(body) => {
            assert_eq!(
                header(request, "content-type"),
                Some("application/json"),
                "{shown}"
            );
            assert_eq!(json_body(request), body, "{shown}");
        }
        None => {
            assert!(request.body.is_empty(), "{shown} sends a body");
            assert_eq!(header(request, "content-type"), None, "{shown}");
        }
    }
}

/// `party=ORG&from=ORG&to=PA` as the API wants it.
fn pair() -> String {
    format!("party={ORG}&from={ORG}&to={PA}")
}

#[tokio::test]
async fn e1_asks_for_the_authorized_parties_with_their_packages() {
    let server = answering(200, r#"{"links":{"next":null},"data":[]}"#).await;
    let (client, _) = client(&server);
    client.authorized_parties().await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/authorizedparties"),
            query: Some("includeAccessPackages=true"),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e2_lists_the_right_holders_with_party_and_from_alike() {
    let server = answering(200, r#"{"links":{"next":null},"data":[]}"#).await;
    let (client, _) = client(&server);
    client.connections(org(), None).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections"),
            query: Some(&format!("party={ORG}&from={ORG}")),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e2_for_one_holder_adds_to() {
    let server = answering(200, r#"{"links":{"next":null},"data":[]}"#).await;
    let (client, _) = client(&server);
    client.connections(org(), Some(pa())).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections"),
            query: Some(&pair()),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e3_posts_the_person_input_with_party_only() {
    let server = answering(200, &fixture("x03_assignment.json")).await;
    let (client, _) = client(&server);
    let person = PersonInput::new(PA_FNR_IN_FIXTURES, "Nordmann");
    client.add_person(org(), &person).await.unwrap();
    let request = only_request(&server).await;
    assert_request(
        &request,
        Expected {
            method: "POST",
            path: &format!("{ENDUSER}/connections"),
            query: Some(&format!("party={ORG}")),
            body: Some(json!({"personIdentifier": PA_FNR_IN_FIXTURES, "lastName": "Nordmann"})),
            authorized: true,
        },
    );
    // The number travels only in the body, never in the URL (which proxies log).
    assert!(!request.url.as_str().contains(PA_FNR_IN_FIXTURES));
}

#[tokio::test]
async fn e3_with_to_adds_a_party_without_a_body() {
    let server = answering(200, &fixture("x03_assignment.json")).await;
    let (client, _) = client(&server);
    client.add_party(org(), pa()).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "POST",
            path: &format!("{ENDUSER}/connections"),
            query: Some(&format!("party={ORG}&to={PA}")),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e4_removes_a_right_holder_without_cascade_unless_asked() {
    for (cascade, query) in [(false, pair()), (true, format!("{}&cascade=true", pair()))] {
        let server = answering(204, "").await;
        let (client, _) = client(&server);
        client
            .remove_connection(org(), pa(), cascade)
            .await
            .unwrap();
        assert_request(
            &only_request(&server).await,
            Expected {
                method: "DELETE",
                path: &format!("{ENDUSER}/connections"),
                query: Some(&query),
                body: None,
                authorized: true,
            },
        );
    }
}

#[tokio::test]
async fn e5_reads_the_packages_of_one_holder() {
    let server = answering(200, r#"{"links":{"next":null},"data":[]}"#).await;
    let (client, _) = client(&server);
    client.packages(org(), pa()).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections/accesspackages"),
            query: Some(&pair()),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e6_gives_a_package_by_its_bare_code_without_a_body() {
    let server = answering(200, &fixture("x05_assignment_package.json")).await;
    let (client, _) = client(&server);
    // Given as a URN, sent as the bare code, which the API accepts in every form (§2.3 E6).
    let code = package("urn:altinn:accesspackage:posttjenester");
    client.add_package(org(), pa(), &code).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "POST",
            path: &format!("{ENDUSER}/connections/accesspackages"),
            query: Some(&format!("party={ORG}&to={PA}&package=posttjenester")),
            // A PersonInput here would be looked up and counted against the lookup limit,
            // and its result thrown away (§2.3 E6), so none is sent.
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e7_takes_a_package_away() {
    let server = answering(204, "").await;
    let (client, _) = client(&server);
    client
        .remove_package(org(), pa(), &package("posttjenester"))
        .await
        .unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "DELETE",
            path: &format!("{ENDUSER}/connections/accesspackages"),
            query: Some(&format!("{}&package=posttjenester", pair())),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e8_repeats_packages_once_per_package() {
    let server = answering(200, r#"{"links":{"next":null},"data":[]}"#).await;
    let (client, _) = client(&server);
    client
        .package_check(
            org(),
            &[package("posttjenester"), package("skattegrunnlag")],
        )
        .await
        .unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections/accesspackages/delegationcheck"),
            query: Some(&format!(
                "party={ORG}&packages=posttjenester&packages=skattegrunnlag"
            )),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e9_reads_the_resources_of_one_holder() {
    let server = answering(200, "[]").await;
    let (client, _) = client(&server);
    client.resources(org(), pa()).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections/resources"),
            query: Some(&pair()),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e10_reads_the_rights_on_one_resource() {
    let server = answering(200, &fixture("x08_resource_rights.json")).await;
    let (client, _) = client(&server);
    client
        .resource_rights(org(), pa(), &resource())
        .await
        .unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections/resources/rights"),
            query: Some(&format!("{}&resource={RESOURCE}", pair())),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e11_checks_a_resource_with_party_only() {
    let server = answering(200, &fixture("x09_resource_delegation_check.json")).await;
    let (client, _) = client(&server);
    client.resource_check(org(), &resource()).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections/resources/delegationcheck"),
            query: Some(&format!("party={ORG}&resource={RESOURCE}")),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e12_posts_the_right_keys() {
    let server = answering(201, "").await;
    let (client, _) = client(&server);
    client
        .add_resource_rights(org(), pa(), &resource(), vec![K1.to_owned()])
        .await
        .unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&fixture("x09_e12_right_keys_request.json")).unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "POST",
            path: &format!("{ENDUSER}/connections/resources/rights"),
            query: Some(&format!("party={ORG}&to={PA}&resource={RESOURCE}")),
            body: Some(want),
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e13_puts_the_whole_key_set() {
    let server = answering(200, "").await;
    let (client, _) = client(&server);
    client
        .replace_resource_rights(org(), pa(), &resource(), vec![K1.to_owned(), K2.to_owned()])
        .await
        .unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "PUT",
            path: &format!("{ENDUSER}/connections/resources/rights"),
            query: Some(&format!("party={ORG}&to={PA}&resource={RESOURCE}")),
            body: Some(json!({"directRightKeys": [K1, K2]})),
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e14_removes_every_right_on_a_resource() {
    let server = answering(204, "").await;
    let (client, _) = client(&server);
    client
        .remove_resource(org(), pa(), &resource())
        .await
        .unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "DELETE",
            path: &format!("{ENDUSER}/connections/resources"),
            query: Some(&format!("{}&resource={RESOURCE}", pair())),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e15_reads_the_roles_of_one_holder() {
    let server = answering(200, r#"{"links":{"next":null},"data":[]}"#).await;
    let (client, _) = client(&server);
    client.roles(org(), pa()).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: &format!("{ENDUSER}/connections/roles"),
            query: Some(&pair()),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn e16_removes_a_role_by_its_lower_case_rolecode() {
    let server = answering(204, "").await;
    let (client, _) = client(&server);
    // Given in the Altinn 2 spelling; the API compares the lower-cased code (§2.3 E16).
    let role = RoleCode::parse("UTINN").unwrap();
    client.remove_role(org(), pa(), &role).await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "DELETE",
            path: &format!("{ENDUSER}/connections/roles"),
            query: Some(&format!("{}&rolecode=utinn", pair())),
            body: None,
            authorized: true,
        },
    );
}

#[tokio::test]
async fn the_package_search_is_public_and_encodes_the_term() {
    let server = answering(200, "[]").await;
    let (client, tokens) = client(&server);
    client.search_packages("post & skatt").await.unwrap();
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: "/accessmanagement/api/v1/meta/info/accesspackages/search",
            query: Some("term=post%20%26%20skatt"),
            body: None,
            authorized: false,
        },
    );
    // A public call has no use for the token, so it does not even fetch one.
    assert_eq!(tokens.fetched(), 0);
}

#[tokio::test]
async fn a_package_is_read_by_its_urn_without_a_token() {
    let package_json = json!({
        "id": "a736c33b-c15a-43ac-85be-a684630e1e59", "name": "Posttjenester",
        "urn": "urn:altinn:accesspackage:posttjenester", "description": null,
        "isDelegable": true, "isAssignable": true, "isResourcePolicyAvailable": true,
        "area": null, "type": null, "resources": []
    });
    let server = answering(200, &package_json.to_string()).await;
    let (client, tokens) = client(&server);
    let found = client
        .package_by_urn(&package("posttjenester"))
        .await
        .unwrap();
    assert_eq!(found.code(), "posttjenester");
    assert_request(
        &only_request(&server).await,
        Expected {
            method: "GET",
            path: "/accessmanagement/api/v1/meta/info/accesspackages/package/urn/urn:altinn:accesspackage:posttjenester",
            query: None,
            body: None,
            authorized: false,
        },
    );
    assert_eq!(tokens.fetched(), 0);
}

#[tokio::test]
async fn a_platform_url_with_the_api_path_is_not_doubled() {
    let server = answering(200, "[]").await;
    let tokens = ScriptedTokens::new(&[TOKEN]);
    let base = format!("{}/accessmanagement/api/v1/", server.uri());
    let client = client_with(&base, tokens, tilgang_ports::RetryPolicy::NONE);
    client.resources(org(), pa()).await.unwrap();
    assert_eq!(
        only_request(&server).await.url.path(),
        format!("{ENDUSER}/connections/resources")
    );
}

/// The search answers hits, each wrapping the package with its score (the wire crate's
/// `SearchObject`, which the mock server writes), not bare packages.
#[tokio::test]
async fn the_package_search_reads_the_hits_of_the_wire_model() {
    let hit = json!([{
        "object": {
            "id": "a736c33b-c15a-43ac-85be-a684630e1e59", "name": "Posttjenester",
            "urn": "urn:altinn:accesspackage:posttjenester", "description": null,
            "isDelegable": true, "isAssignable": true, "isResourcePolicyAvailable": true,
            "area": null, "type": null, "resources": []
        },
        "score": 1.5,
        "fields": null
    }]);
    let server = answering(200, &hit.to_string()).await;
    let (client, _) = client(&server);
    let found = client.search_packages("post").await.unwrap();
    let codes: Vec<&str> = found.iter().map(|p| p.code()).collect();
    assert_eq!(codes, ["posttjenester"]);
}
