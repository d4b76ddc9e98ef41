//! Cities in the browser, on a phone: Алиса types «питер» into the registration form's city
//! field, the picker lists Saint Petersburg within the screen in fingers' reach, ↓ and Enter
//! pick it without submitting the form, and she is registered in «Санкт-Петербург», the
//! canonical city. In the settings she chooses that only her country is seen: Борис's member
//! list then says «Россия» for her while her own strip still says her city; Escape in the
//! open list closes the list, not the settings. On a page in English, the canonical cities
//! frames name in Russian are shown by their English names («Kazan’»), each read once.

use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::browser::*;

#[tokio::test]
async fn a_city_picked_with_the_keyboard_on_a_phone_registers_the_canonical_city_and_its_privacy_is_set_in_the_settings(
) {
    with_alice_and_bob(pick_a_city_then_show_only_the_country).await;
}

async fn pick_a_city_then_show_only_the_country(origin: String, alice: Browser, bob: Browser) {
    bob.register(&origin, "Владивосток").await;

    alice.client.goto(&format!("{origin}/register")).await.expect("the registration page opens");
    alice.emulate_phone(super::PHONE).await;
    alice.fill("#username", alice.name).await;
    alice.fill("#password", PASSWORD).await;
    alice.fill("#password_confirm", PASSWORD).await;
    alice.fill("#city", "питер").await;

    // The list opens under the field, inside the screen, each option at least 44 px tall.
    alice
        .wait_until(
            "Санкт-Петербург in the open list",
            "const input = document.getElementById('city');
             const list = document.getElementById(input.getAttribute('aria-controls'));
             return input.getAttribute('aria-expanded') === 'true' && !list.hidden
               && [...list.querySelectorAll('[role=option]')].some((o) => o.textContent.startsWith('Санкт-Петербург'));",
        )
        .await;
    let fits = alice
        .run(
            "const list = document.getElementById(document.getElementById('city').getAttribute('aria-controls'));
             const r = list.getBoundingClientRect();
             const options = [...list.querySelectorAll('[role=option]')];
             return {
               inside: r.left >= 0 && r.right <= window.innerWidth && r.top >= 0 && r.height > 0,
               tall: options.every((o) => o.getBoundingClientRect().height >= 44),
               sideways: document.documentElement.scrollWidth <= window.innerWidth,
             };",
        )
        .await;
    assert_eq!(fits, json!({ "inside": true, "tall": true, "sideways": true }), "the list fits a 375 px screen");

    // ↓ moves to the first city (the field keeps the focus and points at it); Enter picks it.
    alice.fill("#city", &Key::Down).await;
    let active = alice.attr("#city", "aria-activedescendant").await;
    let first = alice.run("return document.querySelector('[role=listbox] [role=option]').id;").await;
    assert_eq!(json!(active), first, "↓ made the first option the active one");
    alice.fill("#city", &Key::Enter).await;
    assert_eq!(alice.run("return document.getElementById('city').value;").await, json!("Санкт-Петербург"));
    let city_id = alice.run("return document.getElementById('city_id').value;").await;
    assert!(city_id.as_str().is_some_and(|id| id.parse::<i64>().is_ok()), "city_id holds the city's id: {city_id}");
    assert_eq!(alice.attr("#city", "aria-expanded").await, "false", "the list closed");
    assert_eq!(alice.path_and_query().await, "/register", "Enter in the open list did not submit the form");

    alice.click("#register-form button[type=submit]").await;
    alice.wait_until("the chat page after registering", "return location.pathname === '/chat';").await;
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
    let me = alice.run("return fetch('/api/me').then((r) => r.json());").await;
    assert_eq!(me["city"], json!("Санкт-Петербург"), "{me}");
    assert_eq!(json!(me["city_id"].to_string()), city_id, "the city picked is the one saved: {me}");
    assert_eq!(me["city_privacy"], json!("city"), "{me}");
    alice
        .wait_until(
            "her city in her own strip",
            "return document.getElementById('me-city').textContent.trim() === 'Санкт-Петербург';",
        )
        .await;
    bob.wait_for_member("Алиса", "Санкт-Петербург").await;

    // Settings, from the room drawer on a phone: the city and who sees it, as saved.
    alice.click("#open-rooms").await;
    alice.wait_until_tappable("#open-settings").await;
    alice.click("#open-settings").await;
    alice.wait_for("#settings-dialog[open]").await;
    alice
        .wait_until(
            "the saved city in the settings",
            "return document.getElementById('profile-city').value === 'Санкт-Петербург';",
        )
        .await;
    assert_eq!(alice.run("return document.getElementById('profile-city-privacy').value;").await, json!("city"));

    // «Только страну», saved.
    alice
        .find("#profile-city-privacy")
        .await
        .select_by_value("country")
        .await
        .unwrap_or_else(|e| panic!("choosing «Только страну»: {e}"));
    alice.click("#profile-save").await;
    alice.wait_for_text("#profile-status", "Профиль сохранён").await;
    let me = alice.run("return fetch('/api/me').then((r) => r.json());").await;
    assert_eq!(me["city_privacy"], json!("country"), "{me}");
    assert_eq!(me["city"], json!("Санкт-Петербург"), "saving the settings kept the city picked: {me}");
    assert_eq!(json!(me["city_id"].to_string()), city_id, "{me}");

    // Others see the country; she still sees her own city.
    bob.wait_for_member("Алиса", "Россия").await;
    assert!(!bob.members().await.iter().any(|m| m.contains("Санкт-Петербург")), "the city is no longer shown to Борис");
    let own = alice.run("return document.getElementById('me-city').textContent.trim();").await;
    assert_eq!(own, json!("Санкт-Петербург"), "her own strip keeps her city");

    // Opened again, the settings show the choice.
    alice.click("#settings-done").await;
    alice.wait_until("the settings to close", "return !document.getElementById('settings-dialog').open;").await;
    alice.wait_until_tappable("#open-settings").await;
    alice.click("#open-settings").await;
    alice.wait_for("#settings-dialog[open]").await;
    alice
        .wait_until(
            "«Только страну» shown as saved",
            "return document.getElementById('profile-city-privacy').value === 'country'
               && document.getElementById('profile-city').value === 'Санкт-Петербург';",
        )
        .await;

    // Escape in the open list closes the list and leaves the settings open.
    alice.find("#profile-city").await.clear().await.expect("the city field cleared");
    alice.fill("#profile-city", "моск").await;
    alice
        .wait_until(
            "the list for «моск»",
            "return document.getElementById('profile-city').getAttribute('aria-expanded') === 'true';",
        )
        .await;
    alice.fill("#profile-city", &Key::Escape).await;
    assert_eq!(alice.attr("#profile-city", "aria-expanded").await, "false", "Escape closed the list");
    let open: Value = alice.run("return document.getElementById('settings-dialog').open;").await;
    assert_eq!(open, json!(true), "and only the list");
}

#[tokio::test]
async fn a_page_in_english_names_canonical_cities_in_english_asking_once_per_city() {
    with_alice_and_bob(cities_in_english).await;
}

async fn cities_in_english(origin: String, alice: Browser, bob: Browser) {
    bob.register(&origin, "Казань").await;
    // Alice's browser asks for English before she registers: her pages are English.
    alice.client.goto(&format!("{origin}/register")).await.expect("the registration page opens");
    alice.run("document.cookie = 'discock_lang=en; path=/'; return null;").await;
    alice.register(&origin, "Москва").await;
    assert_eq!(alice.run("return document.documentElement.lang;").await, json!("en"));

    // GeoNames' English name, apostrophe and all.
    alice.wait_for_member("Борис", "Kazan’").await;
    alice
        .wait_until(
            "her own city in English",
            "return document.getElementById('me-city').textContent.trim() === 'Moscow';",
        )
        .await;
    alice.click("#members-by-city").await;
    alice
        .wait_until(
            "the member list grouped under English names",
            "const names = [...document.querySelectorAll('#member-list .members__group-name')].map((e) => e.textContent);
             return names.length === 2 && names.includes('Kazan’') && names.includes('Moscow');",
        )
        .await;
    let badge = "#member-list .city-badge--city";
    let titles =
        alice.run(&format!("return [...document.querySelectorAll('{badge}')].map((b) => b.title).sort();")).await;
    assert_eq!(titles, json!(["City: Kazan’", "City: Moscow"]), "the tooltips say the English names too");
    let bob_id = bob.run("return fetch('/api/me').then((r) => r.json()).then((me) => me.id);").await;
    alice.click(&format!("#member-list button[data-profile-id='{bob_id}']")).await;
    alice.wait_for_text("#profile-card .city-badge", "Kazan’").await;

    let asked = alice
        .run(
            "return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)
               .filter((p) => p.startsWith('/api/cities/')).sort();",
        )
        .await;
    assert_eq!(asked, json!(["/api/cities/524901", "/api/cities/551487"]), "one request per city");
    let bob_sees = bob.run("return document.getElementById('me-city').textContent.trim();").await;
    assert_eq!(bob_sees, json!("Казань"), "a page in Russian keeps the Russian names");
}
