//! The access-package metadata API (§6.1): `PackageDto`, `AreaDto`, `TypeDto`, the area groups
//! of the export tree, and the search hits.
//!
//! The metadata endpoints have no `[Authorize]` attribute and answer bare JSON arrays or
//! objects. The spec gives the package, area and type shapes \[F\]; the area group and search
//! hit shapes are inferred \[I\], so their optional parts are read leniently.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::resource::{ProviderDto, ResourceDto};
use crate::util::{dto, null_as_default};

dto! {
    /// The type of a package (`TypeDto`, §6.1).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct TypeDto {
        /// The type id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The provider's id. Not nullable (read as the nil UUID if null).
        #[serde(default, deserialize_with = "null_as_default")]
        provider_id: Uuid = "providerId" | "ProviderId" | "providerid",
        /// The type name, e.g. `Organisasjon`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The provider. Nullable.
        #[serde(default)]
        provider: Option<ProviderDto> = "provider" | "Provider",
    }
}

dto! {
    /// An area group, the top level of the export tree (§6.1 `export`) \[I shape\].
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AreaGroupDto {
        /// The group id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The localised name. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The group URN. Nullable \[I\].
        #[serde(default)]
        urn: Option<String> = "urn" | "Urn" | "URN",
        /// The localised description. Nullable.
        #[serde(default)]
        description: Option<String> = "description" | "Description",
        /// The entity type the group is for, e.g. `Organisasjon`. Nullable \[I\].
        #[serde(default)]
        group_type: Option<String> = "type" | "Type",
        /// The areas, when the answer includes them. Nullable.
        #[serde(default)]
        areas: Option<Vec<AreaDto>> = "areas" | "Areas",
    }
}

dto! {
    /// An area of access packages (`AreaDto`, §6.1).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AreaDto {
        /// The area id (`areaId` of `AccessPackageDto`). Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The localised name. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The area URN. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        urn: String = "urn" | "Urn" | "URN",
        /// The localised description. Nullable.
        #[serde(default)]
        description: Option<String> = "description" | "Description",
        /// The icon URL. Nullable.
        #[serde(default)]
        icon_url: Option<String> = "iconUrl" | "IconUrl" | "iconurl",
        /// The packages, when the answer includes them (the export tree). Nullable.
        #[serde(default)]
        packages: Option<Vec<PackageDto>> = "packages" | "Packages",
        /// The area's group. Nullable.
        #[serde(default)]
        group: Option<AreaGroupDto> = "group" | "Group",
    }
}

dto! {
    /// An access package in full (`PackageDto`, §6.1).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct PackageDto {
        /// The package id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The localised name. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The package URN, `urn:altinn:accesspackage:<code>`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        urn: String = "urn" | "Urn" | "URN",
        /// The localised description. Nullable.
        #[serde(default)]
        description: Option<String> = "description" | "Description",
        /// Used by system-register validation and client delegation. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_delegable: bool = "isDelegable" | "IsDelegable" | "isdelegable",
        /// What the enduser delegation check uses (`result = isAssignable && canDelegate`).
        /// Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_assignable: bool = "isAssignable" | "IsAssignable" | "isassignable",
        /// Whether a resource policy can name the package. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_resource_policy_available: bool = "isResourcePolicyAvailable"
            | "IsResourcePolicyAvailable"
            | "isresourcepolicyavailable",
        /// The package's area (without its packages). Nullable.
        #[serde(default)]
        area: Option<Box<AreaDto>> = "area" | "Area",
        /// The package type. Nullable.
        #[serde(default)]
        package_type: Option<TypeDto> = "type" | "Type",
        /// The resources the package gives. Not nullable (read as empty if null).
        #[serde(default, deserialize_with = "null_as_default")]
        resources: Vec<ResourceDto> = "resources" | "Resources",
    }
}

impl PackageDto {
    /// The package's bare code: the URN's last `:`-separated part.
    pub fn code(&self) -> &str {
        self.urn.rsplit(':').next().unwrap_or_default()
    }
}

/// One hit of `GET meta/info/accesspackages/search` \[I shape\]: `{object, score, fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchObject<T> {
    /// The package (or other object) found. Not nullable.
    #[serde(rename = "object", alias = "Object")]
    pub object: T,
    /// The relevance score. Not nullable (read as 0 if null or absent).
    #[serde(
        rename = "score",
        alias = "Score",
        default,
        deserialize_with = "null_as_default"
    )]
    pub score: f64,
    /// Which fields matched, kept as sent: the spec does not give their shape. Nullable.
    #[serde(rename = "fields", alias = "Fields", default)]
    pub fields: Option<Value>,
}
