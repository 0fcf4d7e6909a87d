//! `altinn demo`: every step against the mock server, in-process.

use crate::cli::OutputFormat;

/// Runs the demo.
pub(crate) async fn run(format: OutputFormat) -> anyhow::Result<()> {
    let _ = format;
    anyhow::bail!("demo not wired yet")
}
