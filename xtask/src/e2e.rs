//! `cargo xtask e2e`: the real binaries, end to end, as a user would run them.
//!
//! The mock server binary is started on `127.0.0.1:0` (it prints the address it bound first),
//! so there is no race for a port. The `altinn` binary gets its settings the way a user gives
//! them: Maskinporten and Altinn URLs and credentials through environment variables, the API
//! key through a profile file (`--config`/`--profile`), and the rest as flags. Every check is
//! recorded; the report lists them all and the task fails if any failed.

use std::{
    collections::BTreeMap,
    fmt,
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, Stdio},
    time::Duration,
};

use anyhow::Context as _;
use serde_json::Value;

use crate::{cargo, workspace_root};

/// Runs the end-to-end scenario.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let release = args.iter().any(|a| a == "--release");
    let root = workspace_root();
    build(&root, release)?;
    let bin_dir = target_dir(&root).join(if release { "release" } else { "debug" });
    let altinn = bin_dir.join(exe("altinn"));
    let mock_bin = bin_dir.join(exe("tilgang-mock"));

    let work = scratch_dir()?;
    let fixtures = work.join("world.json");
    write_fixtures(&mock_bin, &fixtures)?;
    let state = work.join("state.json");
    let mock = MockProcess::start(&mock_bin, &fixtures, Some(&state))?;
    println!("mock server: {}", mock.base);

    let mut report = Report::default();
    let scenario = Scenario {
        altinn: altinn.clone(),
        mock: &mock,
        work: work.clone(),
        env: user_env_for(&mock.base, &root, &work),
    };
    scenario::run(&scenario, &mut report);
    drop(mock);

    // Altinn 3, on the mock's built-in demo world (its system user, packages and resources),
    // in a mock process of its own.
    let mock3 = MockProcess::start_demo(&mock_bin)?;
    println!("mock server (Altinn 3 demo world): {}", mock3.base);
    let scenario3 = Scenario {
        altinn,
        mock: &mock3,
        work: work.clone(),
        env: altinn3::user_env(&mock3.base, &root),
    };
    altinn3::run(&scenario3, &mut report);
    drop(mock3);

    println!("\n{report}");
    let _ = std::fs::remove_dir_all(&work);
    let failed = report.failed();
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} checks failed",
        report.checks.len()
    );
    Ok(())
}

pub(crate) fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

fn build(root: &Path, release: bool) -> anyhow::Result<()> {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root).args([
        "build",
        "--bin",
        "altinn",
        "--bin",
        "tilgang-mock",
        "-p",
        "tilgang-cli",
        "-p",
        "tilgang-mock",
    ]);
    if release {
        cmd.arg("--release");
    }
    println!("building: cargo build --bin altinn --bin tilgang-mock");
    let status = cmd.status().context("cannot run cargo build")?;
    anyhow::ensure!(status.success(), "cargo build failed ({status})");
    Ok(())
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("tilgang-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// The mock server binary, killed when dropped (we started it, so we end it).
pub(crate) struct MockProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    _stdout: BufReader<ChildStdout>,
}

impl MockProcess {
    /// Starts the binary on a free port with `fixtures`, persisting to `state` when given.
    pub(crate) fn start(bin: &Path, fixtures: &Path, state: Option<&Path>) -> anyhow::Result<Self> {
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", "127.0.0.1:0", "--fixtures"])
            .arg(fixtures);
        if let Some(state) = state {
            cmd.arg("--state").arg(state);
        }
        Self::spawn(bin, cmd)
    }

    /// Starts the binary on a free port with its built-in demo world.
    pub(crate) fn start_demo(bin: &Path) -> anyhow::Result<Self> {
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", "127.0.0.1:0"]);
        Self::spawn(bin, cmd)
    }

    fn spawn(bin: &Path, mut cmd: Command) -> anyhow::Result<Self> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let stdout = child.stdout.take().context("mock server has no stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        // The mock prints `listening on http://HOST:PORT` before serving; reading that line is
        // the synchronisation point (no sleeping, no polling).
        let read = reader.read_line(&mut first);
        let base = match read {
            Ok(n) if n > 0 => first
                .trim()
                .strip_prefix("listening on ")
                .map(|s| s.trim_end_matches('/').to_owned()),
            _ => None,
        };
        match base {
            Some(base) => Ok(MockProcess {
                child,
                base,
                _stdout: reader,
            }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!(
                    "the mock server did not print `listening on http://HOST:PORT` first (got {:?})",
                    first.trim()
                )
            }
        }
    }

    /// A GET to the mock, returning the status and the body parsed as JSON.
    pub(crate) fn get_json(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let (status, body) = http_get(&self.base, path)?;
        let json = serde_json::from_slice(&body).with_context(|| {
            format!(
                "GET {path} answered {status} with a body that is not JSON: {}",
                String::from_utf8_lossy(&body)
            )
        })?;
        Ok((status, json))
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET over `TcpStream` (no TLS; the mock is local). Handles
/// `Content-Length` and chunked bodies.
fn http_get(base: &str, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    http_request(base, "GET", path, &[("Accept", "application/json")], b"")
}

/// A minimal HTTP/1.1 request with extra headers and a body (sent with `Content-Length` when
/// not empty), over `TcpStream`.
pub(crate) fn http_request(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<(u16, Vec<u8>)> {
    let authority = base
        .strip_prefix("http://")
        .context("the mock's address is not http://")?
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut stream = TcpStream::connect(&authority)
        .with_context(|| format!("cannot connect to the mock at {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers in the mock's answer")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status in the mock's answer")?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked { dechunk(&body)? } else { body };
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .context("bad chunk size")?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        anyhow::ensure!(data.len() >= size + 2, "truncated chunk");
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// One run of the `altinn` binary.
#[derive(Debug)]
pub(crate) struct Run {
    /// The command line, for the report.
    pub(crate) display: String,
    /// The exit code (-1 if killed by a signal).
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.stdout).ok()
    }
}

/// The report: every check, passed or failed.
#[derive(Debug, Default)]
pub(crate) struct Report {
    checks: Vec<Check>,
}

#[derive(Debug)]
struct Check {
    step: String,
    what: String,
    ok: bool,
    detail: String,
}

impl Report {
    /// Records a check.
    pub(crate) fn check(&mut self, step: &str, what: &str, ok: bool, detail: impl Into<String>) {
        let check = Check {
            step: step.to_owned(),
            what: what.to_owned(),
            ok,
            detail: if ok { String::new() } else { detail.into() },
        };
        println!(
            "  [{}] {}: {}",
            if check.ok { "PASS" } else { "FAIL" },
            check.step,
            check.what
        );
        self.checks.push(check);
    }

    /// Records the exit code check of a run, with its output when it failed.
    pub(crate) fn exit(&mut self, step: &str, run: &Run, expected: i32) -> bool {
        let ok = run.code == expected;
        self.check(
            step,
            &format!("`{}` exits {expected}", run.display),
            ok,
            format!(
                "exit code {}\n--- stdout\n{}\n--- stderr\n{}",
                run.code,
                run.stdout.trim_end(),
                run.stderr.trim_end()
            ),
        );
        ok
    }

    fn failed(&self) -> usize {
        self.checks.iter().filter(|c| !c.ok).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "e2e report")?;
        writeln!(f, "==========")?;
        let mut by_step: BTreeMap<usize, (&str, usize, usize)> = BTreeMap::new();
        let mut order: Vec<&str> = Vec::new();
        for c in &self.checks {
            let idx = match order.iter().position(|s| *s == c.step) {
                Some(i) => i,
                None => {
                    order.push(&c.step);
                    order.len() - 1
                }
            };
            let entry = by_step.entry(idx).or_insert((&c.step, 0, 0));
            if c.ok {
                entry.1 += 1;
            } else {
                entry.2 += 1;
            }
        }
        for (step, passed, failed) in by_step.values() {
            writeln!(
                f,
                "{:<6} {step:<40} {passed} passed{}",
                if *failed == 0 { "ok" } else { "FAILED" },
                if *failed == 0 {
                    String::new()
                } else {
                    format!(", {failed} failed")
                }
            )?;
        }
        let failed: Vec<&Check> = self.checks.iter().filter(|c| !c.ok).collect();
        for c in &failed {
            writeln!(f, "\nFAILED {}: {}", c.step, c.what)?;
            for line in c.detail.lines() {
                writeln!(f, "    {line}")?;
            }
        }
        writeln!(
            f,
            "\n{} checks, {} passed, {} failed",
            self.checks.len(),
            self.checks.len() - failed.len(),
            failed.len()
        )
    }
}

/// The scenario's context.
struct Scenario<'a> {
    altinn: PathBuf,
    mock: &'a MockProcess,
    work: PathBuf,
    /// The user's environment for this scenario.
    env: Vec<(String, String)>,
}

impl Scenario<'_> {
    /// Runs `altinn` with the user's environment for this scenario plus `extra_env`.
    fn altinn(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(&self.altinn);
        cmd.args(args).stdin(Stdio::null());
        // Start from a clean slate so a developer's own settings cannot leak in.
        for (key, _) in std::env::vars() {
            if key.starts_with("MASKINPORTEN_") || key.starts_with("ALTINN_") || key == "RUST_LOG" {
                cmd.env_remove(&key);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let display = format!("altinn {}", args.join(" "));
        match cmd.output() {
            Ok(out) => Run {
                display,
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            },
            Err(e) => Run {
                display,
                code: -1,
                stdout: String::new(),
                stderr: format!("cannot run {}: {e}", self.altinn.display()),
            },
        }
    }
}

mod altinn3;
mod scenario;
pub(crate) use scenario::{user_env_for, write_fixtures};
