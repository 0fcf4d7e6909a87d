//! The e2e scenario: its world (the fixtures file), the user's settings, and the steps.
//!
//! The world is written here, not taken from the mock's built-in demo world, so the run also
//! proves that `--fixtures` is honoured: the client id, key id, API key and enterprise user
//! below exist only in this file.

use std::path::Path;

use anyhow::Context as _;
use serde_json::{Value, json};

use super::{Report, Run, Scenario};

const ORG: &str = "310000000";
const ORG_NAME: &str = "E2E AS";
const CLIENT_ID: &str = "e2e-client-0001";
const KID: &str = "e2e-key-1";
const API_KEY: &str = "e2e-api-key-not-secret-elsewhere";
const ENTERPRISE_USER: &str = "e2e-admin";
const ENTERPRISE_PASSWORD: &str = "e2e-password-hush";
const PERSON_FNR: &str = "26899299344";
const PERSON_MASKED: &str = "268992*****";
const PERSON_LAST_NAME: &str = "HEIS";
const PERSON_PARTY_ID: u64 = 50_828_869;
const SERVICE: &str = "4864:1";
const NON_DELEGABLE_SERVICE: &str = "5678:1";

/// The committed test key of the demo client (not secret; see its README).
const KEY_FILE: &str = "mock-server/fixtures/keys/client.pkcs8.pem";
const PUBLIC_JWK_FILE: &str = "mock-server/fixtures/keys/client.public.jwk.json";

/// Writes the scenario's world as a JSON fixtures file.
pub(crate) fn write_fixtures(_mock_bin: &Path, path: &Path) -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let jwk_text = std::fs::read_to_string(root.join(PUBLIC_JWK_FILE))
        .with_context(|| format!("cannot read {PUBLIC_JWK_FILE}"))?;
    let mut jwk: Value = serde_json::from_str(&jwk_text)?;
    jwk["kid"] = json!(KID);
    let service = |code: &str, name: &str, delegable: bool| {
        json!({
            "code": code, "edition": 1, "name": name,
            "actions": ["Read", "Write", "ArchiveRead", "ArchiveDelete"],
            "delegable": delegable,
        })
    };
    let world = json!({
        "clients": [{
            "client_id": CLIENT_ID,
            "org": ORG,
            "scopes": ["altinn:enduser"],
            "jwks": [jwk],
        }],
        "api_keys": [{
            "key": API_KEY,
            "org": ORG,
            "resources": ["Authorization.read", "Authorization.write"],
        }],
        "enterprise_users": [{
            "user_name": ENTERPRISE_USER,
            "password": ENTERPRISE_PASSWORD,
            "org": ORG,
            "user_id": 20_000_001u64,
            "party_id": 50_200_001u64,
            "roles": [{"party": ORG, "role": "Hovedadministrator"}],
        }],
        "persons": [{
            "ssn": PERSON_FNR,
            "first_name": "TOM",
            "last_name": PERSON_LAST_NAME,
            "party_id": PERSON_PARTY_ID,
        }],
        "organisations": [{"org": ORG, "name": ORG_NAME, "party_id": 50_100_000u64}],
        "services": [
            service("4864", "E2E-tjeneste", true),
            service("5678", "Ikke-delegerbar", false),
        ],
    });
    std::fs::write(path, serde_json::to_string_pretty(&world)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The mock's URLs for a base address: (Maskinporten issuer, platform, Altinn 2 API root).
fn urls(base: &str) -> (String, String, String) {
    // One listener serves all three; the issuer is the base with a trailing slash.
    (format!("{base}/"), base.to_owned(), base.to_owned())
}

/// What a user of this scenario has in their environment.
pub(crate) fn user_env_for(base: &str, root: &Path, work: &Path) -> Vec<(String, String)> {
    let (issuer, platform, api) = urls(base);
    let config = work.join("altinn.toml");
    vec![
        ("MASKINPORTEN_URL".into(), issuer),
        ("MASKINPORTEN_CLIENT_ID".into(), CLIENT_ID.into()),
        (
            "MASKINPORTEN_KEY".into(),
            root.join(KEY_FILE).display().to_string(),
        ),
        ("MASKINPORTEN_KID".into(), KID.into()),
        ("ALTINN_PLATFORM_URL".into(), platform),
        ("ALTINN_API_URL".into(), api),
        ("ALTINN_ENTERPRISE_USER".into(), ENTERPRISE_USER.into()),
        (
            "ALTINN_ENTERPRISE_PASSWORD".into(),
            ENTERPRISE_PASSWORD.into(),
        ),
        // The API key comes from the profile file, the way a user keeps it out of the shell.
        ("ALTINN_CONFIG".into(), config.display().to_string()),
        // This scenario drives the retired Altinn 2 flow, which is no longer the default.
        ("ALTINN_PLATFORM".into(), "altinn2".into()),
        ("ALTINN_PROFILE".into(), "e2e".into()),
    ]
}

fn write_profile(work: &Path) -> anyhow::Result<()> {
    let text = format!("[e2e]\napi_key = \"{API_KEY}\"\n");
    std::fs::write(work.join("altinn.toml"), text)?;
    Ok(())
}

const SECRETS: &[&str] = &[API_KEY, ENTERPRISE_PASSWORD, PERSON_FNR];

/// Checks that a run printed no secret and no full fødselsnummer.
fn no_leaks(report: &mut Report, step: &str, run: &Run) {
    let leaked: Vec<&&str> = SECRETS
        .iter()
        .filter(|s| run.stdout.contains(**s) || run.stderr.contains(**s))
        .collect();
    report.check(
        step,
        "no secret or full fødselsnummer in stdout/stderr",
        leaked.is_empty(),
        format!("leaked {} value(s) in `{}`", leaked.len(), run.display),
    );
}

fn json_of(report: &mut Report, step: &str, run: &Run) -> Value {
    match run.json() {
        Some(v) => {
            report.check(step, "stdout is JSON", true, "");
            v
        }
        None => {
            report.check(
                step,
                "stdout is JSON",
                false,
                format!("stdout was:\n{}", run.stdout),
            );
            Value::Null
        }
    }
}

fn service_rights(report_json: &Value, code: &str) -> Vec<(String, bool)> {
    report_json["accesses"]
        .as_array()
        .map(|rights| {
            rights
                .iter()
                .filter(|r| r["kind"] == "service_right" && r["service_code"] == code)
                .map(|r| {
                    (
                        r["action"].as_str().unwrap_or_default().to_owned(),
                        r["revocable"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The steps.
pub(super) fn run(s: &Scenario<'_>, report: &mut Report) {
    if let Err(e) = write_profile(&s.work) {
        report.check("setup", "write the profile file", false, format!("{e:#}"));
        return;
    }
    let person = [
        "--org",
        "my",
        "--person",
        PERSON_FNR,
        "--last-name",
        PERSON_LAST_NAME,
    ];
    let with = |parts: &[&[&str]]| -> Vec<String> {
        parts
            .iter()
            .flat_map(|p| p.iter())
            .map(|s| (*s).to_owned())
            .collect()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        s.altinn(&refs, &[])
    };

    // Step 1: Maskinporten token.
    let step = "1 token";
    let r = s.altinn(&["token", "--output", "json", "--verbose"], &[]);
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "expires in the future",
            v["expires_in"].as_u64().is_some_and(|n| n > 0),
            format!("{v}"),
        );
        report.check(
            step,
            "scopes include altinn:enduser",
            v["scopes"]
                .as_array()
                .is_some_and(|a| a.iter().any(|s| s == "altinn:enduser")),
            format!("{v}"),
        );
        report.check(
            step,
            "consumer is the organisation",
            v["consumer"].as_str().is_some_and(|c| c.ends_with(ORG)),
            format!("{v}"),
        );
        report.check(
            step,
            "the token is not printed without --show-token",
            v.get("token").is_none(),
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);
    let r = s.altinn(&["token", "--show-token", "-o", "json"], &[]);
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "--show-token prints a JWT",
            v["token"]
                .as_str()
                .is_some_and(|t| t.split('.').count() == 3),
            format!("{v}"),
        );
    }
    let r = s.altinn(&["token"], &[("MASKINPORTEN_KID", "no-such-kid")]);
    report.exit(step, &r, 3);
    let r = s.altinn(&["token"], &[("MASKINPORTEN_CLIENT_ID", "")]);
    report.exit(step, &r, 2);
    report.check(
        step,
        "a missing client id names the setting and where it was looked for",
        r.stderr.contains("client id") && r.stderr.contains("MASKINPORTEN_CLIENT_ID"),
        r.stderr.clone(),
    );

    // Step 2: token exchange (with the enterprise user).
    let step = "2 exchange";
    let r = s.altinn(&["exchange", "-o", "json", "--verbose"], &[]);
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "names the enterprise user",
            v["enterprise_user"] == ENTERPRISE_USER,
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);
    let r = s.altinn(&["exchange"], &[("ALTINN_ENTERPRISE_PASSWORD", "wrong")]);
    report.exit(step, &r, 3);

    // Step 3: reportee.
    let step = "3 reportee";
    let r = s.altinn(
        &[
            "reportee",
            PERSON_FNR,
            "--last-name",
            PERSON_LAST_NAME,
            "-o",
            "json",
            "--verbose",
        ],
        &[],
    );
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "reportee id",
            v["reportee_id"] == format!("r{PERSON_PARTY_ID}"),
            format!("{v}"),
        );
        report.check(
            step,
            "fødselsnummer printed masked",
            v["ssn"] == PERSON_MASKED,
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);
    let r = s.altinn(&["reportee", PERSON_FNR, "--last-name", "FEILNAVN"], &[]);
    report.exit(step, &r, 4);
    no_leaks(report, step, &r);
    let r = s.altinn(&["reportee", "26899299345", "--last-name", "HEIS"], &[]);
    report.exit(step, &r, 2);

    // Step 4: show (nothing yet).
    let step = "4 rights show";
    let r = run(with(&[&["rights", "show", "-o", "json"], &person]));
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "no rights on 4864 yet",
            service_rights(&v, "4864").is_empty(),
            format!("{v}"),
        );
    }

    // Step 5: grant, then again (idempotent), then a non-delegable right.
    let step = "5 rights grant";
    let grant = with(&[
        &["rights", "grant", "-o", "json", "--verbose"],
        &person,
        &[
            "--service",
            SERVICE,
            "--action",
            "Read",
            "--action",
            "Write",
        ],
    ]);
    let r = run(grant.clone());
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(step, "changed", v["changed"] == true, format!("{v}"));
        report.check(
            step,
            "one delegation request",
            v["requests_sent"] == 1,
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);
    let r = run(grant);
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "a second grant changes nothing and sends nothing",
            v["changed"] == false && v["requests_sent"] == 0,
            format!("{v}"),
        );
    }
    let r = run(with(&[
        &["rights", "show", "-o", "json"],
        &person,
        &["--service", SERVICE],
    ]));
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        let mut held: Vec<String> = service_rights(&v, "4864")
            .into_iter()
            .filter(|(_, revocable)| *revocable)
            .map(|(a, _)| a)
            .collect();
        held.sort();
        report.check(
            step,
            "show after grant lists Read and Write as revocable",
            held == ["Read", "Write"],
            format!("{v}"),
        );
    }
    let r = run(with(&[
        &["rights", "grant"],
        &person,
        &["--service", NON_DELEGABLE_SERVICE],
    ]));
    report.exit(step, &r, 3);
    report.check(
        step,
        "the refusal says what Altinn said",
        r.stderr.contains("cannot be delegated"),
        r.stderr.clone(),
    );

    // Step 6: revoke, then show again.
    let step = "6 rights revoke";
    let r = run(with(&[
        &["rights", "revoke", "-o", "json", "--verbose"],
        &person,
        &["--service", SERVICE],
    ]));
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(step, "changed", v["changed"] == true, format!("{v}"));
        let removed = v["accesses"]
            .as_array()
            .map(|a| a.iter().filter(|r| r["status"] == "removed").count())
            .unwrap_or(0);
        report.check(step, "two rights removed", removed == 2, format!("{v}"));
    }
    no_leaks(report, step, &r);
    let r = run(with(&[&["rights", "show", "-o", "json"], &person]));
    if report.exit(step, &r, 0) {
        let v = json_of(report, step, &r);
        report.check(
            step,
            "show after revoke lists nothing on 4864",
            service_rights(&v, "4864").is_empty(),
            format!("{v}"),
        );
    }

    // The mock's own view of the end state.
    let step = "mock state";
    match s.mock.get_json("/_mock/state") {
        Ok((200, world)) => {
            let left: Vec<&Value> = world["rights"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|r| r["from"] == ORG && r["to"] == PERSON_FNR)
                        .collect()
                })
                .unwrap_or_default();
            report.check(
                step,
                "no rights left from the organisation to the person",
                left.is_empty(),
                format!("{left:?}"),
            );
        }
        Ok((status, body)) => {
            report.check(step, "GET /_mock/state", false, format!("{status}: {body}"));
        }
        Err(e) => report.check(step, "GET /_mock/state", false, format!("{e:#}")),
    }
    match s.mock.get_json("/_mock/requests") {
        Ok((200, log)) => {
            let entries = log.as_array().cloned().unwrap_or_default();
            let count = |method: &str, suffix: &str, status: u64| {
                entries
                    .iter()
                    .filter(|r| {
                        r["method"] == method
                            && r["status"].as_u64() == Some(status)
                            && r["route"]
                                .as_str()
                                .is_some_and(|route| route.to_ascii_lowercase().ends_with(suffix))
                    })
                    .count()
            };
            let created = count("POST", "/authorization/delegations", 201);
            report.check(
                step,
                "one delegation POST succeeded (the repeated grant sent nothing)",
                created == 1,
                format!("{created} POSTs answered 201"),
            );
            let refused = count("POST", "/authorization/delegations", 403);
            report.check(
                step,
                "the non-delegable grant was refused by the mock (403)",
                refused == 1,
                format!("{refused} POSTs answered 403"),
            );
            let deleted = count("DELETE", "/rights/{authzruleid}", 204);
            report.check(
                step,
                "two right DELETEs for the revoke",
                deleted == 2,
                format!("{deleted} DELETEs answered 204"),
            );
        }
        Ok((status, body)) => {
            report.check(
                step,
                "GET /_mock/requests",
                false,
                format!("{status}: {body}"),
            );
        }
        Err(e) => report.check(step, "GET /_mock/requests", false, format!("{e:#}")),
    }
}
