//! [`AccessManager`]: the three use cases over the ports.

use std::{collections::BTreeSet, sync::Arc};

use tilgang_domain::{
    DelegationRequest, MaskedSsn, PartyRef, Receiver, ReporteeQuery, Right, RightId, RightRequest,
    RoleDefinitionId,
};
use tilgang_ports::{AltinnError, Delegations, ErrorKind, ReporteeLookup, RightsFilter};

use crate::{
    error::{AccessError, Step},
    model::{
        AccessReport, GrantOutcome, GrantStatus, GrantedRight, HeldRight, HeldRole, RevokeOutcome,
        RevokeStatus, RevokedRight, ServiceRight, Subject,
    },
};

/// How many delegation requests `grant` sends at most. The second is sent only after an
/// ambiguous failure of the first and a fresh read showing what is still missing, so it can
/// never duplicate a delegation that is visible.
const MAX_DELEGATION_REQUESTS: u32 = 2;

/// The access-management use cases, over any adapter that implements the ports.
///
/// Cheap to clone; share one per process.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use tilgang_access::{AccessManager, ServiceRight, person_query};
/// # use tilgang_domain::PartyRef;
/// # async fn demo(
/// #     lookup: Arc<dyn tilgang_ports::ReporteeLookup>,
/// #     delegations: Arc<dyn tilgang_ports::Delegations>,
/// # ) -> Result<(), tilgang_access::AccessError> {
/// let access = AccessManager::new(lookup, delegations);
/// let org = PartyRef::parse("310000000").expect("an organisation number");
/// let person = person_query("26899299344", "HEIS")?;
/// let rights = [ServiceRight::parse("4864", "1", "Read")?];
/// let outcome = access.grant(&org, &person, &rights).await?;
/// assert!(outcome.changed || outcome.requests_sent == 0);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AccessManager {
    reportees: Arc<dyn ReporteeLookup>,
    delegations: Arc<dyn Delegations>,
}

impl std::fmt::Debug for AccessManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessManager").finish_non_exhaustive()
    }
}

impl AccessManager {
    /// Wires the use cases to a reportee lookup and a delegations adapter (for Altinn 2 both
    /// are the same `tilgang_altinn2::Altinn2Client`).
    pub fn new(reportees: Arc<dyn ReporteeLookup>, delegations: Arc<dyn Delegations>) -> Self {
        AccessManager {
            reportees,
            delegations,
        }
    }

    /// The rights and roles `holder` has from `org`. A holder with nothing from `org` gives an
    /// empty report.
    pub async fn show(
        &self,
        org: &PartyRef,
        holder: &ReporteeQuery,
    ) -> Result<AccessReport, AccessError> {
        let (subject, receiver) = self.look_up(holder).await?;
        let holder = self
            .delegations
            .right_holder(org, &receiver)
            .await
            .map_err(AccessError::at(Step::Read))?;
        let (rights, roles) = (holder.rights, holder.roles);
        Ok(AccessReport {
            org: org.to_string(),
            holder: subject,
            rights: rights.iter().map(HeldRight::from).collect(),
            roles: roles.iter().map(HeldRole::from).collect(),
        })
    }

    /// Makes `holder` hold every right in `rights` from `org`.
    ///
    /// Idempotent: reads the current rights first and delegates only what is missing, in one
    /// request, so a second run sends nothing and a duplicate delegation cannot happen. A right
    /// held through a role counts as held. If the delegation request fails in a way that may
    /// have taken effect ([`AltinnError::is_ambiguous`]), the rights are read again before
    /// deciding; only what is still missing is sent once more.
    pub async fn grant(
        &self,
        org: &PartyRef,
        holder: &ReporteeQuery,
        rights: &[ServiceRight],
    ) -> Result<GrantOutcome, AccessError> {
        let wanted = distinct(rights)?;
        let receiver_body = receiver_for(holder)?;
        let (subject, receiver) = self.look_up(holder).await?;
        let current = self
            .delegations
            .rights(org, &receiver, RightsFilter::All)
            .await
            .map_err(AccessError::at(Step::Read))?;

        let mut missing: Vec<ServiceRight> = wanted
            .iter()
            .filter(|w| !current.iter().any(|r| w.matches(r)))
            .cloned()
            .collect();
        let added: BTreeSet<ServiceRight> = missing.iter().cloned().collect();

        let mut requests_sent = 0;
        let mut confirmed_after_ambiguous_failure = false;
        while !missing.is_empty() {
            requests_sent += 1;
            let request = DelegationRequest {
                receiver: receiver_body.clone(),
                rights: missing
                    .iter()
                    .map(|r| {
                        RightRequest::service(
                            r.service_code.clone(),
                            r.service_edition,
                            r.action.clone(),
                        )
                    })
                    .collect(),
                roles: Vec::new(),
                email: None,
            };
            let error = match self.delegations.add(org, &request).await {
                Ok(()) => break,
                Err(e) if e.is_ambiguous() => e,
                Err(e) => return Err(AccessError::at(Step::Delegate)(e)),
            };
            tracing::warn!(%error, "delegation failed ambiguously; reading the rights again");
            let now = self
                .delegations
                .rights(org, &receiver, RightsFilter::All)
                .await
                .map_err(AccessError::at(Step::Confirm))?;
            missing.retain(|w| !now.iter().any(|r| w.matches(r)));
            if missing.is_empty() {
                confirmed_after_ambiguous_failure = true;
            } else if requests_sent >= MAX_DELEGATION_REQUESTS {
                return Err(AccessError::Unconfirmed {
                    missing,
                    source: Box::new(error),
                });
            }
        }

        let lines: Vec<GrantedRight> = wanted
            .into_iter()
            .map(|right| {
                let status = if added.contains(&right) {
                    GrantStatus::Added
                } else {
                    GrantStatus::AlreadyHeld {
                        source: best_source(&right, &current),
                    }
                };
                GrantedRight { right, status }
            })
            .collect();
        Ok(GrantOutcome {
            org: org.to_string(),
            holder: subject,
            changed: !added.is_empty(),
            rights: lines,
            requests_sent,
            confirmed_after_ambiguous_failure,
        })
    }

    /// Makes `holder` no longer hold `rights` directly from `org`.
    ///
    /// Only directly delegated rights are deleted. If a right is held only through a role, the
    /// whole call fails before deleting anything, with [`AccessError::RoleDerived`] naming the
    /// roles to remove instead. A right not held at all is reported as such (idempotent).
    pub async fn revoke(
        &self,
        org: &PartyRef,
        holder: &ReporteeQuery,
        rights: &[ServiceRight],
    ) -> Result<RevokeOutcome, AccessError> {
        let wanted = distinct(rights)?;
        let (subject, receiver) = self.look_up(holder).await?;
        let current = self
            .delegations
            .rights(org, &receiver, RightsFilter::All)
            .await
            .map_err(AccessError::at(Step::Read))?;

        // Plan everything before deleting anything, so a refusal leaves no half-done state.
        let mut plan: Vec<(ServiceRight, Vec<RightId>, bool)> = Vec::new();
        let mut role_only = Vec::new();
        for right in wanted {
            let matching: Vec<&Right> = current.iter().filter(|r| right.matches(r)).collect();
            let direct: Vec<&Right> = matching
                .iter()
                .copied()
                .filter(|r| r.is_directly_delegated())
                .collect();
            if !matching.is_empty() && direct.is_empty() {
                role_only.push(right);
                continue;
            }
            let mut ids = Vec::with_capacity(direct.len());
            for r in &direct {
                match r.right_id {
                    Some(id) => ids.push(id),
                    None => return Err(AccessError::MissingRightId { right }),
                }
            }
            let via_role = matching.len() > direct.len();
            plan.push((right, ids, via_role));
        }
        if !role_only.is_empty() {
            let roles = self
                .delegations
                .roles(org, &receiver)
                .await
                .map_err(AccessError::at(Step::Read))?;
            return Err(AccessError::RoleDerived {
                rights: role_only,
                roles: roles
                    .iter()
                    .filter(|r| r.role_definition_id != Some(SINGLE_RIGHTS_ROLE))
                    .map(HeldRole::from)
                    .collect(),
            });
        }

        let mut changed = false;
        let mut lines = Vec::with_capacity(plan.len());
        for (right, ids, still_held_via_role) in plan {
            if ids.is_empty() {
                lines.push(RevokedRight {
                    right,
                    status: RevokeStatus::NotHeld,
                });
                continue;
            }
            for &id in &ids {
                self.delete_right(org, &receiver, id).await?;
                changed = true;
            }
            lines.push(RevokedRight {
                right,
                status: RevokeStatus::Removed {
                    right_ids: ids,
                    still_held_via_role,
                },
            });
        }
        Ok(RevokeOutcome {
            org: org.to_string(),
            holder: subject,
            rights: lines,
            changed,
        })
    }

    /// Deletes one right. A failure that may have taken effect, or a 404, is checked by
    /// reading the rights again: if the right is gone, the goal is reached.
    async fn delete_right(
        &self,
        org: &PartyRef,
        receiver: &PartyRef,
        id: RightId,
    ) -> Result<(), AccessError> {
        let error = match self.delegations.delete_right(org, receiver, id).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_ambiguous() || is_not_found(&e) => e,
            Err(e) => return Err(AccessError::at(Step::Delete(id))(e)),
        };
        let now = self
            .delegations
            .rights(org, receiver, RightsFilter::All)
            .await
            .map_err(AccessError::at(Step::Confirm))?;
        if now.iter().any(|r| r.right_id == Some(id)) {
            Err(AccessError::at(Step::Delete(id))(error))
        } else {
            Ok(())
        }
    }

    async fn look_up(&self, holder: &ReporteeQuery) -> Result<(Subject, PartyRef), AccessError> {
        let reportee = self
            .reportees
            .reportee(holder)
            .await
            .map_err(AccessError::at(Step::LookUp))?;
        let (ssn, organization_number) = match holder {
            ReporteeQuery::Person { fnr, .. } => (Some(MaskedSsn::new(&fnr.masked())), None),
            ReporteeQuery::Organisation { org, .. } => (None, Some(org.as_str().to_owned())),
            _ => (None, reportee.organization_number.clone()),
        };
        let receiver = PartyRef::Reportee(reportee.reportee_id.clone());
        Ok((
            Subject {
                reportee_id: reportee.reportee_id,
                name: reportee.name,
                ssn,
                organization_number,
            },
            receiver,
        ))
    }
}

/// The synthetic "Single Rights" role Altinn lists beside directly delegated rights; it is not
/// a role one can remove to take away a role-derived right.
const SINGLE_RIGHTS_ROLE: RoleDefinitionId = RoleDefinitionId(0);

fn is_not_found(e: &AltinnError) -> bool {
    e.status() == Some(404) && e.kind() == ErrorKind::NotFound
}

fn distinct(rights: &[ServiceRight]) -> Result<BTreeSet<ServiceRight>, AccessError> {
    if rights.is_empty() {
        return Err(AccessError::InvalidInput(
            "no rights given; name at least one (service code, edition, action)".into(),
        ));
    }
    Ok(rights.iter().cloned().collect())
}

fn receiver_for(holder: &ReporteeQuery) -> Result<Receiver, AccessError> {
    match holder {
        ReporteeQuery::Person { fnr, last_name } => Ok(Receiver::person(fnr, last_name)),
        ReporteeQuery::Organisation { org, name } => Ok(Receiver::organisation(org, name)),
        _ => Err(AccessError::InvalidInput(
            "this kind of right holder cannot receive delegations".into(),
        )),
    }
}

/// How a right is held, preferring the direct delegation when there are several sources.
fn best_source(right: &ServiceRight, current: &[Right]) -> Option<tilgang_domain::RightSourceType> {
    let matching = current.iter().filter(|r| right.matches(r));
    matching
        .clone()
        .find(|r| r.is_directly_delegated())
        .or_else(|| matching.clone().next())
        .and_then(|r| r.right_source_type.clone())
}
