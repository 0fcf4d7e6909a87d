//! Failures across every part of the stack built through the `tilgang` facade, against an
//! in-process mock server: each surfaces as a typed error with the right kind (which the CLI
//! turns into its exit code) and leaves the mock's state as it was.

mod e2e_common;

use e2e_common::{As, maskinporten, maskinporten_settings, stack};
use tilgang::{
    Settings, Stack,
    access::{AccessError, person_query, service_right},
    domain::{Grantable, HeldVia, PartyRef},
    maskinporten::{ClientKey, PrivateKey},
    ports::{AccessTokenSource, AltinnTokenSource, ErrorKind, TokenError},
};
use tilgang_mock::{MockServer, demo};

fn right(code: &str, edition: u32, action: &str) -> Grantable {
    service_right(code, &edition.to_string(), action).unwrap()
}

/// The error and every cause behind it, as the CLI prints them. A use-case error does not
/// repeat its cause in its own message, so what the server said, and anything that must not
/// leak, is only visible in the whole chain.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[tokio::test]
async fn wrong_last_name_is_not_found() {
    let mock = MockServer::start().await;
    let s = stack(&mock, As::default());
    let query = person_query(demo::PERSON_FNR, "FEILNAVN").unwrap();
    let err = s.access.show(&PartyRef::My, &query).await.unwrap_err();
    let text = chain(&err);
    assert_eq!(err.kind(), ErrorKind::NotFound, "{text}");
    assert_eq!(err.altinn().and_then(|e| e.status()), Some(404), "{text}");
    // The chain carries the server's answer, so the search below covers every layer.
    assert!(text.contains("HTTP 404"), "{text}");
    assert!(
        !text.contains(demo::PERSON_FNR),
        "the full fødselsnummer leaked"
    );
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
    let text = chain(&err);
    assert_eq!(err.kind(), ErrorKind::Auth, "{text}");
    assert_eq!(err.altinn().and_then(|e| e.status()), Some(403), "{text}");
    assert!(text.contains("cannot be delegated"), "{text}");
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
    let AccessError::HeldIndirectly { items, roles } = &err else {
        panic!("expected HeldIndirectly, got {err}");
    };
    // The one right asked for is named, held through a role (Altinn 2 does not say which).
    assert_eq!(items.len(), 1, "{err}");
    assert_eq!(items[0].grantable, wanted[0]);
    assert!(
        !items[0].held_via.is_empty()
            && items[0]
                .held_via
                .iter()
                .all(|via| matches!(via, HeldVia::Role { .. })),
        "{err}"
    );
    // The holder's roles are listed so the caller knows which one to remove instead: the
    // delegated UTINN role the rights come from is among them.
    assert!(roles.iter().any(|r| r.contains("UTINN")), "{err}");
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
    let text = chain(&err);
    assert_eq!(err.kind(), ErrorKind::Auth, "{text}");
    // The chain carries the server's answer, so the search below covers every layer.
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(!text.contains("not-a-key"), "the API key leaked: {text}");
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
    let text = chain(&err);
    assert_eq!(err.kind(), ErrorKind::Auth, "{text}");
    assert!(
        !text.contains("wrong-password"),
        "the password leaked: {text}"
    );
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
    // The demo client's settings, signed with a key Maskinporten does not know under its kid.
    let key = PrivateKey::from_pem(
        demo::UNREGISTERED_KEY_PKCS8_PEM.as_bytes(),
        "unregistered key",
    )
    .unwrap();
    let key = ClientKey::registered(key, demo::KID).unwrap();
    let unregistered = Stack::build(Settings {
        maskinporten: maskinporten_settings(&mock, key),
        altinn: None,
    })
    .unwrap();
    let request = unregistered.request();
    let err = unregistered
        .tokens()
        .access_token(request)
        .await
        .unwrap_err();
    assert!(matches!(err, TokenError::Rejected(_)), "{err}");
    assert_eq!(err.kind(), ErrorKind::Auth);

    // The registered key still works against the same server, for the same request.
    maskinporten(&mock).access_token(request).await.unwrap();
}
