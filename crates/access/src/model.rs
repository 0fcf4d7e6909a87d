//! The inputs and typed outcomes of the use cases.
//!
//! Every outcome derives `Serialize` so that the CLI can print it as JSON; the field names are
//! `snake_case` and stable. A fødselsnummer only ever appears masked (`268992*****`): the
//! outcomes hold a [`MaskedSsn`], never an [`Fnr`](tilgang_domain::Fnr), whose `Serialize`
//! writes the full number for the wire.

use std::fmt;

use serde::Serialize;
use tilgang_domain::{
    Action, MaskedSsn, ReporteeId, ReporteeQuery, Right, RightId, RightSourceType, RightType, Role,
    RoleDefinitionId, RoleId, RoleType, ServiceCode, ServiceEditionCode,
};

use crate::AccessError;

/// One right on a service edition: the unit that `grant` and `revoke` work with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ServiceRight {
    /// The service code, e.g. `4864`.
    pub service_code: ServiceCode,
    /// The service edition, e.g. `1`.
    pub service_edition: ServiceEditionCode,
    /// The operation, e.g. `Read`.
    pub action: Action,
}

impl ServiceRight {
    /// A right from checked parts. Refuses an action this version does not know
    /// ([`Action::Other`]): Altinn would refuse it too, and nothing should be sent for it.
    pub fn new(
        service_code: ServiceCode,
        service_edition: ServiceEditionCode,
        action: Action,
    ) -> Result<Self, AccessError> {
        if let Action::Other(other) = &action {
            return Err(AccessError::InvalidInput(format!(
                "unknown action {other:?}; use one of {}",
                known_actions()
            )));
        }
        Ok(ServiceRight {
            service_code,
            service_edition,
            action,
        })
    }

    /// Parses a right from text, as a CLI receives it: `("4864", "1", "read")`.
    pub fn parse(
        service_code: &str,
        service_edition: &str,
        action: &str,
    ) -> Result<Self, AccessError> {
        let code =
            ServiceCode::parse(service_code.trim()).map_err(|source| AccessError::InvalidId {
                what: "service code",
                source,
            })?;
        let edition = ServiceEditionCode::parse(service_edition.trim()).map_err(|source| {
            AccessError::InvalidId {
                what: "service edition code",
                source,
            }
        })?;
        ServiceRight::new(code, edition, Action::parse(action))
    }

    /// Every action of one service edition, e.g. Read and Write, in one go.
    pub fn for_actions(
        service_code: &ServiceCode,
        service_edition: ServiceEditionCode,
        actions: &[Action],
    ) -> Result<Vec<Self>, AccessError> {
        actions
            .iter()
            .map(|a| ServiceRight::new(service_code.clone(), service_edition, a.clone()))
            .collect()
    }

    /// Whether `right` (as Altinn lists it) is this right.
    pub fn matches(&self, right: &Right) -> bool {
        right.is_for(&self.service_code, self.service_edition, &self.action)
    }
}

impl fmt::Display for ServiceRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {}",
            self.service_code, self.service_edition, self.action
        )
    }
}

fn known_actions() -> String {
    Action::KNOWN
        .iter()
        .map(Action::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds a person query from text, checking the fødselsnummer (including its check digits)
/// and the last name before anything is sent.
pub fn person_query(fnr: &str, last_name: &str) -> Result<ReporteeQuery, AccessError> {
    let fnr = tilgang_domain::Fnr::parse(fnr.trim()).map_err(|source| AccessError::InvalidId {
        what: "fødselsnummer",
        source,
    })?;
    let last_name =
        tilgang_domain::party::Name::parse(last_name).map_err(|source| AccessError::InvalidId {
            what: "last name",
            source,
        })?;
    Ok(ReporteeQuery::Person { fnr, last_name })
}

/// Who the rights are about, as far as it is safe to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The reportee id Altinn gave the person or organisation.
    pub reportee_id: ReporteeId,
    /// The name Altinn has on record.
    pub name: Option<String>,
    /// A person's fødselsnummer, masked.
    pub ssn: Option<MaskedSsn>,
    /// An organisation's number.
    pub organization_number: Option<String>,
}

/// A right someone holds, flattened for a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldRight {
    /// The id used to delete it, when it has one.
    pub right_id: Option<RightId>,
    /// What the right is on.
    pub right_type: Option<RightType>,
    /// The service code.
    pub service_code: Option<ServiceCode>,
    /// The service edition.
    pub service_edition: Option<ServiceEditionCode>,
    /// The operation.
    pub action: Action,
    /// How the right was obtained.
    pub source: Option<RightSourceType>,
    /// Whether `revoke` can delete it (directly delegated, with an id).
    pub revocable: bool,
}

impl From<&Right> for HeldRight {
    fn from(r: &Right) -> Self {
        HeldRight {
            right_id: r.right_id,
            right_type: r.right_type.clone(),
            service_code: r.service_code.clone(),
            service_edition: r.service_edition_code,
            action: r.action.clone(),
            source: r.right_source_type.clone(),
            revocable: r.is_directly_delegated() && r.right_id.is_some(),
        }
    }
}

/// A role someone holds, flattened for a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldRole {
    /// The assignment id (used to delete the role), absent for synthetic entries.
    pub role_id: Option<RoleId>,
    /// Altinn, External or Local.
    pub role_type: Option<RoleType>,
    /// The role definition.
    pub role_definition_id: Option<RoleDefinitionId>,
    /// The short code, e.g. `UTINN`.
    pub code: Option<String>,
    /// The localised name.
    pub name: Option<String>,
}

impl From<&Role> for HeldRole {
    fn from(r: &Role) -> Self {
        HeldRole {
            role_id: r.role_id,
            role_type: r.role_type.clone(),
            role_definition_id: r.role_definition_id,
            code: r.role_definition_code.clone(),
            name: r.role_name.clone(),
        }
    }
}

impl fmt::Display for HeldRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref().unwrap_or("unnamed role");
        write!(f, "{name:?}")?;
        let mut extra = Vec::new();
        if let Some(code) = &self.code {
            extra.push(code.clone());
        }
        if let Some(id) = self.role_definition_id {
            extra.push(format!("definition {id}"));
        }
        if let Some(id) = self.role_id {
            extra.push(format!("role id {id}"));
        }
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

/// What `show` found: a person's rights and roles from an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessReport {
    /// The organisation (`{who}`) as addressed.
    pub org: String,
    /// The person (or organisation) holding the rights.
    pub holder: Subject,
    /// Every right, including those from roles.
    pub rights: Vec<HeldRight>,
    /// Every role.
    pub roles: Vec<HeldRole>,
}

/// What happened to one requested right in `grant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GrantStatus {
    /// The right was delegated now.
    Added,
    /// The person already held it; nothing was sent for it.
    AlreadyHeld {
        /// How the person holds it.
        source: Option<RightSourceType>,
    },
}

/// One line of a grant outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantedRight {
    /// The right asked for.
    #[serde(flatten)]
    pub right: ServiceRight,
    /// What happened.
    #[serde(flatten)]
    pub status: GrantStatus,
}

/// What `grant` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantOutcome {
    /// The organisation (`{who}`) as addressed.
    pub org: String,
    /// Who received the rights.
    pub holder: Subject,
    /// One line per distinct right asked for, in a stable order.
    pub rights: Vec<GrantedRight>,
    /// Whether anything changed in Altinn.
    pub changed: bool,
    /// How many delegation requests (POSTs) were sent: 0 when nothing was missing.
    pub requests_sent: u32,
    /// Whether a delegation request failed ambiguously and the result was confirmed by
    /// reading the rights again.
    pub confirmed_after_ambiguous_failure: bool,
}

/// What happened to one requested right in `revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevokeStatus {
    /// The directly delegated right was deleted.
    Removed {
        /// The deleted `RightID`s (usually one).
        right_ids: Vec<RightId>,
        /// Whether the person still has the right through a role.
        still_held_via_role: bool,
    },
    /// The person did not hold it; nothing was sent for it.
    NotHeld,
}

/// One line of a revoke outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokedRight {
    /// The right asked for.
    #[serde(flatten)]
    pub right: ServiceRight,
    /// What happened.
    #[serde(flatten)]
    pub status: RevokeStatus,
}

/// What `revoke` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokeOutcome {
    /// The organisation (`{who}`) as addressed.
    pub org: String,
    /// Who held the rights.
    pub holder: Subject,
    /// One line per distinct right asked for, in a stable order.
    pub rights: Vec<RevokedRight>,
    /// Whether anything changed in Altinn.
    pub changed: bool,
}
