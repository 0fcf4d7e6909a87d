//! `tilgang-loadgen`: an end-to-end load driver for the library API against the mock server.
//!
//! It embeds what a service embeds (the `tilgang` facade's `Stack`: `MaskinportenClient` →
//! `AltinnExchange` → `Altinn2Client` → `AccessManager`) and runs N person flows with a fixed concurrency against a running
//! `tilgang-mock` binary. One flow is: reportee conversion, show, grant two rights (4864:1 Read
//! and Write), show, revoke. Every flow uses its own synthetic person, so the mock's world must
//! contain them: `tilgang-loadgen fixtures` writes the demo world plus those persons, for
//! `tilgang-mock --fixtures`.
//!
//! A warm-up flow runs first (it fetches the Maskinporten token and the Altinn token and opens
//! connections); only what follows is measured. The report gives flows/s, requests/s (counted
//! by the mock), p50/p99 latency per operation, the Maskinporten and exchange requests made
//! (from the mock's counters), and this process's peak RSS (VmHWM), as text and as JSON.
//!
//! ```text
//! tilgang-loadgen fixtures --persons 2001 --out world.json
//! tilgang-mock --listen 127.0.0.1:0 --fixtures world.json
//! tilgang-loadgen run --url http://127.0.0.1:PORT --flows 2000 --concurrency 32 --json load.json
//! ```

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail, ensure};
use serde_json::{Value, json};
use tilgang::{
    AltinnSettings, Backend, MaskinportenSettings, Settings, Stack,
    access::{
        AccessManager, GrantStatus, RevokeStatus, package, person_query, resource_right,
        service_right,
    },
    domain::{
        Fnr, Grantable, OrgNumber, PartyQuery, PartyRef, ScopeSet,
        secret::{ApiKey, EnterpriseUserCredentials, Password},
    },
    maskinporten::{ClientKey, Environment, PrivateKey},
    ports::{SystemUserAuthorization, TokenRequest},
};

/// Which Altinn API the flows run over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    Altinn2,
    Altinn3,
}
use tilgang_mock::{World, demo, world::Person};

const HELP: &str = "\
usage:
  tilgang-loadgen fixtures --persons N --out FILE.json
      write the mock's demo world plus N synthetic persons (flows + 1 for the warm-up)
  tilgang-loadgen run --url URL [--platform altinn2|altinn3] [--flows N] [--concurrency C] [--json FILE]
      run N person flows (default 2000) with C in flight (default 32) against the mock
      server at URL, after one warm-up flow; print a report, and write it as JSON to FILE.
      altinn2 (default) grants two service rights; altinn3 a package and a resource right
      with the demo organisation's system user";

/// The last name every generated person has (the mock matches it case-insensitively).
const LAST_NAME: &str = "LASTPROVE";
/// Party ids of generated persons start here, far from the demo world's.
const FIRST_PARTY_ID: u64 = 70_000_000;
/// User ids of generated persons (Altinn 3's profile) start here.
const FIRST_USER_ID: u64 = 7_000_000;

/// The Altinn 3 party UUID of generated person `i`.
fn altinn3_uuid(i: usize) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x7a00_0000_0000_4000_8000_0000_0000_0000 | i as u128)
}

/// The id of generated person `i`'s right-holder link to the demo organisation.
fn altinn3_link(i: usize) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x7b00_0000_0000_4000_8000_0000_0000_0000 | i as u128)
}
/// The mock's counter keys for the token endpoints.
const TOKEN_ROUTE: &str = "POST /token";
const EXCHANGE_ROUTE: &str = "GET /authentication/api/v1/exchange/{provider}";
const WELL_KNOWN_ROUTE: &str = "GET /.well-known/oauth-authorization-server";

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => fixtures(&args[1..]),
        Some("run") => run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{HELP}");
            return std::process::ExitCode::SUCCESS;
        }
        Some(other) => Err(anyhow::format_err!("unknown command {other:?}\n\n{HELP}")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tilgang-loadgen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `--name VALUE` pairs; anything else is an error that names it.
fn options(args: &[String], known: &[&str]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut it = args.iter();
    while let Some(name) = it.next() {
        let key = name.trim_start_matches("--");
        ensure!(
            name.starts_with("--") && known.contains(&key),
            "unknown option {name:?}\n\n{HELP}"
        );
        let value = it.next().with_context(|| format!("{name} needs a value"))?;
        out.insert(key.to_owned(), value.clone());
    }
    Ok(out)
}

fn number(opts: &BTreeMap<String, String>, name: &str, default: usize) -> anyhow::Result<usize> {
    match opts.get(name) {
        Some(v) => {
            let n: usize = v
                .parse()
                .with_context(|| format!("--{name} {v:?} is not a number"))?;
            ensure!(n > 0, "--{name} must be at least 1");
            Ok(n)
        }
        None => Ok(default),
    }
}

// =============================================================================================
// Fixtures.

/// The `count` synthetic persons, the same on every call: fødselsnummer with month + 80 (the
/// synthetic test numbers of Tenor and the test environments), one birth date each, born in
/// 1900–1989 (the demo world uses 1990), and valid check digits.
fn persons(count: usize) -> Vec<Person> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let day = 1 + (i % 28) as u8;
        let month = 1 + (i / 28 % 12) as u8;
        let year = (i / (28 * 12) % 90) as u8;
        let ssn = (0..1000u16)
            .find_map(|individual| Fnr::synthetic(day, month, year, (individual + 500) % 1000))
            .map(|fnr| fnr.expose().to_owned())
            .expect("some individual number gives valid check digits");
        out.push(Person {
            ssn,
            first_name: format!("PERSON {}", i + 1),
            last_name: LAST_NAME.to_owned(),
            party_id: FIRST_PARTY_ID + i as u64,
        });
    }
    out
}

fn fixtures(args: &[String]) -> anyhow::Result<()> {
    let opts = options(args, &["persons", "out"])?;
    let count = number(&opts, "persons", 2001)?;
    ensure!(count <= 28 * 12 * 90, "at most {} persons", 28 * 12 * 90);
    let out = PathBuf::from(opts.get("out").context("--out FILE.json is required")?);
    let mut world = World::demo();
    let generated = persons(count);
    for p in &generated {
        ensure!(
            !world.persons.iter().any(|d| d.ssn == p.ssn),
            "a generated person collides with the demo world"
        );
    }
    // Each person is also an Altinn 3 right holder of the demo organisation (a link with
    // nothing on it), so the Altinn 3 flows find them without adding anyone.
    let org_uuid = demo::uuid(demo::ORG_UUID);
    for (i, p) in generated.iter().enumerate() {
        let uuid = altinn3_uuid(i);
        world
            .altinn3
            .persons
            .push(tilgang_mock::world::altinn3::Person3 {
                uuid,
                party_id: p.party_id,
                user_id: FIRST_USER_ID + i as u64,
                date_of_birth: None,
                date_of_death: None,
            });
        world
            .altinn3
            .assignments
            .push(tilgang_mock::world::altinn3::Assignment3 {
                id: altinn3_link(i),
                from: org_uuid,
                to: uuid,
                role: "rettighetshaver".into(),
                packages: Vec::new(),
                resources: Vec::new(),
            });
    }
    world.persons.extend(generated);
    world
        .check()
        .context("the generated world is inconsistent")?;
    std::fs::write(&out, world.to_json())
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {} ({count} generated persons)", out.display());
    Ok(())
}

// =============================================================================================
// The run.

/// The use cases, built the way a service builds them: through the facade.
struct Wired {
    access: AccessManager,
}

fn wire(base: &str, platform: Platform) -> anyhow::Result<Wired> {
    let base_url: url::Url = base.parse().context("--url is not a URL")?;
    let key = PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "the demo key")?;
    let key = ClientKey::registered(key, demo::KID)?;
    if platform == Platform::Altinn3 {
        // The demo organisation's system user, as a vendor's service embeds it.
        let mut request = TokenRequest::scopes(ScopeSet::parse(&demo::ALTINN3_SCOPES.join(" "))?);
        request.system_user = Some(SystemUserAuthorization {
            org: OrgNumber::parse(demo::ORG)?,
            external_ref: None,
        });
        let settings = Settings {
            maskinporten: MaskinportenSettings::new(
                Environment::Custom {
                    issuer: format!("{}/", base.trim_end_matches('/')),
                },
                demo::CLIENT_ID,
                key,
                request,
            ),
            altinn: Some(AltinnSettings {
                platform_url: base_url,
                enterprise_user: None,
                retry: None,
                backend: Some(Backend::Altinn3 { retry: None }),
                onboarding: None,
            }),
        };
        let stack = Stack::build(settings)?;
        return Ok(Wired {
            access: stack.access()?.clone(),
        });
    }
    let settings = Settings {
        maskinporten: MaskinportenSettings::new(
            Environment::Custom {
                issuer: format!("{}/", base.trim_end_matches('/')),
            },
            demo::CLIENT_ID,
            key,
            TokenRequest::scopes(ScopeSet::parse("altinn:enduser")?),
        ),
        altinn: Some(AltinnSettings {
            platform_url: base_url.clone(),
            enterprise_user: Some(EnterpriseUserCredentials {
                user_name: demo::ENTERPRISE_USER.to_owned(),
                password: Password::new(demo::ENTERPRISE_PASSWORD),
            }),
            retry: None,
            backend: Some(Backend::Altinn2 {
                api_url: base_url,
                api_key: ApiKey::new(demo::API_KEY),
                retry: None,
            }),
            onboarding: None,
        }),
    };
    let stack = Stack::build(settings)?;
    Ok(Wired {
        access: stack.access()?.clone(),
    })
}

/// The operations of a flow, in order.
const OPERATIONS: [&str; 5] = ["reportee", "show", "grant", "show_after_grant", "revoke"];

/// One flow: the five operations, each checked, each timed.
async fn flow(
    wired: &Wired,
    org: &PartyRef,
    query: &PartyQuery,
    rights: &[Grantable],
) -> anyhow::Result<[Duration; 5]> {
    let mut times = [Duration::ZERO; 5];
    let t = Instant::now();
    wired.access.resolve(org, query).await.context("reportee")?;
    times[0] = t.elapsed();

    let t = Instant::now();
    let before = wired.access.show(org, query).await.context("show")?;
    times[1] = t.elapsed();
    ensure!(
        before.accesses.is_empty(),
        "the person already holds rights"
    );

    let t = Instant::now();
    let granted = wired
        .access
        .grant(org, query, rights)
        .await
        .context("grant")?;
    times[2] = t.elapsed();
    ensure!(
        granted
            .accesses
            .iter()
            .all(|r| matches!(r.status, GrantStatus::Added)),
        "grant did not add both rights"
    );

    let t = Instant::now();
    let after = wired.access.show(org, query).await.context("show")?;
    times[3] = t.elapsed();
    ensure!(
        after.accesses.len() == 2,
        "show after grant: {} rights",
        after.accesses.len()
    );

    let t = Instant::now();
    let revoked = wired
        .access
        .revoke(org, query, rights)
        .await
        .context("revoke")?;
    times[4] = t.elapsed();
    ensure!(
        revoked
            .accesses
            .iter()
            .all(|r| matches!(r.status, RevokeStatus::Removed { .. })),
        "revoke did not remove both rights"
    );
    Ok(times)
}

/// The mock's route counters.
async fn counters(http: &reqwest::Client, base: &str) -> anyhow::Result<BTreeMap<String, u64>> {
    let url = format!("{}/_mock/counters", base.trim_end_matches('/'));
    let response = http
        .get(&url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    ensure!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    Ok(response.json().await?)
}

fn count(c: &BTreeMap<String, u64>, route: &str) -> u64 {
    c.get(route).copied().unwrap_or(0)
}

/// This process's peak resident set (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

fn run(args: &[String]) -> anyhow::Result<()> {
    let opts = options(
        args,
        &["url", "flows", "concurrency", "json", "threads", "platform"],
    )?;
    let platform = match opts.get("platform").map(String::as_str) {
        None | Some("altinn2") => Platform::Altinn2,
        Some("altinn3") => Platform::Altinn3,
        Some(other) => bail!("--platform {other:?}: use altinn2 or altinn3"),
    };
    let base = opts
        .get("url")
        .context("--url http://HOST:PORT (the mock server) is required")?
        .trim_end_matches('/')
        .to_owned();
    let flows = number(&opts, "flows", 2000)?;
    let concurrency = number(&opts, "concurrency", 32)?;
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = opts.get("threads") {
        runtime.worker_threads(threads.parse().context("--threads is not a number")?);
    }
    let runtime = runtime.enable_all().build()?;
    let report = runtime.block_on(drive(&base, flows, concurrency, platform))?;
    println!("{}", render(&report));
    if let Some(path) = opts.get("json") {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {path}"))?;
    }
    let errors = report["errors"].as_u64().unwrap_or(0);
    ensure!(errors == 0, "{errors} flows failed");
    Ok(())
}

async fn drive(
    base: &str,
    flows: usize,
    concurrency: usize,
    platform: Platform,
) -> anyhow::Result<Value> {
    let wired = Arc::new(wire(base, platform)?);
    let org = PartyRef::parse(demo::ORG)?;
    let rights = match platform {
        Platform::Altinn2 => vec![
            service_right(
                demo::SERVICE_CODE,
                &demo::SERVICE_EDITION.to_string(),
                "Read",
            )?,
            service_right(
                demo::SERVICE_CODE,
                &demo::SERVICE_EDITION.to_string(),
                "Write",
            )?,
        ],
        // A package and a resource right, as the Altinn 3 demo gives them.
        Platform::Altinn3 => vec![
            package(demo::PACKAGE_REGNSKAP)?,
            resource_right(demo::RESOURCE_ID, "read")?,
        ],
    };
    // The warm-up person is the one after the measured ones (the fixtures have flows + 1).
    let queries: Vec<PartyQuery> = persons(flows + 1)
        .iter()
        .map(|p| person_query(&p.ssn, &p.last_name))
        .collect::<Result<_, _>>()?;
    let inspect = reqwest::Client::new();

    let start = counters(&inspect, base).await?;
    flow(&wired, &org, &queries[flows], &rights)
        .await
        .context("the warm-up flow failed (were the fixtures written with --persons FLOWS+1?)")?;
    let warm = counters(&inspect, base).await?;

    let next = Arc::new(AtomicUsize::new(0));
    let queries = Arc::new(queries);
    let rights = Arc::new(rights);
    let began = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.min(flows) {
        let (wired, org, queries, rights, next) = (
            wired.clone(),
            org.clone(),
            queries.clone(),
            rights.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut times: Vec<[Duration; 5]> = Vec::new();
            let mut errors: Vec<String> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= flows {
                    break;
                }
                match flow(&wired, &org, &queries[i], &rights).await {
                    Ok(ops) => times.push(ops),
                    Err(e) => errors.push(format!("flow {i}: {e:#}")),
                }
            }
            (times, errors)
        }));
    }
    let mut times = Vec::with_capacity(flows);
    let mut errors = Vec::new();
    for w in workers {
        let (t, e) = w.await?;
        times.extend(t);
        errors.extend(e);
    }
    let elapsed = began.elapsed();
    let end = counters(&inspect, base).await?;
    let rss = peak_rss_kib();

    let measured_requests: u64 = end.values().sum::<u64>() - warm.values().sum::<u64>();
    let warmup_requests: u64 = warm.values().sum::<u64>() - start.values().sum::<u64>();
    let mut latency = serde_json::Map::new();
    let mut flow_times: Vec<Duration> = times.iter().map(|t| t.iter().sum()).collect();
    flow_times.sort();
    for (n, name) in OPERATIONS.iter().enumerate() {
        let mut d: Vec<Duration> = times.iter().map(|t| t[n]).collect();
        d.sort();
        let mean = d.iter().sum::<Duration>() / (d.len().max(1) as u32);
        latency.insert(
            (*name).to_owned(),
            json!({"p50_ms": ms(percentile(&d, 50.0)), "p99_ms": ms(percentile(&d, 99.0)), "mean_ms": ms(mean), "count": d.len()}),
        );
    }
    latency.insert(
        "flow".into(),
        json!({"p50_ms": ms(percentile(&flow_times, 50.0)), "p99_ms": ms(percentile(&flow_times, 99.0)), "count": flow_times.len()}),
    );
    let secs = elapsed.as_secs_f64();
    let routes: BTreeMap<&String, u64> = end
        .iter()
        .map(|(k, v)| (k, v - warm.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect();
    if errors.len() > 5 {
        let more = errors.len() - 5;
        errors.truncate(5);
        errors.push(format!("… and {more} more"));
    }
    let failed = flows - times.len();
    if failed > 0 && errors.is_empty() {
        bail!("{failed} flows neither finished nor failed");
    }
    Ok(json!({
        "url": base,
        "platform": match platform { Platform::Altinn2 => "altinn2", Platform::Altinn3 => "altinn3" },
        "flows": flows,
        "concurrency": concurrency,
        "completed_flows": times.len(),
        "errors": failed,
        "error_samples": errors,
        "elapsed_secs": (secs * 1000.0).round() / 1000.0,
        "flows_per_sec": (times.len() as f64 / secs).round(),
        "requests": measured_requests,
        "requests_per_sec": (measured_requests as f64 / secs).round(),
        "requests_per_flow": measured_requests as f64 / flows as f64,
        "latency": latency,
        "routes": routes,
        "token_requests": {
            "maskinporten_token_total": count(&end, TOKEN_ROUTE),
            "exchange_total": count(&end, EXCHANGE_ROUTE),
            "well_known_total": count(&end, WELL_KNOWN_ROUTE),
            "maskinporten_token_warmup": count(&warm, TOKEN_ROUTE) - count(&start, TOKEN_ROUTE),
            "exchange_warmup": count(&warm, EXCHANGE_ROUTE) - count(&start, EXCHANGE_ROUTE),
            "maskinporten_token_measured": count(&end, TOKEN_ROUTE) - count(&warm, TOKEN_ROUTE),
            "exchange_measured": count(&end, EXCHANGE_ROUTE) - count(&warm, EXCHANGE_ROUTE),
        },
        "warmup_requests": warmup_requests,
        "peak_rss_kib": rss,
    }))
}

fn render(r: &Value) -> String {
    let mut out = String::new();
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    out.push_str(&format!(
        "load: {} flows, concurrency {}, {:.3} s\n  flows/s     {:>9.0}\n  requests/s  {:>9.0}  ({} requests, {:.1} per flow)\n",
        r["flows"], r["concurrency"], f(&r["elapsed_secs"]), f(&r["flows_per_sec"]),
        f(&r["requests_per_sec"]), r["requests"], f(&r["requests_per_flow"])
    ));
    out.push_str("  latency (ms)        p50      p99     mean\n");
    for name in OPERATIONS.iter().chain(&["flow"]) {
        let l = &r["latency"][*name];
        out.push_str(&format!(
            "    {name:<16} {:>7.2}  {:>7.2}  {:>7.2}\n",
            f(&l["p50_ms"]),
            f(&l["p99_ms"]),
            l["mean_ms"].as_f64().unwrap_or(f64::NAN)
        ));
    }
    let t = &r["token_requests"];
    out.push_str(&format!(
        "  Maskinporten POST /token: {} in the warm-up, {} while measuring; exchange: {} in the warm-up, {} while measuring\n",
        t["maskinporten_token_warmup"], t["maskinporten_token_measured"], t["exchange_warmup"],
        t["exchange_measured"]
    ));
    out.push_str(&format!(
        "  peak RSS of this process: {} KiB\n  failed flows: {}",
        r["peak_rss_kib"], r["errors"]
    ));
    for e in r["error_samples"].as_array().into_iter().flatten() {
        out.push_str(&format!("\n    {}", e.as_str().unwrap_or_default()));
    }
    out
}
