//! The JWT-bearer grant checks (`shared/spec/maskinporten.md` §1.2–§1.4), in the order the
//! README gives: structure, `alg`, header fields, client, key selection, signature, then
//! claims. They read the world and the mock's clock and answer a [`GrantError`]; the handler
//! turns that into Maskinporten's JSON error.

use std::time::SystemTime;

use axum::http::StatusCode;
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};
use x509_parser::prelude::{ASN1Time, FromDer, X509Certificate};

use crate::{
    jwt,
    shared::clock::unix,
    world::{Client, SystemUser, World},
};

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
#[derive(Debug, thiserror::Error)]
#[error("{error} ({code}): {description}")]
pub(super) struct GrantError {
    pub(super) status: StatusCode,
    pub(super) error: &'static str,
    pub(super) code: &'static str,
    pub(super) description: String,
}

/// A 400 refusal.
pub(super) fn err(
    error: &'static str,
    code: &'static str,
    description: impl Into<String>,
) -> GrantError {
    GrantError {
        status: StatusCode::BAD_REQUEST,
        error,
        code,
        description: description.into(),
    }
}

/// A grant that passed every check: what the token is minted from.
pub(super) struct Checked {
    pub(super) client: Client,
    pub(super) claims: Map<String, Value>,
    pub(super) scope: String,
    pub(super) exp: i64,
    pub(super) amr: &'static str,
    pub(super) consumer: String,
    pub(super) supplier: Option<(String, String)>,
    pub(super) system_user: Option<SystemUser>,
}

/// Checks a grant against the world at `now` on the mock's clock. `issuer` is the required
/// `aud`. The replay check is the caller's, after everything here passed.
pub(super) fn check_grant(
    world: &World,
    issuer: &str,
    now: SystemTime,
    assertion: &str,
) -> Result<Checked, GrantError> {
    let invalid_value = || {
        err(
            "invalid_request",
            "MP-011",
            "Invalid assertion. Invalid parameter value",
        )
    };
    // The grant as parsed, not as sent: surrounding whitespace is dropped and the signature
    // is read in any base64 form, so one signed grant is one grant whatever its text.
    let (normalised, alg_name) = normalise(assertion).ok_or_else(invalid_value)?;
    let Some(alg) = jwt::rsa_alg(&alg_name) else {
        return Err(err(
            "invalid_grant",
            "MP-124",
            format!(
                "Invalid JWT signature. Unsupported algorithm '{alg_name}'; use RS256, RS384 or RS512"
            ),
        ));
    };
    // An unsigned grant (no signature part, or an empty one) never verifies.
    let parsed = jwt::parse(&normalised)
        .ok_or_else(|| err("invalid_grant", "MP-124", "Invalid JWT signature"))?;
    let header = &parsed.header;
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
            if jwk.expires_at.is_some_and(|e| e < unix(now)) {
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
            (
                check_x5c(world, &client, x5c, now)?,
                "virksomhetssertifikat",
            )
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
        Some(Value::String(aud)) if aud == issuer => {}
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
    let t = unix(now);
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
        // An absolute URI, parsed (a scheme and a well-formed rest), not a prefix match.
        let ok = |v: &Value| v.as_str().is_some_and(is_absolute_uri);
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

/// Whether `text` is an absolute URI: it parses with a scheme, and an `http(s)` URI has a
/// host.
fn is_absolute_uri(text: &str) -> bool {
    match url::Url::parse(text) {
        Ok(u) => {
            !matches!(u.scheme(), "http" | "https") || u.host_str().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

/// A compact JWS as the checks read it: trimmed, three parts (an absent signature part
/// becomes an empty one), the signature re-encoded as unpadded base64url whatever base64
/// form it was sent in, and the header's `alg` (`none` when absent). `None` when the text is
/// not a JWS with a JSON header.
pub(super) fn normalise(assertion: &str) -> Option<(String, String)> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let token = assertion.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let (h, c, sig) = match parts.as_slice() {
        [h, c] => (*h, *c, ""),
        [h, c, s] => (*h, *c, *s),
        _ => return None,
    };
    let header: serde_json::Map<String, Value> =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_owned();
    let sig = if sig.is_empty() {
        String::new()
    } else {
        let canonical: String = sig
            .trim_end_matches('=')
            .chars()
            .map(|ch| match ch {
                '+' => '-',
                '/' => '_',
                other => other,
            })
            .collect();
        URL_SAFE_NO_PAD.encode(URL_SAFE_NO_PAD.decode(canonical).ok()?)
    };
    Some((format!("{h}.{c}.{sig}"), alg))
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
) -> Result<SystemUser, GrantError> {
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
        .filter(|su| su.org == org && world.client_may_use(su, client_id))
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

fn check_x5c(
    world: &World,
    client: &Client,
    x5c: &Value,
    now: SystemTime,
) -> Result<DecodingKey, GrantError> {
    // Certificate validity is judged on the mock's clock, like every other time check.
    let at = ASN1Time::from_timestamp(unix(now)).map_err(|_| {
        err(
            "invalid_grant",
            "MP-120",
            "Invalid assertion. Client authentication failed. JWT signed with an invalid certificate",
        )
    })?;
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
        if !current.validity().is_valid_at(at) {
            return Err(invalid_cert());
        }
        if let Some(ca) = cas.iter().find(|ca| {
            ca.subject() == current.issuer()
                && current.verify_signature(Some(ca.public_key())).is_ok()
        }) {
            if !ca.validity().is_valid_at(at) {
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
