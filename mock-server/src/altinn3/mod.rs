//! The Altinn 3 access-management fake (`shared/spec/altinn3-accessmanagement.md`): the
//! enduser connections API (E1–E16) for system-user tokens, and the package metadata API.
//!
//! The world's rules and the HTTP side are apart, as in the Altinn 2 fake:
//!
//! - [`auth`] is who may call (token, scope policies, the PDP decision);
//! - [`read`] and [`write`] are the rules: functions over the world that answer a body or a
//!   change, or a typed [`refusal::Refusal`]; [`meta`] reads the package catalogue;
//! - [`dto`] writes the wire shapes; [`query`] binds the query string as ASP.NET does;
//! - [`http`] holds the handlers, and alone turns a refusal into a response.

mod auth;
mod dto;
mod http;
mod meta;
mod query;
mod read;
mod refusal;
mod write;

use std::sync::Arc;

use axum::{Router, routing::get};

use crate::shared::{Core, routes::Endpoint};

pub(crate) use self::http::Altinn3State;

/// The Altinn 3 routes.
pub(crate) fn router(core: Arc<Core>, state: Arc<Altinn3State>) -> Router {
    Router::new()
        .route(
            &Endpoint::A3AuthorizedParties.router_path(),
            get(http::authorized_parties),
        )
        .route(
            &Endpoint::A3Connections.router_path(),
            get(http::get_connections)
                .post(http::post_connections)
                .delete(http::delete_connections),
        )
        .route(
            &Endpoint::A3Packages.router_path(),
            get(http::get_packages)
                .post(http::post_packages)
                .delete(http::delete_packages),
        )
        .route(
            &Endpoint::A3PackageCheck.router_path(),
            get(http::package_check),
        )
        .route(
            &Endpoint::A3Resources.router_path(),
            get(http::get_resources).delete(http::delete_resources),
        )
        .route(
            &Endpoint::A3ResourceRights.router_path(),
            get(http::get_rights)
                .post(http::post_rights)
                .put(http::put_rights),
        )
        .route(
            &Endpoint::A3ResourceCheck.router_path(),
            get(http::resource_check),
        )
        .route(
            &Endpoint::A3Roles.router_path(),
            get(http::get_roles).delete(http::delete_roles),
        )
        .route(&Endpoint::A3Users.router_path(), get(http::get_users))
        .route(&Endpoint::MetaSearch.router_path(), get(http::meta_search))
        .route(&Endpoint::MetaExport.router_path(), get(http::meta_export))
        .route(
            &Endpoint::MetaPackage.router_path(),
            get(http::meta_package),
        )
        .route(
            &Endpoint::MetaPackageUrn.router_path(),
            get(http::meta_package_urn),
        )
        .route(
            &Endpoint::MetaPackageResources.router_path(),
            get(http::meta_package_resources),
        )
        .route(&Endpoint::MetaArea.router_path(), get(http::meta_area))
        .route(
            &Endpoint::MetaAreaPackages.router_path(),
            get(http::meta_area_packages),
        )
        .with_state(http::Ctx { core, state })
}
