//! Small serde helpers shared by the DTO modules: the `dto!` macro that puts the wire name and
//! its case aliases on every field, the tolerant `null`-as-default reader, the always-null
//! `children` marker, and the masking of fødselsnummer in `Debug` output.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::IgnoredAny};

/// Declares a DTO struct whose fields are written as `name: Type = "wire" | "Alias" | ...`.
///
/// The first literal is the exact name the server writes (§3 of the spec) and becomes the
/// serde `rename`, so encoding produces it; every further literal becomes an `alias`, so
/// decoding also accepts the PascalCase and all-lower-case spellings that a case-insensitive
/// .NET reader would. Aliases are listed by hand because `macro_rules!` cannot change the case
/// of a literal; the golden tests check that every spelling decodes. A field without `= ...`
/// (a `#[serde(flatten)]` map) keeps its attributes as given. Every field is public.
macro_rules! dto {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty $(= $wire:literal $(| $alias:literal)*)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[$fmeta])*
                $(#[serde(rename = $wire $(, alias = $alias)*)])?
                pub $field: $ty,
            )*
        }
    };
}
pub(crate) use dto;

/// Reads `null` (or, with `#[serde(default)]`, an absent field) as the type's default.
///
/// Used for lists, booleans and texts the spec calls non-nullable: the server is the authority
/// there, and an empty value is a more useful reading of a surprising `null` than a failure of
/// the whole body.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The `children` field of `CompactEntityDto` and `CompactRoleDto`, which the server always
/// writes as `null` (§3.3).
///
/// Encoding always writes `null`; decoding accepts and discards any value, so a server that one
/// day fills the field does not break the client, and a fake cannot write anything but `null`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AlwaysNull;

impl Serialize for AlwaysNull {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_none()
    }
}

impl<'de> Deserialize<'de> for AlwaysNull {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Ok(AlwaysNull)
    }
}

/// Masks every run of exactly eleven ASCII digits (a fødselsnummer or D-number) to its first six
/// digits followed by `*****`, leaving everything else as it is.
///
/// Runs of other lengths are left alone: they are org numbers (nine digits), party ids or user
/// ids, none of which is personal data on its own.
pub fn mask_ssn(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            if run.len() == 11 {
                out.push_str(&run[..6]);
                out.push_str("*****");
            } else {
                out.push_str(run);
            }
        } else {
            // The run of non-digits is copied up to the next digit, whole characters only.
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_digit() {
                i += 1;
            }
            out.push_str(&text[start..i]);
        }
    }
    out
}

/// A `Debug` view of an optional text that may hold a fødselsnummer: masked with [`mask_ssn`].
pub(crate) struct MaskedOpt<'a>(pub(crate) &'a Option<String>);

impl fmt::Debug for MaskedOpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => f.debug_tuple("Some").field(&mask_ssn(s)).finish(),
            None => f.write_str("None"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_eleven_digit_runs_only() {
        assert_eq!(mask_ssn("01017012345"), "010170*****");
        assert_eq!(mask_ssn("x 01017012345 y"), "x 010170***** y");
        assert_eq!(mask_ssn("310000001"), "310000001");
        assert_eq!(mask_ssn("010170123456"), "010170123456");
        assert_eq!(mask_ssn("kari.nordmann"), "kari.nordmann");
        assert_eq!(mask_ssn("ø01017012345ø"), "ø010170*****ø");
    }

    #[test]
    fn always_null_reads_anything_and_writes_null() {
        let v: AlwaysNull = serde_json::from_str("[1, {\"a\": 2}]").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "null");
    }
}
