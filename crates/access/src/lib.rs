//! The access-management use cases a team embeds: show, grant, revoke, and managing right
//! holders.
//!
//! [`AccessManager`] works over the ports ([`Parties`](tilgang_ports::Parties) and
//! [`Rights`](tilgang_ports::Rights)) only, so it runs unchanged over the Altinn 3 adapter
//! and the Altinn 2 one.
//!
//! - [`AccessManager::show`]: what a right holder holds from an organisation, and how.
//! - [`AccessManager::grant`]: idempotent. Checks every grantable against the backend before
//!   sending anything, reads first, grants only what is missing, and re-reads after an
//!   ambiguous failure before deciding.
//! - [`AccessManager::revoke`]: revokes only what this client may revoke; something held via
//!   a role or a package gives [`AccessError::HeldIndirectly`], naming the paths.
//! - [`AccessManager::add_right_holder`], [`AccessManager::remove_right_holder`],
//!   [`AccessManager::right_holders`]: the right holders themselves.
//!
//! Access as code, over the same ports:
//!
//! - [`desired`]: the desired-state file (TOML) read into checked types, and written back.
//! - [`plan`]: [`AccessManager::read_state`] and [`AccessManager::plan`] read the current
//!   state (one listing per organisation, then holdings per right holder); [`plan::diff`] is the
//!   pure difference; [`AccessManager::export`] the state as a file.
//! - [`apply`]: [`Applier`] carries a plan out with bounded concurrency, one shared back-off
//!   and a crash-safe [`Journal`]; it needs no async runtime (the caller supplies a [`Waiter`]).
//!
//! Inputs are checked types ([`Grantable`](tilgang_domain::Grantable),
//! [`PartyQuery`](tilgang_domain::PartyQuery), [`PartyRef`](tilgang_domain::PartyRef));
//! [`person_query`], [`package`], [`resource_right`], [`service_right`] and [`role`] build
//! them from text and refuse bad input before anything is sent. Outcomes derive `Serialize`
//! for neutral JSON output and never carry a full fødselsnummer.
#![warn(missing_docs)]

pub mod apply;
pub mod desired;
mod error;
mod manager;
mod model;
pub mod plan;

pub use apply::{
    Applier, ApplyError, ApplyOptions, ApplyReport, EarlierRun, Journal, JournalEntry, Progress,
    Waiter,
};
pub use desired::{DesiredError, DesiredState};
pub use error::{AccessError, HeldIndirectly, Step};
pub use manager::AccessManager;
pub use model::{
    AccessReport, GrantLine, GrantOutcome, GrantStatus, RemovalOutcome, RevokeLine, RevokeOutcome,
    RevokeStatus, RightHolderList, RightHolderOutcome, organisation_query, package, person_query,
    resource_right, role, service_right,
};
pub use plan::{Plan, PlanError, PlanFailure, PlanOptions};

#[cfg(test)]
mod tests;
