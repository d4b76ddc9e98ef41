//! Direct messages and notifications in the browser. Борис opens Алиса's profile card from the
//! member list and presses «Написать»: their conversation opens. Алиса has turned desktop
//! notifications on (Chromium's permission granted through DevTools) and hides her tab: his
//! message raises a notification titled with his name, and a click on it opens the
//! conversation at that message. Once she mutes the conversation with the bell in its header,
//! the next message raises none.

use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::browser::*;

#[tokio::test]
async fn a_direct_message_started_from_a_profile_card_notifies_the_hidden_tab_until_muted() {
    with_alice_and_bob(notified).await;
}

/// Records every notification the page creates (still creating the real one) in
/// `window.__test.notifications`.
const SPY: &str = "window.__test = window.__test || {};
    window.__test.notifications = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
        constructor(title, options) {
            super(title, options);
            window.__test.notifications.push({ title, body: options?.body ?? '', shown: this });
        }
    };";

async fn notifications(browser: &Browser) -> Vec<Value> {
    let seen = browser.run("return window.__test.notifications.map((n) => ({ title: n.title, body: n.body }));").await;
    seen.as_array().expect("a list").clone()
}

async fn notified(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    alice
        .devtools("Browser.grantPermissions", json!({ "permissions": ["notifications"], "origin": origin.clone() }))
        .await;
    alice.run(SPY).await;

    // Алиса turns notifications on in the settings.
    alice.click("#open-settings").await;
    // The settings scroll inside their dialog; WebDriver scrolls the toggle only until its edge
    // shows, where the dialog's own edge can still cover it.
    alice.run("document.getElementById('notifications-toggle').scrollIntoView({ block: 'center' });").await;
    alice.click("#notifications-toggle").await;
    alice.wait_until("the choice kept", "return localStorage.getItem('discock_notifications') === 'on';").await;
    alice.click("#settings-done").await;

    // Борис starts a conversation from her profile card.
    let alice_id = alice.run("return Number(document.body.dataset.userId);").await;
    let name = format!("#member-list button[data-profile-id='{alice_id}']");
    bob.wait_for_text(&name, "Алиса").await;
    bob.click(&name).await;
    bob.click("#profile-card .profile-card__write").await;
    bob.wait_for_text("#room-name", "Алиса").await;
    let room = bob.run("return Number(new URLSearchParams(location.search).get('room'));").await;

    // Her tab is hidden when his message comes.
    alice
        .run(
            "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
             document.dispatchEvent(new Event('visibilitychange'));",
        )
        .await;
    bob.type_in_composer("Привет, это Борис").await;
    bob.press(Key::Enter).await;
    alice.wait_until("a notification", "return window.__test.notifications.length === 1;").await;
    assert_eq!(notifications(&alice).await, [json!({ "title": "Борис", "body": "Привет, это Борис" })]);

    // A click on it opens the conversation at the message.
    alice
        .run("delete document.visibilityState; window.__test.notifications[0].shown.dispatchEvent(new Event('click'));")
        .await;
    alice.wait_for_text("#room-name", "Борис").await;
    alice.wait_for_last_message("Привет, это Борис").await;
    assert_eq!(alice.run("return Number(new URLSearchParams(location.search).get('room'));").await, room);

    // Muted, the conversation raises no more.
    alice.click("#mute-room").await;
    alice
        .wait_until(
            "the bell pressed",
            "return document.getElementById('mute-room').getAttribute('aria-pressed') === 'true';",
        )
        .await;
    let muted = alice.run("return fetch('/api/mutes').then((r) => r.json());").await;
    assert_eq!(muted, json!([room]));
    alice
        .run(
            "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
             document.dispatchEvent(new Event('visibilitychange'));",
        )
        .await;
    bob.type_in_composer("Ещё одно").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Ещё одно").await;
    assert_eq!(notifications(&alice).await.len(), 1, "a muted room raises none");
}
