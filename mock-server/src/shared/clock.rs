//! The mock's clock: the one source of "now" for everything time-based in the fakes.
//!
//! Token issue and expiry, the grant's `iat`/`exp`/`nbf` checks, the replay window, key and
//! certificate expiry, enterprise-user lockouts, `DelegatedTime` and the timed Maskinporten
//! outage all read this clock, so a test can move time instead of waiting for it. Added
//! latency (`FaultRule::latency_ms`) is a property of the connection, not of the world, and
//! stays on real (tokio) time.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// How the clock tells the time.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The system time moved by an offset (zero unless the clock was advanced or set): time
    /// keeps running, and a test can still jump ahead.
    System {
        /// Nanoseconds added to the system time; negative after `set` to an earlier time.
        offset_nanos: i128,
    },
    /// A time that moves only when told to.
    Manual(SystemTime),
}

/// A handle on the mock's clock. Clones share one clock, so a handle taken from
/// [`MockServer::clock`](crate::MockServer::clock) moves the server's time.
///
/// The default is the system clock. [`Clock::manual`] makes a clock that stands still until
/// [`Clock::advance`] or [`Clock::set`] moves it; on a system clock these two move the time
/// by an offset, and it keeps running from there.
#[derive(Debug, Clone)]
pub struct Clock {
    mode: Arc<Mutex<Mode>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// The system clock (what a server uses unless told otherwise).
    pub fn system() -> Clock {
        Clock::with_mode(Mode::System { offset_nanos: 0 })
    }

    /// A clock that stands at `start` until it is advanced or set.
    pub fn manual(start: SystemTime) -> Clock {
        Clock::with_mode(Mode::Manual(start))
    }

    fn with_mode(mode: Mode) -> Clock {
        Clock {
            mode: Arc::new(Mutex::new(mode)),
        }
    }

    fn mode(&self) -> std::sync::MutexGuard<'_, Mode> {
        // The guarded value is a plain copy type, so a poisoned lock still holds a valid one.
        self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this clock stands still between moves.
    pub fn is_manual(&self) -> bool {
        matches!(*self.mode(), Mode::Manual(_))
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        match *self.mode() {
            Mode::System { offset_nanos } => shift(SystemTime::now(), offset_nanos),
            Mode::Manual(t) => t,
        }
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::System { offset_nanos } => Mode::System {
                offset_nanos: offset_nanos.saturating_add(nanos(by)),
            },
            Mode::Manual(t) => Mode::Manual(t.checked_add(by).unwrap_or(t)),
        };
    }

    /// Sets the time to `to` (which may be earlier than now). A system clock keeps running
    /// from there.
    pub fn set(&self, to: SystemTime) {
        let mut mode = self.mode();
        *mode = match *mode {
            Mode::System { .. } => Mode::System {
                offset_nanos: signed_nanos(to) - signed_nanos(SystemTime::now()),
            },
            Mode::Manual(_) => Mode::Manual(to),
        };
    }

    /// The current time in Unix seconds, as JWT claims carry it.
    pub(crate) fn unix(&self) -> i64 {
        unix(self.now())
    }
}

/// Converts a `SystemTime` to Unix seconds (negative before 1970).
pub(crate) fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn nanos(d: Duration) -> i128 {
    i128::try_from(d.as_nanos()).unwrap_or(i128::MAX)
}

fn signed_nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => nanos(d),
        Err(e) => -nanos(e.duration()),
    }
}

fn shift(t: SystemTime, offset_nanos: i128) -> SystemTime {
    let magnitude =
        Duration::from_nanos(u64::try_from(offset_nanos.unsigned_abs()).unwrap_or(u64::MAX));
    let shifted = if offset_nanos >= 0 {
        t.checked_add(magnitude)
    } else {
        t.checked_sub(magnitude)
    };
    // An offset beyond what `SystemTime` can hold is not reachable through the public API
    // (it would take centuries of `advance`); keep the unshifted time rather than panic.
    shifted.unwrap_or(t)
}

/// A Unix time as RFC 3339 (UTC), as the Altinn 3 APIs write `DateTimeOffset` values.
pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: Duration = Duration::from_secs(1_800_000_000);

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let start = UNIX_EPOCH + START;
        let clock = Clock::manual(start);
        assert!(clock.is_manual());
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now(), start + Duration::from_millis(1_500));
        clock.set(start - Duration::from_secs(60));
        assert_eq!(clock.unix(), 1_800_000_000 - 60);
    }

    #[test]
    fn clones_share_one_clock() {
        let clock = Clock::manual(UNIX_EPOCH + START);
        let handle = clock.clone();
        handle.advance(Duration::from_secs(5));
        assert_eq!(clock.unix(), 1_800_000_005);
    }

    #[test]
    fn a_system_clock_moves_by_an_offset_and_keeps_running() {
        let clock = Clock::system();
        assert!(!clock.is_manual());
        let hour = Duration::from_secs(3_600);
        let before = SystemTime::now();
        clock.advance(hour);
        let ahead = clock.now();
        let after = SystemTime::now();
        assert!(before + hour <= ahead && ahead <= after + hour);

        let target = UNIX_EPOCH + START;
        let before = SystemTime::now();
        clock.set(target);
        let read = clock.now();
        let elapsed = SystemTime::now().duration_since(before).unwrap();
        // The clock keeps running after `set`: it reads the set time plus at most the real
        // time that passed around the call.
        assert!(target <= read && read <= target + elapsed);
    }

    #[test]
    fn unix_seconds_are_negative_before_1970() {
        assert_eq!(unix(UNIX_EPOCH - Duration::from_secs(5)), -5);
        assert_eq!(unix(UNIX_EPOCH + Duration::from_secs(5)), 5);
    }
}
