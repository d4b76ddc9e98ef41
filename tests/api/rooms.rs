//! Rooms: the default room, listing, creating, renaming and deleting rooms over the JSON API,
//! the rules that guard them (login, creator, origin, content type, limits, unique names),
//! the live `room_*` events every connected user hears, and the health check.

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Asserts the status of an error answer and that its body is JSON with `error` and `code`.
async fn assert_error(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "error bodies are JSON, got {content_type}");
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "error body lacks a message: {body}");
    assert!(body["code"].as_str().is_some_and(|c| !c.is_empty()), "error body lacks a code: {body}");
    body
}

async fn list_rooms(user: &TestUser) -> Vec<Value> {
    let response = user.get("/api/rooms").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn room_names(rooms: &[Value]) -> Vec<&str> {
    rooms.iter().map(|r| r["name"].as_str().unwrap()).collect()
}

fn room_id(room: &Value) -> i64 {
    room["id"].as_i64().expect("a room has a numeric id")
}

both_backends!(async fn the_health_check_answers_ok_without_a_login);
async fn the_health_check_answers_ok_without_a_login() {
    let app = spawn_app().await;

    let response = app.client().get(app.url("/health")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ok" }));
}

both_backends!(async fn the_default_room_exists_on_first_start_and_belongs_to_nobody);
async fn the_default_room_exists_on_first_start_and_belongs_to_nobody() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let rooms = list_rooms(&user).await;

    assert_eq!(rooms.len(), 1, "a fresh server has only the default room: {rooms:?}");
    let room = &rooms[0];
    assert_eq!(room["name"], "Общий чат");
    assert_eq!(room["description"], "");
    assert!(room["created_by"].is_null(), "nobody created the default room: {room}");
    assert!(room["id"].is_i64());
    chrono::DateTime::parse_from_rfc3339(room["created_at"].as_str().unwrap()).expect("created_at is RFC 3339");
}

both_backends!(async fn the_default_room_is_not_created_again_after_a_restart);
async fn the_default_room_is_not_created_again_after_a_restart() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let before = list_rooms(&user).await;

    let app = app.restart().await;

    // Cookies are kept per host, not per port, so the same client is still logged in.
    let after: Vec<Value> = user.client.get(app.url("/api/rooms")).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, before);
}

both_backends!(async fn a_room_has_exactly_the_documented_fields);
async fn a_room_has_exactly_the_documented_fields() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    user.create_room("Поля").await;

    let rooms = list_rooms(&user).await;

    for room in &rooms {
        let mut keys: Vec<&str> = room.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["city_id", "city_members", "created_at", "created_by", "description", "id", "kind", "name"],
            "{room}"
        );
        assert_eq!((&room["city_id"], &room["city_members"]), (&Value::Null, &Value::Null), "not a city room");
    }
}

both_backends!(async fn rooms_are_listed_in_the_order_they_were_created);
async fn rooms_are_listed_in_the_order_they_were_created() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let other = TestUser::register(&app).await;

    user.create_room("Яблоки").await;
    other.create_room("Апельсины").await;
    user.create_room("Бананы").await;

    let rooms = list_rooms(&other).await;
    assert_eq!(room_names(&rooms), ["Общий чат", "Яблоки", "Апельсины", "Бананы"]);
    let ids: Vec<i64> = rooms.iter().map(room_id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow with creation: {ids:?}");
}

both_backends!(async fn creating_a_room_answers_201_with_the_trimmed_room_and_its_creator);
async fn creating_a_room_answers_201_with_the_trimmed_room_and_its_creator() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let response =
        user.post_json("/api/rooms", &json!({ "name": "  Котики  ", "description": "  Про котиков  " })).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let room: Value = response.json().await.unwrap();
    assert_eq!(room["name"], "Котики");
    assert_eq!(room["description"], "Про котиков");
    assert_eq!(room["created_by"], user.id);
    let created_at = room["created_at"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(created_at).expect("created_at is RFC 3339");
    let age = chrono::Utc::now().signed_duration_since(parsed);
    assert!(age.num_seconds().abs() < 60, "created_at is now, got {created_at}");
    let listed = list_rooms(&user).await;
    assert_eq!(listed.last().unwrap(), &room, "the new room is listed as it was returned");
}

both_backends!(async fn a_room_description_is_optional_and_defaults_to_empty);
async fn a_room_description_is_optional_and_defaults_to_empty() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let room = user.create_room("Без описания").await;

    assert_eq!(room["description"], "");
}

both_backends!(async fn room_names_and_descriptions_at_their_limits_are_accepted);
async fn room_names_and_descriptions_at_their_limits_are_accepted() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let name = "ы".repeat(64);
    let description = "д".repeat(256);

    let response = user.post_json("/api/rooms", &json!({ "name": name, "description": description })).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let room: Value = response.json().await.unwrap();
    assert_eq!(room["name"], name.as_str());
    assert_eq!(room["description"], description.as_str());
}

both_backends!(async fn room_names_and_descriptions_outside_their_limits_are_refused_with_400);
async fn room_names_and_descriptions_outside_their_limits_are_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let cases = [
        ("empty name", json!({ "name": "" })),
        ("blank name", json!({ "name": "   " })),
        ("name of 65 characters", json!({ "name": "ы".repeat(65) })),
        ("description of 257 characters", json!({ "name": "Комната", "description": "д".repeat(257) })),
        ("missing name", json!({ "description": "только описание" })),
        ("name that is not a string", json!({ "name": 42 })),
        ("null body", json!(null)),
    ];

    for (case, body) in cases {
        let response = user.post_json("/api/rooms", &body).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert_error(response, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(list_rooms(&user).await.len(), 1, "no room was created");
}

both_backends!(async fn a_room_name_is_unique_regardless_of_case);
async fn a_room_name_is_unique_regardless_of_case() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let other = TestUser::register(&app).await;
    user.create_room("Флуд").await;
    user.create_room("Music").await;

    for name in ["Флуд", "флуд", "ФЛУД", "  флуд ", "music", "MUSIC", "общий чат"] {
        let response = other.post_json("/api/rooms", &json!({ "name": name })).await;

        assert_eq!(response.status(), StatusCode::CONFLICT, "{name:?}");
        assert_error(response, StatusCode::CONFLICT).await;
    }
    assert_eq!(room_names(&list_rooms(&user).await), ["Общий чат", "Флуд", "Music"]);
}

both_backends!(async fn a_room_body_not_declared_as_json_is_refused_with_415);
async fn a_room_body_not_declared_as_json_is_refused_with_415() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let body = r#"{"name":"Комната"}"#;
    let cases = [
        ("text/plain", Some("text/plain")),
        ("form", Some("application/x-www-form-urlencoded")),
        ("json lookalike", Some("application/json-patch+json")),
        ("no content type", None),
    ];

    for (case, content_type) in cases {
        let mut request = user.client.post(app.url("/api/rooms")).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }

        let response = request.send().await.unwrap();

        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{case}");
        assert_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
    assert_eq!(list_rooms(&user).await.len(), 1, "no room was created");
}

both_backends!(async fn a_json_content_type_with_a_charset_is_accepted);
async fn a_json_content_type_with_a_charset_is_accepted() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let response = user
        .client
        .post(app.url("/api/rooms"))
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"name":"Кодировка"}"#)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
}

both_backends!(async fn a_change_with_a_non_json_content_type_is_refused_with_415);
async fn a_change_with_a_non_json_content_type_is_refused_with_415() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Тип").await;

    let response = user
        .client
        .patch(app.url(&format!("/api/rooms/{}", room_id(&room))))
        .header("content-type", "text/plain")
        .body(r#"{"name":"Другой тип"}"#)
        .send()
        .await
        .unwrap();

    assert_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(list_rooms(&user).await[1]["name"], "Тип");
}

both_backends!(async fn malformed_json_is_refused_with_400);
async fn malformed_json_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Синтаксис").await;

    for body in [r#"{"name": "#, "name=Комната", "{'name': 'Комната'}", r#"{"name": "Комната"} trailing"#]
    {
        let created = user
            .client
            .post(app.url("/api/rooms"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let patched = user
            .client
            .patch(app.url(&format!("/api/rooms/{}", room_id(&room))))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();

        assert_eq!(created.status(), StatusCode::BAD_REQUEST, "POST {body:?}");
        assert_error(created, StatusCode::BAD_REQUEST).await;
        assert_eq!(patched.status(), StatusCode::BAD_REQUEST, "PATCH {body:?}");
        assert_error(patched, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(room_names(&list_rooms(&user).await), ["Общий чат", "Синтаксис"]);
}

both_backends!(async fn a_room_body_that_is_not_a_json_object_is_refused_with_400);
async fn a_room_body_that_is_not_a_json_object_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Объект").await;

    let created = user.post_json("/api/rooms", &json!(["Массив"])).await;
    let patched = user.patch_json(&format!("/api/rooms/{}", room_id(&room)), &json!(["Другой массив"])).await;

    assert_eq!(
        (created.status(), patched.status()),
        (StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST),
        "(POST, PATCH) with a JSON array instead of an object"
    );
    assert_eq!(room_names(&list_rooms(&user).await), ["Общий чат", "Объект"]);
}

both_backends!(async fn a_room_request_without_a_body_is_refused_as_a_bad_request);
async fn a_room_request_without_a_body_is_refused_as_a_bad_request() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Пустота").await;

    // reqwest sends no Content-Length for an empty body, like a streamed (chunked) request.
    let created =
        user.client.post(app.url("/api/rooms")).header("content-type", "application/json").send().await.unwrap();
    let patched = user
        .client
        .patch(app.url(&format!("/api/rooms/{}", room_id(&room))))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();

    let statuses = [created.status(), patched.status()];
    assert!(
        statuses.iter().all(|s| *s == StatusCode::BAD_REQUEST || *s == StatusCode::LENGTH_REQUIRED),
        "(POST, PATCH) with no body: expected 400 or 411, got {statuses:?}"
    );
    for response in [created, patched] {
        let status = response.status();
        assert_error(response, status).await;
    }
}

both_backends!(async fn a_room_request_with_an_empty_json_body_is_refused_with_400);
async fn a_room_request_with_an_empty_json_body_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let response = user
        .client
        .post(app.url("/api/rooms"))
        .header("content-type", "application/json")
        .header("content-length", "0")
        .body("")
        .send()
        .await
        .unwrap();

    assert_error(response, StatusCode::BAD_REQUEST).await;
}

both_backends!(async fn the_room_api_requires_a_login);
async fn the_room_api_requires_a_login() {
    let app = spawn_app().await;
    let owner = TestUser::register(&app).await;
    let room = owner.create_room("Закрытая").await;
    let path = format!("/api/rooms/{}", room_id(&room));
    let anonymous = app.client();

    let responses = [
        ("GET", anonymous.get(app.url("/api/rooms")).send().await.unwrap()),
        ("POST", anonymous.post(app.url("/api/rooms")).json(&json!({ "name": "Чужая" })).send().await.unwrap()),
        ("PATCH", anonymous.patch(app.url(&path)).json(&json!({ "name": "Взлом" })).send().await.unwrap()),
        ("DELETE", anonymous.delete(app.url(&path)).send().await.unwrap()),
    ];

    for (method, response) in responses {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method}");
        let body = assert_error(response, StatusCode::UNAUTHORIZED).await;
        assert_eq!(body["code"], "unauthorized", "{method}");
    }
    assert_eq!(room_names(&list_rooms(&owner).await), ["Общий чат", "Закрытая"]);
}

both_backends!(async fn a_session_cookie_that_the_server_never_issued_is_not_a_login);
async fn a_session_cookie_that_the_server_never_issued_is_not_a_login() {
    let app = spawn_app().await;
    let forged = app.client();

    let response = forged
        .get(app.url("/api/rooms"))
        .header("cookie", format!("discock_session={}", "0".repeat(64)))
        .send()
        .await
        .unwrap();

    let body = assert_error(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["code"], "unauthorized");
}

both_backends!(async fn a_room_change_from_another_site_is_refused_with_403);
async fn a_room_change_from_another_site_is_refused_with_403() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Своя").await;
    let path = app.url(&format!("/api/rooms/{}", room_id(&room)));
    let evil = "http://evil.example";

    let responses = [
        (
            "POST",
            user.client
                .post(app.url("/api/rooms"))
                .header("origin", evil)
                .json(&json!({ "name": "Чужая" }))
                .send()
                .await
                .unwrap(),
        ),
        (
            "PATCH",
            user.client.patch(&path).header("origin", evil).json(&json!({ "name": "Взлом" })).send().await.unwrap(),
        ),
        ("DELETE", user.client.delete(&path).header("origin", evil).send().await.unwrap()),
    ];

    for (method, response) in responses {
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method}");
        assert_error(response, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(room_names(&list_rooms(&user).await), ["Общий чат", "Своя"]);
}

both_backends!(async fn a_room_change_from_the_servers_own_origin_is_accepted);
async fn a_room_change_from_the_servers_own_origin_is_accepted() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    let response = user
        .client
        .post(app.url("/api/rooms"))
        .header("origin", app.origin())
        .json(&json!({ "name": "Своя" }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
}

both_backends!(async fn the_creator_can_rename_a_room_and_change_its_description);
async fn the_creator_can_rename_a_room_and_change_its_description() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Черновик").await;
    let path = format!("/api/rooms/{}", room_id(&room));

    let renamed = user.patch_json(&path, &json!({ "name": "  Чистовик " })).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed: Value = renamed.json().await.unwrap();
    let described = user.patch_json(&path, &json!({ "description": " Готовые тексты " })).await;
    assert_eq!(described.status(), StatusCode::OK);
    let described: Value = described.json().await.unwrap();
    let both = user.patch_json(&path, &json!({ "name": "Архив", "description": "" })).await;
    assert_eq!(both.status(), StatusCode::OK);
    let both: Value = both.json().await.unwrap();

    assert_eq!(renamed["name"], "Чистовик");
    assert_eq!(renamed["description"], "", "an absent description is left alone");
    assert_eq!(described["name"], "Чистовик", "an absent name is left alone");
    assert_eq!(described["description"], "Готовые тексты");
    assert_eq!(both["name"], "Архив");
    assert_eq!(both["description"], "");
    for changed in [&renamed, &described, &both] {
        assert_eq!(changed["id"], room["id"]);
        assert_eq!(changed["created_by"], user.id);
        assert_eq!(changed["created_at"], room["created_at"]);
    }
    assert_eq!(list_rooms(&user).await[1], both);
}

both_backends!(async fn a_room_can_be_renamed_to_another_case_of_its_own_name);
async fn a_room_can_be_renamed_to_another_case_of_its_own_name() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("флуд").await;

    let response = user.patch_json(&format!("/api/rooms/{}", room_id(&room)), &json!({ "name": "Флуд" })).await;

    assert_eq!(response.status(), StatusCode::OK);
    let room: Value = response.json().await.unwrap();
    assert_eq!(room["name"], "Флуд");
}

both_backends!(async fn the_freed_name_of_a_renamed_room_can_be_taken);
async fn the_freed_name_of_a_renamed_room_can_be_taken() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Старое").await;
    let renamed = user.patch_json(&format!("/api/rooms/{}", room_id(&room)), &json!({ "name": "Новое" })).await;
    assert_eq!(renamed.status(), StatusCode::OK);

    let response = user.post_json("/api/rooms", &json!({ "name": "старое" })).await;

    assert_eq!(response.status(), StatusCode::CREATED);
}

both_backends!(async fn an_empty_or_invalid_change_is_refused_with_400);
async fn an_empty_or_invalid_change_is_refused_with_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Неизменная").await;
    let path = format!("/api/rooms/{}", room_id(&room));
    let cases = [
        ("empty body", json!({})),
        ("only nulls", json!({ "name": null, "description": null })),
        ("blank name", json!({ "name": "  " })),
        ("name of 65 characters", json!({ "name": "ы".repeat(65) })),
        ("description of 257 characters", json!({ "description": "д".repeat(257) })),
        ("name that is not a string", json!({ "name": 7 })),
    ];

    for (case, body) in cases {
        let response = user.patch_json(&path, &body).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert_error(response, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(list_rooms(&user).await[1], room, "the room is unchanged");
}

both_backends!(async fn renaming_a_room_onto_another_rooms_name_is_a_conflict);
async fn renaming_a_room_onto_another_rooms_name_is_a_conflict() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    user.create_room("Флуд").await;
    let room = user.create_room("Работа").await;
    let path = format!("/api/rooms/{}", room_id(&room));

    for name in ["Флуд", "флуд", "ОБЩИЙ ЧАТ"] {
        let response = user.patch_json(&path, &json!({ "name": name })).await;

        assert_eq!(response.status(), StatusCode::CONFLICT, "{name:?}");
        assert_error(response, StatusCode::CONFLICT).await;
    }
    assert_eq!(room_names(&list_rooms(&user).await), ["Общий чат", "Флуд", "Работа"]);
}

both_backends!(async fn only_the_creator_may_change_or_delete_a_room);
async fn only_the_creator_may_change_or_delete_a_room() {
    let app = spawn_app().await;
    let owner = TestUser::register(&app).await;
    let stranger = TestUser::register(&app).await;
    let room = owner.create_room("Моя").await;
    let path = format!("/api/rooms/{}", room_id(&room));

    let patched = stranger.patch_json(&path, &json!({ "name": "Уже не твоя" })).await;
    let deleted = stranger.delete(&path).await;

    assert_eq!(patched.status(), StatusCode::FORBIDDEN);
    assert_error(patched, StatusCode::FORBIDDEN).await;
    assert_eq!(deleted.status(), StatusCode::FORBIDDEN);
    assert_error(deleted, StatusCode::FORBIDDEN).await;
    assert_eq!(list_rooms(&owner).await[1], room, "the room is unchanged");
}

both_backends!(async fn nobody_can_change_or_delete_the_default_room);
async fn nobody_can_change_or_delete_the_default_room() {
    let app = spawn_app().await;
    let first = TestUser::register(&app).await;
    let second = TestUser::register(&app).await;
    let default_room = list_rooms(&first).await[0].clone();
    let path = format!("/api/rooms/{}", room_id(&default_room));

    for user in [&first, &second] {
        let renamed = user.patch_json(&path, &json!({ "name": "Мой чат" })).await;
        let described = user.patch_json(&path, &json!({ "description": "Теперь моя" })).await;
        let deleted = user.delete(&path).await;

        assert_error(renamed, StatusCode::FORBIDDEN).await;
        assert_error(described, StatusCode::FORBIDDEN).await;
        assert_error(deleted, StatusCode::CONFLICT).await;
    }
    assert_eq!(list_rooms(&second).await, [default_room]);
}

both_backends!(async fn changing_or_deleting_an_unknown_room_answers_404);
async fn changing_or_deleting_an_unknown_room_answers_404() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Временная").await;
    let gone = format!("/api/rooms/{}", room_id(&room));
    assert_eq!(user.delete(&gone).await.status(), StatusCode::NO_CONTENT);

    for path in [gone.as_str(), "/api/rooms/999999", "/api/rooms/-1"] {
        let patched = user.patch_json(path, &json!({ "name": "Призрак" })).await;
        let deleted = user.delete(path).await;

        assert_eq!(patched.status(), StatusCode::NOT_FOUND, "PATCH {path}");
        assert_error(patched, StatusCode::NOT_FOUND).await;
        assert_eq!(deleted.status(), StatusCode::NOT_FOUND, "DELETE {path}");
        assert_error(deleted, StatusCode::NOT_FOUND).await;
    }
}

both_backends!(async fn a_room_id_that_is_not_a_number_answers_400);
async fn a_room_id_that_is_not_a_number_answers_400() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;

    for id in ["abc", "1.5", "1e3", "99999999999999999999"] {
        let path = format!("/api/rooms/{id}");
        let patched = user.patch_json(&path, &json!({ "name": "Число" })).await;
        let deleted = user.delete(&path).await;

        assert_eq!(patched.status(), StatusCode::BAD_REQUEST, "PATCH {path}");
        assert_error(patched, StatusCode::BAD_REQUEST).await;
        assert_eq!(deleted.status(), StatusCode::BAD_REQUEST, "DELETE {path}");
        assert_error(deleted, StatusCode::BAD_REQUEST).await;
    }
}

both_backends!(async fn deleting_a_room_answers_204_and_removes_it_from_the_list);
async fn deleting_a_room_answers_204_and_removes_it_from_the_list() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let keep = user.create_room("Остаётся").await;
    let room = user.create_room("Уходит").await;

    let response = user.delete(&format!("/api/rooms/{}", room_id(&room))).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty(), "204 has no body");
    let rooms = list_rooms(&user).await;
    assert_eq!(room_names(&rooms), ["Общий чат", "Остаётся"]);
    assert_eq!(rooms[1], keep);
}

both_backends!(async fn deleting_a_room_deletes_its_messages);
async fn deleting_a_room_deletes_its_messages() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let room = user.create_room("Одноразовая").await;
    let mut socket = user.connect(&app).await;
    socket.join(room_id(&room)).await;
    for text in ["раз", "два", "три"] {
        socket.say(room_id(&room), text).await;
    }

    let response = user.delete(&format!("/api/rooms/{}", room_id(&room))).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let history = user.get(&format!("/api/messages/{}", room_id(&room))).await;
    assert_error(history, StatusCode::NOT_FOUND).await;
    let again = user.create_room("Одноразовая").await;
    assert_ne!(again["id"], room["id"], "a room id is not reused");
    let history = user.get(&format!("/api/messages/{}", room_id(&again))).await;
    assert_eq!(history.status(), StatusCode::OK);
    let history: Value = history.json().await.unwrap();
    assert_eq!(history, json!([]), "the re-created room starts with an empty history");
}

both_backends!(async fn every_connected_user_hears_when_a_room_is_created);
async fn every_connected_user_hears_when_a_room_is_created() {
    let app = spawn_app().await;
    let creator = TestUser::register(&app).await;
    let idle = TestUser::register(&app).await;
    let chatting = TestUser::register(&app).await;
    let mut creator_socket = creator.connect(&app).await;
    let mut idle_socket = idle.connect(&app).await;
    let mut chatting_socket = chatting.connect(&app).await;
    chatting_socket.join(app.default_room(&chatting).await).await;

    let room = creator.create_room("Новости").await;

    for socket in [&mut creator_socket, &mut idle_socket, &mut chatting_socket] {
        let event = socket.wait_for("room_created").await;
        assert_eq!(event["room"], room);
    }
}

both_backends!(async fn every_connected_user_hears_when_a_room_is_changed);
async fn every_connected_user_hears_when_a_room_is_changed() {
    let app = spawn_app().await;
    let creator = TestUser::register(&app).await;
    let idle = TestUser::register(&app).await;
    let room = creator.create_room("Было").await;
    let mut creator_socket = creator.connect(&app).await;
    let mut idle_socket = idle.connect(&app).await;
    creator_socket.join(room_id(&room)).await;

    let response = creator
        .patch_json(&format!("/api/rooms/{}", room_id(&room)), &json!({ "name": "Стало", "description": "Д" }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();

    for socket in [&mut creator_socket, &mut idle_socket] {
        let event = socket.wait_for("room_updated").await;
        assert_eq!(event["room"], updated);
        assert_eq!(event["room"]["name"], "Стало");
    }
}

both_backends!(async fn every_connected_user_hears_when_a_room_is_deleted);
async fn every_connected_user_hears_when_a_room_is_deleted() {
    let app = spawn_app().await;
    let creator = TestUser::register(&app).await;
    let member = TestUser::register(&app).await;
    let idle = TestUser::register(&app).await;
    let room = creator.create_room("Скоро исчезнет").await;
    let mut creator_socket = creator.connect(&app).await;
    let mut member_socket = member.connect(&app).await;
    let mut idle_socket = idle.connect(&app).await;
    member_socket.join(room_id(&room)).await;

    let response = creator.delete(&format!("/api/rooms/{}", room_id(&room))).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    for socket in [&mut creator_socket, &mut member_socket, &mut idle_socket] {
        let event = socket.wait_for("room_deleted").await;
        assert_eq!(event, json!({ "type": "room_deleted", "room_id": room["id"] }));
    }
}

both_backends!(async fn a_member_of_a_deleted_room_can_no_longer_post_in_it);
async fn a_member_of_a_deleted_room_can_no_longer_post_in_it() {
    let app = spawn_app().await;
    let creator = TestUser::register(&app).await;
    let member = TestUser::register(&app).await;
    let room = creator.create_room("Закрывается").await;
    let mut socket = member.connect(&app).await;
    socket.join(room_id(&room)).await;
    assert_eq!(creator.delete(&format!("/api/rooms/{}", room_id(&room))).await.status(), StatusCode::NO_CONTENT);
    socket.wait_for("room_deleted").await;

    socket.send(json!({ "type": "send_message", "room_id": room["id"], "content": "есть кто?" })).await;

    let error = socket.expect("error").await;
    assert_eq!(error["code"], "room_not_found");
}

both_backends!(async fn a_refused_room_change_is_not_broadcast);
async fn a_refused_room_change_is_not_broadcast() {
    let app = spawn_app().await;
    let owner = TestUser::register(&app).await;
    let stranger = TestUser::register(&app).await;
    let room = owner.create_room("Флуд").await;
    let path = format!("/api/rooms/{}", room_id(&room));
    let mut socket = owner.connect(&app).await;

    let refused = [
        stranger.post_json("/api/rooms", &json!({ "name": "флуд" })).await.status(),
        stranger.post_json("/api/rooms", &json!({ "name": "" })).await.status(),
        stranger.patch_json(&path, &json!({ "name": "Мой флуд" })).await.status(),
        stranger.delete(&path).await.status(),
        owner.patch_json(&path, &json!({})).await.status(),
    ];

    assert!(refused.iter().all(|s| s.is_client_error()), "every change was refused: {refused:?}");
    socket.expect_silence().await;
}

both_backends!(async fn the_default_room_takes_its_name_from_default_room);
async fn the_default_room_takes_its_name_from_default_room() {
    let app = spawn_app_with_env(&[("DEFAULT_ROOM", "  Лобби  ")]).await;
    let user = TestUser::register(&app).await;

    let rooms: serde_json::Value = user.get("/api/rooms").await.json().await.unwrap();

    assert_eq!(rooms[0]["name"], "Лобби");
    assert!(rooms[0]["created_by"].is_null());
}

both_backends!(async fn an_oversized_room_body_is_refused_with_413_and_nothing_is_created);
async fn an_oversized_room_body_is_refused_with_413_and_nothing_is_created() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let huge = serde_json::json!({ "name": "большая", "description": "x".repeat(20 * 1024) });

    let response = user.post_json("/api/rooms", &huge).await;

    assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    let rooms: serde_json::Value = user.get("/api/rooms").await.json().await.unwrap();
    assert_eq!(rooms.as_array().unwrap().len(), 1);
}
