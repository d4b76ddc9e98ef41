//! The JSON API under `/api` and `/health`. Every answer is JSON; every error body has
//! `error` and `code`.

use std::collections::HashMap;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use warp::filters::BoxedFilter;
use warp::http::header::{HeaderValue, SET_COOKIE};
use warp::http::StatusCode;
use warp::reply::{Reply, Response};
use warp::Filter;

use super::{with_state, Handled};
use crate::auth::{self, request_meta, RequestMeta};
use crate::chat::messages::{self, HistoryQuery};
use crate::chat::search::{self, Search};
use crate::chat::{changes, profiles, reads, rooms, ChatError};
use crate::cities::CityId;
use crate::domain::{MessageId, RoomId, UserId};
use crate::error::{AppError, BadRequest};
use crate::i18n::Lang;
use crate::metrics::Timer;
use crate::state::AppState;

/// Largest JSON body accepted.
pub(super) const MAX_BODY: usize = 16 * 1024;
/// Response header of a history page: the room's seq as of the page's read.
pub const ROOM_SEQ_HEADER: &str = "x-room-seq";

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let api = warp::path("api");
    let ctx = with_state(state.clone()).and(request_meta(state.limits.trust_proxy()));

    // GET /health
    let health = warp::path!("health")
        .and(warp::get())
        .map(|| Ok(warp::reply::json(&serde_json::json!({ "status": "ok" })).into_response()));
    // GET /api/me
    let me = api.and(warp::path!("me")).and(warp::get()).and(ctx.clone()).then(get_me);
    // PATCH /api/me {"city"?,"city_id"?,"city_privacy"?,"about"?}
    let update_me =
        api.and(warp::path!("me")).and(warp::patch()).and(ctx.clone()).and(super::body(MAX_BODY)).then(update_me);
    // POST /api/me/password {"current","new"}
    let password = api
        .and(warp::path!("me" / "password"))
        .and(warp::post())
        .and(ctx.clone())
        .and(super::body(MAX_BODY))
        .then(change_password);
    // GET /api/users/:id
    let user = api.and(warp::path!("users" / String)).and(warp::get()).and(ctx.clone()).then(get_user);
    // PUT /api/language {"language"}
    let language = api
        .and(warp::path!("language"))
        .and(warp::put())
        .and(ctx.clone())
        .and(super::body(MAX_BODY))
        .then(set_language);
    // GET /api/rooms
    let rooms = api.and(warp::path!("rooms")).and(warp::get()).and(ctx.clone()).then(list_rooms);
    // POST /api/rooms {"name","description"?}
    let create =
        api.and(warp::path!("rooms")).and(warp::post()).and(ctx.clone()).and(super::body(MAX_BODY)).then(create_room);
    // POST /api/rooms/city
    let city_room = api.and(warp::path!("rooms" / "city")).and(warp::post()).and(ctx.clone()).then(open_city_room);
    // PATCH /api/rooms/:id {"name"?,"description"?}
    let update = api
        .and(warp::path!("rooms" / String))
        .and(warp::patch())
        .and(ctx.clone())
        .and(super::body(MAX_BODY))
        .then(update_room);
    // DELETE /api/rooms/:id
    let delete = api.and(warp::path!("rooms" / String)).and(warp::delete()).and(ctx.clone()).then(delete_room);
    // GET /api/rooms/:id/pins
    let pins = api.and(warp::path!("rooms" / String / "pins")).and(warp::get()).and(ctx.clone()).then(list_pins);
    // GET /api/messages/:room_id?limit&before&around&city_id
    let messages = api
        .and(warp::path!("messages" / String))
        .and(warp::get())
        .and(ctx.clone())
        .and(warp::query::<HashMap<String, String>>())
        .then(list_messages);
    // GET /api/messages/:message_id/reactions?emoji
    let reactors = api
        .and(warp::path!("messages" / String / "reactions"))
        .and(warp::get())
        .and(ctx.clone())
        .and(warp::query::<HashMap<String, String>>())
        .then(list_reactors);
    // GET /api/read_state
    let read_state = api.and(warp::path!("read_state")).and(warp::get()).and(ctx.clone()).then(list_read_states);
    // GET /api/search?q&room_id&before&limit
    let search = api
        .and(warp::path!("search"))
        .and(warp::get())
        .and(ctx)
        .and(warp::query::<HashMap<String, String>>())
        .then(search_messages);

    health
        .or(me)
        .unify()
        .or(update_me)
        .unify()
        .or(password)
        .unify()
        .or(user)
        .unify()
        .or(language)
        .unify()
        .or(rooms)
        .unify()
        .or(create)
        .unify()
        .or(city_room)
        .unify()
        .or(update)
        .unify()
        .or(delete)
        .unify()
        .or(pins)
        .unify()
        .or(messages)
        .unify()
        .or(reactors)
        .unify()
        .or(read_state)
        .unify()
        .or(search)
        .unify()
        .boxed()
}

/// Parses a JSON body, insisting on `Content-Type: application/json`.
pub(super) fn json_body<T: DeserializeOwned>(meta: &RequestMeta, body: &Bytes) -> Result<T, AppError> {
    let is_json = meta
        .content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(AppError::UnsupportedMediaType);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| AppError::BadRequest(BadRequest::Json(e.to_string())))?;
    // serde would also fill a struct from an array, by position; the API takes objects only.
    if !value.is_object() {
        return Err(AppError::BadRequest(BadRequest::NotAnObject));
    }
    serde_json::from_value(value).map_err(|e| AppError::BadRequest(BadRequest::Fields(e.to_string())))
}

pub(super) fn parse_room_id(raw: &str) -> Result<RoomId, AppError> {
    raw.parse().map(RoomId).map_err(|_| AppError::BadRequest(BadRequest::RoomIdNotInteger))
}

pub(super) fn json_with(status: StatusCode, value: &impl serde::Serialize) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

/// GET /api/me
async fn get_me(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let account = state.accounts.require_user(&meta).await?;
    Ok(json_with(StatusCode::OK, &profiles::me(&state, account).await?))
}

/// PATCH /api/me {"city"?,"city_id"?,"city_privacy"?,"about"?} — the signed-in user's city (a
/// canonical one by id, or text), who sees it, and their about text; any of them, at least one.
async fn update_me(state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let account = state.accounts.require_user(&meta).await?;
    let me = profiles::update_profile(&state, account, json_body(&meta, &body)?).await?;
    Ok(json_with(StatusCode::OK, &me))
}

/// POST /api/me/password — 204; the user's other sessions end.
async fn change_password(state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let (account, session) = state.accounts.require_session(&meta).await?;
    let command = json_body(&meta, &body)?;
    profiles::change_password(&state, &account.user, &session, meta.client, command).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /api/users/:id
async fn get_user(raw_id: String, state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let account = state.accounts.require_user(&meta).await?;
    let id = raw_id.parse().map(UserId).map_err(|_| AppError::BadRequest(BadRequest::UserIdNotInteger))?;
    Ok(json_with(StatusCode::OK, &profiles::get_profile(&state, &account, id).await?))
}

/// The body of `PUT /api/language`.
#[derive(Deserialize)]
struct LanguageChoice {
    language: String,
}

/// PUT /api/language — signed in or not: the language cookie, and for a signed-in user the
/// account's saved preference too.
async fn set_language(state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let LanguageChoice { language } = json_body(&meta, &body)?;
    let lang = Lang::parse(&language).ok_or(AppError::BadRequest(BadRequest::UnsupportedLanguage))?;
    if let Some(account) = state.accounts.current_user(&meta).await? {
        state.accounts.set_language(account.user.id, lang).await?;
    }
    let mut response = json_with(StatusCode::OK, &serde_json::json!({ "language": lang }));
    let cookie = auth::lang_cookie(lang, meta.secure_cookies(state.config.cookie_secure));
    response.headers_mut().insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(AppError::internal)?);
    Ok(response)
}

/// GET /api/rooms
async fn list_rooms(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let user = state.accounts.require_user(&meta).await?.user;
    let rooms = rooms::list_rooms(&state, &user).await?;
    Ok(json_with(StatusCode::OK, &rooms))
}

/// POST /api/rooms
async fn create_room(state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    let room = rooms::create_room(&state, &user, json_body(&meta, &body)?).await?;
    Ok(json_with(StatusCode::CREATED, &room))
}

/// POST /api/rooms/city — 201 when this created the room of the caller's city, 200 when it
/// existed.
async fn open_city_room(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let account = state.accounts.require_user(&meta).await?;
    let (room, created) = rooms::open_city_room(&state, &account).await?;
    Ok(json_with(if created { StatusCode::CREATED } else { StatusCode::OK }, &room))
}

/// PATCH /api/rooms/:id
async fn update_room(raw_id: String, state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    // The room and the caller's right to change it are checked before the body is read.
    let room = rooms::room_to_change(&state, &user, parse_room_id(&raw_id)?).await?;
    let room = rooms::update_room(&state, &user, room, json_body(&meta, &body)?).await?;
    Ok(json_with(StatusCode::OK, &room))
}

/// DELETE /api/rooms/:id
async fn delete_room(raw_id: String, state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.accounts.require_user(&meta).await?.user;
    rooms::delete_room(&state, &user, parse_room_id(&raw_id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An optional number among the query's parameters.
fn number<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    name: &str,
    bad: BadRequest,
) -> Result<Option<T>, AppError> {
    query.get(name).map(|raw| raw.parse().map_err(|_| AppError::BadRequest(bad.clone()))).transpose()
}

/// GET /api/search?q&room_id&before&limit — newest first, each message with its `highlight`.
async fn search_messages(
    state: AppState,
    meta: RequestMeta,
    query: HashMap<String, String>,
) -> Result<Response, AppError> {
    let _timer = Timer::start(&state.metrics.requests.search);
    let session = state.accounts.session_hash(&meta).ok_or(AppError::Unauthorized)?;
    let asked = Search {
        q: query.get("q").cloned().unwrap_or_default(),
        room_id: number(&query, "room_id", BadRequest::RoomIdNotInteger)?.map(RoomId),
        before: number(&query, "before", BadRequest::BeforeNotInteger)?.map(MessageId),
        limit: number(&query, "limit", BadRequest::LimitNotInteger)?,
    };
    let found = search::search(&state, session, asked).await?;
    Ok(json_with(StatusCode::OK, &found))
}

/// GET /api/rooms/:id/pins
async fn list_pins(raw_id: String, state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let user = state.accounts.require_user(&meta).await?.user;
    let pins = changes::pins(&state, &user, parse_room_id(&raw_id)?).await?;
    Ok(json_with(StatusCode::OK, &pins))
}

/// GET /api/messages/:room_id?limit&before&around&city_id — `city_id`: the city lens.
///
/// The answer carries `X-Room-Seq`: the room's seq as of the same read as the page, so a client
/// can join with `since` set to it and miss nothing. It also carries `Server-Timing:
/// app;dur=<ms>, queue;dur=<ms>, db;dur=<ms>`: the time from the handler's start to the
/// serialized page; the part of it spent waiting for a blocking thread to start the store call;
/// and the part spent in the store (session check and query). The rest is waiting to be polled
/// again and serializing. The benchmark reports them; browser dev tools show them beside the
/// network time.
async fn list_messages(
    raw_id: String,
    state: AppState,
    meta: RequestMeta,
    query: HashMap<String, String>,
) -> Result<Response, AppError> {
    let started = std::time::Instant::now();
    let _timer = Timer::start(&state.metrics.requests.history);
    let session = state.accounts.session_hash(&meta).ok_or(AppError::Unauthorized)?;
    let room = parse_room_id(&raw_id)?;
    let limit = query
        .get("limit")
        .map(|raw| raw.parse::<u64>().map_err(|_| AppError::BadRequest(BadRequest::LimitNotInteger)))
        .transpose()?;
    let message_id = |name: &str, error: BadRequest| {
        query.get(name).map(|raw| raw.parse().map(MessageId).map_err(|_| AppError::BadRequest(error))).transpose()
    };
    let before = message_id("before", BadRequest::BeforeNotInteger)?;
    let around = message_id("around", BadRequest::AroundNotInteger)?;
    // No number is no known city either.
    let city = query
        .get("city_id")
        .map(|raw| raw.parse().map(CityId).map_err(|_| AppError::Chat(ChatError::UnknownCity(0))))
        .transpose()?;
    let history = messages::history(&state, session, room, HistoryQuery { before, around, limit, city }).await?;
    let mut response = json_with(StatusCode::OK, &history.page.messages);
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let timing = format!(
        "app;dur={:.3}, queue;dur={:.3}, db;dur={:.3}",
        ms(started.elapsed()),
        ms(history.queued),
        ms(history.in_store)
    );
    let headers = response.headers_mut();
    headers.insert(ROOM_SEQ_HEADER, HeaderValue::from(history.page.seq));
    if let Ok(value) = HeaderValue::from_str(&timing) {
        headers.insert("server-timing", value);
    }
    Ok(response)
}

/// GET /api/messages/:message_id/reactions?emoji — who reacted with `emoji`, earliest first.
async fn list_reactors(
    raw_id: String,
    state: AppState,
    meta: RequestMeta,
    query: HashMap<String, String>,
) -> Result<Response, AppError> {
    let session = state.accounts.session_hash(&meta).ok_or(AppError::Unauthorized)?;
    let id = raw_id.parse().map(MessageId).map_err(|_| AppError::BadRequest(BadRequest::MessageIdNotInteger))?;
    let emoji = query.get("emoji").map_or("", String::as_str);
    let reactors = changes::reactors(&state, session, id, emoji).await?;
    Ok(json_with(StatusCode::OK, &reactors))
}

/// GET /api/read_state — how far the user has read each room, with the unread counts.
async fn list_read_states(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let session = state.accounts.session_hash(&meta).ok_or(AppError::Unauthorized)?;
    let states = reads::read_states(&state, session).await?;
    Ok(json_with(StatusCode::OK, &states))
}
