//! The HTTP side of the Altinn 3 fake: the handlers read the request, authenticate and
//! authorize it ([`super::auth`]), call the world's rules ([`super::read`],
//! [`super::write`], [`super::meta`]) and answer. This is the only place a [`Refusal`]
//! becomes a response: an empty 401/403, ASP.NET's binding problem, or a ProblemDetails
//! body as `application/problem+json`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use crate::{
    shared::{
        Core, Reset,
        credentials::bearer,
        indexed::IndexedWorld,
        tokens::{TokenCache, altinn::AltinnIdentity},
    },
    world::World,
};

use super::{
    auth::{self, Policy},
    meta,
    query::Query,
    read,
    refusal::Refusal,
    write::{self, LookupCounter},
};

/// The fake's private state: the Altinn tokens already verified, and the failed person
/// lookups of E3 by authenticated user id (Unix seconds on the mock's clock).
#[derive(Default)]
pub(crate) struct Altinn3State {
    altinn_tokens: TokenCache<AltinnIdentity>,
    lookups: Mutex<HashMap<u64, Vec<i64>>>,
    listings: ListingCache,
}

/// Encoded answers of E2 and E17 by endpoint and query string, each with the world version it was made from.
/// E2 lists every right holder of an organisation, and building that JSON for each request
/// costs far more than the lookup; a cached body stays valid exactly as long as the world
/// is unchanged, since every change bumps the version ([`IndexedWorld::version`]).
/// Authorization is still checked on every request: only the body is reused.
#[derive(Default)]
struct ListingCache {
    bodies: std::sync::RwLock<HashMap<String, (u64, Bytes)>>,
}

impl ListingCache {
    /// Past this many distinct queries the cache starts over, so it cannot grow without
    /// bound under a stream of different queries.
    const MAX_ENTRIES: usize = 1024;

    fn get(&self, query: &str, version: u64) -> Option<Bytes> {
        let bodies = self.bodies.read().unwrap_or_else(|e| e.into_inner());
        match bodies.get(query) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    fn put(&self, query: &str, version: u64, body: Bytes) {
        let mut bodies = self.bodies.write().unwrap_or_else(|e| e.into_inner());
        if bodies.len() >= Self::MAX_ENTRIES && !bodies.contains_key(query) {
            bodies.clear();
        }
        bodies.insert(query.to_owned(), (version, body));
    }
}

impl Reset for Altinn3State {
    fn reset(&self) {
        self.lookups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.listings
            .bodies
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl LookupCounter for Altinn3State {
    fn failures(&self, user: u64, now: i64, window: i64) -> u32 {
        let mut all = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        let times = all.entry(user).or_default();
        times.retain(|t| *t > now - window);
        times.len() as u32
    }

    fn fail(&self, user: u64, now: i64) {
        self.lookups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(user)
            .or_default()
            .push(now);
    }
}

/// What the handlers share.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) core: Arc<Core>,
    pub(super) state: Arc<Altinn3State>,
}

fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-01", &b[..16])
}

fn problem_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            "application/problem+json; charset=utf-8",
        )],
        body.to_string(),
    )
        .into_response()
}

/// The answer to a refusal.
pub(super) fn refuse(refusal: &Refusal) -> Response {
    let status = refusal.status();
    match refusal {
        Refusal::Unauthenticated | Refusal::Forbidden | Refusal::NotFound => status.into_response(),
        Refusal::UnknownUserType => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            "\"Unknown user type\"",
        )
            .into_response(),
        Refusal::Binding { field, message } => problem_response(
            status,
            json!({
                "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                "title": "One or more validation errors occurred.",
                "status": 400,
                "errors": {*field: [message]},
                "traceId": trace_id(),
            }),
        ),
        Refusal::TooManyLookups => problem_response(
            status,
            json!({"status": 429, "detail": refusal.to_string(), "code": refusal.code()}),
        ),
        _ => {
            let mut body = Map::new();
            body.insert(
                "type".into(),
                "https://tools.ietf.org/html/rfc9110#section-15.5.1".into(),
            );
            body.insert("title".into(), "Bad Request".into());
            body.insert("status".into(), status.as_u16().into());
            body.insert("detail".into(), refusal.to_string().into());
            body.insert("code".into(), refusal.code().unwrap_or_default().into());
            if let Refusal::Invalid(items) = refusal {
                let items: Vec<Value> = items
                    .iter()
                    .map(|i| {
                        let mut m = Map::new();
                        m.insert("code".into(), i.code.into());
                        m.insert("detail".into(), i.detail.into());
                        m.insert("paths".into(), json!(i.paths));
                        for (k, v) in &i.extensions {
                            m.insert(k.clone(), v.clone().into());
                        }
                        Value::Object(m)
                    })
                    .collect();
                body.insert("validationErrors".into(), Value::Array(items));
            }
            if let Refusal::InvalidResource(r) = refusal {
                body.insert("resource".into(), r.clone().into());
            }
            body.insert("traceId".into(), trace_id().into());
            problem_response(status, Value::Object(body))
        }
    }
}

fn json_ok(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

impl Ctx {
    fn identity(&self, headers: &HeaderMap) -> Result<Arc<AltinnIdentity>, Refusal> {
        auth::authenticate(&self.core, &self.state.altinn_tokens, bearer(headers))
    }

    /// A read: authenticate, authorize, run the rule on the world.
    fn read(
        &self,
        headers: &HeaderMap,
        raw: Option<&str>,
        policy: Policy,
        rule: impl FnOnce(&World, &AltinnIdentity, &Query) -> Result<Value, Refusal>,
    ) -> Response {
        let q = Query::parse(raw);
        let result = self.identity(headers).and_then(|id| {
            let world = self.core.world.read();
            auth::authorize(&world, &id, policy, &q)?;
            rule(&world, &id, &q)
        });
        match result {
            Ok(body) => json_ok(StatusCode::OK, &body),
            Err(r) => refuse(&r),
        }
    }

    /// Like [`Ctx::read`] for a rule whose answer depends only on the world and the query
    /// (not on who asks): the encoded body is reused until the world changes.
    /// `endpoint` keeps the answers of different endpoints apart in the cache.
    fn read_cached(
        &self,
        headers: &HeaderMap,
        raw: Option<&str>,
        endpoint: &str,
        policy: Policy,
        rule: impl FnOnce(&World, &Query) -> Result<Value, Refusal>,
    ) -> Response {
        let q = Query::parse(raw);
        let key = format!("{endpoint}?{}", raw.unwrap_or_default());
        let key = key.as_str();
        let result = self.identity(headers).and_then(|id| {
            let world = self.core.world.read();
            auth::authorize(&world, &id, policy, &q)?;
            let version = world.version();
            if let Some(body) = self.state.listings.get(key, version) {
                return Ok(body);
            }
            let body = Bytes::from(rule(&world, &q)?.to_string());
            self.state.listings.put(key, version, body.clone());
            Ok(body)
        });
        match result {
            Ok(body) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                body,
            )
                .into_response(),
            Err(r) => refuse(&r),
        }
    }

    /// A change: authenticate, then authorize and run the rule under the world's lock, and
    /// persist before answering.
    async fn write<T>(
        &self,
        headers: &HeaderMap,
        raw: Option<&str>,
        policy: Policy,
        rule: impl FnOnce(&mut IndexedWorld, &AltinnIdentity, &Query) -> Result<T, Refusal>,
        answer: impl FnOnce(T) -> Response,
    ) -> Response {
        let q = Query::parse(raw);
        let id = match self.identity(headers) {
            Ok(id) => id,
            Err(r) => return refuse(&r),
        };
        let (result, pending) = self.core.world.change(|w| {
            auth::authorize(w, &id, policy, &q)?;
            rule(w, &id, &q)
        });
        self.core.world.persist(pending).await;
        match result {
            Ok(t) => answer(t),
            Err(r) => refuse(&r),
        }
    }
}

fn caller(id: &AltinnIdentity) -> Result<uuid::Uuid, Refusal> {
    auth::caller(id).ok_or(Refusal::Forbidden)
}

fn no_content(_: ()) -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Whether the caller asked for English (`Accept-Language: en…`).
fn english(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("en"))
}

/// E1.
pub(super) async fn authorized_parties(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read(
        &headers,
        raw.as_deref(),
        Policy::AuthorizedParties,
        |w, id, q| read::authorized_parties(w, id.user_id, auth::caller(id), q),
    )
}

/// E2.
pub(super) async fn get_connections(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read_cached(
        &headers,
        raw.as_deref(),
        "E2",
        Policy::BidirRead,
        read::connections,
    )
}

/// E17.
pub(super) async fn get_users(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read_cached(
        &headers,
        raw.as_deref(),
        "E17",
        Policy::WriteToOthers,
        read::users,
    )
}

/// E3.
pub(super) async fn post_connections(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let now = ctx.core.now();
    let state = ctx.state.clone();
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::WriteToOthers,
        |w, id, q| write::add_rightholder(w, q, &body, id.user_id, now, state.as_ref()),
        |v| json_ok(StatusCode::OK, &v),
    )
    .await
}

/// E4.
pub(super) async fn delete_connections(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::BidirWrite,
        |w, _, q| write::remove_rightholder(w, q),
        no_content,
    )
    .await
}

/// E5.
pub(super) async fn get_packages(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read(&headers, raw.as_deref(), Policy::BidirRead, |w, _, q| {
        read::packages(w, q)
    })
}

/// E6.
pub(super) async fn post_packages(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::WriteToOthers,
        |w, id, q| write::give_package(w, q, caller(id)?),
        |v| json_ok(StatusCode::OK, &v),
    )
    .await
}

/// E7.
pub(super) async fn delete_packages(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::BidirWrite,
        |w, _, q| write::remove_package(w, q),
        no_content,
    )
    .await
}

/// E8.
pub(super) async fn package_check(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read(
        &headers,
        raw.as_deref(),
        Policy::WriteToOthers,
        |w, id, q| read::package_delegation_check(w, caller(id)?, q),
    )
}

/// E9.
pub(super) async fn get_resources(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read(&headers, raw.as_deref(), Policy::BidirRead, |w, _, q| {
        read::resources(w, q)
    })
}

/// E14.
pub(super) async fn delete_resources(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::BidirWrite,
        |w, _, q| write::remove_resource(w, q),
        no_content,
    )
    .await
}

/// E10.
pub(super) async fn get_rights(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read(&headers, raw.as_deref(), Policy::BidirRead, |w, _, q| {
        read::resource_rights(w, q)
    })
}

/// E12.
pub(super) async fn post_rights(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::WriteToOthers,
        |w, id, q| write::set_rights(w, q, &body, caller(id)?, false),
        |()| StatusCode::CREATED.into_response(),
    )
    .await
}

/// E13.
pub(super) async fn put_rights(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::WriteToOthers,
        |w, id, q| write::set_rights(w, q, &body, caller(id)?, true),
        |()| StatusCode::OK.into_response(),
    )
    .await
}

/// E11.
pub(super) async fn resource_check(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let en = english(&headers);
    ctx.read(
        &headers,
        raw.as_deref(),
        Policy::WriteToOthers,
        |w, id, q| read::resource_delegation_check(w, caller(id)?, q, en),
    )
}

/// E15.
pub(super) async fn get_roles(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.read(&headers, raw.as_deref(), Policy::BidirRead, |w, _, q| {
        read::roles(w, q)
    })
}

/// E16.
pub(super) async fn delete_roles(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    ctx.write(
        &headers,
        raw.as_deref(),
        Policy::BidirWrite,
        |w, _, q| write::remove_role(w, q),
        no_content,
    )
    .await
}

/// The metadata API: no authorization.
fn meta_answer(result: Result<Value, Refusal>) -> Response {
    match result {
        Ok(v) => json_ok(StatusCode::OK, &v),
        Err(r) => refuse(&r),
    }
}

/// `GET meta/info/accesspackages/search`.
pub(super) async fn meta_search(State(ctx): State<Ctx>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    meta_answer(Ok(meta::search(&ctx.core.world.read(), &q)))
}

/// `GET meta/info/accesspackages/export`.
pub(super) async fn meta_export(State(ctx): State<Ctx>) -> Response {
    meta_answer(Ok(meta::export(&ctx.core.world.read())))
}

/// `GET meta/info/accesspackages/package/{id}`.
pub(super) async fn meta_package(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    meta_answer(meta::package(&ctx.core.world.read(), &id))
}

/// `GET meta/info/accesspackages/package/urn/{urnValue}`.
pub(super) async fn meta_package_urn(State(ctx): State<Ctx>, Path(urn): Path<String>) -> Response {
    meta_answer(meta::package(&ctx.core.world.read(), &urn))
}

/// `GET meta/info/accesspackages/package/{id}/resources`.
pub(super) async fn meta_package_resources(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> Response {
    meta_answer(meta::package_resources(&ctx.core.world.read(), &id))
}

/// `GET meta/info/accesspackages/area/{id}`.
pub(super) async fn meta_area(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    meta_answer(meta::area(&ctx.core.world.read(), &id, false))
}

/// `GET meta/info/accesspackages/area/{id}/packages`.
pub(super) async fn meta_area_packages(State(ctx): State<Ctx>, Path(id): Path<String>) -> Response {
    meta_answer(meta::area(&ctx.core.world.read(), &id, true))
}
