//! Working with posted messages over the socket and the API: edits, deletions, replies,
//! reactions, pins and mentions — who may do what, what the room hears (each a logged event
//! with its seq), what history shows afterwards, and the window of history around a message.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::resume::logged_until;

/// Two users in a room the first one created, both joined.
struct Room {
    anna: TestUser,
    boris: TestUser,
    anna_ws: Socket,
    boris_ws: Socket,
    id: i64,
}

async fn anna_and_boris_in_annas_room(app: &TestApp) -> Room {
    let anna = TestUser::register(app).await;
    let boris = TestUser::register(app).await;
    let id = anna.create_room(&unique_name("комната")).await["id"].as_i64().unwrap();
    let mut anna_ws = anna.connect(app).await;
    anna_ws.join(id).await;
    let mut boris_ws = boris.connect(app).await;
    boris_ws.join(id).await;
    anna_ws.wait_for("joined_room").await;
    Room { anna, boris, anna_ws, boris_ws, id }
}

/// Sends a message and returns the stored copy, skipping other people's messages on the way.
async fn say(socket: &mut Socket, room: i64, content: &str) -> Value {
    socket.send(json!({ "type": "send_message", "room_id": room, "content": content })).await;
    new_message(socket, content).await
}

/// Waits for the `new_message` with this content.
async fn new_message(socket: &mut Socket, content: &str) -> Value {
    loop {
        let frame = socket.wait_for("new_message").await;
        if frame["message"]["content"] == content {
            return frame["message"].clone();
        }
    }
}

/// Waits for a reaction frame of this kind by this user.
async fn reaction_by(socket: &mut Socket, kind: &str, user: i64) -> Value {
    loop {
        let frame = socket.wait_for(kind).await;
        if frame["user_id"] == user {
            return frame;
        }
    }
}

/// Sends a frame and returns the `error` frame it gets.
async fn refused(socket: &mut Socket, frame: Value) -> Value {
    socket.send(frame).await;
    socket.wait_for("error").await
}

async fn history(user: &TestUser, room: i64) -> Vec<Value> {
    let response = user.get(&format!("/api/messages/{room}")).await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn pins(user: &TestUser, room: i64) -> Vec<Value> {
    let response = user.get(&format!("/api/rooms/{room}/pins")).await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

fn contents(messages: &[Value]) -> Vec<&str> {
    messages.iter().map(|m| m["content"].as_str().unwrap()).collect()
}

both_backends!(async fn a_new_message_carries_empty_edit_reply_reaction_mention_and_pin_fields);
async fn a_new_message_carries_empty_edit_reply_reaction_mention_and_pin_fields() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let message = say(&mut r.anna_ws, r.id, "привет").await;
    assert_eq!(message["edited_at"], Value::Null);
    assert_eq!(message["reply_to"], Value::Null);
    assert_eq!(message["reactions"], json!([]));
    assert_eq!(message["mentions"], json!([]));
    assert_eq!(message["pinned"], false);
    assert_eq!(history(&r.boris, r.id).await, vec![message]);
}

both_backends!(async fn the_author_edits_a_message_and_the_room_gets_it_with_the_edit_time);
async fn the_author_edits_a_message_and_the_room_gets_it_with_the_edit_time() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let posted = say(&mut r.boris_ws, r.id, "превед").await;
    let posted_seq = 1;
    r.anna_ws.wait_for("new_message").await;

    r.boris_ws.send(json!({ "type": "edit_message", "message_id": posted["id"], "content": "  привет  " })).await;

    for socket in [&mut r.anna_ws, &mut r.boris_ws] {
        let frame = socket.wait_for("message_updated").await;
        assert_eq!(frame["seq"], posted_seq + 1, "an edit is the room's next event");
        assert_eq!(frame["message"]["id"], posted["id"]);
        assert_eq!(frame["message"]["content"], "привет", "trimmed like a new message");
        assert!(frame["message"]["edited_at"].is_string(), "{frame}");
        assert_eq!(frame["message"]["created_at"], posted["created_at"]);
    }
    let stored = history(&r.anna, r.id).await;
    assert_eq!(contents(&stored), ["привет"]);
    assert!(stored[0]["edited_at"].is_string());
}

both_backends!(async fn nobody_edits_another_persons_message_and_an_edit_follows_the_content_rules);
async fn nobody_edits_another_persons_message_and_an_edit_follows_the_content_rules() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let posted = say(&mut r.boris_ws, r.id, "моё").await;
    let id = posted["id"].clone();

    let edit = |content: &str| json!({ "type": "edit_message", "message_id": id, "content": content });
    // Not even the room's creator edits someone else's words.
    assert_eq!(refused(&mut r.anna_ws, edit("чужое")).await["code"], "forbidden");
    assert_eq!(refused(&mut r.boris_ws, edit(" \n ")).await["code"], "empty_message");
    assert_eq!(refused(&mut r.boris_ws, edit(&"я".repeat(2001))).await["code"], "message_too_long");
    let unknown = json!({ "type": "edit_message", "message_id": 987654, "content": "x" });
    assert_eq!(refused(&mut r.boris_ws, unknown).await["code"], "message_not_found");

    let stored = history(&r.anna, r.id).await;
    assert_eq!(contents(&stored), ["моё"], "nothing was changed");
    assert_eq!(stored[0]["edited_at"], Value::Null);
}

both_backends!(async fn a_deleted_message_leaves_history_and_replies_to_it_say_it_was_deleted);
async fn a_deleted_message_leaves_history_and_replies_to_it_say_it_was_deleted() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let original = say(&mut r.boris_ws, r.id, "исходное").await;
    r.anna_ws
        .send(json!({ "type": "send_message", "room_id": r.id, "content": "ответ", "reply_to": original["id"] }))
        .await;
    let reply = new_message(&mut r.anna_ws, "ответ").await;
    assert_eq!(
        reply["reply_to"],
        json!({ "id": original["id"], "user": { "id": r.boris.id, "username": r.boris.username }, "excerpt": "исходное" })
    );

    r.boris_ws.send(json!({ "type": "delete_message", "message_id": original["id"] })).await;
    for socket in [&mut r.anna_ws, &mut r.boris_ws] {
        let frame = socket.wait_for("message_deleted").await;
        assert_eq!(
            frame,
            json!({ "type": "message_deleted", "room_id": r.id, "message_id": original["id"], "seq": 3 })
        );
    }

    let stored = history(&r.anna, r.id).await;
    assert_eq!(contents(&stored), ["ответ"], "the deleted message is gone");
    assert_eq!(stored[0]["reply_to"], json!({ "id": original["id"], "deleted": true }));
    let id = original["id"].clone();
    for frame in [
        json!({ "type": "delete_message", "message_id": id }),
        json!({ "type": "edit_message", "message_id": id, "content": "воскрес" }),
        json!({ "type": "add_reaction", "message_id": id, "emoji": "👍" }),
        json!({ "type": "send_message", "room_id": r.id, "content": "ещё ответ", "reply_to": id }),
    ] {
        assert_eq!(refused(&mut r.boris_ws, frame.clone()).await["code"], "message_not_found", "{frame}");
    }
    assert_eq!(contents(&history(&r.anna, r.id).await), ["ответ"], "nothing more was stored");
}

both_backends!(async fn the_rooms_creator_deletes_anyones_message_in_their_room_and_nobody_else_does);
async fn the_rooms_creator_deletes_anyones_message_in_their_room_and_nobody_else_does() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let carl = TestUser::register(&app).await;
    let mut carl_ws = carl.connect(&app).await;
    carl_ws.join(r.id).await;
    let annas = say(&mut r.anna_ws, r.id, "от создателя").await;
    let boriss = say(&mut r.boris_ws, r.id, "от бориса").await;

    let delete = |m: &Value| json!({ "type": "delete_message", "message_id": m["id"] });
    assert_eq!(refused(&mut carl_ws, delete(&boriss)).await["code"], "forbidden");
    assert_eq!(refused(&mut r.boris_ws, delete(&annas)).await["code"], "forbidden");
    r.anna_ws.send(delete(&boriss)).await;
    assert_eq!(carl_ws.wait_for("message_deleted").await["message_id"], boriss["id"]);
    assert_eq!(contents(&history(&carl, r.id).await), ["от создателя"]);
}

both_backends!(async fn a_reply_must_answer_a_message_of_the_same_room_and_shows_its_start);
async fn a_reply_must_answer_a_message_of_the_same_room_and_shows_its_start() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let general = app.default_room(&r.anna).await;
    r.anna_ws.join(general).await;
    let elsewhere = say(&mut r.anna_ws, general, "в общем чате").await;
    let long = say(&mut r.anna_ws, r.id, "длинно ".repeat(40).trim_end()).await;

    let reply = |to: &Value| json!({ "type": "send_message", "room_id": r.id, "content": "да", "reply_to": to });
    assert_eq!(refused(&mut r.boris_ws, reply(&elsewhere["id"])).await["code"], "message_not_found");
    assert_eq!(refused(&mut r.boris_ws, reply(&json!(424242))).await["code"], "message_not_found");
    r.boris_ws.send(reply(&long["id"])).await;
    let stored = new_message(&mut r.boris_ws, "да").await;
    let excerpt = stored["reply_to"]["excerpt"].as_str().unwrap();
    assert_eq!(excerpt.chars().count(), 100, "cut to 100 characters");
    assert!(excerpt.ends_with('…') && long["content"].as_str().unwrap().starts_with(excerpt.trim_end_matches('…')));
    assert_eq!(contents(&history(&r.anna, r.id).await).len(), 2, "the refused replies stored nothing");
}

both_backends!(async fn reactions_are_counted_per_emoji_in_order_of_first_use_and_repeats_change_nothing);
async fn reactions_are_counted_per_emoji_in_order_of_first_use_and_repeats_change_nothing() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let message = say(&mut r.anna_ws, r.id, "реагируйте").await;
    r.boris_ws.wait_for("new_message").await;
    let id = message["id"].clone();
    let react = |kind: &str, emoji: &str| json!({ "type": kind, "message_id": id, "emoji": emoji });

    r.anna_ws.send(react("add_reaction", "👍")).await;
    let added = r.boris_ws.wait_for("reaction_added").await;
    assert_eq!(
        added,
        json!({ "type": "reaction_added", "room_id": r.id, "message_id": id, "emoji": "👍", "user_id": r.anna.id, "seq": 2 })
    );
    r.anna_ws.send(react("add_reaction", "👍")).await;
    r.anna_ws.wait_for("reaction_added").await;
    r.boris_ws.expect_silence().await;
    // "❤" without its variation selector is the same reaction as "❤️".
    r.boris_ws.send(react("add_reaction", "❤")).await;
    assert_eq!(reaction_by(&mut r.boris_ws, "reaction_added", r.boris.id).await["emoji"], "❤️");
    r.boris_ws.send(react("add_reaction", "👍")).await;
    assert_eq!(reaction_by(&mut r.boris_ws, "reaction_added", r.boris.id).await["seq"], 4, "the repeat logged nothing");

    let seen_by = |stored: &[Value]| stored[0]["reactions"].clone();
    assert_eq!(
        seen_by(&history(&r.anna, r.id).await),
        json!([{ "emoji": "👍", "count": 2, "me": true }, { "emoji": "❤️", "count": 1, "me": false }])
    );
    assert_eq!(
        seen_by(&history(&r.boris, r.id).await),
        json!([{ "emoji": "👍", "count": 2, "me": true }, { "emoji": "❤️", "count": 1, "me": true }])
    );

    r.anna_ws.send(react("remove_reaction", "👍")).await;
    let removed = r.boris_ws.wait_for("reaction_removed").await;
    assert_eq!(
        (removed["emoji"].clone(), removed["user_id"].clone(), removed["seq"].clone()),
        (json!("👍"), json!(r.anna.id), json!(5))
    );
    r.anna_ws.send(react("remove_reaction", "👍")).await;
    r.boris_ws.expect_silence().await;
    // The order is that of the earliest reaction still there: Boris's ❤️ came before his 👍.
    assert_eq!(
        seen_by(&history(&r.anna, r.id).await),
        json!([{ "emoji": "❤️", "count": 1, "me": false }, { "emoji": "👍", "count": 1, "me": false }])
    );
}

both_backends!(async fn a_reaction_is_exactly_one_emoji_and_a_message_takes_at_most_twenty_kinds);
async fn a_reaction_is_exactly_one_emoji_and_a_message_takes_at_most_twenty_kinds() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let message = say(&mut r.anna_ws, r.id, "эмодзи").await;
    let id = message["id"].clone();
    let react = |emoji: &str| json!({ "type": "add_reaction", "message_id": id, "emoji": emoji });
    for bad in ["", "ok", "👍👍", " 👍", "<img>", "\u{1f3fd}"] {
        assert_eq!(refused(&mut r.anna_ws, react(bad)).await["code"], "invalid_emoji", "{bad:?}");
    }
    for skin_toned_or_joined in ["👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈"] {
        r.anna_ws.send(react(skin_toned_or_joined)).await;
        assert_eq!(r.anna_ws.wait_for("reaction_added").await["emoji"], skin_toned_or_joined);
    }
    // Boris has seen those three; from here on he looks for his own.
    let more = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙"];
    for emoji in more {
        r.anna_ws.send(react(emoji)).await;
        r.anna_ws.wait_for("reaction_added").await;
    }
    let refusal = refused(&mut r.anna_ws, react("🚀")).await;
    assert_eq!(refusal["code"], "too_many_reactions");
    // Another person may still add one of the twenty.
    r.boris_ws.send(react("😀")).await;
    assert_eq!(reaction_by(&mut r.boris_ws, "reaction_added", r.boris.id).await["emoji"], "😀");
    assert_eq!(history(&r.anna, r.id).await[0]["reactions"].as_array().unwrap().len(), 20);
}

both_backends!(async fn only_the_rooms_creator_pins_and_the_pins_list_the_latest_pinned_first);
async fn only_the_rooms_creator_pins_and_the_pins_list_the_latest_pinned_first() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let first = say(&mut r.boris_ws, r.id, "первое").await;
    let second = say(&mut r.boris_ws, r.id, "второе").await;
    let pin = |m: &Value| json!({ "type": "pin_message", "message_id": m["id"] });

    assert_eq!(refused(&mut r.boris_ws, pin(&first)).await["code"], "forbidden", "not the room's creator");
    r.anna_ws.send(pin(&first)).await;
    let updated = r.boris_ws.wait_for("message_updated").await;
    assert_eq!(
        (updated["message"]["id"].clone(), updated["message"]["pinned"].clone()),
        (first["id"].clone(), json!(true))
    );
    r.anna_ws.send(pin(&second)).await;
    r.boris_ws.wait_for("message_updated").await;
    r.anna_ws.send(pin(&second)).await; // already pinned: nothing happens

    assert_eq!(contents(&pins(&r.boris, r.id).await), ["второе", "первое"]);
    r.anna_ws.send(json!({ "type": "unpin_message", "message_id": first["id"] })).await;
    let unpinned = r.boris_ws.wait_for("message_updated").await;
    assert_eq!(unpinned["message"]["pinned"], false);
    assert_eq!(unpinned["seq"], 5, "the repeated pin logged nothing");
    assert_eq!(contents(&pins(&r.boris, r.id).await), ["второе"]);
    assert_eq!(r.boris.get("/api/rooms/999999/pins").await.status(), 404);
    assert_eq!(r.boris.get("/api/rooms/abc/pins").await.status(), 400);
}

both_backends!(async fn mentions_name_existing_users_whatever_the_case_and_follow_edits);
async fn mentions_name_existing_users_whatever_the_case_and_follow_edits() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let text = format!("@{} и @никого_такого_нет, почта a@{}", r.boris.username.to_uppercase(), r.anna.username);
    let message = say(&mut r.anna_ws, r.id, &text).await;
    assert_eq!(message["mentions"], json!([r.boris.id]));

    let edit = format!("нет, @{}.", r.anna.username);
    r.anna_ws.send(json!({ "type": "edit_message", "message_id": message["id"], "content": edit })).await;
    let updated = r.boris_ws.wait_for("message_updated").await;
    assert_eq!(updated["message"]["mentions"], json!([r.anna.id]), "re-read from the new text");
    assert_eq!(history(&r.boris, r.id).await[0]["mentions"], json!([r.anna.id]));
}

both_backends!(async fn every_message_frame_is_refused_for_a_room_not_joined);
async fn every_message_frame_is_refused_for_a_room_not_joined() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let message = say(&mut r.anna_ws, r.id, "только для своих").await;
    new_message(&mut r.boris_ws, "только для своих").await;
    let id = message["id"].clone();
    r.anna_ws.send(json!({ "type": "leave_room", "room_id": r.id })).await;
    for frame in [
        json!({ "type": "edit_message", "message_id": id, "content": "x" }),
        json!({ "type": "delete_message", "message_id": id }),
        json!({ "type": "add_reaction", "message_id": id, "emoji": "👍" }),
        json!({ "type": "remove_reaction", "message_id": id, "emoji": "👍" }),
        json!({ "type": "pin_message", "message_id": id }),
        json!({ "type": "unpin_message", "message_id": id }),
    ] {
        assert_eq!(refused(&mut r.anna_ws, frame.clone()).await["code"], "not_joined", "{frame}");
    }
    r.boris_ws.wait_for("left_room").await;
    r.boris_ws.expect_silence().await;
    assert_eq!(history(&r.boris, r.id).await, vec![message], "nothing changed");
}

both_backends!(async fn history_around_a_message_is_the_window_with_it_in_the_middle);
async fn history_around_a_message_is_the_window_with_it_in_the_middle() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(say(&mut r.anna_ws, r.id, &format!("m{i}")).await["id"].as_i64().unwrap());
    }
    let around = |id: i64, extra: &str| format!("/api/messages/{}?around={id}{extra}", r.id);

    let response = r.boris.get(&around(ids[10], "&limit=10")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-room-seq"], "30");
    let window: Vec<Value> = response.json().await.unwrap();
    assert_eq!(contents(&window), (6..16).map(|i| format!("m{i}")).collect::<Vec<_>>(), "4 older, it, 5 newer");
    let at_start: Vec<Value> = r.boris.get(&around(ids[1], "&limit=5")).await.json().await.unwrap();
    assert_eq!(contents(&at_start), ["m0", "m1", "m2", "m3", "m4"], "one older exists; newer ones fill the window");
    let default: Vec<Value> = r.boris.get(&around(ids[29], "")).await.json().await.unwrap();
    assert_eq!(default.len(), 25, "the default page of 50: 24 older, it, none newer");

    let general = app.default_room(&r.anna).await;
    r.anna_ws.join(general).await;
    let elsewhere = say(&mut r.anna_ws, general, "не здесь").await["id"].as_i64().unwrap();
    assert_eq!(r.boris.get(&around(elsewhere, "")).await.status(), 404, "a message of another room");
    let unknown = r.boris.get(&around(987654, "")).await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["code"], "message_not_found", "the code names what is missing");
    assert_eq!(r.boris.get(&around(ids[3], &format!("&before={}", ids[5]))).await.status(), 400);
    let not_a_number = r.boris.get(&format!("/api/messages/{}?around=x", r.id)).await;
    assert_eq!(not_a_number.status(), 400);
    assert_eq!(not_a_number.json::<Value>().await.unwrap()["code"], "bad_request");
    r.anna_ws.send(json!({ "type": "delete_message", "message_id": ids[10] })).await;
    r.anna_ws.wait_for("message_deleted").await;
    assert_eq!(r.boris.get(&around(ids[10], "")).await.status(), 404, "a deleted message");
}

both_backends!(async fn a_client_resuming_with_since_gets_every_change_in_order);
async fn a_client_resuming_with_since_gets_every_change_in_order() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let kept = say(&mut r.anna_ws, r.id, "останется").await;
    r.boris_ws.close().await;

    let doomed = say(&mut r.anna_ws, r.id, "исчезнет").await; // seq 2
    let send = |frame: Value| frame;
    for frame in [
        send(json!({ "type": "edit_message", "message_id": kept["id"], "content": "осталось" })), // 3
        send(json!({ "type": "add_reaction", "message_id": kept["id"], "emoji": "🔥" })),         // 4
        send(json!({ "type": "pin_message", "message_id": kept["id"] })),                         // 5
        send(json!({ "type": "delete_message", "message_id": doomed["id"] })),                    // 6
        send(json!({ "type": "remove_reaction", "message_id": kept["id"], "emoji": "🔥" })),      // 7
    ] {
        r.anna_ws.send(frame).await;
    }
    logged_until(&mut r.anna_ws, 7).await;

    let mut back = r.boris.connect(&app).await;
    back.send(json!({ "type": "join_room", "room_id": r.id, "since": 1 })).await;
    back.expect("room_users_list").await;
    let replayed = logged_until(&mut back, 7).await;
    let kinds: Vec<&str> = replayed.iter().map(|f| f["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            // The deleted message's creation replays as its deletion: its text is gone.
            "message_deleted",
            "message_updated",
            "reaction_added",
            "message_updated",
            "message_deleted",
            "reaction_removed"
        ]
    );
    assert_eq!(replayed[0]["message_id"], doomed["id"]);
    // An edit replays with the message as it is now.
    assert_eq!(replayed[1]["message"]["content"], "осталось");
    assert_eq!(replayed[1]["message"]["pinned"], true);
    assert_eq!(replayed[2]["emoji"], "🔥");

    // A message created inside the replay comes as it was sent: its reactions follow as events.
    let fresh = say(&mut r.anna_ws, r.id, "свежее").await;
    r.anna_ws.send(json!({ "type": "add_reaction", "message_id": fresh["id"], "emoji": "👍" })).await;
    r.anna_ws.wait_for("reaction_added").await;
    let mut again = r.boris.connect(&app).await;
    again.send(json!({ "type": "join_room", "room_id": r.id, "since": 7 })).await;
    again.expect("room_users_list").await;
    let tail = logged_until(&mut again, 9).await;
    assert_eq!(tail[0]["message"]["reactions"], json!([]), "no reaction counted twice");
    assert_eq!(tail[1]["type"], "reaction_added");
}

/// `GET /api/messages/{id}/reactions?emoji=…` as `user` asks it: the status and the body.
async fn who_reacted(user: &TestUser, id: &Value, emoji: &str) -> (u16, Value) {
    let emoji: String = url::form_urlencoded::byte_serialize(emoji.as_bytes()).collect();
    let response = user.get(&format!("/api/messages/{id}/reactions?emoji={emoji}")).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Who a reactors answer names, as `[id, username]` pairs.
fn named(reactors: &Value) -> Vec<(i64, String)> {
    let users = reactors["users"].as_array().expect("users");
    users.iter().map(|u| (u["id"].as_i64().unwrap(), u["username"].as_str().unwrap().to_owned())).collect()
}

both_backends!(async fn who_reacted_is_listed_in_the_order_they_reacted_and_follows_removals);
async fn who_reacted_is_listed_in_the_order_they_reacted_and_follows_removals() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let carl = TestUser::register(&app).await;
    let mut carl_ws = carl.connect(&app).await;
    carl_ws.join(r.id).await;
    let message = say(&mut r.anna_ws, r.id, "кто за?").await;
    let id = message["id"].clone();
    let react = |kind: &str, emoji: &str| json!({ "type": kind, "message_id": id, "emoji": emoji });

    // Carl first, then Boris, then Anna: not the order they registered in.
    carl_ws.send(react("add_reaction", "👍")).await;
    reaction_by(&mut carl_ws, "reaction_added", carl.id).await;
    r.boris_ws.send(react("add_reaction", "👍")).await;
    reaction_by(&mut r.boris_ws, "reaction_added", r.boris.id).await;
    r.anna_ws.send(react("add_reaction", "👍")).await;
    reaction_by(&mut r.anna_ws, "reaction_added", r.anna.id).await;
    r.boris_ws.send(react("add_reaction", "❤️")).await;
    reaction_by(&mut r.boris_ws, "reaction_added", r.boris.id).await;

    let (status, thumbs) = who_reacted(&carl, &id, "👍").await;
    assert_eq!(status, 200);
    assert_eq!((thumbs["emoji"].clone(), thumbs["count"].clone()), (json!("👍"), json!(3)));
    assert_eq!(
        named(&thumbs),
        [
            (carl.id, carl.username.clone()),
            (r.boris.id, r.boris.username.clone()),
            (r.anna.id, r.anna.username.clone())
        ]
    );
    // Asked like a reaction frame: "❤" without its variation selector is "❤️".
    let (status, hearts) = who_reacted(&r.anna, &id, "❤").await;
    assert_eq!(status, 200);
    assert_eq!(
        hearts,
        json!({ "emoji": "❤️", "count": 1, "users": [{ "id": r.boris.id, "username": r.boris.username }] })
    );
    // A real emoji nobody used on it: nobody.
    assert_eq!(who_reacted(&r.anna, &id, "🚀").await, (200, json!({ "emoji": "🚀", "count": 0, "users": [] })));

    // Boris takes his 👍 back and gives it again: now he is the latest.
    r.boris_ws.send(react("remove_reaction", "👍")).await;
    reaction_by(&mut r.boris_ws, "reaction_removed", r.boris.id).await;
    let (_, after_removal) = who_reacted(&carl, &id, "👍").await;
    assert_eq!(after_removal["count"], 2);
    assert_eq!(named(&after_removal), [(carl.id, carl.username.clone()), (r.anna.id, r.anna.username.clone())]);
    r.boris_ws.send(react("add_reaction", "👍")).await;
    reaction_by(&mut r.boris_ws, "reaction_added", r.boris.id).await;
    let (_, again) = who_reacted(&carl, &id, "👍").await;
    assert_eq!(
        named(&again),
        [
            (carl.id, carl.username.clone()),
            (r.anna.id, r.anna.username.clone()),
            (r.boris.id, r.boris.username.clone())
        ]
    );
}

both_backends!(async fn who_reacted_names_the_first_fifty_and_counts_everyone);
async fn who_reacted_names_the_first_fifty_and_counts_everyone() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let message = say(&mut r.anna_ws, r.id, "голосуем").await;
    let id = message["id"].clone();
    let mut expected = Vec::new();
    for _ in 0..52 {
        let user = TestUser::register(&app).await;
        let mut socket = user.connect(&app).await;
        socket.join(r.id).await;
        socket.send(json!({ "type": "add_reaction", "message_id": id, "emoji": "🎉" })).await;
        reaction_by(&mut socket, "reaction_added", user.id).await;
        socket.close().await;
        expected.push((user.id, user.username));
    }

    let (status, reactors) = who_reacted(&r.boris, &id, "🎉").await;

    assert_eq!(status, 200);
    assert_eq!(reactors["count"], 52, "everyone is counted");
    assert_eq!(named(&reactors), expected[..50], "the first fifty are named, earliest first");
}

both_backends!(async fn who_reacted_is_not_found_for_a_deleted_message_or_a_gone_room_and_refuses_a_non_emoji);
async fn who_reacted_is_not_found_for_a_deleted_message_or_a_gone_room_and_refuses_a_non_emoji() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let doomed = say(&mut r.boris_ws, r.id, "удалю").await;
    let kept = say(&mut r.boris_ws, r.id, "оставлю").await;
    for message in [&doomed, &kept] {
        r.anna_ws.send(json!({ "type": "add_reaction", "message_id": message["id"], "emoji": "👍" })).await;
        reaction_by(&mut r.anna_ws, "reaction_added", r.anna.id).await;
    }
    assert_eq!(who_reacted(&r.boris, &doomed["id"], "👍").await.1["count"], 1);

    r.boris_ws.send(json!({ "type": "delete_message", "message_id": doomed["id"] })).await;
    r.boris_ws.wait_for("message_deleted").await;
    let (status, body) = who_reacted(&r.boris, &doomed["id"], "👍").await;
    assert_eq!((status, body["code"].clone()), (404, json!("message_not_found")), "a deleted message: {body}");
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(who_reacted(&r.boris, &json!(987654), "👍").await.1["code"], "message_not_found", "an unknown id");

    for not_one_emoji in ["", "ok", "👍👍", " 👍", "<b>", "\u{1f3fd}"] {
        let (status, body) = who_reacted(&r.boris, &kept["id"], not_one_emoji).await;
        assert_eq!((status, body["code"].clone()), (400, json!("invalid_emoji")), "{not_one_emoji:?}");
    }
    let without_emoji = r.boris.get(&format!("/api/messages/{}/reactions", kept["id"])).await;
    assert_eq!(without_emoji.status(), 400);
    assert_eq!(without_emoji.json::<Value>().await.unwrap()["code"], "invalid_emoji");
    let not_a_number = r.boris.get("/api/messages/abc/reactions?emoji=%F0%9F%91%8D").await;
    assert_eq!(not_a_number.status(), 400);
    assert_eq!(not_a_number.json::<Value>().await.unwrap()["code"], "bad_request");

    // Once its room is deleted, nobody reads the room's messages, nor who reacted to them.
    assert_eq!(r.anna.delete(&format!("/api/rooms/{}", r.id)).await.status(), 204);
    let (status, body) = who_reacted(&r.boris, &kept["id"], "👍").await;
    assert_eq!((status, body["code"].clone()), (404, json!("message_not_found")), "a message of a gone room");
}

both_backends!(async fn who_reacted_needs_a_session);
async fn who_reacted_needs_a_session() {
    let app = spawn_app().await;
    let mut r = anna_and_boris_in_annas_room(&app).await;
    let message = say(&mut r.anna_ws, r.id, "тайна").await;
    let path = format!("/api/messages/{}/reactions?emoji=%F0%9F%91%8D", message["id"]);
    assert_eq!(r.boris.get(&path).await.status(), 200);

    let anonymous = app.client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.json::<Value>().await.unwrap()["code"], "unauthorized");
    // A session that has ended is no session either.
    r.boris.log_out(&app).await;
    let ended = app.client().get(app.url(&path)).header("cookie", format!("discock_session={}", r.boris.session));
    let ended = ended.send().await.unwrap();
    assert_eq!(ended.status(), 401);
    assert_eq!(ended.json::<Value>().await.unwrap()["code"], "unauthorized");
}
