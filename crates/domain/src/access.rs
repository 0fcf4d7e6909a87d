//! What can be granted, and how what is held is held, in terms both Altinn generations share.
//!
//! - [`Grantable`]: something a right holder can be given. Altinn 2 grants service rights
//!   (service code, edition, action) and roles; Altinn 3 grants access packages and resource
//!   rights (resource id, action). A backend that cannot grant a kind refuses it before sending
//!   anything.
//! - [`HeldAccess`]: something a right holder holds, with every path by which it is held
//!   ([`HeldVia`]), whether this client may revoke it, and an opaque [`RevokeHandle`] that only
//!   the adapter which produced it interprets.
//!
//! Everything here serialises to neutral JSON (`snake_case`, a `kind` tag), the same whichever
//! backend produced it.

use std::fmt;

use serde::Serialize;

use crate::id::{IdError, PackageCode, ResourceId, RoleCode, ServiceCode, ServiceEditionCode};

crate::text_enum! {
    /// An operation a right allows.
    ///
    /// Parsing ignores case (`read` and `Read` are the same) and accepts the spellings seen in
    /// the Altinn docs: `ReadArchive` for `ArchiveRead` and `DeleteArchive` for `ArchiveDelete`.
    /// Other values (Altinn 3 resources define their own, e.g. `instantiate`) are kept as
    /// [`Action::Other`].
    Action {
        /// Read.
        Read = "Read",
        /// Write (fill in and submit).
        Write = "Write",
        /// Sign.
        Sign = "Sign",
        /// Read from the archive.
        ArchiveRead = "ArchiveRead" | "ReadArchive",
        /// Delete from the archive.
        ArchiveDelete = "ArchiveDelete" | "DeleteArchive",
        /// Access (link services).
        Access = "Access",
        /// The service owner reads the archive.
        ServiceOwnerArchiveRead = "ServiceOwnerArchiveRead",
        /// Delegate further.
        Delegate = "Delegate",
    }
}

impl Action {
    /// Parses an action given by a person or a file, refusing what no server would accept as
    /// an action name: 1 to 64 ASCII letters, digits, `-`, `_` and `:`.
    pub fn checked(s: &str) -> Result<Action, IdError> {
        let t = s.trim();
        let what = "action";
        if t.is_empty() {
            return Err(IdError::Empty { what });
        }
        if t.len() > 64 {
            return Err(IdError::TooLong { what, max: 64 });
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'))
        {
            return Err(IdError::Characters {
                what,
                allowed: "ASCII letters, digits, '-', '_' and ':'",
            });
        }
        Ok(Action::parse(t))
    }

    /// The known actions, comma-separated, for messages.
    pub fn known_list() -> String {
        Action::KNOWN
            .iter()
            .map(Action::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An Altinn 2 right on a service edition: code, edition and action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ServiceRight {
    /// The service code, e.g. `4864`.
    pub service_code: ServiceCode,
    /// The service edition, e.g. `1`.
    pub service_edition: ServiceEditionCode,
    /// The operation, e.g. `Read`.
    pub action: Action,
}

impl ServiceRight {
    /// A right from checked parts. Refuses an action Altinn 2 does not know
    /// ([`Action::Other`]): Altinn would refuse it too, and nothing should be sent for it.
    pub fn new(
        service_code: ServiceCode,
        service_edition: ServiceEditionCode,
        action: Action,
    ) -> Result<Self, IdError> {
        if let Action::Other(_) = &action {
            return Err(IdError::Unknown {
                what: "action",
                known: Action::known_list(),
            });
        }
        Ok(ServiceRight {
            service_code,
            service_edition,
            action,
        })
    }
}

impl fmt::Display for ServiceRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `CODE:EDITION`, the way the command line takes a service.
        write!(
            f,
            "{}:{} {}",
            self.service_code, self.service_edition, self.action
        )
    }
}

/// An Altinn 3 right on a resource: the resource and one action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ResourceRight {
    /// The Resource Registry id.
    pub resource: ResourceId,
    /// The action, e.g. `read`.
    pub action: Action,
}

impl fmt::Display for ResourceRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.resource,
            self.action.as_str().to_ascii_lowercase()
        )
    }
}

/// Something a right holder can be given (and so can hold).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Grantable {
    /// An Altinn 2 service right.
    ServiceRight(ServiceRight),
    /// An Altinn 3 resource right.
    ResourceRight(ResourceRight),
    /// An Altinn 3 access package.
    Package {
        /// The package code.
        package: PackageCode,
    },
    /// A role: an Altinn 2 role, or an Altinn 2 role imported into Altinn 3 (which can be
    /// revoked there but not granted).
    Role {
        /// The role code.
        role: RoleCode,
    },
    /// Something a server lists that no backend here can grant (an Altinn 2 right on a single
    /// message or a system resource). It can be shown, and revoked when its handle allows.
    Other {
        /// What kind of thing it is, in the server's words (e.g. `Message`).
        what: String,
        /// The server's reference to it (e.g. a message id).
        reference: String,
        /// The action, if the server gave one.
        action: Option<Action>,
    },
}

impl Grantable {
    /// An access package.
    pub fn package(package: PackageCode) -> Self {
        Grantable::Package { package }
    }

    /// A role.
    pub fn role(role: RoleCode) -> Self {
        Grantable::Role { role }
    }

    /// A short name of the kind, for messages: `service right`, `resource right`, `access
    /// package`, `role` or `other right`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Grantable::ServiceRight(_) => "service right",
            Grantable::ResourceRight(_) => "resource right",
            Grantable::Package { .. } => "access package",
            Grantable::Role { .. } => "role",
            Grantable::Other { .. } => "other right",
        }
    }
}

impl fmt::Display for Grantable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grantable::ServiceRight(r) => write!(f, "{r}"),
            Grantable::ResourceRight(r) => write!(f, "resource {r}"),
            Grantable::Package { package } => write!(f, "package {package}"),
            Grantable::Role { role } => write!(f, "role {}", role.upper()),
            Grantable::Other {
                what,
                reference,
                action,
            } => {
                write!(f, "{what} {reference}")?;
                if let Some(action) = action {
                    write!(f, " {action}")?;
                }
                Ok(())
            }
        }
    }
}

/// One path by which a right holder holds something.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HeldVia {
    /// Given directly to the holder (a direct delegation or assignment).
    Direct,
    /// Through a role the holder has. Altinn 2 does not say which role a right comes from, so
    /// both fields may be absent.
    Role {
        /// The role's code, when known.
        role: Option<RoleCode>,
        /// The role's name, when known.
        name: Option<String>,
    },
    /// Through an access package the holder has.
    Package {
        /// The package, when known.
        package: Option<PackageCode>,
    },
    /// Through a key role in the Central Coordinating Register (e.g. the holder is general
    /// manager (DAGL) of an organisation that holds it).
    KeyRole {
        /// The role, when known.
        role: Option<RoleCode>,
        /// The party the key role is in, when known.
        via: Option<String>,
    },
    /// Inherited from a parent organisation (main unit to subunit).
    Parent {
        /// The parent, when known.
        via: Option<String>,
    },
    /// Through a client delegation (an agent relationship, e.g. an accounting firm).
    ClientDelegation {
        /// The party the delegation goes through, when known.
        via: Option<String>,
    },
    /// A path this version cannot classify, in the server's words (e.g. an Altinn 2
    /// `RightSourceType` it does not know).
    Other {
        /// How the server described it.
        how: String,
    },
}

impl fmt::Display for HeldVia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn opt<T: fmt::Display>(prefix: &str, v: &Option<T>) -> String {
            v.as_ref()
                .map(|v| format!("{prefix}{v}"))
                .unwrap_or_default()
        }
        match self {
            HeldVia::Direct => f.write_str("directly"),
            HeldVia::Role { role, name } => {
                let role = role.as_ref().map(RoleCode::upper);
                match (role, name) {
                    (Some(r), Some(n)) => write!(f, "via role {r} ({n})"),
                    (Some(r), None) => write!(f, "via role {r}"),
                    (None, Some(n)) => write!(f, "via role {n:?}"),
                    (None, None) => f.write_str("via a role"),
                }
            }
            HeldVia::Package { package } => match package {
                Some(p) => write!(f, "via package {p}"),
                None => f.write_str("via a package"),
            },
            HeldVia::KeyRole { role, via } => write!(
                f,
                "via key role{}{}",
                opt(" ", &role.as_ref().map(RoleCode::upper)),
                opt(" in ", via)
            ),
            HeldVia::Parent { via } => write!(f, "via the parent organisation{}", opt(" ", via)),
            HeldVia::ClientDelegation { via } => {
                write!(f, "via a client delegation{}", opt(" through ", via))
            }
            HeldVia::Other { how } => write!(f, "via {how}"),
        }
    }
}

/// An adapter's own reference to something held, for revoking it. Only the adapter that
/// produced it interprets it; to everyone else it is opaque text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RevokeHandle(String);

impl RevokeHandle {
    /// A handle from the adapter's own text.
    pub fn new(text: impl Into<String>) -> Self {
        RevokeHandle(text.into())
    }

    /// The adapter's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Something a right holder holds from an organisation, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldAccess {
    /// What is held.
    #[serde(flatten)]
    pub grantable: Grantable,
    /// A human-readable name the server gave it (a role's or resource's name), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every path by which it is held (never empty).
    pub held_via: Vec<HeldVia>,
    /// Whether this client may revoke it: held directly, and the backend can remove it.
    pub revocable: bool,
    /// The adapter's reference for revoking it; present when `revocable`.
    #[serde(skip)]
    pub handle: Option<RevokeHandle>,
}

impl HeldAccess {
    /// Whether one of the paths is a direct delegation or assignment.
    pub fn is_direct(&self) -> bool {
        self.held_via.contains(&HeldVia::Direct)
    }

    /// The paths other than the direct one.
    pub fn indirect(&self) -> impl Iterator<Item = &HeldVia> {
        self.held_via.iter().filter(|v| **v != HeldVia::Direct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(action: &str) -> Result<ServiceRight, IdError> {
        ServiceRight::new(
            ServiceCode::parse("4864").unwrap(),
            ServiceEditionCode::new(1).unwrap(),
            Action::parse(action),
        )
    }

    #[test]
    fn service_rights_refuse_unknown_actions_and_name_the_known_ones() {
        assert_eq!(service("read").unwrap().to_string(), "4864:1 Read");
        let err = service("Dance").unwrap_err().to_string();
        assert!(err.contains("Read, Write"), "{err}");
    }

    #[test]
    fn checked_actions_refuse_what_cannot_be_an_action() {
        assert_eq!(Action::checked(" read ").unwrap(), Action::Read);
        assert_eq!(
            Action::checked("instantiate").unwrap(),
            Action::Other("instantiate".into())
        );
        for bad in ["", "a b", "a&b", &"x".repeat(65)] {
            assert!(Action::checked(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grantables_serialise_with_a_kind_tag() {
        let g = Grantable::package(PackageCode::parse("lonn").unwrap());
        assert_eq!(
            serde_json::to_value(&g).unwrap(),
            serde_json::json!({"kind": "package", "package": "lonn"})
        );
        let g = Grantable::ServiceRight(service("Write").unwrap());
        assert_eq!(
            serde_json::to_value(&g).unwrap(),
            serde_json::json!({"kind": "service_right", "service_code": "4864", "service_edition": 1, "action": "Write"})
        );
    }

    #[test]
    fn held_access_serialises_without_its_handle() {
        let held = HeldAccess {
            grantable: Grantable::role(RoleCode::parse("UTINN").unwrap()),
            name: Some("Utfyller/innsender".into()),
            held_via: vec![HeldVia::Direct],
            revocable: true,
            handle: Some(RevokeHandle::new("role:77")),
        };
        let v = serde_json::to_value(&held).unwrap();
        assert_eq!(v["kind"], "role");
        assert_eq!(v["held_via"][0]["kind"], "direct");
        assert!(v.get("handle").is_none());
        assert!(held.is_direct());
    }

    #[test]
    fn held_via_reads_as_a_phrase() {
        assert_eq!(HeldVia::Direct.to_string(), "directly");
        assert_eq!(
            HeldVia::KeyRole {
                role: Some(RoleCode::parse("dagl").unwrap()),
                via: Some("DEMO AS".into())
            }
            .to_string(),
            "via key role DAGL in DEMO AS"
        );
        assert_eq!(
            HeldVia::Role {
                role: None,
                name: None
            }
            .to_string(),
            "via a role"
        );
    }
}
