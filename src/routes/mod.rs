//! The HTTP surface: which path and method reach which handler. Filters only; the handlers
//! are plain async functions in `pages`, `api` (with `blocks`), `ws` and `metrics`, returning `Result<_, AppError>`.
//! [`routes`] answers what they return: an error, or a request no route took, is answered
//! here, once, in the language of the signed-in user, else of the request.

pub mod api;
pub mod avatars;
pub mod blocks;
pub mod cities;
pub mod dms;
pub mod metrics;
pub mod mutes;
pub mod pages;
pub mod ws;

use std::convert::Infallible;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use warp::filters::BoxedFilter;
use warp::http::header::{HeaderMap, HeaderName, HeaderValue};
use warp::path::FullPath;
use warp::reply::{Reply, Response};
use warp::Filter;

use crate::auth::{request_meta, RequestMeta};
use crate::error::{AppError, BodyTooLarge, Unmatched};
use crate::state::AppState;

/// Content-Security-Policy for every answer: no inline script or style anywhere in the UI.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// What a route's handler made of a request.
pub type Handled = Result<Response, AppError>;

/// What the routes made of a request, before it is answered.
enum Outcome {
    Handled(Handled),
    /// No route took it.
    Unmatched(warp::Rejection),
}

/// Every route of the server, with errors and unmatched requests answered and security headers.
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
    let outcome = pages::routes(state.clone())
        .or(api::routes(state.clone()))
        .unify()
        .or(dms::routes(state.clone()))
        .unify()
        .or(mutes::routes(state.clone()))
        .unify()
        .or(blocks::routes(state.clone()))
        .unify()
        .or(ws::routes(state.clone()))
        .unify()
        .or(avatars::routes(state.clone()))
        .unify()
        .or(cities::routes())
        .unify()
        .or(metrics::routes(state.clone()))
        .unify()
        .map(Outcome::Handled)
        .recover(|rejection| async move { Ok::<_, Infallible>(Outcome::Unmatched(rejection)) })
        .unify();
    outcome
        .and(warp::path::full())
        .and(with_state(state.clone()))
        .and(request_meta(state.limits.trust_proxy()))
        .then(answer)
        .with(warp::reply::with::headers(headers))
        .map(Reply::into_response)
        .boxed()
}

/// The answer to a request: what its handler made, or the error or unmatched request answered
/// in the signed-in user's saved language, else the request's. An unknown address outside
/// `/api/` is answered with the 404 page, one under `/api/` with JSON like every API error.
async fn answer(outcome: Outcome, path: FullPath, state: AppState, meta: RequestMeta) -> Response {
    match outcome {
        Outcome::Handled(Ok(response)) => response,
        Outcome::Handled(Err(error)) => {
            let lang = if error.speaks_to_a_user() { state.accounts.answer_lang(&meta).await } else { meta.lang };
            error.into_answer(lang)
        }
        Outcome::Unmatched(rejection) => match Unmatched::of(&rejection) {
            Unmatched::NotFound if !is_api(path.as_str()) => pages::not_found(&state, &meta).await,
            unmatched => unmatched.into_answer(state.accounts.answer_lang(&meta).await),
        },
    }
}

/// Whether a path belongs to the JSON API.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The request body, at most `limit` bytes, with or without `Content-Length` (a request with
/// neither a length nor chunked encoding simply has an empty body). Oversized bodies are
/// refused as soon as the declared length or the bytes read pass the limit.
pub fn body(limit: usize) -> impl Filter<Extract = (Bytes,), Error = warp::Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::body::stream())
        .and_then(move |declared, stream| collect_body(declared, stream, limit))
}

/// Reads a body of at most `limit` bytes, for routes that check a request before its body
/// (see [`body`]).
pub async fn collect_body<S, B>(declared: Option<u64>, stream: S, limit: usize) -> Result<Bytes, warp::Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(warp::reject::custom(BodyTooLarge));
    }
    let mut stream = std::pin::pin!(stream);
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let mut chunk = chunk.map_err(|_| warp::reject::custom(BodyTooLarge))?;
        if buf.len() + chunk.remaining() > limit {
            return Err(warp::reject::custom(BodyTooLarge));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            buf.put_slice(part);
            chunk.advance(n);
        }
    }
    Ok(buf.freeze())
}

/// Hands a clone of the state to a handler.
pub fn with_state(state: AppState) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}
