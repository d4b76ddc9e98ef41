//! Accounts and sessions: password hashing, server-side sessions behind an `HttpOnly` cookie,
//! CSRF tokens for forms, the same-site `Origin` check, and finding the current user.

use std::convert::Infallible;

use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use warp::http::header::COOKIE;
use warp::http::HeaderMap;
use warp::Filter;

use crate::app::AppState;
use crate::config::CookieSecure;
use crate::domain::{Password, User, UserId};
use crate::error::AppError;

/// Cookie carrying the session token.
pub const SESSION_COOKIE: &str = "discock_session";
/// Cookie carrying the random seed CSRF tokens are derived from (double-submit, signed).
pub const CSRF_COOKIE: &str = "discock_csrf";
/// How long a login lasts.
const SESSION_DAYS: i64 = 30;

/// Cryptographically random bytes from the OS.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// A fresh 256-bit token, hex-encoded.
pub fn random_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// Keyed hashes derived from `SECRET_KEY`.
pub struct Keys {
    secret: Vec<u8>,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        Keys { secret: secret.to_vec() }
    }

    fn mac(&self, purpose: &str, value: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC accepts keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        mac
    }

    /// What the database stores instead of the session token itself.
    pub fn session_hash(&self, token: &str) -> String {
        hex::encode(self.mac("session", token).finalize().into_bytes())
    }

    /// The form token belonging to a CSRF seed cookie.
    pub fn csrf_token(&self, seed: &str) -> String {
        hex::encode(self.mac("csrf", seed).finalize().into_bytes())
    }

    /// Constant-time check that a submitted form token matches the seed cookie.
    pub fn csrf_ok(&self, seed: Option<&str>, token: Option<&str>) -> bool {
        match (seed, token.and_then(|t| hex::decode(t).ok())) {
            (Some(seed), Some(token)) if !seed.is_empty() => self.mac("csrf", seed).verify_slice(&token).is_ok(),
            _ => false,
        }
    }
}

/// Request facts the auth checks need, extracted once per request.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub host: Option<String>,
    pub origin: Option<String>,
    pub forwarded_proto: Option<String>,
    pub content_type: Option<String>,
    pub session: Option<String>,
    pub csrf_seed: Option<String>,
}

/// Extracts [`RequestMeta`]; never rejects.
pub fn request_meta() -> impl Filter<Extract = (RequestMeta,), Error = Infallible> + Clone {
    warp::header::headers_cloned().map(|headers: HeaderMap| {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let cookies: Vec<&str> = headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
        RequestMeta {
            host: text("host"),
            origin: text("origin"),
            forwarded_proto: text("x-forwarded-proto"),
            content_type: text("content-type"),
            session: cookie(&cookies, SESSION_COOKIE),
            csrf_seed: cookie(&cookies, CSRF_COOKIE),
        }
    })
}

/// The value of a cookie in `Cookie` headers.
fn cookie(headers: &[&str], name: &str) -> Option<String> {
    headers
        .iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

impl RequestMeta {
    /// True unless the `Origin` header names a site other than the one in `Host`.
    /// Requests without `Origin` (same-origin GETs, non-browser clients) pass; forms are also
    /// protected by the CSRF token and JSON bodies by their content type.
    pub fn same_site(&self) -> bool {
        let Some(origin) = self.origin.as_deref() else { return true };
        let Some(host) = self.host.as_deref() else { return false };
        let Some((scheme, authority)) = origin.split_once("://") else { return false };
        normalize_authority(authority, scheme) == normalize_authority(host, scheme)
    }

    /// Refuses a state-changing request from another site.
    pub fn require_same_site(&self) -> Result<(), AppError> {
        if self.same_site() {
            Ok(())
        } else {
            Err(AppError::CrossOrigin)
        }
    }

    /// Whether cookies set in the answer get `Secure`.
    pub fn secure_cookies(&self, policy: CookieSecure) -> bool {
        match policy {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => self.forwarded_proto.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("https")),
        }
    }
}

/// `Host:Port` in lower case, without the scheme's default port.
fn normalize_authority(authority: &str, scheme: &str) -> String {
    let a = authority.trim_end_matches('/').to_ascii_lowercase();
    let default = match scheme {
        "https" | "wss" => ":443",
        _ => ":80",
    };
    a.strip_suffix(default).map(str::to_owned).unwrap_or(a)
}

/// A `Set-Cookie` value with the attributes every Discock cookie carries.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}")
}

/// The session cookie for a new login.
pub fn session_cookie(token: &str, secure: bool) -> String {
    set_cookie(SESSION_COOKIE, token, SESSION_DAYS * 24 * 3600, secure)
}

/// Tells the browser to forget its session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    set_cookie(SESSION_COOKIE, "", 0, secure)
}

impl AppState {
    /// The logged-in user, if the session cookie names a live session.
    pub async fn current_user(&self, meta: &RequestMeta) -> Result<Option<User>, AppError> {
        let Some(hash) = self.session_hash(meta) else { return Ok(None) };
        Ok(self.db.call(move |s| s.session_user(&hash, crate::domain::now())).await?)
    }

    /// The stored form of the session cookie's token, for a handler that checks the session
    /// inside its own store call (one trip to the blocking pool instead of two).
    pub fn session_hash(&self, meta: &RequestMeta) -> Option<String> {
        meta.session.as_deref().filter(|t| !t.is_empty()).map(|token| self.keys.session_hash(token))
    }

    /// The logged-in user, or 401.
    pub async fn require_user(&self, meta: &RequestMeta) -> Result<User, AppError> {
        self.current_user(meta).await?.ok_or(AppError::Unauthorized)
    }

    /// Creates a session and returns its token (for the cookie). Every login gets a new token.
    pub async fn start_session(&self, user: UserId) -> Result<String, AppError> {
        let token = random_token();
        let hash = self.keys.session_hash(&token);
        let now = crate::domain::now();
        self.db.call(move |s| s.create_session(&hash, user, now, now + Duration::days(SESSION_DAYS))).await?;
        Ok(token)
    }

    /// Deletes the session the cookie names, if any.
    pub async fn end_session(&self, meta: &RequestMeta) -> Result<(), AppError> {
        if let Some(token) = meta.session.as_deref() {
            let hash = self.keys.session_hash(token);
            self.db.call(move |s| s.delete_session(&hash)).await?;
        }
        Ok(())
    }

    /// bcrypt on a blocking thread (it is deliberately slow).
    pub async fn hash_password(&self, password: Password) -> Result<String, AppError> {
        let cost = self.config.bcrypt_cost;
        tokio::task::spawn_blocking(move || bcrypt::hash(password.expose(), cost))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)
    }

    /// Checks a password against a hash on a blocking thread; with no hash (unknown user) it
    /// checks against a dummy so the answer takes as long either way.
    pub async fn verify_password(&self, password: String, hash: Option<String>) -> Result<bool, AppError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let ok = tokio::task::spawn_blocking(move || bcrypt::verify(password.as_bytes(), &hash).unwrap_or(false))
            .await
            .map_err(AppError::internal)?;
        Ok(known && ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(host: &str, origin: Option<&str>) -> RequestMeta {
        RequestMeta { host: Some(host.into()), origin: origin.map(Into::into), ..Default::default() }
    }

    #[test]
    fn same_site_origins_pass_and_others_do_not() {
        assert!(meta("localhost:8080", None).same_site());
        assert!(meta("localhost:8080", Some("http://localhost:8080")).same_site());
        assert!(meta("chat.example.ru", Some("https://chat.example.ru")).same_site());
        assert!(meta("chat.example.ru:443", Some("https://chat.example.ru")).same_site());
        assert!(!meta("localhost:8080", Some("http://evil.example")).same_site());
        assert!(!meta("localhost:8080", Some("http://localhost:9090")).same_site());
        assert!(!meta("localhost:8080", Some("null")).same_site());
    }

    #[test]
    fn csrf_tokens_verify_only_against_their_own_seed() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.csrf_token("seed-a");
        assert!(keys.csrf_ok(Some("seed-a"), Some(&token)));
        assert!(!keys.csrf_ok(Some("seed-b"), Some(&token)));
        assert!(!keys.csrf_ok(None, Some(&token)));
        assert!(!keys.csrf_ok(Some("seed-a"), None));
        assert!(!keys.csrf_ok(Some("seed-a"), Some("not hex")));
        let other = Keys::new(b"another secret key of enough length!");
        assert!(!other.csrf_ok(Some("seed-a"), Some(&token)));
    }

    #[test]
    fn session_hashes_depend_on_the_secret() {
        let a = Keys::new(b"secret-one-secret-one-secret-one");
        let b = Keys::new(b"secret-two-secret-two-secret-two");
        assert_eq!(a.session_hash("t"), a.session_hash("t"));
        assert_ne!(a.session_hash("t"), b.session_hash("t"));
    }
}
