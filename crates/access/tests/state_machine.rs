//! Property tests of the grant/revoke state machine against an in-memory fake of Altinn 2.
//!
//! The fake applies delegations atomically, refuses duplicates the way Altinn does, and can
//! be told to fail requests ambiguously (applied or not, then the answer lost) or cleanly
//! (never sent). The properties:
//!
//! - a grant or revoke that succeeds leaves exactly the intended directly delegated rights;
//! - a grant run twice sends nothing the second time;
//! - no delegation request ever repeats a right that is already there, whatever fails;
//! - a revoke of a right held only through a role is refused and deletes nothing;
//! - after any sequence with failures, one clean grant and revoke reach the target state.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use proptest::prelude::*;
use tilgang_access::{AccessError, AccessManager, RevokeStatus, ServiceRight, person_query};
use tilgang_domain::{
    Action, DelegationRequest, PartyRef, Reportee, ReporteeId, ReporteeQuery, Right, RightHolder,
    RightId, RightSourceType, Role, RoleDefinitionId, RoleId, RoleType, ServiceCode,
    ServiceEditionCode,
};
use tilgang_ports::{AltinnError, Delegations, Delivery, Rejection, ReporteeLookup, RightsFilter};

const ACTIONS: [Action; 4] = [
    Action::Read,
    Action::Write,
    Action::Sign,
    Action::ArchiveRead,
];

fn right(i: usize) -> ServiceRight {
    ServiceRight::new(
        ServiceCode::parse("4864").unwrap(),
        ServiceEditionCode::new(1).unwrap(),
        ACTIONS[i].clone(),
    )
    .unwrap()
}

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

#[derive(Default)]
struct State {
    /// Directly delegated rights, by index into `ACTIONS`, with their ids.
    direct: BTreeMap<usize, RightId>,
    next_id: i64,
    posts: u32,
    deletes: u32,
    /// POSTs that named a right already delegated (Altinn refuses these).
    duplicates: u32,
    faults: Vec<Fault>,
    fault_idx: usize,
}

struct FakeAltinn {
    role_rights: BTreeSet<usize>,
    state: Mutex<State>,
}

impl FakeAltinn {
    fn new(role_rights: BTreeSet<usize>, faults: Vec<Fault>) -> Self {
        FakeAltinn {
            role_rights,
            state: Mutex::new(State {
                next_id: 1000,
                faults,
                ..State::default()
            }),
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

    fn direct_set(&self) -> BTreeSet<usize> {
        self.state.lock().unwrap().direct.keys().copied().collect()
    }

    fn counters(&self) -> (u32, u32, u32) {
        let s = self.state.lock().unwrap();
        (s.posts, s.deletes, s.duplicates)
    }

    fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    fn listed(&self) -> Vec<Right> {
        let s = self.state.lock().unwrap();
        let mut out = Vec::new();
        for (&i, &id) in &s.direct {
            out.push(as_right(i, id, RightSourceType::DirectlyDelegatedRights));
        }
        for &i in &self.role_rights {
            out.push(as_right(
                i,
                RightId(500 + i as i64),
                RightSourceType::RoleTypeRights,
            ));
        }
        out
    }
}

fn as_right(i: usize, id: RightId, source: RightSourceType) -> Right {
    let r = right(i);
    let mut out = Right::service(r.service_code, r.service_edition, r.action);
    out.right_id = Some(id);
    out.right_source_type = Some(source);
    out
}

fn index_of(action: &Action) -> usize {
    ACTIONS.iter().position(|a| a == action).unwrap()
}

fn lost(method: &str) -> AltinnError {
    AltinnError::Transport {
        delivery: Delivery::MaybeSent,
        method: method.into(),
        path: "/fake".into(),
        message: "connection reset before the answer".into(),
    }
}

fn rejected(status: u16, reason: &str) -> AltinnError {
    AltinnError::Rejected(Rejection {
        method: "POST".into(),
        path: "/fake".into(),
        status,
        reason: reason.into(),
        body: String::new(),
        code: None,
        retry_after: None,
    })
}

#[async_trait]
impl ReporteeLookup for FakeAltinn {
    async fn reportee(&self, _query: &ReporteeQuery) -> Result<Reportee, AltinnError> {
        Ok(Reportee {
            reportee_id: ReporteeId::parse("r50828869").unwrap(),
            party_uuid: None,
            name: Some("HEIS TOM".into()),
            reportee_type: None,
            social_security_number: None,
            organization_number: None,
            parent_organization_number: None,
            organization_form: None,
            status: None,
            links: Default::default(),
        })
    }
}

#[async_trait]
impl Delegations for FakeAltinn {
    async fn right_holders(&self, _who: &PartyRef) -> Result<Vec<RightHolder>, AltinnError> {
        unreachable!("the use cases do not list right holders")
    }

    async fn right_holder(
        &self,
        _who: &PartyRef,
        _receiver: &PartyRef,
    ) -> Result<RightHolder, AltinnError> {
        unreachable!("grant and revoke read rights, not the whole holder")
    }

    async fn rights(
        &self,
        _who: &PartyRef,
        _receiver: &PartyRef,
        filter: RightsFilter,
    ) -> Result<Vec<Right>, AltinnError> {
        let all = self.listed();
        Ok(match filter {
            RightsFilter::DirectlyDelegated => all
                .into_iter()
                .filter(Right::is_directly_delegated)
                .collect(),
            _ => all,
        })
    }

    async fn roles(&self, _who: &PartyRef, _receiver: &PartyRef) -> Result<Vec<Role>, AltinnError> {
        Ok(vec![Role {
            role_id: Some(RoleId(77)),
            role_type: Some(RoleType::Altinn),
            role_definition_id: Some(RoleDefinitionId(3)),
            role_name: Some("Utfyller/innsender".into()),
            role_description: None,
            delegator: None,
            delegated_time: None,
            role_definition_code: Some("UTINN".into()),
            links: Default::default(),
        }])
    }

    async fn add(&self, _who: &PartyRef, request: &DelegationRequest) -> Result<(), AltinnError> {
        let mut s = self.state.lock().unwrap();
        let fault = Self::next_fault(&mut s);
        if fault == Fault::NotSent {
            return Err(AltinnError::Transport {
                delivery: Delivery::NotSent,
                method: "POST".into(),
                path: "/fake".into(),
                message: "connection refused".into(),
            });
        }
        if fault == Fault::LostBeforeApplied {
            return Err(lost("POST"));
        }
        s.posts += 1;
        let wanted: Vec<usize> = request.rights.iter().map(|r| index_of(&r.action)).collect();
        if wanted.iter().any(|i| s.direct.contains_key(i)) {
            s.duplicates += 1;
            return Err(rejected(400, "The delegation already exists"));
        }
        for i in wanted {
            s.next_id += 1;
            let id = RightId(s.next_id);
            s.direct.insert(i, id);
        }
        match fault {
            Fault::AppliedThenLost => Err(lost("POST")),
            _ => Ok(()),
        }
    }

    async fn delete_right(
        &self,
        _who: &PartyRef,
        _receiver: &PartyRef,
        right: RightId,
    ) -> Result<(), AltinnError> {
        let mut s = self.state.lock().unwrap();
        let fault = Self::next_fault(&mut s);
        match fault {
            Fault::NotSent => {
                return Err(AltinnError::Transport {
                    delivery: Delivery::NotSent,
                    method: "DELETE".into(),
                    path: "/fake".into(),
                    message: "connection refused".into(),
                });
            }
            Fault::LostBeforeApplied => return Err(lost("DELETE")),
            _ => {}
        }
        s.deletes += 1;
        let Some(key) = s
            .direct
            .iter()
            .find(|(_, id)| **id == right)
            .map(|(k, _)| *k)
        else {
            return Err(rejected(404, "Not Found"));
        };
        s.direct.remove(&key);
        match fault {
            Fault::AppliedThenLost => Err(lost("DELETE")),
            _ => Ok(()),
        }
    }

    async fn delete_role(
        &self,
        _who: &PartyRef,
        _receiver: &PartyRef,
        _role: RoleId,
    ) -> Result<(), AltinnError> {
        unreachable!("revoke never deletes roles")
    }
}

#[derive(Debug, Clone)]
enum Op {
    Grant(BTreeSet<usize>),
    Revoke(BTreeSet<usize>),
}

fn subset() -> impl Strategy<Value = BTreeSet<usize>> {
    prop::collection::btree_set(0..ACTIONS.len(), 1..=ACTIONS.len())
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

fn rights_of(set: &BTreeSet<usize>) -> Vec<ServiceRight> {
    set.iter().map(|&i| right(i)).collect()
}

struct Harness {
    fake: Arc<FakeAltinn>,
    access: AccessManager,
    org: PartyRef,
    person: ReporteeQuery,
}

impl Harness {
    fn new(role_rights: BTreeSet<usize>, faults: Vec<Fault>) -> Self {
        let fake = Arc::new(FakeAltinn::new(role_rights, faults));
        let access = AccessManager::new(fake.clone(), fake.clone());
        Harness {
            fake,
            access,
            org: PartyRef::parse("310000000").unwrap(),
            person: person_query("26899299344", "HEIS").unwrap(),
        }
    }

    /// Runs one operation and checks it against what it should do from the state it started in.
    async fn step(&self, op: &Op) -> Result<(), TestCaseError> {
        let before = self.fake.direct_set();
        let roles = &self.fake.role_rights;
        match op {
            Op::Grant(set) => {
                let res = self
                    .access
                    .grant(&self.org, &self.person, &rights_of(set))
                    .await;
                match res {
                    Ok(out) => {
                        let expected: BTreeSet<usize> = before
                            .iter()
                            .copied()
                            .chain(set.iter().copied().filter(|i| !roles.contains(i)))
                            .collect();
                        prop_assert_eq!(self.fake.direct_set(), expected);
                        prop_assert_eq!(
                            out.changed,
                            set.iter()
                                .any(|i| !before.contains(i) && !roles.contains(i))
                        );
                        // Grant twice: the second run sends nothing and changes nothing.
                        let (posts, deletes, _) = self.fake.counters();
                        let again = self
                            .access
                            .grant(&self.org, &self.person, &rights_of(set))
                            .await
                            .map_err(|e| {
                                TestCaseError::fail(format!("second grant failed: {e}"))
                            })?;
                        prop_assert!(!again.changed);
                        prop_assert_eq!(again.requests_sent, 0);
                        prop_assert_eq!(self.fake.counters().0, posts);
                        prop_assert_eq!(self.fake.counters().1, deletes);
                    }
                    // Only failures of the transport may make a grant fail.
                    Err(AccessError::Unconfirmed { .. }) => {}
                    Err(AccessError::Altinn { source, .. }) => {
                        prop_assert!(
                            matches!(
                                *source,
                                AltinnError::Transport {
                                    delivery: Delivery::NotSent,
                                    ..
                                }
                            ),
                            "unexpected grant failure: {source}"
                        );
                    }
                    Err(e) => {
                        return Err(TestCaseError::fail(format!(
                            "unexpected grant failure: {e}"
                        )));
                    }
                }
            }
            Op::Revoke(set) => {
                let role_only: Vec<usize> = set
                    .iter()
                    .copied()
                    .filter(|i| roles.contains(i) && !before.contains(i))
                    .collect();
                let (_, deletes_before, _) = self.fake.counters();
                let res = self
                    .access
                    .revoke(&self.org, &self.person, &rights_of(set))
                    .await;
                match res {
                    Err(AccessError::RoleDerived { rights, .. }) => {
                        prop_assert!(!role_only.is_empty());
                        prop_assert_eq!(
                            rights,
                            role_only.iter().map(|&i| right(i)).collect::<Vec<_>>()
                        );
                        prop_assert_eq!(self.fake.direct_set(), before);
                        prop_assert_eq!(self.fake.counters().1, deletes_before);
                    }
                    Ok(out) => {
                        prop_assert!(role_only.is_empty());
                        let expected: BTreeSet<usize> = before.difference(set).copied().collect();
                        prop_assert_eq!(self.fake.direct_set(), expected);
                        for line in &out.rights {
                            let i = index_of(&line.right.action);
                            match &line.status {
                                RevokeStatus::NotHeld => prop_assert!(!before.contains(&i)),
                                RevokeStatus::Removed {
                                    still_held_via_role,
                                    ..
                                } => {
                                    prop_assert!(before.contains(&i));
                                    prop_assert_eq!(*still_held_via_role, roles.contains(&i));
                                }
                                other => return Err(TestCaseError::fail(format!("{other:?}"))),
                            }
                        }
                    }
                    Err(AccessError::Altinn { source, .. }) => {
                        prop_assert!(role_only.is_empty());
                        prop_assert!(
                            matches!(*source, AltinnError::Transport { .. }),
                            "unexpected revoke failure: {source}"
                        );
                    }
                    Err(e) => {
                        return Err(TestCaseError::fail(format!(
                            "unexpected revoke failure: {e}"
                        )));
                    }
                }
            }
        }
        // Whatever happened, no request ever named a right that was already there.
        prop_assert_eq!(self.fake.counters().2, 0);
        Ok(())
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Without failures, every operation does exactly what it should.
    #[test]
    fn clean_runs_follow_the_model(
        role_rights in prop::collection::btree_set(0..ACTIONS.len(), 0..=2),
        ops in prop::collection::vec(op(), 1..12),
    ) {
        let h = Harness::new(role_rights, Vec::new());
        block_on(async {
            for op in &ops {
                h.step(op).await?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }

    /// With failures injected, successes still do exactly what they should, duplicates never
    /// happen, and one clean grant and revoke afterwards reach any target.
    #[test]
    fn failures_never_duplicate_and_runs_converge(
        role_rights in prop::collection::btree_set(0..ACTIONS.len(), 0..=2),
        faults in prop::collection::vec(fault(), 1..8),
        ops in prop::collection::vec(op(), 1..12),
        target in prop::collection::btree_set(0..ACTIONS.len(), 0..=ACTIONS.len()),
    ) {
        let h = Harness::new(role_rights.clone(), faults);
        block_on(async {
            for op in &ops {
                h.step(op).await?;
            }
            h.fake.clear_faults();
            // Converge: grant the target, revoke every other directly held right.
            let wanted: BTreeSet<usize> = target.difference(&role_rights).copied().collect();
            if !wanted.is_empty() {
                h.step(&Op::Grant(wanted.clone())).await?;
            }
            let extra: BTreeSet<usize> = h.fake.direct_set().difference(&wanted).copied().collect();
            if !extra.is_empty() {
                h.step(&Op::Revoke(extra)).await?;
            }
            prop_assert_eq!(h.fake.direct_set(), wanted);
            Ok::<(), TestCaseError>(())
        })?;
    }
}
