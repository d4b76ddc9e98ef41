//! Profiles: reading anyone's profile (with whether they are online), changing one's own city
//! and about text — everyone connected hears `user_updated`, on this instance and, through
//! Redis, on another — and changing one's password, which ends the other sessions.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;

async fn profile_of(viewer: &TestUser, id: i64) -> Value {
    let response = viewer.get(&format!("/api/users/{id}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Reads the profile until its presence is `expected` (a closed socket leaves the hub a moment
/// after the close); panics after a few seconds.
async fn wait_for_presence(viewer: &TestUser, id: i64, expected: &str) {
    let deadline = Instant::now() + FRAME_WAIT;
    loop {
        if profile_of(viewer, id).await["presence"] == expected {
            return;
        }
        assert!(Instant::now() < deadline, "user {id} did not become {expected}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

both_backends!(async fn a_profile_shows_the_city_about_text_registration_date_and_presence);
async fn a_profile_shows_the_city_about_text_registration_date_and_presence() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let boris = TestUser::register(&app).await;

    let seen_by_boris = profile_of(&boris, anna.id).await;
    let seen_by_herself = profile_of(&anna, anna.id).await;

    let keys: std::collections::BTreeSet<&str> =
        seen_by_boris.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "about",
            "avatar_url",
            "city",
            "city_id",
            "country",
            "created_at",
            "distance_km",
            "id",
            "local_time",
            "presence",
            "timezone",
            "username"
        ]
        .into_iter()
        .collect(),
        "{seen_by_boris}"
    );
    assert_eq!(seen_by_boris["id"], anna.id);
    assert_eq!(seen_by_boris["username"], anna.username.as_str());
    assert_eq!(seen_by_boris["city"], "Казань");
    assert_eq!(seen_by_boris["about"], "", "no about text yet");
    assert_eq!(seen_by_boris["avatar_url"], Value::Null);
    assert_eq!(seen_by_boris["presence"], "offline");
    assert!(chrono::DateTime::parse_from_rfc3339(seen_by_boris["created_at"].as_str().unwrap()).is_ok());
    assert!(seen_by_boris["distance_km"].is_u64(), "Новосибирск to Казань: {seen_by_boris}");
    assert_eq!(seen_by_herself["distance_km"], Value::Null, "no distance to oneself");
    let mut herself = seen_by_herself.clone();
    // Read a moment apart: the clock may have moved on a minute.
    for moment in ["distance_km", "local_time"] {
        herself[moment] = seen_by_boris[moment].clone();
    }
    assert_eq!(herself, seen_by_boris);
}

both_backends!(async fn a_user_is_online_while_they_have_a_socket_open);
async fn a_user_is_online_while_they_have_a_socket_open() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;

    let socket = anna.connect(&app).await;
    assert_eq!(profile_of(&boris, anna.id).await["presence"], "online");

    socket.close().await;
    wait_for_presence(&boris, anna.id, "offline").await;
}

both_backends!(async fn an_unknown_user_is_not_found_and_a_non_numeric_id_is_a_bad_request);
async fn an_unknown_user_is_not_found_and_a_non_numeric_id_is_a_bad_request() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    let unknown = anna.get("/api/users/999999").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["code"], "not_found");
    let not_a_number = anna.get("/api/users/anna").await;
    assert_eq!(not_a_number.status(), 400);
    assert_eq!(not_a_number.json::<Value>().await.unwrap()["code"], "bad_request");
}

both_backends!(async fn profiles_and_their_changes_need_a_session);
async fn profiles_and_their_changes_need_a_session() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let stranger = app.client();

    let profile = stranger.get(app.url(&format!("/api/users/{}", anna.id))).send().await.unwrap();
    let change = stranger.patch(app.url("/api/me")).json(&json!({ "about": "x" })).send().await.unwrap();
    let password = stranger
        .post(app.url("/api/me/password"))
        .json(&json!({ "current": "correct horse", "new": "battery staple" }))
        .send()
        .await
        .unwrap();

    assert_eq!((profile.status().as_u16(), change.status().as_u16(), password.status().as_u16()), (401, 401, 401));
}

both_backends!(async fn a_profile_change_is_saved_answered_and_reaches_everyone_connected);
async fn a_profile_change_is_saved_answered_and_reaches_everyone_connected() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let boris = TestUser::register(&app).await;
    // In no room at all: the news is for everyone connected.
    let mut boris_ws = boris.connect(&app).await;

    let response = anna.patch_json("/api/me", &json!({ "city": "  Самара ", "about": " Люблю Волгу\nи чай " })).await;

    assert_eq!(response.status(), 200);
    let answered: Value = response.json().await.unwrap();
    assert_eq!(
        answered,
        user_json_with(
            anna.id,
            &anna.username,
            "Самара",
            json!({ "language": null, "about": "Люблю Волгу\nи чай", "city_privacy": "city" })
        )
    );
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me, answered, "GET /api/me has the about text too");
    let frame = boris_ws.wait_for("user_updated").await;
    assert_eq!(frame, json!({ "type": "user_updated", "user": user_json(anna.id, &anna.username, "Самара") }));
    let profile = profile_of(&boris, anna.id).await;
    assert_eq!((profile["city"].as_str(), profile["about"].as_str()), (Some("Самара"), Some("Люблю Волгу\nи чай")));

    // One field alone leaves the other as it was.
    let response = anna.patch_json("/api/me", &json!({ "about": "" })).await;
    assert_eq!(response.status(), 200);
    let profile = profile_of(&boris, anna.id).await;
    assert_eq!((profile["city"].as_str(), profile["about"].as_str()), (Some("Самара"), Some("")));
}

both_backends!(async fn a_member_list_sent_after_a_profile_change_shows_it);
async fn a_member_list_sent_after_a_profile_change_shows_it() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let boris = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut anna_ws = anna.connect(&app).await;
    anna_ws.join(room).await;

    assert_eq!(anna.patch_json("/api/me", &json!({ "city": "Пермь" })).await.status(), 200);
    anna_ws.wait_for("user_updated").await;
    let list = boris.connect(&app).await.join(room).await;

    let anna_there = list["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).cloned();
    assert_eq!(anna_there.unwrap()["city"], "Пермь");
}

both_backends!(async fn a_socket_opened_before_a_profile_change_sends_and_joins_with_the_new_city);
async fn a_socket_opened_before_a_profile_change_sends_and_joins_with_the_new_city() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let boris = TestUser::register(&app).await;
    let room = anna.create_room(&unique_name("после")).await["id"].as_i64().unwrap();
    let mut anna_ws = anna.connect(&app).await;
    let mut boris_ws = boris.connect(&app).await;
    boris_ws.join(room).await;

    assert_eq!(anna.patch_json("/api/me", &json!({ "city": "Пермь" })).await.status(), 200);
    anna_ws.wait_for("user_updated").await;
    anna_ws.join(room).await;
    let joined = boris_ws.wait_for("joined_room").await;
    let said = anna_ws.say(room, "уже из Перми").await;

    assert_eq!(joined["user"]["city"], "Пермь");
    assert_eq!(said["user"]["city"], "Пермь");
    assert_eq!(boris_ws.wait_for("new_message").await["message"]["user"]["city"], "Пермь");
}

both_backends!(async fn a_profile_change_breaking_a_rule_is_refused_and_changes_nothing);
async fn a_profile_change_breaking_a_rule_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let mut anna_ws = anna.connect(&app).await;

    for body in [
        json!({}),
        json!({ "city": "   " }),
        json!({ "city": "к".repeat(65) }),
        json!({ "about": "ж".repeat(191) }),
        json!({ "about": "табуляция\tнельзя" }),
        json!({ "about": 5 }),
        json!({ "city": "Самара", "about": "a\u{7}" }),
    ] {
        let response = anna.patch_json("/api/me", &body).await;
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "bad_request", "{body}");
    }
    let ok_at_the_limit = anna.patch_json("/api/me", &json!({ "about": "ж".repeat(190) })).await;
    assert_eq!(ok_at_the_limit.status(), 200);
    anna_ws.wait_for("user_updated").await;
    anna_ws.expect_silence().await;
    assert_eq!(profile_of(&anna, anna.id).await["city"], "Казань");
}

both_backends!(async fn a_refused_about_text_is_explained_in_the_readers_language);
async fn a_refused_about_text_is_explained_in_the_readers_language() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let say = |lang: &'static str, about: String| {
        let request = anna.client.patch(app.url("/api/me")).header("accept-language", lang);
        async move { request.json(&json!({ "about": about })).send().await.unwrap().json::<Value>().await.unwrap() }
    };

    let too_long_ru = say("ru", "ж".repeat(191)).await;
    let too_long_en = say("en", "ж".repeat(191)).await;
    let control_en = say("en", "a\tb".into()).await;

    assert_eq!(too_long_ru["error"], "Текст «О себе» должен быть не длиннее 190 символов");
    assert_eq!(too_long_en["error"], "The About text can be at most 190 characters long");
    assert_eq!(control_en["error"], "The About text may contain line breaks but no other control characters");
}

both_backends!(async fn profile_and_password_changes_from_another_site_are_refused);
async fn profile_and_password_changes_from_another_site_are_refused() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let evil = "http://evil.example";

    let change =
        anna.client.patch(app.url("/api/me")).header("origin", evil).json(&json!({ "about": "взлом" })).send().await;
    let password = anna
        .client
        .post(app.url("/api/me/password"))
        .header("origin", evil)
        .json(&json!({ "current": anna.password, "new": "battery staple" }))
        .send()
        .await;
    let form_encoded = anna.client.patch(app.url("/api/me")).form(&[("about", "взлом")]).send().await.unwrap().status();

    for response in [change.unwrap(), password.unwrap()] {
        assert_eq!(response.status(), 403);
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "cross_origin");
    }
    assert_eq!(form_encoded, 415, "only JSON bodies, which a form on another site cannot send");
    assert_eq!(profile_of(&anna, anna.id).await["about"], "");
}

async fn change_password(user: &TestUser, current: &str, new: &str) -> reqwest::Response {
    user.post_json("/api/me/password", &json!({ "current": current, "new": new })).await
}

both_backends!(async fn a_wrong_current_password_or_a_bad_new_one_changes_nothing);
async fn a_wrong_current_password_or_a_bad_new_one_changes_nothing() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let laptop = anna.another_device(&app).await;

    let wrong = change_password(&anna, "not my password", "battery staple").await;
    let short = change_password(&anna, &anna.password, "1234567").await;
    let long = change_password(&anna, &anna.password, &"я".repeat(37)).await;
    let missing = anna.post_json("/api/me/password", &json!({ "current": anna.password })).await;

    assert_eq!(wrong.status(), 403);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "wrong_password");
    assert_eq!(body["error"], "Текущий пароль указан неверно");
    for response in [short, long, missing] {
        assert_eq!(response.status(), 400);
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "bad_request");
    }
    assert_eq!(laptop.get("/api/me").await.status(), 200, "the other session stays");
    assert!(app.logs_in(&anna.username, &anna.password).await, "the password is as it was");
}

both_backends!(async fn a_password_change_ends_the_other_sessions_and_keeps_this_one);
async fn a_password_change_ends_the_other_sessions_and_keeps_this_one() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let laptop = anna.another_device(&app).await;
    let mut laptop_ws = laptop.connect(&app).await;
    let mut this_ws = anna.connect(&app).await;

    let response = change_password(&anna, &anna.password, "battery staple").await;

    assert_eq!(response.status(), 204);
    assert_eq!(laptop_ws.closed_with().await, Some(4001));
    assert_eq!(laptop.get("/api/me").await.status(), 401);
    this_ws.expect_served().await;
    assert_eq!(anna.get("/api/me").await.status(), 200);
    assert!(app.logs_in(&anna.username, "battery staple").await, "the new password signs in");
    assert!(!app.logs_in(&anna.username, &anna.password).await, "the old one does not");
}

both_backends!(async fn wrong_current_passwords_are_limited_like_failed_logins);
async fn wrong_current_passwords_are_limited_like_failed_logins() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_LOGIN", "2/300")]).await;
    let anna = TestUser::register(&app).await;

    for _ in 0..2 {
        assert_eq!(change_password(&anna, "guess guess", "battery staple").await.status(), 403);
    }
    let blocked = change_password(&anna, &anna.password, "battery staple").await;

    assert_eq!(blocked.status(), 429);
    assert!(blocked.headers().get("retry-after").is_some());
    assert!(!app.logs_in(&anna.username, &anna.password).await, "logins of the account wait too");
}

#[tokio::test]
async fn a_profile_change_and_a_password_change_reach_another_instance_through_redis() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register_in(&a, "Казань").await;
            let boris = TestUser::register(&a).await;
            let mut boris_on_b = boris.connect(&b).await;
            let laptop = anna.another_device(&b).await;
            let mut laptop_on_b = laptop.connect(&b).await;

            let changed = anna.patch_json("/api/me", &json!({ "city": "Самара" })).await;
            assert_eq!(changed.status(), 200);
            let frame = boris_on_b.wait_for("user_updated").await;
            assert_eq!(frame["user"], user_json(anna.id, &anna.username, "Самара"));

            assert_eq!(change_password(&anna, &anna.password, "battery staple").await.status(), 204);
            assert_eq!(laptop_on_b.closed_with().await, Some(4001));
        })
        .await;
}
