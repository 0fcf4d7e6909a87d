//! Compact JWS helpers: the mock reads every header field and claim itself (to refuse what
//! Maskinporten refuses, with its messages) and uses jsonwebtoken only for the RSA maths.

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, crypto};
use serde_json::{Map, Value};

/// The mock's own signing key (for access tokens and Altinn tokens) and its public JWK.
pub(crate) struct MockKeys {
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    pub(crate) jwk: Value,
}

/// The `kid` of the mock's signing key.
pub const MOCK_KID: &str = "tilgang-mock-1";

impl MockKeys {
    pub(crate) fn load() -> Self {
        let pem = include_bytes!("../fixtures/keys/mock-signing.pkcs8.pem");
        let encoding = EncodingKey::from_rsa_pem(pem).expect("the committed mock key is valid");
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .expect("the mock key is RSA");
        let mut jwk = serde_json::to_value(&jwk).unwrap_or_default();
        if let Some(m) = jwk.as_object_mut() {
            m.insert("kid".into(), Value::String(MOCK_KID.into()));
            m.insert("use".into(), Value::String("sig".into()));
            m.insert("alg".into(), Value::String("RS256".into()));
        }
        let decoding = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap_or_default(),
            jwk["e"].as_str().unwrap_or_default(),
        )
        .expect("the derived components are valid");
        MockKeys {
            encoding,
            decoding,
            jwk,
        }
    }

    /// Signs claims with the mock key (RS256, `kid` set, `typ` JWT).
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = serde_json::json!({"alg": "RS256", "kid": MOCK_KID, "typ": "JWT"});
        sign_raw(&header, claims, &self.encoding, Algorithm::RS256)
    }
}

/// Signs an arbitrary header and claims with a key (no checks: tests use it for hostile
/// grants too).
pub fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap_or_default());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let message = format!("{h}.{c}");
    let sig = crypto::sign(message.as_bytes(), key, alg).unwrap_or_default();
    format!("{message}.{sig}")
}

/// A compact JWS split into its parts, header and claims decoded as JSON objects.
pub(crate) struct Parsed<'a> {
    pub(crate) header: Map<String, Value>,
    pub(crate) claims: Map<String, Value>,
    pub(crate) signing_input: &'a str,
    pub(crate) signature: &'a str,
}

/// Splits and decodes a compact JWS; `None` when it is not one.
pub(crate) fn parse(token: &str) -> Option<Parsed<'_>> {
    let token = token.trim();
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || s.is_empty() {
        return None;
    }
    let header: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    Some(Parsed {
        header,
        claims,
        signing_input: &token[..h.len() + 1 + c.len()],
        signature: s,
    })
}

/// Verifies a signature; any error counts as a bad signature.
pub(crate) fn verify(parsed: &Parsed<'_>, key: &DecodingKey, alg: Algorithm) -> bool {
    crypto::verify(parsed.signature, parsed.signing_input.as_bytes(), key, alg).unwrap_or(false)
}

/// Maps the header's `alg` to one Maskinporten accepts.
pub(crate) fn rsa_alg(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "RS384" => Some(Algorithm::RS384),
        "RS512" => Some(Algorithm::RS512),
        _ => None,
    }
}

/// Decodes a standard-base64 DER certificate from `x5c`.
pub(crate) fn decode_x5c(entry: &str) -> Option<Vec<u8>> {
    STANDARD.decode(entry).ok()
}
