//! The errors of the use cases.

use std::fmt;

use tilgang_domain::{IdError, RightId};
use tilgang_ports::{AltinnError, ErrorKind};

use crate::model::{HeldRole, ServiceRight};

/// The step a use case was at when Altinn failed, so the message says what was being done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Converting the person or organisation to a reportee.
    LookUp,
    /// Reading the rights and roles held.
    Read,
    /// Delegating the missing rights.
    Delegate,
    /// Reading the rights again after an ambiguous failure.
    Confirm,
    /// Deleting one right.
    Delete(RightId),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::LookUp => f.write_str("looking up the right holder"),
            Step::Read => f.write_str("reading the current rights and roles"),
            Step::Delegate => f.write_str("delegating the missing rights"),
            Step::Confirm => f.write_str("re-reading the rights after an ambiguous failure"),
            Step::Delete(id) => write!(f, "deleting right {id}"),
        }
    }
}

/// Failures of `show`, `grant` and `revoke`. Each says what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// An identifier is invalid; nothing was sent.
    #[error("invalid {what}: {source}")]
    InvalidId {
        /// Which input.
        what: &'static str,
        /// What is wrong with it.
        source: IdError,
    },
    /// The request makes no sense (e.g. no rights at all); nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Some rights to revoke come only from roles, which cannot be deleted right by right.
    /// Nothing was deleted.
    #[error(
        "cannot revoke {} one by one: the right holder has them through {}; remove the role instead",
        join(.rights),
        if .roles.is_empty() { "a role".to_owned() } else { format!("the role(s) {}", join(.roles)) }
    )]
    RoleDerived {
        /// The rights that come only from roles.
        rights: Vec<ServiceRight>,
        /// The roles the holder has (excluding the synthetic "single rights" entry): one of
        /// them carries the rights.
        roles: Vec<HeldRole>,
    },
    /// A directly delegated right has no `RightID`, so it cannot be deleted.
    #[error(
        "Altinn listed {right} as directly delegated but without a RightID; it cannot be deleted through this API"
    )]
    MissingRightId {
        /// The right.
        right: ServiceRight,
    },
    /// Altinn refused or failed a call.
    #[error("Altinn failed while {step}: {source}")]
    Altinn {
        /// What was being done.
        step: Step,
        /// What Altinn said (boxed to keep `Result`s small).
        source: Box<AltinnError>,
    },
    /// A delegation failed ambiguously, and reading the rights again showed some still missing
    /// after the one safe retry. Running `grant` again is safe.
    #[error(
        "delegation of {} could not be confirmed ({source}); run grant again, it only sends what is missing",
        join(.missing)
    )]
    Unconfirmed {
        /// The rights still missing.
        missing: Vec<ServiceRight>,
        /// The last failure.
        source: Box<AltinnError>,
    },
}

impl AccessError {
    /// The coarse kind, e.g. for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AccessError::InvalidId { .. }
            | AccessError::InvalidInput(_)
            | AccessError::RoleDerived { .. } => ErrorKind::BadInput,
            AccessError::MissingRightId { .. } => ErrorKind::Other,
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
        move |source| AccessError::Altinn {
            step,
            source: Box::new(source),
        }
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
