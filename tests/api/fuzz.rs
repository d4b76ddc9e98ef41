//! Generated and mutated input through the real server: text frames into a joined WebSocket,
//! bodies into the registration and login forms. Whatever arrives gets an answer, and never a
//! server error or a dropped connection. The inputs are drawn from `proptest` strategies with a
//! fresh seed each run (no shrinking here: a failure names the input that caused it).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

/// Inputs per test: enough to reach odd corners, few enough to keep `cargo test` quick.
const CASES: usize = 250;

/// `n` values drawn from `strategy`.
fn samples<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::default();
    (0..n).map(|_| strategy.new_tree(&mut runner).expect("a value is generated").current()).collect()
}

/// `text` with a few bytes replaced, inserted or deleted, read back lossily as UTF-8.
fn mutate(text: String) -> impl Strategy<Value = String> {
    let edit = (any::<prop::sample::Index>(), any::<u8>(), 0..3u8);
    prop::collection::vec(edit, 1..5).prop_map(move |edits| {
        let mut bytes = text.clone().into_bytes();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len().max(1));
            match op {
                0 if !bytes.is_empty() => bytes[i] = byte,
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ if !bytes.is_empty() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Text frames: random text, and frames of every type (aimed at the joined room or not)
/// mutated a little.
fn text_frames(room: i64) -> impl Strategy<Value = String> {
    let room_id = prop_oneof![Just(room), any::<i64>()];
    let frame = prop_oneof![
        Just(json!({ "type": "ping" })),
        (room_id.clone(), prop::option::of(-2i64..5))
            .prop_map(|(room, since)| json!({ "type": "join_room", "room_id": room, "since": since })),
        room_id.clone().prop_map(|room| json!({ "type": "typing", "room_id": room })),
        room_id.clone().prop_map(|room| json!({ "type": "leave_room", "room_id": room })),
        (room_id, ".{0,40}", prop::option::of(".{0,12}")).prop_map(|(room, content, id)| {
            json!({ "type": "send_message", "room_id": room, "content": content, "client_id": id })
        }),
    ]
    .prop_map(|frame| frame.to_string());
    prop_oneof![
        1 => any::<String>(),
        1 => frame.clone(),
        3 => frame.prop_flat_map(mutate),
    ]
}

both_backends!(async fn any_text_frame_is_answered_and_leaves_the_socket_open);
async fn any_text_frame_is_answered_and_leaves_the_socket_open() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut a = anna.connect(&app).await;
    a.join(room).await;

    for text in samples(text_frames(room), CASES) {
        a.send_raw(Message::text(text.clone())).await;
        // Frames are handled in order, so the pong comes after whatever `text` caused; a
        // socket that closed or a task that panicked never sends it.
        a.send(json!({ "type": "ping" })).await;
        loop {
            let frame = a.next().await;
            assert!(frame["type"].is_string(), "after {text:?}: {frame}");
            if frame["type"] == "error" {
                assert_ne!(frame["code"], "server_error", "after {text:?}: {frame}");
            }
            if frame["type"] == "pong" {
                break;
            }
        }
    }
}

/// Form bodies: random bytes, and forms of the fields the pages read (with the right CSRF
/// token, a wrong one or none) whose values are random, then perhaps mutated.
fn form_bodies(csrf_token: String) -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        Just("username"),
        Just("password"),
        Just("password_confirm"),
        Just("city"),
        Just("csrf_token"),
        Just("x"),
    ];
    let value = prop_oneof![".{0,40}", "[a-zA-Z0-9_]{3,12}", Just(csrf_token.clone())];
    let form = prop::collection::vec((name, value), 0..8)
        .prop_map(|fields| serde_urlencoded::to_string(&fields).expect("pairs of strings encode"));
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..200),
        2 => form.clone().prop_map(String::into_bytes),
        2 => form.prop_flat_map(mutate).prop_map(String::into_bytes),
    ]
}

both_backends!(async fn any_registration_or_login_body_is_answered_without_a_server_error);
async fn any_registration_or_login_body_is_answered_without_a_server_error() {
    let app = spawn_app().await;
    let client = app.client();
    let token = app.csrf_token(&client, "/register").await;

    for (i, body) in samples(form_bodies(token), CASES).into_iter().enumerate() {
        let page = if i % 2 == 0 { "/register" } else { "/login" };
        let response = client
            .post(app.url(page))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{page} with {}: no answer: {e}", String::from_utf8_lossy(&body)));
        let status = response.status();
        assert!(
            [
                StatusCode::SEE_OTHER,
                StatusCode::BAD_REQUEST,
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::CONFLICT
            ]
            .contains(&status),
            "{page} with {}: {status}",
            String::from_utf8_lossy(&body)
        );
    }
}
