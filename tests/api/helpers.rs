//! Test harness: `spawn_app`, `TestUser` and `Socket`, so tests read as arrange / act / assert.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use discock::{App, Config};
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

/// A running server and the folder its database lives in.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db_path: PathBuf,
    dir: Arc<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// Starts the app on a free port with a new SQLite database.
pub async fn spawn_app() -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let path = dir.path().join("data").join("discock.db");
    spawn_app_with(dir, path, &[]).await
}

/// Starts the app with extra environment variables.
pub async fn spawn_app_with_env(env: &[(&str, &str)]) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let path = dir.path().join("discock.db");
    spawn_app_with(dir, path, env).await
}

async fn spawn_app_with(dir: Arc<tempfile::TempDir>, db_path: PathBuf, env: &[(&str, &str)]) -> TestApp {
    let url = format!("sqlite://{}", db_path.display());
    let mut vars: Vec<(String, String)> = vec![
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("DATABASE_URL".into(), url),
        ("BCRYPT_COST".into(), "4".into()),
        ("SECRET_KEY".into(), "test-secret-test-secret-test-secret-000".into()),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| vars.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
        .expect("test config is valid");
    let app = App::build(config).await.expect("app starts");
    let addr = app.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp { addr, db_path, dir, stop: Some(stop), server: Some(server) }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and starts a new one on the same database file.
    pub async fn restart(mut self) -> TestApp {
        self.shutdown().await;
        let dir = self.dir.clone();
        spawn_app_with(dir, self.db_path.clone(), &[]).await
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

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client.post(format!("{}{path}", self.base)).json(body).send().await.unwrap()
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
