//! The HTTP surface: which path and method reach which handler. Filters only; the handlers
//! are plain async functions in `pages`, `api` and `ws`, returning `Result<_, AppError>`.

pub mod api;
pub mod pages;
pub mod ws;

use std::convert::Infallible;

use warp::filters::BoxedFilter;
use warp::http::header::{HeaderMap, HeaderName, HeaderValue};
use warp::reply::{Reply, Response};
use warp::Filter;

use crate::app::AppState;
use crate::error::handle_rejection;

/// Content-Security-Policy for every answer: no inline script or style anywhere in the UI.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Every route of the server, with the rejection handler and security headers.
pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    pages::routes(state.clone())
        .or(api::routes(state.clone()))
        .unify()
        .or(ws::routes(state))
        .unify()
        .recover(handle_rejection)
        .unify()
        .with(warp::reply::with::headers(headers))
        .map(Reply::into_response)
        .boxed()
}

/// Hands a clone of the state to a handler.
pub fn with_state(state: AppState) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}
