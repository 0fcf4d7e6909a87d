//! The client: the base URL, the HTTP call loop with Altinn 3's wording of refusals, decoding
//! with paths, `links.next` paging, and the two caches (authorized parties per token, right
//! holders per organisation).

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use reqwest::{Method, header::HeaderMap};
use serde::de::DeserializeOwned;
use tilgang_altinn3_wire::{AuthorizedPartyDto, ConnectionDto, PaginatedResult, ResourceCheckDto};
use tilgang_domain::Party;
use tilgang_http::{AltinnHttp, Call, HttpSettings, append_query};
use tilgang_ports::{AltinnError, AltinnTokenSource, DecodeError};
use tokio::time::Instant;
use url::Url;

use crate::{Altinn3Config, ConfigError, problem};

/// `Accept` of every endpoint (the API answers JSON; problems come as
/// `application/problem+json`, which a JSON `Accept` does not refuse).
pub(crate) const JSON: &str = "application/json";

/// Paging stops with an error after this many pages, so a server whose `links.next` loops
/// cannot keep the client busy for ever. The real API never pages at all (§2.2).
const MAX_PAGES: usize = 1_000;

/// E1's answer and the expiry of the token it was read with.
type PartiesCache = Arc<Mutex<Option<(SystemTime, Arc<Vec<AuthorizedPartyDto>>)>>>;
/// E2's right holders by organisation UUID.
type HoldersCache = Arc<Mutex<HashMap<String, Listing>>>;

/// One organisation's right holders as this client knows them.
#[derive(Clone)]
pub(crate) struct Listing {
    /// When E2 was read.
    at: Instant,
    /// E2's answer.
    pub(crate) holders: Arc<Vec<ConnectionDto>>,
    /// Whether E2's answer still lists every right holder: false once this client has made
    /// someone a right holder since.
    complete: bool,
    /// The right holders this client added since, each with the query that named it.
    pub(crate) added: Vec<Party>,
}
/// E11's answer by organisation UUID and resource id, with when it was read.
type ResourceChecks = Arc<Mutex<HashMap<(String, String), (Instant, Arc<ResourceCheckDto>)>>>;

/// The Altinn 3 access-management adapter. Implements [`Parties`](tilgang_ports::Parties)
/// and [`Rights`](tilgang_ports::Rights) over the enduser connections API, with a
/// system-user token.
///
/// Cheap to clone (the connection pool, token source and caches are shared).
#[derive(Clone)]
pub struct Altinn3Client {
    pub(crate) http: AltinnHttp,
    /// `{platform}/accessmanagement/api/v1/`.
    pub(crate) base: Url,
    ttl: Duration,
    /// E1's answer for the token it was read with (keyed by the token's expiry, which changes
    /// with every new token; the token itself is never copied here).
    parties: PartiesCache,
    /// E2's right holders of an organisation, by its party UUID, with when they were read.
    holders: HoldersCache,
    /// E11's answers (which keys of a resource the system user may give from an
    /// organisation), kept as briefly as the right holders.
    resource_checks: ResourceChecks,
}

impl fmt::Debug for Altinn3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Altinn3Client")
            .field("base", &self.base.as_str())
            .field("right_holders_ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Altinn3Client {
    /// Builds the adapter. `tokens` supplies the Altinn token exchanged from a system-user
    /// Maskinporten token, and is asked to renew it once when Altinn answers 401.
    pub fn new(
        config: Altinn3Config,
        tokens: Arc<dyn AltinnTokenSource>,
    ) -> Result<Self, ConfigError> {
        let base = base_url(&config.platform_url)?;
        let http = AltinnHttp::new(
            HttpSettings {
                retry: config.retry,
                timeout: config.timeout,
                connect_timeout: config.connect_timeout,
            },
            tokens,
            HeaderMap::new(),
        )
        .map_err(|e| ConfigError::HttpClient(e.0))?;
        Ok(Altinn3Client {
            http,
            base,
            ttl: config.right_holders_ttl,
            parties: Arc::new(Mutex::new(None)),
            holders: Arc::new(Mutex::new(HashMap::new())),
            resource_checks: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// `{base}{path}` with the query pairs in order, each value percent-encoded.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.join(path).unwrap_or_else(|_| self.base.clone());
        for (key, value) in query {
            append_query(&mut url, key, value);
        }
        url
    }

    /// Sends a call with the token.
    pub(crate) async fn send(&self, call: &Call) -> Result<Vec<u8>, AltinnError> {
        self.http.execute(call, problem::rejection).await
    }

    /// Sends a call without a token (the metadata API is public).
    pub(crate) async fn send_public(&self, call: &Call) -> Result<Vec<u8>, AltinnError> {
        self.http.execute_public(call, problem::rejection).await
    }

    /// GETs `url` and decodes the body.
    pub(crate) async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, AltinnError> {
        let call = Call::get(url, JSON);
        let body = self.send(&call).await?;
        decode(&call, &body)
    }

    /// GETs a wrapped list and every page after it that `links.next` names.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        url: Url,
    ) -> Result<Vec<T>, AltinnError> {
        let mut items = Vec::new();
        let mut next = Some(url);
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else {
                return Ok(items);
            };
            let page: PaginatedResult<T> = self.get(url.clone()).await?;
            next = match page.next() {
                // A relative reference resolves against the page it came from, on the same
                // host; an absolute one elsewhere is not followed with our token.
                Some(link) => Some(self.next_page(&url, link)?),
                None => None,
            };
            items.extend(page.data);
        }
        Err(AltinnError::Decode {
            path: self.base.path().to_owned(),
            error: DecodeError {
                path: "links.next".into(),
                message: format!("paging did not end after {MAX_PAGES} pages"),
            },
        })
    }

    fn next_page(&self, current: &Url, link: &str) -> Result<Url, AltinnError> {
        let next = current.join(link).map_err(|e| AltinnError::Decode {
            path: current.path().to_owned(),
            error: DecodeError {
                path: "links.next".into(),
                message: format!("not a URI reference: {e}"),
            },
        })?;
        if next.origin() != self.base.origin() {
            return Err(AltinnError::Decode {
                path: current.path().to_owned(),
                error: DecodeError {
                    path: "links.next".into(),
                    message: "the next page is on another host; not following it with the \
                              Altinn token"
                        .into(),
                },
            });
        }
        Ok(next)
    }

    /// A call with a JSON body (or none), for the write endpoints.
    pub(crate) fn write(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        idempotent: bool,
    ) -> Call {
        Call {
            method,
            url,
            accept: JSON,
            body: body.map(|b| (JSON, b)),
            idempotent,
        }
    }

    /// E1's parties, from the cache while the token they were read with is current.
    pub(crate) async fn cached_parties(
        &self,
        read: impl AsyncFnOnce() -> Result<Vec<AuthorizedPartyDto>, AltinnError>,
    ) -> Result<Arc<Vec<AuthorizedPartyDto>>, AltinnError> {
        let token_expiry = self.http.tokens().altinn_token().await?.expires_at;
        if let Some((expiry, parties)) = self.lock_parties().as_ref()
            && *expiry == token_expiry
        {
            return Ok(Arc::clone(parties));
        }
        let parties = Arc::new(read().await?);
        *self.lock_parties() = Some((token_expiry, Arc::clone(&parties)));
        Ok(parties)
    }

    fn lock_parties(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(SystemTime, Arc<Vec<AuthorizedPartyDto>>)>> {
        self.parties.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The right holders of `org` from the cache while fresh. With `complete`, only a listing
    /// that no addition by this client has outdated.
    pub(crate) fn cached_holders(&self, org: &str, complete: bool) -> Option<Listing> {
        let holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        holders
            .get(org)
            .filter(|l| l.at.elapsed() < self.ttl && (l.complete || !complete))
            .cloned()
    }

    pub(crate) fn remember_holders(&self, org: &str, list: Arc<Vec<ConnectionDto>>) -> Listing {
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        let listing = Listing {
            at: Instant::now(),
            holders: list,
            complete: true,
            added: Vec::new(),
        };
        holders.insert(org.to_owned(), listing.clone());
        listing
    }

    /// Notes that this client made someone a right holder of `org` (E3 succeeded). The
    /// cached listing still holds everyone it held, so lookups keep using it; a listing of all
    /// right holders reads E2 again. Keeping it matters in bulk: dropping it after each
    /// addition made every next new person re-read the whole organisation.
    pub(crate) fn holders_added(&self, org: &str) {
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = holders.get_mut(org) {
            entry.complete = false;
        }
    }

    /// Remembers a right holder this client added to `org`, so that a lookup of the same
    /// person or organisation finds it without reading E2 again.
    pub(crate) fn remember_added(&self, org: &str, party: Party) {
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = holders.get_mut(org) {
            entry.complete = false;
            entry.added.push(party);
        }
    }

    /// E11's answer for `org` and `resource` from the cache while fresh. It depends only on
    /// what the system user holds from the organisation, which the grants of this client do
    /// not change, so a bulk grant asks once per resource instead of once per person.
    pub(crate) fn cached_resource_check(
        &self,
        org: &str,
        resource: &str,
    ) -> Option<Arc<ResourceCheckDto>> {
        let checks = self
            .resource_checks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        checks
            .get(&(org.to_owned(), resource.to_owned()))
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, check)| Arc::clone(check))
    }

    pub(crate) fn remember_resource_check(
        &self,
        org: &str,
        resource: &str,
        check: Arc<ResourceCheckDto>,
    ) {
        let mut checks = self
            .resource_checks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        checks.insert(
            (org.to_owned(), resource.to_owned()),
            (Instant::now(), check),
        );
    }

    /// Drops the cached right holders of `org`, after a change to them.
    pub(crate) fn forget_holders(&self, org: &str) {
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        holders.remove(org);
    }
}

/// Decodes a body, naming the JSON path that failed.
pub(crate) fn decode<T: DeserializeOwned>(call: &Call, body: &[u8]) -> Result<T, AltinnError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| AltinnError::Decode {
        path: call.path(),
        error: DecodeError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        },
    })
}

/// `{platform}/accessmanagement/api/v1/`, from the platform URL.
fn base_url(platform: &Url) -> Result<Url, ConfigError> {
    let fail = |reason| ConfigError::PlatformUrl {
        url: platform.to_string(),
        reason,
    };
    if !matches!(platform.scheme(), "http" | "https") {
        return Err(fail("the scheme must be https (or http for a local mock)"));
    }
    if platform.cannot_be_a_base() || platform.host().is_none() {
        return Err(fail("it has no host"));
    }
    if platform.query().is_some() || platform.fragment().is_some() {
        return Err(fail("it must not have a query or fragment"));
    }
    let mut base = platform.clone();
    let path = base.path().trim_end_matches('/').to_owned();
    let path = path
        .strip_suffix("/accessmanagement/api/v1")
        .unwrap_or(&path)
        .to_owned();
    base.set_path(&format!("{path}/accessmanagement/api/v1/"));
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_under_the_platform() {
        for (given, want) in [
            (
                "https://platform.tt02.altinn.no",
                "https://platform.tt02.altinn.no/accessmanagement/api/v1/",
            ),
            (
                "http://127.0.0.1:8080/",
                "http://127.0.0.1:8080/accessmanagement/api/v1/",
            ),
            (
                "https://p/accessmanagement/api/v1/",
                "https://p/accessmanagement/api/v1/",
            ),
        ] {
            let got = base_url(&Url::parse(given).unwrap()).unwrap();
            assert_eq!(got.as_str(), want, "{given}");
        }
        for bad in ["ftp://x", "https://x/?a=1"] {
            assert!(base_url(&Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }
}
