//! People's cities: registering with a picked canonical city or a text that is linked when it
//! names one city, changing both with `PATCH /api/me`, linking the free-text cities of existing
//! accounts at start-up, the distance and local time a profile shows — and `city_privacy`
//! enforced in every answer and frame that carries another user: replays and history windows
//! too, from the moment the change is answered on sockets opened before it, and across
//! instances.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::resume::logged_until;

const KAZAN: i64 = 551487;
const MOSCOW: i64 = 524901;
const SAINT_PETERSBURG: i64 = 498817;

async fn me(user: &TestUser) -> Value {
    user.get("/api/me").await.json().await.unwrap()
}

/// `GET /api/me` of `user` signed in anew on `app` (another address after a restart).
async fn me_on(app: &TestApp, user: &TestUser) -> Value {
    let client = app.client();
    user.sign_in_on(app, client.clone()).await;
    client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap()
}

async fn register_with_fields(app: &TestApp, city: &str, city_id: &str) -> (reqwest::Response, reqwest::Client) {
    let client = app.client();
    let username = unique_name("user");
    let password = "correct horse";
    let fields = [
        ("username", username.as_str()),
        ("password", password),
        ("password_confirm", password),
        ("city", city),
        ("city_id", city_id),
    ];
    (app.post_register(&client, &fields).await, client)
}

both_backends!(async fn registering_with_a_picked_city_gives_its_canonical_name_country_and_time_zone);
async fn registering_with_a_picked_city_gives_its_canonical_name_country_and_time_zone() {
    let app = spawn_app().await;

    let (response, client) = register_with_fields(&app, "Питер, Васильевский", &SAINT_PETERSBURG.to_string()).await;

    assert_eq!(response.status(), 303);
    let me: Value = client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["city"], "Санкт-Петербург", "the picked city wins over the text: {me}");
    assert_eq!(me["city_id"], SAINT_PETERSBURG);
    assert_eq!(me["country"], "RU");
    assert_eq!(me["timezone"], "Europe/Moscow");
    assert_eq!(me["city_privacy"], "city", "shown to everyone unless they choose otherwise");
}

both_backends!(async fn registering_with_a_city_id_the_table_lacks_is_refused_and_makes_no_account);
async fn registering_with_a_city_id_the_table_lacks_is_refused_and_makes_no_account() {
    let app = spawn_app().await;

    for bad in ["4000000000", "-5", "Казань"] {
        let (response, client) = register_with_fields(&app, "Казань", bad).await;

        assert_eq!(response.status(), 400, "city_id {bad}");
        let page = response.text().await.unwrap();
        assert!(page.contains("справочнике") || page.contains("city list"), "the form says why: {bad}");
        assert!(page.contains("value=\"Казань\""), "the typed city is kept");
        assert_eq!(client.get(app.url("/api/me")).send().await.unwrap().status(), 401, "no account, no session");
    }
}

both_backends!(async fn a_city_typed_as_a_known_name_or_alias_is_linked_and_an_ambiguous_or_unknown_one_stays_as_typed);
async fn a_city_typed_as_a_known_name_or_alias_is_linked_and_an_ambiguous_or_unknown_one_stays_as_typed() {
    let app = spawn_app().await;

    let alias = TestUser::register_in(&app, "питер").await;
    let english = TestUser::register_in(&app, "Kazan").await;
    let ambiguous = TestUser::register_in(&app, "Кировск").await;
    let unknown = TestUser::register_in(&app, "Нарния").await;

    let alias = me(&alias).await;
    assert_eq!((alias["city"].as_str(), alias["city_id"].as_i64()), (Some("Санкт-Петербург"), Some(SAINT_PETERSBURG)));
    assert_eq!(me(&english).await["city_id"], KAZAN);
    for (user, typed) in [(ambiguous, "Кировск"), (unknown, "Нарния")] {
        let me = me(&user).await;
        assert_eq!(me["city"], typed, "kept as typed: {me}");
        assert_eq!(
            (me["city_id"].clone(), me["country"].clone(), me["timezone"].clone()),
            (Value::Null, Value::Null, Value::Null)
        );
    }
}

both_backends!(async fn patching_me_links_a_city_by_id_or_text_and_refuses_what_is_not_one);
async fn patching_me_links_a_city_by_id_or_text_and_refuses_what_is_not_one() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Нарния").await;

    let by_id = anna.patch_json("/api/me", &json!({"city_id": KAZAN, "city": "Москва"})).await;
    assert_eq!(by_id.status(), 200);
    let by_id: Value = by_id.json().await.unwrap();
    assert_eq!((by_id["city"].as_str(), by_id["city_id"].as_i64()), (Some("Казань"), Some(KAZAN)), "the id wins");

    let by_text: Value = anna.patch_json("/api/me", &json!({"city": "Екб"})).await.json().await.unwrap();
    assert_eq!(by_text["city"], "Екатеринбург", "{by_text}");
    assert_eq!(by_text["timezone"], "Asia/Yekaterinburg");

    let free: Value = anna.patch_json("/api/me", &json!({"city": "Нарния"})).await.json().await.unwrap();
    assert_eq!((free["city"].as_str(), free["city_id"].clone()), (Some("Нарния"), Value::Null), "back to free text");

    let unknown = anna.patch_json("/api/me", &json!({"city_id": 4_000_000_000u64})).await;
    assert_eq!(unknown.status(), 400);
    assert_eq!(unknown.json::<Value>().await.unwrap()["code"], "unknown_city");
    for bad in [json!({"city_privacy": "friends"}), json!({"city_id": "Казань"}), json!({"city_id": -1})] {
        let response = anna.patch_json("/api/me", &bad).await;
        assert_eq!(response.status(), 400, "{bad}");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "bad_request", "{bad}");
    }
    let after = me(&anna).await;
    assert_eq!(
        (after["city"].as_str(), after["city_privacy"].as_str()),
        (Some("Нарния"), Some("city")),
        "nothing changed"
    );
}

both_backends!(async fn free_text_cities_of_existing_accounts_are_linked_at_start_up_only_when_they_name_one_city);
async fn free_text_cities_of_existing_accounts_are_linked_at_start_up_only_when_they_name_one_city() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Нарния").await;
    let boris = TestUser::register_in(&app, "Нарния").await;
    let vera = TestUser::register_in(&app, "Нарния").await;
    let gleb = TestUser::register_in(&app, "Нарния").await;
    // As accounts from before the city table were: text only.
    app.execute_sql(&format!("UPDATE users SET city = 'СПб' WHERE id IN ({}, {})", anna.id, boris.id));
    app.execute_sql(&format!("UPDATE users SET city = 'Кировск' WHERE id = {}", vera.id));
    // Москва and Moscow, Idaho: typed now, the far bigger one is meant; an old text is left alone.
    app.execute_sql(&format!("UPDATE users SET city = 'Moscow' WHERE id = {}", gleb.id));
    let typed_now = TestUser::register_in(&app, "Moscow").await;
    assert_eq!(me(&typed_now).await["city_id"], MOSCOW, "text typed now links to a clear winner");

    let app = app.restart().await;

    for user in [&anna, &boris] {
        let me = me_on(&app, user).await;
        assert_eq!((me["city"].as_str(), me["city_id"].as_i64()), (Some("Санкт-Петербург"), Some(SAINT_PETERSBURG)));
    }
    let vera = me_on(&app, &vera).await;
    assert_eq!((vera["city"].as_str(), vera["city_id"].clone()), (Some("Кировск"), Value::Null), "ambiguous: as typed");
    let gleb = me_on(&app, &gleb).await;
    assert_eq!(
        (gleb["city"].as_str(), gleb["city_id"].clone()),
        (Some("Moscow"), Value::Null),
        "two Moscows: as typed"
    );
    drop(app);
}

both_backends!(async fn a_profile_shows_the_distance_and_local_time_from_what_its_owner_shows);
async fn a_profile_shows_the_distance_and_local_time_from_what_its_owner_shows() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let boris = TestUser::register_in(&app, "Москва").await;
    let nomad = TestUser::register_in(&app, "Нарния").await;

    let seen: Value = boris.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
    let km = seen["distance_km"].as_u64().expect("both cities are canonical");
    assert!((700..=740).contains(&km), "Moscow–Kazan is about 720 km, got {km}");
    assert_eq!(seen["local_time"]["utc_offset"], 180, "{seen}");
    assert_eq!(seen["local_time"]["time"].as_str().map(str::len), Some(5), "HH:MM: {seen}");
    assert!(seen["local_time"]["quiet"].is_boolean());

    let own: Value = anna.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
    assert_eq!(own["distance_km"], Value::Null, "no distance to oneself");
    assert_eq!(own["local_time"]["utc_offset"], 180);
    let from_nowhere: Value = nomad.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
    assert_eq!(from_nowhere["distance_km"], Value::Null, "the reader's city is not canonical");

    for privacy in ["country", "hidden"] {
        anna.patch_json("/api/me", &json!({"city_privacy": privacy})).await;
        let seen: Value = boris.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
        assert_eq!((seen["distance_km"].clone(), seen["local_time"].clone()), (Value::Null, Value::Null), "{privacy}");
        let own: Value = anna.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
        assert_eq!(own["city_id"], KAZAN, "you always see your own ({privacy})");
    }
}

/// What another person must see of Anna (of Kazan) under `privacy`.
fn assert_shown(user: &Value, privacy: &str, place: &str) {
    let got = [&user["city"], &user["city_id"], &user["country"], &user["timezone"]];
    let expected = match privacy {
        "city" => [json!("Казань"), json!(KAZAN), json!("RU"), json!("Europe/Moscow")],
        "country" => [Value::Null, Value::Null, json!("RU"), Value::Null],
        _ => [Value::Null, Value::Null, Value::Null, Value::Null],
    };
    assert_eq!(got.map(Clone::clone), expected, "{place} under {privacy}: {user}");
}

both_backends!(async fn every_city_privacy_level_holds_in_every_answer_and_frame_that_carries_a_user);
async fn every_city_privacy_level_holds_in_every_answer_and_frame_that_carries_a_user() {
    let app = spawn_app().await;
    for privacy in ["city", "country", "hidden"] {
        let anna = TestUser::register_in(&app, "Казань").await;
        let boris = TestUser::register_in(&app, "Москва").await;
        let room = boris.create_room(&unique_name("room")).await["id"].as_i64().unwrap();
        let mut boris_socket = boris.connect(&app).await;
        boris_socket.join(room).await;

        // user_updated: the change itself reaches everyone projected.
        let changed: Value = anna.patch_json("/api/me", &json!({"city_privacy": privacy})).await.json().await.unwrap();
        assert_eq!((changed["city"].as_str(), changed["city_privacy"].as_str()), (Some("Казань"), Some(privacy)));
        assert_shown(&boris_socket.wait_for("user_updated").await["user"], privacy, "user_updated");

        // joined_room and room_users_list.
        let mut anna_socket = anna.connect(&app).await;
        let list = anna_socket.join(room).await;
        let joined = boris_socket.wait_for("joined_room").await;
        assert_shown(&joined["user"], privacy, "joined_room");
        let mut late = boris.another_device(&app).await.connect(&app).await;
        let members = late.join(room).await;
        let entry = members["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).unwrap().clone();
        assert_shown(&entry, privacy, "room_users_list");
        let own = list["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).unwrap().clone();
        assert_shown(&own, privacy, "her own entry in a shared frame");

        // new_message, mentioned, history, pins, search.
        let mut boris_elsewhere = boris.connect(&app).await;
        let word = unique_name("word");
        anna_socket.say(room, &format!("привет {word} @{}", boris.username)).await;
        let live = boris_socket.wait_for("new_message").await;
        assert_shown(&live["message"]["user"], privacy, "new_message");
        assert_shown(&boris_elsewhere.wait_for("mentioned").await["message"]["user"], privacy, "mentioned");
        let history: Value = boris.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
        assert_shown(&history[0]["user"], privacy, "history");
        let found: Value = boris.get(&format!("/api/search?q={word}")).await.json().await.unwrap();
        assert_shown(&found[0]["user"], privacy, "search");
        boris_socket.send(json!({"type": "pin_message", "message_id": live["message"]["id"]})).await;
        let updated = boris_socket.wait_for("message_updated").await;
        assert_shown(&updated["message"]["user"], privacy, "message_updated");
        let pins: Value = boris.get(&format!("/api/rooms/{room}/pins")).await.json().await.unwrap();
        assert_shown(&pins[0]["user"], privacy, "pins");

        // The window around a message, and the city lens, which leaves out whoever does not show it.
        let around: Value =
            boris.get(&format!("/api/messages/{room}?around={}", live["message"]["id"])).await.json().await.unwrap();
        let hers = around.as_array().unwrap().iter().find(|m| m["id"] == live["message"]["id"]).unwrap().clone();
        assert_shown(&hers["user"], privacy, "history around a message");
        let lens: Value = boris.get(&format!("/api/messages/{room}?city_id={KAZAN}")).await.json().await.unwrap();
        match privacy {
            "city" => assert_shown(&lens[0]["user"], privacy, "the city lens"),
            _ => assert_eq!(lens, json!([]), "the city lens leaves her out under {privacy}"),
        }

        // Resuming with `since`: what is replayed carries her as she is shown.
        let mut resumed = boris.another_device(&app).await.connect(&app).await;
        let since = live["seq"].as_i64().unwrap() - 1;
        resumed.send(json!({"type": "join_room", "room_id": room, "since": since})).await;
        resumed.wait_for("room_users_list").await;
        let replayed = logged_until(&mut resumed, updated["seq"].as_i64().unwrap()).await;
        let kinds: Vec<&str> = replayed.iter().map(|f| f["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["new_message", "message_updated"]);
        for frame in &replayed {
            assert_shown(&frame["message"]["user"], privacy, &format!("replayed {}", frame["type"]));
        }

        // Profiles.
        let profile: Value = boris.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
        assert_shown(&profile, privacy, "GET /api/users/{id}");

        // Direct conversations: the list, the frame, the room's members.
        let dm: Value = anna.post_json("/api/dms", &json!({"user_id": boris.id})).await.json().await.unwrap();
        let anna_in_dm = dm["members"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).unwrap().clone();
        assert_shown(&anna_in_dm, privacy, "POST /api/dms members");
        let dm_id = dm["id"].as_i64().unwrap();
        let mut anna_in_dm_socket = anna.connect(&app).await;
        anna_in_dm_socket.join(dm_id).await;
        anna_in_dm_socket.say(dm_id, "лично").await;
        let direct = boris_socket.wait_for("direct_message").await;
        assert_shown(&direct["message"]["user"], privacy, "direct_message");
        let dms: Value = boris.get("/api/dms").await.json().await.unwrap();
        assert_shown(&dms[0]["user"], privacy, "GET /api/dms");

        // Blocks list.
        assert_eq!(boris.put(&format!("/api/blocks/{}", anna.id)).await.status(), 204);
        let blocked: Value = boris.get("/api/blocks").await.json().await.unwrap();
        assert_shown(&blocked[0], privacy, "GET /api/blocks");

        // She always sees her own.
        let own = me(&anna).await;
        assert_eq!((own["city"].as_str(), own["city_id"].as_i64()), (Some("Казань"), Some(KAZAN)), "{privacy}");
    }
}

/// The first frame of each of `kinds`, in whatever order they arrive.
async fn wait_for_each<const N: usize>(socket: &mut Socket, kinds: [&str; N]) -> [Value; N] {
    let mut found: [Value; N] = std::array::from_fn(|_| Value::Null);
    while found.iter().any(Value::is_null) {
        let frame = socket.next().await;
        if let Some(at) = kinds.iter().position(|kind| frame["type"] == *kind) {
            if found[at].is_null() {
                found[at] = frame;
            }
        }
    }
    found
}

both_backends!(async fn frames_sent_after_a_privacy_change_follow_it_on_sockets_opened_before_it);
async fn frames_sent_after_a_privacy_change_follow_it_on_sockets_opened_before_it() {
    let app = spawn_app().await;
    let anna = TestUser::register_in(&app, "Казань").await;
    let boris = TestUser::register_in(&app, "Москва").await;
    let room = boris.create_room(&unique_name("room")).await["id"].as_i64().unwrap();
    let mut boris_socket = boris.connect(&app).await;
    boris_socket.join(room).await;
    let mut anna_socket = anna.connect(&app).await;
    anna_socket.join(room).await;

    for privacy in ["country", "hidden", "city"] {
        let changed = anna.patch_json("/api/me", &json!({"city_privacy": privacy})).await;
        assert_eq!(changed.status(), 200);
        // At once, without waiting for `user_updated`: her socket is one she opened before.
        let sent = anna_socket.say(room, privacy).await;
        let seen = boris_socket.wait_for("new_message").await;

        assert_eq!(seen["message"]["id"], sent["id"]);
        assert_shown(&seen["message"]["user"], privacy, "new_message from a socket opened before the change");
        assert_shown(&sent["user"], privacy, "her own copy of the shared frame");
        let mut late = boris.another_device(&app).await.connect(&app).await;
        let members = late.join(room).await;
        let entry = members["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).unwrap().clone();
        assert_shown(&entry, privacy, "room_users_list of someone connected before the change");
    }
}

#[tokio::test]
async fn frames_crossing_instances_follow_the_city_privacy_of_the_user_they_carry() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register_in(&a, "Казань").await;
            let boris = TestUser::register_in(&b, "Москва").await;
            let room = boris.create_room(&unique_name("room")).await["id"].as_i64().unwrap();
            let mut on_a = anna.connect(&a).await;
            // room_created comes back through Redis and may reach a new socket first.
            on_a.send(json!({"type": "join_room", "room_id": room})).await;
            on_a.wait_for("room_users_list").await;
            let mut on_b = boris.connect(&b).await;
            on_b.send(json!({"type": "join_room", "room_id": room})).await;
            on_b.wait_for("room_users_list").await;

            for privacy in ["country", "hidden", "city"] {
                // Changed through instance A, where her socket is; Boris hears it on B.
                let changed = anna.patch_json("/api/me", &json!({"city_privacy": privacy})).await;
                assert_eq!(changed.status(), 200);
                let sent = on_a.say(room, privacy).await;
                // Two publishers' frames: they may arrive in either order.
                let [updated, seen] = wait_for_each(&mut on_b, ["user_updated", "new_message"]).await;

                assert_shown(&updated["user"], privacy, "user_updated from another instance");
                assert_eq!(seen["message"]["id"], sent["id"]);
                assert_shown(&seen["message"]["user"], privacy, "new_message from another instance");
                let mut late = boris.another_device(&b).await.connect(&b).await;
                let members = late.join(room).await;
                let entry = members["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).unwrap().clone();
                assert_shown(&entry, privacy, "room_users_list of someone on another instance");
                let mut resumed = boris.another_device(&b).await.connect(&b).await;
                let since = seen["seq"].as_i64().unwrap() - 1;
                resumed.send(json!({"type": "join_room", "room_id": room, "since": since})).await;
                resumed.wait_for("room_users_list").await;
                let replayed = logged_until(&mut resumed, seen["seq"].as_i64().unwrap()).await;
                assert_shown(&replayed[0]["message"]["user"], privacy, "a replay on another instance");
            }
        })
        .await;
}
