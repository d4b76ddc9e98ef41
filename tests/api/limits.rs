//! Limits against flooding: messages, typing and room creation per user, failed logins per
//! account and per address (across instances too), registrations per address, open sockets per
//! user, and which client address counts.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::json;

use crate::helpers::*;

/// Submits the login form from `client`, with extra request headers.
async fn log_in(app: &TestApp, client: &Client, username: &str, password: &str, headers: &[(&str, &str)]) -> Response {
    let token = app.csrf_token(client, "/login").await;
    let mut request =
        client.post(app.url("/login")).form(&[("username", username), ("password", password), ("csrf_token", &token)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"].to_str().unwrap().parse().expect("Retry-After is whole seconds")
}

both_backends!(async fn messages_beyond_the_limit_are_refused_with_a_wait_and_nothing_is_stored);
async fn messages_beyond_the_limit_are_refused_with_a_wait_and_nothing_is_stored() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_MESSAGES", "3/60")]).await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;

    for i in 0..4 {
        socket.send(json!({ "type": "send_message", "room_id": room, "content": format!("m{i}"), "client_id": format!("c{i}") })).await;
    }
    let mut stored = 0;
    let refused = loop {
        let frame = socket.next().await;
        match frame["type"].as_str() {
            Some("new_message") => stored += 1,
            Some("error") => break frame,
            _ => {}
        }
    };
    while stored < 3 {
        stored += usize::from(socket.wait_for("new_message").await["type"] == "new_message");
    }
    let history: serde_json::Value = anna.get(&format!("/api/messages/{room}")).await.json().await.unwrap();

    assert_eq!((refused["code"].as_str(), refused["client_id"].as_str()), (Some("rate_limited"), Some("c3")));
    let wait = refused["retry_after_ms"].as_u64().expect("retry_after_ms");
    assert!((1..=20_000).contains(&wait), "a token comes back every 20 s: {wait}");
    assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));
    let contents: Vec<&str> = history.as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents, ["m0", "m1", "m2"], "the refused message was not stored");
}

both_backends!(async fn typing_is_relayed_at_most_once_every_two_seconds_per_user_and_room);
async fn typing_is_relayed_at_most_once_every_two_seconds_per_user_and_room() {
    let app = spawn_app().await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let mut on_anna = anna.connect(&app).await;
    on_anna.join(room).await;
    let mut on_boris = boris.connect(&app).await;
    on_boris.join(room).await;
    on_anna.wait_for("joined_room").await;

    for _ in 0..5 {
        on_boris.send(json!({ "type": "typing", "room_id": room })).await;
    }
    let first = on_anna.expect("typing").await;
    on_anna.expect_silence().await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    on_boris.send(json!({ "type": "typing", "room_id": room })).await;
    let later = on_anna.expect("typing").await;

    assert_eq!((first["user"]["id"].as_i64(), later["user"]["id"].as_i64()), (Some(boris.id), Some(boris.id)));
    on_boris.expect_silence().await; // throttled typing is dropped without an error
}

both_backends!(async fn creating_rooms_beyond_the_limit_answers_429_with_retry_after);
async fn creating_rooms_beyond_the_limit_answers_429_with_retry_after() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_ROOMS", "2/3600")]).await;
    let anna = TestUser::register(&app).await;
    anna.create_room("Первая").await;
    anna.create_room("Вторая").await;

    let third = anna.post_json("/api/rooms", &json!({ "name": "Третья" })).await;

    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&third);
    assert!((1..=1800).contains(&wait), "{wait}");
    let body: serde_json::Value = third.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    let rooms: serde_json::Value = anna.get("/api/rooms").await.json().await.unwrap();
    assert_eq!(rooms.as_array().unwrap().len(), 3, "the default room and two: the third was not created");
}

both_backends!(async fn failed_logins_beyond_the_limit_block_the_account_for_at_most_the_window_alike_whether_it_exists);
async fn failed_logins_beyond_the_limit_block_the_account_for_at_most_the_window_alike_whether_it_exists() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_LOGIN", "2/2"), ("TRUST_PROXY", "true")]).await;
    let anna = TestUser::register(&app).await;
    let attacker = app.client();
    for _ in 0..2 {
        let failed = log_in(&app, &attacker, &anna.username, "wrong password", &[("x-real-ip", "203.0.113.7")]).await;
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
        log_in(&app, &attacker, "nobody_here", "wrong password", &[("x-real-ip", "203.0.113.8")]).await;
    }

    // anna, from her own address, with the right password: the account is blocked for now.
    let blocked = log_in(&app, &app.client(), &anna.username, &anna.password, &[("x-real-ip", "198.51.100.1")]).await;
    let blocked_status = blocked.status();
    let wait = retry_after(&blocked);
    let blocked_page = blocked.text().await.unwrap();
    let ghost = log_in(&app, &app.client(), "nobody_here", "whatever1", &[("x-real-ip", "198.51.100.2")]).await;
    let ghost_status = ghost.status();
    let ghost_page = ghost.text().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = log_in(&app, &app.client(), &anna.username, &anna.password, &[("x-real-ip", "198.51.100.1")]).await;

    assert_eq!((blocked_status, ghost_status), (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS));
    assert!((1..=2).contains(&wait), "{wait}");
    let notice = |page: &str| {
        page.split("role=\"alert\">").nth(1).map(|rest| rest.split("</div>").next().unwrap_or("").to_owned())
    };
    assert!(notice(&blocked_page).is_some_and(|n| n.contains("попыток")), "{blocked_page}");
    assert_eq!(notice(&blocked_page), notice(&ghost_page), "the same answer whether or not the account exists");
    assert_eq!(later.status(), StatusCode::SEE_OTHER, "the right password works once the window has passed");
}

both_backends!(async fn failed_logins_from_one_address_block_that_address_for_every_account);
async fn failed_logins_from_one_address_block_that_address_for_every_account() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_LOGIN", "2/60"), ("TRUST_PROXY", "true")]).await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let from = [("x-forwarded-for", "10.9.8.7, 203.0.113.9")];
    for _ in 0..2 {
        log_in(&app, &app.client(), &anna.username, "wrong password", &from).await;
    }

    let same_address = log_in(&app, &app.client(), &boris.username, &boris.password, &from).await;
    let other_address =
        log_in(&app, &app.client(), &boris.username, &boris.password, &[("x-forwarded-for", "203.0.113.9, 192.0.2.4")])
            .await;

    assert_eq!(same_address.status(), StatusCode::TOO_MANY_REQUESTS, "the proxy-seen address is the last one");
    assert_eq!(other_address.status(), StatusCode::SEE_OTHER);
}

both_backends!(async fn forwarding_headers_are_ignored_unless_the_proxy_is_trusted);
async fn forwarding_headers_are_ignored_unless_the_proxy_is_trusted() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_LOGIN", "2/60")]).await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    for ip in ["192.0.2.1", "192.0.2.2"] {
        log_in(&app, &app.client(), &anna.username, "wrong password", &[("x-real-ip", ip)]).await;
    }

    let forged = log_in(&app, &app.client(), &boris.username, &boris.password, &[("x-real-ip", "192.0.2.3")]).await;

    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS, "all three came from the same socket address");
}

both_backends!(async fn registrations_beyond_the_limit_per_address_answer_429);
async fn registrations_beyond_the_limit_per_address_answer_429() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_REGISTER", "2/3600")]).await;
    TestUser::register(&app).await;
    TestUser::register(&app).await;
    let client = app.client();
    let name = unique_name("third");

    let third = app
        .post_register(
            &client,
            &[
                ("username", &name),
                ("password", "correct horse"),
                ("password_confirm", "correct horse"),
                ("city", "Тула"),
            ],
        )
        .await;

    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&third) >= 1);
    let page = third.text().await.unwrap();
    assert!(page.contains("регистраций"), "{page}");
    assert!(page.contains(&name), "the typed username is kept");
}

#[tokio::test]
async fn failed_logins_count_across_instances_sharing_the_database() {
    Backend::Postgres
        .run(async {
            let a = spawn_app_with_env(&[("RATE_LIMIT_LOGIN", "2/60")]).await;
            let b = a.another_instance(&[("RATE_LIMIT_LOGIN", "2/60")]).await;
            let anna = TestUser::register(&a).await;
            log_in(&a, &a.client(), &anna.username, "wrong password", &[]).await;
            log_in(&b, &b.client(), &anna.username, "wrong password", &[]).await;

            let on_a = log_in(&a, &a.client(), &anna.username, &anna.password, &[]).await;
            let on_b = log_in(&b, &b.client(), &anna.username, &anna.password, &[]).await;

            assert_eq!(on_a.status(), StatusCode::TOO_MANY_REQUESTS, "one failure on each instance makes two");
            assert_eq!(on_b.status(), StatusCode::TOO_MANY_REQUESTS);
        })
        .await;
}

both_backends!(async fn a_user_at_the_socket_limit_gets_429_until_one_of_their_sockets_closes);
async fn a_user_at_the_socket_limit_gets_429_until_one_of_their_sockets_closes() {
    let app = spawn_app_with_env(&[("MAX_CONNECTIONS_PER_USER", "2")]).await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let first = anna.connect(&app).await;
    let _second = anna.connect(&app).await;

    let third = ws_connect(&app, Some(&anna.session), Some(&app.origin())).await.err();
    let other_user = boris.connect(&app).await;
    first.close().await;
    let mut after_close = None;
    for _ in 0..40 {
        match ws_connect(&app, Some(&anna.session), Some(&app.origin())).await {
            Ok(socket) => {
                after_close = Some(socket);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }

    assert_eq!(third, Some(StatusCode::TOO_MANY_REQUESTS));
    assert!(after_close.is_some(), "the closed socket's slot is free again");
    drop(other_user);
}

both_backends!(async fn edits_and_reactions_count_against_the_message_limit);
async fn edits_and_reactions_count_against_the_message_limit() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_MESSAGES", "3/60")]).await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;
    let message = socket.say(room, "один").await;

    socket.send(json!({ "type": "add_reaction", "message_id": message["id"], "emoji": "👍" })).await;
    socket.wait_for("reaction_added").await;
    socket.send(json!({ "type": "edit_message", "message_id": message["id"], "content": "два" })).await;
    socket.wait_for("message_updated").await;
    socket.send(json!({ "type": "edit_message", "message_id": message["id"], "content": "три" })).await;
    let refused = socket.wait_for("error").await;

    assert_eq!(refused["code"], "rate_limited");
    assert!(refused["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0));
    let history: Vec<serde_json::Value> = anna.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
    assert_eq!(history[0]["content"], "два", "the refused edit changed nothing");
}
