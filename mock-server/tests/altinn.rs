//! The Altinn 2 REST API through real HTTP (`shared/spec/altinn2-rest.md` §4–§10).

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, RightRequest, RoleDefinitionId, RoleRequest,
    hal::{self, EmbeddedCasing},
};
use tilgang_domain::{Action, ServiceCode, ServiceEditionCode};
use tilgang_mock::{API_KEY_FORBIDDEN, MISSING_API_KEY, MISSING_SCOPE, MockServer, World, demo};

const ROLE_PERSON: &str = "r50828870";
const HEIS: &str = "r50828869";

fn holder_path(who: &str, rid: &str) -> String {
    format!("/api/{who}/authorization/Delegations/{rid}")
}

fn right(code: &str, edition: u32, action: Action) -> RightRequest {
    RightRequest::service(
        ServiceCode::parse(code).unwrap(),
        ServiceEditionCode::new(edition).unwrap(),
        action,
    )
}

fn person_request(rights: Vec<RightRequest>) -> DelegationRequest {
    DelegationRequest {
        receiver: Receiver::Person {
            ssn: demo::PERSON_FNR.into(),
            last_name: demo::PERSON_LAST_NAME.into(),
        },
        rights,
        roles: vec![],
        email: None,
    }
}

async fn post_delegation(
    server: &MockServer,
    token: &str,
    who: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    api(
        server,
        Method::POST,
        &format!("/api/{who}/authorization/Delegations"),
        token,
    )
    .header("Content-Type", "application/hal+json")
    .body(body)
    .send()
    .await
    .unwrap()
}

async fn get_json(server: &MockServer, token: &str, path: &str) -> Value {
    let resp = api(server, Method::GET, path, token).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}: {}", reason(&resp));
    resp.json().await.unwrap()
}

fn rights_of(holder: &Value) -> Vec<Value> {
    holder["Rights"]["_embedded"]["rights"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn missing_api_key_is_400_with_reason_phrase_seen_by_a_real_client() {
    let server = MockServer::start().await;
    let resp = client()
        .get(format!("{}{}", server.api_url(), holder_path("my", HEIS)))
        .bearer_auth(admin_token(&server))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(reason(&resp), MISSING_API_KEY);
    assert!(resp.text().await.unwrap().is_empty());
    // And on the raw wire.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    stream.write_all(b"GET /api/my/authorization/Delegations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(
        raw.starts_with("HTTP/1.1 400 Required header 'ApiKey' is missing.\r\n"),
        "{raw}"
    );
}

#[tokio::test]
async fn unknown_api_key_or_missing_resource_is_403() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let resp = client()
        .get(format!("{}{}", server.api_url(), holder_path("my", HEIS)))
        .header("ApiKey", "nope")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(reason(&resp), API_KEY_FORBIDDEN);
    let body = hal::encode_delegation_request(
        &person_request(vec![right("4864", 1, Action::Read)]),
        EmbeddedCasing::Pascal,
    );
    let resp = client()
        .post(format!(
            "{}/api/my/authorization/Delegations",
            server.api_url()
        ))
        .header("ApiKey", demo::READONLY_API_KEY)
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn no_token_on_a_who_endpoint_redirects_to_login_and_conversion_is_401() {
    let server = MockServer::start().await;
    let resp = client()
        .get(format!("{}{}", server.api_url(), holder_path("my", HEIS)))
        .header("ApiKey", demo::API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let page = client().get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let resp = client()
        .post(format!(
            "{}/api/reportees/ReporteeConversion",
            server.api_url()
        ))
        .header("ApiKey", demo::API_KEY)
        .json(&json!({"SocialSecurityNumber": demo::PERSON_FNR, "LastName": "HEIS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn expired_token_is_401_idx10223() {
    let server = MockServer::start().await;
    let expired = server.mint_altinn_token(
        Some(demo::ENTERPRISE_USER),
        demo::ORG,
        &["altinn:enduser"],
        SystemTime::now() - Duration::from_secs(1),
    );
    let resp = api(&server, Method::GET, &holder_path("my", HEIS), &expired)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        reason(&resp).starts_with("IDX10223: Lifetime validation failed. The token is expired."),
        "{}",
        reason(&resp)
    );
}

#[tokio::test]
async fn foreign_or_garbage_token_is_401() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    let foreign = admin_token(&other);
    let mp = access_token(&server, "altinn:enduser").await;
    for token in [foreign.as_str(), "garbage", mp.as_str()] {
        let resp = api(&server, Method::GET, &holder_path("my", HEIS), token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{}", reason(&resp));
        assert!(reason(&resp).starts_with("IDX"), "{}", reason(&resp));
    }
}

#[tokio::test]
async fn token_without_enterprise_user_is_401() {
    let server = MockServer::start().await;
    let org_only = server.mint_altinn_token(
        None,
        demo::ORG,
        &["altinn:enduser"],
        SystemTime::now() + Duration::from_secs(60),
    );
    let resp = api(&server, Method::GET, &holder_path("my", HEIS), &org_only)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(reason(&resp).contains("no authenticated user"));
}

#[tokio::test]
async fn scopes_restrict_as_documented() {
    let server = MockServer::start().await;
    let read = minted(&server, demo::ENTERPRISE_USER, &["altinn:delegations.read"]);
    assert_eq!(
        api(&server, Method::GET, &holder_path("my", ROLE_PERSON), &read)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let body = hal::encode_delegation_request(
        &person_request(vec![right("4864", 1, Action::Read)]),
        EmbeddedCasing::Pascal,
    );
    let resp = post_delegation(&server, &read, "my", body.clone()).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(reason(&resp), MISSING_SCOPE);
    let write = minted(
        &server,
        demo::ENTERPRISE_USER,
        &["altinn:delegations.write"],
    );
    assert_eq!(
        post_delegation(&server, &write, "my", body).await.status(),
        201
    );
    let resp = api(
        &server,
        Method::GET,
        &holder_path("my", ROLE_PERSON),
        &write,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 401);
    let reportees = minted(&server, demo::ENTERPRISE_USER, &["altinn:reportees"]);
    let resp = api(
        &server,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        &reportees,
    )
    .json(&json!({"SocialSecurityNumber": demo::PERSON_FNR, "LastName": "HEIS"}))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let rr = minted(&server, demo::MANAGER_USER, &["altinn:rolesandrights.read"]);
    assert_eq!(
        api(&server, Method::GET, "/api/my/authorization/rights", &rr)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        api(&server, Method::GET, &holder_path("my", ROLE_PERSON), &rr)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn reportee_conversion_person_and_organisation() {
    let server = MockServer::start().await;
    let token = altinn_token(&server, "altinn:enduser").await;
    let resp = api(
        &server,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        &token,
    )
    .header("Accept", "application/json")
    .json(&json!({"SocialSecurityNumber": demo::PERSON_FNR, "LastName": "heis"}))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains(demo::PERSON_FNR),
        "the SSN is masked in output"
    );
    let r = hal::decode_reportee(text.as_bytes()).unwrap();
    assert_eq!(r.reportee_id.as_str(), HEIS);
    assert_eq!(r.name.as_deref(), Some("HEIS TOM"));
    assert_eq!(r.social_security_number.unwrap().as_str(), "268992*****");
    let resp = api(&server, Method::POST, "/api/reportees/ReporteeConversion", &token).json(&json!({"OrganizationNumber": demo::ORG_RECEIVER, "OrganizationName": demo::ORG_RECEIVER_NAME})).send().await.unwrap();
    let r = hal::decode_reportee(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(r.reportee_id.as_str(), "r50040934");
    assert_eq!(r.organization_number.as_deref(), Some(demo::ORG_RECEIVER));
}

#[tokio::test]
async fn reportee_conversion_refuses_mismatches_and_bad_bodies() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    for body in [
        json!({"SocialSecurityNumber": demo::PERSON_FNR, "LastName": "NORDMANN"}),
        json!({"SocialSecurityNumber": "01010112345", "LastName": "HEIS"}),
        json!({"OrganizationNumber": demo::ORG_RECEIVER, "OrganizationName": "WRONG AS"}),
    ] {
        let resp = api(
            &server,
            Method::POST,
            "/api/reportees/ReporteeConversion",
            &token,
        )
        .json(&body)
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 404, "{body}");
        assert!(!reason(&resp).is_empty());
    }
    let resp = api(
        &server,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        &token,
    )
    .json(&json!({"LastName": "HEIS"}))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = api(
        &server,
        Method::POST,
        "/api/reportees/ReporteeConversion",
        &token,
    )
    .body("{not json")
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn right_holder_has_nested_rights_and_roles_and_masks_the_ssn() {
    let server = MockServer::start().await;
    let token = altinn_token(&server, "altinn:enduser").await;
    let resp = api(
        &server,
        Method::GET,
        &format!("{}?language=1044", holder_path("my", ROLE_PERSON)),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/hal+json")
    );
    let text = resp.text().await.unwrap();
    assert!(!text.contains(demo::ROLE_PERSON_FNR));
    let holder = hal::decode_right_holder(text.as_bytes()).unwrap();
    assert_eq!(
        holder.social_security_number.unwrap().as_str(),
        "018870*****"
    );
    assert_eq!(holder.rights.len(), 4);
    assert_eq!(
        holder
            .rights
            .iter()
            .filter(|r| r.is_directly_delegated())
            .count(),
        1
    );
    let names: Vec<_> = holder
        .roles
        .iter()
        .map(|r| r.role_name.clone().unwrap())
        .collect();
    assert!(
        names.contains(&"Utfyller/innsender".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"Single Rights".to_owned()), "{names:?}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["_links"]["self"]["href"],
        format!(
            "{}/api/my/authorization/delegations/{ROLE_PERSON}",
            server.uri()
        )
    );
}

#[tokio::test]
async fn language_selects_role_texts() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    for (lcid, name) in [
        ("1044", "Utfyller/innsender"),
        ("2068", "Utfyllar/innsendar"),
        ("1033", "Reporter/sender"),
    ] {
        let v = get_json(
            &server,
            &token,
            &format!("{}/roles?language={lcid}", holder_path("my", ROLE_PERSON)),
        )
        .await;
        let names: Vec<&str> = v["_embedded"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["RoleName"].as_str())
            .collect();
        assert!(names.contains(&name), "{lcid}: {names:?}");
    }
}

#[tokio::test]
async fn paths_are_case_insensitive_and_trailing_slashes_are_ignored() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    for path in [
        "/API/MY/AUTHORIZATION/DELEGATIONS/R50828870",
        "/api/my/authorization/delegations/r50828870/",
        "/api/My/Authorization/Delegations/r50828870",
    ] {
        assert_eq!(
            api(&server, Method::GET, path, &token)
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "{path}"
        );
    }
    assert_eq!(
        server.count("GET /api/{who}/authorization/Delegations/{receiverId}"),
        3
    );
    assert_eq!(
        server.count("get /API/{WHO}/authorization/delegations/{receiverid}"),
        3
    );
}

#[tokio::test]
async fn who_may_be_an_org_number_or_reportee_id() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    for who in ["my", demo::ORG, "r50100000"] {
        let v = get_json(&server, &token, &holder_path(who, ROLE_PERSON)).await;
        assert_eq!(rights_of(&v).len(), 4, "{who}");
    }
    let v = get_json(&server, &token, &holder_path("my", demo::ORG_RECEIVER)).await;
    assert_eq!(v["OrganizationNumber"], demo::ORG_RECEIVER);
    let resp = api(
        &server,
        Method::GET,
        &holder_path("999999999", ROLE_PERSON),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = api(&server, Method::GET, &holder_path("my", "r1"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = api(
        &server,
        Method::GET,
        &holder_path("somebody", ROLE_PERSON),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn user_without_admin_role_is_403() {
    let server = MockServer::start().await;
    let nobody = minted(&server, demo::NOBODY_USER, &["altinn:enduser"]);
    let resp = api(
        &server,
        Method::GET,
        &holder_path("my", ROLE_PERSON),
        &nobody,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(reason(&resp).contains("Tilgangsstyrer or Hovedadministrator"));
    let admin = admin_token(&server);
    let resp = api(
        &server,
        Method::GET,
        &holder_path(demo::OTHER_ORG, ROLE_PERSON),
        &admin,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn filter_on_right_source_type() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let base = format!("{}/rights", holder_path("my", ROLE_PERSON));
    let ne = get_json(
        &server,
        &token,
        &format!("{base}?$filter=RightSourceType ne 'RoleTypeRights'"),
    )
    .await;
    let ne = ne["_embedded"]["rights"].as_array().unwrap().clone();
    assert_eq!(ne.len(), 1);
    assert_eq!(ne[0]["RightSourceType"], "DirectlyDelegatedRights");
    let eq = get_json(
        &server,
        &token,
        &format!("{base}?$filter=RightSourceType%20eq%20%27RoleTypeRights%27"),
    )
    .await;
    assert_eq!(eq["_embedded"]["rights"].as_array().unwrap().len(), 3);
    let holder = get_json(
        &server,
        &token,
        &format!(
            "{}?$filter=RightSourceType eq 'DirectlyDelegatedRights'",
            holder_path("my", ROLE_PERSON)
        ),
    )
    .await;
    assert_eq!(rights_of(&holder).len(), 1);
    for bad in [
        "$filter=Colour eq 'Blue'",
        "$filter=RightSourceType gt 'x'",
        "$filter=broken",
        "$top=10001",
        "$skip=-1",
    ] {
        let resp = api(&server, Method::GET, &format!("{base}?{bad}"), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(!reason(&resp).is_empty());
    }
}

#[tokio::test]
async fn lists_are_capped_at_50_and_paged_with_skip_and_top() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let list = |q: &'static str| {
        let server = &server;
        let token = token.clone();
        async move {
            let v = get_json(
                server,
                &token,
                &format!("/api/{}/authorization/Delegations{q}", demo::BULK_ORG),
            )
            .await;
            v["_embedded"]["rightholders"].as_array().unwrap().len()
        }
    };
    assert_eq!(list("").await, 50);
    assert_eq!(list("?$skip=50").await, 50);
    assert_eq!(list("?$skip=100").await, demo::BULK_RIGHT_HOLDERS - 100);
    assert_eq!(list("?$top=10").await, 10);
    assert_eq!(list("?$top=500").await, 50);
    let rights = format!("{}/rights", holder_path(demo::BULK_ORG, "r50006868"));
    let first = get_json(&server, &token, &rights).await;
    assert_eq!(first["_embedded"]["rights"].as_array().unwrap().len(), 50);
    let second = get_json(&server, &token, &format!("{rights}?$skip=50")).await;
    assert_eq!(
        second["_embedded"]["rights"].as_array().unwrap().len(),
        demo::PAGING_PERSON_RIGHTS - 50
    );
    let holder = get_json(&server, &token, &holder_path(demo::BULK_ORG, "r50006868")).await;
    assert_eq!(rights_of(&holder).len(), 50);
}

#[tokio::test]
async fn right_holder_list_is_hal_with_find_link() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let resp = api(
        &server,
        Method::GET,
        "/api/my/authorization/Delegations",
        &token,
    )
    .send()
    .await
    .unwrap();
    let page = hal::decode_right_holders(&resp.bytes().await.unwrap()).unwrap();
    assert!(page.links["find"].is_templated);
    let ids: Vec<_> = page
        .items
        .iter()
        .map(|h| h.right_holder_id.clone().unwrap().as_str().to_owned())
        .collect();
    assert!(
        ids.contains(&ROLE_PERSON.to_owned()) && ids.contains(&"r50040934".to_owned()),
        "{ids:?}"
    );
    let filtered = get_json(
        &server,
        &token,
        &format!(
            "/api/my/authorization/Delegations?serviceCode={}&serviceEdition={}",
            demo::SERVICE_CODE_2,
            demo::SERVICE_EDITION_2
        ),
    )
    .await;
    let n = filtered["_embedded"]["rightholders"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn post_delegation_201_then_duplicate_fails() {
    let server = MockServer::start().await;
    let token = altinn_token(&server, "altinn:enduser").await;
    let req = person_request(vec![
        right("3225", 536, Action::Read),
        right("3225", 536, Action::Write),
    ]);
    let resp = post_delegation(
        &server,
        &token,
        "my",
        hal::encode_delegation_request(&req, EmbeddedCasing::Lower),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert!(resp.bytes().await.unwrap().is_empty());
    let holder = get_json(&server, &token, &holder_path("my", HEIS)).await;
    let rights = rights_of(&holder);
    assert_eq!(rights.len(), 2);
    assert!(
        rights
            .iter()
            .all(|r| r["RightSourceType"] == "DirectlyDelegatedRights")
    );
    assert_eq!(
        holder["Roles"]["_embedded"]["roles"][0]["RoleName"],
        "Single Rights"
    );
    let resp = post_delegation(
        &server,
        &token,
        "my",
        hal::encode_delegation_request(&req, EmbeddedCasing::Pascal),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(
        reason(&resp).contains("already exists"),
        "{}",
        reason(&resp)
    );
    // The trailing-slash form used by the guide's client works too.
    let req = person_request(vec![right("4864", 1, Action::parse("archivedelete"))]);
    let resp = api(
        &server,
        Method::POST,
        "/api/my/authorization/Delegations/",
        &token,
    )
    .body(hal::encode_delegation_request(&req, EmbeddedCasing::Pascal))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn post_delegation_validation_failures() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let cases: Vec<(DelegationRequest, u16)> = vec![
        (
            person_request(vec![right(
                demo::NON_DELEGABLE_SERVICE_CODE,
                1,
                Action::Read,
            )]),
            403,
        ),
        (person_request(vec![right("9999", 1, Action::Read)]), 400),
        (person_request(vec![right("4864", 1, Action::Sign)]), 400),
        (person_request(vec![]), 400),
        (
            DelegationRequest {
                receiver: Receiver::Person {
                    ssn: demo::PERSON_FNR.into(),
                    last_name: "WRONG".into(),
                },
                rights: vec![right("4864", 1, Action::Read)],
                roles: vec![],
                email: None,
            },
            400,
        ),
        (
            DelegationRequest {
                receiver: Receiver::Organisation {
                    org: demo::ORG_RECEIVER.into(),
                    name: "WRONG".into(),
                },
                rights: vec![right("4864", 1, Action::Read)],
                roles: vec![],
                email: None,
            },
            400,
        ),
        (
            DelegationRequest {
                receiver: Receiver::Organisation {
                    org: demo::ORG.into(),
                    name: demo::ORG_NAME.into(),
                },
                rights: vec![right("4864", 1, Action::Read)],
                roles: vec![],
                email: None,
            },
            400,
        ),
        (
            DelegationRequest {
                receiver: Receiver::Person {
                    ssn: demo::PERSON_FNR.into(),
                    last_name: "HEIS".into(),
                },
                rights: vec![],
                roles: vec![RoleRequest {
                    role_definition_id: RoleDefinitionId(demo::DAGL_ROLE_DEFINITION),
                }],
                email: None,
            },
            403,
        ),
    ];
    for (req, status) in cases {
        let resp = post_delegation(
            &server,
            &token,
            "my",
            hal::encode_delegation_request(&req, EmbeddedCasing::Pascal),
        )
        .await;
        assert_eq!(resp.status().as_u16(), status, "{req:?}: {}", reason(&resp));
        assert!(!reason(&resp).is_empty());
    }
    let resp = post_delegation(&server, &token, "my", b"{\"_embedded\":{}}".to_vec()).await;
    assert_eq!(resp.status(), 400);
    // Nothing was stored by the failed requests.
    let holder = get_json(&server, &token, &holder_path("my", HEIS)).await;
    assert!(rights_of(&holder).is_empty());
}

#[tokio::test]
async fn tilgangsstyrer_may_delegate_only_what_it_holds() {
    let server = MockServer::start().await;
    let manager = minted(&server, demo::MANAGER_USER, &["altinn:enduser"]);
    let held = person_request(vec![right("4864", 1, Action::Read)]);
    assert_eq!(
        post_delegation(
            &server,
            &manager,
            "my",
            hal::encode_delegation_request(&held, EmbeddedCasing::Pascal)
        )
        .await
        .status(),
        201
    );
    let not_held = person_request(vec![right("4864", 1, Action::Write)]);
    let resp = post_delegation(
        &server,
        &manager,
        "my",
        hal::encode_delegation_request(&not_held, EmbeddedCasing::Pascal),
    )
    .await;
    assert_eq!(resp.status(), 403);
    let nobody = minted(&server, demo::NOBODY_USER, &["altinn:enduser"]);
    assert_eq!(
        post_delegation(
            &server,
            &nobody,
            "my",
            hal::encode_delegation_request(&not_held, EmbeddedCasing::Pascal)
        )
        .await
        .status(),
        403
    );
}

#[tokio::test]
async fn role_delegation_to_an_organisation_brings_role_rights() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let req = DelegationRequest {
        receiver: Receiver::Organisation {
            org: demo::OTHER_ORG.into(),
            name: demo::OTHER_ORG_NAME.into(),
        },
        rights: vec![right("4864", 1, Action::Read)],
        roles: vec![RoleRequest {
            role_definition_id: RoleDefinitionId(demo::UTINN_ROLE_DEFINITION),
        }],
        email: None,
    };
    assert_eq!(
        post_delegation(
            &server,
            &token,
            "my",
            hal::encode_delegation_request(&req, EmbeddedCasing::Pascal)
        )
        .await
        .status(),
        201
    );
    let holder = get_json(&server, &token, &holder_path("my", demo::OTHER_ORG)).await;
    let rights = rights_of(&holder);
    assert_eq!(
        rights
            .iter()
            .filter(|r| r["RightSourceType"] == "RoleTypeRights")
            .count(),
        3
    );
    assert_eq!(
        rights
            .iter()
            .filter(|r| r["RightSourceType"] == "DirectlyDelegatedRights")
            .count(),
        1
    );
}

#[tokio::test]
async fn delete_a_directly_delegated_right_is_204() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let path = format!(
        "{}/rights/{}",
        holder_path("my", ROLE_PERSON),
        demo::ROLE_PERSON_DIRECT_RIGHT_ID
    );
    let resp = api(&server, Method::DELETE, &path, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    let holder = get_json(&server, &token, &holder_path("my", ROLE_PERSON)).await;
    assert_eq!(rights_of(&holder).len(), 3);
    // Gone now: deleting again is 404.
    let resp = api(&server, Method::DELETE, &path, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(!reason(&resp).is_empty());
}

#[tokio::test]
async fn delete_role_derived_right_is_refused() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let path = format!(
        "{}/rights/{}",
        holder_path("my", ROLE_PERSON),
        demo::ROLE_PERSON_DERIVED_RIGHT_ID
    );
    let resp = api(&server, Method::DELETE, &path, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(
        reason(&resp).contains("through a role"),
        "{}",
        reason(&resp)
    );
    for bad in ["123", "abc"] {
        let resp = api(
            &server,
            Method::DELETE,
            &format!("{}/rights/{bad}", holder_path("my", ROLE_PERSON)),
            &token,
        )
        .send()
        .await
        .unwrap();
        assert!(resp.status().is_client_error());
    }
}

#[tokio::test]
async fn delete_role_removes_its_rights_and_register_roles_are_refused() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let base = holder_path("my", ROLE_PERSON);
    let resp = api(
        &server,
        Method::DELETE,
        &format!("{base}/roles/{}", demo::ROLE_PERSON_DAGL_ROLE_ID),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = api(
        &server,
        Method::DELETE,
        &format!("{base}/roles/{}", demo::ROLE_PERSON_UTINN_ROLE_ID),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 204);
    let holder = get_json(&server, &token, &base).await;
    assert_eq!(rights_of(&holder).len(), 1);
    let resp = api(
        &server,
        Method::DELETE,
        &format!("{base}/roles/{}", demo::ROLE_PERSON_UTINN_ROLE_ID),
        &token,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn delete_by_query_string() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let path = format!(
        "/api/my/authorization/Delegations?receiverId={ROLE_PERSON}&authzRuleId={}",
        demo::ROLE_PERSON_DIRECT_RIGHT_ID
    );
    assert_eq!(
        api(&server, Method::DELETE, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let path = format!(
        "/api/my/authorization/Delegations?receiverId={ROLE_PERSON}&roleId={}",
        demo::ROLE_PERSON_UTINN_ROLE_ID
    );
    assert_eq!(
        api(&server, Method::DELETE, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let path = format!("/api/my/authorization/Delegations?receiverId={ROLE_PERSON}");
    assert_eq!(
        api(&server, Method::DELETE, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
}

#[tokio::test]
async fn own_rights_and_roles() {
    let server = MockServer::start().await;
    let manager = minted(&server, demo::MANAGER_USER, &["altinn:enduser"]);
    let rights = get_json(&server, &manager, "/api/my/authorization/rights").await;
    assert_eq!(rights["_embedded"]["rights"].as_array().unwrap().len(), 1);
    let roles = get_json(&server, &manager, "/api/my/authorization/roles").await;
    let roles = roles["_embedded"]["roles"].as_array().unwrap().clone();
    assert!(
        roles.iter().any(|r| r["RoleDefinitionCode"] == "ADMAI"),
        "{roles:?}"
    );
}

#[tokio::test]
async fn state_changes_are_visible_in_the_world_snapshot() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let before = server.world().rights.len();
    let req = person_request(vec![right("4864", 1, Action::Read)]);
    post_delegation(
        &server,
        &token,
        "my",
        hal::encode_delegation_request(&req, EmbeddedCasing::Pascal),
    )
    .await;
    let world: World = server.world();
    assert_eq!(world.rights.len(), before + 1);
    assert!(
        world
            .rights
            .iter()
            .any(|r| r.to == demo::PERSON_FNR
                && r.delegator.as_deref() == Some(demo::ENTERPRISE_USER))
    );
}
