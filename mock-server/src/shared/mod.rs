//! The layer under the fakes: what more than one fake needs, and what the server needs to
//! serve them all.
//!
//! Nothing here imports a fake. A fake imports from here and never from another fake; when
//! two fakes need the same piece (the exchange verifies the tokens Maskinporten issues, the
//! Altinn 2 API verifies the tokens the exchange issues), that piece lives here.
//!
//! - [`clock`]: the injectable clock every time-based rule reads.
//! - [`routes`]: the route names ([`routes::Endpoint`]) and `METHOD /template` keys.
//! - [`record`]: route counters and the request log, credentials redacted.
//! - [`faults`]: fault configuration and the per-request decision.
//! - [`store`]: the world behind its lock, and the state file.
//! - [`indexed`]: the world with its party indexes.
//! - [`credentials`]: header names and bearer parsing.
//! - [`tokens`]: the Maskinporten access tokens and Altinn tokens, minted and verified.

pub(crate) mod clock;
pub(crate) mod credentials;
pub(crate) mod faults;
pub(crate) mod indexed;
pub(crate) mod record;
pub(crate) mod routes;
pub(crate) mod store;
pub(crate) mod tokens;

use std::{path::PathBuf, sync::Arc};

use crate::{jwt::MockKeys, world::World};

use self::{
    clock::Clock,
    faults::{FaultSwitch, Faults},
    record::{Counters, RequestLog},
    store::WorldStore,
};

/// A fake's private state that a reset must clear (the grant replay store, lockouts). The
/// server hands these to [`Core`], so the shared layer can reset a fake without knowing it.
pub(crate) trait Reset: Send + Sync {
    /// Forgets everything the fake learned from requests.
    fn reset(&self);
}

/// What every fake shares: the address, the signing key, the clock, the world, and the
/// observation and fault machinery.
pub(crate) struct Core {
    /// The base URI, `http://host:port`, without a trailing slash.
    pub(crate) base: String,
    pub(crate) keys: MockKeys,
    pub(crate) clock: Clock,
    pub(crate) world: Arc<WorldStore>,
    pub(crate) counters: Counters,
    pub(crate) log: RequestLog,
    pub(crate) faults: FaultSwitch,
    resets: Vec<Arc<dyn Reset>>,
}

impl Core {
    pub(crate) fn new(
        base: String,
        world: World,
        state_file: Option<PathBuf>,
        clock: Clock,
        resets: Vec<Arc<dyn Reset>>,
    ) -> Self {
        Core {
            base,
            keys: MockKeys::load(),
            clock,
            world: Arc::new(WorldStore::new(world, state_file)),
            counters: Counters::new(),
            log: RequestLog::new(),
            faults: FaultSwitch::default(),
            resets,
        }
    }

    /// The Maskinporten issuer, `{base}/`.
    pub(crate) fn issuer(&self) -> String {
        format!("{}/", self.base)
    }

    /// The issuer of the Altinn tokens the exchange mints.
    pub(crate) fn altinn_issuer(&self) -> String {
        format!("{}/authentication/api/v1/openid/", self.base)
    }

    /// The mock clock's time in Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        self.clock.unix()
    }

    /// Restores the starting world and clears counters, log, faults and every fake's
    /// private state. The clock is left where it is: time does not go back on reset.
    pub(crate) fn reset(&self) {
        self.world.reset();
        self.counters.clear();
        self.log.clear();
        self.faults.set(Faults::default());
        for fake in &self.resets {
            fake.reset();
        }
    }
}
