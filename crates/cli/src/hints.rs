//! What to do next, in this program's terms: the settings, flags and commands of `altinn`.
//!
//! The library errors say what happened and what it means for the request; only the program
//! knows which of its settings or commands fixes it. A hint rides on the error as its
//! outermost context and is printed on a line of its own.

use std::fmt;

use tilgang::ports::{AltinnError, Delivery, TokenError};

use crate::config::{Config, EnvName};

/// A hint attached to an error.
#[derive(Debug)]
pub(crate) struct Hint(pub(crate) String);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Attaches a hint to `err` when one applies.
pub(crate) fn add(err: anyhow::Error, config: &Config) -> anyhow::Error {
    match hint_for(&err, config.env) {
        Some(hint) => err.context(Hint(hint)),
        None => err,
    }
}

fn hint_for(err: &anyhow::Error, env: EnvName) -> Option<String> {
    for cause in err.chain() {
        let token = cause.downcast_ref::<TokenError>().or_else(|| {
            match cause.downcast_ref::<AltinnError>() {
                Some(AltinnError::Token(t)) => Some(t),
                _ => None,
            }
        });
        let not_sent = matches!(
            token,
            Some(TokenError::Transport {
                delivery: Delivery::NotSent,
                ..
            })
        ) || matches!(
            cause.downcast_ref::<AltinnError>(),
            Some(AltinnError::Transport {
                delivery: Delivery::NotSent,
                ..
            })
        );
        if not_sent {
            return Some(if env == EnvName::Local {
                "nothing answered at the local mock server's address: start it with \
                 `cargo run -p tilgang-mock` (it listens on 127.0.0.1:8080), or run \
                 `altinn demo`, which starts its own"
                    .to_owned()
            } else {
                "check the URL settings (--maskinporten-url, --platform-url, --api-url or their \
                 environment variables) and the network"
                    .to_owned()
            });
        }
        if let Some(AltinnError::Rejected(r)) = cause.downcast_ref::<AltinnError>()
            && r.status == 400
            && r.reason.contains("ApiKey")
        {
            return Some(
                "set the Altinn API key in the environment variable ALTINN_API_KEY or as \
                 `api_key` in the profile (secrets are never flags)"
                    .to_owned(),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use tilgang::ports::Rejection;

    use super::*;

    fn transport() -> anyhow::Error {
        anyhow::Error::new(TokenError::Transport {
            delivery: Delivery::NotSent,
            message: "connection refused".into(),
        })
        .context("step 1 (Maskinporten token) failed")
    }

    #[test]
    fn an_unreachable_local_server_says_how_to_start_it() {
        let hint = hint_for(&transport(), EnvName::Local).unwrap();
        assert!(hint.contains("cargo run -p tilgang-mock"), "{hint}");
        let hint = hint_for(&transport(), EnvName::Test).unwrap();
        assert!(hint.contains("--maskinporten-url"), "{hint}");
    }

    #[test]
    fn a_missing_api_key_names_the_setting() {
        let err = anyhow::Error::new(AltinnError::Rejected(Rejection {
            method: "GET".into(),
            path: "/api/my/authorization/Delegations".into(),
            status: 400,
            reason: "Required header 'ApiKey' is missing.".into(),
            body: String::new(),
            codes: vec![],
            validation: vec![],
            advice: String::new(),
            retry_after: None,
        }));
        let hint = hint_for(&err, EnvName::Test).unwrap();
        assert!(hint.contains("ALTINN_API_KEY"), "{hint}");
        assert!(hint_for(&anyhow::anyhow!("other"), EnvName::Test).is_none());
    }

    #[test]
    fn the_delivery_reads_as_words() {
        let text = format!("{:#}", transport());
        assert!(text.contains("the request was never sent"), "{text}");
        assert!(!text.contains("NotSent"), "{text}");
    }
}
