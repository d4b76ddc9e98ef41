//! The JSON API under `/api` and `/health`. Every answer is JSON; every error body has
//! `error` and `code`.

use std::collections::HashMap;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};
use warp::Filter;

use super::with_state;
use crate::app::AppState;
use crate::auth::{request_meta, RequestMeta};
use crate::domain::{MessageId, Room, RoomDescription, RoomId, RoomName, UserId};
use crate::error::{respond, AppError};

/// Largest JSON body accepted.
const MAX_BODY: usize = 16 * 1024;
/// Messages per history page unless `limit` says otherwise, and the most it may say.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 100;

pub fn routes(state: AppState) -> BoxedFilter<(Response,)> {
    let api = warp::path("api");
    let ctx = with_state(state).and(request_meta());

    // GET /health
    let health = warp::path!("health")
        .and(warp::get().or(warp::head()).unify())
        .map(|| warp::reply::json(&serde_json::json!({ "status": "ok" })).into_response());
    // GET /api/me
    let me = api.and(warp::path!("me")).and(warp::get()).and(ctx.clone()).then(get_me).map(respond);
    // GET /api/rooms
    let rooms = api.and(warp::path!("rooms")).and(warp::get()).and(ctx.clone()).then(list_rooms).map(respond);
    // POST /api/rooms {"name","description"?}
    let create = api
        .and(warp::path!("rooms"))
        .and(warp::post())
        .and(ctx.clone())
        .and(super::body(MAX_BODY))
        .then(create_room)
        .map(respond);
    // PATCH /api/rooms/:id {"name"?,"description"?}
    let update = api
        .and(warp::path!("rooms" / String))
        .and(warp::patch())
        .and(ctx.clone())
        .and(super::body(MAX_BODY))
        .then(update_room)
        .map(respond);
    // DELETE /api/rooms/:id
    let delete =
        api.and(warp::path!("rooms" / String)).and(warp::delete()).and(ctx.clone()).then(delete_room).map(respond);
    // GET /api/messages/:room_id?limit&before
    let messages = api
        .and(warp::path!("messages" / String))
        .and(warp::get())
        .and(ctx)
        .and(warp::query::<HashMap<String, String>>())
        .then(list_messages)
        .map(respond);

    health
        .or(me)
        .unify()
        .or(rooms)
        .unify()
        .or(create)
        .unify()
        .or(update)
        .unify()
        .or(delete)
        .unify()
        .or(messages)
        .unify()
        .boxed()
}

/// Parses a JSON body, insisting on `Content-Type: application/json`.
fn json_body<T: DeserializeOwned>(meta: &RequestMeta, body: &Bytes) -> Result<T, AppError> {
    let is_json = meta
        .content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(AppError::UnsupportedMediaType);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("Некорректный JSON: {e}")))?;
    // serde would also fill a struct from an array, by position; the API takes objects only.
    if !value.is_object() {
        return Err(AppError::BadRequest("Тело запроса должно быть JSON-объектом".into()));
    }
    serde_json::from_value(value).map_err(|e| AppError::BadRequest(format!("Неверные поля: {e}")))
}

fn parse_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::BadRequest(format!("{what} должен быть целым числом")))
}

fn json_with(status: StatusCode, value: &impl serde::Serialize) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

/// GET /api/me
async fn get_me(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    let user = state.require_user(&meta).await?;
    Ok(json_with(StatusCode::OK, &user))
}

/// GET /api/rooms
async fn list_rooms(state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    state.require_user(&meta).await?;
    let rooms = state.db.call(|s| s.list_rooms()).await?;
    Ok(json_with(StatusCode::OK, &rooms))
}

#[derive(Deserialize)]
struct CreateRoom {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

/// POST /api/rooms
async fn create_room(state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let user = state.require_user(&meta).await?;
    let input: CreateRoom = json_body(&meta, &body)?;
    let name = RoomName::parse(&input.name)?;
    let description = match input.description {
        Some(d) => RoomDescription::parse(&d)?,
        None => RoomDescription::empty(),
    };
    let room = state.db.call(move |s| s.create_room(&name, &description, user.id, crate::domain::now())).await?;
    state.fanout.room_created(&room);
    Ok(json_with(StatusCode::CREATED, &room))
}

#[derive(Deserialize)]
struct UpdateRoom {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// The room a change request names and the user asking: 401, 400 or 404 otherwise.
async fn room_to_change(state: &AppState, meta: &RequestMeta, raw_id: &str) -> Result<(Room, UserId), AppError> {
    let user = state.require_user(meta).await?;
    let id = RoomId(parse_id(raw_id, "Номер комнаты")?);
    let room =
        state.db.call(move |s| s.get_room(id)).await?.ok_or_else(|| AppError::NotFound("Такой комнаты нет".into()))?;
    Ok((room, user.id))
}

/// Only a room's creator may rename or delete it (nobody created the default room).
fn require_creator(room: &Room, user: UserId) -> Result<(), AppError> {
    if room.created_by == Some(user) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Изменять комнату может только её создатель".into()))
    }
}

/// PATCH /api/rooms/:id
async fn update_room(raw_id: String, state: AppState, meta: RequestMeta, body: Bytes) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let (room, user) = room_to_change(&state, &meta, &raw_id).await?;
    require_creator(&room, user)?;
    let input: UpdateRoom = json_body(&meta, &body)?;
    if input.name.is_none() && input.description.is_none() {
        return Err(AppError::BadRequest("Укажите name и/или description".into()));
    }
    let name = input.name.as_deref().map(RoomName::parse).transpose()?;
    let description = input.description.as_deref().map(RoomDescription::parse).transpose()?;
    let room = state.db.call(move |s| s.update_room(room.id, name.as_ref(), description.as_ref())).await?;
    state.fanout.room_updated(&room);
    Ok(json_with(StatusCode::OK, &room))
}

/// DELETE /api/rooms/:id
async fn delete_room(raw_id: String, state: AppState, meta: RequestMeta) -> Result<Response, AppError> {
    meta.require_same_site()?;
    let (room, user) = room_to_change(&state, &meta, &raw_id).await?;
    if room.is_default {
        return Err(AppError::Conflict("Общую комнату по умолчанию удалить нельзя".into()));
    }
    require_creator(&room, user)?;
    state.db.call(move |s| s.delete_room(room.id)).await?;
    state.fanout.room_deleted(room.id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /api/messages/:room_id?limit&before
///
/// The answer carries `Server-Timing: app;dur=<ms>, queue;dur=<ms>, db;dur=<ms>`: the time from
/// the handler's start to the serialized page; the part of it spent waiting for a blocking
/// thread to start the store call; and the part spent in the store (session check and query).
/// The rest is waiting to be polled again and serializing. The benchmark reports them; browser
/// dev tools show them beside the network time.
async fn list_messages(
    raw_id: String,
    state: AppState,
    meta: RequestMeta,
    query: HashMap<String, String>,
) -> Result<Response, AppError> {
    let started = std::time::Instant::now();
    let session = state.session_hash(&meta).ok_or(AppError::Unauthorized)?;
    let room = RoomId(parse_id(&raw_id, "Номер комнаты")?);
    let limit = match query.get("limit") {
        None => DEFAULT_PAGE,
        Some(raw) => match raw.parse::<u64>() {
            Ok(0) | Err(_) => return Err(AppError::BadRequest("limit должен быть целым числом от 1".into())),
            Ok(n) => n.min(u64::from(MAX_PAGE)) as u32,
        },
    };
    let before = query.get("before").map(|raw| parse_id(raw, "before")).transpose()?.map(MessageId);
    // Session, room and page in one store call: under load every trip to the blocking pool
    // and back waits behind the busy async threads, so this is the hop that matters.
    let (messages, queued, in_store) = state
        .db
        .call(move |s| {
            let queued = started.elapsed();
            let in_store = std::time::Instant::now();
            if s.session_user(&session, crate::domain::now())?.is_none() {
                return Ok(Err(AppError::Unauthorized));
            }
            match s.get_room(room)? {
                None => Ok(Err(AppError::NotFound("Такой комнаты нет".into()))),
                Some(_) => s.messages_before(room, before, limit).map(|page| Ok((page, queued, in_store.elapsed()))),
            }
        })
        .await??;
    let mut response = json_with(StatusCode::OK, &messages);
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let timing =
        format!("app;dur={:.3}, queue;dur={:.3}, db;dur={:.3}", ms(started.elapsed()), ms(queued), ms(in_store));
    if let Ok(value) = warp::http::HeaderValue::from_str(&timing) {
        response.headers_mut().insert("server-timing", value);
    }
    Ok(response)
}
