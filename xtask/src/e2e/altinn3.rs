//! The Altinn 3 scenario: the six steps with a system user, the onboarding journey, and the
//! failures a real user meets, on the mock's built-in demo world.
//!
//! The identifiers below are the demo world's (`mock-server/src/demo.rs`); xtask depends on no
//! workspace crate, so they are written out here. The user's settings come as they would for
//! a real user: environment variables for the URLs, the client and the key, `--env local`
//! defaults for the rest (the demo system user's organisation and system).

use std::path::Path;

use serde_json::Value;

use super::{Report, Run, Scenario, http_request};

const ORG: &str = "310000000";
const CLIENT_ID: &str = "2f6b7a3e-5c1d-4e8a-9b0f-1d2c3e4f5a6b";
const KID: &str = "demo-key-1";
const KEY_FILE: &str = "mock-server/fixtures/keys/client.pkcs8.pem";
const SYSTEM_ID: &str = "310000000_tilgang-demo";
const SYSTEM_USER_ID: &str = "b8e5d1a0-3c2f-4e6a-8d7b-9f0a1b2c3d4e";
/// HEIS TOM: a right holder of [`ORG`] with nothing else.
const PERSON_FNR: &str = "26899299344";
const PERSON_MASKED: &str = "268992*****";
const PERSON_LAST_NAME: &str = "HEIS";
const PERSON_UUID: &str = "a1b2c3d4-e5f6-4789-8abc-def012340001";
/// KARI NORDMANN: general manager (DAGL) of [`ORG`], so she holds packages via a key role.
const DAGL_FNR: &str = "01887010095";
const DAGL_LAST_NAME: &str = "NORDMANN";
/// MOSSIGE: in the profile register, not a right holder of [`ORG`].
const PROFILE_FNR: &str = "15857510027";
const PACKAGE: &str = "regnskap-okonomi-rapport";
/// A package the demo system user does not hold, so it may not give it.
const PACKAGE_NOT_HELD: &str = "skattegrunnlag";
const RESOURCE: &str = "ttd-hr-rapport";
/// A customer with no system user yet: the onboarding's.
const CUSTOMER: &str = "310000019";

/// What a user of this scenario has in their environment.
pub(super) fn user_env(base: &str, root: &Path) -> Vec<(String, String)> {
    vec![
        ("ALTINN_ENV".into(), "local".into()),
        ("MASKINPORTEN_URL".into(), format!("{base}/")),
        ("MASKINPORTEN_CLIENT_ID".into(), CLIENT_ID.into()),
        (
            "MASKINPORTEN_KEY".into(),
            root.join(KEY_FILE).display().to_string(),
        ),
        ("MASKINPORTEN_KID".into(), KID.into()),
        ("ALTINN_PLATFORM_URL".into(), base.to_owned()),
        ("ALTINN_SYSTEM_USER_ORG".into(), ORG.into()),
    ]
}

const SECRETS: &[&str] = &[PERSON_FNR, DAGL_FNR, PROFILE_FNR, "eyJ"];

fn no_leaks(report: &mut Report, step: &str, run: &Run) {
    let leaked = SECRETS
        .iter()
        .filter(|s| run.stdout.contains(**s) || run.stderr.contains(**s))
        .count();
    report.check(
        step,
        "no token or full fødselsnummer in stdout/stderr",
        leaked == 0,
        format!("leaked {leaked} value(s) in `{}`", run.display),
    );
}

fn json(report: &mut Report, step: &str, run: &Run) -> Value {
    let v = run.json();
    report.check(
        step,
        "stdout is JSON",
        v.is_some(),
        format!("stdout was:\n{}", run.stdout),
    );
    v.unwrap_or(Value::Null)
}

/// The kinds and names of what `show` lists, e.g. `package:regnskap-okonomi-rapport` and
/// `resource_right:ttd-hr-rapport:read`, with whether each is revocable.
fn accesses(v: &Value) -> Vec<(String, bool)> {
    v["accesses"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let what = match x["kind"].as_str() {
                        Some("package") => {
                            format!("package:{}", x["package"].as_str().unwrap_or(""))
                        }
                        Some("resource_right") => format!(
                            "resource_right:{}:{}",
                            x["resource"].as_str().unwrap_or(""),
                            x["action"].as_str().unwrap_or("").to_ascii_lowercase()
                        ),
                        other => other.unwrap_or("?").to_owned(),
                    };
                    (what, x["revocable"].as_bool().unwrap_or(false))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The steps.
pub(super) fn run(s: &Scenario<'_>, report: &mut Report) {
    let person = ["--person", PERSON_FNR, "--last-name", PERSON_LAST_NAME];
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

    // Step 1: a token for the demo organisation's system user.
    let step = "A3 1 token";
    let r = s.altinn(&["token", "-o", "json", "--verbose"], &[]);
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "the token is for the organisation's system user",
            v["system_user"]["id"] == SYSTEM_USER_ID && v["system_user"]["org"] == ORG,
            format!("{v}"),
        );
        report.check(
            step,
            "the Access Management scopes are asked for by default",
            v["scopes"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|s| s == "altinn:accessmanagement/enduser:connections:toothers.write")
            }),
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);

    // Step 2: the exchange keeps the system user.
    let step = "A3 2 exchange";
    let r = s.altinn(&["exchange", "-o", "json"], &[]);
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "the Altinn token names the system user",
            v["system_user"]["id"] == SYSTEM_USER_ID,
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);
    let r = s.altinn(&["parties", "-o", "json"], &[]);
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "`altinn parties` lists the organisation",
            v["parties"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["organizationNumber"] == ORG)),
            format!("{v}"),
        );
    }

    // Step 3: the person among the right holders, read-only.
    let step = "A3 3 reportee";
    let r = s.altinn(
        &[
            "reportee",
            PERSON_FNR,
            "--last-name",
            PERSON_LAST_NAME,
            "-o",
            "json",
        ],
        &[],
    );
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "party UUID",
            v["party_uuid"] == PERSON_UUID,
            format!("{v}"),
        );
        report.check(
            step,
            "number masked",
            v["ssn"] == PERSON_MASKED,
            format!("{v}"),
        );
    }
    no_leaks(report, step, &r);
    let r = s.altinn(&["reportee", PROFILE_FNR, "--last-name", "MOSSIGE"], &[]);
    report.exit(step, &r, 4);
    report.check(
        step,
        "not a right holder: the hint names `altinn rightholders add`",
        r.stderr.contains("rightholders add"),
        r.stderr.clone(),
    );
    let r = s.altinn(&["reportee", "26899299345", "--last-name", "HEIS"], &[]);
    report.exit(step, &r, 2);

    // Step 4: nothing held yet.
    let step = "A3 4 rights show";
    let r = run(with(&[&["rights", "show", "-o", "json"], &person]));
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "nothing held yet",
            accesses(&v).is_empty(),
            format!("{v}"),
        );
    }

    // Step 5: grant a package and a resource right; again (nothing sent); then refusals.
    let step = "A3 5 rights grant";
    let grant = with(&[
        &["rights", "grant", "-o", "json", "--verbose"],
        &person,
        &[
            "--package",
            PACKAGE,
            "--resource",
            RESOURCE,
            "--action",
            "read",
        ],
    ]);
    let r = run(grant.clone());
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(step, "changed", v["changed"] == true, format!("{v}"));
    }
    no_leaks(report, step, &r);
    let r = run(grant);
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "a second grant changes nothing and sends nothing",
            v["changed"] == false && v["requests_sent"] == 0,
            format!("{v}"),
        );
    }
    let r = run(with(&[&["rights", "show", "-o", "json"], &person]));
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        let mut held = accesses(&v);
        held.sort();
        report.check(
            step,
            "show after grant lists the package and the resource right, revocable",
            held == [
                (format!("package:{PACKAGE}"), true),
                (format!("resource_right:{RESOURCE}:read"), true),
            ],
            format!("{v}"),
        );
    }
    let r = run(with(&[
        &["rights", "grant"],
        &person,
        &["--package", PACKAGE_NOT_HELD],
    ]));
    report.exit(step, &r, 3);
    report.check(
        step,
        "a package the system user may not give: the delegation check explains why",
        r.stderr.contains("AM.VLD-00026") && r.stderr.contains("holds itself"),
        r.stderr.clone(),
    );
    let r = run(with(&[
        &["rights", "grant"],
        &person,
        &["--service", "4864:1"],
    ]));
    report.exit(step, &r, 2);

    // Step 6: revoke both; something held via an ER role cannot be revoked.
    let step = "A3 6 rights revoke";
    let r = run(with(&[
        &["rights", "revoke", "-o", "json", "--verbose"],
        &person,
        &["--package", PACKAGE, "--resource", RESOURCE],
    ]));
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(step, "changed", v["changed"] == true, format!("{v}"));
    }
    no_leaks(report, step, &r);
    let r = run(with(&[&["rights", "show", "-o", "json"], &person]));
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "nothing left",
            accesses(&v).is_empty(),
            format!("{v}"),
        );
    }
    let r = s.altinn(
        &[
            "rights",
            "revoke",
            "--person",
            DAGL_FNR,
            "--last-name",
            DAGL_LAST_NAME,
            "--package",
            "tilgangsstyrer",
        ],
        &[],
    );
    report.exit(step, &r, 2);
    report.check(
        step,
        "a package held via an ER role is refused, naming the key role",
        r.stderr.contains("via key role"),
        r.stderr.clone(),
    );

    // Failures: a missing scope, a wrong last name, the lookup throttle.
    let step = "A3 failures";
    let read_only = "altinn:accessmanagement/authorizedparties \
                     altinn:accessmanagement/enduser:connections:toothers.read";
    let r = s.altinn(
        &[
            "rights",
            "grant",
            "--person",
            PERSON_FNR,
            "--last-name",
            PERSON_LAST_NAME,
            "--package",
            PACKAGE,
        ],
        &[("MASKINPORTEN_SCOPE", read_only)],
    );
    report.exit(step, &r, 3);
    report.check(
        step,
        "a missing write scope is refused (403) with the scope named",
        r.stderr.contains("403") && r.stderr.contains("scope"),
        r.stderr.clone(),
    );
    let add = |last_name: &str| {
        s.altinn(
            &[
                "rightholders",
                "add",
                "--person",
                PROFILE_FNR,
                "--last-name",
                last_name,
            ],
            &[],
        )
    };
    let r = add("FEILNAVN");
    report.exit(step, &r, 2);
    report.check(
        step,
        "a wrong last name is AM.VLD-00034",
        r.stderr.contains("AM.VLD-00034"),
        r.stderr.clone(),
    );
    no_leaks(report, step, &r);
    let r = add("ANNETNAVN");
    report.exit(step, &r, 2);
    let r = add("MOSSIGE");
    report.exit(step, &r, 1);
    report.check(
        step,
        "the third lookup after two misses is throttled (AM-00026), even with the right name",
        r.stderr.contains("AM-00026") && r.stderr.contains("hour"),
        r.stderr.clone(),
    );

    onboarding(s, report);
    mock_state(s, report);
}

/// From nothing to a working system user: register, request, approve (the mock stands in for
/// the customer), status, token, parties.
fn onboarding(s: &Scenario<'_>, report: &mut Report) {
    let step = "A3 onboarding";
    let r = s.altinn(
        &[
            "system",
            "register",
            "--id",
            SYSTEM_ID,
            "--name",
            "Tilgang demo",
            "--package",
            "tilgangsstyrer",
            "--package",
            "posttjenester",
            "-o",
            "json",
        ],
        &[],
    );
    report.exit(step, &r, 0);
    let r = s.altinn(
        &[
            "systemuser",
            "request",
            "--customer",
            CUSTOMER,
            "-o",
            "json",
        ],
        &[],
    );
    let mut request_id = String::new();
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        request_id = v["id"].as_str().unwrap_or_default().to_owned();
        report.check(
            step,
            "a new request with a confirm URL",
            v["status"] == "New" && v["confirm_url"].as_str().is_some_and(|u| !u.is_empty()),
            format!("{v}"),
        );
    }
    let r = s.altinn(
        &[
            "systemuser",
            "request",
            "--customer",
            CUSTOMER,
            "-o",
            "json",
        ],
        &[],
    );
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "asking again shows the same request",
            v["id"] == request_id.as_str() && v["existing"] == true,
            format!("{v}"),
        );
    }
    let approved = http_request(
        &s.mock.base,
        "POST",
        &format!("/_mock/systemuser/requests/{request_id}/approve"),
        &[],
        b"",
    );
    report.check(
        step,
        "the customer approves (through /_mock/)",
        matches!(approved, Ok((200, _))),
        format!("{approved:?}"),
    );
    let r = s.altinn(
        &["systemuser", "status", &request_id, "--wait", "-o", "json"],
        &[],
    );
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "status Accepted",
            v["status"] == "Accepted",
            format!("{v}"),
        );
    }
    let r = s.altinn(&["systemuser", "list", "-o", "json"], &[]);
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "the new system user is listed for the customer",
            v.as_array()
                .is_some_and(|a| a.iter().any(|u| u["customer"] == CUSTOMER)),
            format!("{v}"),
        );
    }
    let r = s.altinn(
        &["parties", "-o", "json"],
        &[("ALTINN_SYSTEM_USER_ORG", CUSTOMER)],
    );
    if report.exit(step, &r, 0) {
        let v = json(report, step, &r);
        report.check(
            step,
            "the new system user's token lists the customer",
            v["parties"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["organizationNumber"] == CUSTOMER)),
            format!("{v}"),
        );
    }
}

/// The mock's own view: the person holds nothing from the organisation at the end.
fn mock_state(s: &Scenario<'_>, report: &mut Report) {
    let step = "A3 mock state";
    match s.mock.get_json("/_mock/state") {
        Ok((200, world)) => {
            let text = world["altinn3"].to_string();
            report.check(
                step,
                "the state shows the Altinn 3 world",
                !text.is_empty() && text != "null",
                text.chars().take(200).collect::<String>(),
            );
            // What the person was given and then lost leaves nothing on their link, and the
            // refused package was never given.
            let links: Vec<&Value> = world["altinn3"]["assignments"]
                .as_array()
                .map(|a| a.iter().filter(|l| l["to"] == PERSON_UUID).collect())
                .unwrap_or_default();
            let held: Vec<String> = links
                .iter()
                .flat_map(|l| {
                    let packages = l["packages"].as_array().cloned().unwrap_or_default();
                    let resources = l["resources"].as_array().cloned().unwrap_or_default();
                    packages.into_iter().chain(resources)
                })
                .map(|x| x.to_string())
                .collect();
            report.check(
                step,
                "the person's link to the organisation is there and holds nothing",
                links.len() == 1 && held.is_empty(),
                format!("links {links:?}, held {held:?}"),
            );
        }
        other => report.check(step, "GET /_mock/state", false, format!("{other:?}")),
    }
}
