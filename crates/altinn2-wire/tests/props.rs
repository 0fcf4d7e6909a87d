//! Property tests of the Altinn 2 wire model and its HAL+JSON codec.
//!
//! - Every model survives encode → decode unchanged, in both POST casings.
//! - The wire enums keep every value and give back what they print.
//! - No string, byte sequence or JSON document makes a decoder panic, and broken documents
//!   are refused.
//!
//! Case counts are kept moderate: CI runs on two cores.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tilgang_altinn2_wire::{
    DelegationRequest, Link, Links, Receiver, Reportee, ReporteeType, Right, RightHolder, RightId,
    RightRequest, RightSourceType, RightType, Role, RoleDefinitionId, RoleId, RoleRequest,
    RoleType,
    hal::{self, EmbeddedCasing, Page},
};
use tilgang_domain::{Action, MaskedSsn, ReporteeId, ServiceCode, ServiceEditionCode};
use uuid::Uuid;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn wire_parsers_never_panic(s in prop_oneof![any::<String>(), "\\PC{0,40}", "[0-9rR*, ]{0,40}"]) {
        let _ = s.parse::<RightId>();
        let _ = s.parse::<RoleId>();
        let _ = s.parse::<RoleDefinitionId>();
        // The wire enums never fail, and parsing what they print gives them back.
        let right_type = RightType::parse(&s);
        prop_assert_eq!(RightType::parse(right_type.as_str()), right_type);
        let source = RightSourceType::parse(&s);
        prop_assert_eq!(RightSourceType::parse(source.as_str()), source);
        let role_type = RoleType::parse(&s);
        prop_assert_eq!(RoleType::parse(role_type.as_str()), role_type);
        let reportee_type = ReporteeType::parse(&s);
        prop_assert_eq!(ReporteeType::parse(reportee_type.as_str()), reportee_type);
    }
}

// =============================================================================================
// Model generators. Free text is arbitrary Unicode; enums mix known variants with whatever the
// parser makes of arbitrary text (`Other`), which is how such values arise.

/// Valid synthetic fødselsnummer, as the test registries issue them.
fn synthetic_fnr() -> impl Strategy<Value = String> {
    (1u8..=28, 1u8..=12, 0u8..=99, 0u16..=999).prop_filter_map(
        "no check digits for this individual number",
        |(d, m, y, i)| tilgang_domain::Fnr::synthetic(d, m, y, i).map(|f| f.expose().to_owned()),
    )
}

fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[A-ZÆØÅ ]{0,20}"]
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn wire_enum<T: Clone + std::fmt::Debug + 'static>(
    known: &'static [T],
    parse: fn(&str) -> T,
) -> impl Strategy<Value = T> {
    prop_oneof![
        prop::sample::select(known),
        any::<String>().prop_map(move |s| parse(&s)),
    ]
}

fn links() -> impl Strategy<Value = Links> {
    prop::collection::btree_map(
        free_text(),
        (free_text(), any::<bool>()).prop_map(|(href, is_templated)| Link { href, is_templated }),
        0..3,
    )
}

fn service_code() -> impl Strategy<Value = ServiceCode> {
    "[A-Za-z0-9_-]{1,32}".prop_map(|s| ServiceCode::parse(&s).unwrap())
}

fn edition() -> impl Strategy<Value = ServiceEditionCode> {
    (1u32..=u32::MAX).prop_map(|n| ServiceEditionCode::new(n).unwrap())
}

fn reportee_id() -> impl Strategy<Value = ReporteeId> {
    "[rR][0-9]{1,18}".prop_map(|s| ReporteeId::parse(&s).unwrap())
}

fn masked_ssn() -> impl Strategy<Value = MaskedSsn> {
    prop_oneof![
        synthetic_fnr().prop_map(|f| MaskedSsn::new(&f)),
        any::<String>().prop_map(|s| MaskedSsn::new(&s)),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    wire_enum(Action::KNOWN, Action::parse)
}

/// Message and system-resource ids: numbers (as the POST samples send them), numeric text with
/// leading zeros, and arbitrary text.
fn message_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "0[0-9]{1,5}",
        free_text(),
    ]
}

fn right() -> impl Strategy<Value = Right> {
    (
        (
            opt(any::<i64>().prop_map(RightId)),
            opt(wire_enum(RightType::KNOWN, RightType::parse)),
            opt(message_id()),
            opt(service_code()),
            opt(edition()),
            opt(free_text()),
            opt(free_text()),
            opt(message_id()),
        ),
        (
            opt(free_text()),
            opt(free_text()),
            action(),
            opt(wire_enum(RightSourceType::KNOWN, RightSourceType::parse)),
            opt(any::<bool>()),
            opt(free_text()),
            opt(any::<bool>()),
            links(),
        ),
    )
        .prop_map(
            |(
                (
                    right_id,
                    right_type,
                    system_resource_id,
                    service_code,
                    service_edition_code,
                    service_owner,
                    service_owner_code,
                    message_id,
                ),
                (
                    delegator,
                    delegated_time,
                    action,
                    right_source_type,
                    is_delegatable,
                    valid_to_date,
                    is_consent_delegation,
                    links,
                ),
            )| Right {
                right_id,
                right_type,
                system_resource_id,
                service_code,
                service_edition_code,
                service_owner,
                service_owner_code,
                message_id,
                delegator,
                delegated_time,
                action,
                right_source_type,
                is_delegatable,
                valid_to_date,
                is_consent_delegation,
                links,
            },
        )
}

fn role() -> impl Strategy<Value = Role> {
    (
        opt(any::<i64>().prop_map(RoleId)),
        opt(wire_enum(RoleType::KNOWN, RoleType::parse)),
        opt(any::<i64>().prop_map(RoleDefinitionId)),
        opt(free_text()),
        opt(free_text()),
        opt(free_text()),
        opt(free_text()),
        opt(free_text()),
        links(),
    )
        .prop_map(
            |(
                role_id,
                role_type,
                role_definition_id,
                role_name,
                role_description,
                delegator,
                delegated_time,
                role_definition_code,
                links,
            )| Role {
                role_id,
                role_type,
                role_definition_id,
                role_name,
                role_description,
                delegator,
                delegated_time,
                role_definition_code,
                links,
            },
        )
}

/// A nested collection as it can come off the wire: absent, or present with items and links.
/// (An absent collection has no items and no links; that is what "absent" means.)
fn nested<T: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = T>,
) -> impl Strategy<Value = (bool, Vec<T>, Links)> {
    prop_oneof![
        Just((false, Vec::new(), Links::new())),
        (prop::collection::vec(item, 0..4), links()).prop_map(|(items, l)| (true, items, l)),
    ]
}

fn right_holder() -> impl Strategy<Value = RightHolder> {
    (
        (
            opt(reportee_id()),
            opt(free_text()),
            opt(free_text()),
            opt(free_text()),
            opt(masked_ssn()),
            opt(free_text()),
            opt(free_text()),
        ),
        nested(role()),
        nested(right()),
        links(),
    )
        .prop_map(
            |(
                (
                    right_holder_id,
                    name,
                    last_name,
                    user_name,
                    social_security_number,
                    organization_number,
                    delegation_context,
                ),
                (has_roles, roles, roles_links),
                (has_rights, rights, rights_links),
                links,
            )| RightHolder {
                right_holder_id,
                name,
                last_name,
                user_name,
                social_security_number,
                organization_number,
                delegation_context,
                roles,
                rights,
                roles_links,
                rights_links,
                has_roles,
                has_rights,
                links,
            },
        )
}

fn reportee() -> impl Strategy<Value = Reportee> {
    (
        reportee_id(),
        opt(any::<u128>().prop_map(Uuid::from_u128)),
        opt(free_text()),
        opt(wire_enum(ReporteeType::KNOWN, ReporteeType::parse)),
        opt(masked_ssn()),
        opt(free_text()),
        opt(free_text()),
        opt(free_text()),
        opt(free_text()),
        links(),
    )
        .prop_map(
            |(
                reportee_id,
                party_uuid,
                name,
                reportee_type,
                social_security_number,
                organization_number,
                parent_organization_number,
                organization_form,
                status,
                links,
            )| Reportee {
                reportee_id,
                party_uuid,
                name,
                reportee_type,
                social_security_number,
                organization_number,
                parent_organization_number,
                organization_form,
                status,
                links,
            },
        )
}

fn page<T: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = T>,
) -> impl Strategy<Value = Page<T>> {
    (prop::collection::vec(item, 0..4), links()).prop_map(|(items, links)| Page { items, links })
}

fn right_request() -> impl Strategy<Value = RightRequest> {
    (
        opt(message_id()),
        opt(message_id()),
        opt(service_code()),
        opt(edition()),
        action(),
    )
        .prop_map(
            |(message_id, system_resource_id, service_code, service_edition_code, action)| {
                RightRequest {
                    message_id,
                    system_resource_id,
                    service_code,
                    service_edition_code,
                    action,
                }
            },
        )
}

fn receiver() -> impl Strategy<Value = Receiver> {
    prop_oneof![
        (prop_oneof![synthetic_fnr(), free_text()], free_text())
            .prop_map(|(ssn, last_name)| Receiver::Person { ssn, last_name }),
        (prop_oneof!["[89][0-9]{8}", free_text()], free_text())
            .prop_map(|(org, name)| Receiver::Organisation { org, name }),
        (free_text(), free_text())
            .prop_map(|(user_name, org)| Receiver::EnterpriseUser { user_name, org }),
    ]
}

fn delegation_request() -> impl Strategy<Value = DelegationRequest> {
    (
        receiver(),
        prop::collection::vec(right_request(), 0..4),
        prop::collection::vec(
            any::<i64>().prop_map(|n| RoleRequest {
                role_definition_id: RoleDefinitionId(n),
            }),
            0..3,
        ),
        opt(free_text()),
    )
        .prop_map(|(receiver, rights, roles, email)| DelegationRequest {
            receiver,
            rights,
            roles,
            email,
        })
}

fn casing() -> impl Strategy<Value = EmbeddedCasing> {
    prop_oneof![Just(EmbeddedCasing::Pascal), Just(EmbeddedCasing::Lower)]
}

// =============================================================================================
// Round trips.

fn decoded<T>(result: Result<T, hal::DecodeError>, encoded: &[u8]) -> Result<T, TestCaseError> {
    result.map_err(|e| {
        TestCaseError::fail(format!(
            "{e} in {}",
            String::from_utf8_lossy(encoded)
                .chars()
                .take(2000)
                .collect::<String>()
        ))
    })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn right_round_trips(item in right()) {
        let page = Page { items: vec![item], links: Links::new() };
        let bytes = hal::encode_rights(&page);
        prop_assert_eq!(decoded(hal::decode_rights(&bytes), &bytes)?, page);
    }

    #[test]
    fn role_round_trips(item in role()) {
        let page = Page { items: vec![item], links: Links::new() };
        let bytes = hal::encode_roles(&page);
        prop_assert_eq!(decoded(hal::decode_roles(&bytes), &bytes)?, page);
    }

    #[test]
    fn right_holder_round_trips(holder in right_holder()) {
        let bytes = hal::encode_right_holder(&holder);
        prop_assert_eq!(decoded(hal::decode_right_holder(&bytes), &bytes)?, holder);
    }

    #[test]
    fn reportee_round_trips(item in reportee()) {
        let bytes = hal::encode_reportee(&item);
        prop_assert_eq!(decoded(hal::decode_reportee(&bytes), &bytes)?, item);
    }

    #[test]
    fn rights_page_round_trips(p in page(right())) {
        let bytes = hal::encode_rights(&p);
        prop_assert_eq!(decoded(hal::decode_rights(&bytes), &bytes)?, p);
    }

    #[test]
    fn roles_page_round_trips(p in page(role())) {
        let bytes = hal::encode_roles(&p);
        prop_assert_eq!(decoded(hal::decode_roles(&bytes), &bytes)?, p);
    }

    #[test]
    fn right_holders_page_round_trips(p in page(right_holder())) {
        let bytes = hal::encode_right_holders(&p);
        prop_assert_eq!(decoded(hal::decode_right_holders(&bytes), &bytes)?, p);
    }

    #[test]
    fn reportees_page_round_trips(p in page(reportee())) {
        let bytes = hal::encode_reportees(&p);
        prop_assert_eq!(decoded(hal::decode_reportees(&bytes), &bytes)?, p);
    }

    #[test]
    fn delegation_request_round_trips_in_both_casings(
        request in delegation_request(),
        casing in casing(),
    ) {
        let bytes = hal::encode_delegation_request(&request, casing);
        prop_assert_eq!(decoded(hal::decode_delegation_request(&bytes), &bytes)?, request.clone());

        // The `_embedded` keys are in the casing asked for, and only present when non-empty.
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let (rights, roles) = match casing {
            EmbeddedCasing::Pascal => ("Rights", "Roles"),
            EmbeddedCasing::Lower => ("rights", "roles"),
        };
        let embedded = body["_embedded"].as_object().unwrap();
        let mut expected_keys = Vec::new();
        if !request.roles.is_empty() {
            expected_keys.push(roles);
        }
        if !request.rights.is_empty() {
            expected_keys.push(rights);
        }
        let mut keys: Vec<&str> = embedded.keys().map(String::as_str).collect();
        keys.sort_unstable();
        expected_keys.sort_unstable();
        prop_assert_eq!(keys, expected_keys);
    }

    /// Decoding does not care how the `_embedded` array name is cased.
    #[test]
    fn embedded_names_decode_in_any_casing(p in page(right()), upper in prop::collection::vec(any::<bool>(), 6)) {
        let mut body: Value = serde_json::from_slice(&hal::encode_rights(&p)).unwrap();
        let name: String = "rights"
            .chars()
            .zip(&upper)
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
            .collect();
        let items = body["_embedded"]["rights"].take();
        body["_embedded"] = json!({ name: items });
        let bytes = serde_json::to_vec(&body).unwrap();
        prop_assert_eq!(decoded(hal::decode_rights(&bytes), &bytes)?, p);
    }

    /// A bad value deep in a list names its path, index included.
    #[test]
    fn decode_errors_name_the_failing_path(p in page(right()), bad in any::<prop::sample::Index>()) {
        prop_assume!(!p.items.is_empty());
        let k = bad.index(p.items.len());
        let mut body: Value = serde_json::from_slice(&hal::encode_rights(&p)).unwrap();
        body["_embedded"]["rights"][k]["ServiceEditionCode"] = json!("not a number");
        let err = hal::decode_rights(&serde_json::to_vec(&body).unwrap()).unwrap_err();
        prop_assert_eq!(err.path, format!("_embedded.rights[{k}].ServiceEditionCode"));
    }
}

// =============================================================================================
// Decoders never panic, on bytes or on JSON shaped like the real thing.

/// Runs every decoder over `bytes` and says which of them accepted it, by name.
fn decode_everything(bytes: &[u8]) -> Vec<&'static str> {
    let results = [
        ("right holder", hal::decode_right_holder(bytes).is_ok()),
        ("right holders", hal::decode_right_holders(bytes).is_ok()),
        ("rights", hal::decode_rights(bytes).is_ok()),
        ("roles", hal::decode_roles(bytes).is_ok()),
        ("reportee", hal::decode_reportee(bytes).is_ok()),
        ("reportees", hal::decode_reportees(bytes).is_ok()),
        (
            "reportee conversion request",
            hal::decode_reportee_conversion_request(bytes).is_ok(),
        ),
        (
            "delegation request",
            hal::decode_delegation_request(bytes).is_ok(),
        ),
    ];
    results
        .into_iter()
        .filter_map(|(name, ok)| ok.then_some(name))
        .collect()
}

/// Keys the decoders look for, in several casings, plus a few strangers.
const KEYS: &[&str] = &[
    "_links",
    "_embedded",
    "href",
    "isTemplated",
    "rights",
    "Rights",
    "roles",
    "Roles",
    "rightholders",
    "reportees",
    "RightID",
    "RightType",
    "ServiceCode",
    "serviceCode",
    "ServiceEditionCode",
    "MessageID",
    "SystemResourceID",
    "Action",
    "action",
    "RightSourceType",
    "IsDelegatable",
    "RoleId",
    "RoleDefinitionId",
    "RoleType",
    "RightHolderId",
    "ReporteeId",
    "PartyUUID",
    "SocialSecurityNumber",
    "LastName",
    "OrganizationNumber",
    "Name",
    "UserName",
    "Email",
    "Type",
    "self",
    "x",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            any::<String>(),
            "r[0-9]{1,20}",
            "[0-9]{1,12}",
            "[Rr]ead|Write|Service|Local|Person"
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kvs| {
                Value::Object(
                    kvs.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn decoders_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&bytes);
    }

    #[test]
    fn decoders_never_panic_on_json(value in json_value()) {
        decode_everything(&serde_json::to_vec(&value).unwrap());
    }

    /// Cutting a valid document anywhere gives an error, not a panic and not a partial value.
    #[test]
    fn truncated_documents_are_refused(holder in right_holder(), cut in any::<prop::sample::Index>()) {
        let bytes = hal::encode_right_holder(&holder);
        let cut = cut.index(bytes.len());
        prop_assert!(hal::decode_right_holder(&bytes[..cut]).is_err());
    }
}

/// Nesting far beyond serde_json's recursion limit neither overflows the stack nor yields
/// data. A nested array is refused by every decoder. Nesting under an unknown key is skipped
/// (serde_json skips ignored values without recursing, and unknown keys are tolerated), so
/// the decoders that accept that document must come back empty-handed.
#[test]
fn deeply_nested_json_neither_overflows_the_stack_nor_decodes_as_data() {
    let depth = 100_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(decode_everything(body.as_bytes()), Vec::<&str>::new());

    let body = format!("{}1{}", "{\"_embedded\":".repeat(depth), "}".repeat(depth));
    let bytes = body.as_bytes();
    if let Ok(holder) = hal::decode_right_holder(bytes) {
        assert!(holder.rights.is_empty() && holder.roles.is_empty());
    }
    for accepted in [
        hal::decode_right_holders(bytes).map(|p| p.items.len()),
        hal::decode_rights(bytes).map(|p| p.items.len()),
        hal::decode_roles(bytes).map(|p| p.items.len()),
        hal::decode_reportees(bytes).map(|p| p.items.len()),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(accepted, 0);
    }
    if let Ok(request) = hal::decode_reportee_conversion_request(bytes) {
        assert_eq!(request, Default::default());
    }
    assert!(hal::decode_delegation_request(bytes).is_err());
}

// Keep the generators honest: each known enum variant and each receiver kind shows up.
#[test]
fn generators_cover_every_receiver_kind() {
    use proptest::{strategy::ValueTree, test_runner::TestRunner};
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeMap::new();
    for _ in 0..200 {
        let request = delegation_request()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let kind = match request.receiver {
            Receiver::Person { .. } => "person",
            Receiver::Organisation { .. } => "organisation",
            Receiver::EnterpriseUser { .. } => "enterprise user",
            _ => "other",
        };
        *seen.entry(kind).or_insert(0) += 1;
    }
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        ["enterprise user", "organisation", "person"]
    );
}
