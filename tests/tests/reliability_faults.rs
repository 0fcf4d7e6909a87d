//! Reliability under faults: a bulk run through the stack the `tilgang` facade builds (the use
//! cases over the real Maskinporten, exchange and Altinn 2 adapters) against the mock server
//! with fault injection.
//!
//! - 20 % faults on every route (503, 500, 429, dropped connections, answers lost after the
//!   change was made, a little latency), seeded: 500 persons get three rights each, then half
//!   of them lose two; the mock's final state must be exactly the intended one.
//! - A Maskinporten outage mid-run is waited out (`UntilDeadline`), and an outage that outlasts
//!   the deadline stops the run with a clear error and a report of what was and was not done.
//!
//! The bulk driver here is what a team's batch job looks like: the use cases are idempotent,
//! so a person whose operation failed transiently is simply run again.

mod e2e_common;

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use e2e_common::{
    As,
    bulk::{Op, Report},
};
use tilgang::{
    Backend,
    access::{AccessManager, person_query, service_right},
    domain::{Fnr, FnrKind, Grantable, PartyRef},
    maskinporten::OutagePolicy,
    ports::{AltinnTokenSource, RetryPolicy},
};
use tilgang_mock::{
    FaultRule, Faults, MockServer, World, demo,
    world::{HeldRight, Person},
};

const LAST_NAME: &str = "BULKESEN";

/// Short backoffs: the faults answer `Retry-After: 0`, and the suite must stay fast.
const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(20),
};

/// `count` synthetic persons (month + 80, valid check digits), not colliding with the demo:
/// a distinct birth date per person (day, month, then year from 1940), each with the first
/// individual number from 300 up that gives valid check digits.
fn persons(count: usize) -> Vec<Person> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let day = 1 + (i % 28) as u8;
        let month = 1 + (i / 28 % 12) as u8;
        let year = 40 + (i / (28 * 12)) as u8;
        let fnr = (0..1000u16)
            .find_map(|n| Fnr::synthetic(day, month, year, (n + 300) % 1000))
            .expect("some individual number gives valid check digits");
        out.push(Person {
            ssn: fnr.expose().to_owned(),
            first_name: format!("PERSON {i}"),
            last_name: LAST_NAME.to_owned(),
            party_id: 70_000_000 + i as u64,
        });
    }
    out
}

fn world_with(people: &[Person]) -> World {
    let mut world = World::demo();
    world.persons.extend(people.iter().cloned());
    world.check().expect("the generated world is consistent");
    world
}

/// The stack as a service embeds it: fast retries at every step, and the outage policy in
/// front of Maskinporten. Returns the use cases and the Altinn token source the exchange
/// provides (whose cache the outage tests drop).
fn wire(server: &MockServer, outage: OutagePolicy) -> (AccessManager, Arc<dyn AltinnTokenSource>) {
    let mut settings = e2e_common::settings(server, As::default());
    settings.maskinporten.retry = Some(FAST_RETRY);
    settings.maskinporten.outage = Some(outage);
    let altinn = settings
        .altinn
        .as_mut()
        .expect("the common settings configure Altinn");
    altinn.retry = Some(FAST_RETRY);
    let Some(Backend::Altinn2 { retry, .. }) = &mut altinn.backend else {
        panic!("the common settings configure the Altinn 2 backend");
    };
    *retry = Some(FAST_RETRY);
    let built = tilgang::Stack::build(settings).expect("the stack builds");
    let parts = e2e_common::parts(&built);
    (parts.access, parts.exchange)
}

fn org() -> PartyRef {
    PartyRef::parse(demo::ORG).expect("org")
}

fn all_rights() -> Vec<Grantable> {
    vec![
        service_right(demo::SERVICE_CODE, "1", "Read").unwrap(),
        service_right(demo::SERVICE_CODE, "1", "Write").unwrap(),
        service_right(demo::SERVICE_CODE_2, "536", "Read").unwrap(),
    ]
}

fn revoked_rights() -> Vec<Grantable> {
    all_rights()[..2].to_vec()
}

/// The shared driver over this suite's persons and rights.
async fn bulk(
    access: &AccessManager,
    people: &[(usize, &Person)],
    op: Op,
    after_each: impl AsyncFnMut(usize),
) -> Report {
    let queries: Vec<_> = people
        .iter()
        .map(|(i, p)| {
            let query = person_query(&p.ssn, &p.last_name).expect("valid query");
            (*i, query)
        })
        .collect();
    let what = match op {
        Op::Grant => all_rights(),
        Op::Revoke => revoked_rights(),
    };
    e2e_common::bulk::bulk(access, &org(), &queries, op, &what, after_each).await
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

/// The rights that do not involve the generated persons (which no run may touch), sorted by id.
fn others(world: &World, people: &[Person]) -> Vec<HeldRight> {
    let generated: BTreeSet<&str> = people.iter().map(|p| p.ssn.as_str()).collect();
    let mut v: Vec<HeldRight> = world
        .rights
        .iter()
        .filter(|r| !generated.contains(r.to.as_str()))
        .cloned()
        .collect();
    v.sort_by_key(|r| r.id);
    v
}

/// Asserts that the other holders' rights are as they were. On failure it names the rights
/// that differ by id only: a right's `Debug` carries its holder's full fødselsnummer.
#[track_caller]
fn assert_others_untouched(now: &[HeldRight], untouched: &[HeldRight]) {
    let only = |a: &[HeldRight], b: &[HeldRight]| {
        a.iter()
            .filter(|r| !b.contains(r))
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert!(
        now == untouched,
        "rights of other holders changed (ids only before: {:?}, only after: {:?})",
        only(untouched, now),
        only(now, untouched)
    );
}

#[test]
fn generated_persons_are_distinct_valid_synthetic_numbers_outside_the_demo_world() {
    let people = persons(500);
    let demo_world = World::demo();
    let mut seen = BTreeSet::new();
    for (i, p) in people.iter().enumerate() {
        let fnr = Fnr::parse(&p.ssn).unwrap_or_else(|e| panic!("person {i}: {e}"));
        assert_eq!(fnr.kind(), FnrKind::Synthetic, "person {i}");
        assert!(seen.insert(p.ssn.clone()), "person {i} repeats a number");
        assert!(
            demo_world.party(&p.ssn).is_none(),
            "person {i} collides with the demo world"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_grant_and_revoke_under_twenty_percent_faults_ends_in_the_intended_state() {
    const PERSONS: usize = 500;
    let people = persons(PERSONS);
    let world = world_with(&people);
    let untouched = others(&world, &people);
    let server = MockServer::start_with(world).await;
    // 20 % of every request fails one way or another: 5 % dropped before the handler, 5 %
    // 503 (or 500 on the holdings read), 5 % 429, 5 % carried out with the answer lost. The
    // holdings read also gets 2 ms of latency on every call. The holdings read is the one the
    // use cases make before and after every change: `GET …/Delegations/{receiverId}`, which
    // answers with rights and roles together.
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
                "GET /api/{who}/authorization/Delegations/{receiverId}",
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
    assert_others_untouched(&others(&world, &people), &untouched);
    // The faults really happened, in numbers that matter (about a fifth of all requests).
    assert!(
        faults_met * 10 > total,
        "{faults_met} faults in {total} requests"
    );
    let by_status = |st: u16| server.requests().iter().filter(|r| r.status == st).count();
    // The route-specific rule met the requests it names: had the use cases stopped making
    // that read, it would silently fault nothing.
    assert!(by_status(500) > 0, "no 500 on the holdings read");
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

/// The error and every cause behind it, as the CLI prints them: a use-case error does not
/// repeat its cause in its own message, so the outage shows only in the whole chain.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
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
    let text = chain(error);
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
