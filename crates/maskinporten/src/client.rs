//! The Maskinporten token client: endpoint discovery, the token call, typed errors, retries
//! with a fresh grant, and the cache in front of it.

use std::{
    fmt,
    sync::Arc,
    time::{Duration, SystemTime},
};

use arc_swap::ArcSwapOption;
use async_trait::async_trait;
use serde::Deserialize;
use tilgang_domain::{
    ScopeSet,
    secret::{AccessToken, SecretText},
};
use tilgang_ports::{
    AccessTokenSource, Clock, RetryPolicy, SystemClock, TokenError, TokenRejection, TokenRequest,
};
use url::Url;

use crate::{
    cache::{Fetch, Fetched, Identity, Partition, RefreshPolicy, TokenCache},
    grant::{self, GrantError, GrantSettings, GrantSigner, ResourceClaim, SigningAlgorithm},
    http::{Answer, Attempt, HttpConfig, body_excerpt, send, with_retries},
    jwt,
    key::ClientKey,
};

/// The OAuth2 grant type of a JWT-bearer grant (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How long a well-known document is used before it is fetched again.
const WELL_KNOWN_TTL: Duration = Duration::from_secs(3600);
/// How long built-in endpoints stand in after discovery failed, before discovery is retried.
const FALLBACK_TTL: Duration = Duration::from_secs(30);

/// A Maskinporten environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// `https://test.maskinporten.no/` (pairs with Altinn TT02).
    Test,
    /// `https://maskinporten.no/` (pairs with Altinn production).
    Prod,
    /// Another issuer, e.g. a mock server or Skyporten. The string is used as written.
    Custom {
        /// The issuer identifier.
        issuer: String,
    },
}

impl Environment {
    /// The issuer identifier (the grant's `aud` unless the well-known document says otherwise).
    pub fn issuer(&self) -> &str {
        match self {
            Environment::Test => "https://test.maskinporten.no/",
            Environment::Prod => "https://maskinporten.no/",
            Environment::Custom { issuer } => issuer,
        }
    }

    /// The built-in token endpoint, used when discovery fails (test and prod only).
    pub fn default_token_endpoint(&self) -> Option<&'static str> {
        match self {
            Environment::Test => Some("https://test.maskinporten.no/token"),
            Environment::Prod => Some("https://maskinporten.no/token"),
            Environment::Custom { .. } => None,
        }
    }

    /// The Altinn platform that accepts this environment's tokens (TT02 for test).
    pub fn altinn_platform(&self) -> Option<&'static str> {
        match self {
            Environment::Test => Some("https://platform.tt02.altinn.no"),
            Environment::Prod => Some("https://platform.altinn.no"),
            Environment::Custom { .. } => None,
        }
    }

    /// The well-known metadata URL (RFC 8414).
    pub fn well_known_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-authorization-server",
            self.issuer().trim_end_matches('/')
        )
    }
}

/// Where the token endpoint comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discovery {
    /// From the issuer's well-known document (Digdir's advice), cached for an hour; test and
    /// prod fall back to their built-in endpoints when the document cannot be had.
    WellKnown,
    /// A fixed token endpoint; `aud` is the environment's issuer string.
    Fixed {
        /// The token endpoint.
        token_endpoint: Url,
    },
}

/// Everything a [`MaskinportenClient`] needs. Build it with [`MaskinportenClient::builder`],
/// which fills in the recommended values, or spell it out.
pub struct MaskinportenConfig {
    /// The environment (issuer).
    pub environment: Environment,
    /// Where the token endpoint comes from.
    pub discovery: Discovery,
    /// The client id (the grant's `iss`).
    pub client_id: String,
    /// The key and how grants name it.
    pub key: ClientKey,
    /// The signature algorithm.
    pub algorithm: SigningAlgorithm,
    /// The grant lifetime (`exp - iat`), at most 120 s.
    pub grant_lifetime: Duration,
    /// How `resource` is written.
    pub resource_claim: ResourceClaim,
    /// Timeouts.
    pub http: HttpConfig,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// When cached tokens are refreshed.
    pub refresh: RefreshPolicy,
    /// The token cache (may be shared between clients).
    pub cache: Arc<TokenCache>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for MaskinportenConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaskinportenConfig")
            .field("environment", &self.environment)
            .field("discovery", &self.discovery)
            .field("client_id", &self.client_id)
            .field("key", &self.key)
            .field("algorithm", &self.algorithm)
            .field("grant_lifetime", &self.grant_lifetime)
            .field("resource_claim", &self.resource_claim)
            .field("http", &self.http)
            .field("retry", &self.retry)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The grant settings are invalid (e.g. the lifetime).
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// The client id is empty.
    #[error("the client id is empty; set it to the Maskinporten client's id")]
    EmptyClientId,
    /// The issuer is not an absolute http(s) URL.
    #[error("the issuer {0:?} is not an absolute http(s) URL")]
    InvalidIssuer(String),
    /// The HTTP client could not be built (e.g. no TLS roots).
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

/// Builds a [`MaskinportenConfig`] with the recommended values for whatever is not set.
#[derive(Debug)]
pub struct MaskinportenClientBuilder {
    config: MaskinportenConfig,
}

impl MaskinportenClientBuilder {
    /// The signature algorithm (default RS256).
    pub fn algorithm(mut self, algorithm: SigningAlgorithm) -> Self {
        self.config.algorithm = algorithm;
        self
    }

    /// The grant lifetime (default and maximum 120 s).
    pub fn grant_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.grant_lifetime = lifetime;
        self
    }

    /// How `resource` is written (default: a string when single).
    pub fn resource_claim(mut self, resource_claim: ResourceClaim) -> Self {
        self.config.resource_claim = resource_claim;
        self
    }

    /// Uses a fixed token endpoint instead of the well-known document.
    pub fn token_endpoint(mut self, token_endpoint: Url) -> Self {
        self.config.discovery = Discovery::Fixed { token_endpoint };
        self
    }

    /// Timeouts (default [`HttpConfig::RECOMMENDED`]).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.config.http = http;
        self
    }

    /// Retries (default: 4 attempts, 100 ms to 5 s backoff).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// Refresh-ahead (default [`RefreshPolicy::RECOMMENDED`]).
    pub fn refresh(mut self, refresh: RefreshPolicy) -> Self {
        self.config.refresh = refresh;
        self
    }

    /// A cache shared with other clients (default: a cache of its own).
    pub fn cache(mut self, cache: Arc<TokenCache>) -> Self {
        self.config.cache = cache;
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.clock = clock;
        self
    }

    /// The configuration as built so far.
    pub fn into_config(self) -> MaskinportenConfig {
        self.config
    }

    /// Builds the client.
    pub fn build(self) -> Result<MaskinportenClient, ConfigError> {
        MaskinportenClient::new(self.config)
    }
}

/// A Maskinporten client: gets, caches and refreshes access tokens. Cheap to clone (clones
/// share the cache and connections).
///
/// Implements [`AccessTokenSource`].
#[derive(Clone)]
pub struct MaskinportenClient {
    inner: Arc<Inner>,
}

struct Inner {
    environment: Environment,
    discovery: Discovery,
    signer: GrantSigner,
    client_id: String,
    grant_lifetime: Duration,
    resource_claim: ResourceClaim,
    http: reqwest::Client,
    retry: RetryPolicy,
    refresh: RefreshPolicy,
    clock: Arc<dyn Clock>,
    partition: Arc<Partition>,
    endpoint: ArcSwapOption<Endpoint>,
    discovering: tokio::sync::Mutex<()>,
}

/// The resolved token endpoint and the grant settings that go with it.
struct Endpoint {
    settings: GrantSettings,
    token_endpoint: Url,
    valid_until: SystemTime,
}

impl MaskinportenClient {
    /// Starts a builder with the recommended settings: RS256, 120 s grants, well-known
    /// discovery, [`HttpConfig::RECOMMENDED`], the default [`RetryPolicy`],
    /// [`RefreshPolicy::RECOMMENDED`], a cache of its own and the system clock.
    pub fn builder(
        environment: Environment,
        client_id: impl Into<String>,
        key: ClientKey,
    ) -> MaskinportenClientBuilder {
        MaskinportenClientBuilder {
            config: MaskinportenConfig {
                environment,
                discovery: Discovery::WellKnown,
                client_id: client_id.into(),
                key,
                algorithm: SigningAlgorithm::Rs256,
                grant_lifetime: grant::MAX_GRANT_LIFETIME,
                resource_claim: ResourceClaim::StringWhenSingle,
                http: HttpConfig::RECOMMENDED,
                retry: RetryPolicy::default(),
                refresh: RefreshPolicy::RECOMMENDED,
                cache: TokenCache::new(),
                clock: Arc::new(SystemClock),
            },
        }
    }

    /// Builds a client from a configuration.
    pub fn new(config: MaskinportenConfig) -> Result<Self, ConfigError> {
        if config.client_id.trim().is_empty() {
            return Err(ConfigError::EmptyClientId);
        }
        let issuer = config.environment.issuer();
        match Url::parse(issuer) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => return Err(ConfigError::InvalidIssuer(issuer.to_owned())),
        }
        // Validate the lifetime now rather than on the first token call.
        GrantSettings::new(issuer, &config.client_id).with_lifetime(config.grant_lifetime)?;
        let http = config
            .http
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        let partition = config.cache.partition(Identity {
            issuer: issuer.to_owned(),
            client_id: config.client_id.clone(),
            key_id: config.key.key_id().to_owned(),
        });
        Ok(MaskinportenClient {
            inner: Arc::new(Inner {
                signer: GrantSigner::new(config.key, config.algorithm),
                environment: config.environment,
                discovery: config.discovery,
                client_id: config.client_id,
                grant_lifetime: config.grant_lifetime,
                resource_claim: config.resource_claim,
                http,
                retry: config.retry,
                refresh: config.refresh,
                clock: config.clock,
                partition,
                endpoint: ArcSwapOption::empty(),
                discovering: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// A cached token for `request` that is not yet due for refresh. Takes no lock and does
    /// no I/O.
    #[inline]
    pub fn cached(&self, request: &TokenRequest) -> Option<AccessToken> {
        self.inner.partition.fresh(request, self.inner.clock.now())
    }

    /// Runs `f` on a cached token for `request` that is not yet due for refresh, without
    /// copying it: the cheapest way to read a token (e.g. to format an `Authorization`
    /// header). Takes no lock, writes no shared memory and does no I/O.
    #[inline]
    pub fn with_cached<R>(
        &self,
        request: &TokenRequest,
        f: impl FnOnce(&AccessToken) -> R,
    ) -> Option<R> {
        self.inner
            .partition
            .with_fresh(request, self.inner.clock.now(), f)
    }

    /// A valid token for `request`: from the cache when fresh, otherwise fetched (one fetch per
    /// request at a time, however many callers wait for it).
    pub async fn token(&self, request: &TokenRequest) -> Result<AccessToken, TokenError> {
        if let Some(token) = self.cached(request) {
            return Ok(token);
        }
        self.token_slow(request, Fetch::IfStale).await
    }

    /// A new token for `request`, replacing the cached one (unless another caller replaced it
    /// since this call began, in which case that one is returned).
    pub async fn refresh(&self, request: &TokenRequest) -> Result<AccessToken, TokenError> {
        self.token_slow(request, Fetch::Force).await
    }

    /// A new token for `request`, bypassing the cache entirely.
    pub async fn fetch_uncached(&self, request: &TokenRequest) -> Result<AccessToken, TokenError> {
        Ok(self.inner.fetch(request).await?.value)
    }

    /// Drops the cached token for `request`.
    pub fn invalidate_cached(&self, request: &TokenRequest) {
        if let Some(slot) = self.inner.partition.existing(request) {
            slot.invalidate();
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// The key's identifier (`kid:…` or `x5t#S256:…`).
    pub fn key_id(&self) -> &str {
        self.inner.signer.key().key_id()
    }

    async fn token_slow(
        &self,
        request: &TokenRequest,
        mode: Fetch,
    ) -> Result<AccessToken, TokenError> {
        // Refuse invalid requests before they take a cache slot.
        grant::validate(request).map_err(config_error)?;
        let inner = &*self.inner;
        let slot = inner.partition.slot(request, inner.clock.now());
        slot.get_or_fetch(&*inner.clock, &inner.refresh, mode, || inner.fetch(request))
            .await
    }
}

impl fmt::Debug for MaskinportenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaskinportenClient")
            .field("environment", &self.inner.environment)
            .field("client_id", &self.inner.client_id)
            .field("signer", &self.inner.signer)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AccessTokenSource for MaskinportenClient {
    async fn access_token(&self, request: &TokenRequest) -> Result<AccessToken, TokenError> {
        self.token(request).await
    }

    async fn invalidate(&self, request: &TokenRequest) {
        self.invalidate_cached(request);
    }
}

fn config_error(error: GrantError) -> TokenError {
    TokenError::Config {
        message: error.to_string(),
    }
}

impl Inner {
    async fn fetch(&self, request: &TokenRequest) -> Result<Fetched<AccessToken>, TokenError> {
        grant::validate(request).map_err(config_error)?;
        let endpoint = self.endpoint().await?;
        with_retries(&self.retry, |attempt| {
            self.attempt(&endpoint, request, attempt)
        })
        .await
    }

    /// One token request with a fresh grant (new `jti`, `iat` and `exp`), so that a retry can
    /// never be refused as a replay (MP-012).
    async fn attempt(
        &self,
        endpoint: &Endpoint,
        request: &TokenRequest,
        attempt: u32,
    ) -> Attempt<Fetched<AccessToken>> {
        let sent_at = self.clock.now();
        let assertion = match self.signer.sign_grant(&endpoint.settings, request, sent_at) {
            Ok(assertion) => assertion,
            Err(e) => return Attempt::Done(Err(config_error(e))),
        };
        let request = self
            .http
            .post(endpoint.token_endpoint.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("grant_type", JWT_BEARER_GRANT_TYPE),
                ("assertion", assertion.expose()),
            ]);
        let Answer { status, body } = match send(request, attempt).await {
            Ok(answer) => answer,
            Err(retry) => return retry,
        };
        if status.is_success() {
            return Attempt::Done(parse_token_response(&body, sent_at));
        }
        let rejection = parse_rejection(status.as_u16(), &body);
        tracing::debug!(
            status = rejection.status,
            error = %rejection.error,
            mp_code = rejection.mp_code.as_deref(),
            trace_id = rejection.trace_id.as_deref(),
            "Maskinporten refused the grant"
        );
        Attempt::Done(Err(TokenError::Rejected(rejection)))
    }

    async fn endpoint(&self) -> Result<Arc<Endpoint>, TokenError> {
        let now = self.clock.now();
        if let Some(endpoint) = self.endpoint.load_full()
            && now < endpoint.valid_until
        {
            return Ok(endpoint);
        }
        let _guard = self.discovering.lock().await;
        let previous = self.endpoint.load_full();
        if let Some(endpoint) = &previous
            && now < endpoint.valid_until
        {
            return Ok(endpoint.clone());
        }
        let issuer = self.environment.issuer();
        let (audience, token_endpoint, ttl) = match &self.discovery {
            Discovery::Fixed { token_endpoint } => {
                (issuer.to_owned(), token_endpoint.clone(), Duration::MAX)
            }
            Discovery::WellKnown => match self.discover().await {
                Ok((audience, token_endpoint)) => (audience, token_endpoint, WELL_KNOWN_TTL),
                Err(error) => {
                    let fallback = previous
                        .as_ref()
                        .map(|p| (p.settings.audience().to_owned(), p.token_endpoint.clone()))
                        .or_else(|| {
                            let url = self.environment.default_token_endpoint()?;
                            Some((issuer.to_owned(), Url::parse(url).ok()?))
                        });
                    match fallback {
                        Some((audience, token_endpoint)) => {
                            tracing::warn!(%error, %token_endpoint, "well-known discovery failed; using the known token endpoint");
                            (audience, token_endpoint, FALLBACK_TTL)
                        }
                        None => return Err(error),
                    }
                }
            },
        };
        let settings = GrantSettings::new(audience, &self.client_id)
            .with_lifetime(self.grant_lifetime)
            .map_err(config_error)?
            .with_resource_claim(self.resource_claim);
        let endpoint = Arc::new(Endpoint {
            settings,
            token_endpoint,
            valid_until: now
                .checked_add(ttl)
                .unwrap_or(now + WELL_KNOWN_TTL * 24 * 365),
        });
        self.endpoint.store(Some(endpoint.clone()));
        Ok(endpoint)
    }

    /// Fetches the well-known document: the issuer string (the grant's `aud`, exactly as the
    /// document spells it) and the token endpoint.
    async fn discover(&self) -> Result<(String, Url), TokenError> {
        #[derive(Deserialize)]
        struct WellKnown {
            issuer: String,
            token_endpoint: Url,
        }
        let url = self.environment.well_known_url();
        let body = with_retries(&self.retry, |attempt| {
            let url = &url;
            async move {
                let request = self
                    .http
                    .get(url)
                    .header(reqwest::header::ACCEPT, "application/json");
                let Answer { status, body } = match send(request, attempt).await {
                    Ok(answer) => answer,
                    Err(retry) => return retry,
                };
                match status.as_u16() {
                    200..=299 => Attempt::Done(Ok(body)),
                    _ => Attempt::Done(Err(TokenError::InvalidResponse {
                        message: format!(
                            "the well-known document {url} answered HTTP {status}: {}",
                            body_excerpt(&body)
                        ),
                    })),
                }
            }
        })
        .await?;
        let doc: WellKnown =
            serde_json::from_slice(&body).map_err(|e| TokenError::InvalidResponse {
                message: format!("the well-known document {url} does not decode: {e}"),
            })?;
        // RFC 8414 §3.3: the document's issuer must be the one asked for. A trailing slash is
        // allowed to differ (Skyporten writes none), and the document's spelling wins.
        let configured = self.environment.issuer();
        if doc.issuer.trim_end_matches('/') != configured.trim_end_matches('/') {
            return Err(TokenError::InvalidResponse {
                message: format!(
                    "the well-known document {url} names issuer {:?}, not {configured:?}",
                    doc.issuer
                ),
            });
        }
        Ok((doc.issuer, doc.token_endpoint))
    }
}

fn parse_token_response(
    body: &[u8],
    sent_at: SystemTime,
) -> Result<Fetched<AccessToken>, TokenError> {
    #[derive(Deserialize)]
    struct TokenResponse {
        access_token: String,
        token_type: Option<String>,
        expires_in: u64,
        scope: Option<String>,
    }
    let invalid = |message: String| TokenError::InvalidResponse { message };
    let mut de = serde_json::Deserializer::from_slice(body);
    // The body holds the token, so decode errors name the field but never quote values.
    let response: TokenResponse = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner().to_string();
        // "missing field `x`" names no value, so it is safe to repeat; other messages may.
        if inner.starts_with("missing field") {
            return invalid(format!("the token response is incomplete: {inner}"));
        }
        let what = match e.inner().classify() {
            serde_json::error::Category::Data => "has a field of the wrong type",
            serde_json::error::Category::Eof => "is cut short",
            _ => "is not JSON",
        };
        invalid(format!("the token response {what} (at `{}`)", e.path()))
    })?;
    if let Some(kind) = &response.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(invalid(format!(
            "token_type is {kind:?}, expected \"Bearer\""
        )));
    }
    if response.expires_in == 0 {
        return Err(invalid("expires_in is 0".to_owned()));
    }
    if response.access_token.is_empty() {
        return Err(invalid("access_token is empty".to_owned()));
    }
    let expires_at = sent_at + Duration::from_secs(response.expires_in);
    let consumer = jwt::consumer_org(&response.access_token).map(std::sync::Arc::from);
    Ok(Fetched {
        value: AccessToken {
            token: SecretText::new(response.access_token),
            expires_at,
            scope: response
                .scope
                .as_deref()
                .and_then(|s| ScopeSet::parse(s).ok()),
            consumer,
        },
        received_at: sent_at,
        expires_at,
    })
}

/// Reads Maskinporten's error body: `error`, `error_description` (which usually ends with a
/// trace or correlation id) and `error_uri` (which ends with the MP code).
pub(crate) fn parse_rejection(status: u16, body: &[u8]) -> TokenRejection {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
        error_description: Option<String>,
        error_uri: Option<String>,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => TokenRejection {
            status,
            mp_code: e
                .error_uri
                .as_deref()
                .and_then(mp_code)
                .or_else(|| e.error_description.as_deref().and_then(mp_code_in_text)),
            trace_id: e.error_description.as_deref().and_then(trace_id),
            error: e.error,
            description: e.error_description,
        },
        Err(_) => TokenRejection {
            status,
            error: "unexpected_response".to_owned(),
            description: Some(body_excerpt(body)).filter(|b| !b.is_empty()),
            mp_code: None,
            trace_id: None,
        },
    }
}

fn mp_code(uri: &str) -> Option<String> {
    let last = uri.trim_end_matches('/').rsplit('/').next()?;
    mp_code_in_text(last)
}

fn mp_code_in_text(text: &str) -> Option<String> {
    let start = text.find("MP-")?;
    let digits: String = text[start + 3..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty()).then(|| format!("MP-{digits}"))
}

fn trace_id(description: &str) -> Option<String> {
    let lower = description.to_ascii_lowercase();
    [
        "trace_id:",
        "trace id:",
        "correlation id:",
        "correlation_id:",
    ]
    .iter()
    .find_map(|marker| {
        let at = lower.find(marker)? + marker.len();
        let id: String = description[at..]
            .trim_start()
            .chars()
            .take_while(|c| !matches!(c, ')' | ' ' | ',' | ';'))
            .collect();
        (!id.is_empty()).then_some(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_keep_code_and_trace_id() {
        let body = br#"{"error":"invalid_grant","error_description":"Invalid assertion. Client authentication failed. Invalid JWT claim aud (trace_id: 4f2a9c)","error_uri":"https://test.maskinporten.no/errors/MP-110"}"#;
        let r = parse_rejection(400, body);
        assert_eq!(r.error, "invalid_grant");
        assert_eq!(r.mp_code.as_deref(), Some("MP-110"));
        assert_eq!(r.trace_id.as_deref(), Some("4f2a9c"));
        let r = parse_rejection(400, b"<html>bad gateway</html>");
        assert_eq!(r.error, "unexpected_response");
        assert_eq!(r.description.as_deref(), Some("<html>bad gateway</html>"));
        assert_eq!(
            trace_id("Grant is used before (correlation id: abc-123)").as_deref(),
            Some("abc-123")
        );
    }

    #[test]
    fn token_response_errors_never_quote_the_body() {
        let t = SystemTime::UNIX_EPOCH;
        let err = parse_token_response(br#"{"access_token":"eyJsecret","expires_in":"soon"}"#, t)
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(!text.contains("eyJsecret"), "{text}");
        assert!(text.contains("expires_in"), "{text}");
        let ok = parse_token_response(
            br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":120,"scope":"x:y"}"#,
            t,
        )
        .unwrap();
        assert_eq!(ok.expires_at, t + Duration::from_secs(120));
        assert_eq!(ok.value.scope.unwrap().to_string(), "x:y");
    }

    #[test]
    fn well_known_url_has_one_slash() {
        let env = Environment::Custom {
            issuer: "http://127.0.0.1:1234/".into(),
        };
        assert_eq!(
            env.well_known_url(),
            "http://127.0.0.1:1234/.well-known/oauth-authorization-server"
        );
    }
}
