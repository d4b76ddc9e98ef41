//! What the server writes to its log, as an operator ships it: the real binary runs as a child
//! process with `LOG_FORMAT=json` and `RUST_LOG=debug`, goes through every path that handles a
//! secret or what people write, and then all of its output is read: every line is JSON, every
//! request's lines carry its id (and, once signed in, the user), and no password, token, database
//! password, message or search word appears anywhere.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{both_backends, cookie_value, csrf_in, unique_name, Backend, TestDatabase, FRAME_WAIT};

/// A random token no code path could print by chance.
fn secret(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// The server binary running as a child, with everything it writes to stdout and stderr.
struct Server {
    child: Child,
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts the binary on a free port of 127.0.0.1 with `database_url`, and waits for the
    /// line that says where it listens.
    async fn start(database_url: &str, dir: &std::path::Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_discock"))
            .env_clear()
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("DATABASE_URL", database_url)
            .env("DATABASE_POOL_SIZE", "4")
            .env("SECRET_KEY", "logs-test-secret-logs-test-secret-0000")
            .env("BCRYPT_COST", "4")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "debug")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let readers = [Box::new(stdout) as Box<dyn std::io::Read + Send>, Box::new(stderr)]
            .into_iter()
            .map(|stream| {
                let lines = lines.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(stream).lines() {
                        let Ok(line) = line else { break };
                        lines.lock().unwrap().push(line);
                    }
                })
            })
            .collect();
        let started = Instant::now();
        let addr = loop {
            let listening = lines.lock().unwrap().iter().find_map(|line| {
                let line: Value = serde_json::from_str(line).ok()?;
                (line["message"] == "listening").then(|| line["addr"].as_str().map(str::to_owned)).flatten()
            });
            if let Some(addr) = listening {
                break addr;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the server exited ({status}): {:#?}", lines.lock().unwrap());
            }
            assert!(started.elapsed() < Duration::from_secs(30), "no `listening` line within 30 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        Server { child, base: format!("http://{addr}"), lines, readers }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server with SIGTERM and returns every line it wrote.
    fn stop(mut self) -> Vec<String> {
        let sent = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        std::mem::take(&mut *self.lines.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The `X-Request-Id` an answer carries.
fn request_id(response: &Response) -> String {
    response.headers().get("x-request-id").expect("every answer has X-Request-Id").to_str().unwrap().to_owned()
}

/// Everything the scenario must keep out of the log, and the ids of the requests whose lines
/// must name the signed-in user.
#[derive(Default)]
struct Scenario {
    secrets: Vec<(&'static str, String)>,
    signed_in: Vec<String>,
    user_id: i64,
}

impl Scenario {
    fn keep(&mut self, what: &'static str, value: &str) {
        self.secrets.push((what, value.to_owned()));
    }
}

/// A form page's CSRF token (and the cookie it is derived from, both secrets).
async fn form_token(server: &Server, client: &Client, page: &str, scenario: &mut Scenario) -> String {
    let response = client.get(server.url(page)).send().await.unwrap();
    if let Some(seed) = cookie_value(&response, "discock_csrf") {
        scenario.keep("CSRF cookie", &seed);
    }
    let token = csrf_in(&response.text().await.unwrap()).expect("the page has a CSRF token");
    scenario.keep("CSRF token", &token);
    token
}

/// Registers `username` from `client`; the session token.
async fn register(server: &Server, client: &Client, username: &str, password: &str, s: &mut Scenario) -> String {
    let token = form_token(server, client, "/register", s).await;
    let form = [
        ("username", username),
        ("password", password),
        ("password_confirm", password),
        ("city", "Тула"),
        ("csrf_token", &token),
    ];
    let response = client.post(server.url("/register")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "registration succeeds");
    let session = cookie_value(&response, "discock_session").expect("a session cookie");
    s.keep("session cookie", &session);
    session
}

/// Reads frames until one of type `kind`.
async fn wait_for<S>(socket: &mut S, kind: &str) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(FRAME_WAIT, socket.next()).await.expect("a frame in time").unwrap().unwrap();
        if let Message::Text(text) = message {
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            if frame["type"] == kind {
                return frame;
            }
        }
    }
}

/// Registers two people, fails a login, logs in, opens a WebSocket, posts, edits, writes a direct
/// message, searches, changes the password and logs out: every path that handles a secret.
async fn run_scenario(server: &Server, s: &mut Scenario) {
    let (anna, boris) = (unique_name("anna"), unique_name("boris"));
    let (password, new_password, boris_password) = (secret("pw-old-"), secret("pw-new-"), secret("pw-b-"));
    let wrong_password = secret("pw-wrong-");
    for (what, value) in [
        ("password", &password),
        ("new password", &new_password),
        ("second user's password", &boris_password),
        ("wrong password", &wrong_password),
    ] {
        s.keep(what, value);
    }
    let (first_browser, boris_browser, browser) = (client(), client(), client());
    register(server, &first_browser, &anna, &password, s).await;
    register(server, &boris_browser, &boris, &boris_password, s).await;
    let boris_id = boris_browser.get(server.url("/api/me")).send().await.unwrap().json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    // A failed login, then the real one.
    let token = form_token(server, &browser, "/login", s).await;
    let failed = [("username", anna.as_str()), ("password", &wrong_password), ("csrf_token", &token)];
    let response = browser.post(server.url("/login")).form(&failed).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let login = [("username", anna.as_str()), ("password", &password), ("csrf_token", &token)];
    let response = browser.post(server.url("/login")).form(&login).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login succeeds");
    let session = cookie_value(&response, "discock_session").expect("a session cookie");
    s.keep("session cookie", &session);
    s.signed_in.push(request_id(&response));

    // An id of the client's own is echoed and used; a bearer token is never logged.
    let bearer = secret("bearer-");
    s.keep("Authorization header", &bearer);
    let response = browser
        .get(server.url("/api/me"))
        .header("x-request-id", "edge-7.probe")
        .header("authorization", format!("Bearer {bearer}"))
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&response), "edge-7.probe", "a sane incoming id is kept");
    s.signed_in.push(request_id(&response));
    s.user_id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let response = browser.get(server.url("/api/rooms")).header("x-request-id", "bad id").send().await.unwrap();
    assert_ne!(request_id(&response), "bad id", "an id with a space is replaced");
    s.signed_in.push(request_id(&response));
    let room = response.json::<Value>().await.unwrap()[0]["id"].as_i64().unwrap();

    // The WebSocket: a room message, its edit and a direct message.
    let mut request = format!("{}/ws", server.base.replace("http://", "ws://")).into_client_request().unwrap();
    request.headers_mut().insert("cookie", HeaderValue::from_str(&format!("discock_session={session}")).unwrap());
    request.headers_mut().insert("origin", HeaderValue::from_str(&server.base).unwrap());
    let (mut socket, upgrade) = tokio_tungstenite::connect_async(request).await.expect("upgrade succeeds");
    s.signed_in.push(upgrade.headers()["x-request-id"].to_str().unwrap().to_owned());
    wait_for(&mut socket, "connected").await;
    let search_word = format!("zz{}", uuid::Uuid::new_v4().simple());
    let (text, edited, direct) = (secret("room-text-"), secret("edited-text-"), secret("dm-text-"));
    s.keep("room message", &text);
    s.keep("edited message", &edited);
    s.keep("direct message", &direct);
    s.keep("search word", &search_word);
    let send = |frame: Value| Message::text(frame.to_string());
    socket.send(send(json!({ "type": "join_room", "room_id": room }))).await.unwrap();
    wait_for(&mut socket, "room_users_list").await;
    let content = format!("{text} {search_word}");
    socket.send(send(json!({ "type": "send_message", "room_id": room, "content": content }))).await.unwrap();
    let posted = wait_for(&mut socket, "new_message").await["message"]["id"].clone();
    socket.send(send(json!({ "type": "edit_message", "message_id": posted, "content": edited }))).await.unwrap();
    wait_for(&mut socket, "message_updated").await;
    let response = browser.post(server.url("/api/dms")).json(&json!({ "user_id": boris_id })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    s.signed_in.push(request_id(&response));
    let dm = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    socket.send(send(json!({ "type": "join_room", "room_id": dm }))).await.unwrap();
    wait_for(&mut socket, "room_users_list").await;
    socket.send(send(json!({ "type": "send_message", "room_id": dm, "content": direct }))).await.unwrap();
    wait_for(&mut socket, "new_message").await;

    // A search, a password change and the logout.
    let response = browser.get(server.url(&format!("/api/search?q={search_word}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    s.signed_in.push(request_id(&response));
    let change = json!({ "current": password, "new": new_password });
    let response = browser.post(server.url("/api/me/password")).json(&change).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    s.signed_in.push(request_id(&response));
    let token = form_token(server, &browser, "/chat", s).await;
    let response = browser.post(server.url("/logout")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    s.signed_in.push(request_id(&response));
    // The logout closes the socket; wait for it, so its last lines are written.
    while let Ok(Some(Ok(message))) = tokio::time::timeout(FRAME_WAIT, socket.next()).await {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}

/// The fields of a line's `request` span, if it was written inside one.
fn request_span(line: &Value) -> Option<&Value> {
    line["spans"].as_array()?.iter().find(|span| span["name"] == "request")
}

both_backends!(async fn logs_are_json_lines_with_request_and_user_ids_and_never_a_secret_or_a_message);
async fn logs_are_json_lines_with_request_and_user_ids_and_never_a_secret_or_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::create(Backend::current());
    let mut scenario = Scenario::default();
    let database_url = match &database {
        TestDatabase::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
        // The server trusts local connections, so the password is ignored; it must still never
        // be printed.
        TestDatabase::Postgres { url, .. } => {
            let db_password = secret("dbpw");
            scenario.keep("database password", &db_password);
            let mut url = url::Url::parse(url).unwrap();
            url.set_username("postgres").unwrap();
            url.set_password(Some(&db_password)).unwrap();
            url.into()
        }
    };
    let server = Server::start(&database_url, dir.path()).await;

    run_scenario(&server, &mut scenario).await;
    let lines = server.stop();

    let output = lines.join("\n");
    for (what, value) in &scenario.secrets {
        if let Some(line) = lines.iter().find(|line| line.contains(value.as_str())) {
            panic!("the {what} appears in the log: {line}");
        }
    }
    let parsed: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect();
    assert!(parsed.iter().all(Value::is_object), "every line is an object:\n{output}");

    let finished: Vec<&Value> = parsed.iter().filter(|line| line["message"] == "request finished").collect();
    assert!(finished.len() >= 16, "a line for each of the 16 requests:\n{output}");
    for line in &finished {
        let span = request_span(line).unwrap_or_else(|| panic!("a request's last line is in its span: {line}"));
        assert!(span["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{line}");
        assert!(span["method"].is_string() && line["status"].is_u64() && line["duration_ms"].is_number(), "{line}");
        assert!(span["path"].as_str().is_some_and(|path| path.starts_with('/') && !path.contains('?')), "{line}");
    }
    for line in parsed.iter().filter_map(request_span) {
        assert!(line["request_id"].is_string(), "every line inside a request has its id: {line}");
    }
    for id in &scenario.signed_in {
        let line = finished
            .iter()
            .find(|line| request_span(line).is_some_and(|span| span["request_id"] == id.as_str()))
            .unwrap_or_else(|| panic!("request {id} has its line:\n{output}"));
        assert_eq!(request_span(line).unwrap()["user_id"], scenario.user_id, "signed in: {line}");
    }
    let connected = parsed
        .iter()
        .find(|line| line["message"] == "connected" && line["span"]["name"] == "ws")
        .unwrap_or_else(|| panic!("the WebSocket says it connected, in its span:\n{output}"));
    assert_eq!(connected["span"]["user_id"], scenario.user_id, "{connected}");
    assert!(connected["span"]["conn"].is_u64(), "{connected}");
}

#[test]
fn an_unknown_log_format_stops_the_server_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_discock"))
        .env_clear()
        .env("LOG_FORMAT", "xml")
        .env("PORT", "0")
        .env("DATABASE_URL", format!("sqlite://{}/never.db", dir.path().display()))
        .current_dir(dir.path())
        .output()
        .expect("the server binary runs");
    assert!(!output.status.success(), "refused: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LOG_FORMAT") && stderr.contains("xml"), "{stderr}");
    assert!(!dir.path().join("never.db").exists(), "nothing was started");
}
