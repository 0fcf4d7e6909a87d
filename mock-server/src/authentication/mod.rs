//! The Altinn Authentication fake's system-user onboarding (`shared/spec/altinn3-accessmanagement.md`
//! §5.5): the system register (a vendor registers its systems with the packages and rights
//! they need) and system-user requests (a vendor asks a customer for a system user; the
//! customer's approval is simulated through `/_mock/systemuser/requests/{id}/approve`).
//!
//! The vendor is the organisation of the exchanged Altinn token (`urn:altinn:orgNumber`, the
//! Maskinporten client's organisation). Rules answer a body or a typed [`Refusal`]; only
//! [`refuse`] turns one into a response.

use std::sync::Arc;

use axum::{
    Router,
    body::Bytes,
    extract::{OriginalUri, Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    shared::{
        Core,
        credentials::bearer,
        indexed::IndexedWorld,
        routes::Endpoint,
        tokens::{
            TokenCache,
            altinn::{self, AltinnIdentity},
        },
    },
    world::{
        World,
        altinn3::{SystemUserRequest, VendorSystem},
    },
};

const REGISTER_WRITE: &str = "altinn:authentication/systemregister.write";
const REQUEST_WRITE: &str = "altinn:authentication/systemuser.request.write";
const REQUEST_READ: &str = "altinn:authentication/systemuser.request.read";

/// Why the Authentication API refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// No valid token: 401, empty body.
    #[error("unauthenticated")]
    Unauthenticated,
    /// A scope is missing, or the vendor does not own the system: 403, empty body.
    #[error("forbidden")]
    Forbidden,
    /// AUTH-00023: the token names no vendor organisation.
    #[error("The token does not contain a vendor organization")]
    NoVendor,
    /// AUTH-00011 (404): no such system.
    #[error("The system id was not found")]
    SystemNotFound,
    /// AUTH-00052: a package is unknown or not assignable.
    #[error("One or more access packages are invalid: {0}")]
    InvalidPackages(String),
    /// AUTH-00004: a system user for this system, customer and reference exists.
    #[error("A system user already exists for this system, party and external reference")]
    SystemUserExists,
    /// A system id that is taken, or one that does not start with the vendor's number.
    #[error("{0}")]
    BadSystem(String),
    /// A body that is not the documented JSON.
    #[error("The request body is invalid: {0}")]
    BadBody(String),
    /// 404 without a code (requests and system users that do not exist).
    #[error("not found")]
    NotFound,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthenticated | Refusal::NoVendor => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden => StatusCode::FORBIDDEN,
            Refusal::SystemNotFound | Refusal::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> Option<&'static str> {
        Some(match self {
            Refusal::NoVendor => "AUTH-00023",
            Refusal::SystemNotFound => "AUTH-00011",
            Refusal::InvalidPackages(_) => "AUTH-00052",
            Refusal::SystemUserExists => "AUTH-00004",
            _ => return None,
        })
    }
}

/// The answer to a refusal: an empty body for 401/403/plain 404, ProblemDetails otherwise.
fn refuse(r: &Refusal) -> Response {
    let status = r.status();
    if matches!(
        r,
        Refusal::Unauthenticated | Refusal::Forbidden | Refusal::NotFound
    ) {
        return status.into_response();
    }
    let mut body = json!({
        "type": format!("urn:altinn:error:{}", r.code().unwrap_or("AUTH")),
        "title": r.to_string(),
        "status": status.as_u16(),
        "detail": r.to_string(),
    });
    if let Some(code) = r.code() {
        body["code"] = json!(code);
    }
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

/// The fake's private state: the Altinn tokens already verified.
#[derive(Default)]
struct AuthState {
    tokens: TokenCache<AltinnIdentity>,
}

#[derive(Clone)]
struct Ctx {
    core: Arc<Core>,
    state: Arc<AuthState>,
}

/// The onboarding routes.
pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route(
            &Endpoint::SystemRegister.router_path(),
            get(list_systems).post(register_system),
        )
        .route(
            &Endpoint::SystemRegisterSystem.router_path(),
            get(get_system).put(put_system).delete(delete_system),
        )
        .route(
            &Endpoint::SystemRegisterRights.router_path(),
            axum::routing::put(put_system_rights),
        )
        .route(
            &Endpoint::SystemRegisterPackages.router_path(),
            axum::routing::put(put_system_packages),
        )
        .route(
            &Endpoint::SystemUserRequests.router_path(),
            axum::routing::post(create_request),
        )
        .route(&Endpoint::SystemUserRequest.router_path(), get(get_request))
        .route(
            &Endpoint::SystemUserRequestByRef.router_path(),
            get(get_request_by_ref),
        )
        .route(
            &Endpoint::SystemUserRequestsBySystem.router_path(),
            get(get_requests_by_system),
        )
        .route(
            &Endpoint::SystemUserByQuery.router_path(),
            get(system_user_by_query),
        )
        .route(
            &Endpoint::SystemUsersBySystem.router_path(),
            get(system_users_by_system),
        )
        .with_state(Ctx {
            core,
            state: Arc::new(AuthState::default()),
        })
}

impl Ctx {
    /// The vendor of a token that carries `scope`.
    fn vendor(&self, headers: &HeaderMap, scope: &str) -> Result<String, Refusal> {
        let token = bearer(headers).ok_or(Refusal::Unauthenticated)?;
        let skew = self.core.world.read().settings.api_clock_skew_secs as i64;
        let id = altinn::verify(&self.core, &self.state.tokens, token, skew)
            .map_err(|_| Refusal::Unauthenticated)?;
        if !id.scopes.iter().any(|s| s == scope) {
            return Err(Refusal::Forbidden);
        }
        if id.org.len() != 9 {
            return Err(Refusal::NoVendor);
        }
        Ok(id.org.clone())
    }
}

fn ok_json(status: StatusCode, v: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        v.to_string(),
    )
        .into_response()
}

fn answer(r: Result<Value, Refusal>) -> Response {
    match r {
        Ok(v) => ok_json(StatusCode::OK, &v),
        Err(e) => refuse(&e),
    }
}

/// A registered system as `RegisteredSystemResponse`.
fn system_dto(s: &VendorSystem) -> Value {
    json!({
        "id": s.id,
        "systemId": s.id,
        "vendor": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", s.vendor)},
        "name": s.name,
        "description": s.description,
        "rights": s.rights,
        "accessPackages": s.access_packages.iter().map(|u| json!({"urn": u})).collect::<Vec<_>>(),
        "clientId": s.client_ids,
        "isVisible": s.is_visible,
        "isDeleted": s.deleted,
        "allowedRedirectUrls": s.allowed_redirect_urls,
    })
}

/// The package URNs of a body's `accessPackages: [{urn}]`, checked against the catalogue:
/// each must exist and be assignable.
fn packages_of(world: &World, v: Option<&Value>) -> Result<Vec<String>, Refusal> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for item in v.and_then(Value::as_array).into_iter().flatten() {
        let urn = item
            .get("urn")
            .or_else(|| item.get("Urn"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        match world.altinn3.package(urn).filter(|p| p.assignable) {
            Some(p) => out.push(p.urn()),
            None => bad.push(urn.to_owned()),
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(Refusal::InvalidPackages(bad.join(", ")))
    }
}

fn parse(body: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(body).map_err(|e| Refusal::BadBody(e.to_string()))
}

/// The vendor's system by id (compared without case, as paths are lower-cased).
fn own_system<'a>(world: &'a World, vendor: &str, id: &str) -> Result<&'a VendorSystem, Refusal> {
    let s = world
        .altinn3
        .systems
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .ok_or(Refusal::SystemNotFound)?;
    if s.vendor != vendor {
        return Err(Refusal::Forbidden);
    }
    Ok(s)
}

fn system_from_body(world: &World, vendor: &str, v: &Value) -> Result<VendorSystem, Refusal> {
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Refusal::BadBody("id is required".into()))?;
    if !id.starts_with(&format!("{vendor}_")) {
        return Err(Refusal::BadSystem(format!(
            "The system id must start with the vendor's organisation number: {vendor}_"
        )));
    }
    if let Some(claimed) = v
        .get("vendor")
        .and_then(|x| x.get("ID"))
        .and_then(Value::as_str)
        && claimed != format!("0192:{vendor}")
    {
        return Err(Refusal::Forbidden);
    }
    Ok(VendorSystem {
        id: id.to_owned(),
        vendor: vendor.to_owned(),
        name: v.get("name").cloned().unwrap_or(Value::Null),
        description: v.get("description").cloned().unwrap_or(Value::Null),
        client_ids: v
            .get("clientId")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        access_packages: packages_of(world, v.get("accessPackages"))?,
        rights: v
            .get("rights")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        is_visible: v.get("isVisible").and_then(Value::as_bool).unwrap_or(true),
        allowed_redirect_urls: v
            .get("allowedRedirectUrls")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        deleted: false,
    })
}

/// The internal id the register answers for a system: fixed for a system id.
fn system_guid(id: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("system/{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

async fn change<T>(
    ctx: &Ctx,
    rule: impl FnOnce(&mut IndexedWorld) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    let (r, pending) = ctx.core.world.change(rule);
    ctx.core.world.persist(pending).await;
    r
}

/// `POST systemregister/vendor`.
async fn register_system(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let vendor = ctx.vendor(&headers, REGISTER_WRITE)?;
        let v = parse(&body)?;
        change(&ctx, |w| {
            let system = system_from_body(w, &vendor, &v)?;
            if w.altinn3
                .systems
                .iter()
                .any(|s| s.id.eq_ignore_ascii_case(&system.id))
            {
                return Err(Refusal::BadSystem(format!(
                    "The system {} already exists",
                    system.id
                )));
            }
            let guid = system_guid(&system.id);
            w.altinn3_mut().systems.push(system);
            Ok(json!(guid))
        })
        .await
    }
    .await;
    answer(result)
}

/// `GET systemregister/vendor`.
async fn list_systems(State(ctx): State<Ctx>, headers: HeaderMap) -> Response {
    answer(ctx.vendor(&headers, REGISTER_WRITE).map(|vendor| {
        let w = ctx.core.world.read();
        Value::Array(
            w.altinn3
                .systems
                .iter()
                .filter(|s| s.vendor == vendor && !s.deleted)
                .map(system_dto)
                .collect(),
        )
    }))
}

/// `GET systemregister/vendor/{systemId}`.
async fn get_system(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    answer(ctx.vendor(&headers, REGISTER_WRITE).and_then(|vendor| {
        let w = ctx.core.world.read();
        own_system(&w, &vendor, &id).map(system_dto)
    }))
}

/// What a PUT replaces.
enum Part {
    Whole,
    Rights,
    Packages,
}

async fn update_system(
    ctx: &Ctx,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
    part: Part,
) -> Response {
    let result = async {
        let vendor = ctx.vendor(headers, REGISTER_WRITE)?;
        let v = parse(body)?;
        change(ctx, |w| {
            let current = own_system(w, &vendor, id)?.clone();
            if current.deleted {
                return Err(Refusal::BadSystem(format!(
                    "The system {} is deleted",
                    current.id
                )));
            }
            let updated = match part {
                Part::Whole => {
                    let mut s = system_from_body(w, &vendor, &v)?;
                    s.id = current.id.clone();
                    s
                }
                Part::Rights => VendorSystem {
                    rights: v.as_array().cloned().unwrap_or_default(),
                    ..current.clone()
                },
                Part::Packages => VendorSystem {
                    access_packages: packages_of(w, Some(&v))?,
                    ..current.clone()
                },
            };
            if updated != current
                && let Some(s) = w
                    .altinn3_mut()
                    .systems
                    .iter_mut()
                    .find(|s| s.id == current.id)
            {
                *s = updated;
            }
            Ok(json!({"succeeded": true}))
        })
        .await
    }
    .await;
    answer(result)
}

/// `PUT systemregister/vendor/{systemId}`.
async fn put_system(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    update_system(&ctx, &headers, &id, &body, Part::Whole).await
}

/// `PUT systemregister/vendor/{systemId}/rights`.
async fn put_system_rights(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    update_system(&ctx, &headers, &id, &body, Part::Rights).await
}

/// `PUT systemregister/vendor/{systemId}/accesspackages`.
async fn put_system_packages(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    update_system(&ctx, &headers, &id, &body, Part::Packages).await
}

/// `DELETE systemregister/vendor/{systemId}`: marks the system deleted.
async fn delete_system(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let vendor = ctx.vendor(&headers, REGISTER_WRITE)?;
        change(&ctx, |w| {
            let current = own_system(w, &vendor, &id)?.clone();
            if !current.deleted
                && let Some(s) = w
                    .altinn3_mut()
                    .systems
                    .iter_mut()
                    .find(|s| s.id == current.id)
            {
                s.deleted = true;
            }
            Ok(json!(true))
        })
        .await
    }
    .await;
    answer(result)
}

/// `RequestSystemResponse`.
fn request_dto(core: &Core, w: &World, r: &SystemUserRequest) -> Value {
    json!({
        "id": r.id,
        "integrationTitle": r.integration_title,
        "externalRef": r.external_ref,
        "systemId": r.system_id,
        "partyOrgNo": r.party_org_no,
        "rights": r.rights,
        "accessPackages": r.access_packages.iter().map(|u| json!({"urn": u})).collect::<Vec<_>>(),
        "status": r.status_at(core.now(), w.altinn3.request_timeout_secs),
        "redirectUrl": r.redirect_url,
        "confirmUrl": format!(
            "{}/accessmanagement/ui/systemuser/request?id={}&DONTCHOOSEREPORTEE=true",
            core.base, r.id
        ),
        "escalated": r.escalated,
        "created": crate::shared::clock::rfc3339(r.created),
        "timedOut": r.status_at(core.now(), w.altinn3.request_timeout_secs) == "Timedout",
    })
}

/// `POST systemuser/request/vendor`: 201 with `Location`, or 200 with the open request for
/// the same system, customer and reference.
async fn create_request(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let now = ctx.core.now();
    let result = async {
        let vendor = ctx.vendor(&headers, REQUEST_WRITE)?;
        let v = parse(&body)?;
        let system_id = v
            .get("systemId")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::BadBody("systemId is required".into()))?
            .to_owned();
        let org = v
            .get("partyOrgNo")
            .and_then(Value::as_str)
            .filter(|o| o.len() == 9 && o.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| Refusal::BadBody("partyOrgNo must be 9 digits".into()))?
            .to_owned();
        let external_ref = v
            .get("externalRef")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .unwrap_or(&org)
            .to_owned();
        change(&ctx, |w| {
            let system = own_system(w, &vendor, &system_id)?.clone();
            let packages = match v.get("accessPackages") {
                Some(p) => packages_of(w, Some(p))?,
                None => Vec::new(),
            };
            let exists = w.system_users.iter().any(|su| {
                su.system_id == system.id
                    && su.org == org
                    && su.external_ref.clone().unwrap_or_else(|| org.clone()) == external_ref
            });
            if exists {
                return Err(Refusal::SystemUserExists);
            }
            let timeout = w.altinn3.request_timeout_secs;
            if let Some(open) = w.altinn3.system_user_requests.iter().find(|r| {
                r.system_id == system.id
                    && r.party_org_no == org
                    && r.external_ref == external_ref
                    && r.status_at(now, timeout) != "Timedout"
            }) {
                return Ok((false, open.clone()));
            }
            let a3 = w.altinn3_mut();
            let id = a3.allocate_uuid();
            let req = SystemUserRequest {
                id,
                external_ref,
                system_id: system.id.clone(),
                party_org_no: org.clone(),
                integration_title: v
                    .get("integrationTitle")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                access_packages: packages,
                rights: v
                    .get("rights")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                status: "New".into(),
                redirect_url: v
                    .get("redirectUrl")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                created: now,
                escalated: false,
                system_user_id: None,
            };
            a3.system_user_requests.push(req.clone());
            Ok((true, req))
        })
        .await
    }
    .await;
    match result {
        Ok((created, req)) => {
            let body = request_dto(&ctx.core, &ctx.core.world.read(), &req);
            if !created {
                return ok_json(StatusCode::OK, &body);
            }
            let mut resp = ok_json(StatusCode::CREATED, &body);
            let location = format!(
                "{}/authentication/api/v1/systemuser/request/{}",
                ctx.core.base, req.id
            );
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        Err(e) => refuse(&e),
    }
}

fn find_request(
    ctx: &Ctx,
    headers: &HeaderMap,
    pick: impl Fn(&SystemUserRequest) -> bool,
) -> Result<Value, Refusal> {
    let vendor = ctx.vendor(headers, REQUEST_READ)?;
    let w = ctx.core.world.read();
    let r = w
        .altinn3
        .system_user_requests
        .iter()
        .filter(|r| own_system(&w, &vendor, &r.system_id).is_ok())
        .find(|r| pick(r))
        .ok_or(Refusal::NotFound)?;
    Ok(request_dto(&ctx.core, &w, r))
}

/// `GET systemuser/request/vendor/{requestId}`.
async fn get_request(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let id = Uuid::parse_str(&id).unwrap_or_default();
    answer(find_request(&ctx, &headers, |r| r.id == id))
}

/// `GET systemuser/request/vendor/byexternalref/{systemId}/{orgNo}/{externalRef}`. The path
/// is matched on its lower-cased form, so the reference compares without case; the original
/// spelling is read from the request's own path.
async fn get_request_by_ref(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((system, org, reference)): Path<(String, String, String)>,
) -> Response {
    answer(find_request(&ctx, &headers, |r| {
        r.system_id.eq_ignore_ascii_case(&system)
            && r.party_org_no == org
            && r.external_ref.eq_ignore_ascii_case(&reference)
    }))
}

/// `GET systemuser/request/vendor/bysystem/{systemId}`: every request of the system, in one
/// page.
async fn get_requests_by_system(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(system): Path<String>,
) -> Response {
    let result = ctx.vendor(&headers, REQUEST_READ).and_then(|vendor| {
        let w = ctx.core.world.read();
        let s = own_system(&w, &vendor, &system)?;
        let data: Vec<Value> = w
            .altinn3
            .system_user_requests
            .iter()
            .filter(|r| r.system_id == s.id)
            .map(|r| request_dto(&ctx.core, &w, r))
            .collect();
        Ok(json!({"links": {"next": null}, "data": data}))
    });
    answer(result)
}

/// `SystemUserExternalDTO`.
fn system_user_dto(su: &crate::world::SystemUser, vendor: &str) -> Value {
    json!({
        "id": su.id,
        "integrationTitle": su.system_id,
        "systemId": su.system_id,
        "productName": su.system_id,
        "reporteeOrgNo": su.org,
        "created": crate::shared::clock::rfc3339(
            su.created.unwrap_or(crate::world::SystemUser::DECLARED_CREATED)
        ),
        "isDeleted": false,
        "supplierName": null,
        "supplierOrgno": vendor,
        "externalRef": su.external_ref.clone().unwrap_or_else(|| su.org.clone()),
        "userType": "standard",
    })
}

/// `GET systemuser/vendor/byquery?system-id=&orgno=&external-ref=`.
async fn system_user_by_query(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    _uri: OriginalUri,
) -> Response {
    let q: Vec<(String, String)> = raw
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let result = ctx.vendor(&headers, REQUEST_WRITE).and_then(|vendor| {
        let w = ctx.core.world.read();
        let system = get("system-id").unwrap_or_default();
        let org = get("orgno").unwrap_or_default();
        let reference = get("external-ref").unwrap_or_else(|| org.clone());
        own_system(&w, &vendor, &system)?;
        let su = w
            .system_users
            .iter()
            .find(|su| {
                su.system_id.eq_ignore_ascii_case(&system)
                    && su.org == org
                    && su.external_ref.clone().unwrap_or_else(|| su.org.clone()) == reference
            })
            .ok_or(Refusal::NotFound)?;
        Ok(system_user_dto(su, &vendor))
    });
    answer(result)
}

/// `GET systemuser/vendor/bysystem/{systemId}`.
async fn system_users_by_system(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(system): Path<String>,
) -> Response {
    let result = ctx.vendor(&headers, REGISTER_WRITE).and_then(|vendor| {
        let w = ctx.core.world.read();
        let s = own_system(&w, &vendor, &system)?;
        let data: Vec<Value> = w
            .system_users
            .iter()
            .filter(|su| su.system_id == s.id)
            .map(|su| system_user_dto(su, &vendor))
            .collect();
        Ok(json!({"links": {"next": null}, "data": data}))
    });
    answer(result)
}
