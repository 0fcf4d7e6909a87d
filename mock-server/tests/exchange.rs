//! The Altinn token exchange through real HTTP (`shared/spec/maskinporten.md` §2,
//! `shared/spec/altinn2-rest.md` §3.2).

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use serde_json::{Value, json};
use tilgang_mock::{ENTERPRISE_USER_HEADER, MockServer, WRONG_PASSWORD_TEXT, World, demo};

async fn exchange(
    server: &MockServer,
    token: Option<&str>,
    credentials: Option<String>,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut req = client().get(server.exchange_url());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = credentials {
        req = req.header(ENTERPRISE_USER_HEADER, c);
    }
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    req.send().await.unwrap()
}

fn admin_credentials() -> Option<String> {
    Some(enterprise_header(
        demo::ENTERPRISE_USER,
        demo::ENTERPRISE_PASSWORD,
    ))
}

#[tokio::test]
async fn enterprise_user_exchange_gives_a_bare_token_with_altinn_claims() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    let resp = exchange(
        &server,
        Some(&mp),
        admin_credentials(),
        Some("application/hal+json"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let token = resp.text().await.unwrap();
    assert!(!token.starts_with('"'));
    let c = claims(&token);
    assert_eq!(c["urn:altinn:orgNumber"], demo::ORG);
    assert_eq!(c["urn:altinn:authenticatemethod"], "virksomhetsbruker");
    assert_eq!(c["urn:altinn:username"], demo::ENTERPRISE_USER);
    assert_eq!(c["urn:altinn:authlevel"], 3);
    assert_eq!(c["iss"], server.altinn_issuer());
    assert_eq!(c["scope"], "altinn:enduser");
    assert!(c.get("aud").is_none() && c.get("client_amr").is_none());
    let lifetime = c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 30 * 60);
}

#[tokio::test]
async fn no_accept_gives_bare_token_and_json_accept_gives_a_quoted_one() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    let bare = exchange(&server, Some(&mp), admin_credentials(), None)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(bare.matches('.').count(), 2);
    let resp = exchange(
        &server,
        Some(&mp),
        admin_credentials(),
        Some("application/json"),
    )
    .await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let quoted = resp.text().await.unwrap();
    assert!(quoted.starts_with('"') && quoted.ends_with('"'));
    let inner: String = serde_json::from_str(&quoted).unwrap();
    assert_eq!(inner.matches('.').count(), 2);
}

#[tokio::test]
async fn without_enterprise_header_gives_an_organisation_token() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    let token = exchange(&server, Some(&mp), None, None)
        .await
        .text()
        .await
        .unwrap();
    let c = claims(&token);
    assert_eq!(c["urn:altinn:authenticatemethod"], "maskinporten");
    assert!(c.get("urn:altinn:username").is_none());
}

#[tokio::test]
async fn token_problems_are_401_with_an_empty_body() {
    // A manual clock, so the token 5 s past its expiry stays inside the 10 s skew however
    // long the test takes.
    let server = MockServer::builder()
        .manual_clock(SystemTime::now())
        .start()
        .await;
    let expired = server.mint_access_token(
        demo::CLIENT_ID,
        demo::ORG,
        &["altinn:enduser"],
        server.clock().now() - Duration::from_secs(60),
    );
    let inside_skew = server.mint_access_token(
        demo::CLIENT_ID,
        demo::ORG,
        &["altinn:enduser"],
        server.clock().now() - Duration::from_secs(5),
    );
    let other = MockServer::start().await;
    let foreign = access_token(&other, "altinn:enduser").await;
    for token in [
        None,
        Some("garbage"),
        Some(expired.as_str()),
        Some(foreign.as_str()),
    ] {
        let resp = exchange(&server, token, None, None).await;
        assert_eq!(resp.status(), 401, "{token:?}");
        assert!(resp.text().await.unwrap().is_empty());
    }
    let resp = client()
        .get(server.exchange_url())
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        exchange(&server, Some(&inside_skew), None, None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn wrong_password_is_401_with_the_documented_text() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    for creds in [
        enterprise_header(demo::ENTERPRISE_USER, "wrong"),
        enterprise_header("nobody-here", demo::ENTERPRISE_PASSWORD),
    ] {
        let resp = exchange(&server, Some(&mp), Some(creds), None).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.text().await.unwrap(), WRONG_PASSWORD_TEXT);
    }
}

#[tokio::test]
async fn password_with_colons_splits_on_the_first_colon() {
    let mut world = World::demo();
    world.enterprise_users[0].password = "pa:ss:word".into();
    let server = MockServer::start_with(world).await;
    let mp = access_token(&server, "altinn:enduser").await;
    let resp = exchange(
        &server,
        Some(&mp),
        Some(enterprise_header(demo::ENTERPRISE_USER, "pa:ss:word")),
        None,
    )
    .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn malformed_credentials_are_400() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    use base64::{Engine, engine::general_purpose::STANDARD};
    for bad in [
        "%%% not base64".to_owned(),
        STANDARD.encode("no-colon-here"),
    ] {
        let resp = exchange(&server, Some(&mp), Some(bad), None).await;
        assert_eq!(resp.status(), 400);
        assert!(resp.text().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn repeated_failures_give_429_with_retry_after() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    let wrong = enterprise_header(demo::ENTERPRISE_USER, "wrong");
    for _ in 0..5 {
        assert_eq!(
            exchange(&server, Some(&mp), Some(wrong.clone()), None)
                .await
                .status(),
            401
        );
    }
    // Locked: even the right password is refused until Retry-After has passed.
    let resp = exchange(&server, Some(&mp), admin_credentials(), None).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another user is not affected.
    let manager = enterprise_header(demo::MANAGER_USER, demo::ENTERPRISE_PASSWORD);
    assert_eq!(
        exchange(&server, Some(&mp), Some(manager), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn post_shutdown_world_answers_410_problem_details() {
    let mut world = World::demo();
    world.settings.enterprise_user_gone = true;
    let server = MockServer::start_with(world).await;
    let mp = access_token(&server, "altinn:enduser").await;
    let resp = exchange(&server, Some(&mp), admin_credentials(), None).await;
    assert_eq!(resp.status(), 410);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 410);
    assert_eq!(body["title"], "Gone");
    // Without the header the exchange still works.
    assert_eq!(exchange(&server, Some(&mp), None, None).await.status(), 200);
}

#[tokio::test]
async fn unknown_provider_is_400_and_provider_is_case_insensitive() {
    let server = MockServer::start().await;
    let mp = access_token(&server, "altinn:enduser").await;
    let resp = client()
        .get(format!(
            "{}/authentication/api/v1/exchange/facebook",
            server.uri()
        ))
        .bearer_auth(&mp)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("facebook"));
    let resp = client()
        .get(format!(
            "{}/authentication/api/v1/exchange/MaskinPorten",
            server.uri()
        ))
        .bearer_auth(&mp)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        server.count("GET /authentication/api/v1/exchange/{provider}"),
        2
    );
}

#[tokio::test]
async fn minted_token_matches_an_exchanged_one() {
    let server = MockServer::start().await;
    let exchanged = claims(&altinn_token(&server, "altinn:enduser").await);
    let minted = claims(&server.mint_altinn_token(
        Some(demo::ENTERPRISE_USER),
        demo::ORG,
        &["altinn:enduser"],
        SystemTime::now() + Duration::from_secs(60),
    ));
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&exchanged), keys(&minted));
    for k in [
        "urn:altinn:orgNumber",
        "urn:altinn:username",
        "urn:altinn:userid",
        "urn:altinn:partyid",
        "iss",
        "scope",
        "consumer",
    ] {
        assert_eq!(exchanged[k], minted[k], "{k}");
    }
    let _ = json!(null);
}
