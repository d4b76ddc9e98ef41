//! Profiles in the browser: Алиса clicks Борис's name in the member list and his profile card
//! opens with his city, his about text and whether he is online, with «Написать» and
//! «Заблокировать»; Escape closes it and the focus goes back to his name. When both live in
//! canonical cities (Алиса in Казань, Борис in Москва), his card tells her his local time and
//! about how far he lives («≈ 720 км от вас»); once he shows only his country, neither — at
//! once on the open card, and on the card opened again.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

#[tokio::test]
async fn clicking_a_name_in_the_member_list_opens_the_profile_card_with_the_about_text() {
    with_alice_and_bob(profile_card).await;
}

async fn profile_card(origin: String, alice: Browser, bob: Browser) {
    bob.register(&origin, "Владивосток").await;
    let about = "Люблю море\nи сопки";
    let saved = bob
        .run(&format!(
            "return fetch('/api/me', {{ method: 'PATCH', headers: {{ 'Content-Type': 'application/json' }},
                 body: JSON.stringify({{ about: {} }}) }}).then((r) => r.json());",
            json!(about)
        ))
        .await;
    assert_eq!(saved["about"], json!(about), "{saved}");
    let bob_id = saved["id"].as_i64().expect("Борис's id");
    alice.register(&origin, "Новосибирск").await;

    let name = format!("#member-list button[data-profile-id='{bob_id}']");
    alice.wait_for_text(&name, "Борис").await;
    alice.click(&name).await;

    alice.wait_for_text("#profile-card .profile-card__about", "Люблю море\nи сопки").await;
    alice.wait_for_text("#profile-card .profile-card__name", "Борис").await;
    alice.wait_for_text("#profile-card .city-badge", "Владивосток").await;
    alice.wait_for_text("#profile-card p.profile-card__presence", "В сети").await;
    assert!(alice.is_displayed("#profile-card .profile-card__write").await, "«Написать» on someone else's card");
    assert!(alice.is_displayed("#profile-card .profile-card__block").await);
    assert_eq!(alice.accessible_name("#profile-card").await, "Борис", "the card is named by whose it is");

    alice.chord(&[Key::Escape]).await;
    alice.wait_until("the card to close", "return !document.getElementById('profile-card').open;").await;
    alice
        .wait_until(
            "the focus back on Борис's name",
            &format!("return document.activeElement?.matches({}) === true;", json!(name)),
        )
        .await;
}

#[tokio::test]
async fn a_profile_card_shows_someones_local_time_and_distance_unless_they_show_only_their_country() {
    with_alice_and_bob(local_time_and_distance).await;
}

/// A script body: the card's local-time and distance lines (null when absent) and its city badge.
const CARD_PLACE: &str = "const card = document.getElementById('profile-card');
     const text = (css) => card.querySelector(css)?.textContent ?? null;
     return { time: text('.profile-card__time'), distance: text('.profile-card__distance'), badge: text('.city-badge') };";

async fn local_time_and_distance(origin: String, alice: Browser, bob: Browser) {
    bob.register(&origin, "Москва").await;
    let bob_id = bob.run("return fetch('/api/me').then((r) => r.json()).then((me) => me.id);").await;
    alice.register(&origin, "Казань").await;
    let name = format!("#member-list button[data-profile-id='{bob_id}']");
    alice.wait_for_text(&name, "Борис").await;
    alice.click(&name).await;

    alice
        .wait_until(
            "his local time and distance on his card",
            "const card = document.getElementById('profile-card');
             const time = card.querySelector('.profile-card__time')?.textContent ?? '';
             const distance = card.querySelector('.profile-card__distance')?.textContent ?? '';
             return /^Местное время: \\d{1,2}:\\d{2}$/.test(time) && /^≈\\s7\\d\\d\\sкм от вас$/.test(distance);",
        )
        .await;

    // He shows only his country: the open card drops what came from his city.
    let saved = bob
        .run(
            "return fetch('/api/me', { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
                 body: JSON.stringify({ city_privacy: 'country' }) }).then((r) => r.json());",
        )
        .await;
    assert_eq!(saved["city_privacy"], json!("country"), "{saved}");
    let hidden = json!({ "time": null, "distance": null, "badge": "Россия" });
    alice
        .wait_until(
            "his time and distance gone from the open card",
            &format!(
                "const shown = (() => {{ {CARD_PLACE} }})();
                 return shown.time === null && shown.distance === null && shown.badge === 'Россия';"
            ),
        )
        .await;

    alice.chord(&[Key::Escape]).await;
    alice.wait_until("the card to close", "return !document.getElementById('profile-card').open;").await;
    alice.click(&name).await;
    alice.wait_for_text("#profile-card .profile-card__name", "Борис").await;
    alice.wait_for_text("#profile-card .city-badge", "Россия").await;
    assert_eq!(alice.run(CARD_PLACE).await, hidden, "read anew, his card has neither");
}
