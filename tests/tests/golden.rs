//! Golden tests: every JSON example of `shared/spec/altinn2-rest.md` §5–§7 (the files in
//! `tests/fixtures/`, listed in its README) decodes to the documented values with the codec of
//! `tilgang-altinn2-wire` (which the Altinn 2 adapter and the mock server both use), and
//! encoding the decoded value reproduces the documented document.
//!
//! Documents are compared as `serde_json::Value`, so key order and whitespace do not matter
//! while a missing or extra field, a renamed key or a number turned into a string does.

use std::{fs, path::PathBuf};

use serde_json::Value;
use tilgang::domain::{
    Action, Fnr, Name, OrgNumber, PartyQuery, ReporteeId, ServiceCode, ServiceEditionCode,
};
use tilgang_altinn2_wire::{
    Links, Receiver, ReporteeType, RightId, RightSourceType, RightType, RoleDefinitionId, RoleId,
    RoleType,
    hal::{self, EmbeddedCasing},
};

/// Every fixture this file tests. `every_fixture_is_tested_and_listed` keeps this list, the
/// directory and the README in step.
const FIXTURES: &[&str] = &[
    "reportee_conversion_request_person.json",
    "reportee_conversion_request_organisation.json",
    "reportee_conversion_response_person.json",
    "reportee_conversion_response_organisation.json",
    "rightholders.json",
    "rightholder.json",
    "rights.json",
    "roles.json",
    "delegation_request_guide.json",
    "delegation_request_reference.json",
    "delegation_request_message_right.json",
    "delegation_request_system_resource_right.json",
];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[track_caller]
fn fixture(name: &str) -> Vec<u8> {
    assert!(FIXTURES.contains(&name), "{name} is missing from FIXTURES");
    let path = fixtures_dir().join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[track_caller]
fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON: {e}"))
}

/// Asserts that `encoded` is the same JSON document as `expected`, printing both on failure.
#[track_caller]
fn assert_same_json(name: &str, encoded: &[u8], expected: &Value) {
    let actual = json(encoded);
    assert!(
        &actual == expected,
        "encoding does not reproduce {name}\n--- expected\n{}\n--- encoded\n{}",
        serde_json::to_string_pretty(expected).unwrap_or_default(),
        serde_json::to_string_pretty(&actual).unwrap_or_default(),
    );
}

fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).unwrap()
}

fn edition(n: u32) -> ServiceEditionCode {
    ServiceEditionCode::new(n).unwrap()
}

#[track_caller]
fn href<'a>(links: &'a Links, rel: &str) -> &'a str {
    match links.get(rel) {
        Some(link) => {
            assert!(!link.is_templated, "link {rel} should not be templated");
            &link.href
        }
        None => panic!("no `{rel}` link in {links:?}"),
    }
}

// -------------------------------------------------------------------------------------------
// §5.1 ReporteeConversion.

#[test]
fn reportee_conversion_request_person() {
    let name = "reportee_conversion_request_person.json";
    let body = fixture(name);
    let req = hal::decode_reportee_conversion_request(&body).unwrap();
    assert_eq!(req.social_security_number.as_deref(), Some("26899299344"));
    assert_eq!(req.last_name.as_deref(), Some("HEIS"));
    assert_eq!(req.organization_number, None);
    assert_eq!(req.organization_name, None);

    // A client builds this body from checked identifiers; the documented values are valid.
    let fnr = Fnr::parse(req.social_security_number.as_deref().unwrap()).unwrap();
    let last_name = Name::parse(req.last_name.as_deref().unwrap()).unwrap();
    let query = PartyQuery::Person { fnr, last_name };
    assert_same_json(name, &hal::encode_reportee_query(&query), &json(&body));
}

#[test]
fn reportee_conversion_request_organisation() {
    let name = "reportee_conversion_request_organisation.json";
    let body = fixture(name);
    let req = hal::decode_reportee_conversion_request(&body).unwrap();
    assert_eq!(req.social_security_number, None);
    assert_eq!(req.last_name, None);
    assert_eq!(req.organization_number.as_deref(), Some("910437127"));
    assert_eq!(
        req.organization_name.as_deref(),
        Some("BIRI OG TORPO REGNSKAP")
    );

    let org = OrgNumber::parse(req.organization_number.as_deref().unwrap()).unwrap();
    let org_name = Name::parse(req.organization_name.as_deref().unwrap()).unwrap();
    let query = PartyQuery::Organisation {
        org,
        name: org_name,
    };
    assert_same_json(name, &hal::encode_reportee_query(&query), &json(&body));
}

#[test]
fn reportee_conversion_response_person() {
    let name = "reportee_conversion_response_person.json";
    let body = fixture(name);
    let reportee = hal::decode_reportee(&body).unwrap();
    assert_eq!(
        reportee.reportee_id,
        ReporteeId::parse("r50828869").unwrap()
    );
    assert_eq!(reportee.reportee_id.number(), 50_828_869);
    assert_eq!(reportee.name.as_deref(), Some("HEIS TOM"));
    assert_eq!(reportee.reportee_type, Some(ReporteeType::Person));
    // The full number in the response is masked on the way in and still matches the person.
    let ssn = reportee.social_security_number.as_ref().unwrap();
    assert_eq!(ssn.as_str(), "268992*****");
    assert!(ssn.matches(&Fnr::parse("26899299344").unwrap()));
    assert_eq!(reportee.organization_number, None);
    assert_eq!(reportee.organization_form, None);
    assert_eq!(reportee.status, None);
    assert_eq!(reportee.party_uuid, None);
    assert!(reportee.links.is_empty());

    // Encoding reproduces the document except for the masked number: the one intended
    // difference, so a full fødselsnummer never travels further than the decoder.
    let mut expected = json(&body);
    expected["SocialSecurityNumber"] = Value::from("268992*****");
    assert_same_json(name, &hal::encode_reportee(&reportee), &expected);
}

#[test]
fn reportee_conversion_response_organisation() {
    let name = "reportee_conversion_response_organisation.json";
    let body = fixture(name);
    let reportee = hal::decode_reportee(&body).unwrap();
    assert_eq!(reportee.reportee_id.as_str(), "r50040934");
    assert_eq!(reportee.name.as_deref(), Some("BIRI OG TORPO REGNSKAP"));
    assert_eq!(reportee.reportee_type, Some(ReporteeType::Enterprise));
    assert_eq!(reportee.social_security_number, None);
    assert_eq!(reportee.organization_number.as_deref(), Some("910437127"));
    assert_eq!(reportee.parent_organization_number, None);
    assert_eq!(reportee.organization_form.as_deref(), Some("AS"));
    assert_eq!(reportee.status.as_deref(), Some("Active"));
    assert_same_json(name, &hal::encode_reportee(&reportee), &json(&body));
}

// -------------------------------------------------------------------------------------------
// §5.2 Right-holder list.

#[test]
fn rightholders() {
    let name = "rightholders.json";
    let body = fixture(name);
    let page = hal::decode_right_holders(&body).unwrap();
    let base = "https://www.altinn.no/api/912345678/authorization/delegations";

    assert_eq!(page.links.len(), 2);
    let find = &page.links["find"];
    assert!(find.is_templated);
    assert_eq!(find.href, format!("{base}/{{receiverId}}"));
    assert_eq!(href(&page.links, "self"), base);

    assert_eq!(page.items.len(), 2);
    let person = &page.items[0];
    assert_eq!(
        person.right_holder_id.as_ref().unwrap().as_str(),
        "r50006868"
    );
    assert_eq!(person.name.as_deref(), Some("KAI MOSSIGE"));
    assert_eq!(person.last_name.as_deref(), Some("MOSSIGE"));
    assert_eq!(
        person.social_security_number.as_ref().unwrap().as_str(),
        "020958*****"
    );
    assert_eq!(person.organization_number, None);
    assert_eq!(href(&person.links, "self"), format!("{base}/r50006868"));
    assert_eq!(
        href(&person.links, "rights"),
        format!("{base}/r50006868/rights")
    );
    assert_eq!(
        href(&person.links, "roles"),
        format!("{base}/r50006868/roles")
    );
    // The list says who holds something, not what: no nested collections.
    assert!(!person.has_rights && !person.has_roles);
    assert!(person.rights.is_empty() && person.roles.is_empty());

    let org = &page.items[1];
    assert_eq!(org.right_holder_id.as_ref().unwrap().as_str(), "r50040934");
    assert_eq!(org.name.as_deref(), Some("ORGANISASJONSNAVN AS"));
    assert_eq!(org.last_name, None);
    assert_eq!(org.social_security_number, None);
    // The docs' placeholder number fails mod 11; the codec keeps it as the server sent it.
    assert_eq!(org.organization_number.as_deref(), Some("812345679"));
    assert!(OrgNumber::parse("812345679").is_err());
    assert_eq!(href(&org.links, "roles"), format!("{base}/r50040934/roles"));

    assert_same_json(name, &hal::encode_right_holders(&page), &json(&body));
}

// -------------------------------------------------------------------------------------------
// §5.3 One right holder with nested rights and roles.

#[test]
fn rightholder() {
    let name = "rightholder.json";
    let body = fixture(name);
    let holder = hal::decode_right_holder(&body).unwrap();
    let base = "https://tt02.altinn.no/api/my/authorization";

    assert_eq!(
        holder.right_holder_id.as_ref().unwrap().as_str(),
        "r50828869"
    );
    assert_eq!(holder.name.as_deref(), Some("TOM HEIS"));
    assert_eq!(holder.last_name.as_deref(), Some("HEIS"));
    let ssn = holder.social_security_number.as_ref().unwrap();
    assert_eq!(ssn.as_str(), "268992*****");
    assert!(ssn.matches(&Fnr::parse("26899299344").unwrap()));
    assert_eq!(holder.organization_number, None);
    assert_eq!(holder.user_name, None);
    assert_eq!(holder.delegation_context, None);

    assert!(holder.has_roles);
    assert_eq!(
        href(&holder.roles_links, "self"),
        format!("{base}/delegations/r50828869/roles")
    );
    assert_eq!(holder.roles.len(), 1);
    let role = &holder.roles[0];
    assert_eq!(
        role.role_id, None,
        "the synthetic Single Rights role has no RoleId"
    );
    assert_eq!(role.role_type, Some(RoleType::Local));
    assert_eq!(role.role_definition_id, Some(RoleDefinitionId(0)));
    assert_eq!(role.role_name.as_deref(), Some("Single Rights"));
    assert_eq!(
        role.role_description.as_deref(),
        Some("Collection of single rights")
    );
    assert_eq!(role.delegator.as_deref(), Some(""));
    assert_eq!(
        role.delegated_time.as_deref(),
        Some("2021-12-01T11:57:43.373")
    );
    assert_eq!(role.role_definition_code, None);
    assert_eq!(
        href(&role.links, "roledefinition"),
        format!("{base}/roledefinitions/0")
    );

    assert!(holder.has_rights);
    assert_eq!(
        href(&holder.rights_links, "self"),
        format!("{base}/delegations/r50828869/rights")
    );
    assert_eq!(holder.rights.len(), 1);
    let right = &holder.rights[0];
    assert_eq!(right.right_id, Some(RightId(4_371_450)));
    assert_eq!(right.right_type, Some(RightType::Service));
    assert_eq!(right.service_code, Some(code("4864")));
    assert_eq!(right.service_edition_code, Some(edition(1)));
    assert_eq!(right.action, Action::Read);
    assert_eq!(
        right.right_source_type,
        Some(RightSourceType::DirectlyDelegatedRights)
    );
    assert!(right.is_directly_delegated());
    assert_eq!(right.is_delegatable, Some(true));
    assert!(right.is_for(&code("4864"), edition(1), &Action::Read));
    assert_eq!(right.message_id, None);
    assert_eq!(right.system_resource_id, None);
    assert!(right.links.is_empty());

    assert_eq!(holder.links.len(), 3);
    assert_eq!(
        href(&holder.links, "self"),
        format!("{base}/delegations/r50828869")
    );
    assert_eq!(
        href(&holder.links, "rights"),
        format!("{base}/delegations/r50828869/rights")
    );
    assert_eq!(
        href(&holder.links, "roles"),
        format!("{base}/delegations/r50828869/roles")
    );

    assert_same_json(name, &hal::encode_right_holder(&holder), &json(&body));
}

// -------------------------------------------------------------------------------------------
// §5.4 Rights and roles lists.

#[test]
fn rights() {
    let name = "rights.json";
    let body = fixture(name);
    let page = hal::decode_rights(&body).unwrap();
    assert_eq!(
        href(&page.links, "self"),
        "https://www.altinn.no/api/912345678/authorization/delegations/r50006868/rights"
    );
    assert_eq!(page.items.len(), 2);

    let inherited = &page.items[0];
    assert_eq!(inherited.right_id, Some(RightId(1_004_893)));
    assert_eq!(inherited.right_type, Some(RightType::Service));
    assert_eq!(inherited.service_code, Some(code("1120")));
    assert_eq!(inherited.service_edition_code, Some(edition(131_028)));
    assert_eq!(inherited.action, Action::Read);
    assert_eq!(
        inherited.right_source_type,
        Some(RightSourceType::RoleTypeRights)
    );
    assert!(
        !inherited.is_directly_delegated(),
        "a right that comes from a role is not deletable on its own"
    );
    assert_eq!(inherited.is_delegatable, Some(true));

    let direct = &page.items[1];
    assert_eq!(direct.right_id, Some(RightId(1_009_589)));
    assert_eq!(direct.service_code, Some(code("3502")));
    assert_eq!(direct.service_edition_code, Some(edition(140_117)));
    assert_eq!(direct.action, Action::Read);
    assert!(direct.is_directly_delegated());

    assert_same_json(name, &hal::encode_rights(&page), &json(&body));
}

#[test]
fn roles() {
    let name = "roles.json";
    let body = fixture(name);
    let page = hal::decode_roles(&body).unwrap();
    let base = "https://www.altinn.no/api/912345678/authorization";
    assert_eq!(
        href(&page.links, "self"),
        format!("{base}/delegations/r50006868/roles")
    );
    assert_eq!(page.items.len(), 2);

    let full = &page.items[0];
    assert_eq!(full.role_id, Some(RoleId(1_234_567)));
    assert_eq!(full.role_type, Some(RoleType::Altinn));
    assert_eq!(full.role_definition_id, Some(RoleDefinitionId(64)));
    assert_eq!(full.role_name.as_deref(), Some("Regnskapsmedarbeider"));
    assert_eq!(
        full.role_description.as_deref(),
        Some("Tilgang til regnskapstjenester")
    );
    assert_eq!(full.delegator.as_deref(), Some("KARI NORDMANN"));
    assert_eq!(
        full.delegated_time.as_deref(),
        Some("2021-12-01T11:57:43.373")
    );
    assert_eq!(full.role_definition_code.as_deref(), Some("REGNA"));
    assert_eq!(
        href(&full.links, "roledefinition"),
        format!("{base}/roledefinitions/64")
    );

    let synthetic = &page.items[1];
    assert_eq!(synthetic.role_id, None);
    assert_eq!(synthetic.role_type, Some(RoleType::Local));
    assert_eq!(synthetic.role_definition_id, Some(RoleDefinitionId(0)));
    assert_eq!(synthetic.role_definition_code, None);
    assert_eq!(
        href(&synthetic.links, "roledefinition"),
        format!("{base}/roledefinitions/0")
    );

    assert_same_json(name, &hal::encode_roles(&page), &json(&body));
}

// -------------------------------------------------------------------------------------------
// §5.5 POST Delegations bodies, in both casings.

/// Renames the keys of the body's `_embedded` object, to build the other casing's document.
fn recase_embedded(body: &Value, casing: EmbeddedCasing) -> Value {
    let mut body = body.clone();
    let embedded = body["_embedded"].as_object_mut().unwrap();
    let renamed = std::mem::take(embedded)
        .into_iter()
        .map(|(k, v)| {
            let key = match (casing, k.as_str()) {
                (EmbeddedCasing::Lower, _) => k.to_ascii_lowercase(),
                (_, "rights") => "Rights".to_owned(),
                (_, "roles") => "Roles".to_owned(),
                _ => k,
            };
            (key, v)
        })
        .collect();
    *embedded = renamed;
    body
}

#[test]
fn delegation_request_guide_lowercase() {
    let name = "delegation_request_guide.json";
    let body = fixture(name);
    let request = hal::decode_delegation_request(&body).unwrap();
    match &request.receiver {
        Receiver::Person { ssn, last_name } => {
            assert_eq!(ssn, "26899299344");
            assert_eq!(last_name, "HEIS");
        }
        other => panic!("expected a person receiver, got {other:?}"),
    }
    assert_eq!(request.email, None);
    assert!(request.roles.is_empty());
    assert_eq!(request.rights.len(), 2);
    for (right, action) in request.rights.iter().zip([Action::Read, Action::Write]) {
        assert_eq!(right.service_code, Some(code("3225")));
        assert_eq!(right.service_edition_code, Some(edition(536)));
        assert_eq!(right.action, action);
        assert_eq!(right.message_id, None);
        assert_eq!(right.system_resource_id, None);
    }

    let documented = json(&body);
    assert_same_json(
        name,
        &hal::encode_delegation_request(&request, EmbeddedCasing::Lower),
        &documented,
    );
    // The same request in the reference page's casing, and back: the casing is all that changes.
    let pascal = recase_embedded(&documented, EmbeddedCasing::Pascal);
    assert!(pascal["_embedded"].get("Rights").is_some());
    assert_same_json(
        name,
        &hal::encode_delegation_request(&request, EmbeddedCasing::Pascal),
        &pascal,
    );
    let from_pascal = hal::decode_delegation_request(&serde_json::to_vec(&pascal).unwrap());
    assert_eq!(from_pascal.unwrap(), request);
}

#[test]
fn delegation_request_reference_pascal_case() {
    let name = "delegation_request_reference.json";
    let body = fixture(name);
    let request = hal::decode_delegation_request(&body).unwrap();
    match &request.receiver {
        Receiver::Organisation { org, name } => {
            assert_eq!(org, "812345679");
            assert_eq!(name, "ORGANISASJONSNAVN AS");
        }
        other => panic!("expected an organisation receiver, got {other:?}"),
    }
    assert_eq!(request.email, None);
    assert_eq!(request.roles.len(), 1);
    assert_eq!(request.roles[0].role_definition_id, RoleDefinitionId(64));
    assert_eq!(request.rights.len(), 1);
    assert_eq!(request.rights[0].service_code, Some(code("5123")));
    assert_eq!(request.rights[0].service_edition_code, Some(edition(1)));
    assert_eq!(request.rights[0].action, Action::Read);

    let documented = json(&body);
    assert_same_json(
        name,
        &hal::encode_delegation_request(&request, EmbeddedCasing::Pascal),
        &documented,
    );
    let lower = recase_embedded(&documented, EmbeddedCasing::Lower);
    assert!(lower["_embedded"].get("roles").is_some());
    assert_same_json(
        name,
        &hal::encode_delegation_request(&request, EmbeddedCasing::Lower),
        &lower,
    );
    let from_lower = hal::decode_delegation_request(&serde_json::to_vec(&lower).unwrap());
    assert_eq!(from_lower.unwrap(), request);
}

#[test]
fn delegation_request_message_right() {
    let name = "delegation_request_message_right.json";
    let body = fixture(name);
    let request = hal::decode_delegation_request(&body).unwrap();
    assert!(request.roles.is_empty());
    assert_eq!(request.rights.len(), 1);
    let right = &request.rights[0];
    assert_eq!(right.message_id.as_deref(), Some("64"));
    assert_eq!(right.service_code, Some(code("2308")));
    assert_eq!(right.service_edition_code, Some(edition(64)));
    assert_eq!(right.action, Action::Read);
    assert_eq!(right.system_resource_id, None);

    // `MessageID` is a JSON number in the POST samples and must stay one.
    let encoded = hal::encode_delegation_request(&request, EmbeddedCasing::Pascal);
    assert_eq!(json(&encoded)["_embedded"]["Rights"][0]["MessageID"], 64);
    assert_same_json(name, &encoded, &json(&body));
}

#[test]
fn delegation_request_system_resource_right() {
    let name = "delegation_request_system_resource_right.json";
    let body = fixture(name);
    let request = hal::decode_delegation_request(&body).unwrap();
    assert_eq!(request.rights.len(), 1);
    let right = &request.rights[0];
    assert_eq!(right.system_resource_id.as_deref(), Some("12345"));
    assert_eq!(right.action, Action::Read);
    assert_eq!(right.service_code, None);
    assert_eq!(right.service_edition_code, None);
    assert_eq!(right.message_id, None);

    let encoded = hal::encode_delegation_request(&request, EmbeddedCasing::Pascal);
    assert_eq!(
        json(&encoded)["_embedded"]["Rights"][0]["SystemResourceID"],
        "12345"
    );
    assert_same_json(name, &encoded, &json(&body));
}

// -------------------------------------------------------------------------------------------
// Bookkeeping.

#[test]
fn every_fixture_is_tested_and_listed() {
    let readme = fs::read_to_string(fixtures_dir().join("README.md")).unwrap();
    let mut on_disk: Vec<String> = fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|file| file.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut tested: Vec<String> = FIXTURES.iter().map(|f| (*f).to_owned()).collect();
    tested.sort();
    assert_eq!(
        on_disk, tested,
        "tests/fixtures/*.json and FIXTURES in golden.rs differ: add a test for each new fixture"
    );
    for file in FIXTURES {
        assert!(
            readme.contains(&format!("`{file}`")),
            "tests/fixtures/README.md does not list {file}; add a row with its spec section"
        );
    }
}
