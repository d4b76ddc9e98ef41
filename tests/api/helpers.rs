//! Test harness: `spawn_app`, `TestUser` and `Socket`, so tests read as arrange / act / assert,
//! and `both_backends!`, which runs each test once on SQLite and once on PostgreSQL.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use discock::auth::Accounts;
use discock::config::DatabaseConfig;
use discock::{App, AppState, Config};
use futures_util::{SinkExt, StreamExt};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame it expects.
pub const FRAME_WAIT: Duration = Duration::from_secs(5);

// ---- backends -----------------------------------------------------------------------------

/// The storage backends every integration test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    /// The backend the running test was generated for; `spawn_app`, `restart` and `open_store`
    /// read it, so test bodies never mention the backend.
    static BACKEND: Backend;
}

impl Backend {
    /// The backend of the running test; SQLite outside `both_backends!` (as in `ui.rs`).
    /// A task-local: a task started with `tokio::spawn` does not inherit it.
    pub fn current() -> Backend {
        BACKEND.try_with(|backend| *backend).unwrap_or(Backend::Sqlite)
    }

    /// Runs an async test body with this backend as the current one, unless it is PostgreSQL
    /// and none is reachable (see [`postgres_or_skip`]).
    pub async fn run(self, test: impl Future<Output = ()>) {
        if self == Backend::Postgres && !postgres_or_skip() {
            return;
        }
        BACKEND.scope(self, test).await;
    }

    /// Runs a blocking test body with this backend as the current one, likewise.
    pub fn run_blocking(self, test: impl FnOnce()) {
        if self == Backend::Postgres && !postgres_or_skip() {
            return;
        }
        BACKEND.sync_scope(self, test);
    }
}

/// Doubles one test into `<name>::sqlite` and `<name>::postgres`, which run the same body with
/// [`Backend::current`] set accordingly. Written just above the test it doubles, like an attribute:
///
/// ```ignore
/// both_backends!(async fn a_message_reaches_every_member_of_the_room);
/// async fn a_message_reaches_every_member_of_the_room() { … }
///
/// both_backends!(fn usernames_are_unique_regardless_of_case); // a blocking body: #[test]
/// fn usernames_are_unique_regardless_of_case() { … }
/// ```
///
/// The body stays an ordinary function (rather than tokens inside the macro) so that rustfmt
/// keeps formatting it; the module of the same name lives in the type namespace, so they coexist.
macro_rules! both_backends {
    (async fn $test:ident) => {
        mod $test {
            #[tokio::test]
            async fn sqlite() {
                $crate::helpers::Backend::Sqlite.run(super::$test()).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::helpers::Backend::Postgres.run(super::$test()).await;
            }
        }
    };
    (fn $test:ident) => {
        mod $test {
            #[test]
            fn sqlite() {
                $crate::helpers::Backend::Sqlite.run_blocking(super::$test);
            }

            #[test]
            fn postgres() {
                $crate::helpers::Backend::Postgres.run_blocking(super::$test);
            }
        }
    };
}
pub(crate) use both_backends;

/// The PostgreSQL server the tests create their databases on, as an admin URL:
/// `DISCOCK_TEST_POSTGRES`, by default the local one.
fn postgres_admin_url() -> String {
    std::env::var("DISCOCK_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether PostgreSQL tests can run. When the server cannot be reached, a `CI=true` run fails
/// (CI must not pass by skipping); elsewhere the test says loudly that it skipped and passes,
/// so `cargo test` works on a machine without PostgreSQL.
fn postgres_or_skip() -> bool {
    static REACHABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let reachable = REACHABLE.get_or_init(|| {
        off_runtime(|| {
            let mut config: postgres::Config = postgres_admin_url().parse().map_err(|e| format!("bad URL: {e}"))?;
            config.connect_timeout(Duration::from_secs(3));
            let mut admin = config.connect(postgres::NoTls).map_err(|e| causes(&e))?;
            admin.simple_query("SELECT 1").map(drop).map_err(|e| causes(&e))
        })
    });
    let Err(cause) = reachable else { return true };
    let url = postgres_admin_url();
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "PostgreSQL at {url} is required when CI=true: {cause} (set DISCOCK_TEST_POSTGRES to point elsewhere)"
    );
    let test = std::thread::current().name().unwrap_or("a PostgreSQL test").to_owned();
    // Straight to stderr, in one write: libtest swallows eprintln! of a passing test unless
    // --nocapture, and tests on other threads write too.
    let line = format!("!!!!! {test} skipped: PostgreSQL not reachable at {url}: {cause} !!!!!\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    false
}

/// An error and its causes on one line: the `postgres` client's own message is often just
/// "error connecting to server", with the reason in its source.
fn causes(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    line
}

/// Runs blocking PostgreSQL client work on a plain thread of its own. The synchronous
/// `postgres` client drives a runtime of its own, and starting or dropping one panics on a
/// thread that is already running async code — which a test (or a `Drop`) may be doing.
pub fn off_runtime<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(work).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// A database of a test's own on one backend, deleted when dropped: a file in a temporary
/// folder, or a fresh PostgreSQL database `discock_t_<uuid>` on [`postgres_admin_url`].
pub enum TestDatabase {
    Sqlite { path: PathBuf, _dir: tempfile::TempDir },
    Postgres { name: String, url: String },
}

impl TestDatabase {
    /// A new, empty database on the given backend. Blocks for the `CREATE DATABASE`.
    pub fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                // A folder that does not exist yet: opening the store must create it.
                TestDatabase::Sqlite { path: dir.path().join("data").join("discock.db"), _dir: dir }
            }
            Backend::Postgres => {
                let name = format!("discock_t_{}", uuid::Uuid::new_v4().simple());
                let admin_url = postgres_admin_url();
                off_runtime(|| {
                    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)
                        .unwrap_or_else(|e| panic!("connecting to PostgreSQL at {admin_url}: {}", causes(&e)));
                    admin
                        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                        .unwrap_or_else(|e| panic!("creating the test database {name}: {}", causes(&e)));
                });
                let mut url = url::Url::parse(&admin_url).expect("DISCOCK_TEST_POSTGRES is a URL");
                url.set_path(&name);
                TestDatabase::Postgres { name, url: url.into() }
            }
        }
    }

    /// The environment that points the server at this database.
    pub fn env(&self) -> Vec<(String, String)> {
        match self {
            TestDatabase::Sqlite { path, .. } => vec![("DATABASE_URL".into(), format!("sqlite://{}", path.display()))],
            // A small pool, so that a whole suite of servers running side by side stays well
            // under PostgreSQL's max_connections (100 by default).
            TestDatabase::Postgres { url, .. } => {
                vec![("DATABASE_URL".into(), url.clone()), ("DATABASE_POOL_SIZE".into(), "4".into())]
            }
        }
    }

    /// The store configuration for this database, read the way the server reads it.
    pub fn config(&self) -> DatabaseConfig {
        let env = self.env();
        Config::from_lookup(|key| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
            .expect("the test database's config is valid")
            .database
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let TestDatabase::Postgres { name, .. } = self else { return };
        let admin_url = postgres_admin_url();
        // Never panic here: this may run while a failed test unwinds, and a second panic would
        // abort the whole test binary.
        let dropped = off_runtime(|| {
            let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)?;
            drop_database(&mut admin, name)
        });
        if let Err(e) = dropped {
            let line = format!("!!!!! could not drop the test database {name}: {} !!!!!\n", causes(&e));
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

/// Drops a test database that a server may still be connected to.
///
/// `DROP DATABASE … WITH (FORCE)` alone would do, but when it finds connections it waits for
/// them in steps of 100 ms: about 120 ms for every test that leaves a server running, against
/// some 30 ms this way. So first refuse new connections (the server's pool would reconnect),
/// end the open ones and watch them go in steps of 5 ms; FORCE stays as the backstop.
fn drop_database(admin: &mut postgres::Client, name: &str) -> Result<(), postgres::Error> {
    // Anything that goes wrong here is left to FORCE.
    let _ = end_connections(admin, name);
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
}

fn end_connections(admin: &mut postgres::Client, name: &str) -> Result<(), postgres::Error> {
    admin.batch_execute(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"))?;
    for _ in 0..400 {
        let remaining: i64 = admin
            .query_one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", &[&name])?
            .get(0);
        if remaining == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

// ---- the app ------------------------------------------------------------------------------

/// A running server on a database of its own.
pub struct TestApp {
    pub addr: SocketAddr,
    /// Shared with the server that replaces this one on `restart`; deleted with the last.
    database: Arc<TestDatabase>,
    /// The extra environment the app was started with, kept for `restart`.
    env: Vec<(String, String)>,
    /// How often WebSockets are pinged, when a test shortened it; kept for `restart`.
    ws_ping_every: Option<Duration>,
    /// The server's services, for calling those no route reaches yet. Dropped off the async
    /// threads (see `off_runtime`) once the server stops.
    state: Option<AppState>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Starts the app on a free port with a new database on the current backend.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_env(&[]).await
}

/// Starts the app with extra environment variables.
pub async fn spawn_app_with_env(env: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::create(Backend::current());
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    spawn_app_on(Arc::new(database), env, None).await
}

/// Starts the app on an SQLite file made elsewhere (a restored backup, say), which lives in `dir`.
pub async fn spawn_app_on_sqlite_file(dir: tempfile::TempDir, path: PathBuf) -> TestApp {
    spawn_app_on(Arc::new(TestDatabase::Sqlite { path, _dir: dir }), Vec::new(), None).await
}

/// Starts the app with WebSockets pinged (and their sessions checked) this often instead of
/// every 30 s, so a test can see what happens at the next ping without waiting for it.
pub async fn spawn_app_with_ping(every: Duration) -> TestApp {
    let database = TestDatabase::create(Backend::current());
    spawn_app_on(Arc::new(database), Vec::new(), Some(every)).await
}

async fn spawn_app_on(
    database: Arc<TestDatabase>,
    env: Vec<(String, String)>,
    ws_ping_every: Option<Duration>,
) -> TestApp {
    let mut vars: Vec<(String, String)> = vec![
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("BCRYPT_COST".into(), "4".into()),
        // Tests send, register and log in far faster than a person; the limits have tests of
        // their own (limits.rs), which turn them on.
        ("RATE_LIMIT_MESSAGES".into(), "off".into()),
        ("RATE_LIMIT_ROOMS".into(), "off".into()),
        ("RATE_LIMIT_LOGIN".into(), "off".into()),
        ("RATE_LIMIT_REGISTER".into(), "off".into()),
        ("RATE_LIMIT_AVATARS".into(), "off".into()),
        ("MAX_CONNECTIONS_PER_USER".into(), "off".into()),
        ("SECRET_KEY".into(), "test-secret-test-secret-test-secret-000".into()),
    ];
    vars.extend(database.env());
    vars.extend(env.iter().cloned());
    let mut config = Config::from_lookup(|k| vars.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
        .expect("test config is valid");
    if let Some(every) = ws_ping_every {
        config.ws_ping_every = every;
    }
    let app = App::build(config).await.expect("app starts");
    let addr = app.local_addr();
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp { addr, database, env, ws_ping_every, state: Some(state), stop: Some(stop), server: Some(server) }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(mut self) -> TestApp {
        self.shutdown().await;
        spawn_app_on(self.database.clone(), std::mem::take(&mut self.env), self.ws_ping_every).await
    }

    /// Another server on this one's database: a second instance of the same deployment, with
    /// its own extra environment (say, the same `REDIS_URL` and `REDIS_PREFIX`).
    pub async fn another_instance(&self, env: &[(&str, &str)]) -> TestApp {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        spawn_app_on(self.database.clone(), env, self.ws_ping_every).await
    }

    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("server stops within 10 s")
                .expect("server task ends cleanly");
        }
        self.release_state();
    }

    /// Lets go of the server's services off the async threads: they may hold the last handle on
    /// a PostgreSQL store, whose clients must not be closed on them.
    fn release_state(&mut self) {
        let state = self.state.take();
        off_runtime(move || drop(state));
    }

    /// The environment that points another process at this app's database (a `discock` command).
    pub fn database_env(&self) -> Vec<(String, String)> {
        self.database.env()
    }

    /// The server's accounts service.
    pub fn accounts(&self) -> &Accounts {
        &self.state.as_ref().expect("the server is running").accounts
    }

    /// Moves one moment of a stored session — `"created_at"` or `"last_seen_at"` — `days` into
    /// the past, straight in the database: how tests let a session's lifetime run out.
    pub fn backdate_session(&self, token: &str, column: &str, days: i32) {
        assert!(matches!(column, "created_at" | "last_seen_at"), "not a session time: {column}");
        let hash = self.accounts().keys().session_hash(token);
        let updated = match &*self.database {
            TestDatabase::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).expect("opening the test database");
                conn.busy_timeout(Duration::from_secs(5)).unwrap();
                let micros = i64::from(days) * 24 * 3600 * 1_000_000;
                conn.execute(
                    &format!("UPDATE sessions SET {column} = {column} - ?1 WHERE token_hash = ?2"),
                    rusqlite::params![micros, hash],
                )
                .expect("backdating the session") as u64
            }
            TestDatabase::Postgres { url, .. } => {
                off_runtime(|| {
                    let mut client =
                        postgres::Client::connect(url, postgres::NoTls).expect("connecting to the test database");
                    client
                    .execute(
                        &format!("UPDATE sessions SET {column} = {column} - make_interval(days => $1) WHERE token_hash = $2"),
                        &[&days, &hash],
                    )
                    .expect("backdating the session")
                })
            }
        };
        assert_eq!(updated, 1, "the session exists");
    }

    /// Runs one SQL statement straight in the database (the same text on both backends): how
    /// tests make rows as an older version left them.
    pub fn execute_sql(&self, sql: &str) {
        match &*self.database {
            TestDatabase::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).expect("opening the test database");
                conn.busy_timeout(Duration::from_secs(5)).unwrap();
                conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            TestDatabase::Postgres { url, .. } => off_runtime(|| {
                let mut client =
                    postgres::Client::connect(url, postgres::NoTls).expect("connecting to the test database");
                client.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            }),
        }
    }

    /// An HTTP client that keeps cookies and does not follow redirects.
    pub fn client(&self) -> Client {
        Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("http client")
    }

    /// GETs a form page and returns the CSRF token in it.
    pub async fn csrf_token(&self, client: &Client, page: &str) -> String {
        let html = client.get(self.url(page)).send().await.unwrap().text().await.unwrap();
        csrf_in(&html).expect("the page has a csrf_token input")
    }

    /// Posts the login form with a fresh client; whether it let the user in (a redirect that
    /// sets the session cookie).
    pub async fn logs_in(&self, username: &str, password: &str) -> bool {
        let client = self.client();
        let token = self.csrf_token(&client, "/login").await;
        let response = client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        response.status() == StatusCode::SEE_OTHER && cookie_value(&response, "discock_session").is_some()
    }

    /// Submits the registration form.
    pub async fn post_register(&self, client: &Client, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token(client, "/register").await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        client.post(self.url("/register")).form(&form).send().await.unwrap()
    }

    /// The default room's id, as listed by the API.
    pub async fn default_room(&self, user: &TestUser) -> i64 {
        let rooms: Value = user.get("/api/rooms").await.json().await.unwrap();
        rooms[0]["id"].as_i64().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.release_state();
    }
}

/// The value of the hidden `csrf_token` input in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The value a `Set-Cookie` header gives a cookie.
pub fn cookie_value(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

/// A registered, logged-in user with their own cookie jar.
pub struct TestUser {
    pub id: i64,
    pub username: String,
    pub password: String,
    pub city: String,
    pub session: String,
    pub client: Client,
    base: String,
}

/// A fresh unique username.
/// The `User` JSON of someone registered with `city` as typed, as everyone sees them while they
/// show their city (the default): the canonical city's fields where the text names one.
pub fn user_json(id: i64, username: &str, city: &str) -> Value {
    use discock::domain::{City, CityPrivacy, Home, User, UserId, Username};
    let home = Home::typed(City::parse(city).expect("a valid city"));
    let username = Username::parse(username).expect("a valid username");
    serde_json::to_value(User::seen_by_others(UserId(id), username, &home, CityPrivacy::City, None)).unwrap()
}

/// `user_json` with more fields, as member lists (`presence`) and `GET /api/me` add them.
pub fn user_json_with(id: i64, username: &str, city: &str, more: Value) -> Value {
    let mut user = user_json(id, username, city);
    for (key, value) in more.as_object().expect("an object of fields") {
        user[key] = value.clone();
    }
    user
}

pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

impl TestUser {
    pub async fn register(app: &TestApp) -> TestUser {
        Self::register_in(app, "Новосибирск").await
    }

    pub async fn register_in(app: &TestApp, city: &str) -> TestUser {
        let client = app.client();
        let username = unique_name("user");
        let password = "correct horse".to_owned();
        let response = app
            .post_register(
                &client,
                &[("username", &username), ("password", &password), ("password_confirm", &password), ("city", city)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "registration succeeds");
        let session = cookie_value(&response, "discock_session").expect("session cookie is set");
        let me: Value = client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap();
        TestUser {
            id: me["id"].as_i64().unwrap(),
            username,
            password,
            city: city.to_owned(),
            session,
            client,
            base: app.url(""),
        }
    }

    /// The same user signed in on another device: a fresh client, a session of its own.
    pub async fn another_device(&self, app: &TestApp) -> TestUser {
        self.sign_in_on(app, app.client()).await
    }

    /// The same user signed in with `client`, a browser that may already hold cookies of its own
    /// (a language chosen before signing in, say).
    pub async fn sign_in_on(&self, app: &TestApp, client: Client) -> TestUser {
        let session = self.log_in_with(app, &client, "/login").await;
        TestUser {
            id: self.id,
            username: self.username.clone(),
            password: self.password.clone(),
            city: self.city.clone(),
            session,
            client,
            base: self.base.clone(),
        }
    }

    /// Signs in again from this user's own browser, which still presents its session cookie
    /// (a login form left open in another tab, say); the new session replaces `self.session`.
    /// Returns the old token.
    pub async fn log_in_again(&mut self, app: &TestApp) -> String {
        // Signed in, /login redirects to the chat; the chat page carries the same CSRF token.
        let session = self.log_in_with(app, &self.client.clone(), "/chat").await;
        std::mem::replace(&mut self.session, session)
    }

    /// Posts the login form from `client`, with the CSRF token of `page`; the new session token.
    async fn log_in_with(&self, app: &TestApp, client: &Client, page: &str) -> String {
        let token = app.csrf_token(client, page).await;
        let response = client
            .post(app.url("/login"))
            .form(&[("username", self.username.as_str()), ("password", &self.password), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "login succeeds");
        cookie_value(&response, "discock_session").expect("a session cookie")
    }

    /// Logs out through the form, as the page's button does.
    pub async fn log_out(&self, app: &TestApp) {
        let token = app.csrf_token(&self.client, "/chat").await;
        let response =
            self.client.post(app.url("/logout")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "logout succeeds");
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client.post(format!("{}{path}", self.base)).json(body).send().await.unwrap()
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> Response {
        self.client.put(format!("{}{path}", self.base)).json(body).send().await.unwrap()
    }

    /// A POST without a body.
    pub async fn post(&self, path: &str) -> Response {
        self.client.post(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// A PUT without a body.
    pub async fn put(&self, path: &str) -> Response {
        self.client.put(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn patch_json(&self, path: &str, body: &Value) -> Response {
        self.client.patch(format!("{}{path}", self.base)).json(body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.client.delete(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// Creates a room and returns its JSON.
    pub async fn create_room(&self, name: &str) -> Value {
        let response = self.post_json("/api/rooms", &json!({ "name": name })).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Opens a WebSocket with this user's session and reads the `connected` frame.
    pub async fn connect(&self, app: &TestApp) -> Socket {
        let mut socket = ws_connect(app, Some(&self.session), Some(&app.origin())).await.expect("upgrade succeeds");
        let hello = socket.expect("connected").await;
        assert_eq!(hello["user"]["id"], self.id);
        socket
    }
}

/// A client WebSocket speaking Discock frames.
pub struct Socket {
    inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// Opens `/ws` with an optional session cookie and `Origin`; the HTTP status on refusal.
pub async fn ws_connect(app: &TestApp, session: Option<&str>, origin: Option<&str>) -> Result<Socket, StatusCode> {
    let mut request = format!("ws://{}/ws", app.addr).into_client_request().unwrap();
    if let Some(session) = session {
        request.headers_mut().insert("cookie", HeaderValue::from_str(&format!("discock_session={session}")).unwrap());
    }
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((inner, _)) => Ok(Socket { inner }),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(StatusCode::from_u16(response.status().as_u16()).unwrap())
        }
        Err(e) => panic!("WebSocket connect failed: {e}"),
    }
}

impl Socket {
    pub async fn send(&mut self, frame: Value) {
        self.inner.send(Message::text(frame.to_string())).await.expect("frame sent");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.inner.send(message).await.expect("frame sent");
    }

    /// Writes bytes straight to the TCP stream under the WebSocket, bypassing the client's own
    /// framing, so a test can send frames no well-behaved client would.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let stream = self.inner.get_mut();
        stream.write_all(bytes).await.expect("bytes written");
        stream.flush().await.expect("bytes flushed");
    }

    /// The next JSON frame, whatever its type.
    pub async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(FRAME_WAIT, self.inner.next())
                .await
                .expect("a frame arrives in time")
                .expect("the socket is open")
                .expect("the frame is readable");
            match message {
                Message::Text(text) => return serde_json::from_str(text.as_str()).expect("frames are JSON"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected WebSocket message {other:?}"),
            }
        }
    }

    /// The next JSON frame if one arrives within `wait`, else `None`: for a test that reports
    /// what it got rather than panicking at the first surprise.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.inner.next()).await.ok()??.ok()?;
            match message {
                Message::Text(text) => return serde_json::from_str(text.as_str()).ok(),
                Message::Ping(_) | Message::Pong(_) => continue,
                _ => return None,
            }
        }
    }

    /// The next frame, which must be of the given type.
    pub async fn expect(&mut self, kind: &str) -> Value {
        let frame = self.next().await;
        assert_eq!(frame["type"], kind, "expected a {kind} frame, got {frame}");
        frame
    }

    /// Skips frames until one of the given type arrives.
    pub async fn wait_for(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Asserts that nothing arrives for a short while.
    pub async fn expect_silence(&mut self) {
        if let Ok(Some(Ok(Message::Text(text)))) =
            tokio::time::timeout(Duration::from_millis(300), self.inner.next()).await
        {
            panic!("expected no frame, got {text}");
        }
    }

    /// Joins a room and returns the member list.
    pub async fn join(&mut self, room_id: i64) -> Value {
        self.send(json!({ "type": "join_room", "room_id": room_id })).await;
        self.expect("room_users_list").await
    }

    /// Sends a message and returns the stored copy that comes back.
    pub async fn say(&mut self, room_id: i64, content: &str) -> Value {
        self.send(json!({ "type": "send_message", "room_id": room_id, "content": content })).await;
        self.wait_for("new_message").await["message"].clone()
    }

    /// Asserts that the connection is open and served: a ping gets its pong.
    pub async fn expect_served(&mut self) {
        self.send(json!({ "type": "ping" })).await;
        self.wait_for("pong").await;
    }

    /// Reads frames until the server closes the socket; returns the close code.
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(FRAME_WAIT, self.inner.next()).await.expect("closes in time") {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code.into()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.inner.close(None).await;
    }
}
