//! Access as code end to end, against the in-process mock server's Altinn 2 fake:
//!
//! - the real `altinn` binary: export then plan shows no changes; plan is read-only and exits
//!   5 with changes pending; apply refuses without a terminal or `--yes`; a mass removal needs
//!   `--allow-mass-removal`; an apply killed with SIGKILL part-way resumes from its journal
//!   without sending again what had taken effect;
//! - the use cases over the facade-built stack: apply converges to exactly the desired state
//!   at 20 % faults on every route, without creating anything twice; and a property test (few
//!   cases: each starts a mock server) that apply then plan shows no changes and that planning
//!   sends nothing that changes state (the mock's route counters).
//!
//! Altinn 3: the same use cases run over the neutral ports unchanged; `ascode_altinn3.rs` runs
//! export, plan, apply and prune through the binary on the Altinn 3 platform.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::BufRead as _,
    process::{Command, Stdio},
    time::Duration,
};

use async_trait::async_trait;
use proptest::prelude::*;
use serde_json::Value;
use tilgang::{
    AltinnSettings, Backend, MaskinportenSettings, Settings,
    access::{
        AccessManager, Applier, ApplyOptions, DesiredState, EarlierRun, PlanOptions, Waiter,
        apply::{MemoryJournal, NoProgress},
    },
    domain::{
        Fnr, ScopeSet,
        secret::{ApiKey, EnterpriseUserCredentials, Password},
    },
    maskinporten::{ClientKey, Environment, PrivateKey},
    ports::{RetryPolicy, TokenRequest},
};
use tilgang_mock::{FaultRule, Faults, MockServer, World, demo, world::Person};

const BIN: &str = env!("CARGO_BIN_EXE_altinn");
const LAST_NAME: &str = "KODESEN";

/// The accesses the tests draw from: service rights the demo world offers.
const UNIVERSE: [(&str, u32, &str); 5] = [
    ("4864", 1, "Read"),
    ("4864", 1, "Write"),
    ("4864", 1, "ArchiveRead"),
    ("3225", 536, "Read"),
    ("3225", 536, "Sign"),
];

/// Routes that change something in the Altinn 2 fake.
const WRITE_ROUTES: [&str; 4] = [
    "POST /api/{who}/authorization/Delegations",
    "DELETE /api/{who}/authorization/Delegations",
    "DELETE /api/{who}/authorization/Delegations/{receiverId}/rights/{authzRuleId}",
    "DELETE /api/{who}/authorization/Delegations/{receiverId}/roles/{roleId}",
];

fn writes(mock: &MockServer) -> u64 {
    WRITE_ROUTES.iter().map(|r| mock.count(r)).sum()
}

/// `count` synthetic persons not colliding with the demo world's.
fn persons(count: usize) -> Vec<Person> {
    (0..count)
        .map(|i| {
            let fnr = (0..1000u16)
                .find_map(|n| {
                    Fnr::synthetic(
                        1 + (i % 28) as u8,
                        1 + (i / 28 % 12) as u8,
                        70,
                        (n + 500) % 1000,
                    )
                })
                .unwrap();
            Person {
                ssn: fnr.expose().to_owned(),
                first_name: format!("PERSON {i}"),
                last_name: LAST_NAME.to_owned(),
                party_id: 71_000_000 + i as u64,
            }
        })
        .collect()
}

fn world_with(people: &[Person]) -> World {
    let mut world = World::demo();
    world.persons.extend(people.iter().cloned());
    world.check().unwrap();
    world
}

/// An access file that wants `wanted[i]` (indices into [`UNIVERSE`]) for person `i`.
fn file(people: &[Person], wanted: &BTreeMap<usize, BTreeSet<usize>>) -> String {
    let mut out = format!("[[org]]\nnumber = \"{}\"\n", demo::ORG);
    for (i, items) in wanted {
        out.push_str(&format!(
            "\n[[org.holder]]\nfnr = \"{}\"\nlast_name = \"{LAST_NAME}\"\nservices = [\n",
            people[*i].ssn
        ));
        for &g in items {
            let (code, edition, action) = UNIVERSE[g];
            out.push_str(&format!(
                "  {{ code = \"{code}\", edition = {edition}, actions = [\"{action}\"] }},\n"
            ));
        }
        out.push_str("]\n");
    }
    out
}

/// What each synthetic person holds directly from the demo organisation, by index.
fn direct_state(mock: &MockServer, people: &[Person]) -> BTreeMap<usize, BTreeSet<usize>> {
    let world = mock.world();
    let mut out: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for r in &world.rights {
        if r.from != demo::ORG || r.source != "DirectlyDelegatedRights" {
            continue;
        }
        let Some(i) = people.iter().position(|p| p.ssn == r.to) else {
            continue;
        };
        let g = UNIVERSE
            .iter()
            .position(|(c, e, a)| *c == r.service_code && *e == r.service_edition && *a == r.action)
            .expect("only the universe is delegated");
        assert!(
            out.entry(i).or_default().insert(g),
            "a right held twice: {r:?}"
        );
    }
    out
}

fn seed(mock: &MockServer, people: &[Person], held: &BTreeMap<usize, BTreeSet<usize>>) {
    mock.update_world(|w| {
        let mut id = w.rights.iter().map(|r| r.id).max().unwrap_or(0) + 1000;
        for (i, items) in held {
            for &g in items {
                let (code, edition, action) = UNIVERSE[g];
                id += 1;
                w.rights.push(tilgang_mock::world::HeldRight {
                    id,
                    from: demo::ORG.into(),
                    to: people[*i].ssn.clone(),
                    service_code: code.into(),
                    service_edition: edition,
                    action: action.into(),
                    source: "DirectlyDelegatedRights".into(),
                    role_id: None,
                    delegator: None,
                    delegated_time: "2026-01-01T10:00:00".into(),
                    delegatable: false,
                });
            }
        }
    });
}

// ---------------------------------------------------------------------------------------
// The binary.

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    fn assert_masked(&self, people: &[Person]) {
        for p in people
            .iter()
            .map(|p| p.ssn.as_str())
            .chain([demo::PERSON_FNR])
        {
            assert!(
                !self.stdout.contains(p) && !self.stderr.contains(p),
                "a full fødselsnummer was printed:\n{}\n{}",
                self.stdout,
                self.stderr
            );
        }
    }
}

struct Env {
    dir: tempfile::TempDir,
    vars: Vec<(&'static str, String)>,
}

impl Env {
    fn for_mock(mock: &MockServer) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("client.pem");
        std::fs::write(&key, demo::CLIENT_KEY_PKCS8_PEM).unwrap();
        let vars = vec![
            ("ALTINN_PLATFORM", "altinn2".to_owned()),
            ("MASKINPORTEN_URL", mock.issuer().to_string()),
            ("MASKINPORTEN_CLIENT_ID", demo::CLIENT_ID.to_owned()),
            ("MASKINPORTEN_KEY", key.display().to_string()),
            ("MASKINPORTEN_KID", demo::KID.to_owned()),
            ("ALTINN_PLATFORM_URL", mock.platform_url().to_string()),
            ("ALTINN_API_URL", mock.api_url().to_string()),
            ("ALTINN_API_KEY", demo::API_KEY.to_owned()),
            ("ALTINN_ENTERPRISE_USER", demo::ENTERPRISE_USER.to_owned()),
            (
                "ALTINN_ENTERPRISE_PASSWORD",
                demo::ENTERPRISE_PASSWORD.to_owned(),
            ),
            ("ALTINN_ORG", demo::ORG.to_owned()),
        ];
        Env { dir, vars }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join(".config"))
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the binary on a blocking thread, so the in-process mock keeps serving.
    async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_plan_shows_no_changes_and_plan_is_read_only() {
    let people = persons(4);
    let mock = MockServer::start_with(world_with(&people)).await;
    seed(
        &mock,
        &people,
        &BTreeMap::from([(0, BTreeSet::from([0, 3])), (2, BTreeSet::from([1]))]),
    );
    let env = Env::for_mock(&mock);

    let export = env.run(&["export"]).await;
    export.expect(0).assert_masked(&people);
    let exported = env.write("exported.toml", &export.stdout);
    let plan = env.run(&["plan", "-f", &exported, "--prune"]).await;
    plan.expect(0).assert_masked(&people);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);

    // A change pending: exit 5, JSON on stdout, and nothing sent that changes anything.
    let wanted = BTreeMap::from([(0, BTreeSet::from([0, 3])), (1, BTreeSet::from([2, 4]))]);
    let path = env.write("access.toml", &file(&people, &wanted));
    let plan = env.run(&["plan", "-f", &path, "--output", "json"]).await;
    plan.expect(5).assert_masked(&people);
    let doc: Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(doc["to_add"], 2, "{doc:#}");
    assert_eq!(doc["to_remove"], 0);
    assert_eq!(writes(&mock), 0, "plan sent a change");
    let text = env.run(&["plan", "-f", &path, "--prune"]).await;
    text.expect(5);
    // The demo world's own right holders are not in this file, so --prune removes theirs too.
    assert!(
        text.stdout.contains("\nPlan: 2 to add, "),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("    - 4864:1 Write"),
        "{}",
        text.stdout
    );
    assert_eq!(writes(&mock), 0, "plan sent a change");

    // No terminal and no --yes: refused, nothing changed.
    env.run(&["apply", "-f", &path]).await.expect(2);
    assert_eq!(writes(&mock), 0);

    let apply = env
        .run(&["apply", "-f", &path, "--prune", "--yes", "--output", "json"])
        .await;
    apply.expect(0).assert_masked(&people);
    let report: Value = serde_json::from_str(&apply.stdout).unwrap();
    assert!(report["done"].as_u64().unwrap() >= 3, "{report:#}");
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(direct_state(&mock, &people), wanted);
    env.run(&["plan", "-f", &path, "--prune"]).await.expect(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mass_removal_needs_to_be_allowed() {
    let people = persons(10);
    let mock = MockServer::start_with(world_with(&people)).await;
    let all: BTreeSet<usize> = (0..3).collect();
    seed(&mock, &people, &(0..10).map(|i| (i, all.clone())).collect());
    let env = Env::for_mock(&mock);
    let keep_demo = env.run(&["export"]).await;
    // Keep the demo world's own holders; drop every synthetic person's rights.
    let desired = DesiredState::from_toml(&keep_demo.stdout).unwrap();
    let mut text = format!("[[org]]\nnumber = \"{}\"\n", demo::ORG);
    let full = desired.to_toml();
    for block in full.split("\n[[org.holder]]\n").skip(1) {
        if !block.contains(LAST_NAME) && !block.contains("PERSON ") {
            text.push_str("\n[[org.holder]]\n");
            text.push_str(block);
        }
    }
    let path = env.write("access.toml", &text);
    let refused = env.run(&["apply", "-f", &path, "--prune", "--yes"]).await;
    refused.expect(2);
    assert!(
        refused.stderr.contains("--allow-mass-removal"),
        "{}",
        refused.stderr
    );
    assert_eq!(writes(&mock), 0);
    env.run(&[
        "apply",
        "-f",
        &path,
        "--prune",
        "--yes",
        "--allow-mass-removal",
    ])
    .await
    .expect(0);
    assert!(direct_state(&mock, &people).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_killed_part_way_resumes_without_sending_anything_twice() {
    const N: usize = 8;
    let people = persons(N);
    let mock = MockServer::start_with(world_with(&people)).await;
    // Each delegation takes a while, so the kill lands while the run is under way.
    mock.inject(FaultRule {
        route: "POST /api/{who}/authorization/Delegations".into(),
        latency_ms: 150,
        error_rate: 0.0,
        error_status: 503,
        rate_limit_rate: 0.0,
        drop_rate: 0.0,
        lost_response_rate: 0.0,
        retry_after_secs: 0,
        times: None,
    });
    let env = Env::for_mock(&mock);
    let wanted: BTreeMap<usize, BTreeSet<usize>> =
        (0..N).map(|i| (i, BTreeSet::from([0, 1, 3]))).collect();
    let path = env.write("access.toml", &file(&people, &wanted));
    let journal = format!("{path}.journal");

    // Kill after three right holders' grants are journalled as done.
    let mut child = env
        .command(&["apply", "-f", &path, "--yes", "--concurrency", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal_path = journal.clone();
    let mut child = tokio::task::spawn_blocking(move || {
        loop {
            let done = std::fs::File::open(&journal_path)
                .map(|f| {
                    std::io::BufReader::new(f)
                        .lines()
                        .map_while(Result::ok)
                        .filter(|l| l.contains("\"done\"") && l.contains("/grant/"))
                        .count()
                })
                .unwrap_or(0);
            if done >= 9 {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                return child;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("apply finished before the kill: {status}");
            }
            std::thread::yield_now();
        }
    })
    .await
    .unwrap();
    assert!(child.try_wait().unwrap().is_some());
    let after_kill = direct_state(&mock, &people);
    assert!(
        after_kill.len() >= 3 && after_kill.len() < N,
        "{after_kill:?}"
    );

    let resumed = env
        .run(&["apply", "-f", &path, "--yes", "--output", "json"])
        .await;
    resumed.expect(0).assert_masked(&people);
    let report: Value = serde_json::from_str(&resumed.stdout).unwrap();
    let earlier = &report["earlier"];
    assert!(earlier["done"].as_u64().unwrap() >= 9, "{report:#}");
    assert_eq!(direct_state(&mock, &people), wanted);

    // One delegation per person in all: none was sent again, none refused as a duplicate.
    let posts: Vec<u16> = mock
        .requests()
        .iter()
        .filter(|r| r.route.as_deref() == Some("POST /api/{who}/authorization/Delegations"))
        .map(|r| r.status)
        .collect();
    let created = posts.iter().filter(|s| **s == 201).count();
    assert_eq!(created, N, "{posts:?}");
    assert!(
        !posts.contains(&400),
        "a delegation was sent twice: {posts:?}"
    );
    env.run(&["plan", "-f", &path]).await.expect(0);
}

// ---------------------------------------------------------------------------------------
// The use cases over the facade-built stack.

const FAST_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    base_delay: Duration::from_millis(1),
    max_delay: Duration::from_millis(20),
};

fn access(mock: &MockServer) -> AccessManager {
    let key = PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "demo key").unwrap();
    let mut maskinporten = MaskinportenSettings::new(
        Environment::Custom {
            issuer: mock.issuer().to_string(),
        },
        demo::CLIENT_ID,
        ClientKey::registered(key, demo::KID).unwrap(),
        TokenRequest::scopes(ScopeSet::parse("altinn:enduser").unwrap()),
    );
    maskinporten.retry = Some(FAST_RETRY);
    let settings = Settings {
        maskinporten,
        altinn: Some(AltinnSettings {
            platform_url: mock.platform_url().to_string().parse().unwrap(),
            enterprise_user: Some(EnterpriseUserCredentials {
                user_name: demo::ENTERPRISE_USER.to_owned(),
                password: Password::new(demo::ENTERPRISE_PASSWORD),
            }),
            retry: Some(FAST_RETRY),
            backend: Some(Backend::Altinn2 {
                api_url: mock.api_url().to_string().parse().unwrap(),
                api_key: ApiKey::new(demo::API_KEY),
                retry: Some(FAST_RETRY),
            }),
            onboarding: None,
        }),
    };
    tilgang::Stack::build(settings)
        .unwrap()
        .access()
        .unwrap()
        .clone()
}

#[derive(Debug)]
struct TokioTime(tokio::time::Instant);

#[async_trait]
impl Waiter for TokioTime {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

fn options() -> ApplyOptions {
    ApplyOptions {
        concurrency: 4,
        mass_removal_threshold: 10_000,
        rate_limit_pause: Duration::from_millis(5),
        ..ApplyOptions::default()
    }
}

/// Plans and applies `text` once; returns whether every change is in effect.
async fn apply_once(access: &AccessManager, text: &str, prune: bool) -> bool {
    let desired = DesiredState::from_toml(text).unwrap();
    let plan = match access.plan(&desired, PlanOptions { prune }, 4).await {
        Ok((_, plan)) => plan,
        // Reading failed under faults: an operator runs it again.
        Err(_) => return false,
    };
    let time = TokioTime(tokio::time::Instant::now());
    let journal = MemoryJournal::default();
    let applier = Applier::new(access, options(), &time, &journal, &NoProgress);
    applier
        .apply(&plan, &EarlierRun::default())
        .await
        .unwrap()
        .complete()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_at_20_percent_faults_without_creating_anything_twice() {
    const N: usize = 30;
    let people = persons(N);
    let mock = MockServer::start_with(world_with(&people)).await;
    // Half of them hold something already, some of it not wanted.
    seed(
        &mock,
        &people,
        &(0..N / 2)
            .map(|i| (i, BTreeSet::from([i % 5, 4])))
            .collect(),
    );
    let wanted: BTreeMap<usize, BTreeSet<usize>> = (0..N)
        .map(|i| (i, BTreeSet::from([0, 1 + i % 3, 3])))
        .collect();
    let text = file(&people, &wanted);
    let access = access(&mock);
    mock.set_faults(Faults {
        seed: 20_2026,
        rules: vec![FaultRule {
            route: "*".into(),
            latency_ms: 1,
            error_rate: 0.07,
            error_status: 503,
            rate_limit_rate: 0.04,
            drop_rate: 0.04,
            lost_response_rate: 0.05,
            retry_after_secs: 0,
            times: None,
        }],
        maskinporten_outage: false,
    });
    // An operator runs apply again while it reports failures; each run re-reads first.
    let mut runs = 0;
    while !apply_once(&access, &text, true).await {
        runs += 1;
        assert!(runs < 5, "apply did not converge");
    }
    mock.set_faults(Faults::default());
    assert_eq!(direct_state(&mock, &people), wanted);
    let statuses: Vec<u16> = mock
        .requests()
        .iter()
        .filter(|r| r.route.as_deref() == Some("POST /api/{who}/authorization/Delegations"))
        .map(|r| r.status)
        .collect();
    assert!(
        !statuses.contains(&400),
        "a delegation was sent again after it took effect: {statuses:?}"
    );
    let desired = DesiredState::from_toml(&text).unwrap();
    let (_, plan) = access
        .plan(&desired, PlanOptions { prune: true }, 4)
        .await
        .unwrap();
    assert!(plan.is_empty(), "{plan:#?}");
}

fn universe_sets(people: usize) -> impl Strategy<Value = BTreeMap<usize, BTreeSet<usize>>> {
    prop::collection::btree_map(
        0..people,
        prop::collection::btree_set(0..UNIVERSE.len(), 1..=3),
        0..=people,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Against the Altinn 2 fake: for a random current state and a random file, planning
    /// sends nothing that changes state, and apply then plan shows no changes.
    #[test]
    fn against_the_mock_apply_then_plan_shows_no_changes(
        held in universe_sets(4),
        wanted in universe_sets(4),
        prune in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let people = persons(4);
            let mock = MockServer::start_with(world_with(&people)).await;
            seed(&mock, &people, &held);
            let access = access(&mock);
            let text = file(&people, &wanted);
            let desired = DesiredState::from_toml(&text).unwrap();
            access.plan(&desired, PlanOptions { prune }, 4).await.unwrap();
            assert_eq!(writes(&mock), 0, "plan sent a change");
            assert!(apply_once(&access, &text, prune).await);
            let before = writes(&mock);
            let (_, plan) = access.plan(&desired, PlanOptions { prune }, 4).await.unwrap();
            assert!(plan.is_empty(), "{plan:#?}");
            assert_eq!(writes(&mock), before, "plan sent a change");
            let now = direct_state(&mock, &people);
            for i in 0..4 {
                let want = wanted.get(&i).cloned().unwrap_or_default();
                let had = held.get(&i).cloned().unwrap_or_default();
                let got = now.get(&i).cloned().unwrap_or_default();
                if prune {
                    assert_eq!(got, want, "person {i}");
                } else {
                    assert_eq!(got, want.union(&had).cloned().collect(), "person {i}");
                }
            }
        });
    }
}
