//! Resources, roles and rights (§3.6): `ResourceDto` with its provider and type, `RoleDto`,
//! `RightDto`. What is held on a resource and the delegation checks are in [`crate::check`].
//!
//! Right keys are opaque texts (`"01"` + 64 hex) and are kept as the server wrote them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::util::{dto, null_as_default};

dto! {
    /// The type of a resource: `{id, name}` (§3.6, `ResourceTypeDto`).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ResourceTypeDto {
        /// The type id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The type name, e.g. `GenericAccessResource`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
    }
}

dto! {
    /// The type of a provider: `{id, name}` (§3.6, `ProviderTypeDto`).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ProviderTypeDto {
        /// The type id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The type name, e.g. `Tjenesteeier`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
    }
}

dto! {
    /// Who provides a resource or role (§3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ProviderDto {
        /// The provider id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The name. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The reference id, often `""`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        ref_id: String = "refId" | "RefId" | "refid",
        /// The logo URL. Nullable.
        #[serde(default)]
        logo_url: Option<String> = "logoUrl" | "LogoUrl" | "logourl",
        /// The provider code, e.g. `ttd`, `sys-altinn3`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        code: String = "code" | "Code",
        /// The provider type id. Not nullable (read as the nil UUID if null).
        #[serde(default, deserialize_with = "null_as_default")]
        type_id: Uuid = "typeId" | "TypeId" | "typeid",
        /// The provider type. Nullable.
        #[serde(default)]
        provider_type: Option<ProviderTypeDto> = "type" | "Type",
    }
}

dto! {
    /// A resource from the Resource Registry, as access management describes it (§3.6).
    ///
    /// In `ConnectionDto.resources` only `id`, `name` and `refId` are set; `providerId` and
    /// `typeId` are the nil UUID there and `description`, `provider`, `type` null (§3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ResourceDto {
        /// The resource's id in access management. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The provider's id. Not nullable (read as the nil UUID if null).
        #[serde(default, deserialize_with = "null_as_default")]
        provider_id: Uuid = "providerId" | "ProviderId" | "providerid",
        /// The type's id. Not nullable (read as the nil UUID if null).
        #[serde(default, deserialize_with = "null_as_default")]
        type_id: Uuid = "typeId" | "TypeId" | "typeid",
        /// The display name. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The description. Nullable.
        #[serde(default)]
        description: Option<String> = "description" | "Description",
        /// The Resource Registry id, e.g. `ttd-hr-rapport`: what queries name as `resource`.
        /// Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        ref_id: String = "refId" | "RefId" | "refid",
        /// The provider. Nullable.
        #[serde(default)]
        provider: Option<ProviderDto> = "provider" | "Provider",
        /// The type. Nullable.
        #[serde(default)]
        resource_type: Option<ResourceTypeDto> = "type" | "Type",
    }
}

impl ResourceDto {
    /// A resource in the compact form of `ConnectionDto.resources`: id, name and ref id set,
    /// nil provider and type ids, everything else null.
    pub fn compact(id: Uuid, name: impl Into<String>, ref_id: impl Into<String>) -> Self {
        ResourceDto {
            id,
            provider_id: Uuid::nil(),
            type_id: Uuid::nil(),
            name: name.into(),
            description: None,
            ref_id: ref_id.into(),
            provider: None,
            resource_type: None,
        }
    }
}

dto! {
    /// A role in full form (§3.6), in E15's `RolePermissionDto`.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct RoleDto {
        /// The role id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The display name. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The role code, e.g. `utinn`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        code: String = "code" | "Code",
        /// The description. Nullable \[I\].
        #[serde(default)]
        description: Option<String> = "description" | "Description",
        /// Whether it is an ER key role (DAGL, …). Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_key_role: bool = "isKeyRole" | "IsKeyRole" | "iskeyrole",
        /// The role URN. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        urn: String = "urn" | "Urn" | "URN",
        /// The Altinn 2 role code. Nullable.
        #[serde(default)]
        legacy_role_code: Option<String> =
            "legacyRoleCode" | "LegacyRoleCode" | "legacyrolecode",
        /// The Altinn 2 role URN (camelCase here, unlike `CompactRoleDto`). Nullable.
        #[serde(default)]
        legacy_urn: Option<String> = "legacyUrn" | "LegacyUrn" | "legacyurn" | "legacyurn ",
        /// Whether a resource policy can name the role. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_resource_policy_available: bool = "isResourcePolicyAvailable"
            | "IsResourcePolicyAvailable"
            | "isresourcepolicyavailable",
        /// The provider (Altinn 2 for imported roles). Nullable.
        #[serde(default)]
        provider: Option<ProviderDto> = "provider" | "Provider",
        /// Whether this client may remove it with E16: true only for Altinn-2-provider roles
        /// held directly. **Omitted** when null (§3.6); E15 always sets it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        is_revocable: Option<bool> = "isRevocable" | "IsRevocable" | "isrevocable",
    }
}

dto! {
    /// An XACML attribute: `{type, value}` (§3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AttributeDto {
        /// The attribute id, e.g. `urn:altinn:resource`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        attribute_type: String = "type" | "Type",
        /// The value, e.g. `ttd-hr-rapport`, `read`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        value: String = "value" | "Value",
    }
}

impl AttributeDto {
    /// An attribute.
    pub fn new(attribute_type: impl Into<String>, value: impl Into<String>) -> Self {
        AttributeDto {
            attribute_type: attribute_type.into(),
            value: value.into(),
        }
    }
}

dto! {
    /// One right on a resource (§3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct RightDto {
        /// The opaque right key (`"01"` + 64 lower-case hex); take it from E11. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        key: String = "key" | "Key",
        /// The localised name, e.g. `Les`. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        name: String = "name" | "Name",
        /// The resource attributes the right is on. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        resource: Vec<AttributeDto> = "resource" | "Resource",
        /// The action attribute. Not nullable.
        action: AttributeDto = "action" | "Action",
    }
}
