//! The Altinn 2 writes over the world: delegating rights and roles, and deleting them
//! (README, inferred behaviours 20 and 21).
//!
//! A delegation is checked as a whole before anything is stored: [`plan_delegation`] reads
//! the world and answers either a [`Delegation`] that is known to succeed or a [`Refusal`],
//! and only then does [`apply_delegation`] change the world.

use tilgang_altinn2_wire::{Receiver, model::DelegationRequest};
use tilgang_domain::Action;

use crate::{
    shared::{indexed::IndexedWorld, tokens::altinn::AltinnIdentity},
    world::{HeldRight, HeldRole},
};

use super::{
    parties::{administered, resolve_receiver},
    refusal::Refusal,
};

/// A checked delegation: who gives what to whom, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Delegation {
    /// The party key of `{who}`.
    from: String,
    /// The party key of the receiver.
    to: String,
    /// The enterprise user who delegates (`Delegator`).
    delegator: String,
    /// `(service code, edition, action)` as the service names them.
    rights: Vec<(String, u32, String)>,
    /// Role definition ids.
    roles: Vec<i64>,
}

/// Checks a delegation request against the world: the user administers `{who}`, the
/// receiver matches, and every right and role exists, may be delegated by this user and is
/// not held already.
pub(super) fn plan_delegation(
    world: &IndexedWorld,
    who: &str,
    id: &AltinnIdentity,
    request: &DelegationRequest,
) -> Result<Delegation, Refusal> {
    let (who_party, u, role) = administered(world, who, id)?;
    let is_main_admin = role.eq_ignore_ascii_case("Hovedadministrator");
    let from = who_party.key().to_owned();
    let user_name = u.user_name.clone();
    let to = receiver(world, &request.receiver, &from)?;
    if to == from {
        return Err(Refusal::SelfDelegation);
    }
    if request.rights.is_empty() && request.roles.is_empty() {
        return Err(Refusal::NothingToDelegate);
    }
    let mut rights: Vec<(String, u32, String)> = Vec::new();
    for r in &request.rights {
        if r.message_id.is_some() || r.system_resource_id.is_some() {
            return Err(Refusal::NotAServiceRight);
        }
        let (Some(code), Some(edition)) = (&r.service_code, r.service_edition_code) else {
            return Err(Refusal::IncompleteRight);
        };
        let Some(service) = world.service(code.as_str(), edition.get()) else {
            return Err(Refusal::UnknownService {
                code: code.as_str().to_owned(),
                edition: edition.get(),
            });
        };
        let Some(action) = service
            .actions
            .iter()
            .find(|a| Action::parse(a) == r.action)
        else {
            return Err(Refusal::UnknownAction {
                action: r.action.to_string(),
                code: service.code.clone(),
                edition: service.edition,
            });
        };
        if !service.delegable {
            return Err(Refusal::ServiceNotDelegable {
                code: service.code.clone(),
                edition: service.edition,
            });
        }
        let same_right = |h: &&HeldRight| {
            h.from == from
                && h.service_code == service.code
                && h.service_edition == service.edition
                && Action::parse(&h.action) == r.action
        };
        if !is_main_admin
            && !world
                .rights
                .iter()
                .filter(same_right)
                .any(|h| h.to.eq_ignore_ascii_case(&user_name))
        {
            return Err(Refusal::RightNotHeld);
        }
        let exists = world
            .rights
            .iter()
            .filter(same_right)
            .any(|h| h.to == to && h.source.eq_ignore_ascii_case("DirectlyDelegatedRights"));
        let key = (service.code.clone(), service.edition, action.clone());
        if exists || rights.contains(&key) {
            return Err(Refusal::RightExists {
                code: key.0,
                edition: key.1,
                action: key.2,
            });
        }
        rights.push(key);
    }
    let mut roles = Vec::new();
    for r in &request.roles {
        let Some(def) = world.role_definition(r.role_definition_id.0) else {
            return Err(Refusal::UnknownRoleDefinition(r.role_definition_id.0));
        };
        if !def.delegable || !def.role_type.eq_ignore_ascii_case("Altinn") {
            return Err(Refusal::RoleNotDelegable(def.id));
        }
        if !is_main_admin
            && !world.roles.iter().any(|h| {
                h.from == from
                    && h.to.eq_ignore_ascii_case(&user_name)
                    && h.role_definition_id == def.id
            })
        {
            return Err(Refusal::RoleNotHeld);
        }
        if roles.contains(&def.id)
            || world
                .roles
                .iter()
                .any(|h| h.from == from && h.to == to && h.role_definition_id == def.id)
        {
            return Err(Refusal::RoleExists(def.id));
        }
        roles.push(def.id);
    }
    Ok(Delegation {
        from,
        to,
        delegator: user_name,
        rights,
        roles,
    })
}

/// The receiver's party key: a person by fødselsnummer and last name, an organisation by
/// number and name, or an enterprise user of `{who}` itself.
fn receiver(world: &IndexedWorld, receiver: &Receiver, from: &str) -> Result<String, Refusal> {
    match receiver {
        Receiver::Person { ssn, last_name } => world
            .persons_with_ssn(ssn.trim())
            .next()
            .filter(|p| p.last_name.eq_ignore_ascii_case(last_name.trim()))
            .map(|p| p.ssn.clone())
            .ok_or(Refusal::PersonMismatch),
        Receiver::Organisation { org, name } => world
            .organisations_with_number(org.trim())
            .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
            .map(|o| o.org.clone())
            .ok_or(Refusal::OrganisationMismatch),
        Receiver::EnterpriseUser { user_name, org } => {
            let eu = world
                .enterprise_users
                .iter()
                .find(|e| e.user_name.eq_ignore_ascii_case(user_name) && e.org == org.trim())
                .ok_or(Refusal::EnterpriseUserNotFound)?;
            if eu.org != from {
                return Err(Refusal::EnterpriseUserOfOtherOrganisation);
            }
            Ok(eu.user_name.clone())
        }
        _ => Err(Refusal::UnsupportedReceiver),
    }
}

/// Stores a checked delegation at `delegated_at` (Altinn's timestamp text). A delegated
/// role brings its definition's rights as `RoleTypeRights`.
pub(super) fn apply_delegation(world: &mut IndexedWorld, d: Delegation, delegated_at: &str) {
    for (code, edition, action) in d.rights {
        let id = world.allocate_id();
        world.rights_mut().push(HeldRight {
            id,
            from: d.from.clone(),
            to: d.to.clone(),
            service_code: code,
            service_edition: edition,
            action,
            source: "DirectlyDelegatedRights".into(),
            role_id: None,
            delegator: Some(d.delegator.clone()),
            delegated_time: delegated_at.to_owned(),
            delegatable: true,
        });
    }
    for def_id in d.roles {
        let role_id = world.allocate_id();
        let derived = world
            .role_definition(def_id)
            .map(|def| def.rights.clone())
            .unwrap_or_default();
        world.roles_mut().push(HeldRole {
            id: role_id,
            from: d.from.clone(),
            to: d.to.clone(),
            role_definition_id: def_id,
            delegator: Some(d.delegator.clone()),
            delegated_time: Some(delegated_at.to_owned()),
        });
        for r in derived {
            let id = world.allocate_id();
            world.rights_mut().push(HeldRight {
                id,
                from: d.from.clone(),
                to: d.to.clone(),
                service_code: r.code,
                service_edition: r.edition,
                action: r.action,
                source: "RoleTypeRights".into(),
                role_id: Some(role_id),
                delegator: Some(d.delegator.clone()),
                delegated_time: delegated_at.to_owned(),
                delegatable: false,
            });
        }
    }
}

/// What a DELETE names: an `authzRuleId` or a `roleId`, as sent.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    /// A right by its id.
    Right(&'a str),
    /// A role by its id.
    Role(&'a str),
}

/// Deletes a directly delegated right, or an Altinn role with the rights it brought, from
/// what `{who}` gave the receiver.
pub(super) fn delete(
    world: &mut IndexedWorld,
    who: &str,
    id: &AltinnIdentity,
    receiver_id: &str,
    target: Target<'_>,
) -> Result<(), Refusal> {
    let (from, to) = {
        let (who_party, _, _) = administered(world, who, id)?;
        let receiver = resolve_receiver(world, receiver_id)?;
        (who_party.key().to_owned(), receiver.key().to_owned())
    };
    match target {
        Target::Right(rule) => {
            let rule_id: i64 = rule
                .trim()
                .parse()
                .map_err(|_| Refusal::InvalidRuleId(rule.to_owned()))?;
            let idx = world
                .rights
                .iter()
                .position(|r| r.id == rule_id && r.from == from && r.to == to)
                .ok_or(Refusal::RightNotFound(rule_id))?;
            if !world.rights[idx]
                .source
                .eq_ignore_ascii_case("DirectlyDelegatedRights")
            {
                return Err(Refusal::RightFromRole(rule_id));
            }
            world.rights_mut().remove(idx);
        }
        Target::Role(role) => {
            let role_id: i64 = role
                .trim()
                .parse()
                .map_err(|_| Refusal::InvalidRoleId(role.to_owned()))?;
            let idx = world
                .roles
                .iter()
                .position(|r| r.id == role_id && r.from == from && r.to == to)
                .ok_or(Refusal::RoleNotFound(role_id))?;
            let deletable = world
                .role_definition(world.roles[idx].role_definition_id)
                .is_some_and(|d| d.role_type.eq_ignore_ascii_case("Altinn"));
            if !deletable {
                return Err(Refusal::ExternalRole(role_id));
            }
            world.roles_mut().remove(idx);
            world.rights_mut().retain(|r| r.role_id != Some(role_id));
        }
    }
    Ok(())
}
