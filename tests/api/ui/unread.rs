//! Unread rooms in the browser. Алиса's page follows only the room it has open, so it learns of
//! another room's messages from `GET /api/read_state` when its connection opens again and from
//! `read_state` frames when her other device marks the room read: the room's name turns bold, a
//! red badge counts the mentions of her (named for screen readers), and the tab's title starts
//! with the number of unread messages. Opening the room reads it — the server's marker moves to
//! its newest message and the marks go — and while the tab is hidden a live message counts as
//! unread until she looks again.

use serde_json::{json, Value};

use crate::browser::*;

#[tokio::test]
async fn a_room_with_unread_messages_is_bold_with_a_mention_badge_and_a_count_in_the_title_until_it_is_opened() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "off")], unread_rooms).await;
}

/// A second connection of the page's user, opened from a script (not the page's own socket):
/// joins `room`, says each of `texts` there, then, with `mark`, marks the room read up to that
/// message; returns the ids of the messages said. A `pong` ends it, so the server has dealt
/// with everything sent before it closes.
const ANOTHER_DEVICE: &str = "const [room, texts, mark] = arguments;
    return (async () => {
        const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
        const next = (wanted) => new Promise((resolve, reject) => {
            const on = (event) => {
                const frame = JSON.parse(event.data);
                if (frame.type === 'error') reject(new Error(`refused: ${frame.code}`));
                else if (!wanted(frame)) return;
                ws.removeEventListener('message', on);
                resolve(frame);
            };
            ws.addEventListener('message', on);
        });
        await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
        ws.send(JSON.stringify({ type: 'join_room', room_id: room }));
        await next((f) => f.type === 'room_users_list');
        const ids = [];
        for (const content of texts) {
            const stored = next((f) => f.type === 'new_message' && f.message.content === content);
            ws.send(JSON.stringify({ type: 'send_message', room_id: room, content }));
            ids.push((await stored).message.id);
        }
        if (mark !== null) ws.send(JSON.stringify({ type: 'mark_read', room_id: room, message_id: mark }));
        const pong = next((f) => f.type === 'pong');
        ws.send(JSON.stringify({ type: 'ping' }));
        await pong;
        ws.close();
        return ids;
    })();";

async fn another_device(browser: &Browser, room: i64, texts: &[&str], mark: Option<i64>) -> Vec<i64> {
    let ids = browser
        .client
        .execute(ANOTHER_DEVICE, vec![json!(room), json!(texts), json!(mark)])
        .await
        .unwrap_or_else(|e| panic!("{}: the other device: {e}", browser.name));
    serde_json::from_value(ids).expect("message ids")
}

/// The page's user's entry for `room` in `GET /api/read_state`.
async fn read_state(browser: &Browser, room: i64) -> Value {
    let states = browser.run("return fetch('/api/read_state').then((r) => r.json());").await;
    states.as_array().expect("a list").iter().find(|s| s["room_id"] == json!(room)).expect("the room's entry").clone()
}

/// Waits until the server's read marker of the page's user in `room` is at `id`, nothing unread.
async fn wait_for_marker(browser: &Browser, room: i64, id: i64) {
    let deadline = std::time::Instant::now() + UI_WAIT;
    loop {
        let state = read_state(browser, room).await;
        if state["last_read_id"] == json!(id) && state["unread"] == json!(0) && state["mentions"] == json!(0) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{}: the marker never reached {id}: {state}", browser.name);
        tokio::time::sleep(POLL).await;
    }
}

/// How `room` looks in the room list: [bold?, the badge's text or null].
fn room_marks(room: i64) -> String {
    format!(
        "const link = document.querySelector(\"#room-list a[data-room-id='{room}']\");
         return [link.classList.contains('is-unread'), link.querySelector('.room-link__badge [aria-hidden]')?.textContent ?? null];"
    )
}

async fn wait_for_marks(browser: &Browser, room: i64, bold: bool, badge: Option<&str>, title: &str) {
    let script = format!(
        "return JSON.stringify((() => {{ {} }})()) === {} && document.title === {};",
        room_marks(room),
        json!(json!([bold, badge]).to_string()),
        json!(title)
    );
    browser.wait_until(&format!("room {room} bold={bold} badge={badge:?}, title «{title}»"), &script).await;
}

async fn unread_rooms(origin: String, alice: Browser, bob: Browser) {
    alice.watch_sockets().await;
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let general_title = format!("#{DEFAULT_ROOM} — Discock");
    alice
        .wait_until("the title of the open room", &format!("return document.title === {};", json!(general_title)))
        .await;

    // Борис makes a room Алиса is not in and writes there.
    let room = bob
        .run(
            "return fetch('/api/rooms', { method: 'POST', headers: { 'Content-Type': 'application/json',
                 'X-CSRF-Token': document.body.dataset.csrfToken },
                 body: JSON.stringify({ name: 'Курилка', description: '' }) }).then((r) => r.json());",
        )
        .await["id"]
        .as_i64()
        .expect("the new room's id");
    alice.wait_for(&format!("#room-list a[data-room-id='{room}']")).await;
    wait_for_marks(&alice, room, false, None, &general_title).await;
    let [first] = another_device(&bob, room, &["Есть кто?"], None).await[..] else { panic!("one message") };

    // Her page hears of it when its connection opens again: bold, no mention yet.
    alice.run("window.__test.sockets.at(-1).close();").await;
    wait_for_marks(&alice, room, true, None, &format!("(1) {general_title}")).await;

    // Борис mentions her; her laptop reads the first message, and her page takes the new counts.
    let [_, newest] = another_device(&bob, room, &["@Алиса, глянь сюда", "и вот ещё"], None).await[..]
    else {
        panic!("two messages")
    };
    another_device(&alice, room, &[], Some(first)).await;
    wait_for_marks(&alice, room, true, Some("1"), &format!("(2) {general_title}")).await;
    let name = alice.accessible_name(&format!("#room-list a[data-room-id='{room}']")).await;
    assert_eq!(name, "Курилка 1 упоминание", "the badge is named for screen readers");

    // She opens the room: it is read up to its newest message, and the marks go.
    alice.click(&format!("#room-list a[data-room-id='{room}']")).await;
    alice.wait_for_last_message("и вот ещё").await;
    wait_for_marks(&alice, room, false, None, "#Курилка — Discock").await;
    wait_for_marker(&alice, room, newest).await;

    // With the tab hidden, a new message is unread even in the open room…
    alice
        .run(
            "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
             document.dispatchEvent(new Event('visibilitychange'));",
        )
        .await;
    let [later] = another_device(&bob, room, &["@Алиса, ты тут?"], None).await[..] else {
        panic!("one message")
    };
    alice.wait_for_last_message("@Алиса, ты тут?").await;
    wait_for_marks(&alice, room, true, Some("1"), "(1) #Курилка — Discock").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(read_state(&alice, room).await["last_read_id"], json!(newest), "not marked read while hidden");

    // …until she looks again.
    alice.run("delete document.visibilityState; document.dispatchEvent(new Event('visibilitychange'));").await;
    wait_for_marks(&alice, room, false, None, "#Курилка — Discock").await;
    wait_for_marker(&alice, room, later).await;
}
