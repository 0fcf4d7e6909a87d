//! The served world together with lookup indexes by fødselsnummer, organisation number,
//! enterprise-user name and party id.
//!
//! [`World`] is a public serde value whose fields anyone may change, so the indexes cannot live
//! inside it. They live beside it in [`IndexedWorld`], which is the only thing the server keeps
//! behind its world lock, and every way of changing the world goes through it:
//!
//! - [`IndexedWorld::replace`] and [`IndexedWorld::modify`] (world replacement, reset, and the
//!   public `update_world` closure, which may change anything) rebuild the indexes afterwards;
//! - the Altinn handlers change only rights, roles and `next_id` through
//!   [`IndexedWorld::rights_mut`], [`IndexedWorld::roles_mut`] and
//!   [`IndexedWorld::allocate_id`], which cannot touch the parties the indexes describe, so
//!   the indexes stay valid without any work.
//!
//! Reading goes through `Deref<Target = World>`; the inherent lookups below shadow the
//! world's linear ones (`party`, `party_by_id`) and return exactly what they would, including
//! the first-match order when a world holds duplicates.

use std::{collections::HashMap, ops::Deref};

use crate::world::{EnterpriseUser, HeldRight, HeldRole, Organisation, PartyRef, Person, World};

/// Where a party sits in the world's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Organisation(usize),
    Person(usize),
    EnterpriseUser(usize),
}

/// The indexes. Positions are kept in world order so that lookups return the first match,
/// as the linear scans they replace do.
#[derive(Debug, Default, Clone)]
struct PartyIndex {
    /// Organisation number → positions in `organisations`.
    organisations: HashMap<String, Vec<usize>>,
    /// Fødselsnummer → positions in `persons`.
    persons: HashMap<String, Vec<usize>>,
    /// Lower-cased user name → the first position in `enterprise_users` (names compare
    /// case-insensitively).
    users: HashMap<String, usize>,
    /// Party id → the party `World::party_by_id` finds (organisations, then persons, then
    /// enterprise users).
    by_id: HashMap<u64, Slot>,
}

impl PartyIndex {
    fn build(world: &World) -> Self {
        let mut index = PartyIndex {
            organisations: HashMap::with_capacity(world.organisations.len()),
            persons: HashMap::with_capacity(world.persons.len()),
            users: HashMap::with_capacity(world.enterprise_users.len()),
            by_id: HashMap::with_capacity(
                world.organisations.len() + world.persons.len() + world.enterprise_users.len(),
            ),
        };
        for (i, o) in world.organisations.iter().enumerate() {
            index
                .organisations
                .entry(o.org.clone())
                .or_default()
                .push(i);
            index
                .by_id
                .entry(o.party_id)
                .or_insert(Slot::Organisation(i));
        }
        for (i, p) in world.persons.iter().enumerate() {
            index.persons.entry(p.ssn.clone()).or_default().push(i);
            index.by_id.entry(p.party_id).or_insert(Slot::Person(i));
        }
        for (i, u) in world.enterprise_users.iter().enumerate() {
            index
                .users
                .entry(u.user_name.to_ascii_lowercase())
                .or_insert(i);
            index
                .by_id
                .entry(u.party_id)
                .or_insert(Slot::EnterpriseUser(i));
        }
        index
    }
}

/// The world and its indexes, always consistent with each other.
#[derive(Debug, Clone)]
pub(crate) struct IndexedWorld {
    world: World,
    index: PartyIndex,
    /// Counts the changes made (0 for the starting world); the state file records which one
    /// it holds.
    version: u64,
}

impl Deref for IndexedWorld {
    type Target = World;

    fn deref(&self) -> &World {
        &self.world
    }
}

impl IndexedWorld {
    pub(crate) fn new(world: World) -> Self {
        let index = PartyIndex::build(&world);
        IndexedWorld {
            world,
            index,
            version: 0,
        }
    }

    /// The number of changes made so far.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// Replaces the whole world and rebuilds the indexes.
    pub(crate) fn replace(&mut self, world: World) {
        self.world = world;
        self.index = PartyIndex::build(&self.world);
        self.version += 1;
    }

    /// Runs `f`, which may change anything, on the world, then rebuilds the indexes.
    pub(crate) fn modify<R>(&mut self, f: impl FnOnce(&mut World) -> R) -> R {
        let result = f(&mut self.world);
        self.index = PartyIndex::build(&self.world);
        self.version += 1;
        result
    }

    /// The rights, for changing. Parties are untouched, so the indexes stay valid.
    pub(crate) fn rights_mut(&mut self) -> &mut Vec<HeldRight> {
        self.version += 1;
        &mut self.world.rights
    }

    /// The roles, for changing. Parties are untouched, so the indexes stay valid.
    pub(crate) fn roles_mut(&mut self) -> &mut Vec<HeldRole> {
        self.version += 1;
        &mut self.world.roles
    }

    /// The Altinn 3 section, for changing. The indexes cover only the Altinn 2 parties,
    /// which the section refers to without holding, so they stay valid.
    pub(crate) fn altinn3_mut(&mut self) -> &mut crate::world::Altinn3 {
        self.version += 1;
        &mut self.world.altinn3
    }

    /// Hands out the next `RightID`/`RoleId` ([`World::allocate_id`]).
    pub(crate) fn allocate_id(&mut self) -> i64 {
        self.version += 1;
        self.world.allocate_id()
    }

    /// Every person with this fødselsnummer, in world order.
    pub(crate) fn persons_with_ssn(&self, ssn: &str) -> impl Iterator<Item = &Person> {
        self.index
            .persons
            .get(ssn)
            .into_iter()
            .flatten()
            .map(|&i| &self.world.persons[i])
    }

    /// Every organisation with this number, in world order.
    pub(crate) fn organisations_with_number(
        &self,
        org: &str,
    ) -> impl Iterator<Item = &Organisation> {
        self.index
            .organisations
            .get(org)
            .into_iter()
            .flatten()
            .map(|&i| &self.world.organisations[i])
    }

    /// The first enterprise user with this name, compared case-insensitively.
    pub(crate) fn enterprise_user(&self, name: &str) -> Option<&EnterpriseUser> {
        let found = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.index.users.get(&name.to_ascii_lowercase())
        } else {
            self.index.users.get(name)
        };
        found.map(|&i| &self.world.enterprise_users[i])
    }

    /// Finds a party by key, as [`World::party`] does.
    pub(crate) fn party(&self, key: &str) -> Option<PartyRef<'_>> {
        if let Some(o) = self.organisations_with_number(key).next() {
            return Some(PartyRef::Organisation(o));
        }
        if let Some(p) = self.persons_with_ssn(key).next() {
            return Some(PartyRef::Person(p));
        }
        self.enterprise_user(key).map(PartyRef::EnterpriseUser)
    }

    /// Finds a party by party id, as [`World::party_by_id`] does.
    pub(crate) fn party_by_id(&self, id: u64) -> Option<PartyRef<'_>> {
        self.index.by_id.get(&id).map(|slot| match *slot {
            Slot::Organisation(i) => PartyRef::Organisation(&self.world.organisations[i]),
            Slot::Person(i) => PartyRef::Person(&self.world.persons[i]),
            Slot::EnterpriseUser(i) => PartyRef::EnterpriseUser(&self.world.enterprise_users[i]),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::world::{Organisation, Person};

    /// Every lookup the indexes serve agrees with the world's linear scans.
    fn assert_consistent(indexed: &IndexedWorld, probes: &[String], ids: &[u64]) {
        let world: &World = indexed;
        let mut keys: Vec<String> = probes.to_vec();
        keys.extend(world.persons.iter().map(|p| p.ssn.clone()));
        keys.extend(world.organisations.iter().map(|o| o.org.clone()));
        keys.extend(world.enterprise_users.iter().map(|u| u.user_name.clone()));
        keys.extend(
            world
                .enterprise_users
                .iter()
                .map(|u| u.user_name.to_ascii_uppercase()),
        );
        for key in &keys {
            assert_eq!(indexed.party(key), world.party(key), "party({key:?})");
            let persons: Vec<&Person> = world.persons.iter().filter(|p| p.ssn == *key).collect();
            assert_eq!(indexed.persons_with_ssn(key).collect::<Vec<_>>(), persons);
            let orgs: Vec<&Organisation> = world
                .organisations
                .iter()
                .filter(|o| o.org == *key)
                .collect();
            assert_eq!(
                indexed.organisations_with_number(key).collect::<Vec<_>>(),
                orgs
            );
            assert_eq!(
                indexed.enterprise_user(key),
                world
                    .enterprise_users
                    .iter()
                    .find(|u| u.user_name.eq_ignore_ascii_case(key))
            );
        }
        let mut all_ids: Vec<u64> = ids.to_vec();
        all_ids.extend(world.persons.iter().map(|p| p.party_id));
        all_ids.extend(world.organisations.iter().map(|o| o.party_id));
        all_ids.extend(world.enterprise_users.iter().map(|u| u.party_id));
        for id in all_ids {
            assert_eq!(indexed.party_by_id(id), world.party_by_id(id), "id {id}");
        }
    }

    fn probes() -> Vec<String> {
        ["", "my", "310000000", "00000000000", "Demo-Admin", "nobody"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn the_demo_world_is_indexed_like_the_linear_scans() {
        let indexed = IndexedWorld::new(World::demo());
        assert_consistent(&indexed, &probes(), &[0, 1, 50_828_870, u64::MAX]);
        assert!(indexed.party(crate::demo::ROLE_PERSON_FNR).is_some());
    }

    #[test]
    fn replacing_the_world_rebuilds_the_indexes() {
        let mut indexed = IndexedWorld::new(World::demo());
        let old = indexed.persons[0].clone();
        let mut other = World::demo();
        other.persons.remove(0);
        other.persons.push(Person {
            ssn: "01017012345".into(),
            first_name: "NY".into(),
            last_name: "PERSON".into(),
            party_id: 77_000_001,
        });
        indexed.replace(other);
        assert!(indexed.persons_with_ssn(&old.ssn).next().is_none());
        assert!(indexed.party_by_id(old.party_id).is_none());
        assert_eq!(
            indexed.party_by_id(77_000_001).map(|p| p.key().to_owned()),
            Some("01017012345".to_owned())
        );
        assert_consistent(&indexed, &probes(), &[old.party_id]);
    }

    #[test]
    fn modifying_the_world_rebuilds_the_indexes() {
        let mut indexed = IndexedWorld::new(World::demo());
        let before = indexed.version();
        indexed.modify(|w| {
            w.persons[0].ssn = "01017012345".into();
            w.organisations[0].party_id = 91_000_000;
            w.enterprise_users[0].user_name = "Renamed-User".into();
        });
        assert!(indexed.version() > before);
        assert!(indexed.party("01017012345").is_some());
        assert!(indexed.party_by_id(91_000_000).is_some());
        assert!(indexed.enterprise_user("renamed-user").is_some());
        assert_consistent(&indexed, &probes(), &[]);
    }

    #[test]
    fn changing_rights_and_roles_keeps_the_indexes_and_counts_a_change() {
        let mut indexed = IndexedWorld::new(World::demo());
        let v0 = indexed.version();
        indexed.rights_mut().clear();
        indexed.roles_mut().clear();
        assert!(indexed.allocate_id() > 0);
        assert!(indexed.version() >= v0 + 3);
        assert_consistent(&indexed, &probes(), &[]);
    }

    fn person(ssn: u8, last: u8, id: u8) -> Person {
        Person {
            ssn: format!("0101700000{}", ssn % 4),
            first_name: "A".into(),
            last_name: format!("L{}", last % 3),
            party_id: u64::from(id % 8),
        }
    }

    fn organisation(org: u8, id: u8) -> Organisation {
        Organisation {
            org: format!("91000000{}", org % 4),
            name: "O".into(),
            party_id: u64::from(id % 8),
            form: "AS".into(),
        }
    }

    proptest! {
        /// Worlds with clashing numbers and party ids (which `World::check` does not refuse)
        /// resolve exactly as the linear scans resolve them, also after a replacement.
        #[test]
        fn lookups_match_the_linear_scans(
            persons in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..12),
            orgs in proptest::collection::vec((any::<u8>(), any::<u8>()), 0..6),
            persons2 in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..12),
        ) {
            let mut world = World::demo();
            world.persons.extend(persons.iter().map(|&(s, l, i)| person(s, l, i)));
            world.organisations.extend(orgs.iter().map(|&(o, i)| organisation(o, i)));
            let probe: Vec<String> = (0..4)
                .map(|i| format!("0101700000{i}"))
                .chain((0..4).map(|i| format!("91000000{i}")))
                .collect();
            let ids: Vec<u64> = (0..8).collect();
            let mut indexed = IndexedWorld::new(world.clone());
            assert_consistent(&indexed, &probe, &ids);
            world.persons.retain(|p| p.party_id % 2 == 0);
            world.persons.extend(persons2.iter().map(|&(s, l, i)| person(s, l, i)));
            indexed.replace(world);
            assert_consistent(&indexed, &probe, &ids);
        }
    }
}
