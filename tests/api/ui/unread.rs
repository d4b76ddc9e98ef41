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

#[tokio::test]
async fn opening_a_room_marks_where_its_unread_messages_begin_and_offers_to_go_there() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "off")], unread_line).await;
}

/// The text of the message the «Новые сообщения» line is above, or null.
const LINE_ABOVE: &str =
    "return document.querySelector('#message-list li.msg--first-unread .msg__body')?.textContent ?? null;";

async fn unread_line(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let general = alice.run("return Number(document.body.dataset.defaultRoomId);").await;
    let general_link = format!("#room-list a[data-room-id='{general}']");
    let room = bob
        .run(
            "return fetch('/api/rooms', { method: 'POST', headers: { 'Content-Type': 'application/json',
                 'X-CSRF-Token': document.body.dataset.csrfToken },
                 body: JSON.stringify({ name: 'Читальня', description: '' }) }).then((r) => r.json());",
        )
        .await["id"]
        .as_i64()
        .expect("the new room's id");
    let link = format!("#room-list a[data-room-id='{room}']");
    alice.wait_for(&link).await;
    let [old] = another_device(&bob, room, &["старое"], None).await[..] else { panic!("one message") };

    // Алиса reads the room, then goes back to «Общий чат»: a room read to the end has no line.
    alice.click(&link).await;
    alice.wait_for_last_message("старое").await;
    wait_for_marker(&alice, room, old).await;
    assert_eq!(alice.run(LINE_ABOVE).await, json!(null), "nothing unread, no line");
    alice.click(&general_link).await;
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;

    // Two new messages: opening the room shows the line above the first, on screen, so no bar.
    let [_, second] = another_device(&bob, room, &["новое 1", "новое 2"], None).await[..] else {
        panic!("two messages")
    };
    alice.click(&link).await;
    alice.wait_for_last_message("новое 2").await;
    alice
        .wait_until(
            "the line above «новое 1»",
            "return document.querySelector('#message-list li.msg--first-unread .msg__body')?.textContent === 'новое 1';",
        )
        .await;
    assert!(!alice.is_displayed("#unread-bar").await, "the line is on screen");
    let label =
        alice.run("return getComputedStyle(document.querySelector('li.msg--first-unread'), '::before').content;").await;
    assert_eq!(label, json!("\"Новые сообщения\""));
    wait_for_marker(&alice, room, second).await;
    alice.click(&general_link).await;
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;

    // Sixty more: the first of them is older than the page the room opens with, so the bar offers
    // to go there, and going there loads the history around the marker with the line in view.
    let texts: Vec<String> = (1..=60).map(|i| format!("пачка {i}")).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    another_device(&bob, room, &texts, None).await;
    alice.click(&link).await;
    alice.wait_for_last_message("пачка 60").await;
    alice.wait_until("the bar", "return !document.getElementById('unread-bar').hidden;").await;
    let bar = alice.run("return document.getElementById('unread-bar').textContent;").await;
    assert!(bar.as_str().is_some_and(|b| b.ends_with("Перейти к непрочитанному")), "{bar}");
    alice.click("#unread-bar").await;
    alice
        .wait_until(
            "the line above «пачка 1» and the bar gone",
            "return document.querySelector('#message-list li.msg--first-unread .msg__body')?.textContent === 'пачка 1'
                 && document.getElementById('unread-bar').hidden;",
        )
        .await;
}
