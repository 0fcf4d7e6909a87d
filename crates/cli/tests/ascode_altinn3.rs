//! Access as code end to end on Altinn 3 (the default platform): the built `altinn` binary's
//! `export`, `plan` and `apply` against an in-process mock server, configured the way
//! `crates/cli/tests/altinn3.rs` configures a user of the local environment (the demo
//! organisation's system user).
//!
//! - export then plan shows no changes, and neither sends anything that changes state;
//! - a package added to an existing right holder and a new person with a package: plan lists
//!   both (exit 5), apply carries them out, plan is clean again, and the mock's world holds
//!   exactly what the file says;
//! - `--prune` removes a direct package the file no longer names, and leaves alone what is
//!   held through a key role.
//!
//! The Altinn 2 counterpart is `ascode.rs`. Each test starts its own mock server on a free
//! port; the binary runs as a child process with a clean environment.

use std::{
    collections::{BTreeMap, BTreeSet},
    process::{Command, Stdio},
};

use serde_json::Value;
use tilgang_mock::{
    MockServer, demo,
    world::altinn3::{AssignedPackage, AssignedResource, RETTIGHETSHAVER, right_key},
};

const BIN: &str = env!("CARGO_BIN_EXE_altinn");

/// Every full fødselsnummer of the demo world's Altinn 3 persons.
const FULL_NUMBERS: [&str; 3] = [
    demo::PERSON_FNR,
    demo::DAGL_PERSON_FNR,
    demo::PROFILE_PERSON_FNR,
];

/// What one run of the binary did.
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

    /// Neither a full fødselsnummer nor a token is printed, on either stream.
    #[track_caller]
    fn assert_no_leaks(&self) -> &Self {
        for secret in FULL_NUMBERS.iter().copied().chain(["eyJ"]) {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "{secret} was printed:\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout,
                self.stderr
            );
        }
        self
    }

    #[track_caller]
    fn stdout_has(&self, texts: &[&str]) -> &Self {
        for text in texts {
            assert!(
                self.stdout.contains(text),
                "{text:?} missing:\n{}",
                self.stdout
            );
        }
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A user of `--env local` with the mock's URLs and the demo client, acting as the demo
/// organisation's system user (as in `altinn3.rs`).
struct Env {
    home: tempfile::TempDir,
    vars: Vec<(&'static str, String)>,
}

impl Env {
    fn for_mock(mock: &MockServer) -> Env {
        let home = tempfile::tempdir().unwrap();
        let key_file = home.path().join("client.pem");
        std::fs::write(&key_file, demo::CLIENT_KEY_PKCS8_PEM).unwrap();
        let vars = vec![
            ("ALTINN_ENV", "local".to_owned()),
            ("MASKINPORTEN_URL", mock.issuer()),
            ("MASKINPORTEN_CLIENT_ID", demo::CLIENT_ID.to_owned()),
            ("MASKINPORTEN_KEY", key_file.display().to_string()),
            ("MASKINPORTEN_KID", demo::KID.to_owned()),
            ("ALTINN_PLATFORM_URL", mock.platform_url()),
            ("ALTINN_SYSTEM_USER_ORG", demo::ORG.to_owned()),
        ];
        Env { home, vars }
    }

    /// Runs the binary on a blocking thread, so the in-process mock keeps serving.
    async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .stdin(Stdio::null());
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let out =
            tokio::task::spawn_blocking(move || cmd.output().expect("the altinn binary runs"))
                .await
                .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

/// Every request the mock saw that could change Altinn 3 access management state.
fn writes(mock: &MockServer) -> Vec<String> {
    mock.requests()
        .iter()
        .filter(|r| r.path.starts_with("/accessmanagement") && r.method != "GET")
        .map(|r| {
            format!(
                "{} {}?{}",
                r.method,
                r.path,
                r.query.as_deref().unwrap_or("")
            )
        })
        .collect()
}

/// The demo world, with the demo person (`TOM HEIS`, already a right holder with nothing)
/// given `posttjenester` and `ttd-hr-rapport` read directly, so the export has a person with a
/// package and a resource right.
async fn start() -> MockServer {
    let mock = MockServer::start().await;
    mock.update_world(|w| {
        let link = w
            .altinn3
            .assignments
            .iter_mut()
            .find(|a| a.id == demo::uuid(demo::PERSON_LINK_ID))
            .expect("the demo person's right-holder link");
        link.packages.push(AssignedPackage {
            id: demo::uuid("0199a1b2-c3d4-7e5f-8a6b-0000000000a1"),
            package: demo::PACKAGE_POSTTJENESTER.into(),
        });
        link.resources.push(AssignedResource {
            resource: demo::RESOURCE_ID.into(),
            keys: vec![right_key(demo::RESOURCE_ID, "read")],
        });
    });
    mock
}

/// What each party holds from the demo organisation directly, through a right-holder link:
/// party UUID → (packages, resource rights as `resource:key`).
fn direct_state(mock: &MockServer) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let world = mock.world();
    let org = demo::uuid(demo::ORG_UUID);
    let mut out: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for a in &world.altinn3.assignments {
        if a.from != org || a.role != RETTIGHETSHAVER {
            continue;
        }
        let entry = out.entry(a.to.to_string()).or_default();
        for p in &a.packages {
            assert!(
                entry.0.insert(p.package.clone()),
                "a package held twice: {a:?}"
            );
        }
        for r in &a.resources {
            for k in &r.keys {
                assert!(
                    entry.1.insert(format!("{}:{k}", r.resource)),
                    "a right held twice: {a:?}"
                );
            }
        }
    }
    out
}

/// Every assignment from the demo organisation that is not a right-holder link (the key role
/// and the imported Altinn 2 role), to show they are untouched.
fn role_assignments(mock: &MockServer) -> Vec<String> {
    let org = demo::uuid(demo::ORG_UUID);
    let mut out: Vec<String> = mock
        .world()
        .altinn3
        .assignments
        .iter()
        .filter(|a| a.from == org && a.role != RETTIGHETSHAVER)
        .map(|a| format!("{} {} {}", a.id, a.to, a.role))
        .collect();
    out.sort();
    out
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The state [`start`] makes: the demo person's seeded holdings, the system user's packages.
fn seeded_state() -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    BTreeMap::from([
        (
            demo::PERSON_UUID.to_owned(),
            (
                set(&[demo::PACKAGE_POSTTJENESTER]),
                set(&[&format!(
                    "{}:{}",
                    demo::RESOURCE_ID,
                    right_key(demo::RESOURCE_ID, "read")
                )]),
            ),
        ),
        (
            demo::SYSTEM_USER_ID.to_owned(),
            (set(demo::SYSTEM_USER_PACKAGES), BTreeSet::new()),
        ),
    ])
}

/// The `[[org.holder]]` block of `text` that names `party`, as exported.
fn block<'a>(text: &'a str, party: &str) -> &'a str {
    let mut found = text
        .split("[[org.holder]]")
        .filter(|b| b.contains(&format!("party = \"{party}\"")));
    let b = found
        .next()
        .unwrap_or_else(|| panic!("no entry for {party}:\n{text}"));
    assert!(found.next().is_none(), "two entries for {party}:\n{text}");
    b
}

/// Exports the demo organisation and writes the file; checks the export is read-only.
async fn export(env: &Env, mock: &MockServer) -> (String, String) {
    let export = env.run(&["export", "--org", demo::ORG]).await;
    export.expect(0).assert_no_leaks();
    assert!(
        writes(mock).is_empty(),
        "export sent a change: {:?}",
        writes(mock)
    );
    let path = env.write("access.toml", &export.stdout);
    (export.stdout.clone(), path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_plan_shows_no_changes_and_sends_nothing() {
    let mock = start().await;
    let env = Env::for_mock(&mock);
    let (text, path) = export(&env, &mock).await;

    // The demo's direct right holders, with what each holds directly.
    let tom = block(&text, demo::PERSON_UUID);
    for want in [
        "ssn = \"268992*****\"",
        "name = \"TOM HEIS\"",
        "packages = [\"posttjenester\"]",
        "id = \"ttd-hr-rapport\"",
        "\"read\"",
    ] {
        assert!(tom.contains(want), "{want:?} missing:\n{tom}");
    }
    assert!(!tom.contains("write"), "{tom}");
    let su = block(&text, demo::SYSTEM_USER_ID);
    assert!(
        su.contains(
            "packages = [\"posttjenester\", \"regnskap-okonomi-rapport\", \"tilgangsstyrer\"]"
        ),
        "{su}"
    );
    // The DAGL person holds the imported role `utinn` directly, and nothing of what her key
    // role gives (that is not hers to export).
    let kari = block(&text, demo::DAGL_PERSON_UUID);
    assert!(kari.contains("ssn = \"018870*****\""), "{kari}");
    assert!(kari.contains("roles = [\"UTINN\"]"), "{kari}");
    assert!(!kari.contains("packages"), "{kari}");
    // The person who is no right holder is not in it; the file names no one in full.
    assert!(!text.contains("158575"), "{text}");
    assert_eq!(text.matches("[[org.holder]]").count(), 3, "{text}");
    for fnr in FULL_NUMBERS {
        assert!(!text.contains(fnr), "the export holds {fnr} in full");
    }

    let plan = env.run(&["plan", "-f", &path]).await;
    plan.expect(0)
        .assert_no_leaks()
        .stdout_has(&["No changes."]);
    assert!(!plan.stdout.contains("Plan:"), "{}", plan.stdout);
    let pruned = env.run(&["plan", "-f", &path, "--prune"]).await;
    pruned
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&["No changes."]);
    let json = env
        .run(&["plan", "-f", &path, "--output", "json"])
        .await
        .expect(0)
        .json();
    assert_eq!(json["to_add"], 0, "{json:#}");
    assert_eq!(json["to_remove"], 0, "{json:#}");

    // Export and plan read only: not one write under /accessmanagement, and the world is as
    // it was.
    assert!(writes(&mock).is_empty(), "{:?}", writes(&mock));
    assert_eq!(
        mock.count("POST /accessmanagement/api/v1/enduser/connections"),
        0
    );
    assert_eq!(direct_state(&mock), seeded_state());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_package_and_new_person_are_planned_applied_and_then_clean() {
    let mock = start().await;
    let env = Env::for_mock(&mock);
    let (text, _) = export(&env, &mock).await;

    // One more package for the demo person (the system user holds it, so it may give it), and
    // a person who is no right holder yet, by full number and last name, with a package.
    let old = "packages = [\"posttjenester\"]";
    assert_eq!(text.matches(old).count(), 1, "{text}");
    let mut edited = text.replace(
        old,
        &format!(
            "packages = [\"{}\", \"{}\"]",
            demo::PACKAGE_POSTTJENESTER,
            demo::PACKAGE_REGNSKAP
        ),
    );
    edited.push_str(&format!(
        "\n[[org.holder]]\nfnr = \"{}\"\nlast_name = \"{}\"\npackages = [\"{}\"]\n",
        demo::PROFILE_PERSON_FNR,
        demo::PROFILE_PERSON_LAST_NAME,
        demo::PACKAGE_POSTTJENESTER
    ));
    // The file is input: it holds the full number; no output may.
    assert!(edited.contains(demo::PROFILE_PERSON_FNR));
    let path = env.write("edited.toml", &edited);

    let plan = env.run(&["plan", "-f", &path]).await;
    plan.expect(5).assert_no_leaks().stdout_has(&[
        "  person 268992***** TOM HEIS (a1b2c3d4-e5f6-4789-8abc-def012340001)\n    + package regnskap-okonomi-rapport\n",
        "  person 158575***** MOSSIGE (not a right holder yet)\n    + right holder\n    + package posttjenester\n",
        "Plan: 2 to add, 0 to remove. (1 new right holder first.)",
    ]);
    assert!(!plan.stdout.contains("    - "), "{}", plan.stdout);
    let json = env
        .run(&["plan", "-f", &path, "--output", "json"])
        .await
        .expect(5)
        .assert_no_leaks()
        .json();
    assert_eq!(json["to_add"], 2, "{json:#}");
    assert_eq!(json["to_remove"], 0, "{json:#}");
    assert_eq!(json["new_right_holders"], 1, "{json:#}");
    // Planning reads only; in particular it does not make the new person a right holder.
    assert!(
        writes(&mock).is_empty(),
        "plan sent a change: {:?}",
        writes(&mock)
    );

    let apply = env.run(&["apply", "-f", &path, "--yes"]).await;
    apply.expect(0).assert_no_leaks().stdout_has(&[
        "Apply: 3 done, 0 already in effect, 0 failed. Operations: 1 right-holder additions, 2 grants, 0 revokes",
    ]);
    // Exactly one E3 (the new right holder) and one E6 per package, nothing else written.
    let mut sent = writes(&mock);
    sent.sort();
    let org = demo::ORG_UUID;
    assert_eq!(
        sent,
        [
            format!(
                "POST /accessmanagement/api/v1/enduser/connections/accesspackages?party={org}&to={}&package={}",
                demo::PERSON_UUID,
                demo::PACKAGE_REGNSKAP
            ),
            format!(
                "POST /accessmanagement/api/v1/enduser/connections/accesspackages?party={org}&to={}&package={}",
                demo::PROFILE_PERSON_UUID,
                demo::PACKAGE_POSTTJENESTER
            ),
            format!("POST /accessmanagement/api/v1/enduser/connections?party={org}"),
        ]
    );

    let again = env.run(&["plan", "-f", &path]).await;
    again
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&["No changes."]);
    assert_eq!(writes(&mock).len(), 3, "the second plan sent a change");

    // The world holds exactly what the file says: the seeded state plus the two packages.
    let mut want = seeded_state();
    want.get_mut(demo::PERSON_UUID)
        .unwrap()
        .0
        .insert(demo::PACKAGE_REGNSKAP.to_owned());
    want.insert(
        demo::PROFILE_PERSON_UUID.to_owned(),
        (set(&[demo::PACKAGE_POSTTJENESTER]), BTreeSet::new()),
    );
    assert_eq!(direct_state(&mock), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_removes_a_package_the_file_drops_and_leaves_key_role_packages_alone() {
    let mock = start().await;
    let env = Env::for_mock(&mock);
    let roles_before = role_assignments(&mock);
    assert_eq!(roles_before.len(), 2, "{roles_before:?}");
    let (text, _) = export(&env, &mock).await;

    // The demo person's package goes; the DAGL person asks for the package her key role gives
    // (it must not be granted directly); the system user's entry leaves out its own
    // access-manager package (it must not be removed).
    let tom_packages = "packages = [\"posttjenester\"]\n";
    let kari_roles = "roles = [\"UTINN\"]\n";
    let su_packages =
        "packages = [\"posttjenester\", \"regnskap-okonomi-rapport\", \"tilgangsstyrer\"]\n";
    for old in [tom_packages, kari_roles, su_packages] {
        assert_eq!(text.matches(old).count(), 1, "{old:?} in\n{text}");
    }
    let edited = text
        .replace(tom_packages, "")
        .replace(
            kari_roles,
            &format!(
                "{kari_roles}packages = [\"{}\"]\n",
                demo::PACKAGE_TILGANGSSTYRER
            ),
        )
        .replace(
            su_packages,
            "packages = [\"posttjenester\", \"regnskap-okonomi-rapport\"]\n",
        );
    let path = env.write("pruned.toml", &edited);
    let tom = "  person 268992***** TOM HEIS (a1b2c3d4-e5f6-4789-8abc-def012340001)\n";
    let kari = "  = person 018870***** KARI NORDMANN (a1b2c3d4-e5f6-4789-8abc-def012340002): 1 unchanged, 13 held via a role or package\n";
    let protected =
        "    ! package tilgangsstyrer (the system user's access-manager package; never removed)\n";

    // Without --prune the package is kept, and that is no change.
    env.run(&["plan", "-f", &path])
        .await
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&[
            &format!(
                "{tom}    = resource ttd-hr-rapport read\n    · package posttjenester (not in the file; kept)\n"
            ),
            kari,
            protected,
            "No changes.",
            "1 direct holding not in the file is kept; --prune removes it.",
        ]);

    let plan = env.run(&["plan", "-f", &path, "--prune"]).await;
    plan.expect(5).assert_no_leaks().stdout_has(&[
        &format!("{tom}    - package posttjenester\n    = resource ttd-hr-rapport read\n"),
        kari,
        protected,
        "Plan: 0 to add, 1 to remove.",
    ]);
    assert_eq!(plan.stdout.matches("    - ").count(), 1, "{}", plan.stdout);
    assert!(!plan.stdout.contains("    + "), "{}", plan.stdout);

    // The JSON says why the DAGL person's packages are left alone: held via her key role.
    let json = env
        .run(&["plan", "-f", &path, "--prune", "--output", "json"])
        .await
        .expect(5)
        .assert_no_leaks()
        .json();
    assert_eq!(json["to_add"], 0, "{json:#}");
    assert_eq!(json["to_remove"], 1, "{json:#}");
    let holders = json["organisations"][0]["holders"].as_array().unwrap();
    let holder = |uuid: &str| {
        holders
            .iter()
            .find(|h| h["party"]["party_uuid"] == uuid)
            .unwrap_or_else(|| panic!("no holder {uuid}: {json:#}"))
    };
    let kari_plan = holder(demo::DAGL_PERSON_UUID);
    assert_eq!(kari_plan["add"], Value::Array(vec![]), "{kari_plan:#}");
    assert_eq!(kari_plan["remove"], Value::Array(vec![]), "{kari_plan:#}");
    let indirect = kari_plan["indirect"].as_array().unwrap();
    let package = |code: &str| {
        indirect
            .iter()
            .find(|i| i["kind"] == "package" && i["package"] == code)
            .unwrap_or_else(|| panic!("{code} not reported: {kari_plan:#}"))
    };
    let tilgangsstyrer = package(demo::PACKAGE_TILGANGSSTYRER);
    assert_eq!(tilgangsstyrer["desired"], true, "{tilgangsstyrer:#}");
    assert_eq!(
        tilgangsstyrer["held_via"],
        serde_json::json!([{"kind": "key_role", "role": "daglig-leder", "via": null}]),
    );
    // The file leaves out the other packages of her key role; --prune does not touch them.
    assert_eq!(package(demo::PACKAGE_POSTTJENESTER)["desired"], false);
    let su_plan = holder(demo::SYSTEM_USER_ID);
    assert_eq!(su_plan["remove"], Value::Array(vec![]), "{su_plan:#}");
    assert_eq!(
        su_plan["protected"],
        serde_json::json!([{"kind": "package", "package": "tilgangsstyrer"}]),
    );
    assert!(
        writes(&mock).is_empty(),
        "plan sent a change: {:?}",
        writes(&mock)
    );

    let apply = env.run(&["apply", "-f", &path, "--prune", "--yes"]).await;
    apply.expect(0).assert_no_leaks().stdout_has(&[
        "revoke package posttjenester: done",
        "Apply: 1 done, 0 already in effect, 0 failed. Operations: 0 right-holder additions, 0 grants, 1 revokes",
    ]);
    // One revocation, of the demo person's package; nothing sent about anyone else.
    let org = demo::ORG_UUID;
    assert_eq!(
        writes(&mock),
        [format!(
            "DELETE /accessmanagement/api/v1/enduser/connections/accesspackages?party={org}&from={org}&to={}&package={}",
            demo::PERSON_UUID,
            demo::PACKAGE_POSTTJENESTER
        )]
    );

    let again = env.run(&["plan", "-f", &path, "--prune"]).await;
    again
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&["No changes.", kari, protected]);
    assert_eq!(writes(&mock).len(), 1, "the second plan sent a change");

    let mut want = seeded_state();
    want.get_mut(demo::PERSON_UUID).unwrap().0.clear();
    assert_eq!(direct_state(&mock), want);
    // Her key role and her imported role are where they were, so is what they give.
    assert_eq!(role_assignments(&mock), roles_before);
}
