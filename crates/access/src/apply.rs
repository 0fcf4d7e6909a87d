//! Carrying a [`Plan`] out: bounded concurrency, one shared back-off, a journal, a report.
//!
//! [`Applier::apply`] runs the changes of every right holder in a plan, at most
//! `concurrency` right holders at a time (each holder's own changes run in order: make them a
//! right holder, give, take away). It is runtime-free: concurrency comes from `futures`
//! (`buffer_unordered` in the caller's task), time and waiting from a [`Waiter`] the caller
//! supplies, the journal from a [`Journal`] the caller supplies (the CLI's writes JSON lines
//! and syncs them to disk). So a service can run a plan without the CLI and without tokio.
//!
//! - **One shared back-off.** When the server answers 429 (or the token service says rate
//!   limited), a single [`Gate`] closes until the `Retry-After` has passed; every task waits at
//!   the gate before its next request, instead of each sleeping on its own and coming back at
//!   once.
//! - **Crash-safe.** Before a change request is sent, a `started` entry for every change it
//!   carries is recorded, and the journal makes it durable; after the answer, `done` or
//!   `failed`. An apply run again after a crash plans afresh from a fresh read, so a change
//!   the earlier run made is not in the plan any more, and one whose `started` has no `done`
//!   is decided by that read, never by sending it blindly again. [`EarlierRun`] reads a
//!   journal back so the report can say what the earlier run did.
//! - **Never blind.** A change that fails in a way that may have taken effect is followed by a
//!   fresh read, and only what is still missing is sent again; a person lookup refused as
//!   throttled (Altinn 3 `AM-00026`) is never retried; a refusal that is not transient stops
//!   that right holder and is reported.
//! - **Safety.** A plan that removes more than `mass_removal_threshold` accesses is refused
//!   unless `allow_mass_removal`; nothing held via a role or a package, and no system user's
//!   access-manager package, is ever revoked (the plan leaves them out, and the applier checks
//!   again).

use std::{
    collections::BTreeSet,
    sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use serde::{Deserialize, Serialize};
use tilgang_domain::{Grantable, HeldAccess, OrgNumber, Party, PartyKind, PartyRef};
use tilgang_ports::{AltinnError, ErrorKind, RightHolderChange, TokenError};

use crate::{
    AccessManager,
    plan::{ChangeId, HolderPlan, Plan, RemoveLine, is_access_manager_package},
};

/// Time and waiting, supplied by the caller (tokio's in the CLI, a virtual clock in tests).
#[async_trait]
pub trait Waiter: Send + Sync {
    /// Monotonic time since an arbitrary origin.
    fn now(&self) -> Duration;
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// Where the applier records what it is about to do and what it did. An implementation must
/// make `record` durable before returning (the CLI's syncs the file), because the change is
/// sent right after.
pub trait Journal: Send + Sync {
    /// Appends `entries`, durably.
    fn record(&self, entries: &[JournalEntry]) -> Result<(), JournalError>;
}

/// The journal could not be written; the apply stops, since it could no longer tell a later
/// run what it did.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the journal: {message}")]
pub struct JournalError {
    /// What failed.
    pub message: String,
}

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalEvent {
    /// A run began.
    Begin,
    /// A change is about to be sent.
    Started,
    /// A change took effect (answered, or confirmed by reading again).
    Done,
    /// A change failed and was given up in this run.
    Failed,
    /// A run finished with every change done; earlier entries concern no later run.
    Finished,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// What happened.
    pub event: JournalEvent,
    /// The change it concerns, for `started`, `done` and `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ChangeId>,
    /// Why it failed, for `failed` (never a full fødselsnummer: errors mask them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl JournalEntry {
    fn of(event: JournalEvent, id: Option<&ChangeId>) -> Self {
        JournalEntry {
            event,
            id: id.cloned(),
            error: None,
        }
    }
}

/// A journal kept in memory, for services that need no file and for tests.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    entries: Mutex<Vec<JournalEntry>>,
}

impl MemoryJournal {
    /// A journal that starts with `entries` (e.g. what an earlier run left).
    pub fn with(entries: Vec<JournalEntry>) -> Self {
        MemoryJournal {
            entries: Mutex::new(entries),
        }
    }

    /// Everything recorded so far.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.entries.lock().expect("journal lock").clone()
    }
}

impl Journal for MemoryJournal {
    fn record(&self, entries: &[JournalEntry]) -> Result<(), JournalError> {
        self.entries
            .lock()
            .expect("journal lock")
            .extend_from_slice(entries);
        Ok(())
    }
}

/// What an earlier run that did not finish left in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EarlierRun {
    /// Changes it made.
    pub done: BTreeSet<ChangeId>,
    /// Changes it started without knowing whether they took effect.
    pub uncertain: BTreeSet<ChangeId>,
    /// Changes it gave up.
    pub failed: BTreeSet<ChangeId>,
}

impl EarlierRun {
    /// Reads the entries after the last finished run.
    pub fn from_journal(entries: &[JournalEntry]) -> Self {
        let start = entries
            .iter()
            .rposition(|e| e.event == JournalEvent::Finished)
            .map_or(0, |i| i + 1);
        let mut run = EarlierRun::default();
        for e in &entries[start..] {
            let Some(id) = &e.id else { continue };
            match e.event {
                JournalEvent::Started => {
                    run.failed.remove(id);
                    if !run.done.contains(id) {
                        run.uncertain.insert(id.clone());
                    }
                }
                JournalEvent::Done => {
                    run.uncertain.remove(id);
                    run.failed.remove(id);
                    run.done.insert(id.clone());
                }
                JournalEvent::Failed => {
                    run.uncertain.remove(id);
                    run.failed.insert(id.clone());
                }
                _ => {}
            }
        }
        run
    }

    /// Whether the journal holds anything of an unfinished run.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty() && self.uncertain.is_empty() && self.failed.is_empty()
    }
}

/// How an earlier, interrupted run's changes stand now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EarlierSummary {
    /// Changes the earlier run made.
    pub done: usize,
    /// Changes it started without an answer that the fresh read shows in effect: not sent
    /// again.
    pub confirmed: usize,
    /// Changes it started without an answer that the fresh read shows not in effect: sent now.
    pub redone: usize,
    /// Changes it gave up.
    pub failed: usize,
}

/// Something told as the apply goes, for a progress bar or log lines.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The run begins with this many changes.
    Begin {
        /// How many changes.
        changes: usize,
    },
    /// A change finished (done, already in effect, or failed).
    Change(ChangeReport),
    /// The server asked to slow down; every task waits this long.
    Paused {
        /// How long.
        wait: Duration,
    },
}

/// Receives [`ProgressEvent`]s. Called from the applier's task; keep it quick.
pub trait Progress: Send + Sync {
    /// One event.
    fn event(&self, event: &ProgressEvent);
}

/// No progress output.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: &ProgressEvent) {}
}

/// How to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyOptions {
    /// How many right holders are worked on at once.
    pub concurrency: usize,
    /// A plan that removes more accesses than this is refused unless `allow_mass_removal`.
    pub mass_removal_threshold: usize,
    /// Allows a plan above the threshold.
    pub allow_mass_removal: bool,
    /// How many attempts one step gets when it fails transiently.
    pub max_attempts: u32,
    /// How long the gate closes after a 429 without `Retry-After`.
    pub rate_limit_pause: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: 4,
            mass_removal_threshold: 25,
            allow_mass_removal: false,
            max_attempts: 8,
            rate_limit_pause: Duration::from_secs(1),
        }
    }
}

/// Why an apply did not run, or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The plan removes more than the threshold allows. Nothing was changed.
    #[error(
        "the plan removes {count} accesses, more than {threshold}; check it, then allow it explicitly (--allow-mass-removal)"
    )]
    MassRemoval {
        /// How many removals.
        count: usize,
        /// The threshold.
        threshold: usize,
    },
    /// The journal could not be written; the run stopped before the next request.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// What became of one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeStatus {
    /// Done now.
    Done,
    /// Already in effect (a fresh read showed it), so nothing was sent for it.
    AlreadyInEffect,
    /// Failed; the error says why (a fødselsnummer masked).
    Failed {
        /// Why.
        error: String,
    },
    /// Not attempted, because an earlier step of the same right holder failed.
    NotRun,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeReport {
    /// The change's id.
    pub id: ChangeId,
    /// The organisation.
    pub org: String,
    /// Who, as safe to print.
    pub holder: String,
    /// `add right holder`, `grant` or `revoke`.
    pub action: &'static str,
    /// What, e.g. `package lonn`.
    pub what: String,
    /// What became of it.
    #[serde(flatten)]
    pub status: ChangeStatus,
}

/// The requests an apply sent, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RequestCounts {
    /// Right-holder additions (person or organisation lookups that may change something).
    pub add_right_holder: u32,
    /// Grant calls (one per right holder and attempt, carrying every missing access).
    pub grant: u32,
    /// Revoke calls.
    pub revoke: u32,
    /// Reads made to confirm after a failure.
    pub confirm_reads: u32,
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Every change, in id order.
    pub changes: Vec<ChangeReport>,
    /// How many are done now.
    pub done: usize,
    /// How many were already in effect.
    pub already_in_effect: usize,
    /// How many failed or did not run.
    pub failed: usize,
    /// What an earlier, interrupted run did, if the journal held one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earlier: Option<EarlierSummary>,
    /// The requests sent.
    pub requests: RequestCounts,
    /// How often the shared gate closed for a rate limit.
    pub rate_limit_pauses: u32,
}

impl ApplyReport {
    /// Whether every change is in effect.
    pub fn complete(&self) -> bool {
        self.failed == 0
    }
}

/// The one back-off all tasks share: closed until a point in time after a 429.
#[derive(Debug, Default)]
pub struct Gate {
    until: Mutex<Option<Duration>>,
    closings: AtomicU32,
}

impl Gate {
    /// Waits until the gate is open.
    pub async fn pass(&self, waiter: &dyn Waiter) {
        loop {
            let until = *self.until.lock().expect("gate lock");
            match until {
                Some(t) if t > waiter.now() => waiter.sleep(t - waiter.now()).await,
                _ => return,
            }
        }
    }

    /// Closes the gate for `wait` from now (never shortens a longer closing already set).
    /// Returns whether this call moved the reopening later.
    pub fn close_for(&self, waiter: &dyn Waiter, wait: Duration) -> bool {
        let target = waiter.now() + wait;
        let mut until = self.until.lock().expect("gate lock");
        if until.is_some_and(|t| t >= target) {
            return false;
        }
        *until = Some(target);
        self.closings.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// How often the gate was closed.
    pub fn closings(&self) -> u32 {
        self.closings.load(Ordering::Relaxed)
    }
}

/// Runs plans over an [`AccessManager`].
pub struct Applier<'a> {
    manager: &'a AccessManager,
    options: ApplyOptions,
    waiter: &'a dyn Waiter,
    journal: &'a dyn Journal,
    progress: &'a dyn Progress,
    gate: Gate,
    counts: Counts,
}

impl std::fmt::Debug for Applier<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applier")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Counts {
    add: AtomicU32,
    grant: AtomicU32,
    revoke: AtomicU32,
    reads: AtomicU32,
}

/// How a failed step is handled.
enum Next {
    /// Try again (after the gate).
    Retry,
    /// Read again, then decide.
    Confirm,
    /// Give up.
    Stop,
}

impl<'a> Applier<'a> {
    /// An applier over `manager`.
    pub fn new(
        manager: &'a AccessManager,
        options: ApplyOptions,
        waiter: &'a dyn Waiter,
        journal: &'a dyn Journal,
        progress: &'a dyn Progress,
    ) -> Self {
        Applier {
            manager,
            options,
            waiter,
            journal,
            progress,
            gate: Gate::default(),
            counts: Counts::default(),
        }
    }

    /// Carries `plan` out. `earlier` is what the journal says an interrupted earlier run did
    /// (from [`EarlierRun::from_journal`]); the plan must have been made after that run, from a
    /// fresh read, which is what makes resuming safe.
    pub async fn apply(
        &self,
        plan: &Plan,
        earlier: &EarlierRun,
    ) -> Result<ApplyReport, ApplyError> {
        if plan.to_remove > self.options.mass_removal_threshold && !self.options.allow_mass_removal
        {
            return Err(ApplyError::MassRemoval {
                count: plan.to_remove,
                threshold: self.options.mass_removal_threshold,
            });
        }
        let planned = plan.change_ids();
        let earlier_summary = (!earlier.is_empty()).then(|| EarlierSummary {
            done: earlier.done.len(),
            confirmed: earlier
                .uncertain
                .iter()
                .filter(|id| !planned.contains(*id))
                .count(),
            redone: earlier
                .uncertain
                .iter()
                .filter(|id| planned.contains(*id))
                .count(),
            failed: earlier.failed.len(),
        });
        self.journal
            .record(&[JournalEntry::of(JournalEvent::Begin, None)])?;
        self.progress.event(&ProgressEvent::Begin {
            changes: planned.len(),
        });

        let per_holder: Vec<Vec<ChangeReport>> = stream::iter(plan.work())
            .map(|(org, holder)| self.run_holder(*org, holder))
            .buffer_unordered(self.options.concurrency.max(1))
            .try_collect()
            .await?;
        let mut changes: Vec<ChangeReport> = per_holder.into_iter().flatten().collect();
        changes.sort_by(|a, b| a.id.cmp(&b.id));

        let count = |f: fn(&ChangeStatus) -> bool| changes.iter().filter(|c| f(&c.status)).count();
        let report = ApplyReport {
            done: count(|s| *s == ChangeStatus::Done),
            already_in_effect: count(|s| *s == ChangeStatus::AlreadyInEffect),
            failed: count(|s| matches!(s, ChangeStatus::Failed { .. } | ChangeStatus::NotRun)),
            changes,
            earlier: earlier_summary,
            requests: RequestCounts {
                add_right_holder: self.counts.add.load(Ordering::Relaxed),
                grant: self.counts.grant.load(Ordering::Relaxed),
                revoke: self.counts.revoke.load(Ordering::Relaxed),
                confirm_reads: self.counts.reads.load(Ordering::Relaxed),
            },
            rate_limit_pauses: self.gate.closings(),
        };
        if report.complete() {
            self.journal
                .record(&[JournalEntry::of(JournalEvent::Finished, None)])?;
        }
        Ok(report)
    }

    /// Every change of one right holder, in order: add them, give, take away.
    async fn run_holder(
        &self,
        org: OrgNumber,
        hp: &HolderPlan,
    ) -> Result<Vec<ChangeReport>, ApplyError> {
        let at = PartyRef::Organisation(org);
        let mut out = Vec::new();
        let line = |id: &ChangeId, action: &'static str, what: String, status: ChangeStatus| {
            ChangeReport {
                id: id.clone(),
                org: org.to_string(),
                holder: hp.label.clone(),
                action,
                what,
                status,
            }
        };

        // Step 1: the right holder.
        let mut party: Party;
        let mut pending: Vec<(ChangeId, Grantable)> = hp
            .add
            .iter()
            .map(|a| (a.id.clone(), a.grantable.clone()))
            .collect();
        match (&hp.party, &hp.add_right_holder) {
            (Some(p), _) => {
                party = p.clone();
                // Altinn 2 names the receiver of a delegation by number and name.
                if party.query.is_none() {
                    party.query = hp.query.clone();
                }
            }
            (None, Some(add_id)) => match self.add_right_holder(&at, hp, add_id).await? {
                Ok((p, change)) => {
                    let status = if change == RightHolderChange::AlreadyRightHolder {
                        ChangeStatus::AlreadyInEffect
                    } else {
                        ChangeStatus::Done
                    };
                    let report = line(add_id, "add right holder", "right holder".into(), status);
                    self.progress.event(&ProgressEvent::Change(report.clone()));
                    out.push(report);
                    party = p;
                    if party.query.is_none() {
                        party.query = hp.query.clone();
                    }
                    // A right holder found rather than added now (Altinn 2 always; Altinn 3
                    // after an interrupted run) may hold some of it already: read first.
                    if change != RightHolderChange::Added {
                        match self.read(&at, &party).await {
                            Ok(held) => {
                                for (id, g) in &pending {
                                    if is_held(g, &held) {
                                        self.finish(
                                            &mut out,
                                            line(
                                                id,
                                                "grant",
                                                g.to_string(),
                                                ChangeStatus::AlreadyInEffect,
                                            ),
                                            id,
                                        )?;
                                    }
                                }
                                pending.retain(|(_, g)| !is_held(g, &held));
                            }
                            Err(e) => {
                                for (id, g) in &pending {
                                    self.fail(
                                        &mut out,
                                        line(id, "grant", g.to_string(), failed(&e)),
                                        id,
                                    )?;
                                }
                                return Ok(out);
                            }
                        }
                    }
                }
                Err(e) => {
                    self.fail(
                        &mut out,
                        line(
                            add_id,
                            "add right holder",
                            "right holder".into(),
                            failed(&e),
                        ),
                        add_id,
                    )?;
                    for a in &hp.add {
                        out.push(line(
                            &a.id,
                            "grant",
                            a.grantable.to_string(),
                            ChangeStatus::NotRun,
                        ));
                    }
                    for r in &hp.remove {
                        out.push(line(
                            &r.id,
                            "revoke",
                            r.grantable.to_string(),
                            ChangeStatus::NotRun,
                        ));
                    }
                    return Ok(out);
                }
            },
            (None, None) => unreachable!("the plan adds a right holder it gives something to"),
        }

        // Step 2: give what is missing, in one request per attempt.
        let mut attempt = 0;
        while !pending.is_empty() {
            attempt += 1;
            let started: Vec<JournalEntry> = pending
                .iter()
                .map(|(id, _)| JournalEntry::of(JournalEvent::Started, Some(id)))
                .collect();
            self.journal.record(&started)?;
            self.gate.pass(self.waiter).await;
            self.counts.grant.fetch_add(1, Ordering::Relaxed);
            let grantables: Vec<Grantable> = pending.iter().map(|(_, g)| g.clone()).collect();
            let error = match self.manager.rights.grant(&at, &party, &grantables).await {
                Ok(()) => {
                    for (id, g) in std::mem::take(&mut pending) {
                        self.finish(
                            &mut out,
                            line(&id, "grant", g.to_string(), ChangeStatus::Done),
                            &id,
                        )?;
                    }
                    break;
                }
                Err(e) => e,
            };
            let next = self.classify(&error, attempt);
            if worth_reading(&next, &error) {
                // It may have taken effect: read before deciding, and send only what is
                // still missing.
                match self.read(&at, &party).await {
                    Ok(held) => {
                        for (id, g) in &pending {
                            if is_held(g, &held) {
                                self.finish(
                                    &mut out,
                                    line(id, "grant", g.to_string(), ChangeStatus::Done),
                                    id,
                                )?;
                            }
                        }
                        pending.retain(|(_, g)| !is_held(g, &held));
                    }
                    Err(e) => {
                        for (id, g) in std::mem::take(&mut pending) {
                            self.fail(
                                &mut out,
                                line(&id, "grant", g.to_string(), failed(&e)),
                                &id,
                            )?;
                        }
                        break;
                    }
                }
            }
            if !matches!(next, Next::Stop) {
                continue;
            }
            for (id, g) in std::mem::take(&mut pending) {
                self.fail(
                    &mut out,
                    line(&id, "grant", g.to_string(), failed(&error)),
                    &id,
                )?;
            }
        }

        // Step 3: take away, re-reading after any failure (a backend may revoke one by one,
        // so part of a failed call may have taken effect).
        let mut removals: Vec<RemoveLine> = Vec::new();
        for r in &hp.remove {
            let protected =
                party.kind == PartyKind::SystemUser && is_access_manager_package(&r.grantable);
            let revocable = r.accesses.iter().all(|a| a.revocable && a.is_direct());
            if protected || !revocable {
                // The plan never puts these here; this is the second lock on the door.
                self.fail(
                    &mut out,
                    line(&r.id, "revoke", r.grantable.to_string(), ChangeStatus::Failed {
                        error: "refused: held via a role or package, or the system user's own access-manager package".into(),
                    }),
                    &r.id,
                )?;
                continue;
            }
            removals.push(r.clone());
        }
        let mut attempt = 0;
        while !removals.is_empty() {
            attempt += 1;
            let started: Vec<JournalEntry> = removals
                .iter()
                .map(|r| JournalEntry::of(JournalEvent::Started, Some(&r.id)))
                .collect();
            self.journal.record(&started)?;
            self.gate.pass(self.waiter).await;
            self.counts.revoke.fetch_add(1, Ordering::Relaxed);
            let accesses: Vec<HeldAccess> = removals
                .iter()
                .flat_map(|r| r.accesses.iter().cloned())
                .collect();
            let error = match self.manager.rights.revoke(&at, &party, &accesses).await {
                Ok(()) => {
                    for r in std::mem::take(&mut removals) {
                        self.finish(
                            &mut out,
                            line(&r.id, "revoke", r.grantable.to_string(), ChangeStatus::Done),
                            &r.id,
                        )?;
                    }
                    break;
                }
                Err(e) => e,
            };
            let next = self.classify(&error, attempt);
            if worth_reading(&next, &error) || is_not_found(&error) {
                match self.read(&at, &party).await {
                    Ok(held) => {
                        let mut still = Vec::new();
                        for mut r in std::mem::take(&mut removals) {
                            // Fresh handles: the ones read before may be gone.
                            let fresh: Vec<HeldAccess> = held
                                .iter()
                                .filter(|h| {
                                    h.grantable == r.grantable && h.revocable && h.is_direct()
                                })
                                .cloned()
                                .collect();
                            if fresh.is_empty() {
                                self.finish(
                                    &mut out,
                                    line(
                                        &r.id,
                                        "revoke",
                                        r.grantable.to_string(),
                                        ChangeStatus::Done,
                                    ),
                                    &r.id,
                                )?;
                            } else {
                                r.accesses = fresh;
                                still.push(r);
                            }
                        }
                        removals = still;
                    }
                    Err(e) => {
                        for r in std::mem::take(&mut removals) {
                            self.fail(
                                &mut out,
                                line(&r.id, "revoke", r.grantable.to_string(), failed(&e)),
                                &r.id,
                            )?;
                        }
                        break;
                    }
                }
            }
            if !matches!(next, Next::Stop) {
                continue;
            }
            for r in std::mem::take(&mut removals) {
                self.fail(
                    &mut out,
                    line(&r.id, "revoke", r.grantable.to_string(), failed(&error)),
                    &r.id,
                )?;
            }
        }
        Ok(out)
    }

    /// Makes the holder a right holder. A lookup refused as throttled is never retried; one
    /// that may have been sent is followed by a read-only lookup before anything is sent again.
    async fn add_right_holder(
        &self,
        at: &PartyRef,
        hp: &HolderPlan,
        id: &ChangeId,
    ) -> Result<Result<(Party, RightHolderChange), AltinnError>, ApplyError> {
        let query = hp
            .query
            .as_ref()
            .expect("the plan adds only holders it has a query for");
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                // Read-only first: it tells whether the earlier attempt took effect.
                self.gate.pass(self.waiter).await;
                self.counts.reads.fetch_add(1, Ordering::Relaxed);
                match self.manager.parties.resolve(at, query).await {
                    Ok(Some(party)) => {
                        return Ok(Ok((party, RightHolderChange::AlreadyRightHolder)));
                    }
                    Ok(_) => {}
                    Err(e) => match self.classify(&e, attempt) {
                        Next::Stop => return Ok(Err(e)),
                        _ => continue,
                    },
                }
            }
            self.journal
                .record(&[JournalEntry::of(JournalEvent::Started, Some(id))])?;
            self.gate.pass(self.waiter).await;
            self.counts.add.fetch_add(1, Ordering::Relaxed);
            match self.manager.rights.add_right_holder(at, query).await {
                Ok(added) => {
                    self.journal
                        .record(&[JournalEntry::of(JournalEvent::Done, Some(id))])?;
                    return Ok(Ok((added.party, added.change)));
                }
                Err(e) if e.has_code("AM-00026") => return Ok(Err(e)),
                Err(e) => match self.classify(&e, attempt) {
                    Next::Stop => return Ok(Err(e)),
                    Next::Retry | Next::Confirm => {}
                },
            }
        }
    }

    /// What a failure of a change means for the next step.
    fn classify(&self, error: &AltinnError, attempt: u32) -> Next {
        if error.has_code("AM-00026") || attempt >= self.options.max_attempts {
            return Next::Stop;
        }
        if let Some(wait) = rate_limited(error) {
            // A 429 refuses before acting: nothing took effect, so the same request is safe
            // after the shared wait.
            let wait = wait.unwrap_or(self.options.rate_limit_pause);
            if self.gate.close_for(self.waiter, wait) {
                self.progress.event(&ProgressEvent::Paused { wait });
            }
            return Next::Retry;
        }
        if error.is_ambiguous() {
            return Next::Confirm;
        }
        if error.kind() == ErrorKind::Transient {
            return Next::Retry;
        }
        Next::Stop
    }

    /// Reads what `party` holds, retrying transient failures (a read is always safe).
    async fn read(&self, at: &PartyRef, party: &Party) -> Result<Vec<HeldAccess>, AltinnError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.gate.pass(self.waiter).await;
            self.counts.reads.fetch_add(1, Ordering::Relaxed);
            match self.manager.rights.holdings(at, party).await {
                Ok(held) => return Ok(held),
                Err(e) => match self.classify(&e, attempt) {
                    Next::Stop => return Err(e),
                    Next::Retry | Next::Confirm => {}
                },
            }
        }
    }

    fn finish(
        &self,
        out: &mut Vec<ChangeReport>,
        report: ChangeReport,
        id: &ChangeId,
    ) -> Result<(), ApplyError> {
        self.journal
            .record(&[JournalEntry::of(JournalEvent::Done, Some(id))])?;
        self.progress.event(&ProgressEvent::Change(report.clone()));
        out.push(report);
        Ok(())
    }

    fn fail(
        &self,
        out: &mut Vec<ChangeReport>,
        report: ChangeReport,
        id: &ChangeId,
    ) -> Result<(), ApplyError> {
        let error = match &report.status {
            ChangeStatus::Failed { error } => Some(error.clone()),
            _ => None,
        };
        self.journal.record(&[JournalEntry {
            event: JournalEvent::Failed,
            id: Some(id.clone()),
            error,
        }])?;
        self.progress.event(&ProgressEvent::Change(report.clone()));
        out.push(report);
        Ok(())
    }
}

/// Whether a failed change should be followed by a read: it may have taken effect (or a
/// backend that works item by item may have done part of it).
fn worth_reading(next: &Next, error: &AltinnError) -> bool {
    matches!(next, Next::Confirm) || error.is_ambiguous() || error.kind() == ErrorKind::Transient
}

fn failed(error: &AltinnError) -> ChangeStatus {
    ChangeStatus::Failed {
        error: error.to_string(),
    }
}

fn is_held(g: &Grantable, held: &[HeldAccess]) -> bool {
    held.iter().any(|h| h.grantable == *g)
}

fn is_not_found(e: &AltinnError) -> bool {
    e.status() == Some(404)
}

/// `Some(retry_after)` when the server refused for a rate limit.
fn rate_limited(e: &AltinnError) -> Option<Option<Duration>> {
    match e {
        AltinnError::Rejected(r) if r.status == 429 => Some(r.retry_after),
        AltinnError::Token(TokenError::RateLimited { retry_after }) => Some(*retry_after),
        _ => None,
    }
}
