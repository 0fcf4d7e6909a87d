//! Every secret-bearing type prints redacted: no key material, grant, token or password in
//! `Debug` output.

mod common;

use std::{sync::Arc, time::SystemTime};

use common::*;
use tilgang_domain::{
    Fnr, ScopeSet,
    secret::{EnterpriseUserCredentials, Password},
};
use tilgang_maskinporten::{
    AltinnExchange, Environment, GrantSettings, GrantSigner, MaskinportenClient, PrivateKey,
    SigningAlgorithm, TokenCache,
};
use tilgang_mock::{MockServer, demo};
use tilgang_ports::{AccessTokenSource, AltinnTokenSource, TokenRequest};

/// Fragments that must never appear: PEM armour, DER/base64 key prefixes, the JWK's private
/// exponent, the PKCS#12 and enterprise passwords, and JWT prefixes.
fn forbidden() -> Vec<String> {
    let jwk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("client.jwk.json")).unwrap()).unwrap();
    let d = jwk["d"].as_str().unwrap()[..24].to_owned();
    vec![
        "BEGIN".into(),
        "MII".into(),
        d,
        P12_PASSWORD.into(),
        demo::ENTERPRISE_PASSWORD.into(),
        "eyJ".into(),
        demo::PERSON_FNR.into(),
    ]
}

fn assert_redacted(what: &str, printed: &str) {
    for bad in forbidden() {
        assert!(!printed.contains(&bad), "{what} leaks {bad:?}: {printed}");
    }
}

#[tokio::test]
async fn debug_output_of_secret_bearing_types_is_redacted() {
    let server = MockServer::start().await;
    let cache = TokenCache::new();
    let builder = MaskinportenClient::builder(
        Environment::Custom {
            issuer: server.issuer(),
        },
        demo::CLIENT_ID,
        jwk_key(),
    )
    .cache(cache.clone());
    assert_redacted("MaskinportenClientBuilder", &format!("{builder:?}"));
    let config = builder.into_config();
    assert_redacted("MaskinportenConfig", &format!("{config:?}"));
    let client = MaskinportenClient::new(config).unwrap();

    let mut request = TokenRequest::scopes(ScopeSet::parse("tilgang:test.read").unwrap());
    request.pid = Some(Fnr::parse(demo::PERSON_FNR).unwrap());
    let token = client.access_token(&request).await.unwrap();

    let exchange = AltinnExchange::builder(
        Arc::new(client.clone()),
        request.clone(),
        server.platform_url().parse().unwrap(),
    )
    .enterprise_user(EnterpriseUserCredentials {
        user_name: demo::ENTERPRISE_USER.into(),
        password: Password::new(demo::ENTERPRISE_PASSWORD),
    });
    assert_redacted("AltinnExchangeBuilder", &format!("{exchange:?}"));
    let exchange = exchange.build().unwrap();
    let altinn = exchange.altinn_token().await.unwrap();

    let signer = GrantSigner::new(p12_key(), SigningAlgorithm::Rs256);
    let grant = signer
        .sign_grant(
            &GrantSettings::new(server.issuer(), demo::CLIENT_ID),
            &request,
            SystemTime::now(),
        )
        .unwrap();

    let printed = [
        (
            "PrivateKey",
            format!(
                "{:?}",
                PrivateKey::from_pem_file(fixture("client.pkcs1.pem")).unwrap()
            ),
        ),
        ("ClientKey (jwk)", format!("{:?}", jwk_key())),
        ("ClientKey (p12)", format!("{:?}", p12_key())),
        ("GrantSigner", format!("{signer:?}")),
        ("Assertion", format!("{grant:?}")),
        ("MaskinportenClient", format!("{client:?}")),
        ("TokenCache", format!("{cache:?}")),
        ("AccessToken", format!("{token:?}")),
        ("AltinnExchange", format!("{exchange:?}")),
        ("AltinnToken", format!("{altinn:?}")),
        ("TokenRequest", format!("{request:?}")),
    ];
    for (what, text) in &printed {
        assert_redacted(what, text);
    }
    assert_eq!(format!("{grant:?}"), "Assertion([redacted])");
    assert!(printed[0].1.contains("[redacted]"));
    assert!(
        printed[0].1.contains("client.pkcs1.pem"),
        "names where the key came from"
    );
    assert!(format!("{cache:?}").contains("tokens: 1"));
    assert!(
        grant.expose().starts_with("eyJ"),
        "the value itself is intact"
    );
}
