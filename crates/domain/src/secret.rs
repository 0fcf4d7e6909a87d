//! Secrets: values that must never reach a log.
//!
//! Every type here has a `Debug` that prints `[redacted]` and no `Display`. The value is read
//! only through an explicit `expose()`, so a reviewer can find every place a secret leaves
//! its box. The text is zeroised when the last clone is dropped (via `secrecy`).

use std::{fmt, sync::Arc, time::SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::id::ScopeSet;

/// A secret string that is cheap to clone (a reference count, no copy of the text).
#[derive(Clone)]
pub struct SecretText(Arc<SecretString>);

impl SecretText {
    /// Boxes a secret.
    pub fn new(value: impl Into<String>) -> Self {
        SecretText(Arc::new(SecretString::from(value.into())))
    }

    /// The secret text.
    ///
    /// # Security
    /// Whatever you do with the returned value, do not log it or put it in an error message.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([redacted])")
    }
}

impl PartialEq for SecretText {
    fn eq(&self, other: &Self) -> bool {
        // Equality is for tests and cache bookkeeping; a constant-time compare is not needed
        // because neither side is attacker-controlled input checked against a secret.
        self.expose() == other.expose()
    }
}

impl Eq for SecretText {}

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(SecretText);

        impl $name {
            /// Boxes the secret.
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretText::new(value))
            }

            /// The secret text.
            ///
            /// # Security
            /// Do not log the returned value or put it in an error message.
            pub fn expose(&self) -> &str {
                self.0.expose()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_newtype!(
    /// An Altinn API key, sent in the `ApiKey` header of every Altinn 2 REST call.
    ApiKey
);
secret_newtype!(
    /// A password, e.g. an enterprise user's.
    Password
);

/// Credentials of an Altinn 2 enterprise user (virksomhetsbruker).
#[derive(Clone, PartialEq, Eq)]
pub struct EnterpriseUserCredentials {
    /// The user name. Not secret.
    pub user_name: String,
    /// The password.
    pub password: Password,
}

impl fmt::Debug for EnterpriseUserCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterpriseUserCredentials")
            .field("user_name", &self.user_name)
            .field("password", &self.password)
            .finish()
    }
}

/// An access token from Maskinporten, with what the token response said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token itself.
    pub token: SecretText,
    /// When the token stops being valid, from `expires_in` at the time it was received.
    pub expires_at: SystemTime,
    /// The scopes the server says it granted (informational only; Digdir says not to use it
    /// for access control).
    pub scope: Option<ScopeSet>,
    /// The `consumer` organisation number read from the token, when it is a readable JWT.
    /// Shared text, so that handing out a cached token does not allocate.
    pub consumer: Option<Arc<str>>,
}

impl AccessToken {
    /// Whether the token is still valid at `now` with `margin` to spare.
    pub fn is_fresh(&self, now: SystemTime, margin: std::time::Duration) -> bool {
        now + margin < self.expires_at
    }
}

/// An Altinn platform token, obtained by exchanging a Maskinporten token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltinnToken {
    /// The token itself (a JWT).
    pub token: SecretText,
    /// When the token stops being valid, read from its `exp` claim.
    pub expires_at: SystemTime,
}

impl AltinnToken {
    /// Whether the token is still valid at `now` with `margin` to spare.
    pub fn is_fresh(&self, now: SystemTime, margin: std::time::Duration) -> bool {
        now + margin < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", ApiKey::new("k-123")), "ApiKey([redacted])");
        assert_eq!(
            format!("{:?}", Password::new("hunter2")),
            "Password([redacted])"
        );
        let token = AltinnToken {
            token: SecretText::new("eyJhbGciOi.secret.sig"),
            expires_at: SystemTime::UNIX_EPOCH,
        };
        let printed = format!("{token:?}");
        assert!(!printed.contains("eyJ"), "{printed}");
        assert!(printed.contains("[redacted]"));
        let creds = EnterpriseUserCredentials {
            user_name: "bruker".into(),
            password: Password::new("hemmelig"),
        };
        assert!(!format!("{creds:?}").contains("hemmelig"));
    }
}
