//! Property tests of the grant/revoke state machine against an in-memory fake backend.
//!
//! The fake implements the neutral ports ([`Parties`] and [`Rights`]) the way either Altinn
//! generation behaves at that level: it holds a set of grantables given directly (each with
//! an opaque revoke handle) and a set held through a role or an access package, it knows the
//! person only once they are a right holder, it applies grants and revokes atomically, and it
//! can be told to fail change requests ambiguously (applied, then the answer lost), lost
//! before being applied (the client cannot tell the two apart), or cleanly (never sent). The
//! grantables are a mix of Altinn 2 service rights, Altinn 3 access packages and Altinn 3
//! resource rights, so nothing here depends on one generation. The properties:
//!
//! - a grant or revoke that succeeds leaves exactly the intended direct set;
//! - a grant run twice sends nothing the second time;
//! - no grant call ever repeats something already there, whatever fails;
//! - a revoke of something held only via a role or package is refused and revokes nothing;
//! - after any sequence with failures, one clean grant and revoke reach the target state.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use proptest::prelude::*;
use tilgang_access::{
    AccessError, AccessManager, GrantStatus, RevokeStatus, Step, package, person_query,
    resource_right, service_right,
};
use tilgang_domain::{
    Fnr, Grantable, HeldAccess, HeldVia, MaskedSsn, PackageCode, Party, PartyKind, PartyQuery,
    PartyRef, PartyUuid, RevokeHandle, RoleCode,
};
use tilgang_ports::{
    AltinnError, Delivery, Operation, Parties, Rejection, RightHolderAdded, RightHolderChange,
    Rights, Unsupported,
};

/// How many different grantables the operations draw from.
const UNIVERSE: usize = 6;

/// The grantable with index `i`: two service rights, two access packages, two resource
/// rights, so that every grant and revoke may mix kinds.
fn item(i: usize) -> Grantable {
    match i {
        0 => service_right("4864", "1", "Read"),
        1 => service_right("4864", "1", "Write"),
        2 => package("lonn"),
        3 => package("sykefravaer"),
        4 => resource_right("ttd-hr-rapport", "read"),
        5 => resource_right("ttd-hr-rapport", "write"),
        _ => unreachable!("the universe has {UNIVERSE} grantables"),
    }
    .unwrap()
}

fn index_of(g: &Grantable) -> Option<usize> {
    (0..UNIVERSE).find(|&i| item(i) == *g)
}

fn items(set: &BTreeSet<usize>) -> Vec<Grantable> {
    set.iter().map(|&i| item(i)).collect()
}

fn utinn() -> RoleCode {
    RoleCode::parse("UTINN").unwrap()
}

fn via_package_code() -> PackageCode {
    PackageCode::parse("regnskapsforer-lonn").unwrap()
}

/// Whether grantable `i`, when held indirectly, comes through the role UTINN (the even ones)
/// rather than through an access package (the odd ones), so both kinds of path are tried.
fn comes_through_role(i: usize) -> bool {
    i.is_multiple_of(2)
}

/// The indirect path of grantable `i` when it is held indirectly.
fn indirect_path(i: usize) -> HeldVia {
    if comes_through_role(i) {
        HeldVia::Role {
            role: Some(utinn()),
            name: Some("Utfyller/innsender".into()),
        }
    } else {
        HeldVia::Package {
            package: Some(via_package_code()),
        }
    }
}

/// What the fake does to the next change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The request takes effect, then the answer is lost.
    AppliedThenLost,
    /// The request is lost on the way (but the client cannot know).
    LostBeforeApplied,
    /// The connection could not be made; nothing was sent.
    NotSent,
}

#[derive(Debug, Default)]
struct State {
    /// Whether the person is a right holder of the organisation.
    right_holder: bool,
    /// Grantables held directly, by index, with the handle the fake gave each.
    direct: BTreeMap<usize, RevokeHandle>,
    next_handle: u32,
    /// Every call of a changing method, whatever became of it.
    grant_calls: u32,
    revoke_calls: u32,
    add_calls: u32,
    /// Grant calls that named something already held directly (or named one thing twice).
    duplicates: u32,
    /// Grant calls that named something already held through a role or package.
    redundant: u32,
    faults: Vec<Fault>,
    fault_idx: usize,
}

/// Counts of calls, to tell whether an operation sent anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Calls {
    grant: u32,
    revoke: u32,
    add: u32,
}

#[derive(Debug)]
struct FakeBackend {
    /// Grantables held through a role or package, by index. These never change: the use cases
    /// never touch roles or packages that other things come through.
    indirect: BTreeSet<usize>,
    /// Whether something held both directly and indirectly is listed once with both paths (as
    /// Altinn 3 does) or once per path (as Altinn 2 does); the use cases must handle both.
    merged: bool,
    org: PartyRef,
    query: PartyQuery,
    party: Party,
    state: Mutex<State>,
}

fn lost(method: &str) -> AltinnError {
    transport(
        Delivery::MaybeSent,
        method,
        "connection reset before the answer",
    )
}

fn transport(delivery: Delivery, method: &str, message: &str) -> AltinnError {
    AltinnError::Transport {
        delivery,
        method: method.into(),
        path: "/fake".into(),
        message: message.into(),
    }
}

fn rejected(status: u16, reason: &str) -> AltinnError {
    AltinnError::Rejected(Rejection {
        method: "POST".into(),
        path: "/fake".into(),
        status,
        reason: reason.into(),
        body: String::new(),
        codes: Vec::new(),
        validation: Vec::new(),
        advice: String::new(),
        retry_after: None,
    })
}

impl FakeBackend {
    fn new(
        indirect: BTreeSet<usize>,
        merged: bool,
        starts_as_right_holder: bool,
        faults: Vec<Fault>,
    ) -> Self {
        let fnr = "26899299344";
        let query = person_query(fnr, "HEIS").unwrap();
        let mut party = Party::new(PartyKind::Person);
        party.name = Some("TOM HEIS".into());
        party.ssn = Some(MaskedSsn::from(&Fnr::parse(fnr).unwrap()));
        party.party_uuid = Some(PartyUuid::parse("7a1c2d3e-0000-4000-8000-000000000001").unwrap());
        party.query = Some(query.clone());
        FakeBackend {
            // Someone who holds anything through a role or package is a right holder already.
            state: Mutex::new(State {
                right_holder: starts_as_right_holder || !indirect.is_empty(),
                faults,
                ..State::default()
            }),
            indirect,
            merged,
            org: PartyRef::parse("310000000").unwrap(),
            query,
            party,
        }
    }

    fn next_fault(state: &mut State) -> Fault {
        if state.faults.is_empty() {
            return Fault::None;
        }
        let f = state.faults[state.fault_idx % state.faults.len()];
        state.fault_idx += 1;
        f
    }

    /// The failure a fault makes before anything is applied, if any.
    fn fail_before(fault: Fault, method: &str) -> Result<(), AltinnError> {
        match fault {
            Fault::NotSent => Err(transport(Delivery::NotSent, method, "connection refused")),
            Fault::LostBeforeApplied => Err(lost(method)),
            Fault::None | Fault::AppliedThenLost => Ok(()),
        }
    }

    /// The answer after the change was applied.
    fn answer_after(fault: Fault, method: &str) -> Result<(), AltinnError> {
        match fault {
            Fault::AppliedThenLost => Err(lost(method)),
            _ => Ok(()),
        }
    }

    fn direct_set(&self) -> BTreeSet<usize> {
        self.state.lock().unwrap().direct.keys().copied().collect()
    }

    fn is_right_holder(&self) -> bool {
        self.state.lock().unwrap().right_holder
    }

    fn calls(&self) -> Calls {
        let s = self.state.lock().unwrap();
        Calls {
            grant: s.grant_calls,
            revoke: s.revoke_calls,
            add: s.add_calls,
        }
    }

    fn duplicates(&self) -> (u32, u32) {
        let s = self.state.lock().unwrap();
        (s.duplicates, s.redundant)
    }

    fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    fn check_addressing(&self, org: &PartyRef, holder: &Party) {
        assert_eq!(
            *org, self.org,
            "the use case addressed another organisation"
        );
        assert_eq!(*holder, self.party, "the use case addressed another holder");
    }

    /// What the person holds, as an adapter lists it: every grantable with every path, the
    /// role and package that indirect holdings come through, and handles on what is direct.
    fn listed(&self) -> Vec<HeldAccess> {
        let s = self.state.lock().unwrap();
        if !s.right_holder {
            return Vec::new();
        }
        let mut out = Vec::new();
        for i in 0..UNIVERSE {
            let handle = s.direct.get(&i);
            let via = self.indirect.contains(&i).then(|| indirect_path(i));
            let direct = handle.map(|h| HeldAccess {
                grantable: item(i),
                name: None,
                held_via: vec![HeldVia::Direct],
                revocable: true,
                handle: Some(h.clone()),
            });
            let indirect = via.map(|v| HeldAccess {
                grantable: item(i),
                name: None,
                held_via: vec![v],
                revocable: false,
                handle: None,
            });
            match (direct, indirect) {
                (Some(mut d), Some(i)) if self.merged => {
                    d.held_via.extend(i.held_via);
                    out.push(d);
                }
                (d, i) => out.extend(d.into_iter().chain(i)),
            }
        }
        if self.indirect.iter().any(|&i| comes_through_role(i)) {
            out.push(HeldAccess {
                grantable: Grantable::role(utinn()),
                name: Some("Utfyller/innsender".into()),
                held_via: vec![HeldVia::Direct],
                revocable: true,
                handle: Some(RevokeHandle::new("role:77")),
            });
        }
        if self.indirect.iter().any(|&i| !comes_through_role(i)) {
            out.push(HeldAccess {
                grantable: Grantable::package(via_package_code()),
                name: Some("Regnskapsfører lønn".into()),
                held_via: vec![HeldVia::Direct],
                revocable: true,
                handle: Some(RevokeHandle::new("package:1")),
            });
        }
        out
    }
}

#[async_trait]
impl Parties for FakeBackend {
    async fn resolve(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<Option<Party>, AltinnError> {
        assert_eq!(*org, self.org);
        assert_eq!(*query, self.query);
        Ok(self.is_right_holder().then(|| self.party.clone()))
    }
}

#[async_trait]
impl Rights for FakeBackend {
    fn check(&self, _operation: Operation, _grantable: &Grantable) -> Result<(), Unsupported> {
        Ok(())
    }

    async fn right_holders(&self, _org: &PartyRef) -> Result<Vec<Party>, AltinnError> {
        unreachable!("grant and revoke never list the right holders")
    }

    async fn add_right_holder(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<RightHolderAdded, AltinnError> {
        assert_eq!(*org, self.org);
        assert_eq!(*query, self.query);
        let mut s = self.state.lock().unwrap();
        s.add_calls += 1;
        let fault = Self::next_fault(&mut s);
        Self::fail_before(fault, "POST")?;
        let change = if s.right_holder {
            RightHolderChange::AlreadyRightHolder
        } else {
            s.right_holder = true;
            RightHolderChange::Added
        };
        Self::answer_after(fault, "POST")?;
        Ok(RightHolderAdded {
            party: self.party.clone(),
            change,
        })
    }

    async fn holdings(
        &self,
        org: &PartyRef,
        holder: &Party,
    ) -> Result<Vec<HeldAccess>, AltinnError> {
        self.check_addressing(org, holder);
        Ok(self.listed())
    }

    async fn grant(
        &self,
        org: &PartyRef,
        holder: &Party,
        grantables: &[Grantable],
    ) -> Result<(), AltinnError> {
        self.check_addressing(org, holder);
        let mut s = self.state.lock().unwrap();
        s.grant_calls += 1;
        let wanted: Vec<usize> = grantables
            .iter()
            .map(|g| index_of(g).expect("only grantables of the universe are granted"))
            .collect();
        // Counted whatever becomes of the call: sending a duplicate is the use case's fault
        // even if the request never arrives.
        let distinct: BTreeSet<usize> = wanted.iter().copied().collect();
        if distinct.len() != wanted.len() || wanted.iter().any(|i| s.direct.contains_key(i)) {
            s.duplicates += 1;
        }
        if wanted.iter().any(|i| self.indirect.contains(i)) {
            s.redundant += 1;
        }
        let fault = Self::next_fault(&mut s);
        Self::fail_before(fault, "POST")?;
        if !s.right_holder {
            return Err(rejected(400, "The receiver is not a right holder"));
        }
        if wanted.is_empty() {
            return Err(rejected(400, "Nothing to grant"));
        }
        if wanted.iter().any(|i| s.direct.contains_key(i)) {
            return Err(rejected(409, "The delegation already exists"));
        }
        for i in wanted {
            s.next_handle += 1;
            let handle = RevokeHandle::new(format!("h:{}", s.next_handle));
            s.direct.insert(i, handle);
        }
        Self::answer_after(fault, "POST")
    }

    async fn revoke(
        &self,
        org: &PartyRef,
        holder: &Party,
        accesses: &[HeldAccess],
    ) -> Result<(), AltinnError> {
        self.check_addressing(org, holder);
        let mut s = self.state.lock().unwrap();
        s.revoke_calls += 1;
        // Only what the fake listed as revocable carries a handle; anything else means the use
        // case tried to revoke something it may not.
        let mut targets = Vec::new();
        for access in accesses {
            let Some(handle) = &access.handle else {
                return Err(AltinnError::InvalidInput(format!(
                    "{} has no handle: it is not revocable",
                    access.grantable
                )));
            };
            let target = index_of(&access.grantable).filter(|i| s.direct.get(i) == Some(handle));
            match target {
                Some(i) => targets.push(i),
                None if handle.as_str().starts_with("h:") => {
                    return Err(rejected(404, "Not Found"));
                }
                None => {
                    return Err(AltinnError::InvalidInput(format!(
                        "{} is a role or package other things come through; revoke never removes it",
                        access.grantable
                    )));
                }
            }
        }
        let fault = Self::next_fault(&mut s);
        Self::fail_before(fault, "DELETE")?;
        for i in targets {
            s.direct.remove(&i);
        }
        Self::answer_after(fault, "DELETE")
    }

    async fn remove_right_holder(
        &self,
        _org: &PartyRef,
        _holder: &Party,
        _cascade: bool,
    ) -> Result<(), AltinnError> {
        unreachable!("grant and revoke never remove the right holder")
    }
}

#[derive(Debug, Clone)]
enum Op {
    Grant(BTreeSet<usize>),
    Revoke(BTreeSet<usize>),
}

fn subset() -> impl Strategy<Value = BTreeSet<usize>> {
    prop::collection::btree_set(0..UNIVERSE, 1..=UNIVERSE)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![subset().prop_map(Op::Grant), subset().prop_map(Op::Revoke)]
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        6 => Just(Fault::None),
        1 => Just(Fault::AppliedThenLost),
        1 => Just(Fault::LostBeforeApplied),
        1 => Just(Fault::NotSent),
    ]
}

fn is_transport(e: &AltinnError) -> bool {
    matches!(e, AltinnError::Transport { .. })
}

struct Harness {
    fake: Arc<FakeBackend>,
    access: AccessManager,
}

impl Harness {
    fn new(
        indirect: BTreeSet<usize>,
        merged: bool,
        starts_as_right_holder: bool,
        faults: Vec<Fault>,
    ) -> Self {
        let fake = Arc::new(FakeBackend::new(
            indirect,
            merged,
            starts_as_right_holder,
            faults,
        ));
        let access = AccessManager::new(fake.clone(), fake.clone());
        Harness { fake, access }
    }

    /// Runs one operation and checks it against what it should do from the state it started
    /// in. Returns whether the operation succeeded.
    async fn step(&self, op: &Op) -> Result<bool, TestCaseError> {
        let succeeded = match op {
            Op::Grant(set) => self.grant(set).await?,
            Op::Revoke(set) => self.revoke(set).await?,
        };
        // Whatever happened, no grant call ever named something that was already there.
        prop_assert_eq!(self.fake.duplicates(), (0, 0));
        Ok(succeeded)
    }

    async fn grant(&self, set: &BTreeSet<usize>) -> Result<bool, TestCaseError> {
        let fake = &self.fake;
        let indirect = &fake.indirect;
        let before = fake.direct_set();
        let was_right_holder = fake.is_right_holder();
        let missing: BTreeSet<usize> = set
            .iter()
            .copied()
            .filter(|i| !before.contains(i) && !indirect.contains(i))
            .collect();
        let target: BTreeSet<usize> = before.union(&missing).copied().collect();
        let res = self.access.grant(&fake.org, &fake.query, &items(set)).await;
        let after = fake.direct_set();
        // A grant never takes anything away, and never gives more than was missing.
        prop_assert!(after.is_superset(&before) && after.is_subset(&target));
        match res {
            Ok(out) => {
                prop_assert_eq!(&after, &target);
                prop_assert_eq!(out.changed, !missing.is_empty() || !was_right_holder);
                prop_assert_eq!(
                    out.right_holder,
                    (!was_right_holder).then_some(RightHolderChange::Added)
                );
                prop_assert_eq!(out.accesses.len(), set.len());
                for line in &out.accesses {
                    let i = index_of(&line.grantable).unwrap();
                    let expected = if missing.contains(&i) {
                        GrantStatus::Added
                    } else {
                        let paths: BTreeSet<HeldVia> = before
                            .contains(&i)
                            .then_some(HeldVia::Direct)
                            .into_iter()
                            .chain(indirect.contains(&i).then(|| indirect_path(i)))
                            .collect();
                        GrantStatus::AlreadyHeld {
                            held_via: paths.into_iter().collect(),
                        }
                    };
                    prop_assert_eq!(&line.status, &expected);
                }
                // Grant twice: the second run must send nothing and change nothing, because
                // everything asked for is now held.
                let calls = fake.calls();
                let again = self
                    .access
                    .grant(&fake.org, &fake.query, &items(set))
                    .await
                    .map_err(|e| TestCaseError::fail(format!("second grant failed: {e}")))?;
                prop_assert!(!again.changed);
                prop_assert_eq!(again.requests_sent, 0);
                prop_assert_eq!(again.right_holder, None);
                prop_assert_eq!(fake.calls(), calls);
                prop_assert_eq!(fake.direct_set(), target);
                Ok(true)
            }
            // Only failures of the transport may make a grant fail.
            Err(AccessError::Unconfirmed { missing: left, .. }) => {
                let left: BTreeSet<usize> = left.iter().map(|g| index_of(g).unwrap()).collect();
                prop_assert!(left.is_subset(&missing), "{:?} ⊄ {:?}", left, missing);
                prop_assert!(!left.is_empty());
                Ok(false)
            }
            Err(AccessError::Altinn {
                step: Step::Grant,
                source,
            }) => {
                prop_assert!(
                    matches!(
                        *source,
                        AltinnError::Transport {
                            delivery: Delivery::NotSent,
                            ..
                        }
                    ),
                    "unexpected grant failure: {}",
                    source
                );
                Ok(false)
            }
            Err(AccessError::Altinn {
                step: Step::AddRightHolder,
                source,
            }) => {
                prop_assert!(!was_right_holder);
                prop_assert!(is_transport(&source), "unexpected failure: {}", source);
                prop_assert_eq!(after, before);
                Ok(false)
            }
            Err(e) => Err(TestCaseError::fail(format!(
                "unexpected grant failure: {e}"
            ))),
        }
    }

    async fn revoke(&self, set: &BTreeSet<usize>) -> Result<bool, TestCaseError> {
        let fake = &self.fake;
        let indirect = &fake.indirect;
        let before = fake.direct_set();
        let was_right_holder = fake.is_right_holder();
        let only_indirect: BTreeSet<usize> = set
            .iter()
            .copied()
            .filter(|i| indirect.contains(i) && !before.contains(i))
            .collect();
        let calls = fake.calls();
        let res = self
            .access
            .revoke(&fake.org, &fake.query, &items(set))
            .await;
        let after = fake.direct_set();
        match res {
            Err(AccessError::HeldIndirectly {
                items: refused,
                roles,
            }) => {
                prop_assert!(!only_indirect.is_empty());
                let named: BTreeSet<usize> = refused
                    .iter()
                    .map(|h| index_of(&h.grantable).unwrap())
                    .collect();
                prop_assert_eq!(&named, &only_indirect);
                for h in &refused {
                    let i = index_of(&h.grantable).unwrap();
                    prop_assert_eq!(&h.held_via, &vec![indirect_path(i)]);
                }
                // The roles the refused items come through are named, so the message says
                // what to remove, and no other role is.
                let has_role = named.iter().any(|&i| comes_through_role(i));
                prop_assert_eq!(
                    roles,
                    if has_role {
                        vec![r#"role UTINN "Utfyller/innsender""#.to_owned()]
                    } else {
                        Vec::new()
                    }
                );
                // The refusal comes before anything is revoked, so nothing is half done.
                prop_assert_eq!(after, before);
                prop_assert_eq!(fake.calls().revoke, calls.revoke);
                Ok(false)
            }
            Ok(out) => {
                prop_assert!(only_indirect.is_empty());
                let expected: BTreeSet<usize> = before.difference(set).copied().collect();
                prop_assert_eq!(&after, &expected);
                let removed = before.intersection(set).next().is_some();
                prop_assert_eq!(out.changed, removed);
                if !removed {
                    prop_assert_eq!(fake.calls().revoke, calls.revoke);
                }
                prop_assert_eq!(out.holder.is_some(), was_right_holder);
                prop_assert_eq!(out.accesses.len(), set.len());
                for line in &out.accesses {
                    let i = index_of(&line.grantable).unwrap();
                    let expected = if before.contains(&i) {
                        RevokeStatus::Removed {
                            still_held_via: indirect
                                .contains(&i)
                                .then(|| indirect_path(i))
                                .into_iter()
                                .collect(),
                        }
                    } else {
                        RevokeStatus::NotHeld
                    };
                    prop_assert_eq!(&line.status, &expected);
                }
                Ok(true)
            }
            Err(AccessError::Altinn {
                step: Step::Revoke,
                source,
            }) => {
                prop_assert!(only_indirect.is_empty());
                prop_assert!(
                    is_transport(&source),
                    "unexpected revoke failure: {}",
                    source
                );
                // A revoke that took effect is confirmed by reading again, so a failure means
                // it did not take effect at all.
                prop_assert_eq!(after, before);
                Ok(false)
            }
            Err(e) => Err(TestCaseError::fail(format!(
                "unexpected revoke failure: {e}"
            ))),
        }
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Without failures, every operation does exactly what it should.
    #[test]
    fn clean_runs_follow_the_model(
        indirect in prop::collection::btree_set(0..UNIVERSE, 0..=2),
        merged in any::<bool>(),
        starts_as_right_holder in any::<bool>(),
        ops in prop::collection::vec(op(), 1..12),
    ) {
        let h = Harness::new(indirect.clone(), merged, starts_as_right_holder, Vec::new());
        block_on(async {
            for op in &ops {
                let succeeded = h.step(op).await?;
                // Without failures, only revoking what is held only indirectly may fail.
                let refusable = matches!(
                    op,
                    Op::Revoke(set) if set.iter().any(|i| indirect.contains(i))
                );
                prop_assert!(succeeded || refusable, "{:?} failed without a fault", op);
            }
            Ok::<(), TestCaseError>(())
        })?;
    }

    /// With failures injected, successes still do exactly what they should, duplicates never
    /// happen, and one clean grant and revoke afterwards reach any target.
    #[test]
    fn failures_never_duplicate_and_runs_converge(
        indirect in prop::collection::btree_set(0..UNIVERSE, 0..=2),
        merged in any::<bool>(),
        starts_as_right_holder in any::<bool>(),
        faults in prop::collection::vec(fault(), 1..8),
        ops in prop::collection::vec(op(), 1..12),
        target in prop::collection::btree_set(0..UNIVERSE, 0..=UNIVERSE),
    ) {
        let h = Harness::new(indirect.clone(), merged, starts_as_right_holder, faults);
        block_on(async {
            for op in &ops {
                h.step(op).await?;
            }
            h.fake.clear_faults();
            // Converge: grant the target, then revoke every other directly held grantable.
            let wanted: BTreeSet<usize> = target.difference(&indirect).copied().collect();
            if !wanted.is_empty() {
                prop_assert!(h.step(&Op::Grant(wanted.clone())).await?, "the clean grant failed");
            }
            let extra: BTreeSet<usize> = h.fake.direct_set().difference(&wanted).copied().collect();
            if !extra.is_empty() {
                prop_assert!(h.step(&Op::Revoke(extra)).await?, "the clean revoke failed");
            }
            prop_assert_eq!(h.fake.direct_set(), wanted);
            Ok::<(), TestCaseError>(())
        })?;
    }
}
