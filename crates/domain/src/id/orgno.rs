use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{IdError, digits, weighted_mod11};

/// A Norwegian organisation number (organisasjonsnummer): nine digits, the last a mod-11
/// check digit with weights 3, 2, 7, 6, 5, 4, 3, 2.
///
/// ```
/// use tilgang_domain::OrgNumber;
/// let org: OrgNumber = "910437127".parse().unwrap();
/// assert_eq!(org.as_str(), "910437127");
/// assert!("910437128".parse::<OrgNumber>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgNumber([u8; 9]);

const WEIGHTS: [u32; 9] = [3, 2, 7, 6, 5, 4, 3, 2, 1];

impl OrgNumber {
    /// Parses and checks an organisation number.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let d = digits::<9>("organisation number", s)?;
        // With the check digit weighted 1, a valid number sums to 0 modulo 11. A remainder
        // of 10 for the first eight digits means no check digit exists, and no digit fixes that.
        if weighted_mod11(&d, &WEIGHTS) != 0 {
            return Err(IdError::Checksum {
                what: "organisation number",
            });
        }
        let mut ascii = [0u8; 9];
        for (a, v) in ascii.iter_mut().zip(d) {
            *a = b'0' + v;
        }
        Ok(OrgNumber(ascii))
    }

    /// Computes the check digit for eight leading digits, or `None` when the remainder makes
    /// the prefix unusable. Useful for generating test data.
    pub fn check_digit(prefix: [u8; 8]) -> Option<u8> {
        let r = weighted_mod11(&prefix, &WEIGHTS[..8]);
        match r {
            0 => Some(0),
            1 => None,
            r => Some((11 - r) as u8),
        }
    }

    /// The nine digits.
    pub fn as_str(&self) -> &str {
        // The array only ever holds ASCII digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for OrgNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgNumber({})", self.as_str())
    }
}

impl FromStr for OrgNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for OrgNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrgNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_numbers() {
        assert!(OrgNumber::parse("910437127").is_ok());
        assert!(OrgNumber::parse("991825827").is_ok());
        // The Altinn docs' placeholder numbers fail the checksum; the codec keeps them as text.
        assert!(OrgNumber::parse("912345678").is_err());
        assert!(OrgNumber::parse("812345679").is_err());
    }

    #[test]
    fn refuses_bad_shapes() {
        assert!(matches!(
            OrgNumber::parse("91043712"),
            Err(IdError::Length { .. })
        ));
        assert!(matches!(
            OrgNumber::parse("91043712a"),
            Err(IdError::Characters { .. })
        ));
        assert!(matches!(
            OrgNumber::parse("９10437127"),
            Err(IdError::Length { .. }) | Err(IdError::Characters { .. })
        ));
    }

    #[test]
    fn check_digit_agrees_with_parse() {
        assert_eq!(OrgNumber::check_digit([9, 1, 0, 4, 3, 7, 1, 2]), Some(7));
    }
}
