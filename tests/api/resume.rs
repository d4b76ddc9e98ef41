//! The room event log as a client sees it: every logged frame carries the room's seq, a
//! history page says the seq it was read at, and a client that rejoins with `since` gets exactly
//! what it missed — in order, nothing twice, nothing missing — or is told to reload.

use serde_json::{json, Value};

use crate::helpers::*;

/// Reads frames until the logged event with seq `last` has arrived; returns the logged frames
/// (those with a `seq`) from here to it, and panics if one is out of order or repeated.
pub async fn logged_until(socket: &mut Socket, last: i64) -> Vec<Value> {
    let mut logged: Vec<Value> = Vec::new();
    loop {
        let frame = socket.next().await;
        let Some(seq) = frame["seq"].as_i64() else { continue };
        if let Some(previous) = logged.last().and_then(|f| f["seq"].as_i64()) {
            assert_eq!(seq, previous + 1, "seqs arrive one after another; got {frame} after {previous}");
        }
        logged.push(frame);
        if seq >= last {
            return logged;
        }
    }
}

fn seqs(frames: &[Value]) -> Vec<i64> {
    frames.iter().map(|f| f["seq"].as_i64().unwrap()).collect()
}

async fn room_seq_header(user: &TestUser, room: i64) -> i64 {
    let response = user.get(&format!("/api/messages/{room}")).await;
    assert_eq!(response.status(), 200);
    response.headers()["x-room-seq"].to_str().unwrap().parse().expect("X-Room-Seq is a number")
}

/// Sends `n` messages numbered from `from` and waits until the sender has them all back.
async fn send_many(socket: &mut Socket, room: i64, from: usize, n: usize) {
    for i in from..from + n {
        socket
            .send(json!({ "type": "send_message", "room_id": room, "content": format!("m{i}"), "client_id": format!("c{i}") }))
            .await;
    }
    let mut back = 0;
    while back < n {
        if socket.next().await["type"] == "new_message" {
            back += 1;
        }
    }
}

both_backends!(async fn every_logged_frame_carries_the_rooms_seq_and_a_page_says_where_it_was_read);
async fn every_logged_frame_carries_the_rooms_seq_and_a_page_says_where_it_was_read() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let room = anna.create_room("Счёт").await["id"].as_i64().unwrap();
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;
    assert_eq!(room_seq_header(&anna, room).await, 0, "a new room has no events yet");

    let first = socket.say(room, "раз").await;
    let renamed = anna.patch_json(&format!("/api/rooms/{room}"), &json!({ "name": "Счёт 2" })).await;
    assert_eq!(renamed.status(), 200);
    let update = socket.wait_for("room_updated").await;
    socket.send(json!({ "type": "send_message", "room_id": room, "content": "два" })).await;
    let second = socket.wait_for("new_message").await;
    let mut other = boris.connect(&app).await;
    other.join(room).await;
    let joined = socket.wait_for("joined_room").await;

    assert_eq!(first["seq"], Value::Null, "the seq is beside the message, not inside it");
    assert_eq!(update["seq"], 2);
    assert_eq!(update["room"]["name"], "Счёт 2");
    assert_eq!((second["seq"].as_i64(), second["message"]["content"].as_str()), (Some(3), Some("два")));
    assert!(joined.get("seq").is_none(), "presence is not logged: {joined}");
    assert_eq!(room_seq_header(&anna, room).await, 3);
}

both_backends!(async fn a_client_that_rejoins_with_since_gets_exactly_what_it_missed_in_order);
async fn a_client_that_rejoins_with_since_gets_exactly_what_it_missed_in_order() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let room = anna.create_room("Пропущенное").await["id"].as_i64().unwrap();
    let mut on_anna = anna.connect(&app).await;
    on_anna.join(room).await;
    let mut on_boris = boris.connect(&app).await;
    on_boris.join(room).await;
    on_anna.say(room, "до").await;
    let seen = on_boris.wait_for("new_message").await["seq"].as_i64().unwrap();
    on_boris.close().await;

    send_many(&mut on_anna, room, 1, 20).await;
    let renamed = anna.patch_json(&format!("/api/rooms/{room}"), &json!({ "description": "пока вас не было" })).await;
    assert_eq!(renamed.status(), 200);
    on_anna.say(room, "последнее").await;
    let mut back = boris.connect(&app).await;
    back.send(json!({ "type": "join_room", "room_id": room, "since": seen })).await;
    let list = back.expect("room_users_list").await;
    let missed = logged_until(&mut back, seen + 22).await;

    assert_eq!(list["room_id"], room);
    assert_eq!(seqs(&missed), (seen + 1..=seen + 22).collect::<Vec<_>>());
    let contents: Vec<&str> = missed[..20].iter().map(|f| f["message"]["content"].as_str().unwrap()).collect();
    assert_eq!(contents, (1..=20).map(|i| format!("m{i}")).collect::<Vec<_>>());
    assert!(missed[..20].iter().all(|f| f["type"] == "new_message"));
    assert_eq!(
        (missed[20]["type"].as_str(), missed[20]["room"]["description"].as_str()),
        (Some("room_updated"), Some("пока вас не было"))
    );
    assert_eq!(missed[21]["message"]["content"], "последнее");
    back.expect_silence().await;

    let live = on_anna.say(room, "снова вместе").await;
    let next = back.wait_for("new_message").await;
    assert_eq!(
        (next["message"].clone(), next["seq"].as_i64()),
        (live, Some(seen + 23)),
        "live events go on after the replay"
    );
}

both_backends!(async fn rejoins_while_messages_keep_coming_have_no_gap_and_no_duplicate_at_the_seam);
async fn rejoins_while_messages_keep_coming_have_no_gap_and_no_duplicate_at_the_seam() {
    const TOTAL: i64 = 1600;
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let room = anna.create_room("Поток").await["id"].as_i64().unwrap();
    let mut on_anna = anna.connect(&app).await;
    on_anna.join(room).await;
    send_many(&mut on_anna, room, 0, 100).await;

    // The rest is sent as fast as the server takes it, while boris rejoins again and again,
    // each time from a little before where the room stands.
    let sender = tokio::spawn(async move {
        send_many(&mut on_anna, room, 100, (TOTAL - 100) as usize).await;
        on_anna
    });
    let mut rejoins = Vec::new();
    for _ in 0..8 {
        let since = (room_seq_header(&boris, room).await - 30).max(0);
        let mut socket = boris.connect(&app).await;
        socket.send(json!({ "type": "join_room", "room_id": room, "since": since })).await;
        socket.expect("room_users_list").await;
        let got = logged_until(&mut socket, (since + 120).min(TOTAL)).await;
        rejoins.push((since, got));
        socket.close().await;
    }
    let _on_anna = sender.await.unwrap();

    for (since, got) in rejoins {
        assert_eq!(got[0]["seq"], since + 1, "the replay starts right after since");
        // logged_until has checked that each seq follows the one before: no gap, no repeat.
        for frame in &got {
            let seq = frame["seq"].as_i64().unwrap();
            assert_eq!(frame["message"]["content"], format!("m{}", seq - 1));
        }
    }
}

both_backends!(async fn more_than_a_thousand_missed_events_ask_for_a_resync_instead_of_a_replay);
async fn more_than_a_thousand_missed_events_ask_for_a_resync_instead_of_a_replay() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let room = anna.create_room("Много").await["id"].as_i64().unwrap();
    let mut on_anna = anna.connect(&app).await;
    on_anna.join(room).await;
    send_many(&mut on_anna, room, 0, 1001).await;

    let mut just_enough = boris.connect(&app).await;
    just_enough.send(json!({ "type": "join_room", "room_id": room, "since": 1 })).await;
    just_enough.expect("room_users_list").await;
    let replayed = logged_until(&mut just_enough, 1001).await;
    let mut too_far = boris.connect(&app).await;
    too_far.send(json!({ "type": "join_room", "room_id": room, "since": 0 })).await;
    too_far.expect("room_users_list").await;
    let resync = too_far.next().await;
    let live = on_anna.say(room, "после пропуска").await;
    let next = too_far.next().await;

    assert_eq!(replayed.len(), 1000, "a thousand missed events are still replayed");
    assert_eq!(resync, json!({ "type": "resync_required", "room_id": room, "seq": 1001 }));
    assert_eq!((next["message"].clone(), next["seq"].as_i64()), (live, Some(1002)), "live events follow the resync");
    assert_eq!(room_seq_header(&boris, room).await, 1002);
}

both_backends!(async fn a_since_ahead_of_the_room_or_below_zero_is_refused_and_joins_nothing);
async fn a_since_ahead_of_the_room_or_below_zero_is_refused_and_joins_nothing() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = anna.create_room("Граница").await["id"].as_i64().unwrap();
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;
    socket.say(room, "одно").await;
    let mut other = anna.connect(&app).await;

    let mut refusals = Vec::new();
    for since in [2, -1, i64::MAX] {
        other.send(json!({ "type": "join_room", "room_id": room, "since": since })).await;
        refusals.push(other.expect("error").await);
    }
    other.send(json!({ "type": "typing", "room_id": room })).await;
    let not_joined = other.expect("error").await;
    other.send(json!({ "type": "join_room", "room_id": room, "since": 1 })).await;
    other.expect("room_users_list").await;

    for refusal in &refusals {
        assert_eq!(refusal["code"], "invalid_since", "{refusal}");
        assert!(refusal["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(not_joined["code"], "not_joined", "a refused join joins nothing");
    other.expect_silence().await;
}

both_backends!(async fn a_since_for_a_room_that_does_not_exist_is_room_not_found);
async fn a_since_for_a_room_that_does_not_exist_is_room_not_found() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let mut socket = anna.connect(&app).await;

    socket.send(json!({ "type": "join_room", "room_id": 987654, "since": 0 })).await;

    assert_eq!(socket.expect("error").await["code"], "room_not_found");
}
