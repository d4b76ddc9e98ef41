//! Cities in the browser, as far as the page decides by itself. Алиса and Борис both live in
//! «Лунный Посёлок», a city they typed, which is on no list: Борис's sidebar has «Города» with
//! «Комната моего города» disabled and saying why; «По городам» in his member list puts them
//! both in one group of two, with nothing to filter by (no canonical city), and back again.
//! Nobody shows a time zone, so no clock and no quiet-hours notice appear — until a
//! `user_updated` frame (handed to Борис's page as the server would send it) says Алиса's zone
//! is one where it is now 02:xx: then her clock shows in the member list and in the tooltip of
//! her message's time, and naming her with @ in the composer brings the quiet-hours notice.

use serde_json::json;

use crate::browser::*;

/// A city nobody's list has, so it stays as typed whatever the server links.
const CITY: &str = "Лунный Посёлок";

#[tokio::test]
async fn a_typed_city_waits_for_its_room_and_groups_the_members_and_a_zone_once_known_shows_clocks_and_quiet_hours() {
    with_alice_and_bob(typed_city).await;
}

/// A script that picks the `Etc/GMT…` zone where the local hour is 2 right now (quiet hours).
const QUIET_ZONE: &str = "const hour = new Date().getUTCHours();
    const offset = [...Array(27).keys()].map((k) => k - 12).find((k) => (hour + k + 24) % 24 === 2);
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;";

async fn typed_city(origin: String, alice: Browser, bob: Browser) {
    bob.watch_sockets().await;
    alice.register(&origin, CITY).await;
    bob.register(&origin, CITY).await;
    bob.wait_for_member("Алиса", CITY).await;

    // «Города»: the button waits for a city from the list and says so.
    // (The stylesheet writes section titles in capitals: the words themselves are read here.)
    let title = bob.run("return document.getElementById('cities-title').textContent;").await;
    assert_eq!(title, json!("Города"));
    bob.wait_for_text("#city-room-hint", "Выберите город из списка в настройках").await;
    assert_eq!(bob.run("return document.getElementById('city-room-mine').disabled;").await, json!(true));
    assert_eq!(bob.accessible_name("#city-room-mine").await, "Комната моего города");
    assert_eq!(bob.count("#city-list a[data-room-id]").await, 0, "no city rooms");

    // «По городам»: one group of both, headed by the city, with no city to filter by.
    bob.click("#members-by-city").await;
    assert_eq!(bob.attr("#members-by-city", "aria-pressed").await, "true");
    bob.wait_for_text("#member-list .members__group-name", CITY).await;
    bob.wait_for_text("#member-list .members__group-count", "2").await;
    assert_eq!(bob.count("#member-list .members__group").await, 1);
    assert_eq!(bob.count("#member-list .members__group .member").await, 2);
    assert_eq!(bob.count("#member-list .members__group-lens").await, 0, "a typed city has no messages of its own");

    // And back to one list.
    bob.click("#members-by-city").await;
    assert_eq!(bob.attr("#members-by-city", "aria-pressed").await, "false");
    assert_eq!(bob.count("#member-list .members__group").await, 0);
    assert_eq!(bob.count("#member-list > li.member").await, 2);

    // Nobody shows a zone: no clocks, no notice, no filter.
    assert_eq!(bob.count("#member-list .member__time").await, 0);
    bob.type_in_composer("@Алиса ты тут?").await;
    assert_eq!(bob.run("return document.getElementById('composer-quiet').textContent;").await, json!(""));
    assert!(!bob.is_displayed("#lens-banner").await);

    bob.run(
        "const box = document.getElementById('composer-input'); box.value = ''; box.dispatchEvent(new Event('input'));",
    )
    .await;

    // Алиса writes, then her zone becomes known: one where it is 02:xx now.
    alice.type_in_composer("Не спится").await;
    alice.press(fantoccini::key::Key::Enter).await;
    bob.wait_for_last_message("Не спится").await;
    let alice_id = alice.run("return Number(document.body.dataset.userId);").await;
    let zone = bob
        .run(&format!(
            "{QUIET_ZONE}
             const frame = {{ type: 'user_updated', user: {{ id: {alice_id}, username: 'Алиса', city: {city},
                 city_id: null, country: null, timezone: zone, avatar_url: null }} }};
             window.__test.sockets.at(-1).dispatchEvent(new MessageEvent('message', {{ data: JSON.stringify(frame) }}));
             return zone;",
            city = json!(CITY),
        ))
        .await;
    let zone = zone.as_str().expect("a zone").to_owned();
    let now_there = format!(
        "new Intl.DateTimeFormat('ru', {{ hour: '2-digit', minute: '2-digit', timeZone: {} }}).format(new Date())",
        json!(zone)
    );

    // Her clock in the member list, and in the tooltip of her message's time.
    bob.wait_until(
        "Алиса's clock in the member list",
        &format!(
            "const el = document.querySelector('#member-list .member__time');
             return Boolean(el) && el.textContent === {now_there} && el.title === 'Местное время: ' + el.textContent;"
        ),
    )
    .await;
    assert_eq!(bob.count("#member-list .member__time").await, 1, "Борис shows no zone");
    let tooltip = bob
        .run(&format!(
            "const time = [...document.querySelectorAll('#message-list li[data-id]')].at(-1).querySelector('time');
             const then = new Intl.DateTimeFormat('ru', {{ hour: '2-digit', minute: '2-digit', timeZone: {zone} }})
                 .format(new Date(time.dateTime));
             return time.title.endsWith('\\nАлиса: ' + then + ' по местному времени');",
            zone = json!(zone)
        ))
        .await;
    assert_eq!(tooltip, json!(true), "the tooltip of her message's time has her clock then");

    // Named with @, she is in quiet hours: a gentle notice, gone with the name.
    bob.type_in_composer("@Алиса ты тут?").await;
    bob.wait_until(
        "the quiet-hours notice",
        &format!(
            "return document.getElementById('composer-quiet').textContent
                 === 'Алиса: сейчас ' + {now_there} + ' по местному времени';"
        ),
    )
    .await;
    assert_eq!(bob.attr("#composer-quiet", "role").await, "status");
    bob.run("const box = document.getElementById('composer-input'); box.value = 'ты тут?'; box.dispatchEvent(new Event('input'));").await;
    bob.wait_until("the notice to go", "return document.getElementById('composer-quiet').textContent === '';").await;
}
