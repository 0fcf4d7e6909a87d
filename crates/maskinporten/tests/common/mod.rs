//! Helpers shared by the integration tests: fixture keys and an independent grant verifier.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use tilgang_domain::secret::Password;
use tilgang_maskinporten::ClientKey;

pub const KID: &str = "demo-key-1";
pub const P12_PASSWORD: &str = "demo-p12-password";

/// A fixture file under `mock-server/fixtures/keys`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../mock-server/fixtures/keys")
        .join(name)
}

pub fn jwk_key() -> ClientKey {
    ClientKey::from_jwk_file(fixture("client.jwk.json")).unwrap()
}

pub fn pkcs8_key() -> ClientKey {
    ClientKey::from_pem_file(fixture("client.pkcs8.pem"), KID).unwrap()
}

pub fn pkcs1_key() -> ClientKey {
    ClientKey::from_pem_file(fixture("client.pkcs1.pem"), KID).unwrap()
}

pub fn chain_key() -> ClientKey {
    ClientKey::from_certificate_pem_files(
        fixture("enterprise.chain.pem"),
        fixture("enterprise.pkcs8.pem"),
    )
    .unwrap()
}

pub fn p12_key() -> ClientKey {
    ClientKey::from_pkcs12_file(fixture("enterprise.p12"), &Password::new(P12_PASSWORD)).unwrap()
}

/// A decoded grant: its header and claims as JSON objects.
#[derive(Debug)]
pub struct Decoded {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

fn part(segment: &str) -> Map<String, Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

/// Decodes a grant without checking it.
pub fn decode(assertion: &str) -> Decoded {
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS has three parts");
    Decoded {
        header: part(parts[0]),
        claims: part(parts[1]),
    }
}

/// Verifies a grant's signature with jsonwebtoken (not our signing code) against the public
/// key of `key`, then decodes it.
pub fn verify(assertion: &str, key: &ClientKey) -> Decoded {
    let decoded = decode(assertion);
    let alg: Algorithm = decoded.header["alg"].as_str().unwrap().parse().unwrap();
    let der = key.key().public_key_pkcs1_der();
    let mut validation = Validation::new(alg);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(assertion, &DecodingKey::from_rsa_der(der), &validation)
        .expect("the grant's signature verifies");
    decoded
}
