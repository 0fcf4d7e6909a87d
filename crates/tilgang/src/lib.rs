//! The Altinn access-management toolkit in one crate: the composition root.
//!
//! Add this crate to get started. [`Stack::build`] turns typed [`Settings`] into the whole
//! chain, wired the one way every program of this workspace wires it:
//!
//! 1. a Maskinporten client with its token cache (step 1), optionally waiting out an outage;
//! 2. the Altinn token exchange over it (step 2);
//! 3. the chosen Altinn adapter over the exchange: [`Backend::Altinn3`] for the Access
//!    Management enduser API with a system-user token, or [`Backend::Altinn2`] for the
//!    retired Altinn 2 REST API;
//! 4. the use cases ([`AccessManager`](access::AccessManager)) over the adapter (steps 3–6).
//!
//! The parts are re-exported under short names ([`domain`], [`ports`], [`maskinporten`],
//! [`altinn2`], [`altinn3`], [`access`]) so one dependency is enough; teams that need only one part can
//! depend on that crate alone.
//!
//! ```no_run
//! use tilgang::{Backend, MaskinportenSettings, AltinnSettings, Settings, Stack};
//! use tilgang::domain::{OrgNumber, PartyRef, ScopeSet};
//! use tilgang::maskinporten::{ClientKey, Environment};
//! use tilgang::ports::{SystemUserAuthorization, TokenRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let key = ClientKey::from_file("maskinporten.jwk.json", None, None)?;
//! // A token for the customer's system user, with the scopes that read and change its
//! // right holders' accesses.
//! let mut request = TokenRequest::scopes(ScopeSet::parse(
//!     "altinn:accessmanagement/authorizedparties \
//!      altinn:accessmanagement/enduser:connections:toothers.read \
//!      altinn:accessmanagement/enduser:connections:toothers.write",
//! )?);
//! request.system_user = Some(SystemUserAuthorization {
//!     org: OrgNumber::parse("310000000")?,
//!     external_ref: None,
//! });
//! let settings = Settings {
//!     maskinporten: MaskinportenSettings::new(Environment::Test, "my-client-id", key, request),
//!     altinn: Some(AltinnSettings {
//!         platform_url: "https://platform.tt02.altinn.no".parse()?,
//!         enterprise_user: None,
//!         retry: None,
//!         backend: Some(Backend::Altinn3 { retry: None }),
//!         onboarding: None,
//!     }),
//! };
//! let stack = Stack::build(settings)?;
//! let org = PartyRef::parse("310000000")?;
//! let person = tilgang::access::person_query("26899299344", "HEIS")?;
//! let held = stack.access()?.show(&org, &person).await?;
//! println!("{} holds {} accesses", held.holder.describe(), held.accesses.len());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

use std::{fmt, sync::Arc};

use url::Url;

pub use tilgang_access as access;
pub use tilgang_altinn2 as altinn2;
pub use tilgang_altinn3 as altinn3;
pub use tilgang_domain as domain;
pub use tilgang_maskinporten as maskinporten;
pub use tilgang_ports as ports;

use access::AccessManager;
use altinn2::{Altinn2Client, Altinn2Config};
use altinn3::{Altinn3Client, Altinn3Config, SystemRegisterClient};
use domain::secret::{ApiKey, EnterpriseUserCredentials};
use maskinporten::{
    AltinnExchange, ClientKey, Environment, MaskinportenClient, OutagePolicy, UntilDeadline,
};
use ports::{AccessTokenSource, AltinnTokenSource, Parties, RetryPolicy, Rights, TokenRequest};

/// Everything needed to build a [`Stack`].
#[derive(Debug)]
pub struct Settings {
    /// Step 1.
    pub maskinporten: MaskinportenSettings,
    /// Steps 2–6; without it only Maskinporten tokens are available.
    pub altinn: Option<AltinnSettings>,
}

/// The Maskinporten client (step 1).
#[derive(Debug)]
pub struct MaskinportenSettings {
    /// Which Maskinporten (its issuer; the well-known document is read from it).
    pub environment: Environment,
    /// The client id registered in Samarbeidsportalen.
    pub client_id: String,
    /// The signing key and how grants name it.
    pub key: ClientKey,
    /// What to ask for: scopes, audience, system user.
    pub request: TokenRequest,
    /// Retries of one token call; `None` for the client's default.
    pub retry: Option<RetryPolicy>,
    /// Wait out a Maskinporten outage up to a deadline before failing; `None` to fail at once.
    pub outage: Option<OutagePolicy>,
}

impl MaskinportenSettings {
    /// Settings with the client's default retries and no outage waiting.
    pub fn new(
        environment: Environment,
        client_id: impl Into<String>,
        key: ClientKey,
        request: TokenRequest,
    ) -> Self {
        MaskinportenSettings {
            environment,
            client_id: client_id.into(),
            key,
            request,
            retry: None,
            outage: None,
        }
    }
}

/// The Altinn token exchange (step 2) and the Altinn API behind it (steps 3–6).
#[derive(Debug)]
pub struct AltinnSettings {
    /// The Altinn platform, e.g. `https://platform.tt02.altinn.no`.
    pub platform_url: Url,
    /// An enterprise user for the exchange. Altinn answers 410 Gone to these since Altinn 2
    /// was switched off; kept for the retired API's mock.
    pub enterprise_user: Option<EnterpriseUserCredentials>,
    /// Retries of the exchange; `None` for the default.
    pub retry: Option<RetryPolicy>,
    /// The access-management API; without it only Altinn tokens are available.
    pub backend: Option<Backend>,
    /// For a vendor's onboarding (the system register and system-user requests, Altinn 3):
    /// what to ask Maskinporten for on the vendor's own behalf (the system-register scopes, no
    /// system user). `None` leaves it out.
    pub onboarding: Option<TokenRequest>,
}

/// Which Altinn access-management API the use cases run over.
#[derive(Debug)]
#[non_exhaustive]
pub enum Backend {
    /// The Altinn 3 Access Management enduser API, under the platform URL, called with the
    /// exchanged system-user token (set `TokenRequest::system_user` in the Maskinporten
    /// settings).
    Altinn3 {
        /// Retries of idempotent calls; `None` for the default.
        retry: Option<RetryPolicy>,
    },
    /// The Altinn 2 REST API (switched off in June 2026; its mock remains).
    Altinn2 {
        /// The REST root (paths `/api/...`), e.g. `https://tt02.altinn.no`.
        api_url: Url,
        /// The Altinn 2 API key.
        api_key: ApiKey,
        /// Retries of idempotent calls; `None` for the default.
        retry: Option<RetryPolicy>,
    },
}

/// The adapter a [`Stack`] built, by generation, for callers who need its own operations.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Adapter {
    /// The Altinn 2 REST client.
    Altinn2(Arc<Altinn2Client>),
    /// The Altinn 3 access-management client.
    Altinn3(Arc<Altinn3Client>),
}

/// The whole chain, built once and shared (every part is cheap to clone).
#[derive(Clone)]
pub struct Stack {
    maskinporten: Arc<MaskinportenClient>,
    tokens: Arc<dyn AccessTokenSource>,
    request: TokenRequest,
    exchange: Option<Arc<AltinnExchange>>,
    adapter: Option<Adapter>,
    access: Option<AccessManager>,
    onboarding: Option<Arc<SystemRegisterClient>>,
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("request", &self.request)
            .field("exchange", &self.exchange.is_some())
            .field("adapter", &self.adapter)
            .finish_non_exhaustive()
    }
}

/// A part of the stack was asked for that the settings did not configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not configured; add it to the settings")]
pub struct NotConfigured(pub &'static str);

/// The settings could not be turned into a stack; nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The Maskinporten client or the exchange refused its settings.
    #[error("cannot set up {what}")]
    Maskinporten {
        /// Which part.
        what: &'static str,
        /// Why.
        #[source]
        source: maskinporten::ConfigError,
    },
    /// The Altinn 2 adapter refused its settings.
    #[error("cannot set up the Altinn 2 client")]
    Altinn2(#[source] altinn2::ConfigError),
    /// The Altinn 3 adapter refused its settings.
    #[error("cannot set up the Altinn 3 client")]
    Altinn3(#[source] altinn3::ConfigError),
}

impl Stack {
    /// Builds every part the settings describe. Sends nothing: tokens are fetched on first
    /// use.
    pub fn build(settings: Settings) -> Result<Stack, BuildError> {
        let mp = settings.maskinporten;
        let mut builder = MaskinportenClient::builder(mp.environment, mp.client_id, mp.key);
        if let Some(retry) = mp.retry {
            builder = builder.retry(retry);
        }
        let maskinporten =
            Arc::new(builder.build().map_err(|source| BuildError::Maskinporten {
                what: "the Maskinporten client",
                source,
            })?);
        let tokens: Arc<dyn AccessTokenSource> = match mp.outage {
            Some(policy) => Arc::new(UntilDeadline::new(maskinporten.clone(), policy)),
            None => maskinporten.clone(),
        };
        let mut stack = Stack {
            maskinporten,
            tokens,
            request: mp.request,
            exchange: None,
            adapter: None,
            access: None,
            onboarding: None,
        };
        let Some(altinn) = settings.altinn else {
            return Ok(stack);
        };
        let platform_url = altinn.platform_url.clone();
        if let Some(request) = altinn.onboarding {
            // The vendor's own token: the same Maskinporten client (its cache keys tokens by
            // request), exchanged on its own.
            let mut vendor =
                AltinnExchange::builder(Arc::clone(&stack.tokens), request, platform_url.clone());
            if let Some(retry) = altinn.retry {
                vendor = vendor.retry(retry);
            }
            let vendor = Arc::new(vendor.build().map_err(|source| BuildError::Maskinporten {
                what: "the vendor's token exchange",
                source,
            })?);
            let client =
                SystemRegisterClient::new(Altinn3Config::new(platform_url.clone()), vendor)
                    .map_err(BuildError::Altinn3)?;
            stack.onboarding = Some(Arc::new(client));
        }
        let mut exchange = AltinnExchange::builder(
            Arc::clone(&stack.tokens),
            stack.request.clone(),
            altinn.platform_url,
        );
        if let Some(user) = altinn.enterprise_user {
            exchange = exchange.enterprise_user(user);
        }
        if let Some(retry) = altinn.retry {
            exchange = exchange.retry(retry);
        }
        let exchange = Arc::new(
            exchange
                .build()
                .map_err(|source| BuildError::Maskinporten {
                    what: "the Altinn token exchange",
                    source,
                })?,
        );
        stack.exchange = Some(Arc::clone(&exchange));
        let Some(backend) = altinn.backend else {
            return Ok(stack);
        };

        let (adapter, parties, rights): (Adapter, Arc<dyn Parties>, Arc<dyn Rights>) = match backend
        {
            Backend::Altinn2 {
                api_url,
                api_key,
                retry,
            } => {
                let mut config = Altinn2Config::new(api_url, api_key);
                if let Some(retry) = retry {
                    config.retry = retry;
                }
                let client =
                    Arc::new(Altinn2Client::new(config, exchange).map_err(BuildError::Altinn2)?);
                (Adapter::Altinn2(client.clone()), client.clone(), client)
            }
            Backend::Altinn3 { retry } => {
                let mut config = Altinn3Config::new(platform_url);
                if let Some(retry) = retry {
                    config.retry = retry;
                }
                let client =
                    Arc::new(Altinn3Client::new(config, exchange).map_err(BuildError::Altinn3)?);
                (Adapter::Altinn3(client.clone()), client.clone(), client)
            }
        };
        stack.adapter = Some(adapter);
        stack.access = Some(AccessManager::new(parties, rights));
        Ok(stack)
    }

    /// The Maskinporten client itself (its cache, `cached()`, …).
    pub fn maskinporten(&self) -> &Arc<MaskinportenClient> {
        &self.maskinporten
    }

    /// Step 1: the token source the rest of the stack uses (the client, or the client behind
    /// the outage policy).
    pub fn tokens(&self) -> &Arc<dyn AccessTokenSource> {
        &self.tokens
    }

    /// What step 1 asks Maskinporten for.
    pub fn request(&self) -> &TokenRequest {
        &self.request
    }

    /// Step 2: the Altinn token exchange.
    pub fn exchange(&self) -> Result<&Arc<AltinnExchange>, NotConfigured> {
        self.exchange
            .as_ref()
            .ok_or(NotConfigured("the Altinn platform (token exchange)"))
    }

    /// Step 2 as a port.
    pub fn altinn_tokens(&self) -> Result<Arc<dyn AltinnTokenSource>, NotConfigured> {
        self.exchange()
            .map(|e| Arc::clone(e) as Arc<dyn AltinnTokenSource>)
    }

    /// The Altinn adapter, for its own operations.
    pub fn adapter(&self) -> Result<&Adapter, NotConfigured> {
        self.adapter
            .as_ref()
            .ok_or(NotConfigured("the Altinn access-management API"))
    }

    /// The vendor's onboarding: the system register and system-user requests (Altinn 3).
    pub fn onboarding(&self) -> Result<Arc<dyn ports::SystemRegister>, NotConfigured> {
        self.onboarding
            .as_ref()
            .map(|c| Arc::clone(c) as Arc<dyn ports::SystemRegister>)
            .ok_or(NotConfigured("the vendor's onboarding (system register)"))
    }

    /// Steps 3–6: the use cases.
    pub fn access(&self) -> Result<&AccessManager, NotConfigured> {
        self.access
            .as_ref()
            .ok_or(NotConfigured("the Altinn access-management API"))
    }
}

#[cfg(test)]
mod tests {
    use domain::{ScopeSet, secret::Password};
    use maskinporten::PrivateKey;
    use tilgang_mock::{MockServer, demo};

    use super::*;

    fn settings(mock: &MockServer, backend: bool) -> Settings {
        let key = PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "demo key").unwrap();
        Settings {
            maskinporten: MaskinportenSettings::new(
                Environment::Custom {
                    issuer: mock.issuer(),
                },
                demo::CLIENT_ID,
                ClientKey::registered(key, demo::KID).unwrap(),
                TokenRequest::scopes(ScopeSet::parse("altinn:enduser").unwrap()),
            ),
            altinn: Some(AltinnSettings {
                platform_url: mock.platform_url().parse().unwrap(),
                enterprise_user: Some(EnterpriseUserCredentials {
                    user_name: demo::ENTERPRISE_USER.into(),
                    password: Password::new(demo::ENTERPRISE_PASSWORD),
                }),
                retry: None,
                backend: backend.then(|| Backend::Altinn2 {
                    api_url: mock.api_url().parse().unwrap(),
                    api_key: ApiKey::new(demo::API_KEY),
                    retry: None,
                }),
                onboarding: None,
            }),
        }
    }

    #[tokio::test]
    async fn the_built_stack_runs_the_steps_against_the_mock() {
        let mock = MockServer::start().await;
        let stack = Stack::build(settings(&mock, true)).unwrap();
        // Building sends nothing.
        assert_eq!(mock.count("POST /token"), 0);
        let person = access::person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap();
        let org = domain::PartyRef::parse(demo::ORG).unwrap();
        let report = stack.access().unwrap().show(&org, &person).await.unwrap();
        assert_eq!(report.holder.ssn.unwrap().as_str(), "268992*****");
        assert_eq!(mock.count("POST /token"), 1);
        assert!(matches!(stack.adapter(), Ok(Adapter::Altinn2(_))));
    }

    #[tokio::test]
    async fn parts_left_out_of_the_settings_say_so() {
        let mock = MockServer::start().await;
        let stack = Stack::build(settings(&mock, false)).unwrap();
        assert!(stack.exchange().is_ok());
        let err = stack.access().unwrap_err();
        assert!(err.to_string().contains("not configured"), "{err}");
        let mut only_tokens = settings(&mock, false);
        only_tokens.altinn = None;
        let stack = Stack::build(only_tokens).unwrap();
        assert!(stack.altinn_tokens().is_err());
        let token = stack
            .tokens()
            .access_token(stack.request())
            .await
            .expect("a Maskinporten token");
        assert!(token.expires_at > std::time::SystemTime::now());
    }
}
