//! `GET /ws`: checks the session and origin, completes the WebSocket handshake itself (so the
//! socket gets Discock's small buffers, see `crate::ws::socket_config`) and hands the upgraded
//! connection to `crate::ws`, in a span of its own (`crate::logging::connection_span`).

use hyper::upgrade::OnUpgrade;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tracing::Instrument;
use warp::filters::BoxedFilter;
use warp::http::header::{self, HeaderMap, HeaderValue};
use warp::http::{Response, StatusCode};
use warp::reply::{Reply, Response as WarpResponse};
use warp::Filter;

use super::{with_state, Handled};
use crate::auth::{request_meta, RequestMeta};
use crate::error::{AppError, BadRequest};
use crate::state::AppState;

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    // GET /ws
    warp::path!("ws")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and(request_meta(state.limits.trust_proxy()))
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<OnUpgrade>())
        .then(open_socket)
        .boxed()
}

fn header_has(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// GET /ws
async fn open_socket(
    state: AppState,
    meta: RequestMeta,
    headers: HeaderMap,
    on_upgrade: Option<OnUpgrade>,
) -> Result<WarpResponse, AppError> {
    meta.require_same_site()?;
    let (account, session) = state.accounts.require_session(&meta).await?;
    let lang = meta.lang_for(&account);
    let slot = state.limits.connect(account.user.id).ok_or(AppError::TooManyConnections)?;
    let is_upgrade = header_has(&headers, header::CONNECTION, "upgrade")
        && header_has(&headers, header::UPGRADE, "websocket")
        && headers.get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let (Some(key), Some(on_upgrade), true) = (headers.get(header::SEC_WEBSOCKET_KEY), on_upgrade, is_upgrade) else {
        return Err(AppError::BadRequest(BadRequest::NotAWebSocket));
    };
    let accept = derive_accept_key(key.as_bytes());
    let span = crate::logging::connection_span(account.user.id);
    tokio::spawn(
        async move {
            match on_upgrade.await {
                Ok(upgraded) => crate::ws::serve_upgraded(upgraded, state, account, lang, session, slot).await,
                Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
            }
        }
        .instrument(span),
    );
    let response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, HeaderValue::from_static("upgrade"))
        .header(header::UPGRADE, HeaderValue::from_static("websocket"))
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(bytes::Bytes::new())
        .map_err(AppError::internal)?;
    Ok(response.into_response())
}
