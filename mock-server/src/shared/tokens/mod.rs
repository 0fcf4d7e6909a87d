//! The tokens the fakes hand each other: Maskinporten access tokens ([`access`]), which the
//! exchange verifies, and Altinn tokens ([`altinn`]), which the Altinn APIs verify. Both are
//! signed with the mock's key; verification is cached per token string ([`TokenCache`]),
//! while expiry is checked against the mock's clock on every use.

pub(crate) mod access;
pub(crate) mod altinn;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

/// The most verified tokens a cache keeps before it starts over.
const TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Verified tokens by their text, so that repeated calls with one token skip the RSA check.
/// Each fake that verifies tokens owns its cache.
pub(crate) struct TokenCache<T> {
    entries: RwLock<HashMap<String, Arc<T>>>,
}

impl<T> Default for TokenCache<T> {
    fn default() -> Self {
        TokenCache {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<T> TokenCache<T> {
    pub(crate) fn get(&self, token: &str) -> Option<Arc<T>> {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()
    }

    pub(crate) fn insert(&self, token: &str, id: Arc<T>) {
        let mut c = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if c.len() >= TOKEN_CACHE_CAPACITY {
            c.clear();
        }
        c.insert(token.to_owned(), id);
    }
}
