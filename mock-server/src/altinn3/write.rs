//! The write rules of the enduser API: E3 add and E4 remove a right holder, E6 give and E7
//! remove a package, E12–E14 resource rights, E16 remove an imported Altinn 2 role. Each
//! validates against the world first and changes it only when everything passed, so a
//! refused request changes nothing (and writes nothing to the state file).

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    shared::indexed::IndexedWorld,
    world::{
        World,
        altinn3::{
            Altinn3, AssignedResource, Entity, EntityKind, PackageDef, RETTIGHETSHAVER,
            RoleProvider, role,
        },
    },
};

use super::{
    query::Query,
    read::{check_type, named_resource, package_check, party, right_check},
    refusal::{Invalid, PERSON_DECEASED, PERSON_MISMATCH, PERSON_NOT_IN_AM, Refusal, Side},
};

/// The failed-lookup count E3 keeps per authenticated user id (0 for every system user).
pub(super) trait LookupCounter {
    /// Failures of `user` within the window ending `now`.
    fn failures(&self, user: u64, now: i64, window: i64) -> u32;
    /// Records a failure of `user` at `now`.
    fn fail(&self, user: u64, now: i64);
}

/// `PersonInput`, names without case.
#[derive(Debug, Default, Deserialize)]
struct PersonInput {
    #[serde(default, alias = "PersonIdentifier", alias = "personidentifier")]
    #[serde(rename = "personIdentifier")]
    person_identifier: Option<String>,
    #[serde(default, alias = "LastName", alias = "lastname")]
    #[serde(rename = "lastName")]
    last_name: Option<String>,
}

fn person_input(body: &[u8]) -> Result<Option<PersonInput>, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // Lower-case the keys so that any casing binds, as System.Text.Json's web defaults do.
    let value: Value = serde_json::from_slice(body).map_err(|e| Refusal::Binding {
        field: "$",
        message: format!("The JSON value could not be converted: {e}"),
    })?;
    let Value::Object(map) = value else {
        return Err(Refusal::Binding {
            field: "$",
            message: "The JSON value could not be converted to PersonInput.".into(),
        });
    };
    let lowered: serde_json::Map<String, Value> = map
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    serde_json::from_value(Value::Object(lowered))
        .map(Some)
        .map_err(|e| Refusal::Binding {
            field: "$",
            message: format!("The JSON value could not be converted: {e}"),
        })
}

/// Last names match on their first four letters, trimmed, without case, and with
/// diacritics removed except on `å` (§1.3-7).
pub(super) fn similar(a: &str, b: &str) -> bool {
    fn fold(s: &str) -> Vec<char> {
        s.trim()
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                other => other,
            })
            .take(4)
            .collect()
    }
    let (a, b) = (fold(a), fold(b));
    !a.is_empty() && a == b
}

fn has_connection(world: &World, from: Uuid, to: Uuid) -> bool {
    world
        .altinn3
        .assignments
        .iter()
        .any(|a| a.from == from && a.to == to)
}

fn entity_of(world: &World, side: Side, id: Uuid) -> Result<Entity, Invalid> {
    world
        .entity(id)
        .ok_or_else(|| Invalid::entity_missing(side, &id.to_string()))
}

/// The `from` and `to` of a change: both must exist and have allowed types (all errors in
/// one problem).
fn pair_entities(world: &World, from: Uuid, to: Uuid) -> Result<(Entity, Entity), Refusal> {
    let fe = entity_of(world, Side::From, from);
    let te = entity_of(world, Side::To, to);
    let mut items = Vec::new();
    match &fe {
        Ok(e) => items.extend(check_type(Side::From, e).err()),
        Err(i) => items.push(i.clone()),
    }
    match &te {
        Ok(e) => items.extend(check_type(Side::To, e).err()),
        Err(i) => items.push(i.clone()),
    }
    match (fe, te) {
        (Ok(f), Ok(t)) if items.is_empty() => Ok((f, t)),
        _ => Err(Refusal::Invalid(items)),
    }
}

fn assignment_dto(a3: &Altinn3, from: Uuid, to: Uuid) -> Value {
    let link = a3.rightholder_link(from, to);
    json!({
        "id": link.map(|l| l.id),
        "roleId": crate::world::altinn3::RETTIGHETSHAVER_ROLE_ID,
        "fromId": from,
        "toId": to,
    })
}

/// E3 `POST connections`: the recipient by `to`, or by a person lookup; the existing link
/// when there is one.
pub(super) fn add_rightholder(
    w: &mut IndexedWorld,
    q: &Query,
    body: &[u8],
    user_id: u64,
    now: i64,
    lookups: &dyn LookupCounter,
) -> Result<Value, Refusal> {
    let from = party(q);
    let to = q.guid_or_empty("to")?;
    let input = person_input(body)?;
    let target = if !to.is_nil() {
        let e = entity_of(w, Side::To, to).map_err(Refusal::invalid)?;
        if e.is_person() && !has_connection(w, from, to) {
            return Err(Refusal::invalid(Invalid::entity_missing(
                Side::To,
                &to.to_string(),
            )));
        }
        e
    } else if let Some(input) = input {
        let id = input.person_identifier.unwrap_or_default();
        let last = input.last_name.unwrap_or_default();
        let mut missing = Vec::new();
        if id.trim().is_empty() {
            missing.push(Invalid::required(
                &["/PersonIdentifier"],
                "personIdentifier",
                "PersonIdentifier is required.",
            ));
        }
        if last.trim().is_empty() {
            missing.push(Invalid::required(
                &["/LastName"],
                "lastName",
                "LastName is required.",
            ));
        }
        if !missing.is_empty() {
            return Err(Refusal::Invalid(missing));
        }
        let a3 = &w.altinn3;
        let window = a3.failed_lookup_window_secs as i64;
        if lookups.failures(user_id, now, window) >= a3.failed_lookup_limit {
            return Err(Refusal::TooManyLookups);
        }
        let id = id.trim();
        let found = (id.len() == 11 && id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| w.persons_with_ssn(id).next().cloned())
            .flatten();
        let fail = |why: &str| {
            lookups.fail(user_id, now);
            Refusal::invalid(Invalid::person_not_found(why))
        };
        let Some(person) = found.filter(|p| similar(&p.last_name, &last)) else {
            return Err(fail(PERSON_MISMATCH));
        };
        let Some(uuid) = w.person_uuid(&person.ssn) else {
            return Err(fail(PERSON_NOT_IN_AM));
        };
        let e = w.entity(uuid).ok_or_else(|| fail(PERSON_NOT_IN_AM))?;
        if matches!(
            &e.kind,
            EntityKind::Person {
                date_of_death: Some(_),
                ..
            }
        ) {
            return Err(Refusal::invalid(Invalid::person_not_found(PERSON_DECEASED)));
        }
        e
    } else {
        return Err(Refusal::invalid(Invalid::required(
            &["QUERY/to", "/PersonIdentifier", "/LastName"],
            "params",
            "Either to or PersonInput is required.",
        )));
    };
    let fe = entity_of(w, Side::From, from).map_err(Refusal::invalid)?;
    let mut items: Vec<Invalid> = check_type(Side::From, &fe).err().into_iter().collect();
    items.extend(check_type(Side::To, &target).err());
    if !items.is_empty() {
        return Err(Refusal::Invalid(items));
    }
    if w.altinn3.rightholder_link(from, target.id).is_none() {
        w.altinn3_mut().ensure_rightholder(from, target.id);
    }
    Ok(assignment_dto(&w.altinn3, from, target.id))
}

/// E4 `DELETE connections`: removes the right-holder link and every imported Altinn 2 role
/// between the two; refuses a link that still holds packages or rights unless `cascade`.
pub(super) fn remove_rightholder(w: &mut IndexedWorld, q: &Query) -> Result<(), Refusal> {
    let from = q.required_guid("from")?;
    let to = q.required_guid("to")?;
    let cascade = q.flag("cascade", false)?;
    pair_entities(w, from, to)?;
    let a3 = &w.altinn3;
    if !cascade && let Some(link) = a3.rightholder_link(from, to) {
        let mut items = Vec::new();
        if !link.packages.is_empty() {
            let ids: Vec<String> = link.packages.iter().map(|p| p.id.to_string()).collect();
            items.push(Invalid::still_active("packages", &ids));
        }
        let resources: Vec<String> = link
            .resources
            .iter()
            .filter(|r| !r.keys.is_empty())
            .filter_map(|r| a3.resource(&r.resource).map(|d| d.id.to_string()))
            .collect();
        if !resources.is_empty() {
            items.push(Invalid::still_active("resources", &resources));
        }
        if !items.is_empty() {
            return Err(Refusal::Invalid(items));
        }
    }
    let removable = |a: &crate::world::altinn3::Assignment3| {
        a.from == from
            && a.to == to
            && (a.role == RETTIGHETSHAVER
                || role(&a.role).is_some_and(|r| r.provider == RoleProvider::Altinn2))
    };
    if a3.assignments.iter().any(removable) {
        w.altinn3_mut().assignments.retain(|a| !removable(a));
    }
    Ok(())
}

/// The package a write names by `packageId` (which wins) or `package`: AM.VLD-00011 when it
/// names none, or when neither is given.
fn named_package<'a>(world: &'a World, q: &Query) -> Result<&'a PackageDef, Refusal> {
    let a3 = &world.altinn3;
    if let Some(id) = q.guid("packageid")? {
        return a3
            .package_by_id(id)
            .ok_or_else(|| Refusal::invalid(Invalid::package_missing(&id.to_string())));
    }
    let value = q.first("package").unwrap_or_default();
    a3.package(value)
        .filter(|_| !value.trim().is_empty())
        .ok_or_else(|| Refusal::invalid(Invalid::package_missing(value)))
}

/// The checks of E6 in their order (§2.3), without changing anything: the package, the
/// parties, the connection, the caller's delegation check and the recipient rules.
pub(super) fn check_give_package<'a>(
    world: &'a World,
    from: Uuid,
    to: Uuid,
    caller: Option<Uuid>,
    package: &'a PackageDef,
) -> Result<(), Refusal> {
    let te = entity_of(world, Side::To, to).map_err(Refusal::invalid)?;
    let fe = entity_of(world, Side::From, from).map_err(Refusal::invalid)?;
    let mut items: Vec<Invalid> = check_type(Side::From, &fe).err().into_iter().collect();
    items.extend(check_type(Side::To, &te).err());
    if !items.is_empty() {
        return Err(Refusal::Invalid(items));
    }
    if !te.is_system_user() && !has_connection(world, from, to) {
        return Err(Refusal::ConnectionRequired);
    }
    if let Some(caller) = caller {
        let check = package_check(world, from, caller, Some(&[package]))?;
        if !check.first().is_some_and(|c| c.result) {
            return Err(Refusal::invalid(Invalid::not_authorized(&package.urn())));
        }
    } else if !package.assignable {
        return Err(Refusal::invalid(Invalid::not_authorized(&package.urn())));
    }
    if !Altinn3::assignable_to(package, &te) {
        return Err(Refusal::invalid(Invalid::not_assignable_to_recipient(
            &package.urn(),
        )));
    }
    Ok(())
}

/// E6 `POST connections/accesspackages`: gives the package (creating the right-holder link
/// of a system user), or answers the row that is already there.
pub(super) fn give_package(
    w: &mut IndexedWorld,
    q: &Query,
    caller: Uuid,
) -> Result<Value, Refusal> {
    let package = named_package(w, q)?.clone();
    let from = party(q);
    let to = q.guid_or_empty("to")?;
    check_give_package(w, from, to, Some(caller), &package)?;
    let existing = w.altinn3.rightholder_link(from, to).and_then(|l| {
        l.packages
            .iter()
            .find(|p| p.package.eq_ignore_ascii_case(&package.code))
            .map(|p| (l.id, p.id))
    });
    let (assignment, row) = match existing {
        Some(found) => found,
        None => w.altinn3_mut().give_package(from, to, &package.code),
    };
    Ok(json!({"id": row, "assignmentId": assignment, "packageId": package.id}))
}

/// E7 `DELETE connections/accesspackages`: removes the package from the right-holder link;
/// nothing to remove is fine.
pub(super) fn remove_package(w: &mut IndexedWorld, q: &Query) -> Result<(), Refusal> {
    let from = q.required_guid("from")?;
    let to = q.required_guid("to")?;
    let package = named_package(w, q)?.code.clone();
    pair_entities(w, from, to)?;
    let held = w.altinn3.rightholder_link(from, to).is_some_and(|l| {
        l.packages
            .iter()
            .any(|p| p.package.eq_ignore_ascii_case(&package))
    });
    if held {
        for a in w
            .altinn3_mut()
            .assignments
            .iter_mut()
            .filter(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
        {
            a.packages
                .retain(|p| !p.package.eq_ignore_ascii_case(&package));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct RightKeyList {
    #[serde(default, alias = "DirectRightKeys", alias = "directrightkeys")]
    #[serde(rename = "directRightKeys")]
    direct_right_keys: Option<Vec<String>>,
}

fn right_keys(body: &[u8]) -> Result<Option<Vec<String>>, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<RightKeyList>(body)
        .map(|l| l.direct_right_keys)
        .map_err(|e| Refusal::Binding {
            field: "$",
            message: format!("The JSON value could not be converted: {e}"),
        })
}

/// E12 (`replace` false) and E13 (`replace` true) on `connections/resources/rights`.
pub(super) fn set_rights(
    w: &mut IndexedWorld,
    q: &Query,
    body: &[u8],
    caller: Uuid,
    replace: bool,
) -> Result<(), Refusal> {
    let from = party(q);
    let to = q.required_guid("to")?;
    let r = named_resource(w, q)?.clone();
    let keys = right_keys(body)?.unwrap_or_default();
    if !replace && keys.is_empty() {
        return Err(Refusal::NoRightKeys);
    }
    let allowed: Vec<String> = right_check(w, from, caller, &r)
        .into_iter()
        .filter(|c| c.result)
        .map(|c| c.key)
        .collect();
    if keys.iter().any(|k| !allowed.contains(k)) {
        return Err(Refusal::NotAuthorizedForDelegation);
    }
    let te = w.entity(to);
    if replace {
        if te.is_none() {
            return Err(Refusal::invalid(Invalid::entity_missing(
                Side::To,
                &to.to_string(),
            )));
        }
    } else if !te.as_ref().is_some_and(Entity::is_system_user) && !has_connection(w, from, to) {
        return Err(Refusal::ConnectionRequired);
    }
    let current: Vec<String> = w
        .altinn3
        .rightholder_link(from, to)
        .and_then(|l| {
            l.resources
                .iter()
                .find(|x| x.resource.eq_ignore_ascii_case(&r.ref_id))
        })
        .map(|x| x.keys.clone())
        .unwrap_or_default();
    let mut wanted = if replace { Vec::new() } else { current.clone() };
    for k in keys {
        if !wanted.contains(&k) {
            wanted.push(k);
        }
    }
    if wanted == current {
        return Ok(());
    }
    let a3 = w.altinn3_mut();
    let i = a3.ensure_rightholder(from, to);
    let link = &mut a3.assignments[i];
    link.resources
        .retain(|x| !x.resource.eq_ignore_ascii_case(&r.ref_id));
    if !wanted.is_empty() {
        link.resources.push(AssignedResource {
            resource: r.ref_id.clone(),
            keys: wanted,
        });
    }
    Ok(())
}

/// E14 `DELETE connections/resources`: removes every right on the resource.
pub(super) fn remove_resource(w: &mut IndexedWorld, q: &Query) -> Result<(), Refusal> {
    let from = q.required_guid("from")?;
    let to = q.required_guid("to")?;
    let value = q.first("resource").unwrap_or_default().to_owned();
    let Some(r) = w.altinn3.resource(&value).map(|r| r.ref_id.clone()) else {
        return Err(Refusal::invalid(Invalid::resource_missing(&value)));
    };
    pair_entities(w, from, to)?;
    let held = w.altinn3.rightholder_link(from, to).is_some_and(|l| {
        l.resources
            .iter()
            .any(|x| x.resource.eq_ignore_ascii_case(&r))
    });
    if held {
        for a in w
            .altinn3_mut()
            .assignments
            .iter_mut()
            .filter(|a| a.from == from && a.to == to && a.role == RETTIGHETSHAVER)
        {
            a.resources.retain(|x| !x.resource.eq_ignore_ascii_case(&r));
        }
    }
    Ok(())
}

/// E16 `DELETE connections/roles`: removes a directly held imported Altinn 2 role.
pub(super) fn remove_role(w: &mut IndexedWorld, q: &Query) -> Result<(), Refusal> {
    let from = q.required_guid("from")?;
    let to = q.required_guid("to")?;
    let code = q.first("rolecode").ok_or(Refusal::Binding {
        field: "rolecode",
        message: "The rolecode field is required.".into(),
    })?;
    let r = role(code.trim()).ok_or(Refusal::UnknownRoleCode)?;
    if r.provider != RoleProvider::Altinn2 {
        return Err(Refusal::RoleNotRevocable);
    }
    pair_entities(w, from, to)?;
    let direct = |a: &crate::world::altinn3::Assignment3| {
        a.from == from && a.to == to && role(&a.role).is_some_and(|x| x.id == r.id)
    };
    if w.altinn3.assignments.iter().any(direct) {
        w.altinn3_mut().assignments.retain(|a| !direct(a));
        return Ok(());
    }
    if w.altinn3
        .mapped_roles(from, to)
        .iter()
        .any(|(_, m)| m.id == r.id)
    {
        return Err(Refusal::RoleNotRevocable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_names_match_on_four_letters() {
        assert!(similar("Nordmann", "NORDMANNSEN"));
        assert!(similar("  nord ", "Nordmann"));
        assert!(similar("Sørensén", "sørensen"));
        assert!(!similar("Ålesund", "Alesund"));
        assert!(!similar("Heis", "Hei"));
        assert!(!similar("", ""));
    }
}
