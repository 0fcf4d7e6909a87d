//! End-to-end against the in-process mock server (one per test): every grant variant gets a
//! token, every documented refusal comes back typed, single-flight under 1,000 callers, and
//! refresh ahead of expiry under tokio's paused clock.

mod common;

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use common::*;
use tilgang_domain::{
    Fnr, OrgNumber, ScopeSet,
    secret::{EnterpriseUserCredentials, Password},
};
use tilgang_maskinporten::{
    AltinnExchange, ClientKey, Environment, MaskinportenClient, ResourceClaim, SigningAlgorithm,
    TokenError, TokioClock,
};
use tilgang_mock::{FaultRule, MockServer, World, demo};
use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, Clock, Delivery, RetryPolicy, SystemUserAuthorization,
    TokenRequest,
};

const SCOPE: &str = "tilgang:test.read";

const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(500),
};

fn env(server: &MockServer) -> Environment {
    Environment::Custom {
        issuer: server.issuer(),
    }
}

fn client(server: &MockServer, client_id: &str, key: ClientKey) -> MaskinportenClient {
    MaskinportenClient::builder(env(server), client_id, key)
        .retry(FAST_RETRY)
        .build()
        .unwrap()
}

fn request(scope: &str) -> TokenRequest {
    TokenRequest::scopes(ScopeSet::parse(scope).unwrap())
}

fn other_org_key() -> ClientKey {
    ClientKey::from_certificate_pem_files(
        fixture("other-org.crt.pem"),
        fixture("other-org.pkcs8.pem"),
    )
    .unwrap()
}

fn rejection(err: TokenError) -> tilgang_ports::TokenRejection {
    match err {
        TokenError::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn every_key_format_and_algorithm_gets_a_token() {
    let server = MockServer::start().await;
    let variants = [
        ("jwk", demo::CLIENT_ID, jwk_key()),
        ("pkcs8", demo::CLIENT_ID, pkcs8_key()),
        ("pkcs1", demo::CLIENT_ID, pkcs1_key()),
        ("pem chain (x5c)", demo::CERT_CLIENT_ID, chain_key()),
        ("pkcs12 (x5c)", demo::CERT_CLIENT_ID, p12_key()),
    ];
    let mut n = 0;
    for (name, client_id, key) in variants {
        for alg in [
            SigningAlgorithm::Rs256,
            SigningAlgorithm::Rs384,
            SigningAlgorithm::Rs512,
        ] {
            let client = MaskinportenClient::builder(env(&server), client_id, key.clone())
                .algorithm(alg)
                .build()
                .unwrap();
            let token = client
                .access_token(&request(SCOPE))
                .await
                .unwrap_or_else(|e| panic!("{name} {alg:?}: {e}"));
            assert_eq!(token.consumer.as_deref(), Some(demo::ORG), "{name}");
            n += 1;
        }
    }
    assert_eq!(server.count("POST /token"), n);
}

#[tokio::test]
async fn every_optional_claim_gets_a_token() {
    let server = MockServer::start().await;
    let kid_client = client(&server, demo::CLIENT_ID, jwk_key());

    let mut resource = request(SCOPE);
    resource.resource = vec![demo::RESOURCE.into()];
    kid_client.access_token(&resource).await.unwrap();

    let array_client = MaskinportenClient::builder(env(&server), demo::CLIENT_ID, jwk_key())
        .resource_claim(ResourceClaim::Array)
        .build()
        .unwrap();
    let mut resources = request(SCOPE);
    resources.resource = vec![demo::RESOURCE.into(), "https://api.example.no/".into()];
    array_client.access_token(&resource).await.unwrap();
    array_client.access_token(&resources).await.unwrap();

    let mut pid = request(SCOPE);
    pid.pid = Some(Fnr::parse(demo::PERSON_FNR).unwrap());
    kid_client.access_token(&pid).await.unwrap();

    let mut on_behalf = request(SCOPE);
    on_behalf.iss_onbehalfof = Some("sub-client-1".into());
    kid_client.access_token(&on_behalf).await.unwrap();

    // The supplier acts for DEMO AS through an Altinn delegation of one scope.
    let supplier = client(&server, demo::SUPPLIER_CLIENT_ID, other_org_key());
    let mut delegated = request(demo::DELEGATED_SCOPE);
    delegated.consumer_org = Some(OrgNumber::parse(demo::ORG).unwrap());
    let token = supplier.access_token(&delegated).await.unwrap();
    assert_eq!(token.consumer.as_deref(), Some(demo::ORG));

    assert_eq!(server.count("POST /token"), 6);

    // A system user that DEMO AS approved for this client, with and without `externalRef`.
    let mut system_user = request(SCOPE);
    system_user.system_user = Some(SystemUserAuthorization {
        org: OrgNumber::parse(demo::ORG).unwrap(),
        external_ref: None,
    });
    let token = kid_client.access_token(&system_user).await.unwrap();
    let details = &access_claims(&token)["authorization_details"][0];
    assert_eq!(details["systemuser_id"][0], demo::SYSTEM_USER_ID);
    assert_eq!(details["system_id"], demo::SYSTEM_ID);
    let mut second = system_user.clone();
    second.system_user = Some(SystemUserAuthorization {
        org: OrgNumber::parse(demo::ORG).unwrap(),
        external_ref: Some(demo::SYSTEM_USER_2_REF.into()),
    });
    let token = kid_client.access_token(&second).await.unwrap();
    assert_eq!(
        access_claims(&token)["authorization_details"][0]["systemuser_id"][0],
        demo::SYSTEM_USER_2_ID
    );
    assert_eq!(server.count("POST /token"), 8);

    // An organisation that approved no system user for this client: the documented MP-303.
    let mut unknown = request(SCOPE);
    unknown.system_user = Some(SystemUserAuthorization {
        org: OrgNumber::parse(demo::OTHER_ORG).unwrap(),
        external_ref: None,
    });
    let r = rejection(kid_client.access_token(&unknown).await.unwrap_err());
    assert_eq!(r.mp_code.as_deref(), Some("MP-303"));
}

/// The claims of an access token, read without verification (the mock's tests verify them).
fn access_claims(token: &tilgang_domain::secret::AccessToken) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.token.expose().split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn documented_refusals_come_back_typed() {
    let server = MockServer::start().await;
    let scope = request(SCOPE);
    let check = |err: TokenError, status: u16, error: &str, code: &str| {
        let r = rejection(err);
        assert_eq!(
            (r.status, r.error.as_str(), r.mp_code.as_deref()),
            (status, error, Some(code)),
            "{r:?}"
        );
        assert!(r.trace_id.is_some(), "the trace id is kept: {r:?}");
        assert!(r.description.is_some());
    };

    // MP-100: unknown client.
    let err = client(&server, "no-such-client", jwk_key())
        .access_token(&scope)
        .await
        .unwrap_err();
    check(err, 400, "invalid_grant", "MP-100");

    // MP-100: a kid the client has not registered.
    let unregistered =
        ClientKey::from_pem_file(fixture("unregistered.pkcs8.pem"), "other-key").unwrap();
    let err = client(&server, demo::CLIENT_ID, unregistered)
        .access_token(&scope)
        .await
        .unwrap_err();
    check(err, 400, "invalid_grant", "MP-100");

    // MP-124: the registered kid with the wrong key.
    let impostor = ClientKey::from_pem_file(fixture("unregistered.pkcs8.pem"), KID).unwrap();
    let err = client(&server, demo::CLIENT_ID, impostor)
        .access_token(&scope)
        .await
        .unwrap_err();
    check(err, 400, "invalid_grant", "MP-124");

    // MP-100: x5c for a client that requires its registered key.
    let err = client(&server, demo::CLIENT_ID, chain_key())
        .access_token(&scope)
        .await
        .unwrap_err();
    check(err, 400, "invalid_grant", "MP-100");

    // MP-110: aud without the issuer's trailing slash.
    let wrong_aud = MaskinportenClient::builder(
        Environment::Custom {
            issuer: server.uri(),
        },
        demo::CLIENT_ID,
        jwk_key(),
    )
    .token_endpoint(server.token_endpoint().parse().unwrap())
    .build()
    .unwrap();
    check(
        wrong_aud.access_token(&scope).await.unwrap_err(),
        400,
        "invalid_grant",
        "MP-110",
    );

    // MP-120: a certificate from an untrusted issuer; MP-122: another organisation's.
    let untrusted = ClientKey::from_certificate_pem_files(
        fixture("untrusted.crt.pem"),
        fixture("untrusted.pkcs8.pem"),
    )
    .unwrap();
    let err = client(&server, demo::CERT_CLIENT_ID, untrusted)
        .access_token(&scope)
        .await
        .unwrap_err();
    check(err, 400, "invalid_grant", "MP-120");
    let err = client(&server, demo::CERT_CLIENT_ID, other_org_key())
        .access_token(&scope)
        .await
        .unwrap_err();
    check(err, 400, "invalid_grant", "MP-122");

    // MP-130: a clock a minute fast.
    #[derive(Debug)]
    struct Fast;
    impl Clock for Fast {
        fn now(&self) -> SystemTime {
            SystemTime::now() + Duration::from_secs(60)
        }
    }
    let fast = MaskinportenClient::builder(env(&server), demo::CLIENT_ID, jwk_key())
        .clock(Arc::new(Fast))
        .build()
        .unwrap();
    check(
        fast.access_token(&scope).await.unwrap_err(),
        400,
        "invalid_grant",
        "MP-130",
    );

    // MP-200: a scope the client does not have.
    let err = client(&server, demo::CLIENT_ID, jwk_key())
        .access_token(&request("tilgang:not.registered"))
        .await
        .unwrap_err();
    check(err, 400, "invalid_scope", "MP-200");

    // MP-251: consumer_org without a delegation of that scope (403 forbidden).
    let supplier = client(&server, demo::SUPPLIER_CLIENT_ID, other_org_key());
    let mut undelegated = request(SCOPE);
    undelegated.consumer_org = Some(OrgNumber::parse(demo::ORG).unwrap());
    check(
        supplier.access_token(&undelegated).await.unwrap_err(),
        403,
        "forbidden",
        "MP-251",
    );

    // invalid_request: consumer_org equal to the client's own organisation.
    let mut own = request(SCOPE);
    own.consumer_org = Some(OrgNumber::parse(demo::ORG).unwrap());
    check(
        client(&server, demo::CLIENT_ID, jwk_key())
            .access_token(&own)
            .await
            .unwrap_err(),
        400,
        "invalid_request",
        "MP-011",
    );

    // consumer_org with iss_onbehalfof never leaves the client.
    let before = server.count("POST /token");
    let mut both = own.clone();
    both.iss_onbehalfof = Some("sub".into());
    assert!(matches!(
        client(&server, demo::CLIENT_ID, jwk_key())
            .access_token(&both)
            .await
            .unwrap_err(),
        TokenError::Config { .. }
    ));
    assert_eq!(server.count("POST /token"), before);
}

#[tokio::test]
async fn transient_failures_are_typed_and_retried() {
    let server = MockServer::start().await;
    let scope = request(SCOPE);

    // Two 500s, then success: three attempts, each a fresh grant (a replay would be MP-012).
    server.inject(FaultRule {
        route: "POST /token".into(),
        error_rate: 1.0,
        error_status: 500,
        times: Some(2),
        ..FaultRule::default()
    });
    client(&server, demo::CLIENT_ID, jwk_key())
        .access_token(&scope)
        .await
        .unwrap();
    assert_eq!(server.count("POST /token"), 3);

    // A dropped connection may have reached the server.
    server.clear_faults();
    server.inject(FaultRule {
        route: "POST /token".into(),
        drop_rate: 1.0,
        ..FaultRule::default()
    });
    let err = MaskinportenClient::builder(env(&server), demo::CLIENT_ID, jwk_key())
        .retry(RetryPolicy::NONE)
        .build()
        .unwrap()
        .access_token(&scope)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TokenError::Transport {
                delivery: Delivery::MaybeSent,
                ..
            }
        ),
        "{err:?}"
    );

    // A 429 whose Retry-After exceeds the policy is handed back at once.
    server.clear_faults();
    server.inject(FaultRule {
        route: "POST /token".into(),
        rate_limit_rate: 1.0,
        retry_after_secs: 30,
        ..FaultRule::default()
    });
    let err = client(&server, demo::CLIENT_ID, jwk_key())
        .access_token(&scope)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(30)),
        "{err:?}"
    );

    // An outage (503 everywhere) ends as a server error.
    server.clear_faults();
    server.set_maskinporten_outage(true);
    let err = client(&server, demo::CLIENT_ID, jwk_key())
        .access_token(&scope)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::Server { status: 503, .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_a_cold_cache_cause_one_request() {
    let server = MockServer::start().await;
    let client = client(&server, demo::CLIENT_ID, jwk_key());
    let req = request(SCOPE);
    let barrier = Arc::new(tokio::sync::Barrier::new(1000));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            let req = req.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                client.access_token(&req).await
            })
        })
        .collect();
    let mut tokens = Vec::with_capacity(1000);
    for task in tasks {
        tokens.push(task.await.unwrap().unwrap());
    }
    assert_eq!(server.count("POST /token"), 1);
    assert!(tokens.iter().all(|t| t == &tokens[0]));
}

#[tokio::test(start_paused = true)]
async fn tokens_refresh_before_expiry_under_a_paused_clock() {
    // The client's clock follows tokio's paused clock while the mock checks grants against the
    // real one; a wide skew allowance lets grants dated up to ten minutes ahead through.
    let mut world = World::demo();
    world.settings.grant_clock_skew_secs = 600;
    world.settings.access_token_lifetime_secs = 120;
    let server = MockServer::start_with(world).await;
    let client = MaskinportenClient::builder(env(&server), demo::CLIENT_ID, jwk_key())
        .clock(Arc::new(TokioClock::new()))
        .build()
        .unwrap();
    let req = request(SCOPE);
    let first = client.access_token(&req).await.unwrap();
    assert_eq!(server.count("POST /token"), 1);

    // 95 s in: still fresh (a 120 s token is refreshed 24 s before it expires).
    tokio::time::advance(Duration::from_secs(95)).await;
    assert_eq!(client.access_token(&req).await.unwrap(), first);
    assert_eq!(server.count("POST /token"), 1);

    // 100 s in: due for refresh, 20 s before the old token expires.
    tokio::time::advance(Duration::from_secs(5)).await;
    let second = client.access_token(&req).await.unwrap();
    assert_eq!(server.count("POST /token"), 2);
    assert_ne!(second.token, first.token);
    assert!(second.expires_at > first.expires_at);
}

#[tokio::test]
async fn maskinporten_token_exchanged_for_an_altinn_token() {
    let server = MockServer::start().await;
    let mp: Arc<dyn AccessTokenSource> = Arc::new(client(&server, demo::CLIENT_ID, jwk_key()));
    let exchange = AltinnExchange::builder(
        mp.clone(),
        request(SCOPE),
        server.platform_url().parse().unwrap(),
    )
    .build()
    .unwrap();
    let token = exchange.altinn_token().await.unwrap();
    assert!(token.expires_at > SystemTime::now() + Duration::from_secs(25 * 60));
    assert_eq!(exchange.altinn_token().await.unwrap(), token);
    assert_eq!(
        server.count("GET /authentication/api/v1/exchange/{provider}"),
        1
    );
    assert_eq!(server.count("POST /token"), 1);

    AltinnTokenSource::invalidate(&exchange).await;
    exchange.altinn_token().await.unwrap();
    assert_eq!(
        server.count("GET /authentication/api/v1/exchange/{provider}"),
        2
    );
    assert_eq!(
        server.count("POST /token"),
        2,
        "invalidation reaches Maskinporten too"
    );
}

#[tokio::test]
async fn exchange_refusals_come_back_typed() {
    let server = MockServer::start().await;
    let mp: Arc<dyn AccessTokenSource> = Arc::new(client(&server, demo::CLIENT_ID, jwk_key()));
    let with_user = |password: &str| {
        AltinnExchange::builder(
            mp.clone(),
            request(SCOPE),
            server.platform_url().parse().unwrap(),
        )
        .enterprise_user(EnterpriseUserCredentials {
            user_name: demo::ENTERPRISE_USER.into(),
            password: Password::new(password),
        })
        .retry(FAST_RETRY)
        .build()
        .unwrap()
    };

    with_user(demo::ENTERPRISE_PASSWORD)
        .altinn_token()
        .await
        .unwrap();

    let err = with_user("wrong").altinn_token().await.unwrap_err();
    assert!(
        matches!(err, TokenError::ExchangeRejected { status: 401, hint, .. } if hint.contains("enterprise user")),
        "{err:?}"
    );

    server.update_world(|w| w.settings.enterprise_user_gone = true);
    let err = with_user(demo::ENTERPRISE_PASSWORD)
        .altinn_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, TokenError::EnterpriseUsersRetired { .. }),
        "{err:?}"
    );

    // A token the exchange does not accept (another issuer's) is a bare 401.
    #[derive(Debug)]
    struct Foreign;
    #[async_trait::async_trait]
    impl AccessTokenSource for Foreign {
        async fn access_token(
            &self,
            _: &TokenRequest,
        ) -> Result<tilgang_domain::secret::AccessToken, TokenError> {
            Ok(tilgang_domain::secret::AccessToken {
                token: tilgang_domain::secret::SecretText::new("a.b.c"),
                expires_at: SystemTime::now() + Duration::from_secs(60),
                scope: None,
                consumer: None,
            })
        }
        async fn invalidate(&self, _: &TokenRequest) {}
    }
    let err = AltinnExchange::builder(
        Arc::new(Foreign),
        request(SCOPE),
        server.platform_url().parse().unwrap(),
    )
    .build()
    .unwrap()
    .altinn_token()
    .await
    .unwrap_err();
    assert!(
        matches!(err, TokenError::ExchangeRejected { status: 401, .. }),
        "{err:?}"
    );
}
