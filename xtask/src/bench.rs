//! `cargo xtask bench`: the end-to-end load benchmark and the CLI's start-up and memory.
//!
//! 1. Builds the release binaries (`altinn`, `tilgang-mock`, `tilgang-loadgen`).
//! 2. Writes a fixtures world with one synthetic person per flow (plus one for the warm-up)
//!    and starts the mock server binary on a free port with it. No `--state` file: persisting
//!    the whole world after every change would measure the disk, not the HTTP path.
//! 3. Runs the load driver (`tilgang-loadgen run`): N person flows through the library API.
//! 4. Runs `wrk` (installed with apt-get when missing) against the same mock with the same
//!    concurrency: the GET of one right holder and the ReporteeConversion POST, with an Altinn
//!    token minted by the mock. The client's request rate is reported as a ratio of these.
//! 5. Runs `altinn apply` on a desired-state file of N right holders × 3 accesses against a
//!    fresh mock, without faults and with 20 % faults (`apply`).
//! 6. Times `altinn --help` (start-up) and measures the peak RSS of `altinn demo`.
//!
//! Prints a report and writes it as JSON (`target/bench/report.json` unless `--json`).

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context as _, ensure};
use serde_json::{Value, json};

mod apply;

use crate::{
    cargo,
    e2e::{MockProcess, exe, http_request, target_dir},
    workspace_root,
};

/// The demo world's credentials (public test material, see `tilgang_mock::demo`).
const API_KEY: &str = "demo-api-key";
const ENTERPRISE_USER: &str = "demo-admin";
const ORG: &str = "310000000";

/// What the task was asked to do.
#[derive(Debug)]
struct Options {
    flows: usize,
    concurrency: usize,
    wrk_secs: u64,
    startup_runs: usize,
    rounds: usize,
    apply_holders: usize,
    json: Option<PathBuf>,
    criterion: bool,
}

pub(crate) const HELP: &str = "\
  bench   release build; N person flows through the library API against the mock binary,
          wrk against the same endpoints, CLI start-up and demo RSS; a report and JSON
          --flows N (2000)  --concurrency C (32)  --wrk-secs S (5)  --startup-runs R (100)
          --rounds R (3: load and wrk alternate, medians are reported)  --json FILE (target/bench/report.json)  --criterion (also run the criterion benches)
          --apply-holders N (5000: `altinn apply` of N right holders x 3 accesses, at 0 % and 20 % faults)";

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut o = Options {
        flows: 2000,
        concurrency: 32,
        wrk_secs: 5,
        startup_runs: 100,
        rounds: 3,
        apply_holders: 5000,
        json: None,
        criterion: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--criterion" {
            o.criterion = true;
            continue;
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let n = || -> anyhow::Result<usize> {
            let n: usize = value
                .parse()
                .with_context(|| format!("{flag} {value:?} is not a number"))?;
            ensure!(n > 0, "{flag} must be at least 1");
            Ok(n)
        };
        match flag.as_str() {
            "--flows" => o.flows = n()?,
            "--concurrency" => o.concurrency = n()?,
            "--wrk-secs" => o.wrk_secs = n()? as u64,
            "--startup-runs" => o.startup_runs = n()?,
            "--rounds" => o.rounds = n()?,
            "--apply-holders" => o.apply_holders = n()?,
            "--json" => o.json = Some(PathBuf::from(value)),
            _ => anyhow::bail!("unknown option {flag:?}\n\nbench options:\n{HELP}"),
        }
    }
    Ok(o)
}

/// Runs the benchmark.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let opts = parse(args)?;
    let root = workspace_root();
    build(&root)?;
    let bin = target_dir(&root).join("release");
    let altinn = bin.join(exe("altinn"));
    let mock_bin = bin.join(exe("tilgang-mock"));
    let loadgen = bin.join(exe("tilgang-loadgen"));

    let work = std::env::temp_dir().join(format!("tilgang-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = measure(&opts, &altinn, &mock_bin, &loadgen, &work);
    let _ = std::fs::remove_dir_all(&work);
    let report = result?;

    println!("\n{}", render(&report));
    let json_path = opts
        .json
        .clone()
        .unwrap_or_else(|| target_dir(&root).join("bench").join("report.json"));
    if let Some(dir) = json_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    println!("\nJSON report: {}", json_path.display());

    if opts.criterion {
        for (package, bench) in [
            ("tilgang-domain", "hal"),
            ("tilgang-maskinporten", "grant"),
            ("tilgang-maskinporten", "cache"),
        ] {
            let status = Command::new(cargo())
                .current_dir(&root)
                .args(["bench", "-p", package, "--bench", bench, "--"])
                .args(["--warm-up-time", "1", "--measurement-time", "3"])
                .status()?;
            ensure!(
                status.success(),
                "cargo bench -p {package} --bench {bench} failed"
            );
        }
    }
    Ok(())
}

fn build(root: &Path) -> anyhow::Result<()> {
    let args = [
        "build",
        "--release",
        "-p",
        "tilgang-cli",
        "-p",
        "tilgang-mock",
        "-p",
        "tilgang-loadgen",
        "--bin",
        "altinn",
        "--bin",
        "tilgang-mock",
        "--bin",
        "tilgang-loadgen",
    ];
    println!("building: cargo {}", args.join(" "));
    let status = Command::new(cargo())
        .current_dir(root)
        .args(args)
        .status()
        .context("cannot run cargo build")?;
    ensure!(status.success(), "cargo build failed ({status})");
    Ok(())
}

/// Everything that needs the scratch directory; the mock process ends when this returns, on
/// every path (its `Drop` kills and reaps it).
fn measure(
    opts: &Options,
    altinn: &Path,
    mock_bin: &Path,
    loadgen: &Path,
    work: &Path,
) -> anyhow::Result<Value> {
    let fixtures = work.join("world.json");
    let status = Command::new(loadgen)
        .arg("fixtures")
        .args(["--persons", &(opts.flows + 1).to_string()])
        .arg("--out")
        .arg(&fixtures)
        .stdout(Stdio::null())
        .status()
        .context("cannot run tilgang-loadgen fixtures")?;
    ensure!(
        status.success(),
        "tilgang-loadgen fixtures failed ({status})"
    );

    let mock = MockProcess::start(mock_bin, &fixtures, None)?;
    println!(
        "mock server: {} (release, {} flows' persons)",
        mock.base,
        opts.flows + 1
    );

    // The library API under load, and the same server driven by wrk, alternating for a few
    // rounds so that a burst of other work on a shared machine hits one round, not one side;
    // the medians are reported.
    let raw_targets = prepare_raw(&mock, &fixtures, work)?;
    let mut loads: Vec<Value> = Vec::new();
    let mut raws: Vec<Value> = Vec::new();
    for round in 1..=opts.rounds {
        println!("round {round} of {}", opts.rounds);
        let load_json = work.join(format!("load-{round}.json"));
        println!(
            "load: tilgang-loadgen run --url {} --flows {} --concurrency {}",
            mock.base, opts.flows, opts.concurrency
        );
        let status = Command::new(loadgen)
            .args(["run", "--url", &mock.base])
            .args(["--flows", &opts.flows.to_string()])
            .args(["--concurrency", &opts.concurrency.to_string()])
            .arg("--json")
            .arg(&load_json)
            .status()
            .context("cannot run tilgang-loadgen")?;
        ensure!(status.success(), "the load run failed ({status})");
        loads.push(serde_json::from_str(&std::fs::read_to_string(&load_json)?)?);
        raws.push(run_raw(opts, &raw_targets)?);
    }
    drop(mock);
    let load = median_by(&loads, |l| l["requests_per_sec"].as_f64().unwrap_or(0.0));
    let mut raw = serde_json::Map::new();
    for (name, _, _) in &raw_targets {
        let rounds: Vec<Value> = raws.iter().map(|r| r[name.as_str()].clone()).collect();
        let mut chosen = median_by(&rounds, |r| r["requests_per_sec"].as_f64().unwrap_or(0.0));
        chosen["rounds_requests_per_sec"] = rounds
            .iter()
            .map(|r| r["requests_per_sec"].clone())
            .collect();
        raw.insert(name.clone(), chosen);
    }
    let raw = Value::Object(raw);
    let mut load = load;
    load["rounds_requests_per_sec"] = loads
        .iter()
        .map(|l| l["requests_per_sec"].clone())
        .collect();

    // The same on Altinn 3: the demo organisation's system user, a package and a resource
    // right per flow, against a fresh mock with the same world.
    let altinn3 = measure_altinn3(opts, altinn, mock_bin, loadgen, work, &fixtures)?;

    // Access as code: `altinn apply` of N right holders × 3 accesses, at 0 % and 20 % faults.
    let apply = apply::measure_apply(opts, altinn, mock_bin, loadgen, work)?;

    // 3. The CLI on its own.
    let startup = startup(altinn, opts.startup_runs)?;
    let demo = demo_rss(altinn)?;

    let client_rps = load["requests_per_sec"].as_f64().unwrap_or(0.0);
    let get_rps = raw["get_holder"]["requests_per_sec"]
        .as_f64()
        .unwrap_or(0.0);
    let post_rps = raw["reportee_conversion"]["requests_per_sec"]
        .as_f64()
        .unwrap_or(0.0);
    // A flow's requests are about 5/12 ReporteeConversion POSTs and 7/12 reads and writes of
    // delegations; weigh the two raw rates the same way (harmonic: time per request adds up).
    let conversion_share = 5.0 / 12.0;
    let mix_rps = 1.0 / (conversion_share / post_rps + (1.0 - conversion_share) / get_rps);
    let ratio = |raw: f64| if raw > 0.0 { client_rps / raw } else { 0.0 };
    Ok(json!({
        "machine": machine(),
        "options": {
            "flows": opts.flows,
            "concurrency": opts.concurrency,
            "wrk_secs": opts.wrk_secs,
            "startup_runs": opts.startup_runs,
            "rounds": opts.rounds,
            "apply_holders": opts.apply_holders,
        },
        "load": load,
        "raw": raw,
        "ratios": {
            "client_vs_get_holder": round3(ratio(get_rps)),
            "client_vs_reportee_conversion": round3(ratio(post_rps)),
            "raw_mix_requests_per_sec": mix_rps.round(),
            "client_vs_raw_mix": round3(ratio(mix_rps)),
            "target": 0.5,
        },
        "altinn3": altinn3,
        "apply": apply,
        "cli_startup": startup,
        "demo": demo,
    }))
}

/// The demo organisation (Altinn 3's party UUID is read from the fixtures).
const ALTINN3_SCOPES: &str = "altinn:accessmanagement/authorizedparties \
     altinn:accessmanagement/enduser:connections:toothers.read \
     altinn:accessmanagement/enduser:connections:toothers.write";

/// The requests one Altinn 3 flow needs at the least, by step, with the use cases as they are
/// (each grant and revoke reads what is held first; resolving is served by the listing, read
/// once): show 3 (E5, E9, E15), grant 5 (E5, E9, E15, E6, E12), show 4 (E5, E9, E15,
/// E10), revoke 7 (E5, E9, E15, E10, E7, E10, E14). The resource's delegation check (E11)
/// is asked once per resource while fresh, not once per flow, so it is not counted here.
const ALTINN3_MINIMUM_PER_FLOW: u64 = 3 + 5 + 4 + 7;

/// The endpoints of one Altinn 3 flow and how often a flow sends each (they add up to
/// [`ALTINN3_MINIMUM_PER_FLOW`]): the weights of the raw mix.
const ALTINN3_FLOW_MIX: &[(&str, u32)] = &[
    ("e5_packages", 4),
    ("e9_resources", 4),
    ("e15_roles", 4),
    ("e10_resource_rights", 3),
    ("e6_add_package", 1),
    ("e12_add_rights", 1),
    ("e7_remove_package", 1),
    ("e14_remove_resource", 1),
];

/// The requests of one Altinn 3 flow for the warm-up person, as wrk repeats them. The writes
/// are the flow's own (E6, E12, E7, E14); repeated, each finds its work already done, which
/// the mock answers as Altinn does (the same assignment, or 204) without changing the world.
fn altinn3_flow_requests<'a>(
    mock: &MockProcess,
    headers: &[(&str, &str)],
    org: &str,
    person: &str,
) -> anyhow::Result<Vec<Request<'a>>> {
    let base = "/accessmanagement/api/v1/enduser/connections";
    let pair = format!("party={org}&from={org}&to={person}");
    let package = "regnskap-okonomi-rapport";
    let resource = "ttd-hr-rapport";
    // The right key of `read` on the resource, as the client learns it from E11.
    let check = format!("{base}/resources/delegationcheck?party={org}&resource={resource}");
    let (status, answer) = http_request(&mock.base, "GET", &check, headers, b"")?;
    ensure!(status == 200, "E11 answered {status}");
    let answer: Value = serde_json::from_slice(&answer)?;
    let key = answer["rights"]
        .as_array()
        .and_then(|rights| {
            rights
                .iter()
                .find(|r| r["right"]["action"]["value"] == "read")
        })
        .and_then(|r| r["right"]["key"].as_str())
        .context("E11 offers no right key for read on the demo resource")?
        .to_owned();
    let write = |name, method, path: String, body: Option<String>| Request {
        name,
        method,
        path,
        body,
    };
    Ok(vec![
        Request::get("e5_packages", format!("{base}/accesspackages?{pair}")),
        Request::get("e9_resources", format!("{base}/resources?{pair}")),
        Request::get("e15_roles", format!("{base}/roles?{pair}")),
        Request::get(
            "e10_resource_rights",
            format!("{base}/resources/rights?{pair}&resource={resource}"),
        ),
        Request::get("e11_resource_check", check.clone()),
        write(
            "e6_add_package",
            "POST",
            format!("{base}/accesspackages?party={org}&to={person}&package={package}"),
            None,
        ),
        write(
            "e12_add_rights",
            "POST",
            format!("{base}/resources/rights?party={org}&to={person}&resource={resource}"),
            Some(format!("{{\"directRightKeys\":[\"{key}\"]}}")),
        ),
        write(
            "e7_remove_package",
            "DELETE",
            format!("{base}/accesspackages?{pair}&package={package}"),
            None,
        ),
        write(
            "e14_remove_resource",
            "DELETE",
            format!("{base}/resources?{pair}&resource={resource}"),
            None,
        ),
    ])
}

/// The Altinn 3 load: the library's flows next to wrk on the reads they are made of, and the
/// right-holder listing (E2) of an organisation with about 50 right holders.
fn measure_altinn3(
    opts: &Options,
    altinn: &Path,
    mock_bin: &Path,
    loadgen: &Path,
    work: &Path,
    fixtures: &Path,
) -> anyhow::Result<Value> {
    let world: Value = serde_json::from_str(&std::fs::read_to_string(fixtures)?)?;
    let org_uuid = world["altinn3"]["organisations"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["org"] == ORG))
        .and_then(|o| o["uuid"].as_str())
        .context("the fixtures have no Altinn 3 demo organisation")?
        .to_owned();
    let person_uuid = world["altinn3"]["persons"]
        .as_array()
        .and_then(|p| p.last())
        .and_then(|p| p["uuid"].as_str())
        .context("the fixtures have no Altinn 3 persons")?
        .to_owned();

    let mock = MockProcess::start(mock_bin, fixtures, None)?;
    println!("mock server (Altinn 3): {}", mock.base);
    let token = system_user_token(altinn, &mock.base)?;
    let bearer = format!("Bearer {token}");
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Accept", "application/json"),
    ];
    let base = "/accessmanagement/api/v1/enduser/connections";
    let requests = altinn3_flow_requests(&mock, &headers, &org_uuid, &person_uuid)?;
    let targets = wrk_requests(&mock, work, "a3", &requests, &headers)?;

    let mut loads = Vec::new();
    let mut raws = Vec::new();
    for round in 1..=opts.rounds {
        let load_json = work.join(format!("load3-{round}.json"));
        println!(
            "load: tilgang-loadgen run --url {} --platform altinn3 --flows {} --concurrency {}",
            mock.base, opts.flows, opts.concurrency
        );
        let status = Command::new(loadgen)
            .args(["run", "--url", &mock.base, "--platform", "altinn3"])
            .args(["--flows", &opts.flows.to_string()])
            .args(["--concurrency", &opts.concurrency.to_string()])
            .arg("--json")
            .arg(&load_json)
            .status()
            .context("cannot run tilgang-loadgen")?;
        ensure!(status.success(), "the Altinn 3 load run failed ({status})");
        loads.push(serde_json::from_str::<Value>(&std::fs::read_to_string(
            &load_json,
        )?)?);
        raws.push(run_raw(opts, &targets)?);
    }
    drop(mock);
    let mut load = median_by(&loads, |l| l["requests_per_sec"].as_f64().unwrap_or(0.0));
    load["rounds_requests_per_sec"] = loads
        .iter()
        .map(|l| l["requests_per_sec"].clone())
        .collect();
    let mut raw = serde_json::Map::new();
    for (name, _, _) in &targets {
        let rounds: Vec<Value> = raws.iter().map(|r| r[name.as_str()].clone()).collect();
        let mut chosen = median_by(&rounds, |r| r["requests_per_sec"].as_f64().unwrap_or(0.0));
        chosen["rounds_requests_per_sec"] = rounds
            .iter()
            .map(|r| r["requests_per_sec"].clone())
            .collect();
        raw.insert(name.clone(), chosen);
    }

    // E2 for an organisation with about 50 right holders: a small world of its own.
    let small = work.join("world-50.json");
    let status = Command::new(loadgen)
        .args(["fixtures", "--persons", "50", "--out"])
        .arg(&small)
        .stdout(Stdio::null())
        .status()?;
    ensure!(
        status.success(),
        "tilgang-loadgen fixtures --persons 50 failed"
    );
    let small_world: Value = serde_json::from_str(&std::fs::read_to_string(&small)?)?;
    let holders = small_world["altinn3"]["assignments"]
        .as_array()
        .map(|a| a.iter().filter(|l| l["from"] == org_uuid.as_str()).count())
        .unwrap_or(0);
    let mock = MockProcess::start(mock_bin, &small, None)?;
    let token = system_user_token(altinn, &mock.base)?;
    let bearer = format!("Bearer {token}");
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Accept", "application/json"),
    ];
    let e2 = format!("{base}?party={org_uuid}&from={org_uuid}");
    let e2_targets = wrk_targets(&mock, work, "e2", &[("e2_connections", &e2)], &headers)?;
    let e2_raw = run_raw(opts, &e2_targets)?;
    drop(mock);

    let client = load["requests_per_sec"].as_f64().unwrap_or(0.0);
    let reads = |key: &str| raw[key]["requests_per_sec"].as_f64().unwrap_or(0.0);
    // The raw mix is the flow's own: each endpoint weighed by how often a flow sends it
    // (harmonic, since the time per request adds up). The reads-only mix of E5 and E15 is
    // kept beside it for comparison with earlier reports.
    let (mut weight, mut time) = (0.0, 0.0);
    for (name, count) in ALTINN3_FLOW_MIX {
        let rps = reads(name);
        if rps > 0.0 {
            weight += f64::from(*count);
            time += f64::from(*count) / rps;
        }
    }
    let mix = if time > 0.0 { weight / time } else { 0.0 };
    let reads_mix = 2.0 / (1.0 / reads("e5_packages") + 1.0 / reads("e15_roles"));
    let flows = load["flows"].as_u64().unwrap_or(1).max(1);
    Ok(json!({
        "load": load,
        "raw": Value::Object(raw),
        "e2_connections": {
            "right_holders": holders,
            "wrk": e2_raw["e2_connections"],
            "target_requests_per_sec": 20000,
        },
        "requests": {
            "minimum_per_flow": ALTINN3_MINIMUM_PER_FLOW,
            "measured_per_flow": load["requests"].as_u64().unwrap_or(0) as f64 / flows as f64,
        },
        "ratios": {
            "raw_mix_requests_per_sec": mix.round(),
            "client_vs_raw_mix": round3(if mix > 0.0 { client / mix } else { 0.0 }),
            "raw_reads_mix_requests_per_sec": reads_mix.round(),
            "client_vs_raw_reads_mix": round3(if reads_mix > 0.0 { client / reads_mix } else { 0.0 }),
            "target": 0.8,
        },
    }))
}

/// A system-user Altinn token from the mock, the way a user gets one: `altinn exchange
/// --show-token` with the demo organisation's system user.
fn system_user_token(altinn: &Path, base: &str) -> anyhow::Result<String> {
    let root = crate::workspace_root();
    let output = Command::new(altinn)
        .args(["exchange", "--show-token", "-o", "json"])
        .env("ALTINN_ENV", "local")
        .env("MASKINPORTEN_URL", format!("{base}/"))
        .env("ALTINN_PLATFORM_URL", base)
        .env("MASKINPORTEN_SCOPE", ALTINN3_SCOPES)
        .env(
            "MASKINPORTEN_KEY",
            root.join("mock-server/fixtures/keys/client.pkcs8.pem"),
        )
        .stdin(Stdio::null())
        .output()
        .context("cannot run altinn exchange")?;
    ensure!(
        output.status.success(),
        "altinn exchange failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: Value = serde_json::from_slice(&output.stdout)?;
    v["token"]
        .as_str()
        .map(str::to_owned)
        .context("altinn exchange printed no token")
}

/// One request for wrk: a name, the method, the path with its query, and a body.
struct Request<'a> {
    name: &'a str,
    method: &'a str,
    path: String,
    body: Option<String>,
}

impl<'a> Request<'a> {
    fn get(name: &'a str, path: String) -> Self {
        Request {
            name,
            method: "GET",
            path,
            body: None,
        }
    }
}

/// wrk scripts for GETs with `headers`, each checked once by hand so wrk measures answers.
fn wrk_targets(
    mock: &MockProcess,
    work: &Path,
    prefix: &str,
    paths: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> anyhow::Result<RawTargets> {
    let requests: Vec<Request> = paths
        .iter()
        .map(|(name, path)| Request::get(name, (*path).to_owned()))
        .collect();
    wrk_requests(mock, work, prefix, &requests, headers)
}

/// wrk scripts for any requests with `headers`, each sent once by hand first and required to
/// succeed (2xx), so wrk measures answers rather than refusals.
fn wrk_requests(
    mock: &MockProcess,
    work: &Path,
    prefix: &str,
    requests: &[Request],
    headers: &[(&str, &str)],
) -> anyhow::Result<RawTargets> {
    let mut targets = Vec::new();
    for r in requests {
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if r.body.is_some() {
            all.push(("Content-Type", "application/json"));
        }
        let body = r.body.as_deref().unwrap_or_default();
        let (status, answer) = http_request(&mock.base, r.method, &r.path, &all, body.as_bytes())?;
        ensure!(
            (200..300).contains(&status),
            "{} {} answered {status}: {}",
            r.method,
            r.path,
            String::from_utf8_lossy(&answer)
        );
        let mut lua = format!("wrk.method = \"{}\"\n", r.method);
        for (k, v) in &all {
            lua.push_str(&format!("wrk.headers[\"{k}\"] = \"{v}\"\n"));
        }
        if let Some(body) = &r.body {
            lua.push_str(&format!("wrk.body = '{body}'\n"));
        }
        let script = work.join(format!("{prefix}-{}.lua", r.name));
        std::fs::write(&script, lua)?;
        targets.push((
            r.name.to_owned(),
            format!("{}{}", mock.base, r.path),
            script,
        ));
    }
    Ok(targets)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Installs wrk with apt-get when it is missing (the bench runs as root in CI containers).
fn ensure_wrk() -> anyhow::Result<()> {
    let have = |cmd: &str| {
        Command::new(cmd)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if have("wrk") {
        return Ok(());
    }
    println!("wrk is missing; installing it: apt-get install -y wrk");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "wrk"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").arg("update").status();
        ensure!(
            install(),
            "cannot install wrk (apt-get install -y wrk failed); install wrk and run again"
        );
    }
    Ok(())
}

/// The element whose `key` is the median (the upper one for an even count).
fn median_by(items: &[Value], key: impl Fn(&Value) -> f64) -> Value {
    let mut sorted: Vec<&Value> = items.iter().collect();
    sorted.sort_by(|a, b| key(a).total_cmp(&key(b)));
    sorted
        .get(sorted.len() / 2)
        .map_or(Value::Null, |v| (*v).clone())
}

/// The wrk targets: (name, URL, Lua script).
type RawTargets = Vec<(String, String, PathBuf)>;

/// Mints an Altinn token through the mock and writes wrk scripts for the cached GET of one
/// right holder and the ReporteeConversion POST, each checked once by hand.
fn prepare_raw(mock: &MockProcess, fixtures: &Path, work: &Path) -> anyhow::Result<RawTargets> {
    ensure_wrk()?;
    // The warm-up person of the load run: a right holder that holds nothing now, like the
    // persons of the measured flows before their grant.
    let world: Value = serde_json::from_str(&std::fs::read_to_string(fixtures)?)?;
    let person = world["persons"]
        .as_array()
        .and_then(|p| p.last())
        .context("the fixtures have no persons")?;
    let ssn = person["ssn"].as_str().context("person without ssn")?;
    let last_name = person["last_name"]
        .as_str()
        .context("person without name")?;
    let party_id = person["party_id"]
        .as_u64()
        .context("person without party id")?;

    let expires = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() + 3600;
    let mint = json!({
        "user": ENTERPRISE_USER, "org": ORG, "scopes": ["altinn:enduser"], "expires_at": expires,
    })
    .to_string();
    let (status, token) = http_request(
        &mock.base,
        "POST",
        "/_mock/altinn-token",
        &[("Content-Type", "application/json")],
        mint.as_bytes(),
    )?;
    ensure!(status == 200, "minting an Altinn token answered {status}");
    let token = String::from_utf8(token)?.trim().to_owned();
    let bearer = format!("Bearer {token}");

    let get_path = format!("/api/{ORG}/authorization/Delegations/r{party_id}?language=1044");
    let get_headers = [
        ("Authorization", bearer.as_str()),
        ("ApiKey", API_KEY),
        ("Accept", "application/hal+json"),
    ];
    let body = json!({"SocialSecurityNumber": ssn, "LastName": last_name}).to_string();
    let post_path = "/api/reportees/ReporteeConversion";
    let post_headers = [
        ("Authorization", bearer.as_str()),
        ("ApiKey", API_KEY),
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    // Each request is checked once by hand, so wrk measures answers, not errors.
    for (method, path, headers, body) in [
        ("GET", get_path.as_str(), &get_headers[..], &b""[..]),
        ("POST", post_path, &post_headers[..], body.as_bytes()),
    ] {
        let (status, answer) = http_request(&mock.base, method, path, headers, body)?;
        ensure!(
            status == 200,
            "{method} {path} answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
    }

    let lua = |method: &str, headers: &[(&str, &str)], body: &str| {
        let mut s = format!("wrk.method = \"{method}\"\n");
        if !body.is_empty() {
            s.push_str(&format!("wrk.body = [[{body}]]\n"));
        }
        for (k, v) in headers {
            s.push_str(&format!("wrk.headers[\"{k}\"] = \"{v}\"\n"));
        }
        s
    };
    let get_script = work.join("get.lua");
    std::fs::write(&get_script, lua("GET", &get_headers, ""))?;
    let post_script = work.join("post.lua");
    std::fs::write(&post_script, lua("POST", &post_headers, &body))?;

    Ok(vec![
        (
            "get_holder".into(),
            format!("{}{get_path}", mock.base),
            get_script,
        ),
        (
            "reportee_conversion".into(),
            format!("{}{post_path}", mock.base),
            post_script,
        ),
    ])
}

/// One wrk run per target, with the load's concurrency.
fn run_raw(opts: &Options, targets: &RawTargets) -> anyhow::Result<Value> {
    let mut out = serde_json::Map::new();
    for (name, url, script) in targets {
        let url = url.clone();
        let threads = opts.concurrency.min(2).to_string();
        let args = [
            "-t".to_owned(),
            threads,
            "-c".to_owned(),
            opts.concurrency.to_string(),
            "-d".to_owned(),
            format!("{}s", opts.wrk_secs),
            "--latency".to_owned(),
            "-s".to_owned(),
            script.display().to_string(),
            url,
        ];
        println!("raw: wrk {}", args.join(" "));
        let output = Command::new("wrk")
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .context("cannot run wrk")?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        ensure!(
            output.status.success(),
            "wrk failed ({}): {text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let parsed =
            parse_wrk(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))?;
        out.insert(name.clone(), parsed);
    }
    Ok(Value::Object(out))
}

/// Requests/s, p50/p99 and error counts from wrk's `--latency` output.
fn parse_wrk(text: &str) -> anyhow::Result<Value> {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
    };
    let rps: f64 = field("Requests/sec:").context("no Requests/sec")?.parse()?;
    let non_2xx: u64 = field("Non-2xx or 3xx responses:")
        .map(|v| v.parse().unwrap_or(u64::MAX))
        .unwrap_or(0);
    let socket_errors = field("Socket errors:").unwrap_or_default();
    let requests: u64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("no request count")?;
    let pct = |p: &str| -> Option<f64> { field(p).and_then(|v| duration_ms(&v)) };
    ensure!(
        non_2xx == 0,
        "wrk saw {non_2xx} answers that were not 2xx or 3xx"
    );
    Ok(json!({
        "requests": requests,
        "requests_per_sec": rps.round(),
        "p50_ms": pct("50%"),
        "p99_ms": pct("99%"),
        "socket_errors": socket_errors,
    }))
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.00s`.
fn duration_ms(v: &str) -> Option<f64> {
    let (num, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    num.trim().parse::<f64>().ok().map(|n| round3(n * factor))
}

/// `altinn --help`, `runs` times after five warm-up runs (page cache, dynamic loader).
fn startup(altinn: &Path, runs: usize) -> anyhow::Result<Value> {
    let once = || -> anyhow::Result<Duration> {
        let t = Instant::now();
        let status = Command::new(altinn)
            .arg("--help")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("cannot run altinn --help")?;
        let elapsed = t.elapsed();
        ensure!(status.success(), "altinn --help failed ({status})");
        Ok(elapsed)
    };
    for _ in 0..5 {
        once()?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(once()?);
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / runs as u32;
    let ms = |d: Duration| round3(d.as_secs_f64() * 1000.0);
    Ok(json!({
        "runs": runs,
        "mean_ms": ms(mean),
        "median_ms": ms(times[runs / 2]),
        "min_ms": ms(times[0]),
        "max_ms": ms(times[runs - 1]),
        "target_ms": 20,
    }))
}

/// The peak RSS of `altinn demo` (the whole demo: in-process mock server and all six steps),
/// from GNU time's `%M` (the kernel's `ru_maxrss` of the child), over three runs.
fn demo_rss(altinn: &Path) -> anyhow::Result<Value> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return Ok(json!({"error": "/usr/bin/time is missing (apt-get install -y time)"}));
    }
    let mut rss = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..3 {
        let output = Command::new(time)
            .args(["-f", "%M %e"])
            .arg(altinn)
            .arg("demo")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .context("cannot run /usr/bin/time altinn demo")?;
        let err = String::from_utf8_lossy(&output.stderr);
        ensure!(output.status.success(), "altinn demo failed: {err}");
        let last = err.lines().last().unwrap_or_default();
        let mut parts = last.split_whitespace();
        let kib: u64 = parts
            .next()
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("cannot read GNU time's output {last:?}"))?;
        let secs: f64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        rss.push(kib);
        wall.push(secs);
    }
    rss.sort_unstable();
    Ok(json!({
        "runs": 3,
        "peak_rss_kib_max": rss[2],
        "peak_rss_kib_median": rss[1],
        "peak_rss_mib_max": round3(rss[2] as f64 / 1024.0),
        "wall_secs": wall,
        "target_mib": 30,
    }))
}

/// Cores, memory, CPU model and rustc, for the record.
fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    });
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    json!({"cpu": model, "cores": cores, "memory_kib": mem_kib, "rustc": rustc})
}

fn render(r: &Value) -> String {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let load = &r["load"];
    let mut out = String::from("bench report\n============\n");
    let m = &r["machine"];
    out.push_str(&format!(
        "machine: {} cores, {:.1} GiB, {}, {}\n\n",
        m["cores"],
        f(&m["memory_kib"]) / 1024.0 / 1024.0,
        m["cpu"].as_str().unwrap_or("?"),
        m["rustc"].as_str().unwrap_or("?"),
    ));
    out.push_str(&format!(
        "end-to-end load ({} flows, concurrency {}; the median round):\n  flows/s {:.0}, requests/s {:.0} ({:.1} requests per flow), peak RSS {} KiB\n",
        load["flows"], load["concurrency"], f(&load["flows_per_sec"]), f(&load["requests_per_sec"]),
        f(&load["requests_per_flow"]), load["peak_rss_kib"]
    ));
    out.push_str("  latency (ms)        p50      p99\n");
    for op in [
        "reportee",
        "show",
        "grant",
        "show_after_grant",
        "revoke",
        "flow",
    ] {
        let l = &load["latency"][op];
        out.push_str(&format!(
            "    {op:<16} {:>7.2}  {:>7.2}\n",
            f(&l["p50_ms"]),
            f(&l["p99_ms"])
        ));
    }
    let t = &load["token_requests"];
    out.push_str(&format!(
        "  Maskinporten token requests: {} in the warm-up, {} while measuring; exchange requests: {} in the warm-up, {} while measuring\n  requests/s of each round: {}\n\n",
        t["maskinporten_token_warmup"], t["maskinporten_token_measured"], t["exchange_warmup"], t["exchange_measured"],
        load["rounds_requests_per_sec"]
    ));
    let raw = &r["raw"];
    let ratios = &r["ratios"];
    out.push_str("raw load (wrk, same concurrency):\n");
    for (name, key) in [
        ("GET one right holder", "get_holder"),
        ("ReporteeConversion POST", "reportee_conversion"),
    ] {
        out.push_str(&format!(
            "  {name:<24} {:>8.0} requests/s  p50 {:.2} ms  p99 {:.2} ms  (rounds: {})\n",
            f(&raw[key]["requests_per_sec"]),
            f(&raw[key]["p50_ms"]),
            f(&raw[key]["p99_ms"]),
            raw[key]["rounds_requests_per_sec"]
        ));
    }
    out.push_str(&format!(
        "  client / raw: {:.3} (GET), {:.3} (POST), {:.3} (flow mix, raw {:.0} requests/s); target ≥ 0.5\n\n",
        f(&ratios["client_vs_get_holder"]),
        f(&ratios["client_vs_reportee_conversion"]),
        f(&ratios["client_vs_raw_mix"]),
        f(&ratios["raw_mix_requests_per_sec"]),
    ));
    let s = &r["cli_startup"];
    out.push_str(&format!(
        "altinn --help ({} runs): mean {:.2} ms, median {:.2} ms, min {:.2} ms; target < 20 ms\n",
        s["runs"],
        f(&s["mean_ms"]),
        f(&s["median_ms"]),
        f(&s["min_ms"])
    ));
    let d = &r["demo"];
    out.push_str(&format!(
        "altinn demo peak RSS: {:.1} MiB (max of 3 runs); target < 30 MiB\n\n",
        f(&d["peak_rss_mib_max"])
    ));
    let a3 = &r["altinn3"];
    let l3 = &a3["load"];
    out.push_str(&format!(
        "Altinn 3 load ({} flows, concurrency {}; the median round):\n  flows/s {:.0}, requests/s {:.0} ({:.1} requests per flow; the least a flow needs: {}), rounds {}\n",
        l3["flows"], l3["concurrency"], f(&l3["flows_per_sec"]), f(&l3["requests_per_sec"]),
        f(&a3["requests"]["measured_per_flow"]), a3["requests"]["minimum_per_flow"],
        l3["rounds_requests_per_sec"]
    ));
    for (key, count) in ALTINN3_FLOW_MIX {
        out.push_str(&format!(
            "  raw {key:<22} x{count} {:>8.0} requests/s  p50 {:.2} ms  p99 {:.2} ms\n",
            f(&a3["raw"][key]["requests_per_sec"]),
            f(&a3["raw"][key]["p50_ms"]),
            f(&a3["raw"][key]["p99_ms"])
        ));
    }
    out.push_str(&format!(
        "  client / raw mix of the flow: {:.3} (raw mix {:.0} requests/s); target ≥ 0.8\n",
        f(&a3["ratios"]["client_vs_raw_mix"]),
        f(&a3["ratios"]["raw_mix_requests_per_sec"])
    ));
    out.push_str(&format!(
        "  client / raw reads only (E5, E15): {:.3} (raw {:.0} requests/s)\n",
        f(&a3["ratios"]["client_vs_raw_reads_mix"]),
        f(&a3["ratios"]["raw_reads_mix_requests_per_sec"])
    ));
    let e2 = &a3["e2_connections"];
    out.push_str(&format!(
        "  E2 right holders of an organisation with {} of them: {:.0} requests/s, p50 {:.2} ms; target ≥ 20000",
        e2["right_holders"], f(&e2["wrk"]["requests_per_sec"]), f(&e2["wrk"]["p50_ms"])
    ));
    out.push_str("\n\n");
    out.push_str(&apply::render(&r["apply"]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "\
Running 5s test @ http://127.0.0.1:1/api/reportees/ReporteeConversion
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.42ms    1.10ms  20.01ms   90.00%
  Latency Distribution
     50%    1.22ms
     75%    1.60ms
     90%    2.40ms
     99%  812.00us
  114393 requests in 5.01s, 30.00MB read
Requests/sec:  22817.41
Transfer/sec:      5.99MB
";

    #[test]
    fn wrk_output_is_read() {
        let v = parse_wrk(WRK).unwrap();
        assert_eq!(v["requests"], 114_393);
        assert_eq!(v["requests_per_sec"], 22_817.0);
        assert_eq!(v["p50_ms"], 1.22);
        assert_eq!(v["p99_ms"], 0.812);
        assert_eq!(duration_ms("2.00s"), Some(2000.0));
        assert_eq!(duration_ms("fast"), None);
    }

    #[test]
    fn wrk_errors_fail_the_run() {
        let with_errors = WRK.replace(
            "Requests/sec:",
            "  Non-2xx or 3xx responses: 7\nRequests/sec:",
        );
        assert!(parse_wrk(&with_errors).is_err());
    }

    #[test]
    fn the_median_round_is_chosen() {
        let rounds: Vec<Value> = [3.0, 1.0, 2.0]
            .iter()
            .map(|r| json!({"requests_per_sec": r}))
            .collect();
        let m = median_by(&rounds, |r| r["requests_per_sec"].as_f64().unwrap());
        assert_eq!(m["requests_per_sec"], 2.0);
    }
}
