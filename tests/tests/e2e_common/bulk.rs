//! The bulk driver of the reliability suites, for both platforms: what a team's batch job
//! looks like. The use cases are idempotent, so a person whose operation failed transiently
//! is simply run again.

use tilgang::{
    access::{AccessError, AccessManager},
    domain::{Grantable, PartyQuery, PartyRef},
    ports::ErrorKind,
};

/// How many times the driver runs one person's operation before giving up on transient errors.
pub(crate) const MAX_RUNS_PER_PERSON: u32 = 12;

/// What the driver does to every person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Grant,
    Revoke,
}

/// What a bulk run did.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Indexes of the persons whose operation completed.
    pub(crate) done: Vec<usize>,
    /// The person the run stopped at, and why.
    pub(crate) stopped: Option<(usize, AccessError)>,
    /// Indexes of the persons never reached.
    pub(crate) not_done: Vec<usize>,
    /// Transient failures the driver absorbed by running a person again.
    pub(crate) reruns: u32,
}

/// Runs `op` with `what` for each person (index and query) in order. A transient failure runs
/// the person again; anything else, or too many runs, stops the run with a report.
/// `after_each` is called with the number of persons done, for the tests' mid-run events.
pub(crate) async fn bulk(
    access: &AccessManager,
    org: &PartyRef,
    people: &[(usize, PartyQuery)],
    op: Op,
    what: &[Grantable],
    mut after_each: impl AsyncFnMut(usize),
) -> Report {
    let mut report = Report::default();
    for (pos, (idx, query)) in people.iter().enumerate() {
        let mut runs = 0;
        let outcome = loop {
            runs += 1;
            let result = match op {
                Op::Grant => access.grant(org, query, what).await.map(|_| ()),
                Op::Revoke => access.revoke(org, query, what).await.map(|_| ()),
            };
            match result {
                Ok(()) => break Ok(()),
                Err(e) if e.kind() == ErrorKind::Transient && runs < MAX_RUNS_PER_PERSON => {
                    report.reruns += 1;
                }
                Err(e) => break Err(e),
            }
        };
        match outcome {
            Ok(()) => report.done.push(*idx),
            Err(e) => {
                report.stopped = Some((*idx, e));
                report.not_done = people[pos..].iter().map(|(i, _)| *i).collect();
                return report;
            }
        }
        after_each(report.done.len()).await;
    }
    report
}
