//! System-user onboarding, in terms neutral to the wire: a vendor's system in the system
//! register, a request to a customer for a system user, and the system users that exist
//! (`shared/spec/altinn3-accessmanagement.md` §5.4–§5.5).

use std::{fmt, str::FromStr};

use serde::Serialize;

use crate::id::{IdError, OrgNumber, PackageCode};

/// A vendor system's id in the system register: the vendor's organisation number, `_`, and a
/// name of ASCII letters, digits, `-` and `_` (e.g. `310000000_tilgang-demo`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SystemId(String);

impl SystemId {
    /// Parses an id, checking the vendor's organisation number.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let what = "system id";
        let t = s.trim();
        let (vendor, name) = t.split_once('_').ok_or(IdError::Characters {
            what,
            allowed: "the vendor's organisation number, '_' and a name (e.g. 310000000_my-system)",
        })?;
        OrgNumber::parse(vendor)?;
        if name.is_empty() {
            return Err(IdError::Empty { what });
        }
        if t.len() > 100 {
            return Err(IdError::TooLong { what, max: 100 });
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(IdError::Characters {
                what,
                allowed: "ASCII letters, digits, '-' and '_' after the organisation number",
            });
        }
        Ok(SystemId(t.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The vendor's organisation number, the part before `_`.
    pub fn vendor(&self) -> &str {
        self.0.split_once('_').map(|(v, _)| v).unwrap_or_default()
    }
}

impl fmt::Display for SystemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SystemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SystemId({})", self.0)
    }
}

impl FromStr for SystemId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

crate::text_enum! {
    /// Where a request for a system user stands (§5.5).
    RequestStatus {
        /// Waiting for the customer.
        New = "New",
        /// The customer approved: the system user exists.
        Accepted = "Accepted",
        /// The customer rejected it.
        Rejected = "Rejected",
        /// Altinn denied it.
        Denied = "Denied",
        /// Nobody decided in time.
        Timedout = "Timedout" | "TimedOut",
    }
}

impl RequestStatus {
    /// Whether the request is decided (anything but `New`).
    pub fn is_decided(&self) -> bool {
        !matches!(self, RequestStatus::New)
    }
}

/// A vendor's system as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorSystem {
    /// The id.
    pub id: SystemId,
    /// The name shown to customers (Bokmål).
    pub name: String,
    /// The description shown to customers, if any.
    pub description: Option<String>,
    /// The access packages the system asks customers for.
    pub packages: Vec<PackageCode>,
    /// The Maskinporten client ids the system's tokens come from.
    pub client_ids: Vec<String>,
}

/// A request to a customer for a system user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemUserRequest {
    /// The request's id (a UUID).
    pub id: String,
    /// The vendor's system, as the server wrote its id.
    pub system: String,
    /// The customer organisation asked.
    pub customer: String,
    /// The vendor's reference, which tells several system users of one customer apart.
    pub external_ref: Option<String>,
    /// The packages asked for.
    pub packages: Vec<PackageCode>,
    /// Where it stands.
    pub status: RequestStatus,
    /// Where the customer approves it, to send to them.
    pub confirm_url: Option<String>,
    /// When it was made, as the server wrote it.
    pub created: Option<String>,
}

/// A system user that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemUserInfo {
    /// The system user's id.
    pub id: String,
    /// The vendor's system.
    pub system: String,
    /// The customer organisation.
    pub customer: String,
    /// The vendor's reference.
    pub external_ref: Option<String>,
    /// Its name, as the customer sees it.
    pub name: Option<String>,
    /// When it was created, as the server wrote it.
    pub created: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_ids_name_their_vendor() {
        let id = SystemId::parse("310000000_tilgang-demo").unwrap();
        assert_eq!(id.vendor(), "310000000");
        for bad in [
            "",
            "tilgang-demo",
            "310000000_",
            "123_x",
            "310000000_a b",
            "310000000_a/b",
        ] {
            assert!(SystemId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_new_requests_are_undecided() {
        assert!(!RequestStatus::New.is_decided());
        assert!(RequestStatus::parse("timedout").is_decided());
        assert!(RequestStatus::Accepted.is_decided());
    }
}
