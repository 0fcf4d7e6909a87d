//! The parties a request names: `{who}`, `{receiverId}` and the authenticated user, and
//! whether that user administers `{who}`.

use tilgang_domain::ReporteeId;

use crate::{
    shared::{indexed::IndexedWorld, tokens::altinn::AltinnIdentity},
    world::{EnterpriseUser, PartyRef},
};

use super::refusal::Refusal;

fn is_org_number(s: &str) -> bool {
    s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Resolves `{who}`: `my` (the user's organisation), an organisation number or a ReporteeId.
pub(super) fn resolve_who<'w>(
    world: &'w IndexedWorld,
    who: &str,
    id: &AltinnIdentity,
) -> Result<PartyRef<'w>, Refusal> {
    let who = who.trim();
    let found = if who.eq_ignore_ascii_case("my") {
        world.party(&id.org)
    } else if who.starts_with(['r', 'R']) {
        let rid = ReporteeId::parse(who).map_err(|_| Refusal::InvalidReporteeId(who.to_owned()))?;
        world.party_by_id(rid.number())
    } else if is_org_number(who) {
        world
            .party(who)
            .filter(|p| matches!(p, PartyRef::Organisation(_)))
    } else {
        return Err(Refusal::InvalidWho(who.to_owned()));
    };
    found.ok_or_else(|| Refusal::ReporteeNotFound(who.to_owned()))
}

/// Resolves `{receiverId}`: a ReporteeId or an organisation number.
pub(super) fn resolve_receiver<'w>(
    world: &'w IndexedWorld,
    rid: &str,
) -> Result<PartyRef<'w>, Refusal> {
    let rid = rid.trim();
    let found = if rid.starts_with(['r', 'R']) {
        ReporteeId::parse(rid)
            .ok()
            .and_then(|r| world.party_by_id(r.number()))
    } else if is_org_number(rid) {
        world
            .party(rid)
            .filter(|p| matches!(p, PartyRef::Organisation(_)))
    } else {
        return Err(Refusal::InvalidReceiver(rid.to_owned()));
    };
    found.ok_or_else(|| Refusal::RightHolderNotFound(rid.to_owned()))
}

/// The token's enterprise user, as the world knows it now.
pub(super) fn user<'w>(
    world: &'w IndexedWorld,
    id: &AltinnIdentity,
) -> Result<&'w EnterpriseUser, Refusal> {
    let name = id.user.as_deref().unwrap_or_default();
    world.enterprise_user(name).ok_or(Refusal::UserGone)
}

/// The user's administrative role for a party, if any.
fn admin_role<'u>(user: &'u EnterpriseUser, party: &str) -> Option<&'u str> {
    user.roles
        .iter()
        .filter(|r| r.party == party)
        .map(|r| r.role.as_str())
        .find(|r| {
            r.eq_ignore_ascii_case("Hovedadministrator") || r.eq_ignore_ascii_case("Tilgangsstyrer")
        })
}

/// The administrative role (Hovedadministrator or Tilgangsstyrer) the user holds for
/// `{who}`; the Delegations resources need one.
pub(super) fn require_admin<'u>(
    user: &'u EnterpriseUser,
    who: &PartyRef<'_>,
) -> Result<&'u str, Refusal> {
    admin_role(user, who.key()).ok_or(Refusal::NotAdministrator)
}

/// `{who}` and the user, with the user an administrator of `{who}`: what every Delegations
/// resource starts with.
pub(super) fn administered<'w>(
    world: &'w IndexedWorld,
    who: &str,
    id: &AltinnIdentity,
) -> Result<(PartyRef<'w>, &'w EnterpriseUser, &'w str), Refusal> {
    let who_party = resolve_who(world, who, id)?;
    let u = user(world, id)?;
    let role = require_admin(u, &who_party)?;
    Ok((who_party, u, role))
}
