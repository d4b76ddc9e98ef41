//! The emoji picker (static/js/emoji-picker.js) in the real chat page, opened by a button the
//! test adds, since wiring it into the composer and the reactions is the chat's business: the
//! data loads only when it first opens, search finds Russian names, the keyboard picks and
//! Escape closes with focus back on the opener, recents and skin tones are remembered, the
//! names follow a switch of language, and axe finds nothing serious in it.

use fantoccini::key::Key;
use serde_json::json;

use crate::a11y::assert_no_serious_violations;
use crate::browser::*;

/// Adds a button that opens the picker and records what it picks in `window.picked`.
const ADD_OPENER: &str = "return import('/static/js/emoji-picker.js').then(({ openEmojiPicker }) => {
    const opener = document.createElement('button');
    opener.id = 'emoji-opener';
    opener.type = 'button';
    opener.className = 'icon-btn';
    opener.setAttribute('aria-label', 'emoji');
    opener.textContent = '+';
    document.querySelector('#composer').append(opener);
    window.picked = [];
    opener.addEventListener('click', () =>
        openEmojiPicker(opener, { onPick: (unicode, info) => window.picked.push([unicode, info.label]) }));
    return true;
});";

/// How many times the page has fetched an Emojibase file.
const DATA_FETCHES: &str = "return performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/static/vendor/emojibase/')).length;";

const FOCUSED: &str = "const el = document.activeElement;
    return el.id || el.className + ':' + (el.getAttribute('aria-label') || '');";

#[tokio::test]
async fn the_emoji_picker_loads_on_first_opening_finds_russian_names_and_works_from_the_keyboard() {
    with_alice(picker_scenario).await;
}

async fn picker_scenario(origin: String, alice: Browser) {
    alice.register(&origin, "Казань").await;
    assert_eq!(alice.run(ADD_OPENER).await, json!(true));
    assert_eq!(alice.run(DATA_FETCHES).await, json!(0), "the data waits for the first opening");

    // Opening: a named dialog, focus in the search box, every group drawn, each emoji named.
    alice.click("#emoji-opener").await;
    alice.wait_for(".emoji-picker").await;
    assert_eq!(alice.accessible_role(".emoji-picker").await, "dialog");
    assert_eq!(alice.accessible_name(".emoji-picker").await, "Выбор эмодзи");
    assert_eq!(alice.attr("#emoji-opener", "aria-expanded").await, "true");
    alice
        .wait_until("the emoji to load", "return document.querySelectorAll('.emoji-picker__emoji').length > 1800;")
        .await;
    assert_eq!(alice.run(FOCUSED).await, json!("emoji-picker__search input:Найти эмодзи"));
    assert_eq!(alice.accessible_name(".emoji-picker__emoji[data-hex='1F600']").await, "широко улыбается");
    let unnamed = alice.run("return [...document.querySelectorAll('.emoji-picker__emoji')].filter((b) => !b.getAttribute('aria-label')).length;").await;
    assert_eq!(unnamed, json!(0));
    let tabs = alice
        .run("return [...document.querySelectorAll('.emoji-picker__tab')].map((b) => b.getAttribute('aria-label'));")
        .await;
    assert_eq!(tabs[0], json!("Смайлики и эмоции"), "{tabs}");
    assert_eq!(tabs.as_array().map(Vec::len), Some(9), "{tabs}");
    assert_no_serious_violations(&alice, "the chat page with the emoji picker open").await;

    // Search in Russian, ↓ into the results, → to the next, Enter picks: closed, focus back.
    alice.fill(".emoji-picker__search", "огонь").await;
    alice.wait_for_text(".emoji-picker__status", "Найдено 10 эмодзи").await;
    assert_eq!(alice.accessible_name(".emoji-picker__emoji").await, "огонь");
    alice.chord(&[Key::Down]).await;
    assert_eq!(alice.run(FOCUSED).await, json!("emoji-picker__emoji:огонь"));
    alice.chord(&[Key::Right]).await;
    alice.chord(&[Key::Left]).await;
    alice.chord(&[Key::Enter]).await;
    alice.wait_until("the picker to close", "return !document.querySelector('.emoji-picker');").await;
    assert_eq!(alice.run("return window.picked;").await, json!([["🔥", "огонь"]]));
    assert_eq!(alice.run(FOCUSED).await, json!("emoji-opener"));
    assert_eq!(alice.attr("#emoji-opener", "aria-expanded").await, "false");

    // Again: no second download, the pick is first among the recent ones.
    alice.click("#emoji-opener").await;
    alice.wait_for(".emoji-picker__section").await;
    assert_eq!(alice.run(DATA_FETCHES).await, json!(2), "ru and en, each once");
    assert_eq!(
        alice.run("return document.querySelector('.emoji-picker__title').textContent;").await,
        json!("Недавние")
    );
    assert_eq!(alice.attr(".emoji-picker__emoji", "data-hex").await, "1F525");

    // A skin tone changes the hands and is remembered; Escape closes the tone choice first.
    alice.click(".emoji-picker__tone").await;
    alice.click(".emoji-picker__tone-option[aria-label='тёмный']").await;
    alice.wait_for(".emoji-picker__emoji[data-hex='1F44B-1F3FF']").await;
    assert_eq!(alice.accessible_name(".emoji-picker__tone").await, "Тон кожи: тёмный");
    alice.click(".emoji-picker__tone").await;
    alice.chord(&[Key::Escape]).await;
    assert!(alice.run("return document.querySelector('.emoji-picker__tones').hidden;").await == json!(true));
    assert_eq!(alice.run(FOCUSED).await, json!("emoji-picker__tone icon-btn:Тон кожи: тёмный"));
    alice.chord(&[Key::Escape]).await;
    alice.wait_until("Escape to close the picker", "return !document.querySelector('.emoji-picker');").await;
    assert_eq!(alice.run(FOCUSED).await, json!("emoji-opener"));

    // Switched to English while open, the picker speaks English; the tone stayed.
    alice.click("#emoji-opener").await;
    alice.wait_for(".emoji-picker__emoji[data-hex='1F44B-1F3FF']").await;
    alice.run("return import('/static/js/i18n.js').then((m) => m.setLang('en')).then(() => true);").await;
    alice.wait_until(
        "the picker in English",
        "return document.querySelector(\".emoji-picker__emoji[data-hex='1F600']\")?.getAttribute('aria-label') === 'grinning face';",
    )
    .await;
    assert_eq!(alice.accessible_name(".emoji-picker").await, "Emoji picker");
    assert_eq!(
        alice.accessible_name(".emoji-picker__emoji[data-hex='1F44B-1F3FF']").await,
        "waving hand: dark skin tone"
    );

    // A click outside closes it without taking focus anywhere.
    alice.click("#composer-input").await;
    alice.wait_until("a click outside to close the picker", "return !document.querySelector('.emoji-picker');").await;
    assert_eq!(alice.run(FOCUSED).await, json!("composer-input"));
}
