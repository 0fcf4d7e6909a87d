use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{IdError, digits, weighted_mod11};

/// A Norwegian national identity number (fødselsnummer) of eleven digits, `DDMMYY` + a
/// three-digit individual number + two mod-11 check digits.
///
/// Accepted kinds (see [`FnrKind`]): ordinary numbers, D-numbers (day + 40), H-numbers
/// (month + 40) and synthetic test numbers from the Norwegian test registries such as Tenor
/// (month + 80), and their combinations. Both the classic check-digit rule and the rule for
/// numbers issued from 1 January 2032 are accepted (see [`FnrCheckRule`]).
///
/// The number is personal data: `Display` and `Debug` print only the first six digits followed
/// by `*****`. Use [`Fnr::expose`] where the full number must go on the wire.
///
/// ```
/// use tilgang_domain::{Fnr, FnrKind};
/// let fnr: Fnr = "26899299344".parse().unwrap();
/// assert_eq!(fnr.to_string(), "268992*****");
/// assert_eq!(fnr.kind(), FnrKind::Synthetic);
/// assert_eq!(fnr.expose(), "26899299344");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fnr([u8; 11]);

/// What kind of fødselsnummer a number is, read from its date offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FnrKind {
    /// An ordinary fødselsnummer.
    Ordinary,
    /// A D-number (day + 40), given to people who are not resident.
    DNumber,
    /// An H-number (month + 40), a help number used internally (e.g. by health services and
    /// NAV's synthetic data).
    HNumber,
    /// A synthetic test number from the test registries (month + 80), as used in Tenor,
    /// Maskinporten TEST and Altinn TT02.
    Synthetic,
    /// A synthetic D-number (day + 40 and month + 80).
    SyntheticDNumber,
}

/// Which check-digit rule a number satisfies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FnrCheckRule {
    /// The rule in force before 2032: the first control sum leaves remainder 0.
    Classic,
    /// The rule for numbers issued from 1 January 2032: the first control sum may leave
    /// remainder 0, 1, 2 or 3 (Skatteetaten, "Nytt fødselsnummer fra 2032"). The second check
    /// digit is computed as before.
    From2032,
}

const K1_WEIGHTS: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const K2_WEIGHTS: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

impl Fnr {
    /// Parses and checks a fødselsnummer.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let d = digits::<11>("fødselsnummer", s)?;
        Self::check_date(&d)?;
        // The first control sum includes k1 with weight 1; from 2032 it may leave 0..=3.
        if weighted_mod11(&d[..10], &K1_WEIGHTS) > 3 {
            return Err(IdError::Checksum {
                what: "fødselsnummer",
            });
        }
        if weighted_mod11(&d, &K2_WEIGHTS) != 0 {
            return Err(IdError::Checksum {
                what: "fødselsnummer",
            });
        }
        let mut ascii = [0u8; 11];
        for (a, v) in ascii.iter_mut().zip(d) {
            *a = b'0' + v;
        }
        Ok(Fnr(ascii))
    }

    fn check_date(d: &[u8; 11]) -> Result<(), IdError> {
        let mut day = d[0] * 10 + d[1];
        let mut month = d[2] * 10 + d[3];
        if day > 40 {
            day -= 40;
        }
        if month > 80 {
            month -= 80;
        } else if month > 40 {
            month -= 40;
        }
        // The century is not knowable from the number alone (and from 2032 the individual
        // number no longer tells it), so 29 February is always allowed.
        let max_day = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 => 29,
            _ => return Err(IdError::Date),
        };
        if day == 0 || day > max_day {
            return Err(IdError::Date);
        }
        Ok(())
    }

    /// The kind of number, read from the date offsets.
    pub fn kind(&self) -> FnrKind {
        let day_tens = self.0[0] - b'0';
        let month = (self.0[2] - b'0') * 10 + (self.0[3] - b'0');
        let d_number = day_tens >= 4;
        match (d_number, month) {
            (true, m) if m > 80 => FnrKind::SyntheticDNumber,
            (false, m) if m > 80 => FnrKind::Synthetic,
            (true, _) => FnrKind::DNumber,
            (false, m) if m > 40 => FnrKind::HNumber,
            _ => FnrKind::Ordinary,
        }
    }

    /// The check-digit rule this number satisfies. A number that satisfies the classic rule
    /// reports [`FnrCheckRule::Classic`].
    pub fn check_rule(&self) -> FnrCheckRule {
        let mut d = [0u8; 10];
        for (v, a) in d.iter_mut().zip(&self.0) {
            *v = a - b'0';
        }
        if weighted_mod11(&d, &K1_WEIGHTS) == 0 {
            FnrCheckRule::Classic
        } else {
            FnrCheckRule::From2032
        }
    }

    /// Computes the two check digits for nine leading digits under the classic rule, or `None`
    /// when either would be 10 (such individual numbers are never issued). For test data.
    pub fn check_digits(prefix: [u8; 9]) -> Option<[u8; 2]> {
        Self::check_digits_with_remainder(prefix, 0)
    }

    /// Computes the check digits so that the first control sum leaves `remainder` (0 for the
    /// classic rule, 0..=3 under the 2032 rule). For test data.
    pub fn check_digits_with_remainder(prefix: [u8; 9], remainder: u32) -> Option<[u8; 2]> {
        let s1 = weighted_mod11(&prefix, &K1_WEIGHTS[..9]);
        let k1 = (remainder + 11 - s1) % 11;
        if k1 == 10 {
            return None;
        }
        let mut ten = [0u8; 10];
        ten[..9].copy_from_slice(&prefix);
        ten[9] = k1 as u8;
        let s2 = weighted_mod11(&ten, &K2_WEIGHTS[..10]);
        let k2 = (11 - s2) % 11;
        if k2 == 10 {
            return None;
        }
        Some([k1 as u8, k2 as u8])
    }

    /// A synthetic test number (month + 80, as the test registries issue them) for a date and
    /// an individual number, with check digits by the classic rule; `None` when the date is
    /// not a date, the individual number is over 999, or no check digits exist for it (about
    /// one individual number in six).
    ///
    /// Test fixtures, load generators and the mock server's worlds build their people with it.
    ///
    /// ```
    /// use tilgang_domain::{Fnr, FnrKind};
    /// let fnr = Fnr::synthetic(26, 9, 92, 993).unwrap();
    /// assert_eq!(fnr.expose(), "26899299344");
    /// assert_eq!(fnr.kind(), FnrKind::Synthetic);
    /// ```
    pub fn synthetic(day: u8, month: u8, year: u8, individual: u16) -> Option<Fnr> {
        if individual > 999 || year > 99 || month == 0 || month > 12 {
            return None;
        }
        let text = format!("{day:02}{:02}{year:02}{individual:03}", month + 80);
        let prefix = digits::<9>("fødselsnummer", &text).ok()?;
        let [k1, k2] = Self::check_digits(prefix)?;
        Fnr::parse(&format!("{text}{k1}{k2}")).ok()
    }

    /// The full eleven digits, for the wire. Never log this.
    pub fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The masked form that Altinn itself prints: the first six digits, then `*****`.
    pub fn masked(&self) -> String {
        format!("{}*****", &self.expose()[..6])
    }
}

impl fmt::Display for Fnr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expose()[..6])?;
        f.write_str("*****")
    }
}

impl fmt::Debug for Fnr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fnr({self})")
    }
}

impl FromStr for Fnr {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Serialises the full number: serialisation is for the wire (the POST bodies need it), while
/// logs go through `Display`/`Debug`, which mask.
impl Serialize for Fnr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Fnr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_test_person_is_synthetic() {
        let fnr = Fnr::parse("26899299344").unwrap();
        assert_eq!(fnr.kind(), FnrKind::Synthetic);
        assert_eq!(fnr.check_rule(), FnrCheckRule::Classic);
        assert_eq!(format!("{fnr}"), "268992*****");
        assert_eq!(format!("{fnr:?}"), "Fnr(268992*****)");
    }

    #[test]
    fn skatteetaten_2032_examples() {
        // Examples from Skatteetaten's description of the 2032 rule.
        for (n, rule) in [
            ("02013299997", FnrCheckRule::Classic),
            ("30108299920", FnrCheckRule::Classic),
            ("30108299939", FnrCheckRule::From2032),
        ] {
            let fnr = Fnr::parse(n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(fnr.check_rule(), rule, "{n}");
        }
    }

    #[test]
    fn kinds() {
        let make = |prefix: &str| {
            let mut p = [0u8; 9];
            for (slot, c) in p.iter_mut().zip(prefix.bytes()) {
                *slot = c - b'0';
            }
            // Walk individual numbers until one has valid check digits.
            for ind in 0..1000u32 {
                p[6] = (ind / 100) as u8;
                p[7] = (ind / 10 % 10) as u8;
                p[8] = (ind % 10) as u8;
                if let Some([k1, k2]) = Fnr::check_digits(p) {
                    let s: String = p
                        .iter()
                        .chain(&[k1, k2])
                        .map(|d| char::from(b'0' + d))
                        .collect();
                    return Fnr::parse(&s).unwrap();
                }
            }
            unreachable!("some individual number always works")
        };
        assert_eq!(make("010180").kind(), FnrKind::Ordinary);
        assert_eq!(make("410180").kind(), FnrKind::DNumber);
        assert_eq!(make("014180").kind(), FnrKind::HNumber);
        assert_eq!(make("018180").kind(), FnrKind::Synthetic);
        assert_eq!(make("418180").kind(), FnrKind::SyntheticDNumber);
    }

    #[test]
    fn refuses_bad_dates_and_digits() {
        assert_eq!(Fnr::parse("32019912345"), Err(IdError::Date));
        assert_eq!(Fnr::parse("01139912345"), Err(IdError::Date));
        assert!(matches!(
            Fnr::parse("2689929934"),
            Err(IdError::Length { .. })
        ));
        assert!(matches!(
            Fnr::parse("26899299345"),
            Err(IdError::Checksum { .. })
        ));
        assert!(matches!(
            Fnr::parse("2689929934x"),
            Err(IdError::Characters { .. })
        ));
    }

    #[test]
    fn errors_never_echo_the_number() {
        let err = Fnr::parse("26899299345").unwrap_err().to_string();
        assert!(!err.contains("26899299345"), "{err}");
    }
}
