//! System users end to end (`shared/spec/altinn3-accessmanagement.md` §5): the grant checks
//! work on the grant as parsed, the exchange copies the system user into the Altinn token,
//! and the onboarding flow (register a system, request a system user, approve it through
//! `/_mock/`, get a token, call E1) works through real HTTP.

mod common;

use base64::{
    Engine,
    engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD},
};
use common::*;
use serde_json::{Value, json};
use tilgang_mock::{MockServer, World, demo};

async fn error_code(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    let uri = body["error_uri"].as_str().unwrap_or_default();
    (
        status,
        uri.rsplit('/').next().unwrap_or_default().to_owned(),
    )
}

// --- Grant checks on the parsed grant --------------------------------------------------------

#[tokio::test]
async fn the_same_grant_with_surrounding_whitespace_is_a_replay() {
    let server = MockServer::start().await;
    let grant = Grant::kid(&server, "altinn:enduser").sign();
    assert_eq!(post_token(&server, &grant).await.status(), 200);
    let padded = format!("  {grant}\n");
    assert_eq!(
        error_code(post_token(&server, &padded).await).await,
        (400, "MP-012".into())
    );
}

#[tokio::test]
async fn the_same_grant_with_its_signature_re_encoded_is_a_replay() {
    let server = MockServer::start().await;
    let grant = Grant::kid(&server, "altinn:enduser").sign();
    let (input, sig) = grant.rsplit_once('.').unwrap();
    // The same signature bytes as padded base64url: another text, the same signed grant.
    let bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let reencoded = format!("{input}.{}", URL_SAFE.encode(&bytes));
    assert_ne!(reencoded, grant);
    assert_eq!(post_token(&server, &reencoded).await.status(), 200);
    assert_eq!(
        error_code(post_token(&server, &grant).await).await,
        (400, "MP-012".into())
    );
}

#[tokio::test]
async fn a_grant_without_jti_is_spent_by_its_claims() {
    let server = MockServer::start().await;
    let grant = Grant::kid(&server, "altinn:enduser")
        .without_claim("jti")
        .sign();
    assert_eq!(post_token(&server, &grant).await.status(), 200);
    assert_eq!(
        error_code(post_token(&server, &format!(" {grant} ")).await).await,
        (400, "MP-012".into())
    );
}

fn unsigned(server: &MockServer, with_signature_part: bool) -> String {
    let g = Grant::kid(server, "altinn:enduser");
    let h =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json!({"alg": "none", "typ": "JWT"})).unwrap());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&g.claims).unwrap());
    if with_signature_part {
        format!("{h}.{c}.")
    } else {
        format!("{h}.{c}")
    }
}

#[tokio::test]
async fn an_unsigned_grant_is_refused_as_a_disallowed_algorithm() {
    let server = MockServer::start().await;
    for with_part in [true, false] {
        let resp = post_token(&server, &unsigned(&server, with_part)).await;
        assert_eq!(
            error_code(resp).await,
            (400, "MP-124".into()),
            "{with_part}"
        );
    }
}

#[tokio::test]
async fn an_rs256_grant_without_a_signature_is_refused() {
    let server = MockServer::start().await;
    let grant = Grant::kid(&server, "altinn:enduser").sign();
    let (input, _) = grant.rsplit_once('.').unwrap();
    let resp = post_token(&server, &format!("{input}.")).await;
    assert_eq!(error_code(resp).await, (400, "MP-124".into()));
}

#[tokio::test]
async fn resource_must_parse_as_an_absolute_uri() {
    let server = MockServer::start().await;
    for bad in [
        "https://",
        "https://exa mple.no/",
        "tt02.altinn.no",
        "https//x.no",
    ] {
        let grant = Grant::kid(&server, "altinn:enduser").claim("resource", json!(bad));
        let resp = post_token(&server, &grant.sign()).await;
        assert_eq!(error_code(resp).await, (400, "MP-011".into()), "{bad}");
    }
    let good = Grant::kid(&server, "altinn:enduser").claim("resource", json!("urn:altinn:test"));
    assert_eq!(post_token(&server, &good.sign()).await.status(), 200);
}

// --- The exchange (§5.2) ----------------------------------------------------------------------

fn details(org: &str) -> Value {
    json!([{
        "type": "urn:altinn:systemuser",
        "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")},
    }])
}

async fn system_user_mp_token(server: &MockServer, org: &str, scope: &str) -> String {
    let grant = Grant::kid(server, scope).claim("authorization_details", details(org));
    let resp = post_token(server, &grant.sign()).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn exchange(server: &MockServer, mp: &str) -> String {
    let resp = client()
        .get(server.exchange_url())
        .bearer_auth(mp)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

#[tokio::test]
async fn the_exchange_copies_the_system_user_and_adds_no_user_or_party() {
    let server = MockServer::start().await;
    let mp = system_user_mp_token(
        &server,
        demo::ORG,
        "altinn:accessmanagement/authorizedparties",
    )
    .await;
    let altinn = claims(&exchange(&server, &mp).await);
    assert_eq!(
        altinn["authorization_details"],
        claims(&mp)["authorization_details"]
    );
    assert_eq!(
        altinn["authorization_details"][0]["systemuser_id"][0],
        demo::SYSTEM_USER_ID
    );
    assert_eq!(altinn["urn:altinn:orgNumber"], demo::ORG);
    assert_eq!(altinn["urn:altinn:authenticatemethod"], "maskinporten");
    assert_eq!(altinn["urn:altinn:authlevel"], 3);
    for absent in [
        "urn:altinn:userid",
        "urn:altinn:partyid",
        "urn:altinn:party:uuid",
        "aud",
        "client_amr",
    ] {
        assert!(altinn.get(absent).is_none(), "{absent}");
    }
}

#[tokio::test]
async fn the_enterprise_user_header_still_gets_410() {
    let mut world = World::demo();
    world.settings.enterprise_user_gone = true;
    let server = MockServer::start_with(world).await;
    let mp = system_user_mp_token(&server, demo::ORG, "altinn:enduser").await;
    let resp = client()
        .get(server.exchange_url())
        .bearer_auth(mp)
        .header(
            tilgang_mock::ENTERPRISE_USER_HEADER,
            enterprise_header(demo::ENTERPRISE_USER, demo::ENTERPRISE_PASSWORD),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 410);
}

// --- Onboarding (§5.5) -------------------------------------------------------------------------

const VENDOR_SCOPES: &str = "altinn:authentication/systemregister.write altinn:authentication/systemuser.request.write altinn:authentication/systemuser.request.read";

async fn vendor_token(server: &MockServer) -> String {
    let mp = access_token(server, VENDOR_SCOPES).await;
    exchange(server, &mp).await
}

async fn call(
    server: &MockServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = client()
        .request(
            method,
            format!("{}/authentication/api/v1/{path}", server.uri()),
        )
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn onboarding_end_to_end() {
    let server = MockServer::start().await;
    let vendor = vendor_token(&server).await;
    let system_id = format!("{}_hr-sync", demo::ORG);
    // 1. The vendor registers a system with the packages it needs.
    let resp = call(
        &server,
        reqwest::Method::POST,
        "systemregister/vendor",
        &vendor,
        Some(json!({
            "id": system_id,
            "vendor": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", demo::ORG)},
            "name": {"nb": "HR-synk", "nn": "HR-synk", "en": "HR sync"},
            "description": {"nb": "Synk", "nn": "Synk", "en": "Sync"},
            "rights": [],
            "accessPackages": [
                {"urn": "urn:altinn:accesspackage:tilgangsstyrer"},
                {"urn": "urn:altinn:accesspackage:posttjenester"}
            ],
            "clientId": [demo::CLIENT_ID],
            "isVisible": true
        })),
    )
    .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let read: Value = call(
        &server,
        reqwest::Method::GET,
        &format!("systemregister/vendor/{system_id}"),
        &vendor,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(read["accessPackages"].as_array().unwrap().len(), 2);
    // 2. It asks the customer for a system user.
    let request = json!({
        "systemId": system_id,
        "partyOrgNo": demo::BULK_ORG,
        "accessPackages": [
            {"urn": "urn:altinn:accesspackage:tilgangsstyrer"},
            {"urn": "urn:altinn:accesspackage:posttjenester"}
        ]
    });
    let resp = call(
        &server,
        reqwest::Method::POST,
        "systemuser/request/vendor",
        &vendor,
        Some(request.clone()),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(location.ends_with(&format!("/authentication/api/v1/systemuser/request/{id}")));
    assert_eq!(created["status"], "New");
    assert_eq!(created["externalRef"], demo::BULK_ORG);
    assert!(created["confirmUrl"].as_str().unwrap().contains(&id));
    // The same request again answers the open one.
    let again = call(
        &server,
        reqwest::Method::POST,
        "systemuser/request/vendor",
        &vendor,
        Some(request.clone()),
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], id.as_str());
    let by_ref = call(
        &server,
        reqwest::Method::GET,
        &format!(
            "systemuser/request/vendor/byexternalref/{system_id}/{}/{}",
            demo::BULK_ORG,
            demo::BULK_ORG
        ),
        &vendor,
        None,
    )
    .await;
    assert_eq!(by_ref.json::<Value>().await.unwrap()["id"], id.as_str());
    // 3. The customer's approver approves it.
    let approved = client()
        .post(format!(
            "{}/_mock/systemuser/requests/{id}/approve",
            server.uri()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let su = approved.json::<Value>().await.unwrap()["systemUserId"]
        .as_str()
        .unwrap()
        .to_owned();
    let status: Value = call(
        &server,
        reqwest::Method::GET,
        &format!("systemuser/request/vendor/{id}"),
        &vendor,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(status["status"], "Accepted");
    // A system user now exists: another request is AUTH-00004.
    let exists = call(
        &server,
        reqwest::Method::POST,
        "systemuser/request/vendor",
        &vendor,
        Some(request),
    )
    .await;
    assert_eq!(exists.status(), 400);
    assert_eq!(exists.json::<Value>().await.unwrap()["code"], "AUTH-00004");
    let listed: Value = call(
        &server,
        reqwest::Method::GET,
        &format!("systemuser/vendor/bysystem/{system_id}"),
        &vendor,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(listed["data"][0]["id"], su.as_str());
    // The system user was created at the approval and keeps that time: a later read, with
    // the clock moved on, reports the same `created`.
    let created = listed["data"][0]["created"].clone();
    assert!(created.is_string(), "{listed}");
    server.clock().advance(std::time::Duration::from_secs(600));
    let again: Value = call(
        &server,
        reqwest::Method::GET,
        &format!("systemuser/vendor/bysystem/{system_id}"),
        &vendor,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(again["data"][0]["created"], created);
    // 4. The vendor gets a system-user token, exchanges it and sees the customer in E1.
    let mp = system_user_mp_token(
        &server,
        demo::BULK_ORG,
        "altinn:accessmanagement/authorizedparties",
    )
    .await;
    assert_eq!(
        claims(&mp)["authorization_details"][0]["systemuser_id"][0],
        su.as_str()
    );
    let altinn = exchange(&server, &mp).await;
    let parties: Value = client()
        .get(format!(
            "{}/accessmanagement/api/v1/enduser/authorizedparties?includeAccessPackages=true",
            server.uri()
        ))
        .bearer_auth(altinn)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(parties["data"][0]["partyUuid"], demo::BULK_ORG_UUID);
    assert_eq!(
        parties["data"][0]["authorizedAccessPackages"],
        json!(["posttjenester", "tilgangsstyrer"])
    );
}

#[tokio::test]
async fn a_rejected_request_creates_nothing() {
    let server = MockServer::start().await;
    let vendor = vendor_token(&server).await;
    let resp = call(
        &server,
        reqwest::Method::POST,
        "systemuser/request/vendor",
        &vendor,
        Some(json!({"systemId": demo::SYSTEM_ID, "partyOrgNo": demo::BULK_ORG})),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = server.world().system_users.len();
    let rejected = client()
        .post(format!(
            "{}/_mock/systemuser/requests/{id}/reject",
            server.uri()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 204);
    let again = client()
        .post(format!(
            "{}/_mock/systemuser/requests/{id}/approve",
            server.uri()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(server.world().system_users.len(), before);
}

#[tokio::test]
async fn a_system_with_an_unassignable_package_is_auth_00052() {
    let server = MockServer::start().await;
    let vendor = vendor_token(&server).await;
    let resp = call(
        &server,
        reqwest::Method::POST,
        "systemregister/vendor",
        &vendor,
        Some(json!({
            "id": format!("{}_revisor", demo::ORG),
            "accessPackages": [{"urn": "urn:altinn:accesspackage:ansvarlig-revisor"}],
            "clientId": [demo::CLIENT_ID]
        })),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "AUTH-00052");
}

#[tokio::test]
async fn another_vendors_system_is_403_and_an_unknown_one_auth_00011() {
    let server = MockServer::start().await;
    let vendor = vendor_token(&server).await;
    let resp = call(
        &server,
        reqwest::Method::POST,
        "systemregister/vendor",
        &vendor,
        Some(json!({"id": format!("{}_x", demo::ORG), "vendor": {"ID": "0192:999999999"}})),
    )
    .await;
    assert_eq!(resp.status(), 403);
    let missing = call(
        &server,
        reqwest::Method::GET,
        "systemregister/vendor/310000000_nope",
        &vendor,
        None,
    )
    .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["code"], "AUTH-00011");
}

#[tokio::test]
async fn a_request_times_out_on_the_mock_clock() {
    let server = MockServer::builder()
        .manual_clock(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_893_456_000),
        )
        .start()
        .await;
    let vendor = vendor_token(&server).await;
    let body = json!({"systemId": demo::SYSTEM_ID, "partyOrgNo": demo::BULK_ORG});
    let first: Value = call(
        &server,
        reqwest::Method::POST,
        "systemuser/request/vendor",
        &vendor,
        Some(body.clone()),
    )
    .await
    .json()
    .await
    .unwrap();
    server
        .clock()
        .advance(std::time::Duration::from_secs(11 * 24 * 3600));
    let vendor = vendor_token(&server).await;
    let resp = call(
        &server,
        reqwest::Method::POST,
        "systemuser/request/vendor",
        &vendor,
        Some(body),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_ne!(resp.json::<Value>().await.unwrap()["id"], first["id"]);
    let approve = client()
        .post(format!(
            "{}/_mock/systemuser/requests/{}/approve",
            server.uri(),
            first["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 409);
}
