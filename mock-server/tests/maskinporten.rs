//! Maskinporten through real HTTP: metadata, JWKS, every documented success and error case of
//! `POST /token` (`shared/spec/maskinporten.md` §1).

mod common;

use common::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tilgang_mock::{MockServer, World, demo};

async fn refused(server: &MockServer, assertion: &str) -> (u16, Value) {
    let resp = post_token(server, assertion).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON error body"))
}

/// Asserts the documented error shape: `error`, a description ending with a trace id, and
/// `error_uri` naming the MP code.
async fn assert_error(
    server: &MockServer,
    assertion: &str,
    status: u16,
    error: &str,
    code: &str,
) -> String {
    let (got, body) = refused(server, assertion).await;
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let uri = body["error_uri"].as_str().expect("error_uri");
    assert_eq!(uri, format!("{}errors/{code}", server.issuer()), "{body}");
    let desc = body["error_description"]
        .as_str()
        .expect("error_description");
    assert!(
        desc.contains("(trace_id: ") && desc.ends_with(')'),
        "{desc}"
    );
    desc.to_owned()
}

#[tokio::test]
async fn well_known_describes_the_endpoints() {
    let server = MockServer::start().await;
    let body: Value = client()
        .get(server.well_known_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["issuer"], server.issuer());
    assert_eq!(body["token_endpoint"], server.token_endpoint());
    assert_eq!(body["jwks_uri"], format!("{}/jwk", server.uri()));
    assert_eq!(
        body["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256", "RS384", "RS512"])
    );
    assert_eq!(
        body["grant_types_supported"],
        json!([tilgang_mock::GRANT_TYPE])
    );
}

#[tokio::test]
async fn kid_grant_gives_a_token_verifiable_with_the_jwks() {
    let server = MockServer::start().await;
    let grant = Grant::kid(&server, "altinn:enduser tilgang:test.read")
        .claim("resource", json!(demo::RESOURCE));
    let resp = post_token(&server, &grant.sign()).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["scope"], "altinn:enduser tilgang:test.read");
    let token = body["access_token"].as_str().unwrap();

    let jwks: Value = client()
        .get(format!("{}/jwk", server.uri()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = &jwks["keys"][0];
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[demo::RESOURCE]);
    validation.set_issuer(&[server.issuer()]);
    let data =
        jsonwebtoken::decode::<Value>(token, &key, &validation).expect("signed by the JWKS key");
    let c = data.claims;
    assert_eq!(
        c["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:310000000"})
    );
    assert_eq!(c["client_amr"], "private_key_jwt");
    assert_eq!(c["client_id"], demo::CLIENT_ID);
    assert_eq!(c["scope"], "altinn:enduser tilgang:test.read");
    assert_eq!(c["token_type"], "Bearer");
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 120);
    assert!(c["jti"].as_str().is_some());
    assert_eq!(
        data.header.kid.as_deref(),
        Some(tilgang_mock::jwt::MOCK_KID)
    );
}

#[tokio::test]
async fn rs384_and_rs512_are_accepted() {
    let server = MockServer::start().await;
    for (alg, name) in [(Algorithm::RS384, "RS384"), (Algorithm::RS512, "RS512")] {
        let mut g = Grant::kid(&server, "altinn:enduser").header("alg", json!(name));
        g.alg = alg;
        assert_eq!(post_token(&server, &g.sign()).await.status(), 200, "{name}");
    }
}

#[tokio::test]
async fn x5c_grant_with_leaf_or_chain_is_accepted() {
    let server = MockServer::start().await;
    let leaf = Grant::cert(&server, "altinn:enduser");
    let resp = post_token(&server, &leaf.sign()).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["client_amr"],
        "virksomhetssertifikat"
    );
    let chain = Grant::cert(&server, "altinn:enduser")
        .header("x5c", json!(x5c(demo::ENTERPRISE_CHAIN_PEM)));
    assert_eq!(post_token(&server, &chain.sign()).await.status(), 200);
}

#[tokio::test]
async fn client_lifetime_sets_expires_in() {
    let mut world = World::demo();
    world.clients[0].access_token_lifetime_secs = Some(599);
    let server = MockServer::start_with(world).await;
    let body: Value = post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["expires_in"], 599);
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 599);
}

#[tokio::test]
async fn resource_array_and_missing_resource() {
    let server = MockServer::start().await;
    let body: Value = post_token(
        &server,
        &Grant::kid(&server, "altinn:enduser")
            .claim("resource", json!([demo::RESOURCE]))
            .sign(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["aud"],
        demo::RESOURCE
    );
    let body: Value = post_token(&server, &Grant::kid(&server, "altinn:enduser").sign())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["aud"],
        "unspecified"
    );
}

#[tokio::test]
async fn consumer_org_with_a_delegation_gives_a_delegated_token() {
    let server = MockServer::start().await;
    let g = Grant::cert(&server, demo::DELEGATED_SCOPE)
        .claim("iss", json!(demo::SUPPLIER_CLIENT_ID))
        .claim("consumer_org", json!(demo::ORG))
        .header("x5c", json!(x5c(demo::OTHER_ORG_CERT_PEM)))
        .signed_with(demo::OTHER_ORG_KEY_PKCS8_PEM);
    let resp = post_token(&server, &g.sign()).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["consumer"]["ID"], "0192:310000000");
    assert_eq!(c["supplier"]["ID"], "0192:910000004");
    assert_eq!(c["delegation_source"], demo::RESOURCE);
}

#[tokio::test]
async fn consumer_org_without_a_delegation_is_forbidden_mp251() {
    let server = MockServer::start().await;
    let g = Grant::cert(&server, "tilgang:test.read")
        .claim("iss", json!(demo::SUPPLIER_CLIENT_ID))
        .claim("consumer_org", json!(demo::ORG))
        .header("x5c", json!(x5c(demo::OTHER_ORG_CERT_PEM)))
        .signed_with(demo::OTHER_ORG_KEY_PKCS8_PEM);
    assert_error(&server, &g.sign(), 403, "forbidden", "MP-251").await;
}

#[tokio::test]
async fn consumer_org_equal_to_own_org_is_invalid_request() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser").claim("consumer_org", json!(demo::ORG));
    let desc = assert_error(&server, &g.sign(), 400, "invalid_request", "MP-011").await;
    assert!(desc.contains("combination consumer_org"), "{desc}");
}

#[tokio::test]
async fn unknown_client_is_mp100() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser")
        .claim("iss", json!("00000000-0000-4000-8000-000000000000"));
    let desc = assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-100").await;
    assert!(desc.contains("Client not found"));
}

#[tokio::test]
async fn wrong_aud_is_mp110() {
    let server = MockServer::start().await;
    for aud in [
        json!("https://test.maskinporten.no/"),
        json!(server.token_endpoint()),
        json!(server.uri()),
        json!([server.issuer()]),
    ] {
        let g = Grant::kid(&server, "altinn:enduser").claim("aud", aud);
        assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-110").await;
    }
}

#[tokio::test]
async fn unknown_kid_and_missing_kid_are_refused() {
    let server = MockServer::start().await;
    let desc = assert_error(
        &server,
        &Grant::kid(&server, "altinn:enduser")
            .header("kid", json!("nope"))
            .sign(),
        400,
        "invalid_grant",
        "MP-100",
    )
    .await;
    assert!(desc.contains("Unknown key identifier (kid)"), "{desc}");
    let desc = assert_error(
        &server,
        &Grant::kid(&server, "altinn:enduser")
            .without_header("kid")
            .sign(),
        400,
        "invalid_grant",
        "MP-100",
    )
    .await;
    assert!(desc.contains("requires pre-registered jwk"), "{desc}");
    // A client with a registered key may not use x5c either.
    let g = Grant::kid(&server, "altinn:enduser")
        .without_header("kid")
        .header("x5c", json!(x5c(demo::ENTERPRISE_CERT_PEM)))
        .signed_with(demo::ENTERPRISE_KEY_PKCS8_PEM);
    let desc = assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-100").await;
    assert!(desc.contains("requires pre-registered jwk"), "{desc}");
}

#[tokio::test]
async fn kid_and_x5c_together_or_neither_are_mp123() {
    let server = MockServer::start().await;
    let both = Grant::cert(&server, "altinn:enduser").header("kid", json!("x"));
    assert_error(&server, &both.sign(), 400, "invalid_grant", "MP-123").await;
    let neither = Grant::cert(&server, "altinn:enduser").without_header("x5c");
    assert_error(&server, &neither.sign(), 400, "invalid_grant", "MP-123").await;
}

#[tokio::test]
async fn x5c_as_a_string_or_garbage_is_mp123() {
    let server = MockServer::start().await;
    let leaf = x5c(demo::ENTERPRISE_CERT_PEM)[0].clone();
    for bad in [leaf, json!([]), json!(["not base64!"]), json!(["AAAA"])] {
        let g = Grant::cert(&server, "altinn:enduser").header("x5c", bad);
        assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-123").await;
    }
}

#[tokio::test]
async fn untrusted_certificate_is_mp120() {
    let server = MockServer::start().await;
    let g = Grant::cert(&server, "altinn:enduser")
        .header("x5c", json!(x5c(demo::UNTRUSTED_CERT_PEM)))
        .signed_with(demo::UNTRUSTED_KEY_PKCS8_PEM);
    assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-120").await;
}

#[tokio::test]
async fn certificate_of_another_org_is_mp122() {
    let server = MockServer::start().await;
    let g = Grant::cert(&server, "altinn:enduser")
        .header("x5c", json!(x5c(demo::OTHER_ORG_CERT_PEM)))
        .signed_with(demo::OTHER_ORG_KEY_PKCS8_PEM);
    let desc = assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-122").await;
    assert!(desc.contains("Does not match certificate orgno"));
}

#[tokio::test]
async fn bad_signature_is_mp124() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser").signed_with(demo::UNREGISTERED_KEY_PKCS8_PEM);
    assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-124").await;
    let cert = Grant::cert(&server, "altinn:enduser").signed_with(demo::CLIENT_KEY_PKCS8_PEM);
    assert_error(&server, &cert.sign(), 400, "invalid_grant", "MP-124").await;
}

#[tokio::test]
async fn disallowed_algorithms_are_refused() {
    let server = MockServer::start().await;
    let valid = Grant::kid(&server, "altinn:enduser");
    // alg none with an empty signature is not even a JWS for Maskinporten.
    let none = {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"demo-key-1"}"#);
        let c = URL_SAFE_NO_PAD.encode(valid.claims.to_string());
        format!("{h}.{c}.")
    };
    let (status, body) = refused(&server, &none).await;
    assert_eq!(status, 400, "{body}");
    for alg in ["none", "HS256", "ES256", "PS256"] {
        let g = valid.clone().header("alg", json!(alg));
        assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-124").await;
    }
    // An HMAC grant keyed with the public JWK's modulus (the classic confusion attack).
    let mut hs = valid.clone().header("alg", json!("HS256"));
    hs.alg = Algorithm::HS256;
    let token = tilgang_mock::jwt::sign_raw(
        &hs.header,
        &hs.claims,
        &jsonwebtoken::EncodingKey::from_secret(demo::CLIENT_PUBLIC_JWK.as_bytes()),
        Algorithm::HS256,
    );
    assert_error(&server, &token, 400, "invalid_grant", "MP-124").await;
}

#[tokio::test]
async fn expired_grant_is_mp130() {
    let server = MockServer::start().await;
    let t = now();
    let g = Grant::kid(&server, "altinn:enduser")
        .claim("iat", json!(t - 9))
        .claim("exp", json!(t - 9 + 1));
    // exp one second after an iat 9 s ago: expired by 8 s, inside the 10 s skew, so accepted.
    assert_eq!(post_token(&server, &g.sign()).await.status(), 200);
    let g = Grant::kid(&server, "altinn:enduser")
        .claim("iat", json!(t - 200))
        .claim("exp", json!(t - 100));
    assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-130").await;
}

#[tokio::test]
async fn iat_outside_ten_seconds_is_refused() {
    let server = MockServer::start().await;
    let t = now();
    let future = Grant::kid(&server, "altinn:enduser")
        .claim("iat", json!(t + 60))
        .claim("exp", json!(t + 120));
    let desc = assert_error(&server, &future.sign(), 400, "invalid_grant", "MP-130").await;
    assert!(desc.contains("Issue time is in the future"), "{desc}");
    let past = Grant::kid(&server, "altinn:enduser")
        .claim("iat", json!(t - 60))
        .claim("exp", json!(t + 50));
    assert_error(&server, &past.sign(), 400, "invalid_grant", "MP-130").await;
}

#[tokio::test]
async fn lifetime_over_120_seconds_is_refused() {
    let server = MockServer::start().await;
    let t = now();
    let g = Grant::kid(&server, "altinn:enduser")
        .claim("iat", json!(t))
        .claim("exp", json!(t + 121));
    let desc = assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-130").await;
    assert!(desc.contains("too long lifetime"), "{desc}");
}

#[tokio::test]
async fn reused_grant_or_jti_is_mp012() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser");
    assert_eq!(post_token(&server, &g.sign()).await.status(), 200);
    let desc = assert_error(&server, &g.sign(), 400, "invalid_grant", "MP-012").await;
    assert!(desc.starts_with("Grant is used before"));
    // Same jti, different iat: still a replay.
    let again = g
        .clone()
        .claim("iat", json!(now() - 1))
        .claim("exp", json!(now() + 100));
    assert_error(&server, &again.sign(), 400, "invalid_grant", "MP-012").await;
    // Without a jti the assertion itself is the replay key.
    let no_jti = Grant::kid(&server, "altinn:enduser").without_claim("jti");
    assert_eq!(post_token(&server, &no_jti.sign()).await.status(), 200);
    assert_error(&server, &no_jti.sign(), 400, "invalid_grant", "MP-012").await;
}

#[tokio::test]
async fn scope_not_on_client_is_mp200() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser skatteetaten:secret");
    let desc = assert_error(&server, &g.sign(), 400, "invalid_scope", "MP-200").await;
    assert!(desc.contains("invalid scopes for client"));
}

#[tokio::test]
async fn undocumented_claims_are_refused_but_nbf_and_sub_tolerated() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser").claim("client_orgno", json!("310000000"));
    let desc = assert_error(&server, &g.sign(), 400, "invalid_request", "MP-011").await;
    assert!(desc.starts_with("Invalid assertion"), "{desc}");
    let g = Grant::kid(&server, "altinn:enduser")
        .claim("nbf", json!(now()))
        .claim("sub", json!(demo::CLIENT_ID));
    assert_eq!(post_token(&server, &g.sign()).await.status(), 200);
}

#[tokio::test]
async fn missing_required_claims_are_refused() {
    let server = MockServer::start().await;
    for claim in ["aud", "iss", "iat", "exp", "scope"] {
        let g = Grant::kid(&server, "altinn:enduser").without_claim(claim);
        let (status, body) = refused(&server, &g.sign()).await;
        assert_eq!(status, 400, "{claim}: {body}");
        assert!(
            body["error_uri"].as_str().unwrap().contains("/errors/MP-"),
            "{claim}"
        );
    }
}

#[tokio::test]
async fn malformed_requests_are_refused() {
    let server = MockServer::start().await;
    let (status, body) = refused(&server, "not.a.jwt").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let send = |form: Vec<(&'static str, String)>| {
        let c = client();
        let url = server.token_endpoint();
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let valid = Grant::kid(&server, "altinn:enduser").sign();
    let resp = send(vec![
        ("grant_type", "client_credentials".into()),
        ("assertion", valid.clone()),
    ])
    .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let resp = send(vec![
        ("grant_type", tilgang_mock::GRANT_TYPE.into()),
        ("assertion", valid.clone()),
        ("scope", "x".into()),
    ])
    .await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let resp = send(vec![("grant_type", tilgang_mock::GRANT_TYPE.into())]).await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let resp = client()
        .post(server.token_endpoint())
        .json(&json!({"grant_type": tilgang_mock::GRANT_TYPE, "assertion": valid}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn pid_and_authorization_details_are_checked() {
    let server = MockServer::start().await;
    let g = Grant::kid(&server, "altinn:enduser").claim("pid", json!("123"));
    assert_error(&server, &g.sign(), 400, "invalid_request", "MP-011").await;
    let g = Grant::kid(&server, "altinn:enduser").claim("pid", json!(demo::PERSON_FNR));
    let body: Value = post_token(&server, &g.sign()).await.json().await.unwrap();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["pid"],
        demo::PERSON_FNR
    );
    let g = Grant::kid(&server, "altinn:enduser").claim(
        "authorization_details",
        json!([{"type": "urn:example:unknown"}]),
    );
    assert_error(&server, &g.sign(), 400, "invalid_request", "MP-301").await;
}

#[tokio::test]
async fn expired_registered_key_is_mp121() {
    let mut world = World::demo();
    world.clients[0].jwks[0].expires_at = Some(now() - 1);
    let server = MockServer::start_with(world).await;
    let desc = assert_error(
        &server,
        &Grant::kid(&server, "altinn:enduser").sign(),
        400,
        "invalid_grant",
        "MP-121",
    )
    .await;
    assert!(desc.contains("Expired key"), "{desc}");
}

#[test]
fn world_debug_hides_secrets_and_masks_numbers() {
    let text = format!("{:?}", World::demo());
    assert!(!text.contains(demo::ENTERPRISE_PASSWORD));
    assert!(!text.contains(&format!("\"{}\"", demo::API_KEY)));
    assert!(!text.contains(&format!("ssn: \"{}\"", demo::PERSON_FNR)));
}
