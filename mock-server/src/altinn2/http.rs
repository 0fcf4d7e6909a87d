//! The HTTP side of the Altinn 2 fake: the handlers read the request, call the world's rules
//! ([`super::read`], [`super::write`]) and answer. This is the only place a [`Refusal`]
//! becomes a response: its status, its text as the reason phrase, an empty body, and a
//! `Location` for the login redirect.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tilgang_altinn2_wire::hal;

use crate::shared::{
    Core,
    credentials::bearer,
    tokens::{TokenCache, altinn::AltinnIdentity},
};

use super::{
    auth::{
        self, CONVERT_REPORTEE, Credentials, Need, READ_DELEGATIONS, READ_ROLES_AND_RIGHTS,
        WRITE_DELEGATIONS,
    },
    odata::Query,
    read::{self, View, language},
    refusal::Refusal,
    write::{self, Target},
};

/// The fake's private state: the Altinn tokens already verified.
#[derive(Default)]
pub(crate) struct Altinn2State {
    altinn_tokens: TokenCache<AltinnIdentity>,
}

/// What the handlers share.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) core: Arc<Core>,
    pub(super) state: Arc<Altinn2State>,
}

impl Ctx {
    fn authorize(&self, headers: &HeaderMap, need: &Need) -> Result<Arc<AltinnIdentity>, Refusal> {
        auth::authorize(
            &self.core,
            &self.state.altinn_tokens,
            credentials(headers),
            need,
        )
    }

    fn view<'a>(&'a self, who: &'a str, q: &Query) -> View<'a> {
        View {
            api: &self.core.base,
            who_segment: who,
            lcid: language(q),
        }
    }

    /// The answer to a refusal.
    fn refuse(&self, refusal: &Refusal) -> Response {
        let mut resp = fail(refusal.status(), &refusal.to_string());
        if *refusal == Refusal::LoginRequired {
            resp.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&format!("{}/ui/Authentication", self.core.base))
                    .unwrap_or(HeaderValue::from_static("/ui/Authentication")),
            );
        }
        resp
    }

    /// The response, or the answer to the refusal.
    fn answer(&self, result: Result<Response, Refusal>) -> Response {
        result.unwrap_or_else(|r| self.refuse(&r))
    }
}

/// The credentials as the rules want them. A header that is not visible ASCII counts as
/// absent for the API key, as ASP.NET's header binding does.
fn credentials(headers: &HeaderMap) -> Credentials<'_> {
    Credentials {
        api_key: headers.get("apikey").and_then(|v| v.to_str().ok()),
        has_authorization: headers.contains_key(header::AUTHORIZATION),
        bearer: bearer(headers),
    }
}

/// An error answer: status and reason phrase, no body.
fn fail(status: StatusCode, phrase: &str) -> Response {
    // Reason phrases may not hold control characters; replace them rather than lose the text.
    let clean: String = phrase
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut resp = status.into_response();
    if let Ok(p) = hyper::ext::ReasonPhrase::try_from(clean.into_bytes()) {
        resp.extensions_mut().insert(p);
    }
    resp
}

/// A HAL body, as `application/json` when the client asked for plain JSON only.
fn hal_response(headers: &HeaderMap, body: Vec<u8>) -> Response {
    let wants_plain_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("hal+json"));
    let ct = if wants_plain_json {
        "application/json; charset=utf-8"
    } else {
        "application/hal+json; charset=utf-8"
    };
    ([(header::CONTENT_TYPE, ct)], body).into_response()
}

/// Query parameters with lower-cased names (ASP.NET binds them case-insensitively).
fn query_map(raw: Option<&str>) -> Query {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// A body the codec refused.
fn invalid_body(e: hal::DecodeError) -> Refusal {
    Refusal::InvalidBody {
        message: e.message,
        path: e.path,
    }
}

/// Altinn's timestamp style: local time without offset, milliseconds (the mock uses UTC).
fn altinn_time(now: std::time::SystemTime) -> String {
    let t = time::OffsetDateTime::from(now);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `POST /api/reportees/ReporteeConversion`.
pub(super) async fn reportee_conversion(
    State(s): State<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.answer((|| {
        s.authorize(&headers, &CONVERT_REPORTEE)?;
        let req = hal::decode_reportee_conversion_request(&body).map_err(invalid_body)?;
        let reportee = read::convert_reportee(&s.core.world.read(), &req)?;
        Ok(hal_response(&headers, hal::encode_reportee(&reportee)))
    })())
}

/// `GET /api/{who}/authorization/Delegations`.
pub(super) async fn list_holders(
    State(s): State<Ctx>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.answer((|| {
        let id = s.authorize(&headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let page = read::right_holders(&s.core.world.read(), &s.view(&who, &q), &id, &q)?;
        Ok(hal_response(&headers, hal::encode_right_holders(&page)))
    })())
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}`.
pub(super) async fn get_holder(
    State(s): State<Ctx>,
    Path((who, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.answer((|| {
        let id = s.authorize(&headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let holder = read::right_holder(&s.core.world.read(), &s.view(&who, &q), &id, &rid, &q)?;
        Ok(hal_response(&headers, hal::encode_right_holder(&holder)))
    })())
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}/rights`.
pub(super) async fn get_holder_rights(
    State(s): State<Ctx>,
    Path((who, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.answer((|| {
        let id = s.authorize(&headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let page = read::holder_rights(&s.core.world.read(), &s.view(&who, &q), &id, &rid, &q)?;
        Ok(hal_response(&headers, hal::encode_rights(&page)))
    })())
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}/roles`.
pub(super) async fn get_holder_roles(
    State(s): State<Ctx>,
    Path((who, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.answer((|| {
        let id = s.authorize(&headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let page = read::holder_role_page(&s.core.world.read(), &s.view(&who, &q), &id, &rid, &q)?;
        Ok(hal_response(&headers, hal::encode_roles(&page)))
    })())
}

/// `GET /api/{who}/authorization/rights`: the authenticated user's rights for `{who}`.
pub(super) async fn my_rights(
    State(s): State<Ctx>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.answer((|| {
        let id = s.authorize(&headers, &READ_ROLES_AND_RIGHTS)?;
        let q = query_map(q.as_deref());
        let page = read::own_rights(&s.core.world.read(), &s.view(&who, &q), &id, &q)?;
        Ok(hal_response(&headers, hal::encode_rights(&page)))
    })())
}

/// `GET /api/{who}/authorization/roles`: the authenticated user's roles for `{who}`.
pub(super) async fn my_roles(
    State(s): State<Ctx>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.answer((|| {
        let id = s.authorize(&headers, &READ_ROLES_AND_RIGHTS)?;
        let q = query_map(q.as_deref());
        let page = read::own_roles(&s.core.world.read(), &s.view(&who, &q), &id, &q)?;
        Ok(hal_response(&headers, hal::encode_roles(&page)))
    })())
}

/// `POST /api/{who}/authorization/Delegations`: 201 with an empty body.
pub(super) async fn post_delegation(
    State(s): State<Ctx>,
    Path(who): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (result, pending) = delegate(&s, &who, &headers, &body);
    // The change is acknowledged only once the state file (if any) holds it.
    s.core.world.persist(pending).await;
    s.answer(result.map(|()| StatusCode::CREATED.into_response()))
}

/// Carries out a delegation: the outcome, and the world version to persist if it changed.
fn delegate(
    s: &Ctx,
    who: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> (Result<(), Refusal>, Option<u64>) {
    let checked = (|| {
        let id = s.authorize(headers, &WRITE_DELEGATIONS)?;
        let request = hal::decode_delegation_request(body).map_err(invalid_body)?;
        Ok((id, request))
    })();
    let (id, request) = match checked {
        Ok(c) => c,
        Err(r) => return (Err(r), None),
    };
    let delegated_at = altinn_time(s.core.clock.now());
    s.core.world.change(|world| {
        let plan = write::plan_delegation(world, who, &id, &request)?;
        write::apply_delegation(world, plan, &delegated_at);
        Ok(())
    })
}

/// `DELETE /api/{who}/authorization/Delegations/{receiverId}/rights/{authzRuleId}`.
pub(super) async fn delete_right(
    State(s): State<Ctx>,
    Path((who, rid, rule)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (result, pending) = delete(&s, &headers, &who, &rid, Target::Right(&rule));
    s.core.world.persist(pending).await;
    s.answer(result)
}

/// `DELETE /api/{who}/authorization/Delegations/{receiverId}/roles/{roleId}`.
pub(super) async fn delete_role(
    State(s): State<Ctx>,
    Path((who, rid, role)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (result, pending) = delete(&s, &headers, &who, &rid, Target::Role(&role));
    s.core.world.persist(pending).await;
    s.answer(result)
}

/// `DELETE /api/{who}/authorization/Delegations?receiverId=…&authzRuleId=…` (or `roleId=…`).
pub(super) async fn delete_by_query(
    State(s): State<Ctx>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let q = query_map(q.as_deref());
    let rid = q.get("receiverid").cloned().unwrap_or_default();
    let (result, pending) = match (q.get("authzruleid"), q.get("roleid")) {
        (Some(rule), None) => delete(&s, &headers, &who, &rid, Target::Right(rule)),
        (None, Some(role)) => delete(&s, &headers, &who, &rid, Target::Role(role)),
        _ => (
            s.authorize(&headers, &WRITE_DELEGATIONS)
                .and(Err(Refusal::DeleteTargetMissing)),
            None,
        ),
    };
    s.core.world.persist(pending).await;
    s.answer(result)
}

/// Carries out a deletion: 204 or the refusal, and the world version to persist if it
/// changed.
fn delete(
    s: &Ctx,
    headers: &HeaderMap,
    who: &str,
    rid: &str,
    target: Target<'_>,
) -> (Result<Response, Refusal>, Option<u64>) {
    let id = match s.authorize(headers, &WRITE_DELEGATIONS) {
        Ok(id) => id,
        Err(r) => return (Err(r), None),
    };
    let (result, pending) = s
        .core
        .world
        .change(|world| write::delete(world, who, &id, rid, target));
    (
        result.map(|()| StatusCode::NO_CONTENT.into_response()),
        pending,
    )
}

/// `GET /ui/Authentication`: the login page a browser-like request is sent to.
pub(super) async fn login_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Altinn - Logg inn</title></head><body><h1>Logg inn</h1><p>This is the tilgang mock's stand-in for the Altinn login page. API clients must send a Bearer token.</p></body></html>",
    )
        .into_response()
}
