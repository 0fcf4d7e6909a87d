//! The domain of the Altinn access-management toolkit.
//!
//! This crate holds everything that is true regardless of transport:
//!
//! - [`id`]: identifiers that can only hold valid values (fødselsnummer, organisation number,
//!   ReporteeId and party id, Altinn 2 service codes and editions, Altinn 3 party UUIDs,
//!   access-package codes, resource ids and role codes, scopes), checked once at the edge.
//! - [`party`]: parties as both Altinn generations address them ([`PartyRef`]), look them up
//!   ([`PartyQuery`]) and describe them ([`Party`]).
//! - [`access`]: what can be granted ([`Grantable`]: service rights, resource rights, access
//!   packages, roles) and what is held, by which paths ([`HeldAccess`], [`HeldVia`]).
//! - [`onboarding`]: a vendor's system, requests to customers for system users, and the
//!   system users that exist.
//! - [`secret`]: secrets (tokens, keys, passwords) whose `Debug` is redacted.
//!
//! Architecture invariants: this crate does no I/O. It knows nothing of HTTP, sockets, tokio or
//! clocks; time enters only as values passed in. It holds no API generation's wire format: the
//! Altinn 2 HAL+JSON model lives in `tilgang-altinn2-wire`, the Altinn 3 DTOs in their adapter.
#![warn(missing_docs)]

pub mod access;
pub mod id;
pub mod onboarding;
pub mod party;
pub mod secret;
mod text_enum;

pub use access::{
    Action, Grantable, HeldAccess, HeldVia, ResourceRight, RevokeHandle, ServiceRight,
};
pub use id::{
    Fnr, FnrCheckRule, FnrKind, IdError, MaskedSsn, OrgNumber, PackageCode, PartyId, PartyUuid,
    ReporteeId, ResourceId, RoleCode, Scope, ScopeSet, ServiceCode, ServiceEditionCode,
};
pub use onboarding::{RequestStatus, SystemId, SystemUserInfo, SystemUserRequest, VendorSystem};
pub use party::{Name, Party, PartyKind, PartyQuery, PartyRef};

/// Re-exports for the [`text_enum!`] macro; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}
