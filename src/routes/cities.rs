//! The canonical city table over HTTP, `GET /api/cities?q&limit` and `GET /api/cities/{id}`:
//! open to everyone (the registration form searches it before anyone is signed in), read-only,
//! and cacheable for a day, since the table changes only with a release.

use std::collections::HashMap;

use warp::filters::BoxedFilter;
use warp::http::header::{HeaderValue, CACHE_CONTROL};
use warp::http::StatusCode;
use warp::reply::Response;
use warp::Filter;

use super::api::json_with;
use super::Handled;
use crate::cities::{self, CityId, MAX_QUERY_CHARS, MAX_SEARCH_LIMIT};
use crate::error::{AppError, BadRequest};

/// Answers a search gives when the request does not say.
const DEFAULT_LIMIT: usize = 10;
/// How long a browser or proxy may keep an answer.
const CACHE: &str = "public, max-age=86400";

pub fn routes() -> BoxedFilter<(Handled,)> {
    let api = warp::path("api");
    // GET /api/cities?q&limit
    let search = api
        .and(warp::path!("cities"))
        .and(warp::get())
        .and(warp::query::<HashMap<String, String>>())
        .map(|query: HashMap<String, String>| search_cities(&query));
    // GET /api/cities/:id
    let one = api.and(warp::path!("cities" / String)).and(warp::get()).map(|raw: String| get_city(&raw));
    search.or(one).unify().boxed()
}

/// GET /api/cities?q&limit — cities whose name or alias starts with `q` (see
/// [`cities::Cities::search`]); `[]` when `q` is missing or folds to nothing.
fn search_cities(query: &HashMap<String, String>) -> Handled {
    let started = std::time::Instant::now();
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|n| (1..=MAX_SEARCH_LIMIT).contains(n))
            .ok_or(AppError::BadRequest(BadRequest::CityLimit))?,
    };
    let q = query.get("q").map_or("", String::as_str);
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(BadRequest::CityQueryTooLong));
    }
    let table = cities::table();
    let found: Vec<_> = table.search(q, limit).into_iter().map(|city| table.view(city)).collect();
    let mut response = cacheable(json_with(StatusCode::OK, &found));
    // The time to search and serialize, as the message history reports its own.
    let timing = format!("app;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = HeaderValue::from_str(&timing) {
        response.headers_mut().insert("server-timing", value);
    }
    Ok(response)
}

/// GET /api/cities/:id
fn get_city(raw_id: &str) -> Handled {
    let id = raw_id.parse().map(CityId).map_err(|_| AppError::BadRequest(BadRequest::CityIdNotInteger))?;
    let table = cities::table();
    let city = table.get(id).ok_or(AppError::CityNotFound(id))?;
    Ok(cacheable(json_with(StatusCode::OK, &table.view(city))))
}

fn cacheable(mut response: Response) -> Response {
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(CACHE));
    response
}
