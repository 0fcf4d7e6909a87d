//! Shared helpers of the adapter's integration tests.

#![allow(dead_code, unreachable_pub)]

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, SystemTime},
};

use async_trait::async_trait;
use tilgang_altinn2::{Altinn2Client, Altinn2Config};
use tilgang_domain::secret::{AltinnToken, ApiKey, SecretText};
use tilgang_ports::{AltinnTokenSource, RetryPolicy, TokenError};

pub const API_KEY: &str = "test-api-key";

/// A token source that hands out the tokens it is given one by one (repeating the last) and
/// counts fetches and invalidations.
pub struct ScriptedTokens {
    tokens: Mutex<Vec<String>>,
    pub fetched: AtomicU32,
    pub invalidated: AtomicU32,
}

impl ScriptedTokens {
    pub fn new(tokens: &[&str]) -> Arc<Self> {
        Arc::new(ScriptedTokens {
            tokens: Mutex::new(tokens.iter().map(|t| (*t).to_owned()).collect()),
            fetched: AtomicU32::new(0),
            invalidated: AtomicU32::new(0),
        })
    }

    pub fn fetched(&self) -> u32 {
        self.fetched.load(Ordering::SeqCst)
    }

    pub fn invalidated(&self) -> u32 {
        self.invalidated.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl AltinnTokenSource for ScriptedTokens {
    async fn altinn_token(&self) -> Result<AltinnToken, TokenError> {
        self.fetched.fetch_add(1, Ordering::SeqCst);
        let tokens = self.tokens.lock().unwrap();
        let idx = (self.invalidated() as usize).min(tokens.len() - 1);
        Ok(AltinnToken {
            token: SecretText::new(tokens[idx].clone()),
            expires_at: SystemTime::now() + Duration::from_secs(1800),
        })
    }

    async fn invalidate(&self) {
        self.invalidated.fetch_add(1, Ordering::SeqCst);
    }
}

/// A retry policy with tiny delays, so retry tests take no noticeable time.
pub fn quick_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

/// The configuration the tests use: the test API key, the defaults (Bokmål) and `retry`.
/// Tests that need another language change it before building the client.
pub fn config_for(base: &str, retry: RetryPolicy) -> Altinn2Config {
    let mut config = Altinn2Config::new(base.parse().unwrap(), ApiKey::new(API_KEY));
    config.retry = retry;
    config
}

pub fn client_for(
    base: &str,
    tokens: Arc<dyn AltinnTokenSource>,
    retry: RetryPolicy,
) -> Altinn2Client {
    Altinn2Client::new(config_for(base, retry), tokens).unwrap()
}
