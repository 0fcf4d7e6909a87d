//! The domain of the Altinn access-management toolkit.
//!
//! This crate holds everything that is true regardless of transport:
//!
//! - [`id`]: identifiers that can only hold valid values (fødselsnummer, organisation number,
//!   ReporteeId, service code and edition, scopes), checked once at the edge.
//! - [`model`]: the Altinn 2 resources (rights, roles, right holders, reportees, delegation requests)
//!   and their enums, each with an `Other(String)` variant so unknown server values still decode.
//! - [`hal`]: the HAL+JSON codec for those resources, in both directions, used by the client adapter
//!   (to decode responses and encode requests) and by the mock server (the other way around).
//! - [`party`]: references to parties that work for Altinn 2 (`my`, org numbers, `r…` ids) and
//!   Altinn 3 (party UUIDs).
//! - [`secret`]: secrets (tokens, keys, passwords) whose `Debug` is redacted.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of HTTP, sockets, tokio or
//! clocks; time enters only as values passed in.
#![warn(missing_docs)]

pub mod hal;
pub mod id;
pub mod model;
pub mod party;
pub mod secret;

pub use id::{
    Fnr, FnrCheckRule, FnrKind, IdError, OrgNumber, ReporteeId, Scope, ScopeSet, ServiceCode,
    ServiceEditionCode,
};
pub use model::{
    Action, DelegationRequest, Link, Links, MaskedSsn, Receiver, Reportee, ReporteeType, Right,
    RightHolder, RightId, RightRequest, RightSourceType, RightType, Role, RoleDefinitionId, RoleId,
    RoleRequest, RoleType,
};
pub use party::{PartyRef, ReporteeQuery};
