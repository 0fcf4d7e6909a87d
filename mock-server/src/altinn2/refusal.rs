//! Why the Altinn 2 API refuses a request: one variant per rule, with what the reason
//! phrase needs. The world's rules return these; only the HTTP layer ([`super::http`])
//! turns one into a response, with [`Refusal::status`] as the status and the `Display`
//! text as the reason phrase (Altinn 2 error bodies are empty).

use axum::http::StatusCode;

/// The reason phrase of a missing `ApiKey` header.
pub const MISSING_API_KEY: &str = "Required header 'ApiKey' is missing.";
/// The reason phrase of an unknown API key, or one without the needed resource.
pub const API_KEY_FORBIDDEN: &str = "The API key is not authorized for this operation";
/// The reason phrase of a token without a needed scope.
pub const MISSING_SCOPE: &str = "Claims Authorization failed: Missing required scope";
/// The `$top` limit.
pub(crate) const TOP_MAX: usize = 10_000;

/// A refused Altinn 2 request. The `Display` text is the reason phrase, exactly as answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    // Credentials, checked in this order.
    /// No `ApiKey` header.
    #[error("{MISSING_API_KEY}")]
    MissingApiKey,
    /// An unknown API key, or one without the resource the call needs.
    #[error("{API_KEY_FORBIDDEN}")]
    ApiKeyForbidden,
    /// No `Authorization` on a `{who}` endpoint: Altinn treats the caller as a browser and
    /// sends it to the login page.
    #[error("Found")]
    LoginRequired,
    /// No `Authorization` on ReporteeConversion.
    #[error("Authorization failed: There is no authenticated user on this request.")]
    NoAuthenticatedUser,
    /// An `Authorization` header that is not `Bearer <token>`.
    #[error("Authorization failed: The Authorization header must be 'Bearer <token>'.")]
    NotBearer,
    /// A token that is unreadable, wrongly signed or from another issuer: Altinn's `IDX…`
    /// message.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// A token past its expiry (Unix seconds), as seen at `now` on the mock's clock.
    #[error(
        "IDX10223: Lifetime validation failed. The token is expired. ValidTo: '{}', Current time: '{}'.",
        rfc3339(*.exp),
        rfc3339(*.now)
    )]
    TokenExpired {
        /// The token's `exp`.
        exp: i64,
        /// The mock clock's time.
        now: i64,
    },
    /// An organisation token (no enterprise user) on the end-user API.
    #[error(
        "Authorization failed: There is no authenticated user on this request. Exchange the token with enterprise-user credentials."
    )]
    OrganisationToken,
    /// A token without any of the scopes the call accepts.
    #[error("{MISSING_SCOPE}")]
    MissingScope,

    // The request.
    /// A body the HAL codec could not decode.
    #[error("The request is invalid: {message} at '{path}'.")]
    InvalidBody {
        /// What was wrong.
        message: String,
        /// The JSON path of the fault.
        path: String,
    },
    /// `$skip` or `$top` that is not a number.
    #[error("The query specified in the URI is not valid. Invalid value '{value}' for {name}.")]
    InvalidNumber {
        /// The option (`$skip`, `$top`).
        name: &'static str,
        /// The value sent.
        value: String,
    },
    /// `$top` above [`TOP_MAX`].
    #[error(
        "The limit of '{TOP_MAX}' for Top query has been exceeded. The value from the incoming request is '{0}'."
    )]
    TopTooLarge(usize),
    /// A `$filter` clause that is not `Property op 'value'`.
    #[error("The query specified in the URI is not valid. Syntax error in $filter '{0}'.")]
    FilterSyntax(String),
    /// A `$filter` on a property the type does not have (or the mock cannot filter on).
    #[error(
        "The query specified in the URI is not valid. Could not find a property named '{property}' on type '{type_name}'."
    )]
    UnknownProperty {
        /// The property named.
        property: String,
        /// The type listed.
        type_name: &'static str,
    },
    /// A `$filter` operator other than `eq` and `ne`.
    #[error(
        "The query specified in the URI is not valid. Unsupported operator '{0}' in $filter; use eq or ne."
    )]
    UnsupportedOperator(String),

    // Parties and the user.
    /// A `{who}` that starts like a ReporteeId but is not one.
    #[error("The reportee '{0}' is not a valid ReporteeId.")]
    InvalidReporteeId(String),
    /// A `{who}` that is neither `my`, an organisation number nor a ReporteeId.
    #[error("The reportee '{0}' is not valid. Use my, an organization number or a ReporteeId.")]
    InvalidWho(String),
    /// A well-formed `{who}` that names no party.
    #[error("The reportee '{0}' was not found.")]
    ReporteeNotFound(String),
    /// A `{receiverId}` that is neither a ReporteeId nor an organisation number.
    #[error("The receiverId '{0}' is not valid. Use a ReporteeId or an organization number.")]
    InvalidReceiver(String),
    /// A well-formed `{receiverId}` that names no party.
    #[error("The right holder '{0}' was not found.")]
    RightHolderNotFound(String),
    /// The token's enterprise user is no longer in the world.
    #[error("Authorization failed: The authenticated user no longer exists.")]
    UserGone,
    /// The user administers neither as Hovedadministrator nor as Tilgangsstyrer for `{who}`.
    #[error("The authenticated user is not Tilgangsstyrer or Hovedadministrator for the reportee.")]
    NotAdministrator,

    // ReporteeConversion.
    /// No party matches the number and name (the answer does not say which failed).
    #[error("No reportee matches the given identifier and name.")]
    NoReporteeMatch,
    /// A body with neither pair of fields.
    #[error(
        "The request must have SocialSecurityNumber and LastName, or OrganizationNumber and OrganizationName."
    )]
    ConversionNeedsIdentifier,

    // Delegation.
    /// No person has this fødselsnummer and last name.
    #[error("The social security number and last name do not match a person.")]
    PersonMismatch,
    /// No organisation has this number and name.
    #[error("The organization number and name do not match an organization.")]
    OrganisationMismatch,
    /// No enterprise user of this name in the given organisation.
    #[error("The enterprise user was not found in the given organization.")]
    EnterpriseUserNotFound,
    /// An enterprise user of another organisation than `{who}`.
    #[error("An enterprise user can only receive rights from its own organization.")]
    EnterpriseUserOfOtherOrganisation,
    /// A receiver form the mock does not know.
    #[error("Unsupported receiver.")]
    UnsupportedReceiver,
    /// The receiver is `{who}` itself.
    #[error("A reportee cannot delegate to itself.")]
    SelfDelegation,
    /// Neither rights nor roles.
    #[error("The request contains no rights or roles to delegate.")]
    NothingToDelegate,
    /// A message or system-resource right.
    #[error("Only service rights (ServiceCode, ServiceEditionCode, Action) can be delegated here.")]
    NotAServiceRight,
    /// A right without service code or edition.
    #[error("Each right needs ServiceCode, ServiceEditionCode and Action.")]
    IncompleteRight,
    /// A service edition the world does not have.
    #[error("The service {code} edition {edition} does not exist.")]
    UnknownService {
        /// The service code.
        code: String,
        /// The edition.
        edition: u32,
    },
    /// An action the service edition does not offer.
    #[error("The action {action} is not available on service {code} edition {edition}.")]
    UnknownAction {
        /// The action as sent.
        action: String,
        /// The service code.
        code: String,
        /// The edition.
        edition: u32,
    },
    /// A service that may not be delegated.
    #[error("The service {code} edition {edition} cannot be delegated.")]
    ServiceNotDelegable {
        /// The service code.
        code: String,
        /// The edition.
        edition: u32,
    },
    /// A Tilgangsstyrer delegating a right it does not hold.
    #[error("The user cannot delegate a right it does not hold itself.")]
    RightNotHeld,
    /// A role definition the world does not have.
    #[error("The role definition {0} does not exist.")]
    UnknownRoleDefinition(i64),
    /// A role that may not be delegated (not delegable, or not an Altinn role).
    #[error("The role {0} cannot be delegated.")]
    RoleNotDelegable(i64),
    /// A Tilgangsstyrer delegating a role it does not hold.
    #[error("The user cannot delegate a role it does not hold itself.")]
    RoleNotHeld,
    /// A right the receiver already holds directly (or one listed twice).
    #[error("The delegation already exists: {code} edition {edition} {action}.")]
    RightExists {
        /// The service code.
        code: String,
        /// The edition.
        edition: u32,
        /// The action, as the service names it.
        action: String,
    },
    /// A role the receiver already holds (or one listed twice).
    #[error("The delegation already exists: role {0}.")]
    RoleExists(i64),

    // Deletion.
    /// DELETE by query without exactly one of `authzRuleId` and `roleId`.
    #[error("Give receiverId and exactly one of authzRuleId or roleId.")]
    DeleteTargetMissing,
    /// An `authzRuleId` that is not a number.
    #[error("The authzRuleId '{0}' is not a number.")]
    InvalidRuleId(String),
    /// A `roleId` that is not a number.
    #[error("The roleId '{0}' is not a number.")]
    InvalidRoleId(String),
    /// No such right between `{who}` and the receiver.
    #[error("The right {0} was not found for the right holder.")]
    RightNotFound(i64),
    /// A role-derived right: only its role can be deleted.
    #[error(
        "The right {0} is given through a role and cannot be deleted. Delete the role instead."
    )]
    RightFromRole(i64),
    /// No such role between `{who}` and the receiver.
    #[error("The role {0} was not found for the right holder.")]
    RoleNotFound(i64),
    /// A role from an external register.
    #[error(
        "The role {0} comes from an external register (such as Enhetsregisteret) and cannot be deleted here."
    )]
    ExternalRole(i64),
}

impl Refusal {
    /// The HTTP status Altinn answers this refusal with.
    pub(crate) fn status(&self) -> StatusCode {
        use Refusal::*;
        match self {
            LoginRequired => StatusCode::FOUND,
            NoAuthenticatedUser
            | NotBearer
            | InvalidToken(_)
            | TokenExpired { .. }
            | OrganisationToken
            | MissingScope
            | UserGone => StatusCode::UNAUTHORIZED,
            ApiKeyForbidden
            | NotAdministrator
            | ServiceNotDelegable { .. }
            | RightNotHeld
            | RoleNotDelegable(_)
            | RoleNotHeld => StatusCode::FORBIDDEN,
            ReporteeNotFound(_)
            | RightHolderNotFound(_)
            | NoReporteeMatch
            | RightNotFound(_)
            | RoleNotFound(_) => StatusCode::NOT_FOUND,
            MissingApiKey
            | InvalidBody { .. }
            | InvalidNumber { .. }
            | TopTooLarge(_)
            | FilterSyntax(_)
            | UnknownProperty { .. }
            | UnsupportedOperator(_)
            | InvalidReporteeId(_)
            | InvalidWho(_)
            | InvalidReceiver(_)
            | ConversionNeedsIdentifier
            | PersonMismatch
            | OrganisationMismatch
            | EnterpriseUserNotFound
            | EnterpriseUserOfOtherOrganisation
            | UnsupportedReceiver
            | SelfDelegation
            | NothingToDelegate
            | NotAServiceRight
            | IncompleteRight
            | UnknownService { .. }
            | UnknownAction { .. }
            | UnknownRoleDefinition(_)
            | RightExists { .. }
            | RoleExists(_)
            | DeleteTargetMissing
            | InvalidRuleId(_)
            | InvalidRoleId(_)
            | RightFromRole(_)
            | ExternalRole(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// A Unix time as RFC 3339, as .NET writes it in the IDX10223 message.
fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_token_names_both_times() {
        let r = Refusal::TokenExpired {
            exp: 1_800_000_000,
            now: 1_800_000_090,
        };
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.to_string(),
            "IDX10223: Lifetime validation failed. The token is expired. ValidTo: '2027-01-15T08:00:00Z', Current time: '2027-01-15T08:01:30Z'."
        );
    }

    #[test]
    fn the_reason_phrase_carries_the_values() {
        let r = Refusal::RightExists {
            code: "4864".into(),
            edition: 1,
            action: "Read".into(),
        };
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            r.to_string(),
            "The delegation already exists: 4864 edition 1 Read."
        );
        assert_eq!(Refusal::MissingApiKey.to_string(), MISSING_API_KEY);
        assert_eq!(Refusal::RoleNotDelegable(7).status(), StatusCode::FORBIDDEN);
    }
}
