//! Where credentials travel in a request: the header names and the `Bearer` scheme.
//!
//! The request log needs these names to redact the values, and more than one fake reads a
//! bearer token, so they live below the fakes.

use axum::http::{HeaderMap, header};

/// The enterprise-user credentials header of the Altinn token exchange.
pub const ENTERPRISE_USER_HEADER: &str = "x-altinn-enterpriseuser-authentication";

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), if the
/// header holds one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
