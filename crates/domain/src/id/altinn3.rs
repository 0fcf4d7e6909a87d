//! Identifiers of Altinn 3 access management: party UUIDs, legacy party ids, access-package
//! codes, resource ids and role codes.
//!
//! Each is checked once, at the edge, so that nothing downstream can send a value that would
//! change the meaning of a URL or query (`shared/spec/altinn3-accessmanagement.md` §2.3, §6).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use uuid::Uuid;

use super::IdError;

/// An Altinn 3 party UUID (`partyUuid`, the `id` of a CompactEntity).
///
/// Printed in the one form Altinn 3 compares query parameters in: lower-case and hyphenated.
/// The access-management API compares `party` with `from`/`to` as raw strings, so every UUID a
/// client sends must come from this one `Display`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartyUuid(Uuid);

impl PartyUuid {
    /// Parses a UUID in any of the usual spellings (hyphenated, simple, braced, any case).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(IdError::Empty { what: "party UUID" });
        }
        Uuid::parse_str(t)
            .map(PartyUuid)
            .map_err(|_| IdError::Characters {
                what: "party UUID",
                allowed: "a UUID such as 0195efb8-7c80-7a95-ad36-900c3d8ad300",
            })
    }

    /// Wraps a UUID.
    pub fn new(uuid: Uuid) -> Self {
        PartyUuid(uuid)
    }

    /// The UUID.
    pub fn get(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for PartyUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for PartyUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartyUuid({})", self.0.hyphenated())
    }
}

impl FromStr for PartyUuid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PartyUuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartyUuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        PartyUuid::parse(&s).map_err(de::Error::custom)
    }
}

/// A legacy numeric party id (`partyId`), which Altinn 3 still carries beside the UUID and
/// which Altinn 2 reportee ids (`r` + number) are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartyId(u64);

impl PartyId {
    /// A party id from its number; zero is not a party.
    pub fn new(n: u64) -> Result<Self, IdError> {
        if n == 0 {
            return Err(IdError::Empty { what: "party id" });
        }
        Ok(PartyId(n))
    }

    /// Parses a positive decimal number.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(IdError::Empty { what: "party id" });
        }
        if t.len() > 19 {
            return Err(IdError::TooLong {
                what: "party id",
                max: 19,
            });
        }
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Characters {
                what: "party id",
                allowed: "the digits 0-9",
            });
        }
        t.parse::<u64>()
            .map_err(|_| IdError::TooLong {
                what: "party id",
                max: 19,
            })
            .and_then(PartyId::new)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for PartyId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Declares a text identifier: a newtype over a `String` that is checked by `$check` when
/// parsed, printed as held, and (de)serialised as a string through the same check.
macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses and normalises the value.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                $check(s.trim()).map($name)
            }

            /// The normalised text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).map_err(de::Error::custom)
            }
        }
    };
}

text_id!(
    /// An access-package code, e.g. `regnskap-okonomi-rapport` (§6.2).
    ///
    /// Accepted as the bare code, as `:code`, or as the URN `urn:altinn:accesspackage:code`
    /// (the forms the `package` query parameter takes); held as the bare code in lower case.
    /// Codes are 1 to 100 characters of lower-case ASCII letters, digits and `-` (Norwegian
    /// letters are spelt out in codes: `lonn`, `sykefravaer`).
    PackageCode,
    "access package",
    check_package
);

impl PackageCode {
    /// The URN prefix of access packages.
    pub const URN_PREFIX: &'static str = "urn:altinn:accesspackage:";

    /// The full URN, `urn:altinn:accesspackage:<code>`.
    pub fn urn(&self) -> String {
        format!("{}{}", Self::URN_PREFIX, self.0)
    }
}

fn check_package(s: &str) -> Result<String, IdError> {
    let what = "access package";
    let lower = s.to_ascii_lowercase();
    let code = lower
        .strip_prefix(PackageCode::URN_PREFIX)
        .or_else(|| lower.strip_prefix(':'))
        .unwrap_or(&lower);
    check_chars(what, code, 100, |b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
    })
    .map_err(|e| match e {
        IdError::Characters { what, .. } => IdError::Characters {
            what,
            allowed: "lower-case ASCII letters, digits and '-' (or the URN urn:altinn:accesspackage:CODE)",
        },
        other => other,
    })?;
    Ok(code.to_owned())
}

text_id!(
    /// A Resource Registry id, e.g. `ttd-hr-rapport` or `app_ttd_myapp` (§2.3, E9–E14).
    ///
    /// Accepted: 1 to 255 ASCII letters, digits, `-` and `_`; the URN prefix
    /// `urn:altinn:resource:` is stripped. Kept as given otherwise.
    ResourceId,
    "resource id",
    check_resource
);

fn check_resource(s: &str) -> Result<String, IdError> {
    let what = "resource id";
    let id = match s.get(..20) {
        Some(prefix) if prefix.eq_ignore_ascii_case("urn:altinn:resource:") => &s[20..],
        _ => s,
    };
    check_chars(what, id, 255, |b| {
        b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
    })?;
    Ok(id.to_owned())
}

text_id!(
    /// A role code: an Altinn 2 role such as `UTINN` or `A0282`, or an Altinn 3 role code.
    ///
    /// Role codes are compared without regard to case (Altinn 2 prints `UTINN`, Altinn 3
    /// `utinn`), so they are held in lower case; [`RoleCode::upper`] gives the Altinn 2
    /// spelling. Accepted: 1 to 64 ASCII letters, digits, `-` and `_`; the URN prefixes
    /// `urn:altinn:rolecode:` and `urn:altinn:role:` are stripped.
    RoleCode,
    "role code",
    check_role
);

impl RoleCode {
    /// The Altinn 2 spelling, in upper case.
    pub fn upper(&self) -> String {
        self.0.to_ascii_uppercase()
    }
}

fn check_role(s: &str) -> Result<String, IdError> {
    let what = "role code";
    let lower = s.to_ascii_lowercase();
    let code = lower
        .strip_prefix("urn:altinn:rolecode:")
        .or_else(|| lower.strip_prefix("urn:altinn:role:"))
        .unwrap_or(&lower);
    check_chars(what, code, 64, |b| {
        b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
    })?;
    Ok(code.to_owned())
}

/// Checks that `s` is 1 to `max` bytes, each allowed by `ok`.
fn check_chars(
    what: &'static str,
    s: &str,
    max: usize,
    ok: impl Fn(u8) -> bool,
) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { what });
    }
    if s.len() > max {
        return Err(IdError::TooLong { what, max });
    }
    if !s.bytes().all(ok) {
        return Err(IdError::Characters {
            what,
            allowed: "ASCII letters, digits, '-' and '_'",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_uuids_print_lower_case_hyphenated() {
        let u = PartyUuid::parse("0195EFB87C807A95AD36900C3D8AD300").unwrap();
        assert_eq!(u.to_string(), "0195efb8-7c80-7a95-ad36-900c3d8ad300");
        assert!(PartyUuid::parse("not-a-uuid").is_err());
        assert!(PartyUuid::parse("").is_err());
    }

    #[test]
    fn party_ids_are_positive_numbers() {
        assert_eq!(PartyId::parse("50828869").unwrap().get(), 50_828_869);
        assert!(PartyId::parse("0").is_err());
        assert!(PartyId::parse("-1").is_err());
        assert!(PartyId::parse("99999999999999999999").is_err());
    }

    #[test]
    fn package_codes_accept_urn_colon_and_bare_forms() {
        for s in [
            "regnskap-okonomi-rapport",
            ":regnskap-okonomi-rapport",
            "urn:altinn:accesspackage:regnskap-okonomi-rapport",
            "URN:ALTINN:ACCESSPACKAGE:Regnskap-Okonomi-Rapport",
        ] {
            let p = PackageCode::parse(s).unwrap();
            assert_eq!(p.as_str(), "regnskap-okonomi-rapport", "{s}");
            assert_eq!(p.urn(), "urn:altinn:accesspackage:regnskap-okonomi-rapport");
        }
        for bad in [
            "",
            "urn:altinn:accesspackage:",
            "lønn",
            "a b",
            "a/b",
            "a?b=c",
        ] {
            assert!(PackageCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resource_ids_keep_their_case_and_drop_the_urn_prefix() {
        assert_eq!(
            ResourceId::parse("urn:altinn:resource:app_ttd_MyApp")
                .unwrap()
                .as_str(),
            "app_ttd_MyApp"
        );
        assert!(ResourceId::parse("ttd-hr-rapport").is_ok());
        for bad in ["", "a/b", "a&b", "a b", "x?resource=y"] {
            assert!(ResourceId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_codes_compare_without_case() {
        assert_eq!(
            RoleCode::parse("UTINN").unwrap(),
            RoleCode::parse("utinn").unwrap()
        );
        assert_eq!(
            RoleCode::parse("urn:altinn:rolecode:A0282")
                .unwrap()
                .upper(),
            "A0282"
        );
        assert!(RoleCode::parse("a b").is_err());
    }
}
