//! Sessions and how they end — logging out, logging in again from the same browser, ending the
//! others (for a password change), idle and absolute expiry — and that whichever way a session
//! ends, its WebSockets close with 4001 while the user's other sessions carry on.

use std::time::{Duration, Instant};

use discock::domain::UserId;
use reqwest::StatusCode;

use crate::helpers::*;

/// Close code of a socket whose session ended.
const SESSION_ENDED: Option<u16> = Some(4001);

/// The status `/api/me` answers to a bare session cookie, from a client of its own.
async fn me_with(app: &TestApp, token: &str) -> StatusCode {
    let request = app.client().get(app.url("/api/me")).header("cookie", format!("discock_session={token}"));
    request.send().await.unwrap().status()
}

both_backends!(async fn logging_out_closes_every_socket_of_that_session_within_a_second_and_no_other);
async fn logging_out_closes_every_socket_of_that_session_within_a_second_and_no_other() {
    let app = spawn_app().await;
    let laptop = TestUser::register(&app).await;
    let phone = laptop.another_device(&app).await;
    let mut first_tab = laptop.connect(&app).await;
    let mut second_tab = laptop.connect(&app).await;
    let mut on_phone = phone.connect(&app).await;

    let started = Instant::now();
    laptop.log_out(&app).await;
    let codes = (first_tab.closed_with().await, second_tab.closed_with().await);
    let took = started.elapsed();

    assert_eq!(codes, (SESSION_ENDED, SESSION_ENDED));
    assert!(took < Duration::from_secs(1), "the sockets closed {took:?} after the logout");
    on_phone.expect_served().await;
    assert_eq!(phone.get("/api/me").await.status(), StatusCode::OK, "the other device stays signed in");
}

both_backends!(async fn logging_in_again_in_the_same_browser_ends_the_session_it_presented_but_not_other_devices);
async fn logging_in_again_in_the_same_browser_ends_the_session_it_presented_but_not_other_devices() {
    let app = spawn_app().await;
    let mut laptop = TestUser::register(&app).await;
    let phone = laptop.another_device(&app).await;
    let mut old_socket = laptop.connect(&app).await;
    let mut on_phone = phone.connect(&app).await;

    let old = laptop.log_in_again(&app).await;

    assert_ne!(laptop.session, old);
    assert_eq!(old_socket.closed_with().await, SESSION_ENDED);
    assert_eq!(me_with(&app, &old).await, StatusCode::UNAUTHORIZED, "the old cookie no longer signs in");
    assert_eq!(laptop.get("/api/me").await.status(), StatusCode::OK, "the new session works");
    laptop.connect(&app).await.expect_served().await;
    on_phone.expect_served().await;
    assert_eq!(phone.get("/api/me").await.status(), StatusCode::OK);
}

both_backends!(async fn an_idle_session_is_refused_and_its_open_socket_closed_at_the_next_ping);
async fn an_idle_session_is_refused_and_its_open_socket_closed_at_the_next_ping() {
    let app = spawn_app_with_ping(Duration::from_millis(200)).await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    // A live session's socket outlives several pings.
    tokio::time::sleep(Duration::from_millis(700)).await;
    socket.expect_served().await;

    app.backdate_session(&user.session, "last_seen_at", 31); // SESSION_IDLE_DAYS is 30

    assert_eq!(user.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(user.get(&format!("/api/messages/{room}")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(socket.closed_with().await, SESSION_ENDED);
    assert_eq!(ws_connect(&app, Some(&user.session), Some(&app.origin())).await.err(), Some(StatusCode::UNAUTHORIZED));
}

both_backends!(async fn a_session_past_its_absolute_limit_is_refused_and_its_open_socket_closed_at_the_next_ping);
async fn a_session_past_its_absolute_limit_is_refused_and_its_open_socket_closed_at_the_next_ping() {
    let app = spawn_app_with_ping(Duration::from_millis(200)).await;
    let user = TestUser::register(&app).await;
    let room = app.default_room(&user).await;
    let mut socket = user.connect(&app).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    socket.expect_served().await;

    // In use until now, but logged in longer ago than SESSION_MAX_DAYS (90).
    app.backdate_session(&user.session, "created_at", 91);

    assert_eq!(user.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(user.get(&format!("/api/messages/{room}")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(socket.closed_with().await, SESSION_ENDED);
}

both_backends!(async fn session_lifetimes_follow_the_configuration_and_the_cookie_lasts_the_absolute_limit);
async fn session_lifetimes_follow_the_configuration_and_the_cookie_lasts_the_absolute_limit() {
    let app = spawn_app_with_env(&[("SESSION_IDLE_DAYS", "2"), ("SESSION_MAX_DAYS", "5")]).await;
    let client = app.client();
    let name = unique_name("life");
    let fields = [
        ("username", name.as_str()),
        ("password", "password123"),
        ("password_confirm", "password123"),
        ("city", "Тула"),
    ];
    let response = app.post_register(&client, &fields).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("discock_session="))
        .expect("a session cookie")
        .to_owned();
    let token = cookie_value(&response, "discock_session").unwrap();

    assert!(cookie.contains(&format!("Max-Age={}", 5 * 24 * 3600)), "{cookie}");
    app.backdate_session(&token, "last_seen_at", 1);
    assert_eq!(me_with(&app, &token).await, StatusCode::OK, "a day idle is within two");
    app.backdate_session(&token, "last_seen_at", 2);
    assert_eq!(me_with(&app, &token).await, StatusCode::UNAUTHORIZED, "two days idle is too long");
}

both_backends!(async fn ending_the_other_sessions_closes_their_sockets_and_keeps_the_given_one);
async fn ending_the_other_sessions_closes_their_sockets_and_keeps_the_given_one() {
    let app = spawn_app().await;
    let laptop = TestUser::register(&app).await;
    let phone = laptop.another_device(&app).await;
    let tablet = laptop.another_device(&app).await;
    let someone_else = TestUser::register(&app).await;
    let mut on_laptop = laptop.connect(&app).await;
    let mut on_phone = phone.connect(&app).await;
    let mut on_tablet = tablet.connect(&app).await;
    let mut theirs = someone_else.connect(&app).await;
    let keep = app.accounts().keys().session_hash(&laptop.session);

    let started = Instant::now();
    let ended = app.accounts().end_other_sessions(UserId(laptop.id), &keep).await.unwrap();
    let codes = (on_phone.closed_with().await, on_tablet.closed_with().await);
    let took = started.elapsed();

    assert_eq!(ended, 2);
    assert_eq!(codes, (SESSION_ENDED, SESSION_ENDED));
    assert!(took < Duration::from_secs(1), "the sockets closed {took:?} after the sessions ended");
    assert_eq!(phone.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(tablet.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    on_laptop.expect_served().await;
    assert_eq!(laptop.get("/api/me").await.status(), StatusCode::OK, "the kept session stays");
    theirs.expect_served().await;
    assert_eq!(someone_else.get("/api/me").await.status(), StatusCode::OK, "other users are untouched");
}
