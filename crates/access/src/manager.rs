//! [`AccessManager`]: the use cases over the ports.

use std::{collections::BTreeSet, sync::Arc};

use tilgang_domain::{Grantable, HeldAccess, HeldVia, Party, PartyQuery, PartyRef};
use tilgang_ports::{AltinnError, ErrorKind, Operation, Parties, RightHolderChange, Rights};

use crate::{
    error::{AccessError, HeldIndirectly, Step},
    model::{
        AccessReport, GrantLine, GrantOutcome, GrantStatus, RemovalOutcome, RevokeLine,
        RevokeOutcome, RevokeStatus, RightHolderList, RightHolderOutcome,
    },
};

/// How many grant calls `grant` makes at most. The second is made only after an ambiguous
/// failure of the first and a fresh read showing what is still missing, so it can never
/// duplicate something that is visible.
const MAX_GRANT_CALLS: u32 = 2;

/// The access-management use cases, over any backend that implements the ports.
///
/// Cheap to clone; share one per process.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use tilgang_access::{AccessManager, package, person_query};
/// # use tilgang_domain::PartyRef;
/// # async fn demo(
/// #     parties: Arc<dyn tilgang_ports::Parties>,
/// #     rights: Arc<dyn tilgang_ports::Rights>,
/// # ) -> Result<(), tilgang_access::AccessError> {
/// let access = AccessManager::new(parties, rights);
/// let org = PartyRef::parse("310000000").expect("an organisation number");
/// let person = person_query("26899299344", "HEIS")?;
/// let outcome = access.grant(&org, &person, &[package("lonn")?]).await?;
/// assert!(outcome.changed || outcome.requests_sent == 0);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AccessManager {
    pub(crate) parties: Arc<dyn Parties>,
    pub(crate) rights: Arc<dyn Rights>,
}

impl std::fmt::Debug for AccessManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessManager").finish_non_exhaustive()
    }
}

impl AccessManager {
    /// Wires the use cases to a backend (for each Altinn generation, one client implements
    /// both ports).
    pub fn new(parties: Arc<dyn Parties>, rights: Arc<dyn Rights>) -> Self {
        AccessManager { parties, rights }
    }

    /// The party `query` names, as seen from `org`. Read-only: a party that the backend can
    /// only find among `org`'s right holders and that is not one gives
    /// [`AccessError::NotRightHolder`].
    pub async fn resolve(&self, org: &PartyRef, query: &PartyQuery) -> Result<Party, AccessError> {
        self.find(org, query)
            .await?
            .ok_or_else(|| not_right_holder(org, query))
    }

    /// Everyone who holds something from `org`.
    pub async fn right_holders(&self, org: &PartyRef) -> Result<RightHolderList, AccessError> {
        let right_holders = self
            .rights
            .right_holders(org)
            .await
            .map_err(AccessError::at(Step::ListRightHolders))?;
        Ok(RightHolderList {
            org: org.to_string(),
            right_holders,
        })
    }

    /// Makes the party `query` names a right holder of `org` (idempotent).
    pub async fn add_right_holder(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<RightHolderOutcome, AccessError> {
        let added = self
            .rights
            .add_right_holder(org, query)
            .await
            .map_err(AccessError::at(Step::AddRightHolder))?;
        Ok(RightHolderOutcome {
            org: org.to_string(),
            holder: added.party,
            change: added.change,
        })
    }

    /// Ends the relation between `org` and the party `query` names. Idempotent: a party who is
    /// not a right holder gives `removed: false` and nothing is sent beyond the lookup.
    /// Without `cascade`, a holder who still holds something directly is refused.
    pub async fn remove_right_holder(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
        cascade: bool,
    ) -> Result<RemovalOutcome, AccessError> {
        let removed = match self.find(org, query).await? {
            None => false,
            Some(holder) => {
                self.rights
                    .remove_right_holder(org, &holder, cascade)
                    .await
                    .map_err(AccessError::at(Step::RemoveRightHolder))?;
                true
            }
        };
        Ok(RemovalOutcome {
            org: org.to_string(),
            holder: query.to_string(),
            removed,
        })
    }

    /// Everything the party `query` names holds from `org`, and how.
    pub async fn show(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<AccessReport, AccessError> {
        let holder = self.resolve(org, query).await?;
        let accesses = self.holdings(org, &holder, Step::Read).await?;
        Ok(AccessReport {
            org: org.to_string(),
            holder,
            accesses,
        })
    }

    /// Makes the party `query` names hold every grantable in `grantables` from `org`.
    ///
    /// Every grantable is checked against the backend first: one it cannot grant fails the
    /// call before anything is sent. A party who is not yet a right holder is made one (in
    /// Altinn 3 that is a change, reported in the outcome).
    ///
    /// Idempotent: reads the current accesses first and grants only what is missing, so a
    /// second run sends nothing. Something held through a role or package counts as held. If
    /// the grant fails in a way that may have taken effect ([`AltinnError::is_ambiguous`]),
    /// the accesses are read again before deciding; only what is still missing is sent once
    /// more.
    pub async fn grant(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
        grantables: &[Grantable],
    ) -> Result<GrantOutcome, AccessError> {
        let wanted = self.checked(Operation::Grant, grantables)?;
        let (holder, right_holder) = match self.find(org, query).await? {
            Some(holder) => (holder, None),
            None => {
                let added = self
                    .rights
                    .add_right_holder(org, query)
                    .await
                    .map_err(AccessError::at(Step::AddRightHolder))?;
                (added.party, Some(added.change))
            }
        };
        // A right holder added just now holds nothing directly yet, and anything they hold
        // indirectly would have made them one already; so there is nothing to read.
        let current = if right_holder == Some(RightHolderChange::Added) {
            Vec::new()
        } else {
            self.holdings(org, &holder, Step::Read).await?
        };

        let mut missing: Vec<Grantable> = wanted
            .iter()
            .filter(|w| !is_held(w, &current))
            .cloned()
            .collect();
        let added: BTreeSet<Grantable> = missing.iter().cloned().collect();

        let mut requests_sent = 0;
        let mut confirmed_after_ambiguous_failure = false;
        while !missing.is_empty() {
            requests_sent += 1;
            let error = match self.rights.grant(org, &holder, &missing).await {
                Ok(()) => break,
                Err(e) if e.is_ambiguous() => e,
                Err(e) => return Err(AccessError::at(Step::Grant)(e)),
            };
            tracing::warn!(%error, "grant failed ambiguously; reading the accesses again");
            let now = self.holdings(org, &holder, Step::Confirm).await?;
            missing.retain(|w| !is_held(w, &now));
            if missing.is_empty() {
                confirmed_after_ambiguous_failure = true;
            } else if requests_sent >= MAX_GRANT_CALLS {
                return Err(AccessError::Unconfirmed {
                    missing,
                    source: Box::new(error),
                });
            }
        }

        let accesses = wanted
            .into_iter()
            .map(|grantable| {
                let status = if added.contains(&grantable) {
                    GrantStatus::Added
                } else {
                    GrantStatus::AlreadyHeld {
                        held_via: paths(&grantable, &current),
                    }
                };
                GrantLine { grantable, status }
            })
            .collect();
        Ok(GrantOutcome {
            org: org.to_string(),
            holder,
            right_holder,
            accesses,
            changed: !added.is_empty() || right_holder == Some(RightHolderChange::Added),
            requests_sent,
            confirmed_after_ambiguous_failure,
        })
    }

    /// Makes the party `query` names no longer hold `grantables` directly from `org`.
    ///
    /// Only what this client may revoke is revoked. If something is held only through other
    /// paths (a role, a package, a key role), the whole call fails before revoking anything,
    /// with [`AccessError::HeldIndirectly`] naming the paths. Something not held at all is
    /// reported as such (idempotent).
    pub async fn revoke(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
        grantables: &[Grantable],
    ) -> Result<RevokeOutcome, AccessError> {
        let wanted = self.checked(Operation::Revoke, grantables)?;
        let Some(holder) = self.find(org, query).await? else {
            // Not a right holder: they hold nothing from `org`, directly or otherwise.
            return Ok(RevokeOutcome {
                org: org.to_string(),
                holder: None,
                accesses: wanted
                    .into_iter()
                    .map(|grantable| RevokeLine {
                        grantable,
                        status: RevokeStatus::NotHeld,
                    })
                    .collect(),
                changed: false,
            });
        };
        let current = self.holdings(org, &holder, Step::Read).await?;

        // Plan everything before revoking anything, so a refusal leaves no half-done state.
        let mut plan: Vec<(Grantable, Vec<HeldAccess>, Vec<HeldVia>)> = Vec::new();
        let mut indirect = Vec::new();
        for grantable in wanted {
            let matching: Vec<&HeldAccess> = current
                .iter()
                .filter(|h| h.grantable == grantable)
                .collect();
            let revocable: Vec<HeldAccess> = matching
                .iter()
                .filter(|h| h.revocable)
                .map(|h| (*h).clone())
                .collect();
            let still_via: Vec<HeldVia> = matching
                .iter()
                .flat_map(|h| h.indirect())
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if !matching.is_empty() && revocable.is_empty() {
                indirect.push(HeldIndirectly {
                    grantable,
                    held_via: matching
                        .iter()
                        .flat_map(|h| h.held_via.iter().cloned())
                        .collect(),
                });
                continue;
            }
            plan.push((grantable, revocable, still_via));
        }
        if !indirect.is_empty() {
            // Name the roles to remove: the ones the paths name, or, when a path does not say
            // which role it is (Altinn 2), every role the holder has. Listing roles that have
            // nothing to do with the refused items would send the user the wrong way.
            let paths = indirect.iter().flat_map(|i| i.held_via.iter());
            let mut unnamed_role = false;
            let mut named_roles = BTreeSet::new();
            for via in paths {
                match via {
                    HeldVia::Role { role: Some(r), .. }
                    | HeldVia::KeyRole { role: Some(r), .. } => {
                        named_roles.insert(r.clone());
                    }
                    HeldVia::Role { role: None, .. } => unnamed_role = true,
                    _ => {}
                }
            }
            let roles = current
                .iter()
                .filter(|h| match &h.grantable {
                    Grantable::Role { role } => unnamed_role || named_roles.contains(role),
                    _ => false,
                })
                .map(|h| match &h.name {
                    Some(name) => format!("{} {name:?}", h.grantable),
                    None => h.grantable.to_string(),
                })
                .collect();
            return Err(AccessError::HeldIndirectly {
                items: indirect,
                roles,
            });
        }

        let to_revoke: Vec<HeldAccess> = plan
            .iter()
            .flat_map(|(_, revocable, _)| revocable.iter().cloned())
            .collect();
        if !to_revoke.is_empty() {
            self.revoke_confirmed(org, &holder, &to_revoke).await?;
        }
        let accesses = plan
            .into_iter()
            .map(|(grantable, revocable, still_held_via)| RevokeLine {
                grantable,
                status: if revocable.is_empty() {
                    RevokeStatus::NotHeld
                } else {
                    RevokeStatus::Removed { still_held_via }
                },
            })
            .collect();
        Ok(RevokeOutcome {
            org: org.to_string(),
            holder: Some(holder),
            accesses,
            changed: !to_revoke.is_empty(),
        })
    }

    /// Revokes `accesses`. A failure that may have taken effect, or a 404, is checked by
    /// reading again: if none of them is still held directly, the goal is reached.
    async fn revoke_confirmed(
        &self,
        org: &PartyRef,
        holder: &Party,
        accesses: &[HeldAccess],
    ) -> Result<(), AccessError> {
        let error = match self.rights.revoke(org, holder, accesses).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_ambiguous() || is_not_found(&e) => e,
            Err(e) => return Err(AccessError::at(Step::Revoke)(e)),
        };
        let now = self.holdings(org, holder, Step::Confirm).await?;
        let still_there = accesses.iter().any(|a| {
            now.iter()
                .any(|h| h.grantable == a.grantable && h.is_direct())
        });
        if still_there {
            Err(AccessError::at(Step::Revoke)(error))
        } else {
            Ok(())
        }
    }

    async fn find(&self, org: &PartyRef, query: &PartyQuery) -> Result<Option<Party>, AccessError> {
        self.parties
            .resolve(org, query)
            .await
            .map_err(AccessError::at(Step::LookUp))
    }

    pub(crate) async fn holdings(
        &self,
        org: &PartyRef,
        holder: &Party,
        step: Step,
    ) -> Result<Vec<HeldAccess>, AccessError> {
        self.rights
            .holdings(org, holder)
            .await
            .map_err(AccessError::at(step))
    }

    /// The distinct grantables, each accepted by the backend for `operation`.
    fn checked(
        &self,
        operation: Operation,
        grantables: &[Grantable],
    ) -> Result<BTreeSet<Grantable>, AccessError> {
        if grantables.is_empty() {
            return Err(AccessError::InvalidInput(format!(
                "nothing to {operation}; name at least one access package, resource right, service right or role"
            )));
        }
        for grantable in grantables {
            self.rights.check(operation, grantable)?;
        }
        Ok(grantables.iter().cloned().collect())
    }
}

fn not_right_holder(org: &PartyRef, query: &PartyQuery) -> AccessError {
    AccessError::NotRightHolder {
        holder: query.to_string(),
        org: org.to_string(),
    }
}

fn is_not_found(e: &AltinnError) -> bool {
    e.status() == Some(404) && e.kind() == ErrorKind::NotFound
}

fn is_held(grantable: &Grantable, current: &[HeldAccess]) -> bool {
    current.iter().any(|h| h.grantable == *grantable)
}

/// Every path by which `grantable` is held, direct first.
fn paths(grantable: &Grantable, current: &[HeldAccess]) -> Vec<HeldVia> {
    current
        .iter()
        .filter(|h| h.grantable == *grantable)
        .flat_map(|h| h.held_via.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
