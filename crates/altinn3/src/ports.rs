//! The neutral ports over the Access Management enduser API (the table of how each port
//! operation maps to the endpoints is in `ARCHITECTURE.md`).
//!
//! - Organisations resolve through the authorized parties (E1, cached per token).
//! - Persons resolve read-only among the organisation's right holders (one E2 listing, cached
//!   briefly, serves every person of that organisation); adding one (E3) is a separate,
//!   explicit change, because Altinn blocks person lookups for an hour after two misses.
//! - Holdings come from E5 (packages), E9 and E10 (resource rights), and E15 (roles), each
//!   path classified from the `reason` flags and `via` (§3.5).
//! - Grants: packages by E6 (the delegation check E8 only to explain a refusal); resource
//!   rights by E11 for the keys of the asked-for actions, then E12 with only those keys.
//! - Revokes by handle: `package:<code>` (E7), `resource:<id>:<key>` (E13 with the keys that
//!   remain, or E14 when none do), `role:<code>` (E16).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use tilgang_altinn3_wire::{
    AccessReason, CompactEntityDto, EntityType, PermissionDto, PersonInput, RightDto,
};
use tilgang_domain::{
    Action, Grantable, HeldAccess, HeldVia, MaskedSsn, PackageCode, Party, PartyId, PartyKind,
    PartyQuery, PartyRef, PartyUuid, ResourceId, ResourceRight, RevokeHandle, RoleCode,
};
use tilgang_ports::{
    AltinnError, Operation, Parties, RightHolderAdded, RightHolderChange, Rights, Unsupported,
};

use crate::{Altinn3Client, client::Listing};

/// The platform name in messages.
const PLATFORM: &str = "Altinn 3";
/// The role of the right-holder link itself: the relation, not an access.
const RIGHT_HOLDER_ROLE: &str = "rettighetshaver";

impl Altinn3Client {
    /// The party UUID of the organisation a request is about: a UUID as given, anything else
    /// looked up among the parties the system user may act for (E1).
    pub async fn org_uuid(&self, org: &PartyRef) -> Result<PartyUuid, AltinnError> {
        if let PartyRef::PartyUuid(uuid) = org {
            return Ok(*uuid);
        }
        let parties = self
            .cached_parties(async || self.authorized_parties().await)
            .await?;
        // Subunits are parties too.
        let all: Vec<_> = parties
            .iter()
            .flat_map(|p| std::iter::once(p).chain(p.subunits.iter()))
            .collect();
        let found = match org {
            PartyRef::Organisation(number) => all
                .iter()
                .find(|p| p.organization_number.as_deref() == Some(number.as_str()))
                .map(|p| p.party_uuid),
            PartyRef::PartyId(id) => all
                .iter()
                .find(|p| p.party_id as u64 == id.get())
                .map(|p| p.party_uuid),
            PartyRef::Reportee(id) => all
                .iter()
                .find(|p| p.party_id as u64 == id.number())
                .map(|p| p.party_uuid),
            PartyRef::My => {
                let organisations: Vec<_> = parties
                    .iter()
                    .filter(|p| p.organization_number.is_some())
                    .collect();
                match organisations.as_slice() {
                    [only] => Some(only.party_uuid),
                    _ => {
                        return Err(AltinnError::InvalidInput(format!(
                            "the system user may act for {} organisations; name the one to \
                             manage (its organisation number)",
                            organisations.len()
                        )));
                    }
                }
            }
            _ => None,
        };
        found
            .map(PartyUuid::new)
            .ok_or_else(|| AltinnError::NotFound {
                what: format!("organisation {org} among the parties the system user may act for"),
                hint: "the customer must approve a system user for that organisation and give it \
                       the tilgangsstyrer package; `altinn parties` lists the ones it has"
                    .into(),
            })
    }

    /// The right holders of `org`, from the brief cache when fresh (E2). With `complete`, a
    /// listing that this client's own additions have outdated is read again.
    async fn holders_of(&self, org: PartyUuid, complete: bool) -> Result<Listing, AltinnError> {
        let key = org.to_string();
        if let Some(listing) = self.cached_holders(&key, complete) {
            return Ok(listing);
        }
        let list = std::sync::Arc::new(self.connections(org, None).await?);
        Ok(self.remember_holders(&key, list))
    }

    /// The right holder `query` names among `org`'s, if one is (read-only).
    async fn find_holder(
        &self,
        org: PartyUuid,
        query: &PartyQuery,
    ) -> Result<Option<Party>, AltinnError> {
        let listing = self.holders_of(org, false).await?;
        let holders = &listing.holders;
        // Compared against every holder, so taken out of the loop once.
        let wanted_fnr = match query {
            PartyQuery::Person { fnr, .. } => Some(fnr.expose()),
            PartyQuery::Organisation { .. } => None,
        };
        let everyone = holders
            .iter()
            .flat_map(|c| std::iter::once(c).chain(c.connections.iter()));
        for connection in everyone {
            let entity = &connection.party;
            match query {
                PartyQuery::Person { fnr, last_name } => {
                    if entity.person_identifier.as_deref() != wanted_fnr {
                        continue;
                    }
                    if !last_name_matches(entity.name.as_deref(), last_name.as_str()) {
                        return Err(AltinnError::InvalidInput(format!(
                            "the last name does not match the right holder with fødselsnummer {fnr}"
                        )));
                    }
                }
                PartyQuery::Organisation { org: number, .. } => {
                    if entity.organization_identifier.as_deref() != Some(number.as_str()) {
                        continue;
                    }
                }
            }
            let mut party = party_of(entity);
            party.query = Some(query.clone());
            return Ok(Some(party));
        }
        // Then the ones this client added since the listing was read.
        for party in &listing.added {
            match (query, &party.query) {
                (
                    PartyQuery::Person { fnr, last_name },
                    Some(PartyQuery::Person {
                        fnr: added,
                        last_name: added_name,
                    }),
                ) if fnr == added => {
                    if !last_name_matches(Some(added_name.as_str()), last_name.as_str()) {
                        return Err(AltinnError::InvalidInput(format!(
                            "the last name does not match the right holder with fødselsnummer {fnr}"
                        )));
                    }
                }
                (
                    PartyQuery::Organisation { org: number, .. },
                    Some(PartyQuery::Organisation { org: added, .. }),
                ) if number == added => {}
                _ => continue,
            }
            let mut party = party.clone();
            party.query = Some(query.clone());
            return Ok(Some(party));
        }
        Ok(None)
    }
}

#[async_trait]
impl Parties for Altinn3Client {
    async fn resolve(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<Option<Party>, AltinnError> {
        let org = self.org_uuid(org).await?;
        self.find_holder(org, query).await
    }
}

#[async_trait]
impl Rights for Altinn3Client {
    fn check(&self, operation: Operation, grantable: &Grantable) -> Result<(), Unsupported> {
        let refuse = |hint: &'static str| {
            Err(Unsupported {
                platform: PLATFORM,
                operation,
                grantable: grantable.clone(),
                hint,
            })
        };
        match (operation, grantable) {
            (_, Grantable::Package { .. } | Grantable::ResourceRight(_)) => Ok(()),
            (Operation::Revoke, Grantable::Role { .. }) => Ok(()),
            (Operation::Grant, Grantable::Role { .. }) => refuse(
                "Altinn 3 grants access packages and resource rights; imported Altinn 2 roles \
                 can only be revoked",
            ),
            (_, Grantable::ServiceRight(_)) => refuse(
                "service rights (code and edition) exist only in Altinn 2; in Altinn 3 give an \
                 access package or a resource right",
            ),
            (_, _) => refuse("Altinn 3 cannot change this kind of access"),
        }
    }

    async fn right_holders(&self, org: &PartyRef) -> Result<Vec<Party>, AltinnError> {
        let org = self.org_uuid(org).await?;
        let listing = self.holders_of(org, true).await?;
        Ok(listing.holders.iter().map(|c| party_of(&c.party)).collect())
    }

    async fn add_right_holder(
        &self,
        org: &PartyRef,
        query: &PartyQuery,
    ) -> Result<RightHolderAdded, AltinnError> {
        let org = self.org_uuid(org).await?;
        // A read first: it costs nothing against the lookup limit, and a right holder found
        // there needs no change at all.
        if let Some(party) = self.find_holder(org, query).await? {
            return Ok(RightHolderAdded {
                party,
                change: RightHolderChange::AlreadyRightHolder,
            });
        }
        let (assignment, mut party) = match query {
            PartyQuery::Person { fnr, last_name } => {
                let input = PersonInput {
                    person_identifier: fnr.expose().to_owned(),
                    last_name: last_name.as_str().to_owned(),
                };
                let assignment = self.add_person(org, &input).await?;
                let mut party = Party::new(PartyKind::Person);
                party.ssn = Some(MaskedSsn::from(fnr));
                (assignment, party)
            }
            PartyQuery::Organisation { org: number, .. } => {
                // The enduser API has no lookup from an organisation number to a party UUID;
                // the organisations the system user may act for are the ones it can name.
                let to = self
                    .org_uuid(&PartyRef::Organisation(*number))
                    .await
                    .map_err(|_| AltinnError::NotFound {
                        what: format!("the party UUID of organisation {number}"),
                        hint: "Altinn 3 adds an organisation as a right holder by its party UUID, \
                               and the enduser API looks up only the organisations the system \
                               user may act for"
                            .into(),
                    })?;
                let assignment = self.add_party(org, to).await?;
                let mut party = Party::new(PartyKind::Organisation);
                party.organization_number = Some(number.as_str().to_owned());
                (assignment, party)
            }
        };
        party.party_uuid = Some(PartyUuid::new(assignment.to_id));
        party.query = Some(query.clone());
        self.remember_added(&org.to_string(), party.clone());
        Ok(RightHolderAdded {
            party,
            change: RightHolderChange::Added,
        })
    }

    async fn holdings(
        &self,
        org: &PartyRef,
        holder: &Party,
    ) -> Result<Vec<HeldAccess>, AltinnError> {
        let org = self.org_uuid(org).await?;
        let to = holder_uuid(holder)?;
        let (packages, resources, roles) = tokio::try_join!(
            self.packages(org, to),
            self.resources(org, to),
            self.roles(org, to),
        )?;
        let mut held = Vec::new();
        for p in &packages {
            let Some(code) = package_code(&p.package.urn) else {
                continue;
            };
            let (held_via, direct) = paths(&p.permissions);
            held.push(HeldAccess {
                grantable: Grantable::package(code.clone()),
                name: None,
                held_via,
                revocable: direct,
                handle: direct.then(|| RevokeHandle::new(format!("package:{code}"))),
            });
        }
        // The actions behind each resource are only in E10, one call per resource.
        for r in &resources {
            let Ok(resource) = ResourceId::parse(&r.resource.ref_id) else {
                continue;
            };
            let rights = self.resource_rights(org, to, &resource).await?;
            for (rights, direct) in [
                (&rights.direct_rights, true),
                (&rights.indirect_rights, false),
            ] {
                for right in rights {
                    let action = action_of(&right.right);
                    let held_via = if direct {
                        vec![HeldVia::Direct]
                    } else {
                        // With the Direct bit removed (§3.5), a right held only directly has
                        // no indirect path left; the server may still list it here.
                        let via: Vec<HeldVia> = right
                            .permissions
                            .iter()
                            .flat_map(paths_of)
                            .filter(|v| *v != HeldVia::Direct)
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect();
                        if via.is_empty() {
                            continue;
                        }
                        via
                    };
                    held.push(HeldAccess {
                        grantable: Grantable::ResourceRight(ResourceRight {
                            resource: resource.clone(),
                            action,
                        }),
                        name: Some(rights_name(&r.resource.name, &right.right.name)),
                        held_via,
                        revocable: direct,
                        handle: direct.then(|| {
                            RevokeHandle::new(format!("resource:{resource}:{}", right.right.key))
                        }),
                    });
                }
            }
        }
        for r in &roles {
            if r.role.code == RIGHT_HOLDER_ROLE {
                continue;
            }
            let Ok(code) = RoleCode::parse(&r.role.code) else {
                continue;
            };
            let (held_via, direct) = paths(&r.permissions);
            let revocable = direct && r.role.is_revocable == Some(true);
            held.push(HeldAccess {
                grantable: Grantable::role(code.clone()),
                name: Some(r.role.name.clone()),
                held_via,
                revocable,
                handle: revocable.then(|| RevokeHandle::new(format!("role:{code}"))),
            });
        }
        Ok(held)
    }

    async fn grant(
        &self,
        org: &PartyRef,
        holder: &Party,
        grantables: &[Grantable],
    ) -> Result<(), AltinnError> {
        for grantable in grantables {
            self.check(Operation::Grant, grantable)?;
        }
        let org = self.org_uuid(org).await?;
        let to = holder_uuid(holder)?;
        let mut by_resource: BTreeMap<ResourceId, BTreeSet<String>> = BTreeMap::new();
        for grantable in grantables {
            match grantable {
                Grantable::Package { package } => {
                    if let Err(e) = self.add_package(org, to, package).await {
                        return Err(self.explain_package_refusal(org, package, e).await);
                    }
                }
                Grantable::ResourceRight(r) => {
                    by_resource
                        .entry(r.resource.clone())
                        .or_default()
                        .insert(r.action.as_str().to_ascii_lowercase());
                }
                _ => {}
            }
        }
        for (resource, actions) in by_resource {
            let keys = self.offered_keys(org, &resource, &actions).await?;
            self.add_resource_rights(org, to, &resource, keys).await?;
        }
        Ok(())
    }

    async fn revoke(
        &self,
        org: &PartyRef,
        holder: &Party,
        accesses: &[HeldAccess],
    ) -> Result<(), AltinnError> {
        // Decode every handle before changing anything, so a bad one leaves nothing half done.
        let targets = accesses
            .iter()
            .map(target_of)
            .collect::<Result<Vec<_>, _>>()?;
        let org = self.org_uuid(org).await?;
        let to = holder_uuid(holder)?;
        let mut keys_by_resource: BTreeMap<ResourceId, BTreeSet<String>> = BTreeMap::new();
        for target in targets {
            match target {
                Target::Package(code) => self.remove_package(org, to, &code).await?,
                Target::Role(code) => self.remove_role(org, to, &code).await?,
                Target::ResourceKey(resource, key) => {
                    keys_by_resource.entry(resource).or_default().insert(key);
                }
            }
        }
        for (resource, removed) in keys_by_resource {
            // What remains is read fresh: another client may have changed the key set since
            // the holdings were read, and PUT replaces the whole set.
            let current = self.resource_rights(org, to, &resource).await?;
            let remaining: Vec<String> = current
                .direct_rights
                .iter()
                .map(|r| r.right.key.clone())
                .filter(|k| !removed.contains(k))
                .collect();
            if remaining.is_empty() {
                self.remove_resource(org, to, &resource).await?;
            } else {
                self.replace_resource_rights(org, to, &resource, remaining)
                    .await?;
            }
        }
        Ok(())
    }

    async fn remove_right_holder(
        &self,
        org: &PartyRef,
        holder: &Party,
        cascade: bool,
    ) -> Result<(), AltinnError> {
        let org = self.org_uuid(org).await?;
        let to = holder_uuid(holder)?;
        match self.remove_connection(org, to, cascade).await {
            Err(AltinnError::Rejected(r)) if r.has_code("AM.VLD-00010") => {
                let holding = r
                    .validation
                    .iter()
                    .flat_map(|v| v.extensions.iter())
                    .map(|(kind, what)| format!("{kind} ({what})"))
                    .collect::<Vec<_>>();
                let holding = if holding.is_empty() {
                    vec!["accesses".to_owned()]
                } else {
                    holding
                };
                Err(AltinnError::StillHolds {
                    holding,
                    rejection: Some(r),
                })
            }
            other => other,
        }
    }
}

impl Altinn3Client {
    /// The right keys of `resource` that give `actions` and that the system user may give
    /// (E11). Nothing is granted when any action is refused: a key E11 did not offer is never
    /// sent.
    async fn offered_keys(
        &self,
        org: PartyUuid,
        resource: &ResourceId,
        actions: &BTreeSet<String>,
    ) -> Result<Vec<String>, AltinnError> {
        let (org_key, resource_key) = (org.to_string(), resource.to_string());
        let check = match self.cached_resource_check(&org_key, &resource_key) {
            Some(check) => check,
            None => {
                let check = std::sync::Arc::new(self.resource_check(org, resource).await?);
                self.remember_resource_check(
                    &org_key,
                    &resource_key,
                    std::sync::Arc::clone(&check),
                );
                check
            }
        };
        let mut keys = Vec::new();
        let mut refused = Vec::new();
        for action in actions {
            let rights: Vec<_> = check
                .rights
                .iter()
                .filter(|r| r.right.action.value.eq_ignore_ascii_case(action))
                .collect();
            if rights.is_empty() {
                refused.push(format!("{resource} has no action {action:?}"));
                continue;
            }
            for r in rights {
                if r.result {
                    keys.push(r.right.key.clone());
                } else {
                    let reasons: Vec<&str> = r.reason_codes.iter().map(|c| c.as_str()).collect();
                    refused.push(format!(
                        "{action} on {resource} ({})",
                        if reasons.is_empty() {
                            "no reason given".to_owned()
                        } else {
                            reasons.join(", ")
                        }
                    ));
                }
            }
        }
        if !refused.is_empty() {
            return Err(AltinnError::NotDelegable {
                what: format!("rights on {resource}"),
                reasons: refused,
            });
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    /// When E6 refused a package as not delegable (AM.VLD-00026), the delegation check (E8)
    /// says why; any other failure is returned as it is.
    async fn explain_package_refusal(
        &self,
        org: PartyUuid,
        package: &PackageCode,
        error: AltinnError,
    ) -> AltinnError {
        if !error.has_code("AM.VLD-00026") {
            return error;
        }
        let Ok(checks) = self.package_check(org, std::slice::from_ref(package)).await else {
            return error;
        };
        let reasons: Vec<String> = checks
            .iter()
            .flat_map(|c| c.reasons.iter().map(|r| r.description.clone()))
            .collect();
        let mut reasons = if reasons.is_empty() {
            vec!["the delegation check gives no reason".to_owned()]
        } else {
            reasons
                .into_iter()
                .map(|r| match r.as_str() {
                    "NoAccess" => "NoAccess: the system user does not hold the package directly \
                                   (a system user can give only the packages it holds itself, \
                                   unless it holds hovedadministrator)"
                        .to_owned(),
                    _ => r,
                })
                .collect()
        };
        if let Some(r) = error.rejection() {
            reasons.push(format!(
                "Altinn said: HTTP {} [{}]",
                r.status,
                r.codes.join(", ")
            ));
        }
        AltinnError::NotDelegable {
            what: format!("package {package}"),
            reasons,
        }
    }
}

/// What a handle names.
enum Target {
    Package(PackageCode),
    ResourceKey(ResourceId, String),
    Role(RoleCode),
}

fn target_of(access: &HeldAccess) -> Result<Target, AltinnError> {
    let invalid = || {
        AltinnError::InvalidInput(format!(
            "{} cannot be revoked in Altinn 3: it is not held directly, or it was not read from \
             Altinn 3",
            access.grantable
        ))
    };
    let handle = access.handle.as_ref().ok_or_else(invalid)?;
    let (kind, rest) = handle.as_str().split_once(':').ok_or_else(invalid)?;
    match kind {
        "package" => PackageCode::parse(rest)
            .map(Target::Package)
            .map_err(|_| invalid()),
        "role" => RoleCode::parse(rest)
            .map(Target::Role)
            .map_err(|_| invalid()),
        "resource" => {
            let (resource, key) = rest.rsplit_once(':').ok_or_else(invalid)?;
            let resource = ResourceId::parse(resource).map_err(|_| invalid())?;
            // Right keys are "01" and 64 hex digits (§3.6); anything else was not read here.
            let well_formed = key.len() >= 2 && key.bytes().all(|b| b.is_ascii_hexdigit());
            if !well_formed {
                return Err(invalid());
            }
            Ok(Target::ResourceKey(resource, key.to_owned()))
        }
        _ => Err(invalid()),
    }
}

/// The right holder's party UUID; Altinn 3 addresses parties by nothing else.
fn holder_uuid(holder: &Party) -> Result<PartyUuid, AltinnError> {
    holder.party_uuid.ok_or(AltinnError::UnsupportedParty {
        platform: PLATFORM,
        form: "a party without a party UUID",
        hint: "look the right holder up first (Altinn 3 addresses parties by UUID)",
    })
}

/// A neutral party from a CompactEntity; the fødselsnummer is masked on the way in.
pub(crate) fn party_of(entity: &CompactEntityDto) -> Party {
    let kind = match &entity.entity_type {
        EntityType::Person => PartyKind::Person,
        EntityType::Organisasjon => PartyKind::Organisation,
        EntityType::Systembruker => PartyKind::SystemUser,
        other => PartyKind::Other(other.as_str().to_owned()),
    };
    let mut party = Party::new(kind);
    party.name = entity.name.clone();
    party.party_uuid = Some(PartyUuid::new(entity.id));
    party.party_id = entity
        .party_id
        .and_then(|id| u64::try_from(id).ok())
        .and_then(|id| PartyId::new(id).ok());
    party.organization_number = entity.organization_identifier.clone();
    party.ssn = entity.person_identifier.as_deref().map(MaskedSsn::new);
    party
}

/// Whether a last name matches a name on record the way Altinn matches it (§1.3-7): the first
/// four characters, trimmed, without regard to case, with diacritics other than Å removed,
/// compared with the start of any word of the name (the listing gives the full name).
fn last_name_matches(name_on_record: Option<&str>, last_name: &str) -> bool {
    let Some(name) = name_on_record else {
        // Nothing to compare with: the number alone identified them.
        return true;
    };
    let wanted: String = fold(last_name.trim()).chars().take(4).collect();
    fold(name)
        .split_whitespace()
        .any(|word| word.chars().take(4).collect::<String>() == wanted)
}

fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_lowercase().next().unwrap_or(c) {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// Every path by which something is held, and whether one of them is direct.
fn paths(permissions: &[PermissionDto]) -> (Vec<HeldVia>, bool) {
    let mut via = BTreeSet::new();
    for p in permissions {
        via.extend(paths_of(p));
    }
    let direct = via.contains(&HeldVia::Direct);
    let mut via: Vec<HeldVia> = via.into_iter().collect();
    if via.is_empty() {
        via.push(HeldVia::Other {
            how: "an unstated path".into(),
        });
    }
    (via, direct)
}

/// The paths of one permission, from its reason flags (§3.5).
fn paths_of(p: &PermissionDto) -> Vec<HeldVia> {
    let via = p.via.as_ref().and_then(|v| v.name.clone());
    let role = p
        .via_role
        .as_ref()
        .or(p.role.as_ref())
        .and_then(|r| RoleCode::parse(&r.code).ok());
    let mut out = Vec::new();
    let flag = effective_flag(&p.reason);
    if flag & AccessReason::DIRECT != 0 {
        out.push(HeldVia::Direct);
    }
    if flag & AccessReason::CLIENT_DELEGATION != 0 {
        out.push(HeldVia::ClientDelegation { via: via.clone() });
    }
    if flag & AccessReason::KEY_ROLE != 0 {
        out.push(HeldVia::KeyRole {
            role: role.clone(),
            via: via.clone(),
        });
    }
    if flag & AccessReason::ROLE_MAP != 0 {
        out.push(HeldVia::Role {
            role: role.clone(),
            name: None,
        });
    }
    if flag & AccessReason::PARENT != 0 {
        out.push(HeldVia::Parent { via: via.clone() });
    }
    for item in &p.reason.items {
        if item.name.bit().is_none() {
            out.push(HeldVia::Other {
                how: item.name.as_str().to_owned(),
            });
        }
    }
    out
}

/// The flag, or the bits of the named items when the flag is missing or disagrees: the names
/// are the documented contract, the number an enum's serialisation.
fn effective_flag(reason: &AccessReason) -> u32 {
    let from_items: u32 = reason
        .items
        .iter()
        .filter_map(|i: &tilgang_altinn3_wire::AccessReasonItem| i.name.bit())
        .fold(0, |acc, bit| acc | bit);
    if from_items != 0 {
        from_items
    } else {
        reason.flag
    }
}

fn package_code(urn: &str) -> Option<PackageCode> {
    PackageCode::parse(urn).ok()
}

fn action_of(right: &RightDto) -> Action {
    Action::parse(&right.action.value)
}

fn rights_name(resource: &str, right: &str) -> String {
    if right.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}: {right}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_names_match_on_their_first_four_letters() {
        assert!(last_name_matches(Some("KARI NORDMANN"), "Nordmann"));
        assert!(last_name_matches(Some("KARI NORDMANN"), "nordm"));
        assert!(last_name_matches(Some("Åse Ødegård"), "ØDEGAARD"));
        assert!(!last_name_matches(Some("KARI NORDMANN"), "Hansen"));
        assert!(last_name_matches(None, "Hansen"));
    }

    #[test]
    fn handles_decode_before_anything_is_sent() {
        let access = |handle: &str| HeldAccess {
            grantable: Grantable::package(PackageCode::parse("lonn").unwrap()),
            name: None,
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new(handle)),
        };
        assert!(matches!(
            target_of(&access("package:lonn")),
            Ok(Target::Package(_))
        ));
        assert!(matches!(
            target_of(&access("resource:ttd-hr-rapport:01ab")),
            Ok(Target::ResourceKey(_, _))
        ));
        assert!(matches!(
            target_of(&access("role:utinn")),
            Ok(Target::Role(_))
        ));
        for bad in [
            "right:7",
            "package:",
            "resource:ttd:nothex!",
            "resource:x",
            "nonsense",
        ] {
            assert!(target_of(&access(bad)).is_err(), "{bad}");
        }
    }
}
