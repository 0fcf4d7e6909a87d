//! Layered configuration: flags, then environment, then a TOML profile, then the built-in
//! defaults of `--env test|prod|local`.
//!
//! Every resolved value remembers where it came from, so that an invalid value names its
//! source and a missing one lists every place that was searched. The environment is read
//! through a lookup function, so the whole resolution is testable without touching the
//! process environment.
//!
//! The settings flags (`SettingsArgs`, and `EnvName` for `--env`) are generated from the same
//! table and live here with it; `cli` only places them in the command tree.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

use clap::{Args, ValueEnum};

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
/// The default scope on Altinn 2: the end-user API.
pub(crate) const ALTINN2_SCOPE: &str = "altinn:enduser";
/// The default scopes on Altinn 3: the authorized parties, and reading and writing the
/// organisation's connections to others (`shared/spec/altinn3-accessmanagement.md` §2.4).
pub(crate) const ALTINN3_SCOPES: &str = "altinn:accessmanagement/authorizedparties \
     altinn:accessmanagement/enduser:connections:toothers.read \
     altinn:accessmanagement/enduser:connections:toothers.write";

/// One configurable setting. Everything about it (flag, environment variable, profile key,
/// built-in defaults, whether it is a secret or a path, its help text) is declared once, in
/// [`SETTINGS`]; the flags, the profile file's keys, the messages and the resolution are all
/// derived from that table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Setting {
    Platform,
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
    SystemUserOrg,
    Org,
    System,
}

/// Built-in values: one for every environment, or one per environment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults {
    pub(crate) all: Option<&'static str>,
    pub(crate) test: Option<&'static str>,
    pub(crate) prod: Option<&'static str>,
    pub(crate) local: Option<&'static str>,
}

const NO_DEFAULT: Defaults = Defaults {
    all: None,
    test: None,
    prod: None,
    local: None,
};

/// Everything about one setting.
#[derive(Debug)]
pub(crate) struct SettingDef {
    pub(crate) setting: Setting,
    /// A human name for messages.
    pub(crate) name: &'static str,
    /// The long flag without dashes; secrets have none (a flag ends up in shell history and
    /// in the process list).
    pub(crate) flag: Option<&'static str>,
    /// The flag's value name in help.
    pub(crate) value_name: &'static str,
    /// The flag's help text.
    pub(crate) help: &'static str,
    /// The help section.
    pub(crate) heading: &'static str,
    /// The environment variable, if any.
    pub(crate) env: Option<&'static str>,
    /// The key in a profile table.
    pub(crate) key: &'static str,
    /// Never printed, never accepted as a flag.
    pub(crate) secret: bool,
    /// A file path (relative paths in a profile are relative to the file).
    pub(crate) path: bool,
    /// Built-in values.
    pub(crate) defaults: Defaults,
}

/// Where the mock's demo world lives for `--env local`: its public test credentials are only
/// valid against the mock.
mod local {
    pub(super) use tilgang_mock::demo::{API_KEY, CLIENT_ID, KID, ORG, SYSTEM_ID};
}

/// The table of every setting, in the order of the README's table and of `--help`.
pub(crate) const SETTINGS: &[SettingDef] = &[
    SettingDef {
        setting: Setting::Platform,
        name: "platform",
        flag: Some("platform"),
        value_name: "altinn3|altinn2",
        help: "Which Altinn API manages access: altinn3 (the Access Management API with a \
               system user) or altinn2 (the retired REST API)",
        heading: "Altinn",
        env: Some("ALTINN_PLATFORM"),
        key: "platform",
        secret: false,
        path: false,
        defaults: Defaults {
            all: Some("altinn3"),
            ..NO_DEFAULT
        },
    },
    SettingDef {
        setting: Setting::MaskinportenUrl,
        name: "Maskinporten URL",
        flag: Some("maskinporten-url"),
        value_name: "URL",
        help: "Maskinporten issuer URL; the well-known document is read from it",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_URL"),
        key: "maskinporten_url",
        secret: false,
        path: false,
        defaults: Defaults {
            all: None,
            test: Some("https://test.maskinporten.no/"),
            prod: Some("https://maskinporten.no/"),
            local: Some(LOCAL_ISSUER),
        },
    },
    SettingDef {
        setting: Setting::ClientId,
        name: "client id",
        flag: Some("client-id"),
        value_name: "ID",
        help: "Maskinporten client id",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_CLIENT_ID"),
        key: "client_id",
        secret: false,
        path: false,
        defaults: Defaults {
            local: Some(local::CLIENT_ID),
            ..NO_DEFAULT
        },
    },
    SettingDef {
        setting: Setting::Key,
        name: "key file",
        flag: Some("key"),
        value_name: "FILE",
        help: "Private key file, PEM (PKCS#1 or PKCS#8) or JWK",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_KEY"),
        key: "key",
        secret: false,
        path: true,
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::Kid,
        name: "key id",
        flag: Some("kid"),
        value_name: "KID",
        help: "Key id of a key registered with Maskinporten",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_KID"),
        key: "kid",
        secret: false,
        path: false,
        defaults: Defaults {
            local: Some(local::KID),
            ..NO_DEFAULT
        },
    },
    SettingDef {
        setting: Setting::Cert,
        name: "certificate chain",
        flag: Some("cert"),
        value_name: "FILE",
        help: "PEM certificate chain, sent as x5c (enterprise certificate)",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_CERT"),
        key: "cert",
        secret: false,
        path: true,
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::P12,
        name: "PKCS#12 file",
        flag: Some("p12"),
        value_name: "FILE",
        help: "PKCS#12 file with key and certificate chain",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_P12"),
        key: "p12",
        secret: false,
        path: true,
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::P12PasswordEnv,
        name: "PKCS#12 password variable",
        flag: Some("p12-password-env"),
        value_name: "VAR",
        help: "Name of the environment variable that holds the PKCS#12 password",
        heading: "Maskinporten",
        env: None,
        key: "p12_password_env",
        secret: false,
        path: false,
        defaults: Defaults {
            all: Some(DEFAULT_P12_PASSWORD_ENV),
            ..NO_DEFAULT
        },
    },
    SettingDef {
        setting: Setting::Scope,
        name: "scope",
        flag: Some("scope"),
        value_name: "SCOPES",
        help: "Scopes, space-separated [default: the platform's: the authorizedparties and \
               enduser:connections:toothers read/write scopes on altinn3, altinn:enduser on \
               altinn2]",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_SCOPE"),
        key: "scope",
        secret: false,
        path: false,
        // The default depends on the platform, so `wiring` supplies it.
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::Resource,
        name: "resource",
        flag: Some("resource"),
        value_name: "URI",
        help: "Audience restriction: the API the token is for",
        heading: "Maskinporten",
        env: Some("MASKINPORTEN_RESOURCE"),
        key: "resource",
        secret: false,
        path: false,
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::PlatformUrl,
        name: "Altinn platform URL",
        flag: Some("platform-url"),
        value_name: "URL",
        help: "Altinn platform URL, for the token exchange",
        heading: "Altinn",
        env: Some("ALTINN_PLATFORM_URL"),
        key: "platform_url",
        secret: false,
        path: false,
        defaults: Defaults {
            all: None,
            test: Some("https://platform.tt02.altinn.no"),
            prod: Some("https://platform.altinn.no"),
            local: Some(LOCAL_PLATFORM),
        },
    },
    SettingDef {
        setting: Setting::ApiUrl,
        name: "Altinn API URL",
        flag: Some("api-url"),
        value_name: "URL",
        help: "Altinn 2 REST root; paths /api/... are below it",
        heading: "Altinn",
        env: Some("ALTINN_API_URL"),
        key: "api_url",
        secret: false,
        path: false,
        defaults: Defaults {
            all: None,
            test: Some("https://tt02.altinn.no"),
            prod: Some("https://www.altinn.no"),
            local: Some(LOCAL_API),
        },
    },
    SettingDef {
        setting: Setting::ApiKey,
        name: "Altinn API key",
        flag: None,
        value_name: "KEY",
        help: "Altinn 2 API key",
        heading: "Altinn",
        env: Some("ALTINN_API_KEY"),
        key: "api_key",
        secret: true,
        path: false,
        defaults: Defaults {
            local: Some(local::API_KEY),
            ..NO_DEFAULT
        },
    },
    SettingDef {
        setting: Setting::EnterpriseUser,
        name: "enterprise user",
        flag: Some("enterprise-user"),
        value_name: "NAME",
        help: "Enterprise user name (altinn2 only); the password is read from \
               ALTINN_ENTERPRISE_PASSWORD",
        heading: "Altinn",
        env: Some("ALTINN_ENTERPRISE_USER"),
        key: "enterprise_user",
        secret: false,
        path: false,
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::SystemUserOrg,
        name: "system user organisation",
        flag: Some("system-user-org"),
        value_name: "ORGNO",
        help: "The customer organisation whose system user the token is for (altinn3)",
        heading: "Altinn",
        env: Some("ALTINN_SYSTEM_USER_ORG"),
        key: "system_user_org",
        secret: false,
        path: false,
        defaults: Defaults {
            local: Some(local::ORG),
            ..NO_DEFAULT
        },
    },
    SettingDef {
        setting: Setting::Org,
        name: "organisation",
        flag: Some("org"),
        value_name: "ORGNO|my",
        help: "The organisation whose access is managed [default: the system user's \
               organisation on altinn3, `my` on altinn2]",
        heading: "Altinn",
        env: Some("ALTINN_ORG"),
        key: "org",
        secret: false,
        path: false,
        defaults: NO_DEFAULT,
    },
    SettingDef {
        setting: Setting::System,
        name: "system",
        flag: Some("system"),
        value_name: "VENDORORGNO_NAME",
        help: "The vendor's system in the system register, for `altinn system` and \
               `altinn systemuser`",
        heading: "Altinn",
        env: Some("ALTINN_SYSTEM_ID"),
        key: "system",
        secret: false,
        path: false,
        defaults: Defaults {
            local: Some(local::SYSTEM_ID),
            ..NO_DEFAULT
        },
    },
];

/// The profile key that picks the built-in environment (not a setting of its own: it decides
/// which defaults apply).
pub(crate) const ENV_KEY: &str = "env";

impl Setting {
    /// Everything about this setting.
    pub(crate) fn def(self) -> &'static SettingDef {
        // The table is small and ordered like the enum; a test keeps it that way.
        &SETTINGS[self as usize]
    }

    /// The built-in default in `env`, if there is one.
    pub(crate) fn builtin(self, env: EnvName) -> Option<&'static str> {
        let d = self.def().defaults;
        d.all.or(match env {
            EnvName::Test => d.test,
            EnvName::Prod => d.prod,
            EnvName::Local => d.local,
        })
    }

    /// The setting whose profile key is `key`.
    fn by_key(key: &str) -> Option<Setting> {
        SETTINGS.iter().find(|d| d.key == key).map(|d| d.setting)
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
        f.write_str(self.def().name)
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A setting's command-line flag.
    Flag(Setting),
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
            Source::Flag(setting) => write!(f, "flag --{}", setting.def().flag.unwrap_or_default()),
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

/// One table of the configuration file: the built-in environment and the settings' values,
/// by key. Unknown keys are refused when the file is read.
#[derive(Debug, Default)]
pub(crate) struct ProfileFile {
    env: Option<String>,
    values: BTreeMap<Setting, String>,
}

impl ProfileFile {
    /// Reads one table, refusing keys that name no setting and values that are not strings.
    fn from_table(
        path: &Path,
        profile: &str,
        table: &toml::Table,
    ) -> Result<ProfileFile, ConfigError> {
        let mut file = ProfileFile::default();
        for (key, value) in table {
            let text = value.as_str().ok_or_else(|| ConfigError::Malformed {
                path: path.to_owned(),
                message: format!("key `{key}` in profile [{profile}] must be a string"),
            })?;
            if key == ENV_KEY {
                file.env = Some(text.to_owned());
                continue;
            }
            let setting = Setting::by_key(key).ok_or_else(|| {
                let known: Vec<&str> = std::iter::once(ENV_KEY)
                    .chain(SETTINGS.iter().map(|d| d.key))
                    .collect();
                ConfigError::Malformed {
                    path: path.to_owned(),
                    message: format!(
                        "unknown key `{key}` in profile [{profile}]; known keys: {}",
                        known.join(", ")
                    ),
                }
            })?;
            file.values.insert(setting, text.to_owned());
        }
        Ok(file)
    }
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
        for spec in SETTINGS {
            let setting = spec.setting;
            let secret = spec.secret;
            let found = if let Some(v) = inputs.flags.get(setting) {
                Some((v.to_owned(), Source::Flag(setting)))
            } else if let Some(v) = spec.env.and_then(|var| env_var(inputs.env, var)) {
                Some((v, Source::Env(spec.env.unwrap_or_default().into())))
            } else if let (Some(v), ProfileState::Loaded { path, profile }) =
                (profile_file.values.get(&setting), &profile)
            {
                let value = if spec.path {
                    relative_to(path, v)
                } else {
                    v.to_owned()
                };
                Some((
                    value,
                    Source::Profile {
                        file: path.clone(),
                        profile: profile.clone(),
                        key: spec.key,
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
        let spec = setting.def();
        let mut places = Vec::new();
        if let Some(flag) = spec.flag {
            places.push(format!("flag --{flag}"));
        }
        if let Some(var) = spec.env {
            places.push(format!("environment variable {var}"));
        }
        places.push(match &self.profile {
            ProfileState::Loaded { path, profile } => format!(
                "key `{}` in profile [{profile}] of {}",
                spec.key,
                path.display()
            ),
            ProfileState::NoTable { path, profile } => format!(
                "key `{}` in profile [{profile}] of {} (no such profile)",
                spec.key,
                path.display()
            ),
            ProfileState::NoFile { path: Some(path) } => format!(
                "key `{}` in a profile of {} (no such file)",
                spec.key,
                path.display()
            ),
            ProfileState::NoFile { path: None } => format!(
                "key `{}` in a profile of --config FILE (no platform config directory)",
                spec.key
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
            name: setting.def().name.into(),
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

    let mut profiles: BTreeMap<String, toml::Table> =
        toml::from_str(&text).map_err(|e| ConfigError::Malformed {
            path: path.clone(),
            message: e.to_string().trim_end().to_owned(),
        })?;
    match profiles.remove(&profile) {
        Some(table) => Ok((
            ProfileFile::from_table(&path, &profile, &table)?,
            ProfileState::Loaded { path, profile },
        )),
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

// --- The settings flags, generated from the table ------------------------------------------

/// The built-in environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EnvName {
    /// Maskinporten TEST and Altinn TT02.
    Test,
    /// Maskinporten and Altinn production.
    Prod,
    /// The mock server binary on this machine (`tilgang-mock`, default 127.0.0.1:8080), with
    /// the demo world's credentials built in.
    Local,
}

/// The settings flags: `--env`, `--profile` and `--config`, which say where settings come
/// from, and one flag for every setting of [`SETTINGS`](crate::config::SETTINGS) that has
/// one. Secrets have no flag on purpose: a flag ends up in shell history and in the process
/// list.
///
/// The per-setting flags are generated from the settings table (this type implements clap's
/// `Args` by hand), so a setting is declared in one place only.
#[derive(Debug, Clone, Default)]
pub(crate) struct SettingsArgs {
    /// Built-in environment defaults.
    pub(crate) env: Option<EnvName>,
    /// Profile (a table) in the configuration file.
    pub(crate) profile: Option<String>,
    /// Configuration file.
    pub(crate) config: Option<String>,
    /// The settings given as flags.
    values: BTreeMap<Setting, String>,
}

impl SettingsArgs {
    /// The value of a setting's flag, if given.
    pub(crate) fn get(&self, setting: Setting) -> Option<&str> {
        self.values.get(&setting).map(String::as_str)
    }

    /// Sets a setting's flag, as if given on the command line (for tests and the demo).
    #[cfg(test)]
    pub(crate) fn set(&mut self, setting: Setting, value: &str) {
        self.values.insert(setting, value.to_owned());
    }

    /// Forgets a setting's flag: `--resource` after `rights` names an Altinn 3 resource, not
    /// the Maskinporten audience (which `MASKINPORTEN_RESOURCE` and the profile still set).
    pub(crate) fn forget(&mut self, setting: Setting) {
        self.values.remove(&setting);
    }
}

const ENV_ARG: &str = "env";
const PROFILE_ARG: &str = "profile";
const CONFIG_ARG: &str = "config";

impl clap::FromArgMatches for SettingsArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut args = SettingsArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        if let Some(env) = matches.get_one::<EnvName>(ENV_ARG) {
            self.env = Some(*env);
        }
        if let Some(profile) = matches.get_one::<String>(PROFILE_ARG) {
            self.profile = Some(profile.clone());
        }
        if let Some(config) = matches.get_one::<String>(CONFIG_ARG) {
            self.config = Some(config.clone());
        }
        for def in SETTINGS.iter().filter(|d| d.flag.is_some()) {
            if let Some(value) = matches.get_one::<String>(def.key) {
                self.values.insert(def.setting, value.clone());
            }
        }
        Ok(())
    }
}

impl Args for SettingsArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let cmd = cmd
            .arg(
                clap::Arg::new(ENV_ARG)
                    .long("env")
                    .global(true)
                    .value_parser(clap::builder::EnumValueParser::<EnvName>::new())
                    .help("Built-in environment defaults [env: ALTINN_ENV] [default: test]")
                    .help_heading("Configuration"),
            )
            .arg(
                clap::Arg::new(PROFILE_ARG)
                    .long("profile")
                    .global(true)
                    .value_name("NAME")
                    .help(
                        "Profile (a table) in the configuration file [env: ALTINN_PROFILE] \
                         [default: default]",
                    )
                    .help_heading("Configuration"),
            )
            .arg(
                clap::Arg::new(CONFIG_ARG)
                    .long("config")
                    .global(true)
                    .value_name("FILE")
                    .help(
                        "Configuration file [env: ALTINN_CONFIG] [default: config.toml in the \
                         platform config directory]",
                    )
                    .help_heading("Configuration"),
            );
        SETTINGS.iter().fold(cmd, |cmd, def| {
            let Some(flag) = def.flag else {
                return cmd;
            };
            let mut help = def.help.to_owned();
            if let Some(env) = def.env {
                help.push_str(&format!(" [env: {env}]"));
            }
            if let Some(all) = def.defaults.all {
                help.push_str(&format!(" [default: {all}]"));
            }
            cmd.arg(
                clap::Arg::new(def.key)
                    .long(flag)
                    .global(true)
                    .value_name(def.value_name)
                    .help(help)
                    .help_heading(def.heading),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
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
        fx.flags.set(Setting::ClientId, "from-flag");
        let config = fx.resolve().unwrap();

        let client = config.require(Setting::ClientId).unwrap();
        assert_eq!(client.value, "from-flag");
        assert_eq!(client.source, Source::Flag(Setting::ClientId));

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
        fx.flags.set(Setting::ClientId, " ");
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

    /// The table is indexed by the enum: every setting sits at its own position, has a unique
    /// key and flag, and a secret never has a flag.
    #[test]
    fn the_settings_table_is_consistent() {
        let mut keys = std::collections::BTreeSet::new();
        let mut flags = std::collections::BTreeSet::new();
        for (i, def) in SETTINGS.iter().enumerate() {
            assert_eq!(def.setting as usize, i, "{} is out of place", def.name);
            assert!(keys.insert(def.key), "duplicate key {}", def.key);
            assert_ne!(def.key, ENV_KEY);
            if let Some(flag) = def.flag {
                assert!(flags.insert(flag), "duplicate flag {flag}");
                assert_eq!(flag.replace('-', "_"), def.key, "flag and key differ");
            }
            assert!(
                !(def.secret && def.flag.is_some()),
                "{} is a secret",
                def.name
            );
        }
    }

    #[test]
    fn builtin_environments() {
        for (env, mp) in [
            (EnvName::Test, "https://test.maskinporten.no/"),
            (EnvName::Prod, "https://maskinporten.no/"),
        ] {
            assert_eq!(Setting::MaskinportenUrl.builtin(env), Some(mp));
            assert_eq!(Setting::Platform.builtin(env), Some("altinn3"));
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
