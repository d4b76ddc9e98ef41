//! `GET /metrics`: the app's series in the Prometheus text format, for a Prometheus server
//! holding `METRICS_TOKEN`. Without the token configured the route does not exist (404 like any
//! unknown address). No session, CSRF or origin check: the scraper is a server, and the bearer
//! token is the whole of its authentication.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use warp::filters::BoxedFilter;
use warp::http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use warp::http::HeaderMap;
use warp::reply::{Reply, Response};
use warp::Filter;

use super::{with_state, Handled};
use crate::config::MetricsToken;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let enabled = state.config.metrics_token.is_some();
    // GET /metrics (only with METRICS_TOKEN set)
    // Off is checked before the method, so that any request for it is a 404 then.
    let on = warp::any().and_then(move || async move {
        if enabled {
            Ok(())
        } else {
            Err(warp::reject::not_found())
        }
    });
    warp::path!("metrics")
        .and(on)
        .untuple_one()
        .and(warp::get())
        .and(warp::header::headers_cloned())
        .and(with_state(state))
        .map(scrape)
        .boxed()
}

/// GET /metrics
fn scrape(headers: HeaderMap, state: AppState) -> Result<Response, AppError> {
    let expected = state.config.metrics_token.as_ref().ok_or(AppError::BadMetricsToken)?;
    if !presents(&headers, expected) {
        return Err(AppError::BadMetricsToken);
    }
    let mut response = state.metrics.encode().into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(crate::metrics::CONTENT_TYPE));
    Ok(response)
}

/// Whether the request carries `Authorization: Bearer <expected>` (the scheme in any case).
/// Both tokens are hashed first and the digests compared in constant time, so neither the
/// comparison nor the length of the token tells a guesser how close they came.
fn presents(headers: &HeaderMap, expected: &MetricsToken) -> bool {
    let Some(given) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some((scheme, token)) = given.trim().split_once(' ') else { return false };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let (given, expected) = (Sha256::digest(token.trim().as_bytes()), Sha256::digest(expected.0.as_bytes()));
    given.as_slice().ct_eq(expected.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bearer_scheme_with_the_exact_token_is_accepted() {
        let token = MetricsToken("s3cret-token".into());
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            presents(&headers, &token)
        };
        assert!(with("Bearer s3cret-token"));
        assert!(with("bearer s3cret-token"));
        assert!(!with("Bearer s3cret-token2"));
        assert!(!with("Bearer s3cret"));
        assert!(!with("Basic s3cret-token"));
        assert!(!with("s3cret-token"));
        assert!(!presents(&HeaderMap::new(), &token));
    }
}
