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

/// The system user a token is for, read from its `authorization_details`
/// (`shared/spec/altinn3-accessmanagement.md` §5.1), for display only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUserClaim {
    /// The system user's id (`systemuser_id[0]`, the one Altinn uses).
    pub id: Option<String>,
    /// The customer organisation's number (`systemuser_org.ID`, `0192:<orgno>`; the key is
    /// spelt `ID` or `id`).
    pub org: Option<String>,
    /// The vendor's system (`system_id`).
    pub system_id: Option<String>,
}

/// The system user a Maskinporten or Altinn token is for, if it carries one. The token is not
/// verified: this is for showing, never for deciding.
pub fn system_user_claim(token: &str) -> Option<SystemUserClaim> {
    let payload = payload(token)?;
    let details = payload.get("authorization_details")?.as_array()?;
    let detail = details
        .iter()
        .find(|d| d.get("type").and_then(Value::as_str) == Some("urn:altinn:systemuser"))?;
    let org = detail.get("systemuser_org").and_then(|o| {
        o.get("ID")
            .or_else(|| o.get("id"))
            .and_then(Value::as_str)
            .map(|id| id.rsplit(':').next().unwrap_or(id).to_owned())
    });
    Some(SystemUserClaim {
        id: detail
            .get("systemuser_id")
            .and_then(Value::as_array)
            .and_then(|ids| ids.first())
            .and_then(Value::as_str)
            .map(str::to_owned),
        org,
        system_id: detail
            .get("system_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_system_user_in_either_spelling() {
        for key in ["ID", "id"] {
            let t = token(&format!(
                r#"{{"authorization_details":[{{"type":"urn:altinn:systemuser","systemuser_org":{{"authority":"iso6523-actorid-upis","{key}":"0192:310000001"}},"systemuser_id":["8e1d2c3b-4a59-4f68-9e7d-6c5b4a392817"],"system_id":"310999999_hr-sync"}}]}}"#
            ));
            let claim = system_user_claim(&t).unwrap();
            assert_eq!(claim.org.as_deref(), Some("310000001"));
            assert_eq!(
                claim.id.as_deref(),
                Some("8e1d2c3b-4a59-4f68-9e7d-6c5b4a392817")
            );
            assert_eq!(claim.system_id.as_deref(), Some("310999999_hr-sync"));
        }
        assert_eq!(system_user_claim(&token(r#"{"scope":"x"}"#)), None);
    }

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
