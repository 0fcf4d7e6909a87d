//! Parties as the enduser API describes them: `AuthorizedPartyDto` of E1 (§3.2) and
//! `CompactEntityDto`, the party inside connections and permissions (§3.3).
//!
//! The two disagree on names (§3.8): `partyId` in `AuthorizedPartyDto` but lower-case `partyid`
//! in `CompactEntityDto`; `type` an English enum (`"Organization"`) in one and a Norwegian
//! entity-type name (`"Organisasjon"`) in the other. Encoding writes each exactly as the server
//! does; decoding accepts every casing of every name.
//!
//! Both carry a fødselsnummer (`personId`, `personIdentifier`), so their `Debug` masks it.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::util::{AlwaysNull, MaskedOpt, dto, null_as_default};

tilgang_domain::text_enum! {
    /// `AuthorizedPartyDto.type` (§3.2), a string enum. Unknown values are kept.
    AuthorizedPartyType {
        /// `"None"`: no type.
        None = "None",
        /// `"Person"`.
        Person = "Person",
        /// `"Organization"`.
        Organization = "Organization",
        /// `"SelfIdentified"`: a self-identified user.
        SelfIdentified = "SelfIdentified",
    }
}

tilgang_domain::text_enum! {
    /// `CompactEntityDto.type` (§3.3): the entity type's Norwegian name. Unknown values are kept.
    EntityType {
        /// `"Organisasjon"`: an organisation (main unit or subunit).
        Organisasjon = "Organisasjon",
        /// `"Person"`.
        Person = "Person",
        /// `"Systembruker"`: a system user.
        Systembruker = "Systembruker",
        /// `"Selvidentifisert"`: a self-identified user.
        Selvidentifisert = "Selvidentifisert",
        /// `"Virksomhetbruker"`: an enterprise user.
        Virksomhetbruker = "Virksomhetbruker",
        /// `"Intern"`: an internal entity.
        Intern = "Intern",
    }
}

tilgang_domain::text_enum! {
    /// `CompactEntityDto.variant` (§3.3): the entity variant's name. The server has many more
    /// (one per organisation form); every value not listed here is kept in `Other`.
    EntityVariant {
        /// `"AS"`: a limited company.
        As = "AS",
        /// `"ENK"`: a sole proprietorship.
        Enk = "ENK",
        /// `"BEDR"`: a subunit.
        Bedr = "BEDR",
        /// `"Person"`.
        Person = "Person",
        /// `"StandardSystem"`: a standard system user.
        StandardSystem = "StandardSystem",
        /// `"AgentSystem"`: an agent (client) system user.
        AgentSystem = "AgentSystem",
    }
}

dto! {
    /// One instance in `AuthorizedPartyDto.authorizedInstances` (§3.2).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AuthorizedInstanceDto {
        /// The resource registry id. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        resource_id: String = "resourceId" | "ResourceId" | "resourceid",
        /// The instance id. Not nullable (read as `""` if null).
        #[serde(default, deserialize_with = "null_as_default")]
        instance_id: String = "instanceId" | "InstanceId" | "instanceid",
        /// The instance reference. Nullable \[I\].
        #[serde(default)]
        instance_ref: Option<String> = "instanceRef" | "InstanceRef" | "instanceref",
    }
}

dto! {
    /// A party the caller may act for, as E1 lists it (§3.2).
    #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct AuthorizedPartyDto {
        /// The party UUID. Not nullable.
        party_uuid: Uuid = "partyUuid" | "PartyUuid" | "partyuuid",
        /// The name. Nullable.
        #[serde(default)]
        name: Option<String> = "name" | "Name",
        /// The organisation number; null for persons. Nullable.
        #[serde(default)]
        organization_number: Option<String> =
            "organizationNumber" | "OrganizationNumber" | "organizationnumber",
        /// The main unit's party UUID, set on subunits. Nullable.
        #[serde(default)]
        parent_id: Option<Uuid> = "parentId" | "ParentId" | "parentid",
        /// The fødselsnummer, for persons. Nullable. Masked in `Debug`.
        #[serde(default)]
        person_id: Option<String> = "personId" | "PersonId" | "personid",
        /// The date of birth, `YYYY-MM-DD`, kept as the server wrote it. Nullable.
        #[serde(default)]
        date_of_birth: Option<String> = "dateOfBirth" | "DateOfBirth" | "dateofbirth",
        /// The legacy (Altinn 2) party id. Not nullable: camelCase `partyId` here (§3.8).
        party_id: i64 = "partyId" | "PartyId" | "partyid",
        /// The e-mail id of an ID-porten e-mail user. Nullable.
        #[serde(default)]
        email_id: Option<String> = "emailId" | "EmailId" | "emailid",
        /// The party type, a string enum. Not nullable.
        party_type: AuthorizedPartyType = "type" | "Type",
        /// The unit type, e.g. `"AS"`, `"BEDR"`. Nullable.
        #[serde(default)]
        unit_type: Option<String> = "unitType" | "UnitType" | "unittype",
        /// Whether the party is deleted. Not nullable (read as false if null).
        #[serde(default, deserialize_with = "null_as_default")]
        is_deleted: bool = "isDeleted" | "IsDeleted" | "isdeleted",
        /// True for a main unit listed only because a subunit has access. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        only_hierarchy_element_with_no_access: bool = "onlyHierarchyElementWithNoAccess"
            | "OnlyHierarchyElementWithNoAccess"
            | "onlyhierarchyelementwithnoaccess",
        /// The access packages held, as **bare codes**, sorted. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        authorized_access_packages: Vec<String> =
            "authorizedAccessPackages" | "AuthorizedAccessPackages" | "authorizedaccesspackages",
        /// The resource registry ids held. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        authorized_resources: Vec<String> =
            "authorizedResources" | "AuthorizedResources" | "authorizedresources",
        /// Role codes and legacy codes (lower-case), sorted. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        authorized_roles: Vec<String> =
            "authorizedRoles" | "AuthorizedRoles" | "authorizedroles",
        /// The instances held. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        authorized_instances: Vec<AuthorizedInstanceDto> =
            "authorizedInstances" | "AuthorizedInstances" | "authorizedinstances",
        /// The subunits, in the same shape. Not nullable.
        #[serde(default, deserialize_with = "null_as_default")]
        subunits: Vec<AuthorizedPartyDto> = "subunits" | "Subunits" | "SubUnits" | "subUnits",
    }
}

impl fmt::Debug for AuthorizedPartyDto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizedPartyDto")
            .field("party_uuid", &self.party_uuid)
            .field("name", &self.name)
            .field("organization_number", &self.organization_number)
            .field("parent_id", &self.parent_id)
            .field("person_id", &MaskedOpt(&self.person_id))
            .field("date_of_birth", &self.date_of_birth)
            .field("party_id", &self.party_id)
            .field("email_id", &self.email_id)
            .field("party_type", &self.party_type)
            .field("unit_type", &self.unit_type)
            .field("is_deleted", &self.is_deleted)
            .field(
                "only_hierarchy_element_with_no_access",
                &self.only_hierarchy_element_with_no_access,
            )
            .field(
                "authorized_access_packages",
                &self.authorized_access_packages,
            )
            .field("authorized_resources", &self.authorized_resources)
            .field("authorized_roles", &self.authorized_roles)
            .field("authorized_instances", &self.authorized_instances)
            .field("subunits", &self.subunits)
            .finish()
    }
}

dto! {
    /// A party inside connections, permissions and checks (§3.3).
    ///
    /// `partyid` is written lower-case and `children` is always `null` (§3.8).
    #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct CompactEntityDto {
        /// The party UUID. Not nullable.
        id: Uuid = "id" | "Id" | "ID",
        /// The name. Nullable.
        #[serde(default)]
        name: Option<String> = "name" | "Name",
        /// The entity type's name, e.g. `"Organisasjon"`. Not nullable.
        entity_type: EntityType = "type" | "Type",
        /// The entity variant's name, e.g. `"AS"`. Not nullable.
        variant: EntityVariant = "variant" | "Variant",
        /// The parent (one level only: its own `parent` is null). Nullable.
        #[serde(default)]
        parent: Option<Box<CompactEntityDto>> = "parent" | "Parent",
        /// Always `null` on the wire.
        #[serde(default)]
        children: AlwaysNull = "children" | "Children",
        /// The legacy party id, **lower-case `partyid`** on the wire. Nullable.
        #[serde(default)]
        party_id: Option<i64> = "partyid" | "partyId" | "PartyId" | "Partyid",
        /// The user id. Nullable.
        #[serde(default)]
        user_id: Option<i64> = "userId" | "UserId" | "userid",
        /// The username. Nullable.
        #[serde(default)]
        username: Option<String> = "username" | "Username" | "userName" | "UserName",
        /// The organisation number. Nullable.
        #[serde(default)]
        organization_identifier: Option<String> =
            "organizationIdentifier" | "OrganizationIdentifier" | "organizationidentifier",
        /// The fødselsnummer, present in connection listings. Nullable. Masked in `Debug`.
        #[serde(default)]
        person_identifier: Option<String> =
            "personIdentifier" | "PersonIdentifier" | "personidentifier",
        /// The date of birth, `YYYY-MM-DD`, kept as written. Nullable.
        #[serde(default)]
        date_of_birth: Option<String> = "dateOfBirth" | "DateOfBirth" | "dateofbirth",
        /// The date of death, `YYYY-MM-DD`, kept as written. Nullable.
        #[serde(default)]
        date_of_death: Option<String> = "dateOfDeath" | "DateOfDeath" | "dateofdeath",
        /// Whether the entity is deleted. Not nullable (read as false if null).
        #[serde(default, deserialize_with = "null_as_default")]
        is_deleted: bool = "isDeleted" | "IsDeleted" | "isdeleted",
        /// When it was deleted, ISO 8601, kept as written. Nullable.
        #[serde(default)]
        deleted_at: Option<String> = "deletedAt" | "DeletedAt" | "deletedat",
    }
}

impl fmt::Debug for CompactEntityDto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompactEntityDto")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("entity_type", &self.entity_type)
            .field("variant", &self.variant)
            .field("parent", &self.parent)
            .field("party_id", &self.party_id)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("organization_identifier", &self.organization_identifier)
            .field("person_identifier", &MaskedOpt(&self.person_identifier))
            .field("date_of_birth", &self.date_of_birth)
            .field("date_of_death", &self.date_of_death)
            .field("is_deleted", &self.is_deleted)
            .field("deleted_at", &self.deleted_at)
            .finish()
    }
}

impl CompactEntityDto {
    /// An entity with the given id, type and variant and every optional field null, for
    /// building answers and tests field by field.
    pub fn new(id: Uuid, entity_type: EntityType, variant: EntityVariant) -> Self {
        CompactEntityDto {
            id,
            name: None,
            entity_type,
            variant,
            parent: None,
            children: AlwaysNull,
            party_id: None,
            user_id: None,
            username: None,
            organization_identifier: None,
            person_identifier: None,
            date_of_birth: None,
            date_of_death: None,
            is_deleted: false,
            deleted_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_the_person_identifier() {
        let mut e = CompactEntityDto::new(Uuid::nil(), EntityType::Person, EntityVariant::Person);
        e.person_identifier = Some("01017012345".into());
        let shown = format!("{e:?}");
        assert!(shown.contains("010170*****"), "{shown}");
        assert!(!shown.contains("01017012345"), "{shown}");
    }
}
