//! Reliability under faults: a bulk run through the library API (`AccessManager` over the real
//! Maskinporten, exchange and Altinn 2 adapters) against the mock server with fault injection.
//!
//! - 20 % faults on every route (503, 500, 429, dropped connections, answers lost after the
//!   change was made, a little latency), seeded: 500 persons get three rights each, then half
//!   of them lose two; the mock's final state must be exactly the intended one.
//! - A Maskinporten outage mid-run is waited out (`UntilDeadline`), and an outage that outlasts
//!   the deadline stops the run with a clear error and a report of what was and was not done.
//!
//! The bulk driver here is what a team's batch job looks like: the use cases are idempotent,
//! so a person whose operation failed transiently is simply run again.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use tilgang_access::{AccessError, AccessManager, ServiceRight, person_query};
use tilgang_altinn2::{Altinn2Client, Altinn2Config};
use tilgang_domain::{
    Fnr, PartyRef, ScopeSet,
    secret::{ApiKey, EnterpriseUserCredentials, Password},
};
use tilgang_maskinporten::{
    AltinnExchange, ClientKey, Environment, MaskinportenClient, OutagePolicy, PrivateKey,
    UntilDeadline,
};
use tilgang_mock::{FaultRule, Faults, MockServer, World, demo, world::Person};
use tilgang_ports::{AccessTokenSource, AltinnTokenSource, ErrorKind, RetryPolicy, TokenRequest};

const LAST_NAME: &str = "BULKESEN";
/// How many times the driver runs one person's operation before giving up on transient errors.
const MAX_RUNS_PER_PERSON: u32 = 12;

/// Short backoffs: the faults answer `Retry-After: 0`, and the suite must stay fast.
const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(20),
};

/// `count` synthetic persons (month + 80, valid check digits), not colliding with the demo.
fn persons(count: usize) -> Vec<Person> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let day = 1 + (i % 28) as u8;
        let month = 81 + (i / 28 % 12) as u8;
        let year = 40 + (i / (28 * 12)) as u8;
        let ssn = (0..1000u16)
            .find_map(|n| synthetic(day, month, year, (n + 300) % 1000))
            .expect("some individual number gives valid check digits");
        out.push(Person {
            ssn,
            first_name: format!("PERSON {i}"),
            last_name: LAST_NAME.to_owned(),
            party_id: 70_000_000 + i as u64,
        });
    }
    out
}

fn synthetic(day: u8, month: u8, year: u8, individual: u16) -> Option<String> {
    let prefix = [
        day / 10,
        day % 10,
        month / 10,
        month % 10,
        year / 10,
        year % 10,
        (individual / 100) as u8,
        (individual / 10 % 10) as u8,
        (individual % 10) as u8,
    ];
    let [k1, k2] = Fnr::check_digits(prefix)?;
    let text: String = prefix
        .iter()
        .chain(&[k1, k2])
        .map(|d| char::from(b'0' + d))
        .collect();
    Fnr::parse(&text).ok().map(|_| text)
}

fn world_with(people: &[Person]) -> World {
    let mut world = World::demo();
    world.persons.extend(people.iter().cloned());
    world.check().expect("the generated world is consistent");
    world
}

/// The adapters wired as a service embeds them, with the outage policy in front of
/// Maskinporten.
fn wire(server: &MockServer, outage: OutagePolicy) -> (AccessManager, Arc<dyn AltinnTokenSource>) {
    let key = PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "the demo key")
        .expect("demo key");
    let key = ClientKey::registered(key, demo::KID).expect("registered key");
    let client = MaskinportenClient::builder(
        Environment::Custom {
            issuer: server.issuer(),
        },
        demo::CLIENT_ID,
        key,
    )
    .retry(FAST_RETRY)
    .build()
    .expect("client builds");
    let patient: Arc<dyn AccessTokenSource> =
        Arc::new(UntilDeadline::new(Arc::new(client), outage));
    let request = TokenRequest::scopes(ScopeSet::parse("altinn:enduser").expect("scope"));
    let platform = url::Url::parse(&server.platform_url()).expect("URL");
    let exchange = AltinnExchange::builder(patient, request, platform.clone())
        .enterprise_user(EnterpriseUserCredentials {
            user_name: demo::ENTERPRISE_USER.to_owned(),
            password: Password::new(demo::ENTERPRISE_PASSWORD),
        })
        .retry(FAST_RETRY)
        .build()
        .expect("exchange builds");
    let exchange: Arc<dyn AltinnTokenSource> = Arc::new(exchange);
    let mut config = Altinn2Config::new(
        url::Url::parse(&server.api_url()).expect("URL"),
        ApiKey::new(demo::API_KEY),
    );
    config.retry = FAST_RETRY;
    let altinn = Arc::new(Altinn2Client::new(config, exchange.clone()).expect("adapter builds"));
    (AccessManager::new(altinn.clone(), altinn), exchange)
}

fn org() -> PartyRef {
    PartyRef::parse(demo::ORG).expect("org")
}

fn all_rights() -> Vec<ServiceRight> {
    vec![
        ServiceRight::parse(demo::SERVICE_CODE, "1", "Read").unwrap(),
        ServiceRight::parse(demo::SERVICE_CODE, "1", "Write").unwrap(),
        ServiceRight::parse(demo::SERVICE_CODE_2, "536", "Read").unwrap(),
    ]
}

fn revoked_rights() -> Vec<ServiceRight> {
    all_rights()[..2].to_vec()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Grant,
    Revoke,
}

/// What a bulk run did.
#[derive(Debug, Default)]
struct Report {
    /// Indexes of the persons whose operation completed.
    done: Vec<usize>,
    /// The person the run stopped at, and why.
    stopped: Option<(usize, AccessError)>,
    /// Indexes of the persons never reached.
    not_done: Vec<usize>,
    /// Transient failures the driver absorbed by running a person again.
    reruns: u32,
}

/// Runs `op` for each person in order. A transient failure runs the person again (the use
/// cases are idempotent); anything else, or too many runs, stops the run with a report.
/// `after_each` is called with the number of persons done, for the tests' mid-run events.
async fn bulk(
    access: &AccessManager,
    people: &[(usize, &Person)],
    op: Op,
    mut after_each: impl AsyncFnMut(usize),
) -> Report {
    let mut report = Report::default();
    let org = org();
    for (pos, (idx, person)) in people.iter().enumerate() {
        let query = person_query(&person.ssn, &person.last_name).expect("valid query");
        let mut runs = 0;
        let outcome = loop {
            runs += 1;
            let result = match op {
                Op::Grant => access.grant(&org, &query, &all_rights()).await.map(|_| ()),
                Op::Revoke => access
                    .revoke(&org, &query, &revoked_rights())
                    .await
                    .map(|_| ()),
            };
            match result {
                Ok(()) => break Ok(()),
                Err(e) if e.kind() == ErrorKind::Transient && runs < MAX_RUNS_PER_PERSON => {
                    report.reruns += 1;
                }
                Err(e) => break Err(e),
            }
        };
        match outcome {
            Ok(()) => report.done.push(*idx),
            Err(e) => {
                report.stopped = Some((*idx, e));
                report.not_done = people[pos..].iter().map(|(i, _)| *i).collect();
                return report;
            }
        }
        after_each(report.done.len()).await;
    }
    report
}

/// The (service, edition, action, source) rights `ssn` holds from the demo organisation.
fn held(world: &World, ssn: &str) -> Vec<(String, u32, String, String)> {
    let mut out: Vec<_> = world
        .rights
        .iter()
        .filter(|r| r.to == ssn && r.from == demo::ORG)
        .map(|r| {
            (
                r.service_code.clone(),
                r.service_edition,
                r.action.clone(),
                r.source.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

fn direct(code: &str, edition: u32, action: &str) -> (String, u32, String, String) {
    (
        code.to_owned(),
        edition,
        action.to_owned(),
        "DirectlyDelegatedRights".to_owned(),
    )
}

fn expected_all() -> Vec<(String, u32, String, String)> {
    let mut v = vec![
        direct(demo::SERVICE_CODE, 1, "Read"),
        direct(demo::SERVICE_CODE, 1, "Write"),
        direct(demo::SERVICE_CODE_2, 536, "Read"),
    ];
    v.sort();
    v
}

fn expected_after_revoke() -> Vec<(String, u32, String, String)> {
    vec![direct(demo::SERVICE_CODE_2, 536, "Read")]
}

/// The rights that do not involve the generated persons, which no run may touch.
fn others(world: &World, people: &[Person]) -> Vec<String> {
    let generated: BTreeSet<&str> = people.iter().map(|p| p.ssn.as_str()).collect();
    let mut v: Vec<String> = world
        .rights
        .iter()
        .filter(|r| !generated.contains(r.to.as_str()))
        .map(|r| format!("{r:?}"))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_grant_and_revoke_under_twenty_percent_faults_ends_in_the_intended_state() {
    const PERSONS: usize = 500;
    let people = persons(PERSONS);
    let world = world_with(&people);
    let untouched = others(&world, &people);
    let server = MockServer::start_with(world).await;
    // 20 % of every request fails one way or another: 5 % dropped before the handler, 5 %
    // 503 (or 500 on the rights read), 5 % 429, 5 % carried out with the answer lost. The
    // rights read also gets 2 ms of latency on every call.
    let rule = |route: &str, status: u16, latency_ms: u64| FaultRule {
        route: route.to_owned(),
        latency_ms,
        drop_rate: 0.05,
        error_rate: 0.05,
        error_status: status,
        rate_limit_rate: 0.05,
        lost_response_rate: 0.05,
        retry_after_secs: 0,
        ..FaultRule::default()
    };
    server.set_faults(Faults {
        seed: 8_2026,
        rules: vec![
            rule(
                "GET /api/{who}/authorization/Delegations/{receiverId}/rights",
                500,
                2,
            ),
            rule("*", 503, 0),
        ],
        maskinporten_outage: false,
    });
    let (access, _) = wire(&server, OutagePolicy::RECOMMENDED);
    let everyone: Vec<(usize, &Person)> = people.iter().enumerate().collect();

    let granted = bulk(&access, &everyone, Op::Grant, async |_| ()).await;
    assert!(granted.stopped.is_none(), "grant run stopped: {granted:?}");
    assert_eq!(granted.done.len(), PERSONS);

    // Revoke the two 4864 rights from every second person; 3225 Read must stay.
    let half: Vec<(usize, &Person)> = everyone
        .iter()
        .copied()
        .filter(|(i, _)| i % 2 == 0)
        .collect();
    let revoked = bulk(&access, &half, Op::Revoke, async |_| ()).await;
    assert!(revoked.stopped.is_none(), "revoke run stopped: {revoked:?}");
    assert_eq!(revoked.done.len(), PERSONS / 2);

    let faults_met = server
        .requests()
        .iter()
        .filter(|r| r.status == 0 || r.status == 429 || r.status >= 500)
        .count();
    let total = server.requests().len();
    let world = server.world();
    for (i, p) in people.iter().enumerate() {
        let want = if i % 2 == 0 {
            expected_after_revoke()
        } else {
            expected_all()
        };
        assert_eq!(held(&world, &p.ssn), want, "person {i} ({})", p.first_name);
    }
    assert_eq!(
        others(&world, &people),
        untouched,
        "rights of other holders changed"
    );
    // The faults really happened, in numbers that matter (about a fifth of all requests).
    assert!(
        faults_met * 10 > total,
        "{faults_met} faults in {total} requests"
    );
    let by_status = |st: u16| server.requests().iter().filter(|r| r.status == st).count();
    eprintln!(
        "faults: {faults_met} of {total} requests faulted (no answer {}, 429 {}, 500 {}, \
         503 {}); person reruns: grant {}, revoke {}",
        by_status(0),
        by_status(429),
        by_status(500),
        by_status(503),
        granted.reruns,
        revoked.reruns
    );
}

/// Starts a Maskinporten outage after `after` persons and ends it `length` later, unless
/// `length` is `None`. The cached tokens are dropped when the outage starts, as if they had
/// just expired, so the very next step needs Maskinporten (the worst moment for an outage).
fn outage_after(
    server: &Arc<MockServer>,
    tokens: &Arc<dyn AltinnTokenSource>,
    after: usize,
    length: Option<Duration>,
) -> impl AsyncFnMut(usize) {
    let server = server.clone();
    let tokens = tokens.clone();
    async move |done| {
        if done != after {
            return;
        }
        server.set_maskinporten_outage(true);
        tokens.invalidate().await;
        if let Some(length) = length {
            let server = server.clone();
            tokio::spawn(async move {
                tokio::time::sleep(length).await;
                server.set_maskinporten_outage(false);
            });
        }
    }
}

/// A world whose tokens live one second, so that tokens also expire during and after the
/// outage, not only when it starts.
fn short_token_world(people: &[Person]) -> World {
    let mut world = world_with(people);
    world.settings.access_token_lifetime_secs = 1;
    world.settings.altinn_token_lifetime_secs = 1;
    world
}

fn token_refusals(server: &MockServer) -> (usize, usize) {
    let log = server.requests();
    let tokens: Vec<_> = log
        .iter()
        .filter(|r| r.route.as_deref() == Some("POST /token"))
        .collect();
    let refused = tokens.iter().filter(|r| r.status == 503).count();
    let issued = tokens.iter().filter(|r| r.status == 200).count();
    (refused, issued)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maskinporten_outage_mid_run_is_waited_out() {
    // The outage and deadline are scaled down for real time (the 30 s case runs on a paused
    // clock in `tilgang_maskinporten`'s `patience` tests): the outage lasts 1.5 s, longer than
    // the tokens live, and the run may wait up to 20 s.
    let people = persons(40);
    let server = Arc::new(MockServer::start_with(short_token_world(&people)).await);
    let policy = OutagePolicy {
        deadline: Duration::from_secs(20),
        pause: Duration::from_millis(100),
        max_pause: Duration::from_millis(100),
    };
    let (access, tokens) = wire(&server, policy);
    let everyone: Vec<(usize, &Person)> = people.iter().enumerate().collect();
    let report = bulk(
        &access,
        &everyone,
        Op::Grant,
        outage_after(&server, &tokens, 10, Some(Duration::from_millis(1500))),
    )
    .await;
    assert!(report.stopped.is_none(), "the run failed: {report:?}");
    assert_eq!(report.done.len(), people.len());
    let (refused, issued) = token_refusals(&server);
    assert!(
        refused >= 2,
        "the run never met the outage ({refused} refusals)"
    );
    assert!(issued >= 2, "no token after the outage ({issued} issued)");
    let world = server.world();
    for p in &people {
        assert_eq!(held(&world, &p.ssn), expected_all(), "{}", p.first_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_past_the_deadline_stops_the_run_with_a_report() {
    let people = persons(30);
    let server = Arc::new(MockServer::start_with(short_token_world(&people)).await);
    let policy = OutagePolicy {
        deadline: Duration::from_millis(1200),
        pause: Duration::from_millis(100),
        max_pause: Duration::from_millis(100),
    };
    let (access, tokens) = wire(&server, policy);
    let everyone: Vec<(usize, &Person)> = people.iter().enumerate().collect();
    let report = bulk(
        &access,
        &everyone,
        Op::Grant,
        outage_after(&server, &tokens, 10, None),
    )
    .await;

    let (at, error) = report.stopped.as_ref().expect("the run stops");
    let text = error.to_string();
    assert!(
        text.contains("did not recover within 1 s") && text.contains("503"),
        "not a clear error: {text}"
    );
    // The outage starts after ten persons; a few more may finish on tokens that were still
    // valid. The run stops at the first person that needs Maskinporten.
    let k = report.done.len();
    assert!((10..30).contains(&k), "{report:?}");
    assert_eq!(report.done, (0..k).collect::<Vec<_>>());
    assert_eq!(*at, k);
    assert_eq!(report.not_done, (k..30).collect::<Vec<_>>());
    // The report is the truth: done persons hold everything, the others nothing.
    let world = server.world();
    for (i, p) in people.iter().enumerate() {
        let want = if report.done.contains(&i) {
            expected_all()
        } else {
            Vec::new()
        };
        assert_eq!(held(&world, &p.ssn), want, "person {i}");
    }
}
