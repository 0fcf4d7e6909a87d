//! The HTTP machinery: headers, the reason phrase, bounded bodies, 401 handling and retries.

use std::{
    fmt,
    sync::{Arc, Mutex},
    time::Duration,
};

use rand::Rng;
use reqwest::{
    Method, StatusCode,
    header::{self, HeaderMap, HeaderValue},
    redirect,
};
use tilgang_ports::{
    AltinnError, AltinnTokenSource, DecodeError, Delivery, Rejection, RetryPolicy,
};
use url::Url;

use crate::{Altinn2Config, ConfigError, Language};

/// `Accept` and `Content-Type` of the delegation resources.
pub(crate) const HAL_JSON: &str = "application/hal+json";
/// `Accept` and `Content-Type` of ReporteeConversion (the guide uses plain JSON there).
pub(crate) const JSON: &str = "application/json";

/// How much of an error body is kept in a [`Rejection`]: enough for any message Altinn writes,
/// little enough that an HTML error page cannot flood a log.
pub(crate) const REJECTION_BODY_LIMIT: usize = 4 * 1024;
/// The largest successful body accepted. A full page of 50 rights is about 25 KiB.
const SUCCESS_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// The longest `Retry-After` honoured; a server asking for more is reported instead of waited on.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The Altinn 2 REST adapter. Implements [`Parties`](tilgang_ports::Parties) and
/// [`Rights`](tilgang_ports::Rights).
///
/// Cheap to clone (the connection pool and token source are shared).
#[derive(Clone)]
pub struct Altinn2Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) language: Option<Language>,
    api_key: HeaderValue,
    retry: RetryPolicy,
    tokens: Arc<dyn AltinnTokenSource>,
    /// The `Authorization` header built for the current Altinn token. The token changes every
    /// 30 minutes or so while every call sends it, so building the ~1 KiB header (format,
    /// validate, copy) once per token instead of once per request saves work on the hot path.
    /// Shared by clones; never printed.
    bearer: Arc<Mutex<Option<HeaderValue>>>,
}

impl fmt::Debug for Altinn2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Altinn2Client")
            .field("base", &self.base.as_str())
            .field("language", &self.language)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// One request to make, possibly several times.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) accept: &'static str,
    /// The `Content-Type` and body, for POST.
    pub(crate) body: Option<(&'static str, Vec<u8>)>,
    /// Whether repeating the request after it may have reached the server is harmless.
    pub(crate) idempotent: bool,
}

impl Call {
    pub(crate) fn path(&self) -> String {
        self.url.path().to_owned()
    }
}

/// What came back from one attempt.
struct Answer {
    status: StatusCode,
    reason: String,
    retry_after: Option<Duration>,
    body: Vec<u8>,
    /// The body was longer than the limit for its kind and was cut.
    truncated: bool,
}

impl Altinn2Client {
    /// Builds the adapter. `tokens` supplies the Altinn token (from the Maskinporten token
    /// exchange) and is asked to invalidate it when Altinn answers 401.
    pub fn new(
        config: Altinn2Config,
        tokens: Arc<dyn AltinnTokenSource>,
    ) -> Result<Self, ConfigError> {
        let base = normalise_base(&config.base_url)?;
        let mut api_key =
            HeaderValue::from_str(config.api_key.expose()).map_err(|_| ConfigError::ApiKey)?;
        api_key.set_sensitive(true);
        let http = reqwest::Client::builder()
            // Without credentials Altinn redirects to a login page; following it would turn a
            // clear 302 into a confusing HTML body.
            .redirect(redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("tilgang/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::HttpClient(error_chain(&e)))?;
        Ok(Altinn2Client {
            http,
            base,
            language: config.language,
            api_key,
            retry: config.retry,
            tokens,
            bearer: Arc::new(Mutex::new(None)),
        })
    }

    /// The URL for `/api/` followed by `segments`, each percent-encoded as one path segment.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("api").extend(segments);
        }
        url
    }

    /// Sends `call`, renewing the token once on 401 and retrying transient failures as the
    /// policy allows. Returns the body of a 2xx answer.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Vec<u8>, AltinnError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        let mut renewed_token = false;
        // Whether an earlier attempt of this call may have taken effect.
        let mut maybe_done = false;
        loop {
            attempt += 1;
            let token = self.tokens.altinn_token().await?;
            let error = match self.attempt(call, token.token.expose()).await {
                Ok(answer) if answer.status.is_success() => {
                    if answer.truncated {
                        return Err(AltinnError::Decode {
                            path: call.path(),
                            error: DecodeError {
                                path: ".".into(),
                                message: format!(
                                    "the response is larger than {} MiB",
                                    SUCCESS_BODY_LIMIT / (1024 * 1024)
                                ),
                            },
                        });
                    }
                    return Ok(answer.body);
                }
                Ok(answer) => {
                    let status = answer.status;
                    if status == StatusCode::UNAUTHORIZED && !renewed_token {
                        // The token expired or was revoked: one fresh exchange and one more try,
                        // which does not count against the retry budget.
                        tracing::debug!(path = %call.path(), "Altinn answered 401; renewing the Altinn token");
                        renewed_token = true;
                        self.tokens.invalidate().await;
                        attempt -= 1;
                        continue;
                    }
                    if status == StatusCode::NOT_FOUND
                        && call.method == Method::DELETE
                        && maybe_done
                    {
                        // An earlier DELETE whose answer was lost already removed it.
                        return Ok(Vec::new());
                    }
                    let retry_after = answer.retry_after;
                    let error = AltinnError::Rejected(rejection(call, answer));
                    let transient = status.is_server_error()
                        || status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::REQUEST_TIMEOUT;
                    // A 429 refuses the request before it is carried out, so even a POST may be
                    // sent again; a 5xx may come from a gateway that passed the request on.
                    let may_retry =
                        transient && (call.idempotent || status == StatusCode::TOO_MANY_REQUESTS);
                    if !may_retry || attempt >= max_attempts {
                        return Err(error);
                    }
                    if retry_after.is_some_and(|d| d > MAX_RETRY_AFTER) {
                        return Err(error);
                    }
                    maybe_done |= status.is_server_error();
                    self.back_off(attempt + 1, retry_after).await;
                    error
                }
                Err(e) => {
                    let delivery = delivery_of(&e);
                    let error = AltinnError::Transport {
                        delivery,
                        method: call.method.to_string(),
                        path: call.path(),
                        message: error_chain(&e.without_url()),
                    };
                    // A request that never left can always be sent again; one that may have
                    // arrived only if repeating it is harmless.
                    let may_retry = call.idempotent || delivery == Delivery::NotSent;
                    if !may_retry || attempt >= max_attempts {
                        return Err(error);
                    }
                    maybe_done |= delivery == Delivery::MaybeSent;
                    self.back_off(attempt + 1, None).await;
                    error
                }
            };
            tracing::debug!(%error, attempt, "retrying Altinn call");
        }
    }

    async fn back_off(&self, next_attempt: u32, retry_after: Option<Duration>) {
        let delay = backoff_delay(&self.retry, next_attempt, retry_after, &mut rand::rng());
        tokio::time::sleep(delay).await;
    }

    /// `Bearer {token}` as a sensitive header value, from the cache when the token is the one
    /// it was built for.
    fn bearer(&self, token: &str) -> HeaderValue {
        let mut cached = self.bearer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = cached.as_ref()
            && value.as_bytes().strip_prefix(b"Bearer ") == Some(token.as_bytes())
        {
            return value.clone();
        }
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-token"));
        value.set_sensitive(true);
        *cached = Some(value.clone());
        value
    }

    /// One HTTP exchange, reading a bounded body.
    async fn attempt(&self, call: &Call, token: &str) -> Result<Answer, reqwest::Error> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, self.bearer(token));
        headers.insert("ApiKey", self.api_key.clone());
        headers.insert(header::ACCEPT, HeaderValue::from_static(call.accept));
        let mut request = self
            .http
            .request(call.method.clone(), call.url.clone())
            .headers(headers);
        if let Some((content_type, body)) = &call.body {
            request = request
                .header(header::CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        let mut response = request.send().await?;
        let status = response.status();
        let reason = reason_phrase(&response);
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let limit = if status.is_success() {
            SUCCESS_BODY_LIMIT
        } else {
            REJECTION_BODY_LIMIT
        };
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await? {
            let room = limit - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            reason,
            retry_after,
            body,
            truncated,
        })
    }
}

/// The reason phrase exactly as the server sent it.
///
/// Altinn 2 puts its error message there (`400 Required header 'ApiKey' is missing.`).
/// hyper keeps a non-canonical phrase as a [`hyper::ext::ReasonPhrase`] in the response
/// extensions, and reqwest 0.13 hands those extensions through. When the extension is absent,
/// the server sent the canonical phrase (or none, as in HTTP/2), so the canonical one is right.
pub(crate) fn reason_phrase(response: &reqwest::Response) -> String {
    match response.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
        None => response
            .status()
            .canonical_reason()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn rejection(call: &Call, answer: Answer) -> Rejection {
    let mut body = String::from_utf8_lossy(&answer.body).into_owned();
    if answer.truncated {
        body.push_str(" […]");
    }
    Rejection {
        method: call.method.to_string(),
        path: call.path(),
        status: answer.status.as_u16(),
        advice: advice(answer.status.as_u16(), &answer.reason),
        reason: answer.reason,
        codes: error_code(&answer.body).into_iter().collect(),
        validation: Vec::new(),
        body,
        retry_after: answer.retry_after,
    }
}

/// What Altinn 2's own words mean, where the status alone does not say it. Altinn 2 names
/// the problem in the reason phrase; the advice speaks of the request, never of a program's
/// settings (the program adds those).
fn advice(status: u16, reason: &str) -> String {
    match status {
        400 if reason.contains("ApiKey") => {
            "the request lacked the API key the Altinn 2 API requires".to_owned()
        }
        403 => "the caller lacks the Tilgangsstyrer or Hovedadministrator role for that party, or the API key lacks access".to_owned(),
        _ => String::new(),
    }
}

/// The `ErrorCode` of the error model some newer Altinn 2 APIs send
/// (`{"ErrorCode": 123, "ErrorMessage": "..."}`), or a ProblemDetails `code`.
fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("ErrorCode") || k.as_str() == "code")
        .and_then(|(_, v)| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

/// Whether a failed request may have reached the server.
fn delivery_of(e: &reqwest::Error) -> Delivery {
    if e.is_connect() || e.is_builder() {
        Delivery::NotSent
    } else {
        Delivery::MaybeSent
    }
}

/// The delay before `next_attempt`: full jitter within the policy's bound, but never shorter
/// than the server's `Retry-After`.
pub(crate) fn backoff_delay(
    policy: &RetryPolicy,
    next_attempt: u32,
    retry_after: Option<Duration>,
    rng: &mut impl Rng,
) -> Duration {
    let bound = policy.backoff_bound(next_attempt);
    let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
    let jitter = Duration::from_nanos(rng.random_range(0..=nanos));
    match retry_after {
        Some(wait) => wait.max(jitter),
        None => jitter,
    }
}

/// The error and its sources, on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn normalise_base(url: &Url) -> Result<Url, ConfigError> {
    let fail = |reason| ConfigError::BaseUrl {
        url: url.to_string(),
        reason,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(fail("the scheme must be https (or http for a local mock)"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(fail("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(fail("it must not have a query or fragment"));
    }
    let mut base = url.clone();
    let path = base.path().trim_end_matches('/').to_owned();
    let path = path.strip_suffix("/api").unwrap_or(&path).to_owned();
    base.set_path(&path);
    Ok(base)
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        for (given, want) in [
            ("https://tt02.altinn.no", "https://tt02.altinn.no/"),
            ("https://tt02.altinn.no/", "https://tt02.altinn.no/"),
            ("https://tt02.altinn.no/api/", "https://tt02.altinn.no/"),
            (
                "http://127.0.0.1:8080/prefix/api",
                "http://127.0.0.1:8080/prefix",
            ),
        ] {
            let got = normalise_base(&Url::parse(given).unwrap()).unwrap();
            assert_eq!(got.as_str(), want, "{given}");
        }
        for bad in ["ftp://x", "https://x/?a=1", "mailto:x@y"] {
            assert!(normalise_base(&Url::parse(bad).unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_is_jittered_within_the_bound_and_honours_retry_after() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let d = backoff_delay(&policy, 4, None, &mut rng);
            assert!(d <= Duration::from_millis(300), "{d:?}");
            seen.insert(d.as_millis());
        }
        assert!(seen.len() > 50, "the delay is jittered, not fixed");
        assert_eq!(backoff_delay(&policy, 1, None, &mut rng), Duration::ZERO);
        let wait = Duration::from_secs(2);
        assert_eq!(backoff_delay(&policy, 2, Some(wait), &mut rng), wait);
    }

    struct NoTokens;

    #[async_trait::async_trait]
    impl AltinnTokenSource for NoTokens {
        async fn altinn_token(
            &self,
        ) -> Result<tilgang_domain::secret::AltinnToken, tilgang_ports::TokenError> {
            Err(tilgang_ports::TokenError::Config {
                message: "no tokens in this test".into(),
            })
        }

        async fn invalidate(&self) {}
    }

    /// The backoff sleeps on tokio's clock, so callers' tests can pause and advance it.
    #[tokio::test(start_paused = true)]
    async fn backoff_sleeps_on_tokio_time() {
        let mut config = Altinn2Config::new(
            Url::parse("https://tt02.altinn.no").unwrap(),
            tilgang_domain::secret::ApiKey::new("k"),
        );
        config.retry = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(20),
        };
        let client = Altinn2Client::new(config, Arc::new(NoTokens)).unwrap();
        let start = tokio::time::Instant::now();
        client.back_off(2, Some(Duration::from_secs(30))).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        let start = tokio::time::Instant::now();
        client.back_off(3, None).await;
        assert!(start.elapsed() <= Duration::from_secs(20));
    }

    #[test]
    fn the_bearer_header_follows_the_token() {
        let client = Altinn2Client::new(
            Altinn2Config::new(
                Url::parse("https://tt02.altinn.no").unwrap(),
                tilgang_domain::secret::ApiKey::new("k"),
            ),
            Arc::new(NoTokens),
        )
        .unwrap();
        let first = client.bearer("token-1");
        assert_eq!(first.as_bytes(), b"Bearer token-1");
        assert!(first.is_sensitive());
        assert_eq!(client.bearer("token-1"), first);
        // A renewed token must never be sent with the old header.
        assert_eq!(client.bearer("token-2").as_bytes(), b"Bearer token-2");
        assert_eq!(
            client.clone().bearer("token-1").as_bytes(),
            b"Bearer token-1"
        );
        // A token that cannot be a header value is not sent as one.
        assert_eq!(
            client.bearer("bad\ntoken").as_bytes(),
            b"Bearer invalid-token"
        );
    }

    #[test]
    fn error_codes_are_read_from_either_error_model() {
        assert_eq!(
            error_code(br#"{"ErrorCode": 40012, "ErrorMessage": "x"}"#).as_deref(),
            Some("40012")
        );
        assert_eq!(
            error_code(br#"{"code":"AM-00022"}"#).as_deref(),
            Some("AM-00022")
        );
        assert_eq!(error_code(b"<html>"), None);
    }
}
