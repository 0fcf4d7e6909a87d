//! Shared wiring for the in-process end-to-end tests: the stack built through the `tilgang`
//! facade, the way an embedding team builds it, against a mock server started for one test.
// Each test file compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

pub(crate) mod bulk;

use std::sync::Arc;

use tilgang::{
    Adapter, AltinnSettings, Backend, MaskinportenSettings, Settings,
    access::AccessManager,
    altinn2::Altinn2Client,
    domain::{
        ScopeSet,
        secret::{ApiKey, EnterpriseUserCredentials, Password},
    },
    maskinporten::{AltinnExchange, ClientKey, Environment, MaskinportenClient, PrivateKey},
    ports::TokenRequest,
};
use tilgang_mock::{MockServer, demo};

/// The parts of one stack the tests use, each as its concrete type.
pub(crate) struct Stack {
    pub(crate) tokens: Arc<MaskinportenClient>,
    pub(crate) request: TokenRequest,
    pub(crate) exchange: Arc<AltinnExchange>,
    pub(crate) altinn: Arc<Altinn2Client>,
    pub(crate) access: AccessManager,
}

/// Who the stack authenticates as.
pub(crate) struct As<'a> {
    pub(crate) enterprise_user: Option<(&'a str, &'a str)>,
    pub(crate) api_key: &'a str,
}

impl Default for As<'_> {
    fn default() -> Self {
        As {
            enterprise_user: Some((demo::ENTERPRISE_USER, demo::ENTERPRISE_PASSWORD)),
            api_key: demo::API_KEY,
        }
    }
}

/// The demo client's key, registered under the demo key id.
pub(crate) fn demo_key() -> ClientKey {
    let key = PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "demo key")
        .expect("the demo key parses");
    ClientKey::registered(key, demo::KID).expect("the demo kid is valid")
}

/// The demo client's Maskinporten settings for `mock`.
pub(crate) fn maskinporten_settings(mock: &MockServer, key: ClientKey) -> MaskinportenSettings {
    MaskinportenSettings::new(
        Environment::Custom {
            issuer: mock.issuer().to_string(),
        },
        demo::CLIENT_ID,
        key,
        TokenRequest::scopes(ScopeSet::parse("altinn:enduser").unwrap()),
    )
}

/// The demo client's Maskinporten token source for `mock`.
pub(crate) fn maskinporten(mock: &MockServer) -> Arc<MaskinportenClient> {
    let settings = Settings {
        maskinporten: maskinporten_settings(mock, demo_key()),
        altinn: None,
    };
    tilgang::Stack::build(settings)
        .expect("the Maskinporten client builds")
        .maskinporten()
        .clone()
}

/// The settings of the whole stack for `mock`, as `who`.
pub(crate) fn settings(mock: &MockServer, who: As<'_>) -> Settings {
    Settings {
        maskinporten: maskinporten_settings(mock, demo_key()),
        altinn: Some(AltinnSettings {
            platform_url: mock.platform_url().to_string().parse().unwrap(),
            enterprise_user: who.enterprise_user.map(|(user_name, password)| {
                EnterpriseUserCredentials {
                    user_name: user_name.to_owned(),
                    password: Password::new(password),
                }
            }),
            retry: None,
            backend: Some(Backend::Altinn2 {
                api_url: mock.api_url().to_string().parse().unwrap(),
                api_key: ApiKey::new(who.api_key),
                retry: None,
            }),
            onboarding: None,
        }),
    }
}

/// Takes the parts the tests use out of a facade-built stack.
pub(crate) fn parts(stack: &tilgang::Stack) -> Stack {
    let Adapter::Altinn2(altinn) = stack.adapter().expect("an adapter is configured") else {
        panic!("the Altinn 2 adapter was configured");
    };
    Stack {
        tokens: stack.maskinporten().clone(),
        request: stack.request().clone(),
        exchange: stack
            .exchange()
            .expect("the exchange is configured")
            .clone(),
        altinn: altinn.clone(),
        access: stack.access().expect("the use cases are built").clone(),
    }
}

/// The whole stack for `mock`, as `who`.
pub(crate) fn stack(mock: &MockServer, who: As<'_>) -> Stack {
    let built = tilgang::Stack::build(settings(mock, who)).expect("the stack builds");
    parts(&built)
}

// The Altinn 3 stack: the demo organisation's system user managing its right holders.

/// The three Access Management scopes the use cases need (read the parties, read and change
/// the connections), as `altinn` asks for them by default on Altinn 3.
pub(crate) const ALTINN3_SCOPES: &str = "altinn:accessmanagement/authorizedparties \
     altinn:accessmanagement/enduser:connections:toothers.read \
     altinn:accessmanagement/enduser:connections:toothers.write";

/// The parts of an Altinn 3 stack the tests use, each as its concrete type.
pub(crate) struct Stack3 {
    pub(crate) tokens: Arc<MaskinportenClient>,
    pub(crate) request: TokenRequest,
    pub(crate) exchange: Arc<AltinnExchange>,
    pub(crate) altinn: Arc<tilgang::altinn3::Altinn3Client>,
    pub(crate) access: AccessManager,
}

/// The settings of an Altinn 3 stack for `mock`: a token with `scopes` for the system user of
/// `org` (the demo client's system user there), exchanged, over the Altinn 3 adapter. No
/// enterprise user: Altinn 3 has none.
pub(crate) fn settings3(mock: &MockServer, org: &str, scopes: &str) -> Settings {
    let mut request = TokenRequest::scopes(ScopeSet::parse(scopes).expect("valid scopes"));
    request.system_user = Some(tilgang::ports::SystemUserAuthorization {
        org: tilgang::domain::OrgNumber::parse(org).expect("a valid organisation number"),
        external_ref: None,
    });
    let mut maskinporten = maskinporten_settings(mock, demo_key());
    maskinporten.request = request;
    Settings {
        maskinporten,
        altinn: Some(AltinnSettings {
            platform_url: mock.platform_url().to_string().parse().unwrap(),
            enterprise_user: None,
            retry: None,
            backend: Some(Backend::Altinn3 { retry: None }),
            onboarding: None,
        }),
    }
}

/// Takes the parts the tests use out of a facade-built Altinn 3 stack.
pub(crate) fn parts3(stack: &tilgang::Stack) -> Stack3 {
    let Adapter::Altinn3(altinn) = stack.adapter().expect("an adapter is configured") else {
        panic!("the Altinn 3 adapter was configured");
    };
    Stack3 {
        tokens: stack.maskinporten().clone(),
        request: stack.request().clone(),
        exchange: stack
            .exchange()
            .expect("the exchange is configured")
            .clone(),
        altinn: altinn.clone(),
        access: stack.access().expect("the use cases are built").clone(),
    }
}

/// The whole Altinn 3 stack for `mock`, as the demo organisation's system user with the three
/// Access Management scopes.
pub(crate) fn stack3(mock: &MockServer) -> Stack3 {
    let built = tilgang::Stack::build(settings3(mock, demo::ORG, ALTINN3_SCOPES))
        .expect("the stack builds");
    parts3(&built)
}
