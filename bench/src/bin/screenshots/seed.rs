//! Plays `conversation.rs` into the demo server the way people would: registering through the
//! form, creating rooms with `POST /api/rooms`, and sending every message from its author's own
//! WebSocket. Then moves the messages to their times (`DemoServer::backdate`), and keeps the
//! `ONLINE` people connected — one of them typing — until the pictures are taken.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use discock::auth::SESSION_COOKIE;
use discock_bench::api;

use crate::conversation::{CONVERSATION, ONLINE, PASSWORD, PEOPLE, ROOMS, TYPING, VIEWER};
use crate::scene::Scene;
use crate::server::DemoServer;

/// How long the server may take to answer a frame.
const FRAME_WAIT: Duration = Duration::from_secs(10);
/// The server passes on one `typing` per user and room every 2 s and the page shows it for about
/// 5 s: a little over 2 s keeps the line on screen without a gap.
const TYPING_EVERY: Duration = Duration::from_millis(2_200);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the pictures need from the seeded demo.
pub struct Demo {
    /// The viewer's session, for the chat pictures' browser.
    pub viewer_session: String,
    /// The default room's name, as the page's header shows it.
    pub room_name: String,
    /// How many people the default room's member list shows, the viewer included.
    pub online: usize,
    /// The sockets kept open for the pictures; `leave` closes them.
    presence: Presence,
}

impl Demo {
    /// Closes the `ONLINE` people's sockets.
    pub async fn leave(self) {
        self.presence.stop().await;
    }
}

/// Registers everyone, creates the rooms, sends the conversation, and connects `ONLINE`.
pub async fn play(server: &DemoServer, scene: &Scene) -> Result<Demo, String> {
    let http = api::client()?;
    let base = server.origin();
    let mut sessions = HashMap::new();
    for person in &PEOPLE {
        let session = api::register_with(&http, &base, person.name, PASSWORD, person.city).await?;
        sessions.insert(person.name, session);
    }
    let session_of = |name: &str| sessions.get(name).cloned().ok_or_else(|| format!("{name} is not registered"));
    let room = default_room(&http, &base, &session_of(VIEWER)?).await?;
    for extra in &ROOMS {
        api::create_described_room(&http, &base, &session_of(extra.created_by)?, extra.name, extra.description).await?;
    }

    // Everyone who speaks joins the default room on a socket of their own.
    let mut talkers = HashMap::new();
    for line in CONVERSATION {
        if !talkers.contains_key(line.from) {
            let talker = Talker::join(server, &session_of(line.from)?, room.id, line.from).await?;
            talkers.insert(line.from, talker);
        }
    }
    let mut times = Vec::with_capacity(CONVERSATION.len());
    for (n, line) in CONVERSATION.iter().enumerate() {
        let talker = talkers.get_mut(line.from).expect("joined above");
        let id = talker.say(line.text, &format!("demo-{n}")).await?;
        times.push((id, scene.instant(line.day, line.at)));
    }
    // Replies and reactions go here, once the protocol has them (see conversation.rs).
    drop(talkers);
    server.backdate(&times)?;

    let mut online = Vec::new();
    for name in ONLINE {
        online.push(Talker::join(server, &session_of(name)?, room.id, name).await?);
    }
    Ok(Demo {
        viewer_session: session_of(VIEWER)?,
        room_name: room.name,
        online: ONLINE.len() + 1,
        presence: Presence::start(online),
    })
}

/// The default room: `GET /api/rooms` lists it first.
struct DefaultRoom {
    id: i64,
    name: String,
}

async fn default_room(http: &reqwest::Client, base: &str, session: &str) -> Result<DefaultRoom, String> {
    let rooms: Value = http
        .get(format!("{base}/api/rooms"))
        .header("cookie", format!("{SESSION_COOKIE}={session}"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("GET /api/rooms: {e}"))?
        .json()
        .await
        .map_err(|e| format!("GET /api/rooms: {e}"))?;
    match (rooms[0]["id"].as_i64(), rooms[0]["name"].as_str()) {
        (Some(id), Some(name)) => Ok(DefaultRoom { id, name: name.to_owned() }),
        _ => Err(format!("GET /api/rooms: no default room in {rooms}")),
    }
}

/// One person's WebSocket, joined to the default room.
struct Talker {
    ws: Ws,
    room: i64,
    name: &'static str,
}

impl Talker {
    async fn join(server: &DemoServer, session: &str, room: i64, name: &'static str) -> Result<Talker, String> {
        let failed = |e: &dyn std::fmt::Display| format!("{name}'s WebSocket: {e}");
        let mut request = format!("ws://{}/ws", server.addr()).into_client_request().map_err(|e| failed(&e))?;
        let cookie = HeaderValue::from_str(&format!("{SESSION_COOKIE}={session}")).map_err(|e| failed(&e))?;
        request.headers_mut().insert("cookie", cookie);
        let origin = HeaderValue::from_str(&server.origin()).map_err(|e| failed(&e))?;
        request.headers_mut().insert("origin", origin);
        let (ws, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| failed(&e))?;
        let mut talker = Talker { ws, room, name };
        talker.send(json!({ "type": "join_room", "room_id": room })).await?;
        talker.expect("room_users_list", |_| true).await?;
        Ok(talker)
    }

    /// Sends `text` and waits until it is stored; returns the message's id.
    async fn say(&mut self, text: &str, client_id: &str) -> Result<i64, String> {
        self.send(json!({ "type": "send_message", "room_id": self.room, "content": text, "client_id": client_id }))
            .await?;
        let stored = self.expect("new_message", |f| f["message"]["client_id"] == client_id).await?;
        stored["message"]["id"].as_i64().ok_or_else(|| format!("{}: new_message without an id: {stored}", self.name))
    }

    async fn send(&mut self, frame: Value) -> Result<(), String> {
        self.ws.send(Message::text(frame.to_string())).await.map_err(|e| format!("{}: sending: {e}", self.name))
    }

    /// Reads frames until one of type `kind` that `matches`; an `error` frame fails.
    async fn expect(&mut self, kind: &str, matches: impl Fn(&Value) -> bool) -> Result<Value, String> {
        let name = self.name;
        let read = async {
            while let Some(message) = self.ws.next().await {
                let message = message.map_err(|e| format!("{name}: reading: {e}"))?;
                let Message::Text(text) = message else { continue };
                let frame: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}: {text}"))?;
                if frame["type"] == "error" {
                    return Err(format!("{name}: the server refused a frame: {frame}"));
                }
                if frame["type"] == kind && matches(&frame) {
                    return Ok(frame);
                }
            }
            Err(format!("{name}: the server closed the socket while waiting for {kind}"))
        };
        tokio::time::timeout(FRAME_WAIT, read).await.map_err(|_| format!("{name}: no {kind} within {FRAME_WAIT:?}"))?
    }
}

/// The `ONLINE` people's sockets, read (so pings are answered) until stopped; `TYPING` keeps
/// sending `typing`.
struct Presence {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Presence {
    fn start(talkers: Vec<Talker>) -> Presence {
        let (stop, stopped) = watch::channel(false);
        let tasks = talkers.into_iter().map(|talker| tokio::spawn(stay(talker, stopped.clone()))).collect();
        Presence { stop, tasks }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Keeps one socket open (and typing, for `TYPING`) until `stop`, then closes it.
async fn stay(mut talker: Talker, mut stop: watch::Receiver<bool>) {
    let mut typing = tokio::time::interval(TYPING_EVERY);
    let types = talker.name == TYPING;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = typing.tick(), if types => {
                let frame = json!({ "type": "typing", "room_id": talker.room });
                if let Err(e) = talker.send(frame).await {
                    eprintln!("screenshots: {e}");
                    return;
                }
            }
            frame = talker.ws.next() => match frame {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    eprintln!("screenshots: {}'s socket failed: {e}", talker.name);
                    return;
                }
                None => {
                    eprintln!("screenshots: the server closed {}'s socket", talker.name);
                    return;
                }
            },
        }
    }
    let _ = talker.ws.close(None).await;
}
