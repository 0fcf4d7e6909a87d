use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::IdError;

/// An Altinn 2 service code, e.g. `4864` or `SKBERG`.
///
/// Codes are usually numeric but need not be. Accepted: 1 to 32 ASCII letters, digits, `-`
/// and `_`, so that a code can never smuggle a path separator or query into a URL.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceCode(String);

impl ServiceCode {
    /// The longest code accepted.
    pub const MAX_LEN: usize = 32;

    /// Parses a service code.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let what = "service code";
        if s.is_empty() {
            return Err(IdError::Empty { what });
        }
        if s.len() > Self::MAX_LEN {
            return Err(IdError::TooLong {
                what,
                max: Self::MAX_LEN,
            });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(IdError::Characters {
                what,
                allowed: "ASCII letters, digits, '-' and '_'",
            });
        }
        Ok(ServiceCode(s.to_owned()))
    }

    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceCode({})", self.0)
    }
}

impl FromStr for ServiceCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ServiceCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ServiceCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Some responses carry a numeric code as a JSON number; accept both.
        struct V;
        impl de::Visitor<'_> for V {
            type Value = ServiceCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a service code as a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ServiceCode, E> {
                ServiceCode::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ServiceCode, E> {
                ServiceCode::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ServiceCode, E> {
                ServiceCode::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// An Altinn 2 service edition code: a positive integer.
///
/// On the wire it is a JSON number, but some responses send it as a string; both decode.
/// It always encodes as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceEditionCode(u32);

impl ServiceEditionCode {
    /// Builds an edition code; zero is refused because Altinn uses it for "absent".
    pub fn new(n: u32) -> Result<Self, IdError> {
        if n == 0 {
            return Err(IdError::Characters {
                what: "service edition code",
                allowed: "a positive integer",
            });
        }
        Ok(ServiceEditionCode(n))
    }

    /// Parses an edition code from text.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let what = "service edition code";
        if s.is_empty() {
            return Err(IdError::Empty { what });
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Characters {
                what,
                allowed: "the digits 0-9",
            });
        }
        let n: u32 = s.parse().map_err(|_| IdError::TooLong { what, max: 10 })?;
        Self::new(n)
    }

    /// The edition number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ServiceEditionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ServiceEditionCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ServiceEditionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for ServiceEditionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = ServiceEditionCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a service edition code as a number or a string of digits")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ServiceEditionCode, E> {
                let n =
                    u32::try_from(v).map_err(|_| E::custom("service edition code too large"))?;
                ServiceEditionCode::new(n).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ServiceEditionCode, E> {
                let n =
                    u32::try_from(v).map_err(|_| E::custom("service edition code out of range"))?;
                ServiceEditionCode::new(n).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ServiceEditionCode, E> {
                ServiceEditionCode::parse(v.trim()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(ServiceCode::parse("4864").is_ok());
        assert!(ServiceCode::parse("SKBERG").is_ok());
        for bad in ["", "48 64", "a/b", "x?y=1", &"9".repeat(33)] {
            assert!(ServiceCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn editions_decode_from_number_and_string() {
        let a: ServiceEditionCode = serde_json::from_str("536").unwrap();
        let b: ServiceEditionCode = serde_json::from_str("\"536\"").unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), "536");
        assert!(serde_json::from_str::<ServiceEditionCode>("0").is_err());
        assert!(serde_json::from_str::<ServiceEditionCode>("-1").is_err());
        assert!(serde_json::from_str::<ServiceEditionCode>("\"5x\"").is_err());
    }
}
