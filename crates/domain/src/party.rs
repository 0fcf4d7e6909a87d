//! Parties, shaped for both Altinn generations.
//!
//! - [`PartyRef`]: how a request addresses a party. Altinn 2 uses `my`, an organisation
//!   number or a reportee id (`r…`); Altinn 3 a party UUID; both still carry the legacy
//!   numeric party id. An adapter refuses the forms its API cannot express with a clear
//!   error, before sending anything.
//! - [`PartyQuery`]: how a person or organisation is looked up: fødselsnummer and last name
//!   (both must match), or organisation number (and name, for Altinn 2).
//! - [`Party`]: what a backend found: the kind, the name and every id the server gave.

use std::{fmt, str::FromStr};

use serde::Serialize;

use crate::id::{Fnr, IdError, MaskedSsn, OrgNumber, PartyId, PartyUuid, ReporteeId};

/// Who a delegation operation is about: `{who}` (the party giving rights) or `{receiverId}`
/// (the right holder).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartyRef {
    /// The authenticated party itself (Altinn 2 `my`).
    My,
    /// An organisation by its number.
    Organisation(OrgNumber),
    /// An Altinn 2 reportee id.
    Reportee(ReporteeId),
    /// An Altinn 3 party UUID.
    PartyUuid(PartyUuid),
    /// A legacy numeric party id.
    PartyId(PartyId),
}

impl PartyRef {
    /// Parses `my`, a nine-digit organisation number, an `r…` reportee id or a party UUID.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("my") {
            return Ok(PartyRef::My);
        }
        if s.starts_with(['r', 'R']) {
            return ReporteeId::parse(s).map(PartyRef::Reportee);
        }
        // A UUID has at least 32 characters, so it can never be mistaken for an organisation
        // number; any spelling is accepted (hyphenated, simple, braced, any case).
        if s.len() >= 32
            && let Ok(uuid) = PartyUuid::parse(s)
        {
            return Ok(PartyRef::PartyUuid(uuid));
        }
        OrgNumber::parse(s).map(PartyRef::Organisation)
    }

    /// The text form: `my`, the organisation number, `r…`, the UUID (lower-case, hyphenated)
    /// or the party id.
    pub fn path_segment(&self) -> String {
        match self {
            PartyRef::My => "my".to_owned(),
            PartyRef::Organisation(org) => org.as_str().to_owned(),
            PartyRef::Reportee(id) => id.as_str().to_owned(),
            PartyRef::PartyUuid(uuid) => uuid.to_string(),
            PartyRef::PartyId(id) => id.to_string(),
        }
    }
}

impl fmt::Display for PartyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path_segment())
    }
}

impl FromStr for PartyRef {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A name as Altinn matches it: a person's last name or an organisation's name.
///
/// Accepted: 1 to 255 characters after trimming, without control characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 255;

    /// Parses a name.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let what = "name";
        let t = s.trim();
        if t.is_empty() {
            return Err(IdError::Empty { what });
        }
        if t.chars().count() > Self::MAX_LEN {
            return Err(IdError::TooLong {
                what,
                max: Self::MAX_LEN,
            });
        }
        if t.chars().any(char::is_control) {
            return Err(IdError::Characters {
                what,
                allowed: "printable characters",
            });
        }
        Ok(Name(t.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({:?})", self.0)
    }
}

impl FromStr for Name {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// How a person or organisation is looked up: a person by fødselsnummer and last name (both
/// must match), an organisation by number and name (Altinn 2 checks the name; Altinn 3 needs
/// only the number).
///
/// Deliberately exhaustive: a new way of looking parties up must be handled by every adapter,
/// and the compiler should say where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PartyQuery {
    /// A person.
    Person {
        /// The person's fødselsnummer.
        fnr: Fnr,
        /// The person's last name, as registered.
        last_name: Name,
    },
    /// An organisation.
    Organisation {
        /// The organisation number.
        org: OrgNumber,
        /// The organisation's name.
        name: Name,
    },
}

impl PartyQuery {
    /// A person query from checked parts.
    pub fn person(fnr: Fnr, last_name: Name) -> Self {
        PartyQuery::Person { fnr, last_name }
    }

    /// An organisation query from checked parts.
    pub fn organisation(org: OrgNumber, name: Name) -> Self {
        PartyQuery::Organisation { org, name }
    }

    /// The kind of party asked for.
    pub fn kind(&self) -> PartyKind {
        match self {
            PartyQuery::Person { .. } => PartyKind::Person,
            PartyQuery::Organisation { .. } => PartyKind::Organisation,
        }
    }
}

/// Prints the query with the fødselsnummer masked: `person 268992*****` or
/// `organisation 310000000`.
impl fmt::Display for PartyQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartyQuery::Person { fnr, .. } => write!(f, "person {fnr}"),
            PartyQuery::Organisation { org, .. } => write!(f, "organisation {org}"),
        }
    }
}

crate::text_enum! {
    /// What kind of party a party is.
    PartyKind {
        /// A person.
        Person = "Person",
        /// An organisation (a legal entity or a subunit).
        Organisation = "Organisation" | "Organization" | "Organisasjon" | "Enterprise" | "Business",
        /// A system user: a vendor system acting for an organisation.
        SystemUser = "SystemUser" | "Systembruker",
    }
}

/// A party as a backend found it: its kind, its name and every id the server gave.
///
/// A person's number only ever appears masked. The query that found the party is kept (not
/// serialised), because a backend may need the number and last name again: Altinn 2 names the
/// receiver of a delegation that way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    /// The kind of party.
    pub kind: PartyKind,
    /// The name on record.
    pub name: Option<String>,
    /// A person's fødselsnummer, masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssn: Option<MaskedSsn>,
    /// An organisation's number, as the server printed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_number: Option<String>,
    /// The Altinn 3 party UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_uuid: Option<PartyUuid>,
    /// The legacy numeric party id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_id: Option<PartyId>,
    /// The Altinn 2 reportee id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reportee_id: Option<ReporteeId>,
    /// The query that found this party, if it was found by one.
    #[serde(skip)]
    pub query: Option<PartyQuery>,
}

impl Party {
    /// A party of `kind` with no name and no ids yet.
    pub fn new(kind: PartyKind) -> Self {
        Party {
            kind,
            name: None,
            ssn: None,
            organization_number: None,
            party_uuid: None,
            party_id: None,
            reportee_id: None,
            query: None,
        }
    }

    /// The best reference for addressing this party in a request: the UUID, else the reportee
    /// id, else the party id, else the organisation number.
    pub fn reference(&self) -> Option<PartyRef> {
        if let Some(uuid) = self.party_uuid {
            return Some(PartyRef::PartyUuid(uuid));
        }
        if let Some(id) = &self.reportee_id {
            return Some(PartyRef::Reportee(id.clone()));
        }
        if let Some(id) = self.party_id {
            return Some(PartyRef::PartyId(id));
        }
        self.organization_number
            .as_deref()
            .and_then(|o| OrgNumber::parse(o).ok())
            .map(PartyRef::Organisation)
    }

    /// A short description for messages: the name, or the masked number or organisation
    /// number, or the best id.
    pub fn describe(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        if let Some(ssn) = &self.ssn {
            return ssn.to_string();
        }
        if let Some(org) = &self.organization_number {
            return org.clone();
        }
        self.reference()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "an unnamed party".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(PartyRef::parse("my").unwrap(), PartyRef::My);
        assert!(matches!(
            PartyRef::parse("910437127").unwrap(),
            PartyRef::Organisation(_)
        ));
        assert!(matches!(
            PartyRef::parse("r50828869").unwrap(),
            PartyRef::Reportee(_)
        ));
        assert!(matches!(
            PartyRef::parse("7a1c2d3e-0000-4000-8000-000000000001").unwrap(),
            PartyRef::PartyUuid(_)
        ));
        assert!(PartyRef::parse("12345").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(Name::parse("  HEIS ").unwrap().as_str(), "HEIS");
        assert!(Name::parse("").is_err());
        assert!(Name::parse("a\u{0}b").is_err());
    }
}
