//! `altinn plan`, `altinn apply` and `altinn export`: access as code.
//!
//! The planning and applying live in the use-case layer (`tilgang::access::{desired, plan,
//! apply}`); this module only reads the file, presents, asks and keeps the journal file:
//!
//! - [`FileJournal`]: the journal as append-only JSON lines, `File::sync_data` after every
//!   append and so before the request it announces is sent. A torn last line (a crash while
//!   writing it) is ignored when read back.
//! - [`CliProgress`]: an `indicatif` bar when stderr is a terminal, plain lines otherwise.
//! - [`TokioWaiter`]: the applier's time and waiting, on tokio's clock.
//!
//! Exit codes: `plan` exits [`CHANGES_PENDING`] (5) when the plan has changes and 0 when it has
//! none; `apply` exits 0 when every change is in effect and 1 when some failed (running it
//! again picks up where it stopped); a refused apply (no terminal and no `--yes`, or a mass
//! removal not allowed) exits 2.

use std::{
    fs::{File, OpenOptions},
    io::{BufRead as _, IsTerminal as _, Write as _},
    path::{Path, PathBuf},
    sync::Mutex,
    time::Duration,
};

use anyhow::Context as _;
use async_trait::async_trait;
use clap::Args;
use serde::Serialize;
use tilgang::{
    access::{
        AccessManager, Applier, ApplyError, ApplyOptions, ApplyReport, DesiredError, DesiredState,
        EarlierRun, Journal, JournalEntry, Plan, PlanFailure, PlanOptions, Waiter,
        apply::{ChangeStatus, JournalError, Progress, ProgressEvent},
        plan::HolderPlan,
    },
    domain::PartyRef,
};

use crate::{
    config::{Config, ConfigError, EnvLookup},
    output::OutputFormat,
    output::{self, Render},
    wiring::{self, Need},
};

/// The exit code of `plan` when there are changes to make (0: none).
pub(crate) const CHANGES_PENDING: u8 = 5;

/// `altinn plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The desired-state file (TOML).
    #[arg(long, short = 'f', value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Also plan to remove direct holdings the file does not name.
    #[arg(long)]
    pub(crate) prune: bool,
    /// How many right holders are read at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub(crate) concurrency: usize,
}

/// `altinn apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The desired-state file (TOML).
    #[arg(long, short = 'f', value_name = "FILE")]
    pub(crate) file: PathBuf,
    /// Also remove direct holdings the file does not name.
    #[arg(long)]
    pub(crate) prune: bool,
    /// Do not ask before changing anything (needed when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
    /// How many right holders are worked on at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub(crate) concurrency: usize,
    /// The journal file (default: FILE.journal next to the desired-state file).
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    /// Allow a plan that removes more than 25 accesses.
    #[arg(long)]
    pub(crate) allow_mass_removal: bool,
}

/// The exit code a command chose for itself, after printing its result. Not an error to
/// report: `main` exits with the code and prints nothing more.
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub(crate) struct Exit(pub(crate) u8);

/// The exit code of the errors this module raises, if it is one of them.
pub(crate) fn exit_code(cause: &(dyn std::error::Error + 'static)) -> Option<u8> {
    if let Some(Exit(code)) = cause.downcast_ref::<Exit>() {
        return Some(*code);
    }
    if cause.downcast_ref::<DesiredError>().is_some() {
        return Some(2);
    }
    if let Some(e) = cause.downcast_ref::<PlanFailure>() {
        return Some(crate::kind_code(e.kind()));
    }
    match cause.downcast_ref::<ApplyError>() {
        Some(ApplyError::MassRemoval { .. }) => Some(2),
        Some(_) => Some(1),
        None => None,
    }
}

/// Reads and checks the desired-state file.
fn read_file(path: &Path) -> anyhow::Result<DesiredState> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::Other(format!(
            "cannot read the access file {}: {e}",
            path.display()
        ))
    })?;
    DesiredState::from_toml(&text)
        .with_context(|| format!("the access file {} was refused", path.display()))
}

/// `altinn plan`.
pub(crate) async fn plan(
    config: &Config,
    env: EnvLookup<'_>,
    args: &PlanArgs,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let desired = read_file(&args.file)?;
    let stack = wiring::stack(config, env, Need::Access)?;
    let access = stack.access()?;
    let plan = make_plan(access, &desired, args.prune, args.concurrency).await?;
    output::print(format, &PlanOutput { plan: &plan })?;
    if plan.is_empty() {
        Ok(())
    } else {
        Err(Exit(CHANGES_PENDING).into())
    }
}

async fn make_plan(
    access: &AccessManager,
    desired: &DesiredState,
    prune: bool,
    concurrency: usize,
) -> anyhow::Result<Plan> {
    let (_, plan) = access
        .plan(desired, PlanOptions { prune }, concurrency)
        .await
        .context("planning failed")?;
    Ok(plan)
}

/// `altinn apply`.
pub(crate) async fn apply(
    config: &Config,
    env: EnvLookup<'_>,
    args: &ApplyArgs,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let desired = read_file(&args.file)?;
    let journal_path = args.journal.clone().unwrap_or_else(|| {
        let mut name = args.file.clone().into_os_string();
        name.push(".journal");
        PathBuf::from(name)
    });
    let interactive = std::io::stdin().is_terminal();
    if !args.yes && !interactive {
        return Err(ConfigError::Other(
            "apply changes access in Altinn and asks first; stdin is not a terminal, so pass --yes to apply without asking".into(),
        )
        .into());
    }
    let earlier = EarlierRun::from_journal(&FileJournal::read(&journal_path)?);
    let stack = wiring::stack(config, env, Need::Access)?;
    let access = stack.access()?;
    let plan = make_plan(access, &desired, args.prune, args.concurrency).await?;

    let options = ApplyOptions {
        concurrency: args.concurrency,
        allow_mass_removal: args.allow_mass_removal,
        ..ApplyOptions::default()
    };
    if plan.to_remove > options.mass_removal_threshold && !options.allow_mass_removal {
        // Refused before asking: the answer could not change it.
        return Err(ApplyError::MassRemoval {
            count: plan.to_remove,
            threshold: options.mass_removal_threshold,
        }
        .into());
    }
    // The plan goes to stderr in JSON mode, so stdout holds one JSON document: the report.
    match format {
        OutputFormat::Text => print!("{}", PlanOutput { plan: &plan }.text()),
        OutputFormat::Json => eprint!("{}", PlanOutput { plan: &plan }.text()),
    }
    if plan.is_empty() {
        let report = ApplyReport {
            changes: Vec::new(),
            done: 0,
            already_in_effect: 0,
            failed: 0,
            earlier: None,
            requests: Default::default(),
            rate_limit_pauses: 0,
        };
        return output::print(format, &ReportOutput { report: &report });
    }
    if !args.yes && !confirm()? {
        return Err(ConfigError::Other("apply cancelled; nothing was changed".into()).into());
    }

    let journal = FileJournal::open(&journal_path)?;
    let progress = CliProgress::new(plan.change_ids().len());
    let waiter = TokioWaiter::default();
    let applier = Applier::new(access, options, &waiter, &journal, &progress);
    let report = applier.apply(&plan, &earlier).await?;
    progress.finish();
    output::print(format, &ReportOutput { report: &report })?;
    if report.complete() {
        Ok(())
    } else {
        Err(Exit(1).into())
    }
}

/// Asks on the terminal; only `yes` goes ahead.
fn confirm() -> anyhow::Result<bool> {
    eprint!("Apply these changes? Only 'yes' is accepted: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer failed")?;
    Ok(line.trim() == "yes")
}

/// `altinn export`.
pub(crate) async fn export(config: &Config, env: EnvLookup<'_>) -> anyhow::Result<()> {
    let org = match wiring::org(config)? {
        PartyRef::Organisation(org) => org,
        other => {
            return Err(ConfigError::Other(format!(
                "export needs an organisation number, not {other}; name it with --org ORGNO"
            ))
            .into());
        }
    };
    let stack = wiring::stack(config, env, Need::Access)?;
    let access = stack.access()?;
    let state = access
        .export(&[org], 4)
        .await
        .context("reading the current accesses failed")?;
    print!("{}", state.to_toml());
    Ok(())
}

/// The plan, for printing.
#[derive(Debug, Serialize)]
struct PlanOutput<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
}

impl Render for PlanOutput<'_> {
    fn text(&self) -> String {
        let plan = self.plan;
        let mut out = String::new();
        for org in &plan.organisations {
            out.push_str(&format!("Organisation {}\n", org.org));
            for h in &org.holders {
                if !h.has_changes() && h.kept.is_empty() && h.protected.is_empty() {
                    out.push_str(&format!(
                        "  = {}: {} unchanged{}\n",
                        h.label,
                        h.unchanged.len(),
                        indirect_note(h)
                    ));
                    continue;
                }
                holder_text(&mut out, h);
            }
            if org.holders.is_empty() {
                out.push_str("  (no right holders, none in the file)\n");
            }
        }
        out.push('\n');
        out.push_str(&plan.summary());
        if plan.new_right_holders > 0 {
            out.push_str(&format!(
                " ({} new right holder{} first.)",
                plan.new_right_holders,
                if plan.new_right_holders == 1 { "" } else { "s" }
            ));
        }
        out.push('\n');
        if !plan.prune {
            let kept: usize = plan
                .organisations
                .iter()
                .flat_map(|o| &o.holders)
                .map(|h| h.kept.len())
                .sum();
            if kept > 0 {
                out.push_str(&format!(
                    "{kept} direct holding{} not in the file {} kept; --prune removes {}.\n",
                    if kept == 1 { "" } else { "s" },
                    if kept == 1 { "is" } else { "are" },
                    if kept == 1 { "it" } else { "them" },
                ));
            }
        }
        out
    }
}

fn indirect_note(h: &HolderPlan) -> String {
    if h.indirect.is_empty() {
        String::new()
    } else {
        format!(", {} held via a role or package", h.indirect.len())
    }
}

fn holder_text(out: &mut String, h: &HolderPlan) {
    let note = match (&h.party, h.declared) {
        (None, _) => " (not a right holder yet)",
        (Some(_), false) => " (not in the file)",
        _ => "",
    };
    out.push_str(&format!("  {}{note}\n", h.label));
    if h.add_right_holder.is_some() {
        out.push_str("    + right holder\n");
    }
    for a in &h.add {
        out.push_str(&format!("    + {}\n", a.grantable));
    }
    for r in &h.remove {
        let still = if r.still_held_via.is_empty() {
            String::new()
        } else {
            format!(" (still held {})", join(&r.still_held_via))
        };
        out.push_str(&format!("    - {}{still}\n", r.grantable));
    }
    for g in &h.unchanged {
        out.push_str(&format!("    = {g}\n"));
    }
    for i in &h.indirect {
        out.push_str(&format!(
            "    ~ {} (held {}; cannot be changed here)\n",
            i.grantable,
            join(&i.held_via)
        ));
    }
    for g in &h.kept {
        out.push_str(&format!("    · {g} (not in the file; kept)\n"));
    }
    for g in &h.protected {
        out.push_str(&format!(
            "    ! {g} (the system user's access-manager package; never removed)\n"
        ));
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The apply report, for printing.
#[derive(Debug, Serialize)]
struct ReportOutput<'a> {
    #[serde(flatten)]
    report: &'a ApplyReport,
}

impl Render for ReportOutput<'_> {
    fn text(&self) -> String {
        let r = self.report;
        let mut out = String::new();
        if let Some(e) = &r.earlier {
            out.push_str(&format!(
                "An earlier run was interrupted: it made {} change{}; {} it had started {} in effect (not sent again), {} {} sent now; {} had failed.\n",
                e.done,
                if e.done == 1 { "" } else { "s" },
                e.confirmed,
                if e.confirmed == 1 { "was" } else { "were" },
                e.redone,
                if e.redone == 1 { "was" } else { "were" },
                e.failed
            ));
        }
        for c in &r.changes {
            let (mark, status) = match &c.status {
                ChangeStatus::Done => ("✓", "done".to_owned()),
                ChangeStatus::AlreadyInEffect => ("=", "already in effect".to_owned()),
                ChangeStatus::Failed { error } => ("✗", format!("failed: {error}")),
                ChangeStatus::NotRun => ("✗", "not run (an earlier step failed)".to_owned()),
                _ => ("?", "unknown".to_owned()),
            };
            out.push_str(&format!(
                "{mark} {} {} {}: {status}\n",
                c.holder, c.action, c.what
            ));
        }
        out.push_str(&format!(
            "Apply: {} done, {} already in effect, {} failed. Operations: {} right-holder additions, {} grants, {} revokes, {} confirming reads; {} rate-limit pause{}.\n",
            r.done,
            r.already_in_effect,
            r.failed,
            r.requests.add_right_holder,
            r.requests.grant,
            r.requests.revoke,
            r.requests.confirm_reads,
            r.rate_limit_pauses,
            if r.rate_limit_pauses == 1 { "" } else { "s" },
        ));
        if r.failed > 0 {
            out.push_str(
                "Some changes failed; running apply again sends only what is still missing.\n",
            );
        }
        out
    }
}

/// The journal file: append-only JSON lines, synced after every append.
#[derive(Debug)]
pub(crate) struct FileJournal {
    file: Mutex<File>,
}

impl FileJournal {
    /// Opens (or creates) the journal for appending.
    fn open(path: &Path) -> anyhow::Result<FileJournal> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                ConfigError::Other(format!("cannot open the journal {}: {e}", path.display()))
            })?;
        Ok(FileJournal {
            file: Mutex::new(file),
        })
    }

    /// Every complete entry of the journal at `path` (none when it does not exist). A line
    /// that does not parse can only be the last one, torn by a crash while it was written; it
    /// is skipped, which is safe because its request was not sent before the line was synced.
    fn read(path: &Path) -> anyhow::Result<Vec<JournalEntry>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(ConfigError::Other(format!(
                    "cannot read the journal {}: {e}",
                    path.display()
                ))
                .into());
            }
        };
        Ok(text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect())
    }
}

impl Journal for FileJournal {
    fn record(&self, entries: &[JournalEntry]) -> Result<(), JournalError> {
        let mut text = String::new();
        for e in entries {
            let line = serde_json::to_string(e).map_err(|e| JournalError {
                message: e.to_string(),
            })?;
            text.push_str(&line);
            text.push('\n');
        }
        let mut file = self.file.lock().map_err(|_| JournalError {
            message: "the journal lock is poisoned".into(),
        })?;
        // One write per batch, then the data on disk before the request goes out.
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| JournalError {
                message: e.to_string(),
            })
    }
}

/// The applier's clock and sleep, on tokio time.
#[derive(Debug)]
pub(crate) struct TokioWaiter {
    start: tokio::time::Instant,
}

impl Default for TokioWaiter {
    fn default() -> Self {
        TokioWaiter {
            start: tokio::time::Instant::now(),
        }
    }
}

#[async_trait]
impl Waiter for TokioWaiter {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A progress bar on a terminal, plain lines on stderr otherwise.
#[derive(Debug)]
pub(crate) enum CliProgress {
    /// stderr is a terminal.
    Bar(indicatif::ProgressBar),
    /// Lines, e.g. for CI logs.
    Lines {
        /// How many changes in all.
        total: usize,
        /// How many are finished.
        finished: Mutex<usize>,
    },
}

impl CliProgress {
    fn new(total: usize) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} changes  {msg}")
            {
                bar.set_style(style);
            }
            CliProgress::Bar(bar)
        } else {
            CliProgress::Lines {
                total,
                finished: Mutex::new(0),
            }
        }
    }

    fn finish(&self) {
        if let CliProgress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

impl Progress for CliProgress {
    fn event(&self, event: &ProgressEvent) {
        match (self, event) {
            (CliProgress::Bar(bar), ProgressEvent::Change(c)) => {
                bar.inc(1);
                bar.set_message(format!("{} {}", c.action, c.what));
            }
            (CliProgress::Bar(bar), ProgressEvent::Paused { wait }) => {
                bar.set_message(format!(
                    "rate limited: every task waits {} s",
                    wait.as_secs()
                ));
            }
            (CliProgress::Lines { total, finished }, ProgressEvent::Change(c)) => {
                let n = {
                    let mut f = finished.lock().unwrap_or_else(|p| p.into_inner());
                    *f += 1;
                    *f
                };
                let status = match &c.status {
                    ChangeStatus::Done => "done",
                    ChangeStatus::AlreadyInEffect => "already in effect",
                    ChangeStatus::NotRun => "not run",
                    _ => "failed",
                };
                eprintln!(
                    "[{n}/{total}] {} {} {}: {status}",
                    c.holder, c.action, c.what
                );
            }
            (CliProgress::Lines { .. }, ProgressEvent::Paused { wait }) => {
                eprintln!("rate limited: every task waits {} s", wait.as_secs());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_journal_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml.journal");
        let journal = FileJournal::open(&path).unwrap();
        journal
            .record(&[JournalEntry {
                event: tilgang::access::apply::JournalEvent::Begin,
                id: None,
                error: None,
            }])
            .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"sta")
            .unwrap();
        assert_eq!(FileJournal::read(&path).unwrap().len(), 1);
        assert!(
            FileJournal::read(&dir.path().join("none"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn plans_print_terraform_style() {
        let desired = DesiredState::from_toml(
            "[[org]]\nnumber = \"310000000\"\n[[org.holder]]\nfnr = \"26899299344\"\nlast_name = \"HEIS\"\nservices = [{ code = \"4864\", edition = 1, actions = [\"Read\"] }]\n",
        )
        .unwrap();
        let plan =
            tilgang::access::plan::diff(&Default::default(), &desired, PlanOptions { prune: true })
                .unwrap();
        assert_eq!(plan.to_add, 1);
        let text = PlanOutput { plan: &plan }.text();
        assert!(text.contains("    + right holder\n"), "{text}");
        assert!(text.contains("    + 4864:1 Read\n"), "{text}");
        assert!(
            text.ends_with("Plan: 1 to add, 0 to remove. (1 new right holder first.)\n"),
            "{text}"
        );
        assert!(!text.contains("26899299344"));
    }
}
