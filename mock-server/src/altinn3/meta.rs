//! The package metadata API (`shared/spec/altinn3-accessmanagement.md` §6.1): the catalogue
//! searched, exported as area → packages, and read by id or URN. No authorization, as the
//! real controllers carry none.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::world::{World, altinn3::PackageDef};

use super::{dto, query::Query, refusal::Refusal};

/// The resources a package gives, as `ResourceDto`s.
fn resources_of(world: &World, p: &PackageDef) -> Vec<Value> {
    world
        .altinn3
        .resources
        .iter()
        .filter(|r| r.packages.iter().any(|g| g.package == p.code))
        .map(|r| dto::resource(r, true))
        .collect()
}

fn package_dto(world: &World, p: &PackageDef) -> Value {
    dto::package_meta(p, resources_of(world, p))
}

/// `search?term=`: packages whose code, name or area contains the term (without case); every
/// package for an empty term. Each hit is `{object: PackageDto, score}`.
pub(super) fn search(world: &World, q: &Query) -> Value {
    let term = q.first("term").unwrap_or_default().trim().to_lowercase();
    let hits: Vec<Value> = world
        .altinn3
        .packages
        .iter()
        .filter(|p| {
            term.is_empty()
                || p.code.to_lowercase().contains(&term)
                || p.name.to_lowercase().contains(&term)
                || p.area.to_lowercase().contains(&term)
        })
        .map(|p| json!({"object": package_dto(world, p), "score": 1.0, "fields": []}))
        .collect();
    Value::Array(hits)
}

/// `export`: one group holding every area with its packages.
pub(super) fn export(world: &World) -> Value {
    let mut areas: Vec<(Uuid, Value, Vec<Value>)> = Vec::new();
    for p in &world.altinn3.packages {
        let pkg = package_dto(world, p);
        match areas.iter_mut().find(|(id, _, _)| *id == p.area_id) {
            Some((_, _, list)) => list.push(pkg),
            None => areas.push((p.area_id, dto::area_meta(p, Vec::new()), vec![pkg])),
        }
    }
    let areas: Vec<Value> = areas
        .into_iter()
        .map(|(_, mut area, packages)| {
            area["packages"] = Value::Array(packages);
            area
        })
        .collect();
    json!([{
        "id": "0195efb8-7c80-7c6e-a3c1-000000000001",
        "name": "Alle områder",
        "urn": "accesspackage:areagroup:alle",
        "description": "Alle områder",
        "type": "Organisasjon",
        "areas": areas,
    }])
}

/// `package/{id}` and `package/urn/{urnValue}`: 404 when nothing matches.
pub(super) fn package(world: &World, id_or_urn: &str) -> Result<Value, Refusal> {
    let p = world.altinn3.package(id_or_urn).ok_or(Refusal::NotFound)?;
    Ok(package_dto(world, p))
}

/// `package/{id}/resources`.
pub(super) fn package_resources(world: &World, id: &str) -> Result<Value, Refusal> {
    let p = world.altinn3.package(id).ok_or(Refusal::NotFound)?;
    Ok(Value::Array(resources_of(world, p)))
}

/// `area/{id}` (with `packages` when asked: `area/{id}/packages` answers the package list).
pub(super) fn area(world: &World, id: &str, packages_only: bool) -> Result<Value, Refusal> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| Refusal::NotFound)?;
    let members: Vec<&PackageDef> = world
        .altinn3
        .packages
        .iter()
        .filter(|p| p.area_id == id)
        .collect();
    let first = members.first().ok_or(Refusal::NotFound)?;
    let list: Vec<Value> = members.iter().map(|p| package_dto(world, p)).collect();
    Ok(if packages_only {
        Value::Array(list)
    } else {
        dto::area_meta(first, list)
    })
}
