//! Drives the reference server (`discock-ref`) over real WebSockets: two clients in one room both
//! get a message one of them sent, a client in another room does not, and ping gets pong.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The running server, killed when the test ends however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server on a free port and returns it with its address, read from its first line.
fn start() -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_discock-ref"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("discock-ref starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout")).read_line(&mut line).expect("first line");
    let addr = line.trim().strip_prefix("listening on ").expect("listening line").to_owned();
    (Server(child), addr)
}

async fn connect(addr: &str) -> Client {
    tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.expect("upgrade").0
}

async fn send(client: &mut Client, frame: Value) {
    client.send(Message::Text(frame.to_string().into())).await.expect("send");
}

/// The next text frame as JSON, failing after two seconds.
async fn next(client: &mut Client) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(2), client.next())
            .await
            .expect("a frame within 2 s")
            .expect("socket open")
            .expect("frame reads");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON frame");
        }
    }
}

#[tokio::test]
async fn room_broadcast_reaches_everyone_in_the_room_and_no_one_else() {
    let (_server, addr) = start();
    let (mut a, mut b, mut c) = (connect(&addr).await, connect(&addr).await, connect(&addr).await);
    for (client, room) in [(&mut a, 7), (&mut b, 7), (&mut c, 8)] {
        send(client, json!({"type": "join_room", "room_id": room})).await;
        assert_eq!(next(client).await, json!({"type": "room_users_list", "room_id": room, "users": []}));
    }

    send(&mut a, json!({"type": "send_message", "room_id": 7, "content": "привет", "client_id": "c-1"})).await;
    let (got_a, got_b) = (next(&mut a).await, next(&mut b).await);
    assert_eq!(got_a, got_b, "one frame shared by the room");
    assert_eq!(got_a["type"], "new_message");
    let message = &got_a["message"];
    assert_eq!(message["id"], 1);
    assert_eq!(message["room_id"], 7);
    assert_eq!(message["content"], "привет");
    assert_eq!(message["client_id"], "c-1");
    assert_eq!(message["user"], json!({"id": 0, "username": "ref", "city": "ref"}));
    let created_at = message["created_at"].as_str().expect("created_at is a string");
    assert!(created_at.len() == 27 && created_at.ends_with('Z') && created_at.as_bytes()[10] == b'T', "{created_at}");

    send(&mut b, json!({"type": "send_message", "room_id": 7, "content": "второе"})).await;
    for client in [&mut a, &mut b] {
        let frame = next(client).await;
        assert_eq!(frame["message"]["id"], 2);
        assert_eq!(frame["message"]["client_id"], Value::Null);
    }

    // The room-8 client got nothing of room 7: its next frame is the answer to its own ping.
    send(&mut c, json!({"type": "ping"})).await;
    assert_eq!(next(&mut c).await, json!({"type": "pong"}));

    // After leaving, a client gets no more of the room.
    send(&mut b, json!({"type": "leave_room", "room_id": 7})).await;
    send(&mut b, json!({"type": "ping"})).await;
    assert_eq!(next(&mut b).await, json!({"type": "pong"}));
    send(&mut a, json!({"type": "send_message", "room_id": 7, "content": "третье"})).await;
    assert_eq!(next(&mut a).await["message"]["id"], 3);
    send(&mut b, json!({"type": "ping"})).await;
    assert_eq!(next(&mut b).await, json!({"type": "pong"}));
}
