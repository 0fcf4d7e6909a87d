//! Wiring: the resolved configuration turned into the facade's typed settings, and the stack
//! built from them by `tilgang::Stack::build`.
//!
//! Values are parsed here once (URLs, scopes, the key file) and handed on as types; nothing
//! downstream parses a string again. `altinn demo` builds the same typed settings from the
//! mock server's demo world instead of the configuration.

use std::path::{Path, PathBuf};

use tilgang::{
    AltinnSettings, Backend, MaskinportenSettings, Settings, Stack,
    domain::{
        OrgNumber, PartyRef, ScopeSet,
        secret::{ApiKey, EnterpriseUserCredentials, Password},
    },
    maskinporten::{ClientKey, Environment, KeyError, PrivateKey},
    ports::{SystemUserAuthorization, TokenRequest},
};
use url::Url;

use crate::config::{
    ALTINN2_SCOPE, ALTINN3_SCOPES, Config, ConfigError, ENTERPRISE_PASSWORD_ENV, EnvLookup,
    EnvName, Setting, Source,
};

/// Which Altinn API manages access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    /// The Access Management enduser API, with a system user.
    Altinn3,
    /// The retired Altinn 2 REST API.
    Altinn2,
}

impl Platform {
    /// The platform the configuration names (default altinn3).
    pub(crate) fn of(config: &Config) -> Result<Platform, ConfigError> {
        let value = config.require(Setting::Platform)?;
        match value.value.trim().to_ascii_lowercase().as_str() {
            "altinn3" | "3" => Ok(Platform::Altinn3),
            "altinn2" | "2" => Ok(Platform::Altinn2),
            other => Err(config.invalid(
                Setting::Platform,
                format!("{other:?} is not one of altinn3, altinn2"),
            )),
        }
    }
}

/// The organisation whose access is managed: `--org`, else the system user's organisation on
/// Altinn 3 (so a customer's system user manages its own organisation by default) and `my` on
/// Altinn 2.
pub(crate) fn org(config: &Config) -> anyhow::Result<PartyRef> {
    if let Some(org) = config.get(Setting::Org) {
        return PartyRef::parse(&org.value).map_err(|e| config.invalid(Setting::Org, e).into());
    }
    if Platform::of(config)? == Platform::Altinn3
        && let Some(org) = config.get(Setting::SystemUserOrg)
    {
        let number =
            OrgNumber::parse(&org.value).map_err(|e| config.invalid(Setting::SystemUserOrg, e))?;
        return Ok(PartyRef::Organisation(number));
    }
    Ok(PartyRef::My)
}

/// Problems building the stack that are not configuration lookups (e.g. a key file that does
/// not parse). They are bad input, so they exit with 2.
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
    /// A part of the stack refused its settings.
    #[error("cannot set up {what}: {message}")]
    Adapter {
        /// Which part or setting.
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

/// How much of the stack a command needs; only the settings of those parts are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Need {
    /// Step 1 only.
    Tokens,
    /// Steps 1 and 2.
    Exchange,
    /// Everything.
    Access,
    /// The vendor's onboarding calls (the system register), besides steps 1 and 2.
    Onboarding,
}

/// Builds the stack a command needs from the resolved configuration.
pub(crate) fn stack(config: &Config, env: EnvLookup<'_>, need: Need) -> anyhow::Result<Stack> {
    let settings = settings(config, env, need)?;
    Ok(Stack::build(settings)?)
}

/// The typed settings for `need`.
pub(crate) fn settings(
    config: &Config,
    env: EnvLookup<'_>,
    need: Need,
) -> Result<Settings, anyhow::Error> {
    let maskinporten = maskinporten(config, env)?;
    let altinn = if need >= Need::Exchange {
        let mut settings = altinn(config, env, need == Need::Access)?;
        if need == Need::Onboarding {
            // The vendor's own token: no system user in it, the system-register scopes.
            let mut request = maskinporten.request.clone();
            request.system_user = None;
            request.scopes = ScopeSet::parse(tilgang::altinn3::SYSTEM_REGISTER_SCOPES)
                .map_err(|e| config.invalid(Setting::Scope, e))?;
            settings.onboarding = Some(request);
        }
        Some(settings)
    } else {
        None
    };
    Ok(Settings {
        maskinporten,
        altinn,
    })
}

fn url(config: &Config, setting: Setting) -> Result<Url, ConfigError> {
    let value = config.require(setting)?;
    match Url::parse(&value.value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        Ok(_) => Err(config.invalid(setting, "must be an http or https URL with a host")),
        Err(e) => Err(config.invalid(setting, format!("not a URL: {e}"))),
    }
}

/// Step 1's settings.
fn maskinporten(config: &Config, env: EnvLookup<'_>) -> anyhow::Result<MaskinportenSettings> {
    let issuer = url(config, Setting::MaskinportenUrl)?;
    let environment = match issuer.as_str() {
        "https://test.maskinporten.no/" => Environment::Test,
        "https://maskinporten.no/" => Environment::Prod,
        _ => Environment::Custom {
            issuer: config.require(Setting::MaskinportenUrl)?.value.clone(),
        },
    };
    let client_id = config.require(Setting::ClientId)?.value.clone();
    let key = client_key(config, env)?;
    let platform = Platform::of(config)?;
    let scopes = match config.get(Setting::Scope) {
        Some(value) => {
            ScopeSet::parse(&value.value).map_err(|e| config.invalid(Setting::Scope, e))?
        }
        None => ScopeSet::parse(match platform {
            Platform::Altinn3 => ALTINN3_SCOPES,
            Platform::Altinn2 => ALTINN2_SCOPE,
        })
        .map_err(|e| config.invalid(Setting::Scope, e))?,
    };
    let mut request = TokenRequest::scopes(scopes);
    if config.get(Setting::Resource).is_some() {
        request.resource = vec![url(config, Setting::Resource)?.to_string()];
    }
    if let Some(org) = config.get(Setting::SystemUserOrg)
        && platform == Platform::Altinn3
    {
        let org =
            OrgNumber::parse(&org.value).map_err(|e| config.invalid(Setting::SystemUserOrg, e))?;
        request.system_user = Some(SystemUserAuthorization {
            org,
            external_ref: None,
        });
    }
    Ok(MaskinportenSettings::new(
        environment,
        client_id,
        key,
        request,
    ))
}

/// Steps 2–6's settings. `need_api` says whether the access-management API is used (then its
/// settings, the API key among them, are required).
fn altinn(config: &Config, env: EnvLookup<'_>, need_api: bool) -> anyhow::Result<AltinnSettings> {
    let platform_url = url(config, Setting::PlatformUrl)?;
    let platform = Platform::of(config)?;
    let enterprise_user = match config.get(Setting::EnterpriseUser) {
        Some(user) => Some(EnterpriseUserCredentials {
            user_name: user.value.clone(),
            password: Password::new(enterprise_password(env, &user.source)?),
        }),
        // The mock's demo enterprise user is public test material, built in for the retired
        // Altinn 2 flow against `--env local`.
        None if config.env == EnvName::Local && platform == Platform::Altinn2 => {
            Some(EnterpriseUserCredentials {
                user_name: tilgang_mock::demo::ENTERPRISE_USER.to_owned(),
                password: Password::new(tilgang_mock::demo::ENTERPRISE_PASSWORD),
            })
        }
        None => None,
    };
    let backend = match (need_api, platform) {
        (false, _) => None,
        (true, Platform::Altinn3) => Some(Backend::Altinn3 { retry: None }),
        (true, Platform::Altinn2) => Some(Backend::Altinn2 {
            api_url: url(config, Setting::ApiUrl)?,
            api_key: ApiKey::new(config.require(Setting::ApiKey)?.value.clone()),
            retry: None,
        }),
    };
    Ok(AltinnSettings {
        platform_url,
        enterprise_user,
        retry: None,
        backend,
        onboarding: None,
    })
}

/// The enterprise user's password: only from `ALTINN_ENTERPRISE_PASSWORD`, except that the
/// mock's demo user has its public demo password built in for `--env local`.
fn enterprise_password(env: EnvLookup<'_>, user_source: &Source) -> Result<String, ConfigError> {
    match Config::env_secret(env, ENTERPRISE_PASSWORD_ENV, "enterprise user password") {
        Ok(password) => Ok(password),
        Err(_) if *user_source == Source::Builtin(EnvName::Local) => {
            Ok(tilgang_mock::demo::ENTERPRISE_PASSWORD.to_owned())
        }
        Err(e) => Err(e),
    }
}

/// The signing key: a key file (PEM or JWK, told apart by the Maskinporten crate) named by
/// `kid` or sent with a certificate chain, or a PKCS#12 file, or for `--env local` the mock's
/// public demo key.
fn client_key(config: &Config, env: EnvLookup<'_>) -> anyhow::Result<ClientKey> {
    let kid = config.get(Setting::Kid).map(|v| v.value.as_str());
    let cert = config.get(Setting::Cert);
    match (config.get(Setting::Key), config.get(Setting::P12)) {
        (Some(key), None) => {
            let path = PathBuf::from(&key.value);
            let cert_path = cert.map(|c| PathBuf::from(&c.value));
            ClientKey::from_file(&path, kid, cert_path.as_deref()).map_err(|e| {
                let (what, path, source_desc) = match (&e, &cert_path, cert) {
                    (KeyError::CertificateMismatch { .. }, Some(c), Some(v)) => {
                        ("certificate chain", c.clone(), v.source.to_string())
                    }
                    _ => ("key file", path.clone(), key.source.to_string()),
                };
                let mut message = e.to_string();
                if kid.is_none() && cert.is_none() && matches!(e, KeyError::Format { .. }) {
                    message.push_str(
                        " (set the key id with --kid, MASKINPORTEN_KID or `kid`, or the \
                         certificate chain with --cert, MASKINPORTEN_CERT or `cert`)",
                    );
                }
                WiringError::File {
                    what,
                    path,
                    source_desc,
                    message,
                }
                .into()
            })
        }
        (None, Some(p12)) => {
            let var = config.require(Setting::P12PasswordEnv)?.value.clone();
            let password = Password::new(Config::env_secret(env, &var, "PKCS#12 password")?);
            let path = Path::new(&p12.value);
            ClientKey::from_pkcs12_file(path, &password).map_err(|e| {
                WiringError::File {
                    what: "PKCS#12 file",
                    path: path.to_path_buf(),
                    source_desc: p12.source.to_string(),
                    message: e.to_string(),
                }
                .into()
            })
        }
        (Some(key), Some(p12)) => Err(ConfigError::Other(format!(
            "both a key file (from {}) and a PKCS#12 file (from {}) are set; use one",
            key.source, p12.source
        ))
        .into()),
        (None, None) if config.env == EnvName::Local => {
            // The mock's demo client key is public test material, built in for `--env local`.
            demo_key(kid.unwrap_or(tilgang_mock::demo::KID))
        }
        (None, None) => Err(ConfigError::Missing {
            name: "signing key".into(),
            looked: format!(
                "{}; or a PKCS#12 file the same way (--p12, MASKINPORTEN_P12, `p12`)",
                match config.missing(Setting::Key) {
                    ConfigError::Missing { looked, .. } => looked,
                    other => other.to_string(),
                }
            ),
        }
        .into()),
    }
}

/// The mock's public demo key, registered under `kid`.
pub(crate) fn demo_key(kid: &str) -> anyhow::Result<ClientKey> {
    let key = PrivateKey::from_pem(
        tilgang_mock::demo::CLIENT_KEY_PKCS8_PEM.as_bytes(),
        "the built-in demo key",
    )
    .map_err(|e| WiringError::Adapter {
        what: "the demo key",
        message: e.to_string(),
    })?;
    Ok(
        ClientKey::registered(key, kid).map_err(|e| WiringError::Adapter {
            what: "the key id",
            message: e.to_string(),
        })?,
    )
}
