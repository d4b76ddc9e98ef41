//! Unread state: marking a room read over the socket, the user's other devices hearing the new
//! counts (on this instance and, through Redis, on another), the marker never moving back, the
//! counts themselves, and `GET /api/read_state`.

use serde_json::{json, Value};

use crate::helpers::*;

/// One user on two devices and another user, all in a room the first one created; the second
/// device has not joined it (the news is about the user, not the room).
struct Devices {
    anna: TestUser,
    boris: TestUser,
    /// Anna's first device, joined to the room.
    phone: Socket,
    /// Anna's second device, connected but in no room.
    laptop: Socket,
    boris_ws: Socket,
    room: i64,
}

async fn anna_on_two_devices_and_boris(app: &TestApp) -> Devices {
    let anna = TestUser::register(app).await;
    let boris = TestUser::register(app).await;
    let room = anna.create_room(&unique_name("читальня")).await["id"].as_i64().unwrap();
    let mut phone = anna.connect(app).await;
    phone.join(room).await;
    let laptop = anna.another_device(app).await.connect(app).await;
    let mut boris_ws = boris.connect(app).await;
    boris_ws.join(room).await;
    phone.wait_for("joined_room").await;
    Devices { anna, boris, phone, laptop, boris_ws, room }
}

/// Boris says `content`; returns the stored message once Anna's phone has it too.
async fn boris_says(d: &mut Devices, content: &str) -> Value {
    let message = d.boris_ws.say(d.room, content).await;
    loop {
        let frame = d.phone.wait_for("new_message").await;
        if frame["message"]["id"] == message["id"] {
            return message;
        }
    }
}

fn mark_read(room: i64, message: &Value) -> Value {
    json!({ "type": "mark_read", "room_id": room, "message_id": message["id"] })
}

/// `GET /api/read_state` for `user`, as a map from room id to its entry.
async fn read_states(user: &TestUser) -> std::collections::HashMap<i64, Value> {
    let response = user.get("/api/read_state").await;
    assert_eq!(response.status(), 200);
    let states: Vec<Value> = response.json().await.unwrap();
    states.into_iter().map(|s| (s["room_id"].as_i64().unwrap(), s)).collect()
}

both_backends!(async fn marking_a_room_read_tells_the_users_other_devices_and_nobody_else);
async fn marking_a_room_read_tells_the_users_other_devices_and_nobody_else() {
    let app = spawn_app().await;
    let mut d = anna_on_two_devices_and_boris(&app).await;
    let first = boris_says(&mut d, "раз").await;
    boris_says(&mut d, "два").await;

    d.phone.send(mark_read(d.room, &first)).await;

    let frame = d.laptop.wait_for("read_state").await;
    assert_eq!(
        frame,
        json!({ "type": "read_state", "room_id": d.room, "last_read_id": first["id"], "unread": 1, "mentions": 0 })
    );
    d.phone.expect_silence().await;
    d.boris_ws.expect_silence().await;
    d.laptop.expect_silence().await;
}

both_backends!(async fn a_read_marker_never_moves_backwards);
async fn a_read_marker_never_moves_backwards() {
    let app = spawn_app().await;
    let mut d = anna_on_two_devices_and_boris(&app).await;
    let first = boris_says(&mut d, "раз").await;
    let second = boris_says(&mut d, "два").await;
    d.phone.send(mark_read(d.room, &second)).await;
    assert_eq!(d.laptop.wait_for("read_state").await["last_read_id"], second["id"]);

    d.phone.send(mark_read(d.room, &first)).await;
    d.phone.send(mark_read(d.room, &second)).await;

    d.laptop.expect_silence().await;
    d.phone.expect_silence().await;
    assert_eq!(read_states(&d.anna).await[&d.room]["last_read_id"], second["id"]);
}

both_backends!(async fn unread_counts_leave_out_own_and_deleted_messages_and_count_mentions);
async fn unread_counts_leave_out_own_and_deleted_messages_and_count_mentions() {
    let app = spawn_app().await;
    let mut d = anna_on_two_devices_and_boris(&app).await;
    let default_room = app.default_room(&d.anna).await;
    let anna = d.anna.username.clone();
    let first = boris_says(&mut d, "раз").await;
    let mention = boris_says(&mut d, &format!("@{anna} два")).await;
    d.phone.say(d.room, &format!("своё, @{anna}")).await;
    d.boris_ws.wait_for("new_message").await;
    let gone = boris_says(&mut d, &format!("@{anna} три")).await;
    d.boris_ws.send(json!({ "type": "delete_message", "message_id": gone["id"] })).await;
    d.phone.wait_for("message_deleted").await;
    let last = boris_says(&mut d, "четыре").await;

    let before = read_states(&d.anna).await;
    assert_eq!(
        before[&d.room],
        json!({ "room_id": d.room, "last_read_id": 0, "unread": 3, "mentions": 1 }),
        "never marked: all of boris's live messages"
    );
    assert_eq!(before[&default_room]["last_read_id"], 0, "every room is listed");
    assert_eq!(read_states(&d.boris).await[&d.room]["unread"], 1, "anna's one message is unread for boris");

    d.phone.send(mark_read(d.room, &first)).await;
    let frame = d.laptop.wait_for("read_state").await;
    assert_eq!((frame["unread"].as_i64(), frame["mentions"].as_i64()), (Some(2), Some(1)));
    d.phone.send(mark_read(d.room, &mention)).await;
    let frame = d.laptop.wait_for("read_state").await;
    assert_eq!((frame["unread"].as_i64(), frame["mentions"].as_i64()), (Some(1), Some(0)));
    d.phone.send(mark_read(d.room, &last)).await;
    d.laptop.wait_for("read_state").await;

    let after = read_states(&d.anna).await;
    assert_eq!(after[&d.room], json!({ "room_id": d.room, "last_read_id": last["id"], "unread": 0, "mentions": 0 }));
    assert_eq!(read_states(&d.boris).await[&d.room]["last_read_id"], 0, "anna's marker is hers alone");
}

both_backends!(async fn marking_read_needs_a_joined_room_and_a_live_message_of_it);
async fn marking_read_needs_a_joined_room_and_a_live_message_of_it() {
    let app = spawn_app().await;
    let mut d = anna_on_two_devices_and_boris(&app).await;
    let message = boris_says(&mut d, "раз").await;
    let gone = boris_says(&mut d, "два").await;
    d.boris_ws.send(json!({ "type": "delete_message", "message_id": gone["id"] })).await;
    d.phone.wait_for("message_deleted").await;
    let elsewhere = d.anna.create_room(&unique_name("другая")).await["id"].as_i64().unwrap();

    d.laptop.send(mark_read(d.room, &message)).await;
    assert_eq!(d.laptop.wait_for("error").await["code"], "not_joined");
    d.phone.send(json!({ "type": "join_room", "room_id": elsewhere })).await;
    d.phone.wait_for("room_users_list").await; // after `room_created`
    d.phone.send(mark_read(elsewhere, &message)).await;
    assert_eq!(d.phone.wait_for("error").await["code"], "message_not_found", "a message of another room");
    d.phone.send(mark_read(d.room, &gone)).await;
    assert_eq!(d.phone.wait_for("error").await["code"], "message_not_found", "a deleted message");
    d.phone.send(json!({ "type": "mark_read", "room_id": d.room, "message_id": 999_999_999 })).await;
    assert_eq!(d.phone.wait_for("error").await["code"], "message_not_found", "no such message");

    d.laptop.expect_silence().await;
    let states = read_states(&d.anna).await;
    assert_eq!(
        (states[&d.room]["last_read_id"].as_i64(), states[&elsewhere]["last_read_id"].as_i64()),
        (Some(0), Some(0))
    );
}

both_backends!(async fn reading_the_read_state_needs_a_session);
async fn reading_the_read_state_needs_a_session() {
    let app = spawn_app().await;
    let response = app.client().get(app.url("/api/read_state")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_device_on_another_instance_hears_the_read_state_through_redis() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&a).await;
            let room = anna.create_room(&unique_name("между")).await["id"].as_i64().unwrap();
            // `room_created` comes back through Redis and may reach a socket opened after it.
            let join = json!({ "type": "join_room", "room_id": room });
            let mut on_a = anna.connect(&a).await;
            on_a.send(join.clone()).await;
            on_a.wait_for("room_users_list").await;
            let mut boris_ws = boris.connect(&a).await;
            boris_ws.send(join).await;
            boris_ws.wait_for("room_users_list").await;
            let mut on_b = anna.another_device(&b).await.connect(&b).await;
            let first = boris_ws.say(room, "раз").await;
            boris_ws.say(room, "два").await;
            on_a.wait_for("new_message").await;
            on_a.wait_for("new_message").await;

            on_a.send(mark_read(room, &first)).await;

            let frame = on_b.wait_for("read_state").await;
            assert_eq!(frame, json!({ "type": "read_state", "room_id": room, "last_read_id": first["id"], "unread": 1, "mentions": 0 }));
            on_a.expect_silence().await;
            boris_ws.expect_silence().await;
        })
        .await;
}
