//! The route names: every path template the fakes serve, as an enum, and the `METHOD
//! /template` keys that counters, the request log and fault rules use.
//!
//! Fakes register their handlers under [`Endpoint::router_path`], and the observing middleware
//! turns the router's matched path back into an [`Endpoint`], so nothing refers to a route by
//! its position in a table.

use std::{collections::HashMap, sync::LazyLock};

use axum::http::Method;

/// A path template the mock serves, named after what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    /// Maskinporten metadata.
    WellKnown,
    /// Maskinporten's public signing key.
    Jwk,
    /// Maskinporten's token endpoint.
    Token,
    /// The Altinn token exchange.
    Exchange,
    /// Altinn 2 ReporteeConversion.
    ReporteeConversion,
    /// Altinn 2 right holders of `{who}` (GET, POST, DELETE by query).
    Delegations,
    /// One right holder.
    Holder,
    /// One right holder's rights.
    HolderRights,
    /// One right holder's roles.
    HolderRoles,
    /// One delegated right (DELETE).
    HolderRight,
    /// One delegated role (DELETE).
    HolderRole,
    /// The authenticated user's own rights for `{who}`.
    OwnRights,
    /// The authenticated user's own roles for `{who}`.
    OwnRoles,
    /// The login page a token-less `{who}` request is redirected to.
    Login,
    /// Altinn 3 E1: the parties the caller may act for.
    A3AuthorizedParties,
    /// Altinn 3 E2–E4: connections (right holders).
    A3Connections,
    /// Altinn 3 E5–E7: access packages on connections.
    A3Packages,
    /// Altinn 3 E8: the package delegation check.
    A3PackageCheck,
    /// Altinn 3 E9, E14: resources on connections.
    A3Resources,
    /// Altinn 3 E10, E12, E13: rights on one resource.
    A3ResourceRights,
    /// Altinn 3 E11: the resource delegation check.
    A3ResourceCheck,
    /// Altinn 3 E15, E16: roles on connections.
    A3Roles,
    /// Altinn 3 E17: the simplified list of right holders.
    A3Users,
    /// Package metadata: search.
    MetaSearch,
    /// Package metadata: the whole catalogue.
    MetaExport,
    /// Package metadata: one package by id.
    MetaPackage,
    /// Package metadata: one package by URN.
    MetaPackageUrn,
    /// Package metadata: a package's resources.
    MetaPackageResources,
    /// Package metadata: one area.
    MetaArea,
    /// Package metadata: an area's packages.
    MetaAreaPackages,
    /// System register: a vendor's systems (GET, POST).
    SystemRegister,
    /// System register: one system (GET, PUT, DELETE).
    SystemRegisterSystem,
    /// System register: a system's rights (PUT).
    SystemRegisterRights,
    /// System register: a system's packages (PUT).
    SystemRegisterPackages,
    /// System-user requests: create (POST).
    SystemUserRequests,
    /// System-user requests: one by id.
    SystemUserRequest,
    /// System-user requests: one by external reference.
    SystemUserRequestByRef,
    /// System-user requests: a system's requests.
    SystemUserRequestsBySystem,
    /// System users: one by system, customer and reference.
    SystemUserByQuery,
    /// System users: a system's users.
    SystemUsersBySystem,
}

impl Endpoint {
    /// Every endpoint, in the order the README lists them.
    pub(crate) const ALL: [Endpoint; 40] = [
        Endpoint::WellKnown,
        Endpoint::Jwk,
        Endpoint::Token,
        Endpoint::Exchange,
        Endpoint::ReporteeConversion,
        Endpoint::Delegations,
        Endpoint::Holder,
        Endpoint::HolderRights,
        Endpoint::HolderRoles,
        Endpoint::HolderRight,
        Endpoint::HolderRole,
        Endpoint::OwnRights,
        Endpoint::OwnRoles,
        Endpoint::Login,
        Endpoint::A3AuthorizedParties,
        Endpoint::A3Connections,
        Endpoint::A3Packages,
        Endpoint::A3PackageCheck,
        Endpoint::A3Resources,
        Endpoint::A3ResourceRights,
        Endpoint::A3ResourceCheck,
        Endpoint::A3Roles,
        Endpoint::A3Users,
        Endpoint::MetaSearch,
        Endpoint::MetaExport,
        Endpoint::MetaPackage,
        Endpoint::MetaPackageUrn,
        Endpoint::MetaPackageResources,
        Endpoint::MetaArea,
        Endpoint::MetaAreaPackages,
        Endpoint::SystemRegister,
        Endpoint::SystemRegisterSystem,
        Endpoint::SystemRegisterRights,
        Endpoint::SystemRegisterPackages,
        Endpoint::SystemUserRequests,
        Endpoint::SystemUserRequest,
        Endpoint::SystemUserRequestByRef,
        Endpoint::SystemUserRequestsBySystem,
        Endpoint::SystemUserByQuery,
        Endpoint::SystemUsersBySystem,
    ];

    /// The template as the documentation writes it (and as counters show it).
    pub(crate) const fn template(self) -> &'static str {
        match self {
            Endpoint::WellKnown => "/.well-known/oauth-authorization-server",
            Endpoint::Jwk => "/jwk",
            Endpoint::Token => "/token",
            Endpoint::Exchange => "/authentication/api/v1/exchange/{provider}",
            Endpoint::ReporteeConversion => "/api/reportees/ReporteeConversion",
            Endpoint::Delegations => "/api/{who}/authorization/Delegations",
            Endpoint::Holder => "/api/{who}/authorization/Delegations/{receiverId}",
            Endpoint::HolderRights => "/api/{who}/authorization/Delegations/{receiverId}/rights",
            Endpoint::HolderRoles => "/api/{who}/authorization/Delegations/{receiverId}/roles",
            Endpoint::HolderRight => {
                "/api/{who}/authorization/Delegations/{receiverId}/rights/{authzRuleId}"
            }
            Endpoint::HolderRole => {
                "/api/{who}/authorization/Delegations/{receiverId}/roles/{roleId}"
            }
            Endpoint::OwnRights => "/api/{who}/authorization/rights",
            Endpoint::OwnRoles => "/api/{who}/authorization/roles",
            Endpoint::Login => "/ui/Authentication",
            Endpoint::A3AuthorizedParties => "/accessmanagement/api/v1/enduser/authorizedparties",
            Endpoint::A3Connections => "/accessmanagement/api/v1/enduser/connections",
            Endpoint::A3Packages => "/accessmanagement/api/v1/enduser/connections/accesspackages",
            Endpoint::A3PackageCheck => {
                "/accessmanagement/api/v1/enduser/connections/accesspackages/delegationcheck"
            }
            Endpoint::A3Resources => "/accessmanagement/api/v1/enduser/connections/resources",
            Endpoint::A3ResourceRights => {
                "/accessmanagement/api/v1/enduser/connections/resources/rights"
            }
            Endpoint::A3ResourceCheck => {
                "/accessmanagement/api/v1/enduser/connections/resources/delegationcheck"
            }
            Endpoint::A3Roles => "/accessmanagement/api/v1/enduser/connections/roles",
            Endpoint::A3Users => "/accessmanagement/api/v1/enduser/connections/users",
            Endpoint::MetaSearch => "/accessmanagement/api/v1/meta/info/accesspackages/search",
            Endpoint::MetaExport => "/accessmanagement/api/v1/meta/info/accesspackages/export",
            Endpoint::MetaPackage => {
                "/accessmanagement/api/v1/meta/info/accesspackages/package/{id}"
            }
            Endpoint::MetaPackageUrn => {
                "/accessmanagement/api/v1/meta/info/accesspackages/package/urn/{urnValue}"
            }
            Endpoint::MetaPackageResources => {
                "/accessmanagement/api/v1/meta/info/accesspackages/package/{id}/resources"
            }
            Endpoint::MetaArea => "/accessmanagement/api/v1/meta/info/accesspackages/area/{id}",
            Endpoint::MetaAreaPackages => {
                "/accessmanagement/api/v1/meta/info/accesspackages/area/{id}/packages"
            }
            Endpoint::SystemRegister => "/authentication/api/v1/systemregister/vendor",
            Endpoint::SystemRegisterSystem => {
                "/authentication/api/v1/systemregister/vendor/{systemId}"
            }
            Endpoint::SystemRegisterRights => {
                "/authentication/api/v1/systemregister/vendor/{systemId}/rights"
            }
            Endpoint::SystemRegisterPackages => {
                "/authentication/api/v1/systemregister/vendor/{systemId}/accesspackages"
            }
            Endpoint::SystemUserRequests => "/authentication/api/v1/systemuser/request/vendor",
            Endpoint::SystemUserRequest => {
                "/authentication/api/v1/systemuser/request/vendor/{requestId}"
            }
            Endpoint::SystemUserRequestByRef => {
                "/authentication/api/v1/systemuser/request/vendor/byexternalref/{systemId}/{orgNo}/{externalRef}"
            }
            Endpoint::SystemUserRequestsBySystem => {
                "/authentication/api/v1/systemuser/request/vendor/bysystem/{systemId}"
            }
            Endpoint::SystemUserByQuery => "/authentication/api/v1/systemuser/vendor/byquery",
            Endpoint::SystemUsersBySystem => {
                "/authentication/api/v1/systemuser/vendor/bysystem/{systemId}"
            }
        }
    }

    /// The path the router matches: the template lower-cased, because requests are
    /// lower-cased before routing (Altinn routes case-insensitively).
    pub(crate) fn router_path(self) -> String {
        self.template().to_ascii_lowercase()
    }

    /// The endpoint whose router path is `matched`.
    pub(crate) fn from_router_path(matched: &str) -> Option<Endpoint> {
        static BY_PATH: LazyLock<HashMap<String, Endpoint>> = LazyLock::new(|| {
            Endpoint::ALL
                .iter()
                .map(|e| (e.router_path(), *e))
                .collect()
        });
        BY_PATH.get(matched).copied()
    }

    /// Whether the Maskinporten outage fault applies to `method` on this endpoint (the three
    /// documented Maskinporten routes; a wrong method gets the router's 405 as usual).
    pub(crate) fn is_maskinporten(self, method: &Method) -> bool {
        match self {
            Endpoint::WellKnown | Endpoint::Jwk => method == Method::GET,
            Endpoint::Token => method == Method::POST,
            _ => false,
        }
    }
}

/// The methods that get a counter slot of their own; any other method is counted by name.
pub(crate) static METHODS: [Method; 9] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
    Method::PATCH,
    Method::TRACE,
    Method::CONNECT,
];

fn method_slot(method: &Method) -> Option<usize> {
    METHODS.iter().position(|m| m == method)
}

/// A request's route key (`METHOD /template`), kept unformatted when it is a standard method
/// on a known endpoint, so that nothing is formatted per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RouteKey {
    /// A standard method on an endpoint.
    Known {
        /// Index into [`METHODS`].
        method: usize,
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// Anything else, already formatted.
    Other(Box<str>),
}

impl RouteKey {
    /// The key of `method` on the router path `matched`.
    pub(crate) fn of(method: &Method, matched: &str) -> Self {
        match Endpoint::from_router_path(matched) {
            Some(endpoint) => RouteKey::new(method, endpoint),
            None => RouteKey::Other(format!("{method} {matched}").into()),
        }
    }

    /// The key of `method` on `endpoint`.
    pub(crate) fn new(method: &Method, endpoint: Endpoint) -> Self {
        match method_slot(method) {
            Some(method) => RouteKey::Known { method, endpoint },
            None => RouteKey::Other(format!("{method} {}", endpoint.template()).into()),
        }
    }

    /// The endpoint and method, when the key is a standard method on a known endpoint.
    pub(crate) fn known(&self) -> Option<(&'static Method, Endpoint)> {
        match self {
            RouteKey::Known { method, endpoint } => Some((&METHODS[*method], *endpoint)),
            RouteKey::Other(_) => None,
        }
    }

    /// The key as counters and the log show it: `"GET /jwk"`.
    pub(crate) fn text(&self) -> String {
        match self {
            RouteKey::Known { method, endpoint } => {
                format!("{} {}", METHODS[*method], endpoint.template())
            }
            RouteKey::Other(text) => text.to_string(),
        }
    }
}

/// Normalises a route key given by a caller for lookup (method upper-case, path lower-case).
pub(crate) fn normalise_key(key: &str) -> String {
    match key.trim().split_once(' ') {
        Some((m, p)) => format!(
            "{} {}",
            m.to_ascii_uppercase(),
            p.trim().to_ascii_lowercase()
        ),
        None => key.trim().to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_found_by_its_router_path() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::from_router_path(&e.router_path()), Some(e));
        }
        assert_eq!(Endpoint::from_router_path("/nowhere"), None);
    }

    #[test]
    fn keys_show_the_documented_template() {
        let key = RouteKey::of(
            &Method::GET,
            "/api/{who}/authorization/delegations/{receiverid}",
        );
        assert_eq!(
            key.text(),
            "GET /api/{who}/authorization/Delegations/{receiverId}"
        );
        assert_eq!(key.known(), Some((&Method::GET, Endpoint::Holder)));
        let odd = RouteKey::new(&Method::from_bytes(b"PURGE").unwrap(), Endpoint::Jwk);
        assert_eq!(odd.text(), "PURGE /jwk");
        assert_eq!(odd.known(), None);
    }

    #[test]
    fn only_the_documented_maskinporten_routes_meet_the_outage() {
        assert!(Endpoint::Token.is_maskinporten(&Method::POST));
        assert!(!Endpoint::Token.is_maskinporten(&Method::GET));
        assert!(Endpoint::Jwk.is_maskinporten(&Method::GET));
        assert!(Endpoint::WellKnown.is_maskinporten(&Method::GET));
        assert!(!Endpoint::Exchange.is_maskinporten(&Method::GET));
    }
}
