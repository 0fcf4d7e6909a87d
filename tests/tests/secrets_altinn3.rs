//! No secret leaks from the real `altinn` binary on Altinn 3, with tracing at `trace` level
//! (`--verbose` and `RUST_LOG=trace`), as `secrets_cli.rs` checks on Altinn 2: every Altinn 3
//! command against an in-process mock, on its success and its error paths, and the demo.
//! Searched for in stdout and stderr (where the logs go): the private key's PEM body lines,
//! any JWT (grants, Maskinporten and Altinn tokens, all starting `eyJ`), and every demo
//! person's fødselsnummer in full.
//!
//! The binary is the one `cargo test --workspace` builds next to this test
//! (`target/debug/altinn`; `cargo build -p tilgang-cli` builds it alone).

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use tilgang_mock::{MockServer, demo};

fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows where it is");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug/deps/..");
    let bin = dir.join(format!("altinn{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p tilgang-cli` (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

/// Every secret the runs below could leak, with a name for the failure message.
fn secrets() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = demo::CLIENT_KEY_PKCS8_PEM
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .map(|l| ("a private-key PEM line".to_owned(), l.to_owned()))
        .collect();
    out.push(("a JWT (grant or token)".to_owned(), "eyJ".to_owned()));
    for fnr in [
        demo::PERSON_FNR,
        demo::DAGL_PERSON_FNR,
        demo::PROFILE_PERSON_FNR,
    ] {
        out.push(("a full fødselsnummer".to_owned(), fnr.to_owned()));
    }
    out
}

#[track_caller]
fn assert_clean(what: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Trace logging must really have happened, or the search below proves nothing.
    assert!(
        stderr.contains("TRACE") || stderr.lines().count() > 20,
        "{what}: trace logging did not happen:\n{stderr}"
    );
    for (name, secret) in secrets() {
        for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            if let Some(at) = text.find(&secret) {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(80)
                    .map_or(0, |(i, _)| i);
                let end = (at + secret.len() + 80).min(text.len());
                let context = text.get(start..end).unwrap_or("…");
                panic!("{what}: {name} in {stream}: …{context}…");
            }
        }
    }
}

/// Runs the binary with a clean environment configured for the mock's demo system user, the
/// way a user of the local environment configures it.
fn run(server: &MockServer, home: &Path, key: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .arg("--verbose")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "trace")
        .env("ALTINN_CONFIG", home.join("none.toml"))
        .env("ALTINN_ENV", "local")
        .env("MASKINPORTEN_URL", server.issuer())
        .env("MASKINPORTEN_CLIENT_ID", demo::CLIENT_ID)
        .env("MASKINPORTEN_KEY", key)
        .env("MASKINPORTEN_KID", demo::KID)
        .env("ALTINN_PLATFORM_URL", server.platform_url())
        .env("ALTINN_SYSTEM_USER_ORG", demo::ORG)
        .output()
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_altinn3_command_at_trace_level_leaks_no_secret() {
    let server = MockServer::start().await;
    let home = tempfile_dir("every");
    let key = home.join("key.pem");
    std::fs::write(&key, demo::CLIENT_KEY_PKCS8_PEM).expect("key written");
    // An empty profile file, so no settings come from the developer's own configuration.
    std::fs::write(home.join("none.toml"), "").expect("profile written");
    let heis = [
        "--person",
        demo::PERSON_FNR,
        "--last-name",
        demo::PERSON_LAST_NAME,
    ];
    let with = |parts: &[&[&'static str]]| -> Vec<&'static str> {
        parts.iter().flat_map(|p| p.iter().copied()).collect()
    };
    let grantables = [
        "--package",
        demo::PACKAGE_REGNSKAP,
        "--resource",
        demo::RESOURCE_ID,
        "--action",
        "read",
    ];
    // Each command, with whether it succeeds: the error paths log the refusals, which carry
    // request paths and bodies, so they are searched as well.
    let cases: Vec<(&str, Vec<&str>, bool)> = vec![
        ("token", vec!["token"], true),
        ("token as JSON", vec!["token", "-o", "json"], true),
        ("exchange", vec!["exchange", "-o", "json"], true),
        ("parties", vec!["parties"], true),
        (
            "reportee",
            vec![
                "reportee",
                demo::PERSON_FNR,
                "--last-name",
                demo::PERSON_LAST_NAME,
            ],
            true,
        ),
        (
            "reportee of someone who is not a right holder",
            vec![
                "reportee",
                demo::PROFILE_PERSON_FNR,
                "--last-name",
                demo::PROFILE_PERSON_LAST_NAME,
            ],
            false,
        ),
        ("rightholders", vec!["rightholders", "-o", "json"], true),
        ("rights show", with(&[&["rights", "show"], &heis]), true),
        (
            "rights grant",
            with(&[&["rights", "grant", "-o", "json"], &heis, &grantables]),
            true,
        ),
        (
            "rights show of the DAGL person",
            vec![
                "rights",
                "show",
                "--person",
                demo::DAGL_PERSON_FNR,
                "--last-name",
                demo::DAGL_PERSON_LAST_NAME,
            ],
            true,
        ),
        (
            "rights grant of a package the system user does not hold",
            with(&[
                &["rights", "grant"],
                &heis,
                &["--package", demo::PACKAGE_NOT_HELD],
            ]),
            false,
        ),
        (
            "rights revoke",
            with(&[&["rights", "revoke"], &heis, &grantables[..4]]),
            true,
        ),
        (
            "rightholders add with a wrong last name",
            vec![
                "rightholders",
                "add",
                "--person",
                demo::PROFILE_PERSON_FNR,
                "--last-name",
                "FEILNAVN",
            ],
            false,
        ),
        ("packages", vec!["packages", "search", "regnskap"], true),
        ("system show", vec!["system", "show"], true),
        ("system list", vec!["system", "list", "-o", "json"], true),
        ("systemuser list", vec!["systemuser", "list"], true),
    ];
    for (what, args, succeeds) in &cases {
        let output = tokio::task::block_in_place(|| run(&server, &home, &key, args));
        assert_eq!(
            output.status.success(),
            *succeeds,
            "{what}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_clean(what, &output);
    }
    // The runs really talked to the mock (so tokens existed to leak), and really changed it.
    assert!(server.count("POST /token") >= 10);
    assert!(server.count("GET /authentication/api/v1/exchange/{provider}") >= 10);
    assert!(server.count("POST /accessmanagement/api/v1/enduser/connections/accesspackages") >= 1);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn the_altinn3_demo_at_trace_level_leaks_no_secret() {
    for args in [
        vec!["demo", "--verbose"],
        vec!["demo", "--onboarding", "--verbose", "--output", "json"],
    ] {
        let output = Command::new(binary())
            .args(&args)
            .env("RUST_LOG", "trace")
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs");
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The demo did its steps, including the person's (masked) number.
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("268992"), "{stdout}");
        assert_clean(&args.join(" "), &output);
    }
}

/// A fresh directory under the system's temporary directory for one test.
fn tempfile_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tilgang-secrets-a3-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
