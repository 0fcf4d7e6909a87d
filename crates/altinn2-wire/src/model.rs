//! The Altinn 2 access-management resources (`shared/spec/altinn2-rest.md` §6).
//!
//! Field names follow the wire (PascalCase in Altinn 2) through serde renames; decoding also
//! accepts camelCase and lower-case spellings, `null` for any optional field, and unknown
//! fields. Enums keep unknown server values in an `Other(String)` variant instead of failing.
//!
//! Numbers that Altinn prints masked (fødselsnummer) are held as [`MaskedSsn`], which masks
//! again on the way in, so a full number in a response can never end up in a log through
//! these types.

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use uuid::Uuid;

use tilgang_domain::{
    Action, Fnr, MaskedSsn, Name, OrgNumber, ReporteeId, ServiceCode, ServiceEditionCode,
};

/// A HAL link: `{"href": "...", "isTemplated": true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Link {
    /// The target URL (or URL template).
    #[serde(alias = "Href", default, deserialize_with = "null_as_default")]
    pub href: String,
    /// Whether `href` is a URL template with `{placeholders}`.
    #[serde(
        rename = "isTemplated",
        alias = "IsTemplated",
        alias = "templated",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "is_false"
    )]
    pub is_templated: bool,
}

impl Link {
    /// A plain link.
    pub fn new(href: impl Into<String>) -> Self {
        Link {
            href: href.into(),
            is_templated: false,
        }
    }

    /// A templated link.
    pub fn templated(href: impl Into<String>) -> Self {
        Link {
            href: href.into(),
            is_templated: true,
        }
    }
}

/// The `_links` of a HAL resource, by relation name (`self`, `find`, `rights`, `roles`, …).
pub type Links = BTreeMap<String, Link>;

tilgang_domain::text_enum! {
    /// What a right is on (`RightType`).
    RightType {
        /// A service (has a service code and edition).
        Service = "Service",
        /// A single message.
        Message = "Message",
        /// A system resource.
        SystemResource = "SystemResource",
    }
}

tilgang_domain::text_enum! {
    /// How a right holder got a right (`RightSourceType`). Only directly delegated rights can
    /// be deleted one by one; role rights go with their role.
    RightSourceType {
        /// Rights the party has on itself.
        PartyRights = "PartyRights",
        /// Rights that come from a role; not deletable one by one.
        RoleTypeRights = "RoleTypeRights" | "RoleTypeRight",
        /// Rights on a single reportee element (message).
        ReporteeElementRights = "ReporteeElementRights",
        /// A single right delegated directly; deletable by its `RightID`.
        DirectlyDelegatedRights = "DirectlyDelegatedRights" | "DirectlyDelegated",
    }
}

tilgang_domain::text_enum! {
    /// The kind of a role (`RoleType`).
    RoleType {
        /// An Altinn role (the only kind an end user can delegate).
        Altinn = "Altinn",
        /// A role from an external register (Enhetsregisteret, Folkeregisteret); not removable here.
        External = "External",
        /// A role defined locally by a reportee, including the synthetic "Single Rights" entry.
        Local = "Local",
    }
}

tilgang_domain::text_enum! {
    /// The kind of a reportee (`Type`).
    ReporteeType {
        /// A person.
        Person = "Person",
        /// A legal entity (foretak).
        Enterprise = "Enterprise" | "Foretak",
        /// A sub-unit (bedrift).
        Business = "Business" | "Bedrift",
    }
}

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    };
}

int_id!(
    /// The id of one delegated right (`RightID`); the `authzRuleId` of a DELETE.
    RightId
);
int_id!(
    /// The id of one role assignment (`RoleId`); the `roleId` of a DELETE.
    RoleId
);
int_id!(
    /// The id of a role definition (`RoleDefinitionId`), e.g. 64.
    RoleDefinitionId
);

/// One right (`shared/spec/altinn2-rest.md` §6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Right {
    /// The right's id; the `authzRuleId` used to delete it. Absent in requests.
    #[serde(
        rename = "RightID",
        alias = "RightId",
        alias = "rightId",
        alias = "rightID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub right_id: Option<RightId>,
    /// What the right is on.
    #[serde(
        rename = "RightType",
        alias = "rightType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub right_type: Option<RightType>,
    /// The system resource, for `SystemResource` rights.
    #[serde(
        rename = "SystemResourceID",
        alias = "SystemResourceId",
        alias = "systemResourceId",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub system_resource_id: Option<String>,
    /// The service code, for `Service` rights. `""` on the wire means absent.
    #[serde(
        rename = "ServiceCode",
        alias = "serviceCode",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "service_code_or_absent"
    )]
    pub service_code: Option<ServiceCode>,
    /// The service edition, for `Service` rights. `0` on the wire means absent.
    #[serde(
        rename = "ServiceEditionCode",
        alias = "serviceEditionCode",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "edition_or_absent"
    )]
    pub service_edition_code: Option<ServiceEditionCode>,
    /// The service owner's name.
    #[serde(
        rename = "ServiceOwner",
        alias = "serviceOwner",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub service_owner: Option<String>,
    /// The service owner's code, e.g. `SKD`.
    #[serde(
        rename = "ServiceOwnerCode",
        alias = "serviceOwnerCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub service_owner_code: Option<String>,
    /// The message, for `Message` rights (a string in GET samples, a number in POST samples).
    #[serde(
        rename = "MessageID",
        alias = "MessageId",
        alias = "messageId",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub message_id: Option<String>,
    /// Who delegated the right.
    #[serde(
        rename = "Delegator",
        alias = "delegator",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delegator: Option<String>,
    /// When the right was delegated, as the server wrote it (local time, no offset).
    #[serde(
        rename = "DelegatedTime",
        alias = "delegatedTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delegated_time: Option<String>,
    /// The operation the right allows.
    #[serde(rename = "Action", alias = "action")]
    pub action: Action,
    /// How the holder got the right.
    #[serde(
        rename = "RightSourceType",
        alias = "rightSourceType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub right_source_type: Option<RightSourceType>,
    /// Whether the holder may delegate the right further.
    #[serde(
        rename = "IsDelegatable",
        alias = "isDelegatable",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_delegatable: Option<bool>,
    /// When a time-limited right expires.
    #[serde(
        rename = "ValidToDate",
        alias = "validToDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_to_date: Option<String>,
    /// Whether the right comes from a consent delegation.
    #[serde(
        rename = "IsConsentDelegation",
        alias = "isConsentDelegation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_consent_delegation: Option<bool>,
    /// HAL links of this item.
    #[serde(
        rename = "_links",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub links: Links,
}

impl Right {
    /// A service right with only the fields a response always has.
    pub fn service(code: ServiceCode, edition: ServiceEditionCode, action: Action) -> Self {
        Right {
            right_id: None,
            right_type: Some(RightType::Service),
            system_resource_id: None,
            service_code: Some(code),
            service_edition_code: Some(edition),
            service_owner: None,
            service_owner_code: None,
            message_id: None,
            delegator: None,
            delegated_time: None,
            action,
            right_source_type: None,
            is_delegatable: None,
            valid_to_date: None,
            is_consent_delegation: None,
            links: Links::new(),
        }
    }

    /// Whether this right is on the given service edition with the given action.
    pub fn is_for(&self, code: &ServiceCode, edition: ServiceEditionCode, action: &Action) -> bool {
        self.service_code.as_ref() == Some(code)
            && self.service_edition_code == Some(edition)
            && &self.action == action
    }

    /// Whether this right can be deleted on its own (it was delegated directly).
    pub fn is_directly_delegated(&self) -> bool {
        self.right_source_type == Some(RightSourceType::DirectlyDelegatedRights)
    }
}

/// One role assignment (`shared/spec/altinn2-rest.md` §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// The assignment's id; the `roleId` used to delete it. Absent for synthetic entries.
    #[serde(
        rename = "RoleId",
        alias = "RoleID",
        alias = "roleId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_id: Option<RoleId>,
    /// The kind of role.
    #[serde(
        rename = "RoleType",
        alias = "roleType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_type: Option<RoleType>,
    /// The role definition.
    #[serde(
        rename = "RoleDefinitionId",
        alias = "RoleDefinitionID",
        alias = "roleDefinitionId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_definition_id: Option<RoleDefinitionId>,
    /// The localised role name.
    #[serde(
        rename = "RoleName",
        alias = "roleName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_name: Option<String>,
    /// The localised role description.
    #[serde(
        rename = "RoleDescription",
        alias = "roleDescription",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_description: Option<String>,
    /// Who delegated the role.
    #[serde(
        rename = "Delegator",
        alias = "delegator",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delegator: Option<String>,
    /// When the role was delegated, as the server wrote it.
    #[serde(
        rename = "DelegatedTime",
        alias = "delegatedTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delegated_time: Option<String>,
    /// The role definition's short code, e.g. `UTINN`.
    #[serde(
        rename = "RoleDefinitionCode",
        alias = "roleDefinitionCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_definition_code: Option<String>,
    /// HAL links of this item (`roledefinition`).
    #[serde(
        rename = "_links",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub links: Links,
}

/// Someone who holds rights or roles from a party (`shared/spec/altinn2-rest.md` §6.3), as
/// returned by the delegations endpoints.
///
/// In a single right holder, `Rights` and `Roles` are nested HAL collections on the wire;
/// here they are plain lists, with the collections' own links kept beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightHolder {
    /// The holder's reportee id.
    pub right_holder_id: Option<ReporteeId>,
    /// Person name, organisation name or enterprise-user name.
    pub name: Option<String>,
    /// Persons only.
    pub last_name: Option<String>,
    /// Enterprise users only (rarely shown).
    pub user_name: Option<String>,
    /// Persons only, masked.
    pub social_security_number: Option<MaskedSsn>,
    /// Organisations only. Kept as text: the server is the authority (the docs' own examples
    /// carry numbers that fail the mod-11 check).
    pub organization_number: Option<String>,
    /// Undocumented free text seen in the API Help sample.
    pub delegation_context: Option<String>,
    /// The holder's roles (`Roles._embedded.roles`), when the response includes them.
    pub roles: Vec<Role>,
    /// The holder's rights (`Rights._embedded.rights`), when the response includes them.
    pub rights: Vec<Right>,
    /// Links of the nested `Roles` collection.
    pub roles_links: Links,
    /// Links of the nested `Rights` collection.
    pub rights_links: Links,
    /// Whether the response carried a `Roles` collection at all (as opposed to an empty one).
    pub has_roles: bool,
    /// Whether the response carried a `Rights` collection at all.
    pub has_rights: bool,
    /// The holder's own links (`self`, `rights`, `roles`).
    pub links: Links,
}

/// A party one can act for (`shared/spec/altinn2-rest.md` §6.4), e.g. the result of
/// ReporteeConversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reportee {
    /// The reportee id.
    #[serde(rename = "ReporteeId", alias = "ReporteeID", alias = "reporteeId")]
    pub reportee_id: ReporteeId,
    /// The Altinn 3 party UUID, in newer responses.
    #[serde(
        rename = "PartyUUID",
        alias = "PartyUuid",
        alias = "partyUuid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub party_uuid: Option<Uuid>,
    /// Full name ("LASTNAME FIRSTNAME" for persons).
    #[serde(
        rename = "Name",
        alias = "name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// Person, Enterprise or Business.
    #[serde(
        rename = "Type",
        alias = "type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reportee_type: Option<ReporteeType>,
    /// Persons only; masked on the way in.
    #[serde(
        rename = "SocialSecurityNumber",
        alias = "socialSecurityNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub social_security_number: Option<MaskedSsn>,
    /// Organisations only.
    #[serde(
        rename = "OrganizationNumber",
        alias = "organizationNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_number: Option<String>,
    /// The parent unit, for sub-units.
    #[serde(
        rename = "ParentOrganizationNumber",
        alias = "parentOrganizationNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_organization_number: Option<String>,
    /// e.g. `AS`, `BEDR`.
    #[serde(
        rename = "OrganizationForm",
        alias = "organizationForm",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_form: Option<String>,
    /// e.g. `Active`.
    #[serde(
        rename = "Status",
        alias = "status",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// HAL links (`self`, `messages`) in reportee lists.
    #[serde(
        rename = "_links",
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub links: Links,
}

/// Who receives a delegation. The constructors take checked identifiers; a request decoded
/// from the wire keeps whatever text it carried (the server is the one to refuse it).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Receiver {
    /// A person, identified by fødselsnummer and last name.
    Person {
        /// The full fødselsnummer (sent in the body; masked in `Debug`).
        ssn: String,
        /// The last name, which must match the population register.
        last_name: String,
    },
    /// An organisation, identified by number and name.
    Organisation {
        /// The organisation number.
        org: String,
        /// The organisation's name.
        name: String,
    },
    /// An enterprise user of the same organisation.
    EnterpriseUser {
        /// The user name.
        user_name: String,
        /// The user's organisation number.
        org: String,
    },
}

impl Receiver {
    /// A person receiver.
    pub fn person(fnr: &Fnr, last_name: &Name) -> Self {
        Receiver::Person {
            ssn: fnr.expose().to_owned(),
            last_name: last_name.as_str().to_owned(),
        }
    }

    /// An organisation receiver.
    pub fn organisation(org: &OrgNumber, name: &Name) -> Self {
        Receiver::Organisation {
            org: org.as_str().to_owned(),
            name: name.as_str().to_owned(),
        }
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Receiver::Person { ssn, last_name } => f
                .debug_struct("Person")
                .field("ssn", &MaskedSsn::new(ssn))
                .field("last_name", last_name)
                .finish(),
            Receiver::Organisation { org, name } => f
                .debug_struct("Organisation")
                .field("org", org)
                .field("name", name)
                .finish(),
            Receiver::EnterpriseUser { user_name, org } => f
                .debug_struct("EnterpriseUser")
                .field("user_name", user_name)
                .field("org", org)
                .finish(),
        }
    }
}

/// One right to delegate: only what the POST body carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RightRequest {
    /// A single message, for message rights. Kept as text; it is written as a JSON number
    /// when it is one, as in the documented POST samples (`"MessageID": 64`).
    #[serde(
        rename = "MessageID",
        alias = "MessageId",
        alias = "messageId",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number",
        serialize_with = "opt_number_if_numeric"
    )]
    pub message_id: Option<String>,
    /// A system resource, for system-resource rights.
    #[serde(
        rename = "SystemResourceID",
        alias = "SystemResourceId",
        alias = "systemResourceId",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_string_or_number"
    )]
    pub system_resource_id: Option<String>,
    /// The service code.
    #[serde(
        rename = "ServiceCode",
        alias = "serviceCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub service_code: Option<ServiceCode>,
    /// The service edition.
    #[serde(
        rename = "ServiceEditionCode",
        alias = "serviceEditionCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub service_edition_code: Option<ServiceEditionCode>,
    /// The operation.
    #[serde(rename = "Action", alias = "action")]
    pub action: Action,
}

impl RightRequest {
    /// A right on a service edition.
    pub fn service(code: ServiceCode, edition: ServiceEditionCode, action: Action) -> Self {
        RightRequest {
            message_id: None,
            system_resource_id: None,
            service_code: Some(code),
            service_edition_code: Some(edition),
            action,
        }
    }
}

/// One role to delegate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleRequest {
    /// The role definition to delegate.
    #[serde(
        rename = "RoleDefinitionId",
        alias = "RoleDefinitionID",
        alias = "roleDefinitionId"
    )]
    pub role_definition_id: RoleDefinitionId,
}

/// The body of `POST /api/{who}/authorization/Delegations` (`shared/spec/altinn2-rest.md` §5.5).
///
/// On the wire the receiver's fields sit at top level and the rights and roles sit in a
/// top-level `_embedded` object (not in nested HAL collections as in responses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationRequest {
    /// Who receives the rights and roles.
    pub receiver: Receiver,
    /// Rights to delegate.
    pub rights: Vec<RightRequest>,
    /// Roles to delegate.
    pub roles: Vec<RoleRequest>,
    /// Optional notification address (`Type: "Email"` + `Email`).
    pub email: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Treats `null` like an absent field for non-optional fields that have a default.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Writes text that is the canonical form of a non-negative integer (`64`, not `064` or `+64`)
/// as a JSON number and anything else as a string, so that a number decoded by
/// [`opt_string_or_number`] goes back on the wire as the number it was.
fn opt_number_if_numeric<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value.as_deref() {
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n.to_string() == text => s.serialize_u64(n),
            _ => s.serialize_str(text),
        },
        None => s.serialize_none(),
    }
}

/// Reads a response's service code, where Altinn may write `""` (or `null`) for a right that
/// is not on a service (a message or system-resource right). A code that is present must be
/// valid.
fn service_code_or_absent<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<ServiceCode>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<ServiceCode>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a service code, an empty string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.trim().is_empty() {
                return Ok(None);
            }
            ServiceCode::parse(v).map(Some).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            ServiceCode::parse(&v.to_string())
                .map(Some)
                .map_err(E::custom)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            ServiceCode::parse(&v.to_string())
                .map(Some)
                .map_err(E::custom)
        }
    }
    d.deserialize_option(V)
}

/// Reads a response's service edition, where Altinn (a .NET service with a non-nullable
/// integer) may write `0` for a right that is not on a service. Any other value must be valid.
fn edition_or_absent<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<ServiceEditionCode>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<ServiceEditionCode>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a service edition code, 0 or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            if v == 0 {
                return Ok(None);
            }
            let n = u32::try_from(v).map_err(|_| E::custom("service edition code too large"))?;
            ServiceEditionCode::new(n).map(Some).map_err(E::custom)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            let n = u64::try_from(v).map_err(|_| E::custom("service edition code out of range"))?;
            self.visit_u64(n)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim() {
                "" | "0" => Ok(None),
                t => ServiceEditionCode::parse(t).map(Some).map_err(E::custom),
            }
        }
    }
    d.deserialize_option(V)
}

/// Accepts a string or a number and keeps it as text (MessageID is both, depending on the page).
fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
    }
    d.deserialize_option(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_case_insensitively_with_documented_spellings() {
        assert_eq!(Action::parse("read"), Action::Read);
        assert_eq!(Action::parse("READ"), Action::Read);
        assert_eq!(Action::parse("ReadArchive"), Action::ArchiveRead);
        assert_eq!(Action::parse("archivedelete"), Action::ArchiveDelete);
        assert_eq!(Action::parse("Fly"), Action::Other("Fly".into()));
        assert_eq!(Action::ArchiveRead.as_str(), "ArchiveRead");
    }

    #[test]
    fn masked_ssn_masks_full_numbers() {
        assert_eq!(MaskedSsn::new("26899299344").as_str(), "268992*****");
        assert_eq!(MaskedSsn::new("268992*****").as_str(), "268992*****");
        // Masking twice changes nothing, also for values shorter than six characters.
        for value in ["", "*****", "12*", "12345*7", "26899299344"] {
            let once = MaskedSsn::new(value);
            assert_eq!(MaskedSsn::new(once.as_str()), once, "{value:?}");
        }
        assert_eq!(MaskedSsn::new("").as_str(), "*****");
        let fnr = Fnr::parse("26899299344").unwrap();
        assert!(MaskedSsn::new("268992*****").matches(&fnr));
    }

    #[test]
    fn non_service_rights_may_carry_empty_service_fields() {
        let r: Right = serde_json::from_str(
            r#"{"RightID":1,"RightType":"Message","MessageID":"77","ServiceCode":"","ServiceEditionCode":0,"Action":"Read","_links":{"self":{"href":null}}}"#,
        )
        .unwrap();
        assert_eq!(r.service_code, None);
        assert_eq!(r.service_edition_code, None);
        assert_eq!(r.links["self"].href, "");
        let r: Right = serde_json::from_str(
            r#"{"ServiceCode":null,"ServiceEditionCode":"0","Action":"Read"}"#,
        )
        .unwrap();
        assert_eq!((r.service_code, r.service_edition_code), (None, None));
        // A present value must still be valid.
        assert!(serde_json::from_str::<Right>(r#"{"ServiceCode":"a/b","Action":"Read"}"#).is_err());
        assert!(
            serde_json::from_str::<Right>(r#"{"ServiceEditionCode":-3,"Action":"Read"}"#).is_err()
        );
    }

    #[test]
    fn receiver_debug_masks() {
        let r = Receiver::Person {
            ssn: "26899299344".into(),
            last_name: "HEIS".into(),
        };
        let s = format!("{r:?}");
        assert!(!s.contains("26899299344"), "{s}");
    }
}
