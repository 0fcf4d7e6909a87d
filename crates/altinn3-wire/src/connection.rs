//! Connections and what they carry (§3.3–§3.5, §3.7): `ConnectionDto` (E2), the permission
//! DTOs of E5/E9/E15, `AccessReason` with its flag bits, the compact role and package DTOs, and
//! the small write DTOs (`AssignmentDto`, `AssignmentPackageDto`, `PersonInput`,
//! `RightKeyListDto`).
//!
//! `CompactRoleDto` writes its legacy URN under the key `"legacyurn "`, **with** the trailing
//! space the server has (§3.8), and reads it under any spelling with or without that space.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::party::CompactEntityDto;
use crate::resource::{ResourceDto, RoleDto};
use crate::util::{AlwaysNull, dto, mask_ssn, null_as_default};

dto! {
    /// A role in compact form, in connections and permissions (§3.3).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct CompactRoleDto {
        /// The role id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The role code, e.g. `rettighetshaver`, `daglig-leder`, `utinn`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        code: String = "code" | "Code",
        /// The role URN, e.g. `urn:altinn:role:rettighetshaver`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        urn: String = "urn" | "Urn" | "URN",
        /// The Altinn 2 role URN, e.g. `urn:altinn:rolecode:dagl`. Nullable. Written as
        /// `"legacyurn "` with a trailing space, as the server does.
        #[serde(default)]
        legacy_urn: Option<String> = "legacyurn "
            | "legacyurn"
            | "legacyUrn"
            | "LegacyUrn"
            | "Legacyurn"
            | "legacyUrn "
            | "LegacyUrn "
            | "Legacyurn ",
        /// Always `null` on the wire.
        #[serde(default)]
        children: AlwaysNull = "children" | "Children",
    }
}

impl CompactRoleDto {
    /// A role with no legacy URN.
    pub fn new(id: Uuid, code: impl Into<String>, urn: impl Into<String>) -> Self {
        CompactRoleDto {
            id,
            code: code.into(),
            urn: urn.into(),
            legacy_urn: None,
            children: AlwaysNull,
        }
    }
}

dto! {
    /// An access package in compact form (§3.3): `AccessPackageDto` in `ConnectionDto.packages`
    /// and in the package delegation check, `CompactPackageDto` in `PackagePermissionDto`. The
    /// two have the same JSON, so one type serves both.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AccessPackageDto {
        /// The package id. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The package URN, e.g. `urn:altinn:accesspackage:posttjenester`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        urn: String = "urn" | "Urn" | "URN",
        /// The id of the package's area. Not nullable.
        area_id: Uuid = "areaId" | "AreaId" | "areaid",
    }
}

/// `CompactPackageDto` (§3.3): the same JSON as [`AccessPackageDto`].
pub type CompactPackageDto = AccessPackageDto;

dto! {
    /// An instance on a connection (`ConnectionDto.instances`, §3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ConnectionInstanceDto {
        /// The resource's ref id. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        resource_ref_id: String = "resourceRefId" | "ResourceRefId" | "resourcerefid",
        /// The instance id. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        instance_id: String = "instanceId" | "InstanceId" | "instanceid",
    }
}

dto! {
    /// One counter-party of a party and what links them (E2, §3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ConnectionDto {
        /// The counter-party (the right holder in a to-others view). Not nullable.
        party: CompactEntityDto = "party" | "Party",
        /// Roles held via an assignment, de-duplicated. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        roles: Vec<CompactRoleDto> = "roles" | "Roles",
        /// Packages, filled only with `includeAccessPackages=true`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        packages: Vec<AccessPackageDto> = "packages" | "Packages",
        /// Resources: only `id`, `name` and `refId` set, zero GUIDs for `providerId`/`typeId`
        /// (§3.8). Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        resources: Vec<ResourceDto> = "resources" | "Resources",
        /// Instances, with `includeInstances=true`. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        instances: Vec<ConnectionInstanceDto> = "instances" | "Instances",
        /// Sub-connections (key-role holders of a right-holder org; subunits). Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        connections: Vec<ConnectionDto> = "connections" | "Connections",
        /// The role a sub-connection comes through. Only exists if PR `feat/2114` has landed
        /// (§3.5), so it is omitted when `None` to keep the baseline shape. Nullable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via_role: Option<CompactRoleDto> = "viaRole" | "ViaRole" | "viarole",
    }
}

impl ConnectionDto {
    /// A connection to `party` with every list empty.
    pub fn new(party: CompactEntityDto) -> Self {
        ConnectionDto {
            party,
            roles: Vec::new(),
            packages: Vec::new(),
            resources: Vec::new(),
            instances: Vec::new(),
            connections: Vec::new(),
            via_role: None,
        }
    }
}

tilgang_domain::text_enum! {
    /// The `name` of an [`AccessReasonItem`] (§3.5). Unknown names are kept.
    ReasonKind {
        /// `direct` (bit 1): granted directly with an assignment.
        Direct = "direct",
        /// `client-delegation` (bit 2): granted via client delegation.
        ClientDelegation = "client-delegation",
        /// `keyrole` (bit 4): granted through a key role.
        KeyRole = "keyrole",
        /// `rolemap` (bit 8): granted through role mapping.
        RoleMap = "rolemap",
        /// `parent` (bit 16): granted through the parent party.
        Parent = "parent",
    }
}

/// One row of the `AccessReason` table (§3.5): a flag bit, its item name and its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonInfo {
    /// The flag bit.
    pub bit: u32,
    /// The item `name`.
    pub name: &'static str,
    /// The item `description`, exactly as the server writes it.
    pub description: &'static str,
}

/// The `AccessReason` flag bits, names and descriptions, in ascending bit order (§3.5).
pub const ACCESS_REASONS: &[ReasonInfo] = &[
    ReasonInfo {
        bit: AccessReason::DIRECT,
        name: "direct",
        description: "Access granted directly with assignment",
    },
    ReasonInfo {
        bit: AccessReason::CLIENT_DELEGATION,
        name: "client-delegation",
        description: "Access granted via client delegation",
    },
    ReasonInfo {
        bit: AccessReason::KEY_ROLE,
        name: "keyrole",
        description: "Access granted through a key role",
    },
    ReasonInfo {
        bit: AccessReason::ROLE_MAP,
        name: "rolemap",
        description: "Access granted through role mapping",
    },
    ReasonInfo {
        bit: AccessReason::PARENT,
        name: "parent",
        description: "Access granted through parent party",
    },
];

impl ReasonKind {
    /// The row of [`ACCESS_REASONS`] for this kind; `None` for an unknown name.
    pub fn info(&self) -> Option<&'static ReasonInfo> {
        ACCESS_REASONS.iter().find(|r| r.name == self.as_str())
    }

    /// The flag bit; `None` for an unknown name.
    pub fn bit(&self) -> Option<u32> {
        self.info().map(|r| r.bit)
    }

    /// The description the server writes; `None` for an unknown name.
    pub fn description(&self) -> Option<&'static str> {
        self.info().map(|r| r.description)
    }

    /// The kind for one flag bit; `None` for a bit the spec does not name.
    pub fn from_bit(bit: u32) -> Option<ReasonKind> {
        ACCESS_REASONS
            .iter()
            .find(|r| r.bit == bit)
            .map(|r| ReasonKind::parse(r.name))
    }
}

dto! {
    /// One item of an [`AccessReason`]: `{"name", "description"}` (§3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AccessReasonItem {
        /// The reason's name, e.g. `direct`. Not nullable.
        name: ReasonKind = "name" | "Name",
        /// The reason's description. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        description: String = "description" | "Description",
    }
}

impl AccessReasonItem {
    /// The item for a known kind, with the server's description (empty for an unknown kind).
    pub fn of(kind: ReasonKind) -> Self {
        let description = kind.description().unwrap_or_default().to_owned();
        AccessReasonItem {
            name: kind,
            description,
        }
    }
}

dto! {
    /// Why a permission exists: `{"flag": <int>, "items": [...]}` (§3.5). `flag` is a number,
    /// the OR of the bits; `items` names each set bit, in ascending bit order.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AccessReason {
        /// The flag bits ([`AccessReason::DIRECT`], …). Not nullable (read as 0 if null).
        #[serde(default, deserialize_with = "null_as_default")]
        flag: u32 = "flag" | "Flag",
        /// One item per set bit, ascending. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        items: Vec<AccessReasonItem> = "items" | "Items",
    }
}

impl AccessReason {
    /// Bit 1: `direct`.
    pub const DIRECT: u32 = 1;
    /// Bit 2: `client-delegation`.
    pub const CLIENT_DELEGATION: u32 = 2;
    /// Bit 4: `keyrole`.
    pub const KEY_ROLE: u32 = 4;
    /// Bit 8: `rolemap`.
    pub const ROLE_MAP: u32 = 8;
    /// Bit 16: `parent`.
    pub const PARENT: u32 = 16;
    /// Every bit the spec names.
    pub const KNOWN_BITS: u32 = 31;

    /// The reason for `flag` as the server writes it: one item per known set bit, in ascending
    /// bit order, with the exact names and descriptions of §3.5. Bits the spec does not name
    /// stay in `flag` but get no item, since their name is not known.
    pub fn from_flag(flag: u32) -> Self {
        let items = ACCESS_REASONS
            .iter()
            .filter(|r| flag & r.bit != 0)
            .map(|r| AccessReasonItem {
                name: ReasonKind::parse(r.name),
                description: r.description.to_owned(),
            })
            .collect();
        AccessReason { flag, items }
    }

    /// The reason `direct` alone (`flag` 1), the commonest one.
    pub fn direct() -> Self {
        AccessReason::from_flag(Self::DIRECT)
    }

    /// The flag that `items` stand for: the OR of the bits of their known names. Unknown names
    /// add nothing.
    pub fn flag_of_items(items: &[AccessReasonItem]) -> u32 {
        items
            .iter()
            .filter_map(|i| i.name.bit())
            .fold(0, |acc, bit| acc | bit)
    }

    /// The reason for `items`: their flag and the items themselves, sorted into ascending bit
    /// order (unknown names last, in their given order).
    pub fn from_items(mut items: Vec<AccessReasonItem>) -> Self {
        let flag = Self::flag_of_items(&items);
        items.sort_by_key(|i| i.name.bit().unwrap_or(u32::MAX));
        AccessReason { flag, items }
    }

    /// The known kinds set in `flag`, in ascending bit order.
    pub fn kinds(&self) -> Vec<ReasonKind> {
        ACCESS_REASONS
            .iter()
            .filter(|r| self.flag & r.bit != 0)
            .map(|r| ReasonKind::parse(r.name))
            .collect()
    }

    /// Whether `flag` has the bit of `kind` (false for an unknown kind).
    pub fn contains(&self, kind: &ReasonKind) -> bool {
        kind.bit().is_some_and(|b| self.flag & b != 0)
    }

    /// Whether `flag` and `items` agree on the known bits. A client should trust `flag` when
    /// they do not, since that is what the server computes from.
    pub fn is_consistent(&self) -> bool {
        Self::flag_of_items(&self.items) == self.flag & Self::KNOWN_BITS
    }
}

dto! {
    /// One path by which an access is held (§3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct PermissionDto {
        /// The giver. Not nullable.
        from: CompactEntityDto = "from" | "From",
        /// The receiver. Not nullable.
        to: CompactEntityDto = "to" | "To",
        /// The party it comes through (a key-role holder org, a client). Nullable.
        #[serde(default)]
        via: Option<CompactEntityDto> = "via" | "Via",
        /// The role of a direct assignment; null when the path is not one. Nullable.
        #[serde(default)]
        role: Option<CompactRoleDto> = "role" | "Role",
        /// The role held at the `via` party. Nullable.
        #[serde(default)]
        via_role: Option<CompactRoleDto> = "viaRole" | "ViaRole" | "viarole",
        /// Why. Not nullable.
        reason: AccessReason = "reason" | "Reason",
    }
}

dto! {
    /// A package and every path by which it is held (E5, §3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct PackagePermissionDto {
        /// The package (`CompactPackageDto`). Not nullable.
        package: CompactPackageDto = "package" | "Package",
        /// The paths. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        permissions: Vec<PermissionDto> = "permissions" | "Permissions",
    }
}

dto! {
    /// A resource and every path by which rights on it are held (E9, §3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct ResourcePermissionDto {
        /// The resource. Not nullable.
        resource: ResourceDto = "resource" | "Resource",
        /// The paths. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        permissions: Vec<PermissionDto> = "permissions" | "Permissions",
    }
}

dto! {
    /// A role and every path by which it is held (E15, §3.5).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct RolePermissionDto {
        /// The role, in full form (`isRevocable` set). Not nullable.
        role: RoleDto = "role" | "Role",
        /// The paths. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        permissions: Vec<PermissionDto> = "permissions" | "Permissions",
    }
}

dto! {
    /// A role assignment between two parties (E3's answer, §3.4). All fields are uuids, none
    /// nullable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AssignmentDto {
        /// The assignment id.
        id: Uuid = "id" | "Id" | "ID",
        /// The role (`rettighetshaver` for E3).
        role_id: Uuid = "roleId" | "RoleId" | "roleid",
        /// The giver.
        from_id: Uuid = "fromId" | "FromId" | "fromid",
        /// The receiver.
        to_id: Uuid = "toId" | "ToId" | "toid",
    }
}

dto! {
    /// A package on an assignment (E6's answer, §3.4). All fields are uuids, none nullable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AssignmentPackageDto {
        /// The assignment-package id.
        id: Uuid = "id" | "Id" | "ID",
        /// The assignment (the `rettighetshaver` link).
        assignment_id: Uuid = "assignmentId" | "AssignmentId" | "assignmentid",
        /// The package.
        package_id: Uuid = "packageId" | "PackageId" | "packageid",
    }
}

dto! {
    /// The right keys of E12/E13's body: `{"directRightKeys": [...]}` (§3.4).
    #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct RightKeyListDto {
        /// The opaque right keys from E11 (`"01"` + 64 hex). Not nullable on write; `null` reads
        /// as empty, which the server refuses with AM-00033 either way.
        #[serde(default, deserialize_with = "null_as_default")]
        direct_right_keys: Vec<String> = "directRightKeys" | "DirectRightKeys" | "directrightkeys",
    }
}

dto! {
    /// The person to add as a right holder, E3's body (§3.4).
    ///
    /// Both fields read `null` or absent as `""`, which the server refuses as Required
    /// (`STD.VLD-00000`), so a fake can answer that without a separate "absent" state.
    /// `Debug` masks the fødselsnummer.
    #[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct PersonInput {
        /// An 11-digit fødselsnummer, or a username. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        person_identifier: String = "personIdentifier" | "PersonIdentifier" | "personidentifier",
        /// The person's last name. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        last_name: String = "lastName" | "LastName" | "lastname",
    }
}

impl PersonInput {
    /// The body for a person.
    pub fn new(person_identifier: impl Into<String>, last_name: impl Into<String>) -> Self {
        PersonInput {
            person_identifier: person_identifier.into(),
            last_name: last_name.into(),
        }
    }
}

impl fmt::Debug for PersonInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonInput")
            .field("person_identifier", &mask_ssn(&self.person_identifier))
            .field("last_name", &self.last_name)
            .finish()
    }
}

dto! {
    /// The party of a [`SimplifiedConnectionDto`] (§3.7).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct SimplifiedPartyDto {
        /// The party UUID. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The name. Nullable \[I\].
        #[serde(default)]
        name: Option<String> = "name" | "Name",
        /// The entity type's name, as in `CompactEntityDto`. Not nullable.
        entity_type: crate::party::EntityType = "type" | "Type",
        /// The variant's name. Not nullable.
        variant: crate::party::EntityVariant = "variant" | "Variant",
        /// The organisation number. Nullable.
        #[serde(default)]
        organization_identifier: Option<String> =
            "organizationIdentifier" | "OrganizationIdentifier" | "organizationidentifier",
        /// Whether the party is deleted. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        is_deleted: bool = "isDeleted" | "IsDeleted" | "isdeleted",
        /// When it was deleted, kept as written. Nullable.
        #[serde(default)]
        deleted_at: Option<String> = "deletedAt" | "DeletedAt" | "deletedat",
    }
}

dto! {
    /// One existing right holder in E17's simplified list (§3.7).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct SimplifiedConnectionDto {
        /// The right holder. Not nullable.
        party: SimplifiedPartyDto = "party" | "Party",
        /// Sub-connections. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        connections: Vec<SimplifiedConnectionDto> = "connections" | "Connections",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_items_follow_the_flag_in_ascending_bit_order() {
        let r = AccessReason::from_flag(AccessReason::PARENT | AccessReason::DIRECT);
        let names: Vec<&str> = r.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["direct", "parent"]);
        assert_eq!(
            r.items[1].description,
            "Access granted through parent party"
        );
        assert!(r.contains(&ReasonKind::Parent));
        assert!(!r.contains(&ReasonKind::KeyRole));
        assert!(r.is_consistent());
    }

    #[test]
    fn unknown_bits_stay_in_the_flag_without_items() {
        let r = AccessReason::from_flag(32 | AccessReason::KEY_ROLE);
        assert_eq!(r.flag, 36);
        assert_eq!(r.items, vec![AccessReasonItem::of(ReasonKind::KeyRole)]);
        assert!(r.is_consistent());
    }

    #[test]
    fn person_input_debug_masks_the_number() {
        let shown = format!("{:?}", PersonInput::new("01017012345", "Nordmann"));
        assert!(
            shown.contains("010170*****") && !shown.contains("01017012345"),
            "{shown}"
        );
    }
}
