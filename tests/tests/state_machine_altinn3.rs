//! The grant/revoke state machine of `crates/access/tests/state_machine.rs`, over the real
//! Altinn 3 adapter against the mock server instead of an in-memory fake (it lives here
//! because the use-case crate may not depend on an adapter).
//!
//! Each case starts a mock with the demo world, injects seeded faults on every change the
//! adapter makes (requests dropped before they are carried out, and answers lost after they
//! were), and runs a random sequence of grants and revokes of three grantables the demo
//! system user may give: the packages `posttjenester` and `regnskap-okonomi-rapport`, and
//! `read` on `ttd-hr-rapport`. The person is either already a right holder (HEIS) or not yet
//! one (MOSSIGE, whom the first grant adds). The properties, checked in the mock's world after
//! every step:
//!
//! - a grant or revoke that succeeds leaves exactly the intended direct set; one that fails
//!   leaves something between the state before and the intended one, and fails only as a
//!   transport failure would;
//! - nothing is ever created twice: one right-holder link, no package row twice, and no
//!   creation sent again after the mock answered it;
//! - after any sequence, one clean grant and revoke reach any target.
//!
//! Case counts are small: every case starts a server.

mod e2e_common;

use std::{collections::BTreeSet, sync::LazyLock, time::Duration};

use e2e_common::{ALTINN3_SCOPES, settings3};
use proptest::prelude::*;
use tilgang::{
    Backend,
    access::{AccessError, AccessManager, package, person_query, resource_right},
    domain::{Grantable, PartyQuery, PartyRef},
    ports::{AltinnError, RetryPolicy},
};
use tilgang_mock::{
    FaultRule, Faults, MockServer, World, demo,
    world::altinn3::{RETTIGHETSHAVER, right_key},
};

/// How many grantables the operations draw from.
const UNIVERSE: usize = 3;
/// The index of the resource right.
const THE_RIGHT: usize = 2;

/// The Altinn 3 routes that change something, each faulted.
const WRITES: &[&str] = &[
    "POST /accessmanagement/api/v1/enduser/connections",
    "POST /accessmanagement/api/v1/enduser/connections/accesspackages",
    "DELETE /accessmanagement/api/v1/enduser/connections/accesspackages",
    "POST /accessmanagement/api/v1/enduser/connections/resources/rights",
    "PUT /accessmanagement/api/v1/enduser/connections/resources/rights",
    "DELETE /accessmanagement/api/v1/enduser/connections/resources",
];

/// Two attempts: the adapter's own retries absorb some faults and let others through to the
/// use cases, so both paths are exercised.
const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 2,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(5),
};

/// One runtime for every case: the mock of a case runs on it while the case does.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
});

fn item(i: usize) -> Grantable {
    match i {
        0 => package(demo::PACKAGE_POSTTJENESTER),
        1 => package(demo::PACKAGE_REGNSKAP),
        THE_RIGHT => resource_right(demo::RESOURCE_ID, "read"),
        _ => unreachable!("the universe has {UNIVERSE} grantables"),
    }
    .unwrap()
}

fn items(set: &BTreeSet<usize>) -> Vec<Grantable> {
    set.iter().map(|&i| item(i)).collect()
}

/// The person of a case.
struct Who {
    query: PartyQuery,
    uuid: &'static str,
}

fn who(right_holder: bool) -> Who {
    if right_holder {
        Who {
            query: person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap(),
            uuid: demo::PERSON_UUID,
        }
    } else {
        Who {
            query: person_query(demo::PROFILE_PERSON_FNR, demo::PROFILE_PERSON_LAST_NAME).unwrap(),
            uuid: demo::PROFILE_PERSON_UUID,
        }
    }
}

/// What the person holds directly in the mock's world, as indexes; fails the case on any
/// duplicated creation (two links, a package row twice, a key twice).
fn direct_in(world: &World, uuid: &str) -> Result<BTreeSet<usize>, TestCaseError> {
    let (from, to) = (demo::uuid(demo::ORG_UUID), demo::uuid(uuid));
    let links: Vec<_> = world
        .altinn3
        .assignments
        .iter()
        .filter(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
        .collect();
    prop_assert!(links.len() <= 1, "{} right-holder links", links.len());
    let mut out = BTreeSet::new();
    let Some(link) = links.first() else {
        return Ok(out);
    };
    let codes: Vec<&str> = link.packages.iter().map(|p| p.package.as_str()).collect();
    let distinct: BTreeSet<&str> = codes.iter().copied().collect();
    prop_assert_eq!(distinct.len(), codes.len(), "a package twice: {:?}", codes);
    for code in codes {
        match code {
            demo::PACKAGE_POSTTJENESTER => out.insert(0),
            demo::PACKAGE_REGNSKAP => out.insert(1),
            other => return Err(TestCaseError::fail(format!("unexpected package {other}"))),
        };
    }
    for r in &link.resources {
        prop_assert_eq!(&r.resource, demo::RESOURCE_ID);
        prop_assert_eq!(&r.keys, &vec![right_key(demo::RESOURCE_ID, "read")]);
        out.insert(THE_RIGHT);
    }
    Ok(out)
}

/// Creations sent again after the mock answered one with success (an E6 for the same holder
/// and package, an E12 for the same holder and resource), since the last `from` requests.
fn repeated_creations(server: &MockServer, from: usize) -> Vec<String> {
    let param = |q: Option<&str>, key: &str| -> String {
        q.and_then(|q| {
            q.split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.eq_ignore_ascii_case(key).then(|| v.to_owned())
            })
        })
        .unwrap_or_default()
    };
    let mut answered = BTreeSet::new();
    let mut repeated = Vec::new();
    for r in server.requests().into_iter().skip(from) {
        let what = match r.route.as_deref() {
            Some(route @ "POST /accessmanagement/api/v1/enduser/connections/accesspackages") => {
                format!("{route} {}", param(r.query.as_deref(), "package"))
            }
            Some(route @ "POST /accessmanagement/api/v1/enduser/connections/resources/rights") => {
                format!("{route} {}", param(r.query.as_deref(), "resource"))
            }
            _ => continue,
        };
        let key = (param(r.query.as_deref(), "to"), what);
        if answered.contains(&key) {
            repeated.push(format!("{key:?}"));
        }
        if (200..300).contains(&r.status) {
            answered.insert(key);
        }
    }
    repeated
}

#[derive(Debug, Clone)]
enum Op {
    Grant(BTreeSet<usize>),
    Revoke(BTreeSet<usize>),
}

fn subset() -> impl Strategy<Value = BTreeSet<usize>> {
    prop::collection::btree_set(0..UNIVERSE, 1..=UNIVERSE)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![subset().prop_map(Op::Grant), subset().prop_map(Op::Revoke)]
}

/// Only a failure of the transport (the faults here) may make an operation fail, or a
/// change that could not be confirmed after one.
fn transport_failure(e: &AccessError) -> bool {
    match e {
        AccessError::Unconfirmed { .. } => true,
        AccessError::Altinn { source, .. } => matches!(**source, AltinnError::Transport { .. }),
        _ => false,
    }
}

struct Case {
    server: MockServer,
    access: AccessManager,
    who: Who,
}

impl Case {
    async fn start(right_holder: bool, seed: u64, rate: f64) -> Case {
        let server = MockServer::start().await;
        let mut rules: Vec<FaultRule> = WRITES
            .iter()
            .map(|route| FaultRule {
                route: (*route).to_owned(),
                drop_rate: rate,
                lost_response_rate: rate,
                ..FaultRule::default()
            })
            .collect();
        // Reads are dropped now and then too: they are retried, and a read that fails for
        // good fails the operation before it changes anything.
        rules.push(FaultRule {
            route: "*".to_owned(),
            drop_rate: rate / 4.0,
            ..FaultRule::default()
        });
        server.set_faults(Faults {
            seed,
            rules,
            maskinporten_outage: false,
        });
        let mut settings = settings3(&server, demo::ORG, ALTINN3_SCOPES);
        settings.maskinporten.retry = Some(RETRY);
        let altinn = settings.altinn.as_mut().expect("Altinn is configured");
        altinn.retry = Some(RETRY);
        altinn.backend = Some(Backend::Altinn3 { retry: Some(RETRY) });
        let built = tilgang::Stack::build(settings).expect("the stack builds");
        let access = e2e_common::parts3(&built).access;
        Case {
            server,
            access,
            who: who(right_holder),
        }
    }

    fn direct(&self) -> Result<BTreeSet<usize>, TestCaseError> {
        direct_in(&self.server.world(), self.who.uuid)
    }

    /// Runs one operation and checks it against what it should do from the state it started
    /// in. Returns whether it succeeded.
    async fn step(&self, op: &Op) -> Result<bool, TestCaseError> {
        let org = PartyRef::parse(demo::ORG).unwrap();
        let before = self.direct()?;
        let log_from = self.server.requests().len();
        let succeeded = match op {
            Op::Grant(set) => {
                let missing: BTreeSet<usize> = set
                    .iter()
                    .copied()
                    .filter(|i| !before.contains(i))
                    .collect();
                let target: BTreeSet<usize> = before.union(&missing).copied().collect();
                let res = self.access.grant(&org, &self.who.query, &items(set)).await;
                let after = self.direct()?;
                prop_assert!(
                    after.is_superset(&before) && after.is_subset(&target),
                    "grant {:?}: {:?} -> {:?}, target {:?}",
                    set,
                    before,
                    after,
                    target
                );
                match res {
                    Ok(out) => {
                        prop_assert_eq!(&after, &target, "grant {:?}", set);
                        prop_assert_eq!(out.accesses.len(), set.len());
                        true
                    }
                    Err(e) => {
                        prop_assert!(transport_failure(&e), "grant {:?} failed: {:#}", set, e);
                        false
                    }
                }
            }
            Op::Revoke(set) => {
                let target: BTreeSet<usize> = before.difference(set).copied().collect();
                let res = self.access.revoke(&org, &self.who.query, &items(set)).await;
                let after = self.direct()?;
                prop_assert!(
                    after.is_subset(&before) && after.is_superset(&target),
                    "revoke {:?}: {:?} -> {:?}, target {:?}",
                    set,
                    before,
                    after,
                    target
                );
                match res {
                    Ok(out) => {
                        prop_assert_eq!(&after, &target, "revoke {:?}", set);
                        prop_assert_eq!(out.changed, before != target);
                        true
                    }
                    Err(e) => {
                        prop_assert!(transport_failure(&e), "revoke {:?} failed: {:#}", set, e);
                        false
                    }
                }
            }
        };
        let repeated = repeated_creations(&self.server, log_from);
        prop_assert!(repeated.is_empty(), "creations repeated: {:?}", repeated);
        Ok(succeeded)
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        // A failing case is shrunk by re-running it; each run starts a server, so keep the
        // search short.
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    /// With requests and answers lost on every change, successes still do exactly what they
    /// should, nothing is created twice, and one clean grant and revoke reach any target.
    #[test]
    fn lost_requests_and_answers_never_duplicate_and_runs_converge(
        right_holder in any::<bool>(),
        seed in any::<u64>(),
        rate in prop_oneof![Just(0.0), Just(0.1), Just(0.25)],
        ops in prop::collection::vec(op(), 1..8),
        target in prop::collection::btree_set(0..UNIVERSE, 0..=UNIVERSE),
    ) {
        RUNTIME.block_on(async {
            let case = Case::start(right_holder, seed, rate).await;
            for op in &ops {
                let succeeded = case.step(op).await?;
                // Without faults nothing may fail: nothing here is held through another path.
                prop_assert!(succeeded || rate > 0.0, "{:?} failed without a fault", op);
            }
            case.server.clear_faults();
            // Converge: grant the target, then revoke every other directly held grantable.
            let wanted = target.clone();
            if !wanted.is_empty() {
                prop_assert!(case.step(&Op::Grant(wanted.clone())).await?, "the clean grant failed");
            }
            let extra: BTreeSet<usize> = case.direct()?.difference(&wanted).copied().collect();
            if !extra.is_empty() {
                prop_assert!(case.step(&Op::Revoke(extra)).await?, "the clean revoke failed");
            }
            prop_assert_eq!(case.direct()?, wanted);
            Ok::<(), TestCaseError>(())
        })?;
    }
}
