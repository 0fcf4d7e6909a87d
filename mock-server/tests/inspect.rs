//! Inspection, fault injection and the binary, through real HTTP.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tilgang_mock::{FaultRule, Faults, MockServer, World, demo};

#[tokio::test]
async fn counters_count_matched_routes() {
    let server = MockServer::start().await;
    for _ in 0..3 {
        access_token(&server, "altinn:enduser").await;
    }
    assert_eq!(server.count("POST /token"), 3);
    assert_eq!(server.count("GET /jwk"), 0);
    let over_http: Value = client()
        .get(format!("{}/_mock/counters", server.uri()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["POST /token"], 3);
    // Inspection requests are neither counted nor logged.
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn request_log_redacts_credentials() {
    let server = MockServer::start().await;
    let token = altinn_token(&server, "altinn:enduser").await;
    api(
        &server,
        Method::GET,
        "/api/my/authorization/Delegations/r50828869?language=1044",
        &token,
    )
    .send()
    .await
    .unwrap();
    let log = server.requests();
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&token), "the Altinn token is redacted");
    assert!(!text.contains(demo::API_KEY), "the API key is redacted");
    assert!(!text.contains(&enterprise_header(
        demo::ENTERPRISE_USER,
        demo::ENTERPRISE_PASSWORD
    )));
    let last = log.last().unwrap();
    assert_eq!(last.method, "GET");
    assert_eq!(last.path, "/api/my/authorization/Delegations/r50828869");
    assert_eq!(last.query.as_deref(), Some("language=1044"));
    assert_eq!(
        last.route.as_deref(),
        Some("GET /api/{who}/authorization/Delegations/{receiverId}")
    );
    assert_eq!(last.status, 200);
    assert!(
        last.headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Bearer [redacted]")
    );
    assert!(
        last.headers
            .iter()
            .any(|(k, v)| k == "apikey" && v == "[redacted]")
    );
    let token_post = log
        .iter()
        .find(|r| r.route.as_deref() == Some("POST /token"))
        .unwrap();
    assert!(token_post.body_size > 500);
    let over_http: Value = client()
        .get(format!("{}/_mock/requests", server.uri()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http.as_array().unwrap().len(), log.len());
}

#[tokio::test]
async fn reset_restores_the_world_and_clears_inspection() {
    let server = MockServer::start().await;
    let token = admin_token(&server);
    let path = format!(
        "/api/my/authorization/Delegations/r50828870/rights/{}",
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
    assert_ne!(server.world(), World::demo());
    let resp = client()
        .post(format!("{}/_mock/reset", server.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(server.world(), World::demo());
    assert!(server.requests().is_empty());
    assert_eq!(
        server
            .count("DELETE /api/{who}/authorization/Delegations/{receiverId}/rights/{authzRuleId}"),
        0
    );
    server.reset();
    assert_eq!(
        api(&server, Method::DELETE, &path, &token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
}

#[tokio::test]
async fn state_can_be_read_and_replaced_over_http() {
    let server = MockServer::start().await;
    let state: World = client()
        .get(format!("{}/_mock/state", server.uri()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, World::demo());
    let mut changed = state.clone();
    changed.settings.access_token_lifetime_secs = 42;
    let resp = client()
        .put(format!("{}/_mock/state", server.uri()))
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let body: Value = post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["expires_in"], 42);
    let resp = client()
        .put(format!("{}/_mock/state", server.uri()))
        .body("{\"clients\": 3}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn minting_over_http() {
    let server = MockServer::start().await;
    let resp = client()
        .post(format!("{}/_mock/altinn-token", server.uri()))
        .json(&json!({"user": demo::ENTERPRISE_USER, "org": demo::ORG, "scopes": ["altinn:enduser"], "expires_at": now() - 60}))
        .send()
        .await
        .unwrap();
    let expired = resp.text().await.unwrap();
    let resp = api(
        &server,
        Method::GET,
        "/api/my/authorization/Delegations",
        &expired,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(reason(&resp).starts_with("IDX10223"));
    let mp = client()
        .post(format!("{}/_mock/access-token", server.uri()))
        .json(&json!({"client_id": demo::CLIENT_ID, "org": demo::ORG, "scopes": ["altinn:enduser"], "expires_at": now() + 60}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let resp = client()
        .get(server.exchange_url())
        .bearer_auth(mp)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn fault_503_with_retry_after_for_a_limited_number_of_requests() {
    let server = MockServer::start().await;
    server.inject(FaultRule::always("POST /token", 503).times(2));
    for _ in 0..2 {
        let resp = post_token(&server, &Grant::kid(&server, "altinn:enduser").sign()).await;
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["retry-after"], "1");
    }
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        200
    );
    assert_eq!(server.count("POST /token"), 3);
}

#[tokio::test]
async fn fault_500_and_429() {
    let server = MockServer::start().await;
    server.inject(FaultRule::always("GET /jwk", 500));
    server.inject(FaultRule::always(
        "GET /.well-known/oauth-authorization-server",
        429,
    ));
    assert_eq!(
        client()
            .get(format!("{}/jwk", server.uri()))
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    let resp = client().get(server.well_known_url()).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn dropped_connection_fails_the_request() {
    let server = MockServer::start().await;
    server.inject(FaultRule::drop_connection("GET /jwk").times(1));
    let err = client().get(format!("{}/jwk", server.uri())).send().await;
    assert!(err.is_err(), "{err:?}");
    assert_eq!(
        client()
            .get(format!("{}/jwk", server.uri()))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(server.requests()[0].status, 0);
}

#[tokio::test]
async fn maskinporten_outage_leaves_other_routes_alone() {
    let server = MockServer::start().await;
    let altinn = admin_token(&server);
    server.set_maskinporten_outage(true);
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        503
    );
    assert_eq!(
        client()
            .get(server.well_known_url())
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    assert_eq!(
        api(
            &server,
            Method::GET,
            "/api/my/authorization/Delegations",
            &altinn
        )
        .send()
        .await
        .unwrap()
        .status(),
        200
    );
    server.set_maskinporten_outage(false);
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn faults_are_deterministic_under_a_seed() {
    let outcomes = |seed: u64| async move {
        let server = MockServer::start().await;
        server.set_faults(Faults {
            seed,
            rules: vec![FaultRule {
                route: "GET /jwk".into(),
                error_rate: 0.5,
                error_status: 500,
                ..FaultRule::default()
            }],
            maskinporten_outage: false,
        });
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(
                client()
                    .get(format!("{}/jwk", server.uri()))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        out
    };
    let a = outcomes(7).await;
    assert_eq!(a, outcomes(7).await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn faults_over_http() {
    let server = MockServer::start().await;
    let url = format!("{}/_mock/faults", server.uri());
    let resp = client()
        .put(&url)
        .json(&json!({"rules": [{"route": "POST /token", "error_rate": 1.0, "error_status": 500}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        500
    );
    let f: Value = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(f["rules"][0]["route"], "POST /token");
    assert_eq!(client().delete(&url).send().await.unwrap().status(), 204);
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn server_stops_when_dropped() {
    let server = MockServer::start().await;
    let addr = server.local_addr();
    drop(server);
    // The listener is closed once the accept loop has seen the shutdown signal; a connect
    // either fails or the request does.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused);
}

#[test]
fn example_fixtures_file_is_the_demo_world() {
    let path = format!("{}/fixtures/demo-world.toml", env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        World::load(&path).unwrap(),
        World::demo(),
        "regenerate with `tilgang-mock --print-demo-world`"
    );
    let json = World::from_json(&World::demo().to_json()).unwrap();
    assert_eq!(json, World::demo());
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tilgang-mock"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    (Child(child), line.trim().to_owned())
}

#[tokio::test]
async fn binary_prints_its_address_and_persists_state_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let (child, line) = spawn(&["--listen", "127.0.0.1:0", "--state", state_arg]);
    let base = line
        .strip_prefix("listening on ")
        .expect("the documented first line")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    assert!(state.exists(), "the state file is written at start");
    let token = client()
        .post(format!("{base}/_mock/altinn-token"))
        .json(&json!({"user": demo::ENTERPRISE_USER, "org": demo::ORG, "scopes": ["altinn:enduser"], "expires_at": now() + 600}))
        .send().await.unwrap().text().await.unwrap();
    let path = format!(
        "{base}/api/my/authorization/Delegations/r50828870/rights/{}",
        demo::ROLE_PERSON_DIRECT_RIGHT_ID
    );
    let resp = client()
        .delete(&path)
        .header("ApiKey", demo::API_KEY)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    drop(child);
    let (_child, line) = spawn(&["--listen", "127.0.0.1:0", "--state", state_arg]);
    let base = line.strip_prefix("listening on ").unwrap().to_owned();
    let world: World = client()
        .get(format!("{base}/_mock/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        world
            .rights
            .iter()
            .all(|r| r.id != demo::ROLE_PERSON_DIRECT_RIGHT_ID),
        "the deletion survived the restart"
    );
}

#[tokio::test]
async fn binary_loads_a_fixtures_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("world.json");
    let mut world = World::demo();
    world.settings.access_token_lifetime_secs = 77;
    std::fs::write(&file, world.to_json()).unwrap();
    let (_child, line) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--fixtures",
        file.to_str().unwrap(),
    ]);
    let base = line.strip_prefix("listening on ").unwrap().to_owned();
    let state: World = client()
        .get(format!("{base}/_mock/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state.settings.access_token_lifetime_secs, 77);
}

#[tokio::test]
async fn annotated_example_world_loads_and_serves() {
    let path = format!("{}/fixtures/example-world.toml", env!("CARGO_MANIFEST_DIR"));
    let world = World::load(&path).unwrap();
    assert_eq!(world.rights.len(), 1);
    let server = MockServer::start_with(world).await;
    assert_eq!(
        post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
            .await
            .status(),
        200
    );
    assert_eq!(
        post_token(&server, &Grant::cert(&server, "altinn:enduser").sign())
            .await
            .status(),
        200
    );
}
