//! The HTTP side: the router, the observing middleware (log, counters, faults), path
//! normalisation, and an accept loop that can drop connections on purpose.

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, LazyLock},
    time::SystemTime,
};

use axum::{
    Router,
    body::Body,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceExt;

use crate::{
    altinn, exchange, inspect, maskinporten,
    record::{LogEntry, RouteKey},
    state::{AppState, FaultRule, Faults, RecordedRequest, Shared},
    world::World,
};

/// The routes, by canonical template (as the documentation writes them). The router matches
/// their lower-cased form against the lower-cased request path, because Altinn routes
/// case-insensitively.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/jwk"),
    ("POST", "/token"),
    ("GET", "/authentication/api/v1/exchange/{provider}"),
    ("POST", "/api/reportees/ReporteeConversion"),
    ("GET", "/api/{who}/authorization/Delegations"),
    ("POST", "/api/{who}/authorization/Delegations"),
    ("DELETE", "/api/{who}/authorization/Delegations"),
    ("GET", "/api/{who}/authorization/Delegations/{receiverId}"),
    (
        "GET",
        "/api/{who}/authorization/Delegations/{receiverId}/rights",
    ),
    (
        "GET",
        "/api/{who}/authorization/Delegations/{receiverId}/roles",
    ),
    (
        "DELETE",
        "/api/{who}/authorization/Delegations/{receiverId}/rights/{authzRuleId}",
    ),
    (
        "DELETE",
        "/api/{who}/authorization/Delegations/{receiverId}/roles/{roleId}",
    ),
    ("GET", "/api/{who}/authorization/rights"),
    ("GET", "/api/{who}/authorization/roles"),
    ("GET", "/ui/Authentication"),
];

/// Lower-cased template (what the router matches) → index into [`ROUTES`].
static CANONICAL: LazyLock<HashMap<String, usize>> = LazyLock::new(|| {
    ROUTES
        .iter()
        .enumerate()
        .map(|(i, (_, t))| (t.to_ascii_lowercase(), i))
        .collect()
});

/// The canonical `METHOD /template` key of a request's matched route.
fn route_key(method: &Method, matched: &str) -> RouteKey {
    RouteKey::new(method, CANONICAL.get(matched).copied().ok_or(matched))
}

/// Indexes into [`ROUTES`] of the Maskinporten routes (the outage fault applies to them).
const WELL_KNOWN: usize = 0;
const JWK: usize = 1;
const TOKEN: usize = 2;

/// Normalises a route key given by a caller for lookup (method upper-case, path lower-case).
pub(crate) fn normalise_key(key: &str) -> String {
    match key.trim().split_once(' ') {
        Some((m, p)) => format!(
            "{} {}",
            m.to_ascii_uppercase(),
            p.trim().to_ascii_lowercase()
        ),
        None => key.trim().to_ascii_lowercase(),
    }
}

fn lower(t: &str) -> String {
    t.to_ascii_lowercase()
}

fn router(state: AppState) -> Router {
    let r = |t: &str| lower(t);
    Router::new()
        .route(&r(ROUTES[0].1), get(maskinporten::well_known))
        .route(&r(ROUTES[1].1), get(maskinporten::jwks))
        .route(&r(ROUTES[2].1), post(maskinporten::token))
        .route(&r(ROUTES[3].1), get(exchange::exchange))
        .route(&r(ROUTES[4].1), post(altinn::reportee_conversion))
        .route(
            &r(ROUTES[5].1),
            get(altinn::list_holders)
                .post(altinn::post_delegation)
                .delete(altinn::delete_by_query),
        )
        .route(&r(ROUTES[8].1), get(altinn::get_holder))
        .route(&r(ROUTES[9].1), get(altinn::get_holder_rights))
        .route(&r(ROUTES[10].1), get(altinn::get_holder_roles))
        .route(&r(ROUTES[11].1), delete(altinn::delete_right))
        .route(&r(ROUTES[12].1), delete(altinn::delete_role))
        .route(&r(ROUTES[13].1), get(altinn::my_rights))
        .route(&r(ROUTES[14].1), get(altinn::my_roles))
        .route(&r(ROUTES[15].1), get(altinn::login_page))
        .nest("/_mock", inspect::router())
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The largest request body read. The biggest legitimate body (a delegation of a few hundred
/// rights) is a few tens of KiB; anything above this is refused with 413 before any handler
/// sees it, so a hostile client cannot make the mock hold large buffers.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Marks a response whose connection must be dropped instead of answered.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

/// The path as the client sent it, before normalisation.
#[derive(Debug, Clone)]
struct OriginalPath(String);

/// Logs, counts and applies faults to every request outside `/_mock/`.
async fn observe(
    State(s): State<AppState>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path == "/_mock" || path.starts_with("/_mock/") {
        return next.run(req).await;
    }
    let route = matched.map(|m| route_key(req.method(), m.as_str()));
    let original = req
        .extensions()
        .get::<OriginalPath>()
        .map_or(path, |p| p.0.as_str());
    let mut entry = LogEntry::new(
        req.method(),
        route.clone(),
        original,
        req.uri().query(),
        req.headers(),
    );
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let body_size = bytes.len() as u64;
    let req = Request::from_parts(parts, Body::from(bytes));
    if let Some(key) = &route {
        s.counters.count(key);
    }
    let decision = if s.faults_active() {
        let is_mp = route.as_ref().is_some_and(|r| {
            r.is(&Method::POST, TOKEN) || r.is(&Method::GET, JWK) || r.is(&Method::GET, WELL_KNOWN)
        });
        let key = route.as_ref().map(RouteKey::text).unwrap_or_default();
        let mut faults = s.faults.lock().unwrap_or_else(|e| e.into_inner());
        if faults.config.rules.is_empty() && !faults.config.maskinporten_outage {
            None
        } else {
            Some(faults.decide(&key, is_mp))
        }
    } else {
        None
    };
    let response = match decision {
        Some(d) => {
            if d.latency_ms > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(d.latency_ms)).await;
            }
            if d.drop {
                let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                resp.extensions_mut().insert(DropConnection);
                resp
            } else if let Some((status, retry)) = d.status {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut resp = status.into_response();
                if let Some(secs) = retry {
                    resp.headers_mut().insert(
                        header::RETRY_AFTER,
                        HeaderValue::from_str(&secs.to_string())
                            .unwrap_or(HeaderValue::from_static("1")),
                    );
                }
                resp
            } else if d.lose_response {
                let mut resp = next.run(req).await;
                resp.extensions_mut().insert(DropConnection);
                resp
            } else {
                next.run(req).await
            }
        }
        None => next.run(req).await,
    };
    let status = if response.extensions().get::<DropConnection>().is_some() {
        0
    } else {
        response.status().as_u16()
    };
    entry.finish(body_size, status);
    s.log.record(entry);
    response
}

/// Lower-cases the path (Altinn and the exchange route case-insensitively) and drops a
/// trailing slash, keeping the query as sent. The path as sent is kept in [`OriginalPath`]
/// when it changed; otherwise the request's own path is the original.
fn normalise(mut req: Request) -> Request {
    let sent = req.uri().path();
    let needs_change =
        sent.bytes().any(|b| b.is_ascii_uppercase()) || (sent.len() > 1 && sent.ends_with('/'));
    if !needs_change {
        return req;
    }
    let original = sent.to_owned();
    let mut path = original.to_ascii_lowercase();
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path != original {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req.extensions_mut().insert(OriginalPath(original));
    req
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// An in-process fake of Maskinporten, the Altinn token exchange and the Altinn 2 REST API.
///
/// One per test: [`MockServer::start`] binds `127.0.0.1:0` and serves until the value is
/// dropped.
pub struct MockServer {
    shared: AppState,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("uri", &self.uri())
            .finish()
    }
}

impl MockServer {
    /// Starts a server with the built-in demo world on `127.0.0.1:0`.
    pub async fn start() -> MockServer {
        Self::start_with(World::demo()).await
    }

    /// Starts a server with the given world on `127.0.0.1:0`.
    pub async fn start_with(world: World) -> MockServer {
        Self::bind(SocketAddr::from(([127, 0, 0, 1], 0)), world, None)
            .await
            .expect("binding 127.0.0.1:0 does not fail")
    }

    /// Starts a server on `addr` with a world, persisting every change to `state_file` (an
    /// atomic write after each change) when one is given. This is what the binary uses.
    pub async fn bind(
        addr: SocketAddr,
        world: World,
        state_file: Option<PathBuf>,
    ) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let base = format!("http://{host}:{}", addr.port());
        let shared = Arc::new(Shared::new(base, world, state_file));
        if shared.state_file.is_some() {
            // Write the starting world at once, so the file exists from the first moment.
            shared.update_world(|_| ());
        }
        let (shutdown, rx) = watch::channel(false);
        let app = router(shared.clone());
        tokio::spawn(accept_loop(listener, app, rx));
        Ok(MockServer {
            shared,
            addr,
            shutdown,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URI, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn uri(&self) -> String {
        self.shared.base.clone()
    }

    /// The Maskinporten issuer (`{uri}/`), which is also the grant's required `aud`.
    pub fn issuer(&self) -> String {
        self.shared.issuer()
    }

    /// The Maskinporten token endpoint (`{uri}/token`).
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.shared.base)
    }

    /// The Maskinporten metadata URL.
    pub fn well_known_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-authorization-server",
            self.shared.base
        )
    }

    /// The Altinn platform base for the token exchange (`= uri`).
    pub fn platform_url(&self) -> String {
        self.shared.base.clone()
    }

    /// The Altinn token exchange URL for Maskinporten tokens.
    pub fn exchange_url(&self) -> String {
        format!(
            "{}/authentication/api/v1/exchange/maskinporten",
            self.shared.base
        )
    }

    /// The issuer of the Altinn tokens the exchange mints.
    pub fn altinn_issuer(&self) -> String {
        self.shared.altinn_issuer()
    }

    /// The Altinn 2 REST root: paths are `{api_url}/api/...` (`= uri`).
    pub fn api_url(&self) -> String {
        self.shared.base.clone()
    }

    /// How many requests matched a route, by its key: `"POST /token"`,
    /// `"GET /authentication/api/v1/exchange/{provider}"`,
    /// `"GET /api/{who}/authorization/Delegations/{receiverId}"` (case-insensitive).
    pub fn count(&self, route: &str) -> u64 {
        let wanted = normalise_key(route);
        self.shared
            .counters
            .snapshot()
            .iter()
            .filter(|(k, _)| normalise_key(k) == wanted)
            .map(|(_, v)| *v)
            .sum()
    }

    /// All route counters.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.shared.counters.snapshot()
    }

    /// The request log (newest last; at most [`crate::REQUEST_LOG_CAPACITY`] entries).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.snapshot()
    }

    /// A snapshot of the world.
    pub fn world(&self) -> World {
        World::clone(&self.shared.read_world())
    }

    /// Replaces the world (persisted if a state file is configured).
    pub fn set_world(&self, world: World) {
        self.shared.replace_world(world);
    }

    /// Changes the world in place.
    pub fn update_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        self.shared.update_world(f)
    }

    /// Replaces the fault configuration (and re-seeds the decision generator).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// The current fault configuration.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Adds one fault rule to the current configuration.
    pub fn inject(&self, rule: FaultRule) {
        let mut f = self.shared.faults();
        f.rules.push(rule);
        self.shared.set_faults(f);
    }

    /// Switches the Maskinporten outage (every Maskinporten route answers 503) on or off.
    pub fn set_maskinporten_outage(&self, on: bool) {
        let mut f = self.shared.faults();
        f.maskinporten_outage = on;
        self.shared.set_faults(f);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.set_faults(Faults::default());
    }

    /// Restores the starting world and clears counters, log, faults, the grant replay store
    /// and lockouts.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Mints an Altinn token exactly as the exchange would, for an enterprise user (`Some`)
    /// or a plain organisation token (`None`), with the given scopes and expiry (which may be
    /// in the past). The user's organisation is used when `user` names a known user.
    pub fn mint_altinn_token(
        &self,
        user: Option<&str>,
        org: &str,
        scopes: &[&str],
        expires_at: SystemTime,
    ) -> String {
        mint_altinn(
            &self.shared,
            user,
            org,
            scopes,
            crate::jwt::unix(expires_at),
        )
    }

    /// Mints a Maskinporten access token as `/token` would for a client of `org`, without a
    /// grant, with an expiry that may be in the past.
    pub fn mint_access_token(
        &self,
        client_id: &str,
        org: &str,
        scopes: &[&str],
        expires_at: SystemTime,
    ) -> String {
        maskinporten::mint_access_token(
            &self.shared,
            client_id,
            org,
            &scopes.join(" "),
            crate::jwt::unix(expires_at),
        )
    }

    /// The mock's public signing key as a JWK (what `/jwk` serves).
    pub fn signing_jwk(&self) -> serde_json::Value {
        self.shared.keys.jwk.clone()
    }
}

pub(crate) fn mint_altinn(
    s: &AppState,
    user: Option<&str>,
    org: &str,
    scopes: &[&str],
    exp: i64,
) -> String {
    let world = s.read_world();
    let user = user.map(|name| {
        world
            .enterprise_users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(name))
            .cloned()
            .unwrap_or_else(|| crate::world::EnterpriseUser {
                user_name: name.to_owned(),
                password: String::new(),
                org: org.to_owned(),
                user_id: 0,
                party_id: 0,
                roles: Vec::new(),
            })
    });
    drop(world);
    let org = user
        .as_ref()
        .map(|u| u.org.clone())
        .unwrap_or_else(|| org.to_owned());
    let mut claims = serde_json::Map::new();
    claims.insert("scope".into(), scopes.join(" ").into());
    claims.insert("token_type".into(), "Bearer".into());
    claims.insert("client_id".into(), crate::demo::CLIENT_ID.into());
    claims.insert(
        "consumer".into(),
        serde_json::json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")}),
    );
    exchange::mint(s, &claims, user.as_ref(), &org, exp)
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let app = app.clone();
                    async move {
                        let req = normalise(req.map(Body::new));
                        let resp: Response = match app.oneshot(req).await {
                            Ok(r) => r,
                            Err(e) => match e {},
                        };
                        if resp.extensions().get::<DropConnection>().is_some() {
                            return Err::<Response, Dropped>(Dropped);
                        }
                        Ok(resp)
                    }
                });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}
