//! The Altinn token exchange fake (`shared/spec/maskinporten.md` §2,
//! `shared/spec/altinn2-rest.md` §3.2): a Maskinporten token (plus, optionally, enterprise-user
//! credentials) in, an Altinn JWT out.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;

use crate::{
    shared::{
        Core, Reset,
        credentials::{ENTERPRISE_USER_HEADER, bearer},
        routes::Endpoint,
        tokens::{
            TokenCache,
            access::{self, AccessIdentity},
            altinn,
        },
    },
    world::EnterpriseUser,
};

/// Failed enterprise-user logins of one user name.
#[derive(Debug, Clone, Default)]
struct Lockout {
    failures: u32,
    /// Unix seconds on the mock's clock until which every login of the name is refused.
    locked_until: i64,
}

/// The fake's private state: login failures and lockouts by lower-cased user name, and the
/// Maskinporten tokens already verified.
#[derive(Default)]
pub(crate) struct ExchangeState {
    lockouts: Mutex<HashMap<String, Lockout>>,
    access_tokens: TokenCache<AccessIdentity>,
}

impl Reset for ExchangeState {
    fn reset(&self) {
        self.lockouts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// What the handler shares.
#[derive(Clone)]
struct Ctx {
    core: Arc<Core>,
    state: Arc<ExchangeState>,
}

/// The exchange route.
pub(crate) fn router(core: Arc<Core>, state: Arc<ExchangeState>) -> Router {
    Router::new()
        .route(&Endpoint::Exchange.router_path(), get(exchange))
        .with_state(Ctx { core, state })
}

/// The text Altinn answers a wrong enterprise-user name or password with.
pub const WRONG_PASSWORD_TEXT: &str =
    "The user either does not exist or the password is incorrect.";

const PROVIDERS: &[&str] = &["maskinporten", "id-porten", "altinnstudio"];

/// `GET /authentication/api/v1/exchange/{provider}`.
async fn exchange(
    State(ctx): State<Ctx>,
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
    let s = &ctx.core;
    let settings = s.world.read().settings.clone();
    let Some(mp) = access::verify(
        s,
        &ctx.state.access_tokens,
        token,
        settings.exchange_clock_skew_secs as i64,
    ) else {
        return unauthorized();
    };
    let Some(org) = access::consumer_org(&mp.claims) else {
        return unauthorized();
    };
    let user = match headers.get(ENTERPRISE_USER_HEADER) {
        None => None,
        Some(value) => {
            if settings.enterprise_user_gone {
                return gone();
            }
            match enterprise_login(&ctx, value, &org) {
                Ok(user) => Some(user),
                Err(resp) => return resp,
            }
        }
    };
    let exp = s.now() + settings.altinn_token_lifetime_secs as i64;
    let token = altinn::mint(s, &mp.claims, user.as_ref(), &org, exp);
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

/// Checks enterprise-user credentials (base64 `name:password`) against the users of `org`,
/// counting failures towards a lockout on the mock's clock.
fn enterprise_login(ctx: &Ctx, value: &HeaderValue, org: &str) -> Result<EnterpriseUser, Response> {
    let bad_request = || StatusCode::BAD_REQUEST.into_response();
    let raw = STANDARD
        .decode(value.as_bytes().trim_ascii())
        .map_err(|_| bad_request())?;
    let text = String::from_utf8(raw).map_err(|_| bad_request())?;
    // Only the first colon splits: passwords may contain colons.
    let (name, password) = text.split_once(':').ok_or_else(bad_request)?;
    let world = ctx.core.world.read();
    let settings = world.settings.clone();
    let key = name.to_ascii_lowercase();
    let t = ctx.core.now();
    let mut lockouts = ctx.state.lockouts.lock().unwrap_or_else(|e| e.into_inner());
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
