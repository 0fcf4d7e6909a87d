//! The adapter against wiremock: the exact shape of each request, paging, token renewal,
//! retries, and input refused before anything is sent.

mod common;

use serde_json::{Value, json};
use tilgang_altinn2::{Altinn2Client, Language, RightsFilter};
use tilgang_altinn2_wire::{
    DelegationRequest, Receiver, Right, RightId, RightRequest, RightSourceType, RoleId,
    hal::{self, Page},
};
use tilgang_domain::{
    Action, Grantable, HeldAccess, HeldVia, MaskedSsn, PackageCode, Party, PartyId, PartyKind,
    PartyQuery, PartyRef, PartyUuid, ReporteeId, ResourceId, ResourceRight, RevokeHandle, RoleCode,
    ServiceCode, ServiceEditionCode, ServiceRight,
};
use tilgang_ports::{
    AltinnError, Delivery, Operation, Parties, RetryPolicy, RightHolderChange, Rights,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path, query_param, query_param_is_missing},
};

use common::{API_KEY, ScriptedTokens, client_for, config_for, quick_retries};

const FNR: &str = "26899299344";
const WHO: &str = "310000000";
const RECEIVER: &str = "r50828869";
const DELEGATIONS: &str = "/api/310000000/authorization/Delegations";
const RIGHTS: &str = "/api/310000000/authorization/Delegations/r50828869/rights";

fn who() -> PartyRef {
    PartyRef::parse(WHO).unwrap()
}

fn receiver() -> PartyRef {
    PartyRef::parse(RECEIVER).unwrap()
}

fn person() -> PartyQuery {
    PartyQuery::Person {
        fnr: FNR.parse().unwrap(),
        last_name: "HEIS".parse().unwrap(),
    }
}

fn right(id: i64, source: RightSourceType) -> Right {
    let mut r = Right::service(
        ServiceCode::parse("4864").unwrap(),
        ServiceEditionCode::new(1).unwrap(),
        Action::Read,
    );
    r.right_id = Some(RightId(id));
    r.right_source_type = Some(source);
    r
}

fn rights_page(ids: std::ops::Range<i64>) -> ResponseTemplate {
    let items = ids
        .map(|i| right(i, RightSourceType::DirectlyDelegatedRights))
        .collect();
    ResponseTemplate::new(200).set_body_raw(
        hal::encode_rights(&Page::new(items)),
        "application/hal+json",
    )
}

fn delegation_request() -> DelegationRequest {
    DelegationRequest {
        receiver: Receiver::Person {
            ssn: FNR.into(),
            last_name: "HEIS".into(),
        },
        rights: vec![
            RightRequest::service(
                ServiceCode::parse("4864").unwrap(),
                ServiceEditionCode::new(1).unwrap(),
                Action::Read,
            ),
            RightRequest::service(
                ServiceCode::parse("4864").unwrap(),
                ServiceEditionCode::new(1).unwrap(),
                Action::Write,
            ),
        ],
        roles: vec![],
        email: None,
    }
}

/// The headers of a request, as (name, value) pairs, minus the transport's own.
fn headers_of(request: &wiremock::Request) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "content-length" | "user-agent"))
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    out
}

/// The POST Delegations body for HEIS with 4864/1 Read and Write, as the guide documents it.
fn delegation_body() -> Value {
    json!({
        "SocialSecurityNumber": FNR,
        "LastName": "HEIS",
        "_embedded": {"Rights": [
            {"ServiceCode": "4864", "ServiceEditionCode": 1, "Action": "Read"},
            {"ServiceCode": "4864", "ServiceEditionCode": 1, "Action": "Write"}
        ]}
    })
}

/// Replaces every run of eleven digits (a fødselsnummer) with its masked form, so that a
/// failing comparison of request bodies never prints a number in full.
fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if run.len() == 11 {
            out.push_str(MaskedSsn::new(&run).as_str());
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[test]
fn mask_numbers_masks_only_eleven_digit_runs() {
    assert_eq!(
        mask_numbers(r#"{"SocialSecurityNumber":"26899299344","Lcid":1044,"Id":123456789012}"#),
        r#"{"SocialSecurityNumber":"268992*****","Lcid":1044,"Id":123456789012}"#
    );
    assert_eq!(mask_numbers("26899299344"), "268992*****");
}

/// A JSON request body. Compared exactly; its `Debug` masks fødselsnumre.
#[derive(PartialEq)]
struct Body(Value);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&mask_numbers(&self.0.to_string()))
    }
}

fn body_of(request: &wiremock::Request) -> Option<Body> {
    (!request.body.is_empty()).then(|| Body(serde_json::from_slice(&request.body).unwrap()))
}

/// Everything the server saw of one request, minus the transport's own headers, so that one
/// `assert_eq!` checks method, path, query, headers and body at once.
#[derive(Debug, PartialEq)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<Body>,
}

fn seen(requests: &[wiremock::Request]) -> Vec<Seen> {
    requests
        .iter()
        .map(|r| Seen {
            method: r.method.as_str().to_owned(),
            path: r.url.path().to_owned(),
            query: r.url.query().map(str::to_owned),
            headers: headers_of(r),
            body: body_of(r),
        })
        .collect()
}

/// The token every port test's client sends, and the header it makes.
const TOKEN: &str = "t";
const BEARER: &str = "Bearer t";

/// A GET of a delegation resource, as the adapter must send it.
fn get(path: &str, query: Option<&str>) -> Seen {
    Seen {
        method: "GET".into(),
        path: path.into(),
        query: query.map(str::to_owned),
        headers: pairs(&[
            ("authorization", BEARER),
            ("apikey", API_KEY),
            ("accept", "application/hal+json"),
        ]),
        body: None,
    }
}

/// A DELETE of one right or role, as the adapter must send it: no query, no body.
fn delete(path: &str) -> Seen {
    Seen {
        method: "DELETE".into(),
        ..get(path, None)
    }
}

/// The delegation POST, as the adapter must send it.
fn post_delegation(body: Value) -> Seen {
    Seen {
        method: "POST".into(),
        path: DELEGATIONS.into(),
        query: None,
        headers: pairs(&[
            ("authorization", BEARER),
            ("apikey", API_KEY),
            ("accept", "application/hal+json"),
            ("content-type", "application/hal+json"),
        ]),
        body: Some(Body(body)),
    }
}

/// The ReporteeConversion POST, as the adapter must send it (plain JSON, unlike the rest).
fn conversion(body: Value) -> Seen {
    Seen {
        method: "POST".into(),
        path: "/api/reportees/ReporteeConversion".into(),
        query: None,
        headers: pairs(&[
            ("authorization", BEARER),
            ("apikey", API_KEY),
            ("accept", "application/json"),
            ("content-type", "application/json"),
        ]),
        body: Some(Body(body)),
    }
}

fn assert_unsupported_party(err: &AltinnError, form: &str) {
    match err {
        AltinnError::UnsupportedParty {
            platform,
            form: got,
            ..
        } => assert_eq!((*platform, *got), ("Altinn 2", form)),
        other => panic!("expected UnsupportedParty for {form}, got {other:?}"),
    }
}

#[tokio::test]
async fn every_request_has_the_exact_documented_shape() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/reportees/ReporteeConversion"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ReporteeId": RECEIVER, "Name": "HEIS TOM", "Type": "Person", "SocialSecurityNumber": FNR
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{DELEGATIONS}/{RECEIVER}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "RightHolderId": RECEIVER,
            "Rights": {"_embedded": {"rights": [{"RightID": 1, "ServiceCode": "4864", "ServiceEditionCode": 1, "Action": "Read", "RightSourceType": "DirectlyDelegatedRights"}]}},
            "Roles": {"_embedded": {"roles": []}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(DELEGATIONS))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{RIGHTS}/4371450")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{DELEGATIONS}/{RECEIVER}/roles/77")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["tok-1"]),
        RetryPolicy::NONE,
    );
    let reportee = client.reportee(&person()).await.unwrap();
    assert_eq!(reportee.reportee_id.as_str(), RECEIVER);
    assert_eq!(
        reportee.social_security_number.unwrap().as_str(),
        "268992*****",
        "a full number in a response is masked on the way in"
    );
    let holder = client.right_holder(&who(), &receiver()).await.unwrap();
    assert_eq!(holder.rights.len(), 1);
    client.add(&who(), &delegation_request()).await.unwrap();
    client
        .delete_right(&who(), &receiver(), RightId(4371450))
        .await
        .unwrap();
    client
        .delete_role(&who(), &receiver(), RoleId(77))
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 5);
    let auth = ("authorization", "Bearer tok-1");
    let key = ("apikey", API_KEY);

    let conversion = &requests[0];
    assert_eq!(conversion.url.query(), None);
    assert_eq!(
        headers_of(conversion),
        pairs(&[
            auth,
            key,
            ("accept", "application/json"),
            ("content-type", "application/json")
        ])
    );
    assert_eq!(
        body_of(conversion),
        Some(Body(
            json!({"SocialSecurityNumber": FNR, "LastName": "HEIS"})
        ))
    );

    let get = &requests[1];
    assert_eq!(get.url.query(), Some("language=1044"));
    assert_eq!(
        headers_of(get),
        pairs(&[auth, key, ("accept", "application/hal+json")])
    );

    let post = &requests[2];
    assert_eq!(post.url.path(), DELEGATIONS);
    assert_eq!(
        headers_of(post),
        pairs(&[
            auth,
            key,
            ("accept", "application/hal+json"),
            ("content-type", "application/hal+json")
        ])
    );
    assert_eq!(body_of(post), Some(Body(delegation_body())));

    for delete in &requests[3..] {
        assert_eq!(delete.method.as_str(), "DELETE");
        assert!(delete.body.is_empty());
        assert_eq!(
            headers_of(delete),
            pairs(&[auth, key, ("accept", "application/hal+json")])
        );
    }
}

#[tokio::test]
async fn lists_at_the_cap_are_followed_with_skip() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .and(query_param_is_missing("$skip"))
        .respond_with(rights_page(1..51))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .and(query_param("$skip", "50"))
        .respond_with(rights_page(51..101))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .and(query_param("$skip", "100"))
        .respond_with(rights_page(101..121))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["t"]),
        RetryPolicy::NONE,
    );
    let rights = client
        .rights(&who(), &receiver(), RightsFilter::All)
        .await
        .unwrap();
    let ids: Vec<i64> = rights.iter().map(|r| r.right_id.unwrap().0).collect();
    assert_eq!(ids, (1..121).collect::<Vec<_>>());
}

#[tokio::test]
async fn exactly_fifty_items_end_with_an_empty_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .and(query_param_is_missing("$skip"))
        .respond_with(rights_page(1..51))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .and(query_param("$skip", "50"))
        .respond_with(rights_page(0..0))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["t"]),
        RetryPolicy::NONE,
    );
    let rights = client
        .rights(&who(), &receiver(), RightsFilter::All)
        .await
        .unwrap();
    assert_eq!(rights.len(), 50);
}

#[tokio::test]
async fn a_server_that_ignores_skip_is_reported_not_looped_on() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .respond_with(rights_page(1..51))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["t"]),
        RetryPolicy::NONE,
    );
    let err = client
        .rights(&who(), &receiver(), RightsFilter::All)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ignored $skip"), "{err}");
}

#[tokio::test]
async fn directly_delegated_rights_are_filtered_by_odata_and_locally() {
    let server = MockServer::start().await;
    let body = hal::encode_rights(&Page::new(vec![
        right(1, RightSourceType::DirectlyDelegatedRights),
        right(2, RightSourceType::RoleTypeRights),
    ]));
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .and(query_param(
            "$filter",
            "RightSourceType ne 'RoleTypeRights'",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/hal+json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["t"]),
        RetryPolicy::NONE,
    );
    let rights = client
        .rights(&who(), &receiver(), RightsFilter::DirectlyDelegated)
        .await
        .unwrap();
    assert_eq!(rights.len(), 1);
    assert_eq!(rights[0].right_id, Some(RightId(1)));
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_retries_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(DELEGATIONS))
        .and(header("Authorization", "Bearer old"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(DELEGATIONS))
        .and(header("Authorization", "Bearer new"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let tokens = ScriptedTokens::new(&["old", "new"]);
    let client = client_for(&server.uri(), tokens.clone(), RetryPolicy::NONE);
    client.add(&who(), &delegation_request()).await.unwrap();
    assert_eq!(tokens.invalidated(), 1);
    assert_eq!(tokens.fetched(), 2);
}

#[tokio::test]
async fn a_second_401_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let tokens = ScriptedTokens::new(&["old", "new"]);
    let client = client_for(&server.uri(), tokens.clone(), quick_retries(4));
    let err = client.roles(&who(), &receiver()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(tokens.invalidated(), 1);
}

#[tokio::test]
async fn reads_are_retried_after_transient_failures() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(rights_page(1..3))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), ScriptedTokens::new(&["t"]), quick_retries(3));
    let rights = client
        .rights(&who(), &receiver(), RightsFilter::All)
        .await
        .unwrap();
    assert_eq!(rights.len(), 2);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), ScriptedTokens::new(&["t"]), quick_retries(3));
    let err = client.roles(&who(), &receiver()).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.is_ambiguous());
}

#[tokio::test]
async fn the_delegation_post_is_never_retried_after_it_may_have_arrived() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), ScriptedTokens::new(&["t"]), quick_retries(4));
    let err = client.add(&who(), &delegation_request()).await.unwrap_err();
    assert!(
        err.is_ambiguous(),
        "the caller must re-read before deciding: {err}"
    );
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_counts_as_done_when_the_retry_finds_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(504))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), ScriptedTokens::new(&["t"]), quick_retries(3));
    client
        .delete_right(&who(), &receiver(), RightId(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_plain_404_on_delete_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri(), ScriptedTokens::new(&["t"]), quick_retries(3));
    let err = client
        .delete_right(&who(), &receiver(), RightId(5))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn invalid_input_and_party_uuids_send_nothing() {
    let server = MockServer::start().await;
    let tokens = ScriptedTokens::new(&["t"]);
    let client = client_for(&server.uri(), tokens.clone(), RetryPolicy::NONE);
    let uuid = PartyRef::parse("7a1c2d3e-0000-4000-8000-000000000001").unwrap();

    let err = client.right_holders_of(&uuid).await.unwrap_err();
    assert_unsupported_party(&err, "an Altinn 3 party UUID");
    let err = client
        .rights(&who(), &uuid, RightsFilter::All)
        .await
        .unwrap_err();
    assert_unsupported_party(&err, "an Altinn 3 party UUID");
    let err = client.add(&uuid, &delegation_request()).await.unwrap_err();
    assert_unsupported_party(&err, "an Altinn 3 party UUID");

    let mut bad = delegation_request();
    bad.receiver = Receiver::Person {
        ssn: "26899299345".into(),
        last_name: "HEIS".into(),
    };
    let err = client.add(&who(), &bad).await.unwrap_err();
    assert!(matches!(err, AltinnError::InvalidInput(_)), "{err:?}");
    assert!(!err.to_string().contains("26899299345"), "{err}");
    let mut empty = delegation_request();
    empty.rights.clear();
    assert!(matches!(
        client.add(&who(), &empty).await,
        Err(AltinnError::InvalidInput(_))
    ));
    let mut odd = delegation_request();
    odd.rights[0].action = Action::Other("Fly".into());
    assert!(matches!(
        client.add(&who(), &odd).await,
        Err(AltinnError::InvalidInput(_))
    ));
    assert!(matches!(
        client.delete_right(&who(), &receiver(), RightId(0)).await,
        Err(AltinnError::InvalidInput(_))
    ));

    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(tokens.fetched(), 0, "not even a token is fetched");
}

#[tokio::test]
async fn redirects_are_not_followed_and_html_does_not_pass_as_data() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{DELEGATIONS}/{RECEIVER}/roles")))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/ui/Authentication"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(RIGHTS))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>log in</html>", "text/html"))
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["t"]),
        RetryPolicy::NONE,
    );
    let err = client.roles(&who(), &receiver()).await.unwrap_err();
    assert_eq!(err.status(), Some(302));
    let err = client
        .rights(&who(), &receiver(), RightsFilter::All)
        .await
        .unwrap_err();
    assert!(matches!(err, AltinnError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn error_bodies_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string("x".repeat(100_000)))
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&["t"]),
        RetryPolicy::NONE,
    );
    let AltinnError::Rejected(r) = client.roles(&who(), &receiver()).await.unwrap_err() else {
        panic!("expected a rejection");
    };
    assert!(r.body.len() < 5_000, "{}", r.body.len());
    assert!(r.body.ends_with("[…]"));
}

#[tokio::test]
async fn a_connection_refused_is_not_sent_and_may_be_retried() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client_for(
        &format!("http://127.0.0.1:{port}"),
        ScriptedTokens::new(&["t"]),
        quick_retries(2),
    );
    let err = client.add(&who(), &delegation_request()).await.unwrap_err();
    match err {
        AltinnError::Transport { delivery, .. } => assert_eq!(delivery, Delivery::NotSent),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The neutral ports over the Altinn 2 operations (`src/ports.rs`).

const UUID: &str = "7a1c2d3e-0000-4000-8000-000000000001";
const HOLDER: &str = "/api/310000000/authorization/Delegations/r50828869";

fn service(action: Action) -> Grantable {
    Grantable::ServiceRight(
        ServiceRight::new(
            ServiceCode::parse("4864").unwrap(),
            ServiceEditionCode::new(1).unwrap(),
            action,
        )
        .unwrap(),
    )
}

fn role(code: &str) -> Grantable {
    Grantable::role(RoleCode::parse(code).unwrap())
}

/// HEIS as `Parties::resolve` returns him: his reportee id, his number masked, and the query
/// that found him (Altinn 2 names the receiver of a delegation by it).
fn heis() -> Party {
    let mut party = Party::new(PartyKind::Person);
    party.name = Some("HEIS TOM".into());
    party.ssn = Some(MaskedSsn::new(FNR));
    party.reportee_id = Some(ReporteeId::parse(RECEIVER).unwrap());
    party.party_id = Some(PartyId::new(50_828_869).unwrap());
    party.query = Some(person());
    party
}

/// A right holder's answer with one right of each source and one role of each kind: a direct
/// right, a right from a role, an Altinn role, the synthetic "Single Rights" role Altinn 2
/// lists beside direct rights, and a role from the Central Coordinating Register.
fn holder_body() -> Value {
    json!({
        "RightHolderId": RECEIVER,
        "Name": "HEIS TOM",
        "LastName": "HEIS",
        "SocialSecurityNumber": "268992*****",
        "Rights": {"_embedded": {"rights": [
            {"RightID": 11, "RightType": "Service", "ServiceCode": "4864", "ServiceEditionCode": 1,
             "Action": "Read", "RightSourceType": "DirectlyDelegatedRights"},
            {"RightID": 12, "RightType": "Service", "ServiceCode": "4864", "ServiceEditionCode": 1,
             "Action": "Write", "RightSourceType": "RoleTypeRights"}
        ]}},
        "Roles": {"_embedded": {"roles": [
            {"RoleId": 77, "RoleType": "Altinn", "RoleDefinitionId": 6,
             "RoleName": "Utfyller/innsender", "RoleDefinitionCode": "UTINN"},
            {"RoleType": "Local", "RoleDefinitionId": 0, "RoleName": "Single Rights",
             "RoleDescription": "Collection of single rights"},
            {"RoleId": 78, "RoleType": "External", "RoleDefinitionId": 85,
             "RoleName": "Daglig leder", "RoleDefinitionCode": "DAGL"}
        ]}}
    })
}

/// What `holder_body` means in neutral terms: rights first, then roles, in the server's order.
fn holder_accesses() -> Vec<HeldAccess> {
    vec![
        HeldAccess {
            grantable: service(Action::Read),
            name: None,
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new("right:11")),
        },
        // Altinn 2 does not say which role a right comes from, so the role is not named, and
        // such a right goes only with its role.
        HeldAccess {
            grantable: service(Action::Write),
            name: None,
            held_via: vec![HeldVia::Role {
                role: None,
                name: None,
            }],
            revocable: false,
            handle: None,
        },
        HeldAccess {
            grantable: role("UTINN"),
            name: Some("Utfyller/innsender".into()),
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new("role:77")),
        },
        // A register role comes from the holder's position in the register, not from a
        // delegation, so it cannot be removed here.
        HeldAccess {
            grantable: role("DAGL"),
            name: Some("Daglig leder".into()),
            held_via: vec![HeldVia::KeyRole {
                role: Some(RoleCode::parse("DAGL").unwrap()),
                via: None,
            }],
            revocable: false,
            handle: None,
        },
    ]
}

async fn mount_holder(server: &MockServer, times: u64) {
    Mock::given(method("GET"))
        .and(path(HOLDER))
        .respond_with(ResponseTemplate::new(200).set_body_json(holder_body()))
        .expect(times)
        .mount(server)
        .await;
}

/// Refuses any DELETE and fails the test on drop if one arrived.
async fn forbid_deletes(server: &MockServer) {
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(server)
        .await;
}

#[tokio::test]
async fn resolve_converts_once_and_keeps_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/reportees/ReporteeConversion"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ReporteeId": RECEIVER, "Name": "HEIS TOM", "Type": "Person", "SocialSecurityNumber": FNR
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    let party = client.resolve(&who(), &person()).await.unwrap();
    // ReporteeConversion finds anyone, right holder or not, so Altinn 2 never answers `None`.
    assert_eq!(party, Some(heis()));
    let party = party.unwrap();
    assert_eq!(party.ssn.as_ref().unwrap().as_str(), "268992*****");
    assert_eq!(party.query, Some(person()));
    let shown = format!("{party:?}");
    assert!(!shown.contains(FNR), "{}", mask_numbers(&shown));
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [conversion(
            json!({"SocialSecurityNumber": FNR, "LastName": "HEIS"})
        )]
    );
}

#[tokio::test]
async fn resolve_finds_an_organisation_by_number_and_name() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/reportees/ReporteeConversion"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ReporteeId": "r50040934", "Name": "BIRI OG TORPO REGNSKAP", "Type": "Enterprise",
            "OrganizationNumber": "910437127"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    let query = PartyQuery::Organisation {
        org: "910437127".parse().unwrap(),
        name: "BIRI OG TORPO REGNSKAP".parse().unwrap(),
    };
    let party = client.resolve(&who(), &query).await.unwrap().unwrap();
    assert_eq!(party.kind, PartyKind::Organisation);
    assert_eq!(party.organization_number.as_deref(), Some("910437127"));
    assert_eq!(party.reportee_id.unwrap().as_str(), "r50040934");
    assert_eq!(party.party_id, Some(PartyId::new(50_040_934).unwrap()));
    assert_eq!(party.ssn, None);
    assert_eq!(party.query, Some(query));
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [conversion(
            json!({"OrganizationNumber": "910437127", "OrganizationName": "BIRI OG TORPO REGNSKAP"})
        )]
    );
}

#[tokio::test]
async fn adding_a_right_holder_only_looks_the_party_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/reportees/ReporteeConversion"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ReporteeId": RECEIVER, "Name": "HEIS TOM", "Type": "Person", "SocialSecurityNumber": FNR
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    let added = client.add_right_holder(&who(), &person()).await.unwrap();
    // Altinn 2 has no right-holder resource: a party becomes one by its first delegation.
    assert_eq!(added.change, RightHolderChange::NotNeeded);
    assert_eq!(added.party, heis());
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [conversion(
            json!({"SocialSecurityNumber": FNR, "LastName": "HEIS"})
        )]
    );
}

#[tokio::test]
async fn holdings_read_the_right_holder_once_and_name_every_path() {
    let server = MockServer::start().await;
    mount_holder(&server, 1).await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    let held = client.holdings(&who(), &heis()).await.unwrap();
    assert_eq!(held, holder_accesses());
    // "Single Rights" only collects the direct rights already listed; it is nothing to hold.
    assert!(
        !held
            .iter()
            .any(|h| h.name.as_deref() == Some("Single Rights")),
        "{held:?}"
    );
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [get(HOLDER, Some("language=1044"))]
    );
}

#[tokio::test]
async fn holdings_send_the_configured_language_and_none_when_unset() {
    let server = MockServer::start().await;
    mount_holder(&server, 2).await;
    let mut english = config_for(&server.uri(), RetryPolicy::NONE);
    english.language = Some(Language::English);
    let mut unset = config_for(&server.uri(), RetryPolicy::NONE);
    unset.language = None;
    for config in [english, unset] {
        let client = Altinn2Client::new(config, ScriptedTokens::new(&[TOKEN])).unwrap();
        assert_eq!(
            client.holdings(&who(), &heis()).await.unwrap(),
            holder_accesses()
        );
    }
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [get(HOLDER, Some("language=1033")), get(HOLDER, None)]
    );
}

#[tokio::test]
async fn grant_posts_every_service_right_in_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(DELEGATIONS))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    client
        .grant(
            &who(),
            &heis(),
            &[service(Action::Read), service(Action::Write)],
        )
        .await
        .unwrap();
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [post_delegation(delegation_body())]
    );
}

#[tokio::test]
async fn grant_refuses_what_altinn_2_cannot_grant_before_sending() {
    let server = MockServer::start().await;
    // Any POST would be a failure: `expect(0)` is checked when the server is dropped.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    let tokens = ScriptedTokens::new(&[TOKEN]);
    let client = client_for(&server.uri(), tokens.clone(), RetryPolicy::NONE);
    let package = Grantable::package(PackageCode::parse("lonn").unwrap());
    let resource = Grantable::ResourceRight(ResourceRight {
        resource: ResourceId::parse("ttd-hr-rapport").unwrap(),
        action: Action::Read,
    });
    for refused in [package, resource, role("UTINN")] {
        // The refused grantable comes after a service right the adapter could grant, so a
        // request sent for the first would show that the check did not come first.
        let err = client
            .grant(&who(), &heis(), &[service(Action::Read), refused.clone()])
            .await
            .unwrap_err();
        let AltinnError::Unsupported(unsupported) = &err else {
            panic!("expected Unsupported for {refused}, got {err:?}");
        };
        assert_eq!(unsupported.platform, "Altinn 2");
        assert_eq!(unsupported.operation, Operation::Grant);
        assert_eq!(unsupported.grantable, refused);
        assert_eq!(
            client.check(Operation::Grant, &refused).unwrap_err(),
            *unsupported
        );
    }
    // Packages and resource rights exist only in Altinn 3, and the message says so.
    let err = client
        .grant(
            &who(),
            &heis(),
            &[Grantable::package(PackageCode::parse("lonn").unwrap())],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Altinn 3"), "{err}");

    // Altinn 2 names a receiver by number and name; a party found without them cannot be one.
    let mut unnamed = heis();
    unnamed.query = None;
    let err = client
        .grant(&who(), &unnamed, &[service(Action::Read)])
        .await
        .unwrap_err();
    assert!(matches!(err, AltinnError::InvalidInput(_)), "{err:?}");

    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(tokens.fetched(), 0, "not even a token is fetched");
}

#[tokio::test]
async fn revoke_deletes_each_access_by_its_handle() {
    let server = MockServer::start().await;
    mount_holder(&server, 1).await;
    Mock::given(method("DELETE"))
        .and(path(format!("{HOLDER}/rights/11")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{HOLDER}/roles/77")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    // The handles come from a read, as the use cases get them.
    let revocable: Vec<HeldAccess> = client
        .holdings(&who(), &heis())
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.revocable)
        .collect();
    assert_eq!(revocable.len(), 2);
    client.revoke(&who(), &heis(), &revocable).await.unwrap();
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [
            get(HOLDER, Some("language=1044")),
            delete(&format!("{HOLDER}/rights/11")),
            delete(&format!("{HOLDER}/roles/77")),
        ]
    );
}

#[tokio::test]
async fn revoke_refuses_an_access_without_a_usable_handle_and_sends_nothing() {
    let server = MockServer::start().await;
    forbid_deletes(&server).await;
    let tokens = ScriptedTokens::new(&[TOKEN]);
    let client = client_for(&server.uri(), tokens.clone(), RetryPolicy::NONE);
    let accesses = holder_accesses();
    let direct = accesses[0].clone();
    let via_role = accesses[1].clone();
    let mut foreign = direct.clone();
    // A handle another adapter produced (an Altinn 3 one, say) means nothing here.
    foreign.handle = Some(RevokeHandle::new(format!("package:{UUID}")));
    // A handle of the right form with an id Altinn never hands out.
    let mut zero = direct.clone();
    zero.handle = Some(RevokeHandle::new("right:0"));
    let mut negative = direct.clone();
    negative.handle = Some(RevokeHandle::new("role:-3"));
    for bad in [via_role, foreign, zero, negative] {
        // The good access comes first: every handle is decoded before anything is deleted,
        // so none of them may be sent.
        let err = client
            .revoke(&who(), &heis(), &[direct.clone(), bad.clone()])
            .await
            .unwrap_err();
        assert!(
            matches!(err, AltinnError::InvalidInput(_)),
            "{:?}: {err:?}",
            bad.handle
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(tokens.fetched(), 0);
}

#[tokio::test]
async fn removing_a_right_holder_who_holds_something_directly_needs_cascade() {
    let server = MockServer::start().await;
    mount_holder(&server, 1).await;
    forbid_deletes(&server).await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    let err = client
        .remove_right_holder(&who(), &heis(), false)
        .await
        .unwrap_err();
    match &err {
        AltinnError::StillHolds { holding, rejection } => {
            // Only the direct holdings: what comes from a role or the register goes with it.
            assert_eq!(
                holding,
                &[service(Action::Read).to_string(), role("UTINN").to_string()]
            );
            assert_eq!(rejection, &None, "Altinn 2 did not refuse; the adapter did");
        }
        other => panic!("expected StillHolds, got {other:?}"),
    }
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [get(HOLDER, Some("language=1044"))]
    );
}

#[tokio::test]
async fn removing_a_right_holder_with_cascade_deletes_the_roles_then_the_rights() {
    let server = MockServer::start().await;
    mount_holder(&server, 1).await;
    Mock::given(method("DELETE"))
        .and(path(format!("{HOLDER}/roles/77")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{HOLDER}/rights/11")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    client
        .remove_right_holder(&who(), &heis(), true)
        .await
        .unwrap();
    // Nothing is sent for the role-derived right 12 or the register role 78.
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [
            get(HOLDER, Some("language=1044")),
            delete(&format!("{HOLDER}/roles/77")),
            delete(&format!("{HOLDER}/rights/11")),
        ]
    );
}

#[tokio::test]
async fn removing_a_right_holder_who_holds_nothing_directly_only_reads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(HOLDER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "RightHolderId": RECEIVER,
            "Rights": {"_embedded": {"rights": [
                {"RightID": 12, "ServiceCode": "4864", "ServiceEditionCode": 1, "Action": "Write",
                 "RightSourceType": "RoleTypeRights"}
            ]}},
            "Roles": {"_embedded": {"roles": [
                {"RoleId": 78, "RoleType": "External", "RoleDefinitionId": 85,
                 "RoleDefinitionCode": "DAGL"}
            ]}}
        })))
        .expect(2)
        .mount(&server)
        .await;
    forbid_deletes(&server).await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    for cascade in [false, true] {
        client
            .remove_right_holder(&who(), &heis(), cascade)
            .await
            .unwrap();
    }
    assert_eq!(
        seen(&server.received_requests().await.unwrap()),
        [
            get(HOLDER, Some("language=1044")),
            get(HOLDER, Some("language=1044"))
        ]
    );
}

/// Right holders `first..end` as Altinn 2 lists them: persons, numbers masked.
fn right_holder_items(range: std::ops::Range<u64>) -> Vec<Value> {
    range
        .map(|n| {
            json!({
                "RightHolderId": format!("r{}", 51_000_000 + n),
                "Name": format!("PERSON {n:03} TESTESEN"),
                "LastName": "TESTESEN",
                "SocialSecurityNumber": "010190*****"
            })
        })
        .collect()
}

fn right_holders_page(items: Vec<Value>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"_embedded": {"rightholders": items}}))
}

#[tokio::test]
async fn right_holders_follow_pages_like_right_holders_of() {
    let server = MockServer::start().await;
    let mut last = right_holder_items(50..52);
    last.push(json!({
        "RightHolderId": "r50040934",
        "Name": "BIRI OG TORPO REGNSKAP",
        "OrganizationNumber": "910437127"
    }));
    Mock::given(method("GET"))
        .and(path(DELEGATIONS))
        .and(query_param_is_missing("$skip"))
        .respond_with(right_holders_page(right_holder_items(0..50)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DELEGATIONS))
        .and(query_param("$skip", "50"))
        .respond_with(right_holders_page(last))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(
        &server.uri(),
        ScriptedTokens::new(&[TOKEN]),
        RetryPolicy::NONE,
    );
    let parties = client.right_holders(&who()).await.unwrap();
    let mut expected: Vec<Party> = (0..52)
        .map(|n| {
            let mut p = Party::new(PartyKind::Person);
            p.name = Some(format!("PERSON {n:03} TESTESEN"));
            p.ssn = Some(MaskedSsn::new("010190*****"));
            p.reportee_id = Some(ReporteeId::from_number(51_000_000 + n));
            p.party_id = Some(PartyId::new(51_000_000 + n).unwrap());
            p
        })
        .collect();
    let mut org = Party::new(PartyKind::Organisation);
    org.name = Some("BIRI OG TORPO REGNSKAP".into());
    org.organization_number = Some("910437127".into());
    org.reportee_id = Some(ReporteeId::parse("r50040934").unwrap());
    org.party_id = Some(PartyId::new(50_040_934).unwrap());
    expected.push(org);
    assert_eq!(parties, expected);

    // The same pages, read the same way, as the Altinn 2 operation reads them.
    let holders = client.right_holders_of(&who()).await.unwrap();
    let ids: Vec<_> = holders.iter().map(|h| h.right_holder_id.clone()).collect();
    let party_ids: Vec<_> = parties.iter().map(|p| p.reportee_id.clone()).collect();
    assert_eq!(ids, party_ids);

    let one_read = [
        get(DELEGATIONS, Some("language=1044")),
        get(DELEGATIONS, Some("language=1044&$skip=50")),
    ];
    let requests = seen(&server.received_requests().await.unwrap());
    assert_eq!(requests[..2], one_read);
    assert_eq!(requests[2..], one_read);
}

#[tokio::test]
async fn the_ports_refuse_a_party_uuid_anywhere_before_sending() {
    let server = MockServer::start().await;
    let tokens = ScriptedTokens::new(&[TOKEN]);
    let client = client_for(&server.uri(), tokens.clone(), RetryPolicy::NONE);
    let uuid_org = PartyRef::parse(UUID).unwrap();
    // A party known only by its Altinn 3 UUID, as an Altinn 3 backend would return it.
    let mut uuid_holder = Party::new(PartyKind::Person);
    uuid_holder.party_uuid = Some(PartyUuid::parse(UUID).unwrap());
    uuid_holder.query = Some(person());
    let direct = holder_accesses().swap_remove(0);
    let form = "an Altinn 3 party UUID";

    assert_unsupported_party(&client.right_holders(&uuid_org).await.unwrap_err(), form);
    // The lookups do not name the organisation, but must not send a fødselsnummer for one
    // that Altinn 2 cannot address.
    assert_unsupported_party(
        &client.resolve(&uuid_org, &person()).await.unwrap_err(),
        form,
    );
    assert_unsupported_party(
        &client
            .add_right_holder(&uuid_org, &person())
            .await
            .unwrap_err(),
        form,
    );
    for (org, holder) in [(&uuid_org, &heis()), (&who(), &uuid_holder)] {
        let err = client.holdings(org, holder).await.unwrap_err();
        assert_unsupported_party(&err, form);
        let err = client
            .revoke(org, holder, std::slice::from_ref(&direct))
            .await
            .unwrap_err();
        assert_unsupported_party(&err, form);
        for cascade in [false, true] {
            let err = client
                .remove_right_holder(org, holder, cascade)
                .await
                .unwrap_err();
            assert_unsupported_party(&err, form);
        }
    }
    let err = client
        .grant(&uuid_org, &heis(), &[service(Action::Read)])
        .await
        .unwrap_err();
    assert_unsupported_party(&err, form);

    // A bare party id is no Altinn 2 address either; a reportee id is.
    let mut by_party_id = Party::new(PartyKind::Person);
    by_party_id.party_id = Some(PartyId::new(50_828_869).unwrap());
    let err = client.holdings(&who(), &by_party_id).await.unwrap_err();
    assert_unsupported_party(&err, "a bare party id");

    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(tokens.fetched(), 0, "not even a token is fetched");
}
