use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::IdError;

/// An Altinn 2 reportee id: `r` followed by digits, e.g. `r50828869`.
///
/// It names a party (person, organisation or enterprise user) in Altinn 2 and can be used as
/// `{who}` or `{receiverId}` in delegation paths. An upper-case `R` is accepted and normalised.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReporteeId(String);

impl ReporteeId {
    /// The longest number of digits accepted. Real ids have eight; this leaves room to grow
    /// while keeping the value inside an `i64`.
    pub const MAX_DIGITS: usize = 18;

    /// Parses a reportee id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let what = "ReporteeId";
        let rest =
            s.strip_prefix('r')
                .or_else(|| s.strip_prefix('R'))
                .ok_or(IdError::Characters {
                    what,
                    allowed: "'r' followed by digits",
                })?;
        if rest.is_empty() {
            return Err(IdError::Empty { what });
        }
        if rest.len() > Self::MAX_DIGITS {
            return Err(IdError::TooLong {
                what,
                max: Self::MAX_DIGITS + 1,
            });
        }
        if !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Characters {
                what,
                allowed: "'r' followed by digits",
            });
        }
        Ok(ReporteeId(format!("r{rest}")))
    }

    /// Builds the id for a party number.
    pub fn from_number(n: u64) -> Self {
        ReporteeId(format!("r{n}"))
    }

    /// The id as sent on the wire, e.g. `r50828869`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number after the `r`.
    pub fn number(&self) -> u64 {
        self.0[1..].parse().unwrap_or_default()
    }
}

impl fmt::Display for ReporteeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ReporteeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReporteeId({})", self.0)
    }
}

impl FromStr for ReporteeId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ReporteeId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ReporteeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(ReporteeId::parse("r50828869").unwrap().number(), 50828869);
        assert_eq!(ReporteeId::parse("R1").unwrap().as_str(), "r1");
        for bad in ["", "r", "50828869", "r-1", "r12a", "r1234567890123456789"] {
            assert!(ReporteeId::parse(bad).is_err(), "{bad}");
        }
    }
}
