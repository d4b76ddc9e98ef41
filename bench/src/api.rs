//! The few Discock HTTP calls the benchmark, the crash test and the screenshots need: register a
//! user, find the default room, create a room, read history, choose the language.

use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};

/// A plain HTTP client that never follows redirects (the 303 after registering carries the cookie).
pub fn client() -> Result<Client, String> {
    Client::builder()
        .redirect(redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))
}

/// Value of cookie `name` among the response's `Set-Cookie` headers.
fn cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?.trim();
        let (k, val) = pair.split_once('=')?;
        (k == name && !val.is_empty()).then(|| val.to_string())
    })
}

/// The `value` of the hidden `csrf_token` input of a rendered form.
fn csrf_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\"")?;
    // The attribute may come before or after `name`; look in the surrounding tag.
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let v = tag.find("value=\"")? + "value=\"".len();
    let len = tag[v..].find('"')?;
    Some(tag[v..v + len].to_string())
}

/// Registers `username` (from Benchville) and returns its `discock_session` cookie value.
pub async fn register(http: &Client, base: &str, username: &str) -> Result<String, String> {
    register_with(http, base, username, "bench-password-1", "Benchville").await
}

/// Registers `username` through the real form, and returns its `discock_session` cookie value.
pub async fn register_with(
    http: &Client,
    base: &str,
    username: &str,
    password: &str,
    city: &str,
) -> Result<String, String> {
    let resp = http.get(format!("{base}/register")).send().await.map_err(|e| format!("GET /register: {e}"))?;
    let csrf_cookie = cookie(&resp, "discock_csrf");
    let html = resp.text().await.map_err(|e| format!("GET /register body: {e}"))?;
    let token = csrf_token(&html).ok_or("GET /register: no csrf_token input in the form")?;
    let form = [
        ("username", username),
        ("password", password),
        ("password_confirm", password),
        ("city", city),
        ("csrf_token", token.as_str()),
    ];
    let mut req = http.post(format!("{base}/register")).header(ORIGIN, base).form(&form);
    if let Some(c) = csrf_cookie {
        req = req.header(COOKIE, format!("discock_csrf={c}"));
    }
    let resp = req.send().await.map_err(|e| format!("POST /register: {e}"))?;
    if resp.status() != StatusCode::SEE_OTHER {
        return Err(format!("POST /register {username}: expected 303, got {}", resp.status()));
    }
    cookie(&resp, "discock_session").ok_or_else(|| "POST /register: no discock_session cookie".to_string())
}

/// The default room's id: `GET /api/rooms` lists it first.
pub async fn default_room(http: &Client, base: &str, session: &str) -> Result<i64, String> {
    let resp = http
        .get(format!("{base}/api/rooms"))
        .header(COOKIE, format!("discock_session={session}"))
        .send()
        .await
        .map_err(|e| format!("GET /api/rooms: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("GET /api/rooms body: {e}"))?;
    if status != StatusCode::OK {
        return Err(format!("GET /api/rooms: expected 200, got {status}: {body}"));
    }
    let rooms: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("GET /api/rooms: {e}"))?;
    rooms[0]["id"].as_i64().ok_or_else(|| format!("GET /api/rooms: no room in {body}"))
}

/// Creates a room and returns its id.
pub async fn create_room(http: &Client, base: &str, session: &str, name: &str) -> Result<i64, String> {
    post_room(http, base, session, serde_json::json!({ "name": name })).await
}

/// Creates a room with a description and returns its id.
pub async fn create_described_room(
    http: &Client,
    base: &str,
    session: &str,
    name: &str,
    description: &str,
) -> Result<i64, String> {
    post_room(http, base, session, serde_json::json!({ "name": name, "description": description })).await
}

/// `POST /api/rooms` with `room` as the body; the new room's id.
async fn post_room(http: &Client, base: &str, session: &str, room: serde_json::Value) -> Result<i64, String> {
    let name = room["name"].as_str().unwrap_or_default().to_owned();
    let resp = http
        .post(format!("{base}/api/rooms"))
        .header(ORIGIN, base)
        .header(COOKIE, format!("discock_session={session}"))
        .header(CONTENT_TYPE, "application/json")
        .body(room.to_string())
        .send()
        .await
        .map_err(|e| format!("POST /api/rooms: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("POST /api/rooms body: {e}"))?;
    if status != StatusCode::CREATED {
        return Err(format!("POST /api/rooms {name}: expected 201, got {status}: {body}"));
    }
    let room: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("POST /api/rooms: {e}"))?;
    room["id"].as_i64().ok_or_else(|| format!("POST /api/rooms: no id in {body}"))
}

/// `PUT /api/language`: saves `language` (`ru`, `en`) as the account's choice. `Ok(false)` when
/// the server has no such route (404 or 405): an older server that knows only the `discock_lang`
/// cookie.
pub async fn set_language(http: &Client, base: &str, session: &str, language: &str) -> Result<bool, String> {
    let resp = http
        .put(format!("{base}/api/language"))
        .header(ORIGIN, base)
        .header(COOKIE, format!("discock_session={session}"))
        .header(CONTENT_TYPE, "application/json")
        .body(serde_json::json!({ "language": language }).to_string())
        .send()
        .await
        .map_err(|e| format!("PUT /api/language: {e}"))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("PUT /api/language body: {e}"))?;
    match status {
        StatusCode::OK => Ok(true),
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Ok(false),
        _ => Err(format!("PUT /api/language {language}: expected 200, got {status}: {body}")),
    }
}

/// The server's own account of one request, microseconds, from `Server-Timing`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerTiming {
    /// `app`: the whole handler.
    pub app_us: u64,
    /// `queue`: the part spent waiting for a blocking thread (older servers do not send it).
    pub queue_us: Option<u64>,
    /// `db`: the part spent in the store.
    pub db_us: u64,
}

/// Reads `app;dur=<ms>, queue;dur=<ms>, db;dur=<ms>` (`queue` optional).
pub fn server_timing(header: &str) -> Option<ServerTiming> {
    let metric = |name: &str| {
        header
            .split(',')
            .find_map(|m| m.trim().strip_prefix(name)?.strip_prefix(";dur="))
            .and_then(|ms| ms.parse::<f64>().ok())
            .map(|ms| (ms * 1000.0).round() as u64)
    };
    Some(ServerTiming { app_us: metric("app")?, queue_us: metric("queue"), db_us: metric("db")? })
}

/// One history page; returns Ok only for a 200, with the server's own timing when it sent one.
pub async fn history_page(http: &Client, base: &str, session: &str, room: i64) -> Result<Option<ServerTiming>, String> {
    let resp = http
        .get(format!("{base}/api/messages/{room}?limit=50"))
        .header(COOKIE, format!("discock_session={session}"))
        .send()
        .await
        .map_err(|e| format!("GET /api/messages: {e}"))?;
    let status = resp.status();
    let server_us = resp.headers().get("server-timing").and_then(|v| v.to_str().ok()).and_then(server_timing);
    resp.bytes().await.map_err(|e| format!("GET /api/messages body: {e}"))?;
    if status.is_success() {
        Ok(server_us)
    } else {
        Err(format!("GET /api/messages/{room}: {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::{csrf_token, server_timing, ServerTiming};

    #[test]
    fn server_timing_gives_the_handler_and_store_times_in_microseconds() {
        assert_eq!(
            server_timing("app;dur=1.250, queue;dur=0.400, db;dur=0.081"),
            Some(ServerTiming { app_us: 1250, queue_us: Some(400), db_us: 81 })
        );
        assert_eq!(
            server_timing("app;dur=1.250, db;dur=0.081"),
            Some(ServerTiming { app_us: 1250, queue_us: None, db_us: 81 })
        );
        assert_eq!(server_timing("app;dur=2"), None);
    }

    #[test]
    fn the_csrf_token_is_read_from_the_hidden_input() {
        let html = r#"<form><input type="hidden" name="csrf_token" value="abc123"><input name="x"></form>"#;
        assert_eq!(csrf_token(html).as_deref(), Some("abc123"));
        let html = r#"<input value="v9" type="hidden" name="csrf_token" />"#;
        assert_eq!(csrf_token(html).as_deref(), Some("v9"));
    }
}
