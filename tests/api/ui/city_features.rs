//! A canonical city's features in the browser, with the real server. Алиса and Борис register
//! in «Казань» (linked to the city 551487): Алиса's «Комната моего города» makes the city's
//! room and opens it; it appears under «Города» for both with «2» people, Борис's page getting
//! it live from `room_created`, and Борис, from the link or his own button, opens the same
//! room — the server holds one room for the city. Then the city lens: in the default room
//! Алиса from Казань and Борис from Москва write; Борис groups his member list «По городам»,
//! chooses «Только их сообщения» on Казань and reads only her messages under the banner, a
//! live one of his own staying out of the pane; «показать все» brings everything back.

use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::browser::*;

/// Kazan's GeoNames id: the city «Казань» typed at registration is linked to.
const KAZAN: i64 = 551487;

#[tokio::test]
async fn two_people_of_kazan_open_their_city_room_once_and_both_see_it_under_cities_with_a_count_of_two() {
    with_alice_and_bob(one_room_for_kazan).await;
}

#[tokio::test]
async fn the_city_lens_shows_only_messages_from_people_of_one_city() {
    with_alice_and_bob(only_kazan_messages).await;
}

/// A script body: the text each of the shown messages reads, in order.
const SHOWN: &str = "return [...document.querySelectorAll('#message-list .msg__body')].map((b) => b.textContent);";

async fn one_room_for_kazan(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Казань").await;
    bob.register(&origin, "Казань").await;
    bob.wait_for_member("Алиса", "Казань").await;
    let me = alice.run("return fetch('/api/me').then((r) => r.json());").await;
    assert_eq!(me["city_id"], json!(KAZAN), "«Казань» is linked to the canonical city: {me}");
    assert_eq!(bob.count("#city-list a[data-room-id]").await, 0, "no city room yet");

    // Алиса asks for her city's room: it opens for her, under «Города», as hers, with 2 people.
    alice
        .wait_until(
            "«Комната моего города» to become usable",
            "const b = document.getElementById('city-room-mine');
             return !b.disabled && document.getElementById('city-room-hint').hidden;",
        )
        .await;
    alice.click("#city-room-mine").await;
    alice.wait_for_text("#room-name", "Казань").await;
    alice.wait_for("#city-list a.is-active").await;
    let room = alice.attr("#city-list a.is-active", "data-room-id").await;
    alice.wait_for_path_and_query(&format!("/chat?room={room}")).await;
    let link = format!("#city-list a[data-room-id='{room}']");
    for person in [&alice, &bob] {
        // Борис never reloads: the room comes to his page with `room_created`.
        person.wait_for_text(&format!("{link} .room-link__name"), "Казань").await;
        person
            .wait_until(
                "a count of 2 on the city's room",
                &format!(
                    "const people = document.querySelector(\"{link} .room-link__people\");
                     return Boolean(people) && people.querySelector('[aria-hidden=true]').textContent === '2'
                       && people.title === people.querySelector('.visually-hidden').textContent;"
                ),
            )
            .await;
        assert_eq!(
            person.count(&format!("{link} .room-link__yours")).await,
            1,
            "{}: marked as their city's",
            person.name
        );
        assert_eq!(person.count("#city-list a[data-room-id]").await, 1, "{}: one city room", person.name);
        assert_eq!(
            person.count(&format!("#room-list a[data-room-id='{room}']")).await,
            0,
            "{}: the city room is listed under «Города» only",
            person.name
        );
    }
    let title = bob.attr(&format!("{link} .room-link__people"), "title").await;
    assert!(title.contains('2'), "the count is said in words too: {title:?}");

    // Борис opens it from the list: the same room, where Алиса already is.
    bob.click(&link).await;
    bob.wait_for_text("#room-name", "Казань").await;
    bob.wait_for_path_and_query(&format!("/chat?room={room}")).await;
    bob.wait_for_member("Алиса", "Казань").await;
    alice.wait_for_member("Борис", "Казань").await;

    // His own button, from another room, opens that same room too.
    let default_room = bob.attr("body", "data-default-room-id").await;
    bob.click(&format!("#room-list a[data-room-id='{default_room}']")).await;
    bob.wait_for_text("#room-name", DEFAULT_ROOM).await;
    bob.wait_until("his button to be usable", "return !document.getElementById('city-room-mine').disabled;").await;
    bob.click("#city-room-mine").await;
    bob.wait_for_text("#room-name", "Казань").await;
    bob.wait_for_path_and_query(&format!("/chat?room={room}")).await;
    assert_eq!(bob.count("#city-list a[data-room-id]").await, 1, "still one city room");

    // The server has exactly one room for Kazan, with its two people.
    let rooms = bob.run("return fetch('/api/rooms').then((r) => r.json());").await;
    let kazan: Vec<&Value> =
        rooms.as_array().expect("a list of rooms").iter().filter(|r| r["city_id"] == json!(KAZAN)).collect();
    assert_eq!(kazan.len(), 1, "one room for Kazan: {rooms}");
    assert_eq!(kazan[0]["id"].to_string(), room, "{rooms}");
    assert_eq!(kazan[0]["city_members"], json!(2), "{rooms}");
    assert_eq!(kazan[0]["created_by"], Value::Null, "nobody owns a city's room: {rooms}");
}

async fn only_kazan_messages(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Казань").await;
    bob.register(&origin, "Москва").await;
    alice.wait_for_member("Борис", "Москва").await;
    bob.wait_for_member("Алиса", "Казань").await;

    // Both write in the default room, turn by turn.
    let all = ["Привет из Казани", "А у нас в Москве дождь", "Эчпочмаки готовы", "Приеду в субботу"];
    for (n, text) in all.iter().enumerate() {
        let writer = if n % 2 == 0 { &alice } else { &bob };
        writer.type_in_composer(text).await;
        writer.press(Key::Enter).await;
        alice.wait_for_last_message(text).await;
        bob.wait_for_last_message(text).await;
    }
    bob.assert_messages(&all).await;
    assert!(!bob.is_displayed("#lens-banner").await, "no lens before it is chosen");

    // «По городам»: a group per city, Казань with its «Только их сообщения».
    bob.click("#members-by-city").await;
    assert_eq!(bob.attr("#members-by-city", "aria-pressed").await, "true");
    bob.wait_until(
        "the groups of Казань and Москва",
        "const names = [...document.querySelectorAll('#member-list .members__group-name')].map((n) => n.textContent);
         return names.length === 2 && names.includes('Казань') && names.includes('Москва');",
    )
    .await;
    let kazan_lens = bob
        .run(
            "const group = [...document.querySelectorAll('#member-list .members__group')]
                 .find((g) => g.querySelector('.members__group-name').textContent === 'Казань');
             const lens = group.querySelector('.members__group-lens');
             if (!lens) return null;
             lens.setAttribute('data-test-lens', 'kazan');
             return lens.textContent;",
        )
        .await;
    assert_eq!(kazan_lens, json!("Только их сообщения"), "Казань's group offers its messages alone");

    // Only Алиса's messages, under the banner.
    bob.click("#member-list [data-test-lens='kazan']").await;
    bob.wait_until(
        "only Kazan's messages",
        &format!(
            "const shown = (() => {{ {SHOWN} }})(); return JSON.stringify(shown) === {};",
            json!(json!([all[0], all[2]]).to_string())
        ),
    )
    .await;
    assert!(bob.is_displayed("#lens-banner").await, "the banner says a lens is on");
    bob.wait_for_text("#lens-text", "Сообщения из города Казань").await;
    bob.wait_for_text("#lens-show-all", "показать все").await;

    // Live, too: Борис's own message from Москва stays out, Алиса's comes in.
    bob.type_in_composer("Москва тоже пишет").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Москва тоже пишет").await;
    alice.type_in_composer("Казань отвечает").await;
    alice.press(Key::Enter).await;
    alice.wait_for_last_message("Казань отвечает").await;
    bob.wait_for_last_message("Казань отвечает").await;
    bob.wait_until("nothing left pending", "return document.querySelectorAll('#pending-list li').length === 0;").await;
    bob.assert_messages(&[all[0], all[2], "Казань отвечает"]).await;

    // «показать все»: everything back, the banner gone.
    bob.click("#lens-show-all").await;
    let everything = [all[0], all[1], all[2], all[3], "Москва тоже пишет", "Казань отвечает"];
    bob.wait_until(
        "all the messages back",
        &format!(
            "const shown = (() => {{ {SHOWN} }})(); return JSON.stringify(shown) === {};",
            json!(json!(everything).to_string())
        ),
    )
    .await;
    bob.wait_until("the banner to go", "return document.getElementById('lens-banner').hidden;").await;
    assert_eq!(bob.count("#toasts .toast--error").await, 0, "no errors on the way");
}
