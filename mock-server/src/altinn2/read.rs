//! The Altinn 2 reads over the world: ReporteeConversion, right holders, their rights and
//! roles, and the user's own rights and roles, as the wire crate's models. Each returns the
//! model or a [`Refusal`]; the HTTP layer encodes the one and answers the other.

use tilgang_altinn2_wire::{
    Link, Links, ReporteeType, Right, RightHolder, RightId, RightSourceType, RightType, Role,
    RoleDefinitionId, RoleId, RoleType,
    hal::{Page, ReporteeConversionRequest},
    model::Reportee,
};
use tilgang_domain::{Action, MaskedSsn, ReporteeId, ServiceCode, ServiceEditionCode};

use crate::{
    shared::{indexed::IndexedWorld, tokens::altinn::AltinnIdentity},
    world::{HeldRight, HeldRole, PartyRef, World},
};

use super::{
    odata::{HOLDER_PROPERTIES, OData, Query, RIGHT_PROPERTIES, ROLE_PROPERTIES},
    parties::{administered, resolve_receiver, resolve_who, user},
    refusal::Refusal,
};

/// Where links in a response point, and the language of role texts.
pub(super) struct View<'a> {
    /// The API base, `http://host:port`.
    pub(super) api: &'a str,
    /// `{who}` as the request wrote it.
    pub(super) who_segment: &'a str,
    /// The `language` parameter (1044 Bokmål by default).
    pub(super) lcid: u32,
}

impl View<'_> {
    fn delegations(&self) -> String {
        format!(
            "{}/api/{}/authorization/delegations",
            self.api, self.who_segment
        )
    }

    fn holder_link(&self, party: &PartyRef<'_>, tail: &str) -> String {
        format!(
            "{}/{}/{tail}",
            self.delegations(),
            ReporteeId::from_number(party.party_id()).as_str()
        )
    }
}

/// The language of role texts: the `language` parameter, 1044 (Bokmål) by default.
pub(super) fn language(q: &Query) -> u32 {
    q.get("language")
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(1044)
}

pub(super) fn to_right(r: &HeldRight) -> Right {
    Right {
        right_id: Some(RightId(r.id)),
        right_type: Some(RightType::Service),
        system_resource_id: None,
        service_code: ServiceCode::parse(&r.service_code).ok(),
        service_edition_code: ServiceEditionCode::new(r.service_edition).ok(),
        service_owner: None,
        service_owner_code: None,
        message_id: None,
        delegator: None,
        delegated_time: None,
        action: Action::parse(&r.action),
        right_source_type: Some(RightSourceType::parse(&r.source)),
        is_delegatable: Some(r.delegatable),
        valid_to_date: None,
        is_consent_delegation: None,
        links: Links::new(),
    }
}

fn role_links(ctx: &View<'_>, definition: i64) -> Links {
    let mut links = Links::new();
    links.insert(
        "roledefinition".into(),
        Link::new(format!(
            "{}/api/{}/authorization/roledefinitions/{definition}",
            ctx.api, ctx.who_segment
        )),
    );
    links
}

fn to_role(world: &World, ctx: &View<'_>, r: &HeldRole) -> Role {
    let def = world.role_definition(r.role_definition_id);
    Role {
        role_id: Some(RoleId(r.id)),
        role_type: def.map(|d| RoleType::parse(&d.role_type)),
        role_definition_id: Some(RoleDefinitionId(r.role_definition_id)),
        role_name: def.map(|d| d.name.get(ctx.lcid).to_owned()),
        role_description: def.map(|d| d.description.get(ctx.lcid).to_owned()),
        delegator: Some(r.delegator.clone().unwrap_or_default()),
        delegated_time: r.delegated_time.clone(),
        role_definition_code: def.and_then(|d| d.code.clone()),
        links: role_links(ctx, r.role_definition_id),
    }
}

/// The synthetic "Single Rights" role shown when a holder has directly delegated rights. The
/// texts are the documented example's, untranslated (the guide shows them for language 1044).
fn single_rights_role(ctx: &View<'_>, latest: Option<&str>) -> Role {
    Role {
        role_id: None,
        role_type: Some(RoleType::Local),
        role_definition_id: Some(RoleDefinitionId(0)),
        role_name: Some("Single Rights".into()),
        role_description: Some("Collection of single rights".into()),
        delegator: Some(String::new()),
        delegated_time: latest.map(str::to_owned),
        role_definition_code: None,
        links: role_links(ctx, 0),
    }
}

fn held_rights<'w>(world: &'w World, from: &str, to: &str) -> Vec<&'w HeldRight> {
    world
        .rights
        .iter()
        .filter(|r| r.from == from && r.to == to)
        .collect()
}

fn holder_roles(world: &World, ctx: &View<'_>, from: &str, to: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = world
        .roles
        .iter()
        .filter(|r| r.from == from && r.to == to)
        .map(|r| to_role(world, ctx, r))
        .collect();
    let latest_direct = held_rights(world, from, to)
        .into_iter()
        .filter(|r| r.source.eq_ignore_ascii_case("DirectlyDelegatedRights"))
        .map(|r| r.delegated_time.as_str())
        .max();
    if let Some(latest) = latest_direct {
        roles.push(single_rights_role(ctx, Some(latest)));
    }
    roles
}

fn holder_base(ctx: &View<'_>, party: &PartyRef<'_>) -> RightHolder {
    let rid = ReporteeId::from_number(party.party_id());
    let base = format!("{}/{}", ctx.delegations(), rid.as_str());
    let mut links = Links::new();
    links.insert("self".into(), Link::new(base.clone()));
    links.insert("rights".into(), Link::new(format!("{base}/rights")));
    links.insert("roles".into(), Link::new(format!("{base}/roles")));
    let (name, last_name, ssn, org, user_name) = match party {
        PartyRef::Person(p) => (
            format!("{} {}", p.first_name, p.last_name),
            Some(p.last_name.clone()),
            Some(MaskedSsn::new(&p.ssn)),
            None,
            None,
        ),
        PartyRef::Organisation(o) => (o.name.clone(), None, None, Some(o.org.clone()), None),
        PartyRef::EnterpriseUser(u) => (u.user_name.clone(), None, None, None, None),
    };
    RightHolder {
        right_holder_id: Some(rid),
        name: Some(name),
        last_name,
        user_name,
        social_security_number: ssn,
        organization_number: org,
        delegation_context: None,
        roles: Vec::new(),
        rights: Vec::new(),
        roles_links: Links::new(),
        rights_links: Links::new(),
        has_roles: false,
        has_rights: false,
        links,
    }
}

fn self_link(href: String) -> Links {
    let mut links = Links::new();
    links.insert("self".into(), Link::new(href));
    links
}

/// `POST /api/reportees/ReporteeConversion`: the party with this number and name.
pub(super) fn convert_reportee(
    world: &IndexedWorld,
    req: &ReporteeConversionRequest,
) -> Result<Reportee, Refusal> {
    match (
        &req.social_security_number,
        &req.last_name,
        &req.organization_number,
        &req.organization_name,
    ) {
        (Some(ssn), Some(last), _, _) => {
            let p = world
                .persons_with_ssn(ssn.trim())
                .find(|p| p.last_name.eq_ignore_ascii_case(last.trim()))
                .ok_or(Refusal::NoReporteeMatch)?;
            Ok(Reportee {
                reportee_id: ReporteeId::from_number(p.party_id),
                party_uuid: None,
                name: Some(format!("{} {}", p.last_name, p.first_name)),
                reportee_type: Some(ReporteeType::Person),
                social_security_number: Some(MaskedSsn::new(&p.ssn)),
                organization_number: None,
                parent_organization_number: None,
                organization_form: None,
                status: None,
                links: Links::new(),
            })
        }
        (_, _, Some(org), Some(name)) => {
            let o = world
                .organisations_with_number(org.trim())
                .find(|o| o.name.eq_ignore_ascii_case(name.trim()))
                .ok_or(Refusal::NoReporteeMatch)?;
            Ok(Reportee {
                reportee_id: ReporteeId::from_number(o.party_id),
                party_uuid: None,
                name: Some(o.name.clone()),
                reportee_type: Some(ReporteeType::Enterprise),
                social_security_number: None,
                organization_number: Some(o.org.clone()),
                parent_organization_number: None,
                organization_form: Some(o.form.clone()),
                status: Some("Active".into()),
                links: Links::new(),
            })
        }
        _ => Err(Refusal::ConversionNeedsIdentifier),
    }
}

/// `GET /api/{who}/authorization/Delegations`: everyone `{who}` delegated to, optionally
/// only through one service (`serviceCode`, `serviceEdition`).
pub(super) fn right_holders(
    world: &IndexedWorld,
    view: &View<'_>,
    id: &AltinnIdentity,
    q: &Query,
) -> Result<Page<RightHolder>, Refusal> {
    let od = OData::parse(q, HOLDER_PROPERTIES, "RightHolder")?;
    let (who_party, _, _) = administered(world, view.who_segment, id)?;
    let service_filter = match (q.get("servicecode"), q.get("serviceedition")) {
        (Some(c), e) => Some((c.clone(), e.and_then(|e| e.parse::<u32>().ok()))),
        _ => None,
    };
    let mut keys: Vec<&str> = Vec::new();
    let from = who_party.key();
    let rights = world.rights.iter().filter(|r| r.from == from).filter(|r| {
        service_filter.as_ref().is_none_or(|(c, e)| {
            r.service_code.eq_ignore_ascii_case(c) && e.is_none_or(|e| e == r.service_edition)
        })
    });
    for r in rights {
        if !keys.contains(&r.to.as_str()) {
            keys.push(&r.to);
        }
    }
    if service_filter.is_none() {
        for r in world.roles.iter().filter(|r| r.from == from) {
            if !keys.contains(&r.to.as_str()) {
                keys.push(&r.to);
            }
        }
    }
    let mut holders: Vec<RightHolder> = keys
        .iter()
        .filter_map(|k| world.party(k))
        .map(|p| holder_base(view, &p))
        .filter(|h| od.keep_holder(h))
        .collect();
    holders.sort_by_key(|h| h.right_holder_id.as_ref().map(|r| r.number()));
    let mut links = self_link(view.delegations());
    links.insert(
        "find".into(),
        Link::templated(format!("{}/{{receiverId}}", view.delegations())),
    );
    Ok(Page {
        items: od.page(holders, world.settings.list_cap),
        links,
    })
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}`: one right holder with its
/// rights (filtered and paged) and roles nested.
pub(super) fn right_holder(
    world: &IndexedWorld,
    view: &View<'_>,
    id: &AltinnIdentity,
    receiver_id: &str,
    q: &Query,
) -> Result<RightHolder, Refusal> {
    let od = OData::parse(q, RIGHT_PROPERTIES, "Right")?;
    let (who_party, _, _) = administered(world, view.who_segment, id)?;
    let receiver = resolve_receiver(world, receiver_id)?;
    let mut holder = holder_base(view, &receiver);
    let base = holder.links["self"].href.clone();
    let cap = world.settings.list_cap;
    let rights: Vec<Right> = held_rights(world, who_party.key(), receiver.key())
        .into_iter()
        .map(to_right)
        .filter(|r| od.keep_right(r))
        .collect();
    holder.rights = od.page(rights, cap);
    holder.roles = holder_roles(world, view, who_party.key(), receiver.key())
        .into_iter()
        .take(cap)
        .collect();
    holder.rights_links = self_link(format!("{base}/rights"));
    holder.roles_links = self_link(format!("{base}/roles"));
    holder.has_rights = true;
    holder.has_roles = true;
    Ok(holder)
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}/rights`.
pub(super) fn holder_rights(
    world: &IndexedWorld,
    view: &View<'_>,
    id: &AltinnIdentity,
    receiver_id: &str,
    q: &Query,
) -> Result<Page<Right>, Refusal> {
    let od = OData::parse(q, RIGHT_PROPERTIES, "Right")?;
    let (who_party, _, _) = administered(world, view.who_segment, id)?;
    let receiver = resolve_receiver(world, receiver_id)?;
    let rights: Vec<Right> = held_rights(world, who_party.key(), receiver.key())
        .into_iter()
        .map(to_right)
        .filter(|r| od.keep_right(r))
        .collect();
    Ok(Page {
        items: od.page(rights, world.settings.list_cap),
        links: self_link(view.holder_link(&receiver, "rights")),
    })
}

/// `GET /api/{who}/authorization/Delegations/{receiverId}/roles`.
pub(super) fn holder_role_page(
    world: &IndexedWorld,
    view: &View<'_>,
    id: &AltinnIdentity,
    receiver_id: &str,
    q: &Query,
) -> Result<Page<Role>, Refusal> {
    let od = OData::parse(q, ROLE_PROPERTIES, "Role")?;
    let (who_party, _, _) = administered(world, view.who_segment, id)?;
    let receiver = resolve_receiver(world, receiver_id)?;
    let roles: Vec<Role> = holder_roles(world, view, who_party.key(), receiver.key())
        .into_iter()
        .filter(|r| od.keep_role(r))
        .collect();
    Ok(Page {
        items: od.page(roles, world.settings.list_cap),
        links: self_link(view.holder_link(&receiver, "roles")),
    })
}

/// `GET /api/{who}/authorization/rights`: the authenticated user's rights for `{who}`.
pub(super) fn own_rights(
    world: &IndexedWorld,
    view: &View<'_>,
    id: &AltinnIdentity,
    q: &Query,
) -> Result<Page<Right>, Refusal> {
    let od = OData::parse(q, RIGHT_PROPERTIES, "Right")?;
    let who_party = resolve_who(world, view.who_segment, id)?;
    let u = user(world, id)?;
    let rights: Vec<Right> = held_rights(world, who_party.key(), &u.user_name)
        .into_iter()
        .map(to_right)
        .filter(|r| od.keep_right(r))
        .collect();
    Ok(Page {
        items: od.page(rights, world.settings.list_cap),
        links: self_link(format!(
            "{}/api/{}/authorization/rights",
            view.api, view.who_segment
        )),
    })
}

/// `GET /api/{who}/authorization/roles`: the authenticated user's roles for `{who}`, its
/// administrative role first.
pub(super) fn own_roles(
    world: &IndexedWorld,
    view: &View<'_>,
    id: &AltinnIdentity,
    q: &Query,
) -> Result<Page<Role>, Refusal> {
    let od = OData::parse(q, ROLE_PROPERTIES, "Role")?;
    let who_party = resolve_who(world, view.who_segment, id)?;
    let u = user(world, id)?;
    let mut roles: Vec<Role> = u
        .roles
        .iter()
        .filter(|r| r.party == who_party.key())
        .map(|r| {
            let (def, code, en) = if r.role.eq_ignore_ascii_case("Hovedadministrator") {
                (183, "HADM", "Main administrator")
            } else {
                (3, "ADMAI", "Access manager")
            };
            Role {
                role_id: None,
                role_type: Some(RoleType::Altinn),
                role_definition_id: Some(RoleDefinitionId(def)),
                role_name: Some(if view.lcid == 1033 {
                    en.to_owned()
                } else {
                    r.role.clone()
                }),
                role_description: Some(r.role.clone()),
                delegator: None,
                delegated_time: None,
                role_definition_code: Some(code.to_owned()),
                links: role_links(view, def),
            }
        })
        .collect();
    roles.extend(holder_roles(world, view, who_party.key(), &u.user_name));
    let roles: Vec<Role> = roles.into_iter().filter(|r| od.keep_role(r)).collect();
    Ok(Page {
        items: od.page(roles, world.settings.list_cap),
        links: self_link(format!(
            "{}/api/{}/authorization/roles",
            view.api, view.who_segment
        )),
    })
}
