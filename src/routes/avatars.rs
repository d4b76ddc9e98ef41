//! Avatars over HTTP: uploading and removing one's own (`/api/me/avatar`, JSON answers like the
//! rest of the API) and serving pictures at their versioned addresses (`/avatars/…`), which
//! never change content and so are cached for good.

use std::collections::HashMap;

use bytes::Bytes;
use warp::filters::BoxedFilter;
use warp::http::header::{self, HeaderValue};
use warp::http::{Response, StatusCode};
use warp::reply::Reply;
use warp::Filter;

use super::{with_state, Handled};
use crate::auth::{request_meta, RequestMeta};
use crate::chat::avatars;
use crate::domain::{AvatarSize, AvatarVersion, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// Largest upload accepted; bigger bodies are refused with 413 before they are read whole.
pub const MAX_UPLOAD: usize = 5 * 1024 * 1024;
/// How pictures at a versioned address may be cached: for a year, by anyone, never revalidated.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let ctx = with_state(state.clone()).and(request_meta(state.limits.trust_proxy()));

    // PUT /api/me/avatar (the picture's bytes; Content-Type image/png, jpeg, webp or gif)
    // The session, origin, type and rate are checked before the body is read.
    let upload = warp::path!("api" / "me" / "avatar")
        .and(warp::put())
        .and(ctx.clone())
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and_then(upload_avatar);
    // DELETE /api/me/avatar
    let delete = warp::path!("api" / "me" / "avatar").and(warp::delete()).and(ctx).then(delete_avatar);
    // GET /avatars/:user_id/:version?size=64|256 — anything that is not a current picture is an
    // unknown address like any other.
    let serve = warp::path!("avatars" / String / String)
        .and(warp::get())
        .and(with_state(state))
        .and(warp::query::<HashMap<String, String>>())
        .and(warp::header::optional::<String>("if-none-match"))
        .and_then(serve_avatar);

    upload.or(delete).unify().or(serve).unify().boxed()
}

/// PUT /api/me/avatar — 200 `{"avatar_url"}`. A body over [`MAX_UPLOAD`] is refused (413)
/// as soon as its declared length or the bytes read pass it.
async fn upload_avatar<S, B>(
    state: AppState,
    meta: RequestMeta,
    declared: Option<u64>,
    body: S,
) -> Result<Handled, warp::Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    let allowed = match allow_upload(&state, &meta).await {
        Ok(allowed) => allowed,
        Err(refused) => return Ok(Err(refused)),
    };
    let bytes = super::collect_body(declared, body, MAX_UPLOAD).await?;
    Ok(async {
        let user = avatars::upload_avatar(&state, allowed, bytes).await?;
        let body = serde_json::json!({ "avatar_url": user.avatar_url });
        Ok(warp::reply::json(&body).into_response())
    }
    .await)
}

/// The checks before an upload's body is read.
async fn allow_upload(state: &AppState, meta: &RequestMeta) -> Result<avatars::AllowedUpload, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(meta).await?.user;
    Ok(avatars::allow_upload(state, &user, meta.content_type.as_deref())?)
}

/// DELETE /api/me/avatar — 204, whether or not there was one.
async fn delete_avatar(state: AppState, meta: RequestMeta) -> Handled {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    avatars::delete_avatar(&state, &user).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /avatars/:user_id/:version?size — the picture, or 304 when the browser has it.
async fn serve_avatar(
    raw_user: String,
    raw_version: String,
    state: AppState,
    query: HashMap<String, String>,
    if_none_match: Option<String>,
) -> Result<Handled, warp::Rejection> {
    let size = match query.get("size") {
        None => Some(AvatarSize::Large),
        Some(raw) => AvatarSize::parse(raw),
    };
    let (Ok(user), Ok(version), Some(size)) = (raw_user.parse().map(UserId), raw_version.parse(), size) else {
        return Err(warp::reject::not_found());
    };
    let version = AvatarVersion(version);
    let stored = match avatars::avatar(&state, user, version, size).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(warp::reject::not_found()),
        Err(e) => return Ok(Err(e.into())),
    };
    let etag = format!("\"{}-{}\"", version.0, size.pixels());
    let builder = Response::builder().header(header::ETAG, &etag).header(header::CACHE_CONTROL, CACHE_FOREVER);
    let response = if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        builder.status(StatusCode::NOT_MODIFIED).body(Bytes::new())
    } else {
        let content_type = HeaderValue::from_str(&stored.content_type).map_err(|_| warp::reject::not_found())?;
        builder.header(header::CONTENT_TYPE, content_type).body(Bytes::from(stored.bytes))
    };
    Ok(response.map(Reply::into_response).map_err(AppError::internal))
}
