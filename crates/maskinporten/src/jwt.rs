//! Reading claims from JWTs we were given, without verifying them. Only for bookkeeping
//! (expiry, the consumer organisation): the servers that issued them verify them, we do not
//! rely on their contents for access decisions.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::Value;

/// The payload of a compact JWS, if it is one.
pub(crate) fn payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The `exp` claim, in seconds since the epoch.
pub(crate) fn expiry(token: &str) -> Option<u64> {
    payload(token)?.get("exp")?.as_u64()
}

/// The consumer's organisation number from a Maskinporten token's `consumer.ID`
/// (`0192:<orgno>`, possibly with more colon-separated parts for sub-units).
pub(crate) fn consumer_org(token: &str) -> Option<String> {
    let payload = payload(token)?;
    let id = payload.get("consumer")?.get("ID")?.as_str()?;
    id.split(':').nth(1).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn reads_exp_and_consumer() {
        let t = token(
            r#"{"exp":1800000000,"consumer":{"authority":"iso6523-actorid-upis","ID":"0192:310000000"}}"#,
        );
        assert_eq!(expiry(&t), Some(1_800_000_000));
        assert_eq!(consumer_org(&t).as_deref(), Some("310000000"));
        assert_eq!(expiry("not-a-jwt"), None);
        assert_eq!(expiry("a.b.c.d"), None);
    }
}
