//! The system register and system-user requests (`shared/spec/altinn3-accessmanagement.md`
//! §5.5) on the wire: every request the `SystemRegister` adapter sends is asserted exactly
//! (method, path, query, headers and body), with the answers of §5.5 scripted in wiremock, and
//! every AUTH problem code the onboarding can meet is read into a `Rejection` with its code and
//! advice.
//!
//! Each test mounts the answers it needs and then reads back every request wiremock received,
//! in order, so a request too many (a POST after an open request was found) fails as surely as
//! a wrong body.

mod common;

use std::sync::Arc;

use common::{ScriptedTokens, TOKEN, config_for, header, json_body, line, lines, received};
use serde_json::{Value, json};
use tilgang_altinn3::SystemRegisterClient;
use tilgang_domain::{OrgNumber, PackageCode, RequestStatus, SystemId, VendorSystem};
use tilgang_ports::{AltinnError, Registration, Rejection, RetryPolicy, SystemRegister};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

/// The Authentication API's base path on the mock host.
const AUTH: &str = "/authentication/api/v1";
/// The vendor's system.
const SYSTEM: &str = "310000000_hr-sync";
/// The vendor, the part of the system id before `_`.
const VENDOR: &str = "310000000";
/// The customer asked for a system user (a valid organisation number).
const CUSTOMER: &str = "310000019";
/// The vendor's Maskinporten client.
const CLIENT_ID: &str = "2f6b7a3e-5c1d-4e8a-9b0f-1d2c3e4f5a6b";
/// A request id as the server makes them.
const REQUEST_ID: &str = "0195f2a1-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
/// The id of the request made after a timed-out one.
const NEW_REQUEST_ID: &str = "0195f2a1-7c3d-7e4f-8a9b-0c1d2e3f4a5c";

fn system_id() -> SystemId {
    SystemId::parse(SYSTEM).unwrap()
}

fn customer() -> OrgNumber {
    OrgNumber::parse(CUSTOMER).unwrap()
}

fn packages(codes: &[&str]) -> Vec<PackageCode> {
    codes
        .iter()
        .map(|c| PackageCode::parse(c).unwrap())
        .collect()
}

/// The system as the vendor declares it.
fn hr_sync() -> VendorSystem {
    VendorSystem {
        id: system_id(),
        name: "HR sync".into(),
        description: None,
        packages: packages(&["tilgangsstyrer", "lonn"]),
        client_ids: vec![CLIENT_ID.into()],
    }
}

/// The one `RegisterSystemRequest` that [`hr_sync`] must become: the vendor as
/// `0192:<orgno>`, the name in every language (the description falls back to it), the packages
/// as URNs and the client id.
fn hr_sync_body() -> Value {
    json!({
        "id": SYSTEM,
        "vendor": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{VENDOR}")},
        "name": {"en": "HR sync", "nb": "HR sync", "nn": "HR sync"},
        "description": {"en": "HR sync", "nb": "HR sync", "nn": "HR sync"},
        "rights": [],
        "accessPackages": [
            {"urn": "urn:altinn:accesspackage:tilgangsstyrer"},
            {"urn": "urn:altinn:accesspackage:lonn"}
        ],
        "clientId": [CLIENT_ID],
        "isVisible": true,
        "allowedRedirectUrls": []
    })
}

/// A `RegisteredSystemResponse` as the register answers it.
fn registered(id: &str, deleted: bool) -> Value {
    json!({
        "id": id,
        "systemId": id,
        "vendor": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{VENDOR}")},
        "name": {"nb": "HR-synk", "nn": "HR-synk", "en": "HR sync"},
        "description": {"nb": "Synkroniserer HR", "en": "Synchronises HR"},
        "rights": [],
        "accessPackages": [{"urn": "urn:altinn:accesspackage:tilgangsstyrer"}],
        "clientId": [CLIENT_ID],
        "isVisible": true,
        "isDeleted": deleted,
        "allowedRedirectUrls": []
    })
}

/// A `RequestSystemResponse` for [`CUSTOMER`] with `status`.
fn request_response(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "integrationTitle": null,
        "externalRef": CUSTOMER,
        "systemId": SYSTEM,
        "partyOrgNo": CUSTOMER,
        "rights": [],
        "accessPackages": [
            {"urn": "urn:altinn:accesspackage:tilgangsstyrer"},
            {"urn": "urn:altinn:accesspackage:lonn"}
        ],
        "status": status,
        "redirectUrl": null,
        "confirmUrl": confirm_url(id),
        "escalated": false,
        "created": "2025-05-01T10:00:00Z",
        "timedOut": status == "Timedout"
    })
}

fn confirm_url(id: &str) -> String {
    format!(
        "https://am.ui.tt02.altinn.no/accessmanagement/ui/systemuser/request?id={id}&DONTCHOOSEREPORTEE=true"
    )
}

/// A ProblemDetails of the Authentication API with `code` (§5.5, §4).
fn auth_problem(status: u16, code: &str, detail: &str) -> String {
    json!({
        "type": format!("urn:altinn:error:{code}"),
        "title": detail,
        "status": status,
        "detail": detail,
        "code": code,
        "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    })
    .to_string()
}

/// A client of `server` with the token [`TOKEN`] and no retries, and its token source.
fn register_client(server: &MockServer) -> (SystemRegisterClient, Arc<ScriptedTokens>) {
    let tokens = ScriptedTokens::new(&[TOKEN]);
    let client =
        SystemRegisterClient::new(config_for(&server.uri(), RetryPolicy::NONE), tokens.clone())
            .unwrap();
    (client, tokens)
}

/// Answers `verb full_path` with `status` and a JSON body.
async fn answer(server: &MockServer, verb: &str, full_path: &str, status: u16, body: &str) {
    Mock::given(method(verb))
        .and(path(full_path))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json"),
        )
        .mount(server)
        .await;
}

/// Answers `verb full_path` with `status` and no body at all (a plain 404).
async fn answer_empty(server: &MockServer, verb: &str, full_path: &str, status: u16) {
    Mock::given(method(verb))
        .and(path(full_path))
        .respond_with(ResponseTemplate::new(status))
        .mount(server)
        .await;
}

/// Asserts what every onboarding request carries: the vendor's token, a JSON `Accept`, no
/// query, and the JSON body `body` (or no body and no content type).
#[track_caller]
fn assert_sent(request: &Request, verb: &str, full_path: &str, body: Option<Value>) {
    let shown = line(request);
    assert_eq!(request.method.as_str(), verb, "{shown}");
    assert_eq!(request.url.path(), full_path, "{shown}");
    assert_eq!(request.url.query(), None, "{shown}");
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(
        header(request, "authorization"),
        Some(bearer.as_str()),
        "{shown}"
    );
    assert_eq!(
        header(request, "accept"),
        Some("application/json"),
        "{shown}"
    );
    match body {
        Some(body) => {
            assert_eq!(
                header(request, "content-type"),
                Some("application/json"),
                "{shown}"
            );
            assert_eq!(json_body(request), body, "{shown}");
        }
        None => {
            assert!(request.body.is_empty(), "{shown} sends a body");
            assert_eq!(header(request, "content-type"), None, "{shown}");
        }
    }
}

/// The rejection inside an error, or a failure naming what came instead.
#[track_caller]
fn rejection(error: AltinnError) -> Rejection {
    match error {
        AltinnError::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn system_path() -> String {
    format!("{AUTH}/systemregister/vendor/{SYSTEM}")
}

fn by_ref_path(reference: &str) -> String {
    format!("{AUTH}/systemuser/request/vendor/byexternalref/{SYSTEM}/{CUSTOMER}/{reference}")
}

// --- The system register -------------------------------------------------------------------

#[tokio::test]
async fn register_creates_a_system_that_does_not_exist() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &system_path(),
        404,
        &auth_problem(404, "AUTH-00011", "The system id was not found"),
    )
    .await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemregister/vendor"),
        200,
        "\"0b7f6c2e-3d1a-4e5b-9c8d-7f6e5d4c3b2a\"",
    )
    .await;
    let (client, _) = register_client(&server);

    let outcome = client.register(&hr_sync()).await.unwrap();

    assert_eq!(outcome, Registration::Created);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2, "{:?}", lines(&server).await);
    // Reading first is what makes a second run an update rather than a duplicate.
    assert_sent(&requests[0], "GET", &system_path(), None);
    assert_sent(
        &requests[1],
        "POST",
        &format!("{AUTH}/systemregister/vendor"),
        Some(hr_sync_body()),
    );
}

#[tokio::test]
async fn register_replaces_a_system_that_exists() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &system_path(),
        200,
        &registered(SYSTEM, false).to_string(),
    )
    .await;
    answer(&server, "PUT", &system_path(), 200, r#"{"succeeded":true}"#).await;
    let (client, _) = register_client(&server);

    let outcome = client.register(&hr_sync()).await.unwrap();

    assert_eq!(outcome, Registration::Updated);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2, "{:?}", lines(&server).await);
    assert_sent(&requests[0], "GET", &system_path(), None);
    // The PUT replaces the whole system, so it carries the same body the POST would.
    assert_sent(&requests[1], "PUT", &system_path(), Some(hr_sync_body()));
}

#[tokio::test]
async fn register_sends_the_description_when_one_is_given() {
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &system_path(), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemregister/vendor"),
        200,
        "\"0b7f6c2e-3d1a-4e5b-9c8d-7f6e5d4c3b2a\"",
    )
    .await;
    let (client, _) = register_client(&server);
    let mut system = hr_sync();
    system.description = Some("Keeps HR in step".into());

    client.register(&system).await.unwrap();

    let requests = received(&server).await;
    let mut want = hr_sync_body();
    want["description"] =
        json!({"en": "Keeps HR in step", "nb": "Keeps HR in step", "nn": "Keeps HR in step"});
    assert_sent(
        &requests[1],
        "POST",
        &format!("{AUTH}/systemregister/vendor"),
        Some(want),
    );
}

#[tokio::test]
async fn show_reads_one_system_and_a_404_is_none() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &system_path(),
        200,
        &registered(SYSTEM, false).to_string(),
    )
    .await;
    let other = "310000000_other";
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemregister/vendor/{other}"),
        404,
        &auth_problem(404, "AUTH-00011", "The system id was not found"),
    )
    .await;
    let (client, _) = register_client(&server);

    let found = client.system(&system_id()).await.unwrap();
    let missing = client
        .system(&SystemId::parse(other).unwrap())
        .await
        .unwrap();

    assert_eq!(
        found,
        Some(VendorSystem {
            id: system_id(),
            // The Bokmål name and description are the ones shown.
            name: "HR-synk".into(),
            description: Some("Synkroniserer HR".into()),
            packages: packages(&["tilgangsstyrer"]),
            client_ids: vec![CLIENT_ID.into()],
        })
    );
    assert_eq!(missing, None);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_sent(&requests[0], "GET", &system_path(), None);
    assert_sent(
        &requests[1],
        "GET",
        &format!("{AUTH}/systemregister/vendor/{other}"),
        None,
    );
}

#[tokio::test]
async fn list_reads_every_system_and_leaves_out_deleted_ones() {
    let server = MockServer::start().await;
    let listing = json!([
        registered(SYSTEM, false),
        registered("310000000_retired", true),
        registered("310000000_payroll", false)
    ]);
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemregister/vendor"),
        200,
        &listing.to_string(),
    )
    .await;
    let (client, _) = register_client(&server);

    let systems = client.systems().await.unwrap();

    let ids: Vec<&str> = systems.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [SYSTEM, "310000000_payroll"]);
    assert_sent(
        &common::only_request(&server).await,
        "GET",
        &format!("{AUTH}/systemregister/vendor"),
        None,
    );
}

// --- System-user requests ------------------------------------------------------------------

#[tokio::test]
async fn request_posts_the_documented_body_when_none_is_open() {
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        201,
        &request_response(REQUEST_ID, "New").to_string(),
    )
    .await;
    let (client, _) = register_client(&server);

    let outcome = client
        .request_system_user(
            &system_id(),
            &customer(),
            &packages(&["tilgangsstyrer", "lonn"]),
            None,
        )
        .await
        .unwrap();

    assert!(!outcome.existing);
    assert_eq!(outcome.request.id, REQUEST_ID);
    assert_eq!(outcome.request.status, RequestStatus::New);
    assert_eq!(outcome.request.customer, CUSTOMER);
    assert_eq!(
        outcome.request.confirm_url.as_deref(),
        Some(confirm_url(REQUEST_ID).as_str())
    );
    assert_eq!(
        outcome.request.packages,
        packages(&["tilgangsstyrer", "lonn"])
    );
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2, "{:?}", lines(&server).await);
    // The reference defaults to the customer's number, as Altinn's does.
    assert_sent(&requests[0], "GET", &by_ref_path(CUSTOMER), None);
    assert_sent(
        &requests[1],
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        Some(json!({
            "integrationTitle": null,
            "externalRef": null,
            "systemId": SYSTEM,
            "partyOrgNo": CUSTOMER,
            "rights": null,
            "accessPackages": [
                {"urn": "urn:altinn:accesspackage:tilgangsstyrer"},
                {"urn": "urn:altinn:accesspackage:lonn"}
            ],
            "redirectUrl": null
        })),
    );
}

#[tokio::test]
async fn request_with_a_reference_and_no_packages_sends_the_reference_and_no_packages() {
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path("payroll"), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        201,
        &request_response(REQUEST_ID, "New").to_string(),
    )
    .await;
    let (client, _) = register_client(&server);

    client
        .request_system_user(&system_id(), &customer(), &[], Some("payroll".into()))
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2, "{:?}", lines(&server).await);
    assert_sent(&requests[0], "GET", &by_ref_path("payroll"), None);
    // The packages are optional in `CreateRequestSystemUser` (§5.5): with none given the
    // field is null, never an empty list that would ask for nothing.
    assert_sent(
        &requests[1],
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        Some(json!({
            "integrationTitle": null,
            "externalRef": "payroll",
            "systemId": SYSTEM,
            "partyOrgNo": CUSTOMER,
            "rights": null,
            "accessPackages": null,
            "redirectUrl": null
        })),
    );
}

#[tokio::test]
async fn an_open_request_is_shown_and_not_made_again() {
    for status in ["New", "Accepted", "Rejected"] {
        let server = MockServer::start().await;
        answer(
            &server,
            "GET",
            &by_ref_path(CUSTOMER),
            200,
            &request_response(REQUEST_ID, status).to_string(),
        )
        .await;
        let (client, _) = register_client(&server);

        let outcome = client
            .request_system_user(&system_id(), &customer(), &packages(&["lonn"]), None)
            .await
            .unwrap();

        assert!(outcome.existing, "{status}");
        assert_eq!(outcome.request.id, REQUEST_ID, "{status}");
        assert_eq!(outcome.request.status.as_str(), status);
        // Only the read: the customer may already have the link of the open request.
        assert_sent(
            &common::only_request(&server).await,
            "GET",
            &by_ref_path(CUSTOMER),
            None,
        );
    }
}

#[tokio::test]
async fn a_timed_out_request_does_not_count_and_a_new_one_is_made() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &by_ref_path(CUSTOMER),
        200,
        &request_response(REQUEST_ID, "Timedout").to_string(),
    )
    .await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        201,
        &request_response(NEW_REQUEST_ID, "New").to_string(),
    )
    .await;
    let (client, _) = register_client(&server);

    let outcome = client
        .request_system_user(&system_id(), &customer(), &packages(&["lonn"]), None)
        .await
        .unwrap();

    assert!(!outcome.existing);
    assert_eq!(outcome.request.id, NEW_REQUEST_ID);
    assert_eq!(
        lines(&server).await,
        [
            format!("GET {}", by_ref_path(CUSTOMER)),
            format!("POST {AUTH}/systemuser/request/vendor"),
        ]
    );
}

#[tokio::test]
async fn status_reads_a_request_by_id_and_a_404_is_none() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemuser/request/vendor/{REQUEST_ID}"),
        200,
        &request_response(REQUEST_ID, "Accepted").to_string(),
    )
    .await;
    answer_empty(
        &server,
        "GET",
        &format!("{AUTH}/systemuser/request/vendor/{NEW_REQUEST_ID}"),
        404,
    )
    .await;
    let (client, _) = register_client(&server);

    let found = client.request(REQUEST_ID).await.unwrap().unwrap();
    let missing = client.request(NEW_REQUEST_ID).await.unwrap();

    assert_eq!(found.status, RequestStatus::Accepted);
    assert_eq!(found.id, REQUEST_ID);
    assert_eq!(missing, None);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_sent(
        &requests[0],
        "GET",
        &format!("{AUTH}/systemuser/request/vendor/{REQUEST_ID}"),
        None,
    );
}

#[tokio::test]
async fn status_by_customer_reads_by_external_reference() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &by_ref_path(CUSTOMER),
        200,
        &request_response(REQUEST_ID, "New").to_string(),
    )
    .await;
    answer_empty(&server, "GET", &by_ref_path("payroll"), 404).await;
    let (client, _) = register_client(&server);

    let by_default = client
        .request_for(&system_id(), &customer(), None)
        .await
        .unwrap()
        .unwrap();
    let by_reference = client
        .request_for(&system_id(), &customer(), Some("payroll".into()))
        .await
        .unwrap();

    assert_eq!(by_default.id, REQUEST_ID);
    assert_eq!(by_default.status, RequestStatus::New);
    assert_eq!(by_reference, None);
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_sent(&requests[0], "GET", &by_ref_path(CUSTOMER), None);
    assert_sent(&requests[1], "GET", &by_ref_path("payroll"), None);
}

#[tokio::test]
async fn an_external_reference_is_one_path_segment_whatever_it_holds() {
    let server = MockServer::start().await;
    answer_empty(
        &server,
        "GET",
        &by_ref_path("hr%20sync%2F2025%3Fx%23y"),
        404,
    )
    .await;
    let (client, _) = register_client(&server);

    let found = client
        .request_for(&system_id(), &customer(), Some("hr sync/2025?x#y".into()))
        .await
        .unwrap();

    assert_eq!(found, None);
    // A `/`, `?` or `#` in the vendor's reference must not move the request to another path
    // or into a query: it is percent-encoded within its one segment.
    let request = common::only_request(&server).await;
    assert_eq!(
        request.url.path(),
        by_ref_path("hr%20sync%2F2025%3Fx%23y"),
        "{}",
        line(&request)
    );
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn an_empty_reference_is_the_default_and_a_dot_reference_is_refused() {
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    let (client, _) = register_client(&server);

    let empty = client
        .request_for(&system_id(), &customer(), Some(String::new()))
        .await
        .unwrap();
    assert_eq!(empty, None);
    for dots in [".", ".."] {
        let error = client
            .request_for(&system_id(), &customer(), Some(dots.into()))
            .await
            .unwrap_err();
        assert!(
            matches!(error, AltinnError::InvalidInput(_)),
            "{dots}: {error:?}"
        );
    }
    assert_eq!(
        lines(&server).await,
        [format!("GET {}", by_ref_path(CUSTOMER))]
    );
}

#[tokio::test]
async fn a_request_id_that_is_no_uuid_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let (client, _) = register_client(&server);

    for id in ["../../systemregister/vendor", "", "not-a-request"] {
        let error = client.request(id).await.unwrap_err();
        assert!(
            matches!(error, AltinnError::InvalidInput(_)),
            "{id:?}: {error:?}"
        );
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn a_request_id_is_sent_in_its_canonical_form() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemuser/request/vendor/{REQUEST_ID}"),
        200,
        &request_response(REQUEST_ID, "New").to_string(),
    )
    .await;
    let (client, _) = register_client(&server);

    let found = client.request(&REQUEST_ID.to_uppercase()).await.unwrap();

    assert!(found.is_some());
}

// --- System users --------------------------------------------------------------------------

fn system_user(id: &str, org: &str, deleted: bool) -> Value {
    json!({
        "id": id,
        "integrationTitle": "HR sync",
        "systemId": SYSTEM,
        "productName": "HR sync",
        "reporteeOrgNo": org,
        "created": "2025-05-02T08:00:00Z",
        "isDeleted": deleted,
        "supplierName": "DEMO AS",
        "supplierOrgno": VENDOR,
        "externalRef": org,
        "userType": "Standard"
    })
}

#[tokio::test]
async fn system_users_lists_the_live_ones_of_the_system() {
    let server = MockServer::start().await;
    let page = json!({
        "links": {"next": null},
        "data": [
            system_user("a1b2c3d4-0000-4000-8000-000000000001", CUSTOMER, false),
            system_user("a1b2c3d4-0000-4000-8000-000000000002", "310000027", true)
        ]
    });
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemuser/vendor/bysystem/{SYSTEM}"),
        200,
        &page.to_string(),
    )
    .await;
    let (client, _) = register_client(&server);

    let users = client.system_users(&system_id()).await.unwrap();

    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0].id, "a1b2c3d4-0000-4000-8000-000000000001");
    assert_eq!(users[0].customer, CUSTOMER);
    assert_eq!(users[0].system, SYSTEM);
    assert_eq!(users[0].external_ref.as_deref(), Some(CUSTOMER));
    assert_eq!(users[0].name.as_deref(), Some("HR sync"));
    assert_sent(
        &common::only_request(&server).await,
        "GET",
        &format!("{AUTH}/systemuser/vendor/bysystem/{SYSTEM}"),
        None,
    );
}

#[tokio::test]
async fn system_users_follows_the_continuation_token() {
    let server = MockServer::start().await;
    let listing = format!("{AUTH}/systemuser/vendor/bysystem/{SYSTEM}");
    let first = json!({
        "links": {"next": format!("{listing}?token=page-2")},
        "data": [system_user("a1b2c3d4-0000-4000-8000-000000000001", CUSTOMER, false)]
    });
    let second = json!({
        "links": {"next": null},
        "data": [system_user("a1b2c3d4-0000-4000-8000-000000000003", "310000027", false)]
    });
    Mock::given(method("GET"))
        .and(path(listing.as_str()))
        .and(wiremock::matchers::query_param("token", "page-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(second.to_string(), "application/json"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    answer(&server, "GET", &listing, 200, &first.to_string()).await;
    let (client, _) = register_client(&server);

    let users = client.system_users(&system_id()).await.unwrap();

    let customers: Vec<&str> = users.iter().map(|u| u.customer.as_str()).collect();
    assert_eq!(customers, [CUSTOMER, "310000027"]);
    assert_eq!(
        lines(&server).await,
        [
            format!("GET {listing}"),
            format!("GET {listing}?token=page-2")
        ]
    );
}

#[tokio::test]
async fn a_next_page_on_another_host_is_not_followed_with_the_token() {
    let server = MockServer::start().await;
    let listing = format!("{AUTH}/systemuser/vendor/bysystem/{SYSTEM}");
    let first = json!({
        "links": {"next": "https://elsewhere.example/steal?token=page-2"},
        "data": []
    });
    answer(&server, "GET", &listing, 200, &first.to_string()).await;
    let (client, _) = register_client(&server);

    let error = client.system_users(&system_id()).await.unwrap_err();

    assert!(matches!(error, AltinnError::Decode { .. }), "{error:?}");
}

// --- The AUTH problem codes ----------------------------------------------------------------

/// Asserts that `error` is the server's refusal with `status` and `code`, and that its
/// advice says `advice`.
#[track_caller]
fn assert_refused(error: AltinnError, status: u16, code: &str, advice: &str) {
    let shown = error.to_string();
    let r = rejection(error);
    assert_eq!(r.status, status, "{shown}");
    assert!(r.has_code(code), "{code} missing: {:?}", r.codes);
    assert!(r.advice.contains(advice), "{code}: advice {:?}", r.advice);
    // The message a user reads names the code and the advice, not only the status.
    assert!(
        shown.contains(code) && shown.contains(advice),
        "{code}: {shown}"
    );
}

#[tokio::test]
async fn auth_00004_a_system_user_exists_is_explained() {
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        400,
        &auth_problem(
            400,
            "AUTH-00004",
            "A system user already exists for this system, party and external reference",
        ),
    )
    .await;
    let (client, _) = register_client(&server);

    let error = client
        .request_system_user(&system_id(), &customer(), &packages(&["lonn"]), None)
        .await
        .unwrap_err();

    assert_refused(
        error,
        400,
        "AUTH-00004",
        "that customer already has a system user for this system",
    );
}

#[tokio::test]
async fn auth_00011_system_not_found_is_explained_where_it_is_met() {
    // Asking for a system user of a system that is not registered.
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        404,
        &auth_problem(404, "AUTH-00011", "The system id was not found"),
    )
    .await;
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemuser/vendor/bysystem/{SYSTEM}"),
        404,
        &auth_problem(404, "AUTH-00011", "The system id was not found"),
    )
    .await;
    let (client, _) = register_client(&server);

    let requested = client
        .request_system_user(&system_id(), &customer(), &[], None)
        .await
        .unwrap_err();
    // Listing the system users of a system that is not registered.
    let listed = client.system_users(&system_id()).await.unwrap_err();

    for error in [requested, listed] {
        assert_refused(
            error,
            404,
            "AUTH-00011",
            "no such system in the system register",
        );
    }
}

#[tokio::test]
async fn auth_00011_on_a_request_read_is_not_taken_for_a_missing_request() {
    // A 404 that says the *system* is unknown is not "no such request": reporting it as the
    // latter would send the user to make a request, which fails in turn.
    let server = MockServer::start().await;
    let problem = auth_problem(404, "AUTH-00011", "The system id was not found");
    answer(&server, "GET", &by_ref_path(CUSTOMER), 404, &problem).await;
    answer(
        &server,
        "GET",
        &format!("{AUTH}/systemuser/request/vendor/{REQUEST_ID}"),
        404,
        &problem,
    )
    .await;
    let (client, _) = register_client(&server);

    let by_customer = client
        .request_for(&system_id(), &customer(), None)
        .await
        .unwrap_err();
    let by_id = client.request(REQUEST_ID).await.unwrap_err();
    let requested = client
        .request_system_user(&system_id(), &customer(), &[], None)
        .await
        .unwrap_err();

    for error in [by_customer, by_id, requested] {
        assert_refused(
            error,
            404,
            "AUTH-00011",
            "no such system in the system register",
        );
    }
    // The refusal of the read ends the request: no POST follows it.
    assert!(
        !lines(&server).await.iter().any(|l| l.starts_with("POST")),
        "{:?}",
        lines(&server).await
    );
}

#[tokio::test]
async fn auth_00052_invalid_packages_is_explained_on_create_update_and_request() {
    let problem = auth_problem(
        400,
        "AUTH-00052",
        "One or more access packages are invalid: urn:altinn:accesspackage:regnskapsforer-lonn",
    );
    let advice = "one of the access packages is unknown or not assignable";

    // Creating.
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &system_path(), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemregister/vendor"),
        400,
        &problem,
    )
    .await;
    let (client, _) = register_client(&server);
    assert_refused(
        client.register(&hr_sync()).await.unwrap_err(),
        400,
        "AUTH-00052",
        advice,
    );

    // Updating.
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &system_path(),
        200,
        &registered(SYSTEM, false).to_string(),
    )
    .await;
    answer(&server, "PUT", &system_path(), 400, &problem).await;
    let (client, _) = register_client(&server);
    assert_refused(
        client.register(&hr_sync()).await.unwrap_err(),
        400,
        "AUTH-00052",
        advice,
    );

    // Asking a customer for packages the system may not ask for.
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        400,
        &problem,
    )
    .await;
    let (client, _) = register_client(&server);
    assert_refused(
        client
            .request_system_user(
                &system_id(),
                &customer(),
                &packages(&["regnskapsforer-lonn"]),
                None,
            )
            .await
            .unwrap_err(),
        400,
        "AUTH-00052",
        advice,
    );
}

#[tokio::test]
async fn auth_00023_no_vendor_in_the_token_is_explained() {
    let server = MockServer::start().await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    answer(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        401,
        &auth_problem(
            401,
            "AUTH-00023",
            "The token does not contain a vendor organization",
        ),
    )
    .await;
    let (client, tokens) = register_client(&server);

    let error = client
        .request_system_user(&system_id(), &customer(), &[], None)
        .await
        .unwrap_err();

    assert_refused(
        error,
        401,
        "AUTH-00023",
        "the token names no vendor organisation",
    );
    // A 401 renews the token once; a renewed token from the same client names no vendor
    // either, so the refusal stands after that one renewal.
    assert_eq!(tokens.invalidated(), 1);
    let posts = lines(&server)
        .await
        .into_iter()
        .filter(|l| l.starts_with("POST"))
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test]
async fn a_plain_403_names_the_vendors_scopes_and_not_a_system_users_packages() {
    // The register answers 403 with no body when a scope is missing or the system belongs to
    // another vendor (§5.5). The advice must speak of the vendor's token: these calls carry
    // no system user, so the enduser API's advice about its packages would send the user the
    // wrong way.
    let server = MockServer::start().await;
    answer_empty(
        &server,
        "GET",
        &format!("{AUTH}/systemregister/vendor"),
        403,
    )
    .await;
    answer_empty(
        &server,
        "POST",
        &format!("{AUTH}/systemuser/request/vendor"),
        403,
    )
    .await;
    answer_empty(&server, "GET", &by_ref_path(CUSTOMER), 404).await;
    let (client, _) = register_client(&server);

    let listed = client.systems().await.unwrap_err();
    let requested = client
        .request_system_user(&system_id(), &customer(), &[], None)
        .await
        .unwrap_err();

    for error in [listed, requested] {
        let r = rejection(error);
        assert_eq!(r.status, 403);
        assert!(
            r.advice
                .contains("altinn:authentication/systemregister.write")
                && r.advice
                    .contains("altinn:authentication/systemuser.request.write")
                && r.advice
                    .contains("the vendor whose organisation number starts its id"),
            "{}",
            r.advice
        );
        assert!(!r.advice.contains("tilgangsstyrer"), "{}", r.advice);
    }
}
