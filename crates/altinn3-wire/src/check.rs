//! The rights held on one resource (E10) and the delegation checks for resources (E11) and
//! packages (E8) (§3.6). They combine the resource model ([`crate::resource`]) with the
//! connection model's reasons and packages ([`crate::connection`]), so they live apart from
//! both.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::connection::{AccessPackageDto, AccessReason, PermissionDto};
use crate::resource::{ResourceDto, RightDto};
use crate::util::{dto, null_as_default};

dto! {
    /// A right held, why, and by which paths (§3.6), in E10's answer.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct RightPermission {
        /// The right. Not nullable.
        right: RightDto = "right" | "Right",
        /// Why it is held (the OR over the paths). Not nullable.
        reason: AccessReason = "reason" | "Reason",
        /// The paths. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        permissions: Vec<PermissionDto> = "permissions" | "Permissions",
    }
}

dto! {
    /// E10's bare answer: the rights on one resource for one pair, split into direct and
    /// indirect (§3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ExternalResourceRightDto {
        /// The resource. Not nullable.
        resource: ResourceDto = "resource" | "Resource",
        /// Rights whose reason contains Direct, their permissions filtered to Direct. Not
        /// nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        direct_rights: Vec<RightPermission> = "directRights" | "DirectRights" | "directrights",
        /// Every other reason, with the Direct bit removed. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        indirect_rights: Vec<RightPermission> =
            "indirectRights" | "IndirectRights" | "indirectrights",
    }
}

tilgang_domain::text_enum! {
    /// A `reasonCodes` value of the resource delegation check (§3.6). Unknown values are kept.
    DelegationCheckReasonCode {
        /// `Unknown`.
        Unknown = "Unknown",
        /// `RoleAccess`: a role gives the right.
        RoleAccess = "RoleAccess",
        /// `DelegationAccess`: a delegation gives the right.
        DelegationAccess = "DelegationAccess",
        /// `MissingRoleAccess`.
        MissingRoleAccess = "MissingRoleAccess",
        /// `MissingDelegationAccess`.
        MissingDelegationAccess = "MissingDelegationAccess",
        /// `AccessListValidationFail`: the party is not on the resource's access list.
        AccessListValidationFail = "AccessListValidationFail",
        /// `PackageAccess`: a package gives the right.
        PackageAccess = "PackageAccess",
        /// `MissingPackageAccess`.
        MissingPackageAccess = "MissingPackageAccess",
        /// `ResourceNotDelegable`.
        ResourceNotDelegable = "ResourceNotDelegable",
        /// `ResourceIsMaskinPortenSchema`: a Maskinporten schema, not delegable this way.
        ResourceIsMaskinPortenSchema = "ResourceIsMaskinPortenSchema",
    }
}

dto! {
    /// Whether the caller may give one right (§3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct RightCheckDto {
        /// The right. Not nullable.
        right: RightDto = "right" | "Right",
        /// Whether the caller may give it. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        result: bool = "result" | "Result",
        /// Why (or why not). Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        reason_codes: Vec<DelegationCheckReasonCode> =
            "reasonCodes" | "ReasonCodes" | "reasoncodes",
    }
}

dto! {
    /// E11's bare answer: which rights on a resource the caller may give (§3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ResourceCheckDto {
        /// The resource, with provider and type filled. Not nullable.
        resource: ResourceDto = "resource" | "Resource",
        /// One entry per right of the resource's policy. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        rights: Vec<RightCheckDto> = "rights" | "Rights",
    }
}

impl ResourceCheckDto {
    /// The keys the caller may give (`result` true): what E12's body may hold.
    pub fn delegable_keys(&self) -> Vec<&str> {
        self.rights
            .iter()
            .filter(|r| r.result)
            .map(|r| r.right.key.as_str())
            .collect()
    }
}

dto! {
    /// One reason in the package delegation check (E8, §3.6; `AccessPackageDtoCheck.Reason`).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AccessPackageCheckReason {
        /// E.g. `Direct-AssignmentPackage`, `KeyRole-RolePackage-MainUnit`, `NoAccess`. Not
        /// nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        description: String = "description" | "Description",
        /// The role it comes through. Nullable.
        #[serde(default)]
        role_id: Option<Uuid> = "roleId" | "RoleId" | "roleid",
        /// That role's URN. Nullable.
        #[serde(default)]
        role_urn: Option<String> = "roleUrn" | "RoleUrn" | "roleurn",
        /// The giver. Nullable.
        #[serde(default)]
        from_id: Option<Uuid> = "fromId" | "FromId" | "fromid",
        /// The giver's name. Nullable.
        #[serde(default)]
        from_name: Option<String> = "fromName" | "FromName" | "fromname",
        /// The receiver (the caller). Nullable.
        #[serde(default)]
        to_id: Option<Uuid> = "toId" | "ToId" | "toid",
        /// The receiver's name. Nullable.
        #[serde(default)]
        to_name: Option<String> = "toName" | "ToName" | "toname",
        /// The party it comes through. Nullable.
        #[serde(default)]
        via_id: Option<Uuid> = "viaId" | "ViaId" | "viaid",
        /// That party's name. Nullable.
        #[serde(default)]
        via_name: Option<String> = "viaName" | "ViaName" | "vianame",
        /// The role held at the `via` party. Nullable.
        #[serde(default)]
        via_role_id: Option<Uuid> = "viaRoleId" | "ViaRoleId" | "viaroleid",
        /// That role's URN. Nullable.
        #[serde(default)]
        via_role_urn: Option<String> = "viaRoleUrn" | "ViaRoleUrn" | "viaroleurn",
    }
}

impl AccessPackageCheckReason {
    /// A reason with only a description, every other field null (e.g. `NoAccess`).
    pub fn described(description: impl Into<String>) -> Self {
        AccessPackageCheckReason {
            description: description.into(),
            role_id: None,
            role_urn: None,
            from_id: None,
            from_name: None,
            to_id: None,
            to_name: None,
            via_id: None,
            via_name: None,
            via_role_id: None,
            via_role_urn: None,
        }
    }
}

dto! {
    /// Whether the caller may give one package (E8, §3.6).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AccessPackageDtoCheck {
        /// The package. Not nullable.
        package: AccessPackageDto = "package" | "Package",
        /// `isAssignable && canDelegate`, ORed over the reasons. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        result: bool = "result" | "Result",
        /// The reasons. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        reasons: Vec<AccessPackageCheckReason> = "reasons" | "Reasons",
    }
}
