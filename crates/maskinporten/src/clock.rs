//! A [`Clock`] that follows tokio's clock, so a test that pauses and advances tokio time
//! moves token expiry along with sleeps and backoffs.

use std::time::SystemTime;

use tilgang_ports::Clock;

/// Wall-clock time anchored when created and advanced by tokio's monotonic clock.
///
/// In production it behaves like the system clock (minus later wall-clock adjustments); under
/// `tokio::time::pause()` it stands still until the test advances it.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    wall_anchor: SystemTime,
    mono_anchor: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads the system time now and follows tokio's clock from here on.
    pub fn new() -> Self {
        TokioClock {
            wall_anchor: SystemTime::now(),
            mono_anchor: tokio::time::Instant::now(),
        }
    }

    /// A clock that reads `wall` now and follows tokio's clock from here on.
    pub fn starting_at(wall: SystemTime) -> Self {
        TokioClock {
            wall_anchor: wall,
            mono_anchor: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.wall_anchor + self.mono_anchor.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn follows_paused_time() {
        let clock = TokioClock::new();
        let t0 = clock.now();
        tokio::time::advance(Duration::from_secs(90)).await;
        assert_eq!(clock.now(), t0 + Duration::from_secs(90));
    }
}
