//! The built-in demo world: constants that name its parts, and the builder behind
//! [`World::demo`](crate::World::demo).
//!
//! The demo world is what `altinn demo` and most tests run against. Its shape:
//!
//! - [`ORG`] (`DEMO AS`) owns two Maskinporten clients: [`CLIENT_ID`] with the registered key
//!   [`KID`], and [`CERT_CLIENT_ID`], which signs with the enterprise certificate from the test
//!   CA. [`SUPPLIER_CLIENT_ID`] belongs to [`OTHER_ORG`] and may use `consumer_org` = [`ORG`].
//! - [`ENTERPRISE_USER`] is Hovedadministrator for [`ORG`] and [`BULK_ORG`];
//!   [`MANAGER_USER`] is Tilgangsstyrer for [`ORG`]; [`NOBODY_USER`] has no roles.
//! - [`PERSON_FNR`] (`HEIS TOM`) holds nothing yet: the demo's grant target.
//! - [`ROLE_PERSON_FNR`] (`NORDMANN KARI`) holds the role [`UTINN_ROLE_DEFINITION`] from [`ORG`],
//!   with role-derived rights, one directly delegated right and the register role DAGL.
//! - [`ORG_RECEIVER`] holds one directly delegated right from [`ORG`].
//! - [`BULK_ORG`] has [`BULK_RIGHT_HOLDERS`] right holders, and [`PAGING_PERSON_FNR`] holds
//!   [`PAGING_PERSON_RIGHTS`] rights from it, so both exceed the 50-item cap.

use uuid::Uuid;

use crate::world::{
    AdminRole, ApiKey, Client, EnterpriseUser, HeldRight, HeldRole, Localised,
    MaskinportenDelegation, Organisation, Person, PublicJwk, RoleDefinition, Service, ServiceRight,
    Settings, SystemUser, World,
    altinn3::{
        Altinn3, AssignedPackage, Assignment3, EnterpriseUser3, Organisation3, PackageGrant,
        Person3, RETTIGHETSHAVER, Resource3, VendorSystem,
    },
};

/// The demo organisation (`DEMO AS`): owner of the clients, the party that delegates.
pub const ORG: &str = "310000000";
/// Its name.
pub const ORG_NAME: &str = "DEMO AS";
/// Its party id (ReporteeId `r50100000`).
pub const ORG_PARTY_ID: u64 = 50_100_000;
/// The Maskinporten client with a registered key.
pub const CLIENT_ID: &str = "2f6b7a3e-5c1d-4e8a-9b0f-1d2c3e4f5a6b";
/// The registered key's id.
pub const KID: &str = "demo-key-1";
/// The second client of [`ORG`]; it authenticates with `x5c` from the test CA.
pub const CERT_CLIENT_ID: &str = "8d0c5b2a-7e3f-4a1b-9c6d-0e1f2a3b4c5d";
/// A client of [`OTHER_ORG`] (certificate) that [`ORG`] has delegated scopes to.
pub const SUPPLIER_CLIENT_ID: &str = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
/// The system user that [`ORG`] approved for [`CLIENT_ID`]'s system (no `externalRef`).
pub const SYSTEM_USER_ID: &str = "b8e5d1a0-3c2f-4e6a-8d7b-9f0a1b2c3d4e";
/// A second system user of [`ORG`] for the same client, picked with `externalRef`.
pub const SYSTEM_USER_2_ID: &str = "c9f6e2b1-4d3a-4f7b-9e8c-0a1b2c3d4e5f";
/// The `externalRef` that picks [`SYSTEM_USER_2_ID`].
pub const SYSTEM_USER_2_REF: &str = "lonn";
/// The vendor system the demo system users belong to.
pub const SYSTEM_ID: &str = "310000000_tilgang-demo";
/// The scopes [`ORG`] delegated to [`OTHER_ORG`] (usable with `consumer_org`).
pub const DELEGATED_SCOPE: &str = "altinn:delegations.read";
/// The demo client's private key, PKCS#8 PEM.
pub const CLIENT_KEY_PKCS8_PEM: &str = include_str!("../fixtures/keys/client.pkcs8.pem");
/// The demo client's private key, PKCS#1 PEM.
pub const CLIENT_KEY_PKCS1_PEM: &str = include_str!("../fixtures/keys/client.pkcs1.pem");
/// The demo client's private key as a JWK.
pub const CLIENT_KEY_JWK: &str = include_str!("../fixtures/keys/client.jwk.json");
/// The demo client's public JWK, as registered.
pub const CLIENT_PUBLIC_JWK: &str = include_str!("../fixtures/keys/client.public.jwk.json");
/// A key registered nowhere.
pub const UNREGISTERED_KEY_PKCS8_PEM: &str =
    include_str!("../fixtures/keys/unregistered.pkcs8.pem");
/// The enterprise certificate of [`ORG`] (leaf), PEM.
pub const ENTERPRISE_CERT_PEM: &str = include_str!("../fixtures/keys/enterprise.crt.pem");
/// The enterprise certificate chain (leaf first), PEM.
pub const ENTERPRISE_CHAIN_PEM: &str = include_str!("../fixtures/keys/enterprise.chain.pem");
/// The enterprise certificate's private key, PKCS#8 PEM.
pub const ENTERPRISE_KEY_PKCS8_PEM: &str = include_str!("../fixtures/keys/enterprise.pkcs8.pem");
/// The enterprise certificate as PKCS#12 (password [`ENTERPRISE_P12_PASSWORD`]).
pub const ENTERPRISE_P12: &[u8] = include_bytes!("../fixtures/keys/enterprise.p12");
/// The PKCS#12 password.
pub const ENTERPRISE_P12_PASSWORD: &str = "demo-p12-password";
/// The test CA's certificate, PEM.
pub const CA_CERT_PEM: &str = include_str!("../fixtures/keys/ca.crt.pem");
/// A certificate from the test CA for [`OTHER_ORG`], PEM.
pub const OTHER_ORG_CERT_PEM: &str = include_str!("../fixtures/keys/other-org.crt.pem");
/// Its private key.
pub const OTHER_ORG_KEY_PKCS8_PEM: &str = include_str!("../fixtures/keys/other-org.pkcs8.pem");
/// A self-signed certificate claiming [`ORG`], not from the trusted CA.
pub const UNTRUSTED_CERT_PEM: &str = include_str!("../fixtures/keys/untrusted.crt.pem");
/// Its private key.
pub const UNTRUSTED_KEY_PKCS8_PEM: &str = include_str!("../fixtures/keys/untrusted.pkcs8.pem");
/// The Altinn 2 API key of [`ORG`] (read and write).
pub const API_KEY: &str = "demo-api-key";
/// An API key with `Authorization.read` only.
pub const READONLY_API_KEY: &str = "demo-readonly-api-key";
/// Hovedadministrator for [`ORG`] and [`BULK_ORG`].
pub const ENTERPRISE_USER: &str = "demo-admin";
/// Its password.
pub const ENTERPRISE_PASSWORD: &str = "demo-password";
/// Tilgangsstyrer for [`ORG`] (same password); holds 4864 Read itself.
pub const MANAGER_USER: &str = "demo-manager";
/// An enterprise user of [`ORG`] with no roles (same password).
pub const NOBODY_USER: &str = "demo-nobody";
/// The demo person (`HEIS TOM`), a synthetic test number.
pub const PERSON_FNR: &str = "26899299344";
/// Its last name.
pub const PERSON_LAST_NAME: &str = "HEIS";
/// Its first name.
pub const PERSON_FIRST_NAME: &str = "TOM";
/// Its party id (ReporteeId `r50828869`).
pub const PERSON_PARTY_ID: u64 = 50_828_869;
/// A person who holds role [`UTINN_ROLE_DEFINITION`], role-derived rights, a direct right
/// ([`SERVICE_CODE`] ArchiveRead) and the register role DAGL, all from [`ORG`].
pub const ROLE_PERSON_FNR: &str = "01887010095";
/// Its last name.
pub const ROLE_PERSON_LAST_NAME: &str = "NORDMANN";
/// Its party id.
pub const ROLE_PERSON_PARTY_ID: u64 = 50_828_870;
/// A person who holds [`PAGING_PERSON_RIGHTS`] rights from [`BULK_ORG`].
pub const PAGING_PERSON_FNR: &str = "15857510027";
/// Its last name.
pub const PAGING_PERSON_LAST_NAME: &str = "MOSSIGE";
/// Its party id.
pub const PAGING_PERSON_PARTY_ID: u64 = 50_006_868;
/// How many rights [`PAGING_PERSON_FNR`] holds from [`BULK_ORG`].
pub const PAGING_PERSON_RIGHTS: usize = 60;
/// An organisation that holds one right (3225/536 Read) from [`ORG`].
pub const ORG_RECEIVER: &str = "910437127";
/// Its name.
pub const ORG_RECEIVER_NAME: &str = "BIRI OG TORPO REGNSKAP";
/// Its party id.
pub const ORG_RECEIVER_PARTY_ID: u64 = 50_040_934;
/// Another organisation (owner of the other-org certificate and the supplier client).
pub const OTHER_ORG: &str = "910000004";
/// Its name.
pub const OTHER_ORG_NAME: &str = "ANNEN ORG AS";
/// An organisation with more right holders than one page holds.
pub const BULK_ORG: &str = "310000019";
/// Its name.
pub const BULK_ORG_NAME: &str = "MANGE RETTIGHETSHAVERE AS";
/// Its party id.
pub const BULK_ORG_PARTY_ID: u64 = 50_100_001;
/// How many right holders [`BULK_ORG`] has (the bulk persons plus [`PAGING_PERSON_FNR`]).
pub const BULK_RIGHT_HOLDERS: usize = 121;
/// The demo service.
pub const SERVICE_CODE: &str = "4864";
/// Its edition.
pub const SERVICE_EDITION: u32 = 1;
/// The second delegable service (the guide's).
pub const SERVICE_CODE_2: &str = "3225";
/// Its edition.
pub const SERVICE_EDITION_2: u32 = 536;
/// A service that exists but may not be delegated.
pub const NON_DELEGABLE_SERVICE_CODE: &str = "5678";
/// Its edition.
pub const NON_DELEGABLE_SERVICE_EDITION: u32 = 1;
/// The Altinn audience a client may request as `resource`.
pub const RESOURCE: &str = "https://tt02.altinn.no/";
/// The role definition `Utfyller/innsender` (UTINN), delegable.
pub const UTINN_ROLE_DEFINITION: i64 = 6;
/// The register role `Daglig leder` (DAGL), External, not deletable.
pub const DAGL_ROLE_DEFINITION: i64 = 85;
/// The role id (assignment) of [`ROLE_PERSON_FNR`]'s UTINN role.
pub const ROLE_PERSON_UTINN_ROLE_ID: i64 = 3_100_001;
/// The role id of [`ROLE_PERSON_FNR`]'s DAGL role.
pub const ROLE_PERSON_DAGL_ROLE_ID: i64 = 3_100_002;
/// A role-derived right of [`ROLE_PERSON_FNR`] (4864 Read through UTINN): not deletable.
pub const ROLE_PERSON_DERIVED_RIGHT_ID: i64 = 4_000_001;
/// The directly delegated right of [`ROLE_PERSON_FNR`] (4864 ArchiveRead): deletable.
pub const ROLE_PERSON_DIRECT_RIGHT_ID: i64 = 4_000_010;
/// The default scopes of the demo clients.
pub const DEFAULT_SCOPES: &[&str] = &[
    "altinn:enduser",
    "altinn:reportees",
    "altinn:delegations.read",
    "altinn:delegations.write",
    "altinn:rolesandrights.read",
    "tilgang:test.read",
    "tilgang:test.write",
];

// The Altinn 3 part of the demo world (`shared/spec/altinn3-accessmanagement.md`).

/// The party UUID of [`ORG`] (`DEMO AS`) in Altinn 3.
pub const ORG_UUID: &str = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c00";
/// The party UUID of [`ORG_RECEIVER`] (no link to [`ORG`] in Altinn 3).
pub const ORG_RECEIVER_UUID: &str = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c01";
/// The party UUID of [`OTHER_ORG`].
pub const OTHER_ORG_UUID: &str = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c02";
/// The party UUID of [`BULK_ORG`]: a customer with no system user yet (the onboarding flow's).
pub const BULK_ORG_UUID: &str = "3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c03";
/// The party UUID of [`PERSON_FNR`] (`TOM HEIS`): a right holder of [`ORG`] with nothing else.
pub const PERSON_UUID: &str = "a1b2c3d4-e5f6-4789-8abc-def012340001";
/// The profile user id of [`PERSON_FNR`].
pub const PERSON_USER_ID: u64 = 1_000_001;
/// The party UUID of [`ROLE_PERSON_FNR`] (`KARI NORDMANN`): daglig leder (DAGL) of [`ORG`],
/// so she holds `tilgangsstyrer` and more through a key role, and the imported Altinn 2 role
/// `utinn` directly.
pub const DAGL_PERSON_UUID: &str = "a1b2c3d4-e5f6-4789-8abc-def012340002";
/// The fødselsnummer of the DAGL person (= [`ROLE_PERSON_FNR`]).
pub const DAGL_PERSON_FNR: &str = ROLE_PERSON_FNR;
/// Her last name.
pub const DAGL_PERSON_LAST_NAME: &str = ROLE_PERSON_LAST_NAME;
/// The assignment id of her `utinn` role from [`ORG`].
pub const DAGL_PERSON_UTINN_ASSIGNMENT: &str = "0199a1b2-c3d4-7e5f-8a6b-000000000012";
/// The party UUID of [`PAGING_PERSON_FNR`] (`KAI MOSSIGE`): in the profile register, no
/// connection to [`ORG`] yet (E3's person to add).
pub const PROFILE_PERSON_UUID: &str = "a1b2c3d4-e5f6-4789-8abc-def012340003";
/// Its fødselsnummer (= [`PAGING_PERSON_FNR`]).
pub const PROFILE_PERSON_FNR: &str = PAGING_PERSON_FNR;
/// Its last name.
pub const PROFILE_PERSON_LAST_NAME: &str = PAGING_PERSON_LAST_NAME;
/// The entity UUID of [`NOBODY_USER`] (type `Virksomhetbruker`, which may not be a right
/// holder).
pub const ENTERPRISE_USER_UUID: &str = "a1b2c3d4-e5f6-4789-8abc-def012340004";
/// The right-holder link [`ORG`] → [`PERSON_UUID`].
pub const PERSON_LINK_ID: &str = "0199a1b2-c3d4-7e5f-8a6b-000000000010";
/// The right-holder link [`ORG`] → [`SYSTEM_USER_ID`].
pub const SYSTEM_USER_LINK_ID: &str = "0199a1b2-c3d4-7e5f-8a6b-000000000020";
/// The DAGL assignment [`ORG`] → [`DAGL_PERSON_UUID`].
pub const DAGL_ASSIGNMENT_ID: &str = "0199a1b2-c3d4-7e5f-8a6b-000000000011";
/// The packages [`SYSTEM_USER_ID`] holds directly from [`ORG`]: it is an access manager
/// (`tilgangsstyrer`) and may hand out the other two.
pub const SYSTEM_USER_PACKAGES: &[&str] = &[
    PACKAGE_TILGANGSSTYRER,
    PACKAGE_POSTTJENESTER,
    PACKAGE_REGNSKAP,
];
/// `tilgangsstyrer`.
pub const PACKAGE_TILGANGSSTYRER: &str = "tilgangsstyrer";
/// `posttjenester` (a package the demo system user may hand out).
pub const PACKAGE_POSTTJENESTER: &str = "posttjenester";
/// `regnskap-okonomi-rapport` (held by the demo system user; gives `ttd-hr-rapport` read).
pub const PACKAGE_REGNSKAP: &str = "regnskap-okonomi-rapport";
/// `skattegrunnlag` (assignable, but the demo system user does not hold it).
pub const PACKAGE_NOT_HELD: &str = "skattegrunnlag";
/// `lonn` (gives `ttd-hr-rapport` read and write; not held by the demo system user).
pub const PACKAGE_LONN: &str = "lonn";
/// `ansvarlig-revisor` (not assignable by end users).
pub const PACKAGE_NOT_ASSIGNABLE: &str = "ansvarlig-revisor";
/// `innbygger-skatteforhold-privatpersoner` (a Person package, not given from organisations).
pub const PACKAGE_PERSON: &str = "innbygger-skatteforhold-privatpersoner";
/// The demo resource: actions `read` (given by [`PACKAGE_REGNSKAP`], so the demo system user
/// may delegate it) and `write` (given only by [`PACKAGE_LONN`], so it may not).
pub const RESOURCE_ID: &str = "ttd-hr-rapport";
/// Its UUID.
pub const RESOURCE_UUID: &str = "0199b000-0000-7000-8000-000000000001";
/// Its name.
pub const RESOURCE_NAME: &str = "HR-rapportering";
/// A resource whose rights may not be delegated.
pub const NON_DELEGABLE_RESOURCE_ID: &str = "ttd-ikke-delegerbar";
/// A resource without policy rights (its delegation check answers AM-00008).
pub const NO_POLICY_RESOURCE_ID: &str = "ttd-uten-policy";
/// The Maskinporten scopes of the Altinn 3 APIs (§2.4, §5.3), which the demo clients hold.
pub const ALTINN3_SCOPES: &[&str] = &[
    "altinn:accessmanagement/authorizedparties",
    "altinn:accessmanagement/enduser:connections:toothers.read",
    "altinn:accessmanagement/enduser:connections:toothers.write",
    "altinn:accessmanagement/enduser:connections:fromothers.read",
    "altinn:accessmanagement/enduser:connections:fromothers.write",
    "altinn:authentication/systemregister.write",
    "altinn:authentication/systemuser.request.write",
    "altinn:authentication/systemuser.request.read",
];

/// A demo UUID constant as a [`Uuid`].
pub fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("the demo UUIDs are well-formed")
}

const ALL_ACTIONS: &[&str] = &["Read", "Write", "Sign", "ArchiveRead", "ArchiveDelete"];

/// Builds a synthetic (month + 80) fødselsnummer with valid check digits for a date and an
/// individual number, or `None` when that individual number has no valid check digits.
pub fn synthetic_fnr(day: u8, month: u8, year: u8, individual: u16) -> Option<String> {
    tilgang_domain::Fnr::synthetic(day, month, year, individual).map(|f| f.expose().to_owned())
}

fn held(
    id: i64,
    from: &str,
    to: &str,
    (code, edition, action): (&str, u32, &str),
    role_id: Option<i64>,
) -> HeldRight {
    HeldRight {
        id,
        from: from.to_owned(),
        to: to.to_owned(),
        service_code: code.to_owned(),
        service_edition: edition,
        action: action.to_owned(),
        source: if role_id.is_some() {
            "RoleTypeRights".to_owned()
        } else {
            "DirectlyDelegatedRights".to_owned()
        },
        role_id,
        delegator: Some(if role_id.is_some() {
            String::new()
        } else {
            ENTERPRISE_USER.to_owned()
        }),
        delegated_time: "2021-12-01T11:57:43.373".to_owned(),
        delegatable: true,
    }
}

impl World {
    /// The built-in demo world (see [`crate::demo`]). It is defined here, beside the names it
    /// is built from, so that the world model does not depend on its demo.
    pub fn demo() -> Self {
        world()
    }
}

fn world() -> World {
    let client_jwk: PublicJwk =
        serde_json::from_str(CLIENT_PUBLIC_JWK).expect("the committed public JWK is valid");
    let scopes: Vec<String> = DEFAULT_SCOPES
        .iter()
        .chain(ALTINN3_SCOPES)
        .map(|s| (*s).to_owned())
        .collect();
    let mut persons = vec![
        Person {
            ssn: PERSON_FNR.into(),
            first_name: PERSON_FIRST_NAME.into(),
            last_name: PERSON_LAST_NAME.into(),
            party_id: PERSON_PARTY_ID,
        },
        Person {
            ssn: ROLE_PERSON_FNR.into(),
            first_name: "KARI".into(),
            last_name: ROLE_PERSON_LAST_NAME.into(),
            party_id: ROLE_PERSON_PARTY_ID,
        },
        Person {
            ssn: PAGING_PERSON_FNR.into(),
            first_name: "KAI".into(),
            last_name: PAGING_PERSON_LAST_NAME.into(),
            party_id: PAGING_PERSON_PARTY_ID,
        },
    ];
    let mut services = vec![
        Service {
            code: SERVICE_CODE.into(),
            edition: SERVICE_EDITION,
            name: "Demotjeneste".into(),
            actions: vec![
                "Read".into(),
                "Write".into(),
                "ArchiveRead".into(),
                "ArchiveDelete".into(),
            ],
            delegable: true,
            owner: Some("Tilgang testetat".into()),
            owner_code: Some("TTD".into()),
        },
        Service {
            code: SERVICE_CODE_2.into(),
            edition: SERVICE_EDITION_2,
            name: "Veiledningstjeneste".into(),
            actions: ALL_ACTIONS.iter().map(|a| (*a).to_owned()).collect(),
            delegable: true,
            owner: Some("Tilgang testetat".into()),
            owner_code: Some("TTD".into()),
        },
        Service {
            code: NON_DELEGABLE_SERVICE_CODE.into(),
            edition: NON_DELEGABLE_SERVICE_EDITION,
            name: "Ikke-delegerbar tjeneste".into(),
            actions: vec!["Read".into(), "Write".into()],
            delegable: false,
            owner: Some("Tilgang testetat".into()),
            owner_code: Some("TTD".into()),
        },
    ];
    // Twelve services with five actions each give the paging person sixty distinct rights.
    for i in 0..12 {
        services.push(Service {
            code: format!("{}", 9100 + i),
            edition: 1,
            name: format!("Massetjeneste {i}"),
            actions: ALL_ACTIONS.iter().map(|a| (*a).to_owned()).collect(),
            delegable: true,
            owner: None,
            owner_code: None,
        });
    }
    let role_definitions = vec![
        RoleDefinition {
            id: UTINN_ROLE_DEFINITION,
            code: Some("UTINN".into()),
            role_type: "Altinn".into(),
            name: Localised {
                nb: "Utfyller/innsender".into(),
                nn: "Utfyllar/innsendar".into(),
                en: "Reporter/sender".into(),
            },
            description: Localised {
                nb: "Denne rollen gir rettighet til å fylle ut og sende inn skjema.".into(),
                nn: "Denne rolla gir rett til å fylle ut og sende inn skjema.".into(),
                en: "This role gives the right to fill in and submit forms.".into(),
            },
            delegable: true,
            rights: vec![
                ServiceRight {
                    code: SERVICE_CODE.into(),
                    edition: SERVICE_EDITION,
                    action: "Read".into(),
                },
                ServiceRight {
                    code: SERVICE_CODE.into(),
                    edition: SERVICE_EDITION,
                    action: "Write".into(),
                },
                ServiceRight {
                    code: SERVICE_CODE_2.into(),
                    edition: SERVICE_EDITION_2,
                    action: "Read".into(),
                },
            ],
        },
        RoleDefinition {
            id: 3,
            code: Some("ADMAI".into()),
            role_type: "Altinn".into(),
            name: Localised {
                nb: "Tilgangsstyring".into(),
                nn: "Tilgangsstyring".into(),
                en: "Access manager".into(),
            },
            description: Localised {
                nb: "Gir rett til å delegere tilganger videre.".into(),
                nn: "Gir rett til å delegere tilgangar vidare.".into(),
                en: "Gives the right to delegate access.".into(),
            },
            delegable: true,
            rights: vec![],
        },
        RoleDefinition {
            id: DAGL_ROLE_DEFINITION,
            code: Some("DAGL".into()),
            role_type: "External".into(),
            name: Localised {
                nb: "Daglig leder".into(),
                nn: "Dagleg leiar".into(),
                en: "General manager".into(),
            },
            description: Localised {
                nb: "Rolle fra Enhetsregisteret.".into(),
                nn: "Rolle frå Einingsregisteret.".into(),
                en: "Role from the Register of Legal Entities.".into(),
            },
            delegable: false,
            rights: vec![],
        },
    ];
    let mut rights = vec![
        held(
            ROLE_PERSON_DERIVED_RIGHT_ID,
            ORG,
            ROLE_PERSON_FNR,
            (SERVICE_CODE, SERVICE_EDITION, "Read"),
            Some(ROLE_PERSON_UTINN_ROLE_ID),
        ),
        held(
            4_000_002,
            ORG,
            ROLE_PERSON_FNR,
            (SERVICE_CODE, SERVICE_EDITION, "Write"),
            Some(ROLE_PERSON_UTINN_ROLE_ID),
        ),
        held(
            4_000_003,
            ORG,
            ROLE_PERSON_FNR,
            (SERVICE_CODE_2, SERVICE_EDITION_2, "Read"),
            Some(ROLE_PERSON_UTINN_ROLE_ID),
        ),
        held(
            ROLE_PERSON_DIRECT_RIGHT_ID,
            ORG,
            ROLE_PERSON_FNR,
            (SERVICE_CODE, SERVICE_EDITION, "ArchiveRead"),
            None,
        ),
        held(
            4_000_020,
            ORG,
            ORG_RECEIVER,
            (SERVICE_CODE_2, SERVICE_EDITION_2, "Read"),
            None,
        ),
        held(
            4_000_030,
            ORG,
            MANAGER_USER,
            (SERVICE_CODE, SERVICE_EDITION, "Read"),
            None,
        ),
    ];
    let roles = vec![
        HeldRole {
            id: ROLE_PERSON_UTINN_ROLE_ID,
            from: ORG.into(),
            to: ROLE_PERSON_FNR.into(),
            role_definition_id: UTINN_ROLE_DEFINITION,
            delegator: Some(ENTERPRISE_USER.into()),
            delegated_time: Some("2021-11-30T09:12:00.000".into()),
        },
        HeldRole {
            id: ROLE_PERSON_DAGL_ROLE_ID,
            from: ORG.into(),
            to: ROLE_PERSON_FNR.into(),
            role_definition_id: DAGL_ROLE_DEFINITION,
            delegator: None,
            delegated_time: None,
        },
    ];
    // The paging person: sixty directly delegated rights from the bulk organisation.
    let mut next = 5_000_000;
    for i in 0..12 {
        for action in ALL_ACTIONS {
            rights.push(held(
                next,
                BULK_ORG,
                PAGING_PERSON_FNR,
                (&format!("{}", 9100 + i), 1, action),
                None,
            ));
            next += 1;
        }
    }
    // 120 bulk persons, each holding 4864 Read from the bulk organisation.
    let mut individual = 100u16;
    let mut n = 0u64;
    while n < (BULK_RIGHT_HOLDERS as u64 - 1) {
        if let Some(ssn) = synthetic_fnr(1 + (n % 28) as u8, 1 + (n % 12) as u8, 90, individual) {
            persons.push(Person {
                ssn: ssn.clone(),
                first_name: format!("PERSON {:03}", n + 1),
                last_name: "TESTESEN".into(),
                party_id: 51_000_000 + n,
            });
            rights.push(held(
                next,
                BULK_ORG,
                &ssn,
                (SERVICE_CODE, SERVICE_EDITION, "Read"),
                None,
            ));
            next += 1;
            n += 1;
        }
        individual += 1;
    }
    World {
        settings: Settings::default(),
        clients: vec![
            Client {
                client_id: CLIENT_ID.into(),
                org: ORG.into(),
                scopes: scopes.clone(),
                jwks: vec![client_jwk],
                certificates: false,
                access_token_lifetime_secs: None,
            },
            Client {
                client_id: CERT_CLIENT_ID.into(),
                org: ORG.into(),
                scopes: scopes.clone(),
                jwks: vec![],
                certificates: true,
                access_token_lifetime_secs: None,
            },
            Client {
                client_id: SUPPLIER_CLIENT_ID.into(),
                org: OTHER_ORG.into(),
                scopes: vec!["tilgang:test.read".into()],
                jwks: vec![],
                certificates: true,
                access_token_lifetime_secs: None,
            },
        ],
        trusted_cas: vec![CA_CERT_PEM.to_owned()],
        maskinporten_delegations: vec![MaskinportenDelegation {
            consumer_org: ORG.into(),
            supplier_org: OTHER_ORG.into(),
            scopes: vec![DELEGATED_SCOPE.into()],
            delegation_source: RESOURCE.into(),
        }],
        system_users: vec![
            SystemUser {
                id: SYSTEM_USER_ID.into(),
                system_id: SYSTEM_ID.into(),
                org: ORG.into(),
                client_id: CLIENT_ID.into(),
                external_ref: None,
                created: None,
            },
            SystemUser {
                id: SYSTEM_USER_2_ID.into(),
                system_id: SYSTEM_ID.into(),
                org: ORG.into(),
                client_id: CLIENT_ID.into(),
                external_ref: Some(SYSTEM_USER_2_REF.into()),
                created: None,
            },
        ],
        api_keys: vec![
            ApiKey {
                key: API_KEY.into(),
                org: ORG.into(),
                resources: vec![
                    "Authorization.read".into(),
                    "Authorization.write".into(),
                    "Organization.read".into(),
                ],
            },
            ApiKey {
                key: READONLY_API_KEY.into(),
                org: ORG.into(),
                resources: vec!["Authorization.read".into()],
            },
        ],
        enterprise_users: vec![
            EnterpriseUser {
                user_name: ENTERPRISE_USER.into(),
                password: ENTERPRISE_PASSWORD.into(),
                org: ORG.into(),
                user_id: 20_000_001,
                party_id: 50_900_001,
                roles: vec![
                    AdminRole {
                        party: ORG.into(),
                        role: "Hovedadministrator".into(),
                    },
                    AdminRole {
                        party: BULK_ORG.into(),
                        role: "Hovedadministrator".into(),
                    },
                ],
            },
            EnterpriseUser {
                user_name: MANAGER_USER.into(),
                password: ENTERPRISE_PASSWORD.into(),
                org: ORG.into(),
                user_id: 20_000_002,
                party_id: 50_900_002,
                roles: vec![AdminRole {
                    party: ORG.into(),
                    role: "Tilgangsstyrer".into(),
                }],
            },
            EnterpriseUser {
                user_name: NOBODY_USER.into(),
                password: ENTERPRISE_PASSWORD.into(),
                org: ORG.into(),
                user_id: 20_000_003,
                party_id: 50_900_003,
                roles: vec![],
            },
        ],
        persons,
        organisations: vec![
            Organisation {
                org: ORG.into(),
                name: ORG_NAME.into(),
                party_id: ORG_PARTY_ID,
                form: "AS".into(),
            },
            Organisation {
                org: ORG_RECEIVER.into(),
                name: ORG_RECEIVER_NAME.into(),
                party_id: ORG_RECEIVER_PARTY_ID,
                form: "AS".into(),
            },
            Organisation {
                org: OTHER_ORG.into(),
                name: OTHER_ORG_NAME.into(),
                party_id: 50_040_940,
                form: "AS".into(),
            },
            Organisation {
                org: BULK_ORG.into(),
                name: BULK_ORG_NAME.into(),
                party_id: BULK_ORG_PARTY_ID,
                form: "AS".into(),
            },
        ],
        services,
        role_definitions,
        rights,
        roles,
        next_id: 0,
        altinn3: altinn3(),
    }
}

/// The Altinn 3 section of the demo world (see the constants above).
fn altinn3() -> Altinn3 {
    let org = uuid(ORG_UUID);
    let su = uuid(SYSTEM_USER_ID);
    let organisation = |id: &str, number: &str| Organisation3 {
        uuid: uuid(id),
        org: number.into(),
        variant: None,
        parent: None,
        deleted: false,
    };
    let link = |id: &str, to: Uuid, role: &str| Assignment3 {
        id: uuid(id),
        from: org,
        to,
        role: role.into(),
        packages: Vec::new(),
        resources: Vec::new(),
    };
    let mut su_link = link(SYSTEM_USER_LINK_ID, su, RETTIGHETSHAVER);
    su_link.packages = SYSTEM_USER_PACKAGES
        .iter()
        .enumerate()
        .map(|(i, p)| AssignedPackage {
            id: uuid(&format!("0199a1b2-c3d4-7e5f-8a6b-00000000002{}", i + 1)),
            package: (*p).into(),
        })
        .collect();
    let access_packages = SYSTEM_USER_PACKAGES
        .iter()
        .map(|p| format!("urn:altinn:accesspackage:{p}"))
        .collect();
    Altinn3 {
        organisations: vec![
            organisation(ORG_UUID, ORG),
            organisation(ORG_RECEIVER_UUID, ORG_RECEIVER),
            organisation(OTHER_ORG_UUID, OTHER_ORG),
            organisation(BULK_ORG_UUID, BULK_ORG),
        ],
        persons: vec![
            Person3 {
                uuid: uuid(PERSON_UUID),
                party_id: PERSON_PARTY_ID,
                user_id: PERSON_USER_ID,
                date_of_birth: Some("1992-09-26".into()),
                date_of_death: None,
            },
            Person3 {
                uuid: uuid(DAGL_PERSON_UUID),
                party_id: ROLE_PERSON_PARTY_ID,
                user_id: 1_000_002,
                date_of_birth: Some("1970-08-01".into()),
                date_of_death: None,
            },
            Person3 {
                uuid: uuid(PROFILE_PERSON_UUID),
                party_id: PAGING_PERSON_PARTY_ID,
                user_id: 1_000_003,
                date_of_birth: Some("1975-05-15".into()),
                date_of_death: None,
            },
        ],
        enterprise_users: vec![EnterpriseUser3 {
            uuid: uuid(ENTERPRISE_USER_UUID),
            user_name: NOBODY_USER.into(),
        }],
        resources: vec![
            Resource3 {
                id: uuid(RESOURCE_UUID),
                ref_id: RESOURCE_ID.into(),
                name: RESOURCE_NAME.into(),
                description: "Rapportering av HR-data".into(),
                provider_code: "ttd".into(),
                provider_name: "Testdepartementet".into(),
                actions: vec!["read".into(), "write".into()],
                delegable: true,
                provider_id: None,
                type_id: None,
                packages: vec![
                    PackageGrant {
                        package: PACKAGE_REGNSKAP.into(),
                        actions: vec!["read".into()],
                    },
                    PackageGrant {
                        package: PACKAGE_LONN.into(),
                        actions: vec!["read".into(), "write".into()],
                    },
                ],
            },
            Resource3 {
                id: uuid("0199b000-0000-7000-8000-000000000011"),
                ref_id: NON_DELEGABLE_RESOURCE_ID.into(),
                name: "Ikke delegerbar".into(),
                description: "En ressurs som ikke kan delegeres".into(),
                provider_code: "ttd".into(),
                provider_name: "Testdepartementet".into(),
                actions: vec!["read".into()],
                delegable: false,
                provider_id: None,
                type_id: None,
                packages: vec![PackageGrant {
                    package: PACKAGE_REGNSKAP.into(),
                    actions: vec!["read".into()],
                }],
            },
            Resource3 {
                id: uuid("0199b000-0000-7000-8000-000000000021"),
                ref_id: NO_POLICY_RESOURCE_ID.into(),
                name: "Uten policy".into(),
                description: "En ressurs uten rettigheter i policyen".into(),
                provider_code: "ttd".into(),
                provider_name: "Testdepartementet".into(),
                actions: vec![],
                delegable: true,
                provider_id: None,
                type_id: None,
                packages: vec![],
            },
        ],
        assignments: vec![
            link(PERSON_LINK_ID, uuid(PERSON_UUID), RETTIGHETSHAVER),
            link(DAGL_ASSIGNMENT_ID, uuid(DAGL_PERSON_UUID), "daglig-leder"),
            link(
                DAGL_PERSON_UTINN_ASSIGNMENT,
                uuid(DAGL_PERSON_UUID),
                "utinn",
            ),
            su_link,
        ],
        systems: vec![VendorSystem {
            id: SYSTEM_ID.into(),
            vendor: ORG.into(),
            name: serde_json::json!({"nb": "Tilgang demo", "nn": "Tilgang demo", "en": "Tilgang demo"}),
            description: serde_json::json!({"nb": "Demosystemet", "nn": "Demosystemet", "en": "The demo system"}),
            client_ids: vec![CLIENT_ID.into()],
            access_packages,
            rights: vec![],
            is_visible: true,
            allowed_redirect_urls: vec![],
            deleted: false,
        }],
        next_uuid: 0x1000,
        ..Altinn3::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_numbers_are_valid_fnr() {
        let f = synthetic_fnr(26, 9, 92, 993).unwrap();
        assert_eq!(f, PERSON_FNR);
        for i in 100..200 {
            if let Some(f) = synthetic_fnr(1, 1, 90, i) {
                assert!(tilgang_domain::Fnr::parse(&f).is_ok(), "{i}");
            }
        }
    }

    #[test]
    fn demo_world_is_consistent() {
        let w = world();
        w.check().unwrap();
        let holders: std::collections::BTreeSet<&str> = w
            .rights
            .iter()
            .filter(|r| r.from == BULK_ORG)
            .map(|r| r.to.as_str())
            .collect();
        assert_eq!(holders.len(), BULK_RIGHT_HOLDERS);
        for org in [ORG, OTHER_ORG, ORG_RECEIVER, BULK_ORG] {
            assert!(tilgang_domain::OrgNumber::parse(org).is_ok(), "{org}");
        }
        for p in &w.persons {
            assert!(tilgang_domain::Fnr::parse(&p.ssn).is_ok(), "{}", p.party_id);
        }
    }
}
