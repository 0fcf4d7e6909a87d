//! Property tests of the Altinn 3 wire model and its codec.
//!
//! - Every DTO survives encode → decode unchanged, and its encoding keeps the spec's quirks
//!   (`"legacyurn "`, lower-case `partyid`, `children: null`).
//! - No byte sequence, JSON document or mutated golden fixture makes a decoder panic.
//! - `AccessReason` flags and items round-trip for all 32 combinations of the known bits.
//!
//! Case counts are kept moderate: CI runs on two cores.

use std::collections::BTreeMap;
use std::fmt::Debug;

use proptest::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use uuid::Uuid;

use tilgang_altinn3_wire::check::{
    AccessPackageCheckReason, AccessPackageDtoCheck, DelegationCheckReasonCode,
    ExternalResourceRightDto, ResourceCheckDto, RightCheckDto, RightPermission,
};
use tilgang_altinn3_wire::codec;
use tilgang_altinn3_wire::connection::{
    ACCESS_REASONS, AccessPackageDto, AccessReason, AccessReasonItem, AssignmentDto,
    AssignmentPackageDto, CompactRoleDto, ConnectionDto, ConnectionInstanceDto,
    PackagePermissionDto, PermissionDto, PersonInput, ReasonKind, ResourcePermissionDto,
    RightKeyListDto, RolePermissionDto, SimplifiedConnectionDto, SimplifiedPartyDto,
};
use tilgang_altinn3_wire::envelope::{PageLinks, PaginatedResult};
use tilgang_altinn3_wire::meta::{AreaDto, AreaGroupDto, PackageDto, SearchObject, TypeDto};
use tilgang_altinn3_wire::party::{
    AuthorizedInstanceDto, AuthorizedPartyDto, AuthorizedPartyType, CompactEntityDto, EntityType,
    EntityVariant,
};
use tilgang_altinn3_wire::problem::{ProblemDetails, ValidationErrorItem};
use tilgang_altinn3_wire::resource::{
    AttributeDto, ProviderDto, ProviderTypeDto, ResourceDto, ResourceTypeDto, RightDto, RoleDto,
};
use tilgang_altinn3_wire::systemregister::{
    AccessPackage, AttributePair, CreateRequestSystemUser, RegisterSystemRequest,
    RegisteredSystemResponse, RequestStatus, RequestSystemResponse, Right, SucceededResponse,
    SystemUserExternalDto, SystemUserType, VendorDto,
};
use tilgang_altinn3_wire::{AlwaysNull, mask_ssn};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// =============================================================================================
// Generators. Free text is arbitrary Unicode; enums mix known variants with whatever the parser
// makes of arbitrary text (`Other`), which is how such values arise.

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn small_vec<S: Strategy>(s: S) -> impl Strategy<Value = Vec<S::Value>> {
    proptest::collection::vec(s, 0..3)
}

/// A text enum value: a known variant, or what the parser makes of some other word.
fn text_enum<E: Clone + Debug + 'static>(
    known: &'static [E],
    parse: fn(&str) -> E,
) -> impl Strategy<Value = E> {
    prop_oneof![
        proptest::sample::select(known),
        "[A-Za-z][A-Za-z0-9-]{0,10}".prop_map(move |s| parse(&s)),
    ]
}

fn entity_leaf() -> impl Strategy<Value = CompactEntityDto> {
    (
        (
            uuid(),
            opt_text(),
            text_enum(EntityType::KNOWN, EntityType::parse),
            text_enum(EntityVariant::KNOWN, EntityVariant::parse),
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<i64>()),
            opt_text(),
        ),
        (
            opt_text(),
            proptest::option::of("[0-9]{11}"),
            opt_text(),
            opt_text(),
            any::<bool>(),
            opt_text(),
        ),
    )
        .prop_map(
            |((id, name, t, v, pid, uid, un), (org, pin, dob, dod, del, at))| CompactEntityDto {
                id,
                name,
                entity_type: t,
                variant: v,
                parent: None,
                children: AlwaysNull,
                party_id: pid,
                user_id: uid,
                username: un,
                organization_identifier: org,
                person_identifier: pin,
                date_of_birth: dob,
                date_of_death: dod,
                is_deleted: del,
                deleted_at: at,
            },
        )
}

fn entity() -> impl Strategy<Value = CompactEntityDto> {
    (entity_leaf(), proptest::option::of(entity_leaf())).prop_map(|(mut e, parent)| {
        e.parent = parent.map(Box::new);
        e
    })
}

fn compact_role() -> impl Strategy<Value = CompactRoleDto> {
    (uuid(), text(), text(), opt_text()).prop_map(|(id, code, urn, legacy_urn)| CompactRoleDto {
        id,
        code,
        urn,
        legacy_urn,
        children: AlwaysNull,
    })
}

fn package() -> impl Strategy<Value = AccessPackageDto> {
    (uuid(), text(), uuid()).prop_map(|(id, urn, area_id)| AccessPackageDto { id, urn, area_id })
}

fn reason_item() -> impl Strategy<Value = AccessReasonItem> {
    (text_enum(ReasonKind::KNOWN, ReasonKind::parse), text())
        .prop_map(|(name, description)| AccessReasonItem { name, description })
}

fn reason() -> impl Strategy<Value = AccessReason> {
    prop_oneof![
        any::<u32>().prop_map(AccessReason::from_flag),
        (any::<u32>(), small_vec(reason_item()))
            .prop_map(|(flag, items)| AccessReason { flag, items }),
    ]
}

fn permission() -> impl Strategy<Value = PermissionDto> {
    (
        entity(),
        entity(),
        proptest::option::of(entity()),
        proptest::option::of(compact_role()),
        proptest::option::of(compact_role()),
        reason(),
    )
        .prop_map(|(from, to, via, role, via_role, reason)| PermissionDto {
            from,
            to,
            via,
            role,
            via_role,
            reason,
        })
}

fn provider() -> impl Strategy<Value = ProviderDto> {
    (
        uuid(),
        text(),
        text(),
        opt_text(),
        text(),
        uuid(),
        proptest::option::of((uuid(), text()).prop_map(|(id, name)| ProviderTypeDto { id, name })),
    )
        .prop_map(
            |(id, name, ref_id, logo_url, code, type_id, provider_type)| ProviderDto {
                id,
                name,
                ref_id,
                logo_url,
                code,
                type_id,
                provider_type,
            },
        )
}

fn resource() -> impl Strategy<Value = ResourceDto> {
    (
        (uuid(), uuid(), uuid(), text(), opt_text(), text()),
        proptest::option::of(provider()),
        proptest::option::of((uuid(), text()).prop_map(|(id, name)| ResourceTypeDto { id, name })),
    )
        .prop_map(
            |((id, provider_id, type_id, name, description, ref_id), provider, resource_type)| {
                ResourceDto {
                    id,
                    provider_id,
                    type_id,
                    name,
                    description,
                    ref_id,
                    provider,
                    resource_type,
                }
            },
        )
}

fn role() -> impl Strategy<Value = RoleDto> {
    (
        (uuid(), text(), text(), opt_text(), any::<bool>(), text()),
        (
            opt_text(),
            opt_text(),
            any::<bool>(),
            proptest::option::of(provider()),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((id, name, code, description, is_key_role, urn), (lrc, lu, irpa, provider, rev))| {
                RoleDto {
                    id,
                    name,
                    code,
                    description,
                    is_key_role,
                    urn,
                    legacy_role_code: lrc,
                    legacy_urn: lu,
                    is_resource_policy_available: irpa,
                    provider,
                    is_revocable: rev,
                }
            },
        )
}

fn attribute() -> impl Strategy<Value = AttributeDto> {
    (text(), text()).prop_map(|(t, v)| AttributeDto::new(t, v))
}

fn right() -> impl Strategy<Value = RightDto> {
    (text(), text(), small_vec(attribute()), attribute()).prop_map(
        |(key, name, resource, action)| RightDto {
            key,
            name,
            resource,
            action,
        },
    )
}

fn connection_leaf() -> impl Strategy<Value = ConnectionDto> {
    (
        entity(),
        small_vec(compact_role()),
        small_vec(package()),
        small_vec(resource()),
        small_vec((text(), text()).prop_map(|(r, i)| ConnectionInstanceDto {
            resource_ref_id: r,
            instance_id: i,
        })),
        proptest::option::of(compact_role()),
    )
        .prop_map(
            |(party, roles, packages, resources, instances, via_role)| ConnectionDto {
                party,
                roles,
                packages,
                resources,
                instances,
                connections: Vec::new(),
                via_role,
            },
        )
}

fn connection() -> impl Strategy<Value = ConnectionDto> {
    (connection_leaf(), small_vec(connection_leaf())).prop_map(|(mut c, subs)| {
        c.connections = subs;
        c
    })
}

fn authorized_party_leaf() -> impl Strategy<Value = AuthorizedPartyDto> {
    (
        (
            uuid(),
            opt_text(),
            opt_text(),
            proptest::option::of(uuid()),
            proptest::option::of("[0-9]{11}"),
            opt_text(),
            any::<i64>(),
            opt_text(),
        ),
        (
            text_enum(AuthorizedPartyType::KNOWN, AuthorizedPartyType::parse),
            opt_text(),
            any::<bool>(),
            any::<bool>(),
            small_vec(text()),
            small_vec(text()),
            small_vec(text()),
            small_vec(
                (text(), text(), opt_text()).prop_map(|(r, i, f)| AuthorizedInstanceDto {
                    resource_id: r,
                    instance_id: i,
                    instance_ref: f,
                }),
            ),
        ),
    )
        .prop_map(
            |((u, n, o, p, pi, d, id, e), (t, ut, del, only, ap, ar, ro, inst))| {
                AuthorizedPartyDto {
                    party_uuid: u,
                    name: n,
                    organization_number: o,
                    parent_id: p,
                    person_id: pi,
                    date_of_birth: d,
                    party_id: id,
                    email_id: e,
                    party_type: t,
                    unit_type: ut,
                    is_deleted: del,
                    only_hierarchy_element_with_no_access: only,
                    authorized_access_packages: ap,
                    authorized_resources: ar,
                    authorized_roles: ro,
                    authorized_instances: inst,
                    subunits: Vec::new(),
                }
            },
        )
}

fn authorized_party() -> impl Strategy<Value = AuthorizedPartyDto> {
    (authorized_party_leaf(), small_vec(authorized_party_leaf())).prop_map(|(mut p, subs)| {
        p.subunits = subs;
        p
    })
}

fn page<S: Strategy>(items: S) -> impl Strategy<Value = PaginatedResult<S::Value>> {
    (proptest::option::of(text()), small_vec(items)).prop_map(|(next, data)| PaginatedResult {
        links: PageLinks { next },
        data,
    })
}

/// Extension keys start with `x`, which no named field of a problem does, so they cannot be
/// read back as one.
fn extensions() -> impl Strategy<Value = BTreeMap<String, Value>> {
    proptest::collection::btree_map(
        "x[A-Za-z]{0,8}",
        prop_oneof![
            text().prop_map(Value::from),
            any::<i64>().prop_map(Value::from)
        ],
        0..3,
    )
}

fn problem() -> impl Strategy<Value = ProblemDetails> {
    let item = (text(), text(), small_vec(text()), extensions()).prop_map(
        |(code, detail, paths, extensions)| ValidationErrorItem {
            code,
            detail,
            paths,
            extensions,
        },
    );
    (
        (
            opt_text(),
            opt_text(),
            proptest::option::of(any::<u16>()),
            opt_text(),
        ),
        (
            opt_text(),
            opt_text(),
            proptest::option::of(small_vec(item)),
            extensions(),
        ),
    )
        .prop_map(|((t, ti, s, d), (c, tr, v, e))| ProblemDetails {
            problem_type: t,
            title: ti,
            status: s,
            detail: d,
            code: c,
            trace_id: tr,
            validation_errors: v,
            extensions: e,
        })
}

fn meta_type() -> impl Strategy<Value = TypeDto> {
    (uuid(), uuid(), text(), proptest::option::of(provider())).prop_map(
        |(id, provider_id, name, provider)| TypeDto {
            id,
            provider_id,
            name,
            provider,
        },
    )
}

fn package_full(area: Option<AreaDto>) -> impl Strategy<Value = PackageDto> {
    (
        (
            uuid(),
            text(),
            text(),
            opt_text(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        proptest::option::of(meta_type()),
        small_vec(resource()),
    )
        .prop_map(
            move |((id, name, urn, d, del, ass, rpa), package_type, resources)| PackageDto {
                id,
                name,
                urn,
                description: d,
                is_delegable: del,
                is_assignable: ass,
                is_resource_policy_available: rpa,
                area: area.clone().map(Box::new),
                package_type,
                resources,
            },
        )
}

fn group(areas: Option<Vec<AreaDto>>) -> impl Strategy<Value = AreaGroupDto> {
    (uuid(), text(), opt_text(), opt_text(), opt_text()).prop_map(
        move |(id, name, urn, description, group_type)| AreaGroupDto {
            id,
            name,
            urn,
            description,
            group_type,
            areas: areas.clone(),
        },
    )
}

fn area() -> impl Strategy<Value = AreaDto> {
    (
        (uuid(), text(), text(), opt_text(), opt_text()),
        proptest::option::of(small_vec(package_full(None))),
        proptest::option::of(group(None)),
    )
        .prop_map(
            |((id, name, urn, description, icon_url), packages, group)| AreaDto {
                id,
                name,
                urn,
                description,
                icon_url,
                packages,
                group,
            },
        )
}

fn sr_right() -> impl Strategy<Value = Right> {
    (
        opt_text(),
        small_vec((text(), text()).prop_map(|(id, value)| AttributePair { id, value })),
    )
        .prop_map(|(action, resource)| Right { action, resource })
}

fn sr_package() -> impl Strategy<Value = AccessPackage> {
    text().prop_map(|urn| AccessPackage { urn })
}

fn translated() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map("nb|nn|en", text(), 0..3)
}

fn register_system() -> impl Strategy<Value = RegisterSystemRequest> {
    (
        (text(), opt_text(), text(), translated(), translated()),
        (
            small_vec(sr_right()),
            small_vec(sr_package()),
            small_vec(text()),
            any::<bool>(),
            small_vec(text()),
        ),
    )
        .prop_map(
            |((id, authority, vid, name, description), (r, p, c, v, u))| RegisterSystemRequest {
                id,
                vendor: VendorDto { authority, id: vid },
                name,
                description,
                rights: r,
                access_packages: p,
                client_id: c,
                is_visible: v,
                allowed_redirect_urls: u,
            },
        )
}

// =============================================================================================
// Round trips.

/// Encodes, decodes, and requires the same value back; also through `decode_value`.
fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let bytes = codec::encode(value);
    let back: T = codec::decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    let back: T = codec::decode_value(codec::to_value(value))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn connections_round_trip(p in page(connection())) {
        round_trip(&p)?;
        // The quirks of §3.8 survive any content.
        let v = codec::to_value(&p);
        for c in v["data"].as_array().unwrap() {
            prop_assert!(c["party"]["children"].is_null());
            prop_assert!(c["party"].get("partyid").is_some() && c["party"].get("partyId").is_none());
            for r in c["roles"].as_array().unwrap() {
                prop_assert!(r.get("legacyurn ").is_some() && r["children"].is_null());
            }
        }
    }

    #[test]
    fn authorized_parties_round_trip(p in page(authorized_party())) {
        round_trip(&p)?;
        let v = codec::to_value(&p);
        for party in v["data"].as_array().unwrap() {
            prop_assert!(party.get("partyId").is_some() && party.get("partyid").is_none());
        }
    }

    #[test]
    fn permission_dtos_round_trip(
        packages in page((package(), small_vec(permission()))
            .prop_map(|(package, permissions)| PackagePermissionDto { package, permissions })),
        resources in small_vec((resource(), small_vec(permission()))
            .prop_map(|(resource, permissions)| ResourcePermissionDto { resource, permissions })),
        roles in page((role(), small_vec(permission()))
            .prop_map(|(role, permissions)| RolePermissionDto { role, permissions })),
    ) {
        round_trip(&packages)?;
        round_trip(&resources)?;
        round_trip(&roles)?;
        // E9's bare array decodes as a page with no next link.
        let page = codec::decode_resource_permissions(&codec::encode_bare_list(&resources)).unwrap();
        prop_assert_eq!(page, PaginatedResult::single(resources));
    }

    #[test]
    fn rights_and_checks_round_trip(
        rights in (resource(), small_vec((right(), reason(), small_vec(permission()))
            .prop_map(|(right, reason, permissions)| RightPermission { right, reason, permissions })), 0..2usize)
            .prop_map(|(resource, direct, n)| ExternalResourceRightDto {
                resource,
                indirect_rights: direct.iter().take(n).cloned().collect(),
                direct_rights: direct,
            }),
        check in (resource(), small_vec((right(), any::<bool>(), small_vec(text_enum(DelegationCheckReasonCode::KNOWN, DelegationCheckReasonCode::parse)))
            .prop_map(|(right, result, reason_codes)| RightCheckDto { right, result, reason_codes })))
            .prop_map(|(resource, rights)| ResourceCheckDto { resource, rights }),
        packages in page((package(), any::<bool>(), small_vec(
            ((text(), proptest::option::of(uuid()), opt_text(), proptest::option::of(uuid()), opt_text(), proptest::option::of(uuid())),
             (opt_text(), proptest::option::of(uuid()), opt_text(), proptest::option::of(uuid()), opt_text()))
            .prop_map(|((d, ri, ru, fi, fnm, ti), (tn, vi, vn, vri, vru))| AccessPackageCheckReason {
                description: d, role_id: ri, role_urn: ru, from_id: fi, from_name: fnm, to_id: ti,
                to_name: tn, via_id: vi, via_name: vn, via_role_id: vri, via_role_urn: vru,
            })))
            .prop_map(|(package, result, reasons)| AccessPackageDtoCheck { package, result, reasons })),
    ) {
        round_trip(&rights)?;
        round_trip(&check)?;
        round_trip(&packages)?;
    }

    #[test]
    fn small_dtos_round_trip(
        ids in (uuid(), uuid(), uuid(), uuid()),
        person in (prop_oneof!["[0-9]{11}", text()], text()),
        keys in small_vec("01[0-9a-f]{64}"),
        simplified in small_vec((uuid(), opt_text(), text_enum(EntityType::KNOWN, EntityType::parse),
            text_enum(EntityVariant::KNOWN, EntityVariant::parse), opt_text(), any::<bool>(), opt_text())
            .prop_map(|(id, name, entity_type, variant, org, del, at)| SimplifiedConnectionDto {
                party: SimplifiedPartyDto { id, name, entity_type, variant, organization_identifier: org, is_deleted: del, deleted_at: at },
                connections: Vec::new(),
            })),
    ) {
        let (a, b, c, d) = ids;
        round_trip(&AssignmentDto { id: a, role_id: b, from_id: c, to_id: d })?;
        round_trip(&AssignmentPackageDto { id: a, assignment_id: b, package_id: c })?;
        let input = PersonInput::new(person.0.clone(), person.1);
        round_trip(&input)?;
        if person.0.len() == 11 && person.0.bytes().all(|b| b.is_ascii_digit()) {
            let shown = format!("{input:?}");
            prop_assert!(!shown.contains(&person.0), "{}", shown);
        }
        round_trip(&RightKeyListDto { direct_right_keys: keys })?;
        let mut outer = simplified.first().cloned();
        if let Some(o) = outer.as_mut() {
            o.connections = simplified.clone();
        }
        round_trip(&PaginatedResult::single(simplified))?;
        round_trip(&outer)?;
    }

    #[test]
    fn problems_round_trip(p in problem()) {
        round_trip(&p)?;
    }

    #[test]
    fn metadata_round_trips(
        a in area(),
        g in (area(), small_vec(area())).prop_flat_map(|(a, more)| {
            let mut areas = more;
            areas.push(a);
            group(Some(areas))
        }),
        hits in small_vec((area(), 0i32..10_000, proptest::option::of(Just(json!([{"field": "name"}])))))
            .prop_flat_map(|hits| {
                hits.into_iter()
                    .map(|(a, score, fields)| package_full(Some(a)).prop_map(move |object| SearchObject {
                        object,
                        score: f64::from(score) / 8.0,
                        fields: fields.clone(),
                    }))
                    .collect::<Vec<_>>()
            }),
    ) {
        round_trip(&a)?;
        round_trip(&g)?;
        round_trip(&hits)?;
    }

    #[test]
    fn system_register_dtos_round_trip(
        reg in register_system(),
        extra in extensions(),
        deleted in any::<bool>(),
        create in ((text(), text(), opt_text(), opt_text(), opt_text()),
                   (proptest::option::of(small_vec(sr_right())), proptest::option::of(small_vec(sr_package()))))
            .prop_map(|((s, o, t, e, r), (rights, packages))| {
                let mut c = CreateRequestSystemUser::new(s, o);
                c.integration_title = t;
                c.external_ref = e;
                c.redirect_url = r;
                c.rights = rights;
                c.access_packages = packages;
                c
            }),
        response in ((uuid(), opt_text(), opt_text(), text(), text(), small_vec(sr_right()), small_vec(sr_package())),
                     (text_enum(RequestStatus::KNOWN, RequestStatus::parse), opt_text(), opt_text(),
                      proptest::option::of(any::<bool>()), opt_text(), proptest::option::of(any::<bool>())))
            .prop_map(|((id, t, e, s, o, r, p), (status, ru, cu, esc, cr, to))| RequestSystemResponse {
                id, integration_title: t, external_ref: e, system_id: s, party_org_no: o, rights: r,
                access_packages: p, status, redirect_url: ru, confirm_url: cu, escalated: esc,
                created: cr, timed_out: to,
            }),
        user in ((text(), opt_text(), text(), opt_text(), text(), opt_text()),
                 (any::<bool>(), opt_text(), opt_text(), opt_text(),
                  proptest::option::of(text_enum(SystemUserType::KNOWN, SystemUserType::parse))))
            .prop_map(|((id, t, s, p, o, c), (del, sn, so, e, ut))| SystemUserExternalDto {
                id, integration_title: t, system_id: s, product_name: p, reportee_org_no: o,
                created: c, is_deleted: del, supplier_name: sn, supplier_orgno: so,
                external_ref: e, user_type: ut,
            }),
        succeeded in any::<bool>(),
    ) {
        round_trip(&reg)?;
        let registered = RegisteredSystemResponse {
            id: reg.id.clone(),
            vendor: reg.vendor.clone(),
            name: reg.name.clone(),
            description: reg.description.clone(),
            rights: reg.rights.clone(),
            access_packages: reg.access_packages.clone(),
            client_id: reg.client_id.clone(),
            is_visible: reg.is_visible,
            allowed_redirect_urls: reg.allowed_redirect_urls.clone(),
            is_deleted: deleted,
            extra,
        };
        round_trip(&registered)?;
        round_trip(&PaginatedResult::single(vec![registered]))?;
        round_trip(&create)?;
        round_trip(&response)?;
        round_trip(&user)?;
        round_trip(&SucceededResponse { succeeded })?;
    }
}

// =============================================================================================
// Decoders never panic.

/// Runs every decoder of the codec on `bytes`; a successful decode is also re-encoded.
fn decode_everything(bytes: &[u8]) {
    fn go<T: Serialize, E>(r: Result<T, E>) {
        if let Ok(v) = r {
            let _ = codec::encode(&v);
        }
    }
    go(codec::decode_authorized_parties(bytes));
    go(codec::decode_connections(bytes));
    go(codec::decode_assignment(bytes));
    go(codec::decode_package_permissions(bytes));
    go(codec::decode_assignment_package(bytes));
    go(codec::decode_package_checks(bytes));
    go(codec::decode_resource_permissions(bytes));
    go(codec::decode_resource_rights(bytes));
    go(codec::decode_resource_check(bytes));
    go(codec::decode_role_permissions(bytes));
    go(codec::decode_simplified_connections(bytes));
    go(codec::decode_person_input(bytes));
    go(codec::decode_right_key_list(bytes));
    go(codec::decode_problem(bytes));
    go(codec::decode_package(bytes));
    go(codec::decode_area(bytes));
    go(codec::decode_export(bytes));
    go(codec::decode_package_search(bytes));
    go(codec::decode_register_system_request(bytes));
    go(codec::decode_registered_system(bytes));
    go(codec::decode_create_request_system_user(bytes));
    go(codec::decode_request_system_response(bytes));
    go(codec::decode_system_user(bytes));
    let _ = codec::decode_message(bytes);
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,10}".prop_map(Value::from),
        uuid().prop_map(|u| Value::from(u.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    "\\PC{0,8}",
                    proptest::sample::select(vec![
                        "links",
                        "data",
                        "next",
                        "party",
                        "id",
                        "type",
                        "variant",
                        "roles",
                        "legacyurn ",
                        "partyid",
                        "reason",
                        "flag",
                        "items",
                        "code",
                        "status",
                        "validationErrors",
                        "resource",
                        "rights",
                        "right",
                        "key",
                        "package",
                    ])
                    .prop_map(str::to_owned),
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIXTURES: &[&str] = &[
    "x01_authorized_parties.json",
    "x02_connections.json",
    "x03_assignment.json",
    "x04_package_permissions.json",
    "x06_package_delegation_check.json",
    "x07_resource_permissions.json",
    "x08_resource_rights.json",
    "x09_resource_delegation_check.json",
    "x10_role_permissions.json",
    "x12_problem_validation_cascade.json",
];

fn fixture(name: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/altinn3")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every value inside `v` (depth first), as a JSON pointer.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn decoders_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&bytes);
    }

    #[test]
    fn decoders_never_panic_on_json(v in any_json()) {
        decode_everything(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn decoders_never_panic_on_a_mutated_fixture(
        which in proptest::sample::select(FIXTURES),
        pick in any::<prop::sample::Index>(),
        replacement in any_json(),
    ) {
        let mut v = fixture(which);
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        let target = pick.get(&all).clone();
        *v.pointer_mut(&target).unwrap() = replacement;
        decode_everything(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn masking_never_shows_eleven_digits(s in "[0-9a-z ]{0,30}") {
        let masked = mask_ssn(&s);
        let digits_in_a_row = masked
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        prop_assert!(digits_in_a_row != 11, "{masked}");
    }
}

// =============================================================================================
// AccessReason.

#[test]
fn access_reason_flags_and_items_round_trip_for_all_32_combinations() {
    for flag in 0u32..32 {
        let r = AccessReason::from_flag(flag);
        assert_eq!(r.flag, flag);
        assert!(r.is_consistent(), "{flag}");
        assert_eq!(AccessReason::flag_of_items(&r.items), flag);
        // One item per set bit, ascending, with the exact names and descriptions of §3.5.
        let expected: Vec<(&str, &str)> = ACCESS_REASONS
            .iter()
            .filter(|i| flag & i.bit != 0)
            .map(|i| (i.name, i.description))
            .collect();
        let got: Vec<(&str, &str)> = r
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.description.as_str()))
            .collect();
        assert_eq!(got, expected, "{flag}");
        assert_eq!(r.items.len(), flag.count_ones() as usize);
        // Back from the items in any order.
        let mut reversed = r.items.clone();
        reversed.reverse();
        assert_eq!(AccessReason::from_items(reversed), r, "{flag}");
        // And through JSON, where `flag` is a number.
        let v = codec::to_value(&r);
        assert_eq!(v["flag"], json!(flag));
        assert_eq!(
            codec::decode::<AccessReason>(&codec::encode(&r)).unwrap(),
            r
        );
        // Each kind maps back to its bit.
        for kind in r.kinds() {
            assert!(r.contains(&kind));
            assert_eq!(ReasonKind::from_bit(kind.bit().unwrap()), Some(kind));
        }
    }
    assert_eq!(
        ACCESS_REASONS.iter().map(|r| r.name).collect::<Vec<_>>(),
        [
            "direct",
            "client-delegation",
            "keyrole",
            "rolemap",
            "parent"
        ]
    );
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn access_reason_from_any_flag_names_exactly_the_known_bits(flag in any::<u32>()) {
        let r = AccessReason::from_flag(flag);
        prop_assert_eq!(AccessReason::flag_of_items(&r.items), flag & AccessReason::KNOWN_BITS);
        prop_assert!(r.is_consistent());
        let bits: Vec<u32> = r.items.iter().map(|i| i.name.bit().unwrap()).collect();
        prop_assert!(bits.windows(2).all(|w| w[0] < w[1]));
    }
}
