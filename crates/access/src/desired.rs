//! The desired-state file: per organisation, who should hold what.
//!
//! The file is TOML (an annotated example is in `docs/access-as-code.md`). It is read into
//! checked types once ([`DesiredState::from_toml`]): every fødselsnummer, organisation number,
//! package code, resource id, service code and action is parsed here, so a bad value is
//! refused, with the entry it is in, before anything is read from or sent to Altinn.
//!
//! A right holder is named in one of these ways:
//!
//! - `fnr` and `last_name`: a person by full fødselsnummer. Needed to make a person a right
//!   holder who is not one yet.
//! - `ssn` (masked, `268992*****`) with `party` or `last_name`: a person who already is a right
//!   holder, as [`DesiredState::to_toml`] exports them. Such an entry can keep or change what
//!   an existing right holder holds, but never adds a new one.
//! - `organisation` (and `name`, which Altinn 2 checks): an organisation by number.
//! - `party` alone: any existing right holder by the id Altinn gave it (a party UUID, an
//!   Altinn 2 reportee id `r…` or a numeric party id), e.g. a system user.
//!
//! `party` may accompany any of them to say exactly which right holder is meant.
//!
//! The file holds personal numbers; nothing here prints one in full: [`Fnr`] masks itself, and
//! [`DesiredState::to_toml`] writes only masked numbers.

use std::{collections::BTreeSet, fmt};

use serde::Deserialize;
use tilgang_domain::{
    Action, Fnr, Grantable, IdError, MaskedSsn, Name, OrgNumber, PackageCode, Party, PartyId,
    PartyKind, PartyQuery, PartyRef, ResourceId, ResourceRight, RoleCode, ServiceCode,
    ServiceEditionCode, ServiceRight,
};

/// Who should hold what, for every organisation in the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DesiredState {
    /// One entry per organisation, in file order.
    pub organisations: Vec<DesiredOrg>,
}

/// Who should hold what from one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredOrg {
    /// The organisation that gives the accesses.
    pub org: OrgNumber,
    /// The right holders it should have, in file order.
    pub holders: Vec<DesiredHolder>,
}

/// One right holder and everything they should hold directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredHolder {
    /// Who.
    pub who: HolderId,
    /// What they should hold directly (sorted, distinct).
    pub grantables: BTreeSet<Grantable>,
}

/// How the file names a right holder.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HolderId {
    /// A person by full fødselsnummer and last name: can be made a right holder.
    Person {
        /// The fødselsnummer (masked in every output).
        fnr: Fnr,
        /// The last name, as registered.
        last_name: Name,
        /// Which right holder exactly, when given.
        party: Option<PartyRef>,
    },
    /// A person who already is a right holder, by masked number and a last name or an id.
    KnownPerson {
        /// The masked fødselsnummer.
        ssn: MaskedSsn,
        /// The last name, when given.
        last_name: Option<Name>,
        /// The name on record (informational; exported for readers of the file).
        name: Option<String>,
        /// Which right holder exactly, when given.
        party: Option<PartyRef>,
    },
    /// An organisation by number.
    Organisation {
        /// The organisation number.
        org: OrgNumber,
        /// Its name (Altinn 2 checks it when delegating).
        name: Option<Name>,
        /// Which right holder exactly, when given.
        party: Option<PartyRef>,
    },
    /// Any existing right holder by the id Altinn gave it.
    Party {
        /// The id.
        party: PartyRef,
        /// The name on record (informational).
        name: Option<String>,
    },
}

impl fmt::Debug for HolderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Display masks the number; Debug says the same.
        write!(f, "HolderId({self})")
    }
}

/// Prints the holder with the fødselsnummer masked: `person 268992***** HEIS`.
impl fmt::Display for HolderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HolderId::Person { fnr, last_name, .. } => write!(f, "person {fnr} {last_name}"),
            HolderId::KnownPerson {
                ssn,
                last_name,
                name,
                party,
            } => {
                write!(f, "person {ssn}")?;
                if let Some(n) = last_name {
                    write!(f, " {n}")?;
                } else if let Some(n) = name {
                    write!(f, " {n}")?;
                }
                if let Some(p) = party {
                    write!(f, " ({p})")?;
                }
                Ok(())
            }
            HolderId::Organisation { org, .. } => write!(f, "organisation {org}"),
            HolderId::Party { party, name } => match name {
                Some(n) => write!(f, "party {party} ({n})"),
                None => write!(f, "party {party}"),
            },
        }
    }
}

impl HolderId {
    /// The id the file gives for the exact right holder, if any.
    pub fn party(&self) -> Option<&PartyRef> {
        match self {
            HolderId::Person { party, .. }
            | HolderId::KnownPerson { party, .. }
            | HolderId::Organisation { party, .. } => party.as_ref(),
            HolderId::Party { party, .. } => Some(party),
        }
    }

    /// The query that makes this holder a right holder or names them to Altinn 2; `None` for
    /// an entry that can only match an existing right holder. `fallback_name` is used for an
    /// organisation whose entry has no name (the name on record).
    pub fn query(&self, fallback_name: Option<&str>) -> Option<PartyQuery> {
        match self {
            HolderId::Person { fnr, last_name, .. } => {
                Some(PartyQuery::person(*fnr, last_name.clone()))
            }
            HolderId::Organisation { org, name, .. } => {
                let name = name
                    .clone()
                    .or_else(|| fallback_name.and_then(|n| Name::parse(n).ok()))
                    // Altinn 3 needs only the number; the placeholder is never compared there.
                    .unwrap_or_else(|| Name::parse(org.as_str()).expect("digits are a name"));
                Some(PartyQuery::organisation(*org, name))
            }
            HolderId::KnownPerson { .. } | HolderId::Party { .. } => None,
        }
    }

    /// The one key a right holder this entry names must have among its
    /// [`candidate_keys`]: an index by these keys finds every holder [`HolderId::matches`]
    /// could accept without comparing the entry with every right holder. `None` when the entry
    /// can match nobody.
    pub(crate) fn candidate_key(&self) -> Option<String> {
        if let Some(id) = self.party() {
            return party_ref_key(id);
        }
        match self {
            HolderId::Person { fnr, .. } => Some(format!("ssn:{}", MaskedSsn::from(fnr))),
            HolderId::KnownPerson { ssn, .. } => Some(format!("ssn:{ssn}")),
            HolderId::Organisation { org, .. } => Some(format!("org:{org}")),
            HolderId::Party { .. } => None,
        }
    }

    /// Whether `party` (a current right holder) is the one this entry names.
    pub fn matches(&self, party: &Party) -> bool {
        if let Some(id) = self.party() {
            return same_party(id, party);
        }
        match self {
            HolderId::Person { fnr, last_name, .. } => {
                party.kind == PartyKind::Person
                    && party.ssn.as_ref().is_some_and(|s| s.matches(fnr))
                    && last_name_matches(party.name.as_deref(), last_name.as_str())
            }
            HolderId::KnownPerson { ssn, last_name, .. } => {
                party.kind == PartyKind::Person
                    && party.ssn.as_ref() == Some(ssn)
                    && last_name
                        .as_ref()
                        .is_some_and(|l| last_name_matches(party.name.as_deref(), l.as_str()))
            }
            HolderId::Organisation { org, .. } => {
                party.organization_number.as_deref() == Some(org.as_str())
            }
            HolderId::Party { .. } => false,
        }
    }

    /// A stable key for this holder within its organisation: the same for the same entry on
    /// every run, and free of personal numbers (a masked number and the last name).
    pub fn key(&self) -> String {
        match self {
            HolderId::Person { fnr, last_name, .. } => {
                format!(
                    "person:{}:{}",
                    fnr.masked(),
                    last_name.as_str().to_uppercase()
                )
            }
            HolderId::KnownPerson {
                ssn,
                last_name,
                party,
                ..
            } => match (party, last_name) {
                (Some(p), _) => format!("party:{p}"),
                (None, Some(l)) => format!("person:{ssn}:{}", l.as_str().to_uppercase()),
                (None, None) => format!("person:{ssn}"),
            },
            HolderId::Organisation { org, .. } => format!("org:{org}"),
            HolderId::Party { party, .. } => format!("party:{party}"),
        }
    }
}

/// Whether the id `id` names `party`: any of the ids the backend gave it is equal.
fn party_ref_key(id: &PartyRef) -> Option<String> {
    match id {
        PartyRef::PartyUuid(u) => Some(format!("uuid:{u}")),
        PartyRef::Reportee(r) => Some(format!("reportee:{r}")),
        PartyRef::PartyId(p) => Some(format!("partyid:{p}")),
        PartyRef::Organisation(o) => Some(format!("org:{o}")),
        _ => None,
    }
}

/// Every key under which an index must list `party` for [`HolderId::candidate_key`]: one per
/// id it has.
pub(crate) fn candidate_keys(party: &Party) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(u) = party.party_uuid {
        keys.push(format!("uuid:{u}"));
    }
    if let Some(r) = &party.reportee_id {
        keys.push(format!("reportee:{r}"));
    }
    if let Some(p) = party.party_id {
        keys.push(format!("partyid:{p}"));
    }
    if let Some(o) = &party.organization_number {
        keys.push(format!("org:{o}"));
    }
    if let Some(s) = &party.ssn {
        keys.push(format!("ssn:{s}"));
    }
    keys
}

pub(crate) fn same_party(id: &PartyRef, party: &Party) -> bool {
    match id {
        PartyRef::PartyUuid(u) => party.party_uuid == Some(*u),
        PartyRef::Reportee(r) => party.reportee_id.as_ref() == Some(r),
        PartyRef::PartyId(p) => party.party_id == Some(*p),
        PartyRef::Organisation(o) => party.organization_number.as_deref() == Some(o.as_str()),
        _ => false,
    }
}

/// Whether a last name matches a name on record the way Altinn matches it: the first four
/// characters, without regard to case, compared with the start of any word of the name (a
/// listing gives the full name, in either order).
pub(crate) fn last_name_matches(name_on_record: Option<&str>, last_name: &str) -> bool {
    let Some(name) = name_on_record else {
        return false;
    };
    let wanted: String = last_name.trim().to_lowercase().chars().take(4).collect();
    name.to_lowercase()
        .split_whitespace()
        .any(|word| word.chars().take(4).collect::<String>() == wanted)
}

/// Why a desired-state file was refused. Nothing was read or sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DesiredError {
    /// The text is not TOML of the expected shape.
    #[error("the file is not a valid access file: {message}")]
    Syntax {
        /// What the TOML parser said (it names the line, never echoes a whole number).
        message: String,
    },
    /// A value in an entry is invalid.
    #[error("{entry}: invalid {what}")]
    Invalid {
        /// Which entry, e.g. `org 310000000, holder 3`.
        entry: String,
        /// Which value.
        what: &'static str,
        /// What is wrong with it.
        #[source]
        reason: IdError,
    },
    /// An entry does not say who, or says it in two ways.
    #[error("{entry}: {message}")]
    Shape {
        /// Which entry.
        entry: String,
        /// What is wrong.
        message: String,
    },
    /// One right holder is named twice within an organisation.
    #[error("{entry}: {holder} is listed twice for organisation {org}; merge the two entries")]
    Duplicate {
        /// Which entry.
        entry: String,
        /// Who, masked.
        holder: String,
        /// The organisation.
        org: String,
    },
}

/// The file as written, before checking.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    org: Vec<RawOrg>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrg {
    number: String,
    #[serde(default)]
    holder: Vec<RawHolder>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHolder {
    fnr: Option<String>,
    ssn: Option<String>,
    last_name: Option<String>,
    organisation: Option<String>,
    name: Option<String>,
    party: Option<String>,
    #[serde(default)]
    packages: Vec<String>,
    #[serde(default)]
    resources: Vec<RawResource>,
    #[serde(default)]
    services: Vec<RawService>,
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    id: String,
    actions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    code: String,
    edition: u32,
    actions: Vec<String>,
}

impl DesiredState {
    /// Reads and checks a desired-state file.
    pub fn from_toml(text: &str) -> Result<DesiredState, DesiredError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| DesiredError::Syntax {
            // The parser quotes the offending line; an 11-digit run in it is masked so that a
            // typo'd fødselsnummer is not echoed.
            message: mask_digit_runs(&e.to_string()),
        })?;
        let mut organisations = Vec::with_capacity(raw.org.len());
        for (i, o) in raw.org.into_iter().enumerate() {
            let entry = format!("org entry {}", i + 1);
            let org =
                OrgNumber::parse(o.number.trim()).map_err(|reason| DesiredError::Invalid {
                    entry: entry.clone(),
                    what: "organisation number",
                    reason,
                })?;
            let mut holders: Vec<DesiredHolder> = Vec::with_capacity(o.holder.len());
            for (j, h) in o.holder.into_iter().enumerate() {
                let entry = format!("org {org}, holder entry {}", j + 1);
                let holder = check_holder(&entry, h)?;
                if holders
                    .iter()
                    .any(|other| other.who.key() == holder.who.key())
                {
                    return Err(DesiredError::Duplicate {
                        entry,
                        holder: holder.who.to_string(),
                        org: org.to_string(),
                    });
                }
                holders.push(holder);
            }
            if let Some(existing) = organisations
                .iter_mut()
                .find(|d: &&mut DesiredOrg| d.org == org)
            {
                return Err(DesiredError::Shape {
                    entry,
                    message: format!(
                        "organisation {} is listed twice; merge the two entries",
                        existing.org
                    ),
                });
            }
            organisations.push(DesiredOrg { org, holders });
        }
        Ok(DesiredState { organisations })
    }

    /// The organisation numbers in the file, in file order.
    pub fn orgs(&self) -> Vec<OrgNumber> {
        self.organisations.iter().map(|o| o.org).collect()
    }

    /// Writes the state as a desired-state file. Persons are written with their masked number,
    /// the name on record and their party id (never a full fødselsnummer), so the file can
    /// be read back and matched to the same right holders.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Who should hold what, per organisation (see docs/access-as-code.md).\n\
             # Exported persons are named by masked number and party id; to add a new person,\n\
             # write `fnr` and `last_name` instead.\n",
        );
        for org in &self.organisations {
            out.push_str(&format!(
                "\n[[org]]\nnumber = {}\n",
                quote(org.org.as_str())
            ));
            for h in &org.holders {
                out.push_str("\n[[org.holder]]\n");
                write_holder(&mut out, h);
            }
        }
        out
    }
}

fn write_holder(out: &mut String, h: &DesiredHolder) {
    let line = |out: &mut String, key: &str, value: &str| {
        out.push_str(&format!("{key} = {}\n", quote(value)));
    };
    match &h.who {
        HolderId::Person {
            fnr,
            last_name,
            party,
        } => {
            // Never the full number: an export is an output like any other.
            line(out, "ssn", &fnr.masked());
            line(out, "last_name", last_name.as_str());
            if let Some(p) = party {
                line(out, "party", &p.to_string());
            }
        }
        HolderId::KnownPerson {
            ssn,
            last_name,
            name,
            party,
        } => {
            line(out, "ssn", ssn.as_str());
            if let Some(l) = last_name {
                line(out, "last_name", l.as_str());
            }
            if let Some(n) = name {
                line(out, "name", n);
            }
            if let Some(p) = party {
                line(out, "party", &p.to_string());
            }
        }
        HolderId::Organisation { org, name, party } => {
            line(out, "organisation", org.as_str());
            if let Some(n) = name {
                line(out, "name", n.as_str());
            }
            if let Some(p) = party {
                line(out, "party", &p.to_string());
            }
        }
        HolderId::Party { party, name } => {
            line(out, "party", &party.to_string());
            if let Some(n) = name {
                line(out, "name", n);
            }
        }
    }
    let mut packages = Vec::new();
    let mut roles = Vec::new();
    let mut resources: Vec<(String, Vec<String>)> = Vec::new();
    let mut services: Vec<(String, u32, Vec<String>)> = Vec::new();
    for g in &h.grantables {
        match g {
            Grantable::Package { package } => packages.push(quote(package.as_str())),
            Grantable::Role { role } => roles.push(quote(&role.upper())),
            Grantable::ResourceRight(r) => {
                let action = r.action.as_str().to_ascii_lowercase();
                match resources
                    .iter_mut()
                    .find(|(id, _)| id == r.resource.as_str())
                {
                    Some((_, actions)) => actions.push(action),
                    None => resources.push((r.resource.as_str().to_owned(), vec![action])),
                }
            }
            Grantable::ServiceRight(s) => {
                let code = s.service_code.to_string();
                let edition = s.service_edition.get();
                let action = s.action.as_str().to_owned();
                match services
                    .iter_mut()
                    .find(|(c, e, _)| *c == code && *e == edition)
                {
                    Some((_, _, actions)) => actions.push(action),
                    None => services.push((code, edition, vec![action])),
                }
            }
            // Nothing else can be written in the file; the exporter leaves it out.
            _ => {}
        }
    }
    let list = |items: &[String]| {
        items
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !packages.is_empty() {
        out.push_str(&format!("packages = [{}]\n", packages.join(", ")));
    }
    if !resources.is_empty() {
        out.push_str("resources = [\n");
        for (id, actions) in &resources {
            out.push_str(&format!(
                "  {{ id = {}, actions = [{}] }},\n",
                quote(id),
                list(actions)
            ));
        }
        out.push_str("]\n");
    }
    if !services.is_empty() {
        out.push_str("services = [\n");
        for (code, edition, actions) in &services {
            out.push_str(&format!(
                "  {{ code = {}, edition = {edition}, actions = [{}] }},\n",
                quote(code),
                list(actions)
            ));
        }
        out.push_str("]\n");
    }
    if !roles.is_empty() {
        out.push_str(&format!("roles = [{}]\n", roles.join(", ")));
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Replaces every run of eleven or more digits with its first six and `*****`.
fn mask_digit_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 11 {
            out.push_str(&MaskedSsn::new(run).to_string());
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn check_holder(entry: &str, h: RawHolder) -> Result<DesiredHolder, DesiredError> {
    let invalid = |what: &'static str| {
        let entry = entry.to_owned();
        move |reason: IdError| DesiredError::Invalid {
            entry,
            what,
            reason,
        }
    };
    let shape = |message: &str| DesiredError::Shape {
        entry: entry.to_owned(),
        message: message.to_owned(),
    };
    let party = h
        .party
        .as_deref()
        .map(|p| parse_party(p).map_err(invalid("party id")))
        .transpose()?;
    let last_name = h
        .last_name
        .as_deref()
        .map(|l| Name::parse(l).map_err(invalid("last name")))
        .transpose()?;
    let who = match (&h.fnr, &h.ssn, &h.organisation) {
        (Some(fnr), None, None) => {
            let fnr = Fnr::parse(fnr.trim()).map_err(invalid("fødselsnummer"))?;
            let last_name = last_name.ok_or_else(|| {
                shape("a person given by `fnr` needs `last_name` (Altinn matches both)")
            })?;
            HolderId::Person {
                fnr,
                last_name,
                party,
            }
        }
        (None, Some(ssn), None) => {
            let ssn = check_masked(ssn).map_err(invalid("masked fødselsnummer (`ssn`)"))?;
            if party.is_none() && last_name.is_none() {
                return Err(shape(
                    "a person given by a masked `ssn` needs `party` or `last_name` to say which right holder is meant",
                ));
            }
            HolderId::KnownPerson {
                ssn,
                last_name,
                name: h.name.clone(),
                party,
            }
        }
        (None, None, Some(org)) => {
            let org = OrgNumber::parse(org.trim()).map_err(invalid("organisation number"))?;
            let name = h
                .name
                .as_deref()
                .map(|n| Name::parse(n).map_err(invalid("organisation name")))
                .transpose()?;
            HolderId::Organisation { org, name, party }
        }
        (None, None, None) => match party {
            Some(party) => HolderId::Party {
                party,
                name: h.name.clone(),
            },
            None => {
                return Err(shape(
                    "say who: `fnr` and `last_name`, `ssn`, `organisation` or `party`",
                ));
            }
        },
        _ => {
            return Err(shape(
                "give only one of `fnr`, `ssn` and `organisation` per entry",
            ));
        }
    };
    let mut grantables = BTreeSet::new();
    for p in &h.packages {
        let package = PackageCode::parse(p).map_err(invalid("access package"))?;
        grantables.insert(Grantable::package(package));
    }
    for r in &h.resources {
        let resource = ResourceId::parse(&r.id).map_err(invalid("resource id"))?;
        if r.actions.is_empty() {
            return Err(shape("a resource needs at least one action"));
        }
        for a in &r.actions {
            let action = Action::checked(a).map_err(invalid("action"))?;
            grantables.insert(Grantable::ResourceRight(ResourceRight {
                resource: resource.clone(),
                action,
            }));
        }
    }
    for s in &h.services {
        let code = ServiceCode::parse(s.code.trim()).map_err(invalid("service code"))?;
        let edition = ServiceEditionCode::new(s.edition).map_err(invalid("service edition"))?;
        if s.actions.is_empty() {
            return Err(shape("a service needs at least one action"));
        }
        for a in &s.actions {
            let action = Action::checked(a).map_err(invalid("action"))?;
            let right =
                ServiceRight::new(code.clone(), edition, action).map_err(invalid("action"))?;
            grantables.insert(Grantable::ServiceRight(right));
        }
    }
    for r in &h.roles {
        let role = RoleCode::parse(r).map_err(invalid("role code"))?;
        grantables.insert(Grantable::role(role));
    }
    Ok(DesiredHolder { who, grantables })
}

/// A party id as the file writes it: a party UUID, `r…`, an organisation number, or the
/// numeric party id.
fn parse_party(s: &str) -> Result<PartyRef, IdError> {
    PartyRef::parse(s).or_else(|e| PartyId::parse(s).map(PartyRef::PartyId).map_err(|_| e))
}

/// A masked number as exported: six digits and `*****`.
fn check_masked(s: &str) -> Result<MaskedSsn, IdError> {
    let t = s.trim();
    let ok = t.len() == 11 && t[..6].bytes().all(|b| b.is_ascii_digit()) && &t[6..] == "*****";
    if ok {
        Ok(MaskedSsn::new(t))
    } else {
        Err(IdError::Characters {
            what: "masked fødselsnummer",
            allowed: "six digits followed by ***** (a full number goes in `fnr`)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FNR: &str = "26899299344";

    #[test]
    fn reads_every_kind_of_holder_and_grantable() {
        let text = r#"
            [[org]]
            number = "310000000"

            [[org.holder]]
            fnr = "26899299344"
            last_name = "HEIS"
            packages = ["lonn", "urn:altinn:accesspackage:sykefravaer"]
            resources = [{ id = "ttd-hr-rapport", actions = ["read", "write"] }]

            [[org.holder]]
            organisation = "910437127"
            name = "REGNSKAP AS"
            services = [{ code = "4864", edition = 1, actions = ["Read", "write"] }]

            [[org.holder]]
            ssn = "268992*****"
            party = "r50828870"
            roles = ["UTINN"]

            [[org.holder]]
            party = "7a1c2d3e-0000-4000-8000-000000000001"
        "#;
        let state = DesiredState::from_toml(text).unwrap();
        let org = &state.organisations[0];
        assert_eq!(org.holders.len(), 4);
        assert_eq!(org.holders[0].grantables.len(), 4);
        assert_eq!(org.holders[1].grantables.len(), 2);
        assert!(matches!(org.holders[2].who, HolderId::KnownPerson { .. }));
        assert!(matches!(org.holders[3].who, HolderId::Party { .. }));
        let debug = format!("{state:?}");
        assert!(!debug.contains(FNR), "{debug}");
    }

    #[test]
    fn refuses_bad_values_without_echoing_the_number() {
        let bad = r#"
            [[org]]
            number = "310000000"
            [[org.holder]]
            fnr = "26899299345"
            last_name = "HEIS"
        "#;
        let err = DesiredState::from_toml(bad).unwrap_err();
        assert!(
            matches!(
                err,
                DesiredError::Invalid {
                    what: "fødselsnummer",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!format!("{err} {err:?}").contains("26899299345"));

        let syntax = "[[org]]\nnumber = 26899299345\n";
        let err = DesiredState::from_toml(syntax).unwrap_err().to_string();
        assert!(!err.contains("26899299345"), "{err}");

        for (text, needle) in [
            (
                "[[org]]\nnumber=\"310000000\"\n[[org.holder]]\nfnr=\"26899299344\"\n",
                "last_name",
            ),
            (
                "[[org]]\nnumber=\"310000000\"\n[[org.holder]]\npackages=[\"lonn\"]\n",
                "say who",
            ),
            (
                "[[org]]\nnumber=\"310000000\"\n[[org.holder]]\nssn=\"268992*****\"\n",
                "party",
            ),
            (
                "[[org]]\nnumber=\"310000000\"\n[[org.holder]]\nssn=\"26899299344\"\nparty=\"r1\"\n",
                "masked",
            ),
            (
                "[[org]]\nnumber=\"310000000\"\n[[org.holder]]\norganisation=\"910437127\"\nfnr=\"26899299344\"\nlast_name=\"X\"\n",
                "only one",
            ),
            (
                "[[org]]\nnumber=\"310000000\"\n[[org.holder]]\norganisation=\"910437127\"\n[[org.holder]]\norganisation=\"910437127\"\n",
                "twice",
            ),
            ("[[org]]\nnumber=\"310000000\"\nfoo=1\n", "unknown field"),
        ] {
            let err = DesiredError::to_string(&DesiredState::from_toml(text).unwrap_err());
            let chain = format!("{err} {:?}", DesiredState::from_toml(text).unwrap_err());
            assert!(chain.contains(needle), "{needle}: {chain}");
            assert!(!err.contains(FNR), "{err}");
        }
    }

    #[test]
    fn exports_round_trip_without_full_numbers() {
        let mut state = DesiredState::from_toml(
            r#"
            [[org]]
            number = "310000000"
            [[org.holder]]
            fnr = "26899299344"
            last_name = "HEIS"
            party = "r50828869"
            packages = ["lonn"]
            services = [{ code = "4864", edition = 1, actions = ["Read", "Write"] }]
            resources = [{ id = "ttd-hr-rapport", actions = ["read"] }]
            roles = ["utinn"]
            [[org.holder]]
            organisation = "910437127"
            name = "REGNSKAP \"AS\""
            "#,
        )
        .unwrap();
        let text = state.to_toml();
        assert!(!text.contains(FNR), "{text}");
        let back = DesiredState::from_toml(&text).unwrap();
        // The person comes back as a known right holder, by masked number and party id.
        let HolderId::KnownPerson { ssn, party, .. } = &back.organisations[0].holders[0].who else {
            panic!("{back:?}");
        };
        assert_eq!(ssn.as_str(), "268992*****");
        assert_eq!(party.as_ref().unwrap().to_string(), "r50828869");
        state.organisations[0].holders[0].who = back.organisations[0].holders[0].who.clone();
        assert_eq!(back, state);
    }

    /// The annotated example in the documentation is a valid file.
    #[test]
    fn the_documented_example_reads() {
        let doc = include_str!("../../../docs/access-as-code.md");
        let start = doc.find("```toml\n").expect("a TOML example") + "```toml\n".len();
        let end = start + doc[start..].find("```").expect("the example ends");
        let state = DesiredState::from_toml(&doc[start..end]).unwrap();
        assert_eq!(state.organisations[0].holders.len(), 4);
    }

    #[test]
    fn persons_match_on_masked_number_and_last_name_or_party_id() {
        let who = HolderId::Person {
            fnr: Fnr::parse(FNR).unwrap(),
            last_name: Name::parse("Heis").unwrap(),
            party: None,
        };
        let mut party = Party::new(PartyKind::Person);
        party.ssn = Some(MaskedSsn::new(FNR));
        party.name = Some("TOM HEIS".into());
        assert!(who.matches(&party));
        party.name = Some("TOM HANSEN".into());
        assert!(!who.matches(&party));
        let by_id = HolderId::Party {
            party: parse_party("50828869").unwrap(),
            name: None,
        };
        party.party_id = Some(PartyId::new(50_828_869).unwrap());
        assert!(by_id.matches(&party));
        assert!(!who.key().contains(FNR));
    }
}
