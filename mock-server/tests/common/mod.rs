//! Shared helpers for the mock server's HTTP tests: grant building, a token flow and
//! header sets. Every test starts its own server on port 0.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::STANDARD};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use tilgang_mock::{MockServer, demo, jwt::sign_raw};

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The server's clock in Unix seconds: grants are built at the mock's time, which is the
/// real time unless the test runs the server on a manual clock.
pub fn server_now(server: &MockServer) -> i64 {
    unix(server.clock().now())
}

/// Unix seconds of a time (negative before 1970).
pub fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

pub fn key(pem: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(pem.as_bytes()).expect("test key is valid")
}

/// The DER certificates of a PEM bundle, standard base64 (as `x5c` wants them).
pub fn x5c(pem: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body_start = start + "-----BEGIN CERTIFICATE-----".len();
        let end = rest[body_start..]
            .find("-----END CERTIFICATE-----")
            .expect("PEM is complete")
            + body_start;
        let b64: String = rest[body_start..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = STANDARD.decode(&b64).expect("PEM body is base64");
        out.push(Value::String(STANDARD.encode(der)));
        rest = &rest[end..];
    }
    out
}

/// A grant under construction: header, claims and the signing key.
#[derive(Clone)]
pub struct Grant {
    pub header: Value,
    pub claims: Value,
    pub key_pem: String,
    pub alg: Algorithm,
}

impl Grant {
    /// A valid grant for the demo client with a registered key.
    pub fn kid(server: &MockServer, scope: &str) -> Grant {
        let t = server_now(server);
        Grant {
            header: json!({"alg": "RS256", "kid": demo::KID, "typ": "JWT"}),
            claims: json!({
                "aud": server.issuer(),
                "iss": demo::CLIENT_ID,
                "scope": scope,
                "iat": t,
                "exp": t + 120,
                "jti": uuid::Uuid::new_v4().to_string(),
            }),
            key_pem: demo::CLIENT_KEY_PKCS8_PEM.to_owned(),
            alg: Algorithm::RS256,
        }
    }

    /// A valid grant for the certificate client, with the enterprise certificate as `x5c`.
    pub fn cert(server: &MockServer, scope: &str) -> Grant {
        let mut g = Grant::kid(server, scope);
        g.header = json!({"alg": "RS256", "x5c": x5c(demo::ENTERPRISE_CERT_PEM)});
        g.claims["iss"] = json!(demo::CERT_CLIENT_ID);
        g.key_pem = demo::ENTERPRISE_KEY_PKCS8_PEM.to_owned();
        g
    }

    pub fn claim(mut self, name: &str, value: Value) -> Grant {
        self.claims[name] = value;
        self
    }

    pub fn without_claim(mut self, name: &str) -> Grant {
        if let Some(m) = self.claims.as_object_mut() {
            m.remove(name);
        }
        self
    }

    pub fn header(mut self, name: &str, value: Value) -> Grant {
        self.header[name] = value;
        self
    }

    pub fn without_header(mut self, name: &str) -> Grant {
        if let Some(m) = self.header.as_object_mut() {
            m.remove(name);
        }
        self
    }

    pub fn signed_with(mut self, pem: &str) -> Grant {
        self.key_pem = pem.to_owned();
        self
    }

    pub fn sign(&self) -> String {
        sign_raw(&self.header, &self.claims, &key(&self.key_pem), self.alg)
    }
}

/// Posts an assertion to `/token`.
pub async fn post_token(server: &MockServer, assertion: &str) -> reqwest::Response {
    client()
        .post(server.token_endpoint())
        .form(&[
            ("grant_type", tilgang_mock::GRANT_TYPE),
            ("assertion", assertion),
        ])
        .send()
        .await
        .expect("token request is sent")
}

/// A Maskinporten access token for the demo client (through `/token`).
pub async fn access_token(server: &MockServer, scope: &str) -> String {
    let resp = post_token(
        server,
        &Grant::kid(server, scope)
            .claim("resource", json!(demo::RESOURCE))
            .sign(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("JSON");
    body["access_token"].as_str().expect("token").to_owned()
}

pub fn enterprise_header(user: &str, password: &str) -> String {
    STANDARD.encode(format!("{user}:{password}"))
}

/// An Altinn token for the demo admin (through `/token` and the exchange).
pub async fn altinn_token(server: &MockServer, scope: &str) -> String {
    let mp = access_token(server, scope).await;
    let resp = client()
        .get(server.exchange_url())
        .bearer_auth(mp)
        .header(
            tilgang_mock::ENTERPRISE_USER_HEADER,
            enterprise_header(demo::ENTERPRISE_USER, demo::ENTERPRISE_PASSWORD),
        )
        .send()
        .await
        .expect("exchange request is sent");
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("text")
}

/// A minted Altinn token for a user, valid for ten minutes.
pub fn minted(server: &MockServer, user: &str, scopes: &[&str]) -> String {
    server.mint_altinn_token(
        Some(user),
        demo::ORG,
        scopes,
        server.clock().now() + Duration::from_secs(600),
    )
}

/// The demo admin's token with `altinn:enduser`.
pub fn admin_token(server: &MockServer) -> String {
    minted(server, demo::ENTERPRISE_USER, &["altinn:enduser"])
}

/// Sends an Altinn 2 request with the demo API key and a bearer token.
pub fn api(
    server: &MockServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    client()
        .request(method, format!("{}{}", server.api_url(), path))
        .header("ApiKey", demo::API_KEY)
        .header("Accept", "application/hal+json")
        .bearer_auth(token)
}

/// The reason phrase of a response, as hyper's client saw it (it keeps non-canonical ones).
pub fn reason(resp: &reqwest::Response) -> String {
    resp.extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .unwrap_or_else(|| {
            resp.status()
                .canonical_reason()
                .unwrap_or_default()
                .to_owned()
        })
}

/// Decodes a JWT's claims without verification (the tests verify separately).
pub fn claims(token: &str) -> Value {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let part = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}
