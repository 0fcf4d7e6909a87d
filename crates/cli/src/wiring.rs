//! Wiring: typed settings from the resolved configuration, and the adapters built from them.
//!
//! `altinn demo` builds the same settings from the mock server's demo world instead of the
//! configuration, so both paths share the adapter construction below.

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use tilgang_altinn2::{Altinn2Client, Altinn2Config};
use tilgang_domain::{
    ScopeSet,
    secret::{ApiKey, EnterpriseUserCredentials, Password},
};
use tilgang_ports::{
    AccessTokenSource, AltinnTokenSource, Delegations, ReporteeLookup, TokenRequest,
};

use tilgang_maskinporten::{
    AltinnExchange, CertificateChain, ClientKey, Environment, KeyError, MaskinportenClient,
    PrivateKey,
};

use crate::cli::EnvName;
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
    /// An adapter refused its settings.
    #[error("cannot set up {what}: {message}")]
    Adapter {
        /// Which adapter or setting.
        what: &'static str,
        /// What is wrong.
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
            (None, None) if config.env == EnvName::Local => {
                // The mock's demo client key is public test material, built in for `--env local`.
                KeyMaterial::Pem(tilgang_mock::demo::CLIENT_KEY_PKCS8_PEM.to_owned())
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
                password: Password::new(enterprise_password(env, &user.source)?),
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

/// The enterprise user's password: only from `ALTINN_ENTERPRISE_PASSWORD`, except that the
/// mock's demo user has its public demo password built in for `--env local`.
fn enterprise_password(
    env: EnvLookup<'_>,
    user_source: &crate::config::Source,
) -> Result<String, ConfigError> {
    match Config::env_secret(env, ENTERPRISE_PASSWORD_ENV, "enterprise user password") {
        Ok(password) => Ok(password),
        Err(_) if *user_source == crate::config::Source::Builtin(EnvName::Local) => {
            Ok(tilgang_mock::demo::ENTERPRISE_PASSWORD.to_owned())
        }
        Err(e) => Err(e),
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
    let key = client_key(&mp)?;
    let environment = match mp.issuer.as_str() {
        "https://test.maskinporten.no/" => Environment::Test,
        "https://maskinporten.no/" => Environment::Prod,
        issuer => Environment::Custom {
            issuer: issuer.to_owned(),
        },
    };
    let client = MaskinportenClient::builder(environment, mp.client_id.clone(), key)
        .build()
        .map_err(|e| WiringError::Adapter {
            what: "the Maskinporten client",
            message: e.to_string(),
        })?;
    let tokens: Arc<dyn AccessTokenSource> = Arc::new(client);
    let mut wired = Wired {
        tokens: Arc::clone(&tokens),
        request: mp.request.clone(),
        altinn_tokens: None,
        reportees: None,
        delegations: None,
    };
    let Some(altinn) = altinn else {
        return Ok(wired);
    };
    let platform = parse_url(&altinn.platform_url, "the Altinn platform URL")?;
    let mut exchange = AltinnExchange::builder(tokens, mp.request, platform);
    if let Some(user) = altinn.enterprise_user {
        exchange = exchange.enterprise_user(user);
    }
    let exchange: Arc<dyn AltinnTokenSource> =
        Arc::new(exchange.build().map_err(|e| WiringError::Adapter {
            what: "the Altinn token exchange",
            message: e.to_string(),
        })?);
    wired.altinn_tokens = Some(Arc::clone(&exchange));
    if let Some(api_key) = altinn.api_key {
        let base = parse_url(&altinn.api_url, "the Altinn API URL")?;
        let client =
            Altinn2Client::new(Altinn2Config::new(base, api_key), exchange).map_err(|e| {
                WiringError::Adapter {
                    what: "the Altinn 2 client",
                    message: e.to_string(),
                }
            })?;
        let client = Arc::new(client);
        wired.reportees = Some(Arc::clone(&client) as Arc<dyn ReporteeLookup>);
        wired.delegations = Some(client as Arc<dyn Delegations>);
    }
    Ok(wired)
}

fn parse_url(value: &str, what: &'static str) -> Result<url::Url, WiringError> {
    url::Url::parse(value).map_err(|e| WiringError::Adapter {
        what,
        message: format!("{value:?} is not a URL: {e}"),
    })
}

/// Loads the signing key: a PEM or JWK file (named by `kid`, or with a certificate chain for
/// `x5c`), a PKCS#12 file, or PEM text held in memory.
fn client_key(mp: &MaskinportenSettings) -> Result<ClientKey, WiringError> {
    let file_error = |what: &'static str, path: &Path, source_desc: &str| {
        let path = path.to_path_buf();
        let source_desc = source_desc.to_owned();
        move |e: KeyError| WiringError::File {
            what,
            path,
            source_desc,
            message: e.to_string(),
        }
    };
    match &mp.key {
        KeyMaterial::P12 {
            path,
            source_desc,
            password,
        } => ClientKey::from_pkcs12_file(path, password).map_err(file_error(
            "PKCS#12 file",
            path,
            source_desc,
        )),
        KeyMaterial::Pem(pem) => {
            let key =
                PrivateKey::from_pem(pem.as_bytes(), "the built-in demo key").map_err(|e| {
                    WiringError::Adapter {
                        what: "the demo key",
                        message: e.to_string(),
                    }
                })?;
            let kid = mp.kid.clone().unwrap_or_default();
            ClientKey::registered(key, kid).map_err(|e| WiringError::Adapter {
                what: "the demo key",
                message: e.to_string(),
            })
        }
        KeyMaterial::File { path, source_desc } => {
            let to_err = file_error("key file", path, source_desc);
            let text = std::fs::read(path).map_err(|e| WiringError::File {
                what: "key file",
                path: path.clone(),
                source_desc: source_desc.clone(),
                message: e.to_string(),
            })?;
            let is_jwk = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
            let key = if is_jwk {
                PrivateKey::from_jwk(&text, &path.display().to_string())
            } else {
                PrivateKey::from_pem(&text, &path.display().to_string())
            }
            .map_err(to_err)?;
            match (&mp.cert, &mp.kid) {
                (Some(cert), _) => {
                    let chain = CertificateChain::from_pem_file(cert).map_err(file_error(
                        "certificate chain",
                        cert,
                        "--cert / MASKINPORTEN_CERT",
                    ))?;
                    ClientKey::certificate(chain, key).map_err(file_error(
                        "certificate chain",
                        cert,
                        "--cert / MASKINPORTEN_CERT",
                    ))
                }
                (None, Some(kid)) => {
                    ClientKey::registered(key, kid.clone()).map_err(|e| WiringError::Adapter {
                        what: "the key id",
                        message: e.to_string(),
                    })
                }
                (None, None) if is_jwk => ClientKey::from_jwk_file(path).map_err(file_error(
                    "key file",
                    path,
                    source_desc,
                )),
                (None, None) => Err(WiringError::Adapter {
                    what: "the signing key",
                    message: format!(
                        "the PEM key {} needs a key id (--kid, MASKINPORTEN_KID, `kid`) or a \
                         certificate chain (--cert, MASKINPORTEN_CERT, `cert`)",
                        path.display()
                    ),
                }),
            }
        }
    }
}
