//! The adapter against wiremock: the exact shape of each request, paging, token renewal,
//! retries, and input refused before anything is sent.

mod common;

use serde_json::json;
use tilgang_domain::{
    Action, DelegationRequest, PartyRef, Receiver, ReporteeQuery, Right, RightId, RightRequest,
    RightSourceType, RoleId, ServiceCode, ServiceEditionCode,
    hal::{self, Page},
};
use tilgang_ports::{
    AltinnError, Delegations, Delivery, ReporteeLookup, RetryPolicy, RightsFilter,
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path, query_param, query_param_is_missing},
};

use common::{API_KEY, ScriptedTokens, client_for, quick_retries};

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

fn person() -> ReporteeQuery {
    ReporteeQuery::Person {
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
        conversion.body_json::<serde_json::Value>().unwrap(),
        json!({"SocialSecurityNumber": FNR, "LastName": "HEIS"})
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
    assert_eq!(
        post.body_json::<serde_json::Value>().unwrap(),
        json!({
            "SocialSecurityNumber": FNR,
            "LastName": "HEIS",
            "_embedded": {"Rights": [
                {"ServiceCode": "4864", "ServiceEditionCode": 1, "Action": "Read"},
                {"ServiceCode": "4864", "ServiceEditionCode": 1, "Action": "Write"}
            ]}
        })
    );

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

    let err = client.right_holders(&uuid).await.unwrap_err();
    assert!(matches!(err, AltinnError::Unsupported(_)), "{err:?}");
    let err = client
        .rights(&who(), &uuid, RightsFilter::All)
        .await
        .unwrap_err();
    assert!(matches!(err, AltinnError::Unsupported(_)), "{err:?}");
    let err = client.add(&uuid, &delegation_request()).await.unwrap_err();
    assert!(matches!(err, AltinnError::Unsupported(_)), "{err:?}");

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
