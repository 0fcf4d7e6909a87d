//! The composition root: builds the shared layer and every fake, puts their routers behind
//! the observing middleware, and serves them on one listener. This is the only module that
//! knows every fake.

mod listen;
mod observe;

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf, sync::Arc, time::SystemTime};

use axum::{Router, middleware};
use tokio::{net::TcpListener, sync::watch};

use crate::{
    altinn2::{self, Altinn2State},
    altinn3::{self, Altinn3State},
    authentication,
    exchange::{self, ExchangeState},
    inspect, maskinporten,
    maskinporten::Replays,
    shared::{
        Core, Reset,
        clock::{Clock, unix},
        faults::{FaultRule, Faults},
        record::RecordedRequest,
        routes::normalise_key,
        tokens::{access, altinn},
    },
    world::World,
};

pub use self::observe::MAX_BODY_BYTES;

/// Every fake's router, merged, behind the observing middleware. `/_mock/` is nested
/// inside the middleware, which passes it through unobserved.
fn router(
    core: &Arc<Core>,
    replays: Arc<Replays>,
    exchange: Arc<ExchangeState>,
    altinn2: Arc<Altinn2State>,
    altinn3: Arc<Altinn3State>,
) -> Router {
    Router::new()
        .merge(maskinporten::router(core.clone(), replays))
        .merge(exchange::router(core.clone(), exchange))
        .merge(altinn2::router(core.clone(), altinn2))
        .merge(altinn3::router(core.clone(), altinn3))
        .merge(authentication::router(core.clone()))
        .nest("/_mock", inspect::router(core.clone()))
        .layer(middleware::from_fn_with_state(
            core.clone(),
            observe::observe,
        ))
}

/// How to start a [`MockServer`]: the world, the clock, a state file and the address. Made
/// by [`MockServer::builder`].
///
/// ```no_run
/// # async fn example() {
/// use std::time::{Duration, SystemTime};
/// use tilgang_mock::MockServer;
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let server = MockServer::builder().manual_clock(start).start().await;
/// server.clock().advance(Duration::from_secs(90));
/// # }
/// ```
#[derive(Debug)]
pub struct MockServerBuilder {
    world: Option<World>,
    clock: Clock,
    state_file: Option<PathBuf>,
    addr: SocketAddr,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            world: None,
            clock: Clock::system(),
            state_file: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl MockServerBuilder {
    /// Serves `world` (the demo world when not set).
    pub fn world(mut self, world: World) -> Self {
        self.world = Some(world);
        self
    }

    /// Reads the time from `clock` (the system clock when not set). Keep a clone to move the
    /// time, or take it later from [`MockServer::clock`].
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Reads the time from a manual clock that stands at `start` until it is moved.
    pub fn manual_clock(self, start: SystemTime) -> Self {
        self.clock(Clock::manual(start))
    }

    /// Persists every change to `path` (an atomic write after each change).
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Listens on `addr` (`127.0.0.1:0` when not set).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Binds the address and starts serving.
    pub async fn bind(self) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let base = format!("http://{host}:{}", addr.port());
        let replays = Arc::new(Replays::default());
        let exchange = Arc::new(ExchangeState::default());
        let altinn2 = Arc::new(Altinn2State::default());
        let altinn3 = Arc::new(Altinn3State::default());
        let resets: Vec<Arc<dyn Reset>> = vec![replays.clone(), exchange.clone(), altinn3.clone()];
        let core = Arc::new(Core::new(
            base,
            self.world.unwrap_or_else(World::demo),
            self.state_file,
            self.clock,
            resets,
        ));
        if core.world.has_state_file() {
            // Write the starting world at once, so the file exists from the first moment.
            core.world.update(|_| ());
        }
        let (shutdown, rx) = watch::channel(false);
        let app = router(&core, replays, exchange, altinn2, altinn3);
        tokio::spawn(listen::accept_loop(listener, app, rx));
        Ok(MockServer {
            shared: core,
            addr,
            shutdown,
        })
    }

    /// Starts serving; for the default `127.0.0.1:0`, which does not fail to bind.
    ///
    /// # Panics
    ///
    /// When the address cannot be bound (only possible with [`MockServerBuilder::listen`]).
    pub async fn start(self) -> MockServer {
        let addr = self.addr;
        match self.bind().await {
            Ok(server) => server,
            Err(e) => panic!("binding {addr} failed: {e}"),
        }
    }
}

/// An in-process fake of Maskinporten, the Altinn token exchange and the Altinn 2 REST API.
///
/// One per test: [`MockServer::start`] binds `127.0.0.1:0` and serves until the value is
/// dropped.
pub struct MockServer {
    shared: Arc<Core>,
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
        Self::builder().world(world).start().await
    }

    /// Starts a server with the given world on `127.0.0.1:0`, reading the time from `clock`
    /// (for instance [`Clock::manual`]).
    pub async fn start_with_clock(world: World, clock: Clock) -> MockServer {
        Self::builder().world(world).clock(clock).start().await
    }

    /// A builder for a server with a chosen world, clock, state file or address.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Starts a server on `addr` with a world, persisting every change to `state_file` (an
    /// atomic write after each change) when one is given. This is what the binary uses.
    pub async fn bind(
        addr: SocketAddr,
        world: World,
        state_file: Option<PathBuf>,
    ) -> std::io::Result<MockServer> {
        let builder = Self::builder().listen(addr).world(world);
        match state_file {
            Some(path) => builder.state_file(path).bind().await,
            None => builder.bind().await,
        }
    }

    /// The server's clock: every time-based rule reads it. A handle, so moving it
    /// ([`Clock::advance`], [`Clock::set`]) moves the server's time.
    pub fn clock(&self) -> Clock {
        self.shared.clock.clone()
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
        World::clone(&self.shared.world.read())
    }

    /// Replaces the world (persisted if a state file is configured).
    pub fn set_world(&self, world: World) {
        self.shared.world.replace(world);
    }

    /// Changes the world in place.
    pub fn update_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        self.shared.world.update(f)
    }

    /// Replaces the fault configuration (and re-seeds the decision generator).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    /// The current fault configuration.
    pub fn faults(&self) -> Faults {
        self.shared.faults.get()
    }

    /// Adds one fault rule to the current configuration.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults.modify(|f| f.rules.push(rule));
    }

    /// Switches the Maskinporten outage (every Maskinporten route answers 503) on or off.
    /// Switching it off also ends an outage set with
    /// [`MockServer::set_maskinporten_outage_until`].
    pub fn set_maskinporten_outage(&self, on: bool) {
        if !on {
            self.shared.faults.set_outage_until(None);
        }
        self.shared.faults.modify(|f| f.maskinporten_outage = on);
    }

    /// Starts a Maskinporten outage that lasts until `end` on the server's clock: every
    /// Maskinporten route answers 503 while the clock reads earlier than `end`, and the outage
    /// is over once the clock reaches it (by real time passing, or by [`Clock::advance`]).
    pub fn set_maskinporten_outage_until(&self, end: SystemTime) {
        self.shared.faults.set_outage_until(Some(end));
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.set(Faults::default());
    }

    /// Restores the starting world and clears counters, log, faults, the grant replay store
    /// and lockouts. The clock is left as it is.
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
        altinn::mint_for(&self.shared, user, org, scopes, unix(expires_at))
    }

    /// Mints an Altinn token exactly as the exchange would for a system user's Maskinporten
    /// token: `authorization_details` names the system user, `urn:altinn:orgNumber` is the
    /// vendor (the client's organisation), and there is no user or party claim. `None` when
    /// the world has no system user with that id.
    pub fn mint_system_user_token(
        &self,
        system_user_id: &str,
        scopes: &[&str],
        expires_at: SystemTime,
    ) -> Option<String> {
        altinn::mint_for_system_user(&self.shared, system_user_id, scopes, unix(expires_at))
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
        access::mint(
            &self.shared,
            client_id,
            org,
            &scopes.join(" "),
            unix(expires_at),
        )
    }

    /// The mock's public signing key as a JWK (what `/jwk` serves).
    pub fn signing_jwk(&self) -> serde_json::Value {
        self.shared.keys.jwk.clone()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
