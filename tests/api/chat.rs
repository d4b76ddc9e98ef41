//! Live chat over `/ws`: joining and presence, messages reaching every member once stored,
//! typing, idempotent resends, every error frame, and the upgrade's own checks.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

fn ids(users: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = users.as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

/// Two users, each with a socket joined to the default room (Anna has seen Boris arrive).
struct Pair {
    anna: TestUser,
    room: i64,
    a: Socket,
    b: Socket,
}

async fn two_in_the_default_room(app: &TestApp) -> Pair {
    let (anna, boris) = (TestUser::register(app).await, TestUser::register(app).await);
    let room = app.default_room(&anna).await;
    let (mut a, mut b) = (anna.connect(app).await, boris.connect(app).await);
    a.join(room).await;
    b.join(room).await;
    a.expect("joined_room").await;
    Pair { anna, room, a, b }
}

both_backends!(async fn the_upgrade_needs_a_session_and_a_same_site_origin);
async fn the_upgrade_needs_a_session_and_a_same_site_origin() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let anonymous = ws_connect(&app, None, Some(&app.origin())).await.err();
    let forged = ws_connect(&app, Some("not-a-session"), None).await.err();
    let foreign = ws_connect(&app, Some(&user.session), Some("http://evil.example")).await.err();
    let good = ws_connect(&app, Some(&user.session), Some(&app.origin())).await;

    assert_eq!(anonymous, Some(StatusCode::UNAUTHORIZED));
    assert_eq!(forged, Some(StatusCode::UNAUTHORIZED));
    assert_eq!(foreign, Some(StatusCode::FORBIDDEN));
    let hello = good.expect("a logged-in same-site upgrade works").expect("connected").await;
    assert_eq!(hello["user"], user_json(user.id, &user.username, &user.city));
}

both_backends!(async fn a_plain_get_of_the_socket_path_is_a_clear_error);
async fn a_plain_get_of_the_socket_path_is_a_clear_error() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let response = user.get("/ws").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "bad_request");
}

both_backends!(async fn joining_lists_everyone_present_and_announces_the_newcomer_to_the_others);
async fn joining_lists_everyone_present_and_announces_the_newcomer_to_the_others() {
    let app = spawn_app().await;
    let (anna, boris) = (TestUser::register_in(&app, "Казань").await, TestUser::register_in(&app, "Пермь").await);
    let room = app.default_room(&anna).await;
    let mut a = anna.connect(&app).await;
    let mut b = boris.connect(&app).await;

    let first = a.join(room).await;
    let second = b.join(room).await;
    let announced = a.expect("joined_room").await;

    assert_eq!(ids(&first["users"]), vec![anna.id]);
    assert_eq!(second["room_id"], room);
    assert_eq!(ids(&second["users"]), vec![anna.id, boris.id]);
    let listed_boris = second["users"].as_array().unwrap().iter().find(|u| u["id"] == boris.id).unwrap();
    assert_eq!(listed_boris["city"], "Пермь");
    assert_eq!(announced["room_id"], room);
    assert_eq!(announced["user"], user_json_with(boris.id, &boris.username, "Пермь", json!({ "presence": "online" })));
    b.expect_silence().await;
}

both_backends!(async fn a_message_reaches_every_member_of_the_room_once_stored_and_nobody_else);
async fn a_message_reaches_every_member_of_the_room_once_stored_and_nobody_else() {
    let app = spawn_app().await;
    let (anna, boris, carl) =
        (TestUser::register(&app).await, TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let other = anna.create_room("другая").await["id"].as_i64().unwrap();
    let (mut a, mut b, mut c) = (anna.connect(&app).await, boris.connect(&app).await, carl.connect(&app).await);
    a.join(room).await;
    b.join(room).await;
    a.expect("joined_room").await;
    c.join(other).await;

    a.send(json!({ "type": "send_message", "room_id": room, "content": "  Привет из Казани!  ", "client_id": "c-1" }))
        .await;
    let to_anna = a.expect("new_message").await["message"].clone();
    let to_boris = b.expect("new_message").await["message"].clone();

    assert_eq!(to_anna, to_boris);
    assert_eq!(to_anna["content"], "Привет из Казани!");
    assert_eq!(to_anna["room_id"], room);
    assert_eq!(to_anna["client_id"], "c-1");
    assert_eq!(to_anna["user"]["id"], anna.id);
    assert_eq!(to_anna["user"]["city"], anna.city.as_str());
    let history: Value = boris.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
    assert_eq!(history.as_array().unwrap().last().unwrap(), &to_anna, "delivered means stored");
    c.expect_silence().await;

    // And the other way round.
    let reply = b.say(room, "И тебе привет").await;
    assert_eq!(a.expect("new_message").await["message"], reply);
}

both_backends!(async fn typing_is_shown_to_the_others_in_the_room);
async fn typing_is_shown_to_the_others_in_the_room() {
    let app = spawn_app().await;
    let Pair { anna, room, mut a, mut b } = two_in_the_default_room(&app).await;

    a.send(json!({ "type": "typing", "room_id": room })).await;

    let typing = b.expect("typing").await;
    assert_eq!(
        typing,
        json!({ "type": "typing", "room_id": room, "user": { "id": anna.id, "username": anna.username } })
    );
    a.expect_silence().await;
}

both_backends!(async fn leaving_a_room_or_closing_the_socket_removes_the_user_from_it);
async fn leaving_a_room_or_closing_the_socket_removes_the_user_from_it() {
    let app = spawn_app().await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let second = anna.create_room("вторая").await["id"].as_i64().unwrap();
    let (mut a, mut b) = (anna.connect(&app).await, boris.connect(&app).await);
    for r in [room, second] {
        a.join(r).await;
        b.join(r).await;
        a.expect("joined_room").await;
    }

    b.send(json!({ "type": "leave_room", "room_id": room })).await;
    let left = a.wait_for("left_room").await;
    assert_eq!(left, json!({ "type": "left_room", "room_id": room, "user_id": boris.id }));

    b.close().await;
    let left = a.wait_for("left_room").await;
    assert_eq!(left["room_id"], second, "closing leaves every room the socket was in");
    assert_eq!(left["user_id"], boris.id);
    let rejoin = a.join(second).await;
    assert_eq!(ids(&rejoin["users"]), vec![anna.id]);
}

both_backends!(async fn presence_is_per_user_so_a_second_tab_keeps_them_in_the_room);
async fn presence_is_per_user_so_a_second_tab_keeps_them_in_the_room() {
    let app = spawn_app().await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let mut a = anna.connect(&app).await;
    a.join(room).await;
    let mut tab1 = boris.connect(&app).await;
    let mut tab2 = boris.connect(&app).await;
    tab1.join(room).await;
    a.expect("joined_room").await;
    let list = tab2.join(room).await;
    assert_eq!(ids(&list["users"]), vec![anna.id, boris.id], "listed once");
    a.expect_silence().await;

    tab1.close().await;
    a.expect_silence().await;
    tab2.close().await;

    let left = a.expect("left_room").await;
    assert_eq!(left["user_id"], boris.id);
}

both_backends!(async fn resending_a_client_id_stores_the_message_once_and_answers_the_sender_again);
async fn resending_a_client_id_stores_the_message_once_and_answers_the_sender_again() {
    let app = spawn_app().await;
    let Pair { anna, room, mut a, mut b } = two_in_the_default_room(&app).await;
    let frame =
        json!({ "type": "send_message", "room_id": room, "content": "только один раз", "client_id": "retry-42" });

    a.send(frame.clone()).await;
    let first = a.expect("new_message").await;
    a.send(frame).await;
    let again = a.expect("new_message").await;

    assert_eq!(first, again, "the stored message comes back");
    assert_eq!(b.expect("new_message").await, first);
    b.expect_silence().await;
    let history: Value = anna.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
}

both_backends!(async fn bad_frames_get_an_error_frame_and_the_connection_stays_open);
async fn bad_frames_get_an_error_frame_and_the_connection_stays_open() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let other = anna.create_room("не вошла").await["id"].as_i64().unwrap();
    let mut a = anna.connect(&app).await;
    a.join(room).await;
    let cases = [
        (json!("{not json").as_str().unwrap().to_owned(), "invalid_json"),
        (r#"{"room_id":1}"#.to_owned(), "invalid_json"),
        (r#"{"type":"join_room","room_id":"один"}"#.to_owned(), "invalid_json"),
        (r#"{"type":"dance"}"#.to_owned(), "unknown_type"),
        (json!({ "type": "join_room", "room_id": 999_999 }).to_string(), "room_not_found"),
        (json!({ "type": "send_message", "room_id": other, "content": "hi" }).to_string(), "not_joined"),
        (json!({ "type": "typing", "room_id": other }).to_string(), "not_joined"),
        (json!({ "type": "leave_room", "room_id": other }).to_string(), "not_joined"),
        (json!({ "type": "send_message", "room_id": room, "content": " \n\t " }).to_string(), "empty_message"),
        (
            json!({ "type": "send_message", "room_id": room, "content": "ж".repeat(2001) }).to_string(),
            "message_too_long",
        ),
    ];
    for (text, code) in cases {
        a.send_raw(Message::text(text.clone())).await;
        let error = a.expect("error").await;
        assert_eq!(error["code"], code, "{text}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{text}");
    }
    a.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    assert_eq!(a.expect("error").await["code"], "invalid_json");

    a.send(json!({ "type": "ping" })).await;
    a.expect("pong").await;
    let history: Value = anna.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
    assert!(history.as_array().unwrap().is_empty(), "nothing bad was stored");
    let exactly_2000 = a.say(room, &"ж".repeat(2000)).await;
    assert_eq!(exactly_2000["content"].as_str().unwrap().chars().count(), 2000);
}

both_backends!(async fn a_frame_over_64_kib_closes_the_connection_as_too_big);
async fn a_frame_over_64_kib_closes_the_connection_as_too_big() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let mut a = anna.connect(&app).await;

    a.send(json!({ "type": "send_message", "room_id": 1, "content": "x".repeat(70 * 1024) })).await;

    assert_eq!(a.closed_with().await, Some(1009));
}

/// One client frame as it goes on the wire: `first` is the FIN/RSV/opcode byte, the payload is
/// masked (every client frame must be) with a fixed key.
fn masked_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126, "short frames only");
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![first, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

both_backends!(async fn a_text_frame_that_is_not_utf8_closes_the_connection_with_1007);
async fn a_text_frame_that_is_not_utf8_closes_the_connection_with_1007() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let mut a = anna.connect(&app).await;

    // A final text frame whose payload is `{"type":"ping"` followed by bytes that are not UTF-8.
    a.send_bytes(&masked_frame(0x81, b"{\"type\":\"ping\xff\xfe\"}")).await;

    assert_eq!(a.closed_with().await, Some(1007));
}

both_backends!(async fn a_frame_that_breaks_the_websocket_protocol_closes_the_connection_with_1002);
async fn a_frame_that_breaks_the_websocket_protocol_closes_the_connection_with_1002() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let unmasked = {
        let mut frame = vec![0x81, 0x02];
        frame.extend_from_slice(b"hi");
        frame
    };
    let cases: [(&str, Vec<u8>); 6] = [
        ("an unmasked client frame", unmasked),
        ("a reserved bit set without an extension", masked_frame(0xC1, b"hi")),
        ("an unknown data opcode", masked_frame(0x83, b"hi")),
        ("an unknown control opcode", masked_frame(0x8B, b"")),
        ("a continuation with nothing to continue", masked_frame(0x80, b"hi")),
        ("a fragmented ping", masked_frame(0x09, b"")),
    ];

    for (case, bytes) in cases {
        let mut a = anna.connect(&app).await;
        a.send_bytes(&bytes).await;
        assert_eq!(a.closed_with().await, Some(1002), "{case}");
    }
}

both_backends!(async fn a_message_to_a_room_deleted_meanwhile_is_refused_as_room_not_found);
async fn a_message_to_a_room_deleted_meanwhile_is_refused_as_room_not_found() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = anna.create_room("временная").await["id"].as_i64().unwrap();
    let mut a = anna.connect(&app).await;
    a.join(room).await;

    assert_eq!(anna.delete(&format!("/api/rooms/{room}")).await.status(), StatusCode::NO_CONTENT);
    a.wait_for("room_deleted").await;
    a.send(json!({ "type": "send_message", "room_id": room, "content": "эй?" })).await;

    assert_eq!(a.expect("error").await["code"], "room_not_found");
}

both_backends!(async fn a_refused_message_is_named_by_its_client_id_in_the_error_frame);
async fn a_refused_message_is_named_by_its_client_id_in_the_error_frame() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = anna.create_room("скоро исчезнет").await["id"].as_i64().unwrap();
    let mut a = anna.connect(&app).await;
    a.join(room).await;

    a.send(json!({ "type": "send_message", "room_id": room, "content": "   ", "client_id": "blank-1" })).await;
    let blank = a.expect("error").await;
    assert_eq!(anna.delete(&format!("/api/rooms/{room}")).await.status(), StatusCode::NO_CONTENT);
    a.wait_for("room_deleted").await;
    a.send(json!({ "type": "send_message", "room_id": room, "content": "эй?", "client_id": "late-2" })).await;
    let late = a.expect("error").await;
    a.send(json!({ "type": "send_message", "room_id": room, "content": "без метки" })).await;
    let anonymous = a.expect("error").await;

    assert_eq!((blank["code"].as_str(), blank["client_id"].as_str()), (Some("empty_message"), Some("blank-1")));
    assert_eq!((late["code"].as_str(), late["client_id"].as_str()), (Some("room_not_found"), Some("late-2")));
    assert_eq!(anonymous["code"], "room_not_found");
    assert!(anonymous.get("client_id").is_none(), "{anonymous}");
}

both_backends!(async fn messages_sent_back_to_back_are_stored_once_each_in_the_order_sent);
async fn messages_sent_back_to_back_are_stored_once_each_in_the_order_sent() {
    let app = spawn_app().await;
    let Pair { anna, room, mut a, mut b } = two_in_the_default_room(&app).await;

    // 150 messages without waiting for any answer (more than a connection keeps in flight),
    // with message 7 sent a second time right behind itself.
    for i in 0..150 {
        let frame = json!({ "type": "send_message", "room_id": room, "content": format!("n{i}"), "client_id": format!("c{i}") });
        a.send(frame.clone()).await;
        if i == 7 {
            a.send(frame).await;
        }
    }
    let mut seen = Vec::new();
    while seen.len() < 150 {
        let frame = b.expect("new_message").await;
        seen.push(frame["message"]["content"].as_str().unwrap().to_owned());
    }
    let mut echoed = 0;
    while echoed < 151 {
        a.expect("new_message").await;
        echoed += 1;
    }

    let expected: Vec<String> = (0..150).map(|i| format!("n{i}")).collect();
    assert_eq!(seen, expected, "the other member gets each once, in the order sent");
    b.expect_silence().await;
    a.expect_silence().await;
    let mut stored = Vec::new();
    let mut before = String::new();
    loop {
        let page: Value = anna.get(&format!("/api/messages/{room}?limit=100{before}")).await.json().await.unwrap();
        let page = page.as_array().unwrap();
        if page.is_empty() {
            break;
        }
        before = format!("&before={}", page[0]["id"]);
        let mut older: Vec<String> = page.iter().map(|m| m["content"].as_str().unwrap().to_owned()).collect();
        older.append(&mut stored);
        stored = older;
    }
    assert_eq!(stored, expected, "history holds each message once, in the order sent");
}

both_backends!(async fn messages_from_many_senders_arrive_in_id_order_for_every_member);
async fn messages_from_many_senders_arrive_in_id_order_for_every_member() {
    let app = spawn_app().await;
    let room = {
        let probe = TestUser::register(&app).await;
        app.default_room(&probe).await
    };
    let mut senders = Vec::new();
    for _ in 0..4 {
        let user = TestUser::register(&app).await;
        let mut socket = user.connect(&app).await;
        socket.join(room).await;
        senders.push(socket);
    }
    let listener_user = TestUser::register(&app).await;
    let mut listener = listener_user.connect(&app).await;
    listener.join(room).await;

    for round in 0..25 {
        for (i, s) in senders.iter_mut().enumerate() {
            s.send(json!({ "type": "send_message", "room_id": room, "content": format!("{i}-{round}") })).await;
        }
    }
    let mut seen = Vec::new();
    while seen.len() < 100 {
        let frame = listener.next().await;
        if frame["type"] == "new_message" {
            seen.push(frame["message"]["id"].as_i64().unwrap());
        }
    }

    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ids strictly increase: {seen:?}");
}

both_backends!(async fn a_message_survives_a_restart_of_the_app);
async fn a_message_survives_a_restart_of_the_app() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut a = anna.connect(&app).await;
    a.join(room).await;
    let sent = a.say(room, "переживу перезапуск").await;

    let app = app.restart().await;
    let client = app.client();
    let token = app.csrf_token(&client, "/login").await;
    let login = client
        .post(app.url("/login"))
        .form(&[("username", anna.username.as_str()), ("password", &anna.password), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let history: Value =
        client.get(app.url(&format!("/api/messages/{room}"))).send().await.unwrap().json().await.unwrap();

    assert_eq!(history.as_array().unwrap(), &vec![sent]);
}

both_backends!(async fn stopping_the_server_closes_sockets_with_going_away);
async fn stopping_the_server_closes_sockets_with_going_away() {
    let mut app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let mut a = anna.connect(&app).await;

    app.shutdown().await;

    assert_eq!(a.closed_with().await, Some(1001));
}
