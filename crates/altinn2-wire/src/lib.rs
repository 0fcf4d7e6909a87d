//! The Altinn 2 REST wire model and its HAL+JSON codec (`shared/spec/altinn2-rest.md` §5–§7).
//!
//! - [`model`]: the resources (rights, roles, right holders, reportees, delegation requests)
//!   and their enums, each with an `Other(String)` variant so unknown server values still
//!   decode.
//! - [`hal`]: the HAL+JSON codec for those resources, in both directions: the Altinn 2 adapter
//!   decodes responses and encodes requests with it, and the mock server does the opposite,
//!   so the two sides can never drift apart.
//!
//! Altinn 2 was switched off in June 2026; this crate stays for the retired API's adapter and
//! its fake. It does no I/O. Identifiers come from `tilgang-domain`, already checked.
#![warn(missing_docs)]

pub mod hal;
pub mod model;

pub use model::{
    DelegationRequest, Link, Links, Receiver, Reportee, ReporteeType, Right, RightHolder, RightId,
    RightRequest, RightSourceType, RightType, Role, RoleDefinitionId, RoleId, RoleRequest,
    RoleType,
};
