//! Shared wiring for the in-process end-to-end tests: the library API of every crate, put
//! together the way an embedding team would, against a mock server started for one test.
// Each test file compiles this module on its own and uses a different part of it.
#![allow(dead_code)]

use std::sync::Arc;

use tilgang_access::AccessManager;
use tilgang_altinn2::{Altinn2Client, Altinn2Config};
use tilgang_domain::{
    ScopeSet,
    secret::{ApiKey, EnterpriseUserCredentials, Password},
};
use tilgang_maskinporten::{
    AltinnExchange, ClientKey, Environment, MaskinportenClient, PrivateKey,
};
use tilgang_mock::{MockServer, demo};
use tilgang_ports::{AccessTokenSource, AltinnTokenSource, TokenRequest};

/// The adapters and use cases wired to one mock server.
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

/// The demo client's Maskinporten token source for `mock`.
pub(crate) fn maskinporten(mock: &MockServer) -> MaskinportenClient {
    let key = PrivateKey::from_pem(demo::CLIENT_KEY_PKCS8_PEM.as_bytes(), "demo key")
        .expect("the demo key parses");
    let key = ClientKey::registered(key, demo::KID).expect("the demo kid is valid");
    MaskinportenClient::builder(
        Environment::Custom {
            issuer: mock.issuer().to_string(),
        },
        demo::CLIENT_ID,
        key,
    )
    .build()
    .expect("the Maskinporten client builds")
}

/// The whole stack for `mock`, as `who`.
pub(crate) fn stack(mock: &MockServer, who: As<'_>) -> Stack {
    let tokens = Arc::new(maskinporten(mock));
    let request = TokenRequest::scopes(ScopeSet::parse("altinn:enduser").unwrap());
    let mut exchange = AltinnExchange::builder(
        Arc::clone(&tokens) as Arc<dyn AccessTokenSource>,
        request.clone(),
        mock.platform_url().to_string().parse().unwrap(),
    );
    if let Some((user_name, password)) = who.enterprise_user {
        exchange = exchange.enterprise_user(EnterpriseUserCredentials {
            user_name: user_name.to_owned(),
            password: Password::new(password),
        });
    }
    let exchange = Arc::new(exchange.build().expect("the exchange builds"));
    let altinn = Arc::new(
        Altinn2Client::new(
            Altinn2Config::new(
                mock.api_url().to_string().parse().unwrap(),
                ApiKey::new(who.api_key),
            ),
            Arc::clone(&exchange) as Arc<dyn AltinnTokenSource>,
        )
        .expect("the Altinn 2 client builds"),
    );
    let access = AccessManager::new(altinn.clone(), altinn.clone());
    Stack {
        tokens,
        request,
        exchange,
        altinn,
        access,
    }
}
