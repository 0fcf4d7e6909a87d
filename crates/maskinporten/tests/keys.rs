//! Key material: every format loads, signs grants that verify, and every loading error names
//! the file and never prints key bytes.

mod common;

use std::time::{Duration, SystemTime};

use base64::{Engine, engine::general_purpose::STANDARD};
use common::*;
use tilgang_domain::{ScopeSet, secret::Password};
use tilgang_maskinporten::{
    CertificateChain, ClientKey, GrantSettings, GrantSigner, KeyError, KeyReference, PrivateKey,
    SigningAlgorithm,
};
use tilgang_ports::TokenRequest;

fn request() -> TokenRequest {
    TokenRequest::scopes(ScopeSet::parse("altinn:test").unwrap())
}

fn sign(key: &ClientKey, alg: SigningAlgorithm) -> String {
    let signer = GrantSigner::new(key.clone(), alg);
    let settings = GrantSettings::new("https://test.maskinporten.no/", "client-1");
    signer
        .sign_grant(&settings, &request(), SystemTime::now())
        .unwrap()
        .expose()
        .to_owned()
}

#[test]
fn every_format_and_algorithm_signs_a_verifiable_grant() {
    let keys = [
        ("jwk", jwk_key()),
        ("pkcs8", pkcs8_key()),
        ("pkcs1", pkcs1_key()),
        ("chain", chain_key()),
        ("p12", p12_key()),
    ];
    for (name, key) in &keys {
        for alg in [
            SigningAlgorithm::Rs256,
            SigningAlgorithm::Rs384,
            SigningAlgorithm::Rs512,
        ] {
            let decoded = verify(&sign(key, alg), key);
            assert_eq!(decoded.header["alg"], alg.name(), "{name}");
            assert_eq!(decoded.header["typ"], "JWT", "{name}");
        }
    }
}

/// `ClientKey::from_file` tells JWK from PEM by content, whatever the file is called, and names
/// the key the way the settings say.
#[test]
fn from_file_detects_the_format_and_follows_kid_and_cert() {
    let jwk = ClientKey::from_file(fixture("client.jwk.json"), None, None).unwrap();
    assert_eq!(jwk.key_id(), "kid:demo-key-1");
    let renamed = ClientKey::from_file(fixture("client.jwk.json"), Some("other"), None).unwrap();
    assert_eq!(renamed.key_id(), "kid:other");
    for pem in ["client.pkcs8.pem", "client.pkcs1.pem"] {
        let key = ClientKey::from_file(fixture(pem), Some(KID), None).unwrap();
        assert_eq!(key.key_id(), "kid:demo-key-1");
        assert_eq!(
            key.key().public_key_pkcs1_der(),
            jwk.key().public_key_pkcs1_der()
        );
    }
    let chain = ClientKey::from_file(
        fixture("enterprise.pkcs8.pem"),
        None,
        Some(&fixture("enterprise.chain.pem")),
    )
    .unwrap();
    assert_eq!(chain.key_id(), chain_key().key_id());
    assert!(matches!(chain.reference(), KeyReference::X5c(_)));

    let err = ClientKey::from_file(fixture("client.pkcs8.pem"), None, None).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("client.pkcs8.pem") && text.contains("key id"),
        "{text}"
    );
    assert!(!text.contains("BEGIN"), "{text}");
    let err = ClientKey::from_file(fixture("no-such-file.pem"), Some(KID), None).unwrap_err();
    assert!(matches!(err, KeyError::Read { .. }), "{err:?}");
}

#[test]
fn the_three_registered_formats_are_the_same_key() {
    let a = jwk_key();
    let b = pkcs8_key();
    let c = pkcs1_key();
    assert_eq!(
        a.key().public_key_pkcs1_der(),
        b.key().public_key_pkcs1_der()
    );
    assert_eq!(
        b.key().public_key_pkcs1_der(),
        c.key().public_key_pkcs1_der()
    );
    assert_eq!(a.key_id(), "kid:demo-key-1");
    assert_eq!(a.key().bits(), 2048);
}

#[test]
fn kid_and_x5c_are_never_both_sent() {
    let kid = decode(&sign(&pkcs8_key(), SigningAlgorithm::Rs256));
    assert_eq!(kid.header["kid"], KID);
    assert!(!kid.header.contains_key("x5c"));

    let x5c = decode(&sign(&chain_key(), SigningAlgorithm::Rs256));
    assert!(!x5c.header.contains_key("kid"));
    let certs = x5c.header["x5c"].as_array().unwrap();
    // Standard base64 DER, leaf first.
    let leaf_pem = std::fs::read(fixture("enterprise.crt.pem")).unwrap();
    let leaf = CertificateChain::from_pem(&leaf_pem, "leaf").unwrap();
    assert_eq!(certs[0].as_str().unwrap(), STANDARD.encode(&leaf.der()[0]));
    assert_eq!(certs.len(), 2, "leaf and CA");
}

#[test]
fn pkcs12_gives_the_same_chain_as_the_pem_files() {
    let p12 = p12_key();
    let pem = chain_key();
    assert_eq!(p12.key_id(), pem.key_id());
    assert!(p12.key_id().starts_with("x5t#S256:"));
    let (KeyReference::X5c(a), KeyReference::X5c(b)) = (p12.reference(), pem.reference()) else {
        panic!("certificates give x5c");
    };
    assert_eq!(a.der()[0], b.der()[0], "the leaf comes first in both");
    assert!(a.subjects()[0].contains("310000000"), "{:?}", a.subjects());
}

#[test]
fn chains_given_out_of_order_are_put_leaf_first() {
    let chain = CertificateChain::from_pem_file(fixture("enterprise.chain.pem")).unwrap();
    let mut reversed: Vec<Vec<u8>> = chain.der().to_vec();
    reversed.reverse();
    let reordered = CertificateChain::from_der(reversed, "reversed").unwrap();
    assert_eq!(reordered.der(), chain.der());
}

fn assert_names_file_without_key_bytes(err: &KeyError, file: &str, mentions: &str) {
    let text = err.to_string();
    assert!(text.contains(file), "{text}");
    assert!(
        text.to_lowercase().contains(&mentions.to_lowercase()),
        "{text}"
    );
    assert!(!text.contains("MII"), "no key bytes: {text}");
    let debug = format!("{err:?}");
    assert!(!debug.contains("MII"), "no key bytes: {debug}");
}

#[test]
fn loading_errors_say_which_file_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);

    let missing = PrivateKey::from_pem_file(path("nope.pem")).unwrap_err();
    assert!(matches!(missing, KeyError::Read { .. }));
    assert_names_file_without_key_bytes(&missing, "nope.pem", "cannot read");

    std::fs::write(path("garbage.pem"), "hello").unwrap();
    let err = PrivateKey::from_pem_file(path("garbage.pem")).unwrap_err();
    assert_names_file_without_key_bytes(&err, "garbage.pem", "no PEM blocks");

    let cert_only = PrivateKey::from_pem_file(fixture("enterprise.crt.pem")).unwrap_err();
    assert_names_file_without_key_bytes(&cert_only, "enterprise.crt.pem", "no private key");

    let public = ClientKey::from_jwk_file(fixture("client.public.jwk.json")).unwrap_err();
    assert_names_file_without_key_bytes(&public, "client.public.jwk.json", "public JWK");

    let pem = std::fs::read_to_string(fixture("client.pkcs8.pem")).unwrap();
    let truncated: String = pem.lines().take(5).collect::<Vec<_>>().join("\n");
    std::fs::write(path("truncated.pem"), truncated).unwrap();
    let err = PrivateKey::from_pem_file(path("truncated.pem")).unwrap_err();
    assert_names_file_without_key_bytes(&err, "truncated.pem", "no END");

    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let cut = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        &body[..400]
    );
    std::fs::write(path("cut.pem"), cut).unwrap();
    let err = PrivateKey::from_pem_file(path("cut.pem")).unwrap_err();
    assert!(matches!(err, KeyError::Rejected { .. }), "{err:?}");
    assert_names_file_without_key_bytes(&err, "cut.pem", "refused");

    std::fs::write(
        path("ec.pem"),
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = PrivateKey::from_pem_file(path("ec.pem")).unwrap_err();
    assert_names_file_without_key_bytes(&err, "ec.pem", "not an RSA private key");

    let wrong_password =
        ClientKey::from_pkcs12_file(fixture("enterprise.p12"), &Password::new("wrong"))
            .unwrap_err();
    assert_names_file_without_key_bytes(&wrong_password, "enterprise.p12", "password");

    let mismatch = ClientKey::from_certificate_pem_files(
        fixture("enterprise.chain.pem"),
        fixture("other-org.pkcs8.pem"),
    )
    .unwrap_err();
    assert!(matches!(mismatch, KeyError::CertificateMismatch { .. }));
    assert_names_file_without_key_bytes(&mismatch, "enterprise.chain.pem", "does not match");

    let mut jwk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("client.jwk.json")).unwrap()).unwrap();
    jwk.as_object_mut().unwrap().remove("kid");
    std::fs::write(path("nokid.json"), jwk.to_string()).unwrap();
    let err = ClientKey::from_jwk_file(path("nokid.json")).unwrap_err();
    assert_names_file_without_key_bytes(&err, "nokid.json", "no \"kid\"");
    // The key itself still loads, to be named by the caller.
    let key = PrivateKey::from_jwk_file(path("nokid.json")).unwrap();
    assert!(ClientKey::registered(key.clone(), "my.key_1").is_ok());
    assert!(matches!(
        ClientKey::registered(key, "no spaces").unwrap_err(),
        KeyError::KeyId { .. }
    ));
}

#[test]
fn grant_lifetime_and_claims_follow_the_settings() {
    let key = pkcs8_key();
    let signer = GrantSigner::new(key.clone(), SigningAlgorithm::Rs256);
    let settings = GrantSettings::new("https://test.maskinporten.no/", "client-1")
        .with_lifetime(Duration::from_secs(30))
        .unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let decoded = verify(
        signer
            .sign_grant(&settings, &request(), now)
            .unwrap()
            .expose(),
        &key,
    );
    assert_eq!(decoded.claims["iat"], 1_800_000_000u64);
    assert_eq!(decoded.claims["exp"], 1_800_000_030u64);
}
