//! The plan: what must change for the current state to become the desired one.
//!
//! [`diff`] is pure: it takes the current state (as [`AccessManager::read_state`] reads it:
//! one right-holder listing per organisation, then the holdings of each right holder) and the
//! desired state, and says per right holder what will be added, what removed (only with
//! `prune`), what is unchanged, what is held via a role or a package and cannot be changed
//! here, and what is kept because it is not in the file. It does no I/O.
//!
//! Safety rules are decided here, so that a plan shown to a person is exactly what runs:
//!
//! - only revocable direct holdings are ever removed; something held via a role or a package
//!   is shown, never touched;
//! - the access-manager package (`tilgangsstyrer`, `hovedadministrator`) of a system user is
//!   never removed: it is how this client manages access at all;
//! - a person is matched to a right holder by masked number and last name, or by party id;
//!   when that is ambiguous (two right holders match), the plan refuses rather than guess.
//!
//! Every change has a stable [`ChangeId`]: the same planned change gets the same id on every
//! run, so a journal can tell what an earlier, interrupted run already did.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use serde::Serialize;
use tilgang_domain::{
    Grantable, HeldAccess, HeldVia, OrgNumber, Party, PartyKind, PartyQuery, PartyRef,
};
use tilgang_ports::{ErrorKind, Operation};

use crate::{
    AccessError, AccessManager, Step,
    desired::{DesiredHolder, DesiredState, HolderId, candidate_keys},
};

/// The packages that let a system user manage access; never pruned from a system user.
pub const ACCESS_MANAGER_PACKAGES: [&str; 2] = ["tilgangsstyrer", "hovedadministrator"];

/// What the organisations hold today: per organisation, every right holder and everything they
/// hold, with every path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentState {
    /// One entry per organisation read.
    pub organisations: Vec<CurrentOrg>,
}

/// The right holders of one organisation and what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentOrg {
    /// The organisation.
    pub org: OrgNumber,
    /// Every right holder with what they hold.
    pub holders: Vec<CurrentHolder>,
}

/// One right holder and what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentHolder {
    /// The party, as the listing gave it.
    pub party: Party,
    /// Everything held, as [`Rights::holdings`](tilgang_ports::Rights::holdings) gave it.
    pub held: Vec<HeldAccess>,
}

/// How to plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanOptions {
    /// Remove direct holdings the file does not name.
    pub prune: bool,
}

/// The stable id of one planned change, e.g.
/// `310000000/person:268992*****:HEIS/grant/package lonn`. It holds no full fødselsnummer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ChangeId(pub String);

impl std::fmt::Display for ChangeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something held only via other paths, which this client cannot change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndirectLine {
    /// What is held.
    #[serde(flatten)]
    pub grantable: Grantable,
    /// How it is held.
    pub held_via: Vec<HeldVia>,
    /// Whether the file asks for it (then it counts as held and nothing is granted).
    pub desired: bool,
}

/// Something to remove: a direct holding the file does not name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoveLine {
    /// The id of the change.
    pub id: ChangeId,
    /// What is removed.
    #[serde(flatten)]
    pub grantable: Grantable,
    /// The holdings to revoke (one per listing entry; Altinn 2 lists paths separately).
    #[serde(skip)]
    pub accesses: Vec<HeldAccess>,
    /// Paths by which it stays held after the direct holding is gone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub still_held_via: Vec<HeldVia>,
}

/// Something to give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddLine {
    /// The id of the change.
    pub id: ChangeId,
    /// What is given.
    #[serde(flatten)]
    pub grantable: Grantable,
}

/// What changes for one right holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolderPlan {
    /// A stable key for the holder within the organisation (masked).
    pub key: String,
    /// Who, as safe to print.
    pub label: String,
    /// Whether the file names this holder (false: a right holder found only in Altinn).
    pub declared: bool,
    /// The right holder as listed today; absent when they are not one yet.
    pub party: Option<Party>,
    /// The query that names the holder to the backend (never serialised: it may hold a full
    /// fødselsnummer).
    #[serde(skip)]
    pub query: Option<PartyQuery>,
    /// Set when the holder must be made a right holder first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_right_holder: Option<ChangeId>,
    /// What will be given.
    pub add: Vec<AddLine>,
    /// What will be taken away (only with `prune`).
    pub remove: Vec<RemoveLine>,
    /// What is held directly and stays, as the file says.
    pub unchanged: Vec<Grantable>,
    /// What is held only via a role, a package or another path: not changed here.
    pub indirect: Vec<IndirectLine>,
    /// Direct holdings the file does not name, kept because `prune` is off.
    pub kept: Vec<Grantable>,
    /// Direct holdings never removed: the system user's own access-manager package.
    pub protected: Vec<Grantable>,
}

impl HolderPlan {
    /// Whether anything changes for this holder.
    pub fn has_changes(&self) -> bool {
        !self.add.is_empty() || !self.remove.is_empty()
    }

    /// The ids of every change for this holder, in the order they run.
    pub fn change_ids(&self) -> impl Iterator<Item = &ChangeId> {
        self.add_right_holder
            .iter()
            .chain(self.add.iter().map(|a| &a.id))
            .chain(self.remove.iter().map(|r| &r.id))
    }
}

/// What changes for one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgPlan {
    /// The organisation.
    pub org: OrgNumber,
    /// Every right holder the file names or the organisation has, file order first.
    pub holders: Vec<HolderPlan>,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Whether removals were planned.
    pub prune: bool,
    /// One entry per organisation in the file.
    pub organisations: Vec<OrgPlan>,
    /// How many accesses will be given.
    pub to_add: usize,
    /// How many accesses will be taken away.
    pub to_remove: usize,
    /// How many right holders must be added first.
    pub new_right_holders: usize,
}

impl Plan {
    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.to_add == 0 && self.to_remove == 0
    }

    /// Every holder with something to do, with its organisation.
    pub fn work(&self) -> impl Iterator<Item = (&OrgNumber, &HolderPlan)> {
        self.organisations.iter().flat_map(|o| {
            o.holders
                .iter()
                .filter(|h| h.has_changes())
                .map(move |h| (&o.org, h))
        })
    }

    /// Every change id in the plan.
    pub fn change_ids(&self) -> BTreeSet<ChangeId> {
        self.work()
            .flat_map(|(_, h)| h.change_ids().cloned())
            .collect()
    }

    /// The summary line, Terraform-style.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            "No changes. The organisations' accesses match the file.".to_owned()
        } else {
            format!(
                "Plan: {} to add, {} to remove.",
                self.to_add, self.to_remove
            )
        }
    }
}

/// Why a plan could not be made. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// More than one right holder matches an entry.
    #[error(
        "{holder} in organisation {org} matches {count} right holders; add `party = \"...\"` to the entry to say which (see `altinn export`)"
    )]
    Ambiguous {
        /// The organisation.
        org: String,
        /// Who, masked.
        holder: String,
        /// How many matched.
        count: usize,
    },
    /// Two entries match the same right holder.
    #[error(
        "{first} and {second} in organisation {org} are the same right holder; merge the entries"
    )]
    SameHolder {
        /// The organisation.
        org: String,
        /// One entry, masked.
        first: String,
        /// The other, masked.
        second: String,
    },
    /// An entry that can only name an existing right holder names none.
    #[error(
        "{holder} is not a right holder of {org}; to make a person one, give `fnr` and `last_name`"
    )]
    CannotAdd {
        /// The organisation.
        org: String,
        /// Who, masked.
        holder: String,
    },
}

/// The plan that turns `current` into `desired`. Pure: no I/O.
pub fn diff(
    current: &CurrentState,
    desired: &DesiredState,
    options: PlanOptions,
) -> Result<Plan, PlanError> {
    let mut organisations = Vec::with_capacity(desired.organisations.len());
    for d in &desired.organisations {
        let empty = Vec::new();
        let holders = current
            .organisations
            .iter()
            .find(|c| c.org == d.org)
            .map(|c| &c.holders)
            .unwrap_or(&empty);
        organisations.push(diff_org(d.org, holders, &d.holders, options)?);
    }
    let mut plan = Plan {
        prune: options.prune,
        organisations,
        to_add: 0,
        to_remove: 0,
        new_right_holders: 0,
    };
    let (mut add, mut remove, mut new) = (0, 0, 0);
    for (_, h) in plan.work() {
        add += h.add.len();
        remove += h.remove.len();
        new += usize::from(h.add_right_holder.is_some());
    }
    plan.to_add = add;
    plan.to_remove = remove;
    plan.new_right_holders = new;
    Ok(plan)
}

fn diff_org(
    org: OrgNumber,
    current: &[CurrentHolder],
    desired: &[DesiredHolder],
    options: PlanOptions,
) -> Result<OrgPlan, PlanError> {
    // Match every entry to at most one right holder, and every right holder to at most one
    // entry.
    // An index of the right holders by each id they have, so each entry is compared with the
    // few holders that share its id rather than with all of them (an organisation of
    // thousands would otherwise cost millions of comparisons).
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, c) in current.iter().enumerate() {
        for key in candidate_keys(&c.party) {
            index.entry(key).or_default().push(j);
        }
    }
    let mut owner: BTreeMap<usize, usize> = BTreeMap::new();
    let mut matched: Vec<Option<usize>> = Vec::with_capacity(desired.len());
    for (i, d) in desired.iter().enumerate() {
        let candidates: Vec<usize> = d
            .who
            .candidate_key()
            .and_then(|key| index.get(&key))
            .map(|js| {
                js.iter()
                    .copied()
                    .filter(|&j| d.who.matches(&current[j].party))
                    .collect()
            })
            .unwrap_or_default();
        match candidates.as_slice() {
            [] => matched.push(None),
            [j] => {
                if let Some(&first) = owner.get(j) {
                    return Err(PlanError::SameHolder {
                        org: org.to_string(),
                        first: desired[first].who.to_string(),
                        second: d.who.to_string(),
                    });
                }
                owner.insert(*j, i);
                matched.push(Some(*j));
            }
            many => {
                return Err(PlanError::Ambiguous {
                    org: org.to_string(),
                    holder: d.who.to_string(),
                    count: many.len(),
                });
            }
        }
    }

    let mut holders = Vec::new();
    for (d, m) in desired.iter().zip(&matched) {
        let current = m.map(|j| &current[j]);
        holders.push(diff_holder(org, Some(d), current, options)?);
    }
    for (j, c) in current.iter().enumerate() {
        if !owner.contains_key(&j) {
            holders.push(diff_holder(org, None, Some(c), options)?);
        }
    }
    Ok(OrgPlan { org, holders })
}

/// One listing entry per grantable: Altinn 2 lists each path of a grantable separately,
/// Altinn 3 once with every path; both come out the same here.
#[derive(Default)]
struct Held {
    revocable: Vec<HeldAccess>,
    direct: bool,
    indirect: BTreeSet<HeldVia>,
}

fn diff_holder(
    org: OrgNumber,
    desired: Option<&DesiredHolder>,
    current: Option<&CurrentHolder>,
    options: PlanOptions,
) -> Result<HolderPlan, PlanError> {
    let key = match (desired, current) {
        (Some(d), _) => d.who.key(),
        (None, Some(c)) => holder_key(&c.party),
        (None, None) => unreachable!("a plan line has an entry or a right holder"),
    };
    let label = match (desired, current) {
        (Some(d), _) => d.who.to_string(),
        (None, Some(c)) => describe(&c.party),
        (None, None) => unreachable!("a plan line has an entry or a right holder"),
    };
    let id =
        |verb: &str, what: &dyn std::fmt::Display| ChangeId(format!("{org}/{key}/{verb}/{what}"));

    let mut held: BTreeMap<Grantable, Held> = BTreeMap::new();
    for access in current.map(|c| c.held.as_slice()).unwrap_or_default() {
        let entry = held.entry(access.grantable.clone()).or_default();
        entry.direct |= access.is_direct();
        entry.indirect.extend(access.indirect().cloned());
        if access.revocable && access.is_direct() {
            entry.revocable.push(access.clone());
        }
    }
    let wanted: BTreeSet<Grantable> = desired.map(|d| d.grantables.clone()).unwrap_or_default();
    let system_user = current.is_some_and(|c| c.party.kind == PartyKind::SystemUser);

    let mut plan = HolderPlan {
        key: key.clone(),
        label,
        declared: desired.is_some(),
        party: current.map(|c| c.party.clone()),
        query: desired.and_then(|d| d.who.query(current.and_then(|c| c.party.name.as_deref()))),
        add_right_holder: None,
        add: Vec::new(),
        remove: Vec::new(),
        unchanged: Vec::new(),
        indirect: Vec::new(),
        kept: Vec::new(),
        protected: Vec::new(),
    };

    for g in &wanted {
        match held.get(g) {
            Some(h) if h.direct => plan.unchanged.push(g.clone()),
            Some(h) => plan.indirect.push(IndirectLine {
                grantable: g.clone(),
                held_via: h.indirect.iter().cloned().collect(),
                desired: true,
            }),
            None => plan.add.push(AddLine {
                id: id("grant", g),
                grantable: g.clone(),
            }),
        }
    }
    for (g, h) in &held {
        if wanted.contains(g) {
            continue;
        }
        if !h.direct || h.revocable.is_empty() {
            // Held only via a role or a package (or directly in a way this client may not
            // revoke): shown, never touched.
            plan.indirect.push(IndirectLine {
                grantable: g.clone(),
                held_via: if h.indirect.is_empty() {
                    vec![HeldVia::Direct]
                } else {
                    h.indirect.iter().cloned().collect()
                },
                desired: false,
            });
            continue;
        }
        if matches!(g, Grantable::Other { .. }) {
            // The file cannot name it, so the file cannot be said to leave it out.
            plan.kept.push(g.clone());
        } else if system_user && is_access_manager_package(g) {
            plan.protected.push(g.clone());
        } else if options.prune {
            plan.remove.push(RemoveLine {
                id: id("revoke", g),
                grantable: g.clone(),
                accesses: h.revocable.clone(),
                still_held_via: h.indirect.iter().cloned().collect(),
            });
        } else {
            plan.kept.push(g.clone());
        }
    }

    if current.is_none() && !plan.add.is_empty() {
        if plan.query.is_none() {
            return Err(PlanError::CannotAdd {
                org: org.to_string(),
                holder: plan.label,
            });
        }
        plan.add_right_holder = Some(id("add-right-holder", &"right holder"));
    }
    Ok(plan)
}

/// Whether `g` is a package that lets its holder manage access.
pub fn is_access_manager_package(g: &Grantable) -> bool {
    matches!(g, Grantable::Package { package } if ACCESS_MANAGER_PACKAGES.contains(&package.as_str()))
}

/// A key for a right holder the file does not name: its best id.
fn holder_key(party: &Party) -> String {
    match party.reference() {
        Some(r) => format!("party:{r}"),
        None => format!("party:{}", describe(party)),
    }
}

/// A right holder as safe to print: kind, masked number or organisation number, name.
fn describe(party: &Party) -> String {
    let kind = match party.kind {
        PartyKind::Person => "person",
        PartyKind::Organisation => "organisation",
        PartyKind::SystemUser => "system user",
        _ => "party",
    };
    let id = party
        .ssn
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| party.organization_number.clone())
        .or_else(|| party.reference().map(|r| r.to_string()))
        .unwrap_or_default();
    match &party.name {
        Some(n) => format!("{kind} {id} {n}"),
        None => format!("{kind} {id}"),
    }
}

impl AccessManager {
    /// Reads what the organisations hold today: one right-holder listing per organisation, then
    /// the holdings of each right holder, at most `concurrency` reads at a time. Read-only: no
    /// person lookup, nothing sent that changes anything.
    pub async fn read_state(
        &self,
        orgs: &[OrgNumber],
        concurrency: usize,
    ) -> Result<CurrentState, AccessError> {
        let mut organisations = Vec::with_capacity(orgs.len());
        for org in orgs {
            let at = PartyRef::Organisation(*org);
            let parties = read_again_while_transient(|| async {
                self.rights
                    .right_holders(&at)
                    .await
                    .map_err(AccessError::at(Step::ListRightHolders))
            })
            .await?;
            let at = &at;
            let holders: Vec<CurrentHolder> = stream::iter(parties)
                .map(|party| async move {
                    let held = read_again_while_transient(|| self.holdings(at, &party, Step::Read))
                        .await?;
                    Ok::<_, AccessError>(CurrentHolder { party, held })
                })
                .buffered(concurrency.max(1))
                .try_collect()
                .await?;
            organisations.push(CurrentOrg { org: *org, holders });
        }
        Ok(CurrentState { organisations })
    }

    /// Reads the current state of every organisation in `desired` and plans the changes.
    /// Every access to give is checked against the backend first, so a grantable it cannot
    /// handle fails the plan before anything is sent.
    pub async fn plan(
        &self,
        desired: &DesiredState,
        options: PlanOptions,
        concurrency: usize,
    ) -> Result<(CurrentState, Plan), PlanFailure> {
        let current = self.read_state(&desired.orgs(), concurrency).await?;
        let plan = diff(&current, desired, options)?;
        for (_, h) in plan.work() {
            for a in &h.add {
                self.rights
                    .check(Operation::Grant, &a.grantable)
                    .map_err(AccessError::from)?;
            }
        }
        Ok((current, plan))
    }

    /// The desired state that matches what the right holders of `orgs` hold directly today,
    /// for writing as a file ([`DesiredState::to_toml`]). Then planning that file shows no
    /// changes.
    pub async fn export(
        &self,
        orgs: &[OrgNumber],
        concurrency: usize,
    ) -> Result<DesiredState, AccessError> {
        let current = self.read_state(orgs, concurrency).await?;
        Ok(export_state(&current))
    }
}

/// How many times `read_state` sends one read that keeps failing transiently.
const READ_ATTEMPTS: u32 = 6;

/// Runs a read again while it fails transiently (a dropped connection, a 5xx, a 429), up to
/// [`READ_ATTEMPTS`] times. Safe because a read changes nothing. It matters for whole
/// organisations: a plan makes a read or more per right holder, the transport's own retries
/// cover one request, and one read that still fails would otherwise fail the whole plan, so
/// that with thousands of holders on a bad day a plan (and an apply, which plans first)
/// could never get through.
async fn read_again_while_transient<T, F, Fut>(read: F) -> Result<T, AccessError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, AccessError>>,
{
    let mut attempt = 1;
    loop {
        match read().await {
            Err(e) if e.kind() == ErrorKind::Transient && attempt < READ_ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "a read failed transiently; reading again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The desired state that matches `current`'s direct holdings. Pure.
pub fn export_state(current: &CurrentState) -> DesiredState {
    let organisations = current
        .organisations
        .iter()
        .map(|o| crate::desired::DesiredOrg {
            org: o.org,
            holders: o
                .holders
                .iter()
                .filter_map(|h| {
                    let grantables: BTreeSet<Grantable> = h
                        .held
                        .iter()
                        .filter(|a| a.is_direct() && a.revocable)
                        .map(|a| a.grantable.clone())
                        .filter(|g| !matches!(g, Grantable::Other { .. }))
                        .collect();
                    if grantables.is_empty() {
                        return None;
                    }
                    // A right holder without any id cannot be named in a file; it is left out
                    // (the listing always gives one, so this does not happen in practice).
                    Some(DesiredHolder {
                        who: exported_id(&h.party)?,
                        grantables,
                    })
                })
                .collect(),
        })
        .collect();
    DesiredState { organisations }
}

fn exported_id(party: &Party) -> Option<HolderId> {
    if party.kind == PartyKind::Organisation
        && let Some(org) = party
            .organization_number
            .as_deref()
            .and_then(|n| OrgNumber::parse(n).ok())
    {
        return Some(HolderId::Organisation {
            org,
            name: party
                .name
                .as_deref()
                .and_then(|n| tilgang_domain::Name::parse(n).ok()),
            party: None,
        });
    }
    let reference = party.reference()?;
    Some(match (&party.kind, &party.ssn) {
        (PartyKind::Person, Some(ssn)) => HolderId::KnownPerson {
            ssn: ssn.clone(),
            last_name: None,
            name: party.name.clone(),
            party: Some(reference),
        },
        _ => HolderId::Party {
            party: reference,
            name: party.name.clone(),
        },
    })
}

/// Why planning failed: the file does not fit the current state, or Altinn failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanFailure {
    /// The file does not fit the current state.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Reading failed, or the backend refused a grantable.
    #[error(transparent)]
    Access(#[from] AccessError),
}

impl PlanFailure {
    /// The coarse kind, e.g. for exit codes.
    pub fn kind(&self) -> tilgang_ports::ErrorKind {
        match self {
            PlanFailure::Plan(_) => tilgang_ports::ErrorKind::BadInput,
            PlanFailure::Access(e) => e.kind(),
        }
    }
}
