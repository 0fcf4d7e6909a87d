//! Inspection and control under `/_mock/`: reset, state, request log, counters, faults and
//! token minting, for the binary and for tests written in other languages.
//!
//! Everything here works on the shared layer ([`Core`]); a reset reaches the fakes' private
//! state through the hooks the server registered with it.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;

use crate::{
    shared::{
        Core,
        faults::Faults,
        tokens::{access, altinn},
    },
    world::World,
};

type AppState = Arc<Core>;

/// The routes under `/_mock/` (the caller nests them there).
pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/reset", post(reset))
        .route("/state", get(state).put(put_state))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/counters", get(counters))
        .route("/faults", get(faults).put(put_faults).delete(clear_faults))
        .route("/altinn-token", post(altinn_token))
        .route("/access-token", post(access_token))
        .route("/clock", get(clock).put(set_clock))
        .route("/clock/advance", post(advance_clock))
        .route("/systemuser/requests/{id}/approve", post(approve_request))
        .route("/systemuser/requests/{id}/reject", post(reject_request))
        .with_state(core)
}

async fn reset(State(s): State<AppState>) -> StatusCode {
    s.reset();
    StatusCode::NO_CONTENT
}

async fn state(State(s): State<AppState>) -> Response {
    Json(World::clone(&s.world.read())).into_response()
}

fn bad(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

async fn put_state(State(s): State<AppState>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body);
    let world = match World::from_json(&text) {
        Ok(w) => w,
        Err(e) => return bad(format!("not a JSON world: {e}")),
    };
    if let Err(e) = world.check() {
        return bad(e.to_string());
    }
    s.world.replace(world);
    StatusCode::NO_CONTENT.into_response()
}

async fn requests(State(s): State<AppState>) -> Response {
    Json(s.log.snapshot()).into_response()
}

async fn clear_requests(State(s): State<AppState>) -> StatusCode {
    s.log.clear();
    StatusCode::NO_CONTENT
}

async fn counters(State(s): State<AppState>) -> Response {
    Json(s.counters.snapshot()).into_response()
}

async fn faults(State(s): State<AppState>) -> Response {
    Json(s.faults.get()).into_response()
}

async fn put_faults(State(s): State<AppState>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            s.faults.set(f);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(format!("not a fault configuration: {e}")),
    }
}

async fn clear_faults(State(s): State<AppState>) -> StatusCode {
    s.faults.set(Faults::default());
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintAltinn {
    #[serde(default)]
    user: Option<String>,
    org: String,
    #[serde(default)]
    scopes: Vec<String>,
    /// Unix seconds; may be in the past.
    expires_at: i64,
}

async fn altinn_token(State(s): State<AppState>, body: Bytes) -> Response {
    let req: MintAltinn = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(format!("expected {{user?, org, scopes, expires_at}}: {e}")),
    };
    let scopes: Vec<&str> = req.scopes.iter().map(String::as_str).collect();
    altinn::mint_for(&s, req.user.as_deref(), &req.org, &scopes, req.expires_at).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MintAccess {
    client_id: String,
    org: String,
    #[serde(default)]
    scopes: Vec<String>,
    expires_at: i64,
}

async fn access_token(State(s): State<AppState>, body: Bytes) -> Response {
    let req: MintAccess = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad(format!(
                "expected {{client_id, org, scopes, expires_at}}: {e}"
            ));
        }
    };
    access::mint(
        &s,
        &req.client_id,
        &req.org,
        &req.scopes.join(" "),
        req.expires_at,
    )
    .into_response()
}

/// The clock as `/_mock/clock` shows it and takes it.
#[derive(serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockTime {
    /// Unix milliseconds.
    unix_ms: i64,
    /// Whether the clock stands still between moves (read only).
    #[serde(default, skip_deserializing)]
    manual: bool,
}

async fn clock(State(s): State<AppState>) -> Response {
    let now = s.clock.now();
    let unix_ms = match now.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    };
    Json(ClockTime {
        unix_ms,
        manual: s.clock.is_manual(),
    })
    .into_response()
}

async fn set_clock(State(s): State<AppState>, body: Bytes) -> Response {
    let req: ClockTime = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(format!("expected {{unix_ms}}: {e}")),
    };
    let offset = std::time::Duration::from_millis(req.unix_ms.unsigned_abs());
    let at = if req.unix_ms >= 0 {
        std::time::UNIX_EPOCH.checked_add(offset)
    } else {
        std::time::UNIX_EPOCH.checked_sub(offset)
    };
    match at {
        Some(at) => {
            s.clock.set(at);
            StatusCode::NO_CONTENT.into_response()
        }
        None => bad(format!(
            "{} ms is not a time this system can hold",
            req.unix_ms
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    /// Milliseconds to move forward.
    ms: u64,
}

async fn advance_clock(State(s): State<AppState>, body: Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(a) => {
            s.clock.advance(std::time::Duration::from_millis(a.ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(format!("expected {{ms}}: {e}")),
    }
}

/// The answer to a system-user request the customer's approver acted on: 404 for an unknown
/// request, 409 for one that is no longer `New` or cannot be approved (the reason as text).
fn approval_refused(e: &crate::world::altinn3::ApprovalError) -> Response {
    use crate::world::altinn3::ApprovalError;
    let status = match e {
        ApprovalError::UnknownRequest(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::CONFLICT,
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        e.to_string(),
    )
        .into_response()
}

/// `POST /_mock/systemuser/requests/{id}/approve`: acts as the customer's approver: creates
/// the system user and gives it the request's packages (200 `{"systemUserId"}`).
async fn approve_request(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return bad(format!("{id} is not a request id"));
    };
    let now = s.now();
    match s.world.update(|w| w.approve_system_user_request(id, now)) {
        Ok(su) => Json(serde_json::json!({"systemUserId": su})).into_response(),
        Err(e) => approval_refused(&e),
    }
}

/// `POST /_mock/systemuser/requests/{id}/reject`: the customer's approver rejects (204).
async fn reject_request(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return bad(format!("{id} is not a request id"));
    };
    let now = s.now();
    match s.world.update(|w| w.reject_system_user_request(id, now)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => approval_refused(&e),
    }
}
