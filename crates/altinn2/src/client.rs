//! The Altinn 2 specifics of the HTTP machinery: the `ApiKey` header, the base URL, and how
//! Altinn 2 words a refusal (its message in the reason phrase, an `ErrorCode` in some bodies).
//! The call loop itself (401 renewal, safe retries, bounded bodies) is `tilgang-http`'s.

use std::{fmt, sync::Arc};

use reqwest::header::{HeaderMap, HeaderValue};
use tilgang_http::{AltinnHttp, Answer, Call, HttpSettings};
use tilgang_ports::{AltinnError, AltinnTokenSource, Rejection};
use url::Url;

use crate::{Altinn2Config, ConfigError, Language};

/// `Accept` and `Content-Type` of the delegation resources.
pub(crate) const HAL_JSON: &str = "application/hal+json";
/// `Accept` and `Content-Type` of ReporteeConversion (the guide uses plain JSON there).
pub(crate) const JSON: &str = "application/json";

/// The Altinn 2 REST adapter. Implements [`Parties`](tilgang_ports::Parties) and
/// [`Rights`](tilgang_ports::Rights).
///
/// Cheap to clone (the connection pool and token source are shared).
#[derive(Clone)]
pub struct Altinn2Client {
    http: AltinnHttp,
    pub(crate) base: Url,
    pub(crate) language: Option<Language>,
}

impl fmt::Debug for Altinn2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Altinn2Client")
            .field("base", &self.base.as_str())
            .field("language", &self.language)
            .field("http", &self.http)
            .finish()
    }
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
        let mut headers = HeaderMap::new();
        headers.insert("ApiKey", api_key);
        let http = AltinnHttp::new(
            HttpSettings {
                retry: config.retry,
                timeout: config.timeout,
                connect_timeout: config.connect_timeout,
            },
            tokens,
            headers,
        )
        .map_err(|e| ConfigError::HttpClient(e.0))?;
        Ok(Altinn2Client {
            http,
            base,
            language: config.language,
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

    /// Sends `call` (see `tilgang_http::AltinnHttp::execute`), with Altinn 2's wording of
    /// refusals.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Vec<u8>, AltinnError> {
        self.http.execute(call, rejection).await
    }
}

fn rejection(call: &Call, answer: Answer) -> Rejection {
    Rejection {
        method: call.method.to_string(),
        path: call.path(),
        status: answer.status.as_u16(),
        advice: advice(answer.status.as_u16(), &answer.reason),
        codes: error_code(&answer.body).into_iter().collect(),
        validation: Vec::new(),
        body: answer.body_text(),
        reason: answer.reason,
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
}
