//! Layered configuration: flags, then environment, then a TOML profile, then the built-in
//! defaults of `--env test|prod|local`.
//!
//! Every resolved value remembers where it came from, so that an invalid value names its
//! source and a missing one lists every place that was searched. The environment is read
//! through a lookup function, so the whole resolution is testable without touching the
//! process environment.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::cli::{EnvName, SettingsArgs};

/// Reads one environment variable.
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The environment variable that names the configuration file.
pub(crate) const CONFIG_ENV: &str = "ALTINN_CONFIG";
/// The environment variable that names the profile.
pub(crate) const PROFILE_ENV: &str = "ALTINN_PROFILE";
/// The environment variable that picks the built-in environment.
pub(crate) const ENV_ENV: &str = "ALTINN_ENV";
/// The only place the enterprise user's password is read from.
pub(crate) const ENTERPRISE_PASSWORD_ENV: &str = "ALTINN_ENTERPRISE_PASSWORD";
/// The default name of the variable holding the PKCS#12 password.
pub(crate) const DEFAULT_P12_PASSWORD_ENV: &str = "MASKINPORTEN_P12_PASSWORD";
/// The default scope: the Altinn 2 end-user API.
pub(crate) const DEFAULT_SCOPE: &str = "altinn:enduser";

/// One configurable setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Setting {
    MaskinportenUrl,
    ClientId,
    Key,
    Kid,
    Cert,
    P12,
    P12PasswordEnv,
    Scope,
    Resource,
    PlatformUrl,
    ApiUrl,
    ApiKey,
    EnterpriseUser,
}

/// Where a setting may be given.
struct Spec {
    /// A human name for messages.
    name: &'static str,
    /// The flag, if the setting has one (secrets do not).
    flag: Option<&'static str>,
    /// The environment variable, if any.
    env: Option<&'static str>,
    /// The key in a profile table.
    toml: &'static str,
}

impl Setting {
    const ALL: [Setting; 13] = [
        Setting::MaskinportenUrl,
        Setting::ClientId,
        Setting::Key,
        Setting::Kid,
        Setting::Cert,
        Setting::P12,
        Setting::P12PasswordEnv,
        Setting::Scope,
        Setting::Resource,
        Setting::PlatformUrl,
        Setting::ApiUrl,
        Setting::ApiKey,
        Setting::EnterpriseUser,
    ];

    fn spec(self) -> Spec {
        let s = |name, flag, env, toml| Spec {
            name,
            flag,
            env,
            toml,
        };
        match self {
            Setting::MaskinportenUrl => s(
                "Maskinporten URL",
                Some("--maskinporten-url"),
                Some("MASKINPORTEN_URL"),
                "maskinporten_url",
            ),
            Setting::ClientId => s(
                "client id",
                Some("--client-id"),
                Some("MASKINPORTEN_CLIENT_ID"),
                "client_id",
            ),
            Setting::Key => s("key file", Some("--key"), Some("MASKINPORTEN_KEY"), "key"),
            Setting::Kid => s("key id", Some("--kid"), Some("MASKINPORTEN_KID"), "kid"),
            Setting::Cert => s(
                "certificate chain",
                Some("--cert"),
                Some("MASKINPORTEN_CERT"),
                "cert",
            ),
            Setting::P12 => s(
                "PKCS#12 file",
                Some("--p12"),
                Some("MASKINPORTEN_P12"),
                "p12",
            ),
            Setting::P12PasswordEnv => s(
                "PKCS#12 password variable",
                Some("--p12-password-env"),
                None,
                "p12_password_env",
            ),
            Setting::Scope => s(
                "scope",
                Some("--scope"),
                Some("MASKINPORTEN_SCOPE"),
                "scope",
            ),
            Setting::Resource => s(
                "resource",
                Some("--resource"),
                Some("MASKINPORTEN_RESOURCE"),
                "resource",
            ),
            Setting::PlatformUrl => s(
                "Altinn platform URL",
                Some("--platform-url"),
                Some("ALTINN_PLATFORM_URL"),
                "platform_url",
            ),
            Setting::ApiUrl => s(
                "Altinn API URL",
                Some("--api-url"),
                Some("ALTINN_API_URL"),
                "api_url",
            ),
            Setting::ApiKey => s("Altinn API key", None, Some("ALTINN_API_KEY"), "api_key"),
            Setting::EnterpriseUser => s(
                "enterprise user",
                Some("--enterprise-user"),
                Some("ALTINN_ENTERPRISE_USER"),
                "enterprise_user",
            ),
        }
    }

    /// Whether the value is a secret: never printed, never accepted as a flag.
    pub(crate) fn is_secret(self) -> bool {
        matches!(self, Setting::ApiKey)
    }

    /// Whether the value is a file path (relative paths in a profile are relative to the file).
    fn is_path(self) -> bool {
        matches!(self, Setting::Key | Setting::Cert | Setting::P12)
    }

    fn in_flags(self, flags: &SettingsArgs) -> Option<&str> {
        match self {
            Setting::MaskinportenUrl => flags.maskinporten_url.as_deref(),
            Setting::ClientId => flags.client_id.as_deref(),
            Setting::Key => flags.key.as_deref(),
            Setting::Kid => flags.kid.as_deref(),
            Setting::Cert => flags.cert.as_deref(),
            Setting::P12 => flags.p12.as_deref(),
            Setting::P12PasswordEnv => flags.p12_password_env.as_deref(),
            Setting::Scope => flags.scope.as_deref(),
            Setting::Resource => flags.resource.as_deref(),
            Setting::PlatformUrl => flags.platform_url.as_deref(),
            Setting::ApiUrl => flags.api_url.as_deref(),
            Setting::EnterpriseUser => flags.enterprise_user.as_deref(),
            Setting::ApiKey => None,
        }
    }

    fn in_profile(self, p: &ProfileFile) -> Option<&str> {
        match self {
            Setting::MaskinportenUrl => p.maskinporten_url.as_deref(),
            Setting::ClientId => p.client_id.as_deref(),
            Setting::Key => p.key.as_deref(),
            Setting::Kid => p.kid.as_deref(),
            Setting::Cert => p.cert.as_deref(),
            Setting::P12 => p.p12.as_deref(),
            Setting::P12PasswordEnv => p.p12_password_env.as_deref(),
            Setting::Scope => p.scope.as_deref(),
            Setting::Resource => p.resource.as_deref(),
            Setting::PlatformUrl => p.platform_url.as_deref(),
            Setting::ApiUrl => p.api_url.as_deref(),
            Setting::ApiKey => p.api_key.as_deref(),
            Setting::EnterpriseUser => p.enterprise_user.as_deref(),
        }
    }

    /// The built-in default in `env`, if there is one.
    pub(crate) fn builtin(self, env: EnvName) -> Option<&'static str> {
        match (self, env) {
            (Setting::Scope, _) => Some(DEFAULT_SCOPE),
            (Setting::P12PasswordEnv, _) => Some(DEFAULT_P12_PASSWORD_ENV),
            (Setting::MaskinportenUrl, EnvName::Test) => Some("https://test.maskinporten.no/"),
            (Setting::MaskinportenUrl, EnvName::Prod) => Some("https://maskinporten.no/"),
            (Setting::PlatformUrl, EnvName::Test) => Some("https://platform.tt02.altinn.no"),
            (Setting::PlatformUrl, EnvName::Prod) => Some("https://platform.altinn.no"),
            (Setting::ApiUrl, EnvName::Test) => Some("https://tt02.altinn.no"),
            (Setting::ApiUrl, EnvName::Prod) => Some("https://www.altinn.no"),
            (setting, EnvName::Local) => local_default(setting),
            _ => None,
        }
    }
}

/// Defaults for `--env local`: the mock server binary on its default address, with the demo
/// world's public test credentials (they are only valid against the mock). The demo key itself
/// is built in too (see `wiring`), so `altinn --env local token` needs no other setting.
fn local_default(setting: Setting) -> Option<&'static str> {
    use tilgang_mock::demo;
    match setting {
        Setting::MaskinportenUrl => Some(LOCAL_ISSUER),
        Setting::PlatformUrl => Some(LOCAL_PLATFORM),
        Setting::ApiUrl => Some(LOCAL_API),
        Setting::ClientId => Some(demo::CLIENT_ID),
        Setting::Kid => Some(demo::KID),
        Setting::ApiKey => Some(demo::API_KEY),
        Setting::EnterpriseUser => Some(demo::ENTERPRISE_USER),
        _ => None,
    }
}

/// Where the mock server binary serves Maskinporten by default (`--listen 127.0.0.1:8080`);
/// the mock's issuer is its base URL with a trailing slash.
pub(crate) const LOCAL_ISSUER: &str = "http://127.0.0.1:8080/";
/// Where it serves the Altinn platform (the same listener).
pub(crate) const LOCAL_PLATFORM: &str = "http://127.0.0.1:8080";
/// Where it serves the Altinn 2 REST API (the same listener).
pub(crate) const LOCAL_API: &str = "http://127.0.0.1:8080";

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec().name)
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(String),
    /// A key in a profile of a configuration file.
    Profile {
        /// The file.
        file: PathBuf,
        /// The profile (table) name.
        profile: String,
        /// The key.
        key: &'static str,
    },
    /// The built-in defaults of an environment.
    Builtin(EnvName),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "environment variable {var}"),
            Source::Profile { file, profile, key } => write!(
                f,
                "key `{key}` in profile [{profile}] of {}",
                file.display()
            ),
            Source::Builtin(env) => write!(f, "built-in defaults of --env {}", env_name(*env)),
        }
    }
}

/// A resolved value and its source.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Value {
    /// The value.
    pub(crate) value: String,
    /// Where it came from.
    pub(crate) source: Source,
    /// Whether the value is secret (then `Debug` hides it).
    secret: bool,
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = if self.secret {
            "[redacted]"
        } else {
            self.value.as_str()
        };
        write!(f, "{shown:?} (from {})", self.source)
    }
}

/// A configuration problem. Every message names the setting and where it was looked for.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// A required setting has no value anywhere.
    #[error("missing setting: {name}; looked for {looked}")]
    Missing {
        /// The setting.
        name: String,
        /// Every place that was searched.
        looked: String,
    },
    /// A value is malformed.
    #[error("invalid {name} (from {origin}): {message}")]
    Invalid {
        /// The setting.
        name: String,
        /// Where the value came from.
        origin: Source,
        /// What is wrong.
        message: String,
    },
    /// The configuration file could not be read.
    #[error("cannot read configuration file {} (from {origin}): {message}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Where the path came from.
        origin: String,
        /// What failed.
        message: String,
    },
    /// The configuration file is not valid TOML or has unknown keys.
    #[error("malformed configuration file {}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The asked-for profile is not in the file.
    #[error("profile [{profile}] (from {origin}) not found in {}; profiles there: {available}", path.display())]
    NoProfile {
        /// The profile.
        profile: String,
        /// Where the profile name came from.
        origin: String,
        /// The file.
        path: PathBuf,
        /// The profiles the file has.
        available: String,
    },
    /// A setting that must not come from a given place (e.g. a secret in a flag).
    #[error("{0}")]
    Other(String),
}

/// One table of the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileFile {
    env: Option<String>,
    maskinporten_url: Option<String>,
    client_id: Option<String>,
    key: Option<String>,
    kid: Option<String>,
    cert: Option<String>,
    p12: Option<String>,
    p12_password_env: Option<String>,
    scope: Option<String>,
    resource: Option<String>,
    platform_url: Option<String>,
    api_url: Option<String>,
    api_key: Option<String>,
    enterprise_user: Option<String>,
}

/// What happened with the configuration file, for messages.
#[derive(Debug, Clone)]
enum ProfileState {
    /// No file at the default location (or no platform config directory).
    NoFile { path: Option<PathBuf> },
    /// The file exists but has no table of the default profile's name.
    NoTable { path: PathBuf, profile: String },
    /// The profile was loaded.
    Loaded { path: PathBuf, profile: String },
}

/// The resolved configuration.
#[derive(Debug)]
pub(crate) struct Config {
    /// The built-in environment in effect.
    pub(crate) env: EnvName,
    values: BTreeMap<Setting, Value>,
    profile: ProfileState,
}

/// Everything resolution reads.
pub(crate) struct Inputs<'a> {
    /// The parsed flags.
    pub(crate) flags: &'a SettingsArgs,
    /// The environment.
    pub(crate) env: EnvLookup<'a>,
    /// The configuration file to use when neither `--config` nor `ALTINN_CONFIG` names one.
    pub(crate) default_config_file: Option<PathBuf>,
}

impl fmt::Debug for Inputs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inputs")
            .field("flags", self.flags)
            .field("default_config_file", &self.default_config_file)
            .finish_non_exhaustive()
    }
}

/// The platform's configuration file: `config.toml` in the user's config directory for
/// `altinn` (e.g. `~/.config/altinn/config.toml` on Linux).
pub(crate) fn platform_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("no", "tilgang", "altinn")
        .map(|dirs| dirs.config_dir().join("config.toml"))
}

pub(crate) fn env_name(env: EnvName) -> &'static str {
    match env {
        EnvName::Test => "test",
        EnvName::Prod => "prod",
        EnvName::Local => "local",
    }
}

fn parse_env_name(s: &str) -> Option<EnvName> {
    match s.trim().to_ascii_lowercase().as_str() {
        "test" | "tt02" => Some(EnvName::Test),
        "prod" | "production" => Some(EnvName::Prod),
        "local" | "mock" => Some(EnvName::Local),
        _ => None,
    }
}

/// A non-empty environment variable (an empty one counts as unset, as shells make it easy to
/// export `X=` by accident).
fn env_var(env: EnvLookup<'_>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Resolves every setting from the four layers.
    pub(crate) fn resolve(inputs: &Inputs<'_>) -> Result<Config, ConfigError> {
        let (profile_file, profile) = load_profile(inputs)?;

        let env = if let Some(env) = inputs.flags.env {
            env
        } else if let Some(raw) = env_var(inputs.env, ENV_ENV) {
            parse_env_name(&raw).ok_or_else(|| ConfigError::Invalid {
                name: "environment".into(),
                origin: Source::Env(ENV_ENV.into()),
                message: format!("{raw:?} is not one of test, prod, local"),
            })?
        } else if let (Some(raw), ProfileState::Loaded { path, profile }) =
            (profile_file.env.as_deref(), &profile)
        {
            parse_env_name(raw).ok_or_else(|| ConfigError::Invalid {
                name: "environment".into(),
                origin: Source::Profile {
                    file: path.clone(),
                    profile: profile.clone(),
                    key: "env",
                },
                message: format!("{raw:?} is not one of test, prod, local"),
            })?
        } else {
            EnvName::Test
        };

        let mut values = BTreeMap::new();
        for setting in Setting::ALL {
            let spec = setting.spec();
            let secret = setting.is_secret();
            let found = if let Some(v) = setting.in_flags(inputs.flags) {
                Some((v.to_owned(), Source::Flag(spec.flag.unwrap_or_default())))
            } else if let Some(v) = spec.env.and_then(|var| env_var(inputs.env, var)) {
                Some((v, Source::Env(spec.env.unwrap_or_default().into())))
            } else if let (Some(v), ProfileState::Loaded { path, profile }) =
                (setting.in_profile(&profile_file), &profile)
            {
                let value = if setting.is_path() {
                    relative_to(path, v)
                } else {
                    v.to_owned()
                };
                Some((
                    value,
                    Source::Profile {
                        file: path.clone(),
                        profile: profile.clone(),
                        key: spec.toml,
                    },
                ))
            } else {
                setting
                    .builtin(env)
                    .map(|v| (v.to_owned(), Source::Builtin(env)))
            };
            if let Some((value, source)) = found {
                if value.trim().is_empty() {
                    return Err(ConfigError::Invalid {
                        name: spec.name.into(),
                        origin: source,
                        message: "must not be empty".into(),
                    });
                }
                values.insert(
                    setting,
                    Value {
                        value: value.trim().to_owned(),
                        source,
                        secret,
                    },
                );
            }
        }
        Ok(Config {
            env,
            values,
            profile,
        })
    }

    /// A setting's value, if it has one.
    pub(crate) fn get(&self, setting: Setting) -> Option<&Value> {
        self.values.get(&setting)
    }

    /// A setting's value, or an error that lists every place that was searched.
    pub(crate) fn require(&self, setting: Setting) -> Result<&Value, ConfigError> {
        self.get(setting).ok_or_else(|| self.missing(setting))
    }

    /// The error for a missing setting.
    pub(crate) fn missing(&self, setting: Setting) -> ConfigError {
        let spec = setting.spec();
        let mut places = Vec::new();
        if let Some(flag) = spec.flag {
            places.push(format!("flag {flag}"));
        }
        if let Some(var) = spec.env {
            places.push(format!("environment variable {var}"));
        }
        places.push(match &self.profile {
            ProfileState::Loaded { path, profile } => format!(
                "key `{}` in profile [{profile}] of {}",
                spec.toml,
                path.display()
            ),
            ProfileState::NoTable { path, profile } => format!(
                "key `{}` in profile [{profile}] of {} (no such profile)",
                spec.toml,
                path.display()
            ),
            ProfileState::NoFile { path: Some(path) } => format!(
                "key `{}` in a profile of {} (no such file)",
                spec.toml,
                path.display()
            ),
            ProfileState::NoFile { path: None } => format!(
                "key `{}` in a profile of --config FILE (no platform config directory)",
                spec.toml
            ),
        });
        places.push(format!(
            "the built-in defaults of --env {} (none)",
            env_name(self.env)
        ));
        ConfigError::Missing {
            name: spec.name.into(),
            looked: places.join(", "),
        }
    }

    /// An error for a value that does not parse.
    pub(crate) fn invalid(&self, setting: Setting, message: impl fmt::Display) -> ConfigError {
        let source = self
            .get(setting)
            .map(|v| v.source.clone())
            .unwrap_or(Source::Builtin(self.env));
        ConfigError::Invalid {
            name: setting.spec().name.into(),
            origin: source,
            message: message.to_string(),
        }
    }

    /// Reads a secret from the environment only.
    pub(crate) fn env_secret(
        env: EnvLookup<'_>,
        var: &str,
        what: &str,
    ) -> Result<String, ConfigError> {
        env_var(env, var).ok_or_else(|| ConfigError::Missing {
            name: what.into(),
            looked: format!("environment variable {var} (secrets are read only from there)"),
        })
    }
}

/// A path in a profile is relative to the file's directory, so a profile can sit next to its
/// keys wherever the command is run from.
fn relative_to(config_file: &Path, value: &str) -> String {
    let path = Path::new(value);
    if path.is_absolute() {
        return value.to_owned();
    }
    let expanded = value
        .strip_prefix("~/")
        .and_then(|rest| directories::BaseDirs::new().map(|dirs| dirs.home_dir().join(rest)));
    match expanded {
        Some(home_path) => home_path.display().to_string(),
        None => config_file
            .parent()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|| path.to_path_buf())
            .display()
            .to_string(),
    }
}

fn load_profile(inputs: &Inputs<'_>) -> Result<(ProfileFile, ProfileState), ConfigError> {
    let (path, path_origin) = if let Some(p) = inputs.flags.config.as_deref() {
        (Some(PathBuf::from(p)), Some("flag --config".to_owned()))
    } else if let Some(p) = env_var(inputs.env, CONFIG_ENV) {
        (
            Some(PathBuf::from(p)),
            Some(format!("environment variable {CONFIG_ENV}")),
        )
    } else {
        (inputs.default_config_file.clone(), None)
    };
    let (profile, profile_origin) = if let Some(p) = inputs.flags.profile.as_deref() {
        (p.to_owned(), Some("flag --profile".to_owned()))
    } else if let Some(p) = env_var(inputs.env, PROFILE_ENV) {
        (p, Some(format!("environment variable {PROFILE_ENV}")))
    } else {
        ("default".to_owned(), None)
    };

    let Some(path) = path else {
        if let Some(origin) = profile_origin {
            return Err(ConfigError::Other(format!(
                "profile [{profile}] (from {origin}) needs a configuration file: pass --config FILE \
                 (there is no platform config directory)"
            )));
        }
        return Ok((ProfileFile::default(), ProfileState::NoFile { path: None }));
    };

    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && path_origin.is_none() => {
            // The default file is optional, unless a profile was asked for by name.
            if let Some(origin) = profile_origin {
                return Err(ConfigError::Unreadable {
                    path,
                    origin: format!(
                        "the platform config directory, for profile [{profile}] from {origin}"
                    ),
                    message: "no such file".into(),
                });
            }
            return Ok((
                ProfileFile::default(),
                ProfileState::NoFile { path: Some(path) },
            ));
        }
        Err(e) => {
            return Err(ConfigError::Unreadable {
                path,
                origin: path_origin.unwrap_or_else(|| "the platform config directory".into()),
                message: e.to_string(),
            });
        }
    };

    let mut profiles: BTreeMap<String, ProfileFile> =
        toml::from_str(&text).map_err(|e| ConfigError::Malformed {
            path: path.clone(),
            message: e.to_string().trim_end().to_owned(),
        })?;
    match profiles.remove(&profile) {
        Some(found) => Ok((found, ProfileState::Loaded { path, profile })),
        None => {
            if let Some(origin) = profile_origin {
                let available = profiles.keys().cloned().collect::<Vec<_>>();
                return Err(ConfigError::NoProfile {
                    profile,
                    origin,
                    path,
                    available: if available.is_empty() {
                        "(none)".into()
                    } else {
                        available.join(", ")
                    },
                });
            }
            Ok((
                ProfileFile::default(),
                ProfileState::NoTable { path, profile },
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Fixture {
        flags: SettingsArgs,
        env: HashMap<String, String>,
        file: Option<tempfile::NamedTempFile>,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                flags: SettingsArgs::default(),
                env: HashMap::new(),
                file: None,
            }
        }

        fn env(mut self, k: &str, v: &str) -> Self {
            self.env.insert(k.into(), v.into());
            self
        }

        fn file(mut self, text: &str) -> Self {
            let mut f = tempfile::NamedTempFile::new().unwrap();
            std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
            self.file = Some(f);
            self
        }

        fn resolve(&self) -> Result<Config, ConfigError> {
            let lookup = |k: &str| self.env.get(k).cloned();
            Config::resolve(&Inputs {
                flags: &self.flags,
                env: &lookup,
                default_config_file: self
                    .file
                    .as_ref()
                    .map(|f| f.path().to_path_buf())
                    .or_else(|| Some(PathBuf::from("/nonexistent/altinn/config.toml"))),
            })
        }
    }

    const PROFILE: &str = r#"
[default]
client_id = "from-profile"
scope = "altinn:profile"
api_key = "profile-api-key"
key = "keys/client.pem"

[prod]
env = "prod"
client_id = "prod-client"
"#;

    #[test]
    fn flags_beat_environment_beat_profile_beat_builtin() {
        let mut fx = Fixture::new()
            .env("MASKINPORTEN_CLIENT_ID", "from-env")
            .env("MASKINPORTEN_SCOPE", "altinn:env")
            .file(PROFILE);
        fx.flags.client_id = Some("from-flag".into());
        let config = fx.resolve().unwrap();

        let client = config.require(Setting::ClientId).unwrap();
        assert_eq!(client.value, "from-flag");
        assert_eq!(client.source, Source::Flag("--client-id"));

        let scope = config.require(Setting::Scope).unwrap();
        assert_eq!(scope.value, "altinn:env");
        assert_eq!(scope.source, Source::Env("MASKINPORTEN_SCOPE".into()));

        let key = config.require(Setting::ApiKey).unwrap();
        assert_eq!(key.value, "profile-api-key");
        assert!(matches!(key.source, Source::Profile { key: "api_key", .. }));

        let url = config.require(Setting::MaskinportenUrl).unwrap();
        assert_eq!(url.value, "https://test.maskinporten.no/");
        assert_eq!(url.source, Source::Builtin(EnvName::Test));
    }

    #[test]
    fn profile_paths_are_relative_to_the_file() {
        let fx = Fixture::new().file(PROFILE);
        let config = fx.resolve().unwrap();
        let key = config.require(Setting::Key).unwrap();
        let dir = fx.file.as_ref().unwrap().path().parent().unwrap();
        assert_eq!(key.value, dir.join("keys/client.pem").display().to_string());
    }

    #[test]
    fn profile_picks_its_environment_and_flag_env_wins() {
        let mut fx = Fixture::new().file(PROFILE);
        fx.flags.profile = Some("prod".into());
        let config = fx.resolve().unwrap();
        assert_eq!(config.env, EnvName::Prod);
        assert_eq!(
            config.require(Setting::ApiUrl).unwrap().value,
            "https://www.altinn.no"
        );
        fx.flags.env = Some(EnvName::Test);
        let config = fx.resolve().unwrap();
        assert_eq!(
            config.require(Setting::ApiUrl).unwrap().value,
            "https://tt02.altinn.no"
        );
    }

    #[test]
    fn environment_variable_picks_the_environment() {
        let fx = Fixture::new().env("ALTINN_ENV", "prod");
        assert_eq!(fx.resolve().unwrap().env, EnvName::Prod);
        let fx = Fixture::new().env("ALTINN_ENV", "staging");
        let err = fx.resolve().unwrap_err().to_string();
        assert!(err.contains("ALTINN_ENV"), "{err}");
        assert!(err.contains("staging"), "{err}");
    }

    #[test]
    fn profile_from_environment_variable() {
        let fx = Fixture::new().env("ALTINN_PROFILE", "prod").file(PROFILE);
        let config = fx.resolve().unwrap();
        assert_eq!(
            config.require(Setting::ClientId).unwrap().value,
            "prod-client"
        );
    }

    #[test]
    fn missing_setting_names_every_place_looked() {
        let fx = Fixture::new();
        let err = fx
            .resolve()
            .unwrap()
            .require(Setting::ClientId)
            .unwrap_err()
            .to_string();
        for part in [
            "client id",
            "--client-id",
            "MASKINPORTEN_CLIENT_ID",
            "`client_id`",
            "/nonexistent/altinn/config.toml (no such file)",
            "--env test",
        ] {
            assert!(err.contains(part), "{part:?} missing in: {err}");
        }
    }

    #[test]
    fn missing_secret_has_no_flag_in_the_message() {
        let fx = Fixture::new();
        let err = fx
            .resolve()
            .unwrap()
            .require(Setting::ApiKey)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ALTINN_API_KEY"), "{err}");
        assert!(!err.contains("flag"), "{err}");
    }

    #[test]
    fn malformed_file_names_the_file_and_the_key() {
        let fx = Fixture::new().file("[default]\nclient_idd = \"x\"\n");
        let err = fx.resolve().unwrap_err().to_string();
        let path = fx.file.as_ref().unwrap().path().display().to_string();
        assert!(err.contains(&path), "{err}");
        assert!(err.contains("client_idd"), "{err}");

        let fx = Fixture::new().file("[default\n");
        let err = fx.resolve().unwrap_err().to_string();
        assert!(err.starts_with("malformed configuration file"), "{err}");
    }

    #[test]
    fn unknown_profile_lists_the_ones_there() {
        let mut fx = Fixture::new().file(PROFILE);
        fx.flags.profile = Some("tt02".into());
        let err = fx.resolve().unwrap_err().to_string();
        assert!(err.contains("[tt02]"), "{err}");
        assert!(err.contains("flag --profile"), "{err}");
        assert!(err.contains("default, prod"), "{err}");
    }

    #[test]
    fn explicit_config_file_must_exist() {
        let mut fx = Fixture::new();
        fx.flags.config = Some("/nonexistent/explicit.toml".into());
        let err = fx.resolve().unwrap_err().to_string();
        assert!(err.contains("/nonexistent/explicit.toml"), "{err}");
        assert!(err.contains("flag --config"), "{err}");

        let fx = Fixture::new().env("ALTINN_CONFIG", "/nonexistent/env.toml");
        let err = fx.resolve().unwrap_err().to_string();
        assert!(err.contains("environment variable ALTINN_CONFIG"), "{err}");
    }

    #[test]
    fn empty_values_are_unset_in_the_environment_and_invalid_in_flags() {
        let fx = Fixture::new().env("MASKINPORTEN_CLIENT_ID", "");
        assert!(fx.resolve().unwrap().get(Setting::ClientId).is_none());
        let mut fx = Fixture::new();
        fx.flags.client_id = Some(" ".into());
        let err = fx.resolve().unwrap_err().to_string();
        assert!(err.contains("client id"), "{err}");
        assert!(err.contains("flag --client-id"), "{err}");
    }

    #[test]
    fn secret_values_do_not_show_in_debug() {
        let fx = Fixture::new().env("ALTINN_API_KEY", "very-secret-key");
        let config = fx.resolve().unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("very-secret-key"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }

    #[test]
    fn builtin_environments() {
        for (env, mp) in [
            (EnvName::Test, "https://test.maskinporten.no/"),
            (EnvName::Prod, "https://maskinporten.no/"),
        ] {
            assert_eq!(Setting::MaskinportenUrl.builtin(env), Some(mp));
            assert_eq!(Setting::Scope.builtin(env), Some(DEFAULT_SCOPE));
            assert_eq!(Setting::ClientId.builtin(env), None);
            assert_eq!(Setting::ApiKey.builtin(env), None);
        }
    }

    #[test]
    fn secrets_only_from_the_environment() {
        let env: HashMap<&str, &str> = HashMap::new();
        let lookup = |k: &str| env.get(k).map(|v| v.to_string());
        let err = Config::env_secret(&lookup, ENTERPRISE_PASSWORD_ENV, "enterprise password")
            .unwrap_err()
            .to_string();
        assert!(err.contains("ALTINN_ENTERPRISE_PASSWORD"), "{err}");
    }
}
