//! The built `altinn` binary on Altinn 3 (the default platform) against an in-process mock
//! server, configured the way a user of the local environment configures it: environment
//! variables for the URLs, the client and the key, and the demo system user's organisation.
//! Every Altinn 3 command's text and `--output json`, and the exit codes of its failures.
//!
//! Each test starts its own mock server on a free port; the binary runs as a child process
//! with a clean environment, so a developer's own settings cannot leak in.

use std::process::{Command, Output};

use serde_json::Value;
use tilgang_mock::{MockServer, demo};

const BIN: &str = env!("CARGO_BIN_EXE_altinn");

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Neither a token nor a full fødselsnummer is printed, on either stream.
    #[track_caller]
    fn assert_no_leaks(&self) -> &Self {
        for secret in [
            demo::PERSON_FNR,
            demo::DAGL_PERSON_FNR,
            demo::PROFILE_PERSON_FNR,
            "eyJ",
        ] {
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

    #[track_caller]
    fn stderr_has(&self, texts: &[&str]) -> &Self {
        for text in texts {
            assert!(
                self.stderr.contains(text),
                "{text:?} missing:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// A user of `--env local` with the mock's URLs and the demo client, acting as the demo
/// organisation's system user.
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

    fn set(&mut self, key: &'static str, value: &str) -> &mut Self {
        self.vars.retain(|(k, _)| *k != key);
        self.vars.push((key, value.to_owned()));
        self
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args).env_clear();
        // The platform config directory resolves below HOME; an empty home has no profile.
        cmd.env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"));
        if let Ok(path) = std::env::var("PATH") {
            cmd.env("PATH", path);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("the altinn binary runs");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

fn args<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

const HEIS: &[&str] = &[
    "--person",
    demo::PERSON_FNR,
    "--last-name",
    demo::PERSON_LAST_NAME,
];

/// The kinds and names of what `show` lists, each with whether it is revocable, sorted:
/// `package:CODE` and `resource_right:ID:action`.
fn accesses(v: &Value) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = v["accesses"]
        .as_array()
        .expect("accesses is a list")
        .iter()
        .map(|x| {
            let what = match x["kind"].as_str() {
                Some("package") => format!("package:{}", x["package"].as_str().unwrap()),
                Some("resource_right") => format!(
                    "resource_right:{}:{}",
                    x["resource"].as_str().unwrap(),
                    x["action"].as_str().unwrap().to_ascii_lowercase()
                ),
                other => other.unwrap_or("?").to_owned(),
            };
            (what, x["revocable"].as_bool().unwrap_or(false))
        })
        .collect();
    out.sort();
    out
}

/// The route keys of the Altinn 3 changes, to count what a run sent.
const E3: &str = "POST /accessmanagement/api/v1/enduser/connections";
const E6: &str = "POST /accessmanagement/api/v1/enduser/connections/accesspackages";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_exchange_and_parties_name_the_system_user() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);

    let token = env.run(&["token"]);
    token.expect(0).assert_no_leaks().stdout_has(&[
        "Maskinporten access token",
        "enduser:connections:toothers.write",
        &format!("system user: {}", demo::SYSTEM_USER_ID),
        demo::SYSTEM_ID,
    ]);
    let v = env.run(&["token", "-o", "json"]).expect(0).json();
    assert_eq!(v["system_user"]["id"], demo::SYSTEM_USER_ID, "{v}");
    assert_eq!(v["system_user"]["org"], demo::ORG, "{v}");
    assert_eq!(v["consumer"], demo::ORG, "{v}");
    assert!(v.get("token").is_none(), "{v}");
    assert_eq!(v["scopes"].as_array().unwrap().len(), 3, "{v}");

    env.run(&["exchange"])
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&["Altinn token", demo::SYSTEM_USER_ID]);
    let v = env.run(&["exchange", "-o", "json"]).expect(0).json();
    assert_eq!(v["system_user"]["id"], demo::SYSTEM_USER_ID, "{v}");
    assert_eq!(v["enterprise_user"], Value::Null, "{v}");

    env.run(&["parties"])
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&[demo::ORG, demo::ORG_NAME, demo::ORG_UUID, "tilgangsstyrer"]);
    let v = env.run(&["parties", "-o", "json"]).expect(0).json();
    let party = &v["parties"][0];
    assert_eq!(party["organizationNumber"], demo::ORG, "{v}");
    assert_eq!(party["partyUuid"], demo::ORG_UUID, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reportee_and_rightholders_are_read_only_and_masked() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);

    env.run(&["reportee", demo::PERSON_FNR, "--last-name", "HEIS"])
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&["TOM HEIS", "268992*****", demo::PERSON_UUID]);
    let v = env
        .run(&[
            "reportee",
            demo::PERSON_FNR,
            "--last-name",
            "HEIS",
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    assert_eq!(v["party_uuid"], demo::PERSON_UUID, "{v}");
    assert_eq!(v["ssn"], "268992*****", "{v}");

    // Not a right holder: exit 4, with the command that makes them one.
    let run = env.run(&[
        "reportee",
        demo::PROFILE_PERSON_FNR,
        "--last-name",
        demo::PROFILE_PERSON_LAST_NAME,
        "-o",
        "json",
    ]);
    run.expect(4)
        .assert_no_leaks()
        .stderr_has(&["not a right holder", "altinn rightholders add"]);
    assert_eq!(run.json()["exit_code"], 4);
    // Reads never add anyone.
    assert_eq!(mock.count(E3), 0);

    env.run(&["rightholders"])
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&[
            "Right holders of 310000000",
            "TOM HEIS",
            "018870*****",
            demo::SYSTEM_ID,
        ]);
    let v = env
        .run(&["rightholders", "list", "-o", "json"])
        .expect(0)
        .json();
    let holders = v["right_holders"].as_array().unwrap();
    assert_eq!(holders.len(), 3, "{v}");
    assert!(
        holders
            .iter()
            .any(|h| h["party_uuid"] == demo::SYSTEM_USER_ID && h["kind"] == "SystemUser"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rights_show_grant_revoke_in_text_and_json() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let show = args(&[&["rights", "show", "-o", "json"], HEIS]);
    let grantables = [
        "--package",
        demo::PACKAGE_REGNSKAP,
        "--resource",
        demo::RESOURCE_ID,
        "--action",
        "read",
    ];

    env.run(&args(&[&["rights", "show"], HEIS]))
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&["Accesses of TOM HEIS (268992*****)", "(none)"]);
    assert!(accesses(&env.run(&show).expect(0).json()).is_empty());

    let grant = env.run(&args(&[&["rights", "grant"], HEIS, &grantables]));
    grant.expect(0).assert_no_leaks().stdout_has(&[
        "Grant to TOM HEIS",
        "changed",
        demo::PACKAGE_REGNSKAP,
        demo::RESOURCE_ID,
        "added",
    ]);
    let again = env.run(&args(&[
        &["rights", "grant", "-o", "json"],
        HEIS,
        &grantables,
    ]));
    let v = again.expect(0).json();
    assert_eq!(v["changed"], false, "{v}");
    assert_eq!(v["requests_sent"], 0, "{v}");
    assert!(
        v["accesses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "already_held"),
        "{v}"
    );
    assert_eq!(mock.count(E6), 1);

    let v = env.run(&show).expect(0).json();
    assert_eq!(
        accesses(&v),
        [
            (format!("package:{}", demo::PACKAGE_REGNSKAP), true),
            (format!("resource_right:{}:read", demo::RESOURCE_ID), true),
        ]
    );
    env.run(&args(&[&["rights", "show"], HEIS]))
        .expect(0)
        .stdout_has(&["REVOCABLE", "directly", "yes", demo::PACKAGE_REGNSKAP]);

    let revoke = env.run(&args(&[
        &["rights", "revoke", "-o", "json"],
        HEIS,
        &grantables[..4],
    ]));
    let v = revoke.expect(0).assert_no_leaks().json();
    assert_eq!(v["changed"], true, "{v}");
    assert!(accesses(&env.run(&show).expect(0).json()).is_empty());
    env.run(&args(&[&["rights", "revoke"], HEIS, &grantables[..2]]))
        .expect(0)
        .stdout_has(&["not held"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rightholders_add_and_remove() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let mossige = [
        "--person",
        demo::PROFILE_PERSON_FNR,
        "--last-name",
        demo::PROFILE_PERSON_LAST_NAME,
    ];
    let v = env
        .run(&args(&[&["rightholders", "add", "-o", "json"], &mossige]))
        .expect(0)
        .assert_no_leaks()
        .json();
    assert_eq!(v["change"], "added", "{v}");
    assert_eq!(v["holder"]["party_uuid"], demo::PROFILE_PERSON_UUID, "{v}");
    assert_eq!(v["holder"]["ssn"], "158575*****", "{v}");
    let v = env
        .run(&args(&[&["rightholders", "add", "-o", "json"], &mossige]))
        .expect(0)
        .json();
    assert_eq!(v["change"], "already_right_holder", "{v}");
    assert_eq!(mock.count(E3), 1, "the second add only read the listing");

    // Removing someone who still holds something needs --cascade (bad input, exit 2).
    env.run(&args(&[
        &["rights", "grant"],
        &mossige,
        &["--package", demo::PACKAGE_POSTTJENESTER],
    ]))
    .expect(0);
    env.run(&args(&[&["rightholders", "remove"], &mossige]))
        .expect(2)
        .assert_no_leaks()
        .stderr_has(&["cascade"]);
    let v = env
        .run(&args(&[
            &["rightholders", "remove", "--cascade", "-o", "json"],
            &mossige,
        ]))
        .expect(0)
        .json();
    assert_eq!(v["removed"], true, "{v}");
    let v = env
        .run(&args(&[
            &["rightholders", "remove", "-o", "json"],
            &mossige,
        ]))
        .expect(0)
        .json();
    assert_eq!(v["removed"], false, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_and_sends_nothing() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "an invalid fødselsnummer",
            vec![
                "rights",
                "show",
                "--person",
                "26899299345",
                "--last-name",
                "HEIS",
            ],
            "fødselsnummer",
        ),
        (
            "an invalid fødselsnummer to reportee",
            vec![
                "reportee",
                "26899299345",
                "--last-name",
                "HEIS",
                "-o",
                "json",
            ],
            "fødselsnummer",
        ),
        (
            "an invalid organisation number",
            vec!["--org", "31000000x", "rightholders"],
            "organisation",
        ),
        (
            "an invalid organisation number to add",
            vec!["rightholders", "add", "--org-number", "12345"],
            "organisation",
        ),
        (
            "a malformed package code",
            args(&[&["rights", "grant"], HEIS, &["--package", "Lønn!"]]),
            "--package",
        ),
        (
            "a malformed resource id",
            args(&[&["rights", "grant"], HEIS, &["--resource", "ttd/hr"]]),
            "--resource",
        ),
        (
            "--service on altinn3",
            args(&[&["rights", "grant"], HEIS, &["--service", "4864:1"]]),
            "--platform altinn2",
        ),
        (
            "--package on altinn2",
            args(&[
                &["--platform", "altinn2", "rights", "grant"],
                HEIS,
                &["--package", demo::PACKAGE_REGNSKAP],
            ]),
            "--platform altinn3",
        ),
        (
            "--resource on altinn2",
            args(&[
                &["--platform", "altinn2", "rights", "revoke"],
                HEIS,
                &["--resource", demo::RESOURCE_ID],
            ]),
            "--platform altinn3",
        ),
        ("nothing to grant", args(&[&["rights", "grant"], HEIS]), ""),
    ];
    for (what, argv, names) in &cases {
        let run = env.run(argv);
        assert_eq!(run.code, 2, "{what}: {}\n{}", run.stdout, run.stderr);
        run.assert_no_leaks();
        assert!(run.stderr.contains(names), "{what}: {}", run.stderr);
        assert!(
            !run.stderr.contains("26899299345") && !run.stdout.contains("26899299345"),
            "{what}: the bad number was echoed"
        );
    }
    // The JSON form of a failure carries the exit code.
    let run = env.run(&[
        "reportee",
        "26899299345",
        "--last-name",
        "HEIS",
        "-o",
        "json",
    ]);
    assert_eq!(run.json()["exit_code"], 2);
    // Refused before anything was sent: not even a token.
    assert!(mock.requests().is_empty(), "{:?}", mock.counters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_exit_3_and_lookups_explain_themselves() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);

    // A package the system user does not hold: exit 3, the delegation check's reason.
    let run = env.run(&args(&[
        &["rights", "grant", "-o", "json"],
        HEIS,
        &["--package", demo::PACKAGE_NOT_HELD],
    ]));
    run.expect(3)
        .assert_no_leaks()
        .stderr_has(&["AM.VLD-00026", "holds itself"]);
    assert_eq!(run.json()["exit_code"], 3);

    // A right the system user may not delegate: exit 3.
    env.run(&args(&[
        &["rights", "grant"],
        HEIS,
        &["--resource", demo::RESOURCE_ID, "--action", "write"],
    ]))
    .expect(3)
    .assert_no_leaks()
    .stderr_has(&[demo::RESOURCE_ID]);

    // A package held through a key role cannot be revoked one by one: exit 2, naming it.
    env.run(&[
        "rights",
        "revoke",
        "--person",
        demo::DAGL_PERSON_FNR,
        "--last-name",
        demo::DAGL_PERSON_LAST_NAME,
        "--package",
        demo::PACKAGE_TILGANGSSTYRER,
    ])
    .expect(2)
    .assert_no_leaks()
    .stderr_has(&["via key role"]);

    // A wrong last name (AM.VLD-00034) is bad input; after two, the throttle (AM-00026).
    let add = |last_name: &str| {
        env.run(&[
            "rightholders",
            "add",
            "--person",
            demo::PROFILE_PERSON_FNR,
            "--last-name",
            last_name,
        ])
    };
    add("FEILNAVN")
        .expect(2)
        .assert_no_leaks()
        .stderr_has(&["AM.VLD-00034"]);
    add("ANNETNAVN").expect(2);
    add(demo::PROFILE_PERSON_LAST_NAME)
        .expect(1)
        .assert_no_leaks()
        .stderr_has(&["AM-00026", "hour"]);
    assert_eq!(mock.count(E3), 3);

    // Without the write scope, a grant is refused by Altinn: exit 3, naming the scope.
    env.set(
        "MASKINPORTEN_SCOPE",
        "altinn:accessmanagement/authorizedparties \
         altinn:accessmanagement/enduser:connections:toothers.read",
    );
    env.run(&args(&[
        &["rights", "grant"],
        HEIS,
        &["--package", demo::PACKAGE_REGNSKAP],
    ]))
    .expect(3)
    .assert_no_leaks()
    .stderr_has(&["403", "scope"]);
    assert_eq!(
        mock.world()
            .altinn3
            .assignments
            .iter()
            .filter(|a| a.to == demo::uuid(demo::PERSON_UUID))
            .flat_map(|a| &a.packages)
            .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_system_and_systemuser() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);

    env.run(&["packages", "search", "regnskap"])
        .expect(0)
        .stdout_has(&["CODE", demo::PACKAGE_REGNSKAP, "ASSIGNABLE"]);
    let v = env
        .run(&["packages", "search", "lonn", "-o", "json"])
        .expect(0)
        .json();
    assert!(
        v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["urn"] == "urn:altinn:accesspackage:lonn"),
        "{v}"
    );
    // The catalogue is public: no token was needed.
    assert_eq!(mock.count("POST /token"), 0);

    env.run(&["system", "show"])
        .expect(0)
        .assert_no_leaks()
        .stdout_has(&[demo::SYSTEM_ID, "Tilgang demo", demo::CLIENT_ID]);
    env.run(&["system", "list"])
        .expect(0)
        .stdout_has(&[demo::SYSTEM_ID]);
    env.run(&["systemuser", "list"])
        .expect(0)
        .stdout_has(&[demo::SYSTEM_USER_ID, demo::SYSTEM_USER_2_REF]);
    let v = env
        .run(&["systemuser", "list", "-o", "json"])
        .expect(0)
        .json();
    let users = v.as_array().expect("a list");
    assert!(
        users
            .iter()
            .any(|u| u["id"] == demo::SYSTEM_USER_ID && u["customer"] == demo::ORG),
        "{v}"
    );

    // A system-user request to the customer without one, then its status.
    let v = env
        .run(&[
            "systemuser",
            "request",
            "--customer",
            demo::BULK_ORG,
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    assert_eq!(v["status"], "New", "{v}");
    let id = v["id"].as_str().expect("an id").to_owned();
    let v = env
        .run(&["systemuser", "status", &id, "-o", "json"])
        .expect(0)
        .json();
    assert_eq!(v["status"], "New", "{v}");
    // An invalid customer number is bad input, refused before anything is sent.
    env.run(&["systemuser", "request", "--customer", "123"])
        .expect(2);
}

#[test]
fn the_demo_runs_every_altinn3_step() {
    let home = tempfile::tempdir().unwrap();
    let run = |argv: &[&str]| {
        let out = Command::new(BIN)
            .args(argv)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .expect("the binary runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let json = run(&["demo", "--output", "json"]);
    let v = json.expect(0).assert_no_leaks().json();
    assert_eq!(v["platform"], "Altinn 3", "{v}");
    let steps = v["steps"].as_array().expect("steps");
    let numbers: Vec<u64> = steps.iter().map(|s| s["step"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 4, 6, 4]);
    assert!(accesses(&steps[3]["result"]).is_empty());
    assert_eq!(
        accesses(&steps[5]["result"]),
        [
            (format!("package:{}", demo::PACKAGE_REGNSKAP), true),
            (format!("resource_right:{}:read", demo::RESOURCE_ID), true),
        ]
    );
    assert!(accesses(&steps[7]["result"]).is_empty());

    let text = run(&["demo"]);
    text.expect(0).assert_no_leaks().stdout_has(&["== Step 6"]);

    let onboarding = run(&["demo", "--onboarding", "-o", "json"]);
    let v = onboarding.expect(0).assert_no_leaks().json();
    let steps = v["steps"].as_array().expect("steps");
    // Four onboarding steps (numbered 0) before the six.
    assert_eq!(steps.iter().filter(|s| s["step"] == 0).count(), 4, "{v}");
}
