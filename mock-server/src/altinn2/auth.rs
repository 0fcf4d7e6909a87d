//! Who may call: the API key, the Altinn token, its enterprise user and its scopes, checked
//! in the order Altinn checks them (README, inferred behaviour 11 and 13).

use std::sync::Arc;

use crate::shared::{
    Core,
    tokens::{
        TokenCache,
        altinn::{self, AltinnIdentity, AltinnTokenError},
    },
};

use super::refusal::Refusal;

/// What an Altinn 2 call needs: which API-key resource and which scopes.
pub(super) struct Need {
    resource: &'static str,
    scopes: &'static [&'static str],
    /// `{who}` endpoints answer a request without a token like a browser (302 to login).
    who_endpoint: bool,
}

/// The Delegations GETs.
pub(super) const READ_DELEGATIONS: Need = Need {
    resource: "Authorization.read",
    scopes: &["altinn:enduser", "altinn:delegations.read"],
    who_endpoint: true,
};
/// Delegations POST and DELETE.
pub(super) const WRITE_DELEGATIONS: Need = Need {
    resource: "Authorization.write",
    scopes: &["altinn:enduser", "altinn:delegations.write"],
    who_endpoint: true,
};
/// The user's own rights and roles.
pub(super) const READ_ROLES_AND_RIGHTS: Need = Need {
    resource: "Authorization.read",
    scopes: &[
        "altinn:enduser",
        "altinn:rolesandrights.read",
        "altinn:rolesandrights",
    ],
    who_endpoint: true,
};
/// ReporteeConversion.
pub(super) const CONVERT_REPORTEE: Need = Need {
    resource: "Authorization.read",
    scopes: &["altinn:enduser", "altinn:reportees"],
    who_endpoint: false,
};

/// The credentials a request carries, as the HTTP layer found them.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Credentials<'a> {
    /// The `ApiKey` header, when present and readable.
    pub(super) api_key: Option<&'a str>,
    /// Whether an `Authorization` header was sent at all.
    pub(super) has_authorization: bool,
    /// The token of a `Bearer` `Authorization` header.
    pub(super) bearer: Option<&'a str>,
}

/// Checks API key, token, user and scope, in the order Altinn does. Token expiry is judged
/// on the mock's clock with the world's `api_clock_skew_secs`.
pub(super) fn authorize(
    core: &Core,
    tokens: &TokenCache<AltinnIdentity>,
    creds: Credentials<'_>,
    need: &Need,
) -> Result<Arc<AltinnIdentity>, Refusal> {
    let key = creds.api_key.ok_or(Refusal::MissingApiKey)?;
    let skew = {
        let world = core.world.read();
        let allowed = world.api_keys.iter().any(|k| {
            k.key == key
                && k.resources
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(need.resource))
        });
        if !allowed {
            return Err(Refusal::ApiKeyForbidden);
        }
        world.settings.api_clock_skew_secs as i64
    };
    if !creds.has_authorization {
        return Err(if need.who_endpoint {
            Refusal::LoginRequired
        } else {
            Refusal::NoAuthenticatedUser
        });
    }
    let token = creds.bearer.ok_or(Refusal::NotBearer)?;
    let id = altinn::verify(core, tokens, token, skew).map_err(|e| match e {
        AltinnTokenError::Invalid(message) => Refusal::InvalidToken(message),
        AltinnTokenError::Expired { exp, now } => Refusal::TokenExpired { exp, now },
    })?;
    if id.user.is_none() {
        return Err(Refusal::OrganisationToken);
    }
    if !id
        .scopes
        .iter()
        .any(|sc| need.scopes.contains(&sc.as_str()))
    {
        return Err(Refusal::MissingScope);
    }
    Ok(id)
}
