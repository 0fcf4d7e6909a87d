//! The neutral ports over the enduser API, as `ARCHITECTURE.md`'s table maps them: which
//! requests each operation sends (and, as much, which it must not send), the caches, the
//! refusals that are explained, the retries that are never made, token renewal and paging.
//! Requests are counted with wiremock's `expect`, checked when the server is dropped.

mod common;

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use common::*;
use serde_json::json;
use tilgang_domain::{
    Action, Grantable, Name, OrgNumber, PartyKind, PartyQuery, PartyRef, ResourceId, ResourceRight,
    RoleCode, ServiceCode, ServiceEditionCode, ServiceRight,
};
use tilgang_ports::{
    AltinnError, Delivery, Operation, Parties, RetryPolicy, RightHolderChange, Rights,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{any, body_json, header, method, path, query_param},
};

fn json_answer(status: u16, body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.into(), "application/json")
}

/// Mounts `verb` on the enduser path `tail`, answering `answer`, expecting `times` calls.
async fn expect(server: &MockServer, verb: &str, tail: &str, answer: ResponseTemplate, times: u64) {
    Mock::given(method(verb))
        .and(path(format!("{ENDUSER}/{tail}")))
        .respond_with(answer)
        .expect(times)
        .mount(server)
        .await;
}

/// E2's listing of ORG's right holders, with numbers that pass the check digits.
async fn listing(server: &MockServer, times: u64) {
    expect(
        server,
        "GET",
        "connections",
        json_answer(200, x02_with_valid_numbers()),
        times,
    )
    .await;
}

/// E3 must not be sent at all.
async fn no_e3(server: &MockServer) {
    expect(server, "POST", "connections", ResponseTemplate::new(500), 0).await;
}

fn read_right(action: Action) -> Grantable {
    Grantable::ResourceRight(ResourceRight {
        resource: ResourceId::parse(RESOURCE).unwrap(),
        action,
    })
}

// --- Parties::resolve ----------------------------------------------------------------------

#[tokio::test]
async fn an_organisation_number_is_resolved_through_e1_once_per_token() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "authorizedparties",
        json_answer(200, x01_with_valid_org_number()),
        1,
    )
    .await;
    listing(&server, 1).await;
    no_e3(&server).await;
    let (client, _) = client(&server);
    let kari = person(pa_fnr(), "Nordmann");
    let first = client.resolve(&org_by_number(), &kari).await.unwrap();
    let second = client.resolve(&org_by_number(), &kari).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first.unwrap().party_uuid, Some(uuid(PA)));
}

#[tokio::test]
async fn a_new_token_reads_the_authorized_parties_again() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "authorizedparties",
        json_answer(200, x01_with_valid_org_number()),
        2,
    )
    .await;
    listing(&server, 1).await;
    let (client, tokens) = client(&server);
    let kari = person(pa_fnr(), "Nordmann");
    client.resolve(&org_by_number(), &kari).await.unwrap();
    // The system user's parties may differ under another token; the old answer is not reused.
    tilgang_ports::AltinnTokenSource::invalidate(tokens.as_ref()).await;
    client.resolve(&org_by_number(), &kari).await.unwrap();
    let authorizations: Vec<String> = received(&server)
        .await
        .iter()
        .filter(|r| r.url.path().ends_with("/authorizedparties"))
        .map(|r| header_text(r, "authorization"))
        .collect();
    assert_eq!(
        authorizations,
        [format!("Bearer {TOKEN}"), format!("Bearer {TOKEN_2}")]
    );
}

fn header_text(request: &wiremock::Request, name: &str) -> String {
    common::header(request, name).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn an_organisation_the_system_user_may_not_act_for_is_not_found() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "authorizedparties",
        json_answer(200, x01_with_valid_org_number()),
        1,
    )
    .await;
    expect(&server, "GET", "connections", json_answer(200, "[]"), 0).await;
    let (client, _) = client(&server);
    let other = PartyRef::Organisation(OrgNumber::parse("910437127").unwrap());
    let error = client
        .resolve(&other, &person(pa_fnr(), "Nordmann"))
        .await
        .unwrap_err();
    assert!(matches!(error, AltinnError::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn persons_of_one_organisation_are_found_in_one_listing() {
    let server = MockServer::start().await;
    listing(&server, 1).await;
    no_e3(&server).await;
    let (client, _) = client(&server);
    let kari = client
        .resolve(&org_ref(), &person(pa_fnr(), "Nordmann"))
        .await
        .unwrap()
        .expect("KARI is a right holder");
    assert_eq!(kari.kind, PartyKind::Person);
    assert_eq!(kari.name.as_deref(), Some("KARI NORDMANN"));
    assert_eq!(kari.party_uuid, Some(uuid(PA)));
    assert_eq!(kari.party_id.map(|id| id.get()), Some(50_000_001));
    assert!(kari.ssn.as_ref().unwrap().matches(&pa_fnr()));
    // Altinn compares the first four letters of the last name, without regard to case.
    let ola = client
        .resolve(&org_ref(), &person(pd_fnr(), "nordm"))
        .await
        .unwrap()
        .expect("OLA is listed as general manager");
    assert_eq!(ola.party_uuid, Some(uuid(PD)));
}

#[tokio::test]
async fn the_listing_is_read_again_once_its_time_is_up() {
    let server = MockServer::start().await;
    listing(&server, 2).await;
    let tokens = ScriptedTokens::new(&[TOKEN]);
    let mut config = config_for(&server.uri(), RetryPolicy::NONE);
    // A listing that is never fresh shows that the cache honours its time without waiting.
    config.right_holders_ttl = std::time::Duration::ZERO;
    let client = tilgang_altinn3::Altinn3Client::new(config, tokens).unwrap();
    for _ in 0..2 {
        client
            .resolve(&org_ref(), &person(pa_fnr(), "Nordmann"))
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn a_wrong_last_name_for_a_known_number_is_an_error_and_adds_nobody() {
    let server = MockServer::start().await;
    listing(&server, 1).await;
    no_e3(&server).await;
    let (client, _) = client(&server);
    let wrong = person(pa_fnr(), "Hansen");
    let error = client.resolve(&org_ref(), &wrong).await.unwrap_err();
    assert!(matches!(error, AltinnError::InvalidInput(_)), "{error:?}");
    // Adding them would be a person lookup Altinn counts as a miss; it is refused first.
    let error = client
        .add_right_holder(&org_ref(), &wrong)
        .await
        .unwrap_err();
    assert!(matches!(error, AltinnError::InvalidInput(_)), "{error:?}");
}

#[tokio::test]
async fn an_unknown_person_is_none_and_nothing_is_changed() {
    let server = MockServer::start().await;
    listing(&server, 1).await;
    no_e3(&server).await;
    let (client, _) = client(&server);
    let stranger = person(synthetic_fnr(3, 3, 90), "Olsen");
    assert_eq!(client.resolve(&org_ref(), &stranger).await.unwrap(), None);
}

// --- Rights::add_right_holder ---------------------------------------------------------------

#[tokio::test]
async fn a_right_holder_already_listed_is_not_added_again() {
    let server = MockServer::start().await;
    listing(&server, 1).await;
    no_e3(&server).await;
    let (client, _) = client(&server);
    let added = client
        .add_right_holder(&org_ref(), &person(pa_fnr(), "Nordmann"))
        .await
        .unwrap();
    assert_eq!(added.change, RightHolderChange::AlreadyRightHolder);
    assert_eq!(added.party.party_uuid, Some(uuid(PA)));
}

#[tokio::test]
async fn a_new_person_is_added_with_the_exact_person_input_and_found_again_without_a_new_listing() {
    let server = MockServer::start().await;
    // Read once: the person the client added is remembered beside the cached listing, so a
    // bulk run does not re-read the organisation after every new right holder.
    listing(&server, 1).await;
    let newcomer = synthetic_fnr(4, 4, 75);
    let assignment = json!({
        "id": "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a99",
        "roleId": "42cae370-2dc1-4fdc-9c67-c2f4b0f0f829",
        "fromId": ORG,
        "toId": "c3d4e5f6-a7b8-4901-8cde-f01234567890"
    });
    Mock::given(method("POST"))
        .and(path(format!("{ENDUSER}/connections")))
        .and(query_param("party", ORG))
        .and(body_json(
            json!({"personIdentifier": newcomer.expose(), "lastName": "Berg"}),
        ))
        .respond_with(json_answer(200, assignment.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let query = person(newcomer, "Berg");
    let added = client.add_right_holder(&org_ref(), &query).await.unwrap();
    assert_eq!(added.change, RightHolderChange::Added);
    assert_eq!(
        added.party.party_uuid,
        Some(uuid("c3d4e5f6-a7b8-4901-8cde-f01234567890"))
    );
    assert_eq!(added.party.kind, PartyKind::Person);
    assert!(added.party.ssn.as_ref().unwrap().matches(&newcomer));
    let post = received(&server)
        .await
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    assert_eq!(post.url.query(), Some(format!("party={ORG}").as_str()));
    let found = client.resolve(&org_ref(), &query).await.unwrap().unwrap();
    assert_eq!(found.party_uuid, added.party.party_uuid);
    // The same number with another last name is refused, as a listed person's would be.
    let wrong = person(synthetic_fnr(4, 4, 75), "Dahl");
    assert!(client.resolve(&org_ref(), &wrong).await.is_err());
    // Adding them again finds them: no second E3 (the mock expects exactly one).
    let again = client.add_right_holder(&org_ref(), &query).await.unwrap();
    assert_eq!(again.change, RightHolderChange::AlreadyRightHolder);
}

#[tokio::test]
async fn the_list_of_right_holders_is_read_again_after_an_addition() {
    let server = MockServer::start().await;
    // The whole listing must show the new right holder, so it is read again.
    listing(&server, 2).await;
    let assignment = json!({
        "id": "0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a99",
        "roleId": "42cae370-2dc1-4fdc-9c67-c2f4b0f0f829",
        "fromId": ORG,
        "toId": "c3d4e5f6-a7b8-4901-8cde-f01234567890"
    });
    expect(
        &server,
        "POST",
        "connections",
        json_answer(200, assignment.to_string()),
        1,
    )
    .await;
    let (client, _) = client(&server);
    client.right_holders(&org_ref()).await.unwrap();
    client
        .add_right_holder(&org_ref(), &person(synthetic_fnr(4, 4, 75), "Berg"))
        .await
        .unwrap();
    client.right_holders(&org_ref()).await.unwrap();
}

/// A server that answers every GET with an empty listing and drops the connection of every
/// other request without a word, as a connection lost after sending does. It counts those.
async fn dropping_writes() -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let writes = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&writes);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match socket.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                if head.starts_with(b"GET ") {
                    let body = r#"{"links":{"next":null},"data":[]}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                } else {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{address}"), writes)
}

#[tokio::test]
async fn a_person_lookup_is_not_repeated_after_a_lost_connection() {
    let (base, writes) = dropping_writes().await;
    let client = client_with(&base, ScriptedTokens::new(&[TOKEN]), instant_retries(4));
    let error = client
        .add_right_holder(&org_ref(), &person(pa_fnr(), "Nordmann"))
        .await
        .unwrap_err();
    match &error {
        AltinnError::Transport {
            delivery, method, ..
        } => {
            assert_eq!(*delivery, Delivery::MaybeSent);
            assert_eq!(method, "POST");
        }
        other => panic!("expected a transport failure, got {other:?}"),
    }
    assert!(error.is_ambiguous());
    assert_eq!(writes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_person_lookup_is_not_repeated_after_a_server_error() {
    let server = MockServer::start().await;
    expect(&server, "GET", "connections", json_answer(200, "[]"), 1).await;
    expect(
        &server,
        "POST",
        "connections",
        ResponseTemplate::new(503),
        1,
    )
    .await;
    let client = client_with(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        instant_retries(4),
    );
    let error = client
        .add_right_holder(&org_ref(), &person(pa_fnr(), "Nordmann"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(error.is_ambiguous());
}

#[tokio::test]
async fn a_person_lookup_is_not_repeated_after_too_many_lookups() {
    let server = MockServer::start().await;
    expect(&server, "GET", "connections", json_answer(200, "[]"), 1).await;
    expect(
        &server,
        "POST",
        "connections",
        json_answer(429, fixture("x14_problem_too_many_lookups.json")),
        1,
    )
    .await;
    let client = client_with(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        instant_retries(4),
    );
    let error = client
        .add_right_holder(&org_ref(), &person(pa_fnr(), "Nordmann"))
        .await
        .unwrap_err();
    assert!(error.has_code("AM-00026"), "{error:?}");
}

/// The counterpart of the three above: the same retry policy does repeat a read, so their
/// single attempt is the adapter's choice and not a policy that never retries.
#[tokio::test]
async fn the_same_retry_policy_repeats_a_read_after_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{ENDUSER}/connections/accesspackages")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    expect(
        &server,
        "GET",
        "connections/accesspackages",
        json_answer(200, fixture("x04_package_permissions.json")),
        1,
    )
    .await;
    let client = client_with(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        instant_retries(4),
    );
    let packages = client.packages(uuid(ORG), uuid(PA)).await.unwrap();
    assert_eq!(packages.len(), 1);
}

// --- Rights::grant ---------------------------------------------------------------------------

#[tokio::test]
async fn a_package_is_granted_by_e6_alone() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        "connections/accesspackages",
        json_answer(200, fixture("x05_assignment_package.json")),
        1,
    )
    .await;
    expect(
        &server,
        "GET",
        "connections/accesspackages/delegationcheck",
        json_answer(200, "[]"),
        0,
    )
    .await;
    let (client, _) = client(&server);
    client
        .grant(
            &org_ref(),
            &holder(PA),
            &[Grantable::package(package("posttjenester"))],
        )
        .await
        .unwrap();
    assert_eq!(
        lines(&server).await,
        [format!(
            "POST {ENDUSER}/connections/accesspackages?party={ORG}&to={PA}&package=posttjenester"
        )]
    );
}

#[tokio::test]
async fn a_package_refused_as_not_delegable_is_explained_by_e8() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        "connections/accesspackages",
        json_answer(
            400,
            validation_problem(
                "AM.VLD-00026",
                "QUERY/packageId",
                ("packages", "skattegrunnlag"),
            ),
        ),
        1,
    )
    .await;
    let check = json!({"links": {"next": null}, "data": [{
        "package": { "id": "4c859601-9b2b-4662-af39-846f4117ad7a", "urn": "urn:altinn:accesspackage:skattegrunnlag", "areaId": "7d32591d-34b7-4afc-8afa-013722f8c05d" },
        "result": false,
        "reasons": [{ "description": "NoAccess" }]
    }]});
    Mock::given(method("GET"))
        .and(path(format!(
            "{ENDUSER}/connections/accesspackages/delegationcheck"
        )))
        .and(query_param("party", ORG))
        .and(query_param("packages", "skattegrunnlag"))
        .respond_with(json_answer(200, check.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let error = client
        .grant(
            &org_ref(),
            &holder(PA),
            &[Grantable::package(package("skattegrunnlag"))],
        )
        .await
        .unwrap_err();
    match error {
        AltinnError::NotDelegable { what, reasons } => {
            assert!(what.contains("skattegrunnlag"), "{what}");
            assert!(
                reasons.iter().any(|r| r.starts_with("NoAccess")),
                "{reasons:?}"
            );
            assert!(
                reasons.iter().any(|r| r.contains("AM.VLD-00026")),
                "{reasons:?}"
            );
        }
        other => panic!("expected NotDelegable, got {other:?}"),
    }
}

#[tokio::test]
async fn another_package_refusal_is_returned_as_it_is_without_e8() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        "connections/accesspackages",
        json_answer(400, fixture("x11_problem_no_connection.json")),
        1,
    )
    .await;
    expect(
        &server,
        "GET",
        "connections/accesspackages/delegationcheck",
        json_answer(200, "[]"),
        0,
    )
    .await;
    let (client, _) = client(&server);
    let error = client
        .grant(
            &org_ref(),
            &holder(PA),
            &[Grantable::package(package("posttjenester"))],
        )
        .await
        .unwrap_err();
    assert!(error.has_code("AM-00022"), "{error:?}");
}

/// E11 as X9, but with the write right offered too, so a client that sent every offered key
/// instead of the asked-for ones would be caught.
fn check_offering_both() -> String {
    let mut check: serde_json::Value =
        serde_json::from_str(&fixture("x09_resource_delegation_check.json")).unwrap();
    check["rights"][1]["result"] = json!(true);
    check["rights"][1]["reasonCodes"] = json!(["PackageAccess"]);
    check.to_string()
}

#[tokio::test]
async fn resource_rights_are_granted_with_exactly_the_keys_e11_offered_for_the_actions() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "connections/resources/delegationcheck",
        json_answer(200, check_offering_both()),
        1,
    )
    .await;
    Mock::given(method("POST"))
        .and(path(format!("{ENDUSER}/connections/resources/rights")))
        .and(body_json(json!({"directRightKeys": [K1]})))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client
        .grant(&org_ref(), &holder(PA), &[read_right(Action::Read)])
        .await
        .unwrap();
    assert_eq!(
        lines(&server).await,
        [
            format!(
                "GET {ENDUSER}/connections/resources/delegationcheck?party={ORG}&resource={RESOURCE}"
            ),
            format!(
                "POST {ENDUSER}/connections/resources/rights?party={ORG}&to={PA}&resource={RESOURCE}"
            ),
        ]
    );
}

#[tokio::test]
async fn e11_is_asked_once_per_resource_while_fresh_however_many_holders_get_it() {
    let server = MockServer::start().await;
    // Two holders, one check: the answer depends on the organisation and the resource only.
    expect(
        &server,
        "GET",
        "connections/resources/delegationcheck",
        json_answer(200, check_offering_both()),
        1,
    )
    .await;
    expect(
        &server,
        "POST",
        "connections/resources/rights",
        ResponseTemplate::new(201),
        2,
    )
    .await;
    let (client, _) = client(&server);
    for to in [PA, "c3d4e5f6-a7b8-4901-8cde-f01234567890"] {
        client
            .grant(&org_ref(), &holder(to), &[read_right(Action::Read)])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_action_e11_refuses_is_not_delegable_and_nothing_is_posted() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "connections/resources/delegationcheck",
        json_answer(200, fixture("x09_resource_delegation_check.json")),
        1,
    )
    .await;
    expect(
        &server,
        "POST",
        "connections/resources/rights",
        ResponseTemplate::new(201),
        0,
    )
    .await;
    let (client, _) = client(&server);
    // Read is offered, write is not: nothing at all is given, not even read.
    let error = client
        .grant(
            &org_ref(),
            &holder(PA),
            &[read_right(Action::Read), read_right(Action::Write)],
        )
        .await
        .unwrap_err();
    match error {
        AltinnError::NotDelegable { reasons, .. } => {
            assert_eq!(reasons.len(), 1, "{reasons:?}");
            assert!(reasons[0].contains("write"), "{reasons:?}");
            assert!(reasons[0].contains("MissingPackageAccess"), "{reasons:?}");
        }
        other => panic!("expected NotDelegable, got {other:?}"),
    }
}

#[tokio::test]
async fn an_action_the_resource_does_not_have_is_not_delegable() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "connections/resources/delegationcheck",
        json_answer(200, check_offering_both()),
        1,
    )
    .await;
    expect(
        &server,
        "POST",
        "connections/resources/rights",
        ResponseTemplate::new(201),
        0,
    )
    .await;
    let (client, _) = client(&server);
    let error = client
        .grant(&org_ref(), &holder(PA), &[read_right(Action::Sign)])
        .await
        .unwrap_err();
    assert!(
        matches!(error, AltinnError::NotDelegable { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_service_right_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (client, tokens) = client(&server);
    let service = Grantable::ServiceRight(
        ServiceRight::new(
            ServiceCode::parse("4864").unwrap(),
            ServiceEditionCode::new(1).unwrap(),
            Action::Read,
        )
        .unwrap(),
    );
    let refusal = client.check(Operation::Grant, &service).unwrap_err();
    assert_eq!(refusal.platform, "Altinn 3");
    assert!(client.check(Operation::Revoke, &service).is_err());
    // A grant with a service right among packages sends nothing, not even the packages.
    let error = client
        .grant(
            &org_ref(),
            &holder(PA),
            &[Grantable::package(package("posttjenester")), service],
        )
        .await
        .unwrap_err();
    assert!(matches!(error, AltinnError::Unsupported(_)), "{error:?}");
    assert_eq!(tokens.fetched(), 0);
    // What Altinn 3 does take passes the same check.
    assert!(
        client
            .check(
                Operation::Grant,
                &Grantable::package(package("posttjenester"))
            )
            .is_ok()
    );
    assert!(
        client
            .check(Operation::Grant, &read_right(Action::Read))
            .is_ok()
    );
}

// --- Rights::revoke --------------------------------------------------------------------------

/// E10 as X8, with a second direct right (K2, write).
fn rights_with_both_keys() -> String {
    let mut rights: serde_json::Value =
        serde_json::from_str(&fixture("x08_resource_rights.json")).unwrap();
    let mut second = rights["directRights"][0].clone();
    second["right"]["key"] = json!(K2);
    second["right"]["name"] = json!("Skriv");
    second["right"]["action"]["value"] = json!("write");
    rights["directRights"].as_array_mut().unwrap().push(second);
    rights.to_string()
}

fn resource_handle(key: &str) -> tilgang_domain::HeldAccess {
    held(
        read_right(Action::Read),
        &format!("resource:{RESOURCE}:{key}"),
    )
}

#[tokio::test]
async fn revoking_one_of_two_keys_puts_the_remaining_key() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "connections/resources/rights",
        json_answer(200, rights_with_both_keys()),
        1,
    )
    .await;
    Mock::given(method("PUT"))
        .and(path(format!("{ENDUSER}/connections/resources/rights")))
        .and(body_json(json!({"directRightKeys": [K2]})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    expect(
        &server,
        "DELETE",
        "connections/resources",
        ResponseTemplate::new(204),
        0,
    )
    .await;
    let (client, _) = client(&server);
    client
        .revoke(&org_ref(), &holder(PA), &[resource_handle(K1)])
        .await
        .unwrap();
    assert_eq!(
        lines(&server).await,
        [
            format!(
                "GET {ENDUSER}/connections/resources/rights?party={ORG}&from={ORG}&to={PA}&resource={RESOURCE}"
            ),
            format!(
                "PUT {ENDUSER}/connections/resources/rights?party={ORG}&to={PA}&resource={RESOURCE}"
            ),
        ]
    );
}

#[tokio::test]
async fn revoking_the_last_key_deletes_the_resource() {
    let server = MockServer::start().await;
    expect(
        &server,
        "GET",
        "connections/resources/rights",
        json_answer(200, fixture("x08_resource_rights.json")),
        1,
    )
    .await;
    expect(
        &server,
        "PUT",
        "connections/resources/rights",
        ResponseTemplate::new(200),
        0,
    )
    .await;
    expect(
        &server,
        "DELETE",
        "connections/resources",
        ResponseTemplate::new(204),
        1,
    )
    .await;
    let (client, _) = client(&server);
    client
        .revoke(&org_ref(), &holder(PA), &[resource_handle(K1)])
        .await
        .unwrap();
    assert_eq!(
        lines(&server).await.last().unwrap(),
        &format!(
            "DELETE {ENDUSER}/connections/resources?party={ORG}&from={ORG}&to={PA}&resource={RESOURCE}"
        )
    );
}

#[tokio::test]
async fn revoking_a_package_and_a_role_sends_e7_and_e16() {
    let server = MockServer::start().await;
    expect(
        &server,
        "DELETE",
        "connections/accesspackages",
        ResponseTemplate::new(204),
        1,
    )
    .await;
    expect(
        &server,
        "DELETE",
        "connections/roles",
        ResponseTemplate::new(204),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let accesses = [
        held(
            Grantable::package(package("posttjenester")),
            "package:posttjenester",
        ),
        held(
            Grantable::role(RoleCode::parse("utinn").unwrap()),
            "role:utinn",
        ),
    ];
    client
        .revoke(&org_ref(), &holder(PA), &accesses)
        .await
        .unwrap();
    assert_eq!(
        lines(&server).await,
        [
            format!(
                "DELETE {ENDUSER}/connections/accesspackages?party={ORG}&from={ORG}&to={PA}&package=posttjenester"
            ),
            format!(
                "DELETE {ENDUSER}/connections/roles?party={ORG}&from={ORG}&to={PA}&rolecode=utinn"
            ),
        ]
    );
}

#[tokio::test]
async fn a_bad_handle_is_invalid_input_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let (client, tokens) = client(&server);
    for bad in [
        "right:123",
        "package:",
        "resource:ttd-hr-rapport:not-a-key!",
        "role:",
        "nonsense",
    ] {
        // A good handle first: a bad one later in the list must still stop everything.
        let accesses = [
            held(
                Grantable::package(package("posttjenester")),
                "package:posttjenester",
            ),
            held(Grantable::package(package("lonn")), bad),
        ];
        let error = client
            .revoke(&org_ref(), &holder(PA), &accesses)
            .await
            .unwrap_err();
        assert!(
            matches!(error, AltinnError::InvalidInput(_)),
            "{bad}: {error:?}"
        );
    }
    let mut without_handle = held(Grantable::package(package("lonn")), "package:lonn");
    without_handle.handle = None;
    let error = client
        .revoke(&org_ref(), &holder(PA), &[without_handle])
        .await
        .unwrap_err();
    assert!(matches!(error, AltinnError::InvalidInput(_)), "{error:?}");
    assert_eq!(tokens.fetched(), 0);
}

// --- Rights::remove_right_holder -------------------------------------------------------------

#[tokio::test]
async fn removing_a_holder_who_still_holds_something_is_still_holds() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!("{ENDUSER}/connections")))
        .respond_with(json_answer(
            400,
            fixture("x12_problem_validation_cascade.json"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let error = client
        .remove_right_holder(&org_ref(), &holder(PA), false)
        .await
        .unwrap_err();
    match &error {
        AltinnError::StillHolds { holding, rejection } => {
            assert_eq!(
                holding,
                &[
                    "packages (following packages have active assignments [0199a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c].)"
                        .to_owned()
                ]
            );
            let rejection = rejection.as_ref().expect("the server's refusal is kept");
            assert_eq!(rejection.validation[0].paths, ["QUERY/cascade"]);
        }
        other => panic!("expected StillHolds, got {other:?}"),
    }
    assert!(error.has_code("AM.VLD-00010"));
    assert_eq!(
        lines(&server).await,
        [format!(
            "DELETE {ENDUSER}/connections?party={ORG}&from={ORG}&to={PA}"
        )]
    );
}

#[tokio::test]
async fn removing_with_cascade_says_so_and_drops_the_listing() {
    let server = MockServer::start().await;
    listing(&server, 2).await;
    Mock::given(method("DELETE"))
        .and(path(format!("{ENDUSER}/connections")))
        .and(query_param("cascade", "true"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let kari = person(pa_fnr(), "Nordmann");
    client.resolve(&org_ref(), &kari).await.unwrap();
    client
        .remove_right_holder(&org_ref(), &holder(PA), true)
        .await
        .unwrap();
    // The listing read before the removal no longer answers lookups.
    client.resolve(&org_ref(), &kari).await.unwrap();
    let delete = lines(&server).await.remove(1);
    assert_eq!(
        delete,
        format!("DELETE {ENDUSER}/connections?party={ORG}&from={ORG}&to={PA}&cascade=true")
    );
}

// --- Token renewal and paging ----------------------------------------------------------------

#[tokio::test]
async fn a_401_renews_the_token_once_and_retries() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(header(
        "authorization",
        format!("Bearer {TOKEN_2}").as_str(),
    ))
    .respond_with(json_answer(200, fixture("x04_package_permissions.json")))
    .expect(1)
    .mount(&server)
    .await;
    let (client, tokens) = client(&server);
    let packages = client.packages(uuid(ORG), uuid(PA)).await.unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(tokens.invalidated(), 1);
}

#[tokio::test]
async fn a_second_401_is_returned_after_one_renewal() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_with(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN, TOKEN_2, "tok-3"]),
        instant_retries(4),
    );
    let error = client.packages(uuid(ORG), uuid(PA)).await.unwrap_err();
    assert_eq!(error.status(), Some(401));
}

#[tokio::test]
async fn a_relative_next_link_is_followed() {
    let server = MockServer::start().await;
    let first = json!({
        "links": { "next": format!("connections?party={ORG}&from={ORG}&cursor=2") },
        "data": [ { "party": { "id": PA, "type": "Person", "variant": "Person", "name": "KARI NORDMANN" } } ]
    });
    let second = json!({
        "links": { "next": null },
        "data": [ { "party": { "id": SU, "type": "Systembruker", "variant": "StandardSystem" } } ]
    });
    Mock::given(method("GET"))
        .and(path(format!("{ENDUSER}/connections")))
        .and(query_param("cursor", "2"))
        .respond_with(json_answer(200, second.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ENDUSER}/connections")))
        .respond_with(json_answer(200, first.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let all = client.connections(uuid(ORG), None).await.unwrap();
    let ids: Vec<String> = all.iter().map(|c| c.party.id.to_string()).collect();
    assert_eq!(ids, [PA, SU]);
    let requests = received(&server).await;
    assert_eq!(
        requests[1].url.query(),
        Some(format!("party={ORG}&from={ORG}&cursor=2").as_str())
    );
    // The next page carries the token and, like the first, no paging headers.
    for request in &requests {
        assert_eq!(
            common::header(request, "authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(common::header(request, "x-page-number"), None);
    }
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    let first = json!({
        "links": { "next": format!("{}/accessmanagement/api/v1/enduser/connections?page=2", elsewhere.uri()) },
        "data": []
    });
    expect(
        &server,
        "GET",
        "connections",
        json_answer(200, first.to_string()),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let error = client.connections(uuid(ORG), None).await.unwrap_err();
    match error {
        AltinnError::Decode { error, .. } => {
            assert_eq!(error.path, "links.next");
            assert!(error.message.contains("another host"), "{}", error.message);
        }
        other => panic!("expected a refusal to follow, got {other:?}"),
    }
}

#[tokio::test]
async fn an_organisation_query_finds_an_organisation_right_holder() {
    let server = MockServer::start().await;
    let list = json!({"links": {"next": null}, "data": [
        { "party": { "id": PD, "type": "Organisasjon", "variant": "AS", "name": "ANNEN AS", "organizationIdentifier": "910437127" } }
    ]});
    expect(
        &server,
        "GET",
        "connections",
        json_answer(200, list.to_string()),
        1,
    )
    .await;
    let (client, _) = client(&server);
    let query = PartyQuery::organisation(
        OrgNumber::parse("910437127").unwrap(),
        Name::parse("Annen AS").unwrap(),
    );
    let found = client.resolve(&org_ref(), &query).await.unwrap().unwrap();
    assert_eq!(found.kind, PartyKind::Organisation);
    assert_eq!(found.party_uuid, Some(uuid(PD)));
}
