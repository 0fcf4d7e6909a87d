//! The code tables of §4.2–§4.4 as `const` data, with lookups.
//!
//! The texts are the spec's. Where the spec abridges a text (marked `…` there, or a range of
//! codes summarised in one row), the entry's `verbatim` is false: a fake may still write it as
//! `detail`, but a client must never match on it. Clients key on the code only (§4.1).

/// One problem code (`AM-000NN`, `STD-00000`) with its HTTP status and text (§4.2, §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProblemCode {
    /// The code, e.g. `AM-00022`.
    pub code: &'static str,
    /// The HTTP status the server answers with.
    pub status: u16,
    /// The descriptor text the server writes as `detail`.
    pub text: &'static str,
    /// Whether `text` is the server's exact text (false where the spec abridges it).
    pub verbatim: bool,
}

/// One validation code (`AM.VLD-000NN`, `STD.VLD-00000`) with its text (§4.3, §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValidationCode {
    /// The code, e.g. `AM.VLD-00010`.
    pub code: &'static str,
    /// The descriptor text the server writes as the item's `detail`.
    pub text: &'static str,
    /// Whether `text` is the server's exact text (false where the spec abridges it).
    pub verbatim: bool,
}

/// Which of the two `AM.VLD` registries a code comes from (§4.3). The same number means
/// different things in each (00030 is "Invalid Package." in Contracts but "Resource does not
/// exist." in Utils), so a client maps validation codes per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationRegistry {
    /// Registry C, `Altinn.AccessManagement.Core.Errors.ValidationErrors`: the enduser
    /// controller, input, entity, package, role, assignment and delegation validation.
    Contracts,
    /// Registry U, `Altinn.AccessMgmt.Core.Utils.Models.ValidationErrors`: resource validation
    /// (E14) and instance parameters.
    Utils,
}

const fn exact(code: &'static str, status: u16, text: &'static str) -> ProblemCode {
    ProblemCode {
        code,
        status,
        text,
        verbatim: true,
    }
}

const fn abridged(code: &'static str, status: u16, text: &'static str) -> ProblemCode {
    ProblemCode {
        code,
        status,
        text,
        verbatim: false,
    }
}

const fn vexact(code: &'static str, text: &'static str) -> ValidationCode {
    ValidationCode {
        code,
        text,
        verbatim: true,
    }
}

const fn vabridged(code: &'static str, text: &'static str) -> ValidationCode {
    ValidationCode {
        code,
        text,
        verbatim: false,
    }
}

const CONSENT_STATUS: &str = "Consent status error (revoked, expired, not accepted, …)";

/// Every `AM-000NN` problem code, in order (§4.2, domain `AM`).
pub const AM_PROBLEM_CODES: &[ProblemCode] = &[
    exact("AM-00000", 403, "Not authorized for consent"),
    exact("AM-00001", 404, "Consent not found"),
    exact("AM-00002", 400, "Consent have wrong status to be consented"),
    exact("AM-00003", 400, "Unknown organization. Could not be found"),
    exact("AM-00004", 400, "Unknown person. Could not be found"),
    exact("AM-00005", 400, "Invalid consent resource"),
    exact("AM-00006", 400, "Invalid consent metadata"),
    exact("AM-00007", 400, "Missing metadata value"),
    exact("AM-00008", 400, "Missing metadata"),
    exact("AM-00009", 400, "Invalid resource combination"),
    abridged("AM-00010", 400, CONSENT_STATUS),
    abridged("AM-00011", 400, CONSENT_STATUS),
    abridged("AM-00012", 400, CONSENT_STATUS),
    abridged("AM-00013", 400, CONSENT_STATUS),
    abridged("AM-00014", 400, CONSENT_STATUS),
    abridged("AM-00015", 400, CONSENT_STATUS),
    abridged("AM-00016", 400, CONSENT_STATUS),
    exact("AM-00017", 400, "The Entitytype is not supported"),
    exact("AM-00018", 400, "The Entitytype is not found"),
    exact(
        "AM-00019",
        400,
        "The EntityVariant is not found or not valid for the given EntityType",
    ),
    exact("AM-00020", 400, "Missing rightholder"),
    exact("AM-00021", 400, "From and to parties do not exists."),
    exact(
        "AM-00022",
        400,
        "Operation can not be completed, because it requires an existing connection between the parties.",
    ),
    exact(
        "AM-00023",
        400,
        "The provided identifier cannot be found as a valid party for the operation.",
    ),
    abridged(
        "AM-00024",
        400,
        "Target party is a person. Include a PersonInput object …",
    ),
    exact("AM-00025", 400, "Agent has existing delegations."),
    exact("AM-00026", 429, "There has been too many failed lookups"),
    exact("AM-00027", 400, "The resource is invalid"),
    exact("AM-00028", 400, "Not authorized for delegation"),
    exact("AM-00029", 500, "The delegation failed"),
    exact("AM-00030", 500, "The assignment was not found"),
    exact("AM-00031", 404, "The request was not found"),
    exact("AM-00032", 500, "Failed to create request"),
    exact("AM-00033", 400, "No right key provided"),
    exact(
        "AM-00034",
        403,
        "Service owner is not authorized to delegate this access package",
    ),
    exact("AM-00035", 400, "Unknown Access Package"),
    exact(
        "AM-00036",
        400,
        "Policy does not contain all rightkeys in delegation request",
    ),
    exact(
        "AM-00037",
        400,
        "The from entity does not match the package entity requirement",
    ),
    exact(
        "AM-00038",
        400,
        "The package is not delegated by the entity trying to revoke so it is denied",
    ),
    exact("AM-00039", 400, "The provided rolecode was not found"),
    exact(
        "AM-00040",
        400,
        "Given the rules for revocation this role could not be revoked",
    ),
    abridged(
        "AM-00041",
        400,
        "One or more of the provided packages are either invalid or not eligible for delegation by the type of from-party …",
    ),
    exact(
        "AM-00042",
        400,
        "The resource is not available for delegation",
    ),
    exact("AM-00043", 400, "The SSN was not found"),
    exact(
        "AM-00044",
        400,
        "Invalid request to IdPorten authorization service",
    ),
    exact(
        "AM-00045",
        401,
        "Unauthorized request to IdPorten authorization service",
    ),
    exact("AM-00046", 403, "The web API is disabled"),
    exact(
        "AM-00047",
        500,
        "An internal server error occurred while processing the IdPorten authorization request",
    ),
];

/// The standard problem codes (§4.4): `STD-00000` wraps every validation problem.
pub const STD_PROBLEM_CODES: &[ProblemCode] = &[exact(
    "STD-00000",
    400,
    "One or more validation errors occurred.",
)];

/// The standard validation codes (§4.4), the same in both registries.
pub const STD_VALIDATION_CODES: &[ValidationCode] =
    &[vexact("STD.VLD-00000", "The field is required.")];

const CONSENT_RELATED: &str = "Consent-related validation error (…)";
const REQUEST_API: &str = "Request API validation error (not found, status, self request, …)";
const CONSENT_EVENT_PAGING: &str = "Consent-event paging validation error (…)";

/// Registry C ("Contracts", §4.3): every `AM.VLD-000NN` code the spec lists, in order.
pub const CONTRACTS_VALIDATION_CODES: &[ValidationCode] = &[
    vexact("AM.VLD-00001", "Invalid party URN."),
    vexact("AM.VLD-00002", "Resource must be valid."),
    vexact("AM.VLD-00003", "Resource must have a policy."),
    vabridged(
        "AM.VLD-00004",
        "…policy giving the app rights to delegate at least one right.",
    ),
    vabridged("AM.VLD-00005", "To many policy files to update…"),
    vexact("AM.VLD-00006", "Entity do not exists."),
    vexact("AM.VLD-00007", "Role do not exsists."),
    vexact("AM.VLD-00008", "This entity type is not allowed here."),
    vexact("AM.VLD-00009", "One or more query parameters are invalid."),
    vexact(
        "AM.VLD-00010",
        "Assignment is active in one or more connections.",
    ),
    vexact("AM.VLD-00011", "Package do not exists."),
    vexact("AM.VLD-00012", "Resource does not exist."),
    vabridged("AM.VLD-00022", CONSENT_RELATED),
    vabridged("AM.VLD-00023", CONSENT_RELATED),
    vabridged("AM.VLD-00024", CONSENT_RELATED),
    vabridged("AM.VLD-00025", CONSENT_RELATED),
    vexact("AM.VLD-00026", "User not authorized for operation."),
    vexact("AM.VLD-00027", "Redirect URL is not a valid URL"),
    vexact(
        "AM.VLD-00028",
        "One or more packages is not assignable to receipient.",
    ),
    vexact("AM.VLD-00029", "Invalid Role."),
    vexact("AM.VLD-00030", "Invalid Package."),
    vabridged(
        "AM.VLD-00031",
        "The delegation has one or more active access packages… Set cascade to true…",
    ),
    vexact("AM.VLD-00032", "Assignment of role do not exist."),
    vexact("AM.VLD-00033", "Package is not delegable."),
    vexact(
        "AM.VLD-00034",
        "Given external identifiers yielded empty result.",
    ),
    vabridged("AM.VLD-00035", REQUEST_API),
    vabridged("AM.VLD-00036", REQUEST_API),
    vabridged("AM.VLD-00037", REQUEST_API),
    vabridged("AM.VLD-00038", REQUEST_API),
    vabridged("AM.VLD-00039", REQUEST_API),
    vabridged("AM.VLD-00040", REQUEST_API),
    vabridged("AM.VLD-00041", REQUEST_API),
    vabridged("AM.VLD-00042", REQUEST_API),
    vabridged("AM.VLD-00043", REQUEST_API),
    vabridged("AM.VLD-00044", REQUEST_API),
    vabridged("AM.VLD-00045", REQUEST_API),
    vabridged("AM.VLD-00046", REQUEST_API),
    vabridged("AM.VLD-00047", "Instance ID invalid (more than one owner)"),
    vexact("AM.VLD-00048", "One or more packages is not assignable."),
    vexact("AM.VLD-00049", "One or more resources is not delegable."),
    vabridged("AM.VLD-00050", CONSENT_EVENT_PAGING),
    vabridged("AM.VLD-00051", CONSENT_EVENT_PAGING),
    vabridged("AM.VLD-00052", CONSENT_EVENT_PAGING),
    vabridged("AM.VLD-00053", CONSENT_EVENT_PAGING),
];

/// Registry U ("Utils", §4.3): every `AM.VLD-000NN` code the spec lists, in order.
pub const UTILS_VALIDATION_CODES: &[ValidationCode] = &[
    vexact("AM.VLD-00001", "Invalid party URN."),
    vexact("AM.VLD-00002", "Resource must be valid."),
    vexact("AM.VLD-00003", "Resource must have a policy."),
    vabridged(
        "AM.VLD-00004",
        "…policy giving the app rights to delegate at least one right.",
    ),
    vabridged("AM.VLD-00005", "To many policy files to update…"),
    vexact("AM.VLD-00006", "Entity do not exists."),
    vexact("AM.VLD-00007", "One or more query parameters are invalid."),
    vexact(
        "AM.VLD-00010",
        "Assignment is active in one or more delegations.",
    ),
    vexact("AM.VLD-00011", "Role assignment cannot be revoked."),
    vabridged("AM.VLD-00022", CONSENT_RELATED),
    vabridged("AM.VLD-00023", CONSENT_RELATED),
    vabridged("AM.VLD-00024", CONSENT_RELATED),
    vabridged("AM.VLD-00025", CONSENT_RELATED),
    vexact("AM.VLD-00026", "User not authorized for operation."),
    vexact("AM.VLD-00027", "The operation could not be completed."),
    vexact("AM.VLD-00028", "Object not found"),
    vabridged("AM.VLD-00029", "Instance must use a valid URN format …"),
    vexact("AM.VLD-00030", "Resource does not exist."),
    vexact("AM.VLD-00031", "Assignment has resources delegated."),
    vexact("AM.VLD-00032", "Invalid resource type."),
    vexact(
        "AM.VLD-00033",
        "Package is not assignable to the recipient entity type.",
    ),
    vexact("AM.VLD-00034", "Failed to clear delegation policy rules."),
    vexact(
        "AM.VLD-00035",
        "Resource is delegated through a client delegation.",
    ),
];

/// The problem code `code` (`AM-000NN` or `STD-00000`, compared without ASCII case), if the
/// spec lists it.
pub fn problem_code(code: &str) -> Option<&'static ProblemCode> {
    let code = code.trim();
    AM_PROBLEM_CODES
        .iter()
        .chain(STD_PROBLEM_CODES)
        .find(|p| p.code.eq_ignore_ascii_case(code))
}

/// The validation code `code` in `registry` (compared without ASCII case), if the spec lists
/// it. `STD.VLD-00000` is found in either registry.
pub fn validation_code(
    registry: ValidationRegistry,
    code: &str,
) -> Option<&'static ValidationCode> {
    let code = code.trim();
    let table = match registry {
        ValidationRegistry::Contracts => CONTRACTS_VALIDATION_CODES,
        ValidationRegistry::Utils => UTILS_VALIDATION_CODES,
    };
    table
        .iter()
        .chain(STD_VALIDATION_CODES)
        .find(|v| v.code.eq_ignore_ascii_case(code))
}

/// The `type` and `title` ASP.NET fills in for a status (its problem-details defaults, §4.1
/// \[I\]); `None` for a status without a default, such as 429 (X14).
pub fn status_defaults(status: u16) -> Option<(&'static str, &'static str)> {
    Some(match status {
        400 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "Bad Request",
        ),
        401 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            "Unauthorized",
        ),
        403 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.4",
            "Forbidden",
        ),
        404 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.5",
            "Not Found",
        ),
        405 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.6",
            "Method Not Allowed",
        ),
        406 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.7",
            "Not Acceptable",
        ),
        408 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.9",
            "Request Timeout",
        ),
        409 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.10",
            "Conflict",
        ),
        412 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.13",
            "Precondition Failed",
        ),
        415 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.16",
            "Unsupported Media Type",
        ),
        422 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.21",
            "Unprocessable Entity",
        ),
        426 => (
            "https://tools.ietf.org/html/rfc9110#section-15.5.22",
            "Upgrade Required",
        ),
        500 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.1",
            "An error occurred while processing your request.",
        ),
        502 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.3",
            "Bad Gateway",
        ),
        503 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.4",
            "Service Unavailable",
        ),
        504 => (
            "https://tools.ietf.org/html/rfc9110#section-15.6.5",
            "Gateway Timeout",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registries_disagree_on_00030() {
        let c = validation_code(ValidationRegistry::Contracts, "AM.VLD-00030").unwrap();
        let u = validation_code(ValidationRegistry::Utils, "am.vld-00030").unwrap();
        assert_eq!(c.text, "Invalid Package.");
        assert_eq!(u.text, "Resource does not exist.");
        assert!(validation_code(ValidationRegistry::Utils, "AM.VLD-00048").is_none());
        assert!(validation_code(ValidationRegistry::Utils, "STD.VLD-00000").is_some());
    }

    #[test]
    fn problem_codes_are_complete_ordered_and_unique() {
        assert_eq!(AM_PROBLEM_CODES.len(), 48);
        for (i, p) in AM_PROBLEM_CODES.iter().enumerate() {
            assert_eq!(p.code, format!("AM-{i:05}"));
            assert_eq!(p.verbatim, !p.text.contains('…'), "{}", p.code);
        }
        assert_eq!(problem_code("AM-00026").unwrap().status, 429);
        assert_eq!(problem_code("std-00000").unwrap().status, 400);
        assert!(problem_code("AM-00048").is_none());
    }

    #[test]
    fn validation_tables_are_sorted_and_unique() {
        for table in [CONTRACTS_VALIDATION_CODES, UTILS_VALIDATION_CODES] {
            for pair in table.windows(2) {
                assert!(
                    pair[0].code < pair[1].code,
                    "{} then {}",
                    pair[0].code,
                    pair[1].code
                );
            }
            for v in table {
                assert!(
                    v.code.starts_with("AM.VLD-") && v.code.len() == 12,
                    "{}",
                    v.code
                );
            }
        }
    }
}
