//! The JSON API of muted rooms: `PUT` and `DELETE /api/rooms/{id}/mute`, `GET /api/mutes`.

use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};
use warp::Filter;

use super::api::{json_with, parse_room_id};
use super::{with_state, Handled};
use crate::auth::{request_meta, RequestMeta};
use crate::chat::mutes;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let ctx = with_state(state.clone()).and(request_meta(state.limits.trust_proxy()));
    // PUT /api/rooms/:id/mute
    let mute = warp::path!("api" / "rooms" / String / "mute")
        .and(warp::put())
        .and(ctx.clone())
        .then(|id, state, meta| set_muted(id, state, meta, true));
    // DELETE /api/rooms/:id/mute
    let unmute = warp::path!("api" / "rooms" / String / "mute")
        .and(warp::delete())
        .and(ctx.clone())
        .then(|id, state, meta| set_muted(id, state, meta, false));
    // GET /api/mutes
    let list = warp::path!("api" / "mutes").and(warp::get()).and(ctx).then(list_mutes);
    mute.or(unmute).unify().or(list).unify().boxed()
}

/// PUT / DELETE /api/rooms/:id/mute — 204 either way, also when it was so already.
async fn set_muted(raw_id: String, state: AppState, meta: RequestMeta, muted: bool) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    mutes::set_muted(&state, &user, parse_room_id(&raw_id)?, muted).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /api/mutes — the ids of the rooms the caller muted.
async fn list_mutes(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let user = state.accounts.require_user(&meta).await?.user;
    Ok(json_with(StatusCode::OK, &mutes::muted_rooms(&state, &user).await?))
}
