//! The served world behind its lock, and the state file that persists it.
//!
//! Every change goes through [`WorldStore`], which keeps the indexes right ([`IndexedWorld`])
//! and writes the world to the state file (when one is configured) before the change is
//! acknowledged.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

use crate::{shared::indexed::IndexedWorld, world::World};

/// The world, its starting value (for reset) and the state file.
pub(crate) struct WorldStore {
    world: RwLock<IndexedWorld>,
    initial: World,
    state_file: Option<PathBuf>,
    /// The version of the world (see [`IndexedWorld::version`]) the state file holds. Held
    /// while the file is written, so writes are ordered and a waiting change can see whether
    /// the write before it already carried it.
    persisted: Mutex<Option<u64>>,
}

impl WorldStore {
    pub(crate) fn new(world: World, state_file: Option<PathBuf>) -> Self {
        WorldStore {
            initial: world.clone(),
            world: RwLock::new(IndexedWorld::new(world)),
            state_file,
            persisted: Mutex::new(None),
        }
    }

    /// Whether changes are written to a state file.
    pub(crate) fn has_state_file(&self) -> bool {
        self.state_file.is_some()
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, IndexedWorld> {
        self.world.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, IndexedWorld> {
        self.world.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the world with a closure that may change anything (the indexes are rebuilt)
    /// and persists it (when a state file is configured) before returning.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let (result, version) = {
            let mut w = self.write();
            let r = w.modify(f);
            (r, w.version())
        };
        self.persist_through(version);
        result
    }

    /// Replaces the world and persists it before returning.
    pub(crate) fn replace(&self, world: World) {
        let version = {
            let mut w = self.write();
            w.replace(world);
            w.version()
        };
        self.persist_through(version);
    }

    /// Puts the starting world back.
    pub(crate) fn reset(&self) {
        self.replace(self.initial.clone());
    }

    /// Changes rights and roles (the handlers' path; the indexes stay as they are). Returns
    /// the closure's result and, when the closure changed something and a state file is
    /// configured, the version that must be persisted before the change is acknowledged
    /// ([`WorldStore::persist`]).
    pub(crate) fn change<R>(&self, f: impl FnOnce(&mut IndexedWorld) -> R) -> (R, Option<u64>) {
        let mut w = self.write();
        let before = w.version();
        let r = f(&mut w);
        let version = w.version();
        let pending = (version != before && self.state_file.is_some()).then_some(version);
        (r, pending)
    }

    /// Waits until the state file holds `version` of the world or a later one, without
    /// holding up a runtime worker while the file is written and synced.
    pub(crate) async fn persist(self: &Arc<Self>, version: Option<u64>) {
        let Some(version) = version else { return };
        let s = self.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || s.persist_through(version)).await {
            tracing::error!("could not persist the world: {e}");
        }
    }

    /// Writes the world to the state file, unless a write that began after the world
    /// reached `version` already finished. Changes made while a write is in flight are
    /// carried together by the next one: whoever takes the lock first writes the newest
    /// world, and everyone it covered returns without writing again.
    pub(crate) fn persist_through(&self, version: u64) {
        let Some(path) = &self.state_file else { return };
        let mut persisted = self.persisted.lock().unwrap_or_else(|e| e.into_inner());
        if persisted.is_some_and(|p| p >= version) {
            return;
        }
        let (snapshot, snapshot_version) = {
            let w = self.read();
            (World::clone(&w), w.version())
        };
        match snapshot.save_atomic(path) {
            Ok(()) => *persisted = Some(snapshot_version),
            Err(e) => tracing::error!("could not persist the world: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_state_file() -> (tempfile::TempDir, PathBuf, WorldStore) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let s = WorldStore::new(World::demo(), Some(path.clone()));
        (dir, path, s)
    }

    fn drop_a_right(s: &WorldStore) -> u64 {
        let ((), pending) = s.change(|w| {
            w.rights_mut().pop();
        });
        pending.expect("a change with a state file is to be persisted")
    }

    #[test]
    fn a_write_that_carried_a_change_is_not_repeated() {
        let (_dir, path, s) = store_with_state_file();
        let first = drop_a_right(&s);
        let second = drop_a_right(&s);
        assert!(second > first);
        s.persist_through(second);
        assert_eq!(World::load(&path).unwrap(), World::clone(&s.read()));
        // The write for the second change carried the first one, so persisting the first
        // one does not write again.
        std::fs::remove_file(&path).unwrap();
        s.persist_through(first);
        assert!(!path.exists());
        // A later change is written.
        let third = drop_a_right(&s);
        s.persist_through(third);
        assert_eq!(World::load(&path).unwrap(), World::clone(&s.read()));
    }

    #[test]
    fn a_request_that_changed_nothing_writes_nothing() {
        let (_dir, _path, s) = store_with_state_file();
        let (rights, pending) = s.change(|w| w.rights.len());
        assert_eq!(rights, World::demo().rights.len());
        assert_eq!(pending, None);
    }

    #[test]
    fn without_a_state_file_nothing_is_pending() {
        let s = WorldStore::new(World::demo(), None);
        let ((), pending) = s.change(|w| {
            w.rights_mut().pop();
        });
        assert_eq!(pending, None);
    }

    #[test]
    fn reset_puts_the_starting_world_back() {
        let s = WorldStore::new(World::demo(), None);
        s.update(|w| w.rights.clear());
        assert!(s.read().rights.is_empty());
        s.reset();
        assert_eq!(World::clone(&s.read()), World::demo());
    }
}
