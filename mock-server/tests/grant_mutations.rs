//! Property: any single mutation of a valid grant (a header field, a claim, a signature byte,
//! the timing) is refused by `POST /token`, while the unmutated grant is accepted.

mod common;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use tilgang_mock::{MockServer, demo};

#[derive(Debug, Clone)]
enum Mutation {
    Alg(String),
    Kid(String),
    RemoveKid,
    AddX5c,
    AddHeader(String),
    Typ(String),
    Aud(String),
    Iss(String),
    RemoveClaim(&'static str),
    ForeignScope(String),
    UnknownClaim(String),
    OwnConsumerOrg,
    BadResource(String),
    BadPid(String),
    SignatureByte(usize, u8),
    TruncateSignature(usize),
    WrongKey,
    IatShift(i64),
    ExpTooLong(i64),
    ExpInPast(i64),
}

const ALLOWED: &[&str] = &[
    "aud",
    "iss",
    "iat",
    "exp",
    "jti",
    "scope",
    "resource",
    "pid",
    "consumer_org",
    "iss_onbehalfof",
    "authorization_details",
    "nbf",
    "sub",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        prop::sample::select(vec![
            "none", "HS256", "HS512", "ES256", "PS256", "RS1", "", "rs256", "EdDSA"
        ])
        .prop_map(|a| Mutation::Alg(a.to_owned())),
        "[a-zA-Z0-9._-]{0,20}"
            .prop_filter("another kid", |k| k != demo::KID)
            .prop_map(Mutation::Kid),
        Just(Mutation::RemoveKid),
        Just(Mutation::AddX5c),
        prop::sample::select(vec!["jku", "jwk", "x5u", "crit", "cty", "x5t", "zip"])
            .prop_map(|h| Mutation::AddHeader(h.to_owned())),
        "[a-zA-Z]{1,8}"
            .prop_filter("not JWT", |t| !t.eq_ignore_ascii_case("jwt"))
            .prop_map(Mutation::Typ),
        prop_oneof![
            Just("https://test.maskinporten.no/".to_owned()),
            Just("https://maskinporten.no/".to_owned()),
            "[a-z:/.]{0,30}",
        ]
        .prop_map(Mutation::Aud),
        "[0-9a-f-]{1,36}"
            .prop_filter("another client", |i| i != demo::CLIENT_ID)
            .prop_map(Mutation::Iss),
        prop::sample::select(vec!["aud", "iss", "iat", "exp", "scope"])
            .prop_map(Mutation::RemoveClaim),
        "[a-z]{1,10}:[a-z.]{1,10}".prop_map(Mutation::ForeignScope),
        "[a-z_]{1,12}"
            .prop_filter("undocumented", |c| !ALLOWED.contains(&c.as_str()))
            .prop_map(Mutation::UnknownClaim),
        Just(Mutation::OwnConsumerOrg),
        "[a-z ]{0,12}".prop_map(Mutation::BadResource),
        "[0-9]{0,10}|[0-9]{12,14}|[a-z]{11}".prop_map(Mutation::BadPid),
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Mutation::SignatureByte(i, m)),
        (1usize..300).prop_map(Mutation::TruncateSignature),
        Just(Mutation::WrongKey),
        prop_oneof![11i64..3600, -3600i64..-11].prop_map(Mutation::IatShift),
        (121i64..100_000).prop_map(Mutation::ExpTooLong),
        (11i64..100_000).prop_map(Mutation::ExpInPast),
    ]
}

fn apply(server: &MockServer, valid: &Grant, m: &Mutation) -> String {
    let g = valid.clone();
    let g = match m {
        Mutation::Alg(a) => g.header("alg", json!(a)),
        Mutation::Kid(k) => g.header("kid", json!(k)),
        Mutation::RemoveKid => g.without_header("kid"),
        Mutation::AddX5c => g.header("x5c", json!(x5c(demo::ENTERPRISE_CERT_PEM))),
        Mutation::AddHeader(h) => g.header(h, json!("x")),
        Mutation::Typ(t) => g.header("typ", json!(t)),
        Mutation::Aud(a) => g.claim("aud", json!(a)),
        Mutation::Iss(i) => g.claim("iss", json!(i)),
        Mutation::RemoveClaim(c) => g.without_claim(c),
        Mutation::ForeignScope(s) => {
            let scope = format!("{} {s}", g.claims["scope"].as_str().unwrap_or_default());
            g.claim("scope", json!(scope))
        }
        Mutation::UnknownClaim(c) => g.claim(c, json!("x")),
        Mutation::OwnConsumerOrg => g.claim("consumer_org", json!(demo::ORG)),
        Mutation::BadResource(r) => g.claim("resource", json!(r)),
        Mutation::BadPid(p) => g.claim("pid", json!(p)),
        Mutation::WrongKey => g.signed_with(demo::UNREGISTERED_KEY_PKCS8_PEM),
        Mutation::IatShift(d) => {
            let iat = g.claims["iat"].as_i64().unwrap_or_default() + d;
            g.claim("iat", json!(iat))
        }
        Mutation::ExpTooLong(l) => {
            let exp = g.claims["iat"].as_i64().unwrap_or_default() + l;
            g.claim("exp", json!(exp))
        }
        Mutation::ExpInPast(d) => g.claim("exp", json!(now() - d)),
        Mutation::SignatureByte(..) | Mutation::TruncateSignature(_) => g,
    };
    let token = g.sign();
    match m {
        Mutation::SignatureByte(i, mask) => {
            let (head, sig) = token.rsplit_once('.').expect("three parts");
            let mut bytes = URL_SAFE_NO_PAD.decode(sig).expect("signature");
            let idx = i % bytes.len();
            bytes[idx] ^= mask;
            format!("{head}.{}", URL_SAFE_NO_PAD.encode(bytes))
        }
        Mutation::TruncateSignature(n) => {
            let cut = (*n).min(token.len() - token.rfind('.').unwrap_or(0) - 1);
            token[..token.len() - cut].to_owned()
        }
        _ => {
            let _ = server;
            token
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn any_single_mutation_of_a_valid_grant_is_refused(m in mutation()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let server = MockServer::start().await;
            let valid = Grant::kid(&server, "altinn:enduser").claim("resource", json!(demo::RESOURCE));
            let mutated = apply(&server, &valid, &m);
            let resp = post_token(&server, &mutated).await;
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            prop_assert!(status == 400 || status == 403, "{m:?} gave {status}: {body}");
            prop_assert!(body["error"].is_string(), "{m:?}: {body}");
            prop_assert!(body["error_uri"].as_str().is_some_and(|u| u.contains("/errors/MP-")), "{m:?}: {body}");
            // The same grant without the mutation is accepted.
            let resp = post_token(&server, &valid.sign()).await;
            prop_assert_eq!(resp.status().as_u16(), 200, "{:?}", m);
            Ok(())
        })?;
    }
}
