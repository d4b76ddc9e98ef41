//! Message search in the browser: the box in the room header, the results panel with the
//! matched words marked (and a message's markup shown as text), a result asking to open its
//! message, Escape closing the panel, and on a phone a panel as wide as the screen that gets
//! out of the way once a result is chosen.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

#[tokio::test]
async fn a_search_from_the_room_header_shows_its_matches_marked_and_a_result_asks_to_open_its_message() {
    with_alice(search_panel).await;
}

/// A script function body: the texts of the marked parts of the results.
const MARKS: &str = "return [...document.querySelectorAll('#search-results mark')].map((m) => m.textContent);";

async fn search_panel(origin: String, alice: Browser) {
    alice.register(&origin, "Новосибирск").await;
    let room: i64 = alice.attr("body", "data-default-room-id").await.parse().unwrap();
    alice.type_in_composer("Чёрная кошка <b>спит</b>").await;
    alice.press(Key::Enter).await;
    alice.wait_for_last_message("Чёрная кошка <b>спит</b>").await;
    alice.type_in_composer("Про собак").await;
    alice.press(Key::Enter).await;
    alice.wait_for_last_message("Про собак").await;
    alice
        .run("window.__opened = []; document.addEventListener('discock:open-message', (e) => window.__opened.push(e.detail));")
        .await;

    // Enter in the box searches; the panel lists the one match with the word marked.
    alice.fill("#search-input", "кошки").await;
    alice.fill("#search-input", &Key::Enter).await;
    alice.wait_for("#search-results .search-result").await;
    assert!(alice.is_displayed("#search-panel").await);
    assert_eq!(alice.count("#search-results li").await, 1);
    assert_eq!(alice.run(MARKS).await, json!(["кошка"]));
    let excerpt = alice.run("return document.querySelector('#search-results .search-result__text').textContent;").await;
    assert_eq!(excerpt, json!("Чёрная кошка <b>спит</b>"), "the markup is text");
    assert_eq!(alice.count("#search-results b").await, 0, "and never an element");
    let meta = alice.run("return document.querySelector('#search-results .search-result__meta').textContent;").await;
    assert!(meta.as_str().unwrap().contains("Алиса") && meta.as_str().unwrap().contains(DEFAULT_ROOM), "{meta}");

    // Choosing the result asks for its message; on a desktop the panel stays.
    alice.click("#search-results .search-result").await;
    let opened = alice.run("return window.__opened;").await;
    assert_eq!(opened.as_array().map(Vec::len), Some(1), "{opened}");
    assert_eq!(opened[0]["roomId"], json!(room));
    assert!(opened[0]["messageId"].is_i64(), "{opened}");
    assert!(alice.is_displayed("#search-panel").await);

    // Escape closes it.
    alice.chord(&[Key::Escape]).await;
    alice.wait_until("the panel to close", "return document.querySelector('#search-panel').hidden;").await;

    // On a phone the panel takes the whole width and closes when a result is chosen.
    alice.emulate_phone(super::PHONE).await;
    alice.click("#search-input").await;
    alice.fill("#search-input", &Key::Enter).await;
    alice.wait_for("#search-results .search-result").await;
    let widths = alice
        .run("return [document.querySelector('#search-panel').getBoundingClientRect().width, window.innerWidth];")
        .await;
    assert_eq!(widths[0], widths[1], "the panel is as wide as the screen: {widths}");
    alice.click("#search-results .search-result").await;
    alice.wait_until("the panel to close", "return document.querySelector('#search-panel').hidden;").await;
    assert_eq!(alice.run("return window.__opened.length;").await, json!(2));
}
