//! The built `altinn` binary against an in-process mock server, configured the way a user
//! configures it: through environment variables (and a profile file where that is the point).
//!
//! Each test starts its own mock server on a free port. The binary runs as a child process with
//! a clean environment, so a developer's own settings cannot leak in.

use std::{
    path::Path,
    process::{Command, Output},
};

use serde_json::Value;
use tilgang_mock::{MockServer, demo};

const BIN: &str = env!("CARGO_BIN_EXE_altinn");
const SERVICE: &str = "4864:1";

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

    #[track_caller]
    fn assert_no_leaks(&self) {
        for secret in [
            demo::API_KEY,
            demo::ENTERPRISE_PASSWORD,
            demo::PERSON_FNR,
            demo::ROLE_PERSON_FNR,
        ] {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a secret or full fødselsnummer was printed:\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout,
                self.stderr
            );
        }
        // Tokens are JWTs; none may be printed unless asked for with --show-token.
        assert!(
            !self.stdout.contains("eyJ") && !self.stderr.contains("eyJ"),
            "a token was printed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
    }
}

/// The user's environment for `mock`: URLs and demo credentials in the documented variables.
fn user_env(mock: &MockServer, key_file: &Path) -> Vec<(&'static str, String)> {
    vec![
        // These tests drive the retired Altinn 2 flow, which is no longer the default.
        ("ALTINN_PLATFORM", "altinn2".to_owned()),
        ("MASKINPORTEN_URL", mock.issuer().to_string()),
        ("MASKINPORTEN_CLIENT_ID", demo::CLIENT_ID.to_owned()),
        ("MASKINPORTEN_KEY", key_file.display().to_string()),
        ("MASKINPORTEN_KID", demo::KID.to_owned()),
        ("ALTINN_PLATFORM_URL", mock.platform_url().to_string()),
        ("ALTINN_API_URL", mock.api_url().to_string()),
        ("ALTINN_API_KEY", demo::API_KEY.to_owned()),
        ("ALTINN_ENTERPRISE_USER", demo::ENTERPRISE_USER.to_owned()),
        (
            "ALTINN_ENTERPRISE_PASSWORD",
            demo::ENTERPRISE_PASSWORD.to_owned(),
        ),
    ]
}

struct Env {
    home: tempfile::TempDir,
    vars: Vec<(&'static str, String)>,
}

impl Env {
    /// A user with the demo credentials for `mock`.
    fn for_mock(mock: &MockServer) -> Env {
        let home = tempfile::tempdir().unwrap();
        let key_file = home.path().join("client.pem");
        std::fs::write(&key_file, demo::CLIENT_KEY_PKCS8_PEM).unwrap();
        let vars = user_env(mock, &key_file);
        Env { home, vars }
    }

    /// A user with no settings at all.
    fn empty() -> Env {
        Env {
            home: tempfile::tempdir().unwrap(),
            vars: Vec::new(),
        }
    }

    fn set(&mut self, key: &'static str, value: &str) -> &mut Self {
        self.vars.retain(|(k, _)| *k != key);
        self.vars.push((key, value.to_owned()));
        self
    }

    fn unset(&mut self, key: &str) -> &mut Self {
        self.vars.retain(|(k, _)| *k != key);
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

fn person() -> Vec<&'static str> {
    vec![
        "--org",
        "my",
        "--person",
        demo::PERSON_FNR,
        "--last-name",
        demo::PERSON_LAST_NAME,
    ]
}

fn args<'a>(parts: &[&[&'a str]]) -> Vec<&'a str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

fn rights_on(report: &Value, code: &str) -> Vec<String> {
    let mut actions: Vec<String> = report["accesses"]
        .as_array()
        .expect("accesses is a list")
        .iter()
        .filter(|r| r["kind"] == "service_right" && r["service_code"] == code)
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    actions.sort();
    actions
}

#[test]
fn help_documents_exit_codes_and_variables() {
    let run = Env::empty().run(&["--help"]);
    run.expect(0);
    for text in [
        "0  success",
        "2  bad input or configuration",
        "3  authentication or authorization refused",
        "4  not found",
        "MASKINPORTEN_CLIENT_ID",
        "ALTINN_API_KEY",
    ] {
        assert!(
            run.stdout.contains(text),
            "{text:?} missing:\n{}",
            run.stdout
        );
    }
}

#[test]
fn completions_are_generated() {
    let run = Env::empty().run(&["completions", "bash"]);
    run.expect(0);
    assert!(run.stdout.contains("altinn"), "{}", run.stdout);
    assert!(run.stdout.contains("rights"), "{}", run.stdout);
}

#[test]
fn demo_runs_every_step_without_configuration() {
    let run = Env::empty().run(&["demo", "--platform", "altinn2", "--output", "json"]);
    run.expect(0);
    run.assert_no_leaks();
    let v = run.json();
    let steps = v["steps"].as_array().expect("steps");
    let numbers: Vec<u64> = steps.iter().map(|s| s["step"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 4, 6, 4]);
    let shows: Vec<Vec<String>> = [3, 5, 7]
        .iter()
        .map(|i| rights_on(&steps[*i]["result"], demo::SERVICE_CODE))
        .collect();
    assert_eq!(shows[0], Vec::<String>::new());
    assert_eq!(shows[1], ["Read", "Write"]);
    assert_eq!(shows[2], Vec::<String>::new());
    assert_eq!(steps[2]["result"]["ssn"], "268992*****");

    let text = Env::empty().run(&["demo", "--platform", "altinn2"]);
    text.expect(0);
    text.assert_no_leaks();
    assert!(text.stdout.contains("== Step 6"), "{}", text.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_steps_through_environment_variables_with_json_output() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);

    let token = env.run(&["token", "-o", "json"]);
    token.expect(0).assert_no_leaks();
    let v = token.json();
    assert!(v["expires_in"].as_u64().unwrap() > 0, "{v}");
    assert!(
        v["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "altinn:enduser"),
        "{v}"
    );
    assert!(v.get("token").is_none(), "{v}");

    let shown = env.run(&["token", "--show-token", "-o", "json"]);
    shown.expect(0);
    assert_eq!(
        shown.json()["token"].as_str().unwrap().split('.').count(),
        3
    );

    let exchange = env.run(&["exchange", "-o", "json"]);
    exchange.expect(0).assert_no_leaks();
    assert_eq!(exchange.json()["enterprise_user"], demo::ENTERPRISE_USER);

    let reportee = env.run(&[
        "reportee",
        demo::PERSON_FNR,
        "--last-name",
        demo::PERSON_LAST_NAME,
        "-o",
        "json",
    ]);
    reportee.expect(0).assert_no_leaks();
    let v = reportee.json();
    assert_eq!(v["reportee_id"], format!("r{}", demo::PERSON_PARTY_ID));
    assert_eq!(v["ssn"], "268992*****");

    let p = person();
    let show = env.run(&args(&[&["rights", "show", "-o", "json"], &p]));
    show.expect(0).assert_no_leaks();
    assert!(rights_on(&show.json(), demo::SERVICE_CODE).is_empty());

    let grant_args = args(&[
        &["rights", "grant", "-o", "json"],
        &p,
        &[
            "--service",
            SERVICE,
            "--action",
            "Read",
            "--action",
            "Write",
        ],
    ]);
    let grant = env.run(&grant_args);
    grant.expect(0).assert_no_leaks();
    let v = grant.json();
    assert_eq!(v["changed"], true, "{v}");
    assert_eq!(v["requests_sent"], 1, "{v}");
    let again = env.run(&grant_args);
    let v = again.expect(0).json();
    assert_eq!(v["changed"], false, "{v}");
    assert_eq!(v["requests_sent"], 0, "{v}");

    let show = env.run(&args(&[&["rights", "show", "-o", "json"], &p]));
    assert_eq!(
        rights_on(&show.expect(0).json(), demo::SERVICE_CODE),
        ["Read", "Write"]
    );

    let revoke = env.run(&args(&[
        &["rights", "revoke", "-o", "json"],
        &p,
        &["--service", SERVICE],
    ]));
    revoke.expect(0).assert_no_leaks();
    let v = revoke.json();
    assert_eq!(v["changed"], true, "{v}");
    let show = env.run(&args(&[&["rights", "show", "-o", "json"], &p]));
    assert!(rights_on(&show.expect(0).json(), demo::SERVICE_CODE).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_output_is_a_table() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let p = person();
    env.run(&args(&[
        &["rights", "grant"],
        &p,
        &["--service", SERVICE, "--action", "Read"],
    ]))
    .expect(0);
    let show = env.run(&args(&[&["rights", "show"], &p]));
    show.expect(0).assert_no_leaks();
    assert!(show.stdout.contains("REVOCABLE"), "{}", show.stdout);
    assert!(show.stdout.contains("4864:1"), "{}", show.stdout);
    assert!(show.stdout.contains("directly"), "{}", show.stdout);
    assert!(show.stdout.contains("268992*****"), "{}", show.stdout);
}

#[test]
fn missing_setting_exits_2_and_names_it() {
    let run = Env::empty().run(&["token"]);
    run.expect(2);
    assert!(run.stderr.contains("client id"), "{}", run.stderr);
    assert!(
        run.stderr.contains("MASKINPORTEN_CLIENT_ID"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--client-id"), "{}", run.stderr);
    assert!(run.stderr.contains("config.toml"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2_without_echoing_the_number() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    // A check digit off by one: refused before anything is sent.
    let run = env.run(&[
        "reportee",
        "26899299345",
        "--last-name",
        "HEIS",
        "-o",
        "json",
    ]);
    run.expect(2);
    assert!(!run.stdout.contains("26899299345") && !run.stderr.contains("26899299345"));
    assert_eq!(run.json()["exit_code"], 2);

    let run = env.run(&args(&[
        &["rights", "grant"],
        &person(),
        &["--service", "4864"],
    ]));
    run.expect(2);
    assert!(run.stderr.contains("CODE:EDITION"), "{}", run.stderr);

    let run = env.run(&["token", "--maskinporten-url", "not a url"]);
    run.expect(2);
    assert!(
        run.stderr.contains("flag --maskinporten-url"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_profile_exits_2_and_names_the_file() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    let file = env.home.path().join("bad.toml");
    std::fs::write(&file, "[default]\napi_kee = \"x\"\n").unwrap();
    env.set("ALTINN_CONFIG", &file.display().to_string());
    let run = env.run(&["token"]);
    run.expect(2);
    assert!(
        run.stderr.contains(&file.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("api_kee"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_from_a_profile_and_flags_beat_environment() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    let file = env.home.path().join("altinn.toml");
    std::fs::write(
        &file,
        format!(
            "[mock]\napi_key = \"{}\"\nclient_id = \"from-profile\"\n",
            demo::API_KEY
        ),
    )
    .unwrap();
    env.unset("ALTINN_API_KEY").unset("MASKINPORTEN_CLIENT_ID");
    let config = file.display().to_string();
    // The profile supplies the client id and the API key.
    let run = env.run(&[
        "--config",
        &config,
        "--profile",
        "mock",
        "--client-id",
        demo::CLIENT_ID,
        "reportee",
        demo::PERSON_FNR,
        "--last-name",
        demo::PERSON_LAST_NAME,
    ]);
    run.expect(0).assert_no_leaks();
    // Without the flag, the profile's (wrong) client id is used and Maskinporten refuses it.
    let run = env.run(&["--config", &config, "--profile", "mock", "token"]);
    run.expect(3);
    // An unknown profile is a configuration error naming the profiles there.
    let run = env.run(&["--config", &config, "--profile", "nope", "token"]);
    run.expect(2);
    assert!(run.stderr.contains("mock"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_authentication_exits_3() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    env.set("MASKINPORTEN_KID", "not-registered");
    let run = env.run(&["token", "-o", "json"]);
    run.expect(3).assert_no_leaks();
    assert_eq!(run.json()["exit_code"], 3);

    let mut env = Env::for_mock(&mock);
    env.set("ALTINN_ENTERPRISE_PASSWORD", "wrong-password");
    let run = env.run(&["exchange"]);
    run.expect(3);
    assert!(!run.stderr.contains("wrong-password"), "{}", run.stderr);

    let mut env = Env::for_mock(&mock);
    env.set("ALTINN_API_KEY", "not-a-key");
    let run = env.run(&[
        "reportee",
        demo::PERSON_FNR,
        "--last-name",
        demo::PERSON_LAST_NAME,
    ]);
    run.expect(3);
    assert!(!run.stderr.contains("not-a-key"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_person_exits_4() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let run = env.run(&[
        "reportee",
        demo::PERSON_FNR,
        "--last-name",
        "FEILNAVN",
        "-o",
        "json",
    ]);
    run.expect(4).assert_no_leaks();
    assert_eq!(run.json()["exit_code"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_delegable_right_is_refused_with_3() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let service = format!(
        "{}:{}",
        demo::NON_DELEGABLE_SERVICE_CODE,
        demo::NON_DELEGABLE_SERVICE_EDITION
    );
    // Altinn refuses the delegation as not authorised (403), so this is an authorization
    // failure (3), not a malformed request; the message says what Altinn said.
    let run = env.run(&args(&[
        &["rights", "grant"],
        &person(),
        &["--service", &service],
    ]));
    run.expect(3).assert_no_leaks();
    assert!(run.stderr.contains("cannot be delegated"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_go_to_stderr_without_secrets() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let p = person();
    let runs = [
        env.run(&["token", "--verbose", "-o", "json"]),
        env.run(&["exchange", "--verbose", "-o", "json"]),
        env.run(&args(&[
            &["rights", "grant", "--verbose", "-o", "json"],
            &p,
            &["--service", SERVICE],
        ])),
        env.run(&args(&[
            &["rights", "revoke", "--verbose", "-o", "json"],
            &p,
            &["--service", SERVICE],
        ])),
    ];
    for run in &runs {
        run.expect(0).assert_no_leaks();
        // stdout stays one JSON document; the logs went to stderr.
        let _ = run.json();
        assert!(!run.stderr.is_empty(), "--verbose logged nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enterprise_users_gone_exits_3_and_the_exchange_works_without_one() {
    let mut world = tilgang_mock::World::demo();
    world.settings.enterprise_user_gone = true;
    let mock = MockServer::start_with(world).await;
    let mut env = Env::for_mock(&mock);
    let run = env.run(&["exchange"]);
    run.expect(3).assert_no_leaks();
    assert!(run.stderr.contains("410"), "{}", run.stderr);
    env.unset("ALTINN_ENTERPRISE_USER");
    let run = env.run(&["exchange", "-o", "json"]);
    run.expect(0);
    assert_eq!(run.json()["enterprise_user"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pem_key_without_kid_or_certificate_exits_2() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    env.unset("MASKINPORTEN_KID");
    let run = env.run(&["token"]);
    run.expect(2);
    assert!(run.stderr.contains("MASKINPORTEN_KID"), "{}", run.stderr);
    assert!(run.stderr.contains("MASKINPORTEN_CERT"), "{}", run.stderr);
    assert!(!run.stderr.contains("BEGIN"), "{}", run.stderr);

    // A JWK file names its own key id.
    let jwk = env.home.path().join("client.jwk.json");
    std::fs::write(&jwk, demo::CLIENT_KEY_JWK).unwrap();
    env.set("MASKINPORTEN_KEY", &jwk.display().to_string());
    env.run(&["token"]).expect(0).assert_no_leaks();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkcs12_password_comes_from_the_named_variable() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    let p12 = env.home.path().join("enterprise.p12");
    std::fs::write(&p12, demo::ENTERPRISE_P12).unwrap();
    env.unset("MASKINPORTEN_KEY")
        .unset("MASKINPORTEN_KID")
        .set("MASKINPORTEN_CLIENT_ID", demo::CERT_CLIENT_ID)
        .set("MASKINPORTEN_P12", &p12.display().to_string());
    // Without the password variable: a configuration error naming it.
    let run = env.run(&["token", "--p12-password-env", "MY_P12_PASSWORD"]);
    run.expect(2);
    assert!(run.stderr.contains("MY_P12_PASSWORD"), "{}", run.stderr);
    env.set("MY_P12_PASSWORD", demo::ENTERPRISE_P12_PASSWORD);
    let run = env.run(&[
        "token",
        "--p12-password-env",
        "MY_P12_PASSWORD",
        "--verbose",
    ]);
    run.expect(0).assert_no_leaks();
    assert!(
        !run.stderr.contains(demo::ENTERPRISE_P12_PASSWORD),
        "{}",
        run.stderr
    );
}
