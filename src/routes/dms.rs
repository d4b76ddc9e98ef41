//! The JSON API of direct conversations: `POST /api/dms` and `GET /api/dms`.

use bytes::Bytes;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::Filter;

use super::api::{json_body, json_with, MAX_BODY};
use super::{with_state, Handled};
use crate::auth::{request_meta, RequestMeta};
use crate::chat::dms;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let ctx = with_state(state.clone()).and(request_meta(state.limits.trust_proxy()));
    // POST /api/dms {"user_id"}
    let open = warp::path!("api" / "dms").and(warp::post()).and(ctx.clone()).and(super::body(MAX_BODY)).then(open_dm);
    // GET /api/dms
    let list = warp::path!("api" / "dms").and(warp::get()).and(ctx).then(list_dms);
    open.or(list).unify().boxed()
}

/// POST /api/dms — the conversation with a user: 201 when made now, 200 when it existed.
async fn open_dm(state: AppState, meta: RequestMeta, body: Bytes) -> Result<warp::reply::Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    let (room, created) = dms::open_dm(&state, &user, json_body(&meta, &body)?).await?;
    Ok(json_with(if created { StatusCode::CREATED } else { StatusCode::OK }, &room))
}

/// GET /api/dms — the caller's conversations, the most recent first.
async fn list_dms(state: AppState, meta: RequestMeta) -> Result<warp::reply::Response, AppError> {
    let user = state.accounts.require_user(&meta).await?.user;
    Ok(json_with(StatusCode::OK, &dms::list_dms(&state, &user).await?))
}
