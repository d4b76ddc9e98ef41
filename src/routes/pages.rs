//! HTML pages rendered with Tera (autoescaped): registration, login, logout, the chat shell,
//! and the embedded static files they load.

use std::collections::HashMap;

use bytes::Bytes;
use serde::Serialize;
use warp::filters::BoxedFilter;
use warp::http::header::{self, HeaderValue};
use warp::http::{Response, StatusCode};
use warp::reply::{Reply, Response as WarpResponse};
use warp::Filter;

use super::{with_state, Handled};
use crate::auth::{self, request_meta, RequestMeta, CSRF_COOKIE};
use crate::chat::{profiles, ChatError};
use crate::domain::{Account, DomainError, Password, RoomId, Username};
use crate::error::{AppError, BadRequest};
use crate::i18n::Lang;
use crate::keys::random_token;
use crate::limits::RetryAfter;
use crate::state::AppState;
use crate::texts::{self, Sentence};

/// Largest form body accepted.
const MAX_FORM: usize = 16 * 1024;

pub fn routes(state: AppState) -> BoxedFilter<(Handled,)> {
    let ctx = with_state(state.clone()).and(request_meta(state.limits.trust_proxy()));

    // GET /
    let index = warp::path::end().and(warp::get()).and(ctx.clone()).then(index);
    // GET /register
    let register_page = warp::path!("register").and(warp::get()).and(ctx.clone()).then(show_register);
    // POST /register (username, password, password_confirm, city, csrf_token)
    let register =
        warp::path!("register").and(warp::post()).and(ctx.clone()).and(super::body(MAX_FORM)).then(register_user);
    // GET /login
    let login_page = warp::path!("login").and(warp::get()).and(ctx.clone()).then(show_login);
    // POST /login (username, password, csrf_token)
    let login = warp::path!("login").and(warp::post()).and(ctx.clone()).and(super::body(MAX_FORM)).then(log_in);
    // POST /logout (csrf_token)
    let logout = warp::path!("logout").and(warp::post()).and(ctx.clone()).and(super::body(MAX_FORM)).then(log_out);
    // GET /chat?room=ID
    let chat =
        warp::path!("chat").and(warp::get()).and(ctx).and(warp::query::<HashMap<String, String>>()).then(show_chat);
    // GET /static/*path — a file that does not exist is an unknown address like any other.
    let assets = warp::path("static")
        .and(warp::get())
        .and(warp::path::tail())
        .and(warp::header::optional::<String>("if-none-match"))
        .and_then(|tail: warp::path::Tail, etag: Option<String>| async move {
            match crate::assets::static_file(tail.as_str(), etag.as_deref()) {
                Some(file) => Ok(Ok(file.into_response())),
                None => Err(warp::reject::not_found()),
            }
        });

    index
        .or(register_page)
        .unify()
        .or(register)
        .unify()
        .or(login_page)
        .unify()
        .or(login)
        .unify()
        .or(logout)
        .unify()
        .or(chat)
        .unify()
        .or(assets)
        .unify()
        .boxed()
}

/// Adds `Retry-After` to a refused form's page.
fn with_retry_after(mut response: WarpResponse, wait: std::time::Duration) -> WarpResponse {
    response.headers_mut().insert(header::RETRY_AFTER, crate::error::retry_after_header(wait));
    response
}

/// 303 See Other.
fn redirect(to: &'static str) -> Response<Bytes> {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .body(Bytes::new())
        .expect("redirect parts are valid")
}

/// The CSRF token for this request's seed cookie; a fresh seed (and the cookie to set) when
/// the browser has none yet.
struct Csrf {
    token: String,
    set_cookie: Option<String>,
}

fn csrf(state: &AppState, meta: &RequestMeta) -> Csrf {
    match meta.csrf_seed.as_deref().filter(|s| !s.is_empty()) {
        Some(seed) => Csrf { token: state.accounts.keys().csrf_token(seed), set_cookie: None },
        None => {
            let seed = random_token();
            let secure = meta.secure_cookies(state.config.cookie_secure);
            Csrf {
                token: state.accounts.keys().csrf_token(&seed),
                set_cookie: Some(auth::set_cookie(CSRF_COOKIE, &seed, 365 * 24 * 3600, secure)),
            }
        }
    }
}

/// Renders a template in `lang` as an HTML answer with the given status, setting `cookies`.
fn render(
    state: &AppState,
    lang: Lang,
    name: &str,
    ctx: &impl Serialize,
    status: StatusCode,
    cookies: impl IntoIterator<Item = String>,
) -> Result<WarpResponse, AppError> {
    let ctx = tera::Context::from_serialize(ctx).map_err(AppError::internal)?;
    let html = state.templates.render(lang, name, &ctx).map_err(AppError::internal)?;
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store");
    for cookie in cookies {
        response = response.header(header::SET_COOKIE, cookie);
    }
    Ok(response.body(html).map_err(AppError::internal)?.into_response())
}

fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, AppError> {
    serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest(BadRequest::Form))
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

/// GET /
async fn index(state: AppState, meta: RequestMeta) -> Result<WarpResponse, AppError> {
    Ok(match state.accounts.current_user(&meta).await? {
        Some(_) => redirect("/chat"),
        None => redirect("/login"),
    }
    .into_response())
}

#[derive(Serialize, Default)]
struct RegisterPage<'a> {
    csrf_token: &'a str,
    error: Option<&'a str>,
    username: &'a str,
    city: &'a str,
    /// The canonical city picked in the form, kept with the typed name when the form comes back.
    city_id: &'a str,
}

/// GET /register
async fn show_register(state: AppState, meta: RequestMeta) -> Result<WarpResponse, AppError> {
    if state.accounts.current_user(&meta).await?.is_some() {
        return Ok(redirect("/chat").into_response());
    }
    let csrf = csrf(&state, &meta);
    let page = RegisterPage { csrf_token: &csrf.token, ..Default::default() };
    render(&state, meta.lang, "register.html", &page, StatusCode::OK, csrf.set_cookie)
}

/// POST /register — the new account saves the language the page was shown in if the browser
/// chose it explicitly (the language cookie); a language that only came from `Accept-Language`
/// is not saved, so the account keeps following the browser's language until its owner picks one.
async fn register_user(state: AppState, meta: RequestMeta, body: Bytes) -> Result<WarpResponse, AppError> {
    meta.require_same_site()?;
    let form = parse_form(&body)?;
    let csrf = csrf(&state, &meta);
    let (username, city) = (field(&form, "username").trim(), field(&form, "city").trim());
    let city_id = field(&form, "city_id").trim();
    // The form's errors are in the language the page was shown in.
    let lang = meta.lang;
    let fail = |status: StatusCode, error: &str| {
        let page = RegisterPage { csrf_token: &csrf.token, error: Some(error), username, city, city_id };
        render(&state, lang, "register.html", &page, status, csrf.set_cookie.clone())
    };
    if !state.accounts.keys().csrf_ok(meta.csrf_seed.as_deref(), form.get("csrf_token").map(String::as_str)) {
        return fail(StatusCode::FORBIDDEN, &Sentence::Csrf.text(lang));
    }
    // Every attempt counts, valid or not, so the limit also stops probing for free names.
    if let Err(RetryAfter(wait)) = state.limits.register(meta.client).await? {
        let error = texts::register_blocked(lang, wait);
        return fail(StatusCode::TOO_MANY_REQUESTS, &error).map(|r| with_retry_after(r, wait));
    }
    let invalid = |e| texts::domain_error(lang, e);
    let valid = (|| {
        let name = Username::parse(username).map_err(invalid)?;
        let password = Password::parse(field(&form, "password")).map_err(invalid)?;
        if field(&form, "password") != field(&form, "password_confirm") {
            return Err(Sentence::PasswordsDiffer.text(lang));
        }
        // A picked city (its id) wins over the text; the text alone is linked when it names
        // one city unambiguously.
        let id = match city_id {
            "" => None,
            raw => Some(raw.parse::<u32>().map_err(|_| texts::chat_error(lang, &ChatError::UnknownCity(0)))?),
        };
        let text = if id.is_some() { None } else { Some(city) };
        let home = match profiles::resolve_home(text, id) {
            Ok(home) => home.ok_or_else(|| invalid(DomainError::CityEmpty))?,
            Err(e) => return Err(texts::chat_error(lang, &e)),
        };
        Ok((name, password, home))
    })();
    let (name, password, home) = match valid {
        Ok(v) => v,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e),
    };
    let language = meta.chosen_lang;
    let Some(account) = state.accounts.register(name, password, home, language).await? else {
        return fail(StatusCode::CONFLICT, &Sentence::UsernameTaken.text(lang));
    };
    tracing::info!(user = %account.user.id, "registered");
    logged_in(&state, &meta, &account).await
}

/// The answer to a successful registration or login: a new session and a redirect to the chat,
/// and the language cookie when the account's saved language differs from the browser's.
/// A session this browser still presents is ended first (its sockets close), since the new
/// cookie replaces it here; the user's sessions on other devices stay.
async fn logged_in(state: &AppState, meta: &RequestMeta, account: &Account) -> Result<WarpResponse, AppError> {
    state.accounts.end_session(meta).await?;
    let token = state.accounts.start_session(account.user.id).await?;
    let secure = meta.secure_cookies(state.config.cookie_secure);
    let mut response = redirect("/chat");
    let session = auth::session_cookie(&token, secure, &state.config.sessions);
    let lang = meta.lang_cookie_for(account, state.config.cookie_secure);
    for cookie in std::iter::once(session).chain(lang) {
        let cookie = HeaderValue::from_str(&cookie).map_err(AppError::internal)?;
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    Ok(response.into_response())
}

#[derive(Serialize, Default)]
struct LoginPage<'a> {
    csrf_token: &'a str,
    error: Option<&'a str>,
    username: &'a str,
}

/// GET /login
async fn show_login(state: AppState, meta: RequestMeta) -> Result<WarpResponse, AppError> {
    if state.accounts.current_user(&meta).await?.is_some() {
        return Ok(redirect("/chat").into_response());
    }
    let csrf = csrf(&state, &meta);
    let page = LoginPage { csrf_token: &csrf.token, ..Default::default() };
    render(&state, meta.lang, "login.html", &page, StatusCode::OK, csrf.set_cookie)
}

/// POST /login
async fn log_in(state: AppState, meta: RequestMeta, body: Bytes) -> Result<WarpResponse, AppError> {
    meta.require_same_site()?;
    let form = parse_form(&body)?;
    let csrf = csrf(&state, &meta);
    let username = field(&form, "username").trim();
    // The form's errors are in the language the page was shown in.
    let lang = meta.lang;
    let fail = |status: StatusCode, error: &str| {
        let page = LoginPage { csrf_token: &csrf.token, error: Some(error), username };
        render(&state, lang, "login.html", &page, status, csrf.set_cookie.clone())
    };
    if !state.accounts.keys().csrf_ok(meta.csrf_seed.as_deref(), form.get("csrf_token").map(String::as_str)) {
        return fail(StatusCode::FORBIDDEN, &Sentence::Csrf.text(lang));
    }
    // Failed logins are counted per account (whether it exists or not: the answer must not
    // tell) and per address; past the limit every attempt is refused before the password is
    // looked at, for at most the limit's window after the last counted failure.
    let account = crate::domain::fold_case(username);
    if let Some(RetryAfter(wait)) = state.limits.login_blocked(&account, meta.client).await? {
        let error = texts::login_blocked(lang, wait);
        return fail(StatusCode::TOO_MANY_REQUESTS, &error).map(|r| with_retry_after(r, wait));
    }
    // Unknown user, wrong password and over-long password get the same answer in the same time.
    match state.accounts.authenticate(username, field(&form, "password").to_owned()).await? {
        Some(account) => logged_in(&state, &meta, &account).await,
        None => {
            state.limits.login_failed(&account, meta.client).await?;
            fail(StatusCode::UNAUTHORIZED, &Sentence::LoginFailed.text(lang))
        }
    }
}

/// POST /logout — ends the session: deleted, and its WebSockets closed on every instance.
async fn log_out(state: AppState, meta: RequestMeta, body: Bytes) -> Result<WarpResponse, AppError> {
    meta.require_same_site()?;
    let form = parse_form(&body)?;
    if !state.accounts.keys().csrf_ok(meta.csrf_seed.as_deref(), form.get("csrf_token").map(String::as_str)) {
        return Err(AppError::Csrf);
    }
    state.accounts.end_session(&meta).await?;
    let secure = meta.secure_cookies(state.config.cookie_secure);
    let mut response = redirect("/login");
    let cookie = HeaderValue::from_str(&auth::clear_session_cookie(secure)).map_err(AppError::internal)?;
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response.into_response())
}

#[derive(Serialize)]
struct ChatPage<'a> {
    csrf_token: &'a str,
    user: crate::domain::User,
    room_id: RoomId,
    default_room_id: RoomId,
}

/// GET /chat?room=ID — opens that room, or the default one when it is missing or unknown. The
/// page is in the account's saved language, and brings the browser's language cookie in line
/// with it.
async fn show_chat(
    state: AppState,
    meta: RequestMeta,
    query: HashMap<String, String>,
) -> Result<WarpResponse, AppError> {
    let Some(account) = state.accounts.current_user(&meta).await? else {
        return Ok(redirect("/login").into_response());
    };
    let requested = query.get("room").and_then(|r| r.parse::<i64>().ok()).map(RoomId);
    let room_id = match requested {
        Some(id) if state.db.call(move |s| s.get_room(id)).await?.is_some() => id,
        _ => state.default_room,
    };
    let csrf = csrf(&state, &meta);
    let page =
        ChatPage { csrf_token: &csrf.token, user: account.own_user(), room_id, default_room_id: state.default_room };
    let lang_cookie = meta.lang_cookie_for(&account, state.config.cookie_secure);
    render(
        &state,
        meta.lang_for(&account),
        "chat.html",
        &page,
        StatusCode::OK,
        csrf.set_cookie.into_iter().chain(lang_cookie),
    )
}

#[derive(Serialize)]
struct NotFoundPage {
    /// Whether the page links back to the chat (signed in) or to the login.
    signed_in: bool,
}

/// The page for an address outside `/api/` that nothing answers: 404, in the signed-in user's
/// saved language else the request's, with a way back to the chat or to the login. A session
/// that cannot be checked counts as signed out: the page is still shown.
pub async fn not_found(state: &AppState, meta: &RequestMeta) -> WarpResponse {
    let account = state.accounts.current_user(meta).await.ok().flatten();
    let lang = account.as_ref().map_or(meta.lang, |account| meta.lang_for(account));
    let page = NotFoundPage { signed_in: account.is_some() };
    render(state, lang, "404.html", &page, StatusCode::NOT_FOUND, None).unwrap_or_else(|e| e.into_answer(lang))
}
