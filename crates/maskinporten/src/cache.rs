//! The token cache: refresh-ahead, per-key single-flight, forced refresh and invalidation.
//!
//! Reading a fresh token takes no lock: the map of keys and each key's token sit behind
//! `arc-swap` pointers, which readers load without writing to shared memory. Writers (a new
//! key, a new token) swap in a new value. A per-key async mutex is taken only on a miss, so N
//! concurrent callers of a cold key cause one request and the others wait for its answer.

use std::{
    collections::HashMap,
    fmt,
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use arc_swap::{ArcSwap, ArcSwapOption};
use rustc_hash::FxBuildHasher;
use tilgang_domain::secret::AccessToken;
use tilgang_ports::{Clock, TokenError, TokenRequest};

/// When to refresh a cached token ahead of its expiry.
///
/// The margin is `max(min_margin, lifetime × lifetime_percent / 100)`, capped at half the
/// lifetime so that short tokens (Maskinporten's default is 120 s) are still used for a while.
/// With [`RefreshPolicy::RECOMMENDED`] a 120 s token is refreshed after 96 s, a 600 s token
/// after 480 s, and a 10 s token after 5 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// The smallest margin.
    pub min_margin: Duration,
    /// The margin as a share of the token's lifetime, in percent.
    pub lifetime_percent: u8,
}

impl RefreshPolicy {
    /// 10 s or 20 % of the lifetime, whichever is larger (`shared/spec/maskinporten.md` §1.9).
    pub const RECOMMENDED: RefreshPolicy = RefreshPolicy {
        min_margin: Duration::from_secs(10),
        lifetime_percent: 20,
    };

    /// When a token received at `received_at` that expires at `expires_at` should be
    /// refreshed.
    pub fn refresh_at(&self, received_at: SystemTime, expires_at: SystemTime) -> SystemTime {
        let lifetime = expires_at
            .duration_since(received_at)
            .unwrap_or(Duration::ZERO);
        let share = lifetime.mul_f64(f64::from(self.lifetime_percent) / 100.0);
        let margin = self.min_margin.max(share).min(lifetime / 2);
        expires_at - margin
    }
}

/// A cache of Maskinporten tokens, shareable between clients.
///
/// Tokens are keyed by everything that changes a token's identity: the issuer, client id and
/// key id (one partition per client identity) and the whole [`TokenRequest`] (the sorted scope
/// set, resource, consumer_org, pid, iss_onbehalfof and system user). Its `Debug` prints only
/// counts.
#[derive(Default)]
pub struct TokenCache {
    partitions: Mutex<HashMap<Identity, Arc<Partition>>>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Arc<Self> {
        Arc::new(TokenCache::default())
    }

    pub(crate) fn partition(&self, identity: Identity) -> Arc<Partition> {
        let mut partitions = self
            .partitions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        partitions.entry(identity).or_default().clone()
    }

    /// How many tokens are cached (fresh or not).
    pub fn len(&self) -> usize {
        let partitions = self
            .partitions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        partitions
            .values()
            .map(|p| {
                p.slots
                    .load()
                    .values()
                    .filter(|s| s.current.load().is_some())
                    .count()
            })
            .sum()
    }

    /// Whether no token is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("tokens", &self.len())
            .finish()
    }
}

/// Who a token is for, apart from the request: issuer, client id and key id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Identity {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) key_id: String,
}

/// The map behind a partition. Keys come from the application's own requests, not from
/// outside, so a fast non-DoS-resistant hasher is fine and keeps the hot path short.
type SlotMap = HashMap<TokenRequest, Arc<Slot<AccessToken>>, FxBuildHasher>;

/// The tokens of one client identity, keyed by request.
#[derive(Default)]
pub(crate) struct Partition {
    slots: ArcSwap<SlotMap>,
    insert: Mutex<()>,
}

impl Partition {
    /// The hot path: a token that needs no refresh yet, without taking any lock.
    #[inline]
    pub(crate) fn fresh(&self, request: &TokenRequest, now: SystemTime) -> Option<AccessToken> {
        self.slots.load().get(request)?.fresh(now)
    }

    /// The hot path without a copy: `f` sees the fresh token in place.
    #[inline]
    pub(crate) fn with_fresh<R>(
        &self,
        request: &TokenRequest,
        now: SystemTime,
        f: impl FnOnce(&AccessToken) -> R,
    ) -> Option<R> {
        self.slots.load().get(request)?.with_fresh(now, f)
    }

    /// The slot for `request`, created when missing.
    pub(crate) fn slot(&self, request: &TokenRequest, now: SystemTime) -> Arc<Slot<AccessToken>> {
        if let Some(slot) = self.slots.load().get(request) {
            return slot.clone();
        }
        let _guard = self
            .insert
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.slots.load_full();
        if let Some(slot) = current.get(request) {
            return slot.clone();
        }
        // Copy-on-write: readers keep using the old map until the new one is stored. Slots whose
        // token has expired and that nobody is refreshing are dropped on the way, so the map
        // does not grow without bound when requests vary.
        let mut next: SlotMap = current
            .iter()
            .filter(|(_, slot)| !slot.is_dead(now))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let slot = Arc::new(Slot::new());
        next.insert(request.clone(), slot.clone());
        self.slots.store(Arc::new(next));
        slot
    }

    /// The slot for `request`, if one exists.
    pub(crate) fn existing(&self, request: &TokenRequest) -> Option<Arc<Slot<AccessToken>>> {
        self.slots.load().get(request).cloned()
    }
}

/// Whether to use a cached token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// Use the cached token unless it is due for refresh.
    IfStale,
    /// Fetch a new one, unless another caller fetched one after this call began.
    Force,
}

/// A cached value with its refresh and expiry times.
pub(crate) struct Cached<T> {
    value: T,
    refresh_at: SystemTime,
    expires_at: SystemTime,
}

/// A value with an expiry, as fetched.
pub(crate) struct Fetched<T> {
    pub(crate) value: T,
    pub(crate) received_at: SystemTime,
    pub(crate) expires_at: SystemTime,
}

/// One cache entry: the current value and the single-flight lock for refreshing it.
pub(crate) struct Slot<T> {
    current: ArcSwapOption<Cached<T>>,
    fetching: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

/// A stale token is still handed out while another caller refreshes it, as long as it has
/// at least this long left; closer to expiry, callers wait for the refresh instead.
const STALE_GRACE: Duration = Duration::from_secs(2);

impl<T: Clone> Slot<T> {
    pub(crate) fn new() -> Self {
        Slot {
            current: ArcSwapOption::empty(),
            fetching: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(crate) fn fresh(&self, now: SystemTime) -> Option<T> {
        match &*self.current.load() {
            Some(cached) if now < cached.refresh_at => Some(cached.value.clone()),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn with_fresh<R>(&self, now: SystemTime, f: impl FnOnce(&T) -> R) -> Option<R> {
        match &*self.current.load() {
            Some(cached) if now < cached.refresh_at => Some(f(&cached.value)),
            _ => None,
        }
    }

    fn usable(&self, now: SystemTime) -> Option<T> {
        match &*self.current.load() {
            Some(cached) if now + STALE_GRACE < cached.expires_at => Some(cached.value.clone()),
            _ => None,
        }
    }

    fn is_dead(&self, now: SystemTime) -> bool {
        match &*self.current.load() {
            Some(cached) => cached.expires_at <= now && self.fetching.try_lock().is_ok(),
            None => false,
        }
    }

    pub(crate) fn invalidate(&self) {
        self.current.store(None);
    }

    /// The cached value, or a new one from `fetch`, with one `fetch` at a time per slot.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &RefreshPolicy,
        mode: Fetch,
        fetch: F,
    ) -> Result<T, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, TokenError>>,
    {
        let seen_generation = self.generation.load(Ordering::Acquire);
        if mode == Fetch::IfStale
            && let Some(value) = self.fresh(clock.now())
        {
            return Ok(value);
        }
        let _guard = match self.fetching.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is already refreshing. A token that is due for refresh but still
                // valid serves this caller; otherwise wait for the refresh.
                if mode == Fetch::IfStale
                    && let Some(value) = self.usable(clock.now())
                {
                    return Ok(value);
                }
                self.fetching.lock().await
            }
        };
        // The caller that held the lock may have stored what we need.
        let now = clock.now();
        let refreshed_meanwhile = self.generation.load(Ordering::Acquire) != seen_generation;
        if (mode == Fetch::IfStale || refreshed_meanwhile)
            && let Some(value) = self.fresh(now)
        {
            return Ok(value);
        }
        match fetch().await {
            Ok(fetched) => {
                self.current.store(Some(Arc::new(Cached {
                    value: fetched.value.clone(),
                    refresh_at: policy.refresh_at(fetched.received_at, fetched.expires_at),
                    expires_at: fetched.expires_at,
                })));
                self.generation.fetch_add(1, Ordering::AcqRel);
                Ok(fetched.value)
            }
            Err(error) => {
                // A refresh that fails while the old token is still valid is not the caller's
                // problem yet: hand out the old one and try again on the next call.
                if mode == Fetch::IfStale
                    && let Some(value) = self.usable(clock.now())
                {
                    tracing::warn!(%error, "token refresh failed; using the cached token until it expires");
                    return Ok(value);
                }
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    struct FixedClock(Mutex<SystemTime>);
    impl Clock for FixedClock {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }
    impl FixedClock {
        fn advance(&self, d: Duration) {
            *self.0.lock().unwrap() += d;
        }
    }

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn margins() {
        let p = RefreshPolicy::RECOMMENDED;
        let at = |secs| p.refresh_at(t0(), t0() + Duration::from_secs(secs));
        assert_eq!(at(120), t0() + Duration::from_secs(96));
        assert_eq!(at(600), t0() + Duration::from_secs(480));
        assert_eq!(at(10), t0() + Duration::from_secs(5));
        assert_eq!(at(30), t0() + Duration::from_secs(20));
    }

    #[tokio::test]
    async fn caches_refreshes_and_forces() {
        let clock = FixedClock(Mutex::new(t0()));
        let slot = Slot::<u32>::new();
        let calls = AtomicUsize::new(0);
        let fetch = || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) as u32 + 1;
            Ok(Fetched {
                value: n,
                received_at: clock.now(),
                expires_at: clock.now() + Duration::from_secs(120),
            })
        };
        let p = RefreshPolicy::RECOMMENDED;
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, fetch)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, fetch)
                .await
                .unwrap(),
            1
        );
        clock.advance(Duration::from_secs(95));
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, fetch)
                .await
                .unwrap(),
            1
        );
        clock.advance(Duration::from_secs(2));
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, fetch)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::Force, fetch)
                .await
                .unwrap(),
            3
        );
        assert_eq!(slot.generation.load(Ordering::SeqCst), 3);
        slot.invalidate();
        assert_eq!(slot.fresh(clock.now()), None);
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, fetch)
                .await
                .unwrap(),
            4
        );
    }

    #[tokio::test]
    async fn failed_refresh_keeps_a_valid_token() {
        let clock = FixedClock(Mutex::new(t0()));
        let slot = Slot::<u32>::new();
        let p = RefreshPolicy::RECOMMENDED;
        let ok = || async {
            Ok(Fetched {
                value: 7,
                received_at: clock.now(),
                expires_at: clock.now() + Duration::from_secs(120),
            })
        };
        let failing = || async {
            Err::<Fetched<u32>, _>(TokenError::InvalidResponse {
                message: "down".into(),
            })
        };
        slot.get_or_fetch(&clock, &p, Fetch::IfStale, ok)
            .await
            .unwrap();
        clock.advance(Duration::from_secs(100));
        assert_eq!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, failing)
                .await
                .unwrap(),
            7
        );
        clock.advance(Duration::from_secs(19));
        assert!(
            slot.get_or_fetch(&clock, &p, Fetch::IfStale, failing)
                .await
                .is_err()
        );
    }
}
