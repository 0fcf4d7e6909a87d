//! Maskinporten access tokens: the claims every token carries, minting without a grant (for
//! tests and `/_mock/access-token`), and verification as the token exchange does it.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::{jwt, shared::Core};

use super::TokenCache;

/// What the exchange needs from a verified Maskinporten token.
#[derive(Debug, Clone)]
pub(crate) struct AccessIdentity {
    pub(crate) exp: i64,
    pub(crate) claims: Map<String, Value>,
}

/// The `consumer` (and `supplier`) claim value for an organisation number.
pub(crate) fn org_claim(org: &str) -> Value {
    json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")})
}

/// Mints an access token as `/token` would, without a grant (a test helper). `iat` is the
/// mock clock's time, or `exp` when that is earlier, so an expired token is still coherent.
pub(crate) fn mint(core: &Core, client_id: &str, org: &str, scope: &str, exp: i64) -> String {
    let t = core.now();
    let claims = json!({
        "iss": core.issuer(),
        "client_amr": "private_key_jwt",
        "token_type": "Bearer",
        "aud": "unspecified",
        "scope": scope,
        "client_id": client_id,
        "consumer": org_claim(org),
        "iat": t.min(exp),
        "exp": exp,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    core.keys.sign(&claims)
}

/// Verifies a Maskinporten access token as the token exchange does: signature with the
/// mock's key, issuer, expiry with the given skew on the mock's clock, and an `exp`. The
/// signature and claims are cached per token; expiry is checked on every call.
pub(crate) fn verify(
    core: &Core,
    cache: &TokenCache<AccessIdentity>,
    token: &str,
    skew: i64,
) -> Option<Arc<AccessIdentity>> {
    let id = match cache.get(token) {
        Some(id) => id,
        None => {
            let parsed = jwt::parse(token)?;
            if parsed.header.get("alg").and_then(Value::as_str) != Some("RS256") {
                return None;
            }
            if !jwt::verify(&parsed, &core.keys.decoding, jsonwebtoken::Algorithm::RS256) {
                return None;
            }
            if parsed.claims.get("iss").and_then(Value::as_str) != Some(core.issuer().as_str()) {
                return None;
            }
            let exp = parsed.claims.get("exp").and_then(Value::as_i64)?;
            let id = Arc::new(AccessIdentity {
                exp,
                claims: parsed.claims,
            });
            cache.insert(token, id.clone());
            id
        }
    };
    (id.exp + skew >= core.now()).then_some(id)
}

/// The organisation number in a `consumer` claim (`0192:<orgno>`), if well-formed.
pub(crate) fn consumer_org(claims: &Map<String, Value>) -> Option<String> {
    let consumer = claims.get("consumer")?;
    if consumer.get("authority").and_then(Value::as_str) != Some("iso6523-actorid-upis") {
        return None;
    }
    let id = consumer.get("ID").and_then(Value::as_str)?;
    let org = id.split(':').nth(1)?;
    (org.len() == 9 && org.bytes().all(|b| b.is_ascii_digit())).then(|| org.to_owned())
}
