//! `altinn`: Maskinporten tokens, the Altinn token exchange, reportees and rights from the
//! command line, and `altinn demo`, which runs every step against a built-in mock server.
//!
//! This crate is deliberately thin: it resolves configuration (`config`), wires the adapters
//! to the use cases (`wiring`), runs a command (`commands`) and presents the result
//! (`output`). Protocol logic lives in the library crates.

mod ascode;
mod cli;
mod commands;
mod config;
mod demo;
mod hints;
mod onboarding;
mod output;
mod wiring;

use std::process::ExitCode;

use clap::Parser;
use tilgang::ports::ErrorKind;

use crate::{cli::Cli, output::OutputFormat};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let format = cli.output;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A command that chose its exit status has already printed its result.
            if let Some(ascode::Exit(code)) = err.downcast_ref::<ascode::Exit>() {
                return ExitCode::from(*code);
            }
            let code = exit_code(&err);
            report(format, &err, code);
            ExitCode::from(code)
        }
    }
}

/// The demo runs on its own built-in mock and needs no configuration; every other command
/// goes through `commands`.
async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    if let cli::Command::Demo { onboarding } = &cli.command {
        let platform = demo::platform(&cli.settings)?;
        return demo::run(cli.output, platform, *onboarding).await;
    }
    commands::run(cli).await
}

/// Logs go to stderr, so stdout stays clean for `--output json`. Without `--verbose` only
/// warnings are shown; `RUST_LOG` refines the verbose filter. HTTP internals stay at `info`
/// even when verbose, because their debug output can include headers.
fn init_tracing(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if verbose {
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info,altinn=debug,tilgang=debug"))
    } else {
        EnvFilter::new("warn")
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(verbose)
        .init();
}

/// The documented exit codes: 2 bad input or configuration, 3 authentication or
/// authorization refused, 4 not found, 1 anything else (and 5 from `plan`: changes pending).
pub(crate) fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(code) = ascode::exit_code(cause) {
            return code;
        }
        if cause.downcast_ref::<config::ConfigError>().is_some()
            || cause.downcast_ref::<tilgang::domain::IdError>().is_some()
            || cause.downcast_ref::<tilgang::BuildError>().is_some()
            || cause.downcast_ref::<tilgang::NotConfigured>().is_some()
        {
            return 2;
        }
        if let Some(e) = cause.downcast_ref::<tilgang::access::AccessError>() {
            return kind_code(e.kind());
        }
        if let Some(e) = cause.downcast_ref::<tilgang::ports::AltinnError>() {
            return kind_code(e.kind());
        }
        if let Some(e) = cause.downcast_ref::<tilgang::ports::TokenError>() {
            return kind_code(e.kind());
        }
        if let Some(e) = cause.downcast_ref::<wiring::WiringError>() {
            return e.exit_code();
        }
    }
    1
}

fn kind_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::BadInput => 2,
        ErrorKind::Auth => 3,
        ErrorKind::NotFound => 4,
        _ => 1,
    }
}

fn report(format: OutputFormat, err: &anyhow::Error, code: u8) {
    // The causes go on one line, joined by ": " (as `{:#}` prints them); a hint, which rides
    // on the error as its outermost context, goes on a line of its own.
    let hint = err.downcast_ref::<hints::Hint>().map(ToString::to_string);
    let skip = usize::from(hint.is_some());
    let message = err
        .chain()
        .skip(skip)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    eprintln!("error: {message}");
    if let Some(hint) = &hint {
        eprintln!("hint: {hint}");
    }
    if format == OutputFormat::Json {
        let doc = output::ErrorOutput {
            error: message,
            hint,
            exit_code: code,
        };
        if let Ok(text) = serde_json::to_string_pretty(&doc) {
            println!("{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use tilgang::ports::{AltinnError, Rejection, TokenError};

    use super::*;

    fn rejected(status: u16) -> AltinnError {
        AltinnError::Rejected(Rejection {
            method: "GET".into(),
            path: "/api/my/authorization/Delegations".into(),
            status,
            reason: "x".into(),
            body: String::new(),
            codes: vec![],
            validation: vec![],
            advice: String::new(),
            retry_after: None,
        })
    }

    #[test]
    fn exit_codes_follow_the_error_kind() {
        let cases: Vec<(anyhow::Error, u8)> = vec![
            (anyhow::Error::new(rejected(400)), 2),
            (anyhow::Error::new(rejected(403)), 3),
            (anyhow::Error::new(rejected(404)), 4),
            (anyhow::Error::new(rejected(500)), 1),
            (
                anyhow::Error::new(TokenError::Config {
                    message: "bad key".into(),
                }),
                2,
            ),
            (
                anyhow::Error::new(config::ConfigError::Other("x".into())).context("loading"),
                2,
            ),
            (anyhow::anyhow!("something else"), 1),
        ];
        for (err, code) in cases {
            assert_eq!(exit_code(&err), code, "{err:#}");
        }
    }

    #[test]
    fn context_keeps_the_cause_code() {
        let err = anyhow::Error::new(rejected(401)).context("step 4");
        assert_eq!(exit_code(&err), 3);
    }
}
