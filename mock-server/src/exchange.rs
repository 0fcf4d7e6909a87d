//! The Altinn token exchange fake (`shared/spec/maskinporten.md` §2,
//! `shared/spec/altinn2-rest.md` §3.2): a Maskinporten token (plus, optionally, enterprise-user
//! credentials) in, an Altinn JWT out.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Map, Value, json};

use crate::{
    jwt::{self, now},
    maskinporten,
    state::{AltinnIdentity, AppState},
    world::EnterpriseUser,
};

/// The enterprise-user credentials header.
pub const ENTERPRISE_USER_HEADER: &str = "x-altinn-enterpriseuser-authentication";

/// The text Altinn answers a wrong enterprise-user name or password with.
pub const WRONG_PASSWORD_TEXT: &str =
    "The user either does not exist or the password is incorrect.";

const PROVIDERS: &[&str] = &["maskinporten", "id-porten", "altinnstudio"];

/// `GET /authentication/api/v1/exchange/{provider}`.
pub(crate) async fn exchange(
    State(s): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
) -> Response {
    let provider = provider.to_ascii_lowercase();
    if !PROVIDERS.contains(&provider.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "Invalid token provider '{provider}'. Valid providers are maskinporten, id-porten and altinnstudio."
            ),
        )
            .into_response();
    }
    let unauthorized = || StatusCode::UNAUTHORIZED.into_response();
    // Only Maskinporten tokens exist in this world; an ID-porten or Altinn Studio exchange of
    // one fails their validation, which Altinn reports as a bare 401.
    if provider != "maskinporten" {
        return unauthorized();
    }
    let Some(token) = bearer(&headers) else {
        return unauthorized();
    };
    let settings = s.read_world().settings.clone();
    let Some(mp) =
        maskinporten::verify_access_token(&s, token, settings.exchange_clock_skew_secs as i64)
    else {
        return unauthorized();
    };
    let Some(org) = maskinporten::consumer_org(&mp.claims) else {
        return unauthorized();
    };
    let user = match headers.get(ENTERPRISE_USER_HEADER) {
        None => None,
        Some(value) => {
            if settings.enterprise_user_gone {
                return gone();
            }
            match enterprise_login(&s, value, &org) {
                Ok(user) => Some(user),
                Err(resp) => return resp,
            }
        }
    };
    let exp = now() + settings.altinn_token_lifetime_secs as i64;
    let token = mint(&s, &mp.claims, user.as_ref(), &org, exp);
    if wants_json(&headers) {
        let body = serde_json::to_string(&token).unwrap_or_default();
        (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body,
        )
            .into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], token).into_response()
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// ASP.NET Core content negotiation: `application/json` (or `text/json`) gets a JSON string
/// literal; no Accept, `text/plain` or an unmatched type such as `application/hal+json` gets
/// the bare token.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .any(|m| m == "application/json" || m == "text/json")
}

fn gone() -> Response {
    let body = json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.11",
        "title": "Gone",
        "status": 410,
        "detail": "Enterprise user authentication (X-Altinn-EnterpriseUser-Authentication) is no longer supported after the Altinn 2 shutdown.",
        "traceId": format!("00-{}-{}-00", uuid::Uuid::new_v4().simple(), &uuid::Uuid::new_v4().simple().to_string()[..16]),
    });
    (
        StatusCode::GONE,
        [(
            header::CONTENT_TYPE,
            "application/problem+json; charset=utf-8",
        )],
        body.to_string(),
    )
        .into_response()
}

fn enterprise_login(
    s: &AppState,
    value: &HeaderValue,
    org: &str,
) -> Result<EnterpriseUser, Response> {
    let bad_request = || StatusCode::BAD_REQUEST.into_response();
    let raw = STANDARD
        .decode(value.as_bytes().trim_ascii())
        .map_err(|_| bad_request())?;
    let text = String::from_utf8(raw).map_err(|_| bad_request())?;
    // Only the first colon splits: passwords may contain colons.
    let (name, password) = text.split_once(':').ok_or_else(bad_request)?;
    let world = s.read_world();
    let settings = world.settings.clone();
    let key = name.to_ascii_lowercase();
    let t = now();
    let mut lockouts = s.lockouts.lock().unwrap_or_else(|e| e.into_inner());
    let entry = lockouts.entry(key.clone()).or_default();
    if entry.locked_until > t {
        return Err(too_many(entry.locked_until - t));
    }
    let found = world
        .enterprise_users
        .iter()
        .find(|u| u.user_name.eq_ignore_ascii_case(name) && u.password == password && u.org == org);
    match found {
        Some(user) => {
            lockouts.remove(&key);
            Ok(user.clone())
        }
        None => {
            entry.failures += 1;
            if entry.failures >= settings.lockout_after_failures {
                entry.failures = 0;
                entry.locked_until = t + settings.lockout_secs as i64;
            }
            Err((
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                WRONG_PASSWORD_TEXT,
            )
                .into_response())
        }
    }
}

fn too_many(retry_after: i64) -> Response {
    let mut resp = StatusCode::TOO_MANY_REQUESTS.into_response();
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_str(&retry_after.max(1).to_string())
            .unwrap_or(HeaderValue::from_static("1")),
    );
    resp
}

/// Builds and signs an Altinn token: the Maskinporten claims minus `aud`, `iss`,
/// `client_amr`, `sid` and the time claims, plus the Altinn claims.
pub(crate) fn mint(
    s: &AppState,
    mp_claims: &Map<String, Value>,
    user: Option<&EnterpriseUser>,
    org: &str,
    exp: i64,
) -> String {
    let t = now();
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
    claims.insert("iss".into(), Value::String(s.altinn_issuer()));
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
    s.keys.sign(&Value::Object(claims))
}

/// Why an Altinn token was refused by the Altinn 2 API.
pub(crate) enum AltinnTokenError {
    /// Unreadable, wrong signature or wrong issuer.
    Invalid(&'static str),
    /// Expired: carries `exp` for the IDX10223 message.
    Expired(i64),
}

/// Verifies an Altinn token for the Altinn 2 API. The signature check and claim parsing are
/// cached per token (the hot path of every API call); expiry is checked every time.
pub(crate) fn verify_altinn_token(
    s: &AppState,
    token: &str,
    skew: i64,
) -> Result<Arc<AltinnIdentity>, AltinnTokenError> {
    let id = match s.cached_altinn(token) {
        Some(id) => id,
        None => {
            let parsed = jwt::parse(token).ok_or(AltinnTokenError::Invalid(
                "IDX12741: JWT is not well formed.",
            ))?;
            if parsed.header.get("alg").and_then(Value::as_str) != Some("RS256")
                || !jwt::verify(&parsed, &s.keys.decoding, jsonwebtoken::Algorithm::RS256)
            {
                return Err(AltinnTokenError::Invalid(
                    "IDX10503: Signature validation failed.",
                ));
            }
            let c = &parsed.claims;
            if c.get("iss").and_then(Value::as_str) != Some(s.altinn_issuer().as_str()) {
                return Err(AltinnTokenError::Invalid(
                    "IDX10205: Issuer validation failed.",
                ));
            }
            let exp = c.get("exp").and_then(Value::as_i64).ok_or(AltinnTokenError::Invalid(
                "IDX10225: Lifetime validation failed. The token is missing an Expiration Time.",
            ))?;
            let org = c
                .get("urn:altinn:orgNumber")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = Arc::new(AltinnIdentity {
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
            });
            s.cache_altinn(token, id.clone());
            id
        }
    };
    if id.exp + skew < now() {
        return Err(AltinnTokenError::Expired(id.exp));
    }
    Ok(id)
}
