//! Project automation, run as `cargo xtask <task>`.
//!
//! - `cargo xtask e2e`: builds the binaries, starts the mock server binary on a free port with
//!   a fixtures file, drives the real `altinn` binary through the six steps as a user would
//!   (environment variables, a profile file and flags), checks outputs, exit codes and the
//!   mock's final state, and prints a report. Exits non-zero if any check failed.
//! - `cargo xtask bench`: builds release binaries, starts the mock server binary, drives N
//!   person flows through the library API (`tilgang-loadgen`), runs `wrk` against the same
//!   endpoints for comparison, times `altinn --help` and measures the peak RSS of
//!   `altinn demo`; prints a report and writes it as JSON. `--criterion` also runs the
//!   criterion benches.
//!
//! Dependencies are kept to std and serde_json on purpose: this crate must build fast and
//! must not share code with what it tests.

mod bench;
mod e2e;

use std::{path::PathBuf, process::ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("e2e") => e2e::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            println!("{HELP}\n{}", bench::HELP);
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(anyhow::format_err!(
            "unknown task {other:?}\n\n{HELP}\n{}",
            bench::HELP
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "\
usage: cargo xtask <task>

tasks:
  e2e     build the binaries and drive `altinn` against the mock server binary
          (--keep-going is the default; --release uses release builds)";

/// The workspace root: the parent of this crate's directory.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The `cargo` that runs us (so toolchain overrides carry over).
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}
