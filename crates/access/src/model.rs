//! The inputs and typed outcomes of the use cases.
//!
//! Every outcome derives `Serialize` so that the CLI can print it as JSON; the field names are
//! `snake_case`, stable, and the same whichever Altinn generation is behind the ports. A
//! fødselsnummer only ever appears masked (`268992*****`): parties carry a
//! [`MaskedSsn`](tilgang_domain::MaskedSsn), never the full number.

use serde::Serialize;
use tilgang_domain::{
    Action, Fnr, Grantable, HeldAccess, HeldVia, Name, OrgNumber, PackageCode, Party, PartyQuery,
    ResourceId, ResourceRight, RoleCode, ServiceCode, ServiceEditionCode, ServiceRight,
};
use tilgang_ports::RightHolderChange;

use crate::AccessError;

/// Builds a person query from text, checking the fødselsnummer (including its check digits)
/// and the last name before anything is sent.
pub fn person_query(fnr: &str, last_name: &str) -> Result<PartyQuery, AccessError> {
    let fnr = Fnr::parse(fnr.trim()).map_err(AccessError::id("fødselsnummer"))?;
    let last_name = Name::parse(last_name).map_err(AccessError::id("last name"))?;
    Ok(PartyQuery::Person { fnr, last_name })
}

/// Builds an organisation query from text. Altinn 2 matches the name; Altinn 3 needs only the
/// number, so the name may be a placeholder there.
pub fn organisation_query(org: &str, name: &str) -> Result<PartyQuery, AccessError> {
    let org = OrgNumber::parse(org.trim()).map_err(AccessError::id("organisation number"))?;
    let name = Name::parse(name).map_err(AccessError::id("organisation name"))?;
    Ok(PartyQuery::Organisation { org, name })
}

/// An Altinn 2 service right from text, as a CLI receives it: `("4864", "1", "read")`.
pub fn service_right(
    service_code: &str,
    service_edition: &str,
    action: &str,
) -> Result<Grantable, AccessError> {
    let code = ServiceCode::parse(service_code.trim()).map_err(AccessError::id("service code"))?;
    let edition = ServiceEditionCode::parse(service_edition.trim())
        .map_err(AccessError::id("service edition code"))?;
    let right = ServiceRight::new(code, edition, Action::parse(action))
        .map_err(AccessError::id("action"))?;
    Ok(Grantable::ServiceRight(right))
}

/// An Altinn 3 resource right from text: `("ttd-hr-rapport", "read")`.
pub fn resource_right(resource: &str, action: &str) -> Result<Grantable, AccessError> {
    let resource = ResourceId::parse(resource).map_err(AccessError::id("resource id"))?;
    let action = Action::checked(action).map_err(AccessError::id("action"))?;
    Ok(Grantable::ResourceRight(ResourceRight { resource, action }))
}

/// An Altinn 3 access package from text: a bare code or a URN.
pub fn package(code: &str) -> Result<Grantable, AccessError> {
    PackageCode::parse(code)
        .map(Grantable::package)
        .map_err(AccessError::id("access package"))
}

/// A role from text, e.g. `UTINN`.
pub fn role(code: &str) -> Result<Grantable, AccessError> {
    RoleCode::parse(code)
        .map(Grantable::role)
        .map_err(AccessError::id("role code"))
}

/// What `show` found: what a right holder holds from an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessReport {
    /// The organisation, as addressed.
    pub org: String,
    /// The right holder.
    pub holder: Party,
    /// Everything held, with how it is held and whether this client may revoke it.
    pub accesses: Vec<HeldAccess>,
}

/// What happened to one thing asked for in `grant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GrantStatus {
    /// It was granted now.
    Added,
    /// The holder already held it; nothing was sent for it.
    AlreadyHeld {
        /// How the holder holds it.
        held_via: Vec<HeldVia>,
    },
}

/// One line of a grant outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantLine {
    /// What was asked for.
    #[serde(flatten)]
    pub grantable: Grantable,
    /// What happened.
    #[serde(flatten)]
    pub status: GrantStatus,
}

/// What `grant` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantOutcome {
    /// The organisation, as addressed.
    pub org: String,
    /// Who received the accesses.
    pub holder: Party,
    /// Set when the holder had to be made a right holder first (Altinn 3), which is itself a
    /// change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_holder: Option<RightHolderChange>,
    /// One line per distinct thing asked for, in a stable order.
    pub accesses: Vec<GrantLine>,
    /// Whether anything changed in Altinn.
    pub changed: bool,
    /// How many grant calls were made to the backend: 0 when nothing was missing, 2 after an
    /// ambiguous failure and a retry of what was still missing.
    pub requests_sent: u32,
    /// Whether a grant failed ambiguously and the result was confirmed by reading again.
    pub confirmed_after_ambiguous_failure: bool,
}

/// What happened to one thing asked for in `revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevokeStatus {
    /// The direct holding was removed.
    Removed {
        /// Paths by which the holder still holds it (a role, a package, ...), if any.
        still_held_via: Vec<HeldVia>,
    },
    /// The holder did not hold it; nothing was sent for it.
    NotHeld,
}

/// One line of a revoke outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokeLine {
    /// What was asked for.
    #[serde(flatten)]
    pub grantable: Grantable,
    /// What happened.
    #[serde(flatten)]
    pub status: RevokeStatus,
}

/// What `revoke` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokeOutcome {
    /// The organisation, as addressed.
    pub org: String,
    /// Who held the accesses; absent when the party is not a right holder at all.
    pub holder: Option<Party>,
    /// One line per distinct thing asked for, in a stable order.
    pub accesses: Vec<RevokeLine>,
    /// Whether anything changed in Altinn.
    pub changed: bool,
}

/// What `add_right_holder` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RightHolderOutcome {
    /// The organisation, as addressed.
    pub org: String,
    /// The right holder.
    pub holder: Party,
    /// What changed.
    pub change: RightHolderChange,
}

/// What `remove_right_holder` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovalOutcome {
    /// The organisation, as addressed.
    pub org: String,
    /// Who was asked for, as safe to print.
    pub holder: String,
    /// Whether a right holder was removed (false: they were not one; nothing was sent).
    pub removed: bool,
}

/// The right holders of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RightHolderList {
    /// The organisation, as addressed.
    pub org: String,
    /// Every right holder.
    pub right_holders: Vec<Party>,
}
