//! The Altinn token exchange: a Maskinporten token in, an Altinn platform token out
//! (`GET {platform}/authentication/api/v1/exchange/maskinporten`, spec §2).

use std::{
    fmt,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD};
use tilgang_domain::secret::{AltinnToken, EnterpriseUserCredentials, SecretText};
use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, Clock, RetryPolicy, SystemClock, TokenError, TokenRequest,
};
use url::Url;

use crate::{
    cache::{Fetch, Fetched, RefreshPolicy, Slot},
    client::ConfigError,
    http::{Answer, Attempt, HttpConfig, body_excerpt, send, with_retries},
    jwt,
};

/// The header that carried enterprise-user credentials. Altinn now answers it with 410 Gone.
pub const ENTERPRISE_USER_HEADER: &str = "X-Altinn-EnterpriseUser-Authentication";

/// The exchange's settings. Build it with [`AltinnExchange::builder`] or spell it out.
#[derive(Clone)]
pub struct AltinnExchangeConfig {
    /// The Altinn platform base URL, e.g. `https://platform.tt02.altinn.no`.
    pub platform: Url,
    /// Enterprise-user (virksomhetsbruker) credentials, sent base64-encoded in
    /// [`ENTERPRISE_USER_HEADER`]. Altinn retired them; expect
    /// [`TokenError::EnterpriseUsersRetired`].
    pub enterprise_user: Option<EnterpriseUserCredentials>,
    /// Sends `?test=true`, which maps Digdir's service-owner tokens to Altinn's test service
    /// owner `ttd`; ignored by Altinn otherwise.
    pub test_service_owner: bool,
    /// Timeouts.
    pub http: HttpConfig,
    /// Retries of transient failures (connect errors, 5xx, 429).
    pub retry: RetryPolicy,
    /// When the cached Altinn token is refreshed.
    pub refresh: RefreshPolicy,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for AltinnExchangeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AltinnExchangeConfig")
            .field("platform", &self.platform.as_str())
            .field("enterprise_user", &self.enterprise_user)
            .field("test_service_owner", &self.test_service_owner)
            .field("http", &self.http)
            .field("retry", &self.retry)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AltinnExchange`] with the recommended values for whatever is not set.
#[derive(Debug)]
pub struct AltinnExchangeBuilder {
    source: SourceDebug,
    request: TokenRequest,
    config: AltinnExchangeConfig,
}

impl AltinnExchangeBuilder {
    /// Sends enterprise-user credentials (retired by Altinn; kept for old integrations).
    pub fn enterprise_user(mut self, credentials: EnterpriseUserCredentials) -> Self {
        self.config.enterprise_user = Some(credentials);
        self
    }

    /// Asks for Altinn's test service owner (`?test=true`).
    pub fn test_service_owner(mut self) -> Self {
        self.config.test_service_owner = true;
        self
    }

    /// Timeouts.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.config.http = http;
        self
    }

    /// Retries.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// Refresh-ahead.
    pub fn refresh(mut self, refresh: RefreshPolicy) -> Self {
        self.config.refresh = refresh;
        self
    }

    /// The clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.clock = clock;
        self
    }

    /// Builds the exchange.
    pub fn build(self) -> Result<AltinnExchange, ConfigError> {
        AltinnExchange::new(self.source.0, self.request, self.config)
    }
}

struct SourceDebug(Arc<dyn AccessTokenSource>);

impl fmt::Debug for SourceDebug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("dyn AccessTokenSource")
    }
}

/// Exchanges Maskinporten tokens for Altinn tokens and caches the result. Implements
/// [`AltinnTokenSource`].
///
/// The Altinn token is cached under this exchange's Maskinporten request (one exchange per
/// request); its lifetime is read from its own `exp` (Altinn issues 30-minute tokens,
/// independent of the Maskinporten token).
pub struct AltinnExchange {
    source: Arc<dyn AccessTokenSource>,
    request: TokenRequest,
    config: AltinnExchangeConfig,
    url: Url,
    http: reqwest::Client,
    slot: Slot<AltinnToken>,
}

impl AltinnExchange {
    /// Starts a builder: no enterprise user, no `?test=true`, recommended timeouts, retries
    /// and refresh, the system clock.
    pub fn builder(
        source: Arc<dyn AccessTokenSource>,
        request: TokenRequest,
        platform: Url,
    ) -> AltinnExchangeBuilder {
        AltinnExchangeBuilder {
            source: SourceDebug(source),
            request,
            config: AltinnExchangeConfig {
                platform,
                enterprise_user: None,
                test_service_owner: false,
                http: HttpConfig::RECOMMENDED,
                retry: RetryPolicy::default(),
                refresh: RefreshPolicy::RECOMMENDED,
                clock: Arc::new(SystemClock),
            },
        }
    }

    /// An exchange that gets Maskinporten tokens for `request` from `source`.
    pub fn new(
        source: Arc<dyn AccessTokenSource>,
        request: TokenRequest,
        config: AltinnExchangeConfig,
    ) -> Result<Self, ConfigError> {
        if config.platform.cannot_be_a_base() {
            return Err(ConfigError::InvalidIssuer(config.platform.to_string()));
        }
        // Appending to the path (rather than `Url::join`) keeps a prefix in the platform URL
        // whether or not it ends with a slash.
        let mut url = config.platform.clone();
        let base = config.platform.path().trim_end_matches('/');
        url.set_path(&format!(
            "{base}/authentication/api/v1/exchange/maskinporten"
        ));
        url.set_query(None);
        if config.test_service_owner {
            url.query_pairs_mut().append_pair("test", "true");
        }
        let http = config
            .http
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        Ok(AltinnExchange {
            source,
            request,
            config,
            url,
            http,
            slot: Slot::new(),
        })
    }

    /// The exchange URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// A new Altinn token, replacing the cached one.
    pub async fn refresh(&self) -> Result<AltinnToken, TokenError> {
        self.get(Fetch::Force).await
    }

    async fn get(&self, mode: Fetch) -> Result<AltinnToken, TokenError> {
        let clock = &*self.config.clock;
        if mode == Fetch::IfStale
            && let Some(token) = self.slot.fresh(clock.now())
        {
            return Ok(token);
        }
        self.slot
            .get_or_fetch(clock, &self.config.refresh, mode, || self.exchange())
            .await
    }

    async fn exchange(&self) -> Result<Fetched<AltinnToken>, TokenError> {
        match self.exchange_once().await {
            // A 401 with an empty body means Altinn refused the Maskinporten token (it may have
            // been revoked or cached too long): try once more with a new one. A 401 with a body
            // is about the enterprise-user credentials, and repeating it only counts towards a
            // lockout.
            Err(TokenError::ExchangeRejected {
                status: 401,
                ref body,
                ..
            }) if body.is_empty() => {
                tracing::debug!("Altinn refused the Maskinporten token; retrying with a new one");
                self.source.invalidate(&self.request).await;
                self.exchange_once().await
            }
            other => other,
        }
    }

    async fn exchange_once(&self) -> Result<Fetched<AltinnToken>, TokenError> {
        let mp_token = self.source.access_token(&self.request).await?;
        with_retries(&self.config.retry, |attempt| {
            self.attempt(&mp_token.token, attempt)
        })
        .await
    }

    async fn attempt(&self, mp_token: &SecretText, attempt: u32) -> Attempt<Fetched<AltinnToken>> {
        let received_at = self.config.clock.now();
        let mut request = self
            .http
            .get(self.url.clone())
            .bearer_auth(mp_token.expose())
            .header(reqwest::header::ACCEPT, "text/plain, application/json");
        if let Some(user) = &self.config.enterprise_user {
            let encoded = STANDARD.encode(format!("{}:{}", user.user_name, user.password.expose()));
            let mut value = match reqwest::header::HeaderValue::from_str(&encoded) {
                Ok(value) => value,
                Err(_) => {
                    return Attempt::Done(Err(TokenError::Config {
                        message: "the enterprise-user credentials cannot be sent in a header"
                            .into(),
                    }));
                }
            };
            value.set_sensitive(true);
            request = request.header(ENTERPRISE_USER_HEADER, value);
        }
        let Answer { status, body } = match send(request, attempt).await {
            Ok(answer) => answer,
            Err(retry) => return retry,
        };
        let reason = status.canonical_reason().unwrap_or("").to_owned();
        match status.as_u16() {
            200..=299 => Attempt::Done(parse_altinn_token(&body, received_at)),
            410 => Attempt::Done(Err(TokenError::EnterpriseUsersRetired {
                body: body_excerpt(&body),
            })),
            code => Attempt::Done(Err(TokenError::ExchangeRejected {
                status: code,
                reason,
                body: body_excerpt(&body),
                hint: match code {
                    401 if !body.is_empty() && self.config.enterprise_user.is_some() => {
                        "Altinn refused the enterprise user's name or password (repeated failures lock the user out)"
                    }
                    401 => {
                        "Altinn refused the Maskinporten token: check that the Maskinporten and Altinn environments match (test with TT02, prod with production) and that the token has a consumer"
                    }
                    403 => "the Maskinporten token lacks a scope Altinn requires",
                    400 => "the exchange request was malformed (check the platform URL)",
                    404 => "no exchange endpoint at this platform URL",
                    _ => "unexpected answer from the Altinn token exchange",
                },
            })),
        }
    }
}

/// The exchange answers with the JWT itself: raw text, or a JSON string when content
/// negotiation picked JSON. Both are accepted.
fn parse_altinn_token(
    body: &[u8],
    received_at: SystemTime,
) -> Result<Fetched<AltinnToken>, TokenError> {
    let invalid = |message: &str| TokenError::InvalidResponse {
        message: format!("the Altinn token exchange answered 200 but {message}"),
    };
    let text = std::str::from_utf8(body).map_err(|_| invalid("the body is not text"))?;
    let text = text.trim();
    let token = if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .map_err(|_| invalid("the body is a broken JSON string"))?
    } else {
        text.to_owned()
    };
    let exp =
        jwt::expiry(&token).ok_or_else(|| invalid("the body is not a JWT with an exp claim"))?;
    let expires_at = UNIX_EPOCH + Duration::from_secs(exp);
    if expires_at <= received_at {
        return Err(invalid("the token has already expired (check the clock)"));
    }
    Ok(Fetched {
        value: AltinnToken {
            token: SecretText::new(token),
            expires_at,
        },
        received_at,
        expires_at,
    })
}

impl fmt::Debug for AltinnExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AltinnExchange")
            .field("url", &self.url.as_str())
            .field("request", &self.request)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl AltinnTokenSource for AltinnExchange {
    async fn altinn_token(&self) -> Result<AltinnToken, TokenError> {
        self.get(Fetch::IfStale).await
    }

    async fn invalidate(&self) {
        self.slot.invalidate();
        self.source.invalidate(&self.request).await;
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    #[test]
    fn bare_and_quoted_bodies() {
        let jwt = format!(
            "e30.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"exp":1800000000}"#)
        );
        let at = UNIX_EPOCH + Duration::from_secs(1_799_999_000);
        let bare = parse_altinn_token(format!("{jwt}\n").as_bytes(), at).unwrap();
        let quoted = parse_altinn_token(format!("\"{jwt}\"").as_bytes(), at).unwrap();
        assert_eq!(bare.value, quoted.value);
        assert_eq!(
            bare.expires_at,
            UNIX_EPOCH + Duration::from_secs(1_800_000_000)
        );
        assert!(parse_altinn_token(b"nonsense", at).is_err());
    }
}
