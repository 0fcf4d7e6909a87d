//! Why the Altinn 3 access-management API refuses a request: one variant per rule and code
//! (`shared/spec/altinn3-accessmanagement.md` §4). The world's rules return these; only the
//! HTTP layer ([`super::http`]) turns one into a response, with [`Refusal::status`] as the
//! status and [`Refusal::code`] and [`Refusal::detail`] in a ProblemDetails body.

use axum::http::StatusCode;

/// One item of a validation problem (`STD-00000`): a code of one of the two `AM.VLD`
/// registries (or `STD.VLD-00000`), its text, the paths and the extensions, keys with their
/// exact case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) code: &'static str,
    pub(crate) detail: &'static str,
    pub(crate) paths: Vec<String>,
    pub(crate) extensions: Vec<(String, String)>,
}

/// Which query parameter names a party: `QUERY/from` or `QUERY/to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    From,
    To,
}

impl Side {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::From => "from",
            Side::To => "to",
        }
    }

    fn path(self) -> String {
        format!("QUERY/{}", self.name())
    }
}

impl Invalid {
    fn new(code: &'static str, detail: &'static str, paths: &[&str]) -> Self {
        Invalid {
            code,
            detail,
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            extensions: Vec::new(),
        }
    }

    fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.extensions.push((key.to_owned(), value.into()));
        self
    }

    /// `STD.VLD-00000`: a required field is missing.
    pub(crate) fn required(paths: &[&str], key: &str, value: &str) -> Self {
        Invalid::new("STD.VLD-00000", "The field is required.", paths).with(key, value)
    }

    /// `AM.VLD-00006`: the party named by `side` does not exist.
    pub(crate) fn entity_missing(side: Side, value: &str) -> Self {
        Invalid {
            code: "AM.VLD-00006",
            detail: "Entity do not exists.",
            paths: vec![side.path()],
            extensions: vec![(
                side.name().to_owned(),
                format!("Entity '{value}' do not exists."),
            )],
        }
    }

    /// `AM.VLD-00008`: the party named by `side` has a type not allowed there.
    pub(crate) fn wrong_type(side: Side, got: &str, expected: &[&str]) -> Self {
        Invalid {
            code: "AM.VLD-00008",
            detail: "This entity type is not allowed here.",
            paths: vec![side.path()],
            extensions: vec![(
                "type".to_owned(),
                format!("Got '{got}', expected one of: '{}'.", expected.join(",")),
            )],
        }
    }

    /// `AM.VLD-00009` on `QUERY/package`: a `packages` value names no package.
    pub(crate) fn invalid_package_query(value: &str) -> Self {
        Invalid::new(
            "AM.VLD-00009",
            "One or more query parameters are invalid.",
            &["QUERY/package"],
        )
        .with("packages", format!("Package '{value}' do not exists."))
    }

    /// `AM.VLD-00010` on `QUERY/cascade`: the link still holds `kind` (`packages`,
    /// `resources`).
    pub(crate) fn still_active(kind: &str, ids: &[String]) -> Self {
        Invalid::new(
            "AM.VLD-00010",
            "Assignment is active in one or more connections.",
            &["QUERY/cascade"],
        )
        .with(
            kind,
            format!(
                "following {kind} have active assignments [{}].",
                ids.join(", ")
            ),
        )
    }

    /// `AM.VLD-00011` on `QUERY/package`: no package by that name or id.
    pub(crate) fn package_missing(value: &str) -> Self {
        Invalid::new("AM.VLD-00011", "Package do not exists.", &["QUERY/package"])
            .with("packages", format!("Package '{value}' do not exists."))
    }

    /// `AM.VLD-00026` on `QUERY/packageId`: the caller may not assign the package.
    pub(crate) fn not_authorized(package: &str) -> Self {
        Invalid::new(
            "AM.VLD-00026",
            "User not authorized for operation.",
            &["QUERY/packageId"],
        )
        .with(
            "packages",
            format!("Not authorized to assign package '{package}'."),
        )
    }

    /// `AM.VLD-00028`: the package may not go to this kind of recipient (extension key
    /// `Packages` with a capital P, as the real code writes it).
    pub(crate) fn not_assignable_to_recipient(package: &str) -> Self {
        Invalid::new(
            "AM.VLD-00028",
            "One or more packages is not assignable to receipient.",
            &["QUERY/packageId"],
        )
        .with(
            "Packages",
            format!("Package '{package}' is not assignable to the recipient."),
        )
    }

    /// `AM.VLD-00030` (the Utils registry) on `QUERY/resource`: no resource by that id.
    pub(crate) fn resource_missing(value: &str) -> Self {
        Invalid::new(
            "AM.VLD-00030",
            "Resource does not exist.",
            &["QUERY/resource"],
        )
        .with(
            "resources",
            format!("No resources with name '{value}' exists."),
        )
    }

    /// `AM.VLD-00034` on the PersonInput fields: the lookup found no (eligible) person.
    pub(crate) fn person_not_found(why: &str) -> Self {
        Invalid::new(
            "AM.VLD-00034",
            "Given external identifiers yielded empty result.",
            &["/PersonIdentifier", "/LastName"],
        )
        .with("personInput", why)
    }
}

/// The text of a person lookup whose number and last name do not match.
pub(crate) const PERSON_MISMATCH: &str = "PersonInput details must match";
/// The text of a person in the profile register but not in Access Management.
pub(crate) const PERSON_NOT_IN_AM: &str = "person was found in profile register, but not in AM.";
/// The text of a deceased person.
pub(crate) const PERSON_DECEASED: &str =
    "person was found in profile register, but marked as deceased in AM.";

/// A refused Altinn 3 request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// No token, or one that is unreadable, wrongly signed, from another issuer or expired:
    /// 401 with an empty body.
    #[error("no valid Altinn token")]
    Unauthenticated,
    /// E1 for a token that is neither a person's nor a system user's: 401 with the JSON
    /// string `"Unknown user type"`.
    #[error("Unknown user type")]
    UnknownUserType,
    /// A scope policy, the PDP decision or the person-access-manager rule failed: 403 with an
    /// empty body.
    #[error("forbidden")]
    Forbidden,
    /// ASP.NET model binding: a required parameter is missing or a GUID is malformed (400
    /// `ValidationProblemDetails` with an `errors` dictionary and no `code`).
    #[error("binding failed for {field}: {message}")]
    Binding {
        /// The parameter.
        field: &'static str,
        /// ASP.NET's message.
        message: String,
    },
    /// AM-00008.
    #[error("Missing metadata")]
    MissingMetadata,
    /// AM-00021.
    #[error("From and to parties do not exists.")]
    PartiesNotFound,
    /// AM-00022.
    #[error(
        "Operation can not be completed, because it requires an existing connection between the parties."
    )]
    ConnectionRequired,
    /// AM-00023.
    #[error("The provided identifier cannot be found as a valid party for the operation.")]
    NoParty,
    /// AM-00026 (429).
    #[error("There has been too many failed lookups")]
    TooManyLookups,
    /// AM-00027, with the resource as a top-level extension.
    #[error("The resource is invalid")]
    InvalidResource(String),
    /// AM-00028.
    #[error("Not authorized for delegation")]
    NotAuthorizedForDelegation,
    /// AM-00033.
    #[error("No right key provided")]
    NoRightKeys,
    /// AM-00039.
    #[error("The provided rolecode was not found")]
    UnknownRoleCode,
    /// AM-00040.
    #[error("Given the rules for revocation this role could not be revoked")]
    RoleNotRevocable,
    /// AM-00041.
    #[error(
        "One or more of the provided packages are either invalid or not eligible for delegation by the type of from-party"
    )]
    PackageNotForParty,
    /// STD-00000 with its items.
    #[error("One or more validation errors occurred.")]
    Invalid(Vec<Invalid>),
    /// A metadata lookup that found nothing: 404 with an empty body.
    #[error("not found")]
    NotFound,
}

impl Refusal {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthenticated | Refusal::UnknownUserType => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden => StatusCode::FORBIDDEN,
            Refusal::TooManyLookups => StatusCode::TOO_MANY_REQUESTS,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The ProblemDetails `code`, for the refusals answered with one.
    pub(crate) fn code(&self) -> Option<&'static str> {
        Some(match self {
            Refusal::MissingMetadata => "AM-00008",
            Refusal::PartiesNotFound => "AM-00021",
            Refusal::ConnectionRequired => "AM-00022",
            Refusal::NoParty => "AM-00023",
            Refusal::TooManyLookups => "AM-00026",
            Refusal::InvalidResource(_) => "AM-00027",
            Refusal::NotAuthorizedForDelegation => "AM-00028",
            Refusal::NoRightKeys => "AM-00033",
            Refusal::UnknownRoleCode => "AM-00039",
            Refusal::RoleNotRevocable => "AM-00040",
            Refusal::PackageNotForParty => "AM-00041",
            Refusal::Invalid(_) => "STD-00000",
            _ => return None,
        })
    }

    /// One validation item as a refusal.
    pub(crate) fn invalid(item: Invalid) -> Self {
        Refusal::Invalid(vec![item])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_follow_the_table() {
        assert_eq!(
            Refusal::TooManyLookups.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(Refusal::TooManyLookups.code(), Some("AM-00026"));
        assert_eq!(Refusal::Forbidden.code(), None);
        assert_eq!(
            Refusal::invalid(Invalid::entity_missing(Side::To, "x")).code(),
            Some("STD-00000")
        );
        assert_eq!(
            Refusal::ConnectionRequired.to_string(),
            "Operation can not be completed, because it requires an existing connection between the parties."
        );
    }

    #[test]
    fn extension_keys_keep_their_case() {
        let i = Invalid::not_assignable_to_recipient("hovedadministrator");
        assert_eq!(i.extensions[0].0, "Packages");
        let i = Invalid::package_missing("nope");
        assert_eq!(i.extensions[0].0, "packages");
    }
}
