//! The mock's clock: every time-based rule reads it, so these tests move time instead of
//! waiting for it. Each server runs on a manual clock that starts at 2030-01-01T00:00:00Z and
//! moves only when a test moves it, so every expected time below is exact.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, RightRequest,
    hal::{self, EmbeddedCasing},
};
use tilgang_domain::{Action, ServiceCode, ServiceEditionCode};
use tilgang_mock::{Clock, MockServer, World, demo};

/// 2030-01-01T00:00:00Z: inside the test certificates' validity (2026–2046), and years away
/// from the real time these tests run at, so a rule that read the real clock would fail them.
const START_UNIX: i64 = 1_893_456_000;

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(START_UNIX as u64)
}

async fn manual(world: World) -> MockServer {
    MockServer::builder()
        .world(world)
        .manual_clock(start())
        .start()
        .await
}

/// An error body's `error_description` and `error_uri` code.
async fn refusal(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    let uri = body["error_uri"].as_str().unwrap_or_default();
    let code = uri.rsplit('/').next().unwrap_or_default().to_owned();
    let description = body["error_description"].as_str().unwrap_or_default();
    let description = description
        .split(" (trace_id")
        .next()
        .unwrap_or_default()
        .to_owned();
    (status, code, description)
}

async fn exchange(server: &MockServer, mp: &str, credentials: Option<String>) -> reqwest::Response {
    let mut req = client().get(server.exchange_url()).bearer_auth(mp);
    if let Some(c) = credentials {
        req = req.header(tilgang_mock::ENTERPRISE_USER_HEADER, c);
    }
    req.send().await.unwrap()
}

fn admin() -> Option<String> {
    Some(enterprise_header(
        demo::ENTERPRISE_USER,
        demo::ENTERPRISE_PASSWORD,
    ))
}

#[tokio::test]
async fn the_builder_and_start_with_clock_serve_the_given_clock() {
    let server = manual(World::demo()).await;
    assert!(server.clock().is_manual());
    assert_eq!(server.clock().now(), start());
    server.clock().advance(Duration::from_secs(90));
    assert_eq!(server_now(&server), START_UNIX + 90);

    let clock = Clock::manual(start());
    let server = MockServer::start_with_clock(World::demo(), clock.clone()).await;
    clock.set(start() + Duration::from_secs(3_600));
    assert_eq!(server.clock().now(), start() + Duration::from_secs(3_600));

    // The real clock stays the default.
    assert!(!MockServer::start().await.clock().is_manual());
}

#[tokio::test]
async fn an_access_token_lives_its_lifetime_on_the_mock_clock() {
    let mut world = World::demo();
    world.settings.access_token_lifetime_secs = 1;
    world.settings.exchange_clock_skew_secs = 0;
    let server = manual(world).await;
    let mp = access_token(&server, "altinn:enduser").await;
    let c = claims(&mp);
    assert_eq!(c["iat"], json!(START_UNIX));
    assert_eq!(c["exp"], json!(START_UNIX + 1));
    assert_eq!(exchange(&server, &mp, None).await.status(), 200);

    // Half a second past `exp` is still the second of `exp`, which the exchange accepts
    // (expiry is checked in whole seconds, `exp + skew >= now`).
    server.clock().advance(Duration::from_millis(1_500));
    assert_eq!(exchange(&server, &mp, None).await.status(), 200);
    server.clock().advance(Duration::from_millis(500));
    assert_eq!(exchange(&server, &mp, None).await.status(), 401);
}

#[tokio::test]
async fn the_exchange_skew_is_counted_on_the_mock_clock() {
    let server = manual(World::demo()).await;
    let mp = access_token(&server, "altinn:enduser").await;
    let exp = claims(&mp)["exp"].as_i64().unwrap();
    let skew = World::demo().settings.exchange_clock_skew_secs as i64;
    server
        .clock()
        .set(UNIX_EPOCH + Duration::from_secs((exp + skew) as u64));
    assert_eq!(exchange(&server, &mp, None).await.status(), 200);
    server.clock().advance(Duration::from_secs(1));
    assert_eq!(exchange(&server, &mp, None).await.status(), 401);
}

#[tokio::test]
async fn grant_times_are_judged_by_the_mock_clock() {
    let server = manual(World::demo()).await;
    let skew = World::demo().settings.grant_clock_skew_secs as i64;
    let ahead = |secs: i64| {
        Grant::kid(&server, "altinn:enduser")
            .claim("iat", json!(START_UNIX + secs))
            .claim("exp", json!(START_UNIX + secs + 60))
            .sign()
    };
    // An `iat` further ahead of the mock's clock than the skew allows is refused.
    let (status, code, description) = refusal(post_token(&server, &ahead(skew + 1)).await).await;
    assert_eq!(
        (status, code.as_str(), description.as_str()),
        (
            400,
            "MP-130",
            "Invalid assertion. Issue time is in the future"
        )
    );
    // Exactly at the edge of the skew is accepted.
    assert_eq!(post_token(&server, &ahead(skew)).await.status(), 200);

    // A grant made at the real time is years ahead of this clock.
    let real = Grant::kid(&server, "altinn:enduser")
        .claim("iat", json!(now()))
        .claim("exp", json!(now() + 60))
        .sign();
    let (status, code, _) = refusal(post_token(&server, &real).await).await;
    assert_eq!((status, code.as_str()), (400, "MP-130"));

    // Moving the clock past the grant's `exp` (plus skew) makes it expired.
    let grant = ahead(0);
    server
        .clock()
        .advance(Duration::from_secs(60 + skew as u64 + 1));
    let (status, code, description) = refusal(post_token(&server, &grant).await).await;
    assert_eq!(
        (status, code.as_str(), description.as_str()),
        (
            400,
            "MP-130",
            "Invalid assertion. Issue time is too far in the past"
        )
    );
}

#[tokio::test]
async fn a_registered_key_expires_on_the_mock_clock() {
    let mut world = World::demo();
    // The first client is the one `Grant::kid` signs for.
    assert_eq!(world.clients[0].client_id, demo::CLIENT_ID);
    world.clients[0].jwks[0].expires_at = Some(START_UNIX + 60);
    let server = manual(world).await;
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        200
    );
    server.clock().advance(Duration::from_secs(61));
    let (status, code, description) =
        refusal(post_token(&server, &Grant::kid(&server, "altinn:enduser").sign()).await).await;
    assert_eq!(
        (status, code.as_str(), description.as_str()),
        (
            400,
            "MP-121",
            "Invalid assertion. Client authentication failed. Expired key"
        )
    );
}

#[tokio::test]
async fn certificate_validity_is_judged_by_the_mock_clock() {
    let server = manual(World::demo()).await;
    let cert_grant = |server: &MockServer| Grant::cert(server, "altinn:enduser").sign();
    assert_eq!(
        post_token(&server, &cert_grant(&server)).await.status(),
        200
    );
    // The test certificates are valid from 2026-01-01 to 2046-01-01.
    for at in [1_767_225_599_u64, 2_398_377_601] {
        server.clock().set(UNIX_EPOCH + Duration::from_secs(at));
        let (status, code, _) = refusal(post_token(&server, &cert_grant(&server)).await).await;
        assert_eq!((status, code.as_str()), (400, "MP-120"), "at {at}");
    }
}

#[tokio::test]
async fn a_replayed_grant_stays_refused_while_its_times_still_pass() {
    let server = manual(World::demo()).await;
    let grant = Grant::kid(&server, "altinn:enduser")
        .claim("exp", json!(START_UNIX + 5))
        .sign();
    assert_eq!(post_token(&server, &grant).await.status(), 200);
    let (status, code, _) = refusal(post_token(&server, &grant).await).await;
    assert_eq!((status, code.as_str()), (400, "MP-012"));
    // Ten seconds on, the grant's times still pass (`iat` at the edge of the skew, `exp`
    // inside it), so the replay store still has it: the store keeps a grant until
    // `exp + skew` on the mock's clock, after which the time checks refuse it first.
    server.clock().advance(Duration::from_secs(10));
    let (status, code, _) = refusal(post_token(&server, &grant).await).await;
    assert_eq!((status, code.as_str()), (400, "MP-012"));
}

#[tokio::test]
async fn an_altinn_token_expires_on_the_mock_clock_with_both_times_named() {
    let server = manual(World::demo()).await;
    let token = altinn_token(&server, "altinn:enduser").await;
    let c = claims(&token);
    let lifetime = World::demo().settings.altinn_token_lifetime_secs as i64;
    assert_eq!(c["iat"], json!(START_UNIX));
    assert_eq!(c["exp"], json!(START_UNIX + lifetime));
    let rights = "/api/my/authorization/rights";
    let get = || api(&server, Method::GET, rights, &token).send();
    assert_eq!(get().await.unwrap().status(), 200);

    server
        .clock()
        .advance(Duration::from_secs(lifetime as u64 + 90));
    let resp = get().await.unwrap();
    assert_eq!(resp.status(), 401);
    // 2030-01-01T00:30:00Z is `exp`; the clock reads 90 s later.
    assert_eq!(
        reason(&resp),
        "IDX10223: Lifetime validation failed. The token is expired. ValidTo: '2030-01-01T00:30:00Z', Current time: '2030-01-01T00:31:30Z'."
    );
}

#[tokio::test]
async fn a_lockout_lasts_its_seconds_on_the_mock_clock() {
    let server = manual(World::demo()).await;
    let settings = World::demo().settings;
    let mp = access_token(&server, "altinn:enduser").await;
    let wrong = enterprise_header(demo::ENTERPRISE_USER, "wrong");
    for _ in 0..settings.lockout_after_failures {
        assert_eq!(
            exchange(&server, &mp, Some(wrong.clone())).await.status(),
            401
        );
    }
    let resp = exchange(&server, &mp, admin()).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(
        resp.headers()["retry-after"],
        settings.lockout_secs.to_string().as_str()
    );

    server
        .clock()
        .advance(Duration::from_secs(settings.lockout_secs - 1));
    let resp = exchange(&server, &mp, admin()).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");

    server.clock().advance(Duration::from_secs(1));
    assert_eq!(exchange(&server, &mp, admin()).await.status(), 200);
}

#[tokio::test]
async fn a_delegation_is_stamped_with_the_mock_clock() {
    let server = manual(World::demo()).await;
    server.clock().advance(Duration::from_millis(61_250));
    let token = admin_token(&server);
    let request = DelegationRequest {
        receiver: Receiver::Person {
            ssn: demo::PERSON_FNR.into(),
            last_name: demo::PERSON_LAST_NAME.into(),
        },
        rights: vec![RightRequest::service(
            ServiceCode::parse(demo::SERVICE_CODE).unwrap(),
            ServiceEditionCode::new(demo::SERVICE_EDITION).unwrap(),
            Action::Read,
        )],
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
    assert_eq!(resp.status(), 201, "{}", reason(&resp));
    let stored: Vec<String> = server
        .world()
        .rights
        .iter()
        .filter(|r| r.to == demo::PERSON_FNR)
        .map(|r| r.delegated_time.clone())
        .collect();
    assert_eq!(stored, ["2030-01-01T00:01:01.250"]);
}

#[tokio::test]
async fn a_maskinporten_outage_ends_at_its_time_on_the_mock_clock() {
    let server = manual(World::demo()).await;
    server.set_maskinporten_outage_until(start() + Duration::from_millis(1_500));
    let grant = || Grant::kid(&server, "altinn:enduser").sign();
    let resp = post_token(&server, &grant()).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "30");
    let jwk = client()
        .get(format!("{}/jwk", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(jwk.status(), 503);
    // Only Maskinporten is out.
    let token = admin_token(&server);
    let rights = api(&server, Method::GET, "/api/my/authorization/rights", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(rights.status(), 200);

    server.clock().advance(Duration::from_millis(1_499));
    assert_eq!(post_token(&server, &grant()).await.status(), 503);
    server.clock().advance(Duration::from_millis(1));
    assert_eq!(post_token(&server, &grant()).await.status(), 200);
}

#[tokio::test]
async fn switching_the_outage_off_ends_a_timed_one_and_reset_keeps_the_clock() {
    let server = manual(World::demo()).await;
    server.set_maskinporten_outage_until(start() + Duration::from_secs(3_600));
    let grant = || Grant::kid(&server, "altinn:enduser").sign();
    assert_eq!(post_token(&server, &grant()).await.status(), 503);
    server.set_maskinporten_outage(false);
    assert_eq!(post_token(&server, &grant()).await.status(), 200);

    server.set_maskinporten_outage_until(start() + Duration::from_secs(3_600));
    server.clock().advance(Duration::from_secs(5));
    server.reset();
    assert_eq!(server_now(&server), START_UNIX + 5);
    assert_eq!(post_token(&server, &grant()).await.status(), 200);
}

#[tokio::test]
async fn the_clock_is_read_and_moved_under_mock() {
    let server = manual(World::demo()).await;
    let url = format!("{}/_mock/clock", server.uri());
    let read = || async {
        let v: Value = client()
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v
    };
    assert_eq!(
        read().await,
        json!({"unix_ms": START_UNIX * 1000, "manual": true})
    );
    let resp = client()
        .post(format!("{url}/advance"))
        .json(&json!({"ms": 1500}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(read().await["unix_ms"], json!(START_UNIX * 1000 + 1500));
    let resp = client()
        .put(&url)
        .json(&json!({"unix_ms": 1_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(server.clock().now(), UNIX_EPOCH + Duration::from_secs(1));
    let resp = client()
        .put(&url)
        .json(&json!({"unix_ms": 1_000, "manual": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // Under /_mock/, nothing is counted or logged.
    assert!(server.requests().is_empty());
}
