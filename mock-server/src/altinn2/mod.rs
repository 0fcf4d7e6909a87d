//! The Altinn 2 REST API fake (`shared/spec/altinn2-rest.md` §4–§10): ReporteeConversion and
//! the `{who}/authorization` delegation resources, HAL+JSON through the domain codec, errors in
//! the HTTP reason phrase.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{self, get, post},
};
use tilgang_altinn2_wire::{
    Link, Links, Receiver, ReporteeType, Right, RightHolder, RightId, RightSourceType, RightType,
    Role, RoleDefinitionId, RoleId, RoleType,
    hal::{self, Page},
    model::Reportee,
};
use tilgang_domain::{Action, MaskedSsn, ReporteeId, ServiceCode, ServiceEditionCode};

use crate::{
    shared::{
        Core,
        credentials::bearer,
        indexed::IndexedWorld,
        routes::Endpoint,
        tokens::{
            TokenCache,
            altinn::{self as altinn_token, AltinnIdentity, AltinnTokenError},
        },
    },
    world::{EnterpriseUser, HeldRight, HeldRole, PartyRef, World},
};

/// The fake's private state: the Altinn tokens already verified.
#[derive(Default)]
pub(crate) struct Altinn2State {
    altinn_tokens: TokenCache<AltinnIdentity>,
}

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    core: Arc<Core>,
    state: Arc<Altinn2State>,
}

/// The Altinn 2 routes.
pub(crate) fn router(core: Arc<Core>, state: Arc<Altinn2State>) -> Router {
    Router::new()
        .route(
            &Endpoint::ReporteeConversion.router_path(),
            post(reportee_conversion),
        )
        .route(
            &Endpoint::Delegations.router_path(),
            get(list_holders)
                .post(post_delegation)
                .delete(delete_by_query),
        )
        .route(&Endpoint::Holder.router_path(), get(get_holder))
        .route(
            &Endpoint::HolderRights.router_path(),
            get(get_holder_rights),
        )
        .route(&Endpoint::HolderRoles.router_path(), get(get_holder_roles))
        .route(
            &Endpoint::HolderRight.router_path(),
            routing::delete(delete_right),
        )
        .route(
            &Endpoint::HolderRole.router_path(),
            routing::delete(delete_role),
        )
        .route(&Endpoint::OwnRights.router_path(), get(my_rights))
        .route(&Endpoint::OwnRoles.router_path(), get(my_roles))
        .route(&Endpoint::Login.router_path(), get(login_page))
        .with_state(AppState { core, state })
}

impl AppState {
    fn read_world(&self) -> std::sync::RwLockReadGuard<'_, IndexedWorld> {
        self.core.world.read()
    }

    fn change_world<R>(&self, f: impl FnOnce(&mut IndexedWorld) -> R) -> (R, Option<u64>) {
        self.core.world.change(f)
    }

    async fn persist(&self, version: Option<u64>) {
        self.core.world.persist(version).await;
    }
}

/// The reason phrase of a missing `ApiKey` header.
pub const MISSING_API_KEY: &str = "Required header 'ApiKey' is missing.";
/// The reason phrase of an unknown API key, or one without the needed resource.
pub const API_KEY_FORBIDDEN: &str = "The API key is not authorized for this operation";
/// The reason phrase of a token without a needed scope.
pub const MISSING_SCOPE: &str = "Claims Authorization failed: Missing required scope";
/// The `$top` limit.
pub(crate) const TOP_MAX: usize = 10_000;

/// An error answer: status and reason phrase, no body.
pub(crate) fn fail(status: StatusCode, phrase: &str) -> Response {
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

type ApiResult = Result<Response, Response>;

/// What an Altinn 2 call may do: which API-key resource and which scopes it needs.
struct Need {
    resource: &'static str,
    scopes: &'static [&'static str],
    /// `{who}` endpoints answer a request without a token like a browser (302 to login).
    who_endpoint: bool,
}

const READ_DELEGATIONS: Need = Need {
    resource: "Authorization.read",
    scopes: &["altinn:enduser", "altinn:delegations.read"],
    who_endpoint: true,
};
const WRITE_DELEGATIONS: Need = Need {
    resource: "Authorization.write",
    scopes: &["altinn:enduser", "altinn:delegations.write"],
    who_endpoint: true,
};
const READ_ROLES_AND_RIGHTS: Need = Need {
    resource: "Authorization.read",
    scopes: &[
        "altinn:enduser",
        "altinn:rolesandrights.read",
        "altinn:rolesandrights",
    ],
    who_endpoint: true,
};
const CONVERT_REPORTEE: Need = Need {
    resource: "Authorization.read",
    scopes: &["altinn:enduser", "altinn:reportees"],
    who_endpoint: false,
};

/// Checks API key, token, user and scope, in the order Altinn does.
fn authorize(
    s: &AppState,
    headers: &HeaderMap,
    need: &Need,
) -> Result<AltinnIdentityRef, Response> {
    let Some(key) = headers.get("apikey").and_then(|v| v.to_str().ok()) else {
        return Err(fail(StatusCode::BAD_REQUEST, MISSING_API_KEY));
    };
    let skew = {
        let world = s.read_world();
        let ok = world.api_keys.iter().any(|k| {
            k.key == key
                && k.resources
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(need.resource))
        });
        if !ok {
            return Err(fail(StatusCode::FORBIDDEN, API_KEY_FORBIDDEN));
        }
        world.settings.api_clock_skew_secs as i64
    };
    if headers.get(header::AUTHORIZATION).is_none() {
        if need.who_endpoint {
            // Without any credentials Altinn treats the caller as a browser and sends it to
            // the login page.
            let mut resp = fail(StatusCode::FOUND, "Found");
            resp.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&format!("{}/ui/Authentication", s.core.base))
                    .unwrap_or(HeaderValue::from_static("/ui/Authentication")),
            );
            return Err(resp);
        }
        return Err(fail(
            StatusCode::UNAUTHORIZED,
            "Authorization failed: There is no authenticated user on this request.",
        ));
    }
    let Some(token) = bearer(headers) else {
        return Err(fail(
            StatusCode::UNAUTHORIZED,
            "Authorization failed: The Authorization header must be 'Bearer <token>'.",
        ));
    };
    let id = match altinn_token::verify(&s.core, &s.state.altinn_tokens, token, skew) {
        Ok(id) => id,
        Err(AltinnTokenError::Invalid(m)) => return Err(fail(StatusCode::UNAUTHORIZED, m)),
        Err(AltinnTokenError::Expired { exp, now }) => {
            return Err(fail(
                StatusCode::UNAUTHORIZED,
                &format!(
                    "IDX10223: Lifetime validation failed. The token is expired. ValidTo: '{}', Current time: '{}'.",
                    fmt_time(exp),
                    fmt_time(now)
                ),
            ));
        }
    };
    if id.user.is_none() {
        return Err(fail(
            StatusCode::UNAUTHORIZED,
            "Authorization failed: There is no authenticated user on this request. Exchange the token with enterprise-user credentials.",
        ));
    }
    if !id
        .scopes
        .iter()
        .any(|sc| need.scopes.contains(&sc.as_str()))
    {
        return Err(fail(StatusCode::UNAUTHORIZED, MISSING_SCOPE));
    }
    Ok(id)
}

type AltinnIdentityRef = std::sync::Arc<AltinnIdentity>;

fn fmt_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
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
fn query_map(raw: Option<&str>) -> HashMap<String, String> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

fn language(q: &HashMap<String, String>) -> u32 {
    q.get("language")
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(1044)
}

/// OData options: `$filter` (comparisons joined by `and`), `$skip`, `$top`.
struct OData {
    filters: Vec<(String, bool, String)>,
    skip: usize,
    top: Option<usize>,
}

fn odata(
    q: &HashMap<String, String>,
    filterable: &[&str],
    type_name: &str,
) -> Result<OData, Response> {
    let bad = |m: String| fail(StatusCode::BAD_REQUEST, &m);
    let number = |name: &str| -> Result<Option<usize>, Response> {
        match q.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                bad(format!(
                    "The query specified in the URI is not valid. Invalid value '{v}' for {name}."
                ))
            }),
        }
    };
    let skip = number("$skip")?.unwrap_or(0);
    let top = number("$top")?;
    if let Some(t) = top
        && t > TOP_MAX
    {
        return Err(bad(format!(
            "The limit of '{TOP_MAX}' for Top query has been exceeded. The value from the incoming request is '{t}'."
        )));
    }
    let mut filters = Vec::new();
    if let Some(f) = q.get("$filter") {
        for clause in split_and(f) {
            let parts: Vec<&str> = clause.trim().splitn(3, ' ').collect();
            let [prop, op, value] = parts.as_slice() else {
                return Err(bad(format!(
                    "The query specified in the URI is not valid. Syntax error in $filter '{clause}'."
                )));
            };
            let Some(prop) = filterable.iter().find(|p| p.eq_ignore_ascii_case(prop)) else {
                return Err(bad(format!(
                    "The query specified in the URI is not valid. Could not find a property named '{prop}' on type '{type_name}'."
                )));
            };
            let eq = match op.to_ascii_lowercase().as_str() {
                "eq" => true,
                "ne" => false,
                other => {
                    return Err(bad(format!(
                        "The query specified in the URI is not valid. Unsupported operator '{other}' in $filter; use eq or ne."
                    )));
                }
            };
            let value = value.trim();
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value);
            filters.push(((*prop).to_owned(), eq, value.to_owned()));
        }
    }
    Ok(OData { filters, skip, top })
}

fn split_and(f: &str) -> Vec<&str> {
    let lower = f.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut start = 0;
    let mut search = 0;
    while let Some(i) = lower[search..].find(" and ") {
        let at = search + i;
        out.push(&f[start..at]);
        start = at + 5;
        search = start;
    }
    out.push(&f[start..]);
    out
}

impl OData {
    fn page<T>(&self, items: Vec<T>, cap: usize) -> Vec<T> {
        let take = self.top.unwrap_or(cap).min(cap);
        items.into_iter().skip(self.skip).take(take).collect()
    }

    fn keep_right(&self, r: &Right) -> bool {
        self.filters.iter().all(|(prop, eq, value)| {
            let actual = match prop.as_str() {
                "RightSourceType" => r
                    .right_source_type
                    .as_ref()
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default(),
                "ServiceCode" => r
                    .service_code
                    .as_ref()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                "ServiceEditionCode" => r
                    .service_edition_code
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
                "Action" => r.action.as_str().to_owned(),
                "RightType" => r
                    .right_type
                    .as_ref()
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            actual.eq_ignore_ascii_case(value) == *eq
        })
    }
}

const RIGHT_PROPERTIES: &[&str] = &[
    "RightSourceType",
    "ServiceCode",
    "ServiceEditionCode",
    "Action",
    "RightType",
];

/// Resolves `{who}`: `my` (the user's organisation), an organisation number or a ReporteeId.
fn resolve_who<'w>(
    world: &'w IndexedWorld,
    who: &str,
    id: &AltinnIdentity,
) -> Result<PartyRef<'w>, Response> {
    let who = who.trim();
    let found = if who.eq_ignore_ascii_case("my") {
        world.party(&id.org)
    } else if who.starts_with(['r', 'R']) {
        let rid = ReporteeId::parse(who).map_err(|_| {
            fail(
                StatusCode::BAD_REQUEST,
                &format!("The reportee '{who}' is not a valid ReporteeId."),
            )
        })?;
        world.party_by_id(rid.number())
    } else if who.len() == 9 && who.bytes().all(|b| b.is_ascii_digit()) {
        world
            .party(who)
            .filter(|p| matches!(p, PartyRef::Organisation(_)))
    } else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            &format!(
                "The reportee '{who}' is not valid. Use my, an organization number or a ReporteeId."
            ),
        ));
    };
    found.ok_or_else(|| {
        fail(
            StatusCode::NOT_FOUND,
            &format!("The reportee '{who}' was not found."),
        )
    })
}

/// Resolves `{receiverId}`: a ReporteeId or an organisation number.
fn resolve_receiver<'w>(world: &'w IndexedWorld, rid: &str) -> Result<PartyRef<'w>, Response> {
    let rid = rid.trim();
    let found = if rid.starts_with(['r', 'R']) {
        ReporteeId::parse(rid)
            .ok()
            .and_then(|r| world.party_by_id(r.number()))
    } else if rid.len() == 9 && rid.bytes().all(|b| b.is_ascii_digit()) {
        world
            .party(rid)
            .filter(|p| matches!(p, PartyRef::Organisation(_)))
    } else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            &format!(
                "The receiverId '{rid}' is not valid. Use a ReporteeId or an organization number."
            ),
        ));
    };
    found.ok_or_else(|| {
        fail(
            StatusCode::NOT_FOUND,
            &format!("The right holder '{rid}' was not found."),
        )
    })
}

fn user<'w>(world: &'w IndexedWorld, id: &AltinnIdentity) -> Result<&'w EnterpriseUser, Response> {
    let name = id.user.as_deref().unwrap_or_default();
    world.enterprise_user(name).ok_or_else(|| {
        fail(
            StatusCode::UNAUTHORIZED,
            "Authorization failed: The authenticated user no longer exists.",
        )
    })
}

/// The user's administrative role for a party, if any.
fn admin_role<'u>(user: &'u EnterpriseUser, party: &str) -> Option<&'u str> {
    user.roles
        .iter()
        .filter(|r| r.party == party)
        .map(|r| r.role.as_str())
        .find(|r| {
            r.eq_ignore_ascii_case("Hovedadministrator") || r.eq_ignore_ascii_case("Tilgangsstyrer")
        })
}

fn require_admin<'u>(user: &'u EnterpriseUser, who: &PartyRef<'_>) -> Result<&'u str, Response> {
    admin_role(user, who.key()).ok_or_else(|| {
        fail(
            StatusCode::FORBIDDEN,
            "The authenticated user is not Tilgangsstyrer or Hovedadministrator for the reportee.",
        )
    })
}

struct Ctx<'a> {
    api: String,
    who_segment: &'a str,
    lcid: u32,
}

impl Ctx<'_> {
    fn delegations(&self) -> String {
        format!(
            "{}/api/{}/authorization/delegations",
            self.api, self.who_segment
        )
    }
}

fn to_right(r: &HeldRight) -> Right {
    Right {
        right_id: Some(RightId(r.id)),
        right_type: Some(RightType::Service),
        system_resource_id: None,
        service_code: ServiceCode::parse(&r.service_code).ok(),
        service_edition_code: ServiceEditionCode::new(r.service_edition).ok(),
        service_owner: None,
        service_owner_code: None,
        message_id: None,
        delegator: None,
        delegated_time: None,
        action: Action::parse(&r.action),
        right_source_type: Some(RightSourceType::parse(&r.source)),
        is_delegatable: Some(r.delegatable),
        valid_to_date: None,
        is_consent_delegation: None,
        links: Links::new(),
    }
}

fn role_links(ctx: &Ctx<'_>, definition: i64) -> Links {
    let mut links = Links::new();
    links.insert(
        "roledefinition".into(),
        Link::new(format!(
            "{}/api/{}/authorization/roledefinitions/{definition}",
            ctx.api, ctx.who_segment
        )),
    );
    links
}

fn to_role(world: &World, ctx: &Ctx<'_>, r: &HeldRole) -> Role {
    let def = world.role_definition(r.role_definition_id);
    Role {
        role_id: Some(RoleId(r.id)),
        role_type: def.map(|d| RoleType::parse(&d.role_type)),
        role_definition_id: Some(RoleDefinitionId(r.role_definition_id)),
        role_name: def.map(|d| d.name.get(ctx.lcid).to_owned()),
        role_description: def.map(|d| d.description.get(ctx.lcid).to_owned()),
        delegator: Some(r.delegator.clone().unwrap_or_default()),
        delegated_time: r.delegated_time.clone(),
        role_definition_code: def.and_then(|d| d.code.clone()),
        links: role_links(ctx, r.role_definition_id),
    }
}

/// The synthetic "Single Rights" role shown when a holder has directly delegated rights. The
/// texts are the documented example's, untranslated (the guide shows them for language 1044).
fn single_rights_role(ctx: &Ctx<'_>, latest: Option<&str>) -> Role {
    Role {
        role_id: None,
        role_type: Some(RoleType::Local),
        role_definition_id: Some(RoleDefinitionId(0)),
        role_name: Some("Single Rights".into()),
        role_description: Some("Collection of single rights".into()),
        delegator: Some(String::new()),
        delegated_time: latest.map(str::to_owned),
        role_definition_code: None,
        links: role_links(ctx, 0),
    }
}

fn held_rights<'w>(world: &'w World, from: &str, to: &str) -> Vec<&'w HeldRight> {
    world
        .rights
        .iter()
        .filter(|r| r.from == from && r.to == to)
        .collect()
}

fn holder_roles(world: &World, ctx: &Ctx<'_>, from: &str, to: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = world
        .roles
        .iter()
        .filter(|r| r.from == from && r.to == to)
        .map(|r| to_role(world, ctx, r))
        .collect();
    let latest_direct = held_rights(world, from, to)
        .into_iter()
        .filter(|r| r.source.eq_ignore_ascii_case("DirectlyDelegatedRights"))
        .map(|r| r.delegated_time.as_str())
        .max();
    if let Some(latest) = latest_direct {
        roles.push(single_rights_role(ctx, Some(latest)));
    }
    roles
}

fn holder_base(ctx: &Ctx<'_>, party: &PartyRef<'_>) -> RightHolder {
    let rid = ReporteeId::from_number(party.party_id());
    let base = format!("{}/{}", ctx.delegations(), rid.as_str());
    let mut links = Links::new();
    links.insert("self".into(), Link::new(base.clone()));
    links.insert("rights".into(), Link::new(format!("{base}/rights")));
    links.insert("roles".into(), Link::new(format!("{base}/roles")));
    let (name, last_name, ssn, org, user_name) = match party {
        PartyRef::Person(p) => (
            format!("{} {}", p.first_name, p.last_name),
            Some(p.last_name.clone()),
            Some(MaskedSsn::new(&p.ssn)),
            None,
            None,
        ),
        PartyRef::Organisation(o) => (o.name.clone(), None, None, Some(o.org.clone()), None),
        PartyRef::EnterpriseUser(u) => (u.user_name.clone(), None, None, None, None),
    };
    RightHolder {
        right_holder_id: Some(rid),
        name: Some(name),
        last_name,
        user_name,
        social_security_number: ssn,
        organization_number: org,
        delegation_context: None,
        roles: Vec::new(),
        rights: Vec::new(),
        roles_links: Links::new(),
        rights_links: Links::new(),
        has_roles: false,
        has_rights: false,
        links,
    }
}

fn self_link(href: String) -> Links {
    let mut links = Links::new();
    links.insert("self".into(), Link::new(href));
    links
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// `POST /api/reportees/ReporteeConversion`.
async fn reportee_conversion(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run(|| {
        authorize(&s, &headers, &CONVERT_REPORTEE)?;
        let req = hal::decode_reportee_conversion_request(&body).map_err(|e| {
            fail(
                StatusCode::BAD_REQUEST,
                &format!("The request is invalid: {} at '{}'.", e.message, e.path),
            )
        })?;
        let world = s.read_world();
        let not_found = || {
            fail(
                StatusCode::NOT_FOUND,
                "No reportee matches the given identifier and name.",
            )
        };
        let reportee = match (
            &req.social_security_number,
            &req.last_name,
            &req.organization_number,
            &req.organization_name,
        ) {
            (Some(ssn), Some(last), _, _) => {
                let p = world
                    .persons_with_ssn(ssn.trim())
                    .find(|p| p.last_name.eq_ignore_ascii_case(last.trim()))
                    .ok_or_else(not_found)?;
                Reportee {
                    reportee_id: ReporteeId::from_number(p.party_id),
                    party_uuid: None,
                    name: Some(format!("{} {}", p.last_name, p.first_name)),
                    reportee_type: Some(ReporteeType::Person),
                    social_security_number: Some(MaskedSsn::new(&p.ssn)),
                    organization_number: None,
                    parent_organization_number: None,
                    organization_form: None,
                    status: None,
                    links: Links::new(),
                }
            }
            (_, _, Some(org), Some(name)) => {
                let o = world
                    .organisations_with_number(org.trim())
                    .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
                    .ok_or_else(not_found)?;
                Reportee {
                    reportee_id: ReporteeId::from_number(o.party_id),
                    party_uuid: None,
                    name: Some(o.name.clone()),
                    reportee_type: Some(ReporteeType::Enterprise),
                    social_security_number: None,
                    organization_number: Some(o.org.clone()),
                    parent_organization_number: None,
                    organization_form: Some(o.form.clone()),
                    status: Some("Active".into()),
                    links: Links::new(),
                }
            }
            _ => {
                return Err(fail(
                    StatusCode::BAD_REQUEST,
                    "The request must have SocialSecurityNumber and LastName, or OrganizationNumber and OrganizationName.",
                ));
            }
        };
        Ok(hal_response(&headers, hal::encode_reportee(&reportee)))
    })
}

fn run(f: impl FnOnce() -> ApiResult) -> Response {
    match f() {
        Ok(r) | Err(r) => r,
    }
}

/// `GET /api/{who}/authorization/Delegations`.
async fn list_holders(
    State(s): State<AppState>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    run(|| {
        let id = authorize(&s, &headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let od = odata(&q, &["Name", "RightHolderId"], "RightHolder")?;
        let world = s.read_world();
        let who_party = resolve_who(&world, &who, &id)?;
        require_admin(user(&world, &id)?, &who_party)?;
        let ctx = Ctx {
            api: s.core.base.clone(),
            who_segment: &who,
            lcid: language(&q),
        };
        let service_filter = match (q.get("servicecode"), q.get("serviceedition")) {
            (Some(c), e) => Some((c.clone(), e.and_then(|e| e.parse::<u32>().ok()))),
            _ => None,
        };
        let mut keys: Vec<&str> = Vec::new();
        let from = who_party.key();
        let rights = world.rights.iter().filter(|r| r.from == from).filter(|r| {
            service_filter.as_ref().is_none_or(|(c, e)| {
                r.service_code.eq_ignore_ascii_case(c) && e.is_none_or(|e| e == r.service_edition)
            })
        });
        for r in rights {
            if !keys.contains(&r.to.as_str()) {
                keys.push(&r.to);
            }
        }
        if service_filter.is_none() {
            for r in world.roles.iter().filter(|r| r.from == from) {
                if !keys.contains(&r.to.as_str()) {
                    keys.push(&r.to);
                }
            }
        }
        let mut holders: Vec<RightHolder> = keys
            .iter()
            .filter_map(|k| world.party(k))
            .map(|p| holder_base(&ctx, &p))
            .filter(|h| {
                od.filters.iter().all(|(prop, eq, value)| {
                    let actual = match prop.as_str() {
                        "Name" => h.name.clone().unwrap_or_default(),
                        _ => h
                            .right_holder_id
                            .as_ref()
                            .map(|r| r.as_str().to_owned())
                            .unwrap_or_default(),
                    };
                    actual.eq_ignore_ascii_case(value) == *eq
                })
            })
            .collect();
        holders.sort_by_key(|h| h.right_holder_id.as_ref().map(|r| r.number()));
        let holders = od.page(holders, world.settings.list_cap);
        let mut links = self_link(ctx.delegations());
        links.insert(
            "find".into(),
            Link::templated(format!("{}/{{receiverId}}", ctx.delegations())),
        );
        let page = Page {
            items: holders,
            links,
        };
        Ok(hal_response(&headers, hal::encode_right_holders(&page)))
    })
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}`.
async fn get_holder(
    State(s): State<AppState>,
    Path((who, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    run(|| {
        let id = authorize(&s, &headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let od = odata(&q, RIGHT_PROPERTIES, "Right")?;
        let world = s.read_world();
        let who_party = resolve_who(&world, &who, &id)?;
        require_admin(user(&world, &id)?, &who_party)?;
        let receiver = resolve_receiver(&world, &rid)?;
        let ctx = Ctx {
            api: s.core.base.clone(),
            who_segment: &who,
            lcid: language(&q),
        };
        let mut holder = holder_base(&ctx, &receiver);
        let base = holder.links["self"].href.clone();
        let cap = world.settings.list_cap;
        let rights: Vec<Right> = held_rights(&world, who_party.key(), receiver.key())
            .into_iter()
            .map(to_right)
            .filter(|r| od.keep_right(r))
            .collect();
        holder.rights = od.page(rights, cap);
        holder.roles = holder_roles(&world, &ctx, who_party.key(), receiver.key())
            .into_iter()
            .take(cap)
            .collect();
        holder.rights_links = self_link(format!("{base}/rights"));
        holder.roles_links = self_link(format!("{base}/roles"));
        holder.has_rights = true;
        holder.has_roles = true;
        Ok(hal_response(&headers, hal::encode_right_holder(&holder)))
    })
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}/rights`.
async fn get_holder_rights(
    State(s): State<AppState>,
    Path((who, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    run(|| {
        let id = authorize(&s, &headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let od = odata(&q, RIGHT_PROPERTIES, "Right")?;
        let world = s.read_world();
        let who_party = resolve_who(&world, &who, &id)?;
        require_admin(user(&world, &id)?, &who_party)?;
        let receiver = resolve_receiver(&world, &rid)?;
        let ctx = Ctx {
            api: s.core.base.clone(),
            who_segment: &who,
            lcid: language(&q),
        };
        let rights: Vec<Right> = held_rights(&world, who_party.key(), receiver.key())
            .into_iter()
            .map(to_right)
            .filter(|r| od.keep_right(r))
            .collect();
        let page = Page {
            items: od.page(rights, world.settings.list_cap),
            links: self_link(format!(
                "{}/{}/rights",
                ctx.delegations(),
                ReporteeId::from_number(receiver.party_id()).as_str()
            )),
        };
        Ok(hal_response(&headers, hal::encode_rights(&page)))
    })
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}/roles`.
async fn get_holder_roles(
    State(s): State<AppState>,
    Path((who, rid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    run(|| {
        let id = authorize(&s, &headers, &READ_DELEGATIONS)?;
        let q = query_map(q.as_deref());
        let od = odata(&q, &["RoleType", "RoleDefinitionId"], "Role")?;
        let world = s.read_world();
        let who_party = resolve_who(&world, &who, &id)?;
        require_admin(user(&world, &id)?, &who_party)?;
        let receiver = resolve_receiver(&world, &rid)?;
        let ctx = Ctx {
            api: s.core.base.clone(),
            who_segment: &who,
            lcid: language(&q),
        };
        let roles = filter_roles(
            &od,
            holder_roles(&world, &ctx, who_party.key(), receiver.key()),
        );
        let page = Page {
            items: od.page(roles, world.settings.list_cap),
            links: self_link(format!(
                "{}/{}/roles",
                ctx.delegations(),
                ReporteeId::from_number(receiver.party_id()).as_str()
            )),
        };
        Ok(hal_response(&headers, hal::encode_roles(&page)))
    })
}

fn filter_roles(od: &OData, roles: Vec<Role>) -> Vec<Role> {
    roles
        .into_iter()
        .filter(|r| {
            od.filters.iter().all(|(prop, eq, value)| {
                let actual = match prop.as_str() {
                    "RoleType" => r
                        .role_type
                        .as_ref()
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_default(),
                    _ => r
                        .role_definition_id
                        .map(|d| d.0.to_string())
                        .unwrap_or_default(),
                };
                actual.eq_ignore_ascii_case(value) == *eq
            })
        })
        .collect()
}

/// `GET /api/{who}/authorization/rights`: the authenticated user's rights for `{who}`.
async fn my_rights(
    State(s): State<AppState>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    run(|| {
        let id = authorize(&s, &headers, &READ_ROLES_AND_RIGHTS)?;
        let q = query_map(q.as_deref());
        let od = odata(&q, RIGHT_PROPERTIES, "Right")?;
        let world = s.read_world();
        let who_party = resolve_who(&world, &who, &id)?;
        let u = user(&world, &id)?;
        let rights: Vec<Right> = held_rights(&world, who_party.key(), &u.user_name)
            .into_iter()
            .map(to_right)
            .filter(|r| od.keep_right(r))
            .collect();
        let page = Page {
            items: od.page(rights, world.settings.list_cap),
            links: self_link(format!("{}/api/{who}/authorization/rights", s.core.base)),
        };
        Ok(hal_response(&headers, hal::encode_rights(&page)))
    })
}

/// `GET /api/{who}/authorization/roles`: the authenticated user's roles for `{who}`.
async fn my_roles(
    State(s): State<AppState>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    run(|| {
        let id = authorize(&s, &headers, &READ_ROLES_AND_RIGHTS)?;
        let q = query_map(q.as_deref());
        let od = odata(&q, &["RoleType", "RoleDefinitionId"], "Role")?;
        let world = s.read_world();
        let who_party = resolve_who(&world, &who, &id)?;
        let u = user(&world, &id)?;
        let ctx = Ctx {
            api: s.core.base.clone(),
            who_segment: &who,
            lcid: language(&q),
        };
        let mut roles: Vec<Role> = u
            .roles
            .iter()
            .filter(|r| r.party == who_party.key())
            .map(|r| {
                let (def, code, en) = if r.role.eq_ignore_ascii_case("Hovedadministrator") {
                    (183, "HADM", "Main administrator")
                } else {
                    (3, "ADMAI", "Access manager")
                };
                Role {
                    role_id: None,
                    role_type: Some(RoleType::Altinn),
                    role_definition_id: Some(RoleDefinitionId(def)),
                    role_name: Some(if ctx.lcid == 1033 {
                        en.to_owned()
                    } else {
                        r.role.clone()
                    }),
                    role_description: Some(r.role.clone()),
                    delegator: None,
                    delegated_time: None,
                    role_definition_code: Some(code.to_owned()),
                    links: role_links(&ctx, def),
                }
            })
            .collect();
        roles.extend(holder_roles(&world, &ctx, who_party.key(), &u.user_name));
        let roles = filter_roles(&od, roles);
        let page = Page {
            items: od.page(roles, world.settings.list_cap),
            links: self_link(format!("{}/api/{who}/authorization/roles", s.core.base)),
        };
        Ok(hal_response(&headers, hal::encode_roles(&page)))
    })
}

/// `POST /api/{who}/authorization/Delegations`: 201 with an empty body.
async fn post_delegation(
    State(s): State<AppState>,
    Path(who): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (response, pending) = delegate(&s, &who, &headers, &body);
    // The change is acknowledged only once the state file (if any) holds it.
    s.persist(pending).await;
    response
}

/// Carries out a delegation: the answer, and the world version to persist if it changed.
fn delegate(s: &AppState, who: &str, headers: &HeaderMap, body: &Bytes) -> (Response, Option<u64>) {
    let checked = (|| {
        let id = authorize(s, headers, &WRITE_DELEGATIONS)?;
        let request = hal::decode_delegation_request(body).map_err(|e| {
            fail(
                StatusCode::BAD_REQUEST,
                &format!("The request is invalid: {} at '{}'.", e.message, e.path),
            )
        })?;
        Ok((id, request))
    })();
    let (id, request) = match checked {
        Ok(c) => c,
        Err(r) => return (r, None),
    };
    let delegated_at = altinn_time(s.core.clock.now());
    let (result, pending) = s.change_world(|world| {
        {
            let who_party = resolve_who(world, who, &id)?;
            let u = user(world, &id)?;
            let role = require_admin(u, &who_party)?;
            let is_main_admin = role.eq_ignore_ascii_case("Hovedadministrator");
            let from = who_party.key().to_owned();
            let user_name = u.user_name.clone();
            let bad = |m: &str| fail(StatusCode::BAD_REQUEST, m);
            let receiver = match &request.receiver {
                Receiver::Person { ssn, last_name } => world
                    .persons_with_ssn(ssn.trim())
                    .next()
                    .filter(|p| p.last_name.eq_ignore_ascii_case(last_name.trim()))
                    .map(|p| p.ssn.clone())
                    .ok_or_else(|| bad("The social security number and last name do not match a person."))?,
                Receiver::Organisation { org, name } => world
                    .organisations_with_number(org.trim())
                    .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
                    .map(|o| o.org.clone())
                    .ok_or_else(|| bad("The organization number and name do not match an organization."))?,
                Receiver::EnterpriseUser { user_name, org } => {
                    let eu = world
                        .enterprise_users
                        .iter()
                        .find(|e| e.user_name.eq_ignore_ascii_case(user_name) && e.org == org.trim())
                        .ok_or_else(|| bad("The enterprise user was not found in the given organization."))?;
                    if eu.org != from {
                        return Err(bad("An enterprise user can only receive rights from its own organization."));
                    }
                    eu.user_name.clone()
                }
                _ => return Err(bad("Unsupported receiver.")),
            };
            if receiver == from {
                return Err(bad("A reportee cannot delegate to itself."));
            }
            if request.rights.is_empty() && request.roles.is_empty() {
                return Err(bad("The request contains no rights or roles to delegate."));
            }
            let mut new_rights: Vec<(String, u32, String)> = Vec::new();
            for r in &request.rights {
                if r.message_id.is_some() || r.system_resource_id.is_some() {
                    return Err(bad("Only service rights (ServiceCode, ServiceEditionCode, Action) can be delegated here."));
                }
                let (Some(code), Some(edition)) = (&r.service_code, r.service_edition_code) else {
                    return Err(bad("Each right needs ServiceCode, ServiceEditionCode and Action."));
                };
                let Some(service) = world.service(code.as_str(), edition.get()) else {
                    return Err(bad(&format!(
                        "The service {} edition {} does not exist.",
                        code.as_str(),
                        edition.get()
                    )));
                };
                let Some(action) = service
                    .actions
                    .iter()
                    .find(|a| Action::parse(a) == r.action)
                else {
                    return Err(bad(&format!(
                        "The action {} is not available on service {} edition {}.",
                        r.action, service.code, service.edition
                    )));
                };
                if !service.delegable {
                    return Err(fail(
                        StatusCode::FORBIDDEN,
                        &format!(
                            "The service {} edition {} cannot be delegated.",
                            service.code, service.edition
                        ),
                    ));
                }
                if !is_main_admin
                    && !world.rights.iter().any(|h| {
                        h.from == from
                            && h.to.eq_ignore_ascii_case(&user_name)
                            && h.service_code == service.code
                            && h.service_edition == service.edition
                            && Action::parse(&h.action) == r.action
                    })
                {
                    return Err(fail(
                        StatusCode::FORBIDDEN,
                        "The user cannot delegate a right it does not hold itself.",
                    ));
                }
                let exists = world.rights.iter().any(|h| {
                    h.from == from
                        && h.to == receiver
                        && h.source.eq_ignore_ascii_case("DirectlyDelegatedRights")
                        && h.service_code == service.code
                        && h.service_edition == service.edition
                        && Action::parse(&h.action) == r.action
                });
                let key = (service.code.clone(), service.edition, action.clone());
                if exists || new_rights.contains(&key) {
                    return Err(bad(&format!(
                        "The delegation already exists: {} edition {} {}.",
                        service.code, service.edition, action
                    )));
                }
                new_rights.push(key);
            }
            let mut new_roles = Vec::new();
            for r in &request.roles {
                let Some(def) = world.role_definition(r.role_definition_id.0) else {
                    return Err(bad(&format!(
                        "The role definition {} does not exist.",
                        r.role_definition_id.0
                    )));
                };
                if !def.delegable || !def.role_type.eq_ignore_ascii_case("Altinn") {
                    return Err(fail(
                        StatusCode::FORBIDDEN,
                        &format!("The role {} cannot be delegated.", def.id),
                    ));
                }
                if !is_main_admin
                    && !world.roles.iter().any(|h| {
                        h.from == from
                            && h.to.eq_ignore_ascii_case(&user_name)
                            && h.role_definition_id == def.id
                    })
                {
                    return Err(fail(
                        StatusCode::FORBIDDEN,
                        "The user cannot delegate a role it does not hold itself.",
                    ));
                }
                if new_roles.contains(&def.id)
                    || world.roles.iter().any(|h| {
                        h.from == from && h.to == receiver && h.role_definition_id == def.id
                    })
                {
                    return Err(bad(&format!("The delegation already exists: role {}.", def.id)));
                }
                new_roles.push(def.id);
            }
            for (code, edition, action) in new_rights {
                let id = world.allocate_id();
                world.rights_mut().push(HeldRight {
                    id,
                    from: from.clone(),
                    to: receiver.clone(),
                    service_code: code,
                    service_edition: edition,
                    action,
                    source: "DirectlyDelegatedRights".into(),
                    role_id: None,
                    delegator: Some(user_name.clone()),
                    delegated_time: delegated_at.clone(),
                    delegatable: true,
                });
            }
            for def_id in new_roles {
                let role_id = world.allocate_id();
                let derived = world
                    .role_definition(def_id)
                    .map(|d| d.rights.clone())
                    .unwrap_or_default();
                world.roles_mut().push(HeldRole {
                    id: role_id,
                    from: from.clone(),
                    to: receiver.clone(),
                    role_definition_id: def_id,
                    delegator: Some(user_name.clone()),
                    delegated_time: Some(delegated_at.clone()),
                });
                for d in derived {
                    let id = world.allocate_id();
                    world.rights_mut().push(HeldRight {
                        id,
                        from: from.clone(),
                        to: receiver.clone(),
                        service_code: d.code,
                        service_edition: d.edition,
                        action: d.action,
                        source: "RoleTypeRights".into(),
                        role_id: Some(role_id),
                        delegator: Some(user_name.clone()),
                        delegated_time: delegated_at.clone(),
                        delegatable: false,
                    });
                }
            }
            Ok(StatusCode::CREATED.into_response())
        }
    });
    (run(|| result), pending)
}

/// `DELETE /api/{who}/authorization/Delegations/{receiverId}/rights/{authzRuleId}`.
async fn delete_right(
    State(s): State<AppState>,
    Path((who, rid, rule)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (response, pending) = delete(&s, &headers, &who, &rid, Target::Right(&rule));
    s.persist(pending).await;
    response
}

/// `DELETE /api/{who}/authorization/Delegations/{receiverId}/roles/{roleId}`.
async fn delete_role(
    State(s): State<AppState>,
    Path((who, rid, role)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let (response, pending) = delete(&s, &headers, &who, &rid, Target::Role(&role));
    s.persist(pending).await;
    response
}

/// `DELETE /api/{who}/authorization/Delegations?receiverId=…&authzRuleId=…` (or `roleId=…`).
async fn delete_by_query(
    State(s): State<AppState>,
    Path(who): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let q = query_map(q.as_deref());
    let rid = q.get("receiverid").cloned().unwrap_or_default();
    let (response, pending) = match (q.get("authzruleid"), q.get("roleid")) {
        (Some(rule), None) => delete(&s, &headers, &who, &rid, Target::Right(rule)),
        (None, Some(role)) => delete(&s, &headers, &who, &rid, Target::Role(role)),
        _ => (
            run(|| {
                authorize(&s, &headers, &WRITE_DELEGATIONS)?;
                Err(fail(
                    StatusCode::BAD_REQUEST,
                    "Give receiverId and exactly one of authzRuleId or roleId.",
                ))
            }),
            None,
        ),
    };
    s.persist(pending).await;
    response
}

enum Target<'a> {
    Right(&'a str),
    Role(&'a str),
}

fn delete(
    s: &AppState,
    headers: &HeaderMap,
    who: &str,
    rid: &str,
    target: Target<'_>,
) -> (Response, Option<u64>) {
    let id = match authorize(s, headers, &WRITE_DELEGATIONS) {
        Ok(id) => id,
        Err(r) => return (r, None),
    };
    let (result, pending) = s.change_world(|world| {
        let who_party = resolve_who(world, who, &id)?;
        require_admin(user(world, &id)?, &who_party)?;
        let receiver = resolve_receiver(world, rid)?;
        let (from, to) = (who_party.key().to_owned(), receiver.key().to_owned());
        match target {
            Target::Right(rule) => {
                let rule_id: i64 = rule.trim().parse().map_err(|_| {
                    fail(StatusCode::BAD_REQUEST, &format!("The authzRuleId '{rule}' is not a number."))
                })?;
                let Some(idx) = world
                    .rights
                    .iter()
                    .position(|r| r.id == rule_id && r.from == from && r.to == to)
                else {
                    return Err(fail(
                        StatusCode::NOT_FOUND,
                        &format!("The right {rule_id} was not found for the right holder."),
                    ));
                };
                if !world.rights[idx]
                    .source
                    .eq_ignore_ascii_case("DirectlyDelegatedRights")
                {
                    return Err(fail(
                        StatusCode::BAD_REQUEST,
                        &format!(
                            "The right {rule_id} is given through a role and cannot be deleted. Delete the role instead."
                        ),
                    ));
                }
                world.rights_mut().remove(idx);
            }
            Target::Role(role) => {
                let role_id: i64 = role.trim().parse().map_err(|_| {
                    fail(StatusCode::BAD_REQUEST, &format!("The roleId '{role}' is not a number."))
                })?;
                let Some(idx) = world
                    .roles
                    .iter()
                    .position(|r| r.id == role_id && r.from == from && r.to == to)
                else {
                    return Err(fail(
                        StatusCode::NOT_FOUND,
                        &format!("The role {role_id} was not found for the right holder."),
                    ));
                };
                let deletable = world
                    .role_definition(world.roles[idx].role_definition_id)
                    .is_some_and(|d| d.role_type.eq_ignore_ascii_case("Altinn"));
                if !deletable {
                    return Err(fail(
                        StatusCode::BAD_REQUEST,
                        &format!(
                            "The role {role_id} comes from an external register (such as Enhetsregisteret) and cannot be deleted here."
                        ),
                    ));
                }
                world.roles_mut().remove(idx);
                world.rights_mut().retain(|r| r.role_id != Some(role_id));
            }
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    });
    (run(|| result), pending)
}

/// `GET /ui/Authentication`: the login page a browser-like request is sent to.
async fn login_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Altinn - Logg inn</title></head><body><h1>Logg inn</h1><p>This is the tilgang mock's stand-in for the Altinn login page. API clients must send a Bearer token.</p></body></html>",
    )
        .into_response()
}
