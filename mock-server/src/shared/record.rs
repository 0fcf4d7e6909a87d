//! Route counters and the request log, built for the per-request hot path.
//!
//! Every request outside `/_mock/` is counted and logged, so this work caps what the mock can
//! serve. Counting is one atomic increment in a table built at start (one slot per HTTP method
//! and route template); only a request with an extension method takes a lock. A log entry keeps
//! what the log shows (path, query, header names and values, the credentials already redacted)
//! in one byte buffer, so recording costs two allocations and one short lock; the
//! [`RecordedRequest`] values with their owned strings are made only when the log is read.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::http::{HeaderMap, HeaderValue, Method};
use serde::{Deserialize, Serialize};

use crate::shared::{
    credentials::ENTERPRISE_USER_HEADER,
    routes::{Endpoint, METHODS, RouteKey},
};

/// The most requests the log keeps; older ones are dropped first.
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// One request as the mock saw it, with credentials redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path as sent (before case normalisation).
    pub path: String,
    /// Query string, if any.
    pub query: Option<String>,
    /// The matched route template, e.g. `GET /api/{who}/authorization/Delegations/{receiverId}`.
    pub route: Option<String>,
    /// Headers; `Authorization`, `ApiKey` and the enterprise-user header are redacted.
    pub headers: Vec<(String, String)>,
    /// Request body size in bytes.
    pub body_size: u64,
    /// The status the mock answered with (0 when the connection was dropped).
    pub status: u16,
}

/// How many requests matched each route.
pub(crate) struct Counters {
    /// `METHODS.len() × Endpoint::ALL.len()` slots, row by method.
    known: Box<[AtomicU64]>,
    /// Keys outside the table (extension methods).
    other: Mutex<HashMap<Box<str>, u64>>,
}

impl Counters {
    pub(crate) fn new() -> Self {
        Counters {
            known: (0..METHODS.len() * Endpoint::ALL.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            other: Mutex::new(HashMap::new()),
        }
    }

    fn slot(method: usize, endpoint: Endpoint) -> usize {
        // The enum's discriminant places the endpoint's counter within the method's row.
        method * Endpoint::ALL.len() + endpoint as usize
    }

    pub(crate) fn count(&self, key: &RouteKey) {
        match key {
            RouteKey::Known { method, endpoint } => {
                // Relaxed: a counter orders nothing else; readers only need every increment
                // made before they read, which the request/response round trip provides.
                self.known[Self::slot(*method, *endpoint)].fetch_add(1, Ordering::Relaxed);
            }
            RouteKey::Other(text) => {
                *self
                    .other
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(text.clone())
                    .or_default() += 1;
            }
        }
    }

    /// Every route that was requested at least once, with its count.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for method in 0..METHODS.len() {
            for endpoint in Endpoint::ALL {
                let n = self.known[Self::slot(method, endpoint)].load(Ordering::Relaxed);
                if n > 0 {
                    out.insert(RouteKey::Known { method, endpoint }.text(), n);
                }
            }
        }
        for (k, v) in self.other.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            *out.entry(k.to_string()).or_default() += *v;
        }
        out
    }

    pub(crate) fn clear(&self) {
        for c in self.known.iter() {
            c.store(0, Ordering::Relaxed);
        }
        self.other.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Header names whose values the log never shows.
const REDACTED_HEADERS: &[&str] = &["authorization", "apikey", ENTERPRISE_USER_HEADER, "cookie"];

/// One logged request. The path, the query and the headers sit back to back in `text`;
/// `ends` holds where each piece ends: path, query, then name and value of each header.
/// Redacted header values are stored redacted, so no credential is kept.
#[derive(Clone)]
pub(crate) struct LogEntry {
    method: Method,
    route: Option<RouteKey>,
    text: Vec<u8>,
    ends: Vec<u32>,
    has_query: bool,
    body_size: u64,
    status: u16,
}

impl LogEntry {
    /// Copies what the log shows of a request.
    pub(crate) fn new(
        method: &Method,
        route: Option<RouteKey>,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
    ) -> Self {
        let size = path.len()
            + query.map_or(0, str::len)
            + headers
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len())
                .sum::<usize>();
        let mut entry = LogEntry {
            method: method.clone(),
            route,
            text: Vec::with_capacity(size),
            ends: Vec::with_capacity(2 + 2 * headers.len()),
            has_query: query.is_some(),
            body_size: 0,
            status: 0,
        };
        entry.push(path.as_bytes());
        entry.push(query.unwrap_or_default().as_bytes());
        for (name, value) in headers {
            entry.push(name.as_str().as_bytes());
            if REDACTED_HEADERS.contains(&name.as_str()) {
                entry.push(redact(value).as_bytes());
            } else {
                entry.push(value.as_bytes());
            }
        }
        entry
    }

    fn push(&mut self, bytes: &[u8]) {
        self.text.extend_from_slice(bytes);
        // Header blocks are limited far below 4 GiB by hyper, and paths are part of them.
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    pub(crate) fn finish(&mut self, body_size: u64, status: u16) {
        self.body_size = body_size;
        self.status = status;
    }

    fn piece(&self, i: usize) -> String {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        String::from_utf8_lossy(&self.text[start..self.ends[i] as usize]).into_owned()
    }

    /// The entry as the log shows it.
    pub(crate) fn recorded(&self) -> RecordedRequest {
        RecordedRequest {
            method: self.method.as_str().to_owned(),
            path: self.piece(0),
            query: self.has_query.then(|| self.piece(1)),
            route: self.route.as_ref().map(RouteKey::text),
            headers: (2..self.ends.len())
                .step_by(2)
                .map(|i| (self.piece(i), self.piece(i + 1)))
                .collect(),
            body_size: self.body_size,
            status: self.status,
        }
    }
}

/// A redacted header value: the scheme is kept for Bearer credentials, nothing else is. Only
/// the bytes before the first space are looked at, not the (long) credential after it.
fn redact(v: &HeaderValue) -> std::borrow::Cow<'static, str> {
    let bytes = v.as_bytes();
    match bytes.iter().position(|&b| b == b' ') {
        Some(space) if bytes[..space].eq_ignore_ascii_case(b"bearer") => {
            if &bytes[..space] == b"Bearer" {
                "Bearer [redacted]".into()
            } else {
                // Six ASCII letters, as the comparison above proved.
                format!("{} [redacted]", String::from_utf8_lossy(&bytes[..space])).into()
            }
        }
        _ => "[redacted]".into(),
    }
}

/// The most recent requests, oldest first, at most [`REQUEST_LOG_CAPACITY`].
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LogEntry>>,
}

impl RequestLog {
    pub(crate) fn new() -> Self {
        RequestLog {
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn record(&self, entry: LogEntry) {
        let evicted = {
            let mut log = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let evicted = if log.len() >= REQUEST_LOG_CAPACITY {
                log.pop_front()
            } else {
                None
            };
            log.push_back(entry);
            evicted
        };
        // Freed after the lock is released, so the critical section is two pointer moves.
        drop(evicted);
    }

    /// The log as recorded requests. The entries are copied under the lock and converted
    /// after it, so reading a full log does not hold up requests for long.
    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        let entries: Vec<LogEntry> = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        entries.iter().map(LogEntry::recorded).collect()
    }

    pub(crate) fn clear(&self) {
        let old = std::mem::take(&mut *self.entries.lock().unwrap_or_else(|e| e.into_inner()));
        drop(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_shows_what_was_sent_with_credentials_redacted() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("bearer abc.def"));
        headers.insert("apikey", HeaderValue::from_static("secret-key"));
        headers.insert(
            ENTERPRISE_USER_HEADER,
            HeaderValue::from_static("dXNlcjpwdw=="),
        );
        headers.insert("cookie", HeaderValue::from_static("session=1"));
        headers.insert("accept", HeaderValue::from_static("application/json"));
        headers.append("accept", HeaderValue::from_static("text/plain"));
        headers.insert("x-odd", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let mut entry = LogEntry::new(
            &Method::GET,
            Some(RouteKey::new(&Method::GET, Endpoint::Jwk)),
            "/JWK/",
            Some("a=1&b"),
            &headers,
        );
        entry.finish(7, 200);
        let r = entry.recorded();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/JWK/");
        assert_eq!(r.query.as_deref(), Some("a=1&b"));
        assert_eq!(r.route.as_deref(), Some("GET /jwk"));
        assert_eq!((r.body_size, r.status), (7, 200));
        let expected: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                let shown = match k.as_str() {
                    "authorization" => "bearer [redacted]".to_owned(),
                    "apikey" | "cookie" => "[redacted]".to_owned(),
                    n if n == ENTERPRISE_USER_HEADER => "[redacted]".to_owned(),
                    _ => String::from_utf8_lossy(v.as_bytes()).into_owned(),
                };
                (k.as_str().to_owned(), shown)
            })
            .collect();
        assert_eq!(r.headers, expected);
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("abc.def") && !text.contains("secret-key"));
        assert!(!text.contains("dXNlcjpwdw==") && !text.contains("session=1"));
    }

    #[test]
    fn redaction_keeps_only_a_bearer_scheme() {
        let shown = |v: &[u8]| redact(&HeaderValue::from_bytes(v).unwrap()).into_owned();
        assert_eq!(shown(b"Bearer a.b.c"), "Bearer [redacted]");
        assert_eq!(shown(b"BEARER a b"), "BEARER [redacted]");
        assert_eq!(shown(b"Basic dXNlcjpwdw=="), "[redacted]");
        assert_eq!(shown(b"Bearer"), "[redacted]");
        assert_eq!(shown(b"secret"), "[redacted]");
        assert_eq!(shown(b"caf\xe9 x"), "[redacted]");
    }

    #[test]
    fn an_empty_query_differs_from_none() {
        let entry = LogEntry::new(&Method::POST, None, "/x", Some(""), &HeaderMap::new());
        assert_eq!(entry.recorded().query.as_deref(), Some(""));
        let entry = LogEntry::new(&Method::POST, None, "/x", None, &HeaderMap::new());
        assert_eq!(entry.recorded().query, None);
        assert_eq!(entry.recorded().route, None);
    }

    #[test]
    fn counters_show_only_requested_routes_and_clear() {
        let counters = Counters::new();
        assert!(counters.snapshot().is_empty());
        let get_jwk = RouteKey::new(&Method::GET, Endpoint::Jwk);
        let custom = RouteKey::new(&Method::from_bytes(b"PURGE").unwrap(), Endpoint::Jwk);
        counters.count(&get_jwk);
        counters.count(&get_jwk);
        counters.count(&custom);
        let snapshot = counters.snapshot();
        assert_eq!(snapshot.len(), 2);
        assert_eq!(snapshot["GET /jwk"], 2);
        assert_eq!(snapshot["PURGE /jwk"], 1);
        counters.clear();
        assert!(counters.snapshot().is_empty());
    }

    #[test]
    fn the_log_keeps_the_newest_entries() {
        let log = RequestLog::new();
        for i in 0..REQUEST_LOG_CAPACITY + 3 {
            log.record(LogEntry::new(
                &Method::GET,
                None,
                &format!("/{i}"),
                None,
                &HeaderMap::new(),
            ));
        }
        let entries = log.snapshot();
        assert_eq!(entries.len(), REQUEST_LOG_CAPACITY);
        assert_eq!(entries[0].path, "/3");
        assert_eq!(
            entries.last().unwrap().path,
            format!("/{}", REQUEST_LOG_CAPACITY + 2)
        );
        log.clear();
        assert!(log.snapshot().is_empty());
    }
}
