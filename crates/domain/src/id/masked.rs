//! [`MaskedSsn`]: a fødselsnummer as it may safely be printed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Fnr;

/// A fødselsnummer as Altinn prints it in responses and as every output of this toolkit
/// shows it: six digits and `*****`.
///
/// If a response carries a full eleven-digit number, it is masked on the way in: nothing
/// downstream needs it, and this way it can never reach a log.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MaskedSsn(String);

impl MaskedSsn {
    /// Masks a value: keeps at most the first six characters, without the `*` they may end
    /// in, and appends `*****`.
    ///
    /// Dropping the trailing `*` makes masking idempotent, so a value that is already masked
    /// (`268992*****`, but also a short one such as `*****`) comes through another
    /// encode/decode unchanged instead of growing stars.
    pub fn new(value: &str) -> Self {
        let prefix: String = value.chars().take(6).collect();
        let prefix = prefix.trim_end_matches('*');
        MaskedSsn(format!("{prefix}*****"))
    }

    /// The masked text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this could be the masked form of `fnr`.
    pub fn matches(&self, fnr: &Fnr) -> bool {
        self.0 == fnr.masked()
    }
}

impl From<&Fnr> for MaskedSsn {
    fn from(fnr: &Fnr) -> Self {
        MaskedSsn(fnr.masked())
    }
}

impl fmt::Display for MaskedSsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MaskedSsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedSsn({})", self.0)
    }
}

impl Serialize for MaskedSsn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MaskedSsn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(MaskedSsn::new(&s))
    }
}
