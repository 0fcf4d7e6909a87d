//! The mock's world: everything the fake servers know, as one serde value.
//!
//! A [`World`] is the fixtures file format (TOML or JSON, chosen by the file extension), the
//! `--state` file format, and what `GET /_mock/state` returns. Tests build one with
//! [`World::demo`], change what they need, and pass it to
//! [`MockServer::start_with`](crate::MockServer::start_with).
//!
//! Parties are referred to by a *party key*: a nine-digit organisation number, an
//! eleven-digit fødselsnummer, or an enterprise user's user name. Every party also has a
//! numeric `party_id`, which is its Altinn 2 ReporteeId without the `r`.

pub mod altinn3;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use self::altinn3::Altinn3;

/// Why a world could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// The file could not be read or written.
    #[error("cannot access world file {path}: {source}; check the path and its permissions")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not valid TOML for a world.
    #[error("world file {path} is not a valid TOML world: {message}")]
    Toml {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The file is not valid JSON for a world.
    #[error("world file {path} is not a valid JSON world: {message}")]
    Json {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The world refers to something it does not define.
    #[error("inconsistent world: {0}")]
    Invalid(String),
}

/// Everything the mock knows. See the crate README for an annotated example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// Lifetimes, clock skews and switches.
    #[serde(default)]
    pub settings: Settings,
    /// Maskinporten clients.
    #[serde(default)]
    pub clients: Vec<Client>,
    /// PEM certificates of the certificate authorities trusted for `x5c` grants.
    #[serde(default)]
    pub trusted_cas: Vec<String>,
    /// Altinn API delegations that allow a supplier to use `consumer_org`.
    #[serde(default)]
    pub maskinporten_delegations: Vec<MaskinportenDelegation>,
    /// System users (systembrukere) that customer organisations approved for a vendor's
    /// Maskinporten client (`authorization_details` of type `urn:altinn:systemuser`).
    #[serde(default)]
    pub system_users: Vec<SystemUser>,
    /// Altinn 2 API keys.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    /// Enterprise users (virksomhetsbrukere).
    #[serde(default)]
    pub enterprise_users: Vec<EnterpriseUser>,
    /// Persons in the population register.
    #[serde(default)]
    pub persons: Vec<Person>,
    /// Organisations in the register of legal entities.
    #[serde(default)]
    pub organisations: Vec<Organisation>,
    /// Altinn 2 services.
    #[serde(default)]
    pub services: Vec<Service>,
    /// Role definitions.
    #[serde(default)]
    pub role_definitions: Vec<RoleDefinition>,
    /// Rights held by a party from another party (directly delegated or through a role).
    #[serde(default)]
    pub rights: Vec<HeldRight>,
    /// Roles held by a party from another party.
    #[serde(default)]
    pub roles: Vec<HeldRole>,
    /// The next `RightID`/`RoleId` to hand out. Zero means "one above the highest in use".
    #[serde(default)]
    pub next_id: i64,
    /// The Altinn 3 access-management world (parties' UUIDs, packages, resources,
    /// assignments, the system register). See [`altinn3`].
    #[serde(default)]
    pub altinn3: Altinn3,
}

/// Lifetimes, clock skews and switches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Default Maskinporten access-token lifetime (`expires_in`), seconds.
    pub access_token_lifetime_secs: u64,
    /// Lifetime of exchanged Altinn tokens, seconds (Altinn's `JwtValidityMinutes` is 30).
    pub altinn_token_lifetime_secs: u64,
    /// Allowed distance of a grant's `iat` from the mock's clock, seconds.
    pub grant_clock_skew_secs: u64,
    /// Longest allowed `exp - iat` of a grant, seconds.
    pub max_grant_lifetime_secs: u64,
    /// Clock skew the token exchange allows on the Maskinporten token's `exp`, seconds.
    pub exchange_clock_skew_secs: u64,
    /// Clock skew the Altinn 2 API allows on the Altinn token's `exp`, seconds.
    pub api_clock_skew_secs: u64,
    /// Failed enterprise-user logins in a row before the exchange answers 429.
    pub lockout_after_failures: u32,
    /// How long a locked-out enterprise user stays locked (the `Retry-After`), seconds.
    pub lockout_secs: u64,
    /// Behave as after the Altinn 2 shutdown: an enterprise-user header gets 410 Gone.
    pub enterprise_user_gone: bool,
    /// The most items an Altinn 2 list returns in one response.
    pub list_cap: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access_token_lifetime_secs: 120,
            altinn_token_lifetime_secs: 30 * 60,
            grant_clock_skew_secs: 10,
            max_grant_lifetime_secs: 120,
            exchange_clock_skew_secs: 10,
            api_clock_skew_secs: 0,
            lockout_after_failures: 5,
            lockout_secs: 60,
            enterprise_user_gone: false,
            list_cap: 50,
        }
    }
}

/// A Maskinporten client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The client id (the grant's `iss`).
    pub client_id: String,
    /// The owning organisation's number.
    pub org: String,
    /// Scopes the client may request.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Registered public keys (RSA JWKs with `kid`). A client with keys must use `kid`.
    #[serde(default)]
    pub jwks: Vec<PublicJwk>,
    /// Whether the client accepts `x5c` grants signed with an enterprise certificate from a
    /// trusted CA whose organisation number is the client's.
    #[serde(default)]
    pub certificates: bool,
    /// Access-token lifetime for this client, overriding the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_lifetime_secs: Option<u64>,
}

/// A registered RSA public key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicJwk {
    /// Key type; must be `RSA`.
    pub kty: String,
    /// Key id.
    pub kid: String,
    /// Modulus, base64url.
    pub n: String,
    /// Exponent, base64url.
    pub e: String,
    /// Algorithm hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Use hint (`sig`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// When the registration expires (Unix seconds); Maskinporten keys expire a year after
    /// upload, and an expired key gives MP-121.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// An Altinn API delegation of scopes from a consumer to a supplier (for `consumer_org`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskinportenDelegation {
    /// The consumer that delegated.
    pub consumer_org: String,
    /// The supplier (the client's owner).
    pub supplier_org: String,
    /// Delegated scopes.
    pub scopes: Vec<String>,
    /// The token's `delegation_source`.
    #[serde(default = "default_delegation_source")]
    pub delegation_source: String,
}

fn default_delegation_source() -> String {
    "https://tt02.altinn.no/".to_owned()
}

/// A system user: a machine identity owned by a customer organisation, approved for a
/// vendor's system, which the vendor's Maskinporten client may ask for in a grant's
/// `authorization_details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemUser {
    /// The system user's id (a UUID), issued as `systemuser_id`.
    pub id: String,
    /// The vendor's system it belongs to, issued as `system_id`.
    pub system_id: String,
    /// The customer organisation that owns the system user (`systemuser_org`).
    pub org: String,
    /// The vendor's Maskinporten client that may request tokens for it.
    pub client_id: String,
    /// Picks one of several system users of the same organisation (`externalRef`).
    #[serde(default)]
    pub external_ref: Option<String>,
    /// When it was created (Unix seconds on the mock's clock): set when a request is
    /// approved; a system user declared in the world without it reports
    /// [`SystemUser::DECLARED_CREATED`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
}

impl SystemUser {
    /// The creation time reported for a system user declared in the world without one
    /// (2026-01-01T00:00:00Z): fixed, so the same system user always reads the same.
    pub const DECLARED_CREATED: i64 = 1_767_225_600;
}

/// An Altinn 2 API key. `Debug` does not print the key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The key.
    pub key: String,
    /// The organisation that ordered it.
    pub org: String,
    /// API resources, e.g. `Authorization.read`, `Authorization.write`.
    pub resources: Vec<String>,
}

/// An enterprise user. `Debug` does not print the password.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseUser {
    /// User name.
    pub user_name: String,
    /// Password.
    pub password: String,
    /// The organisation the user belongs to.
    pub org: String,
    /// Altinn user id.
    pub user_id: u64,
    /// Altinn party id (ReporteeId without `r`).
    pub party_id: u64,
    /// Administrative roles for parties: `Hovedadministrator` or `Tilgangsstyrer`.
    #[serde(default)]
    pub roles: Vec<AdminRole>,
}

/// An administrative role an enterprise user holds for a party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminRole {
    /// The party key (organisation number or fødselsnummer).
    pub party: String,
    /// `Hovedadministrator` or `Tilgangsstyrer`.
    pub role: String,
}

/// A person. `Debug` masks the fødselsnummer.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Fødselsnummer.
    pub ssn: String,
    /// First name(s).
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Altinn party id.
    pub party_id: u64,
}

/// An organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Organisation number.
    pub org: String,
    /// Name.
    pub name: String,
    /// Altinn party id.
    pub party_id: u64,
    /// Organisation form, e.g. `AS`.
    #[serde(default = "default_form")]
    pub form: String,
}

fn default_form() -> String {
    "AS".to_owned()
}

/// An Altinn 2 service edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Service code.
    pub code: String,
    /// Service edition code.
    pub edition: u32,
    /// Name.
    pub name: String,
    /// Available actions (`Read`, `Write`, `Sign`, `ArchiveRead`, `ArchiveDelete`, `Access`).
    pub actions: Vec<String>,
    /// Whether single rights on it may be delegated.
    pub delegable: bool,
    /// Service owner name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Service owner code, e.g. `SKD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_code: Option<String>,
}

/// Texts in the three Altinn languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localised {
    /// Norwegian Bokmål (LCID 1044), also the default.
    pub nb: String,
    /// Norwegian Nynorsk (LCID 2068).
    pub nn: String,
    /// English (LCID 1033).
    pub en: String,
}

impl Localised {
    /// The same text in every language.
    pub fn same(text: &str) -> Self {
        Localised {
            nb: text.to_owned(),
            nn: text.to_owned(),
            en: text.to_owned(),
        }
    }

    /// The text for an LCID (`1044`, `2068`, `1033`); anything else gives Bokmål.
    pub fn get(&self, lcid: u32) -> &str {
        match lcid {
            2068 => &self.nn,
            1033 => &self.en,
            _ => &self.nb,
        }
    }
}

/// A role definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDefinition {
    /// `RoleDefinitionId`.
    pub id: i64,
    /// `RoleDefinitionCode`, e.g. `UTINN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `Altinn`, `External` or `Local`.
    pub role_type: String,
    /// Localised name.
    pub name: Localised,
    /// Localised description.
    pub description: Localised,
    /// Whether an end user may delegate it (only `Altinn` roles are).
    pub delegable: bool,
    /// The service rights the role gives.
    #[serde(default)]
    pub rights: Vec<ServiceRight>,
}

/// A right on a service edition with one action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRight {
    /// Service code.
    pub code: String,
    /// Service edition.
    pub edition: u32,
    /// Action.
    pub action: String,
}

/// A right a party holds from another party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldRight {
    /// `RightID` (the DELETE `authzRuleId`).
    pub id: i64,
    /// The party that gave the right (`{who}`).
    pub from: String,
    /// The holder (`{receiverId}`).
    pub to: String,
    /// Service code.
    pub service_code: String,
    /// Service edition.
    pub service_edition: u32,
    /// Action.
    pub action: String,
    /// `DirectlyDelegatedRights` or `RoleTypeRights`.
    pub source: String,
    /// For role rights: the `RoleId` of the role assignment the right comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<i64>,
    /// Who delegated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegator: Option<String>,
    /// When, as Altinn writes it (local time, no offset).
    pub delegated_time: String,
    /// Whether the holder may delegate it further.
    #[serde(default)]
    pub delegatable: bool,
}

/// A role a party holds from another party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldRole {
    /// `RoleId` (the DELETE `roleId`).
    pub id: i64,
    /// The party that gave the role.
    pub from: String,
    /// The holder.
    pub to: String,
    /// The role definition.
    pub role_definition_id: i64,
    /// Who delegated it (empty for register roles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegator: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegated_time: Option<String>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("key", &"[redacted]")
            .field("org", &self.org)
            .field("resources", &self.resources)
            .finish()
    }
}

impl std::fmt::Debug for EnterpriseUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterpriseUser")
            .field("user_name", &self.user_name)
            .field("password", &"[redacted]")
            .field("org", &self.org)
            .field("user_id", &self.user_id)
            .field("party_id", &self.party_id)
            .field("roles", &self.roles)
            .finish()
    }
}

impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("ssn", &tilgang_domain::MaskedSsn::new(&self.ssn))
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("party_id", &self.party_id)
            .finish()
    }
}

/// A party of any kind, resolved from a key or a reportee id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PartyRef<'a> {
    /// A person.
    Person(&'a Person),
    /// An organisation.
    Organisation(&'a Organisation),
    /// An enterprise user.
    EnterpriseUser(&'a EnterpriseUser),
}

impl PartyRef<'_> {
    /// The party key.
    pub fn key(&self) -> &str {
        match self {
            PartyRef::Person(p) => &p.ssn,
            PartyRef::Organisation(o) => &o.org,
            PartyRef::EnterpriseUser(u) => &u.user_name,
        }
    }

    /// The party id.
    pub fn party_id(&self) -> u64 {
        match self {
            PartyRef::Person(p) => p.party_id,
            PartyRef::Organisation(o) => o.party_id,
            PartyRef::EnterpriseUser(u) => u.party_id,
        }
    }
}

impl World {
    /// An empty world with default settings.
    pub fn empty() -> Self {
        World {
            settings: Settings::default(),
            clients: Vec::new(),
            trusted_cas: Vec::new(),
            maskinporten_delegations: Vec::new(),
            system_users: Vec::new(),
            api_keys: Vec::new(),
            enterprise_users: Vec::new(),
            persons: Vec::new(),
            organisations: Vec::new(),
            services: Vec::new(),
            role_definitions: Vec::new(),
            rights: Vec::new(),
            roles: Vec::new(),
            next_id: 0,
            altinn3: Altinn3::default(),
        }
    }

    /// Loads a world from a `.toml` or `.json` file (by extension; anything else is tried as
    /// TOML first, then JSON).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, WorldError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Io {
            path: shown.clone(),
            source,
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let world = match ext.as_deref() {
            Some("json") => Self::from_json(&text).map_err(|message| WorldError::Json {
                path: shown.clone(),
                message,
            })?,
            Some("toml") => Self::from_toml(&text).map_err(|message| WorldError::Toml {
                path: shown.clone(),
                message,
            })?,
            _ => match Self::from_toml(&text) {
                Ok(w) => w,
                Err(_) => Self::from_json(&text).map_err(|message| WorldError::Json {
                    path: shown.clone(),
                    message,
                })?,
            },
        };
        world.check()?;
        Ok(world)
    }

    /// Parses a TOML world.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Parses a JSON world.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The world as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// The world as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Saves the world atomically (write a temporary file beside it, then rename), as JSON
    /// or TOML by extension.
    pub fn save_atomic(&self, path: impl AsRef<Path>) -> Result<(), WorldError> {
        let path = path.as_ref();
        let io = |source| WorldError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("toml") => self.to_toml(),
            _ => self.to_json(),
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Checks that every reference resolves.
    pub fn check(&self) -> Result<(), WorldError> {
        let bad = |m: String| Err(WorldError::Invalid(m));
        for c in &self.clients {
            if c.jwks.is_empty() && !c.certificates {
                return bad(format!(
                    "client {} has neither registered keys nor certificates = true",
                    c.client_id
                ));
            }
        }
        for r in &self.rights {
            if self.party(&r.from).is_none() || self.party(&r.to).is_none() {
                return bad(format!("right {} refers to an unknown party", r.id));
            }
        }
        for r in &self.roles {
            if self.party(&r.from).is_none() || self.party(&r.to).is_none() {
                return bad(format!("role {} refers to an unknown party", r.id));
            }
            if self.role_definition(r.role_definition_id).is_none() {
                return bad(format!(
                    "role {} refers to unknown role definition {}",
                    r.id, r.role_definition_id
                ));
            }
        }
        self.check_altinn3().map_err(WorldError::Invalid)
    }

    /// Finds a party by key.
    pub fn party(&self, key: &str) -> Option<PartyRef<'_>> {
        if let Some(o) = self.organisations.iter().find(|o| o.org == key) {
            return Some(PartyRef::Organisation(o));
        }
        if let Some(p) = self.persons.iter().find(|p| p.ssn == key) {
            return Some(PartyRef::Person(p));
        }
        self.enterprise_users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(key))
            .map(PartyRef::EnterpriseUser)
    }

    /// Finds a party by party id.
    pub fn party_by_id(&self, id: u64) -> Option<PartyRef<'_>> {
        if let Some(o) = self.organisations.iter().find(|o| o.party_id == id) {
            return Some(PartyRef::Organisation(o));
        }
        if let Some(p) = self.persons.iter().find(|p| p.party_id == id) {
            return Some(PartyRef::Person(p));
        }
        self.enterprise_users
            .iter()
            .find(|u| u.party_id == id)
            .map(PartyRef::EnterpriseUser)
    }

    /// Finds a role definition.
    pub fn role_definition(&self, id: i64) -> Option<&RoleDefinition> {
        self.role_definitions.iter().find(|d| d.id == id)
    }

    /// Finds a service edition.
    pub fn service(&self, code: &str, edition: u32) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(code) && s.edition == edition)
    }

    /// Hands out the next `RightID`/`RoleId`.
    pub fn allocate_id(&mut self) -> i64 {
        if self.next_id == 0 {
            let max = self
                .rights
                .iter()
                .map(|r| r.id)
                .chain(self.roles.iter().map(|r| r.id))
                .max()
                .unwrap_or(4_371_449);
            self.next_id = max + 1;
        }
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}
