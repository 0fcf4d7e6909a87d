//! The Altinn 3 part of the world (`shared/spec/altinn3-accessmanagement.md`): the parties'
//! UUIDs, the access-package catalogue, resources with their policies, assignments between
//! parties, and the system register with its system-user requests.
//!
//! The Altinn 3 section reuses the Altinn 2 world's parties instead of copying them: an
//! Altinn 3 organisation names an entry of `organisations` by its number, an Altinn 3 person
//! names an entry of `persons` by its party id (so no fødselsnummer is written twice), and the
//! world's `system_users` are the Altinn 3 system users. Everything inside the section refers
//! to a party by its UUID, as Access Management does.
//!
//! The catalogues (packages, roles, the role → package table) default to the built-in tables
//! of this module, so a fixtures file only lists what it changes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::World;

/// The role id of a `rettighetshaver` (right holder) link.
pub const RETTIGHETSHAVER_ROLE_ID: &str = "42cae370-2dc1-4fdc-9c67-c2f4b0f0f829";
/// The role code of a right-holder link.
pub const RETTIGHETSHAVER: &str = "rettighetshaver";
/// The package that makes its holder an access manager.
pub const TILGANGSSTYRER: &str = "tilgangsstyrer";
/// The package that lets its holder hand out every package.
pub const HOVEDADMINISTRATOR: &str = "hovedadministrator";
/// The package that may go neither to organisations nor to system users.
pub const SKJEMAOPPGAVER: &str = "virksomhetens-representant-skjemaoppgaver";
/// The URN prefix of access packages.
pub const PACKAGE_URN_PREFIX: &str = "urn:altinn:accesspackage:";

/// The Altinn 3 section of a [`World`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Altinn3 {
    /// Organisations known to Access Management (each names an entry of `organisations`).
    pub organisations: Vec<Organisation3>,
    /// Persons in the profile register and Access Management (each names an entry of
    /// `persons` by its party id).
    pub persons: Vec<Person3>,
    /// Enterprise users as Access Management entities (type `Virksomhetbruker`), which may not
    /// be right holders.
    pub enterprise_users: Vec<EnterpriseUser3>,
    /// The access-package catalogue (default: [`package_catalogue`]).
    pub packages: Vec<PackageDef>,
    /// Which role (ER role or imported Altinn 2 role, by its legacy code) gives which package
    /// (default: [`role_package_table`]).
    pub role_packages: Vec<RolePackage>,
    /// Resources in the resource registry, with their policies.
    pub resources: Vec<Resource3>,
    /// Assignments: a role held by `to` from `from` (right-holder links with their packages
    /// and resource rights, ER roles, imported Altinn 2 roles).
    pub assignments: Vec<Assignment3>,
    /// Vendor systems in the system register.
    pub systems: Vec<VendorSystem>,
    /// System-user requests made by vendors.
    pub system_user_requests: Vec<SystemUserRequest>,
    /// Failed person lookups (E3) allowed per authenticated user id within
    /// `failed_lookup_window_secs` before the next lookup gets 429.
    pub failed_lookup_limit: u32,
    /// The window of the failed-lookup count, seconds.
    pub failed_lookup_window_secs: u64,
    /// How long a system-user request stays `New` before it reads as `Timedout`, seconds.
    pub request_timeout_secs: u64,
    /// The serial of the next UUID the mock hands out (see [`Altinn3::allocate_uuid`]).
    pub next_uuid: u64,
}

impl Default for Altinn3 {
    fn default() -> Self {
        Altinn3 {
            organisations: Vec::new(),
            persons: Vec::new(),
            enterprise_users: Vec::new(),
            packages: package_catalogue(),
            role_packages: role_package_table(),
            resources: Vec::new(),
            assignments: Vec::new(),
            systems: Vec::new(),
            system_user_requests: Vec::new(),
            failed_lookup_limit: 2,
            failed_lookup_window_secs: 3600,
            request_timeout_secs: 10 * 24 * 3600,
            next_uuid: 1,
        }
    }
}

/// An organisation as an Access Management entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation3 {
    /// The party UUID.
    pub uuid: Uuid,
    /// The organisation number (an entry of `organisations`: name and party id come from it).
    pub org: String,
    /// The entity variant (`AS`, `ENK`, `BEDR`, …); the organisation's `form` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The main unit's organisation number, for a subunit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Whether the unit is deleted in the register.
    #[serde(default)]
    pub deleted: bool,
}

/// A person in the profile register, as an Access Management entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person3 {
    /// The party UUID.
    pub uuid: Uuid,
    /// The party id of the entry of `persons` (fødselsnummer and names come from it).
    pub party_id: u64,
    /// The profile's user id.
    pub user_id: u64,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    /// Date of death, `YYYY-MM-DD`: a deceased person cannot be added as a right holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_death: Option<String>,
}

/// An enterprise user as an Access Management entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseUser3 {
    /// The party UUID.
    pub uuid: Uuid,
    /// The user name (an entry of `enterprise_users`).
    pub user_name: String,
}

/// Who a package is given from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PackageEntityType {
    /// Given from organisations.
    Org,
    /// Given from persons (`innbygger-*`).
    Person,
}

/// An access package of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageDef {
    /// The package id.
    pub id: Uuid,
    /// The code (the URN's last segment).
    pub code: String,
    /// The name.
    pub name: String,
    /// The area id.
    pub area_id: Uuid,
    /// The area name.
    pub area: String,
    /// Who gives it.
    pub entity_type: PackageEntityType,
    /// Whether end users may assign it (the delegation check's condition).
    pub assignable: bool,
    /// Whether it may be delegated by client delegation and system registration.
    pub delegable: bool,
}

impl PackageDef {
    /// `urn:altinn:accesspackage:<code>`.
    pub fn urn(&self) -> String {
        format!("{PACKAGE_URN_PREFIX}{}", self.code)
    }
}

/// One row of the role → package table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolePackage {
    /// The role's legacy code (`DAGL`, `LEDE`, `HADM`, …), compared without case.
    pub role: String,
    /// The package code.
    pub package: String,
    /// Whether the role holder has the package.
    #[serde(default = "yes")]
    pub has_access: bool,
    /// Whether the role holder may hand the package out.
    #[serde(default)]
    pub can_delegate: bool,
}

fn yes() -> bool {
    true
}

/// A resource in the resource registry with its policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource3 {
    /// The resource's UUID in Access Management.
    pub id: Uuid,
    /// The registry id, e.g. `ttd-hr-rapport`.
    pub ref_id: String,
    /// The name.
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: String,
    /// The service owner's code, e.g. `ttd`.
    #[serde(default = "default_provider_code")]
    pub provider_code: String,
    /// The service owner's name.
    #[serde(default = "default_provider_name")]
    pub provider_name: String,
    /// The policy's actions (`read`, `write`, `sign`, …): one right key each.
    pub actions: Vec<String>,
    /// Whether end users may delegate its rights.
    #[serde(default = "yes")]
    pub delegable: bool,
    /// Which packages give which of its actions.
    #[serde(default)]
    pub packages: Vec<PackageGrant>,
    /// The provider's id (derived from `provider_code` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<Uuid>,
    /// The resource type's id (derived when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Uuid>,
}

fn default_provider_code() -> String {
    "ttd".to_owned()
}

fn default_provider_name() -> String {
    "Testdepartementet".to_owned()
}

/// Actions of a resource that holders of a package have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageGrant {
    /// The package code.
    pub package: String,
    /// The actions it gives.
    pub actions: Vec<String>,
}

impl Resource3 {
    /// The right key of one action: `"01"` and the lower-case hex SHA-256 of
    /// `<ref_id>/<action>` (the action lower-cased). Deterministic, so fixtures and tests can
    /// compute it.
    pub fn right_key(&self, action: &str) -> String {
        right_key(&self.ref_id, action)
    }

    /// The action a right key stands for, if it is one of this resource's.
    pub fn action_of_key(&self, key: &str) -> Option<&str> {
        self.actions
            .iter()
            .find(|a| self.right_key(a) == key)
            .map(String::as_str)
    }
}

/// The right key of `action` on the resource `ref_id` (see [`Resource3::right_key`]).
pub fn right_key(ref_id: &str, action: &str) -> String {
    let digest = Sha256::digest(format!("{ref_id}/{}", action.to_ascii_lowercase()).as_bytes());
    let mut key = String::with_capacity(66);
    key.push_str("01");
    for b in digest {
        key.push_str(&format!("{b:02x}"));
    }
    key
}

/// A role `to` holds from `from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment3 {
    /// The assignment id.
    pub id: Uuid,
    /// The party that gave it.
    pub from: Uuid,
    /// The holder.
    pub to: Uuid,
    /// The role: `rettighetshaver`, an ER role (`daglig-leder` or its legacy code `DAGL`) or
    /// an imported Altinn 2 role (`utinn`, `a0282`, …).
    pub role: String,
    /// Packages on a right-holder link.
    #[serde(default)]
    pub packages: Vec<AssignedPackage>,
    /// Resource rights on a right-holder link.
    #[serde(default)]
    pub resources: Vec<AssignedResource>,
}

/// A package on a right-holder link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignedPackage {
    /// The assignment-package id.
    pub id: Uuid,
    /// The package code.
    pub package: String,
}

/// Right keys on one resource, on a right-holder link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignedResource {
    /// The resource's registry id.
    pub resource: String,
    /// The right keys given.
    pub keys: Vec<String>,
}

/// A vendor's system in the system register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorSystem {
    /// `<vendororgno>_<name>`.
    pub id: String,
    /// The vendor's organisation number.
    pub vendor: String,
    /// Names by language (`nb`, `nn`, `en`), as registered.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub name: Value,
    /// Descriptions by language, as registered.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub description: Value,
    /// The vendor's Maskinporten clients that may ask for the system's users.
    #[serde(default)]
    pub client_ids: Vec<String>,
    /// Package URNs the system asks for.
    #[serde(default)]
    pub access_packages: Vec<String>,
    /// Resource rights the system asks for, as registered (`{action, resource: [{id, value}]}`).
    #[serde(default)]
    pub rights: Vec<Value>,
    /// Whether customers see it.
    #[serde(default = "yes")]
    pub is_visible: bool,
    /// Redirect URLs the vendor allows after approval.
    #[serde(default)]
    pub allowed_redirect_urls: Vec<String>,
    /// Whether the vendor deleted it.
    #[serde(default)]
    pub deleted: bool,
}

/// A vendor's request for a system user at a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemUserRequest {
    /// The request id.
    pub id: Uuid,
    /// The vendor's reference (defaults to the customer's number).
    pub external_ref: String,
    /// The system.
    pub system_id: String,
    /// The customer.
    pub party_org_no: String,
    /// The title the system user gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_title: Option<String>,
    /// Package URNs asked for.
    #[serde(default)]
    pub access_packages: Vec<String>,
    /// Rights asked for, as sent.
    #[serde(default)]
    pub rights: Vec<Value>,
    /// `New`, `Accepted`, `Rejected`, `Denied` (a `New` request past its time reads as
    /// `Timedout`).
    pub status: String,
    /// Where the customer is sent after answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// When it was made, Unix seconds on the mock's clock.
    pub created: i64,
    /// Whether the approver escalated it.
    #[serde(default)]
    pub escalated: bool,
    /// The system user the approval created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_user_id: Option<String>,
}

/// Which provider a role comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleProvider {
    /// Altinn 3 (`rettighetshaver`).
    Altinn3,
    /// The register of legal entities (ER roles, key roles).
    Ccr,
    /// Imported Altinn 2 roles.
    Altinn2,
}

/// A role of the built-in role catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleDef {
    /// The role id.
    pub id: &'static str,
    /// The code, e.g. `daglig-leder`, `utinn`.
    pub code: &'static str,
    /// The legacy code (`DAGL`), upper-case; `None` for `rettighetshaver`.
    pub legacy: Option<&'static str>,
    /// The name.
    pub name: &'static str,
    /// The provider.
    pub provider: RoleProvider,
    /// Whether it is a key role (ER roles that make their holder act for the party).
    pub key_role: bool,
}

impl RoleDef {
    /// The role URN.
    pub fn urn(&self) -> String {
        match self.provider {
            RoleProvider::Altinn3 => format!("urn:altinn:role:{}", self.code),
            RoleProvider::Ccr => format!("urn:altinn:external-role:ccr:{}", self.code),
            RoleProvider::Altinn2 => format!("urn:altinn:rolecode:{}", self.code),
        }
    }

    /// The legacy URN (`urn:altinn:rolecode:dagl`) of an ER role.
    pub fn legacy_urn(&self) -> Option<String> {
        match self.provider {
            RoleProvider::Ccr => self
                .legacy
                .map(|l| format!("urn:altinn:rolecode:{}", l.to_ascii_lowercase())),
            _ => None,
        }
    }

    /// Whether `text` names this role (code or legacy code, without case).
    pub fn is_named(&self, text: &str) -> bool {
        self.code.eq_ignore_ascii_case(text)
            || self.legacy.is_some_and(|l| l.eq_ignore_ascii_case(text))
    }
}

const fn er(
    id: &'static str,
    code: &'static str,
    legacy: &'static str,
    name: &'static str,
) -> RoleDef {
    RoleDef {
        id,
        code,
        legacy: Some(legacy),
        name,
        provider: RoleProvider::Ccr,
        key_role: true,
    }
}

const fn a2(id: &'static str, code: &'static str, name: &'static str) -> RoleDef {
    RoleDef {
        id,
        code,
        legacy: None,
        name,
        provider: RoleProvider::Altinn2,
        key_role: false,
    }
}

/// The built-in role catalogue. The ids of `rettighetshaver`, `daglig-leder` and `utinn` are
/// the real ones; the others are fixed placeholders (the spec does not give them).
pub static ROLES: &[RoleDef] = &[
    RoleDef {
        id: RETTIGHETSHAVER_ROLE_ID,
        code: RETTIGHETSHAVER,
        legacy: None,
        name: "Rettighetshaver",
        provider: RoleProvider::Altinn3,
        key_role: false,
    },
    er(
        "55bd7d4d-08dd-46ee-ac8e-3a44d800d752",
        "daglig-leder",
        "DAGL",
        "Daglig leder",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000002",
        "styreleder",
        "LEDE",
        "Styrets leder",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000003",
        "innehaver",
        "INNH",
        "Innehaver",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000004",
        "deltaker-delt-ansvar",
        "DTSO",
        "Deltaker delt ansvar",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000005",
        "deltaker-fullt-ansvar",
        "DTPR",
        "Deltaker fullt ansvar",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000006",
        "komplementar",
        "KOMP",
        "Komplementar",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000007",
        "bestyrende-reder",
        "BEST",
        "Bestyrende reder",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000008",
        "bostyrer",
        "BOBE",
        "Bostyrer",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-000000000009",
        "kontaktperson-nuf",
        "KNUF",
        "Kontaktperson NUF",
    ),
    er(
        "0195ea92-2080-7a1d-9c3e-00000000000a",
        "regnskapsforer",
        "REGN",
        "Regnskapsfører",
    ),
    a2(
        "dbaae9f8-107a-4222-9afd-d9f95cd5319c",
        "utinn",
        "Utfyller/Innsender",
    ),
    a2(
        "0195ea92-2080-7a1d-9c3e-000000000101",
        "a0282",
        "Begrenset signeringsrettighet",
    ),
    a2(
        "0195ea92-2080-7a1d-9c3e-000000000102",
        "regna",
        "Regnskapsmedarbeider",
    ),
    a2(
        "0195ea92-2080-7a1d-9c3e-000000000103",
        "signe",
        "Signerer av Samordnet registermelding",
    ),
    a2(
        "0195ea92-2080-7a1d-9c3e-000000000104",
        "hadm",
        "Hovedadministrator",
    ),
    a2(
        "0195ea92-2080-7a1d-9c3e-000000000105",
        "admai",
        "Tilgangsstyring",
    ),
    a2(
        "0195ea92-2080-7a1d-9c3e-000000000106",
        "siskd",
        "Skattnæring",
    ),
];

/// The ER role → imported Altinn 2 role map (reason `rolemap`): a holder of the ER role holds
/// these Altinn 2 roles indirectly.
pub static ROLE_MAP: &[(&str, &[&str])] = &[
    ("DAGL", &["utinn", "regna", "signe", "siskd"]),
    ("LEDE", &["utinn", "signe"]),
    ("INNH", &["utinn", "regna", "signe", "siskd"]),
];

/// The role of the catalogue that `text` names (code or legacy code).
pub fn role(text: &str) -> Option<&'static RoleDef> {
    ROLES.iter().find(|r| r.is_named(text))
}

/// The role with this id.
pub fn role_by_id(id: &str) -> Option<&'static RoleDef> {
    ROLES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

fn pkg(
    id: &str,
    code: &str,
    name: &str,
    (area_id, area): (&str, &str),
    entity_type: PackageEntityType,
    assignable: bool,
    delegable: bool,
) -> PackageDef {
    PackageDef {
        id: Uuid::parse_str(id).expect("the catalogue's ids are UUIDs"),
        code: code.to_owned(),
        name: name.to_owned(),
        area_id: Uuid::parse_str(area_id).expect("the catalogue's area ids are UUIDs"),
        area: area.to_owned(),
        entity_type,
        assignable,
        delegable,
    }
}

/// The built-in package catalogue: the packages of the spec's §6.2 with their real ids and
/// flags. Area ids the spec gives only in part are completed with fixed placeholders.
pub fn package_catalogue() -> Vec<PackageDef> {
    use PackageEntityType::{Org, Person};
    let admin = (
        "e4ae823f-41db-46ed-873f-8a5d1378fff8",
        "Administrere tilganger",
    );
    let integr = ("892e98c6-1696-46e7-9bb1-59c08761ec64", "Integrasjoner");
    let andre = (
        "e31169f6-d4c7-4e45-93c7-f90bc285b639",
        "Andre tjenesteytende næringer",
    );
    let post = ("6f938de8-34f2-4bab-a0c6-3a3eb64aad3b", "Post og arkiv");
    let skatt = (
        "7d32591d-34b7-4afc-8afa-013722f8c05d",
        "Skatt, avgift, regnskap og toll",
    );
    let pers = ("6f7f3b02-8b5a-4823-9468-0f4646d3a790", "Personale");
    let forhold = (
        "3f5df819-7aca-49e1-bf6f-3e8f120f20d1",
        "Forhold ved virksomheten",
    );
    let regn = (
        "64cbcdc8-01c9-448c-b3c2-eb0b0b3b9d5f",
        "Fullmakter for regnskapsfører",
    );
    let revi = (
        "7df15290-f43a-4e8a-a2ab-f9e4c6a8d5d4",
        "Fullmakter for revisor",
    );
    let transp = (
        "6ff90072-566b-4acd-baac-ec477534e712",
        "Transport og lagring",
    );
    let innb = (
        "dcc8daab-8f89-4dd4-bd8e-1d2e5e5e9b2f",
        "Skatt, avgift, bank og forsikring",
    );
    let innb_admin = (
        "7d77a783-4d41-4e4c-9f6d-7b3c4e7e7e58",
        "Administratorrettigheter",
    );
    vec![
        pkg(
            "0195efb8-7c80-7a95-ad36-900c3d8ad300",
            TILGANGSSTYRER,
            "Tilgangsstyrer",
            admin,
            Org,
            true,
            false,
        ),
        pkg(
            "0195efb8-7c80-7e16-ab0c-36dc8ab1a29d",
            HOVEDADMINISTRATOR,
            "Hovedadministrator",
            admin,
            Org,
            true,
            false,
        ),
        pkg(
            "0195efb8-7c80-7e82-9b4f-7d63e773bbca",
            "klientadministrator",
            "Klientadministrator",
            admin,
            Org,
            true,
            false,
        ),
        pkg(
            "0195efb8-7c80-7b30-a84d-f37fed9fb89c",
            "maskinporten-administrator",
            "Maskinporten administrator",
            admin,
            Org,
            true,
            false,
        ),
        pkg(
            "019ce74f-7fc8-7032-b3ed-85af6492ea84",
            "tilgangsstyring-enkeltinstanser",
            "Tilgangsstyring enkeltinstanser",
            admin,
            Org,
            true,
            false,
        ),
        pkg(
            "27f488d7-d1f6-4aee-ae81-2bb42d62c446",
            "maskinporten-scopes",
            "Maskinporten scopes",
            integr,
            Org,
            true,
            false,
        ),
        pkg(
            "a736c33b-c15a-43ac-85be-a684630e1e59",
            "posttjenester",
            "Posttjenester",
            andre,
            Org,
            true,
            true,
        ),
        pkg(
            "91cf61ae-69ab-49d5-b51a-80591c91f255",
            "ordinaer-post-til-virksomheten",
            "Ordinær post til virksomheten",
            post,
            Org,
            true,
            true,
        ),
        pkg(
            "bb0569a6-2268-49b5-9d38-8158b26124c3",
            "post-til-virksomheten-med-taushetsbelagt-innhold",
            "Post til virksomheten med taushetsbelagt innhold",
            post,
            Org,
            true,
            true,
        ),
        pkg(
            "4c859601-9b2b-4662-af39-846f4117ad7a",
            "skattegrunnlag",
            "Skattegrunnlag",
            skatt,
            Org,
            true,
            true,
        ),
        pkg(
            "9a61b136-7810-4939-ab6d-84938e9a12c6",
            "merverdiavgift",
            "Merverdiavgift",
            skatt,
            Org,
            true,
            true,
        ),
        pkg(
            "1dba50d6-f604-48e9-bd41-82321b13e85c",
            "skatt-naering",
            "Skatt næring",
            skatt,
            Org,
            true,
            true,
        ),
        pkg(
            "b4e69b54-895e-42c5-bf0d-861a571cd282",
            "regnskap-okonomi-rapport",
            "Regnskap og økonomirapportering",
            skatt,
            Org,
            true,
            true,
        ),
        pkg(
            "deb7f8ae-8427-469d-b824-937c146c0489",
            "toll",
            "Toll",
            skatt,
            Org,
            true,
            true,
        ),
        pkg(
            "a02fc602-872a-4671-b338-8b86a64b534a",
            "krav-og-utlegg",
            "Krav, betalinger og utlegg",
            skatt,
            Org,
            true,
            true,
        ),
        pkg(
            "4af2d44d-f9f8-4585-b679-7875bb1828ea",
            "a-ordning",
            "A-ordningen",
            pers,
            Org,
            true,
            true,
        ),
        pkg(
            "fb0aa257-e7dc-4b7b-9528-77dfb749461c",
            "lonn",
            "Lønn",
            pers,
            Org,
            true,
            true,
        ),
        pkg(
            "cf575d42-72be-4d14-b0d2-77352221df4f",
            "ansettelsesforhold",
            "Ansettelsesforhold",
            pers,
            Org,
            true,
            true,
        ),
        pkg(
            "08ec673d-9126-4ed0-ae75-7ceec8633c77",
            "sykefravaer",
            "Sykefravær",
            pers,
            Org,
            true,
            true,
        ),
        pkg(
            "ae41bf08-c7ef-4bfe-b2b9-7bf6deb7798f",
            "pensjon",
            "Pensjon",
            pers,
            Org,
            true,
            true,
        ),
        pkg(
            "956cfcf0-ab4c-44d8-98a2-d68c4d59321b",
            "starte-drive-endre-avvikle-virksomhet",
            "Starte, drive, endre og avvikle virksomhet",
            forhold,
            Org,
            true,
            true,
        ),
        pkg(
            "7dfc669b-70e4-4974-9e11-d6dca4803aaa",
            "aksjer-og-eierforhold",
            "Aksjer og eierforhold",
            forhold,
            Org,
            true,
            true,
        ),
        pkg(
            "ac54a5ca-16d2-4132-ae0d-e5aa8bd1ff6e",
            "rapportering-statistikk",
            "Rapportering av statistikk",
            forhold,
            Org,
            true,
            true,
        ),
        pkg(
            "8cb5c1f8-fad7-4ae0-b02b-8ad4cb2652eb",
            SKJEMAOPPGAVER,
            "Virksomhetens representant for skjemaoppgaver",
            forhold,
            Org,
            true,
            false,
        ),
        pkg(
            "955d5779-3e2b-4098-b11d-0431dc41ddbe",
            "regnskapsforer-med-signeringsrettighet",
            "Regnskapsfører med signeringsrettighet",
            regn,
            Org,
            false,
            true,
        ),
        pkg(
            "a5f7f72a-9b89-445d-85bb-06f678a3d4d1",
            "regnskapsforer-uten-signeringsrettighet",
            "Regnskapsfører uten signeringsrettighet",
            regn,
            Org,
            false,
            true,
        ),
        pkg(
            "43becc6a-8c6c-4e9e-bb2f-08fe588ada21",
            "regnskapsforer-lonn",
            "Regnskapsfører lønn",
            regn,
            Org,
            false,
            true,
        ),
        pkg(
            "2f176732-b1e9-449b-9918-090d1fa986f6",
            "ansvarlig-revisor",
            "Ansvarlig revisor",
            revi,
            Org,
            false,
            true,
        ),
        pkg(
            "be00ece7-0758-4722-977a-3ec41b1ba1e8",
            "kjoretoy",
            "Kjøretøy",
            transp,
            Org,
            true,
            true,
        ),
        pkg(
            "6b4c19ff-250a-4625-a4f7-d9684db537f4",
            "innbygger-skatteforhold-privatpersoner",
            "Skatteforhold for privatpersoner",
            innb,
            Person,
            true,
            true,
        ),
        pkg(
            "540a25ff-6fd9-4574-8573-249c1779d253",
            "innbygger-tilgangsstyring-privatperson",
            "Tilgangsstyring for privatperson",
            innb_admin,
            Person,
            true,
            true,
        ),
    ]
}

/// The built-in role → package table: the key roles DAGL, LEDE, INNH, DTSO, DTPR, KOMP, BEST,
/// BOBE and KNUF carry `tilgangsstyrer` with CanDelegate (the NUF representative role does
/// not); the general-manager-like roles also carry `hovedadministrator` and a handful of
/// everyday packages; REGN carries the accountant packages; the imported Altinn 2 role `hadm`
/// carries `hovedadministrator`.
pub fn role_package_table() -> Vec<RolePackage> {
    let row = |role: &str, package: &str, has_access: bool, can_delegate: bool| RolePackage {
        role: role.to_owned(),
        package: package.to_owned(),
        has_access,
        can_delegate,
    };
    let mut rows = Vec::new();
    for role in [
        "DAGL", "LEDE", "INNH", "DTSO", "DTPR", "KOMP", "BEST", "BOBE", "KNUF",
    ] {
        rows.push(row(role, TILGANGSSTYRER, true, true));
    }
    for role in ["DAGL", "LEDE", "INNH", "DTSO", "DTPR", "BOBE"] {
        for package in [
            HOVEDADMINISTRATOR,
            "klientadministrator",
            "posttjenester",
            "skattegrunnlag",
            "merverdiavgift",
            "regnskap-okonomi-rapport",
            "a-ordning",
            "lonn",
        ] {
            rows.push(row(role, package, true, true));
        }
    }
    for package in [
        "regnskapsforer-med-signeringsrettighet",
        "regnskapsforer-uten-signeringsrettighet",
        "regnskapsforer-lonn",
    ] {
        rows.push(row("REGN", package, true, false));
    }
    rows.push(row("HADM", HOVEDADMINISTRATOR, true, true));
    rows.push(row("HADM", TILGANGSSTYRER, false, true));
    rows
}

/// What kind of entity a party is, with what each kind adds.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityKind {
    /// An organisation: number, variant, main unit.
    Organisation {
        /// The organisation number.
        org: String,
        /// `AS`, `ENK`, `BEDR`, …
        variant: String,
        /// The main unit's UUID, for a subunit.
        parent: Option<Uuid>,
    },
    /// A person: fødselsnummer, user id, dates.
    Person {
        /// The fødselsnummer.
        ssn: String,
        /// The last name (for lookups).
        last_name: String,
        /// The profile's user id.
        user_id: u64,
        /// `YYYY-MM-DD`.
        date_of_birth: Option<String>,
        /// `YYYY-MM-DD`.
        date_of_death: Option<String>,
    },
    /// A system user: the customer that owns it and the vendor's system.
    SystemUser {
        /// The customer's organisation number.
        org: String,
        /// The vendor system.
        system_id: String,
    },
    /// An enterprise user.
    EnterpriseUser {
        /// The user name.
        user_name: String,
    },
}

/// A party as Access Management sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// The party UUID.
    pub id: Uuid,
    /// The name (`LAST FIRST` style for persons is not used: `FIRST LAST`, as AM writes it).
    pub name: String,
    /// The legacy party id.
    pub party_id: Option<u64>,
    /// Whether the party is deleted.
    pub deleted: bool,
    /// The kind.
    pub kind: EntityKind,
}

impl Entity {
    /// The entity type name (`Organisasjon`, `Person`, `Systembruker`, `Virksomhetbruker`).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            EntityKind::Organisation { .. } => "Organisasjon",
            EntityKind::Person { .. } => "Person",
            EntityKind::SystemUser { .. } => "Systembruker",
            EntityKind::EnterpriseUser { .. } => "Virksomhetbruker",
        }
    }

    /// The variant name.
    pub fn variant(&self) -> String {
        match &self.kind {
            EntityKind::Organisation { variant, .. } => variant.clone(),
            EntityKind::Person { .. } => "Person".to_owned(),
            EntityKind::SystemUser { .. } => "StandardSystem".to_owned(),
            EntityKind::EnterpriseUser { .. } => "Virksomhetbruker".to_owned(),
        }
    }

    /// Whether this is an organisation.
    pub fn is_organisation(&self) -> bool {
        matches!(self.kind, EntityKind::Organisation { .. })
    }

    /// Whether this is a person.
    pub fn is_person(&self) -> bool {
        matches!(self.kind, EntityKind::Person { .. })
    }

    /// Whether this is a system user.
    pub fn is_system_user(&self) -> bool {
        matches!(self.kind, EntityKind::SystemUser { .. })
    }
}

/// How a package is held.
#[derive(Debug, Clone, PartialEq)]
pub enum PackageVia {
    /// Directly on the right-holder link (the assignment's id and the assignment-package id).
    Direct {
        /// The assignment.
        assignment: Uuid,
        /// The assignment-package row.
        row: Uuid,
    },
    /// Through a role the holder has from the party (an ER role or an imported Altinn 2 role).
    Role {
        /// The role assignment.
        assignment: Uuid,
        /// The role.
        role: &'static RoleDef,
        /// Whether the role lets its holder hand the package out.
        can_delegate: bool,
        /// Whether the role gives the package itself (HADM gives `tilgangsstyrer` only to hand
        /// out).
        has_access: bool,
    },
}

/// One path by which `to` holds a package from `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageHolding {
    /// The giver.
    pub from: Uuid,
    /// The holder.
    pub to: Uuid,
    /// The package code.
    pub package: String,
    /// The path.
    pub via: PackageVia,
}

impl PackageHolding {
    /// Whether the holder has the package through this path (not only the right to hand it
    /// out).
    pub fn has_access(&self) -> bool {
        match self.via {
            PackageVia::Direct { .. } => true,
            PackageVia::Role { has_access, .. } => has_access,
        }
    }

    /// Whether the holder may hand the package out through this path.
    pub fn can_delegate(&self) -> bool {
        match self.via {
            PackageVia::Direct { .. } => true,
            PackageVia::Role { can_delegate, .. } => can_delegate,
        }
    }
}

impl Altinn3 {
    /// Hands out a fresh UUID: `0199a1b2-c3d4-7e5f-8a6b-` and the serial as twelve hex digits,
    /// so a world's ids are reproducible (the spec's golden examples use this prefix).
    pub fn allocate_uuid(&mut self) -> Uuid {
        loop {
            let serial = self.next_uuid & 0xffff_ffff_ffff;
            self.next_uuid += 1;
            let id = Uuid::parse_str(&format!("0199a1b2-c3d4-7e5f-8a6b-{serial:012x}"))
                .expect("the allocated UUID is well-formed");
            if !self.uuid_in_use(id) {
                return id;
            }
        }
    }

    fn uuid_in_use(&self, id: Uuid) -> bool {
        self.assignments
            .iter()
            .any(|a| a.id == id || a.packages.iter().any(|p| p.id == id))
            || self.system_user_requests.iter().any(|r| r.id == id)
    }

    /// The package a code, `:code`, URN or id (as text) names.
    pub fn package(&self, text: &str) -> Option<&PackageDef> {
        let t = text.trim();
        let code = t
            .strip_prefix(PACKAGE_URN_PREFIX)
            .or_else(|| t.strip_prefix(':'))
            .unwrap_or(t);
        self.packages
            .iter()
            .find(|p| p.code.eq_ignore_ascii_case(code))
            .or_else(|| {
                Uuid::parse_str(t)
                    .ok()
                    .and_then(|id| self.package_by_id(id))
            })
    }

    /// The package with this id.
    pub fn package_by_id(&self, id: Uuid) -> Option<&PackageDef> {
        self.packages.iter().find(|p| p.id == id)
    }

    /// The resource with this registry id (compared without case).
    pub fn resource(&self, ref_id: &str) -> Option<&Resource3> {
        self.resources
            .iter()
            .find(|r| r.ref_id.eq_ignore_ascii_case(ref_id.trim()))
    }

    /// The right-holder link from `from` to `to`.
    pub fn rightholder_link(&self, from: Uuid, to: Uuid) -> Option<&Assignment3> {
        self.assignments
            .iter()
            .find(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
    }

    /// The right-holder link from `from` to `to`, created when missing. Returns its index.
    pub fn ensure_rightholder(&mut self, from: Uuid, to: Uuid) -> usize {
        if let Some(i) = self
            .assignments
            .iter()
            .position(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
        {
            return i;
        }
        let id = self.allocate_uuid();
        self.assignments.push(Assignment3 {
            id,
            from,
            to,
            role: RETTIGHETSHAVER.to_owned(),
            packages: Vec::new(),
            resources: Vec::new(),
        });
        self.assignments.len() - 1
    }

    /// Puts `package` on the right-holder link from `from` to `to` (creating the link), or
    /// finds it there. Returns the link's id and the assignment-package id.
    pub fn give_package(&mut self, from: Uuid, to: Uuid, package: &str) -> (Uuid, Uuid) {
        let i = self.ensure_rightholder(from, to);
        if let Some(row) = self.assignments[i]
            .packages
            .iter()
            .find(|p| p.package.eq_ignore_ascii_case(package))
        {
            return (self.assignments[i].id, row.id);
        }
        let row = self.allocate_uuid();
        let link = &mut self.assignments[i];
        link.packages.push(AssignedPackage {
            id: row,
            package: package.to_owned(),
        });
        (link.id, row)
    }

    /// Whether `package` may be given to a recipient of this kind (§6.2: `hovedadministrator`
    /// and the form-task representative package not to organisations, the latter not to
    /// system users either).
    pub fn assignable_to(package: &PackageDef, recipient: &Entity) -> bool {
        let code = package.code.as_str();
        match recipient.kind {
            EntityKind::Organisation { .. } => code != HOVEDADMINISTRATOR && code != SKJEMAOPPGAVER,
            EntityKind::SystemUser { .. } => code != SKJEMAOPPGAVER,
            _ => true,
        }
    }

    /// Every path by which `to` holds a package from `from`: packages on the right-holder link,
    /// and packages of the roles `to` holds from `from` (the role → package table).
    pub fn package_holdings(&self, from: Uuid, to: Uuid) -> Vec<PackageHolding> {
        let mut out = Vec::new();
        for a in self
            .assignments
            .iter()
            .filter(|a| a.from == from && a.to == to)
        {
            if a.role == RETTIGHETSHAVER {
                for p in &a.packages {
                    out.push(PackageHolding {
                        from,
                        to,
                        package: p.package.clone(),
                        via: PackageVia::Direct {
                            assignment: a.id,
                            row: p.id,
                        },
                    });
                }
                continue;
            }
            let Some(role) = role(&a.role) else { continue };
            let legacy = role.legacy.unwrap_or(role.code);
            for rp in self
                .role_packages
                .iter()
                .filter(|rp| rp.role.eq_ignore_ascii_case(legacy))
            {
                out.push(PackageHolding {
                    from,
                    to,
                    package: rp.package.clone(),
                    via: PackageVia::Role {
                        assignment: a.id,
                        role,
                        can_delegate: rp.can_delegate,
                        has_access: rp.has_access,
                    },
                });
            }
        }
        out
    }

    /// The package codes `to` has (not only may hand out) from `from`.
    pub fn packages_held(&self, from: Uuid, to: Uuid) -> BTreeSet<String> {
        self.package_holdings(from, to)
            .into_iter()
            .filter(PackageHolding::has_access)
            .map(|h| h.package)
            .collect()
    }

    /// Whether `to` is an access manager for `from`: it has `tilgangsstyrer` or
    /// `hovedadministrator` (the PDP's Permit for `altinn_access_management`).
    pub fn is_access_manager(&self, from: Uuid, to: Uuid) -> bool {
        let held = self.packages_held(from, to);
        held.contains(TILGANGSSTYRER) || held.contains(HOVEDADMINISTRATOR)
    }

    /// The imported Altinn 2 roles `to` holds from `from` through ER roles (the role map).
    pub fn mapped_roles(&self, from: Uuid, to: Uuid) -> Vec<(&'static RoleDef, &'static RoleDef)> {
        let mut out = Vec::new();
        for a in self
            .assignments
            .iter()
            .filter(|a| a.from == from && a.to == to)
        {
            let Some(er_role) = role(&a.role).filter(|r| r.provider == RoleProvider::Ccr) else {
                continue;
            };
            let legacy = er_role.legacy.unwrap_or_default();
            for (_, codes) in ROLE_MAP
                .iter()
                .filter(|(r, _)| r.eq_ignore_ascii_case(legacy))
            {
                for code in codes.iter() {
                    if let Some(mapped) = role(code) {
                        out.push((er_role, mapped));
                    }
                }
            }
        }
        out
    }
}

impl World {
    /// The Access Management entity with this UUID: an organisation, person or enterprise user
    /// of the Altinn 3 section, or a system user.
    pub fn entity(&self, id: Uuid) -> Option<Entity> {
        let a3 = &self.altinn3;
        if let Some(o) = a3.organisations.iter().find(|o| o.uuid == id) {
            let base = self.organisations.iter().find(|x| x.org == o.org)?;
            let parent = o.parent.as_ref().and_then(|p| {
                a3.organisations
                    .iter()
                    .find(|x| &x.org == p)
                    .map(|x| x.uuid)
            });
            return Some(Entity {
                id,
                name: base.name.clone(),
                party_id: Some(base.party_id),
                deleted: o.deleted,
                kind: EntityKind::Organisation {
                    org: o.org.clone(),
                    variant: o.variant.clone().unwrap_or_else(|| base.form.clone()),
                    parent,
                },
            });
        }
        if let Some(p) = a3.persons.iter().find(|p| p.uuid == id) {
            let base = self.persons.iter().find(|x| x.party_id == p.party_id)?;
            return Some(Entity {
                id,
                name: format!("{} {}", base.first_name, base.last_name),
                party_id: Some(base.party_id),
                deleted: false,
                kind: EntityKind::Person {
                    ssn: base.ssn.clone(),
                    last_name: base.last_name.clone(),
                    user_id: p.user_id,
                    date_of_birth: p.date_of_birth.clone(),
                    date_of_death: p.date_of_death.clone(),
                },
            });
        }
        if let Some(su) = self
            .system_users
            .iter()
            .find(|su| Uuid::parse_str(&su.id).is_ok_and(|u| u == id))
        {
            return Some(Entity {
                id,
                name: su.system_id.clone(),
                party_id: None,
                deleted: false,
                kind: EntityKind::SystemUser {
                    org: su.org.clone(),
                    system_id: su.system_id.clone(),
                },
            });
        }
        if let Some(u) = a3.enterprise_users.iter().find(|u| u.uuid == id) {
            let base = self
                .enterprise_users
                .iter()
                .find(|x| x.user_name.eq_ignore_ascii_case(&u.user_name))?;
            return Some(Entity {
                id,
                name: base.user_name.clone(),
                party_id: Some(base.party_id),
                deleted: false,
                kind: EntityKind::EnterpriseUser {
                    user_name: base.user_name.clone(),
                },
            });
        }
        None
    }

    /// The UUID of the organisation with this number.
    pub fn organisation_uuid(&self, org: &str) -> Option<Uuid> {
        self.altinn3
            .organisations
            .iter()
            .find(|o| o.org == org)
            .map(|o| o.uuid)
    }

    /// The UUID of the person with this fødselsnummer, when the person is in the profile
    /// register.
    pub fn person_uuid(&self, ssn: &str) -> Option<Uuid> {
        let party_id = self.persons.iter().find(|p| p.ssn == ssn)?.party_id;
        self.altinn3
            .persons
            .iter()
            .find(|p| p.party_id == party_id)
            .map(|p| p.uuid)
    }

    /// Checks the Altinn 3 section's references.
    pub(super) fn check_altinn3(&self) -> Result<(), String> {
        // An Altinn 3 entry whose Altinn 2 party is gone, and an assignment to or from it,
        // are tolerated: the entity simply does not exist, as when a party is deleted. This
        // keeps worlds that drop a person or organisation from the Altinn 2 lists loadable.
        let a3 = &self.altinn3;
        for a in &a3.assignments {
            if role(&a.role).is_none() {
                return Err(format!(
                    "assignment {} has an unknown role {}",
                    a.id, a.role
                ));
            }
            if a.role != RETTIGHETSHAVER && (!a.packages.is_empty() || !a.resources.is_empty()) {
                return Err(format!(
                    "assignment {} holds packages or rights but is not a rettighetshaver link",
                    a.id
                ));
            }
            for p in &a.packages {
                if a3.package(&p.package).is_none() {
                    return Err(format!(
                        "assignment {} holds unknown package {}",
                        a.id, p.package
                    ));
                }
            }
            for r in &a.resources {
                if a3.resource(&r.resource).is_none() {
                    return Err(format!(
                        "assignment {} holds unknown resource {}",
                        a.id, r.resource
                    ));
                }
            }
        }
        for r in &a3.resources {
            for g in &r.packages {
                if a3.package(&g.package).is_none() {
                    return Err(format!(
                        "resource {} names unknown package {}",
                        r.ref_id, g.package
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Why a system-user request could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// No request has this id.
    #[error("no system-user request {0}")]
    UnknownRequest(Uuid),
    /// The request is no longer `New` (or has timed out).
    #[error("the request is {0}, not New")]
    NotNew(String),
    /// The customer organisation has no Altinn 3 entity.
    #[error("the customer {0} is not an organisation known to Access Management")]
    UnknownCustomer(String),
    /// The system is not in the register (or deleted).
    #[error("the system {0} is not in the system register")]
    UnknownSystem(String),
    /// A package of the request may not be given to a system user.
    #[error("the package {0} is unknown or not assignable to a system user")]
    NotAssignable(String),
}

impl SystemUserRequest {
    /// The status as read at `now`: a `New` request older than `timeout` seconds reads as
    /// `Timedout`.
    pub fn status_at(&self, now: i64, timeout: u64) -> &str {
        if self.status == "New" && now > self.created + timeout as i64 {
            "Timedout"
        } else {
            &self.status
        }
    }
}

impl World {
    /// Approves a system-user request as the customer's approver would in the portal: checks
    /// every package is assignable to a system user, creates the system user, and gives it
    /// each package as E6 would (the right-holder link is created with the first). Returns
    /// the new system user's id.
    pub fn approve_system_user_request(
        &mut self,
        id: Uuid,
        now: i64,
    ) -> Result<String, ApprovalError> {
        let timeout = self.altinn3.request_timeout_secs;
        let req = self
            .altinn3
            .system_user_requests
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or(ApprovalError::UnknownRequest(id))?;
        let status = req.status_at(now, timeout).to_owned();
        if status != "New" {
            return Err(ApprovalError::NotNew(status));
        }
        let customer = self
            .organisation_uuid(&req.party_org_no)
            .ok_or_else(|| ApprovalError::UnknownCustomer(req.party_org_no.clone()))?;
        let system = self
            .altinn3
            .systems
            .iter()
            .find(|s| s.id == req.system_id && !s.deleted)
            .cloned()
            .ok_or_else(|| ApprovalError::UnknownSystem(req.system_id.clone()))?;
        let probe = Entity {
            id: Uuid::nil(),
            name: String::new(),
            party_id: None,
            deleted: false,
            kind: EntityKind::SystemUser {
                org: req.party_org_no.clone(),
                system_id: req.system_id.clone(),
            },
        };
        let mut codes = Vec::new();
        for urn in &req.access_packages {
            let p = self
                .altinn3
                .package(urn)
                .filter(|p| p.assignable && Altinn3::assignable_to(p, &probe))
                .ok_or_else(|| ApprovalError::NotAssignable(urn.clone()))?;
            codes.push(p.code.clone());
        }
        let su_id = self.altinn3.allocate_uuid();
        self.system_users.push(super::SystemUser {
            id: su_id.to_string(),
            system_id: req.system_id.clone(),
            org: req.party_org_no.clone(),
            client_id: system.client_ids.first().cloned().unwrap_or_default(),
            external_ref: (req.external_ref != req.party_org_no).then(|| req.external_ref.clone()),
            created: Some(now),
        });
        self.altinn3.ensure_rightholder(customer, su_id);
        for code in codes {
            self.altinn3.give_package(customer, su_id, &code);
        }
        if let Some(r) = self
            .altinn3
            .system_user_requests
            .iter_mut()
            .find(|r| r.id == id)
        {
            r.status = "Accepted".into();
            r.system_user_id = Some(su_id.to_string());
        }
        Ok(su_id.to_string())
    }

    /// Rejects a `New` system-user request.
    pub fn reject_system_user_request(&mut self, id: Uuid, now: i64) -> Result<(), ApprovalError> {
        let timeout = self.altinn3.request_timeout_secs;
        let req = self
            .altinn3
            .system_user_requests
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(ApprovalError::UnknownRequest(id))?;
        let status = req.status_at(now, timeout).to_owned();
        if status != "New" {
            return Err(ApprovalError::NotNew(status));
        }
        req.status = "Rejected".into();
        Ok(())
    }

    /// Whether `client_id` may ask for this system user: it is the user's own client, or a
    /// client of the user's system in the system register.
    pub fn client_may_use(&self, su: &super::SystemUser, client_id: &str) -> bool {
        su.client_id == client_id
            || self.altinn3.systems.iter().any(|s| {
                s.id == su.system_id && !s.deleted && s.client_ids.iter().any(|c| c == client_id)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_keys_are_01_and_64_lower_hex() {
        let k = right_key("ttd-hr-rapport", "read");
        assert_eq!(k.len(), 66);
        assert!(k.starts_with("01"));
        assert!(
            k[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(k, right_key("ttd-hr-rapport", "READ"));
        assert_ne!(k, right_key("ttd-hr-rapport", "write"));
    }

    #[test]
    fn packages_are_found_by_code_urn_colon_and_id() {
        let a3 = Altinn3::default();
        let p = a3.package("posttjenester").unwrap();
        assert_eq!(
            a3.package("urn:altinn:accesspackage:posttjenester"),
            Some(p)
        );
        assert_eq!(a3.package(":posttjenester"), Some(p));
        assert_eq!(a3.package(&p.id.to_string()), Some(p));
        assert_eq!(a3.package("nope"), None);
    }

    #[test]
    fn the_catalogue_flags_follow_the_spec() {
        let a3 = Altinn3::default();
        let t = a3.package(TILGANGSSTYRER).unwrap();
        assert!(t.assignable && !t.delegable);
        assert!(!a3.package("ansvarlig-revisor").unwrap().assignable);
        for role in [
            "DAGL", "LEDE", "INNH", "DTSO", "DTPR", "KOMP", "BEST", "BOBE", "KNUF",
        ] {
            assert!(
                a3.role_packages
                    .iter()
                    .any(|rp| rp.role == role && rp.package == TILGANGSSTYRER && rp.can_delegate)
            );
        }
    }

    #[test]
    fn allocated_uuids_follow_the_serial_and_skip_ids_in_use() {
        let mut a3 = Altinn3 {
            next_uuid: 0x7c8d9e0f1a2b,
            ..Altinn3::default()
        };
        let first = a3.allocate_uuid();
        assert_eq!(first.to_string(), "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b");
        a3.assignments.push(Assignment3 {
            id: Uuid::parse_str("0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c").unwrap(),
            from: first,
            to: first,
            role: RETTIGHETSHAVER.into(),
            packages: vec![],
            resources: vec![],
        });
        assert_eq!(
            a3.allocate_uuid().to_string(),
            "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2d"
        );
    }
}
