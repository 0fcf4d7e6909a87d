//! The Altinn 2 REST API fake (`shared/spec/altinn2-rest.md` §4–§10): ReporteeConversion and
//! the `{who}/authorization` delegation resources, HAL+JSON through the wire crate's codec,
//! errors in the HTTP reason phrase.
//!
//! The world's rules and the HTTP side are apart:
//!
//! - [`auth`], [`parties`], [`read`] and [`write`] are the rules: functions over the world
//!   that answer a model, or a change, or a typed [`refusal::Refusal`];
//! - [`odata`] reads the query options the lists take;
//! - [`http`] holds the handlers, and alone turns a refusal into a status, reason phrase
//!   and headers.

mod auth;
mod http;
mod odata;
mod parties;
mod read;
mod refusal;
mod write;

use std::sync::Arc;

use axum::{
    Router,
    routing::{delete, get, post},
};

use crate::shared::{Core, routes::Endpoint};

pub(crate) use self::http::Altinn2State;
pub use self::refusal::{API_KEY_FORBIDDEN, MISSING_API_KEY, MISSING_SCOPE};

/// The Altinn 2 routes.
pub(crate) fn router(core: Arc<Core>, state: Arc<Altinn2State>) -> Router {
    Router::new()
        .route(
            &Endpoint::ReporteeConversion.router_path(),
            post(http::reportee_conversion),
        )
        .route(
            &Endpoint::Delegations.router_path(),
            get(http::list_holders)
                .post(http::post_delegation)
                .delete(http::delete_by_query),
        )
        .route(&Endpoint::Holder.router_path(), get(http::get_holder))
        .route(
            &Endpoint::HolderRights.router_path(),
            get(http::get_holder_rights),
        )
        .route(
            &Endpoint::HolderRoles.router_path(),
            get(http::get_holder_roles),
        )
        .route(
            &Endpoint::HolderRight.router_path(),
            delete(http::delete_right),
        )
        .route(
            &Endpoint::HolderRole.router_path(),
            delete(http::delete_role),
        )
        .route(&Endpoint::OwnRights.router_path(), get(http::my_rights))
        .route(&Endpoint::OwnRoles.router_path(), get(http::my_roles))
        .route(&Endpoint::Login.router_path(), get(http::login_page))
        .with_state(http::Ctx { core, state })
}
