//! The spec's golden examples (`tests/fixtures/altinn3/`, §3.9 and §4.1), served by wiremock for
//! their endpoints: the adapter's methods decode them to the values the spec describes, the
//! ports built on them classify what is held, and the problem examples become refusals with
//! their codes, validation paths, extensions and advice.

mod common;

use common::*;
use serde_json::Value;
use tilgang_altinn3::wire::{AuthorizedPartyType, EntityType, PersonInput};
use tilgang_domain::{
    Action, Grantable, HeldAccess, HeldVia, PartyKind, ResourceId, ResourceRight, RevokeHandle,
    RoleCode,
};
use tilgang_ports::{AltinnError, Rejection, Rights};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

/// Serves `fixture` with `status` for `verb` on the enduser path `tail`.
async fn serve(server: &MockServer, verb: &str, tail: &str, status: u16, fixture_name: &str) {
    Mock::given(method(verb))
        .and(path(format!("{ENDUSER}/{tail}")))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(fixture(fixture_name), "application/problem+json"),
        )
        .mount(server)
        .await;
}

fn org() -> tilgang_domain::PartyUuid {
    uuid(ORG)
}

fn pa() -> tilgang_domain::PartyUuid {
    uuid(PA)
}

fn resource() -> ResourceId {
    ResourceId::parse(RESOURCE).unwrap()
}

fn rejected(error: AltinnError) -> Rejection {
    match error {
        AltinnError::Rejected(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn x01_authorized_parties() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "authorizedparties",
        200,
        "x01_authorized_parties.json",
    )
    .await;
    let (client, _) = client(&server);
    let parties = client.authorized_parties().await.unwrap();
    assert_eq!(parties.len(), 1);
    let p = &parties[0];
    assert_eq!(p.party_uuid.to_string(), ORG);
    assert_eq!(p.name.as_deref(), Some("KVIKK REGNSKAP AS"));
    assert_eq!(
        p.organization_number.as_deref(),
        Some(ORG_NUMBER_IN_FIXTURES)
    );
    assert_eq!(p.party_id, 51_000_001);
    assert_eq!(p.party_type, AuthorizedPartyType::Organization);
    assert_eq!(p.unit_type.as_deref(), Some("AS"));
    assert_eq!(
        p.authorized_access_packages,
        ["posttjenester", "tilgangsstyrer"]
    );
    assert!(p.authorized_roles.is_empty() && p.subunits.is_empty());
}

#[tokio::test]
async fn x02_connections() {
    let server = MockServer::start().await;
    serve(&server, "GET", "connections", 200, "x02_connections.json").await;
    let (client, _) = client(&server);
    let list = client.connections(org(), None).await.unwrap();
    let ids: Vec<String> = list.iter().map(|c| c.party.id.to_string()).collect();
    assert_eq!(ids, [PA, PD, SU]);

    let kari = &list[0];
    assert_eq!(kari.party.name.as_deref(), Some("KARI NORDMANN"));
    assert_eq!(kari.party.entity_type, EntityType::Person);
    assert_eq!(kari.party.party_id, Some(50_000_001));
    assert_eq!(
        kari.party.person_identifier.as_deref(),
        Some(PA_FNR_IN_FIXTURES)
    );
    assert_eq!(kari.roles[0].code, "rettighetshaver");
    assert_eq!(
        kari.packages[0].urn,
        "urn:altinn:accesspackage:posttjenester"
    );

    let ola = &list[1];
    assert_eq!(ola.roles[0].code, "daglig-leder");
    // The key with its trailing space (§3.8) is read.
    assert_eq!(
        ola.roles[0].legacy_urn.as_deref(),
        Some("urn:altinn:rolecode:dagl")
    );

    let system_user = &list[2];
    assert_eq!(system_user.party.entity_type, EntityType::Systembruker);
    assert_eq!(system_user.packages.len(), 2);

    // The port lists the same three, with the numbers masked on the way in.
    let holders = client.right_holders(&org_ref()).await.unwrap();
    let kinds: Vec<PartyKind> = holders.iter().map(|p| p.kind.clone()).collect();
    assert_eq!(
        kinds,
        [PartyKind::Person, PartyKind::Person, PartyKind::SystemUser]
    );
    assert_eq!(
        holders[0].ssn.as_ref().map(|s| s.as_str()),
        Some("010170*****")
    );
    assert_eq!(holders[0].party_uuid, Some(pa()));
    assert_eq!(holders[0].party_id.map(|id| id.get()), Some(50_000_001));
}

#[tokio::test]
async fn x03_assignment_from_the_person_input_of_the_spec() {
    let server = MockServer::start().await;
    serve(&server, "POST", "connections", 200, "x03_assignment.json").await;
    let (client, _) = client(&server);
    let assignment = client
        .add_person(org(), &PersonInput::new(PA_FNR_IN_FIXTURES, "Nordmann"))
        .await
        .unwrap();
    assert_eq!(
        assignment.id.to_string(),
        "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
    );
    assert_eq!(
        assignment.role_id.to_string(),
        "42cae370-2dc1-4fdc-9c67-c2f4b0f0f829"
    );
    assert_eq!(assignment.from_id.to_string(), ORG);
    assert_eq!(assignment.to_id.to_string(), PA);
    // The request body is the spec's X3 body.
    let sent = only_request(&server).await;
    let want: Value = serde_json::from_str(&fixture("x03_person_input_request.json")).unwrap();
    assert_eq!(json_body(&sent), want);
}

#[tokio::test]
async fn x04_package_permissions() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/accesspackages",
        200,
        "x04_package_permissions.json",
    )
    .await;
    let (client, _) = client(&server);
    let packages = client.packages(org(), pa()).await.unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(
        packages[0].package.urn,
        "urn:altinn:accesspackage:posttjenester"
    );
    let permission = &packages[0].permissions[0];
    assert_eq!(permission.from.id.to_string(), ORG);
    assert_eq!(permission.to.id.to_string(), PA);
    assert_eq!(permission.reason.flag, 1);
    assert!(permission.via.is_none());
    assert_eq!(
        permission.role.as_ref().map(|r| r.code.as_str()),
        Some("rettighetshaver")
    );
}

#[tokio::test]
async fn x05_assignment_package() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "connections/accesspackages",
        200,
        "x05_assignment_package.json",
    )
    .await;
    let (client, _) = client(&server);
    let given = client
        .add_package(org(), pa(), &package("posttjenester"))
        .await
        .unwrap();
    assert_eq!(given.id.to_string(), "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c");
    assert_eq!(
        given.assignment_id.to_string(),
        "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
    );
    assert_eq!(
        given.package_id.to_string(),
        "a736c33b-c15a-43ac-85be-a684630e1e59"
    );
}

#[tokio::test]
async fn x06_package_delegation_check() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/accesspackages/delegationcheck",
        200,
        "x06_package_delegation_check.json",
    )
    .await;
    let (client, _) = client(&server);
    let checks = client
        .package_check(
            org(),
            &[package("posttjenester"), package("skattegrunnlag")],
        )
        .await
        .unwrap();
    let summary: Vec<(&str, bool, Vec<&str>)> = checks
        .iter()
        .map(|c| {
            (
                c.package.urn.as_str(),
                c.result,
                c.reasons.iter().map(|r| r.description.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "urn:altinn:accesspackage:posttjenester",
                true,
                vec!["Direct-AssignmentPackage"]
            ),
            (
                "urn:altinn:accesspackage:skattegrunnlag",
                false,
                vec!["NoAccess"]
            ),
        ]
    );
    assert_eq!(
        checks[0].reasons[0].to_id.map(|u| u.to_string()).as_deref(),
        Some(SU)
    );
}

#[tokio::test]
async fn x07_resource_permissions_as_a_bare_array() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/resources",
        200,
        "x07_resource_permissions.json",
    )
    .await;
    let (client, _) = client(&server);
    let resources = client.resources(org(), pa()).await.unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].resource.ref_id, RESOURCE);
    assert_eq!(resources[0].resource.name, "HR-rapportering");
    assert_eq!(resources[0].permissions[0].reason.flag, 1);
}

#[tokio::test]
async fn x08_resource_rights() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/resources/rights",
        200,
        "x08_resource_rights.json",
    )
    .await;
    let (client, _) = client(&server);
    let rights = client
        .resource_rights(org(), pa(), &resource())
        .await
        .unwrap();
    assert_eq!(rights.resource.ref_id, RESOURCE);
    assert_eq!(rights.direct_rights.len(), 1);
    assert!(rights.indirect_rights.is_empty());
    let right = &rights.direct_rights[0].right;
    assert_eq!(right.key, K1);
    assert_eq!(right.name, "Les");
    assert_eq!(right.action.value, "read");
    assert_eq!(right.resource[0].value, RESOURCE);
}

#[tokio::test]
async fn x09_resource_delegation_check_as_a_bare_object() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/resources/delegationcheck",
        200,
        "x09_resource_delegation_check.json",
    )
    .await;
    let (client, _) = client(&server);
    let check = client.resource_check(org(), &resource()).await.unwrap();
    assert_eq!(check.resource.ref_id, RESOURCE);
    assert_eq!(
        check.resource.provider.as_ref().map(|p| p.code.as_str()),
        Some("ttd")
    );
    let rights: Vec<(&str, &str, bool)> = check
        .rights
        .iter()
        .map(|r| {
            (
                r.right.key.as_str(),
                r.right.action.value.as_str(),
                r.result,
            )
        })
        .collect();
    assert_eq!(rights, [(K1, "read", true), (K2, "write", false)]);
    assert_eq!(check.delegable_keys(), [K1]);
    let reasons: Vec<&str> = check.rights[1]
        .reason_codes
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "MissingPackageAccess",
            "MissingRoleAccess",
            "MissingDelegationAccess"
        ]
    );
}

#[tokio::test]
async fn x09_then_e12_sends_the_spec_s_key_list() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/resources/delegationcheck",
        200,
        "x09_resource_delegation_check.json",
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("{ENDUSER}/connections/resources/rights")))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let read = Grantable::ResourceRight(ResourceRight {
        resource: resource(),
        action: Action::Read,
    });
    client
        .grant(&org_ref(), &holder(PA), &[read])
        .await
        .unwrap();
    let post = received(&server)
        .await
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let want: Value = serde_json::from_str(&fixture("x09_e12_right_keys_request.json")).unwrap();
    assert_eq!(json_body(&post), want);
}

#[tokio::test]
async fn x10_role_permissions() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/roles",
        200,
        "x10_role_permissions.json",
    )
    .await;
    let (client, _) = client(&server);
    let roles = client.roles(org(), pa()).await.unwrap();
    let summary: Vec<(&str, Option<bool>, &str)> = roles
        .iter()
        .map(|r| {
            (
                r.role.code.as_str(),
                r.role.is_revocable,
                r.role
                    .provider
                    .as_ref()
                    .map(|p| p.name.as_str())
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("rettighetshaver", Some(false), "Altinn 3"),
            ("utinn", Some(true), "Altinn 2"),
        ]
    );
}

/// The holdings port over X4 (a package), X7 and X8 (a resource right) and X10 (the
/// right-holder link and an imported Altinn 2 role): three accesses, each held directly with
/// its handle; the right-holder link is the relation itself and is left out.
#[tokio::test]
async fn holdings_over_x4_x7_x8_x10() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/accesspackages",
        200,
        "x04_package_permissions.json",
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/resources",
        200,
        "x07_resource_permissions.json",
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/resources/rights",
        200,
        "x08_resource_rights.json",
    )
    .await;
    serve(
        &server,
        "GET",
        "connections/roles",
        200,
        "x10_role_permissions.json",
    )
    .await;
    let (client, _) = client(&server);
    let held = client.holdings(&org_ref(), &holder(PA)).await.unwrap();
    let want = vec![
        HeldAccess {
            grantable: Grantable::package(package("posttjenester")),
            name: None,
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new("package:posttjenester")),
        },
        HeldAccess {
            grantable: Grantable::ResourceRight(ResourceRight {
                resource: resource(),
                action: Action::Read,
            }),
            name: Some("HR-rapportering: Les".into()),
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new(format!("resource:{RESOURCE}:{K1}"))),
        },
        HeldAccess {
            grantable: Grantable::role(RoleCode::parse("utinn").unwrap()),
            name: Some("Utfyller/Innsender".into()),
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new("role:utinn")),
        },
    ];
    assert_eq!(held, want);
    // E10 was asked about the one resource E9 listed, for the same pair.
    let e10: Vec<String> = lines(&server)
        .await
        .into_iter()
        .filter(|l| l.contains("/resources/rights"))
        .collect();
    assert_eq!(
        e10,
        [format!(
            "GET {ENDUSER}/connections/resources/rights?party={ORG}&from={ORG}&to={PA}&resource={RESOURCE}"
        )]
    );
}

#[tokio::test]
async fn x11_no_connection_says_to_add_the_right_holder_first() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "connections/accesspackages",
        400,
        "x11_problem_no_connection.json",
    )
    .await;
    let (client, _) = client(&server);
    let error = client
        .add_package(org(), pa(), &package("posttjenester"))
        .await
        .unwrap_err();
    let r = rejected(error);
    assert_eq!(r.status, 400);
    assert_eq!(r.codes, ["AM-00022"]);
    assert!(r.validation.is_empty());
    assert!(
        r.advice.contains("add them as a right holder first"),
        "{}",
        r.advice
    );
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("{ENDUSER}/connections/accesspackages"));
}

#[tokio::test]
async fn x12_validation_keeps_the_path_and_the_extension() {
    let server = MockServer::start().await;
    serve(
        &server,
        "DELETE",
        "connections",
        400,
        "x12_problem_validation_cascade.json",
    )
    .await;
    let (client, _) = client(&server);
    let r = rejected(
        client
            .remove_connection(org(), pa(), false)
            .await
            .unwrap_err(),
    );
    assert_eq!(r.codes, ["STD-00000", "AM.VLD-00010"]);
    assert_eq!(r.validation.len(), 1);
    let issue = &r.validation[0];
    assert_eq!(issue.code, "AM.VLD-00010");
    assert_eq!(issue.paths, ["QUERY/cascade"]);
    assert_eq!(
        issue.detail.as_deref(),
        Some("Assignment is active in one or more connections.")
    );
    assert_eq!(
        issue.extensions,
        [(
            "packages".to_owned(),
            "following packages have active assignments [0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c]."
                .to_owned()
        )]
    );
    assert!(r.advice.contains("cascade"), "{}", r.advice);
}

#[tokio::test]
async fn x13_person_mismatch_keeps_both_paths() {
    let server = MockServer::start().await;
    serve(
        &server,
        "POST",
        "connections",
        400,
        "x13_problem_person_mismatch.json",
    )
    .await;
    let (client, _) = client(&server);
    let error = client
        .add_person(org(), &PersonInput::new(PA_FNR_IN_FIXTURES, "Hansen"))
        .await
        .unwrap_err();
    let r = rejected(error);
    assert_eq!(r.codes, ["STD-00000", "AM.VLD-00034"]);
    assert_eq!(r.validation[0].paths, ["/PersonIdentifier", "/LastName"]);
    assert_eq!(
        r.validation[0].extensions,
        [(
            "personInput".to_owned(),
            "PersonInput details must match".to_owned()
        )]
    );
    assert!(r.advice.contains("last name"), "{}", r.advice);
}

#[tokio::test]
async fn x14_too_many_lookups_mentions_the_hour_and_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{ENDUSER}/connections")))
        .respond_with(ResponseTemplate::new(429).set_body_raw(
            fixture("x14_problem_too_many_lookups.json"),
            "application/problem+json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    // Retries are configured, and still the lookup is not repeated: each repeat would count
    // as another miss against the shared limit.
    let client = client_with(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        instant_retries(4),
    );
    let r = rejected(
        client
            .add_person(org(), &PersonInput::new(PA_FNR_IN_FIXTURES, "Nordmann"))
            .await
            .unwrap_err(),
    );
    assert_eq!(r.status, 429);
    assert_eq!(r.codes, ["AM-00026"]);
    assert!(r.advice.contains("hour"), "{}", r.advice);
}

#[tokio::test]
async fn x15_unknown_resource_keeps_the_code_and_names_the_resource_in_the_body() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "connections/resources",
        400,
        "x15_problem_unknown_resource.json",
    )
    .await;
    let (client, _) = client(&server);
    let r = rejected(client.resources(org(), pa()).await.unwrap_err());
    assert_eq!(r.codes, ["AM-00027"]);
    assert!(r.validation.is_empty());
    assert!(r.advice.contains("no such resource"), "{}", r.advice);
    // The top-level extension `resource` has no field of its own in the ports' Rejection;
    // it stays readable in the body that is kept.
    assert!(r.body.contains(r#""resource": "ttd-ukjent""#), "{}", r.body);
}

#[tokio::test]
async fn a_refused_package_grant_explains_the_package() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{ENDUSER}/connections/accesspackages")))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            validation_problem(
                "AM.VLD-00026",
                "QUERY/packageId",
                ("packages", "skattegrunnlag"),
            ),
            "application/problem+json",
        ))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let r = rejected(
        client
            .add_package(org(), pa(), &package("skattegrunnlag"))
            .await
            .unwrap_err(),
    );
    assert_eq!(r.codes, ["STD-00000", "AM.VLD-00026"]);
    assert_eq!(r.validation[0].paths, ["QUERY/packageId"]);
    assert!(
        r.advice.contains("may not give that access package")
            && r.advice.contains("holds directly"),
        "{}",
        r.advice
    );
}
