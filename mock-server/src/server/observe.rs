//! The observing middleware (log, counters, faults) and path normalisation, applied to every
//! request before a fake sees it.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, StatusCode, Uri, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::shared::{Core, record::LogEntry, routes::RouteKey};

/// The largest request body read. The biggest legitimate body (a delegation of a few hundred
/// rights) is a few tens of KiB; anything above this is refused with 413 before any handler
/// sees it, so a hostile client cannot make the mock hold large buffers.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Marks a response whose connection must be dropped instead of answered.
#[derive(Debug, Clone, Copy)]
pub(super) struct DropConnection;

/// The path as the client sent it, before normalisation.
#[derive(Debug, Clone)]
struct OriginalPath(String);

/// Logs, counts and applies faults to every request outside `/_mock/`.
pub(super) async fn observe(
    State(s): State<Arc<Core>>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path == "/_mock" || path.starts_with("/_mock/") {
        return next.run(req).await;
    }
    let route = matched.map(|m| RouteKey::of(req.method(), m.as_str()));
    let original = req
        .extensions()
        .get::<OriginalPath>()
        .map_or(path, |p| p.0.as_str());
    let mut entry = LogEntry::new(
        req.method(),
        route.clone(),
        original,
        req.uri().query(),
        req.headers(),
    );
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let body_size = bytes.len() as u64;
    let req = Request::from_parts(parts, Body::from(bytes));
    if let Some(key) = &route {
        s.counters.count(key);
    }
    let decision = s.faults.decide(route.as_ref(), &s.clock);
    let response = match decision {
        Some(d) => {
            if d.latency_ms > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(d.latency_ms)).await;
            }
            if d.drop {
                let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                resp.extensions_mut().insert(DropConnection);
                resp
            } else if let Some((status, retry)) = d.status {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                let mut resp = status.into_response();
                if let Some(secs) = retry {
                    resp.headers_mut().insert(
                        header::RETRY_AFTER,
                        HeaderValue::from_str(&secs.to_string())
                            .unwrap_or(HeaderValue::from_static("1")),
                    );
                }
                resp
            } else if d.lose_response {
                let mut resp = next.run(req).await;
                resp.extensions_mut().insert(DropConnection);
                resp
            } else {
                next.run(req).await
            }
        }
        None => next.run(req).await,
    };
    let status = if response.extensions().get::<DropConnection>().is_some() {
        0
    } else {
        response.status().as_u16()
    };
    entry.finish(body_size, status);
    s.log.record(entry);
    response
}

/// Lower-cases the path (Altinn and the exchange route case-insensitively) and drops a
/// trailing slash, keeping the query as sent. The path as sent is kept in [`OriginalPath`]
/// when it changed; otherwise the request's own path is the original.
pub(super) fn normalise(mut req: Request) -> Request {
    let sent = req.uri().path();
    let needs_change =
        sent.bytes().any(|b| b.is_ascii_uppercase()) || (sent.len() > 1 && sent.ends_with('/'));
    if !needs_change {
        return req;
    }
    let original = sent.to_owned();
    let mut path = original.to_ascii_lowercase();
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path != original {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req.extensions_mut().insert(OriginalPath(original));
    req
}
