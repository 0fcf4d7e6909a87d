//! Shared, concurrency-safe server state: the world, the request log, counters, faults, the
//! grant replay store, enterprise-user lockouts and the token-verification cache.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, Ordering},
    },
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use crate::{
    indexed::IndexedWorld,
    jwt::MockKeys,
    record::{Counters, RequestLog},
    world::World,
};

/// The most requests the log keeps; older ones are dropped first.
pub const REQUEST_LOG_CAPACITY: usize = 10_000;
/// The most verified tokens the verification cache keeps before it starts over.
const TOKEN_CACHE_CAPACITY: usize = 10_000;

/// One request as the mock saw it, with credentials redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path as sent (before case normalisation).
    pub path: String,
    /// Query string, if any.
    pub query: Option<String>,
    /// The matched route template, e.g. `GET /api/{who}/authorization/Delegations/{receiverId}`.
    pub route: Option<String>,
    /// Headers; `Authorization`, `ApiKey` and the enterprise-user header are redacted.
    pub headers: Vec<(String, String)>,
    /// Request body size in bytes.
    pub body_size: u64,
    /// The status the mock answered with (0 when the connection was dropped).
    pub status: u16,
}

/// Fault injection settings. Decisions come from one random generator seeded with `seed`,
/// so a sequence of requests meets the same faults on every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Seed of the decision generator (re-seeded whenever faults are set).
    pub seed: u64,
    /// Rules, checked in order; the first rule whose route matches applies.
    pub rules: Vec<FaultRule>,
    /// Every Maskinporten route answers 503 with `Retry-After`.
    pub maskinporten_outage: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            seed: 0x5eed,
            rules: Vec::new(),
            maskinporten_outage: false,
        }
    }
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRule {
    /// Route key as in counters (`POST /token`), or `*` for every route except `/_mock/`.
    pub route: String,
    /// Added latency before answering, milliseconds.
    pub latency_ms: u64,
    /// Share of requests (0.0–1.0) answered with `error_status`.
    pub error_rate: f64,
    /// 500 or 503 (503 carries `Retry-After: retry_after_secs`).
    pub error_status: u16,
    /// Share of requests answered 429 with `Retry-After`.
    pub rate_limit_rate: f64,
    /// Share of requests whose connection is dropped without an answer.
    pub drop_rate: f64,
    /// Share of requests that are carried out and whose answer is then lost (the connection
    /// is dropped after the change was made). This is the fault that tells a client which
    /// retries are safe: repeating such a request must not duplicate what it did.
    pub lost_response_rate: f64,
    /// `Retry-After` seconds on 503 and 429.
    pub retry_after_secs: u64,
    /// Apply to this many matching requests only, then remove the rule. `None` is forever.
    pub times: Option<u64>,
}

impl Default for FaultRule {
    fn default() -> Self {
        FaultRule {
            route: "*".to_owned(),
            latency_ms: 0,
            error_rate: 0.0,
            error_status: 503,
            rate_limit_rate: 0.0,
            drop_rate: 0.0,
            lost_response_rate: 0.0,
            retry_after_secs: 1,
            times: None,
        }
    }
}

impl FaultRule {
    /// A rule that answers every matching request with `status` (500, 503 or 429).
    pub fn always(route: &str, status: u16) -> Self {
        let mut rule = FaultRule {
            route: route.to_owned(),
            ..FaultRule::default()
        };
        if status == 429 {
            rule.rate_limit_rate = 1.0;
        } else {
            rule.error_rate = 1.0;
            rule.error_status = status;
        }
        rule
    }

    /// A rule that drops the connection of every matching request.
    pub fn drop_connection(route: &str) -> Self {
        FaultRule {
            route: route.to_owned(),
            drop_rate: 1.0,
            ..FaultRule::default()
        }
    }

    /// Limits the rule to the next `n` matching requests.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }
}

/// What fault injection decided for one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultDecision {
    pub(crate) latency_ms: u64,
    pub(crate) status: Option<(u16, Option<u64>)>,
    pub(crate) drop: bool,
    /// Carry the request out, then drop the connection instead of answering.
    pub(crate) lose_response: bool,
}

pub(crate) struct FaultState {
    pub(crate) config: Faults,
    rng: StdRng,
}

impl FaultState {
    fn new(config: Faults) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        FaultState { config, rng }
    }

    pub(crate) fn decide(&mut self, route: &str, maskinporten: bool) -> FaultDecision {
        let mut decision = FaultDecision::default();
        if maskinporten && self.config.maskinporten_outage {
            decision.status = Some((503, Some(30)));
            return decision;
        }
        let Some(idx) = self
            .config
            .rules
            .iter()
            .position(|r| r.route == "*" || r.route.eq_ignore_ascii_case(route))
        else {
            return decision;
        };
        let rule = self.config.rules[idx].clone();
        decision.latency_ms = rule.latency_ms;
        let roll: f64 = self.rng.random();
        if roll < rule.drop_rate {
            decision.drop = true;
        } else if roll < rule.drop_rate + rule.error_rate {
            let retry = (rule.error_status == 503).then_some(rule.retry_after_secs);
            decision.status = Some((rule.error_status, retry));
        } else if roll < rule.drop_rate + rule.error_rate + rule.rate_limit_rate {
            decision.status = Some((429, Some(rule.retry_after_secs)));
        } else if roll
            < rule.drop_rate + rule.error_rate + rule.rate_limit_rate + rule.lost_response_rate
        {
            decision.lose_response = true;
        }
        if let Some(n) = rule.times {
            if n <= 1 {
                self.config.rules.remove(idx);
            } else {
                self.config.rules[idx].times = Some(n - 1);
            }
        }
        decision
    }
}

/// What the Altinn 2 API needs from a verified Altinn token.
#[derive(Debug, Clone)]
pub(crate) struct AltinnIdentity {
    pub(crate) exp: i64,
    pub(crate) user: Option<String>,
    pub(crate) org: String,
    pub(crate) scopes: Vec<String>,
}

/// What the exchange needs from a verified Maskinporten token.
#[derive(Debug, Clone)]
pub(crate) struct MaskinportenIdentity {
    pub(crate) exp: i64,
    pub(crate) claims: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Lockout {
    pub(crate) failures: u32,
    pub(crate) locked_until: i64,
}

pub(crate) struct Shared {
    pub(crate) base: String,
    pub(crate) keys: MockKeys,
    pub(crate) world: RwLock<IndexedWorld>,
    pub(crate) initial: World,
    pub(crate) counters: Counters,
    pub(crate) log: RequestLog,
    pub(crate) faults: Mutex<FaultState>,
    /// Whether any fault may apply, so that requests skip the fault lock when none can.
    faults_active: AtomicBool,
    pub(crate) replay: Mutex<HashMap<String, i64>>,
    pub(crate) lockouts: Mutex<HashMap<String, Lockout>>,
    pub(crate) altinn_cache: RwLock<HashMap<String, Arc<AltinnIdentity>>>,
    pub(crate) mp_cache: RwLock<HashMap<String, Arc<MaskinportenIdentity>>>,
    pub(crate) state_file: Option<PathBuf>,
    /// The version of the world (see [`IndexedWorld::version`]) the state file holds. Held
    /// while the file is written, so writes are ordered and a waiting change can see whether
    /// the write before it already carried it.
    persisted: Mutex<Option<u64>>,
}

pub(crate) type AppState = Arc<Shared>;

impl Shared {
    pub(crate) fn new(base: String, world: World, state_file: Option<PathBuf>) -> Self {
        Shared {
            base,
            keys: MockKeys::load(),
            initial: world.clone(),
            world: RwLock::new(IndexedWorld::new(world)),
            counters: Counters::new(),
            log: RequestLog::new(),
            faults: Mutex::new(FaultState::new(Faults::default())),
            faults_active: AtomicBool::new(false),
            replay: Mutex::new(HashMap::new()),
            lockouts: Mutex::new(HashMap::new()),
            altinn_cache: RwLock::new(HashMap::new()),
            mp_cache: RwLock::new(HashMap::new()),
            state_file,
            persisted: Mutex::new(None),
        }
    }

    pub(crate) fn issuer(&self) -> String {
        format!("{}/", self.base)
    }

    pub(crate) fn altinn_issuer(&self) -> String {
        format!("{}/authentication/api/v1/openid/", self.base)
    }

    pub(crate) fn read_world(&self) -> std::sync::RwLockReadGuard<'_, IndexedWorld> {
        self.world.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_world(&self) -> std::sync::RwLockWriteGuard<'_, IndexedWorld> {
        self.world.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the world with a closure that may change anything (the indexes are rebuilt)
    /// and persists it (when a state file is configured) before returning.
    pub(crate) fn update_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let (result, version) = {
            let mut w = self.write_world();
            let r = w.modify(f);
            (r, w.version())
        };
        self.persist_through(version);
        result
    }

    /// Replaces the world and persists it before returning.
    pub(crate) fn replace_world(&self, world: World) {
        let version = {
            let mut w = self.write_world();
            w.replace(world);
            w.version()
        };
        self.persist_through(version);
    }

    /// Changes rights and roles (the handlers' path; the indexes stay as they are). Returns
    /// the closure's result and, when the closure changed something and a state file is
    /// configured, the version that must be persisted before the change is acknowledged
    /// ([`Shared::persist`]).
    pub(crate) fn change_world<R>(
        &self,
        f: impl FnOnce(&mut IndexedWorld) -> R,
    ) -> (R, Option<u64>) {
        let mut w = self.write_world();
        let before = w.version();
        let r = f(&mut w);
        let version = w.version();
        let pending = (version != before && self.state_file.is_some()).then_some(version);
        (r, pending)
    }

    /// Waits until the state file holds `version` of the world or a later one, without
    /// holding up a runtime worker while the file is written and synced.
    pub(crate) async fn persist(self: &Arc<Self>, version: Option<u64>) {
        let Some(version) = version else { return };
        let s = self.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || s.persist_through(version)).await {
            tracing::error!("could not persist the world: {e}");
        }
    }

    /// Writes the world to the state file, unless a write that began after the world
    /// reached `version` already finished. Changes made while a write is in flight are
    /// carried together by the next one: whoever takes the lock first writes the newest
    /// world, and everyone it covered returns without writing again.
    pub(crate) fn persist_through(&self, version: u64) {
        let Some(path) = &self.state_file else { return };
        let mut persisted = self.persisted.lock().unwrap_or_else(|e| e.into_inner());
        if persisted.is_some_and(|p| p >= version) {
            return;
        }
        let (snapshot, snapshot_version) = {
            let w = self.read_world();
            (World::clone(&w), w.version())
        };
        match snapshot.save_atomic(path) {
            Ok(()) => *persisted = Some(snapshot_version),
            Err(e) => tracing::error!("could not persist the world: {e}"),
        }
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        let mut state = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        let active = !faults.rules.is_empty() || faults.maskinporten_outage;
        *state = FaultState::new(faults);
        // Set under the lock, so the flag never says "none" while a fault is configured.
        self.faults_active.store(active, Ordering::Release);
    }

    /// Whether any fault may apply; when this is false no fault applies and the fault lock
    /// need not be taken.
    pub(crate) fn faults_active(&self) -> bool {
        self.faults_active.load(Ordering::Acquire)
    }

    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .config
            .clone()
    }

    pub(crate) fn reset(&self) {
        self.replace_world(self.initial.clone());
        self.counters.clear();
        self.log.clear();
        self.set_faults(Faults::default());
        self.replay
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.lockouts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub(crate) fn cached_altinn(&self, token: &str) -> Option<Arc<AltinnIdentity>> {
        self.altinn_cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()
    }

    pub(crate) fn cache_altinn(&self, token: &str, id: Arc<AltinnIdentity>) {
        let mut c = self.altinn_cache.write().unwrap_or_else(|e| e.into_inner());
        if c.len() >= TOKEN_CACHE_CAPACITY {
            c.clear();
        }
        c.insert(token.to_owned(), id);
    }

    pub(crate) fn cached_mp(&self, token: &str) -> Option<Arc<MaskinportenIdentity>> {
        self.mp_cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()
    }

    pub(crate) fn cache_mp(&self, token: &str, id: Arc<MaskinportenIdentity>) {
        let mut c = self.mp_cache.write().unwrap_or_else(|e| e.into_inner());
        if c.len() >= TOKEN_CACHE_CAPACITY {
            c.clear();
        }
        c.insert(token.to_owned(), id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_with_state_file() -> (tempfile::TempDir, PathBuf, Shared) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let s = Shared::new(
            "http://127.0.0.1:1".into(),
            World::demo(),
            Some(path.clone()),
        );
        (dir, path, s)
    }

    fn drop_a_right(s: &Shared) -> u64 {
        let ((), pending) = s.change_world(|w| {
            w.rights_mut().pop();
        });
        pending.expect("a change with a state file is to be persisted")
    }

    #[test]
    fn a_write_that_carried_a_change_is_not_repeated() {
        let (_dir, path, s) = shared_with_state_file();
        let first = drop_a_right(&s);
        let second = drop_a_right(&s);
        assert!(second > first);
        s.persist_through(second);
        assert_eq!(World::load(&path).unwrap(), World::clone(&s.read_world()));
        // The write for the second change carried the first one, so persisting the first
        // one does not write again.
        std::fs::remove_file(&path).unwrap();
        s.persist_through(first);
        assert!(!path.exists());
        // A later change is written.
        let third = drop_a_right(&s);
        s.persist_through(third);
        assert_eq!(World::load(&path).unwrap(), World::clone(&s.read_world()));
    }

    #[test]
    fn a_request_that_changed_nothing_writes_nothing() {
        let (_dir, _path, s) = shared_with_state_file();
        let (rights, pending) = s.change_world(|w| w.rights.len());
        assert_eq!(rights, World::demo().rights.len());
        assert_eq!(pending, None);
    }

    #[test]
    fn without_a_state_file_nothing_is_pending() {
        let s = Shared::new("http://127.0.0.1:1".into(), World::demo(), None);
        let ((), pending) = s.change_world(|w| {
            w.rights_mut().pop();
        });
        assert_eq!(pending, None);
    }

    #[test]
    fn the_fault_flag_follows_the_configuration() {
        let s = Shared::new("http://127.0.0.1:1".into(), World::demo(), None);
        assert!(!s.faults_active());
        s.set_faults(Faults {
            rules: vec![FaultRule::always("POST /token", 503)],
            ..Faults::default()
        });
        assert!(s.faults_active());
        s.set_faults(Faults::default());
        assert!(!s.faults_active());
        s.set_faults(Faults {
            maskinporten_outage: true,
            ..Faults::default()
        });
        assert!(s.faults_active());
        s.reset();
        assert!(!s.faults_active());
    }
}
