//! Direct messages: a conversation of two people, made once, listed for its two, working like a
//! room for them, and for anyone else indistinguishable from a room that does not exist — over
//! every endpoint and frame. A message in one reaches both people even where they never opened
//! it, on any instance.

use serde_json::{json, Value};

use crate::helpers::*;

/// A room id no room has.
const NO_ROOM: i64 = 999_999_999;
/// A message id no message has.
const NO_MESSAGE: i64 = 999_999_999;

/// `POST /api/dms` from `from` to `to`: the status and the room.
async fn open_dm(from: &TestUser, to: &TestUser) -> (u16, Value) {
    let response = from.post_json("/api/dms", &json!({ "user_id": to.id })).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Anna and Boris in their conversation, both joined, with one message of Boris's in it.
struct Pair {
    anna: TestUser,
    boris: TestUser,
    anna_ws: Socket,
    boris_ws: Socket,
    room: i64,
    message: Value,
}

async fn anna_and_boris_talking(app: &TestApp) -> Pair {
    let anna = TestUser::register(app).await;
    let boris = TestUser::register(app).await;
    let (_, room) = open_dm(&anna, &boris).await;
    let room = room["id"].as_i64().unwrap();
    let mut anna_ws = anna.connect(app).await;
    anna_ws.join(room).await;
    let mut boris_ws = boris.connect(app).await;
    boris_ws.join(room).await;
    anna_ws.wait_for("joined_room").await;
    let message = boris_ws.say(room, "секретное слово шпинат").await;
    anna_ws.wait_for("new_message").await;
    Pair { anna, boris, anna_ws, boris_ws, room, message }
}

/// An HTTP answer with any number in its error text replaced, so that the answer about one
/// room or message can be compared with the answer about another.
async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let mut body: Value = response.json().await.unwrap_or(Value::Null);
    if let Some(text) = body.get("error").and_then(Value::as_str) {
        body["error"] = Value::String(text.chars().filter(|c| !c.is_ascii_digit()).collect());
    }
    (status, body)
}

/// The frame a socket gets for `frame`, with numbers taken out of its text like [`answer`].
async fn frame_answer(socket: &mut Socket, frame: Value) -> Value {
    socket.send(frame).await;
    let mut reply = socket.expect("error").await;
    let text: String = reply["message"].as_str().unwrap().chars().filter(|c| !c.is_ascii_digit()).collect();
    reply["message"] = Value::String(text);
    reply
}

both_backends!(async fn opening_a_conversation_makes_it_once_then_finds_it);
async fn opening_a_conversation_makes_it_once_then_finds_it() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register_in(&app, "Тверь").await;

    let (first, room) = open_dm(&anna, &boris).await;
    let (again, same) = open_dm(&anna, &boris).await;
    let (reverse, from_boris) = open_dm(&boris, &anna).await;

    assert_eq!((first, again, reverse), (201, 200, 200));
    assert_eq!(room["kind"], "dm");
    assert_eq!(room["created_by"], Value::Null, "nobody owns a conversation");
    let mut expected =
        vec![user_json(anna.id, &anna.username, "Новосибирск"), user_json(boris.id, &boris.username, "Тверь")];
    expected.sort_by_key(|u| u["id"].as_i64());
    assert_eq!(room["members"], Value::Array(expected));
    assert_eq!(same, room);
    assert_eq!(from_boris, room);
}

both_backends!(async fn two_people_opening_their_conversation_at_once_get_one);
async fn two_people_opening_their_conversation_at_once_get_one() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;

    let ((a_status, a_room), (b_status, b_room)) = tokio::join!(open_dm(&anna, &boris), open_dm(&boris, &anna));

    assert_eq!(a_room["id"], b_room["id"]);
    let mut statuses = [a_status, b_status];
    statuses.sort();
    assert_eq!(statuses, [200, 201]);
}

both_backends!(async fn a_conversation_needs_another_existing_person_and_a_session);
async fn a_conversation_needs_another_existing_person_and_a_session() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    let (status, body) = answer(anna.post_json("/api/dms", &json!({ "user_id": anna.id })).await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    let (status, body) = answer(anna.post_json("/api/dms", &json!({ "user_id": NO_ROOM })).await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = answer(anna.post_json("/api/dms", &json!({ "user_id": "двое" })).await).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    let (status, _) = answer(anna.post_json("/api/dms", &json!({})).await).await;
    assert_eq!(status, 400);
    let signed_out = app.client();
    let response = signed_out.post(app.url("/api/dms")).json(&json!({ "user_id": anna.id })).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let response = signed_out.get(app.url("/api/dms")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(anna.get("/api/dms").await.json::<Vec<Value>>().await.unwrap().is_empty(), "nothing was made");
}

both_backends!(async fn conversations_are_listed_newest_first_with_the_other_person_and_the_last_message);
async fn conversations_are_listed_newest_first_with_the_other_person_and_the_last_message() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let carl = TestUser::register(&app).await;
    let dora = TestUser::register(&app).await;
    let with_boris = open_dm(&anna, &boris).await.1["id"].as_i64().unwrap();
    let with_carl = open_dm(&carl, &anna).await.1["id"].as_i64().unwrap();
    let with_dora = open_dm(&anna, &dora).await.1["id"].as_i64().unwrap();
    let mut ws = anna.connect(&app).await;
    for room in [with_boris, with_carl] {
        ws.join(room).await;
    }
    ws.say(with_boris, "первое").await;
    ws.say(with_carl, "второе").await;
    let last = ws.say(with_boris, "третье").await;

    let list: Vec<Value> = anna.get("/api/dms").await.json().await.unwrap();

    let rooms: Vec<i64> = list.iter().map(|c| c["room"]["id"].as_i64().unwrap()).collect();
    assert_eq!(rooms, [with_boris, with_carl, with_dora], "by newest message; none last");
    assert_eq!(list[0]["user"]["id"], boris.id);
    assert_eq!(list[1]["user"]["id"], carl.id);
    assert_eq!(list[0]["last_message"], last);
    assert_eq!(list[1]["last_message"]["content"], "второе");
    assert_eq!(list[2]["last_message"], Value::Null);
    assert_eq!(list[0]["room"]["kind"], "dm");
    assert_eq!(list[0]["room"]["members"].as_array().unwrap().len(), 2);
    let boris_list: Vec<Value> = boris.get("/api/dms").await.json().await.unwrap();
    assert_eq!(boris_list.len(), 1);
    assert_eq!(boris_list[0]["user"]["id"], anna.id);
    assert!(carl
        .get("/api/dms")
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .iter()
        .all(|c| c["room"]["id"] != with_boris));
}

both_backends!(async fn a_conversation_is_never_listed_among_rooms_nor_announced);
async fn a_conversation_is_never_listed_among_rooms_nor_announced() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let mut boris_ws = boris.connect(&app).await;
    let mut carl_ws = TestUser::register(&app).await.connect(&app).await;

    let room = open_dm(&anna, &boris).await.1["id"].clone();

    boris_ws.expect_silence().await;
    carl_ws.expect_silence().await;
    for user in [&anna, &boris] {
        let rooms: Vec<Value> = user.get("/api/rooms").await.json().await.unwrap();
        assert!(rooms.iter().all(|r| r["id"] != room && r["kind"] == "room"), "{rooms:?}");
    }
}

both_backends!(async fn its_two_people_talk_in_a_conversation_as_in_a_room);
async fn its_two_people_talk_in_a_conversation_as_in_a_room() {
    let app = spawn_app().await;
    let mut p = anna_and_boris_talking(&app).await;
    let id = p.message["id"].clone();

    p.anna_ws.send(json!({ "type": "typing", "room_id": p.room })).await;
    let typing = p.boris_ws.wait_for("typing").await;
    p.anna_ws.send(json!({ "type": "send_message", "room_id": p.room, "content": "ответ", "reply_to": id })).await;
    let reply = p.boris_ws.wait_for("new_message").await;
    p.anna_ws.send(json!({ "type": "add_reaction", "message_id": id, "emoji": "👍" })).await;
    p.boris_ws.wait_for("reaction_added").await;
    p.anna_ws.send(json!({ "type": "pin_message", "message_id": id })).await;
    let pinned = p.boris_ws.wait_for("message_updated").await;
    p.anna_ws.send(json!({ "type": "delete_message", "message_id": id })).await;
    let refused = p.anna_ws.wait_for("error").await;

    assert_eq!(typing["user"]["id"], p.anna.id);
    assert_eq!(reply["message"]["reply_to"]["id"], id);
    assert_eq!(pinned["message"]["pinned"], true, "either of the two may pin");
    assert_eq!(refused["code"], "forbidden", "only its author deletes a message");
    let history: Vec<Value> = p.boris.get(&format!("/api/messages/{}", p.room)).await.json().await.unwrap();
    assert_eq!(history.len(), 2);
    let pins: Vec<Value> = p.anna.get(&format!("/api/rooms/{}/pins", p.room)).await.json().await.unwrap();
    assert_eq!(pins.len(), 1);
    let found: Vec<Value> = p.anna.get("/api/search?q=шпинат").await.json().await.unwrap();
    assert_eq!(found.len(), 1, "its people find its messages");
    let reactors = p.boris.get(&format!("/api/messages/{id}/reactions?emoji=%F0%9F%91%8D")).await;
    assert_eq!(reactors.status(), 200);
    for (user, response) in [
        (&p.anna, p.anna.patch_json(&format!("/api/rooms/{}", p.room), &json!({ "name": "наша" })).await),
        (&p.boris, p.boris.delete(&format!("/api/rooms/{}", p.room)).await),
    ] {
        assert_eq!(response.status(), 403, "{} may not rename or delete it", user.username);
    }
}

both_backends!(async fn a_third_person_gets_the_answers_of_a_room_that_does_not_exist);
async fn a_third_person_gets_the_answers_of_a_room_that_does_not_exist() {
    let app = spawn_app().await;
    let p = anna_and_boris_talking(&app).await;
    let carl = TestUser::register(&app).await;
    let (room, message) = (p.room, p.message["id"].as_i64().unwrap());

    // Every endpoint naming the room or its message, against the same one naming nothing.
    for (path, missing) in [
        (format!("/api/messages/{room}"), format!("/api/messages/{NO_ROOM}")),
        (format!("/api/messages/{room}?around={message}"), format!("/api/messages/{NO_ROOM}?around={message}")),
        (format!("/api/rooms/{room}/pins"), format!("/api/rooms/{NO_ROOM}/pins")),
        (
            format!("/api/messages/{message}/reactions?emoji=%F0%9F%91%8D"),
            format!("/api/messages/{NO_MESSAGE}/reactions?emoji=%F0%9F%91%8D"),
        ),
        (format!("/api/search?q=шпинат&room_id={room}"), format!("/api/search?q=шпинат&room_id={NO_ROOM}")),
    ] {
        let seen = answer(carl.get(&path).await).await;
        assert_eq!(seen, answer(carl.get(&missing).await).await, "{path}");
        assert_eq!(seen.0, 404, "{path}");
    }
    let renamed = answer(carl.patch_json(&format!("/api/rooms/{room}"), &json!({ "name": "моя" })).await).await;
    assert_eq!(
        renamed,
        answer(carl.patch_json(&format!("/api/rooms/{NO_ROOM}"), &json!({ "name": "моя" })).await).await
    );
    assert_eq!(renamed.0, 404);
    let deleted = answer(carl.delete(&format!("/api/rooms/{room}")).await).await;
    assert_eq!(deleted, answer(carl.delete(&format!("/api/rooms/{NO_ROOM}")).await).await);
    assert_eq!(deleted.0, 404);
    // Lists leave it out.
    let found: Vec<Value> = carl.get("/api/search?q=шпинат").await.json().await.unwrap();
    assert!(found.is_empty(), "{found:?}");
    let reads: Vec<Value> = carl.get("/api/read_state").await.json().await.unwrap();
    assert!(reads.iter().all(|r| r["room_id"] != room));
    assert!(carl.get("/api/dms").await.json::<Vec<Value>>().await.unwrap().is_empty());

    // Every frame naming the room or its message, against the same one naming nothing.
    let mut ws = carl.connect(&app).await;
    let frames = |room: i64, message: i64| {
        vec![
            json!({ "type": "join_room", "room_id": room }),
            json!({ "type": "join_room", "room_id": room, "since": 0 }),
            json!({ "type": "leave_room", "room_id": room }),
            json!({ "type": "send_message", "room_id": room, "content": "я тут" }),
            json!({ "type": "typing", "room_id": room }),
            json!({ "type": "mark_read", "room_id": room, "message_id": message }),
            json!({ "type": "edit_message", "message_id": message, "content": "моё" }),
            json!({ "type": "delete_message", "message_id": message }),
            json!({ "type": "add_reaction", "message_id": message, "emoji": "👍" }),
            json!({ "type": "remove_reaction", "message_id": message, "emoji": "👍" }),
            json!({ "type": "pin_message", "message_id": message }),
            json!({ "type": "unpin_message", "message_id": message }),
        ]
    };
    for (frame, missing) in frames(room, message).into_iter().zip(frames(NO_ROOM, NO_MESSAGE)) {
        let seen = frame_answer(&mut ws, frame.clone()).await;
        assert_eq!(seen, frame_answer(&mut ws, missing).await, "{frame}");
    }
    let mut join = ws;
    join.send(json!({ "type": "join_room", "room_id": room })).await;
    assert_eq!(join.expect("error").await["code"], "room_not_found");

    // And nothing of theirs reached them meanwhile, nor changed.
    let mut boris_ws = p.boris_ws;
    boris_ws.expect_silence().await;
    let history: Vec<Value> = p.anna.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
    assert_eq!(history, vec![p.message]);
}

both_backends!(async fn a_message_reaches_the_other_person_where_they_never_opened_the_conversation);
async fn a_message_reaches_the_other_person_where_they_never_opened_the_conversation() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let mut boris_ws = boris.connect(&app).await;
    let mut anna_laptop = anna.another_device(&app).await.connect(&app).await;
    let mut carl_ws = TestUser::register(&app).await.connect(&app).await;
    let room = open_dm(&anna, &boris).await.1;
    let mut anna_ws = anna.connect(&app).await;
    anna_ws.join(room["id"].as_i64().unwrap()).await;

    let sent = anna_ws.say(room["id"].as_i64().unwrap(), "привет, это я").await;

    for socket in [&mut boris_ws, &mut anna_laptop] {
        let frame = socket.expect("direct_message").await;
        assert_eq!(frame, json!({ "type": "direct_message", "room": room, "message": sent }));
    }
    anna_ws.expect_silence().await;
    carl_ws.expect_silence().await;
    let unread: Vec<Value> = boris.get("/api/read_state").await.json().await.unwrap();
    let entry = unread.iter().find(|r| r["room_id"] == room["id"]).expect("the conversation has a read state");
    assert_eq!((entry["unread"].as_i64(), entry["last_read_id"].as_i64()), (Some(1), Some(0)));
}

#[tokio::test]
async fn a_direct_message_reaches_the_other_person_on_another_instance() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&a).await;
            let room = open_dm(&anna, &boris).await.1;
            let id = room["id"].as_i64().unwrap();
            let mut boris_on_b = boris.another_device(&b).await.connect(&b).await;
            let mut anna_ws = anna.connect(&a).await;
            anna_ws.join(id).await;
            // The instances know each other's connections once a ping went round.
            boris_on_b.expect_served().await;

            let sent = anna_ws.say(id, "через redis").await;

            let frame = boris_on_b.wait_for("direct_message").await;
            assert_eq!(frame, json!({ "type": "direct_message", "room": room, "message": sent }));
        })
        .await;
}

both_backends!(async fn a_block_either_way_stops_a_conversation_from_starting_or_going_on);
async fn a_block_either_way_stops_a_conversation_from_starting_or_going_on() {
    let app = spawn_app().await;
    let mut p = anna_and_boris_talking(&app).await;
    let carl = TestUser::register(&app).await;

    assert_eq!(p.boris.put(&format!("/api/blocks/{}", p.anna.id)).await.status(), 204);
    let (status, body) = answer(p.anna.post_json("/api/dms", &json!({ "user_id": p.boris.id })).await).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("blocked")), "the blocked person cannot start one");
    let (status, body) = answer(p.boris.post_json("/api/dms", &json!({ "user_id": p.anna.id })).await).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("blocked")), "nor can the blocker");
    assert_eq!(open_dm(&carl, &p.boris).await.0, 201, "others still can");
    for (socket, text) in [(&mut p.anna_ws, "ты где?"), (&mut p.boris_ws, "я тут")] {
        socket.send(json!({ "type": "send_message", "room_id": p.room, "content": text, "client_id": "c-1" })).await;
        let refused = socket.wait_for("error").await;
        assert_eq!((refused["code"].as_str(), refused["client_id"].as_str()), (Some("blocked"), Some("c-1")));
    }
    let history: Vec<Value> = p.anna.get(&format!("/api/messages/{}", p.room)).await.json().await.unwrap();
    assert_eq!(history, vec![p.message.clone()], "nothing was stored; what was said stays readable");

    assert_eq!(p.boris.delete(&format!("/api/blocks/{}", p.anna.id)).await.status(), 204);
    let said = p.anna_ws.say(p.room, "снова можно").await;
    assert_eq!(said["content"], "снова можно");
    assert_eq!(open_dm(&p.anna, &p.boris).await.0, 200);
}
