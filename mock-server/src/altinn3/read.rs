//! The read rules of the enduser API: E1 authorized parties, E2 connections, E5 packages,
//! E8 the package delegation check, E9/E10 resources and rights, E11 the resource delegation
//! check, and E15 roles. Each reads the world and answers a body or a [`Refusal`].

use std::collections::BTreeSet;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::world::{
    World,
    altinn3::{
        Entity, EntityKind, HOVEDADMINISTRATOR, PackageDef, PackageEntityType, PackageVia,
        RETTIGHETSHAVER, Resource3, RoleDef, RoleProvider, role,
    },
};

use super::{
    dto,
    query::Query,
    refusal::{Invalid, Refusal, Side},
};

/// Entity types allowed as `from`.
pub(super) const FROM_TYPES: &[&str] = &["Organisasjon", "Person"];
/// Entity types allowed as `to`.
pub(super) const TO_TYPES: &[&str] = &["Organisasjon", "Person", "Systembruker"];

/// Checks an entity's type against the allowed list for its side.
pub(super) fn check_type(side: Side, e: &Entity) -> Result<(), Invalid> {
    let allowed = match side {
        Side::From => FROM_TYPES,
        Side::To => TO_TYPES,
    };
    if allowed.contains(&e.type_name()) {
        Ok(())
    } else {
        Err(Invalid::wrong_type(side, e.type_name(), allowed))
    }
}

/// The `from`/`to` filter of a read: `None` when one of them is given but unknown (the list
/// is empty, §1.3-9), AM-00021 when neither exists, AM.VLD-00008 for a wrong type.
pub(super) struct Pair {
    pub(super) from: Option<Uuid>,
    pub(super) to: Option<Uuid>,
}

impl Pair {
    pub(super) fn matches(&self, from: Uuid, to: Uuid) -> bool {
        self.from.is_none_or(|f| f == from) && self.to.is_none_or(|t| t == to)
    }
}

pub(super) fn read_pair(world: &World, q: &Query) -> Result<Option<Pair>, Refusal> {
    let from = q.guid("from")?;
    let to = q.guid("to")?;
    let fe = from.and_then(|f| world.entity(f));
    let te = to.and_then(|t| world.entity(t));
    if fe.is_none() && te.is_none() {
        return Err(Refusal::PartiesNotFound);
    }
    let mut items = Vec::new();
    if let Some(e) = &fe
        && let Err(i) = check_type(Side::From, e)
    {
        items.push(i);
    }
    if let Some(e) = &te
        && let Err(i) = check_type(Side::To, e)
    {
        items.push(i);
    }
    if !items.is_empty() {
        return Err(Refusal::Invalid(items));
    }
    if (from.is_some() && fe.is_none()) || (to.is_some() && te.is_none()) {
        return Ok(None);
    }
    Ok(Some(Pair { from, to }))
}

/// The party UUID of an authorized request (the PDP already found it).
pub(super) fn party(q: &Query) -> Uuid {
    q.uuid("party").unwrap_or_default()
}

fn entity_or_placeholder(world: &World, id: Uuid) -> Entity {
    world.entity(id).unwrap_or(Entity {
        id,
        name: String::new(),
        party_id: None,
        deleted: true,
        kind: EntityKind::EnterpriseUser {
            user_name: String::new(),
        },
    })
}

/// E1 `GET authorizedparties` for the token's system user.
pub(super) fn authorized_parties(
    world: &World,
    user_id: u64,
    system_user: Option<Uuid>,
    q: &Query,
) -> Result<Value, Refusal> {
    let Some(su) = system_user.filter(|_| user_id == 0) else {
        if user_id != 0 {
            // Persons act through ID-porten tokens, which this world does not issue.
            return Ok(dto::page(Vec::new()));
        }
        return Err(Refusal::UnknownUserType);
    };
    let packages = q.flag("includeaccesspackages", false)?;
    let roles = q.flag("includeroles", false)?;
    let resources = q.flag("includeresources", false)?;
    q.flag("includeinstances", false)?;
    let filter: Vec<Uuid> = q
        .all("partyfilter")
        .iter()
        .filter_map(|v| Uuid::parse_str(v.trim()).ok())
        .collect();
    let any_of: Vec<&str> = q.all("anyofresourceids");
    let a3 = &world.altinn3;
    let mut parties: Vec<Uuid> = Vec::new();
    for a in a3.assignments.iter().filter(|a| a.to == su) {
        if !parties.contains(&a.from) {
            parties.push(a.from);
        }
    }
    let mut data = Vec::new();
    for from in parties {
        if !filter.is_empty() && !filter.contains(&from) {
            continue;
        }
        let Some(e) = world.entity(from) else {
            continue;
        };
        let held_resources = resources_held(world, from, su);
        if !any_of.is_empty()
            && !any_of
                .iter()
                .any(|r| held_resources.iter().any(|h| h.eq_ignore_ascii_case(r)))
        {
            continue;
        }
        let mut role_codes = BTreeSet::new();
        for a in a3
            .assignments
            .iter()
            .filter(|a| a.from == from && a.to == su)
        {
            if let Some(r) = role(&a.role).filter(|r| r.code != RETTIGHETSHAVER) {
                role_codes.insert(r.code.to_owned());
                if let Some(l) = r.legacy {
                    role_codes.insert(l.to_ascii_lowercase());
                }
            }
        }
        let (org, person_id, born, kind, unit) = match &e.kind {
            EntityKind::Organisation { org, variant, .. } => (
                Some(org.clone()),
                None,
                None,
                "Organization",
                Some(variant.clone()),
            ),
            EntityKind::Person {
                ssn, date_of_birth, ..
            } => (
                None,
                Some(ssn.clone()),
                date_of_birth.clone(),
                "Person",
                None,
            ),
            _ => (None, None, None, "None", None),
        };
        let parent = match &e.kind {
            EntityKind::Organisation { parent, .. } => *parent,
            _ => None,
        };
        data.push(json!({
            "partyUuid": e.id,
            "name": e.name,
            "organizationNumber": org,
            "parentId": parent,
            "personId": person_id,
            "dateOfBirth": born,
            "partyId": e.party_id.unwrap_or(0),
            "emailId": null,
            "type": kind,
            "unitType": unit,
            "isDeleted": e.deleted,
            "onlyHierarchyElementWithNoAccess": false,
            "authorizedAccessPackages": if packages {
                a3.packages_held(from, su).into_iter().collect::<Vec<_>>()
            } else {
                Vec::new()
            },
            "authorizedResources": if resources { held_resources } else { Vec::new() },
            "authorizedRoles": if roles { role_codes.into_iter().collect::<Vec<_>>() } else { Vec::new() },
            "authorizedInstances": [],
            "subunits": [],
        }));
    }
    Ok(dto::page(data))
}

/// The resource ids `to` has rights on from `from`, directly or through its packages, sorted.
fn resources_held(world: &World, from: Uuid, to: Uuid) -> Vec<String> {
    let a3 = &world.altinn3;
    let mut out = BTreeSet::new();
    if let Some(link) = a3.rightholder_link(from, to) {
        for r in link.resources.iter().filter(|r| !r.keys.is_empty()) {
            out.insert(r.resource.clone());
        }
    }
    let held = a3.packages_held(from, to);
    for r in &a3.resources {
        if r.packages.iter().any(|g| held.contains(&g.package)) {
            out.insert(r.ref_id.clone());
        }
    }
    out.into_iter().collect()
}

/// Whether `party` is the `from` side of the request (the to-others view).
fn to_others(q: &Query) -> bool {
    match (q.first("party"), q.first("from")) {
        (Some(p), Some(f)) => p.eq_ignore_ascii_case(f),
        _ => false,
    }
}

/// E2 `GET connections`: one entry per counter-party.
pub(super) fn connections(world: &World, q: &Query) -> Result<Value, Refusal> {
    q.flag("includeclientdelegations", true)?;
    q.flag("includeagentconnections", true)?;
    let packages = q.flag("includeaccesspackages", false)?;
    let resources = q.flag("includeresources", false)?;
    q.flag("includeinstances", false)?;
    let Some(pair) = read_pair(world, q)? else {
        return Ok(dto::page(Vec::new()));
    };
    let outward = to_others(q);
    let a3 = &world.altinn3;
    let mut order: Vec<Uuid> = Vec::new();
    for a in a3.assignments.iter().filter(|a| pair.matches(a.from, a.to)) {
        let other = if outward { a.to } else { a.from };
        if !order.contains(&other) {
            order.push(other);
        }
    }
    let mut data = Vec::new();
    for other in order {
        let Some(e) = world.entity(other) else {
            continue;
        };
        let mine: Vec<_> = a3
            .assignments
            .iter()
            .filter(|a| {
                pair.matches(a.from, a.to) && (if outward { a.to } else { a.from }) == other
            })
            .collect();
        let mut roles: Vec<&RoleDef> = Vec::new();
        for a in &mine {
            if let Some(r) = role(&a.role)
                && !roles.iter().any(|x| x.id == r.id)
            {
                roles.push(r);
            }
        }
        let mut pkgs = Vec::new();
        let mut res = Vec::new();
        for a in mine.iter().filter(|a| a.role == RETTIGHETSHAVER) {
            if packages {
                for p in &a.packages {
                    if let Some(def) = a3.package(&p.package) {
                        pkgs.push(dto::package(def));
                    }
                }
            }
            if resources {
                for r in a.resources.iter().filter(|r| !r.keys.is_empty()) {
                    if let Some(def) = a3.resource(&r.resource) {
                        res.push(dto::resource_compact(def));
                    }
                }
            }
        }
        data.push(json!({
            "party": dto::entity(world, &e),
            "roles": roles.iter().map(|r| dto::compact_role(r)).collect::<Vec<_>>(),
            "packages": pkgs,
            "resources": res,
            "instances": [],
            "connections": [],
        }));
    }
    Ok(dto::page(data))
}

/// E17 `GET connections/users?party=`: every right holder of the party (a right-holder link
/// from it), each as a `SimplifiedConnectionDto` without nested connections. Only the
/// right-holder role counts: key-role holders are not "users" the party added.
pub(super) fn users(world: &World, q: &Query) -> Result<Value, Refusal> {
    let org = party(q);
    let mut data = Vec::new();
    for a in world
        .altinn3
        .assignments
        .iter()
        .filter(|a| a.from == org && a.role == RETTIGHETSHAVER)
    {
        let Some(e) = world.entity(a.to) else {
            continue;
        };
        data.push(json!({
            "party": dto::simplified_party(&e),
            "connections": [],
        }));
    }
    Ok(dto::page(data))
}

/// The `from`/`to` pairs with any assignment that a read's filter selects.
fn pairs(world: &World, pair: &Pair) -> Vec<(Uuid, Uuid)> {
    let mut out = Vec::new();
    for a in world
        .altinn3
        .assignments
        .iter()
        .filter(|a| pair.matches(a.from, a.to))
    {
        if !out.contains(&(a.from, a.to)) {
            out.push((a.from, a.to));
        }
    }
    out
}

/// E5 `GET connections/accesspackages`: one item per package, each path a permission.
pub(super) fn packages(world: &World, q: &Query) -> Result<Value, Refusal> {
    let Some(pair) = read_pair(world, q)? else {
        return Ok(dto::page(Vec::new()));
    };
    let a3 = &world.altinn3;
    let mut items: Vec<(String, Vec<Value>)> = Vec::new();
    for (from, to) in pairs(world, &pair) {
        let (fe, te) = (
            entity_or_placeholder(world, from),
            entity_or_placeholder(world, to),
        );
        for h in a3
            .package_holdings(from, to)
            .into_iter()
            .filter(|h| h.has_access())
        {
            let perm = match &h.via {
                PackageVia::Direct { .. } => {
                    dto::permission(world, &fe, &te, role(RETTIGHETSHAVER), None, dto::DIRECT)
                }
                PackageVia::Role { role: r, .. } => {
                    let flag = if r.key_role {
                        dto::KEYROLE
                    } else {
                        dto::DIRECT
                    };
                    dto::permission(world, &fe, &te, Some(r), None, flag)
                }
            };
            match items.iter_mut().find(|(p, _)| *p == h.package) {
                Some((_, perms)) => perms.push(perm),
                None => items.push((h.package.clone(), vec![perm])),
            }
        }
    }
    let data = items
        .into_iter()
        .filter_map(|(code, permissions)| {
            a3.package(&code)
                .map(|p| json!({"package": dto::package(p), "permissions": permissions}))
        })
        .collect();
    Ok(dto::page(data))
}

/// The package type given from an entity.
fn package_type(e: &Entity) -> Option<PackageEntityType> {
    match e.kind {
        EntityKind::Organisation { .. } => Some(PackageEntityType::Org),
        EntityKind::Person { .. } => Some(PackageEntityType::Person),
        _ => None,
    }
}

/// One package's delegation-check result for `caller` at `party`: `result` and the reasons.
pub(super) struct PackageCheck<'a> {
    pub(super) package: &'a PackageDef,
    pub(super) result: bool,
    pub(super) reasons: Vec<Value>,
}

/// The package delegation check (E8, and E6's step 4–5): every package of the party's entity
/// type, or those of `only`; `result = isAssignable && canDelegate` over the reasons.
pub(super) fn package_check<'a>(
    world: &'a World,
    party: Uuid,
    caller: Uuid,
    only: Option<&[&'a PackageDef]>,
) -> Result<Vec<PackageCheck<'a>>, Refusal> {
    let a3 = &world.altinn3;
    let pe = entity_or_placeholder(world, party);
    let ce = entity_or_placeholder(world, caller);
    let kind = package_type(&pe);
    if let Some(only) = only
        && only.iter().any(|p| Some(p.entity_type) != kind)
    {
        return Err(Refusal::PackageNotForParty);
    }
    let holdings = a3.package_holdings(party, caller);
    // A holder of hovedadministrator may hand out every package of the party's type.
    let admin = holdings
        .iter()
        .find(|h| h.package == HOVEDADMINISTRATOR && h.has_access());
    let catalogue: Vec<&PackageDef> = match only {
        Some(only) => only.to_vec(),
        None => a3
            .packages
            .iter()
            .filter(|p| Some(p.entity_type) == kind)
            .collect(),
    };
    let mut out = Vec::new();
    for p in catalogue {
        let mut reasons = Vec::new();
        for h in holdings
            .iter()
            .filter(|h| h.package == p.code && h.can_delegate())
        {
            match &h.via {
                PackageVia::Direct { .. } => reasons.push(dto::check_reason(
                    "Direct-AssignmentPackage",
                    role(RETTIGHETSHAVER),
                    Some(&pe),
                    Some(&ce),
                )),
                PackageVia::Role { role: r, .. } => reasons.push(dto::check_reason(
                    "Direct-RolePackage",
                    Some(r),
                    Some(&pe),
                    Some(&ce),
                )),
            }
        }
        if let Some(h) = admin {
            let (description, r) = match &h.via {
                PackageVia::Direct { .. } => {
                    ("Direct-AssignmentPackage-HovedAdmin", role(RETTIGHETSHAVER))
                }
                PackageVia::Role { role: r, .. } => ("Direct-RolePackage-HovedAdmin", Some(*r)),
            };
            reasons.push(dto::check_reason(description, r, Some(&pe), Some(&ce)));
        }
        let result = p.assignable && !reasons.is_empty();
        if reasons.is_empty() {
            reasons.push(dto::check_reason("NoAccess", None, None, None));
        }
        out.push(PackageCheck {
            package: p,
            result,
            reasons,
        });
    }
    Ok(out)
}

/// E8 `GET connections/accesspackages/delegationcheck`.
pub(super) fn package_delegation_check(
    world: &World,
    caller: Uuid,
    q: &Query,
) -> Result<Value, Refusal> {
    let a3 = &world.altinn3;
    let mut only: Vec<&PackageDef> = Vec::new();
    for v in q.all("packageids") {
        let id = Uuid::parse_str(v.trim()).map_err(|_| Refusal::Binding {
            field: "packageIds",
            message: format!("The value '{v}' is not valid."),
        })?;
        only.push(a3.package_by_id(id).ok_or(Refusal::PackageNotForParty)?);
    }
    let mut invalid = Vec::new();
    for v in q.all("packages") {
        match a3.package(v) {
            Some(p) => only.push(p),
            None => invalid.push(Invalid::invalid_package_query(v)),
        }
    }
    if !invalid.is_empty() {
        return Err(Refusal::Invalid(invalid));
    }
    let filter = (!q.all("packageids").is_empty() || !q.all("packages").is_empty())
        .then_some(only.as_slice());
    let checks = package_check(world, party(q), caller, filter)?;
    let data = checks
        .into_iter()
        .map(|c| {
            json!({"package": dto::package(c.package), "result": c.result, "reasons": c.reasons})
        })
        .collect();
    Ok(dto::page(data))
}

/// The resource a request names: AM-00027 with the value when it is unknown or missing.
pub(super) fn named_resource<'a>(world: &'a World, q: &Query) -> Result<&'a Resource3, Refusal> {
    let value = q.first("resource").unwrap_or_default();
    world
        .altinn3
        .resource(value)
        .ok_or_else(|| Refusal::InvalidResource(value.to_owned()))
}

/// E9 `GET connections/resources`: a bare array of resources with their permissions.
pub(super) fn resources(world: &World, q: &Query) -> Result<Value, Refusal> {
    let only = match q.first("resource") {
        Some(v) if !v.trim().is_empty() => Some(named_resource(world, q)?.ref_id.clone()),
        _ => None,
    };
    let Some(pair) = read_pair(world, q)? else {
        return Ok(Value::Array(Vec::new()));
    };
    let a3 = &world.altinn3;
    let mut items: Vec<(String, Vec<Value>)> = Vec::new();
    for link in a3
        .assignments
        .iter()
        .filter(|a| a.role == RETTIGHETSHAVER && pair.matches(a.from, a.to))
    {
        let (fe, te) = (
            entity_or_placeholder(world, link.from),
            entity_or_placeholder(world, link.to),
        );
        for r in link.resources.iter().filter(|r| !r.keys.is_empty()) {
            if only
                .as_ref()
                .is_some_and(|o| !o.eq_ignore_ascii_case(&r.resource))
            {
                continue;
            }
            let perm = dto::permission(world, &fe, &te, role(RETTIGHETSHAVER), None, dto::DIRECT);
            match items
                .iter_mut()
                .find(|(id, _)| id.eq_ignore_ascii_case(&r.resource))
            {
                Some((_, perms)) => perms.push(perm),
                None => items.push((r.resource.clone(), vec![perm])),
            }
        }
    }
    Ok(Value::Array(
        items
            .into_iter()
            .filter_map(|(id, permissions)| {
                a3.resource(&id).map(
                    |r| json!({"resource": dto::resource_compact(r), "permissions": permissions}),
                )
            })
            .collect(),
    ))
}

/// E10 `GET connections/resources/rights`: the direct and indirect rights on one resource
/// for one pair. Rights given through packages held via a key role are indirect, with the
/// Direct bit removed from their reason (`keyrole`).
pub(super) fn resource_rights(world: &World, q: &Query) -> Result<Value, Refusal> {
    q.required_guid("party")?;
    let from = q.required_guid("from")?;
    let to = q.required_guid("to")?;
    let r = named_resource(world, q)?;
    let a3 = &world.altinn3;
    let (fe, te) = (
        entity_or_placeholder(world, from),
        entity_or_placeholder(world, to),
    );
    let direct_keys: Vec<String> = a3
        .rightholder_link(from, to)
        .and_then(|l| {
            l.resources
                .iter()
                .find(|x| x.resource.eq_ignore_ascii_case(&r.ref_id))
        })
        .map(|x| x.keys.clone())
        .unwrap_or_default();
    let mut direct = Vec::new();
    for action in &r.actions {
        if direct_keys.contains(&r.right_key(action)) {
            direct.push(json!({
                "right": dto::right(r, action, false),
                "reason": dto::reason(dto::DIRECT),
                "permissions": [dto::permission(world, &fe, &te, role(RETTIGHETSHAVER), None, dto::DIRECT)],
            }));
        }
    }
    let mut indirect = Vec::new();
    for action in &r.actions {
        let mut perms = Vec::new();
        let mut flag = 0;
        for h in a3
            .package_holdings(from, to)
            .into_iter()
            .filter(|h| h.has_access())
        {
            let gives = r.packages.iter().any(|g| {
                g.package == h.package && g.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
            });
            if !gives {
                continue;
            }
            // A package held directly gives its rights with reason Direct, which leaves no
            // indirect reason once the Direct bit is removed; only key-role paths remain.
            let PackageVia::Role { role: r, .. } = &h.via else {
                continue;
            };
            let path_role = Some(*r);
            let path_flag = if r.key_role {
                dto::KEYROLE
            } else {
                dto::DIRECT
            };
            let without_direct = path_flag & !dto::DIRECT;
            if without_direct == 0 {
                continue;
            }
            flag |= without_direct;
            perms.push(dto::permission(
                world,
                &fe,
                &te,
                path_role,
                None,
                without_direct,
            ));
        }
        if !perms.is_empty() {
            indirect.push(json!({
                "right": dto::right(r, action, false),
                "reason": dto::reason(flag),
                "permissions": perms,
            }));
        }
    }
    Ok(json!({
        "resource": dto::resource(r, false),
        "directRights": direct,
        "indirectRights": indirect,
    }))
}

/// One right's delegation-check result for the caller.
pub(super) struct RightCheck {
    pub(super) action: String,
    pub(super) key: String,
    pub(super) result: bool,
    pub(super) reason_codes: Vec<&'static str>,
}

/// The resource delegation check (E11, and E12/E13's key check): the caller may hand out an
/// action it holds through a package it may delegate ("only CanDelegate matters"), or a
/// right key it holds directly.
pub(super) fn right_check(
    world: &World,
    party: Uuid,
    caller: Uuid,
    r: &Resource3,
) -> Vec<RightCheck> {
    let a3 = &world.altinn3;
    let holdings = a3.package_holdings(party, caller);
    let own_keys: Vec<String> = a3
        .rightholder_link(party, caller)
        .and_then(|l| {
            l.resources
                .iter()
                .find(|x| x.resource.eq_ignore_ascii_case(&r.ref_id))
        })
        .map(|x| x.keys.clone())
        .unwrap_or_default();
    r.actions
        .iter()
        .map(|action| {
            let key = r.right_key(action);
            let mut codes = Vec::new();
            if !r.delegable {
                codes.push("ResourceNotDelegable");
            } else {
                let by_package = holdings.iter().any(|h| {
                    h.can_delegate()
                        && r.packages.iter().any(|g| {
                            g.package == h.package
                                && g.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
                        })
                });
                if by_package {
                    codes.push("PackageAccess");
                }
                if own_keys.contains(&key) {
                    codes.push("DelegationAccess");
                }
            }
            let result = r.delegable && !codes.is_empty();
            if codes.is_empty() {
                codes = vec![
                    "MissingPackageAccess",
                    "MissingRoleAccess",
                    "MissingDelegationAccess",
                ];
            }
            RightCheck {
                action: action.clone(),
                key,
                result,
                reason_codes: codes,
            }
        })
        .collect()
}

/// E11 `GET connections/resources/delegationcheck`: a bare `ResourceCheckDto`.
pub(super) fn resource_delegation_check(
    world: &World,
    caller: Uuid,
    q: &Query,
    english: bool,
) -> Result<Value, Refusal> {
    let r = named_resource(world, q)?;
    if r.actions.is_empty() {
        return Err(Refusal::MissingMetadata);
    }
    let rights: Vec<Value> = right_check(world, party(q), caller, r)
        .into_iter()
        .map(|c| {
            json!({
                "right": dto::right(r, &c.action, english),
                "result": c.result,
                "reasonCodes": c.reason_codes,
            })
        })
        .collect();
    Ok(json!({"resource": dto::resource(r, true), "rights": rights}))
}

/// E15 `GET connections/roles`: assignments' roles (revocable when an imported Altinn 2
/// role is held directly) and the Altinn 2 roles an ER role maps to.
pub(super) fn roles(world: &World, q: &Query) -> Result<Value, Refusal> {
    if q.first("from").is_none() && q.first("to").is_none() {
        return Err(Refusal::NoParty);
    }
    let Some(pair) = read_pair(world, q)? else {
        return Ok(dto::page(Vec::new()));
    };
    let a3 = &world.altinn3;
    // (role, revocable, permissions)
    let mut items: Vec<(&RoleDef, bool, Vec<Value>)> = Vec::new();
    let mut add = |r: &'static RoleDef, direct: bool, perm: Value| match items
        .iter_mut()
        .find(|(x, _, _)| x.id == r.id)
    {
        Some((_, revocable, perms)) => {
            *revocable |= direct && r.provider == RoleProvider::Altinn2;
            perms.push(perm);
        }
        None => items.push((r, direct && r.provider == RoleProvider::Altinn2, vec![perm])),
    };
    for (from, to) in pairs(world, &pair) {
        let (fe, te) = (
            entity_or_placeholder(world, from),
            entity_or_placeholder(world, to),
        );
        for a in a3
            .assignments
            .iter()
            .filter(|a| a.from == from && a.to == to)
        {
            if let Some(r) = role(&a.role) {
                add(
                    r,
                    true,
                    dto::permission(world, &fe, &te, Some(r), None, dto::DIRECT),
                );
            }
        }
        for (er_role, mapped) in a3.mapped_roles(from, to) {
            add(
                mapped,
                false,
                dto::permission(world, &fe, &te, None, Some(er_role), dto::ROLEMAP),
            );
        }
    }
    let data = items
        .into_iter()
        .map(|(r, revocable, permissions)| {
            json!({"role": dto::role(r, revocable), "permissions": permissions})
        })
        .collect();
    Ok(dto::page(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    // AM-00021 and AM-00023 sit behind the scope policy and the PDP over HTTP, so their rules
    // are checked here directly.

    #[test]
    fn neither_party_existing_is_am_00021() {
        let w = World::demo();
        let q = Query::parse(Some(
            "from=0fffffff-0000-4000-8000-000000000001&to=0fffffff-0000-4000-8000-000000000002",
        ));
        assert!(matches!(read_pair(&w, &q), Err(Refusal::PartiesNotFound)));
        assert!(matches!(connections(&w, &q), Err(Refusal::PartiesNotFound)));
        assert!(matches!(packages(&w, &q), Err(Refusal::PartiesNotFound)));
        // One of them existing gives an empty list instead.
        let q = Query::parse(Some(&format!(
            "from={}&to=0fffffff-0000-4000-8000-000000000002",
            demo::ORG_UUID
        )));
        assert!(matches!(read_pair(&w, &q), Ok(None)));
    }

    #[test]
    fn roles_without_from_or_to_is_am_00023() {
        let w = World::demo();
        let q = Query::parse(Some(&format!("party={}", demo::ORG_UUID)));
        assert!(matches!(roles(&w, &q), Err(Refusal::NoParty)));
    }
}
