//! The access-management use cases a team embeds: `show`, `grant` and `revoke`.
//!
//! [`AccessManager`] works over the ports ([`ReporteeLookup`](tilgang_ports::ReporteeLookup)
//! and [`Delegations`](tilgang_ports::Delegations)) only, so it runs unchanged over the
//! Altinn 2 adapter today and an Altinn 3 adapter later.
//!
//! - [`AccessManager::show`]: a person's rights and roles from an organisation.
//! - [`AccessManager::grant`]: idempotent delegation. Reads first, sends only what is missing,
//!   and re-reads after an ambiguous failure before deciding.
//! - [`AccessManager::revoke`]: deletes directly delegated rights only; a right that comes from
//!   a role gives [`AccessError::RoleDerived`], naming the role to remove instead.
//!
//! Inputs are checked types ([`ServiceRight`], [`ReporteeQuery`](tilgang_domain::ReporteeQuery),
//! [`PartyRef`](tilgang_domain::PartyRef)); [`person_query`] and [`ServiceRight::parse`] build
//! them from text and refuse bad fødselsnummer, service codes and actions before anything is
//! sent. Outcomes derive `Serialize` for JSON output and never carry a full fødselsnummer.
#![warn(missing_docs)]

mod error;
mod manager;
mod model;

pub use error::{AccessError, Step};
pub use manager::AccessManager;
pub use model::{
    AccessReport, GrantOutcome, GrantStatus, GrantedRight, HeldRight, HeldRole, RevokeOutcome,
    RevokeStatus, RevokedRight, ServiceRight, Subject, person_query,
};

#[cfg(test)]
mod tests;
