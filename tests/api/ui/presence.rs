//! Presence in the browser. Алиса and Борис are in «Общий чат», and Борис sees a green dot on
//! her avatar in the member list. She hides her tab: her page says so and the dot turns into a
//! yellow moon on his page, live; her profile card says «Отошёл» (and nothing where she wrote
//! no about text). She shows her tab again: green again. Борис starts a conversation with her:
//! she shows online beside her name in his conversations, also after he reloads (`GET /api/dms`
//! says so). She closes her page: there she shows offline.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

#[tokio::test]
async fn a_dot_shows_someone_online_idle_while_their_tab_is_hidden_and_offline_once_gone() {
    with_alice_and_bob(presence).await;
}

/// Makes the page believe its tab was hidden, and tell itself so.
const HIDE: &str = "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));";
/// Undoes HIDE: the tab is shown again.
const SHOW: &str = "delete document.visibilityState; document.dispatchEvent(new Event('visibilitychange'));";

/// Waits until the presence dot at `css` shows `status`, titled `label` and labelled so for a
/// screen reader unless it is hidden from one (on the card, the words beside it say it).
async fn wait_for_dot(browser: &Browser, css: &str, status: &str, label: &str) {
    let script = format!(
        "const dot = document.querySelector({css});
         return Boolean(dot) && dot.classList.contains({class}) && dot.title === {label}
             && (dot.getAttribute('aria-hidden') === 'true' || dot.getAttribute('aria-label') === {label});",
        css = json!(css),
        class = json!(format!("presence-dot--{status}")),
        label = json!(label),
    );
    browser.wait_until(&format!("{css} showing {status}"), &script).await;
}

async fn presence(origin: String, alice: Browser, bob: Browser) {
    alice.watch_sockets().await;
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let alice_id = alice.run("return Number(document.body.dataset.userId);").await;
    let in_members = format!("#member-list .member__avatar[data-profile-id='{alice_id}'] .presence-dot");
    wait_for_dot(&bob, &in_members, "online", "В сети").await;

    // She hides her tab: her page says she is away, and his dot follows.
    alice.run(HIDE).await;
    wait_for_dot(&bob, &in_members, "idle", "Отошёл").await;
    let name = format!("#member-list button[data-profile-id='{alice_id}']");
    bob.click(&name).await;
    bob.wait_for_text("#profile-card p.profile-card__presence", "Отошёл").await;
    wait_for_dot(&bob, "#profile-card .presence-dot", "idle", "Отошёл").await;
    let stray = "return [...document.getElementById('profile-card-content').childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent);";
    assert_eq!(bob.run(stray).await, json!([]), "no about text, and no «null» in its place");
    bob.chord(&[Key::Escape]).await;
    bob.wait_until("the card to close", "return !document.getElementById('profile-card').open;").await;

    // Shown again, she is online again.
    alice.run(SHOW).await;
    wait_for_dot(&bob, &in_members, "online", "В сети").await;
    let sent =
        alice.run("return window.__test.sent.map((f) => JSON.parse(f)).filter((f) => f.type === 'presence');").await;
    assert_eq!(
        sent,
        json!([{ "type": "presence", "status": "idle" }, { "type": "presence", "status": "online" }]),
        "each change once"
    );

    // Борис starts a conversation with her, as her card's «Написать» does.
    let room = bob.write_to(&alice_id, "Алиса").await;
    let link = format!("#dm-list a[data-room-id='{room}']");
    let in_dms = format!("{link} .presence-dot");
    wait_for_dot(&bob, &in_dms, "online", "В сети").await;

    // Reloaded, his page opens the conversation, which she is not in: the list of
    // conversations is what says she is online.
    bob.client.refresh().await.expect("the page reloads");
    bob.wait_for_text("#room-name", "Алиса").await;
    wait_for_dot(&bob, &in_dms, "online", "В сети").await;
    let link_name = bob.accessible_name(&link).await;
    assert!(link_name.starts_with("Алиса") && link_name.ends_with("В сети"), "the link reads {link_name:?}");

    // She closes her page: gone, she shows offline in his conversations.
    alice.client.goto("about:blank").await.expect("her page closes");
    wait_for_dot(&bob, &in_dms, "offline", "Не в сети").await;
}
