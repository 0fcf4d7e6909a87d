//! The access-as-code apply benchmark: the real `altinn apply -f FILE --yes` against the mock
//! binary, N right holders × 3 accesses (the packages `posttjenester` and
//! `regnskap-okonomi-rapport`, which the demo system user may give, and `read` on the resource
//! `ttd-hr-rapport`), once without faults and once with 20 % faults on every route.
//!
//! 1. A world from `tilgang-loadgen fixtures --persons N`, where every person is a right holder
//!    of the demo organisation holding nothing, except every [`NEW_EVERY`]th, whose link is
//!    taken out so that the apply has to make them a right holder (E3).
//! 2. The desired-state file: each of the N persons, by fødselsnummer and last name, with the
//!    three accesses.
//! 3. Without faults: one apply on a fresh mock, timed; the requests it sent (the mock's route
//!    counters) against the least the apply needs ([`minimum`]); then `altinn plan` must exit
//!    0. Then `wrk` on the endpoints that make up that minimum, against the same mock with the
//!    same concurrency, and the ratio apply time ÷ (minimum requests ÷ raw rate).
//! 4. With 20 % faults (as in the reliability suites): a fresh mock, faults on every route,
//!    apply run again after each run that reports failures (resuming is the designed
//!    behaviour), until one reports none or [`MAX_RUNS`] have run; then, with the faults off,
//!    `altinn plan`'s exit code is recorded (0: converged). Not converging is a figure of the
//!    report, not a failure of the bench.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    path::Path,
    process::{Command, Stdio},
    time::Instant,
};

use anyhow::{Context as _, ensure};
use serde_json::{Value, json};

use super::{
    ALTINN3_SCOPES, ORG, Options, altinn3_flow_requests, round3, run_raw, system_user_token,
    wrk_requests,
};
use crate::e2e::{MockProcess, http_request};

/// The packages each holder is given (both held by the demo system user, which may pass them
/// on) and the resource right (`read` comes with `regnskap-okonomi-rapport`, so it may too).
const PACKAGES: [&str; 2] = ["posttjenester", "regnskap-okonomi-rapport"];
const RESOURCE: &str = "ttd-hr-rapport";
const RESOURCE_ACTION: &str = "read";
/// Every this-many-th person (the first, the 51st, ...) is not a right holder yet.
const NEW_EVERY: usize = 50;
/// The faulted run stops after this many applies, converged or not.
const MAX_RUNS: usize = 10;
/// The seed of the mock's fault generator, so a run meets the same faults every time.
const FAULT_SEED: u64 = 52_026;

/// The routes the apply uses, as the mock counts them, with the names of the spec.
const ROUTES: &[(&str, &str)] = &[
    ("discovery", "GET /.well-known/oauth-authorization-server"),
    ("token", "POST /token"),
    ("exchange", "GET /authentication/api/v1/exchange/{provider}"),
    (
        "E1",
        "GET /accessmanagement/api/v1/enduser/authorizedparties",
    ),
    ("E2", "GET /accessmanagement/api/v1/enduser/connections"),
    ("E3", "POST /accessmanagement/api/v1/enduser/connections"),
    (
        "E5",
        "GET /accessmanagement/api/v1/enduser/connections/accesspackages",
    ),
    (
        "E6",
        "POST /accessmanagement/api/v1/enduser/connections/accesspackages",
    ),
    (
        "E8",
        "GET /accessmanagement/api/v1/enduser/connections/accesspackages/delegationcheck",
    ),
    (
        "E9",
        "GET /accessmanagement/api/v1/enduser/connections/resources",
    ),
    (
        "E10",
        "GET /accessmanagement/api/v1/enduser/connections/resources/rights",
    ),
    (
        "E11",
        "GET /accessmanagement/api/v1/enduser/connections/resources/delegationcheck",
    ),
    (
        "E12",
        "POST /accessmanagement/api/v1/enduser/connections/resources/rights",
    ),
    (
        "E15",
        "GET /accessmanagement/api/v1/enduser/connections/roles",
    ),
];

/// The wrk targets of the raw rate (names as in [`altinn3_flow_requests`]) and the route each
/// stands for. The setup requests, E2 (once) and E3 (one in [`NEW_EVERY`] holders) are left
/// out of the raw mix: together they are well under 1 % of the minimum.
const RAW: &[(&str, &str)] = &[
    ("e5_packages", "E5"),
    ("e9_resources", "E9"),
    ("e15_roles", "E15"),
    ("e11_resource_check", "E11"),
    ("e6_add_package", "E6"),
    ("e12_add_rights", "E12"),
];

/// The world and the file of one benchmark size.
struct Setup {
    holders: usize,
    new_holders: usize,
    /// Right holders of the demo organisation before the apply (E2's listing).
    listed: usize,
    /// Resources held by those right holders, summed (one E10 each when read).
    resources_held: usize,
    org_uuid: String,
    /// A person of the file, for wrk after the clean apply (they hold everything by then).
    person_uuid: String,
}

/// Runs the apply benchmark with `holders` right holders.
pub(super) fn measure_apply(
    opts: &Options,
    altinn: &Path,
    mock_bin: &Path,
    loadgen: &Path,
    work: &Path,
) -> anyhow::Result<Value> {
    let holders = opts.apply_holders;
    let world_path = work.join("apply-world.json");
    let file = work.join("apply.toml");
    let setup = write_world_and_file(loadgen, work, holders, &world_path, &file)?;
    let minimum = minimum(&setup);
    let minimum_total: u64 = minimum.values().sum();
    println!(
        "apply: {holders} right holders x 3 accesses ({} not yet right holders), concurrency {}",
        setup.new_holders, opts.concurrency
    );

    // Without faults.
    let mock = MockProcess::start(mock_bin, &world_path, None)?;
    println!("mock server (apply, no faults): {}", mock.base);
    let journal = work.join("apply-clean.journal");
    let (wall, code, report) = run_apply(opts, altinn, &mock, &file, &journal, work, "clean")?;
    ensure!(
        code == 0,
        "altinn apply without faults exited {code}: {}",
        compact(&report)
    );
    let requests = counters(&mock)?;
    let plan_exit = run_plan(opts, altinn, &mock, &file)?;
    ensure!(
        plan_exit == 0,
        "altinn plan after the apply exited {plan_exit}: the apply did not converge"
    );
    let mut clean = run_figures(wall, &[code], &report, &requests, &minimum);
    clean["plan_exit_after"] = json!(plan_exit);

    // The raw rate of the same endpoints on the same mock (the world now as the apply left
    // it), with the same concurrency: the writes find their work done, as Altinn answers a
    // repeated grant, so wrk does not change the world.
    let token = system_user_token(altinn, &mock.base)?;
    let bearer = format!("Bearer {token}");
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Accept", "application/json"),
    ];
    let requests_wrk: Vec<_> =
        altinn3_flow_requests(&mock, &headers, &setup.org_uuid, &setup.person_uuid)?
            .into_iter()
            .filter(|r| RAW.iter().any(|(name, _)| *name == r.name))
            .collect();
    let targets = wrk_requests(&mock, work, "apply", &requests_wrk, &headers)?;
    let raw = run_raw(opts, &targets)?;
    drop(mock);
    // Harmonic, weighed by the minimum: the time per request adds up.
    let (mut weight, mut time) = (0.0, 0.0);
    for (name, route) in RAW {
        let rps = raw[*name]["requests_per_sec"].as_f64().unwrap_or(0.0);
        let count = minimum.get(*route).copied().unwrap_or(0) as f64;
        if rps > 0.0 && count > 0.0 {
            weight += count;
            time += count / rps;
        }
    }
    let mix = if time > 0.0 { weight / time } else { 0.0 };
    let ideal_secs = if mix > 0.0 {
        minimum_total as f64 / mix
    } else {
        0.0
    };
    let ratio = if ideal_secs > 0.0 {
        wall / ideal_secs
    } else {
        0.0
    };

    // The same on a journal in memory (tmpfs), where the machine has one: the journal is
    // synced to disk before each request, so this tells the client's own time from the disk's.
    let tmpfs = Path::new("/dev/shm");
    let in_memory = if tmpfs.is_dir() {
        let mock = MockProcess::start(mock_bin, &world_path, None)?;
        let journal = tmpfs.join(format!("tilgang-bench-{}.journal", std::process::id()));
        let result = run_apply(opts, altinn, &mock, &file, &journal, work, "tmpfs");
        let _ = std::fs::remove_file(&journal);
        let (wall, code, report) = result?;
        ensure!(
            code == 0,
            "altinn apply with the journal on tmpfs exited {code}: {}",
            compact(&report)
        );
        json!({
            "journal": "/dev/shm",
            "wall_secs": round3(wall),
            "apply_vs_raw": round3(if ideal_secs > 0.0 { wall / ideal_secs } else { 0.0 }),
        })
    } else {
        Value::Null
    };

    // With 20 % faults on every route.
    let mock = MockProcess::start(mock_bin, &world_path, None)?;
    println!("mock server (apply, 20 % faults): {}", mock.base);
    set_faults(&mock)?;
    let journal = work.join("apply-faults.journal");
    let mut codes = Vec::new();
    let mut wall_faults = 0.0;
    let mut last_report = Value::Null;
    while codes.last() != Some(&0) && codes.len() < MAX_RUNS {
        let tag = format!("faults-{}", codes.len() + 1);
        let (wall, code, report) = run_apply(opts, altinn, &mock, &file, &journal, work, &tag)?;
        println!(
            "  run {}: exit {code}, {wall:.2} s, {}",
            codes.len() + 1,
            compact(&report)
        );
        wall_faults += wall;
        codes.push(code);
        last_report = report;
    }
    let requests = counters(&mock)?;
    let (status, _) = http_request(&mock.base, "DELETE", "/_mock/faults", &[], b"")?;
    ensure!(
        (200..300).contains(&status),
        "DELETE /_mock/faults answered {status}"
    );
    // A figure, not a failure of the bench: a run that does not converge is what the
    // report must show.
    let plan_exit_faults = run_plan(opts, altinn, &mock, &file)?;
    drop(mock);
    let mut faults = run_figures(wall_faults, &codes, &last_report, &requests, &minimum);
    faults["plan_exit_after"] = json!(plan_exit_faults);

    let mut raw_out = serde_json::Map::new();
    for (name, route) in RAW {
        let mut r = raw[*name].clone();
        r["route"] = json!(route);
        r["minimum_count"] = json!(minimum.get(*route).copied().unwrap_or(0));
        raw_out.insert((*name).to_owned(), r);
    }
    Ok(json!({
        "holders": setup.holders,
        "accesses_per_holder": 3,
        "accesses": {
            "packages": PACKAGES,
            "resource": RESOURCE,
            "action": RESOURCE_ACTION,
        },
        "new_right_holders": setup.new_holders,
        "listed_right_holders": setup.listed,
        "concurrency": opts.concurrency,
        "minimum": {
            "total": minimum_total,
            "by_route": minimum,
        },
        "no_faults": clean,
        "faults_20": {
            "seed": FAULT_SEED,
            "share": 0.2,
            "run": faults,
        },
        "raw": Value::Object(raw_out),
        "raw_mix_requests_per_sec": mix.round(),
        "ideal_secs": round3(ideal_secs),
        "apply_vs_raw": round3(ratio),
        "target": 1.5,
        "no_faults_journal_in_memory": in_memory,
    }))
}

/// The fixtures world with the links of every [`NEW_EVERY`]th person taken out, and the
/// desired-state file for all N persons.
fn write_world_and_file(
    loadgen: &Path,
    work: &Path,
    holders: usize,
    world_path: &Path,
    file: &Path,
) -> anyhow::Result<Setup> {
    let fixtures = work.join("apply-fixtures.json");
    let status = Command::new(loadgen)
        .args(["fixtures", "--persons", &holders.to_string(), "--out"])
        .arg(&fixtures)
        .stdout(Stdio::null())
        .status()
        .context("cannot run tilgang-loadgen fixtures")?;
    ensure!(
        status.success(),
        "tilgang-loadgen fixtures --persons {holders} failed ({status})"
    );
    let mut world: Value = serde_json::from_str(&std::fs::read_to_string(&fixtures)?)?;
    let org_uuid = world["altinn3"]["organisations"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["org"] == ORG))
        .and_then(|o| o["uuid"].as_str())
        .context("the fixtures have no Altinn 3 demo organisation")?
        .to_owned();
    // The generated persons are the last N of both person lists, in the same order.
    let tail = |list: &Value| -> anyhow::Result<Vec<Value>> {
        let list = list.as_array().context("the fixtures have no persons")?;
        ensure!(list.len() >= holders, "the fixtures have too few persons");
        Ok(list[list.len() - holders..].to_vec())
    };
    let persons = tail(&world["persons"])?;
    let persons3 = tail(&world["altinn3"]["persons"])?;
    let uuid = |p: &Value| p["uuid"].as_str().unwrap_or_default().to_owned();
    let new: BTreeSet<String> = persons3
        .iter()
        .step_by(NEW_EVERY)
        .map(uuid)
        .collect::<BTreeSet<_>>();
    let assignments = world["altinn3"]["assignments"]
        .as_array_mut()
        .context("the fixtures have no Altinn 3 assignments")?;
    assignments.retain(|a| !new.contains(a["to"].as_str().unwrap_or_default()));
    let mut listed = BTreeSet::new();
    let mut resources_held = 0;
    for a in assignments
        .iter()
        .filter(|a| a["from"] == org_uuid.as_str())
    {
        listed.insert(a["to"].as_str().unwrap_or_default().to_owned());
        resources_held += a["resources"].as_array().map_or(0, Vec::len);
    }
    std::fs::write(world_path, serde_json::to_string(&world)?)?;

    let mut toml = format!("[[org]]\nnumber = \"{ORG}\"\n");
    for p in &persons {
        let fnr = p["ssn"].as_str().context("a person without ssn")?;
        let last_name = p["last_name"]
            .as_str()
            .context("a person without last name")?;
        let _ = write!(
            toml,
            "\n[[org.holder]]\nfnr = \"{fnr}\"\nlast_name = \"{last_name}\"\n\
             packages = [\"{}\", \"{}\"]\n\
             resources = [{{ id = \"{RESOURCE}\", actions = [\"{RESOURCE_ACTION}\"] }}]\n",
            PACKAGES[0], PACKAGES[1]
        );
    }
    std::fs::write(file, toml)?;
    // A person that is a right holder from the start, for wrk.
    let person_uuid = persons3
        .iter()
        .map(uuid)
        .find(|u| !new.contains(u))
        .context("every person is new")?;
    Ok(Setup {
        holders,
        new_holders: new.len(),
        listed: listed.len(),
        resources_held,
        org_uuid,
        person_uuid,
    })
}

/// The least the apply needs, by route, with the CLI as it is designed (a plan from a fresh
/// read, then the changes), for one organisation:
///
/// - once per run: Maskinporten discovery, one Maskinporten token, one exchange, and E1 (the
///   organisation's party UUID);
/// - E2 once (the organisation's right holders);
/// - E5, E9 and E15 once per right holder in that listing (the plan shows what each holds,
///   also those not in the file), and E10 once per resource one of them holds;
/// - E3 once per person not yet a right holder (added, they hold nothing: no read);
/// - E6 once per package per holder (2);
/// - E11 once per resource (its answer depends on the organisation and the resource only);
/// - E12 once per holder (one request carries the keys of every action on the resource).
fn minimum(s: &Setup) -> BTreeMap<&'static str, u64> {
    let n = s.holders as u64;
    let listed = s.listed as u64;
    BTreeMap::from([
        ("discovery", 1),
        ("token", 1),
        ("exchange", 1),
        ("E1", 1),
        ("E2", 1),
        ("E3", s.new_holders as u64),
        ("E5", listed),
        ("E9", listed),
        ("E15", listed),
        ("E10", s.resources_held as u64),
        ("E6", PACKAGES.len() as u64 * n),
        ("E11", 1),
        ("E12", n),
    ])
}

/// Runs `altinn apply -f FILE --yes -o json`, timed; the exit code and the JSON report.
fn run_apply(
    opts: &Options,
    altinn: &Path,
    mock: &MockProcess,
    file: &Path,
    journal: &Path,
    work: &Path,
    tag: &str,
) -> anyhow::Result<(f64, i32, Value)> {
    let log = work.join(format!("apply-{tag}.log"));
    println!(
        "apply: altinn apply -f {} --yes -o json --concurrency {} --journal {}",
        file.display(),
        opts.concurrency,
        journal.display()
    );
    let started = Instant::now();
    let output = altinn_local(altinn, &mock.base)
        .args(["apply", "--yes", "-o", "json", "-f"])
        .arg(file)
        .args(["--concurrency", &opts.concurrency.to_string(), "--journal"])
        .arg(journal)
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .output()
        .context("cannot run altinn apply")?;
    let wall = started.elapsed().as_secs_f64();
    let code = output.status.code().unwrap_or(-1);
    let report: Value = match serde_json::from_slice(&output.stdout) {
        Ok(report) => report,
        Err(_) => {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            json!({"error": tail.into_iter().rev().collect::<Vec<_>>().join("\n")})
        }
    };
    Ok((wall, code, report))
}

/// `altinn plan -f FILE`: its exit code (0 no changes, 5 changes pending).
fn run_plan(opts: &Options, altinn: &Path, mock: &MockProcess, file: &Path) -> anyhow::Result<i32> {
    println!("check: altinn plan -f {}", file.display());
    let status = altinn_local(altinn, &mock.base)
        .args(["plan", "-f"])
        .arg(file)
        .args(["--concurrency", &opts.concurrency.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .context("cannot run altinn plan")?;
    Ok(status.code().unwrap_or(-1))
}

/// The `altinn` binary with the environment of the local mock and the demo system user.
fn altinn_local(altinn: &Path, base: &str) -> Command {
    let root = crate::workspace_root();
    let mut cmd = Command::new(altinn);
    cmd.env("ALTINN_ENV", "local")
        .env("MASKINPORTEN_URL", format!("{base}/"))
        .env("ALTINN_PLATFORM_URL", base)
        .env("MASKINPORTEN_SCOPE", ALTINN3_SCOPES)
        .env(
            "MASKINPORTEN_KEY",
            root.join("mock-server/fixtures/keys/client.pkcs8.pem"),
        );
    cmd
}

/// 20 % of every request fails one way or another, as in the reliability suites: 5 % dropped
/// before the handler, 5 % 503 (500 on the writes, which the client must treat as perhaps
/// done), 5 % 429, 5 % carried out with the answer lost; `Retry-After: 0`.
fn set_faults(mock: &MockProcess) -> anyhow::Result<()> {
    let rule = |route: &str, status: u16| {
        json!({
            "route": route,
            "drop_rate": 0.05,
            "error_rate": 0.05,
            "error_status": status,
            "rate_limit_rate": 0.05,
            "lost_response_rate": 0.05,
            "retry_after_secs": 0,
        })
    };
    let mut rules: Vec<Value> = ["E3", "E6", "E12"]
        .iter()
        .map(|e| rule(route(e), 500))
        .collect();
    rules.push(rule("*", 503));
    let body = json!({"seed": FAULT_SEED, "rules": rules}).to_string();
    let (status, answer) = http_request(
        &mock.base,
        "PUT",
        "/_mock/faults",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )?;
    ensure!(
        (200..300).contains(&status),
        "PUT /_mock/faults answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    Ok(())
}

/// The mock's route key of a name in [`ROUTES`].
fn route(name: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| *r)
        .expect("a known route name")
}

/// The mock's route counters.
fn counters(mock: &MockProcess) -> anyhow::Result<BTreeMap<String, u64>> {
    let (status, body) = mock.get_json("/_mock/counters")?;
    ensure!(status == 200, "GET /_mock/counters answered {status}");
    Ok(body
        .as_object()
        .context("the counters are not an object")?
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
        .collect())
}

/// Wall time, runs, and the requests sent by route against the minimum.
fn run_figures(
    wall: f64,
    codes: &[i32],
    report: &Value,
    counted: &BTreeMap<String, u64>,
    minimum: &BTreeMap<&'static str, u64>,
) -> Value {
    let mut by_route = serde_json::Map::new();
    let mut known = BTreeSet::new();
    for (name, key) in ROUTES {
        known.insert(*key);
        let sent = counted.get(*key).copied().unwrap_or(0);
        let least = minimum.get(name).copied().unwrap_or(0);
        if sent > 0 || least > 0 {
            by_route.insert((*name).to_owned(), json!({"sent": sent, "minimum": least}));
        }
    }
    for (key, sent) in counted {
        if !known.contains(key.as_str()) {
            by_route.insert(key.clone(), json!({"sent": sent, "minimum": 0}));
        }
    }
    let sent: u64 = counted.values().sum();
    let least: u64 = minimum.values().sum();
    json!({
        "wall_secs": round3(wall),
        "runs": codes.len(),
        "exit_codes": codes,
        "requests": sent,
        "minimum_requests": least,
        "requests_vs_minimum": round3(sent as f64 / least.max(1) as f64),
        "by_route": Value::Object(by_route),
        "last_report": {
            "done": report["done"],
            "already_in_effect": report["already_in_effect"],
            "failed": report["failed"],
            "requests": report["requests"],
            "rate_limit_pauses": report["rate_limit_pauses"],
        },
    })
}

/// A report without its list of changes, on one line.
fn compact(report: &Value) -> String {
    match report {
        Value::Object(map) => {
            let mut map = map.clone();
            map.remove("changes");
            map.remove("earlier");
            Value::Object(map).to_string()
        }
        other => other.to_string(),
    }
}

/// The apply section of the printed report.
pub(super) fn render(a: &Value) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let mut out = format!(
        "access as code, apply ({} right holders x 3 accesses: packages {} and {}, {} on {}; {} of them not yet right holders; concurrency {}):\n",
        a["holders"],
        PACKAGES[0],
        PACKAGES[1],
        RESOURCE_ACTION,
        RESOURCE,
        a["new_right_holders"],
        a["concurrency"],
    );
    let run = |out: &mut String, label: &str, r: &Value| {
        let _ = writeln!(
            out,
            "  {label}: {} run(s) (exit codes {}), wall {:.2} s, {} requests sent, minimum {} ({:.2}x); altinn plan afterwards: {}",
            r["runs"],
            r["exit_codes"],
            f(&r["wall_secs"]),
            r["requests"],
            r["minimum_requests"],
            f(&r["requests_vs_minimum"]),
            match r["plan_exit_after"].as_i64() {
                Some(0) => "no changes (exit 0)".to_owned(),
                Some(5) => "CHANGES PENDING (exit 5): not converged".to_owned(),
                other => format!("failed (exit {})", other.unwrap_or(-1)),
            },
        );
        let mut line = String::from("    sent/minimum by route:");
        if let Some(routes) = r["by_route"].as_object() {
            for (name, v) in routes {
                let _ = write!(line, " {name} {}/{}", v["sent"], v["minimum"]);
            }
        }
        out.push_str(&line);
        out.push('\n');
    };
    run(
        &mut out,
        "0 % faults (journal in the work dir, synced to disk)",
        &a["no_faults"],
    );
    let mut line = String::from("  raw (wrk, same mock and concurrency):");
    if let Some(raw) = a["raw"].as_object() {
        for (_, v) in raw {
            let _ = write!(
                line,
                " {} {:.0}/s",
                v["route"].as_str().unwrap_or("?"),
                f(&v["requests_per_sec"])
            );
        }
    }
    out.push_str(&line);
    out.push('\n');
    let _ = writeln!(
        out,
        "  apply time / (minimum requests / raw mix): {:.2} s / ({} / {:.0} requests/s = {:.2} s) = {:.3}; target <= 1.5",
        f(&a["no_faults"]["wall_secs"]),
        a["minimum"]["total"],
        f(&a["raw_mix_requests_per_sec"]),
        f(&a["ideal_secs"]),
        f(&a["apply_vs_raw"]),
    );
    let mem = &a["no_faults_journal_in_memory"];
    if !mem.is_null() {
        let _ = writeln!(
            out,
            "  the same with the journal on tmpfs ({}; no disk sync): wall {:.2} s, ratio {:.3}",
            mem["journal"].as_str().unwrap_or("?"),
            f(&mem["wall_secs"]),
            f(&mem["apply_vs_raw"]),
        );
    }
    run(
        &mut out,
        &format!("20 % faults (seed {})", a["faults_20"]["seed"]),
        &a["faults_20"]["run"],
    );
    out
}
