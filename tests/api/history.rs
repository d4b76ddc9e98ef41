//! History: `GET /api/messages/:room_id?limit&before` — newest page first, each page oldest to
//! newest, paging backward without gaps or repeats, the limits on `limit`, the shape of a stored
//! message, and that content comes back exactly as stored (trimmed, never escaped).

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Sends a message and waits for its own stored copy, skipping other members' messages that
/// may already be queued on this socket (`Socket::say` would return the first of those).
async fn say_own(socket: &mut Socket, room: i64, content: &str) -> Value {
    socket.send(json!({ "type": "send_message", "room_id": room, "content": content })).await;
    loop {
        let message = socket.wait_for("new_message").await["message"].clone();
        if message["room_id"] == room && message["content"] == content {
            return message;
        }
    }
}

/// Sends `count` messages "`label` 0", "`label` 1", … into a room the socket has joined;
/// returns their ids in order.
async fn post_messages(socket: &mut Socket, room: i64, label: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let message = say_own(socket, room, &format!("{label} {n}")).await;
        ids.push(message["id"].as_i64().expect("a stored message has an id"));
    }
    ids
}

/// Joins a room, skipping frames already queued (`Socket::join` insists the member list comes next).
async fn join(socket: &mut Socket, room: i64) {
    socket.send(json!({ "type": "join_room", "room_id": room })).await;
    while socket.wait_for("room_users_list").await["room_id"] != room {}
}

/// A user connected and joined to a fresh room of their own.
async fn user_in_new_room(app: &TestApp, name: &str) -> (TestUser, Socket, i64) {
    let user = TestUser::register(app).await;
    let room = user.create_room(name).await["id"].as_i64().unwrap();
    let mut socket = user.connect(app).await;
    socket.join(room).await;
    (user, socket, room)
}

/// One page of history, which must be answered with 200.
async fn history(user: &TestUser, room: i64, query: &str) -> Vec<Value> {
    let response = user.get(&format!("/api/messages/{room}{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "GET history {query}");
    response.json().await.unwrap()
}

fn ids(page: &[Value]) -> Vec<i64> {
    page.iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

/// Asserts an error answer: the status, and a JSON body with `error` and `code`.
async fn assert_error(response: reqwest::Response, status: StatusCode, what: &str) -> Value {
    assert_eq!(response.status(), status, "{what}");
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {body}");
    assert!(body["code"].as_str().is_some_and(|c| !c.is_empty()), "{what}: {body}");
    body
}

both_backends!(async fn an_empty_room_has_an_empty_history);
async fn an_empty_room_has_an_empty_history() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;

    let page = history(&user, room, "").await;

    assert!(page.is_empty(), "{page:?}");
}

both_backends!(async fn a_history_page_says_how_long_the_server_took_in_server_timing);
async fn a_history_page_says_how_long_the_server_took_in_server_timing() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;

    let response = user.get(&format!("/api/messages/{room}")).await;

    assert_eq!(response.status(), StatusCode::OK);
    let timing = response.headers().get("server-timing").expect("a Server-Timing header").to_str().unwrap();
    let metric = |name: &str| -> f64 {
        let entry = timing.split(", ").find_map(|m| m.strip_prefix(&format!("{name};dur="))).expect(name);
        entry.parse().expect("a number of ms")
    };
    let (app, queue, db) = (metric("app"), metric("queue"), metric("db"));
    assert!(db > 0.0 && queue >= 0.0 && queue + db <= app && app < 60_000.0, "{timing}");
}

both_backends!(async fn history_returns_the_newest_50_messages_oldest_first_by_default);
async fn history_returns_the_newest_50_messages_oldest_first_by_default() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "По умолчанию").await;
    let sent = post_messages(&mut socket, room, "сообщение", 60).await;

    let page = history(&user, room, "").await;

    assert_eq!(ids(&page), sent[10..]);
    assert_eq!(page[0]["content"], "сообщение 10");
    assert_eq!(page[49]["content"], "сообщение 59");
}

both_backends!(async fn limit_picks_the_newest_n_messages);
async fn limit_picks_the_newest_n_messages() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "Лимит").await;
    let sent = post_messages(&mut socket, room, "сообщение", 12).await;

    let five = history(&user, room, "?limit=5").await;
    let one = history(&user, room, "?limit=1").await;
    let more_than_there_are = history(&user, room, "?limit=100").await;

    assert_eq!(ids(&five), sent[7..]);
    assert_eq!(ids(&one), sent[11..]);
    assert_eq!(ids(&more_than_there_are), sent);
}

both_backends!(async fn a_page_never_holds_more_than_100_messages);
async fn a_page_never_holds_more_than_100_messages() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "Потолок").await;
    let sent = post_messages(&mut socket, room, "сообщение", 150).await;

    let page = history(&user, room, "?limit=500").await;
    let exactly = history(&user, room, "?limit=100").await;
    let one_over = history(&user, room, "?limit=101").await;

    assert_eq!(ids(&page), sent[50..], "the newest 100, oldest first");
    assert_eq!(exactly, page);
    assert_eq!(one_over, page);
}

both_backends!(async fn before_returns_only_messages_older_than_the_given_id);
async fn before_returns_only_messages_older_than_the_given_id() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "До").await;
    let sent = post_messages(&mut socket, room, "сообщение", 10).await;

    let before_sixth = history(&user, room, &format!("?before={}", sent[5])).await;
    let three_before_sixth = history(&user, room, &format!("?before={}&limit=3", sent[5])).await;
    let before_first = history(&user, room, &format!("?before={}", sent[0])).await;
    let before_far_future = history(&user, room, "?before=9223372036854775807").await;

    assert_eq!(ids(&before_sixth), sent[..5]);
    assert_eq!(ids(&three_before_sixth), sent[2..5]);
    assert!(before_first.is_empty(), "nothing is older than the first message");
    assert_eq!(ids(&before_far_future), sent);
}

both_backends!(async fn paging_backward_visits_every_message_exactly_once);
async fn paging_backward_visits_every_message_exactly_once() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "Листание").await;
    let sent = post_messages(&mut socket, room, "сообщение", 120).await;

    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut query = "?limit=50".to_owned();
    loop {
        let page = ids(&history(&user, room, &query).await);
        if page.is_empty() {
            break;
        }
        assert!(page.windows(2).all(|w| w[0] < w[1]), "each page is oldest to newest: {page:?}");
        query = format!("?limit=50&before={}", page[0]);
        pages.push(page);
        assert!(pages.len() <= 3, "120 messages fit in three pages of 50");
    }

    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
    let seen: Vec<i64> = pages.into_iter().rev().flatten().collect();
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "strictly increasing overall, so no repeats");
    assert_eq!(seen, sent, "every message seen exactly once, none lost");
}

both_backends!(async fn paging_backward_is_not_disturbed_by_messages_arriving_meanwhile);
async fn paging_backward_is_not_disturbed_by_messages_arriving_meanwhile() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "Живая").await;
    let sent = post_messages(&mut socket, room, "сообщение", 30).await;
    let first = ids(&history(&user, room, "?limit=10").await);

    let late = post_messages(&mut socket, room, "позже", 5).await;
    let mut seen = first.clone();
    let mut oldest = first[0];
    loop {
        let page = ids(&history(&user, room, &format!("?limit=10&before={oldest}")).await);
        let Some(&head) = page.first() else { break };
        oldest = head;
        seen.splice(0..0, page);
    }

    assert_eq!(seen, sent, "the older pages hold exactly the messages from before the first page");
    let newest = ids(&history(&user, room, "?limit=5").await);
    assert_eq!(newest, late, "the late messages are at the newest end");
}

both_backends!(async fn history_of_a_room_holds_only_that_rooms_messages);
async fn history_of_a_room_holds_only_that_rooms_messages() {
    let app = spawn_app().await;
    let (user, mut socket, room) = user_in_new_room(&app, "Первая").await;
    let other_room = user.create_room("Вторая").await["id"].as_i64().unwrap();
    join(&mut socket, other_room).await;
    let mut mine = Vec::new();
    let mut theirs = Vec::new();
    for n in 0..5 {
        mine.push(socket.say(room, &format!("здесь {n}")).await["id"].as_i64().unwrap());
        theirs.push(socket.say(other_room, &format!("там {n}")).await["id"].as_i64().unwrap());
    }

    let page = history(&user, room, "").await;
    let other_page = history(&user, other_room, "").await;

    assert_eq!(ids(&page), mine);
    assert!(page.iter().all(|m| m["room_id"] == room));
    assert_eq!(ids(&other_page), theirs);
    assert!(other_page.iter().all(|m| m["room_id"] == other_room));
}

both_backends!(async fn a_message_has_exactly_the_documented_fields);
async fn a_message_has_exactly_the_documented_fields() {
    let app = spawn_app().await;
    let user = TestUser::register_in(&app, "Казань").await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    socket.join(room).await;
    let live = socket.say(room, "поля").await;

    let page = history(&user, room, "").await;

    assert_eq!(page.len(), 1);
    let message = &page[0];
    assert_eq!(message, &live, "history holds the same message that was broadcast");
    let mut keys: Vec<&str> = message.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "client_id",
            "content",
            "created_at",
            "edited_at",
            "id",
            "mentions",
            "pinned",
            "reactions",
            "reply_to",
            "room_id",
            "user"
        ]
    );
    assert!(message["id"].is_i64());
    assert_eq!(message["room_id"], room);
    assert_eq!(message["content"], "поля");
    assert!(message["client_id"].is_null());
    assert_eq!(message["user"], user_json(user.id, &user.username, "Казань"));
}

both_backends!(async fn created_at_is_rfc3339_in_utc);
async fn created_at_is_rfc3339_in_utc() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    socket.join(room).await;
    let before = chrono::Utc::now();
    socket.say(room, "который час?").await;
    let after = chrono::Utc::now();

    let page = history(&user, room, "").await;

    let created_at = page[0]["created_at"].as_str().expect("created_at is a string");
    assert!(created_at.ends_with('Z'), "UTC with a Z suffix: {created_at}");
    let parsed = chrono::DateTime::parse_from_rfc3339(created_at).expect("created_at is RFC 3339");
    let slack = chrono::Duration::seconds(1);
    assert!(parsed >= before - slack && parsed <= after + slack, "{created_at} is not between {before} and {after}");
}

both_backends!(async fn a_client_id_comes_back_with_the_message);
async fn a_client_id_comes_back_with_the_message() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    socket.join(room).await;

    socket
        .send(json!({ "type": "send_message", "room_id": room, "content": "с меткой", "client_id": "abc-123" }))
        .await;
    let live = socket.wait_for("new_message").await["message"].clone();

    let page = history(&user, room, "").await;
    assert_eq!(live["client_id"], "abc-123");
    assert_eq!(page, [live]);
}

both_backends!(async fn each_message_carries_its_authors_name_and_city);
async fn each_message_carries_its_authors_name_and_city() {
    let app = spawn_app().await;
    let omsk = TestUser::register_in(&app, "Омск").await;
    let tomsk = TestUser::register_in(&app, "Томск").await;
    let room = app.default_room(&omsk).await;
    let mut omsk_socket = omsk.connect(&app).await;
    let mut tomsk_socket = tomsk.connect(&app).await;
    omsk_socket.join(room).await;
    tomsk_socket.join(room).await;

    say_own(&mut omsk_socket, room, "привет из Омска").await;
    say_own(&mut tomsk_socket, room, "привет из Томска").await;

    let page = history(&tomsk, room, "").await;
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["user"], user_json(omsk.id, &omsk.username, "Омск"));
    assert_eq!(page[1]["user"], user_json(tomsk.id, &tomsk.username, "Томск"));
}

both_backends!(async fn message_content_is_stored_trimmed);
async fn message_content_is_stored_trimmed() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    socket.join(room).await;

    let live = socket.say(room, "  \n\t привет,\nмир \t\n ").await;

    let page = history(&user, room, "").await;
    assert_eq!(live["content"], "привет,\nмир");
    assert_eq!(page[0]["content"], "привет,\nмир", "inner line breaks stay, the edges are trimmed");
}

both_backends!(async fn html_in_a_message_is_stored_and_returned_byte_for_byte);
async fn html_in_a_message_is_stored_and_returned_byte_for_byte() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    socket.join(room).await;
    let texts = [
        "<img src=x onerror=alert(1)>",
        r#"<script>alert("xss")</script>"#,
        "a &amp; b &lt; c & d > e 'single' \"double\"",
        "\\u003c не экранируется \\ обратная косая",
    ];

    for text in texts {
        socket.say(room, text).await;
    }

    let response = user.get(&format!("/api/messages/{room}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let page: Vec<Value> = response.json().await.unwrap();
    let contents: Vec<&str> = page.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, texts);
}

both_backends!(async fn invalid_limit_or_before_is_refused_with_400);
async fn invalid_limit_or_before_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;

    for query in
        ["?limit=abc", "?limit=0", "?limit=-1", "?limit=1.5", "?limit=", "?before=xyz", "?before=1.5", "?before="]
    {
        let response = user.get(&format!("/api/messages/{room}{query}")).await;

        assert_error(response, StatusCode::BAD_REQUEST, query).await;
    }
}

both_backends!(async fn history_of_an_unknown_room_is_404);
async fn history_of_an_unknown_room_is_404() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let response = user.get("/api/messages/999999").await;

    assert_error(response, StatusCode::NOT_FOUND, "unknown room").await;
}

both_backends!(async fn a_room_id_that_is_not_a_number_is_refused_with_400);
async fn a_room_id_that_is_not_a_number_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let response = user.get("/api/messages/general").await;

    assert_error(response, StatusCode::BAD_REQUEST, "room id general").await;
}

both_backends!(async fn history_requires_a_login);
async fn history_requires_a_login() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let anonymous = app.client();

    for path in [format!("/api/messages/{room}"), "/api/messages/999999".to_owned()] {
        let response = anonymous.get(app.url(&path)).send().await.unwrap();

        let body = assert_error(response, StatusCode::UNAUTHORIZED, &path).await;
        assert_eq!(body["code"], "unauthorized", "{path}");
    }
}

both_backends!(async fn message_ids_are_unique_across_rooms_and_users);
async fn message_ids_are_unique_across_rooms_and_users() {
    let app = spawn_app().await;
    let (first, mut first_socket, room) = user_in_new_room(&app, "Общая нумерация").await;
    let second = TestUser::register(&app).await;
    let mut second_socket = second.connect(&app).await;
    join(&mut second_socket, room).await;
    let default_room = app.default_room(&first).await;
    join(&mut first_socket, default_room).await;

    let mut sent = post_messages(&mut first_socket, room, "первый", 5).await;
    sent.extend(post_messages(&mut second_socket, room, "второй", 5).await);
    sent.extend(post_messages(&mut first_socket, default_room, "снова первый", 5).await);

    let unique: HashSet<i64> = sent.iter().copied().collect();
    assert_eq!(unique.len(), sent.len(), "ids repeat: {sent:?}");
    assert!(sent.windows(2).all(|w| w[0] < w[1]), "ids grow in commit order: {sent:?}");
    let mut stored = ids(&history(&first, room, "").await);
    stored.extend(ids(&history(&first, default_room, "").await));
    assert_eq!(stored, sent);
}
