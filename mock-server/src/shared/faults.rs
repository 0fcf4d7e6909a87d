//! Fault injection: the configuration ([`Faults`], [`FaultRule`]), the seeded decision for
//! each request, and the Maskinporten outage, which may be switched on until a time on the
//! mock's clock.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::SystemTime,
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

use crate::shared::{clock::Clock, routes::RouteKey};

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

struct FaultState {
    config: Faults,
    /// The end (on the mock's clock) of a Maskinporten outage switched on until a time. It is
    /// kept beside the configuration, not in it, so that [`Faults`] keeps its fields.
    outage_until: Option<SystemTime>,
    rng: StdRng,
}

impl FaultState {
    fn new(config: Faults, outage_until: Option<SystemTime>) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        FaultState {
            config,
            outage_until,
            rng,
        }
    }

    /// Whether any fault may apply at all.
    fn any(&self) -> bool {
        !self.config.rules.is_empty()
            || self.config.maskinporten_outage
            || self.outage_until.is_some()
    }

    fn outage(&self, now: SystemTime) -> bool {
        self.config.maskinporten_outage || self.outage_until.is_some_and(|end| now < end)
    }

    fn decide(&mut self, route: &str, maskinporten: bool, now: SystemTime) -> FaultDecision {
        let mut decision = FaultDecision::default();
        if maskinporten && self.outage(now) {
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

/// The fault configuration in force, behind one lock, with a flag that lets requests skip
/// the lock when no fault is configured.
pub(crate) struct FaultSwitch {
    state: Mutex<FaultState>,
    /// Whether any fault may apply, so that requests skip the fault lock when none can.
    active: AtomicBool,
}

impl Default for FaultSwitch {
    fn default() -> Self {
        FaultSwitch {
            state: Mutex::new(FaultState::new(Faults::default(), None)),
            active: AtomicBool::new(false),
        }
    }
}

impl FaultSwitch {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn store(&self, state: &mut FaultState, new: FaultState) {
        *state = new;
        // Set under the lock, so the flag never says "none" while a fault is configured.
        self.active.store(state.any(), Ordering::Release);
    }

    /// Replaces the whole configuration, a timed outage included, and re-seeds the
    /// decision generator.
    pub(crate) fn set(&self, faults: Faults) {
        let mut state = self.lock();
        self.store(&mut state, FaultState::new(faults, None));
    }

    /// Changes the configuration (re-seeding the generator) and keeps a timed outage.
    pub(crate) fn modify(&self, f: impl FnOnce(&mut Faults)) {
        let mut state = self.lock();
        let mut config = state.config.clone();
        f(&mut config);
        let until = state.outage_until;
        self.store(&mut state, FaultState::new(config, until));
    }

    /// Switches the Maskinporten outage on until `end` on the mock's clock (`None`: no timed
    /// outage). The decision generator is left as it is.
    pub(crate) fn set_outage_until(&self, end: Option<SystemTime>) {
        let mut state = self.lock();
        state.outage_until = end;
        self.active.store(state.any(), Ordering::Release);
    }

    /// The current configuration.
    pub(crate) fn get(&self) -> Faults {
        self.lock().config.clone()
    }

    /// What happens to a request on `route` (`None`: no route matched), or `None` when no
    /// fault is configured. That is the common case, and it takes no lock, reads no clock and
    /// formats no key.
    pub(crate) fn decide(&self, route: Option<&RouteKey>, clock: &Clock) -> Option<FaultDecision> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        let maskinporten = route
            .and_then(RouteKey::known)
            .is_some_and(|(method, endpoint)| endpoint.is_maskinporten(method));
        let key = route.map(RouteKey::text).unwrap_or_default();
        let now = clock.now();
        self.decide_at(&key, maskinporten, now)
    }

    /// The decision for a route key at `now`.
    fn decide_at(&self, route: &str, maskinporten: bool, now: SystemTime) -> Option<FaultDecision> {
        let mut state = self.lock();
        state.any().then(|| state.decide(route, maskinporten, now))
    }

    /// Whether any fault may apply.
    #[cfg(test)]
    pub(crate) fn active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_flag_follows_the_configuration() {
        let f = FaultSwitch::default();
        assert!(!f.active());
        f.set(Faults {
            rules: vec![FaultRule::always("POST /token", 503)],
            ..Faults::default()
        });
        assert!(f.active());
        f.set(Faults::default());
        assert!(!f.active());
        f.set(Faults {
            maskinporten_outage: true,
            ..Faults::default()
        });
        assert!(f.active());
        f.set(Faults::default());
        f.set_outage_until(Some(SystemTime::UNIX_EPOCH));
        assert!(f.active());
        f.set_outage_until(None);
        assert!(!f.active());
    }

    #[test]
    fn a_timed_outage_ends_at_its_time() {
        let f = FaultSwitch::default();
        let end = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        f.set_outage_until(Some(end));
        let before = f.decide_at("POST /token", true, end - Duration::from_millis(1));
        assert_eq!(before.and_then(|d| d.status), Some((503, Some(30))));
        let other = f.decide_at("GET /jwk", false, end - Duration::from_millis(1));
        assert_eq!(other.and_then(|d| d.status), None);
        let at_end = f.decide_at("POST /token", true, end);
        assert_eq!(at_end.and_then(|d| d.status), None);
        // Adding a rule keeps the timed outage; replacing the configuration ends it.
        f.modify(|c| c.rules.push(FaultRule::always("GET /jwk", 500)));
        let still = f.decide_at("POST /token", true, end - Duration::from_secs(1));
        assert_eq!(still.and_then(|d| d.status), Some((503, Some(30))));
        f.set(Faults::default());
        assert!(
            f.decide_at("POST /token", true, end - Duration::from_secs(1))
                .is_none()
        );
    }
}
