//! `altinn system` and `altinn systemuser` end to end: the built binary against an in-process
//! mock server, configured through the environment as a vendor configures it for `--env
//! local`, from registering a system to a system user that gets tokens
//! (`shared/spec/altinn3-accessmanagement.md` §5.4–§5.5, the README's "Setting up for real").
//!
//! The customer's approval is the mock's `/_mock/systemuser/requests/{id}/approve`, called over
//! a plain TCP connection as any other client of the mock would call it.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Command, Output},
};

use serde_json::Value;
use tilgang_mock::{MockServer, demo};

const BIN: &str = env!("CARGO_BIN_EXE_altinn");

/// A system that is not in the demo world's register, so the first registration creates it.
const NEW_SYSTEM: &str = "310000000_tilgang-test";
/// A system that is in nobody's register.
const UNKNOWN_SYSTEM: &str = "310000000_finnes-ikke";

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
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
        // Tokens are JWTs; the onboarding commands never print one.
        assert!(
            !self.stdout.contains("eyJ") && !self.stderr.contains("eyJ"),
            "a token was printed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that stderr says each of `texts`.
    #[track_caller]
    fn says(&self, texts: &[&str]) -> &Self {
        for text in texts {
            assert!(
                self.stderr.contains(text),
                "{text:?} missing from stderr:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// A vendor's environment for `mock`: `--env local` with the mock's URLs and the demo client's
/// key in a file, as the README's setup describes it.
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
            ("ALTINN_PLATFORM_URL", mock.platform_url()),
            ("MASKINPORTEN_KEY", key_file.display().to_string()),
            ("MASKINPORTEN_KID", demo::KID.to_owned()),
            ("MASKINPORTEN_CLIENT_ID", demo::CLIENT_ID.to_owned()),
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
        // The platform config directory resolves below HOME; this home has no profile, so a
        // developer's own settings cannot leak in.
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

/// The customer's approver decides through the mock's control API: `POST
/// /_mock/systemuser/requests/{id}/{decision}`. Returns the status code and body.
fn decide(mock: &MockServer, request_id: &str, decision: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(mock.local_addr()).expect("the mock accepts connections");
    let request = format!(
        "POST /_mock/systemuser/requests/{request_id}/{decision} HTTP/1.1\r\nHost: {}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n",
        mock.local_addr()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_owned()
        })
        .collect()
}

/// The request ids in the text of `systemuser request`/`status`, from its first line
/// (`System-user request {id} for ...`).
fn request_id_in_text(text: &str) -> String {
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("System-user request "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no request id in:\n{text}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_new_system_to_a_system_user_that_gets_tokens() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    let customer = demo::BULK_ORG;

    // Registering creates the system, with the configured client id among its clients.
    let created = env.run(&[
        "system",
        "register",
        "--id",
        NEW_SYSTEM,
        "--name",
        "Tilgang test",
        "--package",
        "tilgangsstyrer",
        "--package",
        "posttjenester",
        "-o",
        "json",
    ]);
    let v = created.expect(0).json();
    assert_eq!(v["registration"], "created", "{v}");
    assert_eq!(v["system"]["id"], NEW_SYSTEM, "{v}");
    assert_eq!(
        strings(&v["system"]["client_ids"]),
        [demo::CLIENT_ID],
        "{v}"
    );

    // Registering again updates it to what it now says.
    let updated = env.run(&[
        "system",
        "register",
        "--id",
        NEW_SYSTEM,
        "--name",
        "Tilgang test 2",
        "--package",
        "tilgangsstyrer",
        "--package",
        "posttjenester",
    ]);
    updated.expect(0);
    assert!(
        updated
            .stdout
            .contains(&format!("System {NEW_SYSTEM} updated")),
        "{}",
        updated.stdout
    );

    let shown = env.run(&["system", "show", "--id", NEW_SYSTEM, "-o", "json"]);
    let v = shown.expect(0).json();
    assert_eq!(v[0]["id"], NEW_SYSTEM, "{v}");
    assert_eq!(v[0]["name"], "Tilgang test 2", "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let packages = v[0]["packages"].to_string();
    assert!(
        packages.contains("tilgangsstyrer") && packages.contains("posttjenester"),
        "{v}"
    );

    let listed = env.run(&["system", "list", "-o", "json"]);
    let v = listed.expect(0).json();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        ids.contains(&NEW_SYSTEM) && ids.contains(&demo::SYSTEM_ID),
        "{v}"
    );

    // From here on the vendor acts as the new system.
    env.set("ALTINN_SYSTEM_ID", NEW_SYSTEM);

    // Asking prints the link to send the customer and the request's id.
    let asked = env.run(&["systemuser", "request", "--customer", customer]);
    asked.expect(0);
    let id = request_id_in_text(&asked.stdout);
    for text in [
        ": new",
        "send the customer this link to approve it",
        &format!("/accessmanagement/ui/systemuser/request?id={id}&DONTCHOOSEREPORTEE=true"),
        customer,
    ] {
        assert!(asked.stdout.contains(text), "{text:?}:\n{}", asked.stdout);
    }

    // Asking again shows the same request instead of making a second one.
    let again = env.run(&[
        "systemuser",
        "request",
        "--customer",
        customer,
        "-o",
        "json",
    ]);
    let v = again.expect(0).json();
    assert_eq!(v["id"], id.as_str(), "{v}");
    assert_eq!(v["existing"], true, "{v}");
    assert_eq!(v["status"], "New", "{v}");
    assert_eq!(v["customer"], customer, "{v}");
    assert!(
        v["confirm_url"]
            .as_str()
            .is_some_and(|u| u.contains(&format!("id={id}"))),
        "{v}"
    );
    // The customer is asked for every package the system declares.
    let packages = v["packages"].to_string();
    assert!(
        packages.contains("tilgangsstyrer") && packages.contains("posttjenester"),
        "{v}"
    );
    assert_eq!(
        mock.count("POST /authentication/api/v1/systemuser/request/vendor"),
        1,
        "the second ask made a request"
    );

    // While the customer has not decided, a wait with no time left ends at once, non-zero,
    // and says where the request stands and what to do.
    let impatient = env.run(&[
        "systemuser",
        "status",
        "--customer",
        customer,
        "--wait",
        "--timeout",
        "0",
    ]);
    assert_ne!(impatient.code, 0, "{}", impatient.stdout);
    impatient.says(&["still New", "confirm URL", "--wait"]);

    let pending = env.run(&["systemuser", "status", &id, "-o", "json"]);
    assert_eq!(pending.expect(0).json()["status"], "New");

    // The customer approves.
    let (status, body) = decide(&mock, &id, "approve");
    assert_eq!(status, 200, "{body}");

    let accepted = env.run(&["systemuser", "status", &id, "-o", "json"]);
    let v = accepted.expect(0).json();
    assert_eq!(v["status"], "Accepted", "{v}");
    assert_eq!(v["id"], id.as_str(), "{v}");

    // A decided request ends a wait before its first pause.
    let waited = env.run(&["systemuser", "status", "--customer", customer, "--wait"]);
    waited.expect(0);
    for text in [
        "Accepted",
        &format!("the Altinn 3 commands now work with --system-user-org {customer}"),
    ] {
        assert!(waited.stdout.contains(text), "{text:?}:\n{}", waited.stdout);
    }

    // Asking once more shows the accepted request rather than failing with AUTH-00004.
    let after = env.run(&[
        "systemuser",
        "request",
        "--customer",
        customer,
        "-o",
        "json",
    ]);
    let v = after.expect(0).json();
    assert_eq!(
        (v["existing"].clone(), v["status"].clone()),
        (true.into(), "Accepted".into())
    );

    let users = env.run(&["systemuser", "list", "-o", "json"]);
    let v = users.expect(0).json();
    let listed: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["customer"] == customer)
        .collect();
    assert_eq!(listed.len(), 1, "{v}");
    assert_eq!(listed[0]["system"], NEW_SYSTEM, "{v}");

    // The new system user gets tokens: the customer is among its parties.
    let parties = env.run(&["parties", "--system-user-org", customer, "-o", "json"]);
    let v = parties.expect(0).json();
    assert!(
        v["parties"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["organizationNumber"] == customer)),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_onboarding_token_is_the_vendors_own() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);
    // A customer without a system user as the configured one, and scopes that hold none of
    // the system register's: a token asked for with that system user would be refused by
    // Maskinporten, and one with these scopes by the Authentication API.
    env.set("ALTINN_SYSTEM_USER_ORG", demo::BULK_ORG)
        .set("MASKINPORTEN_SCOPE", "altinn:enduser");

    let listed = env.run(&["system", "list", "-o", "json"]);
    listed.expect(0);
    let asked = env.run(&[
        "systemuser",
        "request",
        "--customer",
        demo::BULK_ORG,
        "-o",
        "json",
    ]);
    let id = asked.expect(0).json()["id"].as_str().unwrap().to_owned();
    let status = env.run(&["systemuser", "status", &id, "-o", "json"]);
    status.expect(0);

    // Three runs, one token each: the onboarding commands ask for their own token only,
    // never for the configured system user's as well.
    assert_eq!(mock.count("POST /token"), 3);
    assert_eq!(
        mock.count("GET /authentication/api/v1/exchange/{provider}"),
        3
    );

    // The same configuration cannot get the system user's token, which shows the runs above
    // did not ask for one.
    env.run(&["parties"])
        .expect(3)
        .says(&["Maskinporten refused", "authorization_details"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_request_is_reported_and_shown_again() {
    let mock = MockServer::start().await;
    let env = Env::for_mock(&mock);
    let customer = demo::BULK_ORG;

    let asked = env.run(&[
        "systemuser",
        "request",
        "--customer",
        customer,
        "--external-ref",
        "payroll",
        "-o",
        "json",
    ]);
    let v = asked.expect(0).json();
    assert_eq!(v["external_ref"], "payroll", "{v}");
    assert_eq!(v["existing"], false, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();

    let (status, body) = decide(&mock, &id, "reject");
    assert_eq!(status, 204, "{body}");

    let waited = env.run(&[
        "systemuser",
        "status",
        "--customer",
        customer,
        "--external-ref",
        "payroll",
        "--wait",
        "-o",
        "json",
    ]);
    // The decision is printed, and a rejection is exit 3 so a script stops there.
    let v = waited.expect(3).json();
    assert_eq!(
        (v["id"].as_str(), v["status"].as_str()),
        (Some(id.as_str()), Some("Rejected"))
    );
    // Without --wait the command only reports.
    let shown = env.run(&["systemuser", "status", &id, "-o", "json"]);
    assert_eq!(shown.expect(0).json()["status"], "Rejected");

    // Altinn answers a repeat with the existing request unless it timed out (§5.5), so a
    // rejected request is shown again, not replaced.
    let again = env.run(&[
        "systemuser",
        "request",
        "--customer",
        customer,
        "--external-ref",
        "payroll",
        "-o",
        "json",
    ]);
    let v = again.expect(0).json();
    assert_eq!(v["id"], id.as_str(), "{v}");
    assert_eq!(v["existing"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_exit_with_their_codes_and_say_what_to_do() {
    let mock = MockServer::start().await;
    let mut env = Env::for_mock(&mock);

    // AUTH-00052: a package a system may not ask for (not assignable), and one that does
    // not exist.
    for package in ["regnskapsforer-lonn", "finnes-ikke"] {
        let run = env.run(&[
            "system",
            "register",
            "--id",
            NEW_SYSTEM,
            "--name",
            "Tilgang test",
            "--package",
            "tilgangsstyrer",
            "--package",
            package,
        ]);
        run.expect(2).says(&[
            "AUTH-00052",
            "one of the access packages is unknown or not assignable",
        ]);
    }
    assert!(
        env.run(&["system", "show", "--id", NEW_SYSTEM])
            .expect(4)
            .stderr
            .contains(&format!("system {NEW_SYSTEM} was not found")),
        "a refused registration left a system behind"
    );

    // AUTH-00004: the demo organisation already has a system user of the demo system (made
    // without a request, so there is no request to show).
    env.run(&["systemuser", "request", "--customer", demo::ORG])
        .expect(2)
        .says(&[
            "AUTH-00004",
            "that customer already has a system user for this system",
        ]);

    // AUTH-00011: a system that is not registered.
    env.set("ALTINN_SYSTEM_ID", UNKNOWN_SYSTEM);
    env.run(&["systemuser", "list"])
        .expect(4)
        .says(&["AUTH-00011", "no such system in the system register"]);
    env.run(&["systemuser", "request", "--customer", demo::BULK_ORG])
        .expect(4)
        .says(&["AUTH-00011", "no such system in the system register"]);
    env.run(&["system", "show"])
        .expect(4)
        .says(&[UNKNOWN_SYSTEM]);

    // Nothing is sent for a request id that cannot be one.
    let before = mock.count("GET /authentication/api/v1/systemuser/request/vendor/{requestId}");
    env.run(&["systemuser", "status", "../../systemregister/vendor"])
        .expect(2)
        .says(&["not a system-user request id"]);
    assert_eq!(
        mock.count("GET /authentication/api/v1/systemuser/request/vendor/{requestId}"),
        before
    );
}

#[test]
fn status_needs_a_request_id_or_a_customer() {
    let home = tempfile::tempdir().unwrap();
    let env = Env {
        home,
        vars: vec![("ALTINN_ENV", "local".to_owned())],
    };
    let run = env.run(&["systemuser", "status"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("REQUEST_ID"), "{}", run.stderr);
}
