//! Access as code over an in-memory fake of the neutral ports: plan, apply, export, resume,
//! and the safety rules.
//!
//! The fake behaves like either Altinn generation at the level of the ports: an organisation
//! with right holders (persons, organisations and a system user that holds the
//! access-manager package), each holding grantables directly (revocable, with a handle) or via
//! a role or a package (not revocable). It counts every call that changes something, so "plan
//! is read-only" and "nothing is sent twice" are checked, not assumed. It can fail change
//! requests after applying them (the answer lost), refuse them with 429 and `Retry-After`,
//! and refuse a person lookup as throttled (`AM-00026`).
//!
//! Time is virtual: the test [`Waiter`] moves a clock forward instead of sleeping.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use proptest::prelude::*;
use tilgang_access::{
    AccessManager, Applier, ApplyError, ApplyOptions, DesiredState, EarlierRun, JournalEntry,
    PlanOptions, Waiter,
    apply::{ChangeStatus, JournalEvent, MemoryJournal, NoProgress},
    plan::diff,
};
use tilgang_domain::{
    Fnr, Grantable, HeldAccess, HeldVia, MaskedSsn, OrgNumber, Party, PartyKind, PartyQuery,
    PartyRef, PartyUuid, RevokeHandle,
};
use tilgang_ports::{
    AltinnError, Delivery, Operation, Parties, Rejection, RightHolderAdded, RightHolderChange,
    Rights, Unsupported,
};

const ORG: &str = "310000000";
/// How many persons the generated worlds draw from.
const PERSONS: usize = 6;
/// How many grantables the generated worlds draw from.
const UNIVERSE: usize = 5;

fn org() -> OrgNumber {
    OrgNumber::parse(ORG).unwrap()
}

fn fnr(i: usize) -> Fnr {
    (0..1000u16)
        .find_map(|n| Fnr::synthetic(1 + i as u8, 1, 80, (n + 100) % 1000))
        .unwrap()
}

fn last_name(i: usize) -> String {
    format!("NAVN{i}")
}

fn item(i: usize) -> Grantable {
    match i {
        0 => tilgang_access::package("lonn"),
        1 => tilgang_access::package("sykefravaer"),
        2 => tilgang_access::resource_right("ttd-hr-rapport", "read"),
        3 => tilgang_access::resource_right("ttd-hr-rapport", "write"),
        4 => tilgang_access::service_right("4864", "1", "Read"),
        _ => unreachable!(),
    }
    .unwrap()
}

fn uuid(n: u128) -> PartyUuid {
    PartyUuid::parse(&format!("00000000-0000-4000-8000-{n:012}")).unwrap()
}

/// One holder in the fake.
#[derive(Debug, Clone, Default)]
struct Holder {
    right_holder: bool,
    direct: BTreeMap<Grantable, RevokeHandle>,
    indirect: BTreeSet<Grantable>,
}

/// What to do to the next change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Applied, then the answer lost.
    Lost,
    /// Refused with 429 and `Retry-After: 2 s`, nothing applied.
    RateLimited,
}

#[derive(Debug, Default)]
struct State {
    persons: BTreeMap<usize, Holder>,
    /// The system user, which holds the access-manager package directly.
    system_user: Holder,
    next_handle: u64,
    grants: u64,
    revokes: u64,
    adds: u64,
    /// A grant that named something already held directly.
    duplicates: u64,
    faults: Vec<Fault>,
    next_fault: usize,
    /// Person lookups refused as throttled.
    throttle_lookups: bool,
    /// The next this many reads (listings and holdings) fail with a 503.
    failing_reads: u32,
}

#[derive(Debug, Default)]
struct Fake {
    state: Mutex<State>,
}

impl Fake {
    fn writes(&self) -> u64 {
        let s = self.state.lock().unwrap();
        s.grants + s.revokes + s.adds
    }

    fn fault(&self) -> Fault {
        let mut s = self.state.lock().unwrap();
        let f = s.faults.get(s.next_fault).copied().unwrap_or(Fault::None);
        s.next_fault += 1;
        f
    }

    fn person_party(i: usize) -> Party {
        let mut p = Party::new(PartyKind::Person);
        p.name = Some(format!("KARI {}", last_name(i)));
        p.ssn = Some(MaskedSsn::from(&fnr(i)));
        p.party_uuid = Some(uuid(1000 + i as u128));
        p
    }

    fn system_party() -> Party {
        let mut p = Party::new(PartyKind::SystemUser);
        p.name = Some("VENDOR SYSTEM".into());
        p.party_uuid = Some(uuid(9));
        p
    }

    fn which(holder: &Party) -> Option<usize> {
        (0..PERSONS).find(|&i| holder.party_uuid == Some(uuid(1000 + i as u128)))
    }
}

fn lost() -> AltinnError {
    AltinnError::Transport {
        delivery: Delivery::MaybeSent,
        method: "POST".into(),
        path: "/x".into(),
        message: "connection reset".into(),
    }
}

fn rejection(status: u16, codes: &[&str], retry_after: Option<Duration>) -> AltinnError {
    AltinnError::Rejected(Rejection {
        method: "POST".into(),
        path: "/x".into(),
        status,
        reason: "refused".into(),
        body: String::new(),
        codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        validation: vec![],
        advice: String::new(),
        retry_after,
    })
}

#[async_trait]
impl Parties for Fake {
    async fn resolve(
        &self,
        _org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<Option<Party>, AltinnError> {
        let PartyQuery::Person { fnr: f, .. } = query else {
            return Ok(None);
        };
        let s = self.state.lock().unwrap();
        Ok((0..PERSONS)
            .find(|&i| fnr(i) == *f && s.persons.get(&i).is_some_and(|h| h.right_holder))
            .map(|i| {
                let mut p = Fake::person_party(i);
                p.query = Some(query.clone());
                p
            }))
    }
}

#[async_trait]
impl Rights for Fake {
    fn check(&self, operation: Operation, grantable: &Grantable) -> Result<(), Unsupported> {
        match grantable {
            Grantable::Other { .. } | Grantable::Role { .. } => Err(Unsupported {
                platform: "fake",
                operation,
                grantable: grantable.clone(),
                hint: "not here",
            }),
            _ => Ok(()),
        }
    }

    async fn right_holders(&self, _org: &PartyRef) -> Result<Vec<Party>, AltinnError> {
        let mut s = self.state.lock().unwrap();
        if s.failing_reads > 0 {
            s.failing_reads -= 1;
            return Err(rejection(503, &[], None));
        }
        let mut out: Vec<Party> = s
            .persons
            .iter()
            .filter(|(_, h)| h.right_holder)
            .map(|(i, _)| Fake::person_party(*i))
            .collect();
        out.push(Fake::system_party());
        Ok(out)
    }

    async fn add_right_holder(
        &self,
        _org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<RightHolderAdded, AltinnError> {
        let PartyQuery::Person { fnr: f, .. } = query else {
            return Err(AltinnError::InvalidInput("persons only".into()));
        };
        let i = (0..PERSONS)
            .find(|&i| fnr(i) == *f)
            .expect("a known person");
        let fault = self.fault();
        let mut s = self.state.lock().unwrap();
        s.adds += 1;
        if s.throttle_lookups {
            return Err(rejection(429, &["AM-00026"], None));
        }
        if fault == Fault::RateLimited {
            return Err(rejection(429, &[], Some(Duration::from_secs(2))));
        }
        let h = s.persons.entry(i).or_default();
        let change = if h.right_holder {
            RightHolderChange::AlreadyRightHolder
        } else {
            RightHolderChange::Added
        };
        h.right_holder = true;
        if fault == Fault::Lost {
            return Err(lost());
        }
        let mut p = Fake::person_party(i);
        p.query = Some(query.clone());
        Ok(RightHolderAdded { party: p, change })
    }

    async fn holdings(
        &self,
        _org: &PartyRef,
        holder: &Party,
    ) -> Result<Vec<HeldAccess>, AltinnError> {
        let mut s = self.state.lock().unwrap();
        if s.failing_reads > 0 {
            s.failing_reads -= 1;
            return Err(rejection(503, &[], None));
        }
        let h = match Fake::which(holder) {
            Some(i) => s.persons.get(&i).cloned().unwrap_or_default(),
            None => s.system_user.clone(),
        };
        let mut out = Vec::new();
        let all: BTreeSet<&Grantable> = h.direct.keys().chain(h.indirect.iter()).collect();
        for g in all {
            let mut held_via = Vec::new();
            if h.direct.contains_key(g) {
                held_via.push(HeldVia::Direct);
            }
            if h.indirect.contains(g) {
                held_via.push(HeldVia::Package { package: None });
            }
            out.push(HeldAccess {
                grantable: g.clone(),
                name: None,
                held_via,
                revocable: h.direct.contains_key(g),
                handle: h.direct.get(g).cloned(),
            });
        }
        Ok(out)
    }

    async fn grant(
        &self,
        _org: &PartyRef,
        holder: &Party,
        grantables: &[Grantable],
    ) -> Result<(), AltinnError> {
        // The request is in flight: other tasks run meanwhile, as over a network.
        tokio::task::yield_now().await;
        let fault = self.fault();
        let mut s = self.state.lock().unwrap();
        s.grants += 1;
        if fault == Fault::RateLimited {
            return Err(rejection(429, &[], Some(Duration::from_secs(2))));
        }
        let i = Fake::which(holder).expect("grants go to persons");
        for g in grantables {
            s.next_handle += 1;
            let handle = RevokeHandle::new(format!("h{}", s.next_handle));
            let h = s.persons.entry(i).or_default();
            h.right_holder = true;
            if h.direct.insert(g.clone(), handle).is_some() {
                s.duplicates += 1;
            }
        }
        if fault == Fault::Lost {
            return Err(lost());
        }
        Ok(())
    }

    async fn revoke(
        &self,
        _org: &PartyRef,
        holder: &Party,
        accesses: &[HeldAccess],
    ) -> Result<(), AltinnError> {
        let fault = self.fault();
        let mut s = self.state.lock().unwrap();
        s.revokes += 1;
        if fault == Fault::RateLimited {
            return Err(rejection(429, &[], Some(Duration::from_secs(2))));
        }
        let h = match Fake::which(holder) {
            Some(i) => s.persons.entry(i).or_default(),
            None => &mut s.system_user,
        };
        for a in accesses {
            let handle = a
                .handle
                .as_ref()
                .expect("only revocable accesses are revoked");
            assert_eq!(h.direct.get(&a.grantable), Some(handle), "a stale handle");
            h.direct.remove(&a.grantable);
        }
        if fault == Fault::Lost {
            return Err(lost());
        }
        Ok(())
    }

    async fn remove_right_holder(
        &self,
        _org: &PartyRef,
        _holder: &Party,
        _cascade: bool,
    ) -> Result<(), AltinnError> {
        unreachable!("access as code never removes right holders")
    }
}

/// Virtual time: sleeping moves the clock.
#[derive(Debug, Default)]
struct VirtualTime {
    ms: AtomicU64,
    slept: AtomicU64,
}

#[async_trait]
impl Waiter for VirtualTime {
    fn now(&self) -> Duration {
        Duration::from_millis(self.ms.load(Ordering::SeqCst))
    }
    /// Lets every other task run at the current instant first (as tasks in flight together
    /// do), then moves the clock to the end of the wait.
    async fn sleep(&self, d: Duration) {
        self.slept.fetch_add(1, Ordering::SeqCst);
        let target = self.ms.load(Ordering::SeqCst) + d.as_millis() as u64;
        tokio::task::yield_now().await;
        self.ms.fetch_max(target, Ordering::SeqCst);
    }
}

fn manager(fake: &Arc<Fake>) -> AccessManager {
    AccessManager::new(fake.clone(), fake.clone())
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// A file that wants `wanted[i]` for person `i` (absent: not in the file).
fn file(wanted: &BTreeMap<usize, BTreeSet<usize>>) -> String {
    let mut out = format!("[[org]]\nnumber = \"{ORG}\"\n");
    for (i, items) in wanted {
        out.push_str(&format!(
            "\n[[org.holder]]\nfnr = \"{}\"\nlast_name = \"{}\"\n",
            fnr(*i).expose(),
            last_name(*i)
        ));
        // Each grantable kind on its own key line; TOML merges nothing, so group them.
        let mut packages = Vec::new();
        let mut resources = Vec::new();
        let mut services = Vec::new();
        for &g in items {
            match g {
                0 => packages.push("\"lonn\""),
                1 => packages.push("\"sykefravaer\""),
                2 => resources.push("\"read\""),
                3 => resources.push("\"write\""),
                _ => services.push("\"Read\""),
            }
        }
        if !packages.is_empty() {
            out.push_str(&format!("packages = [{}]\n", packages.join(", ")));
        }
        if !resources.is_empty() {
            out.push_str(&format!(
                "resources = [{{ id = \"ttd-hr-rapport\", actions = [{}] }}]\n",
                resources.join(", ")
            ));
        }
        if !services.is_empty() {
            out.push_str(&format!(
                "services = [{{ code = \"4864\", edition = 1, actions = [{}] }}]\n",
                services.join(", ")
            ));
        }
    }
    out
}

fn seed(
    fake: &Fake,
    direct: &BTreeMap<usize, BTreeSet<usize>>,
    indirect: &BTreeMap<usize, BTreeSet<usize>>,
) {
    let mut s = fake.state.lock().unwrap();
    for i in 0..PERSONS {
        let d = direct.get(&i).cloned().unwrap_or_default();
        let n = indirect.get(&i).cloned().unwrap_or_default();
        if d.is_empty() && n.is_empty() {
            continue;
        }
        let mut h = Holder {
            right_holder: true,
            ..Holder::default()
        };
        for g in d {
            s.next_handle += 1;
            h.direct
                .insert(item(g), RevokeHandle::new(format!("h{}", s.next_handle)));
        }
        h.indirect = n.into_iter().map(item).collect();
        s.persons.insert(i, h);
    }
    s.system_user.direct.insert(
        tilgang_access::package("tilgangsstyrer").unwrap(),
        RevokeHandle::new("system"),
    );
}

fn options() -> ApplyOptions {
    ApplyOptions {
        concurrency: 3,
        mass_removal_threshold: 1000,
        ..ApplyOptions::default()
    }
}

async fn plan_of(m: &AccessManager, desired: &DesiredState, prune: bool) -> tilgang_access::Plan {
    m.plan(desired, PlanOptions { prune }, 2).await.unwrap().1
}

fn sets() -> impl Strategy<Value = BTreeMap<usize, BTreeSet<usize>>> {
    prop::collection::btree_map(
        0..PERSONS,
        prop::collection::btree_set(0..UNIVERSE, 0..=3),
        0..=PERSONS,
    )
}

fn faults() -> impl Strategy<Value = Vec<Fault>> {
    prop::collection::vec(
        prop_oneof![6 => Just(Fault::None), 2 => Just(Fault::Lost), 1 => Just(Fault::RateLimited)],
        0..30,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// For any current state and any file, with faults on change requests: planning sends
    /// nothing, apply then plan shows no changes, the system user keeps its package, what is
    /// held via a package is untouched, and no grant repeats something already held.
    #[test]
    fn apply_then_plan_shows_no_changes(
        direct in sets(),
        indirect in sets(),
        wanted in sets(),
        prune in any::<bool>(),
        faults in faults(),
    ) {
        let fake = Arc::new(Fake::default());
        seed(&fake, &direct, &indirect);
        let m = manager(&fake);
        let desired = DesiredState::from_toml(&file(&wanted)).unwrap();

        let plan = block_on(plan_of(&m, &desired, prune));
        prop_assert_eq!(fake.writes(), 0, "planning changed something");

        fake.state.lock().unwrap().faults = faults;
        let time = VirtualTime::default();
        let journal = MemoryJournal::default();
        let report = block_on(Applier::new(&m, options(), &time, &journal, &NoProgress)
            .apply(&plan, &EarlierRun::default()))
            .unwrap();
        prop_assert!(report.complete(), "{report:#?}");

        let writes = fake.writes();
        let again = block_on(plan_of(&m, &desired, prune));
        prop_assert!(again.is_empty(), "{:#?}", again);
        prop_assert_eq!(fake.writes(), writes, "planning changed something");

        let s = fake.state.lock().unwrap();
        prop_assert_eq!(s.duplicates, 0);
        prop_assert!(s.system_user.direct.contains_key(&tilgang_access::package("tilgangsstyrer").unwrap()));
        for i in 0..PERSONS {
            let h = s.persons.get(&i).cloned().unwrap_or_default();
            let want: BTreeSet<Grantable> = wanted.get(&i).cloned().unwrap_or_default().into_iter().map(item).collect();
            let before: BTreeSet<Grantable> = direct.get(&i).cloned().unwrap_or_default().into_iter().map(item).collect();
            let via: BTreeSet<Grantable> = indirect.get(&i).cloned().unwrap_or_default().into_iter().map(item).collect();
            let now: BTreeSet<Grantable> = h.direct.keys().cloned().collect();
            prop_assert_eq!(&h.indirect, &via, "indirect holdings changed");
            // Wanted and not held some other way: held directly now.
            for g in want.difference(&via) {
                prop_assert!(now.contains(g), "{g} missing for person {i}");
            }
            if prune {
                prop_assert!(now.is_subset(&want.union(&before).cloned().collect()));
                for g in now.difference(&want) {
                    prop_assert!(false, "{g} should have been pruned from person {i}");
                }
            } else {
                prop_assert!(before.is_subset(&now), "something was removed without --prune");
            }
        }
        // Every change ends in one `done` or `failed` entry after its `started`.
        let entries = journal.entries();
        prop_assert!(EarlierRun::from_journal(&entries).is_empty(), "{entries:?}");
    }
}

fn one_person_file(i: usize, items: &[usize]) -> String {
    let mut wanted = BTreeMap::new();
    wanted.insert(i, items.iter().copied().collect());
    file(&wanted)
}

#[test]
fn export_then_plan_shows_no_changes() {
    let fake = Arc::new(Fake::default());
    let direct = BTreeMap::from([(0, BTreeSet::from([0, 2])), (3, BTreeSet::from([4]))]);
    let indirect = BTreeMap::from([(0, BTreeSet::from([1])), (5, BTreeSet::from([3]))]);
    seed(&fake, &direct, &indirect);
    let m = manager(&fake);
    let exported = block_on(m.export(&[org()], 2)).unwrap();
    let text = exported.to_toml();
    for i in 0..PERSONS {
        assert!(!text.contains(fnr(i).expose()), "{text}");
    }
    let back = DesiredState::from_toml(&text).unwrap();
    for prune in [false, true] {
        let plan = block_on(plan_of(&m, &back, prune));
        assert!(plan.is_empty(), "{text}\n{plan:#?}");
    }
    assert_eq!(fake.writes(), 0);
}

#[test]
fn a_read_that_fails_transiently_is_read_again_and_the_plan_gets_through() {
    let fake = Arc::new(Fake::default());
    let direct = BTreeMap::from([(0, BTreeSet::from([0, 2])), (3, BTreeSet::from([4]))]);
    seed(&fake, &direct, &BTreeMap::new());
    let m = manager(&fake);
    let desired =
        DesiredState::from_toml(&block_on(m.export(&[org()], 1)).unwrap().to_toml()).unwrap();
    // Five failures in a row: the listing fails five times, then every read succeeds.
    fake.state.lock().unwrap().failing_reads = 5;
    let plan = block_on(plan_of(&m, &desired, true));
    assert!(plan.is_empty(), "{plan:#?}");
    assert_eq!(fake.state.lock().unwrap().failing_reads, 0);
    // A read that never recovers fails the plan with the server's answer, after six tries.
    fake.state.lock().unwrap().failing_reads = 6;
    let failed = block_on(m.plan(&desired, PlanOptions { prune: true }, 1));
    let Err(failure) = failed else {
        panic!("a plan over a listing that always fails succeeded")
    };
    assert!(
        format!("{failure:#}").contains("503") || format!("{failure:?}").contains("503"),
        "{failure:?}"
    );
    assert_eq!(fake.writes(), 0);
}

#[test]
fn prune_never_touches_indirect_holdings_or_the_system_users_package() {
    let fake = Arc::new(Fake::default());
    seed(
        &fake,
        &BTreeMap::from([(0, BTreeSet::from([0]))]),
        &BTreeMap::from([(0, BTreeSet::from([1, 2]))]),
    );
    let m = manager(&fake);
    // An empty organisation entry: prune would remove everything it may.
    let desired = DesiredState::from_toml(&format!("[[org]]\nnumber = \"{ORG}\"\n")).unwrap();
    let plan = block_on(plan_of(&m, &desired, true));
    assert_eq!(plan.to_remove, 1, "{plan:#?}");
    let removed: Vec<String> = plan
        .work()
        .flat_map(|(_, h)| h.remove.iter().map(|r| r.grantable.to_string()))
        .collect();
    assert_eq!(removed, ["package lonn"]);
    let system = plan.organisations[0]
        .holders
        .iter()
        .find(|h| h.label.contains("system user"))
        .unwrap();
    assert_eq!(
        system.protected,
        [tilgang_access::package("tilgangsstyrer").unwrap()]
    );
    let person = &plan.organisations[0].holders[0];
    assert_eq!(person.indirect.len(), 2);

    let time = VirtualTime::default();
    let journal = MemoryJournal::default();
    let report = block_on(
        Applier::new(&m, options(), &time, &journal, &NoProgress)
            .apply(&plan, &EarlierRun::default()),
    )
    .unwrap();
    assert!(report.complete());
    let s = fake.state.lock().unwrap();
    assert_eq!(s.persons[&0].indirect.len(), 2);
    assert!(s.persons[&0].direct.is_empty());
    assert_eq!(s.system_user.direct.len(), 1);
}

#[test]
fn mass_removal_needs_to_be_allowed() {
    let fake = Arc::new(Fake::default());
    let all: BTreeSet<usize> = (0..UNIVERSE).collect();
    seed(
        &fake,
        &(0..PERSONS).map(|i| (i, all.clone())).collect(),
        &BTreeMap::new(),
    );
    let m = manager(&fake);
    let desired = DesiredState::from_toml(&format!("[[org]]\nnumber = \"{ORG}\"\n")).unwrap();
    let plan = block_on(plan_of(&m, &desired, true));
    assert_eq!(plan.to_remove, PERSONS * UNIVERSE);
    let time = VirtualTime::default();
    let journal = MemoryJournal::default();
    let opts = ApplyOptions::default();
    let err = block_on(
        Applier::new(&m, opts, &time, &journal, &NoProgress).apply(&plan, &EarlierRun::default()),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::MassRemoval {
                count: 30,
                threshold: 25
            }
        ),
        "{err}"
    );
    assert_eq!(fake.writes(), 0);
    assert!(
        journal.entries().is_empty(),
        "nothing may start before the check"
    );

    let allowed = ApplyOptions {
        allow_mass_removal: true,
        ..opts
    };
    let report = block_on(
        Applier::new(&m, allowed, &time, &journal, &NoProgress)
            .apply(&plan, &EarlierRun::default()),
    )
    .unwrap();
    assert_eq!(report.done, 30);
}

#[test]
fn persons_are_looked_up_only_when_not_yet_right_holders() {
    let fake = Arc::new(Fake::default());
    seed(
        &fake,
        &BTreeMap::from([(0, BTreeSet::from([0])), (1, BTreeSet::from([0]))]),
        &BTreeMap::new(),
    );
    let m = manager(&fake);
    let wanted: BTreeMap<usize, BTreeSet<usize>> =
        (0..4).map(|i| (i, BTreeSet::from([0, 2]))).collect();
    let desired = DesiredState::from_toml(&file(&wanted)).unwrap();
    let plan = block_on(plan_of(&m, &desired, false));
    assert_eq!(plan.new_right_holders, 2);
    let time = VirtualTime::default();
    let journal = MemoryJournal::default();
    let report = block_on(
        Applier::new(&m, options(), &time, &journal, &NoProgress)
            .apply(&plan, &EarlierRun::default()),
    )
    .unwrap();
    assert!(report.complete());
    assert_eq!(
        fake.state.lock().unwrap().adds,
        2,
        "one lookup per new person, none for the others"
    );
    assert_eq!(report.requests.add_right_holder, 2);
    assert_eq!(report.requests.grant, 4);
}

#[test]
fn a_throttled_person_lookup_is_never_retried() {
    let fake = Arc::new(Fake::default());
    seed(&fake, &BTreeMap::new(), &BTreeMap::new());
    fake.state.lock().unwrap().throttle_lookups = true;
    let m = manager(&fake);
    let desired = DesiredState::from_toml(&one_person_file(2, &[0, 1])).unwrap();
    let plan = block_on(plan_of(&m, &desired, false));
    let time = VirtualTime::default();
    let journal = MemoryJournal::default();
    let report = block_on(
        Applier::new(&m, options(), &time, &journal, &NoProgress)
            .apply(&plan, &EarlierRun::default()),
    )
    .unwrap();
    assert_eq!(fake.state.lock().unwrap().adds, 1);
    assert_eq!(report.failed, 3, "{report:#?}");
    assert!(report.changes.iter().any(
        |c| matches!(&c.status, ChangeStatus::Failed { error } if error.contains("AM-00026"))
    ));
    assert_eq!(fake.state.lock().unwrap().grants, 0);
    // The journal says the failure, so a later run knows it was given up.
    let earlier = EarlierRun::from_journal(&journal.entries());
    assert_eq!(earlier.failed.len(), 1);
}

#[test]
fn every_task_waits_at_one_shared_gate_after_a_429() {
    let fake = Arc::new(Fake::default());
    seed(
        &fake,
        &(0..PERSONS).map(|i| (i, BTreeSet::from([4]))).collect(),
        &BTreeMap::new(),
    );
    // The first three grant calls (one per concurrent task) are refused with Retry-After 2 s.
    fake.state.lock().unwrap().faults = vec![Fault::RateLimited; 3];
    let m = manager(&fake);
    let wanted: BTreeMap<usize, BTreeSet<usize>> =
        (0..PERSONS).map(|i| (i, BTreeSet::from([0, 4]))).collect();
    let desired = DesiredState::from_toml(&file(&wanted)).unwrap();
    let plan = block_on(plan_of(&m, &desired, false));
    let time = VirtualTime::default();
    let journal = MemoryJournal::default();
    let report = block_on(
        Applier::new(&m, options(), &time, &journal, &NoProgress)
            .apply(&plan, &EarlierRun::default()),
    )
    .unwrap();
    assert!(report.complete(), "{report:#?}");
    // Three refusals at the same moment close the gate once, for 2 s, not 3 × 2 s.
    assert_eq!(report.rate_limit_pauses, 1);
    assert_eq!(time.now(), Duration::from_secs(2));
    assert_eq!(report.requests.grant as usize, PERSONS + 3);
}

#[test]
fn a_resumed_apply_does_nothing_twice_and_reports_the_earlier_run() {
    let fake = Arc::new(Fake::default());
    seed(
        &fake,
        &BTreeMap::from([(0, BTreeSet::from([4]))]),
        &BTreeMap::new(),
    );
    let m = manager(&fake);
    let wanted: BTreeMap<usize, BTreeSet<usize>> =
        (0..3).map(|i| (i, BTreeSet::from([0, 4]))).collect();
    let desired = DesiredState::from_toml(&file(&wanted)).unwrap();
    let plan = block_on(plan_of(&m, &desired, false));
    let ids: Vec<_> = plan
        .work()
        .flat_map(|(_, h)| h.change_ids().cloned())
        .collect();

    // A first run that was killed: person 0's grant done; person 1's added and granted but
    // the answer never came (started, no done); person 2 not started.
    let p0: Vec<_> = ids
        .iter()
        .filter(|i| i.0.contains(&fnr(0).masked()))
        .cloned()
        .collect();
    let p1: Vec<_> = ids
        .iter()
        .filter(|i| i.0.contains(&fnr(1).masked()))
        .cloned()
        .collect();
    let mut entries = vec![JournalEntry {
        event: JournalEvent::Begin,
        id: None,
        error: None,
    }];
    for id in &p0 {
        entries.push(JournalEntry {
            event: JournalEvent::Started,
            id: Some(id.clone()),
            error: None,
        });
        entries.push(JournalEntry {
            event: JournalEvent::Done,
            id: Some(id.clone()),
            error: None,
        });
    }
    for id in &p1 {
        entries.push(JournalEntry {
            event: JournalEvent::Started,
            id: Some(id.clone()),
            error: None,
        });
    }
    // What those requests did in Altinn.
    {
        let mut s = fake.state.lock().unwrap();
        for (i, gs) in [(0usize, vec![0usize]), (1, vec![0, 4])] {
            let h = s.persons.entry(i).or_default();
            h.right_holder = true;
            for g in gs {
                h.direct
                    .insert(item(g), RevokeHandle::new(format!("earlier{i}{g}")));
            }
        }
    }
    let writes_before = fake.writes();
    let earlier = EarlierRun::from_journal(&entries);
    assert_eq!(earlier.done.len(), p0.len());
    assert_eq!(earlier.uncertain.len(), p1.len());

    let fresh = block_on(plan_of(&m, &desired, false));
    let journal = MemoryJournal::with(entries);
    let time = VirtualTime::default();
    let report =
        block_on(Applier::new(&m, options(), &time, &journal, &NoProgress).apply(&fresh, &earlier))
            .unwrap();
    assert!(report.complete());
    let summary = report.earlier.clone().unwrap();
    assert_eq!(summary.done, p0.len());
    assert_eq!(summary.confirmed, p1.len(), "{report:#?}");
    assert_eq!(summary.redone, 0);
    // Only person 2 needed anything: one lookup, one grant.
    assert_eq!(fake.writes() - writes_before, 2);
    assert_eq!(fake.state.lock().unwrap().duplicates, 0);
    // The run finished: the next one starts clean.
    assert!(EarlierRun::from_journal(&journal.entries()).is_empty());
}

#[test]
fn an_ambiguous_person_match_is_refused_not_guessed() {
    // Two right holders with the same masked number and last name (twins): the file must say
    // which, by party id.
    let fake = Arc::new(Fake::default());
    seed(
        &fake,
        &BTreeMap::from([(0, BTreeSet::from([0]))]),
        &BTreeMap::new(),
    );
    let m = manager(&fake);
    let current = block_on(m.read_state(&[org()], 2)).unwrap();
    let mut twin = current.clone();
    let mut other = twin.organisations[0].holders[0].clone();
    other.party.party_uuid = Some(uuid(77));
    twin.organisations[0].holders.push(other);
    let desired = DesiredState::from_toml(&one_person_file(0, &[0])).unwrap();
    let err = diff(&twin, &desired, PlanOptions::default()).unwrap_err();
    assert!(err.to_string().contains("party"), "{err}");
    assert!(!err.to_string().contains(fnr(0).expose()));
    // With the id, it is exact.
    let text = format!(
        "[[org]]\nnumber = \"{ORG}\"\n[[org.holder]]\nfnr = \"{}\"\nlast_name = \"{}\"\nparty = \"{}\"\npackages = [\"lonn\"]\n",
        fnr(0).expose(),
        last_name(0),
        uuid(77)
    );
    let plan = diff(
        &twin,
        &DesiredState::from_toml(&text).unwrap(),
        PlanOptions::default(),
    )
    .unwrap();
    assert!(plan.is_empty(), "{plan:#?}");
}

#[test]
fn plan_output_never_holds_a_full_number() {
    let fake = Arc::new(Fake::default());
    seed(
        &fake,
        &BTreeMap::from([(1, BTreeSet::from([0]))]),
        &BTreeMap::new(),
    );
    let m = manager(&fake);
    let wanted: BTreeMap<usize, BTreeSet<usize>> =
        (0..3).map(|i| (i, BTreeSet::from([1]))).collect();
    let desired = DesiredState::from_toml(&file(&wanted)).unwrap();
    let plan = block_on(plan_of(&m, &desired, true));
    let json = serde_json::to_string(&plan).unwrap();
    let debug = format!("{plan:?}");
    for i in 0..3 {
        assert!(!json.contains(fnr(i).expose()), "{json}");
        assert!(!debug.contains(fnr(i).expose()));
    }
}
