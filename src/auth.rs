//! Accounts and sessions: password hashing, server-side sessions behind an `HttpOnly` cookie,
//! cookies, the same-site `Origin` check, and finding the current user ([`Accounts`]).
//!
//! A session lives until it is logged out, replaced by a new login from the same browser,
//! ended by [`Accounts::end_other_sessions`], unused for `SESSION_IDLE_DAYS` or
//! `SESSION_MAX_DAYS` old. Whichever way it ends, its WebSockets close with 4001: at once
//! (on every instance) when it is ended here, at their next ping check when it expired.

use std::convert::Infallible;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use warp::http::header::COOKIE;
use warp::http::HeaderMap;
use warp::Filter;

use crate::config::{CookieSecure, SessionLifetime};
use crate::domain::{Account, Home, Password, UserId, Username};
use crate::fanout::Fanout;
use crate::i18n::Lang;
use crate::keys::{random_token, Keys};
use crate::store::{Conflict, Db, StoreError};

/// Cookie carrying the session token.
pub const SESSION_COOKIE: &str = "discock_session";
/// Cookie carrying the random seed CSRF tokens are derived from (double-submit, signed).
pub const CSRF_COOKIE: &str = "discock_csrf";
/// The language picked on the login page before signing in (and kept in step with the saved
/// preference after): `ru` or `en`.
pub const LANG_COOKIE: &str = "discock_lang";

/// The address of the socket a request came over, put into each request by the server's
/// accept loop (`crate::server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// Request facts the auth checks need, extracted once per request.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The client's address, for per-address limits (see [`request_meta`]).
    pub client: Option<IpAddr>,
    pub host: Option<String>,
    pub origin: Option<String>,
    pub forwarded_proto: Option<String>,
    pub content_type: Option<String>,
    pub session: Option<String>,
    pub csrf_seed: Option<String>,
    /// The language to answer in before the user's saved preference is known: the
    /// [`LANG_COOKIE`], else `Accept-Language`, else Russian.
    pub lang: Lang,
    /// The language the browser chose explicitly: the [`LANG_COOKIE`], set by the language
    /// switch (`PUT /api/language`) or from the saved preference; `None` when it has none.
    pub chosen_lang: Option<Lang>,
}

/// Extracts [`RequestMeta`]; never rejects.
///
/// The client's address is the socket's peer, or — with `trust_proxy`, behind a proxy that sets
/// them — `X-Real-IP`, else the last address in `X-Forwarded-For` (the one the proxy itself saw;
/// earlier entries come from the client and can be forged). Without `trust_proxy` those headers
/// are ignored, so nobody dodges a per-address limit by sending them.
pub fn request_meta(trust_proxy: bool) -> impl Filter<Extract = (RequestMeta,), Error = Infallible> + Clone {
    let peer = warp::ext::optional::<PeerAddr>().map(|peer: Option<PeerAddr>| peer.map(|PeerAddr(addr)| addr));
    warp::header::headers_cloned().and(peer).map(move |headers: HeaderMap, peer: Option<SocketAddr>| {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let cookies: Vec<&str> = headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
        let proxied = || {
            let real_ip = text("x-real-ip").and_then(|v| v.trim().parse::<IpAddr>().ok());
            let forwarded = || text("x-forwarded-for")?.rsplit(',').next()?.trim().parse::<IpAddr>().ok();
            real_ip.or_else(forwarded)
        };
        let client = if trust_proxy { proxied().or(peer.map(|p| p.ip())) } else { peer.map(|p| p.ip()) };
        let chosen_lang = cookie(&cookies, LANG_COOKIE).and_then(|code| Lang::parse(&code));
        RequestMeta {
            client,
            host: text("host"),
            origin: text("origin"),
            forwarded_proto: text("x-forwarded-proto"),
            content_type: text("content-type"),
            session: cookie(&cookies, SESSION_COOKIE),
            csrf_seed: cookie(&cookies, CSRF_COOKIE),
            lang: chosen_lang
                .or_else(|| text("accept-language").and_then(|h| Lang::from_accept_language(&h)))
                .unwrap_or_default(),
            chosen_lang,
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
    pub fn require_same_site(&self) -> Result<(), AuthError> {
        if self.same_site() {
            Ok(())
        } else {
            Err(AuthError::CrossOrigin)
        }
    }

    /// The language to answer a signed-in user in: the one saved to their account, else the
    /// request's ([`RequestMeta::lang`]).
    pub fn lang_for(&self, account: &Account) -> Lang {
        account.language.unwrap_or(self.lang)
    }

    /// The [`LANG_COOKIE`] to set so that the browser follows the account's saved language, when
    /// there is one and the browser's cookie says otherwise (or nothing): pages it loads before
    /// signing in again, and the language switch, then start from the right language.
    pub fn lang_cookie_for(&self, account: &Account, policy: CookieSecure) -> Option<String> {
        let saved = account.language?;
        (self.chosen_lang != Some(saved)).then(|| lang_cookie(saved, self.secure_cookies(policy)))
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

/// The session cookie for a new login: the browser keeps it as long as the session can live at
/// most (`SESSION_MAX_DAYS`); the server may end the session sooner.
pub fn session_cookie(token: &str, secure: bool, lifetime: &SessionLifetime) -> String {
    let max_age = i64::try_from(lifetime.max.as_secs()).unwrap_or(i64::MAX);
    set_cookie(SESSION_COOKIE, token, max_age, secure)
}

/// How long the browser keeps the language cookie: a year, renewed whenever the language is set.
const LANG_COOKIE_MAX_AGE: i64 = 365 * 24 * 3600;

/// The [`LANG_COOKIE`] for a language. Not `HttpOnly`, unlike the others: it is no secret, and
/// the page's scripts may read which language the server will answer in.
pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{LANG_COOKIE}={lang}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax{secure}")
}

/// Tells the browser to forget its session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    set_cookie(SESSION_COOKIE, "", 0, secure)
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("not signed in")]
    SignedOut,
    #[error("the request came from another site")]
    CrossOrigin,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed")]
    Hashing(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthError {
    fn hashing(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        AuthError::Hashing(Box::new(e))
    }
}

/// Accounts and sessions as a service the state holds: who is signed in, signing in and out,
/// ending sessions (and with them their WebSockets), and password hashing on blocking threads.
#[derive(Clone)]
pub struct Accounts {
    db: Db,
    keys: Arc<Keys>,
    bcrypt_cost: u32,
    /// A bcrypt hash of nothing in particular, checked when a login names an unknown user so
    /// that the answer takes as long as for a known one.
    dummy_hash: Arc<str>,
    /// bcrypt checks run so far: every login attempt that reaches the password costs one,
    /// whether or not the account exists.
    password_checks: Arc<std::sync::atomic::AtomicU64>,
    /// How long sessions live; applied at every check.
    lifetime: SessionLifetime,
    /// Closes the WebSockets of ended sessions on every instance.
    fanout: Fanout,
}

impl Accounts {
    pub fn new(
        db: Db,
        keys: Keys,
        bcrypt_cost: u32,
        dummy_hash: String,
        lifetime: SessionLifetime,
        fanout: Fanout,
    ) -> Self {
        Accounts {
            db,
            keys: Arc::new(keys),
            bcrypt_cost,
            dummy_hash: dummy_hash.into(),
            password_checks: Arc::default(),
            lifetime,
            fanout,
        }
    }

    /// The keyed hashes (CSRF tokens for the pages).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The logged-in user's account, if the session cookie names a live session.
    pub async fn current_user(&self, meta: &RequestMeta) -> Result<Option<Account>, AuthError> {
        let Some(hash) = self.session_hash(meta) else { return Ok(None) };
        self.session_user(hash).await
    }

    /// The account owning a live session (by its stored hash); notes that the session is in use.
    /// The user is noted in the current request's (or connection's) span.
    async fn session_user(&self, hash: String) -> Result<Option<Account>, AuthError> {
        let lifetime = self.lifetime;
        let account = self.db.call(move |s| s.session_user(&hash, crate::domain::now(), &lifetime)).await?;
        if let Some(account) = &account {
            crate::logging::record_user(account.user.id);
        }
        Ok(account)
    }

    /// The logged-in user's account and the stored hash of their session, or 401: for a
    /// WebSocket, which closes when that session ends.
    pub async fn require_session(&self, meta: &RequestMeta) -> Result<(Account, String), AuthError> {
        let hash = self.session_hash(meta).ok_or(AuthError::SignedOut)?;
        let user = self.session_user(hash.clone()).await?.ok_or(AuthError::SignedOut)?;
        Ok((user, hash))
    }

    /// Whether a session (by its stored hash) is still live: checked at every WebSocket ping,
    /// so that the sockets of a session that expired close. An open socket counts as use.
    pub async fn session_live(&self, hash: &str) -> Result<bool, AuthError> {
        Ok(self.session_user(hash.to_owned()).await?.is_some())
    }

    /// The stored form of the session cookie's token, for a handler that checks the session
    /// inside its own store call (one trip to the blocking pool instead of two).
    pub fn session_hash(&self, meta: &RequestMeta) -> Option<String> {
        meta.session.as_deref().filter(|t| !t.is_empty()).map(|token| self.keys.session_hash(token))
    }

    /// The language to answer a request in: the signed-in user's saved language, else the
    /// request's ([`RequestMeta::lang`]). A session that cannot be checked (the database is
    /// down, say) counts as signed out: the answer is still given, in the request's language.
    pub async fn answer_lang(&self, meta: &RequestMeta) -> Lang {
        match self.current_user(meta).await {
            Ok(Some(account)) => meta.lang_for(&account),
            Ok(None) | Err(_) => meta.lang,
        }
    }

    /// The logged-in user's account, or 401.
    pub async fn require_user(&self, meta: &RequestMeta) -> Result<Account, AuthError> {
        self.current_user(meta).await?.ok_or(AuthError::SignedOut)
    }

    /// Saves the interface language a user chose.
    pub async fn set_language(&self, user: UserId, language: Lang) -> Result<(), AuthError> {
        Ok(self.db.call(move |s| s.set_language(user, language)).await?)
    }

    /// How many passwords were checked with bcrypt since start.
    pub fn password_checks(&self) -> u64 {
        self.password_checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Creates an account, with the interface language it chose if any; `Ok(None)` when the
    /// username is taken.
    pub async fn register(
        &self,
        name: Username,
        password: Password,
        home: Home,
        language: Option<Lang>,
    ) -> Result<Option<Account>, AuthError> {
        let hash = self.hash_password(password).await?;
        let now = crate::domain::now();
        match self.db.call(move |s| s.create_user(&name, &hash, &home, language, now)).await {
            Ok(user) => Ok(Some(user)),
            Err(StoreError::Conflict(Conflict::Username)) => Ok(None),
            Err(e) => Err(AuthError::Store(e)),
        }
    }

    /// The account whose name and password these are. Unknown user, wrong password and
    /// over-long password get the same answer in the same time.
    pub async fn authenticate(&self, username: &str, password: String) -> Result<Option<Account>, AuthError> {
        // A name outside the username rules was never registered, so it is not looked up: it
        // could hold a NUL byte, which PostgreSQL refuses in text (a 500 instead of a 401).
        // It still costs a bcrypt verification, like any unknown name.
        let found = match Username::parse(username) {
            Ok(name) => {
                let key = name.key();
                self.db.call(move |s| s.find_credentials(&key)).await?
            }
            Err(_) => None,
        };
        let (user, hash) = found.map_or((None, None), |(u, h)| (Some(u), Some(h)));
        let ok = password.len() <= 72 && self.verify_password(password, hash).await?;
        Ok(user.filter(|_| ok))
    }

    /// Creates a session and returns its token (for the cookie). Every login gets a new token.
    pub async fn start_session(&self, user: UserId) -> Result<String, AuthError> {
        crate::logging::record_user(user);
        let token = random_token();
        let hash = self.keys.session_hash(&token);
        let (now, lifetime) = (crate::domain::now(), self.lifetime);
        self.db.call(move |s| s.create_session(&hash, user, now, &lifetime)).await?;
        Ok(token)
    }

    /// Ends the session the cookie names, if any: deletes it, then closes its WebSockets on
    /// every instance (with 4001). Whose it was is looked up first, for the request's log lines.
    pub async fn end_session(&self, meta: &RequestMeta) -> Result<(), AuthError> {
        let Some(hash) = self.session_hash(meta) else { return Ok(()) };
        self.session_user(hash.clone()).await?;
        let deleted = hash.clone();
        if self.db.call(move |s| s.delete_session(&deleted)).await? {
            self.fanout.session_ended(hash);
        }
        Ok(())
    }

    /// Ends every session of `user` but `keep` (a stored session hash: the one changing the
    /// password, say) and closes their WebSockets on every instance; returns how many ended.
    pub async fn end_other_sessions(&self, user: UserId, keep: &str) -> Result<usize, AuthError> {
        let keep = keep.to_owned();
        let ended = self.db.call(move |s| s.delete_other_sessions(user, &keep)).await?;
        let count = ended.len();
        for hash in ended {
            self.fanout.session_ended(hash);
        }
        if count > 0 {
            tracing::info!(%user, count, "ended the user's other sessions");
        }
        Ok(count)
    }

    /// Replaces a user's password (hashed on a blocking thread). Their sessions stay: ending
    /// the others is the caller's decision ([`Accounts::end_other_sessions`]).
    pub async fn set_password(&self, user: UserId, password: Password) -> Result<(), AuthError> {
        let hash = self.hash_password(password).await?;
        Ok(self.db.call(move |s| s.set_password_hash(user, &hash)).await?)
    }

    /// bcrypt on a blocking thread (it is deliberately slow).
    async fn hash_password(&self, password: Password) -> Result<String, AuthError> {
        let cost = self.bcrypt_cost;
        tokio::task::spawn_blocking(move || bcrypt::hash(password.expose(), cost))
            .await
            .map_err(AuthError::hashing)?
            .map_err(AuthError::hashing)
    }

    /// Checks a password against a hash on a blocking thread; with no hash (unknown user) it
    /// checks against a dummy so the answer takes as long either way.
    async fn verify_password(&self, password: String, hash: Option<String>) -> Result<bool, AuthError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        self.password_checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || bcrypt::verify(password.as_bytes(), &hash).unwrap_or(false))
            .await
            .map_err(AuthError::hashing)?;
        Ok(known && ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unknown_name_costs_one_bcrypt_check_just_like_a_wrong_password() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            crate::store::open(&crate::config::DatabaseConfig::Sqlite { path: dir.path().join("a.db") }).unwrap();
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let reader = crate::store::DbReader::new(store.clone());
        let fanout = Fanout::start(Arc::new(crate::hub::Hub::new()), reader, None, Default::default(), shutdown);
        let db = Db::new(store, Arc::new(|_| {}));
        let dummy = bcrypt::hash("nothing in particular", 4).unwrap();
        let lifetime =
            SessionLifetime { idle: std::time::Duration::from_secs(3600), max: std::time::Duration::from_secs(7200) };
        let accounts = Accounts::new(db, Keys::new(b"0123456789abcdef0123456789abcdef"), 4, dummy, lifetime, fanout);
        let password = Password::parse("correct horse").unwrap();
        accounts
            .register(
                Username::parse("anna").unwrap(),
                password,
                Home::typed(crate::domain::City::parse("Тула").unwrap()),
                None,
            )
            .await
            .unwrap();

        let before = accounts.password_checks();
        let known = accounts.authenticate("anna", "wrong password".into()).await.unwrap();
        let after_known = accounts.password_checks();
        let unknown = accounts.authenticate("nobody", "wrong password".into()).await.unwrap();
        let after_unknown = accounts.password_checks();
        let right = accounts.authenticate("ANNA", "correct horse".into()).await.unwrap();

        assert!(known.is_none() && unknown.is_none());
        assert_eq!((after_known - before, after_unknown - after_known), (1, 1), "the same work either way");
        assert_eq!(right.map(|a| a.user.username.as_str().to_owned()).as_deref(), Some("anna"));
    }

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
}
