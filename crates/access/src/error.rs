//! The errors of the use cases.

use std::fmt;

use tilgang_domain::{Grantable, HeldVia, IdError};
use tilgang_ports::{AltinnError, ErrorKind, Unsupported};

/// The step a use case was at when Altinn failed, so the message says what was being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Resolving the person or organisation to a party.
    LookUp,
    /// Making the person or organisation a right holder.
    AddRightHolder,
    /// Listing the right holders.
    ListRightHolders,
    /// Reading what the right holder holds.
    Read,
    /// Granting what is missing.
    Grant,
    /// Reading again after an ambiguous failure.
    Confirm,
    /// Revoking.
    Revoke,
    /// Removing the right holder.
    RemoveRightHolder,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::LookUp => "looking up the right holder",
            Step::AddRightHolder => "adding the right holder",
            Step::ListRightHolders => "listing the right holders",
            Step::Read => "reading the current accesses",
            Step::Grant => "granting the missing accesses",
            Step::Confirm => "re-reading the accesses after an ambiguous failure",
            Step::Revoke => "revoking",
            Step::RemoveRightHolder => "removing the right holder",
        })
    }
}

/// Something asked for that is held only through other paths, which cannot be revoked
/// directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldIndirectly {
    /// What was asked for.
    pub grantable: Grantable,
    /// The paths by which it is held.
    pub held_via: Vec<HeldVia>,
}

impl fmt::Display for HeldIndirectly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (held {})", self.grantable, join(&self.held_via))
    }
}

/// Failures of the use cases. Each says what to do next.
///
/// A variant that wraps another error does not repeat it in its own message: printed as a
/// chain (`{:#}` with anyhow), each cause appears once.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// An identifier is invalid; nothing was sent.
    #[error("invalid {what}")]
    InvalidId {
        /// Which input.
        what: &'static str,
        /// What is wrong with it.
        #[source]
        reason: IdError,
    },
    /// The request makes no sense (e.g. nothing to grant); nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The backend cannot grant or revoke one of the things asked for; nothing was sent.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// The party is not a right holder of the organisation, and the operation needs one.
    /// Nothing was sent beyond the lookup.
    #[error(
        "{holder} is not a right holder of {org}; add them as a right holder first (that is a change in Altinn, so it is never done by a read)"
    )]
    NotRightHolder {
        /// Who, as safe to print (a fødselsnummer masked).
        holder: String,
        /// The organisation.
        org: String,
    },
    /// Some things to revoke are held only through roles, packages or other paths, which
    /// cannot be revoked one by one. Nothing was revoked.
    #[error(
        "cannot revoke {} one by one: the right holder does not hold it directly, or not in a way this client may revoke; remove the role{} or package it comes from instead",
        join(.items),
        if .roles.is_empty() { String::new() } else { format!(" ({})", .roles.join(", ")) }
    )]
    HeldIndirectly {
        /// What is held only indirectly, and how.
        items: Vec<HeldIndirectly>,
        /// The roles the holder has, as printable text (for a backend such as Altinn 2 that
        /// does not say which role a right comes from).
        roles: Vec<String>,
    },
    /// Altinn refused or failed a call.
    #[error("Altinn failed while {step}")]
    Altinn {
        /// What was being done.
        step: Step,
        /// What Altinn said (boxed to keep `Result`s small).
        #[source]
        source: Box<AltinnError>,
    },
    /// A change failed ambiguously, and reading again showed some of it still missing after
    /// the one safe retry. Running the same operation again is safe: it only sends what is
    /// missing.
    #[error(
        "the change to {} could not be confirmed; run it again, it only sends what is missing",
        join(.missing)
    )]
    Unconfirmed {
        /// What is still not as asked.
        missing: Vec<Grantable>,
        /// The last failure.
        #[source]
        source: Box<AltinnError>,
    },
}

impl AccessError {
    /// The coarse kind, e.g. for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AccessError::InvalidId { .. }
            | AccessError::InvalidInput(_)
            | AccessError::Unsupported(_)
            | AccessError::HeldIndirectly { .. } => ErrorKind::BadInput,
            AccessError::NotRightHolder { .. } => ErrorKind::NotFound,
            AccessError::Altinn { source, .. } | AccessError::Unconfirmed { source, .. } => {
                source.kind()
            }
        }
    }

    /// The Altinn error behind this one, if any.
    pub fn altinn(&self) -> Option<&AltinnError> {
        match self {
            AccessError::Altinn { source, .. } | AccessError::Unconfirmed { source, .. } => {
                Some(source.as_ref())
            }
            _ => None,
        }
    }

    pub(crate) fn at(step: Step) -> impl FnOnce(AltinnError) -> AccessError {
        move |source| match source {
            // A backend's refusal of a grantable is the caller's input, not a failed step.
            AltinnError::Unsupported(u) => AccessError::Unsupported(u),
            source => AccessError::Altinn {
                step,
                source: Box::new(source),
            },
        }
    }

    pub(crate) fn id(what: &'static str) -> impl FnOnce(IdError) -> AccessError {
        move |reason| AccessError::InvalidId { what, reason }
    }
}

pub(crate) fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
