//! Golden tests over the spec's examples X1–X15 (`tests/fixtures/altinn3/`).
//!
//! Each fixture must decode to the expected typed values, and re-encode to the *same* JSON
//! value: that is what proves the fake's writer produces the spec's names and nulls. Each is
//! also decoded after its keys are rewritten to PascalCase and to lower case, with unknown
//! fields added, to prove the adapter's reader is as tolerant as a .NET one.

use std::path::PathBuf;

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};
use uuid::{Uuid, uuid};

use tilgang_altinn3_wire::check::{
    AccessPackageDtoCheck, DelegationCheckReasonCode, ExternalResourceRightDto, ResourceCheckDto,
};
use tilgang_altinn3_wire::codec::{self, DecodeError};
use tilgang_altinn3_wire::connection::{
    AccessReason, AccessReasonItem, AssignmentDto, AssignmentPackageDto, ConnectionDto,
    PackagePermissionDto, PersonInput, ReasonKind, ResourcePermissionDto, RightKeyListDto,
    RolePermissionDto,
};
use tilgang_altinn3_wire::envelope::PaginatedResult;
use tilgang_altinn3_wire::party::{
    AuthorizedPartyDto, AuthorizedPartyType, EntityType, EntityVariant,
};
use tilgang_altinn3_wire::problem::{
    ProblemDetails, ValidationErrorItem, ValidationRegistry, problem_code,
};

const ORG: Uuid = uuid!("3f1e2d4c-5b6a-4978-8c9d-0e1f2a3b4c5d");
const SU: Uuid = uuid!("8e1d2c3b-4a59-4f68-9e7d-6c5b4a392817");
const PA: Uuid = uuid!("a1b2c3d4-e5f6-4789-8abc-def012345678");
const PD: Uuid = uuid!("b2c3d4e5-f6a7-4890-9bcd-ef0123456789");
const ASG: Uuid = uuid!("0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b");
const APK: Uuid = uuid!("0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c");
const RETTIGHETSHAVER: Uuid = uuid!("42cae370-2dc1-4fdc-9c67-c2f4b0f0f829");
const POSTTJENESTER: Uuid = uuid!("a736c33b-c15a-43ac-85be-a684630e1e59");
const K1: &str = "012c7dc13c34b964a713159d2c002f32dc15fd63737e86cc1d1226bce92473bf95";
const TRACE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/altinn3")
}

fn bytes(name: &str) -> Vec<u8> {
    let path = dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn value(name: &str) -> Value {
    serde_json::from_slice(&bytes(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// Decodes a fixture with `decode`, checks that encoding gives the fixture's JSON value back,
/// and that every key-case variant, with unknown fields added, decodes to the same typed value.
fn golden<T>(name: &str, decode: fn(&[u8]) -> Result<T, DecodeError>) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let typed = round_trip(name, decode);
    for (variant, f) in CASINGS {
        let changed = with_extra_fields(&rename_keys(&value(name), *f));
        let body = serde_json::to_vec(&changed).unwrap();
        let again = decode(&body).unwrap_or_else(|e| panic!("{name} in {variant}: {e}"));
        assert_eq!(
            again, typed,
            "{name} in {variant} with unknown fields decodes differently"
        );
    }
    typed
}

/// Rewrites one JSON key.
type KeyCase = fn(&str) -> String;

/// The key spellings every reader must accept.
const CASINGS: &[(&str, KeyCase)] = &[
    ("PascalCase", pascal),
    ("lower case", lower),
    ("unchanged", same),
];

/// Decodes a fixture and checks that encoding gives the fixture's JSON value back.
fn round_trip<T>(name: &str, decode: fn(&[u8]) -> Result<T, DecodeError>) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let typed = decode(&bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        codec::to_value(&typed),
        value(name),
        "{name}: re-encoding does not give the fixture back"
    );
    let encoded: Value = serde_json::from_slice(&codec::encode(&typed)).unwrap();
    assert_eq!(encoded, value(name), "{name}: encode and to_value disagree");
    typed
}

/// Like [`golden`] for a problem body. A problem keeps every key it does not know as an
/// extension, with its exact case, so the variants are compared on the named fields, and the
/// unknown fields must show up among the extensions.
fn golden_problem(name: &str) -> ProblemDetails {
    let typed = round_trip(name, codec::decode_problem);
    let named = |p: &ProblemDetails| {
        let items: Vec<_> = p
            .validation_items()
            .iter()
            .map(|i| (i.code.clone(), i.detail.clone(), i.paths.clone()))
            .collect();
        (
            p.problem_type.clone(),
            p.title.clone(),
            p.status,
            p.detail.clone(),
            p.code.clone(),
            p.trace_id.clone(),
            items,
        )
    };
    for (variant, f) in CASINGS {
        let changed = with_extra_fields(&rename_keys(&value(name), *f));
        let again = codec::decode_problem(&serde_json::to_vec(&changed).unwrap())
            .unwrap_or_else(|e| panic!("{name} in {variant}: {e}"));
        assert_eq!(named(&again), named(&typed), "{name} in {variant}");
        assert_eq!(
            again.extension("zzUnknownText"),
            Some("x"),
            "{name} in {variant}"
        );
        for item in again.validation_items() {
            assert_eq!(
                item.extension("zzUnknownText"),
                Some("x"),
                "{name} in {variant}"
            );
        }
    }
    typed
}

fn pascal(k: &str) -> String {
    let mut c = k.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn lower(k: &str) -> String {
    k.to_lowercase()
}

fn same(k: &str) -> String {
    k.to_owned()
}

fn rename_keys(v: &Value, f: KeyCase) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (f(k), rename_keys(v, f)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| rename_keys(v, f)).collect()),
        other => other.clone(),
    }
}

/// Adds an unknown field of each JSON kind to every object.
fn with_extra_fields(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out: Map<_, _> = m
                .iter()
                .map(|(k, v)| (k.clone(), with_extra_fields(v)))
                .collect();
            out.insert("zzUnknownObject".into(), json!({"a": [1, null]}));
            out.insert("zzUnknownText".into(), json!("x"));
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(with_extra_fields).collect()),
        other => other.clone(),
    }
}

#[test]
fn x01_authorized_parties() {
    let page: PaginatedResult<AuthorizedPartyDto> = golden(
        "x01_authorized_parties.json",
        codec::decode_authorized_parties,
    );
    assert_eq!(page.next(), None);
    assert_eq!(page.data.len(), 1);
    let org = &page.data[0];
    assert_eq!(org.party_uuid, ORG);
    assert_eq!(org.party_id, 51000001);
    assert_eq!(org.party_type, AuthorizedPartyType::Organization);
    assert_eq!(org.organization_number.as_deref(), Some("310000001"));
    assert_eq!(
        org.authorized_access_packages,
        ["posttjenester", "tilgangsstyrer"]
    );
    assert!(org.subunits.is_empty() && org.authorized_roles.is_empty());
}

#[test]
fn x02_connections() {
    let page: PaginatedResult<ConnectionDto> =
        golden("x02_connections.json", codec::decode_connections);
    assert_eq!(page.data.len(), 3);
    let [pa, pd, su] = [&page.data[0], &page.data[1], &page.data[2]];
    assert_eq!(pa.party.id, PA);
    assert_eq!(pa.party.entity_type, EntityType::Person);
    assert_eq!(pa.party.party_id, Some(50000001));
    assert_eq!(pa.party.person_identifier.as_deref(), Some("01017012345"));
    assert_eq!(pa.roles[0].id, RETTIGHETSHAVER);
    assert_eq!(pa.roles[0].legacy_urn, None);
    assert_eq!(pa.packages[0].id, POSTTJENESTER);
    assert_eq!(pd.party.id, PD);
    assert_eq!(pd.roles[0].code, "daglig-leder");
    assert_eq!(
        pd.roles[0].legacy_urn.as_deref(),
        Some("urn:altinn:rolecode:dagl")
    );
    assert_eq!(su.party.id, SU);
    assert_eq!(su.party.entity_type, EntityType::Systembruker);
    assert_eq!(su.party.variant, EntityVariant::StandardSystem);
    assert_eq!(su.party.party_id, None);
    assert_eq!(su.packages.len(), 2);
    // The quirks the writer must keep (§3.8).
    let written = codec::to_value(&page);
    let role = &written["data"][1]["roles"][0];
    assert_eq!(role["legacyurn "], "urn:altinn:rolecode:dagl");
    assert!(role.get("legacyUrn").is_none() && role["children"].is_null());
    assert_eq!(written["data"][0]["party"]["partyid"], 50000001);
    assert!(written["data"][0]["party"].get("partyId").is_none());
    // A printed connection never shows a full fødselsnummer.
    let shown = format!("{page:?}");
    assert!(!shown.contains("01017012345") && !shown.contains("02028012345"));
    assert!(shown.contains("010170*****"));
}

#[test]
fn x03_add_right_holder() {
    let input: PersonInput = golden("x03_person_input_request.json", codec::decode_person_input);
    assert_eq!(input, PersonInput::new("01017012345", "Nordmann"));
    let a: AssignmentDto = golden("x03_assignment.json", codec::decode_assignment);
    assert_eq!(
        a,
        AssignmentDto {
            id: ASG,
            role_id: RETTIGHETSHAVER,
            from_id: ORG,
            to_id: PA
        }
    );
}

#[test]
fn x04_package_permissions() {
    let page: PaginatedResult<PackagePermissionDto> = golden(
        "x04_package_permissions.json",
        codec::decode_package_permissions,
    );
    let p = &page.data[0];
    assert_eq!(p.package.urn, "urn:altinn:accesspackage:posttjenester");
    assert_eq!(p.permissions.len(), 1);
    let perm = &p.permissions[0];
    assert_eq!((perm.from.id, perm.to.id), (ORG, PA));
    assert_eq!(perm.from.entity_type, EntityType::Organisasjon);
    assert_eq!(perm.from.variant, EntityVariant::As);
    assert_eq!(perm.via, None);
    assert_eq!(perm.reason, AccessReason::direct());
    assert!(perm.reason.contains(&ReasonKind::Direct));
}

#[test]
fn x05_assignment_package() {
    let a: AssignmentPackageDto = golden(
        "x05_assignment_package.json",
        codec::decode_assignment_package,
    );
    assert_eq!(
        (a.id, a.assignment_id, a.package_id),
        (APK, ASG, POSTTJENESTER)
    );
}

#[test]
fn x06_package_delegation_check() {
    let page: PaginatedResult<AccessPackageDtoCheck> = golden(
        "x06_package_delegation_check.json",
        codec::decode_package_checks,
    );
    assert_eq!(page.data.len(), 2);
    assert!(page.data[0].result);
    assert_eq!(
        page.data[0].reasons[0].description,
        "Direct-AssignmentPackage"
    );
    assert_eq!(page.data[0].reasons[0].to_id, Some(SU));
    assert!(!page.data[1].result);
    assert_eq!(
        page.data[1].package.urn,
        "urn:altinn:accesspackage:skattegrunnlag"
    );
    assert_eq!(
        page.data[1].reasons,
        [tilgang_altinn3_wire::check::AccessPackageCheckReason::described("NoAccess")]
    );
}

#[test]
fn x07_resource_permissions_is_a_bare_array() {
    let page: PaginatedResult<ResourcePermissionDto> = golden_bare("x07_resource_permissions.json");
    let r = &page.data[0].resource;
    assert_eq!(r.ref_id, "ttd-hr-rapport");
    assert_eq!((r.provider_id, r.type_id), (Uuid::nil(), Uuid::nil()));
    assert_eq!(
        r,
        &tilgang_altinn3_wire::resource::ResourceDto::compact(
            uuid!("0199b000-0000-7000-8000-000000000001"),
            "HR-rapportering",
            "ttd-hr-rapport"
        )
    );
    // The same items wrapped decode to the same list.
    let wrapped = json!({"links": {"next": null}, "data": value("x07_resource_permissions.json")});
    let again = codec::decode_resource_permissions(&serde_json::to_vec(&wrapped).unwrap()).unwrap();
    assert_eq!(again, page);
}

/// Like [`golden`] for a body the server writes as a bare array: decoded into a page, written
/// back with `encode_bare_list`.
fn golden_bare(name: &str) -> PaginatedResult<ResourcePermissionDto> {
    let page = codec::decode_resource_permissions(&bytes(name)).unwrap();
    let written: Value = serde_json::from_slice(&codec::encode_bare_list(&page.data)).unwrap();
    assert_eq!(written, value(name));
    for (_, f) in CASINGS {
        let body = serde_json::to_vec(&with_extra_fields(&rename_keys(&value(name), *f))).unwrap();
        assert_eq!(codec::decode_resource_permissions(&body).unwrap(), page);
    }
    page
}

#[test]
fn x08_resource_rights() {
    let r: ExternalResourceRightDto =
        golden("x08_resource_rights.json", codec::decode_resource_rights);
    assert_eq!(
        r.resource.description.as_deref(),
        Some("Rapportering av HR-data")
    );
    assert_eq!(r.direct_rights.len(), 1);
    assert!(r.indirect_rights.is_empty());
    let right = &r.direct_rights[0].right;
    assert_eq!(right.key, K1);
    assert_eq!(right.action.value, "read");
    assert_eq!(right.resource[0].attribute_type, "urn:altinn:resource");
    assert_eq!(r.direct_rights[0].permissions[0].to.id, PA);
}

#[test]
fn x09_resource_delegation_check_and_e12_body() {
    let c: ResourceCheckDto = golden(
        "x09_resource_delegation_check.json",
        codec::decode_resource_check,
    );
    let provider = c.resource.provider.as_ref().unwrap();
    assert_eq!(provider.code, "ttd");
    assert_eq!(provider.ref_id, "");
    assert_eq!(
        provider.provider_type.as_ref().unwrap().name,
        "Tjenesteeier"
    );
    assert_eq!(
        c.resource.resource_type.as_ref().unwrap().name,
        "GenericAccessResource"
    );
    assert_eq!(c.rights.len(), 2);
    assert_eq!(
        c.rights[0].reason_codes,
        [DelegationCheckReasonCode::PackageAccess]
    );
    assert_eq!(
        c.rights[1].reason_codes,
        [
            DelegationCheckReasonCode::MissingPackageAccess,
            DelegationCheckReasonCode::MissingRoleAccess,
            DelegationCheckReasonCode::MissingDelegationAccess
        ]
    );
    assert_eq!(c.delegable_keys(), [K1]);
    // The E12 body is the delegable keys of the check.
    let body: RightKeyListDto = golden(
        "x09_e12_right_keys_request.json",
        codec::decode_right_key_list,
    );
    assert_eq!(body.direct_right_keys, c.delegable_keys());
}

#[test]
fn x10_role_permissions() {
    let page: PaginatedResult<RolePermissionDto> =
        golden("x10_role_permissions.json", codec::decode_role_permissions);
    assert_eq!(page.data.len(), 2);
    let [holder, utinn] = [&page.data[0].role, &page.data[1].role];
    assert_eq!(holder.is_revocable, Some(false));
    assert_eq!(utinn.code, "utinn");
    assert_eq!(utinn.is_revocable, Some(true));
    assert_eq!(utinn.provider.as_ref().unwrap().code, "sys-altinn2");
    assert_eq!(
        page.data[1].permissions[0].role.as_ref().unwrap().code,
        "utinn"
    );
}

#[test]
fn role_dto_omits_a_null_is_revocable() {
    let page = codec::decode_role_permissions(&bytes("x10_role_permissions.json")).unwrap();
    let mut role = page.data[0].role.clone();
    role.is_revocable = None;
    assert!(codec::to_value(&role).get("isRevocable").is_none());
}

#[test]
fn x11_problem_no_connection() {
    let p = golden_problem("x11_problem_no_connection.json");
    assert_eq!(p.code.as_deref(), Some("AM-00022"));
    assert_eq!(p.status, Some(400));
    assert_eq!(p.trace_id.as_deref(), Some(TRACE));
    let built = ProblemDetails::from_code(problem_code("AM-00022").unwrap()).with_trace_id(TRACE);
    assert_eq!(
        codec::to_value(&built),
        value("x11_problem_no_connection.json")
    );
}

#[test]
fn x12_problem_validation_cascade() {
    let p = golden_problem("x12_problem_validation_cascade.json");
    assert_eq!(p.all_codes(), ["STD-00000", "AM.VLD-00010"]);
    let item = &p.validation_items()[0];
    assert_eq!(item.paths, ["QUERY/cascade"]);
    assert_eq!(
        item.extension("packages"),
        Some("following packages have active assignments [0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c].")
    );
    assert_eq!(
        item.extension("Packages"),
        None,
        "extension keys keep their case"
    );
    let built = ProblemDetails::validation(vec![
        ValidationErrorItem::from_registry(
            ValidationRegistry::Contracts,
            "AM.VLD-00010",
            ["QUERY/cascade"],
        )
        .unwrap()
        .with_extension(
            "packages",
            "following packages have active assignments [0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c].",
        ),
    ])
    .with_trace_id(TRACE);
    assert_eq!(
        codec::to_value(&built),
        value("x12_problem_validation_cascade.json")
    );
}

#[test]
fn x13_problem_person_mismatch() {
    let p = golden_problem("x13_problem_person_mismatch.json");
    assert!(p.has_code("am.vld-00034"));
    assert_eq!(p.trace_id, None);
    let built = ProblemDetails::validation(vec![
        ValidationErrorItem::from_registry(
            ValidationRegistry::Contracts,
            "AM.VLD-00034",
            ["/PersonIdentifier", "/LastName"],
        )
        .unwrap()
        .with_extension("personInput", "PersonInput details must match"),
    ]);
    assert_eq!(
        codec::to_value(&built),
        value("x13_problem_person_mismatch.json")
    );
}

#[test]
fn x14_problem_too_many_lookups() {
    let p = golden_problem("x14_problem_too_many_lookups.json");
    assert_eq!((p.status, p.code.as_deref()), (Some(429), Some("AM-00026")));
    assert_eq!(
        (p.problem_type.as_deref(), p.title.as_deref()),
        (None, None)
    );
    let built = ProblemDetails::for_code("AM-00026").unwrap();
    assert_eq!(
        codec::to_value(&built),
        value("x14_problem_too_many_lookups.json")
    );
}

#[test]
fn x15_problem_unknown_resource() {
    let p = golden_problem("x15_problem_unknown_resource.json");
    assert_eq!(p.code.as_deref(), Some("AM-00027"));
    assert_eq!(p.extension("resource"), Some("ttd-ukjent"));
    let built = ProblemDetails::for_code("AM-00027")
        .unwrap()
        .with_extension("resource", "ttd-ukjent");
    assert_eq!(
        codec::to_value(&built),
        value("x15_problem_unknown_resource.json")
    );
}

#[test]
fn every_fixture_is_covered_by_a_test() {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let this = include_str!("golden.rs");
    for n in &names {
        assert!(this.contains(&format!("\"{n}\"")), "{n} has no golden test");
    }
    assert_eq!(names.len(), 17);
}

#[test]
fn lists_tolerate_nulls_a_next_link_and_missing_optionals() {
    let body = json!({
        "Links": {"Next": "/accessmanagement/api/v1/enduser/connections?page=2"},
        "Data": [{
            "party": {"id": PA, "type": "Person", "variant": "Person", "isDeleted": null},
            "roles": null, "packages": null
        }]
    });
    let page = codec::decode_connections(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!(
        page.next(),
        Some("/accessmanagement/api/v1/enduser/connections?page=2")
    );
    let c = &page.data[0];
    assert!(c.roles.is_empty() && c.packages.is_empty() && c.connections.is_empty());
    assert_eq!(c.party.name, None);
    assert!(!c.party.is_deleted);

    // A wrapped list without `data` is not a list.
    let err = codec::decode_connections(br#"{"links":{"next":null}}"#).unwrap_err();
    assert!(err.message.contains("data"), "{err}");
}

#[test]
fn unknown_enum_values_are_kept() {
    let mut v = value("x02_connections.json");
    v["data"][0]["party"]["type"] = json!("Robot");
    v["data"][0]["party"]["variant"] = json!("SA");
    v["data"][0]["roles"][0]["legacyurn "] = json!(null);
    let page = codec::decode_connections(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(
        page.data[0].party.entity_type,
        EntityType::Other("Robot".into())
    );
    assert_eq!(
        page.data[0].party.variant,
        EntityVariant::Other("SA".into())
    );
    assert_eq!(
        codec::to_value(&page),
        v,
        "unknown values are written back as read"
    );

    let mut r = value("x04_package_permissions.json");
    r["data"][0]["permissions"][0]["reason"] = json!({
        "flag": 33,
        "items": [{"name": "direct", "description": "d"}, {"name": "future", "description": "f"}]
    });
    let page = codec::decode_package_permissions(&serde_json::to_vec(&r).unwrap()).unwrap();
    let reason = &page.data[0].permissions[0].reason;
    assert_eq!(reason.items[1].name, ReasonKind::Other("future".into()));
    assert!(reason.is_consistent());
    assert_eq!(AccessReason::flag_of_items(&reason.items), 1);
    assert_eq!(
        reason.items[0],
        AccessReasonItem {
            name: ReasonKind::Direct,
            description: "d".into()
        }
    );
}

#[test]
fn a_decode_failure_names_the_path_and_not_the_body() {
    let mut v = value("x02_connections.json");
    v["data"][1]["roles"][0]["id"] = json!("01017012345");
    let err = codec::decode_connections(&serde_json::to_vec(&v).unwrap()).unwrap_err();
    assert_eq!(err.path, "data[1].roles[0].id");
    assert!(!err.to_string().contains("02028012345"), "{err}");
}

#[test]
fn the_quirky_keys_are_read_in_every_spelling() {
    let role = |key: &str| {
        let body = json!({"id": RETTIGHETSHAVER, "code": "daglig-leder", "urn": "u", key: "urn:altinn:rolecode:dagl"});
        serde_json::from_value::<tilgang_altinn3_wire::CompactRoleDto>(body)
            .unwrap_or_else(|e| panic!("{key:?}: {e}"))
            .legacy_urn
    };
    for key in [
        "legacyurn ",
        "legacyurn",
        "legacyUrn",
        "LegacyUrn",
        "Legacyurn",
        "LegacyUrn ",
    ] {
        assert_eq!(
            role(key).as_deref(),
            Some("urn:altinn:rolecode:dagl"),
            "{key:?}"
        );
    }
    let entity = |key: &str| {
        let body = json!({"id": PA, "type": "Person", "variant": "Person", key: 50000001});
        serde_json::from_value::<tilgang_altinn3_wire::CompactEntityDto>(body)
            .unwrap_or_else(|e| panic!("{key:?}: {e}"))
            .party_id
    };
    for key in ["partyid", "partyId", "PartyId", "Partyid"] {
        assert_eq!(entity(key), Some(50000001), "{key:?}");
    }
    let party = |key: &str| {
        let body = json!({"partyUuid": ORG, "type": "organization", key: 51000001});
        serde_json::from_value::<AuthorizedPartyDto>(body)
            .unwrap_or_else(|e| panic!("{key:?}: {e}"))
    };
    for key in ["partyId", "PartyId", "partyid"] {
        let p = party(key);
        assert_eq!(p.party_id, 51000001, "{key:?}");
        // Enum values are matched without case too, and written in the documented spelling.
        assert_eq!(p.party_type, AuthorizedPartyType::Organization);
        assert_eq!(codec::to_value(&p)["type"], "Organization");
    }
}
