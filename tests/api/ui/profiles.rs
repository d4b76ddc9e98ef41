//! Profiles in the browser: Алиса clicks Борис's name in the member list and his profile card
//! opens with his city, his about text and whether he is online, with «Написать» and
//! «Заблокировать»; Escape closes it and the focus goes back to his name.

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
