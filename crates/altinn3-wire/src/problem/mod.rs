//! RFC 9457 problem bodies as access management writes them (§4.1), and the tables of every
//! code (§4.2–§4.4).
//!
//! A problem is `{type, title, status, detail, code, traceId, validationErrors?, ...}`; any
//! other top-level key is an extension (`"resource"` on AM-00027) and is kept in
//! [`ProblemDetails::extensions`]. Each validation item is `{code, detail, paths, ...}` with its
//! extension strings flattened into it, keys in their exact case (`Packages` vs `packages`,
//! §3.8). Absent fields are omitted on write, as the server omits them (X13 has no `traceId`,
//! X14 no `type` or `title`).
//!
//! The constructors write exactly the shapes of X11–X15, so a fake only chooses the code:
//!
//! ```
//! use tilgang_altinn3_wire::problem::{ProblemDetails, ValidationErrorItem};
//!
//! // X15: 400 AM-00027 with the top-level extension `resource`.
//! let p = ProblemDetails::am("AM-00027", 400, "The resource is invalid")
//!     .with_extension("resource", "ttd-ukjent");
//! assert_eq!(p.title.as_deref(), Some("Bad Request"));
//!
//! // X13: a validation problem with one item.
//! let p = ProblemDetails::validation(vec![
//!     ValidationErrorItem::new(
//!         "AM.VLD-00034",
//!         "Given external identifiers yielded empty result.",
//!         ["/PersonIdentifier", "/LastName"],
//!     )
//!     .with_extension("personInput", "PersonInput details must match"),
//! ]);
//! assert_eq!(p.all_codes(), ["STD-00000", "AM.VLD-00034"]);
//! ```

mod codes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util::{dto, null_as_default};

pub use codes::{
    AM_PROBLEM_CODES, CONTRACTS_VALIDATION_CODES, ProblemCode, STD_PROBLEM_CODES,
    STD_VALIDATION_CODES, UTILS_VALIDATION_CODES, ValidationCode, ValidationRegistry, problem_code,
    status_defaults, validation_code,
};

/// The wrapper code of every validation problem (§4.4).
pub const STD_VALIDATION_PROBLEM: &str = "STD-00000";
/// The `detail` of every validation problem (§4.4).
pub const VALIDATION_DETAIL: &str = "One or more validation errors occurred.";

dto! {
    /// One item of `validationErrors` (§4.1).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ValidationErrorItem {
        /// The code, `AM.VLD-000NN` or `STD.VLD-00000`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        code: String = "code" | "Code",
        /// The descriptor text. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        detail: String = "detail" | "Detail",
        /// The offending inputs, e.g. `QUERY/to`, `/PersonIdentifier`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        paths: Vec<String> = "paths" | "Paths",
        /// The extension strings flattened into the item, keys in their exact case (e.g.
        /// `packages`, `Packages`, `personInput`, `type`). Values are strings from this
        /// server; any JSON value is accepted on read so a future non-string cannot fail the
        /// whole problem.
        #[serde(flatten)]
        extensions: BTreeMap<String, Value>,
    }
}

impl ValidationErrorItem {
    /// An item with no extensions.
    pub fn new<P, S>(code: impl Into<String>, detail: impl Into<String>, paths: P) -> Self
    where
        P: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ValidationErrorItem {
            code: code.into(),
            detail: detail.into(),
            paths: paths.into_iter().map(Into::into).collect(),
            extensions: BTreeMap::new(),
        }
    }

    /// An item for a code of `registry`, its `detail` taken from the table; `None` if the
    /// registry does not list the code.
    pub fn from_registry<P, S>(registry: ValidationRegistry, code: &str, paths: P) -> Option<Self>
    where
        P: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let entry = validation_code(registry, code)?;
        Some(Self::new(entry.code, entry.text, paths))
    }

    /// Adds one extension string; the key is written in exactly the given case.
    #[must_use]
    pub fn with_extension(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extensions
            .insert(key.into(), Value::String(value.into()));
        self
    }

    /// The extension `key` (exact case) if it is a string.
    pub fn extension(&self, key: &str) -> Option<&str> {
        self.extensions.get(key).and_then(Value::as_str)
    }
}

dto! {
    /// A problem body (§4.1).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ProblemDetails {
        /// The problem type URI (from the status in 4.0.1; `urn:altinn:error:<code>` in newer
        /// library versions). Nullable; omitted when absent, as for 429.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem_type: Option<String> = "type" | "Type",
        /// The title (the status's reason phrase in 4.0.1). Nullable; omitted when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String> = "title" | "Title",
        /// The HTTP status. Nullable; omitted when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16> = "status" | "Status",
        /// The descriptor text. Nullable; omitted when absent. Never match on it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String> = "detail" | "Detail",
        /// The code (`AM-000NN`, `STD-00000`, …): the one field to key on. Nullable (ASP.NET's
        /// own model-binding problems have none, §4.5); omitted when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String> = "code" | "Code",
        /// The trace id. Nullable; omitted when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trace_id: Option<String> = "traceId" | "TraceId" | "traceid",
        /// The validation errors, only with `code` `STD-00000`. Nullable; omitted when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        validation_errors: Option<Vec<ValidationErrorItem>> =
            "validationErrors" | "ValidationErrors" | "validationerrors",
        /// Every other top-level key, exact case (e.g. `resource` on AM-00027, `errors` on an
        /// ASP.NET model-binding problem).
        #[serde(flatten)]
        extensions: BTreeMap<String, Value>,
    }
}

impl ProblemDetails {
    /// A problem with the given status and ASP.NET's default `type` and `title` for it
    /// (none for a status without a default, such as 429), and nothing else.
    pub fn with_status(status: u16) -> Self {
        let defaults = status_defaults(status);
        ProblemDetails {
            problem_type: defaults.map(|(t, _)| t.to_owned()),
            title: defaults.map(|(_, t)| t.to_owned()),
            status: Some(status),
            detail: None,
            code: None,
            trace_id: None,
            validation_errors: None,
            extensions: BTreeMap::new(),
        }
    }

    /// An `AM-000NN` problem as the server writes it: status defaults, `status`, `detail`,
    /// `code` (X11 without its trace id, X14, X15 without its extension).
    pub fn am(code: impl Into<String>, status: u16, detail: impl Into<String>) -> Self {
        ProblemDetails {
            detail: Some(detail.into()),
            code: Some(code.into()),
            ..Self::with_status(status)
        }
    }

    /// The problem for a table entry: its code, status and text.
    pub fn from_code(entry: &ProblemCode) -> Self {
        Self::am(entry.code, entry.status, entry.text)
    }

    /// The problem for a listed code (`AM-000NN` or `STD-00000`); `None` if the spec does not
    /// list it.
    pub fn for_code(code: &str) -> Option<Self> {
        problem_code(code).map(Self::from_code)
    }

    /// A validation problem: 400, `STD-00000`, "One or more validation errors occurred.", and
    /// the items (X12 without its trace id, X13).
    pub fn validation(items: Vec<ValidationErrorItem>) -> Self {
        ProblemDetails {
            validation_errors: Some(items),
            ..Self::am(STD_VALIDATION_PROBLEM, 400, VALIDATION_DETAIL)
        }
    }

    /// Sets the trace id.
    #[must_use]
    pub fn with_trace_id(mut self, trace_id: impl Into<String>) -> Self {
        self.trace_id = Some(trace_id.into());
        self
    }

    /// Adds a top-level extension; the key is written in exactly the given case.
    #[must_use]
    pub fn with_extension(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.into(), value.into());
        self
    }

    /// The top-level extension `key` (exact case) if it is a string.
    pub fn extension(&self, key: &str) -> Option<&str> {
        self.extensions.get(key).and_then(Value::as_str)
    }

    /// The validation items (empty when there are none).
    pub fn validation_items(&self) -> &[ValidationErrorItem] {
        self.validation_errors.as_deref().unwrap_or_default()
    }

    /// Every code in the problem: `code` first, then each validation item's code, in order.
    pub fn all_codes(&self) -> Vec<&str> {
        self.code
            .as_deref()
            .into_iter()
            .chain(self.validation_items().iter().map(|i| i.code.as_str()))
            .collect()
    }

    /// Whether `code` is the problem's code or one of its validation codes (ASCII case
    /// ignored).
    pub fn has_code(&self, code: &str) -> bool {
        self.all_codes()
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
    }

    /// The ASP.NET model-binding errors of a problem without a code (§4.5):
    /// `errors: {name: [message]}`. Empty when there are none or they have another shape.
    pub fn binding_errors(&self) -> BTreeMap<String, Vec<String>> {
        let Some(errors) = self.extensions.get("errors").and_then(Value::as_object) else {
            return BTreeMap::new();
        };
        errors
            .iter()
            .map(|(name, messages)| {
                let messages = match messages {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => Vec::new(),
                };
                (name.clone(), messages)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn am_fills_the_status_defaults_and_none_for_429() {
        let p = ProblemDetails::am("AM-00022", 400, "x");
        assert_eq!(
            p.problem_type.as_deref(),
            Some("https://tools.ietf.org/html/rfc9110#section-15.5.1")
        );
        let p = ProblemDetails::for_code("AM-00026").unwrap();
        assert_eq!((p.problem_type, p.title, p.status), (None, None, Some(429)));
    }

    #[test]
    fn binding_errors_read_the_aspnet_shape() {
        let p: ProblemDetails = serde_json::from_str(
            r#"{"title":"One or more validation errors occurred.","status":400,
                "errors":{"to":["The value 'x' is not valid."]}}"#,
        )
        .unwrap();
        assert_eq!(p.code, None);
        assert_eq!(p.binding_errors()["to"], ["The value 'x' is not valid."]);
    }
}
