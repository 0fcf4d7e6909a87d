//! The Maskinporten fake: metadata, JWKS and the JWT-bearer token endpoint
//! (`shared/spec/maskinporten.md` §1).

use std::sync::Arc;

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::{
    jwt::{self, now},
    state::{AppState, MaskinportenIdentity},
    world::{Client, World},
};

/// The JWT-bearer grant type.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Claims a grant may carry; anything else is refused. `nbf` and `sub` are registered JWT
/// claims that real clients send and Maskinporten tolerates.
const ALLOWED_CLAIMS: &[&str] = &[
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

/// Header fields a grant may carry.
const ALLOWED_HEADER: &[&str] = &["alg", "kid", "x5c", "typ"];

/// A refused token request: status, OAuth error, MP code and description.
#[derive(Debug)]
pub(crate) struct GrantError {
    status: StatusCode,
    error: &'static str,
    code: &'static str,
    description: String,
}

fn err(error: &'static str, code: &'static str, description: impl Into<String>) -> GrantError {
    GrantError {
        status: StatusCode::BAD_REQUEST,
        error,
        code,
        description: description.into(),
    }
}

impl GrantError {
    fn into_response(self, issuer: &str) -> Response {
        let trace = uuid::Uuid::new_v4().simple().to_string();
        let body = json!({
            "error": self.error,
            "error_description": format!("{} (trace_id: {trace})", self.description),
            "error_uri": format!("{issuer}errors/{}", self.code),
        });
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// `GET /.well-known/oauth-authorization-server`.
pub(crate) async fn well_known(State(s): State<AppState>) -> Response {
    let issuer = s.issuer();
    Json(json!({
        "issuer": issuer,
        "token_endpoint": format!("{}/token", s.base),
        "jwks_uri": format!("{}/jwk", s.base),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "grant_types_supported": [GRANT_TYPE],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
        "authorization_details_types_supported": ["urn:altinn:systemuser", "urn:altinn:consent"],
    }))
    .into_response()
}

/// `GET /jwk`.
pub(crate) async fn jwks(State(s): State<AppState>) -> Response {
    Json(json!({ "keys": [s.keys.jwk.clone()] })).into_response()
}

/// `POST /token`.
pub(crate) async fn token(State(s): State<AppState>, headers: HeaderMap, body: String) -> Response {
    let issuer = s.issuer();
    match issue(&s, &headers, &body) {
        Ok(body) => {
            let mut resp = Json(body).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => e.into_response(&issuer),
    }
}

fn issue(s: &AppState, headers: &HeaderMap, body: &str) -> Result<Value, GrantError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_default();
    if !form_type.starts_with("application/x-www-form-urlencoded") {
        return Err(err(
            "invalid_request",
            "MP-011",
            "Invalid request. The body must be application/x-www-form-urlencoded",
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(body);
    let mut grant_type = None;
    let mut assertion = None;
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "grant_type" => &mut grant_type,
            "assertion" => &mut assertion,
            other => {
                return Err(err(
                    "invalid_request",
                    "MP-011",
                    format!(
                        "Invalid request. Unexpected parameter '{other}'; send only grant_type and assertion"
                    ),
                ));
            }
        };
        if slot.replace(v).is_some() {
            return Err(err(
                "invalid_request",
                "MP-011",
                format!("Invalid request. Parameter '{k}' was sent more than once"),
            ));
        }
    }
    match grant_type.as_deref() {
        Some(GRANT_TYPE) => {}
        Some(other) => {
            return Err(err(
                "unsupported_grant_type",
                "MP-011",
                format!("Unsupported grant type '{other}'"),
            ));
        }
        None => {
            return Err(err(
                "invalid_request",
                "MP-011",
                "Invalid request. Missing grant_type",
            ));
        }
    }
    let Some(assertion) = assertion else {
        return Err(err(
            "invalid_request",
            "MP-011",
            "Invalid request. Missing assertion",
        ));
    };
    let world = World::clone(&s.read_world());
    let checked = check_grant(s, &world, &assertion)?;
    // A grant is spent only once everything else holds, so a refused grant can be fixed and
    // sent again with the same jti.
    let replay_key = match checked.claims.get("jti") {
        Some(Value::String(j)) => format!("jti:{}:{j}", checked.client.client_id),
        _ => format!("sha256:{:x}", Sha256::digest(assertion.as_bytes())),
    };
    {
        let mut replay = s.replay.lock().unwrap_or_else(|e| e.into_inner());
        let t = now();
        replay.retain(|_, exp| *exp >= t);
        let keep_until = checked.exp + world.settings.grant_clock_skew_secs as i64;
        if replay.insert(replay_key, keep_until).is_some() {
            return Err(err("invalid_grant", "MP-012", "Grant is used before"));
        }
    }
    let lifetime = checked
        .client
        .access_token_lifetime_secs
        .unwrap_or(world.settings.access_token_lifetime_secs);
    let token = mint(s, &checked, lifetime as i64);
    Ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": checked.scope,
    }))
}

fn serde_urlencoded_pairs(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

struct Checked {
    client: Client,
    claims: Map<String, Value>,
    scope: String,
    exp: i64,
    amr: &'static str,
    consumer: String,
    supplier: Option<(String, String)>,
    system_user: Option<crate::world::SystemUser>,
}

fn check_grant(s: &AppState, world: &World, assertion: &str) -> Result<Checked, GrantError> {
    let invalid_value = || {
        err(
            "invalid_request",
            "MP-011",
            "Invalid assertion. Invalid parameter value",
        )
    };
    let parsed = jwt::parse(assertion).ok_or_else(invalid_value)?;
    let header = &parsed.header;
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or("none");
    let Some(alg) = jwt::rsa_alg(alg_name) else {
        return Err(err(
            "invalid_grant",
            "MP-124",
            format!(
                "Invalid JWT signature. Unsupported algorithm '{alg_name}'; use RS256, RS384 or RS512"
            ),
        ));
    };
    if let Some(field) = header
        .keys()
        .find(|k| !ALLOWED_HEADER.contains(&k.as_str()))
    {
        return Err(err(
            "invalid_grant",
            "MP-123",
            format!("Invalid JWT header. Unsupported header parameter '{field}'"),
        ));
    }
    if let Some(typ) = header.get("typ")
        && !typ.as_str().is_some_and(|t| t.eq_ignore_ascii_case("JWT"))
    {
        return Err(err(
            "invalid_grant",
            "MP-123",
            "Invalid JWT header. typ must be JWT",
        ));
    }
    let claims = &parsed.claims;
    let Some(iss) = claims.get("iss").and_then(Value::as_str) else {
        return Err(err(
            "invalid_request",
            "MP-011",
            "Invalid assertion. Invalid parameter value: missing claim 'iss'",
        ));
    };
    let Some(client) = world.clients.iter().find(|c| c.client_id == iss).cloned() else {
        return Err(err(
            "invalid_grant",
            "MP-100",
            "Invalid assertion. Client authentication failed. Client not found",
        ));
    };
    // Choose the verification key: a registered kid, or an x5c leaf that chains to a CA.
    let kid = header.get("kid");
    let x5c = header.get("x5c");
    let (key, amr) = match (kid, x5c) {
        (Some(_), Some(_)) => {
            return Err(err(
                "invalid_grant",
                "MP-123",
                "Invalid JWT header. Send either kid or x5c, not both",
            ));
        }
        (Some(kid), None) => {
            let kid = kid.as_str().unwrap_or_default();
            let Some(jwk) = client.jwks.iter().find(|k| k.kid == kid) else {
                return Err(err(
                    "invalid_grant",
                    "MP-100",
                    "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client.",
                ));
            };
            if jwk.expires_at.is_some_and(|e| e < now()) {
                return Err(err(
                    "invalid_grant",
                    "MP-121",
                    "Invalid assertion. Client authentication failed. Expired key",
                ));
            }
            let key = DecodingKey::from_rsa_components(&jwk.n, &jwk.e).map_err(|_| {
                err(
                    "invalid_grant",
                    "MP-121",
                    "Invalid assertion. Client authentication failed. Registered key is unusable",
                )
            })?;
            (key, "private_key_jwt")
        }
        (None, Some(x5c)) => {
            if !client.jwks.is_empty() || !client.certificates {
                return Err(err(
                    "invalid_grant",
                    "MP-100",
                    "Invalid JWT. The client requires pre-registered jwk and no key identifier (kid) provided",
                ));
            }
            (check_x5c(world, &client, x5c)?, "virksomhetssertifikat")
        }
        (None, None) => {
            if !client.jwks.is_empty() {
                return Err(err(
                    "invalid_grant",
                    "MP-100",
                    "Invalid JWT. The client requires pre-registered jwk and no key identifier (kid) provided",
                ));
            }
            return Err(err(
                "invalid_grant",
                "MP-123",
                "Invalid JWT header. Either kid or x5c is required",
            ));
        }
    };
    if !jwt::verify(&parsed, &key, alg) {
        return Err(err("invalid_grant", "MP-124", "Invalid JWT signature"));
    }
    if let Some(claim) = claims
        .keys()
        .find(|k| !ALLOWED_CLAIMS.contains(&k.as_str()))
    {
        return Err(err(
            "invalid_request",
            "MP-011",
            format!("Invalid assertion. Claim '{claim}' is not allowed"),
        ));
    }
    match claims.get("aud") {
        Some(Value::String(aud)) if *aud == s.issuer() => {}
        _ => {
            return Err(err(
                "invalid_grant",
                "MP-110",
                "Invalid assertion. Client authentication failed. Invalid JWT claim aud",
            ));
        }
    }
    let settings = &world.settings;
    let skew = settings.grant_clock_skew_secs as i64;
    let t = now();
    let int_claim = |name: &str| -> Result<i64, GrantError> {
        claims.get(name).and_then(Value::as_i64).ok_or_else(|| {
            err(
                "invalid_request",
                "MP-011",
                format!(
                    "Invalid assertion. Invalid parameter value: claim '{name}' must be a number"
                ),
            )
        })
    };
    let iat = int_claim("iat")?;
    let exp = int_claim("exp")?;
    if iat > t + skew {
        return Err(err(
            "invalid_grant",
            "MP-130",
            "Invalid assertion. Issue time is in the future",
        ));
    }
    if iat < t - skew {
        return Err(err(
            "invalid_grant",
            "MP-130",
            "Invalid assertion. Issue time is too far in the past",
        ));
    }
    if exp <= iat {
        return Err(err(
            "invalid_grant",
            "MP-130",
            "Invalid assertion. Expiry time is before issue time",
        ));
    }
    if exp - iat > settings.max_grant_lifetime_secs as i64 {
        return Err(err(
            "invalid_grant",
            "MP-130",
            "Invalid assertion. JWT has too long lifetime",
        ));
    }
    if exp + skew < t {
        return Err(err("invalid_grant", "MP-130", "JWT is expired"));
    }
    if let Some(nbf) = claims.get("nbf")
        && nbf.as_i64().is_none_or(|n| n > t + skew)
    {
        return Err(err(
            "invalid_grant",
            "MP-130",
            "Invalid assertion. JWT is not valid yet (nbf)",
        ));
    }
    if let Some(jti) = claims.get("jti")
        && jti.as_str().is_none_or(|j| j.is_empty())
    {
        return Err(err(
            "invalid_request",
            "MP-011",
            "Invalid assertion. Invalid parameter value: jti must be a non-empty string",
        ));
    }
    let scope = match claims.get("scope") {
        Some(Value::String(sc)) if !sc.trim().is_empty() => sc.clone(),
        _ => {
            return Err(err(
                "invalid_request",
                "MP-011",
                "Invalid assertion. Invalid parameter value: scope is required",
            ));
        }
    };
    if let Some(res) = claims.get("resource") {
        let ok = |v: &Value| {
            v.as_str()
                .is_some_and(|u| u.starts_with("https://") || u.starts_with("http://"))
        };
        let valid = match res {
            Value::String(_) => ok(res),
            Value::Array(a) => !a.is_empty() && a.iter().all(ok),
            _ => false,
        };
        if !valid {
            return Err(err(
                "invalid_request",
                "MP-011",
                "Invalid assertion. Invalid parameter value: resource must be an absolute URI or an array of them",
            ));
        }
    }
    if let Some(pid) = claims.get("pid")
        && !pid
            .as_str()
            .is_some_and(|p| p.len() == 11 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err(
            "invalid_request",
            "MP-011",
            "Invalid assertion. Invalid parameter value: pid must be 11 digits",
        ));
    }
    let system_user = match claims.get("authorization_details") {
        None => None,
        Some(details) => Some(check_system_user(world, &client.client_id, details)?),
    };
    let requested: Vec<&str> = scope.split_whitespace().collect();
    let (consumer, supplier) = match claims.get("consumer_org") {
        None => {
            if let Some(bad) = requested
                .iter()
                .find(|sc| !client.scopes.iter().any(|c| c == *sc))
            {
                return Err(err(
                    "invalid_scope",
                    "MP-200",
                    format!("Token request contains invalid scopes for client: {bad}"),
                ));
            }
            (client.org.clone(), None)
        }
        Some(org) => {
            let Some(org) = org
                .as_str()
                .filter(|o| o.len() == 9 && o.bytes().all(|b| b.is_ascii_digit()))
            else {
                return Err(err(
                    "invalid_request",
                    "MP-011",
                    "Invalid assertion. Invalid parameter value: consumer_org must be 9 digits",
                ));
            };
            if claims.contains_key("iss_onbehalfof") {
                return Err(err(
                    "invalid_request",
                    "MP-011",
                    "Invalid assertion. consumer_org and iss_onbehalfof cannot be combined",
                ));
            }
            if org == client.org {
                return Err(err(
                    "invalid_request",
                    "MP-011",
                    "combination consumer_org in claim and delegation scope on client is invalid",
                ));
            }
            let delegation = world
                .maskinporten_delegations
                .iter()
                .find(|d| d.consumer_org == org && d.supplier_org == client.org);
            for sc in &requested {
                let delegated = delegation.is_some_and(|d| d.scopes.iter().any(|x| x == sc));
                if !delegated {
                    return Err(GrantError {
                        status: StatusCode::FORBIDDEN,
                        error: "forbidden",
                        code: "MP-251",
                        description: format!(
                            "Consumer {org} has not delegated access to the scope {sc} to supplier {}",
                            client.org
                        ),
                    });
                }
            }
            let source = delegation
                .map(|d| d.delegation_source.clone())
                .unwrap_or_default();
            (org.to_owned(), Some((client.org.clone(), source)))
        }
    };
    Ok(Checked {
        client,
        claims: claims.clone(),
        scope,
        exp,
        amr,
        consumer,
        supplier,
        system_user,
    })
}

/// Checks RFC 9396 `authorization_details` for a system user (`shared/spec/maskinporten.md`
/// §1.4): one object of type `urn:altinn:systemuser` with `systemuser_org` in ISO 6523 form and
/// an optional `externalRef`, naming a system user of that organisation approved for this
/// client. Unknown types give MP-301, unknown fields MP-302, anything that matches no system
/// user MP-303. Consent (`urn:altinn:consent`) is a known type, but the world holds no
/// consents, so it never matches.
fn check_system_user(
    world: &World,
    client_id: &str,
    details: &Value,
) -> Result<crate::world::SystemUser, GrantError> {
    let invalid = |code: &'static str, what: &str| {
        err(
            "invalid_request",
            code,
            format!("Invalid authorization_details. {what}"),
        )
    };
    let items = details
        .as_array()
        .ok_or_else(|| invalid("MP-303", "authorization_details must be an array"))?;
    let [item] = items.as_slice() else {
        return Err(invalid(
            "MP-303",
            "exactly one authorization_details object is allowed per request",
        ));
    };
    let item = item
        .as_object()
        .ok_or_else(|| invalid("MP-303", "each entry must be an object"))?;
    match item.get("type").and_then(Value::as_str) {
        Some("urn:altinn:systemuser") => {}
        Some("urn:altinn:consent") => {
            return Err(invalid("MP-303", "No consent matches the request"));
        }
        _ => return Err(invalid("MP-301", "Unknown type")),
    }
    if let Some(unknown) = item
        .keys()
        .find(|k| !matches!(k.as_str(), "type" | "systemuser_org" | "externalRef"))
    {
        return Err(invalid("MP-302", &format!("Unknown field {unknown}")));
    }
    let org_id = item.get("systemuser_org");
    let authority = org_id
        .and_then(|o| o.get("authority"))
        .and_then(Value::as_str);
    let org = org_id
        .and_then(|o| o.get("ID"))
        .and_then(Value::as_str)
        .and_then(|id| id.strip_prefix("0192:"))
        .filter(|o| o.len() == 9 && o.bytes().all(|b| b.is_ascii_digit()));
    let (Some("iso6523-actorid-upis"), Some(org)) = (authority, org) else {
        return Err(invalid(
            "MP-303",
            "systemuser_org must be {\"authority\":\"iso6523-actorid-upis\",\"ID\":\"0192:<orgno>\"}",
        ));
    };
    let external_ref = match item.get("externalRef") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) => Some(r.as_str()),
        Some(_) => return Err(invalid("MP-303", "externalRef must be a string")),
    };
    world
        .system_users
        .iter()
        .filter(|su| su.org == org && su.client_id == client_id)
        .find(|su| su.external_ref.as_deref() == external_ref)
        .cloned()
        .ok_or_else(|| {
            invalid(
                "MP-303",
                &format!(
                    "No system user for organisation {org} matches the request for this client"
                ),
            )
        })
}

fn check_x5c(world: &World, client: &Client, x5c: &Value) -> Result<DecodingKey, GrantError> {
    let bad_header = || err("invalid_grant", "MP-123", "Invalid JWT header x5c");
    let invalid_cert = || {
        err(
            "invalid_grant",
            "MP-120",
            "Invalid assertion. Client authentication failed. JWT signed with an invalid certificate",
        )
    };
    let entries = x5c
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(bad_header)?;
    let ders: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| e.as_str().and_then(jwt::decode_x5c).ok_or_else(bad_header))
        .collect::<Result<_, _>>()?;
    let certs: Vec<X509Certificate<'_>> = ders
        .iter()
        .map(|d| {
            X509Certificate::from_der(d)
                .map(|(_, c)| c)
                .map_err(|_| bad_header())
        })
        .collect::<Result<_, _>>()?;
    let cas: Vec<Vec<u8>> = world
        .trusted_cas
        .iter()
        .filter_map(|pem| {
            x509_parser::pem::parse_x509_pem(pem.as_bytes())
                .ok()
                .map(|(_, p)| p.contents)
        })
        .collect();
    let cas: Vec<X509Certificate<'_>> = cas
        .iter()
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .collect();
    // Walk up from the leaf: each certificate must be valid now and signed by the next one in
    // x5c, or by a trusted CA, which ends the walk.
    let mut current = &certs[0];
    let mut next_idx = 1;
    loop {
        if !current.validity().is_valid() {
            return Err(invalid_cert());
        }
        if let Some(ca) = cas.iter().find(|ca| {
            ca.subject() == current.issuer()
                && current.verify_signature(Some(ca.public_key())).is_ok()
        }) {
            if !ca.validity().is_valid() {
                return Err(invalid_cert());
            }
            break;
        }
        let Some(parent) = certs.get(next_idx) else {
            return Err(invalid_cert());
        };
        if !parent.is_ca() || current.verify_signature(Some(parent.public_key())).is_err() {
            return Err(invalid_cert());
        }
        current = parent;
        next_idx += 1;
    }
    let leaf = &certs[0];
    let org = cert_org(leaf);
    if org.as_deref() != Some(client.org.as_str()) {
        return Err(err(
            "invalid_grant",
            "MP-122",
            "Invalid organization number for client. Does not match certificate orgno",
        ));
    }
    match leaf.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => Ok(
            DecodingKey::from_rsa_raw_components(strip_zero(rsa.modulus), strip_zero(rsa.exponent)),
        ),
        _ => Err(invalid_cert()),
    }
}

fn strip_zero(b: &[u8]) -> &[u8] {
    let mut b = b;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

/// The organisation number of an enterprise certificate: `organizationIdentifier`
/// (`NTRNO-<orgno>`, SEID 2.0) or, for older certificates, `serialNumber`.
fn cert_org(cert: &X509Certificate<'_>) -> Option<String> {
    let org_identifier = x509_parser::der_parser::oid!(2.5.4.97);
    for attr in cert.subject().iter_by_oid(&org_identifier) {
        if let Ok(v) = attr.as_str()
            && let Some(org) = v.strip_prefix("NTRNO-")
        {
            return Some(org.to_owned());
        }
    }
    let serial = x509_parser::der_parser::oid!(2.5.4.5);
    cert.subject()
        .iter_by_oid(&serial)
        .find_map(|a| a.as_str().ok().map(str::to_owned))
}

fn mint(s: &AppState, c: &Checked, lifetime: i64) -> String {
    let t = now();
    let aud = c
        .claims
        .get("resource")
        .map(|r| match r {
            Value::Array(a) if a.len() == 1 => a[0].clone(),
            other => other.clone(),
        })
        .unwrap_or_else(|| Value::String("unspecified".into()));
    let mut claims = json!({
        "iss": s.issuer(),
        "client_amr": c.amr,
        "token_type": "Bearer",
        "aud": aud,
        "scope": c.scope,
        "client_id": c.client.client_id,
        "consumer": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", c.consumer)},
        "iat": t,
        "exp": t + lifetime,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(m) = claims.as_object_mut() {
        if let Some((supplier, source)) = &c.supplier {
            m.insert(
                "supplier".into(),
                json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{supplier}")}),
            );
            m.insert("delegation_source".into(), Value::String(source.clone()));
        }
        if let Some(pid) = c.claims.get("pid") {
            m.insert("pid".into(), pid.clone());
        }
        if let Some(su) = &c.system_user {
            // The shape Maskinporten issues for system users (`shared/spec/maskinporten.md`
            // §1.7): the request's type and org, plus the resolved ids.
            m.insert(
                "authorization_details".into(),
                json!([{
                    "type": "urn:altinn:systemuser",
                    "systemuser_id": [su.id],
                    "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", su.org)},
                    "system_id": su.system_id,
                }]),
            );
        }
    }
    s.keys.sign(&claims)
}

/// Mints an access token as `/token` would, without a grant (a test helper).
pub(crate) fn mint_access_token(
    s: &AppState,
    client_id: &str,
    org: &str,
    scope: &str,
    exp: i64,
) -> String {
    let t = now();
    let claims = json!({
        "iss": s.issuer(),
        "client_amr": "private_key_jwt",
        "token_type": "Bearer",
        "aud": "unspecified",
        "scope": scope,
        "client_id": client_id,
        "consumer": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")},
        "iat": t.min(exp),
        "exp": exp,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    s.keys.sign(&claims)
}

/// Verifies a Maskinporten access token as the token exchange does: signature with the
/// mock's key, issuer, expiry with the configured skew, and a `consumer` org number. The
/// signature and claims are cached per token; expiry is checked on every call.
pub(crate) fn verify_access_token(
    s: &AppState,
    token: &str,
    skew: i64,
) -> Option<Arc<MaskinportenIdentity>> {
    let id = match s.cached_mp(token) {
        Some(id) => id,
        None => {
            let parsed = jwt::parse(token)?;
            if parsed.header.get("alg").and_then(Value::as_str) != Some("RS256") {
                return None;
            }
            if !jwt::verify(&parsed, &s.keys.decoding, jsonwebtoken::Algorithm::RS256) {
                return None;
            }
            if parsed.claims.get("iss").and_then(Value::as_str) != Some(s.issuer().as_str()) {
                return None;
            }
            let exp = parsed.claims.get("exp").and_then(Value::as_i64)?;
            let id = Arc::new(MaskinportenIdentity {
                exp,
                claims: parsed.claims,
            });
            s.cache_mp(token, id.clone());
            id
        }
    };
    (id.exp + skew >= now()).then_some(id)
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
