//! HTTP plumbing shared by the Altinn adapters.
//!
//! Every Altinn API call has the same life: take the current Altinn token, send, read a bounded
//! body, renew the token once on 401, and retry transient failures only where that is safe.
//! [`AltinnHttp::execute`] is that life, written once; an adapter describes each request as a
//! [`Call`] and says how its API words a refusal (a function from the answer to the ports'
//! [`Rejection`]).
//!
//! When a retry is safe:
//! - a request that never left the machine ([`Delivery::NotSent`]) can always be sent again;
//! - one that may have arrived only if the [`Call`] says repeating it is harmless
//!   (`idempotent`: reads, deletes, and writes whose effect does not stack);
//! - a 429 refuses a request before carrying it out, so it is retried even when not idempotent;
//! - a 5xx may come from a gateway that passed the request on, so only idempotent calls.
//!
//! Architecture invariant: this crate knows no API's wire format. It depends on the ports (for
//! the token source and the errors) and the domain only, so it is no adapter and the adapters
//! that share it stay independent of each other.
#![warn(missing_docs)]

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

/// How much of an error body is kept in a [`Rejection`]: enough for any message Altinn writes,
/// little enough that an HTML error page cannot flood a log.
pub const REJECTION_BODY_LIMIT: usize = 4 * 1024;
/// The largest successful body accepted. A full page of 50 Altinn 2 rights is about 25 KiB;
/// an Altinn 3 delegation check of every package about 150 KiB.
pub const SUCCESS_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// The longest `Retry-After` honoured; a server asking for more is reported instead of waited on.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// One request to make, possibly several times.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method.
    pub method: Method,
    /// The URL, query included.
    pub url: Url,
    /// The `Accept` header.
    pub accept: &'static str,
    /// The `Content-Type` and body, for POST and PUT.
    pub body: Option<(&'static str, Vec<u8>)>,
    /// Whether repeating the request after it may have reached the server is harmless.
    pub idempotent: bool,
}

impl Call {
    /// A GET of `url`, which is always safe to repeat.
    pub fn get(url: Url, accept: &'static str) -> Self {
        Call {
            method: Method::GET,
            url,
            accept,
            body: None,
            idempotent: true,
        }
    }

    /// The path (no query, no host), for messages: queries may hold identifiers.
    pub fn path(&self) -> String {
        self.url.path().to_owned()
    }
}

/// What came back from one attempt.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The reason phrase exactly as the server sent it.
    pub reason: String,
    /// The server's `Retry-After`, in seconds form.
    pub retry_after: Option<Duration>,
    /// The body, cut at the limit for its kind.
    pub body: Vec<u8>,
    /// The body was longer than the limit and was cut.
    pub truncated: bool,
}

impl Answer {
    /// The body as text for a [`Rejection`], marked when it was cut.
    pub fn body_text(&self) -> String {
        let mut body = String::from_utf8_lossy(&self.body).into_owned();
        if self.truncated {
            body.push_str(" […]");
        }
        body
    }
}

/// How an API words a refusal: the adapter turns a non-2xx answer into a [`Rejection`] with its
/// codes and advice.
pub type RejectionOf = fn(&Call, Answer) -> Rejection;

/// Timeouts and retries of one adapter's HTTP client.
#[derive(Debug, Clone, Copy)]
pub struct HttpSettings {
    /// Retries after transient failures, where safe.
    pub retry: RetryPolicy,
    /// The longest one request may take, from connecting to the end of the body.
    pub timeout: Duration,
    /// The longest connecting may take.
    pub connect_timeout: Duration,
}

/// The HTTP client could not be built (e.g. TLS set-up failed).
#[derive(Debug)]
pub struct BuildError(pub String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot build the HTTP client: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

/// An HTTP client that calls an Altinn API with the current Altinn token.
///
/// Cheap to clone (the connection pool, token source and header cache are shared).
#[derive(Clone)]
pub struct AltinnHttp {
    http: reqwest::Client,
    retry: RetryPolicy,
    tokens: Arc<dyn AltinnTokenSource>,
    /// Headers every request carries besides the token (e.g. Altinn 2's `ApiKey`).
    headers: HeaderMap,
    /// The `Authorization` header built for the current Altinn token. The token changes every
    /// 30 minutes or so while every call sends it, so building the ~1 KiB header (format,
    /// validate, copy) once per token instead of once per request saves work on the hot path.
    /// Shared by clones; never printed.
    bearer: Arc<Mutex<Option<HeaderValue>>>,
}

impl fmt::Debug for AltinnHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AltinnHttp")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl AltinnHttp {
    /// A client that takes its tokens from `tokens` and sends `headers` on every request.
    /// Mark secret header values sensitive ([`HeaderValue::set_sensitive`]) before passing them.
    pub fn new(
        settings: HttpSettings,
        tokens: Arc<dyn AltinnTokenSource>,
        headers: HeaderMap,
    ) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            // Without credentials Altinn redirects to a login page; following it would turn a
            // clear 302 into a confusing HTML body.
            .redirect(redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("tilgang/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BuildError(error_chain(&e)))?;
        Ok(AltinnHttp {
            http,
            retry: settings.retry,
            tokens,
            headers,
            bearer: Arc::new(Mutex::new(None)),
        })
    }

    /// The token source, e.g. to invalidate it.
    pub fn tokens(&self) -> &Arc<dyn AltinnTokenSource> {
        &self.tokens
    }

    /// Sends `call`, renewing the token once on 401 and retrying transient failures as the
    /// policy allows (see the crate doc for when that is safe). Returns the body of a 2xx
    /// answer; a refusal is worded by `reject`.
    pub async fn execute(&self, call: &Call, reject: RejectionOf) -> Result<Vec<u8>, AltinnError> {
        self.run(call, reject, true).await
    }

    /// Sends `call` without a token, for the public parts of an API (Altinn 3's metadata),
    /// retrying as [`AltinnHttp::execute`] does.
    pub async fn execute_public(
        &self,
        call: &Call,
        reject: RejectionOf,
    ) -> Result<Vec<u8>, AltinnError> {
        self.run(call, reject, false).await
    }

    async fn run(
        &self,
        call: &Call,
        reject: RejectionOf,
        with_token: bool,
    ) -> Result<Vec<u8>, AltinnError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        let mut renewed_token = false;
        // Whether an earlier attempt of this call may have taken effect.
        let mut maybe_done = false;
        loop {
            attempt += 1;
            let token = if with_token {
                Some(self.tokens.altinn_token().await?)
            } else {
                None
            };
            let bearer = token.as_ref().map(|t| t.token.expose());
            let error = match self.attempt(call, bearer).await {
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
                    if status == StatusCode::UNAUTHORIZED && with_token && !renewed_token {
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
                    let error = AltinnError::Rejected(reject(call, answer));
                    let transient = status.is_server_error()
                        || status == StatusCode::TOO_MANY_REQUESTS
                        || status == StatusCode::REQUEST_TIMEOUT;
                    // A 429 refuses the request before it is carried out, so even a POST may be
                    // sent again; a 5xx may come from a gateway that passed the request on.
                    let may_retry =
                        transient && (call.idempotent || status == StatusCode::TOO_MANY_REQUESTS);
                    if !may_retry || attempt >= max_attempts || !retryable(&error) {
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
    async fn attempt(&self, call: &Call, token: Option<&str>) -> Result<Answer, reqwest::Error> {
        let mut headers = self.headers.clone();
        if let Some(token) = token {
            headers.insert(header::AUTHORIZATION, self.bearer(token));
        }
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

/// Some refusals must never be repeated whatever their status says: Altinn 3 blocks person
/// lookups for an hour after two misses (AM-00026), and every retry would count as a miss.
fn retryable(error: &AltinnError) -> bool {
    !error.has_code("AM-00026")
}

/// The reason phrase exactly as the server sent it.
///
/// Altinn 2 puts its error message there (`400 Required header 'ApiKey' is missing.`).
/// hyper keeps a non-canonical phrase as a [`hyper::ext::ReasonPhrase`] in the response
/// extensions, and reqwest 0.13 hands those extensions through. When the extension is absent,
/// the server sent the canonical phrase (or none, as in HTTP/2), so the canonical one is right.
pub fn reason_phrase(response: &reqwest::Response) -> String {
    match response.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
        None => response
            .status()
            .canonical_reason()
            .unwrap_or_default()
            .to_owned(),
    }
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
pub fn backoff_delay(
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
pub fn error_chain(e: &dyn std::error::Error) -> String {
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

/// Appends one query parameter. Spaces become `%20` rather than `+` (OData parsers do not all
/// read `+` as a space), and everything but unreserved characters and `$` is percent-encoded,
/// so a value can never add a parameter of its own.
pub fn append_query(url: &mut Url, key: &str, value: &str) {
    let pair = format!("{}={}", encode_query(key), encode_query(value));
    let query = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&{pair}"),
        _ => pair,
    };
    url.set_query(Some(&query));
}

fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'$' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

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

    fn client(retry: RetryPolicy) -> AltinnHttp {
        AltinnHttp::new(
            HttpSettings {
                retry,
                timeout: Duration::from_secs(30),
                connect_timeout: Duration::from_secs(10),
            },
            Arc::new(NoTokens),
            HeaderMap::new(),
        )
        .unwrap()
    }

    /// The backoff sleeps on tokio's clock, so callers' tests can pause and advance it.
    #[tokio::test(start_paused = true)]
    async fn backoff_sleeps_on_tokio_time() {
        let client = client(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(20),
        });
        let start = tokio::time::Instant::now();
        client.back_off(2, Some(Duration::from_secs(30))).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        let start = tokio::time::Instant::now();
        client.back_off(3, None).await;
        assert!(start.elapsed() <= Duration::from_secs(20));
    }

    #[test]
    fn the_bearer_header_follows_the_token() {
        let client = client(RetryPolicy::NONE);
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
    fn query_values_keep_odata_readable_and_cannot_add_parameters() {
        let mut url = Url::parse("https://x/api/a").unwrap();
        append_query(&mut url, "$filter", "RightSourceType ne 'RoleTypeRights'");
        append_query(&mut url, "$skip", "50");
        append_query(&mut url, "package", "a&to=b");
        assert_eq!(
            url.query(),
            Some("$filter=RightSourceType%20ne%20%27RoleTypeRights%27&$skip=50&package=a%26to%3Db")
        );
    }

    #[test]
    fn the_lookup_throttle_is_never_retried() {
        let rejection = |codes: Vec<String>| {
            AltinnError::Rejected(Rejection {
                method: "POST".into(),
                path: "/x".into(),
                status: 429,
                reason: "Too Many Requests".into(),
                body: String::new(),
                codes,
                validation: Vec::new(),
                advice: String::new(),
                retry_after: None,
            })
        };
        assert!(!retryable(&rejection(vec!["AM-00026".into()])));
        assert!(retryable(&rejection(vec![])));
    }
}
