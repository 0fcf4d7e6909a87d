//! The Maskinporten fake: metadata, JWKS and the JWT-bearer token endpoint
//! (`shared/spec/maskinporten.md` §1). The grant checks are in [`grant`]; this module holds
//! the HTTP side, the replay store (the fake's private state) and the token minting.

mod grant;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    shared::{Core, Reset, routes::Endpoint, tokens::access::org_claim},
    world::World,
};

use self::grant::{Checked, GrantError, check_grant, err};

/// The JWT-bearer grant type.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The fake's private state: grants already spent, by replay key, with the time (Unix
/// seconds on the mock's clock) until which each is remembered.
#[derive(Default)]
pub(crate) struct Replays {
    spent: Mutex<HashMap<String, i64>>,
}

impl Reset for Replays {
    fn reset(&self) {
        self.spent.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// What the handlers share.
#[derive(Clone)]
struct Ctx {
    core: Arc<Core>,
    replays: Arc<Replays>,
}

/// The Maskinporten routes.
pub(crate) fn router(core: Arc<Core>, replays: Arc<Replays>) -> Router {
    Router::new()
        .route(&Endpoint::WellKnown.router_path(), get(well_known))
        .route(&Endpoint::Jwk.router_path(), get(jwks))
        .route(&Endpoint::Token.router_path(), post(token))
        .with_state(Ctx { core, replays })
}

impl GrantError {
    /// Maskinporten's JSON error, with a fresh trace id.
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
async fn well_known(State(ctx): State<Ctx>) -> Response {
    let s = &ctx.core;
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
async fn jwks(State(ctx): State<Ctx>) -> Response {
    Json(json!({ "keys": [ctx.core.keys.jwk.clone()] })).into_response()
}

/// `POST /token`.
async fn token(State(ctx): State<Ctx>, headers: HeaderMap, body: String) -> Response {
    let issuer = ctx.core.issuer();
    match issue(&ctx, &headers, &body) {
        Ok(body) => {
            let mut resp = Json(body).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => e.into_response(&issuer),
    }
}

fn issue(ctx: &Ctx, headers: &HeaderMap, body: &str) -> Result<Value, GrantError> {
    let s = &ctx.core;
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
    let world = World::clone(&s.world.read());
    let checked = check_grant(&world, &s.issuer(), s.clock.now(), &assertion)?;
    // A grant is spent only once everything else holds, so a refused grant can be fixed and
    // sent again with the same jti.
    // Keyed on the grant as parsed (its issuer and jti, or without a jti its claims as
    // canonical JSON), never on its text, so a grant re-sent in another textual form is still
    // the same grant.
    let replay_key = match checked.claims.get("jti") {
        Some(Value::String(j)) => format!("jti:{}:{j}", checked.client.client_id),
        _ => {
            let canonical = serde_json::to_vec(&checked.claims).unwrap_or_default();
            format!(
                "claims:{}:{:x}",
                checked.client.client_id,
                Sha256::digest(&canonical)
            )
        }
    };
    {
        let mut replay = ctx.replays.spent.lock().unwrap_or_else(|e| e.into_inner());
        let t = s.now();
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

/// Mints the access token for a checked grant: issued now on the mock's clock, expiring
/// `lifetime` seconds later.
fn mint(s: &Core, c: &Checked, lifetime: i64) -> String {
    let t = s.now();
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
        "consumer": org_claim(&c.consumer),
        "iat": t,
        "exp": t + lifetime,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if let Some(m) = claims.as_object_mut() {
        if let Some((supplier, source)) = &c.supplier {
            m.insert("supplier".into(), org_claim(supplier));
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
