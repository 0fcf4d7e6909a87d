//! The errors ports return. They keep what the server said and tell the caller what to do.

use std::{fmt, time::Duration};

use tilgang_domain::Grantable;

/// Whether a failed request may have reached the server. This decides whether a retry is safe:
/// a `NotSent` request can always be repeated; a `MaybeSent` POST may already have taken effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The request never left (connect failure, DNS, TLS, refused before sending).
    NotSent,
    /// The request may have been sent (timeout, connection reset, no complete response).
    MaybeSent,
}

/// Reads as part of a sentence: "the request was never sent".
impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delivery::NotSent => "the request was never sent",
            Delivery::MaybeSent => "the request may have been sent",
        })
    }
}

/// A response body did not decode. Carries the JSON path that failed and what was wrong, never
/// the body itself (it may hold personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at `{path}`: {message}")]
pub struct DecodeError {
    /// The path of the value that failed, e.g. `_embedded.rights[3].ServiceEditionCode`.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// One validation error of a problem response (Altinn 3 `validationErrors[]`): its code and
/// the paths it concerns, e.g. `AM.VLD-00034` at `/PersonIdentifier` and `/LastName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    /// The code, e.g. `AM.VLD-00026`.
    pub code: String,
    /// The paths, e.g. `QUERY/packageId`.
    pub paths: Vec<String>,
    /// The detail text, if any.
    pub detail: Option<String>,
    /// The extension values the server put on the error, by key in the server's case (e.g.
    /// `packages`: `following packages have active assignments [...]`).
    pub extensions: Vec<(String, String)>,
}

/// A grantable this backend cannot grant or revoke. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{platform} cannot {operation} {} ({grantable}); {hint}", .grantable.kind_name())]
pub struct Unsupported {
    /// The platform that refused, e.g. `Altinn 3`.
    pub platform: &'static str,
    /// Giving or taking away.
    pub operation: crate::Operation,
    /// What was asked for.
    pub grantable: Grantable,
    /// What to do instead (which platform takes it).
    pub hint: &'static str,
}

/// A coarse classification of errors, for exit codes and retry decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input or configuration is wrong; nothing was sent or the server refused it as invalid.
    BadInput,
    /// Authentication or authorisation was refused.
    Auth,
    /// The thing asked for does not exist.
    NotFound,
    /// It already exists (e.g. a duplicate delegation).
    Conflict,
    /// A transient failure: the network, a 5xx or a 429. Safe to retry for idempotent calls.
    Transient,
    /// Anything else (e.g. a response that could not be understood).
    Other,
}

/// What Maskinporten said when it refused a grant (`shared/spec/maskinporten.md` §1.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRejection {
    /// The HTTP status.
    pub status: u16,
    /// The OAuth2 `error`, e.g. `invalid_grant`.
    pub error: String,
    /// The `error_description`.
    pub description: Option<String>,
    /// The MP code from `error_uri`, e.g. `MP-110`.
    pub mp_code: Option<String>,
    /// The trace or correlation id from the description, for Digdir support.
    pub trace_id: Option<String>,
}

/// Failures getting a Maskinporten or Altinn token.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Maskinporten refused the grant.
    #[error("Maskinporten refused the token request: {} {}{}{} (check client id, key, scopes and clock)",
        .0.error,
        .0.description.as_deref().unwrap_or(""),
        .0.mp_code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default(),
        .0.trace_id.as_deref().map(|t| format!(" trace_id={t}")).unwrap_or_default())]
    Rejected(TokenRejection),
    /// The Altinn token exchange refused the Maskinporten token or the enterprise user.
    #[error("Altinn token exchange refused: HTTP {status} {reason}{}; {hint}",
        if body.is_empty() { String::new() } else { format!(": {body}") })]
    ExchangeRejected {
        /// The HTTP status.
        status: u16,
        /// The reason phrase.
        reason: String,
        /// The body (text or ProblemDetails), if any.
        body: String,
        /// What to do next.
        hint: &'static str,
    },
    /// Enterprise-user authentication is gone (410): Altinn 2 was switched off.
    #[error(
        "Altinn no longer accepts enterprise users (HTTP 410 Gone): use a system user or ID-porten; {body}"
    )]
    EnterpriseUsersRetired {
        /// The ProblemDetails body.
        body: String,
    },
    /// Too many requests; wait before retrying.
    #[error("rate limited (HTTP 429){}", .retry_after.map(|d| format!("; retry after {} s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The server failed (5xx) after all retries.
    #[error("token server failed: HTTP {status} {reason} (after {attempts} attempts)")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The reason phrase.
        reason: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The network failed.
    #[error("could not reach the token server ({delivery}): {message}")]
    Transport {
        /// Whether the request may have been sent.
        delivery: Delivery,
        /// What failed.
        message: String,
    },
    /// The server's answer could not be understood.
    #[error("unexpected answer from the token server: {message}")]
    InvalidResponse {
        /// What was wrong.
        message: String,
    },
    /// The grant could not be built (key, claims); nothing was sent.
    #[error("cannot build the token request: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// A deadline passed before a token could be had.
    #[error("no token before the deadline: {message}")]
    Deadline {
        /// The last failure seen.
        message: String,
    },
}

impl TokenError {
    /// The coarse kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            TokenError::Rejected(r) if r.status >= 500 => ErrorKind::Transient,
            TokenError::Rejected(_) => ErrorKind::Auth,
            TokenError::ExchangeRejected { status, .. } if *status >= 500 => ErrorKind::Transient,
            TokenError::ExchangeRejected { status: 400, .. } => ErrorKind::BadInput,
            TokenError::ExchangeRejected { .. } | TokenError::EnterpriseUsersRetired { .. } => {
                ErrorKind::Auth
            }
            TokenError::RateLimited { .. }
            | TokenError::Server { .. }
            | TokenError::Transport { .. } => ErrorKind::Transient,
            TokenError::Config { .. } => ErrorKind::BadInput,
            TokenError::InvalidResponse { .. } | TokenError::Deadline { .. } => ErrorKind::Other,
        }
    }
}

/// What an Altinn API said when it refused a request. Altinn 2 puts its message in the HTTP
/// reason phrase (e.g. `400 Required header 'ApiKey' is missing.`), so it is kept apart from
/// the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP method.
    pub method: String,
    /// The path (no query, no host), for the error message.
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// The reason phrase as sent by the server (not the canonical one).
    pub reason: String,
    /// The body, if any (truncated by the adapter to a sane length).
    pub body: String,
    /// Every code the server gave, most specific last: e.g. `STD-00000` then the
    /// `AM.VLD-00034` of its validation errors, or an Altinn 3 `AM-00022`.
    pub codes: Vec<String>,
    /// The validation errors, with their paths.
    pub validation: Vec<ValidationIssue>,
    /// What the adapter knows this refusal means and what to do about it, in terms of the
    /// request (never of a program's settings); empty when it knows nothing beyond the status.
    pub advice: String,
    /// `Retry-After`, if the server sent one.
    pub retry_after: Option<Duration>,
}

impl Rejection {
    /// Whether the server gave `code` (at top level or in a validation error).
    pub fn has_code(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }
}

/// Failures of Altinn API calls.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AltinnError {
    /// The API refused the request.
    #[error("Altinn refused {} {}: HTTP {} {}{}{}{}",
        .0.method, .0.path, .0.status, .0.reason,
        codes_of(.0),
        if .0.body.is_empty() { String::new() } else { format!(" — {}", .0.body) },
        advice_for(.0))]
    Rejected(Rejection),
    /// Getting a token failed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The network failed.
    #[error("could not reach Altinn for {method} {path} ({delivery}): {message}")]
    Transport {
        /// Whether the request may have been sent.
        delivery: Delivery,
        /// The HTTP method.
        method: String,
        /// The path.
        path: String,
        /// What failed.
        message: String,
    },
    /// A response did not decode.
    #[error("Altinn answered {path} with a body that does not decode: {error}")]
    Decode {
        /// The request path.
        path: String,
        /// The decode error, naming the JSON path.
        error: DecodeError,
    },
    /// The input is invalid for this operation; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The operation cannot be expressed by this backend (an Altinn 3 package sent to Altinn 2,
    /// an Altinn 2 service right sent to Altinn 3); nothing was sent.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// A party addressed in a form this backend cannot use (e.g. an Altinn 3 party UUID sent
    /// to the Altinn 2 API); nothing was sent.
    #[error("{platform} cannot address a party as {form}; {hint}")]
    UnsupportedParty {
        /// The platform.
        platform: &'static str,
        /// The form, e.g. `a party UUID`.
        form: &'static str,
        /// What to use instead.
        hint: &'static str,
    },
    /// Something the request names does not exist, or is not visible to this client (e.g. an
    /// organisation the system user may not act for). Nothing was changed.
    #[error("{what} was not found; {hint}")]
    NotFound {
        /// What was looked for, as safe to print.
        what: String,
        /// What to do.
        hint: String,
    },
    /// The server's delegation check says this client may not give something. Nothing was
    /// given.
    #[error("not allowed to give {what}: {}", .reasons.join("; "))]
    NotDelegable {
        /// What was to be given.
        what: String,
        /// Why not, in the server's words and what they mean.
        reasons: Vec<String>,
    },
    /// A right holder cannot be removed without `cascade` while they still hold something
    /// directly. Nothing was removed.
    #[error(
        "the right holder still holds {} directly; revoke it first, or remove them with cascade",
        .holding.join(", ")
    )]
    StillHolds {
        /// What they still hold, as printable text.
        holding: Vec<String>,
        /// The server's refusal, when the server refused (Altinn 3 `AM.VLD-00010`).
        rejection: Option<Rejection>,
    },
}

fn codes_of(r: &Rejection) -> String {
    if r.codes.is_empty() {
        String::new()
    } else {
        format!(" [{}]", r.codes.join(", "))
    }
}

/// The adapter's advice, else what the status alone says to do.
fn advice_for(r: &Rejection) -> String {
    if !r.advice.is_empty() {
        return format!(" ({})", r.advice);
    }
    let generic = match r.status {
        401 => "the Altinn token was refused: check the scopes, or it expired",
        403 => {
            "the caller may not do this for that party: it needs an access-manager role or package there, and the client the scopes for it"
        }
        404 => "check the identifiers",
        429 => "rate limited: wait and retry",
        s if s >= 500 => "Altinn failed: retry later",
        _ => return String::new(),
    };
    format!(" ({generic})")
}

impl AltinnError {
    /// The coarse kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AltinnError::Rejected(r) => match r.status {
                400 | 422 => ErrorKind::BadInput,
                401 | 403 => ErrorKind::Auth,
                404 | 410 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                408 | 429 => ErrorKind::Transient,
                s if s >= 500 => ErrorKind::Transient,
                _ => ErrorKind::Other,
            },
            AltinnError::Token(t) => t.kind(),
            AltinnError::Transport { .. } => ErrorKind::Transient,
            AltinnError::Decode { .. } => ErrorKind::Other,
            AltinnError::InvalidInput(_)
            | AltinnError::Unsupported(_)
            | AltinnError::UnsupportedParty { .. }
            | AltinnError::StillHolds { .. } => ErrorKind::BadInput,
            AltinnError::NotFound { .. } => ErrorKind::NotFound,
            AltinnError::NotDelegable { .. } => ErrorKind::Auth,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            AltinnError::Rejected(r) => Some(r.status),
            _ => None,
        }
    }

    /// The server's refusal, when it refused.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            AltinnError::Rejected(r) => Some(r),
            AltinnError::StillHolds { rejection, .. } => rejection.as_ref(),
            _ => None,
        }
    }

    /// Whether the server gave `code` (e.g. `AM-00026`).
    pub fn has_code(&self, code: &str) -> bool {
        self.rejection().is_some_and(|r| r.has_code(code))
    }

    /// Whether the request may have taken effect on the server without us knowing: a transport
    /// failure after sending, or a 5xx from a gateway that may have forwarded it.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            AltinnError::Transport { delivery, .. } => *delivery == Delivery::MaybeSent,
            AltinnError::Rejected(r) => r.status >= 500,
            _ => false,
        }
    }
}
