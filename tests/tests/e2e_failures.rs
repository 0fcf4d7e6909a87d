//! Failures across every crate, against an in-process mock server: each surfaces as a typed
//! error with the right kind (which the CLI turns into its exit code) and leaves the mock's
//! state as it was.

mod e2e_common;

use e2e_common::{As, maskinporten, stack};
use tilgang_access::{AccessError, ServiceRight, person_query};
use tilgang_domain::PartyRef;
use tilgang_mock::{MockServer, demo};
use tilgang_ports::{AccessTokenSource, AltinnTokenSource, ErrorKind, TokenError, TokenRequest};

fn right(code: &str, edition: u32, action: &str) -> ServiceRight {
    ServiceRight::parse(code, &edition.to_string(), action).unwrap()
}

#[tokio::test]
async fn wrong_last_name_is_not_found() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let query = person_query(demo::PERSON_FNR, "FEILNAVN").unwrap();
    let err = s.access.show(&PartyRef::My, &query).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(!err.to_string().contains(demo::PERSON_FNR), "{err}");
}

#[tokio::test]
async fn non_delegable_right_is_refused_and_nothing_changes() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let before = mock.world().rights.len();
    let query = person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap();
    let wanted = [right(
        demo::NON_DELEGABLE_SERVICE_CODE,
        demo::NON_DELEGABLE_SERVICE_EDITION,
        "Read",
    )];
    let err = s
        .access
        .grant(&PartyRef::My, &query, &wanted)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert_eq!(err.altinn().and_then(|e| e.status()), Some(403), "{err}");
    assert!(err.to_string().contains("cannot be delegated"), "{err}");
    assert_eq!(mock.world().rights.len(), before);
}

#[tokio::test]
async fn role_derived_rights_cannot_be_revoked_one_by_one() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let before = mock.world().rights.len();
    let query = person_query(demo::ROLE_PERSON_FNR, demo::ROLE_PERSON_LAST_NAME).unwrap();
    let wanted = [right(demo::SERVICE_CODE, demo::SERVICE_EDITION, "Read")];
    let err = s
        .access
        .revoke(&PartyRef::My, &query, &wanted)
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::RoleDerived { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert_eq!(mock.world().rights.len(), before);
}

#[tokio::test]
async fn wrong_api_key_is_refused() {
    let mock = MockServer::start().await;
    let s = stack(
        &mock,
        As {
            api_key: "not-a-key",
            ..As::default()
        },
    );
    let query = person_query(demo::PERSON_FNR, demo::PERSON_LAST_NAME).unwrap();
    let err = s.access.show(&PartyRef::My, &query).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(!err.to_string().contains("not-a-key"), "{err}");
}

#[tokio::test]
async fn wrong_enterprise_password_is_refused_by_the_exchange() {
    let mock = MockServer::start().await;
    let s = stack(
        &mock,
        As {
            enterprise_user: Some((demo::ENTERPRISE_USER, "wrong-password")),
            ..As::default()
        },
    );
    let err = s.exchange.altinn_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(!err.to_string().contains("wrong-password"), "{err}");
}

#[tokio::test]
async fn enterprise_users_are_gone_after_the_altinn_2_shutdown() {
    let mut world = tilgang_mock::World::demo();
    world.settings.enterprise_user_gone = true;
    let mock = MockServer::start_with(world).await;
    let s = stack(&mock, As::default());
    let err = s.exchange.altinn_token().await.unwrap_err();
    assert!(
        matches!(err, TokenError::EnterpriseUsersRetired { .. }),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Auth);

    // Without an enterprise user, the exchange itself still works.
    let s = stack(
        &mock,
        As {
            enterprise_user: None,
            ..As::default()
        },
    );
    s.exchange.altinn_token().await.unwrap();
}

#[tokio::test]
async fn unregistered_key_is_refused_by_maskinporten() {
    let mock = MockServer::start().await;
    let key = tilgang_maskinporten::PrivateKey::from_pem(
        demo::UNREGISTERED_KEY_PKCS8_PEM.as_bytes(),
        "unregistered key",
    )
    .unwrap();
    let key = tilgang_maskinporten::ClientKey::registered(key, demo::KID).unwrap();
    let client = tilgang_maskinporten::MaskinportenClient::builder(
        tilgang_maskinporten::Environment::Custom {
            issuer: mock.issuer().to_string(),
        },
        demo::CLIENT_ID,
        key,
    )
    .build()
    .unwrap();
    let request = TokenRequest::scopes("altinn:enduser".parse().unwrap());
    let err = client.access_token(&request).await.unwrap_err();
    assert!(matches!(err, TokenError::Rejected(_)), "{err}");
    assert_eq!(err.kind(), ErrorKind::Auth);

    // The registered key still works against the same server.
    maskinporten(&mock).access_token(&request).await.unwrap();
}
