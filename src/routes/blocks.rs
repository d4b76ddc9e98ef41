//! The JSON API of blocks, under `/api/blocks`: thin adapters onto `crate::chat::blocks`.
//! Writes follow the API's rules for writes: same-site `Origin` (else 403 `cross_origin`), a
//! session (else 401).

use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};
use warp::Filter;

use super::{with_state, Handled};
use crate::auth::{request_meta, RequestMeta};
use crate::chat::blocks;
use crate::domain::UserId;
use crate::error::{AppError, BadRequest};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let api = warp::path("api");
    let ctx = with_state(state.clone()).and(request_meta(state.limits.trust_proxy()));

    // GET /api/blocks
    let list = api.and(warp::path!("blocks")).and(warp::get()).and(ctx.clone()).then(list_blocks);
    // PUT /api/blocks/:user_id
    let block = api.and(warp::path!("blocks" / String)).and(warp::put()).and(ctx.clone()).then(block_user);
    // DELETE /api/blocks/:user_id
    let unblock = api.and(warp::path!("blocks" / String)).and(warp::delete()).and(ctx).then(unblock_user);

    list.or(block).unify().or(unblock).unify().boxed()
}

fn parse_user_id(raw: &str) -> Result<UserId, AppError> {
    raw.parse().map(UserId).map_err(|_| AppError::BadRequest(BadRequest::UserIdNotInteger))
}

/// GET /api/blocks — the users I blocked, the most recently blocked first.
async fn list_blocks(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let user = state.accounts.require_user(&meta).await?.user;
    let users = blocks::blocked_users(&state, &user).await?;
    Ok(warp::reply::json(&users).into_response())
}

/// PUT /api/blocks/:user_id — 204, also when already blocked.
async fn block_user(raw_id: String, state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    blocks::block_user(&state, &user, parse_user_id(&raw_id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// DELETE /api/blocks/:user_id — 204, also when not blocked.
async fn unblock_user(raw_id: String, state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    blocks::unblock_user(&state, &user, parse_user_id(&raw_id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
