//! Adapter-level tests against wiremock: the exact request shape, typed errors, retries with
//! fresh grants, discovery, the cache's bookkeeping, and the Altinn exchange.

mod common;

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use common::*;
use serde_json::{Value, json};
use tilgang_domain::{
    Fnr, OrgNumber, ScopeSet,
    secret::{AccessToken, EnterpriseUserCredentials, Password, SecretText},
};
use tilgang_maskinporten::{
    AltinnExchange, ClientKey, Environment, HttpConfig, MaskinportenClient, ResourceClaim,
    SigningAlgorithm, TokenError,
};
use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, Delivery, RetryPolicy, SystemUserAuthorization,
    TokenRequest,
};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

const CLIENT_ID: &str = "2f6b7a3e-5c1d-4e8a-9b0f-1d2c3e4f5a6b";

const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_secs(2),
};

fn issuer(server: &MockServer) -> String {
    format!("{}/", server.uri())
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": issuer(&server),
            "token_endpoint": format!("{}/token", server.uri()),
        })))
        .mount(&server)
        .await;
    server
}

fn fake_jwt(claims: Value) -> String {
    format!(
        "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn token_ok(expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": fake_jwt(json!({"consumer": {"authority": "iso6523-actorid-upis", "ID": "0192:310000000"}})),
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": "altinn:test",
    }))
}

fn client_with(server: &MockServer, key: ClientKey) -> MaskinportenClient {
    MaskinportenClient::builder(
        Environment::Custom {
            issuer: issuer(server),
        },
        CLIENT_ID,
        key,
    )
    .retry(FAST_RETRY)
    .build()
    .unwrap()
}

fn scopes(s: &str) -> TokenRequest {
    TokenRequest::scopes(ScopeSet::parse(s).unwrap())
}

async fn token_posts(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/token")
        .collect()
}

fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn assertion(request: &Request) -> String {
    form(request)
        .into_iter()
        .find(|(k, _)| k == "assertion")
        .unwrap()
        .1
}

fn keys(map: &serde_json::Map<String, Value>) -> BTreeSet<&str> {
    map.keys().map(String::as_str).collect()
}

#[tokio::test]
async fn the_request_has_exactly_the_documented_shape() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token_ok(120))
        .mount(&server)
        .await;
    let key = jwk_key();
    let client = client_with(&server, key.clone());
    let mut request = scopes("b:two a:one b:two");
    request.resource = vec!["https://api.example.no/".into()];
    request.consumer_org = Some(OrgNumber::parse("910000004").unwrap());
    request.pid = Some(Fnr::parse("26899299344").unwrap());
    request.system_user = Some(SystemUserAuthorization {
        org: OrgNumber::parse("310000000").unwrap(),
        external_ref: Some("ref-1".into()),
    });
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let token = client.access_token(&request).await.unwrap();
    assert_eq!(token.consumer.as_deref(), Some("310000000"));
    assert_eq!(token.scope.unwrap().to_string(), "altinn:test");

    let posts = token_posts(&server).await;
    assert_eq!(posts.len(), 1);
    let sent = &posts[0];
    assert_eq!(sent.method.as_str(), "POST");
    assert_eq!(
        sent.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(sent.headers["accept"], "application/json");
    assert!(!sent.headers.contains_key("authorization"));

    let fields = form(sent);
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["grant_type", "assertion"]);
    assert_eq!(fields[0].1, "urn:ietf:params:oauth:grant-type:jwt-bearer");
    assert!(std::str::from_utf8(&sent.body).unwrap().starts_with(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
    ));

    let grant = verify(&fields[1].1, &key);
    assert_eq!(keys(&grant.header), BTreeSet::from(["alg", "kid", "typ"]));
    assert_eq!(grant.header["alg"], "RS256");
    assert_eq!(grant.header["kid"], KID);
    assert_eq!(grant.header["typ"], "JWT");
    assert_eq!(
        keys(&grant.claims),
        BTreeSet::from([
            "aud",
            "iss",
            "scope",
            "iat",
            "exp",
            "jti",
            "resource",
            "consumer_org",
            "pid",
            "authorization_details"
        ])
    );
    let c = &grant.claims;
    assert_eq!(c["aud"], issuer(&server));
    assert_eq!(c["iss"], CLIENT_ID);
    assert_eq!(c["scope"], "a:one b:two", "sorted and de-duplicated");
    let iat = c["iat"].as_u64().unwrap();
    assert!(iat >= before && iat <= before + 5);
    assert_eq!(c["exp"].as_u64().unwrap() - iat, 120);
    let jti = uuid::Uuid::parse_str(c["jti"].as_str().unwrap()).unwrap();
    assert_eq!(jti.get_version_num(), 4);
    assert_eq!(c["resource"], "https://api.example.no/");
    assert_eq!(c["consumer_org"], "910000004");
    assert_eq!(c["pid"], "26899299344");
    assert_eq!(
        c["authorization_details"],
        json!([{
            "type": "urn:altinn:systemuser",
            "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:310000000"},
            "externalRef": "ref-1",
        }])
    );

    // iss_onbehalfof is sent on its own; certificates give x5c and no kid.
    let cert_client = client_with(&server, chain_key());
    let mut on_behalf = scopes("a:one");
    on_behalf.iss_onbehalfof = Some("sub-client".into());
    cert_client.access_token(&on_behalf).await.unwrap();
    let posts = token_posts(&server).await;
    let grant = decode(&assertion(&posts[1]));
    assert_eq!(keys(&grant.header), BTreeSet::from(["alg", "typ", "x5c"]));
    assert_eq!(
        keys(&grant.claims),
        BTreeSet::from(["aud", "iss", "scope", "iat", "exp", "jti", "iss_onbehalfof"])
    );
    assert_eq!(grant.claims["iss_onbehalfof"], "sub-client");
}

#[tokio::test]
async fn resource_is_written_as_configured() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token_ok(120))
        .mount(&server)
        .await;
    let array_client = MaskinportenClient::builder(
        Environment::Custom {
            issuer: issuer(&server),
        },
        CLIENT_ID,
        pkcs8_key(),
    )
    .resource_claim(ResourceClaim::Array)
    .algorithm(SigningAlgorithm::Rs512)
    .grant_lifetime(Duration::from_secs(60))
    .build()
    .unwrap();
    let mut one = scopes("a:one");
    one.resource = vec!["https://a.example/".into()];
    array_client.access_token(&one).await.unwrap();
    let string_client = client_with(&server, pkcs8_key());
    let mut two = scopes("a:one");
    two.resource = vec!["https://a.example/".into(), "https://b.example/".into()];
    string_client.access_token(&two).await.unwrap();

    let posts = token_posts(&server).await;
    let first = decode(&assertion(&posts[0]));
    assert_eq!(first.claims["resource"], json!(["https://a.example/"]));
    assert_eq!(first.header["alg"], "RS512");
    assert_eq!(
        first.claims["exp"].as_u64().unwrap() - first.claims["iat"].as_u64().unwrap(),
        60
    );
    let second = decode(&assertion(&posts[1]));
    assert_eq!(
        second.claims["resource"],
        json!(["https://a.example/", "https://b.example/"])
    );
}

#[tokio::test]
async fn refusals_come_back_typed_with_code_and_trace_id() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "Invalid assertion. Client authentication failed. Invalid JWT claim aud (trace_id: 0af7651916cd43dd)",
            "error_uri": "https://test.maskinporten.no/errors/MP-110",
        })))
        .mount(&server)
        .await;
    let client = client_with(&server, pkcs8_key());
    let err = client.access_token(&scopes("a:one")).await.unwrap_err();
    let TokenError::Rejected(r) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status, 400);
    assert_eq!(r.error, "invalid_grant");
    assert_eq!(r.mp_code.as_deref(), Some("MP-110"));
    assert_eq!(r.trace_id.as_deref(), Some("0af7651916cd43dd"));
    assert!(
        r.description
            .as_deref()
            .unwrap()
            .contains("Invalid JWT claim aud")
    );
    assert!(err.to_string().contains("MP-110"), "{err}");
    assert_eq!(
        token_posts(&server).await.len(),
        1,
        "a refusal is not retried"
    );
}

#[tokio::test]
async fn transient_failures_are_retried_with_a_fresh_grant() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token_ok(120))
        .mount(&server)
        .await;
    let client = client_with(&server, pkcs8_key());
    client.access_token(&scopes("a:one")).await.unwrap();
    let posts = token_posts(&server).await;
    assert_eq!(posts.len(), 3);
    let jtis: BTreeSet<String> = posts
        .iter()
        .map(|p| {
            decode(&assertion(p)).claims["jti"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(jtis.len(), 3, "every attempt has its own jti");
}

#[tokio::test]
async fn server_errors_give_up_after_the_policy() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let client = client_with(&server, pkcs8_key());
    let err = client.access_token(&scopes("a:one")).await.unwrap_err();
    assert!(
        matches!(
            err,
            TokenError::Server {
                status: 502,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(token_posts(&server).await.len(), 3);
}

#[tokio::test]
async fn rate_limits_honour_retry_after() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let client = client_with(&server, pkcs8_key());
    // The first 429 asks for one second, which the client waits; the second asks for an hour,
    // longer than the policy's longest delay, so the client gives up and reports it.
    let err = client.access_token(&scopes("a:one")).await.unwrap_err();
    assert!(
        matches!(err, TokenError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert_eq!(token_posts(&server).await.len(), 2);
}

#[tokio::test]
async fn never_sent_is_kept_apart_from_maybe_sent() {
    // Nothing listens on port 1: the connection is refused, so the request was never sent.
    let refused = MaskinportenClient::builder(
        Environment::Custom {
            issuer: "http://127.0.0.1:1/".into(),
        },
        CLIENT_ID,
        pkcs8_key(),
    )
    .token_endpoint("http://127.0.0.1:1/token".parse().unwrap())
    .retry(FAST_RETRY)
    .build()
    .unwrap();
    let err = refused.access_token(&scopes("a:one")).await.unwrap_err();
    assert!(
        matches!(
            err,
            TokenError::Transport {
                delivery: Delivery::NotSent,
                ..
            }
        ),
        "{err:?}"
    );

    // A server that answers too late may have handled the request.
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token_ok(120).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let slow = MaskinportenClient::builder(
        Environment::Custom {
            issuer: issuer(&server),
        },
        CLIENT_ID,
        pkcs8_key(),
    )
    .http(HttpConfig {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_millis(200),
    })
    .retry(RetryPolicy::NONE)
    .build()
    .unwrap();
    let err = slow.access_token(&scopes("a:one")).await.unwrap_err();
    assert!(
        matches!(err, TokenError::Transport { delivery: Delivery::MaybeSent, ref message } if message.contains("timed out")),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = server().await;
    let client = client_with(&server, pkcs8_key());
    let mut both = scopes("a:one");
    both.consumer_org = Some(OrgNumber::parse("910000004").unwrap());
    both.iss_onbehalfof = Some("sub".into());
    let err = client.access_token(&both).await.unwrap_err();
    assert!(
        matches!(err, TokenError::Config { ref message } if message.contains("mutually exclusive")),
        "{err:?}"
    );
    let mut relative = scopes("a:one");
    relative.resource = vec!["/not/absolute".into()];
    assert!(matches!(
        client.access_token(&relative).await.unwrap_err(),
        TokenError::Config { .. }
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unreadable_success_bodies_are_invalid_responses() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "x.y.z"})))
        .mount(&server)
        .await;
    let err = client_with(&server, pkcs8_key())
        .access_token(&scopes("a:one"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::InvalidResponse { ref message } if message.contains("expires_in")),
        "{err:?}"
    );
}

#[tokio::test]
async fn discovery_takes_aud_from_the_document_and_checks_the_issuer() {
    let server = MockServer::start().await;
    // Skyporten writes its issuer without the trailing slash; `aud` must follow the document.
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": server.uri(),
            "token_endpoint": format!("{}/token", server.uri()),
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token_ok(120))
        .mount(&server)
        .await;
    let client = client_with(&server, pkcs8_key());
    client.access_token(&scopes("a:one")).await.unwrap();
    client.access_token(&scopes("a:two")).await.unwrap();
    let posts = token_posts(&server).await;
    assert_eq!(decode(&assertion(&posts[0])).claims["aud"], server.uri());
    let discoveries = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(discoveries, 1, "the document is cached");

    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/oauth-authorization-server"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": "https://evil.example/",
            "token_endpoint": "https://evil.example/token",
        })))
        .mount(&other)
        .await;
    let err = client_with(&other, pkcs8_key())
        .access_token(&scopes("a:one"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::InvalidResponse { ref message } if message.contains("evil.example")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_cache_reuses_invalidates_and_force_refreshes() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token_ok(120))
        .mount(&server)
        .await;
    let client = client_with(&server, pkcs8_key());
    let a = scopes("x:1 y:2");
    let same = scopes("y:2,x:1,x:1");
    client.access_token(&a).await.unwrap();
    client.access_token(&same).await.unwrap();
    assert!(client.cached(&a).is_some());
    assert_eq!(token_posts(&server).await.len(), 1);
    AccessTokenSource::invalidate(&client, &a).await;
    assert!(client.cached(&a).is_none());
    client.access_token(&a).await.unwrap();
    assert_eq!(token_posts(&server).await.len(), 2);
    client.refresh(&a).await.unwrap();
    assert_eq!(token_posts(&server).await.len(), 3);
    client.fetch_uncached(&a).await.unwrap();
    assert_eq!(token_posts(&server).await.len(), 4);
    let mut other = a.clone();
    other.resource = vec!["https://api.example/".into()];
    client.access_token(&other).await.unwrap();
    assert_eq!(
        token_posts(&server).await.len(),
        5,
        "resource is part of the key"
    );
}

/// A Maskinporten stand-in that counts calls and invalidations.
struct CountingSource {
    calls: AtomicUsize,
    invalidations: AtomicUsize,
}

#[async_trait]
impl AccessTokenSource for CountingSource {
    async fn access_token(&self, _request: &TokenRequest) -> Result<AccessToken, TokenError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken {
            token: SecretText::new(format!("mp-token-{n}")),
            expires_at: SystemTime::now() + Duration::from_secs(120),
            scope: None,
            consumer: None,
        })
    }

    async fn invalidate(&self, _request: &TokenRequest) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> Arc<CountingSource> {
    Arc::new(CountingSource {
        calls: AtomicUsize::new(0),
        invalidations: AtomicUsize::new(0),
    })
}

fn altinn_jwt(lifetime: u64) -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + lifetime;
    fake_jwt(json!({"exp": exp, "urn:altinn:orgNumber": "310000000"}))
}

const EXCHANGE: &str = "/authentication/api/v1/exchange/maskinporten";

#[tokio::test]
async fn exchange_sends_the_bearer_token_and_accepts_bare_or_quoted_bodies() {
    let server = MockServer::start().await;
    let jwt = altinn_jwt(1800);
    Mock::given(method("GET"))
        .and(path(EXCHANGE))
        .respond_with(ResponseTemplate::new(200).set_body_string(jwt.clone()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(EXCHANGE))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("\"{jwt}\"")))
        .mount(&server)
        .await;
    let source = counting();
    let exchange = AltinnExchange::builder(
        source.clone(),
        scopes("altinn:test"),
        server.uri().parse().unwrap(),
    )
    .enterprise_user(EnterpriseUserCredentials {
        user_name: "demo-admin".into(),
        password: Password::new("demo-password"),
    })
    .test_service_owner()
    .build()
    .unwrap();
    let first = exchange.altinn_token().await.unwrap();
    assert_eq!(first.token.expose(), jwt);
    let cached = exchange.altinn_token().await.unwrap();
    assert_eq!(cached, first);
    let quoted = exchange.refresh().await.unwrap();
    assert_eq!(quoted.token.expose(), jwt);
    assert_eq!(
        quoted.expires_at, first.expires_at,
        "lifetime is read from exp"
    );

    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2, "the second call came from the cache");
    assert_eq!(sent[0].url.query(), Some("test=true"));
    assert_eq!(sent[0].headers["authorization"], "Bearer mp-token-0");
    assert_eq!(
        sent[0].headers["x-altinn-enterpriseuser-authentication"],
        STANDARD.encode("demo-admin:demo-password")
    );

    AltinnTokenSource::invalidate(&exchange).await;
    assert_eq!(source.invalidations.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn exchange_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/gone/authentication/api/v1/exchange/maskinporten"))
        .respond_with(
            ResponseTemplate::new(410)
                .set_body_json(json!({"title": "Gone", "status": 410, "detail": "Enterprise users are no longer supported"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/busy/authentication/api/v1/exchange/maskinporten"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/refused/authentication/api/v1/exchange/maskinporten"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let exchange = |prefix: &str, source: Arc<CountingSource>| {
        AltinnExchange::builder(
            source,
            scopes("altinn:test"),
            format!("{}/{prefix}", server.uri()).parse().unwrap(),
        )
        .retry(FAST_RETRY)
        .build()
        .unwrap()
    };

    let err = exchange("gone", counting())
        .altinn_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::EnterpriseUsersRetired { ref body } if body.contains("no longer supported")),
        "{err:?}"
    );

    let err = exchange("busy", counting())
        .altinn_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(3600)),
        "{err:?}"
    );

    // A 401 drops the Maskinporten token and tries once more with a new one.
    let source = counting();
    let err = exchange("refused", source.clone())
        .altinn_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::ExchangeRejected { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    assert_eq!(source.invalidations.load(Ordering::SeqCst), 1);
    let refused = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().starts_with("/refused"))
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(refused, ["Bearer mp-token-0", "Bearer mp-token-1"]);
}
