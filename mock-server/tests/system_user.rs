//! System users through real HTTP: a grant with `authorization_details` of type
//! `urn:altinn:systemuser` gets a token for an approved system user, and every other shape is
//! refused with the documented MP code (`shared/spec/maskinporten.md` §1.4, §1.6).

mod common;

use common::*;
use serde_json::{Value, json};
use tilgang_mock::{MockServer, demo};

fn details(org: &str, external_ref: Option<&str>) -> Value {
    let mut item = json!({
        "type": "urn:altinn:systemuser",
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")},
    });
    if let Some(r) = external_ref {
        item["externalRef"] = json!(r);
    }
    json!([item])
}

async fn token_claims(server: &MockServer, details: Value) -> Value {
    let grant = Grant::kid(server, "altinn:enduser").claim("authorization_details", details);
    let resp = post_token(server, &grant.sign()).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    claims(body["access_token"].as_str().unwrap())
}

async fn refused_with(server: &MockServer, details: Value, code: &str) {
    let grant = Grant::kid(server, "altinn:enduser").claim("authorization_details", details);
    let resp = post_token(server, &grant.sign()).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        body["error_uri"].as_str().unwrap().ends_with(code),
        "expected {code}: {body}"
    );
}

#[tokio::test]
async fn approved_system_user_gets_a_token_with_its_ids() {
    let server = MockServer::start().await;
    let c = token_claims(&server, details(demo::ORG, None)).await;
    assert_eq!(
        c["authorization_details"],
        json!([{
            "type": "urn:altinn:systemuser",
            "systemuser_id": [demo::SYSTEM_USER_ID],
            "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", demo::ORG)},
            "system_id": demo::SYSTEM_ID,
        }])
    );
    // The vendor (the client's owner) stays the consumer.
    assert_eq!(c["consumer"]["ID"], format!("0192:{}", demo::ORG));
}

#[tokio::test]
async fn external_ref_picks_one_of_several_system_users() {
    let server = MockServer::start().await;
    let c = token_claims(&server, details(demo::ORG, Some(demo::SYSTEM_USER_2_REF))).await;
    assert_eq!(
        c["authorization_details"][0]["systemuser_id"],
        json!([demo::SYSTEM_USER_2_ID])
    );
    refused_with(&server, details(demo::ORG, Some("no-such-ref")), "MP-303").await;
}

#[tokio::test]
async fn everything_else_is_refused_with_the_documented_code() {
    let server = MockServer::start().await;
    // An organisation without a system user for this client.
    refused_with(&server, details(demo::OTHER_ORG, None), "MP-303").await;
    // Two parties in one request.
    let mut two = details(demo::ORG, None);
    let first = two[0].clone();
    two.as_array_mut().unwrap().push(first);
    refused_with(&server, two, "MP-303").await;
    // A field the type does not define.
    let mut extra = details(demo::ORG, None);
    extra[0]["systemuser_id"] = json!(demo::SYSTEM_USER_ID);
    refused_with(&server, extra, "MP-302").await;
    // The wrong identifier scheme.
    let mut scheme = details(demo::ORG, None);
    scheme[0]["systemuser_org"]["authority"] = json!("something-else");
    refused_with(&server, scheme, "MP-303").await;
    // Not an array, and an unknown type.
    refused_with(&server, details(demo::ORG, None)[0].clone(), "MP-303").await;
    refused_with(&server, json!([{"type": "urn:altinn:unknown"}]), "MP-301").await;
    // Consent is a known type, but the world has no consents.
    refused_with(&server, json!([{"type": "urn:altinn:consent"}]), "MP-303").await;
}

#[tokio::test]
async fn another_client_cannot_use_the_system_user() {
    let server = MockServer::start().await;
    let grant = Grant::cert(&server, "altinn:enduser")
        .claim("authorization_details", details(demo::ORG, None));
    let resp = post_token(&server, &grant.sign()).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error_uri"].as_str().unwrap().ends_with("MP-303"),
        "{body}"
    );
}
