//! No secret leaks from the real `altinn` binary, with tracing at `trace` level (`--verbose`
//! and `RUST_LOG=trace`): neither in the demo nor on an error path. Searched for in stdout and
//! stderr (where the logs go): the private key's PEM body lines, any JWT (grants, Maskinporten
//! and Altinn tokens all start `eyJ`), the enterprise user's password, the API keys, and the
//! fødselsnummer in full.
//!
//! The binary is the one `cargo test --workspace` builds next to this test
//! (`target/debug/altinn`).

use std::{
    path::PathBuf,
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
        .chain(demo::ENTERPRISE_KEY_PKCS8_PEM.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .map(|l| ("a private-key PEM line".to_owned(), l.to_owned()))
        .collect();
    for (what, value) in [
        ("a JWT (grant or token)", "eyJ"),
        ("the enterprise password", demo::ENTERPRISE_PASSWORD),
        ("the API key", demo::API_KEY),
        ("the read-only API key", demo::READONLY_API_KEY),
        ("a full fødselsnummer", demo::PERSON_FNR),
        ("a full fødselsnummer", demo::ROLE_PERSON_FNR),
    ] {
        out.push((what.to_owned(), value.to_owned()));
    }
    out
}

fn assert_clean(what: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().count() > 20,
        "{what}: trace logging did not happen, so this test proves nothing:\n{stderr}"
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

#[test]
fn the_demo_at_trace_level_leaks_no_secret() {
    let output = Command::new(binary())
        .args(["demo", "--platform", "altinn2", "--verbose"])
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The demo did its six steps, including the person's (masked) number.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("268992"), "{stdout}");
    assert_clean("demo", &output);
    let output = Command::new(binary())
        .args([
            "demo",
            "--platform",
            "altinn2",
            "--verbose",
            "--output",
            "json",
        ])
        .env("RUST_LOG", "trace")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    assert_clean("demo --output json", &output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_path_at_trace_level_leaks_no_secret() {
    let server = MockServer::start().await;
    let dir = std::env::temp_dir().join(format!("tilgang-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = dir.join("key.pem");
    std::fs::write(&key, demo::CLIENT_KEY_PKCS8_PEM).expect("key written");
    // An empty profile file, so no settings come from the developer's own configuration.
    std::fs::write(dir.join("none.toml"), "").expect("profile written");
    let run = |args: &[&str]| {
        Command::new(binary())
            .args(args)
            .arg("--verbose")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &dir)
            .env("RUST_LOG", "trace")
            .env("ALTINN_CONFIG", dir.join("none.toml"))
            .env("ALTINN_ENV", "local")
            // The retired API's error paths; `secrets_altinn3.rs` covers Altinn 3.
            .env("ALTINN_PLATFORM", "altinn2")
            .env("MASKINPORTEN_URL", server.issuer())
            .env("MASKINPORTEN_CLIENT_ID", demo::CLIENT_ID)
            .env("MASKINPORTEN_KEY", &key)
            .env("MASKINPORTEN_KID", demo::KID)
            .env("MASKINPORTEN_RESOURCE", demo::RESOURCE)
            .env("ALTINN_PLATFORM_URL", server.platform_url())
            .env("ALTINN_API_URL", server.api_url())
            .env("ALTINN_API_KEY", demo::API_KEY)
            .env("ALTINN_ENTERPRISE_USER", demo::ENTERPRISE_USER)
            .env("ALTINN_ENTERPRISE_PASSWORD", demo::ENTERPRISE_PASSWORD)
            .output()
            .expect("the binary runs")
    };
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "grant of a non-delegable service (403)",
            vec![
                "rights",
                "grant",
                "--org",
                demo::ORG,
                "--person",
                demo::PERSON_FNR,
                "--last-name",
                demo::PERSON_LAST_NAME,
                "--service",
                "5678:1",
            ],
        ),
        (
            "show of a person whose name does not match (404)",
            vec![
                "rights",
                "show",
                "--org",
                demo::ORG,
                "--person",
                demo::ROLE_PERSON_FNR,
                "--last-name",
                "FEIL",
            ],
        ),
        ("exchange with a token refused", vec!["exchange"]),
    ];
    for (i, (what, args)) in cases.iter().enumerate() {
        if i == 2 {
            // Every token request now fails with an error body, after the grant was signed.
            server.inject(tilgang_mock::FaultRule::always("POST /token", 500));
        }
        let output = tokio::task::block_in_place(|| run(args));
        assert!(
            !output.status.success(),
            "{what} succeeded: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_clean(what, &output);
    }
    // The runs really talked to the mock (so tokens existed to leak).
    assert!(server.count("POST /token") >= 2);
    assert!(server.count("GET /authentication/api/v1/exchange/{provider}") >= 2);
    let _ = std::fs::remove_dir_all(&dir);
}
