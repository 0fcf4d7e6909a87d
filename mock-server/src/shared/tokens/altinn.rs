//! Altinn tokens: minted by the exchange (and by the test helpers), verified by the Altinn
//! APIs.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::{jwt, shared::Core, world::EnterpriseUser};

use super::{TokenCache, access::org_claim};

/// What an Altinn API needs from a verified Altinn token.
#[derive(Debug, Clone)]
pub(crate) struct AltinnIdentity {
    pub(crate) exp: i64,
    pub(crate) user: Option<String>,
    pub(crate) org: String,
    pub(crate) scopes: Vec<String>,
    /// `urn:altinn:userid` as a number (0 when absent, as Access Management reads it).
    pub(crate) user_id: u64,
    /// `urn:altinn:party:uuid`, when the token has one (system-user tokens do not).
    pub(crate) party_uuid: Option<String>,
    /// `authorization_details[0].systemuser_id[0]` of type `urn:altinn:systemuser`: the
    /// system user Access Management sees as the caller.
    pub(crate) system_user: Option<String>,
}

/// Why an Altinn token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AltinnTokenError {
    /// Unreadable, wrong signature or wrong issuer: the `IDX…` message Altinn gives.
    #[error("{0}")]
    Invalid(&'static str),
    /// Expired at `exp` (Unix seconds), as seen at `now` on the mock's clock.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The mock clock's time when it was checked.
        now: i64,
    },
}

/// Builds and signs an Altinn token: the Maskinporten claims minus `aud`, `iss`,
/// `client_amr`, `sid` and the time claims, plus the Altinn claims. `iat` and `nbf` are the
/// mock clock's time, or `exp` when that is earlier.
pub(crate) fn mint(
    core: &Core,
    mp_claims: &Map<String, Value>,
    user: Option<&EnterpriseUser>,
    org: &str,
    exp: i64,
) -> String {
    let t = core.now();
    let mut claims: Map<String, Value> = mp_claims
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "aud" | "iss" | "client_amr" | "sid" | "iat" | "nbf" | "exp" | "jti"
            )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    claims.insert("urn:altinn:orgNumber".into(), Value::String(org.to_owned()));
    claims.insert("urn:altinn:authlevel".into(), json!(3));
    match user {
        Some(u) => {
            claims.insert(
                "urn:altinn:authenticatemethod".into(),
                Value::String("virksomhetsbruker".into()),
            );
            claims.insert(
                "urn:altinn:userid".into(),
                Value::String(u.user_id.to_string()),
            );
            claims.insert(
                "urn:altinn:username".into(),
                Value::String(u.user_name.clone()),
            );
            claims.insert(
                "urn:altinn:partyid".into(),
                Value::String(u.party_id.to_string()),
            );
        }
        None => {
            claims.insert(
                "urn:altinn:authenticatemethod".into(),
                Value::String("maskinporten".into()),
            );
        }
    }
    claims.insert("iss".into(), Value::String(core.altinn_issuer()));
    claims.insert(
        "sid".into(),
        Value::String(uuid::Uuid::new_v4().to_string()),
    );
    claims.insert(
        "jti".into(),
        Value::String(uuid::Uuid::new_v4().to_string()),
    );
    claims.insert("iat".into(), json!(t.min(exp)));
    claims.insert("nbf".into(), json!(t.min(exp)));
    claims.insert("exp".into(), json!(exp));
    core.keys.sign(&Value::Object(claims))
}

/// Mints an Altinn token exactly as the exchange would, for an enterprise user (`Some`) or a
/// plain organisation token (`None`), without a Maskinporten token to start from (a test
/// helper). The user's organisation is used when `user` names a known user.
pub(crate) fn mint_for(
    core: &Core,
    user: Option<&str>,
    org: &str,
    scopes: &[&str],
    exp: i64,
) -> String {
    let user = user.map(|name| {
        core.world
            .read()
            .enterprise_users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(name))
            .cloned()
            .unwrap_or_else(|| EnterpriseUser {
                user_name: name.to_owned(),
                password: String::new(),
                org: org.to_owned(),
                user_id: 0,
                party_id: 0,
                roles: Vec::new(),
            })
    });
    let org = user
        .as_ref()
        .map(|u| u.org.clone())
        .unwrap_or_else(|| org.to_owned());
    let mut claims = Map::new();
    claims.insert("scope".into(), scopes.join(" ").into());
    claims.insert("token_type".into(), "Bearer".into());
    claims.insert("client_id".into(), crate::demo::CLIENT_ID.into());
    claims.insert("consumer".into(), org_claim(&org));
    mint(core, &claims, user.as_ref(), &org, exp)
}

/// Verifies an Altinn token. The signature check and claim parsing are cached per token (the
/// hot path of every API call); expiry is checked on the mock's clock every time.
pub(crate) fn verify(
    core: &Core,
    cache: &TokenCache<AltinnIdentity>,
    token: &str,
    skew: i64,
) -> Result<Arc<AltinnIdentity>, AltinnTokenError> {
    let id = match cache.get(token) {
        Some(id) => id,
        None => {
            let id = Arc::new(check(core, token)?);
            cache.insert(token, id.clone());
            id
        }
    };
    let now = core.now();
    if id.exp + skew < now {
        return Err(AltinnTokenError::Expired { exp: id.exp, now });
    }
    Ok(id)
}

/// The signature, issuer and claims of a token not seen before.
fn check(core: &Core, token: &str) -> Result<AltinnIdentity, AltinnTokenError> {
    let parsed = jwt::parse(token).ok_or(AltinnTokenError::Invalid(
        "IDX12741: JWT is not well formed.",
    ))?;
    if parsed.header.get("alg").and_then(Value::as_str) != Some("RS256")
        || !jwt::verify(&parsed, &core.keys.decoding, jsonwebtoken::Algorithm::RS256)
    {
        return Err(AltinnTokenError::Invalid(
            "IDX10503: Signature validation failed.",
        ));
    }
    let c = &parsed.claims;
    if c.get("iss").and_then(Value::as_str) != Some(core.altinn_issuer().as_str()) {
        return Err(AltinnTokenError::Invalid(
            "IDX10205: Issuer validation failed.",
        ));
    }
    let exp = c
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(AltinnTokenError::Invalid(
            "IDX10225: Lifetime validation failed. The token is missing an Expiration Time.",
        ))?;
    let org = c
        .get("urn:altinn:orgNumber")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(AltinnIdentity {
        exp,
        user: c
            .get("urn:altinn:username")
            .and_then(Value::as_str)
            .map(str::to_owned),
        org,
        scopes: c
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        user_id: match c.get("urn:altinn:userid") {
            Some(Value::String(s)) => s.parse().unwrap_or(0),
            Some(v) => v.as_u64().unwrap_or(0),
            None => 0,
        },
        party_uuid: c
            .get("urn:altinn:party:uuid")
            .and_then(Value::as_str)
            .map(str::to_owned),
        system_user: system_user_of(c),
    })
}

/// The first system user id of the first `urn:altinn:systemuser` entry of
/// `authorization_details`, as Access Management reads it (§5.1: it uses `systemuser_id[0]`).
fn system_user_of(claims: &Map<String, Value>) -> Option<String> {
    claims
        .get("authorization_details")?
        .as_array()?
        .iter()
        .find(|d| d.get("type").and_then(Value::as_str) == Some("urn:altinn:systemuser"))?
        .get("systemuser_id")?
        .as_array()?
        .first()?
        .as_str()
        .map(str::to_owned)
}

/// Mints an Altinn token as the exchange would for a Maskinporten token of a system user
/// (a test helper): the vendor (the client's organisation) as `consumer` and
/// `urn:altinn:orgNumber`, and `authorization_details` naming the system user. `None` when
/// the world has no such system user.
pub(crate) fn mint_for_system_user(
    core: &Core,
    system_user_id: &str,
    scopes: &[&str],
    exp: i64,
) -> Option<String> {
    let (su, vendor, client_id) = {
        let world = core.world.read();
        let su = world
            .system_users
            .iter()
            .find(|su| su.id.eq_ignore_ascii_case(system_user_id))?
            .clone();
        let client = world.clients.iter().find(|c| c.client_id == su.client_id);
        let vendor = client.map(|c| c.org.clone()).unwrap_or_else(|| {
            su.system_id
                .split('_')
                .next()
                .unwrap_or_default()
                .to_owned()
        });
        (
            su,
            vendor,
            client.map(|c| c.client_id.clone()).unwrap_or_default(),
        )
    };
    let mut claims = Map::new();
    claims.insert("scope".into(), scopes.join(" ").into());
    claims.insert("token_type".into(), "Bearer".into());
    claims.insert("client_id".into(), client_id.into());
    claims.insert("consumer".into(), org_claim(&vendor));
    claims.insert(
        "authorization_details".into(),
        json!([{
            "type": "urn:altinn:systemuser",
            "systemuser_id": [su.id],
            "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", su.org)},
            "system_id": su.system_id,
        }]),
    );
    Some(mint(core, &claims, None, &vendor, exp))
}
