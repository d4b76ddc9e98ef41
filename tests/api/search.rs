//! Search: `GET /api/search?q&room_id&before&limit` — Russian word forms, «ё» as «е», case,
//! English stems, phrases, `from:` and `in:`, the room filter, paging newest first, edits and
//! deletions seen at once, the highlight's plain text and UTF-16 offsets, and the refusals.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// A signed-in user with a socket joined to a room (a fresh one of `room_name`, or the default
/// room when `None`).
async fn writer(app: &TestApp, room_name: Option<&str>) -> (TestUser, Socket, i64) {
    let user = TestUser::register(app).await;
    let room = match room_name {
        Some(name) => user.create_room(name).await["id"].as_i64().unwrap(),
        None => app.default_room(&user).await,
    };
    let mut socket = user.connect(app).await;
    socket.join(room).await;
    (user, socket, room)
}

/// Sends a message and waits for its own stored copy (skipping other people's); its id.
async fn post(socket: &mut Socket, room: i64, content: &str) -> i64 {
    socket.send(json!({ "type": "send_message", "room_id": room, "content": content })).await;
    loop {
        let message = socket.wait_for("new_message").await["message"].clone();
        if message["room_id"] == room && message["content"] == content {
            return message["id"].as_i64().unwrap();
        }
    }
}

/// `GET /api/search` with these parameters (encoded here), answered 200.
async fn search(user: &TestUser, params: &[(&str, &str)]) -> Vec<Value> {
    let response = search_response(user, params).await;
    assert_eq!(response.status(), StatusCode::OK, "search {params:?}");
    response.json().await.unwrap()
}

async fn search_response(user: &TestUser, params: &[(&str, &str)]) -> reqwest::Response {
    let query = serde_urlencoded::to_string(params).unwrap();
    user.get(&format!("/api/search?{query}")).await
}

/// The contents of the results, in order.
async fn found(user: &TestUser, q: &str) -> Vec<String> {
    contents(&search(user, &[("q", q)]).await)
}

fn contents(results: &[Value]) -> Vec<String> {
    results.iter().map(|m| m["content"].as_str().unwrap().to_owned()).collect()
}

fn ids(results: &[Value]) -> Vec<i64> {
    results.iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

/// The parts of a result's highlight text its matches point at, sliced by UTF-16 offsets as a
/// browser slices them.
fn marked(result: &Value) -> Vec<String> {
    let units: Vec<u16> = result["highlight"]["text"].as_str().unwrap().encode_utf16().collect();
    result["highlight"]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let (start, end) = (m[0].as_u64().unwrap() as usize, m[1].as_u64().unwrap() as usize);
            String::from_utf16(&units[start..end]).unwrap()
        })
        .collect()
}

both_backends!(async fn a_russian_word_finds_its_other_forms_newest_first);
async fn a_russian_word_finds_its_other_forms_newest_first() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    for text in ["Кошка спит", "Вижу две кошки", "Собака лает", "Гуляю с кошкой"]
    {
        post(&mut socket, room, text).await;
    }

    let by_nominative = found(&user, "кошка").await;
    let by_instrumental = found(&user, "кошкой").await;

    assert_eq!(by_nominative, ["Гуляю с кошкой", "Вижу две кошки", "Кошка спит"]);
    assert_eq!(by_instrumental, by_nominative);
}

both_backends!(async fn yo_and_ye_find_each_other_both_ways);
async fn yo_and_ye_find_each_other_both_ways() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    post(&mut socket, room, "Ёлка в лесу").await;
    post(&mut socket, room, "елка дома").await;

    assert_eq!(found(&user, "ёлка").await, ["елка дома", "Ёлка в лесу"]);
    assert_eq!(found(&user, "елки").await, ["елка дома", "Ёлка в лесу"]);
}

both_backends!(async fn cyrillic_letters_match_in_any_case);
async fn cyrillic_letters_match_in_any_case() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    post(&mut socket, room, "МОСКВА — СТОЛИЦА").await;
    post(&mut socket, room, "Прогулка по Москве").await;

    assert_eq!(found(&user, "москва").await, ["Прогулка по Москве", "МОСКВА — СТОЛИЦА"]);
    assert_eq!(found(&user, "СТОЛИЦЫ").await, ["МОСКВА — СТОЛИЦА"]);
}

both_backends!(async fn english_words_are_found_by_their_stem_and_stop_words_count);
async fn english_words_are_found_by_their_stem_and_stop_words_count() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    post(&mut socket, room, "The cats are running home").await;
    post(&mut socket, room, "кот и пёс").await;

    assert_eq!(found(&user, "cat runs").await, ["The cats are running home"]);
    assert_eq!(found(&user, "RUN").await, ["The cats are running home"]);
    assert_eq!(found(&user, "the").await, ["The cats are running home"], "no stop words");
    assert_eq!(found(&user, "и").await, ["кот и пёс"], "in Russian neither");
}

both_backends!(async fn every_word_must_match_and_a_phrase_must_match_in_order_side_by_side);
async fn every_word_must_match_and_a_phrase_must_match_in_order_side_by_side() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    post(&mut socket, room, "чёрная кошка спит").await;
    post(&mut socket, room, "кошка чёрная, но не спит").await;
    post(&mut socket, room, "чёрная собака").await;

    assert_eq!(found(&user, "черная кошка").await, ["кошка чёрная, но не спит", "чёрная кошка спит"]);
    assert_eq!(found(&user, r#""черные кошки""#).await, ["чёрная кошка спит"]);
    assert_eq!(found(&user, r#""кошка черная" спит"#).await, ["кошка чёрная, но не спит"]);
}

both_backends!(async fn from_finds_one_authors_messages_by_username_in_any_case);
async fn from_finds_one_authors_messages_by_username_in_any_case() {
    let app = spawn_app().await;
    let (alice, mut alice_socket, room) = writer(&app, None).await;
    let (bob, mut bob_socket, _) = writer(&app, None).await;
    post(&mut alice_socket, room, "привет от Алисы").await;
    post(&mut bob_socket, room, "привет от Боба").await;
    post(&mut bob_socket, room, "пока").await;

    let by_bob = format!("from:@{}", bob.username.to_uppercase());
    assert_eq!(found(&alice, &format!("привет {by_bob}")).await, ["привет от Боба"]);
    assert_eq!(found(&alice, &by_bob).await, ["пока", "привет от Боба"], "from: alone lists the author's messages");
    assert_eq!(found(&alice, "привет from:nobody_here").await, Vec::<String>::new());
}

both_backends!(async fn in_names_a_room_quoted_when_it_has_spaces_and_room_id_filters_too);
async fn in_names_a_room_quoted_when_it_has_spaces_and_room_id_filters_too() {
    let app = spawn_app().await;
    let (user, mut socket, club) = writer(&app, Some("Кошачий клуб")).await;
    let general = app.default_room(&user).await;
    socket.send(json!({ "type": "join_room", "room_id": general })).await;
    while socket.wait_for("room_users_list").await["room_id"] != general {}
    post(&mut socket, club, "кошка в клубе").await;
    post(&mut socket, general, "кошка в общем чате").await;

    assert_eq!(found(&user, r#"кошка in:"кошачий КЛУБ""#).await, ["кошка в клубе"]);
    assert_eq!(found(&user, r#"in:"Общий чат""#).await, ["кошка в общем чате"]);
    assert_eq!(found(&user, "кошка in:нет_такой").await, Vec::<String>::new());
    let in_club = search(&user, &[("q", "кошка"), ("room_id", &club.to_string())]).await;
    assert_eq!(contents(&in_club), ["кошка в клубе"]);
    let both = search(&user, &[("q", r#"кошка in:"Общий чат""#), ("room_id", &club.to_string())]).await;
    assert!(both.is_empty(), "room_id and in: both apply: {both:?}");
}

both_backends!(async fn before_and_limit_page_backwards_newest_first_without_gaps);
async fn before_and_limit_page_backwards_newest_first_without_gaps() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(post(&mut socket, room, &format!("заметка номер {n}")).await);
    }
    sent.reverse();

    let first = search(&user, &[("q", "заметка"), ("limit", "2")]).await;
    let before = ids(&first)[1].to_string();
    let second = search(&user, &[("q", "заметка"), ("limit", "2"), ("before", &before)]).await;
    let rest = search(&user, &[("q", "заметка"), ("before", &ids(&second)[1].to_string())]).await;

    assert_eq!([ids(&first), ids(&second), ids(&rest)].concat(), sent);
    assert_eq!(search(&user, &[("q", "заметка")]).await.len(), 5, "the default limit is above 5");
}

both_backends!(async fn an_edited_message_is_found_by_its_new_words_and_not_its_old_ones);
async fn an_edited_message_is_found_by_its_new_words_and_not_its_old_ones() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    let id = post(&mut socket, room, "встречаемся в среду").await;

    socket.send(json!({ "type": "edit_message", "message_id": id, "content": "встречаемся в пятницу" })).await;
    socket.wait_for("message_updated").await;

    assert_eq!(found(&user, "пятница").await, ["встречаемся в пятницу"]);
    assert_eq!(found(&user, "среда").await, Vec::<String>::new());
}

both_backends!(async fn a_deleted_message_is_not_found);
async fn a_deleted_message_is_not_found() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    let gone = post(&mut socket, room, "секретный пароль").await;
    post(&mut socket, room, "другой пароль").await;
    let author = format!("from:{}", user.username);

    socket.send(json!({ "type": "delete_message", "message_id": gone })).await;
    socket.wait_for("message_deleted").await;

    assert_eq!(found(&user, "пароль").await, ["другой пароль"]);
    assert_eq!(found(&user, &author).await, ["другой пароль"], "not by its author either");
}

both_backends!(async fn a_result_is_a_full_message_with_a_highlight_pointing_at_the_matched_words);
async fn a_result_is_a_full_message_with_a_highlight_pointing_at_the_matched_words() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    let id = post(&mut socket, room, "😀 Кошки и «чёрная кошка» — 🐈 кошкой").await;
    socket.send(json!({ "type": "add_reaction", "message_id": id, "emoji": "🐈" })).await;
    socket.wait_for("reaction_added").await;

    let results = search(&user, &[("q", r#"кошка "черная кошка""#)]).await;

    let result = &results[0];
    assert_eq!((result["room_id"].as_i64(), result["user"]["id"].as_i64()), (Some(room), Some(user.id)));
    assert_eq!(result["user"]["username"], user.username.as_str());
    assert!(result["created_at"].is_string() && result["id"].is_i64(), "{result}");
    assert_eq!(result["highlight"]["text"], "😀 Кошки и «чёрная кошка» — 🐈 кошкой");
    assert_eq!(marked(result), ["Кошки", "чёрная кошка", "кошкой"]);
    assert_eq!(result["reactions"], json!([{ "emoji": "🐈", "count": 1, "me": true }]), "me for the searcher");
}

both_backends!(async fn a_long_message_is_excerpted_around_the_match);
async fn a_long_message_is_excerpted_around_the_match() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    let long = format!("{}иголка{}", "сено ".repeat(100), " сено".repeat(100));
    post(&mut socket, room, &long).await;

    let results = search(&user, &[("q", "иголку")]).await;

    let text = results[0]["highlight"]["text"].as_str().unwrap();
    assert!(text.starts_with('…') && text.ends_with('…') && text.chars().count() <= 162, "{text}");
    assert_eq!(marked(&results[0]), ["иголка"]);
    assert_eq!(results[0]["content"], long.as_str(), "the message itself is whole");
}

both_backends!(async fn markup_in_a_message_comes_back_as_plain_text_in_the_highlight);
async fn markup_in_a_message_comes_back_as_plain_text_in_the_highlight() {
    let app = spawn_app().await;
    let (user, mut socket, room) = writer(&app, None).await;
    post(&mut socket, room, "<b>жирный</b> & <i>текст</i>").await;

    let results = search(&user, &[("q", "жирный")]).await;

    assert_eq!(results[0]["highlight"]["text"], "<b>жирный</b> & <i>текст</i>");
    assert_eq!(marked(&results[0]), ["жирный"]);
}

both_backends!(async fn an_empty_or_too_long_search_is_refused_with_400);
async fn an_empty_or_too_long_search_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let longest = "я".repeat(200);
    let too_long = format!("{longest}я");

    for q in [None, Some(""), Some("   "), Some("?!…"), Some(too_long.as_str())] {
        let params: Vec<(&str, &str)> = q.map(|q| ("q", q)).into_iter().collect();
        let response = search_response(&user, &params).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{q:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{q:?}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    }
    assert_eq!(search_response(&user, &[("q", &longest)]).await.status(), StatusCode::OK);
}

both_backends!(async fn bad_paging_parameters_and_an_unknown_room_are_refused);
async fn bad_paging_parameters_and_an_unknown_room_are_refused() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    for (params, status) in [
        (vec![("q", "кошка"), ("room_id", "999999")], StatusCode::NOT_FOUND),
        (vec![("q", "кошка"), ("room_id", "первая")], StatusCode::BAD_REQUEST),
        (vec![("q", "кошка"), ("before", "x")], StatusCode::BAD_REQUEST),
        (vec![("q", "кошка"), ("limit", "0")], StatusCode::BAD_REQUEST),
        (vec![("q", "кошка"), ("limit", "-1")], StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(search_response(&user, &params).await.status(), status, "{params:?}");
    }
    assert_eq!(search_response(&user, &[("q", "кошка"), ("limit", "1000")]).await.status(), StatusCode::OK);
}

both_backends!(async fn searching_needs_a_session);
async fn searching_needs_a_session() {
    let app = spawn_app().await;

    let response = app.client().get(app.url("/api/search?q=кошка")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
}
