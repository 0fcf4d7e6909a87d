//! Hostile input against the mock's Altinn 2 API and token endpoint, beyond the cases the mock
//! server's own tests cover (see RELIABILITY.md for the map):
//!
//! - an enterprise user delegating or deleting on behalf of an organisation it does not manage,
//!   and callers deleting rights they may not touch; the world must be unchanged afterwards;
//! - oversized and malformed bodies on every body-taking route: a 4xx, no panic, and the
//!   server keeps serving (a follow-up request succeeds);
//! - a property test that mutates a valid delegation request (headers, path ids, body fields)
//!   at random and checks that every mutation is refused and changes nothing, while the
//!   unmutated request is accepted.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use tilgang::domain::{Action, ServiceCode, ServiceEditionCode};
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, RightRequest,
    hal::{self, EmbeddedCasing},
};
use tilgang_mock::{MAX_BODY_BYTES, MockServer, World, demo};

/// The demo person's reportee id (HEIS TOM).
const HEIS: &str = "r50828869";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

fn token(server: &MockServer, user: &str, scopes: &[&str]) -> String {
    server.mint_altinn_token(
        Some(user),
        demo::ORG,
        scopes,
        SystemTime::now() + Duration::from_secs(600),
    )
}

fn admin(server: &MockServer) -> String {
    token(server, demo::ENTERPRISE_USER, &["altinn:enduser"])
}

fn delegation_body() -> Value {
    let request = DelegationRequest {
        receiver: Receiver::Person {
            ssn: demo::PERSON_FNR.into(),
            last_name: demo::PERSON_LAST_NAME.into(),
        },
        rights: vec![RightRequest::service(
            ServiceCode::parse(demo::SERVICE_CODE).unwrap(),
            ServiceEditionCode::new(1).unwrap(),
            Action::Read,
        )],
        roles: vec![],
        email: None,
    };
    serde_json::from_slice(&hal::encode_delegation_request(
        &request,
        EmbeddedCasing::Lower,
    ))
    .expect("the codec writes JSON")
}

async fn send(
    server: &MockServer,
    method: Method,
    path: &str,
    headers: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> u16 {
    let mut req = http().request(method, format!("{}{path}", server.api_url()));
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    if let Some(body) = body {
        req = req.body(body);
    }
    req.send()
        .await
        .expect("the mock answers")
        .status()
        .as_u16()
}

fn admin_headers(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("ApiKey", demo::API_KEY.to_owned()),
        ("Authorization", format!("Bearer {}", admin(server))),
        ("Accept", "application/hal+json".to_owned()),
        ("Content-Type", "application/hal+json".to_owned()),
    ]
}

/// Asserts that the mock's world is as it was `before`. On failure it names the rights and
/// roles that differ by id only: the world's `Debug` would print every holder's full
/// fødselsnummer.
#[track_caller]
fn assert_world_unchanged(server: &MockServer, before: &World, what: &str) {
    let after = server.world();
    if after == *before {
        return;
    }
    let ids = |of: &World, other: &World| {
        let rights = of
            .rights
            .iter()
            .filter(|r| !other.rights.contains(r))
            .map(|r| r.id);
        let roles = of
            .roles
            .iter()
            .filter(|r| !other.roles.contains(r))
            .map(|r| r.id);
        rights.chain(roles).collect::<Vec<_>>()
    };
    panic!(
        "{what}: the world changed (right and role ids only before: {:?}, only after: {:?})",
        ids(before, &after),
        ids(&after, before)
    );
}

/// A follow-up request that must succeed: the server is still serving.
async fn still_serving(server: &MockServer) {
    let status = send(
        server,
        Method::GET,
        &format!("/api/{}/authorization/Delegations/{HEIS}", demo::ORG),
        &admin_headers(server),
        None,
    )
    .await;
    assert_eq!(status, 200, "the server stopped serving");
}

#[tokio::test]
async fn an_enterprise_user_cannot_act_for_an_organisation_it_does_not_manage() {
    let server = MockServer::start().await;
    let before = server.world();
    let body = serde_json::to_vec(&delegation_body()).unwrap();
    for who in [demo::ORG_RECEIVER, demo::OTHER_ORG] {
        let status = send(
            &server,
            Method::POST,
            &format!("/api/{who}/authorization/Delegations"),
            &admin_headers(&server),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 403, "delegating for {who}");
    }
    // A user with no role for the organisation, and a Tilgangsstyrer delegating a right it
    // does not hold itself (4864 Write), are refused the same way.
    let mut headers = admin_headers(&server);
    headers[1].1 = format!(
        "Bearer {}",
        token(&server, demo::NOBODY_USER, &["altinn:enduser"])
    );
    let path = format!("/api/{}/authorization/Delegations", demo::ORG);
    assert_eq!(
        send(&server, Method::POST, &path, &headers, Some(body.clone())).await,
        403
    );
    let mut write = delegation_body();
    write["_embedded"]["rights"][0]["Action"] = json!("Write");
    headers[1].1 = format!(
        "Bearer {}",
        token(&server, demo::MANAGER_USER, &["altinn:enduser"])
    );
    assert_eq!(
        send(
            &server,
            Method::POST,
            &path,
            &headers,
            Some(serde_json::to_vec(&write).unwrap())
        )
        .await,
        403
    );
    assert_world_unchanged(&server, &before, "a refused delegation");
}

#[tokio::test]
async fn rights_the_caller_may_not_touch_are_not_deleted() {
    let server = MockServer::start().await;
    let before = server.world();
    let id = demo::ROLE_PERSON_DIRECT_RIGHT_ID;
    let role_person = before
        .persons
        .iter()
        .find(|p| p.ssn == demo::ROLE_PERSON_FNR)
        .map(|p| format!("r{}", p.party_id))
        .expect("the role person");
    let right_path =
        |who: &str| format!("/api/{who}/authorization/Delegations/{role_person}/rights/{id}");
    // The right exists under ORG; through another organisation's path it is not the caller's.
    // The admin is Hovedadministrator for ORG only, and access-management operations need
    // Tilgangsstyrer or Hovedadministrator for `{who}` (spec §2 item 5, §5.2, §5.5). The spec
    // documents 403 for a caller without access-management rights for `{who}` (§5.2 and the
    // §8 table); the mock applies that rule to every Delegations resource (mock-server
    // README, Altinn 2 rule 14). The refusal concerns `{who}` itself, so it is 403 and not
    // the 404 of an unknown right id (§5.6 leaves that one undocumented).
    for who in [demo::ORG_RECEIVER, demo::OTHER_ORG] {
        let status = send(
            &server,
            Method::DELETE,
            &right_path(who),
            &admin_headers(&server),
            None,
        )
        .await;
        assert_eq!(status, 403, "deleting through {who}");
    }
    let mut headers = admin_headers(&server);
    // No role for the organisation.
    headers[1].1 = format!(
        "Bearer {}",
        token(&server, demo::NOBODY_USER, &["altinn:enduser"])
    );
    assert_eq!(
        send(
            &server,
            Method::DELETE,
            &right_path(demo::ORG),
            &headers,
            None
        )
        .await,
        403
    );
    // Read-only scope, and a read-only API key.
    headers[1].1 = format!(
        "Bearer {}",
        token(&server, demo::ENTERPRISE_USER, &["altinn:delegations.read"])
    );
    assert_eq!(
        send(
            &server,
            Method::DELETE,
            &right_path(demo::ORG),
            &headers,
            None
        )
        .await,
        401
    );
    let mut headers = admin_headers(&server);
    headers[0].1 = demo::READONLY_API_KEY.to_owned();
    assert_eq!(
        send(
            &server,
            Method::DELETE,
            &right_path(demo::ORG),
            &headers,
            None
        )
        .await,
        403
    );
    // A right id that belongs to another holder, through this holder's path.
    let foreign = before
        .rights
        .iter()
        .find(|r| r.to != demo::ROLE_PERSON_FNR && r.from == demo::ORG)
        .map(|r| r.id)
        .expect("another holder's right");
    let status = send(
        &server,
        Method::DELETE,
        &format!(
            "/api/{}/authorization/Delegations/{role_person}/rights/{foreign}",
            demo::ORG
        ),
        &admin_headers(&server),
        None,
    )
    .await;
    assert_eq!(status, 404, "another holder's right through this holder");
    assert_world_unchanged(&server, &before, "a refused delete");
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused_and_the_server_keeps_serving() {
    let server = MockServer::start().await;
    let before = server.world();
    let delegations = format!("/api/{}/authorization/Delegations", demo::ORG);
    let conversion = "/api/reportees/ReporteeConversion".to_owned();
    let oversized = vec![b'{'; MAX_BODY_BYTES + 1];
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("oversized", oversized.clone()),
        ("empty", Vec::new()),
        ("invalid UTF-8", vec![0xff, 0xfe, 0x00, 0x80]),
        ("truncated JSON", br#"{"Type":"Person","Ssn":"26"#.to_vec()),
        ("deeply nested", deep),
        ("JSON of the wrong shape", br#"[1,2,3]"#.to_vec()),
        (
            "huge number",
            br#"{"_embedded":{"rights":[{"ServiceEditionCode":1e999999}]}}"#.to_vec(),
        ),
        ("null bytes", b"\0\0\0\0".to_vec()),
        (
            "a long string",
            format!("{{\"Ssn\":\"{}\"}}", "9".repeat(500_000)).into_bytes(),
        ),
    ];
    let mut tried = 0;
    for path in [&delegations, &conversion] {
        for (what, body) in &bodies {
            let status = send(
                &server,
                Method::POST,
                path,
                &admin_headers(&server),
                Some(body.clone()),
            )
            .await;
            assert!((400..500).contains(&status), "{what} to {path}: {status}");
            if *what == "oversized" {
                assert_eq!(status, 413, "{what} to {path}");
            }
            tried += 1;
            still_serving(&server).await;
        }
    }
    // The token endpoint and the exchange take the same abuse.
    for (what, body) in &bodies {
        let resp = http()
            .post(server.token_endpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .expect("answers");
        let status = resp.status().as_u16();
        assert!((400..500).contains(&status), "{what} to /token: {status}");
        tried += 1;
        still_serving(&server).await;
    }
    let resp = http()
        .get(server.exchange_url())
        .header("Authorization", format!("Bearer {}", "A".repeat(64 * 1024)))
        .send()
        .await
        .expect("answers");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    still_serving(&server).await;
    assert_world_unchanged(&server, &before, "a refused body");
    assert_eq!(tried, 27);
}

/// One way to spoil a valid delegation request.
#[derive(Debug, Clone)]
enum Mutation {
    NoApiKey,
    ApiKey(String),
    ReadOnlyApiKey,
    NoAuthorization,
    Bearer(String),
    ForgedPayload,
    ExpiredToken,
    WrongScope(&'static str),
    ForeignOrgToken,
    Who(String),
    Ssn(String),
    LastName(String),
    ServiceCode(String),
    Edition(u32),
    ActionName(String),
    DropField(&'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::NoApiKey),
        "[a-zA-Z0-9-]{0,30}"
            .prop_filter("another key", |k| k != demo::API_KEY)
            .prop_map(Mutation::ApiKey),
        Just(Mutation::ReadOnlyApiKey),
        Just(Mutation::NoAuthorization),
        "[a-zA-Z0-9._-]{1,80}".prop_map(Mutation::Bearer),
        Just(Mutation::ForgedPayload),
        Just(Mutation::ExpiredToken),
        prop::sample::select(vec![
            "altinn:delegations.read",
            "altinn:reportees",
            "altinn:rolesandrights.read",
            "altinn:serviceowner",
        ])
        .prop_map(Mutation::WrongScope),
        Just(Mutation::ForeignOrgToken),
        prop_oneof![
            Just(demo::ORG_RECEIVER.to_owned()),
            Just(demo::OTHER_ORG.to_owned()),
            "[0-9]{9}".prop_filter("not ORG", |w| w != demo::ORG),
            "r[0-9]{1,9}",
            "[a-z%.]{1,12}".prop_filter("not my", |w| w != "my"),
        ]
        .prop_map(Mutation::Who),
        "[0-9]{11}"
            .prop_filter("another person", |s| s != demo::PERSON_FNR)
            .prop_map(Mutation::Ssn),
        "[A-Z]{1,12}"
            .prop_filter("another name", |n| !n
                .eq_ignore_ascii_case(demo::PERSON_LAST_NAME))
            .prop_map(Mutation::LastName),
        "[0-9]{1,6}"
            .prop_filter("unknown service", |c| {
                c != demo::SERVICE_CODE && c != demo::SERVICE_CODE_2
            })
            .prop_map(Mutation::ServiceCode),
        (2u32..100_000).prop_map(Mutation::Edition),
        "[A-Za-z]{1,12}"
            .prop_filter("not an action of 4864", |a| {
                ![
                    "read",
                    "write",
                    "archiveread",
                    "archivedelete",
                    "sign",
                    "access",
                ]
                .contains(&a.to_ascii_lowercase().as_str())
            })
            .prop_map(Mutation::ActionName),
        // Only fields the valid body carries and Altinn requires. `Type` is not one: the body
        // has no `Type` (it goes with the optional `Email`), so dropping it changed nothing and
        // the unchanged request was rightly accepted with 201.
        prop::sample::select(vec!["SocialSecurityNumber", "LastName", "_embedded"])
            .prop_map(Mutation::DropField),
    ]
}

/// The request after `m`: path, headers and body.
fn mutated(server: &MockServer, m: &Mutation) -> (String, Vec<(&'static str, String)>, Value) {
    let mut who = demo::ORG.to_owned();
    let mut headers = admin_headers(server);
    let mut body = delegation_body();
    let bearer = |t: String| format!("Bearer {t}");
    match m {
        Mutation::NoApiKey => {
            headers.remove(0);
        }
        Mutation::ApiKey(k) => headers[0].1 = k.clone(),
        Mutation::ReadOnlyApiKey => headers[0].1 = demo::READONLY_API_KEY.to_owned(),
        Mutation::NoAuthorization => {
            headers.remove(1);
        }
        Mutation::Bearer(t) => headers[1].1 = bearer(t.clone()),
        Mutation::ForgedPayload => {
            // The admin's token with the claims swapped for another user's: the signature no
            // longer matches.
            let real = admin(server);
            let other = token(server, demo::NOBODY_USER, &["altinn:enduser"]);
            let mut parts: Vec<&str> = real.split('.').collect();
            let payload = other.split('.').nth(1).expect("a JWT");
            parts[1] = payload;
            headers[1].1 = bearer(parts.join("."));
        }
        Mutation::ExpiredToken => {
            headers[1].1 = bearer(server.mint_altinn_token(
                Some(demo::ENTERPRISE_USER),
                demo::ORG,
                &["altinn:enduser"],
                SystemTime::now() - Duration::from_secs(1),
            ))
        }
        Mutation::WrongScope(s) => {
            headers[1].1 = bearer(token(server, demo::ENTERPRISE_USER, &[s]))
        }
        Mutation::ForeignOrgToken => {
            // A Maskinporten access token is signed by the same mock but is not an Altinn token.
            headers[1].1 = bearer(server.mint_access_token(
                demo::CLIENT_ID,
                demo::ORG,
                &["altinn:enduser"],
                SystemTime::now() + Duration::from_secs(600),
            ))
        }
        Mutation::Who(w) => who = w.clone(),
        Mutation::Ssn(s) => body["SocialSecurityNumber"] = json!(s),
        Mutation::LastName(n) => body["LastName"] = json!(n),
        Mutation::ServiceCode(c) => body["_embedded"]["rights"][0]["ServiceCode"] = json!(c),
        Mutation::Edition(e) => body["_embedded"]["rights"][0]["ServiceEditionCode"] = json!(e),
        Mutation::ActionName(a) => body["_embedded"]["rights"][0]["Action"] = json!(a),
        Mutation::DropField(f) => {
            if let Some(o) = body.as_object_mut() {
                o.remove(*f);
            }
        }
    }
    (
        format!("/api/{who}/authorization/Delegations"),
        headers,
        body,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_single_mutation_of_a_valid_delegation_is_refused_and_changes_nothing(m in mutation()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let server = MockServer::start().await;
            let before = server.world();
            let (path, headers, body) = mutated(&server, &m);
            let status = send(
                &server,
                Method::POST,
                &path,
                &headers,
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
            prop_assert!(
                (300..500).contains(&status) && status != 304,
                "{m:?} gave {status}"
            );
            prop_assert!(server.world() == before, "{:?} changed the world", m);
            // The unmutated request is accepted.
            let (path, headers, body) = mutated(&server, &Mutation::DropField("nothing"));
            let status = send(
                &server,
                Method::POST,
                &path,
                &headers,
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
            prop_assert_eq!(status, 201, "{:?}", m);
            Ok(())
        })?;
    }
}
