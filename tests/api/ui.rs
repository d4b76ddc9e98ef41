//! The chat page in a real browser: headless Chromium (see `browser.rs`) uses the real server
//! the way a person does — the registration form, the keyboard in the composer, the «+»
//! dialog, clicks in the room list — while a second browser watches the same room live.
//!
//! A second scenario cuts one page's WebSocket while the other person writes, and checks that
//! the page, once back, shows what it missed exactly once: it resumes the room's event log
//! with `since` instead of fetching history again.
//!
//! `ui/language.rs` has the scenarios of the two languages: switching the chat and the
//! sign-in pages to English in place, the choice surviving a reload, and Russian plurals.
//! The browsers ask for Russian (Accept-Language), the language the server defaults to.
//!
//! `ui/details.rs` checks the details a new user meets in the first minutes: the composer, the
//! reconnect, the welcome text, the registration form, icons and notices.
//!
//! `ui/emoji.rs` opens the emoji picker in the chat page from a button of its own and uses it
//! with the mouse and the keyboard; `ui/format.rs` draws formatted message text into the page.
//!
//! `ui/messages.rs` works with messages: editing with ↑, replying and the quote, reactions
//! through the emoji picker, and jumping to a message further back than the loaded page.
//! `ui/search.rs` searches messages from the room header and chooses a result.
//! `ui/unread.rs` marks rooms with unread messages and mentions, and reads the open room.
//! `ui/avatars.rs` shows an uploaded avatar live in the member list, messages and footer.
//! `ui/dms.rs` starts a direct conversation and shows a new one arriving in the sidebar;
//! `ui/notifications.rs` starts one from a profile card, raises a desktop notification in the
//! hidden tab and mutes the conversation.
//! `ui/blocks.rs` collapses the messages of someone blocked, and reveals one on demand.
//! `ui/profiles.rs` opens a person's profile card from the member list.
//! `ui/presence.rs` shows someone online, away while their tab is hidden, and offline once gone.
//! `ui/city_rooms.rs` shows «Города» and the member list by city for people whose city is on no list,
//! and, once someone's zone is known, their clock and the quiet-hours notice.
//! `ui/cities.rs` picks a city with the keyboard on a phone at registration and shows only the
//! country to others from the settings.
//! `ui/city_features.rs` opens a canonical city's room once for two of its people and reads a
//! room through the city lens («Только их сообщения»).
//!
//! The tests write nothing: the README's pictures come from
//! `cargo run --release -p discock-bench --bin screenshots`.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

mod avatars;
mod blocks;
mod cities;
mod city_features;
mod city_rooms;
mod details;
mod dms;
mod emoji;
mod format;
mod language;
mod messages;
mod notifications;
mod presence;
mod profiles;
mod search;
mod unread;

/// A phone-sized window.
const PHONE: (u32, u32) = (375, 740);

#[tokio::test]
async fn two_people_chat_live_in_the_browser() {
    with_alice_and_bob(two_people_chat).await;
}

#[tokio::test]
async fn a_page_back_from_a_lost_connection_shows_what_it_missed_once() {
    with_alice_and_bob(missed_while_offline).await;
}

#[tokio::test]
async fn a_message_held_back_by_the_rate_limit_counts_down_keeps_its_text_and_goes_out_by_itself() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "2/4")], held_back_by_the_rate_limit).await;
}

#[tokio::test]
async fn logging_out_in_one_tab_sends_the_other_tab_of_that_session_to_the_login_page() {
    with_alice_and_bob(logged_out_in_another_tab).await;
}

async fn two_people_chat(origin: String, alice: Browser, bob: Browser) {
    // Both register through the real form and land in the default room.
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let default_room = alice.attr("body", "data-default-room-id").await;
    assert_eq!(alice.path_and_query().await, format!("/chat?room={default_room}"));

    // Each sees the other in the member list, with a city badge.
    alice.wait_for_member("Борис", "Владивосток").await;
    bob.wait_for_member("Алиса", "Новосибирск").await;
    let bobs_list = bob.members().await;
    assert!(bobs_list.iter().any(|m| m.contains("Борис (вы)")), "Борис is marked as himself: {bobs_list:?}");
    assert!(!bobs_list.iter().any(|m| m.contains("Алиса (вы)")), "only himself: {bobs_list:?}");

    // Markup in a message arrives as text, never as an element.
    bob.run("window.__alerts = 0; window.alert = () => { window.__alerts += 1; };").await;
    let markup = "Смотри: <img src=x onerror=alert(1)> — это картинка?";
    alice.type_in_composer(markup).await;
    alice.press(Key::Enter).await;
    bob.wait_for_last_message(markup).await;
    alice.wait_for_last_message(markup).await;
    assert_eq!(alice.composer_value().await, "", "Enter sent the message and emptied the composer");
    assert_eq!(bob.count("#messages img").await, 0, "the markup did not become an <img>");
    assert_eq!(alice.count("#messages img").await, 0, "not in the sender's view either");
    assert_eq!(bob.run("return window.__alerts;").await, json!(0));

    // The other way round.
    bob.type_in_composer("Нет, пришло обычным текстом 👍").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Нет, пришло обычным текстом 👍").await;

    // The longest message (2000 characters, 4000 bytes of UTF-8) is larger than one WebSocket
    // fragment once framed, so the browser has to put it together from pieces.
    let longest = format!("Длинно: {}", "ж".repeat(1992));
    bob.type_in_composer(&longest).await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message(&longest).await;
    bob.wait_for_last_message(&longest).await;

    // Shift+Enter makes a new line; Enter then sends both lines as one message.
    alice.type_in_composer("Отлично.").await;
    alice.press_with_shift(Key::Enter).await;
    alice.type_in_composer("Тогда создам комнату для флуда").await;
    assert_eq!(alice.composer_value().await, "Отлично.\nТогда создам комнату для флуда");
    alice.press(Key::Enter).await;
    bob.wait_for_last_message("Отлично.\nТогда создам комнату для флуда").await;

    // Alice creates a room with the «+» dialog; it opens for her and appears for Борис.
    alice.run("window.__marker = 'the same page';").await;
    alice.click("#create-room").await;
    alice.wait_for("#room-dialog[open]").await;
    alice.fill("#room-form-name", "Флудилка").await;
    alice.fill("#room-form-desc", "Обо всём и ни о чём").await;
    alice.click("#room-form-submit").await;
    alice.wait_for_text("#room-name", "Флудилка").await;
    let new_room = alice.attr("#room-list a.is-active", "data-room-id").await;
    assert_ne!(new_room, default_room);
    alice.wait_for_path_and_query(&format!("/chat?room={new_room}")).await;
    let new_room_link = format!("#room-list a[data-room-id='{new_room}'] .room-link__name");
    alice.wait_for_text(&new_room_link, "Флудилка").await;
    bob.wait_for_text(&new_room_link, "Флудилка").await;
    bob.wait_until(
        "Алиса to leave the member list",
        "return !document.querySelector('#member-list').textContent.includes('Алиса');",
    )
    .await;

    // Back to the default room from the list: no page load, the history comes back.
    alice.click(&format!("#room-list a[data-room-id='{default_room}']")).await;
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
    alice.wait_for_path_and_query(&format!("/chat?room={default_room}")).await;
    alice.wait_for_last_message("Отлично.\nТогда создам комнату для флуда").await;
    assert_eq!(alice.run("return window.__marker;").await, json!("the same page"), "switching rooms reloaded the page");
    bob.wait_for_member("Алиса", "Новосибирск").await;

    // Live messages reach the room she came back to, both ways.
    bob.type_in_composer("Уже вижу её в списке слева. Загляну после работы").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Уже вижу её в списке слева. Загляну после работы").await;
    alice.type_in_composer("Договорились, до вечера!").await;
    alice.press(Key::Enter).await;
    bob.wait_for_last_message("Договорились, до вечера!").await;
    alice.wait_for_last_message("Договорились, до вечера!").await;

    // On a phone-sized window the page still fits and can still be used.
    alice.emulate_phone(PHONE).await;
    alice
        .wait_until(
            "both side panels to slide away",
            "return ['#rooms-drawer', '#members-drawer'].every((id) => {
                const r = document.querySelector(id).getBoundingClientRect();
                return r.right <= 0 || r.left >= window.innerWidth;
            });",
        )
        .await;
    assert_eq!(
        alice.run("return document.documentElement.scrollWidth <= window.innerWidth;").await,
        json!(true),
        "nothing sticks out sideways"
    );
    assert!(alice.is_displayed("#open-rooms").await, "the room list has a button");
    assert!(alice.is_displayed("#composer-input").await, "the composer is on screen");
}

async fn logged_out_in_another_tab(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let first_tab = alice.client.window().await.expect("the first tab");

    // A second tab of the same session logs out.
    let second_tab = alice.client.new_window(true).await.expect("a second tab").handle;
    alice.client.switch_to_window(second_tab).await.expect("switch to the second tab");
    alice.client.goto(&format!("{origin}/chat")).await.expect("the chat opens in the second tab");
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
    alice.click("#logout-form button[type=submit]").await;
    alice.wait_for_path_and_query("/login").await;

    // The first tab's socket is closed with 4001, and the page goes to the login page instead
    // of reconnecting; Борис, another session, stays.
    alice.client.switch_to_window(first_tab).await.expect("back to the first tab");
    alice.wait_for_path_and_query("/login").await;
    assert_eq!(bob.path_and_query().await.split('?').next(), Some("/chat"));
    let offline = bob.run("return document.body.classList.contains('is-offline');").await;
    assert_eq!(offline, json!(false), "Борис stays connected");
}

async fn held_back_by_the_rate_limit(origin: String, alice: Browser, bob: Browser) {
    // Two messages per 4 s: the third of three sent at once is held back for about 2 s.
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    alice.wait_for_member("Борис", "Владивосток").await;
    for text in ["раз", "два", "три"] {
        alice.type_in_composer(text).await;
        alice.press(Key::Enter).await;
    }

    // The third stays on screen, with its text, under a countdown; no error toast.
    alice
        .wait_until(
            "the held message's countdown",
            "return [...document.querySelectorAll('#pending-list .msg--limited')].some((m) =>
                m.querySelector('.msg__body')?.textContent === 'три'
                && /Слишком часто — отправится само через \\d+ с/.test(m.querySelector('.msg__status')?.textContent));",
        )
        .await;
    assert_eq!(alice.count("#toasts > *").await, 0, "a held message is not an error");

    // Then it goes out by itself: everyone sees the three once, in order, and nothing is pending.
    bob.wait_for_last_message("три").await;
    bob.assert_messages(&["раз", "два", "три"]).await;
    alice.wait_for_last_message("три").await;
    alice.assert_messages(&["раз", "два", "три"]).await;
    alice.wait_until("the outbox to empty", "return document.querySelectorAll('#pending-list li').length === 0;").await;
}

async fn missed_while_offline(origin: String, alice: Browser, bob: Browser) {
    // Борис's page gets a handle on its WebSocket (the page keeps it in a module) and a switch
    // that makes new connections fail, as with the network gone.
    bob.watch_sockets().await;
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    bob.run("window.__marker = 'the same page';").await;
    let mut all = vec![];
    alice.says_to(&bob, "Пока связь есть", &mut all).await;

    // The connection drops and stays down.
    bob.run("window.__test.offline = true; window.__test.sockets.at(-1).close();").await;
    bob.wait_until("the page to notice it is offline", "return document.body.classList.contains('is-offline');").await;

    // What Борис writes meanwhile waits in the outbox; what Алиса writes does not reach him.
    bob.type_in_composer("Я пишу без связи").await;
    bob.press(Key::Enter).await;
    bob.wait_for("#pending-list .msg--queued").await;
    let missed = ["Пропущенное раз", "Пропущенное два", "Пропущенное три"];
    for text in missed {
        alice.type_in_composer(text).await;
        alice.press(Key::Enter).await;
        alice.wait_for_last_message(text).await;
    }
    bob.assert_messages(&all).await;

    // The network is back, and the browser says so: Борис gets what he missed, each message
    // once, and then his own is sent.
    bob.run("window.__test.offline = false; window.dispatchEvent(new Event('online'));").await;
    bob.wait_for_last_message("Я пишу без связи").await;
    alice.wait_for_last_message("Я пишу без связи").await;
    all.extend(missed);
    all.push("Я пишу без связи");
    bob.assert_messages(&all).await;
    assert_eq!(bob.count("#pending-list > *").await, 0, "nothing is left pending");

    // It resumed: both joins (after the first page, after the reconnect) carried `since`, the
    // second one further on, and no history page was fetched again.
    let joins = bob.joins_sent().await;
    assert!(
        matches!(joins[..], [Some(first), Some(second)] if second > first),
        "joined with `since` after the page and again after the reconnect: {joins:?}"
    );
    assert_eq!(bob.history_pages_fetched().await, 1, "only the first page of history was fetched");
    assert_eq!(bob.run("return window.__marker;").await, json!("the same page"), "the page was not reloaded");

    // Live again, each message once.
    alice.says_to(&bob, "И снова вживую", &mut all).await;

    // Told that too much was missed to replay (the server says so after 1000 events; the test
    // makes the frame up), the page reloads the newest page and resumes from its seq.
    bob.run(
        "const seq = window.__test.received.map((f) => JSON.parse(f).seq).filter(Number.isInteger).at(-1);
         const room = Number(new URLSearchParams(location.search).get('room'));
         const frame = JSON.stringify({ type: 'resync_required', room_id: room, seq });
         window.__test.sockets.at(-1).dispatchEvent(new MessageEvent('message', { data: frame }));",
    )
    .await;
    bob.wait_for_history_pages(2).await;
    alice.says_to(&bob, "После пересинхронизации", &mut all).await;

    // A `since` the room's log does not have (as after the log was reset) is refused: the page
    // falls back to the newest page and joins from its seq, without bothering the person.
    bob.run("window.__test.badSince = true; window.__test.sockets.at(-1).close(); window.dispatchEvent(new Event('online'));").await;
    bob.wait_for_history_pages(3).await;
    alice.says_to(&bob, "После отказа", &mut all).await;
    let joins = bob.joins_sent().await;
    assert!(
        matches!(joins[..], [_, _, Some(resync), Some(refused), Some(fallback)] if refused == 1_000_000_000 && fallback >= resync),
        "joined from the reloaded page's seq after the refusal: {joins:?}"
    );
    assert_eq!(bob.count("#toasts .toast--error").await, 0, "the refusal was not shown as an error");
    assert_eq!(bob.run("return window.__marker;").await, json!("the same page"), "the page was not reloaded");
}
