//! References to parties, shaped for both Altinn generations.
//!
//! Altinn 2 addresses a party as `my`, an organisation number or a reportee id (`r…`).
//! Altinn 3 addresses every party by a UUID (see `shared/spec/altinn3.md` §7). [`PartyRef`]
//! carries all of these, so the ports stay the same when the Altinn 3 adapter arrives; an
//! adapter refuses the forms its API cannot express with a clear error.

use std::{fmt, str::FromStr};

use uuid::Uuid;

use crate::id::{Fnr, IdError, OrgNumber, ReporteeId};

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
    PartyUuid(Uuid),
}

impl PartyRef {
    /// Parses `my`, a nine-digit organisation number, an `r…` reportee id or a UUID.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("my") {
            return Ok(PartyRef::My);
        }
        if s.starts_with(['r', 'R']) {
            return ReporteeId::parse(s).map(PartyRef::Reportee);
        }
        if s.len() == 36
            && let Ok(uuid) = Uuid::parse_str(s)
        {
            return Ok(PartyRef::PartyUuid(uuid));
        }
        OrgNumber::parse(s).map(PartyRef::Organisation)
    }

    /// The path segment an Altinn 2 URL uses for this party.
    pub fn path_segment(&self) -> String {
        match self {
            PartyRef::My => "my".to_owned(),
            PartyRef::Organisation(org) => org.as_str().to_owned(),
            PartyRef::Reportee(id) => id.as_str().to_owned(),
            PartyRef::PartyUuid(uuid) => uuid.to_string(),
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

/// What to convert into a reportee: a person (fødselsnummer and last name, both must match)
/// or an organisation (number and name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReporteeQuery {
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
