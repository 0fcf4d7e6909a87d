//! Identifiers that can only hold valid values.
//!
//! Every identifier here is parsed once, at the edge (command line, configuration, server
//! response), and carried as its own type afterwards. Parsing never panics, whatever the input.

mod altinn3;
mod fnr;
mod masked;
mod orgno;
mod reportee;
mod scope;
mod service;

pub use altinn3::{PackageCode, PartyId, PartyUuid, ResourceId, RoleCode};
pub use fnr::{Fnr, FnrCheckRule, FnrKind};
pub use masked::MaskedSsn;
pub use orgno::OrgNumber;
pub use reportee::ReporteeId;
pub use scope::{Scope, ScopeSet};
pub use service::{ServiceCode, ServiceEditionCode};

/// Why an identifier was refused.
///
/// The message names the identifier and what is wrong with it, but never repeats a whole
/// fødselsnummer: a typo'd personal number is still personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The value has the wrong number of characters.
    #[error("{what} must have {expected} digits, got {actual} characters")]
    Length {
        /// Which identifier.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// The value contains something other than the allowed characters.
    #[error("{what} may only contain {allowed}")]
    Characters {
        /// Which identifier.
        what: &'static str,
        /// A description of the allowed characters.
        allowed: &'static str,
    },
    /// A check digit does not match.
    #[error("{what} has a wrong check digit (mod 11); check for a typo")]
    Checksum {
        /// Which identifier.
        what: &'static str,
    },
    /// The date part of a fødselsnummer is not a date.
    #[error("fødselsnummer does not start with a valid date (DDMMYY, with D/H/test offsets)")]
    Date,
    /// The value is empty.
    #[error("{what} must not be empty")]
    Empty {
        /// Which identifier.
        what: &'static str,
    },
    /// The value is not one of the values this version knows.
    #[error("unknown {what}; use one of {known}")]
    Unknown {
        /// Which value.
        what: &'static str,
        /// The values that are known, comma-separated.
        known: String,
    },
    /// The value is longer than the identifier allows.
    #[error("{what} is too long (at most {max} characters)")]
    TooLong {
        /// Which identifier.
        what: &'static str,
        /// The maximum length.
        max: usize,
    },
}

/// Parses a string of ASCII digits of a fixed length into their values.
pub(crate) fn digits<const N: usize>(what: &'static str, s: &str) -> Result<[u8; N], IdError> {
    let bytes = s.as_bytes();
    if bytes.len() != N {
        return Err(IdError::Length {
            what,
            expected: N,
            actual: s.chars().count(),
        });
    }
    let mut out = [0u8; N];
    for (slot, b) in out.iter_mut().zip(bytes) {
        if !b.is_ascii_digit() {
            return Err(IdError::Characters {
                what,
                allowed: "the digits 0-9",
            });
        }
        *slot = b - b'0';
    }
    Ok(out)
}

/// The weighted digit sum modulo 11 that both Norwegian checksums are built on.
pub(crate) fn weighted_mod11(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(*d) * w)
        .sum::<u32>()
        % 11
}
