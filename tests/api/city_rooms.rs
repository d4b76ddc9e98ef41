//! City rooms and the city lens: `POST /api/rooms/city` opens the room of one's canonical city
//! — made once however many ask at once, on one instance or two — with `city_members` counting
//! only the people who show their city, and nobody may rename or delete it;
//! `GET /api/messages/{room}?city_id=` shows only the messages of that city's people who show it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Kazan's GeoNames id.
const KAZAN: i64 = 551487;
/// Moscow's.
const MOSCOW: i64 = 524901;

/// A user of a canonical city who shows it as `privacy` says (`"city"`, `"country"`, `"hidden"`).
async fn citizen(app: &TestApp, city: i64, privacy: &str) -> TestUser {
    let user = TestUser::register_in(app, "Где-то у реки").await;
    let response = user.patch_json("/api/me", &json!({ "city_id": city, "city_privacy": privacy })).await;
    assert_eq!(response.status(), StatusCode::OK, "the city is set");
    user
}

/// Opens the user's city room: the status and the room.
async fn open_city_room(user: &TestUser) -> (StatusCode, Value) {
    let response = user.post("/api/rooms/city").await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The `room_created` frames that reach `socket` within `wait`, other frames skipped.
async fn rooms_created(socket: &mut Socket, wait: Duration) -> Vec<Value> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(frame) = socket.next_within(deadline.saturating_duration_since(tokio::time::Instant::now())).await {
        if frame["type"] == "room_created" {
            seen.push(frame["room"].clone());
        }
    }
    seen
}

/// One page of the city lens, which must be answered with 200.
async fn lens(user: &TestUser, room: i64, query: &str) -> Vec<Value> {
    let response = user.get(&format!("/api/messages/{room}?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "GET lens {query}");
    assert!(response.headers().contains_key("x-room-seq"), "the lens carries the room's seq");
    response.json().await.unwrap()
}

fn contents(page: &[Value]) -> Vec<&str> {
    page.iter().map(|m| m["content"].as_str().unwrap()).collect()
}

both_backends!(async fn a_city_room_is_made_once_when_twenty_requests_race_to_open_it);
async fn a_city_room_is_made_once_when_twenty_requests_race_to_open_it() {
    let app = spawn_app().await;
    let anna = citizen(&app, KAZAN, "city").await;
    let boris = citizen(&app, KAZAN, "city").await;
    let listener = TestUser::register(&app).await;
    let mut socket = listener.connect(&app).await;

    let answers = futures_util::future::join_all((0..20).map(|i| {
        if i % 2 == 0 {
            open_city_room(&anna)
        } else {
            open_city_room(&boris)
        }
    }))
    .await;

    let created: Vec<&Value> = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).map(|(_, r)| r).collect();
    assert_eq!(created.len(), 1, "one 201: {answers:?}");
    assert!(answers
        .iter()
        .all(|(s, r)| (*s == StatusCode::CREATED || *s == StatusCode::OK) && r["id"] == created[0]["id"]));
    let room = created[0];
    assert_eq!(room["name"], "Казань");
    assert_eq!(room["city_id"], KAZAN);
    assert_eq!(room["city_members"], 2);
    assert_eq!(room["created_by"], Value::Null, "nobody owns a city room");
    assert_eq!(room["kind"], "room");
    let heard = rooms_created(&mut socket, Duration::from_millis(500)).await;
    assert_eq!(heard, vec![room.clone()], "everyone connected hears it once");
    let listed: Vec<Value> = listener.get("/api/rooms").await.json().await.unwrap();
    assert_eq!(listed.iter().filter(|r| r["city_id"] == KAZAN).count(), 1);
}

#[tokio::test]
async fn two_instances_racing_to_open_a_city_room_make_one_and_each_hears_it_once() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = citizen(&a, KAZAN, "city").await;
            let boris = citizen(&b, KAZAN, "city").await;
            let mut on_a = TestUser::register(&a).await.connect(&a).await;
            let mut on_b = TestUser::register(&b).await.connect(&b).await;

            let answers = futures_util::future::join_all((0..20).map(|i| {
                if i % 2 == 0 {
                    open_city_room(&anna)
                } else {
                    open_city_room(&boris)
                }
            }))
            .await;

            let statuses: Vec<StatusCode> = answers.iter().map(|(s, _)| *s).collect();
            assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
            assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK), "{statuses:?}");
            let id = &answers[0].1["id"];
            assert!(answers.iter().all(|(_, room)| &room["id"] == id), "one room: {answers:?}");
            let (heard_a, heard_b) = tokio::join!(
                rooms_created(&mut on_a, Duration::from_secs(1)),
                rooms_created(&mut on_b, Duration::from_secs(1))
            );
            assert_eq!((heard_a.len(), heard_b.len()), (1, 1), "{heard_a:?} {heard_b:?}");
            assert_eq!((&heard_a[0]["id"], &heard_b[0]["id"]), (id, id));
        })
        .await
}

both_backends!(async fn someone_whose_city_is_free_text_cannot_open_a_city_room);
async fn someone_whose_city_is_free_text_cannot_open_a_city_room() {
    let app = spawn_app().await;
    let user = TestUser::register_in(&app, "Деревня у трёх дубов").await;

    let (status, body) = open_city_room(&user).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "no_city", "{body}");
    let rooms: Vec<Value> = user.get("/api/rooms").await.json().await.unwrap();
    assert!(rooms.iter().all(|r| r["city_id"].is_null()), "no room was made: {rooms:?}");
}

both_backends!(async fn a_city_room_counts_only_the_people_of_its_city_who_show_it);
async fn a_city_room_counts_only_the_people_of_its_city_who_show_it() {
    let app = spawn_app().await;
    let shown = citizen(&app, KAZAN, "city").await;
    citizen(&app, KAZAN, "country").await;
    citizen(&app, KAZAN, "hidden").await;
    citizen(&app, MOSCOW, "city").await;

    let (_, room) = open_city_room(&shown).await;
    assert_eq!(room["city_members"], 1, "{room}");
    citizen(&app, KAZAN, "city").await;

    let rooms: Vec<Value> = shown.get("/api/rooms").await.json().await.unwrap();
    let kazan = rooms.iter().find(|r| r["id"] == room["id"]).expect("the city room is listed");
    assert_eq!(kazan["city_members"], 2, "counted as of the read: {kazan}");
    let (status, again) = open_city_room(&shown).await;
    assert_eq!((status, &again["city_members"]), (StatusCode::OK, &json!(2)));
    let others: Vec<&Value> = rooms.iter().filter(|r| r["id"] != room["id"]).collect();
    assert!(others.iter().all(|r| r["city_id"].is_null() && r["city_members"].is_null()), "{others:?}");
}

both_backends!(async fn a_city_room_takes_another_name_when_a_room_has_its_citys_name);
async fn a_city_room_takes_another_name_when_a_room_has_its_citys_name() {
    let app = spawn_app().await;
    let anna = citizen(&app, KAZAN, "city").await;
    anna.create_room("казань").await;

    let (status, room) = open_city_room(&anna).await;

    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(room["name"], "Казань · город");
}

both_backends!(async fn nobody_may_rename_or_delete_a_city_room);
async fn nobody_may_rename_or_delete_a_city_room() {
    let app = spawn_app().await;
    let opener = citizen(&app, KAZAN, "city").await;
    let (_, room) = open_city_room(&opener).await;
    let path = format!("/api/rooms/{}", room["id"]);

    let renamed = opener.patch_json(&path, &json!({ "name": "Моя Казань" })).await;
    let deleted = opener.delete(&path).await;

    assert_eq!(renamed.status(), StatusCode::FORBIDDEN);
    assert_eq!(deleted.status(), StatusCode::FORBIDDEN);
    let rooms: Vec<Value> = opener.get("/api/rooms").await.json().await.unwrap();
    assert!(rooms.iter().any(|r| r["id"] == room["id"] && r["name"] == "Казань"), "{rooms:?}");
}

both_backends!(async fn the_city_lens_shows_only_messages_of_that_citys_people_who_show_it);
async fn the_city_lens_shows_only_messages_of_that_citys_people_who_show_it() {
    let app = spawn_app().await;
    let anna = citizen(&app, KAZAN, "city").await;
    let hidden = citizen(&app, KAZAN, "hidden").await;
    let masha = citizen(&app, MOSCOW, "city").await;
    let room = app.default_room(&anna).await;
    let mut sockets = Vec::new();
    for user in [&anna, &hidden, &masha] {
        let mut socket = user.connect(&app).await;
        socket.join(room).await;
        sockets.push(socket);
    }
    for round in 0..3 {
        for (socket, who) in sockets.iter_mut().zip(["анна", "скрытая", "маша"]) {
            let content = format!("{who} {round}");
            socket.send(json!({ "type": "send_message", "room_id": room, "content": content })).await;
            while socket.wait_for("new_message").await["message"]["content"] != content {}
        }
    }

    let seen_by_masha = lens(&masha, room, &format!("city_id={KAZAN}")).await;
    let seen_by_hidden = lens(&hidden, room, &format!("city_id={KAZAN}")).await;
    let moscow = lens(&anna, room, &format!("city_id={MOSCOW}")).await;

    assert_eq!(contents(&seen_by_masha), ["анна 0", "анна 1", "анна 2"], "a hidden city stays hidden");
    assert_eq!(
        contents(&seen_by_hidden),
        ["анна 0", "скрытая 0", "анна 1", "скрытая 1", "анна 2", "скрытая 2"],
        "one's own messages are there too"
    );
    assert_eq!(contents(&moscow), ["маша 0", "маша 1", "маша 2"]);
    let newest = lens(&masha, room, &format!("city_id={KAZAN}&limit=2")).await;
    assert_eq!(contents(&newest), ["анна 1", "анна 2"]);
    let older = lens(&masha, room, &format!("city_id={KAZAN}&limit=2&before={}", newest[0]["id"])).await;
    assert_eq!(contents(&older), ["анна 0"], "pages back with before");
}

both_backends!(async fn the_city_lens_refuses_an_unknown_city_and_a_window_around_a_message);
async fn the_city_lens_refuses_an_unknown_city_and_a_window_around_a_message() {
    let app = spawn_app().await;
    let anna = citizen(&app, KAZAN, "city").await;
    let room = app.default_room(&anna).await;
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;
    let message = socket.say(room, "привет").await;

    for (query, code) in [
        ("city_id=1".to_owned(), "unknown_city"),
        ("city_id=казань".to_owned(), "unknown_city"),
        (format!("city_id={KAZAN}&around={}", message["id"]), "bad_request"),
    ] {
        let response = anna.get(&format!("/api/messages/{room}?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{query}: {body}");
    }
}
