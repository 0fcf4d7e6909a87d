//! Wiring: typed settings from the resolved configuration, and the adapters built from them.
//!
//! `altinn demo` builds the same settings from the mock server's demo world instead of the
//! configuration, so both paths share the adapter construction below.

use std::{fmt, path::PathBuf, sync::Arc};

use tilgang_domain::{
    ScopeSet,
    secret::{ApiKey, EnterpriseUserCredentials, Password},
};
use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, Delegations, ReporteeLookup, TokenRequest,
};

use crate::config::{Config, ConfigError, ENTERPRISE_PASSWORD_ENV, EnvLookup, Setting};

/// Problems building adapters that are not configuration lookups (e.g. a key file that does not
/// parse). They are bad input, so they exit with 2.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WiringError {
    /// A file named in the configuration could not be read or parsed.
    #[error("cannot use {what} {} (from {source_desc}): {message}", path.display())]
    File {
        /// What the file is.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Where the path came from.
        source_desc: String,
        /// What failed.
        message: String,
    },
}

impl WiringError {
    pub(crate) fn exit_code(&self) -> u8 {
        2
    }
}

/// Where the signing key comes from.
pub(crate) enum KeyMaterial {
    /// A PEM or JWK file.
    File {
        /// The file.
        path: PathBuf,
        /// Where the path came from, for messages.
        source_desc: String,
    },
    /// A PKCS#12 file and its password.
    P12 {
        /// The file.
        path: PathBuf,
        /// Where the path came from, for messages.
        source_desc: String,
        /// The password.
        password: Password,
    },
    /// PEM text held in memory (the demo's built-in test key).
    Pem(String),
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyMaterial::File { path, .. } => write!(f, "File({})", path.display()),
            KeyMaterial::P12 { path, .. } => write!(f, "P12({}, [redacted])", path.display()),
            KeyMaterial::Pem(_) => f.write_str("Pem([redacted])"),
        }
    }
}

/// Everything step 1 needs.
#[derive(Debug)]
pub(crate) struct MaskinportenSettings {
    /// The issuer URL (well-known is read from it).
    pub(crate) issuer: String,
    /// The client id.
    pub(crate) client_id: String,
    /// The signing key.
    pub(crate) key: KeyMaterial,
    /// The key id, for a registered key.
    pub(crate) kid: Option<String>,
    /// A PEM certificate chain, for x5c.
    pub(crate) cert: Option<PathBuf>,
    /// What to ask for.
    pub(crate) request: TokenRequest,
}

/// Everything steps 2–6 need besides step 1.
#[derive(Debug)]
pub(crate) struct AltinnSettings {
    /// The platform URL (token exchange).
    pub(crate) platform_url: String,
    /// The Altinn 2 REST root.
    pub(crate) api_url: String,
    /// The API key.
    pub(crate) api_key: Option<ApiKey>,
    /// The enterprise user, if one is configured.
    pub(crate) enterprise_user: Option<EnterpriseUserCredentials>,
}

fn check_url(config: &Config, setting: Setting) -> Result<String, ConfigError> {
    let value = config.require(setting)?;
    match url::Url::parse(&value.value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(value.value.clone())
        }
        Ok(_) => Err(config.invalid(setting, "must be an http or https URL with a host")),
        Err(e) => Err(config.invalid(setting, format!("not a URL: {e}"))),
    }
}

impl MaskinportenSettings {
    /// Reads step 1's settings from the configuration.
    pub(crate) fn from_config(config: &Config, env: EnvLookup<'_>) -> Result<Self, ConfigError> {
        let issuer = check_url(config, Setting::MaskinportenUrl)?;
        let client_id = config.require(Setting::ClientId)?.value.clone();
        let key = match (config.get(Setting::Key), config.get(Setting::P12)) {
            (Some(key), None) => KeyMaterial::File {
                path: PathBuf::from(&key.value),
                source_desc: key.source.to_string(),
            },
            (None, Some(p12)) => {
                let var = config.require(Setting::P12PasswordEnv)?.value.clone();
                let password = Config::env_secret(env, &var, "PKCS#12 password")?;
                KeyMaterial::P12 {
                    path: PathBuf::from(&p12.value),
                    source_desc: p12.source.to_string(),
                    password: Password::new(password),
                }
            }
            (Some(key), Some(p12)) => {
                return Err(ConfigError::Other(format!(
                    "both a key file (from {}) and a PKCS#12 file (from {}) are set; use one",
                    key.source, p12.source
                )));
            }
            (None, None) => {
                return Err(ConfigError::Missing {
                    name: "signing key".into(),
                    looked: format!(
                        "{}; or a PKCS#12 file the same way ({})",
                        describe_missing(config, Setting::Key),
                        "--p12, MASKINPORTEN_P12, `p12`"
                    ),
                });
            }
        };
        let kid = config.get(Setting::Kid).map(|v| v.value.clone());
        let cert = config.get(Setting::Cert).map(|v| PathBuf::from(&v.value));
        let scope_value = config.require(Setting::Scope)?;
        let scopes =
            ScopeSet::parse(&scope_value.value).map_err(|e| config.invalid(Setting::Scope, e))?;
        let mut request = TokenRequest::scopes(scopes);
        if config.get(Setting::Resource).is_some() {
            request.resource = vec![check_url(config, Setting::Resource)?];
        }
        Ok(MaskinportenSettings {
            issuer,
            client_id,
            key,
            kid,
            cert,
            request,
        })
    }
}

fn describe_missing(config: &Config, setting: Setting) -> String {
    match config.missing(setting) {
        ConfigError::Missing { looked, .. } => looked,
        other => other.to_string(),
    }
}

impl AltinnSettings {
    /// Reads the Altinn settings. `need_api` says whether the Altinn 2 REST API is used (then
    /// the API key is required).
    pub(crate) fn from_config(
        config: &Config,
        env: EnvLookup<'_>,
        need_api: bool,
    ) -> Result<Self, ConfigError> {
        let platform_url = check_url(config, Setting::PlatformUrl)?;
        let (api_url, api_key) = if need_api {
            (
                check_url(config, Setting::ApiUrl)?,
                Some(ApiKey::new(config.require(Setting::ApiKey)?.value.clone())),
            )
        } else {
            (String::new(), None)
        };
        let enterprise_user = match config.get(Setting::EnterpriseUser) {
            Some(user) => Some(EnterpriseUserCredentials {
                user_name: user.value.clone(),
                password: Password::new(Config::env_secret(
                    env,
                    ENTERPRISE_PASSWORD_ENV,
                    "enterprise user password",
                )?),
            }),
            None => None,
        };
        Ok(AltinnSettings {
            platform_url,
            api_url,
            api_key,
            enterprise_user,
        })
    }
}

/// The adapters for a command.
pub(crate) struct Wired {
    /// Step 1.
    pub(crate) tokens: Arc<dyn AccessTokenSource>,
    /// What step 1 asks for.
    pub(crate) request: TokenRequest,
    /// Step 2, when Altinn is configured.
    pub(crate) altinn_tokens: Option<Arc<dyn AltinnTokenSource>>,
    /// Step 3.
    pub(crate) reportees: Option<Arc<dyn ReporteeLookup>>,
    /// Steps 4–6.
    pub(crate) delegations: Option<Arc<dyn Delegations>>,
}

impl fmt::Debug for Wired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wired")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

/// Builds the adapters. Without Altinn settings only step 1 is wired.
pub(crate) fn wire(
    mp: MaskinportenSettings,
    altinn: Option<AltinnSettings>,
) -> Result<Wired, WiringError> {
    let _ = (mp, altinn);
    Err(WiringError::File {
        what: "adapters",
        path: PathBuf::new(),
        source_desc: "wiring".into(),
        message: "not wired yet".into(),
    })
}
