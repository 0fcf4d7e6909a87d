//! The Altinn 3 access-management wire model and its JSON codec
//! (`shared/spec/altinn3-accessmanagement.md` §2–§6).
//!
//! - [`envelope`]: the list envelope `PaginatedResult<T>` (`{links: {next}, data}`), which also
//!   reads bare arrays.
//! - [`party`]: `AuthorizedPartyDto` (E1) and `CompactEntityDto`, with their type enums.
//! - [`connection`]: `ConnectionDto` (E2), the permission DTOs of E5/E9/E15, `AccessReason`
//!   with its flag bits, the compact role and package DTOs, and the small write DTOs
//!   (`AssignmentDto`, `AssignmentPackageDto`, `PersonInput`, `RightKeyListDto`).
//! - [`resource`]: `ResourceDto`, `ProviderDto`, `RoleDto`, `RightDto` and the delegation
//!   checks of E8, E10 and E11.
//! - [`problem`]: `ProblemDetails` with constructors for the exact shapes a fake writes, and the
//!   tables of every AM, STD and validation code (two validation registries).
//! - [`meta`]: the access-package metadata DTOs (§6.1).
//! - [`systemregister`]: the system register and system-user request DTOs (§5.5).
//! - [`codec`]: `decode_*`/`encode` for whole bodies; a failure names the JSON path.
//!
//! **Writing** produces exactly the names the server writes: camelCase, `"legacyurn "` with its
//! trailing space in `CompactRoleDto`, lower-case `partyid` in `CompactEntityDto` but `partyId`
//! in `AuthorizedPartyDto`, `children` always `null`, and nulls written except where the server
//! omits them. **Reading** is tolerant: unknown fields are ignored, `null` is accepted for every
//! optional and read as empty for lists, property names are accepted in camelCase, PascalCase
//! and lower case, and text enums keep values they do not know in `Other(String)`.
//!
//! The crate does no I/O and depends on the domain only (for the `text_enum!` macro): DTO
//! fields are plain types (`Uuid`, `String`, integers), because the server is the authority on
//! what they hold; the adapter converts them to the domain's checked identifiers.
//! A fødselsnummer never prints in full through `Debug` (see [`mask_ssn`]).
#![warn(missing_docs)]

pub mod check;
pub mod codec;
pub mod connection;
pub mod envelope;
pub mod meta;
pub mod party;
pub mod problem;
pub mod resource;
pub mod systemregister;
mod util;

pub use check::{AccessPackageDtoCheck, ExternalResourceRightDto, ResourceCheckDto, RightCheckDto};
pub use codec::DecodeError;
pub use connection::{
    AccessPackageDto, AccessReason, AccessReasonItem, AssignmentDto, AssignmentPackageDto,
    CompactPackageDto, CompactRoleDto, ConnectionDto, PackagePermissionDto, PermissionDto,
    PersonInput, ReasonKind, ResourcePermissionDto, RightKeyListDto, RolePermissionDto,
};
pub use envelope::{PageLinks, PaginatedResult};
pub use party::{
    AuthorizedPartyDto, AuthorizedPartyType, CompactEntityDto, EntityType, EntityVariant,
};
pub use problem::{ProblemDetails, ValidationErrorItem, ValidationRegistry};
pub use resource::{ProviderDto, ResourceDto, RightDto, RoleDto};
pub use util::{AlwaysNull, mask_ssn};
