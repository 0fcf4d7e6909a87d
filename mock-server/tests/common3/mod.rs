//! Helpers for the Altinn 3 tests: a server on a manual clock, system-user tokens, the
//! enduser API's URLs, and requests that return status and JSON.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, SystemTime};

use serde_json::Value;
use tilgang_mock::{MockServer, World, demo};

/// 2030-01-01, where every test's clock starts.
pub fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

pub async fn server() -> MockServer {
    server_with(World::demo()).await
}

pub async fn server_with(world: World) -> MockServer {
    MockServer::builder()
        .world(world)
        .manual_clock(start())
        .start()
        .await
}

pub const READ: &str = "altinn:accessmanagement/enduser:connections:toothers.read";
pub const WRITE: &str = "altinn:accessmanagement/enduser:connections:toothers.write";
pub const FROM_READ: &str = "altinn:accessmanagement/enduser:connections:fromothers.read";
pub const FROM_WRITE: &str = "altinn:accessmanagement/enduser:connections:fromothers.write";
pub const PARTIES: &str = "altinn:accessmanagement/authorizedparties";

/// An Altinn token of the demo system user with the given scopes, valid for an hour.
pub fn su_token(server: &MockServer, scopes: &[&str]) -> String {
    token_of(server, demo::SYSTEM_USER_ID, scopes)
}

pub fn token_of(server: &MockServer, su: &str, scopes: &[&str]) -> String {
    server
        .mint_system_user_token(su, scopes, server.clock().now() + Duration::from_secs(3600))
        .expect("the system user exists")
}

/// A token with every enduser scope.
pub fn all(server: &MockServer) -> String {
    su_token(server, &[READ, WRITE, FROM_READ, FROM_WRITE, PARTIES])
}

pub fn url(server: &MockServer, path: &str, query: &str) -> String {
    format!(
        "{}/accessmanagement/api/v1/enduser/{path}?{query}",
        server.uri()
    )
}

pub fn org() -> &'static str {
    demo::ORG_UUID
}

/// `party=ORG&from=ORG` and more.
pub fn own(extra: &str) -> String {
    let o = org();
    if extra.is_empty() {
        format!("party={o}&from={o}")
    } else {
        format!("party={o}&from={o}&{extra}")
    }
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    /// Asserts a ProblemDetails answer with this status and code; returns the body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "{}",
            self.content_type
        );
        let body = self.json();
        assert_eq!(body["code"], code, "{body}");
        body
    }

    /// Asserts a STD-00000 answer whose items have these codes and paths, in order.
    pub fn invalid(&self, items: &[(&str, &[&str])]) -> Value {
        let body = self.problem(400, "STD-00000");
        let got = body["validationErrors"]
            .as_array()
            .expect("validationErrors");
        assert_eq!(got.len(), items.len(), "{body}");
        for (item, (code, paths)) in got.iter().zip(items) {
            assert_eq!(item["code"], *code, "{body}");
            let p: Vec<&str> = item["paths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert_eq!(&p, paths, "{body}");
        }
        body
    }
}

pub async fn send(
    method: reqwest::Method,
    url: impl AsRef<str>,
    token: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut req = reqwest::Client::new().request(method, url.as_ref());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the mock answers");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.unwrap_or_default();
    Answer {
        status,
        content_type,
        text,
    }
}

pub async fn get(url: impl AsRef<str>, token: impl AsRef<str>) -> Answer {
    send(reqwest::Method::GET, url, Some(token.as_ref()), None).await
}

pub async fn post(url: impl AsRef<str>, token: impl AsRef<str>, body: Option<Value>) -> Answer {
    send(reqwest::Method::POST, url, Some(token.as_ref()), body).await
}

pub async fn put(url: impl AsRef<str>, token: impl AsRef<str>, body: Option<Value>) -> Answer {
    send(reqwest::Method::PUT, url, Some(token.as_ref()), body).await
}

pub async fn delete(url: impl AsRef<str>, token: impl AsRef<str>) -> Answer {
    send(reqwest::Method::DELETE, url, Some(token.as_ref()), None).await
}

/// The demo resource's right key of one action.
pub fn key(action: &str) -> String {
    tilgang_mock::world::altinn3::right_key(demo::RESOURCE_ID, action)
}
