//! Reliability under faults on Altinn 3: a bulk run through the stack the `tilgang` facade
//! builds (the use cases over the real Maskinporten, exchange and Altinn 3 adapters) against
//! the mock server with fault injection, as `reliability_faults.rs` does on Altinn 2.
//!
//! - 20 % faults on every route (500 and 503, 429, dropped connections, answers lost after
//!   the change was made), seeded: every generated person gets two access packages and a
//!   resource right (half of them are made right holders by the grant itself), then every
//!   second person loses one package and the right. The mock's final world must be exactly
//!   the intended one, with one right-holder link per person, no package row twice, and no
//!   creation sent again after it was answered.
//! - A Maskinporten outage mid-run is waited out (`OutagePolicy`), ended by moving the mock's
//!   clock past the outage's end; an outage that outlasts the deadline stops the run with a
//!   clear error and a report of what was and was not done.
//!
//! The bulk driver is what a team's batch job looks like: the use cases are idempotent, so a
//! person whose operation failed transiently is simply run again.

mod e2e_common;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Duration,
};

use e2e_common::{
    ALTINN3_SCOPES,
    bulk::{Op, Report},
    settings3,
};
use tilgang::{
    Backend,
    access::{AccessManager, package, person_query, resource_right},
    domain::{Fnr, Grantable, PartyRef},
    maskinporten::OutagePolicy,
    ports::{AltinnTokenSource, RetryPolicy},
};
use tilgang_mock::{
    FaultRule, Faults, MockServer, World, demo,
    world::{
        Person,
        altinn3::{Assignment3, Person3, RETTIGHETSHAVER, right_key},
    },
};

const LAST_NAME: &str = "TREBULK";

/// Short backoffs: the faults answer `Retry-After: 0`, and the suite must stay fast.
const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(20),
};

/// The route keys of the Altinn 3 endpoints the bulk run uses, by name.
const E2: &str = "GET /accessmanagement/api/v1/enduser/connections";
const E3: &str = "POST /accessmanagement/api/v1/enduser/connections";
const E5: &str = "GET /accessmanagement/api/v1/enduser/connections/accesspackages";
const E6: &str = "POST /accessmanagement/api/v1/enduser/connections/accesspackages";
const E7: &str = "DELETE /accessmanagement/api/v1/enduser/connections/accesspackages";
const E9: &str = "GET /accessmanagement/api/v1/enduser/connections/resources";
const E10: &str = "GET /accessmanagement/api/v1/enduser/connections/resources/rights";
const E11: &str = "GET /accessmanagement/api/v1/enduser/connections/resources/delegationcheck";
const E12: &str = "POST /accessmanagement/api/v1/enduser/connections/resources/rights";
const E14: &str = "DELETE /accessmanagement/api/v1/enduser/connections/resources";
const E15: &str = "GET /accessmanagement/api/v1/enduser/connections/roles";

/// One generated person: in the Altinn 2 list (number and names) and in Altinn 3's profile
/// register (UUID), and, for the even ones, already a right holder of the demo organisation.
#[derive(Debug, Clone)]
struct Generated {
    person: Person,
    uuid: String,
    right_holder: bool,
}

/// `count` synthetic persons (month + 80, valid check digits) outside the demo world: a
/// distinct birth date per person (day, month, then year from 1950), each with the first
/// individual number from 400 up that gives valid check digits.
fn persons(count: usize) -> Vec<Generated> {
    (0..count)
        .map(|i| {
            let day = 1 + (i % 28) as u8;
            let month = 1 + (i / 28 % 12) as u8;
            let year = 50 + (i / (28 * 12)) as u8;
            let fnr = (0..1000u16)
                .find_map(|n| Fnr::synthetic(day, month, year, (n + 400) % 1000))
                .expect("some individual number gives valid check digits");
            Generated {
                person: Person {
                    ssn: fnr.expose().to_owned(),
                    first_name: format!("PERSON {i}"),
                    last_name: LAST_NAME.to_owned(),
                    party_id: 72_000_000 + i as u64,
                },
                uuid: format!("a1b2c3d4-0000-4000-8000-{:012x}", 0x7000 + i),
                right_holder: i % 2 == 0,
            }
        })
        .collect()
}

/// The demo world with the generated persons in both registers, and the right-holder links
/// of the ones that are right holders already.
fn world_with(people: &[Generated]) -> World {
    let mut world = World::demo();
    let org = demo::uuid(demo::ORG_UUID);
    for (i, g) in people.iter().enumerate() {
        world.persons.push(g.person.clone());
        world.altinn3.persons.push(Person3 {
            uuid: demo::uuid(&g.uuid),
            party_id: g.person.party_id,
            user_id: 2_000_000 + i as u64,
            date_of_birth: None,
            date_of_death: None,
        });
        if g.right_holder {
            world.altinn3.assignments.push(Assignment3 {
                id: demo::uuid(&format!("0199a1b2-0000-7000-8000-{:012x}", 0x7000 + i)),
                from: org,
                to: demo::uuid(&g.uuid),
                role: RETTIGHETSHAVER.to_owned(),
                packages: Vec::new(),
                resources: Vec::new(),
            });
        }
    }
    world.check().expect("the generated world is consistent");
    world
}

/// The stack as a service embeds it: fast retries at every step, and the outage policy in
/// front of Maskinporten. Returns the use cases and the Altinn token source the exchange
/// provides (whose cache the outage tests drop).
fn wire(server: &MockServer, outage: OutagePolicy) -> (AccessManager, Arc<dyn AltinnTokenSource>) {
    let mut settings = settings3(server, demo::ORG, ALTINN3_SCOPES);
    settings.maskinporten.retry = Some(FAST_RETRY);
    settings.maskinporten.outage = Some(outage);
    let altinn = settings
        .altinn
        .as_mut()
        .expect("the settings configure Altinn");
    altinn.retry = Some(FAST_RETRY);
    altinn.backend = Some(Backend::Altinn3 {
        retry: Some(FAST_RETRY),
    });
    let built = tilgang::Stack::build(settings).expect("the stack builds");
    let parts = e2e_common::parts3(&built);
    (parts.access, parts.exchange)
}

fn org() -> PartyRef {
    PartyRef::parse(demo::ORG).expect("org")
}

/// Two packages the demo system user holds (so may give) and the resource right it may give.
fn everything() -> Vec<Grantable> {
    vec![
        package(demo::PACKAGE_POSTTJENESTER).unwrap(),
        package(demo::PACKAGE_REGNSKAP).unwrap(),
        resource_right(demo::RESOURCE_ID, "read").unwrap(),
    ]
}

/// What every second person loses: one package and the resource right.
fn taken_back() -> Vec<Grantable> {
    vec![
        package(demo::PACKAGE_POSTTJENESTER).unwrap(),
        resource_right(demo::RESOURCE_ID, "read").unwrap(),
    ]
}

/// The shared driver over this suite's persons and accesses.
async fn bulk(
    access: &AccessManager,
    people: &[(usize, &Generated)],
    op: Op,
    after_each: impl AsyncFnMut(usize),
) -> Report {
    let queries: Vec<_> = people
        .iter()
        .map(|(i, g)| {
            let query = person_query(&g.person.ssn, &g.person.last_name).expect("valid query");
            (*i, query)
        })
        .collect();
    let what = match op {
        Op::Grant => everything(),
        Op::Revoke => taken_back(),
    };
    e2e_common::bulk::bulk(access, &org(), &queries, op, &what, after_each).await
}

/// What a person holds from the demo organisation in the mock's world: the number of
/// right-holder links, the package codes (sorted, repeats kept) and the resource keys.
type Holding = (usize, Vec<String>, Vec<(String, Vec<String>)>);

fn held(world: &World, uuid: &str) -> Holding {
    let (from, to) = (demo::uuid(demo::ORG_UUID), demo::uuid(uuid));
    let links: Vec<&Assignment3> = world
        .altinn3
        .assignments
        .iter()
        .filter(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
        .collect();
    let mut packages: Vec<String> = links
        .iter()
        .flat_map(|l| l.packages.iter().map(|p| p.package.clone()))
        .collect();
    packages.sort();
    let mut resources: Vec<(String, Vec<String>)> = links
        .iter()
        .flat_map(|l| l.resources.iter())
        .map(|r| {
            let mut keys = r.keys.clone();
            keys.sort();
            (r.resource.clone(), keys)
        })
        .collect();
    resources.sort();
    (links.len(), packages, resources)
}

fn expected_all() -> Holding {
    (
        1,
        vec![
            demo::PACKAGE_POSTTJENESTER.to_owned(),
            demo::PACKAGE_REGNSKAP.to_owned(),
        ],
        vec![(
            demo::RESOURCE_ID.to_owned(),
            vec![right_key(demo::RESOURCE_ID, "read")],
        )],
    )
}

fn expected_after_revoke() -> Holding {
    (1, vec![demo::PACKAGE_REGNSKAP.to_owned()], Vec::new())
}

/// The assignments that involve none of the generated persons (which no run may touch).
fn others(world: &World, people: &[Generated]) -> Vec<Assignment3> {
    let generated: BTreeSet<_> = people.iter().map(|g| demo::uuid(&g.uuid)).collect();
    world
        .altinn3
        .assignments
        .iter()
        .filter(|a| !generated.contains(&a.to))
        .cloned()
        .collect()
}

/// A query parameter of a logged request.
fn param<'a>(query: Option<&'a str>, key: &str) -> Option<&'a str> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.eq_ignore_ascii_case(key).then_some(v)
    })
}

/// Creations sent again after the mock had answered one with success: an E6 for the same
/// holder and package, or an E12 for the same holder and resource. The use cases read before
/// they grant and re-read after an ambiguous failure, so a creation that was answered is never
/// repeated; one that was lost may be (it is then found held, or sent once more).
fn repeated_creations(server: &MockServer) -> Vec<String> {
    let mut answered: BTreeSet<(String, String)> = BTreeSet::new();
    let mut repeated = Vec::new();
    for r in server.requests() {
        let Some(route) = r.route.as_deref() else {
            continue;
        };
        let what = match route {
            E6 => param(r.query.as_deref(), "package"),
            E12 => param(r.query.as_deref(), "resource"),
            _ => continue,
        };
        let key = (
            param(r.query.as_deref(), "to")
                .unwrap_or_default()
                .to_owned(),
            format!("{route} {}", what.unwrap_or_default()),
        );
        if answered.contains(&key) {
            repeated.push(format!("{} to {}", key.1, key.0));
        }
        if (200..300).contains(&r.status) {
            answered.insert(key);
        }
    }
    repeated
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_grant_and_revoke_under_twenty_percent_faults_ends_in_the_intended_state() {
    const PERSONS: usize = 200;
    let people = persons(PERSONS);
    let world = world_with(&people);
    let untouched = others(&world, &people);
    let server = MockServer::start_with(world).await;
    // 20 % of every request fails one way or another: 5 % dropped before the handler, 5 %
    // 503 (500 on the writes), 5 % 429, 5 % carried out with the answer lost. The writes get
    // 500 because a 5xx on a write is ambiguous to the client: it must read again before it
    // decides.
    let rule = |route: &str, status: u16| FaultRule {
        route: route.to_owned(),
        drop_rate: 0.05,
        error_rate: 0.05,
        error_status: status,
        rate_limit_rate: 0.05,
        lost_response_rate: 0.05,
        retry_after_secs: 0,
        ..FaultRule::default()
    };
    let mut rules: Vec<FaultRule> = [E3, E6, E7, E12, E14]
        .iter()
        .map(|route| rule(route, 500))
        .collect();
    rules.push(rule("*", 503));
    server.set_faults(Faults {
        seed: 3_2026,
        rules,
        maskinporten_outage: false,
    });
    let (access, _) = wire(&server, OutagePolicy::RECOMMENDED);
    let everyone: Vec<(usize, &Generated)> = people.iter().enumerate().collect();

    let granted = bulk(&access, &everyone, Op::Grant, async |_| ()).await;
    assert!(granted.stopped.is_none(), "grant run stopped: {granted:?}");
    assert_eq!(granted.done.len(), PERSONS);
    let repeated = repeated_creations(&server);
    assert!(repeated.is_empty(), "creations repeated: {repeated:?}");
    let after_grant = server.requests().len();

    let half: Vec<(usize, &Generated)> = everyone
        .iter()
        .copied()
        .filter(|(i, _)| i % 2 == 0)
        .collect();
    let revoked = bulk(&access, &half, Op::Revoke, async |_| ()).await;
    assert!(revoked.stopped.is_none(), "revoke run stopped: {revoked:?}");
    assert_eq!(revoked.done.len(), PERSONS / 2);

    let world = server.world();
    for (i, g) in people.iter().enumerate() {
        let want = if i % 2 == 0 {
            expected_after_revoke()
        } else {
            expected_all()
        };
        assert_eq!(held(&world, &g.uuid), want, "person {i}");
    }
    assert!(
        others(&world, &people) == untouched,
        "the assignments of other holders changed"
    );

    // The faults really happened, on every Altinn 3 route the run uses, in numbers that
    // matter (about a fifth of all requests).
    let log = server.requests();
    let faulted =
        |r: &&tilgang_mock::RecordedRequest| r.status == 0 || r.status == 429 || r.status >= 500;
    let mut by_route: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &log {
        if let Some(route) = r.route.as_deref() {
            let e = by_route.entry(route).or_default();
            e.0 += 1;
            e.1 += usize::from(faulted(&r));
        }
    }
    for route in [E2, E3, E5, E6, E7, E9, E10, E12, E14, E15] {
        let (total, faults) = by_route.get(route).copied().unwrap_or_default();
        assert!(faults > 0, "{route}: no fault in {total} requests");
    }
    // E11 is asked once per resource while its answer is fresh, not once per person, so it
    // may well meet no fault; it must have been asked, and rarely.
    let (e11, _) = by_route.get(E11).copied().unwrap_or_default();
    assert!(
        (1..=10).contains(&e11),
        "E11 sent {e11} times for one resource"
    );
    let faults_met = log.iter().filter(faulted).count();
    assert!(
        faults_met * 10 > log.len(),
        "{faults_met} faults in {} requests",
        log.len()
    );
    let by_status = |st: u16| log.iter().filter(|r| r.status == st).count();
    eprintln!(
        "faults: {faults_met} of {} requests faulted ({after_grant} in the grant run; no \
         answer {}, 429 {}, 500 {}, 503 {}); person reruns: grant {}, revoke {}; E3 sent {}",
        log.len(),
        by_status(0),
        by_status(429),
        by_status(500),
        by_status(503),
        granted.reruns,
        revoked.reruns,
        server.count(E3)
    );
}

/// Starts a Maskinporten outage after `after` persons, `length` long on the mock's clock, and
/// drops the cached tokens, as if they had just expired, so the very next step needs
/// Maskinporten (the worst moment for an outage).
fn outage_after(
    server: &Arc<MockServer>,
    tokens: &Arc<dyn AltinnTokenSource>,
    after: usize,
    length: Duration,
) -> impl AsyncFnMut(usize) {
    let server = server.clone();
    let tokens = tokens.clone();
    async move |done| {
        if done != after {
            return;
        }
        server.set_maskinporten_outage_until(server.clock().now() + length);
        tokens.invalidate().await;
    }
}

/// The error and every cause behind it, as the CLI prints them.
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
async fn a_maskinporten_outage_mid_run_is_waited_out_on_the_mock_clock() {
    // The outage lasts five seconds on the mock's clock, which never passes on its own in
    // this test's time: the outage ends only when the test moves the clock, after the run has
    // been refused three times. So the run provably waited, and the test does not depend on
    // how fast the machine is. Five seconds stays inside the grant's ten-second clock skew.
    const REFUSALS_BEFORE_THE_END: u64 = 3;
    let outage = Duration::from_secs(5);
    let people = persons(30);
    let server = Arc::new(MockServer::start_with(world_with(&people)).await);
    let policy = OutagePolicy {
        deadline: Duration::from_secs(60),
        pause: Duration::from_millis(20),
        max_pause: Duration::from_millis(20),
    };
    let (access, tokens) = wire(&server, policy);
    let everyone: Vec<(usize, &Generated)> = people.iter().enumerate().collect();

    // Ends the outage by moving the clock once the run has met it often enough. It waits for
    // an event (refused token requests), not for time: the counter is polled, and only the
    // clock ends the outage.
    let watcher = {
        let server = server.clone();
        tokio::spawn(async move {
            loop {
                let refused = server
                    .requests()
                    .iter()
                    .filter(|r| r.route.as_deref() == Some("POST /token") && r.status == 503)
                    .count() as u64;
                if refused >= REFUSALS_BEFORE_THE_END {
                    server.clock().advance(outage + Duration::from_secs(1));
                    return;
                }
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let report = bulk(
        &access,
        &everyone,
        Op::Grant,
        outage_after(&server, &tokens, 10, outage),
    )
    .await;
    watcher.await.expect("the watcher ends the outage");
    assert!(report.stopped.is_none(), "the run failed: {report:?}");
    assert_eq!(report.done.len(), people.len());
    let (refused, issued) = token_refusals(&server);
    assert!(
        refused as u64 >= REFUSALS_BEFORE_THE_END,
        "the run never met the outage ({refused} refusals)"
    );
    assert!(issued >= 2, "no token after the outage ({issued} issued)");
    let world = server.world();
    for (i, g) in people.iter().enumerate() {
        assert_eq!(held(&world, &g.uuid), expected_all(), "person {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_past_the_deadline_stops_the_run_with_a_report() {
    let people = persons(20);
    let server = Arc::new(MockServer::start_with(world_with(&people)).await);
    let policy = OutagePolicy {
        deadline: Duration::from_millis(800),
        pause: Duration::from_millis(100),
        max_pause: Duration::from_millis(100),
    };
    let (access, tokens) = wire(&server, policy);
    let everyone: Vec<(usize, &Generated)> = people.iter().enumerate().collect();
    // An hour on the mock's clock, which does not move here: the outage outlasts any deadline.
    let report = bulk(
        &access,
        &everyone,
        Op::Grant,
        outage_after(&server, &tokens, 10, Duration::from_secs(3600)),
    )
    .await;

    let (at, error) = report.stopped.as_ref().expect("the run stops");
    let text = chain(error);
    assert!(
        text.contains("did not recover within") && text.contains("503"),
        "not a clear error: {text}"
    );
    // The tokens were dropped when the outage began, so the run stops at the very next person.
    assert_eq!(report.done, (0..10).collect::<Vec<_>>());
    assert_eq!(*at, 10);
    assert_eq!(report.not_done, (10..20).collect::<Vec<_>>());
    // The report is the truth: done persons hold everything; the others hold nothing, and the
    // ones that were not right holders are still not.
    let world = server.world();
    for (i, g) in people.iter().enumerate() {
        let want = if report.done.contains(&i) {
            expected_all()
        } else {
            (usize::from(g.right_holder), Vec::new(), Vec::new())
        };
        assert_eq!(held(&world, &g.uuid), want, "person {i}");
    }
}
