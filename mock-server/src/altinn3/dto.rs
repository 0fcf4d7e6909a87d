//! The JSON the Altinn 3 API writes (`shared/spec/altinn3-accessmanagement.md` §3), quirks
//! included: `"legacyurn "` with its trailing space, lower-case `partyid` in CompactEntity,
//! `children: null`, zero GUIDs on compact resources, and every null written.
//!
//! These are the mock's private shapes until the shared wire crate (`tilgang-altinn3-wire`)
//! is a workspace dependency; they are kept in this one module so the switch touches nothing
//! else.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::world::{
    World,
    altinn3::{Entity, EntityKind, PackageDef, Resource3, RoleDef, RoleProvider},
};

/// The zero GUID.
pub(crate) const ZERO: &str = "00000000-0000-0000-0000-000000000000";
/// The provider type `System`.
const PROVIDER_TYPE_SYSTEM: &str = "0195efb8-7c80-7bb5-a35c-11d58ea36695";
/// The provider type `Tjenesteeier` (service owner).
const PROVIDER_TYPE_SERVICE_OWNER: &str = "0195efb8-7c80-713e-ad96-a9896d12f444";
/// The action attribute of a right.
const ACTION_ID: &str = "urn:oasis:names:tc:xacml:1.0:action:action-id";

/// The flag bits of `AccessReason`, with their names and texts.
pub(crate) const DIRECT: u32 = 1;
/// Access through a key role.
pub(crate) const KEYROLE: u32 = 4;
/// Access through the ER role → Altinn 2 role map.
pub(crate) const ROLEMAP: u32 = 8;
const REASONS: &[(u32, &str, &str)] = &[
    (1, "direct", "Access granted directly with assignment"),
    (
        2,
        "client-delegation",
        "Access granted via client delegation",
    ),
    (4, "keyrole", "Access granted through a key role"),
    (8, "rolemap", "Access granted through role mapping"),
    (16, "parent", "Access granted through parent party"),
];

/// `PaginatedResult<T>`: every list in one page, `next` null.
pub(crate) fn page(data: Vec<Value>) -> Value {
    json!({"links": {"next": null}, "data": data})
}

/// `CompactEntityDto`, the parent one level deep.
pub(crate) fn entity(world: &World, e: &Entity) -> Value {
    let parent = match &e.kind {
        EntityKind::Organisation {
            parent: Some(p), ..
        } => world.entity(*p).map(|p| entity_flat(&p, Value::Null)),
        _ => None,
    };
    entity_flat(e, parent.unwrap_or(Value::Null))
}

fn entity_flat(e: &Entity, parent: Value) -> Value {
    let (user_id, org, ssn, born, died, username) = match &e.kind {
        EntityKind::Organisation { org, .. } => (None, Some(org.clone()), None, None, None, None),
        EntityKind::Person {
            ssn,
            user_id,
            date_of_birth,
            date_of_death,
            ..
        } => (
            Some(*user_id),
            None,
            Some(ssn.clone()),
            date_of_birth.clone(),
            date_of_death.clone(),
            None,
        ),
        EntityKind::SystemUser { .. } => (None, None, None, None, None, None),
        EntityKind::EnterpriseUser { user_name } => {
            (None, None, None, None, None, Some(user_name.clone()))
        }
    };
    json!({
        "id": e.id,
        "name": e.name,
        "type": e.type_name(),
        "variant": e.variant(),
        "parent": parent,
        "children": null,
        "partyid": e.party_id,
        "userId": user_id,
        "username": username,
        "organizationIdentifier": org,
        "personIdentifier": ssn,
        "dateOfBirth": born,
        "dateOfDeath": died,
        "isDeleted": e.deleted,
        "deletedAt": null,
    })
}

/// `SimplifiedPartyDto` (E17).
pub(crate) fn simplified_party(e: &Entity) -> Value {
    let org = match &e.kind {
        EntityKind::Organisation { org, .. } => Some(org.clone()),
        _ => None,
    };
    json!({
        "id": e.id,
        "name": e.name,
        "type": e.type_name(),
        "variant": e.variant(),
        "organizationIdentifier": org,
        "isDeleted": e.deleted,
        "deletedAt": null,
    })
}

/// `CompactRoleDto`.
pub(crate) fn compact_role(r: &RoleDef) -> Value {
    json!({
        "id": r.id,
        "code": r.code,
        "urn": r.urn(),
        "legacyurn ": r.legacy_urn(),
        "children": null,
    })
}

/// `ProviderDto` of a role's provider.
fn role_provider(p: RoleProvider) -> Value {
    let (id, name, code) = match p {
        RoleProvider::Altinn3 => (
            "0195ea92-2080-7e7c-bbe3-bb0521c1e51a",
            "Altinn 3",
            "sys-altinn3",
        ),
        RoleProvider::Altinn2 => (
            "0195ea92-2080-777d-8626-69c91ea2a05d",
            "Altinn 2",
            "sys-altinn2",
        ),
        RoleProvider::Ccr => (
            "0195ea92-2080-7a1d-9c3e-0000000000cc",
            "Enhetsregisteret",
            "sys-ccr",
        ),
    };
    json!({
        "id": id, "name": name, "refId": "", "logoUrl": null, "code": code,
        "typeId": PROVIDER_TYPE_SYSTEM, "type": null,
    })
}

/// `RoleDto`, with `isRevocable` set (the roles endpoint always sets it).
pub(crate) fn role(r: &RoleDef, revocable: bool) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "code": r.code,
        "description": r.name,
        "isKeyRole": r.key_role,
        "urn": r.urn(),
        "legacyRoleCode": r.legacy.filter(|_| r.provider == RoleProvider::Ccr),
        "legacyUrn": r.legacy_urn(),
        "isResourcePolicyAvailable": r.provider == RoleProvider::Altinn2,
        "provider": role_provider(r.provider),
        "isRevocable": revocable,
    })
}

/// `AccessPackageDto` / `CompactPackageDto`.
pub(crate) fn package(p: &PackageDef) -> Value {
    json!({"id": p.id, "urn": p.urn(), "areaId": p.area_id})
}

/// `AccessReason` for a flag: its items in ascending bit order.
pub(crate) fn reason(flag: u32) -> Value {
    let items: Vec<Value> = REASONS
        .iter()
        .filter(|(bit, _, _)| flag & bit != 0)
        .map(|(_, name, text)| json!({"name": name, "description": text}))
        .collect();
    json!({"flag": flag, "items": items})
}

/// `PermissionDto`.
pub(crate) fn permission(
    world: &World,
    from: &Entity,
    to: &Entity,
    role: Option<&RoleDef>,
    via_role: Option<&RoleDef>,
    flag: u32,
) -> Value {
    json!({
        "from": entity(world, from),
        "to": entity(world, to),
        "via": null,
        "role": role.map(compact_role),
        "viaRole": via_role.map(compact_role),
        "reason": reason(flag),
    })
}

/// The provider id of a resource (deterministic from the service owner's code).
pub(crate) fn provider_id(r: &Resource3) -> Uuid {
    r.provider_id
        .unwrap_or_else(|| derived("provider", &r.provider_code))
}

/// The resource-type id of a resource (`GenericAccessResource`).
pub(crate) fn type_id(r: &Resource3) -> Uuid {
    r.type_id
        .unwrap_or_else(|| derived("type", "GenericAccessResource"))
}

/// A fixed UUID derived from a name, for ids the world does not give.
fn derived(kind: &str, name: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("{kind}/{name}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

/// `ResourceDto` as connection listings write it: only `id`, `name` and `refId`, zero GUIDs.
pub(crate) fn resource_compact(r: &Resource3) -> Value {
    json!({
        "id": r.id, "providerId": ZERO, "typeId": ZERO, "name": r.name,
        "description": null, "refId": r.ref_id, "provider": null, "type": null,
    })
}

/// `ResourceDto` with ids and description; with `provider` and `type` filled when asked.
pub(crate) fn resource(r: &Resource3, filled: bool) -> Value {
    let (provider, kind) = if filled {
        (
            json!({
                "id": provider_id(r), "name": r.provider_name, "refId": "", "logoUrl": null,
                "code": r.provider_code, "typeId": PROVIDER_TYPE_SERVICE_OWNER,
                "type": {"id": PROVIDER_TYPE_SERVICE_OWNER, "name": "Tjenesteeier"},
            }),
            json!({"id": type_id(r), "name": "GenericAccessResource"}),
        )
    } else {
        (Value::Null, Value::Null)
    };
    json!({
        "id": r.id, "providerId": provider_id(r), "typeId": type_id(r), "name": r.name,
        "description": r.description, "refId": r.ref_id, "provider": provider, "type": kind,
    })
}

/// The localised name of an action (`Accept-Language` `en` gives English, anything else
/// Bokmål).
pub(crate) fn action_name(action: &str, english: bool) -> String {
    let (nb, en) = match action.to_ascii_lowercase().as_str() {
        "read" => ("Les", "Read"),
        "write" => ("Skriv", "Write"),
        "sign" => ("Signer", "Sign"),
        "access" => ("Tilgang", "Access"),
        "delete" => ("Slett", "Delete"),
        _ => (action, action),
    };
    (if english { en } else { nb }).to_owned()
}

/// `RightDto` of one action of a resource.
pub(crate) fn right(r: &Resource3, action: &str, english: bool) -> Value {
    json!({
        "key": r.right_key(action),
        "name": action_name(action, english),
        "resource": [{"type": "urn:altinn:resource", "value": r.ref_id}],
        "action": {"type": ACTION_ID, "value": action},
    })
}

/// `AccessPackageDtoCheck.reasons[]` item.
pub(crate) fn check_reason(
    description: &str,
    role: Option<&RoleDef>,
    from: Option<&Entity>,
    to: Option<&Entity>,
) -> Value {
    json!({
        "description": description,
        "roleId": role.map(|r| r.id),
        "roleUrn": role.map(RoleDef::urn),
        "fromId": from.map(|e| e.id),
        "fromName": from.map(|e| e.name.clone()),
        "toId": to.map(|e| e.id),
        "toName": to.map(|e| e.name.clone()),
        "viaId": null,
        "viaName": null,
        "viaRoleId": null,
        "viaRoleUrn": null,
    })
}

/// `PackageDto` of the metadata API.
pub(crate) fn package_meta(p: &PackageDef, resources: Vec<Value>) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "urn": p.urn(),
        "description": p.name,
        "isDelegable": p.delegable,
        "isAssignable": p.assignable,
        "isResourcePolicyAvailable": !resources.is_empty(),
        "area": area_meta(p, Vec::new()),
        "type": {"id": entity_type_id(p), "providerId": "0195ea92-2080-7e7c-bbe3-bb0521c1e51a",
                 "name": entity_type_name(p), "provider": null},
        "resources": resources,
    })
}

/// `AreaDto` of the metadata API for a package's area.
pub(crate) fn area_meta(p: &PackageDef, packages: Vec<Value>) -> Value {
    json!({
        "id": p.area_id,
        "name": p.area,
        "urn": format!("accesspackage:area:{}", p.area.to_lowercase().replace([' ', ','], "_")),
        "description": p.area,
        "iconUrl": null,
        "packages": packages,
        "group": null,
    })
}

fn entity_type_name(p: &PackageDef) -> &'static str {
    match p.entity_type {
        crate::world::altinn3::PackageEntityType::Org => "Organisasjon",
        crate::world::altinn3::PackageEntityType::Person => "Person",
    }
}

fn entity_type_id(p: &PackageDef) -> Uuid {
    derived("entitytype", entity_type_name(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::altinn3::role;

    #[test]
    fn quirks_are_written() {
        let dagl = role("DAGL").unwrap();
        let r = compact_role(dagl);
        assert_eq!(r["legacyurn "], "urn:altinn:rolecode:dagl");
        assert!(r["children"].is_null());
        assert_eq!(reason(DIRECT | ROLEMAP)["items"][1]["name"], "rolemap");
        let w = World::demo();
        let org = w.entity(crate::demo::uuid(crate::demo::ORG_UUID)).unwrap();
        let e = entity(&w, &org);
        assert_eq!(e["partyid"], crate::demo::ORG_PARTY_ID);
        assert!(e.get("partyId").is_none());
        assert!(e["deletedAt"].is_null());
    }
}
