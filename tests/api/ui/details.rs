//! The details a new user meets in the first minutes, in the real browser: a long draft that
//! must not push the conversation out of sight, a dropped connection, a room's welcome text, a
//! refused username, a message over the limit, icons that need no emoji font, and notices that
//! must not cover what they are about.

use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::key::Key;
use serde_json::json;

use discock::i18n::{self, Lang};

use crate::browser::*;

/// A tall phone (iPhone X class), portrait.
const TALL_PHONE: (u32, u32) = (375, 812);
/// How soon after the browser says the network is back the page must be connected again.
const AT_ONCE: Duration = Duration::from_secs(3);

#[tokio::test]
async fn a_long_draft_stops_growing_at_about_ten_lines_and_the_newest_message_stays_in_view() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "off")], long_draft).await;
}

#[tokio::test]
async fn offline_the_member_list_says_it_may_be_out_of_date_and_the_page_is_back_as_soon_as_the_network() {
    with_alice_and_bob(offline_and_back).await;
}

#[tokio::test]
async fn a_room_description_reads_as_a_sentence_of_its_own_in_the_welcome_text() {
    with_alice_and_bob(welcome_text).await;
}

#[tokio::test]
async fn a_refused_username_is_explained_in_the_language_of_the_page() {
    with_alice_and_bob(refused_username).await;
}

#[tokio::test]
async fn enter_on_a_message_over_the_limit_says_by_how_much_to_shorten_it() {
    with_alice_and_bob(too_long_message).await;
}

#[tokio::test]
async fn the_interface_draws_its_icons_without_emoji_and_every_icon_button_has_a_name() {
    with_alice_and_bob(icons).await;
}

#[tokio::test]
async fn notices_never_cover_the_messages_or_the_composer_and_a_hovered_message_stands_out() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "off")], notices_and_hover).await;
}

/// A script expression: the member list's «may be out of date» note is on screen.
const STALE_SHOWN: &str = "!document.querySelector('#members-stale').hidden
    && document.querySelector('#members-stale').getClientRects().length > 0";

/// A script function body: true when the newest message is wholly inside the visible part of
/// the message list.
const NEWEST_IN_VIEW: &str = "const list = document.querySelector('#messages').getBoundingClientRect();
    const last = [...document.querySelectorAll('#message-list .msg')].at(-1)?.getBoundingClientRect();
    return Boolean(last) && last.top >= list.top - 1 && last.bottom <= list.bottom + 1;";

async fn long_draft(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    // More messages than the list can show, so it scrolls and sits at its bottom.
    alice.send_messages("Сообщение", 30).await;

    for (layout, size) in [("desktop", DESKTOP), ("phone", TALL_PHONE)] {
        if layout == "phone" {
            alice.emulate_phone(size).await;
        }
        alice.wait_until(&format!("{layout}: the newest message in view"), NEWEST_IN_VIEW).await;

        // Twenty lines with Shift+Enter: the box grows to about ten lines, never past 40 % of
        // the screen, then scrolls inside; the newest message stays in view all along.
        for line in 1..=20 {
            alice.type_in_composer(&format!("строка {line}")).await;
            alice.press_with_shift(Key::Enter).await;
        }
        let capped = "const input = document.querySelector('#composer-input');
            const style = getComputedStyle(input);
            const line = parseFloat(style.lineHeight);
            const tenLines = 10 * line + parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
            const height = input.getBoundingClientRect().height;
            return height > 5 * line && height <= Math.min(0.4 * innerHeight, tenLines) + 1
                && input.scrollHeight > input.clientHeight;";
        alice.wait_until(&format!("{layout}: the composer capped at ten lines, scrolling inside"), capped).await;
        alice.wait_until(&format!("{layout}: the newest message still in view"), NEWEST_IN_VIEW).await;

        // Sent, the box shrinks back and the list, still at its bottom, shows the new message.
        alice.press(Key::Enter).await;
        let sent = (1..=20).map(|n| format!("строка {n}")).collect::<Vec<_>>().join("\n");
        alice.wait_for_last_message(&sent).await;
        alice.wait_until(&format!("{layout}: the sent lines in view"), NEWEST_IN_VIEW).await;
        let one_line = "const input = document.querySelector('#composer-input');
            return input.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(input).lineHeight) + 12;";
        alice.wait_until(&format!("{layout}: the composer back to one line"), one_line).await;
    }
}

async fn offline_and_back(origin: String, alice: Browser, bob: Browser) {
    bob.watch_sockets().await;
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    bob.wait_for_member("Алиса", "Новосибирск").await;

    // The backoff: 1 s doubling, at most 10 s, each wait a random half to whole of that.
    let delays = bob
        .run(
            "return import('/static/js/socket.js').then((m) =>
                [0, 1, 2, 3, 4, 5, 10, 50].map((n) => [m.backoffDelay(n, 0), m.backoffDelay(n, 0.999999)]));",
        )
        .await;
    assert_eq!(
        delays,
        json!([
            [500, 1000],
            [1000, 2000],
            [2000, 4000],
            [4000, 8000],
            [5000, 10000],
            [5000, 10000],
            [5000, 10000],
            [5000, 10000]
        ]),
        "waits before reconnect attempts 0, 1, 2, 3, 4, 5, 10 and 50"
    );

    // Online: no note, the presence dots lit.
    let stale_shown = format!("return {STALE_SHOWN};");
    let stale_gone = format!("return !({STALE_SHOWN});");
    let dot_colour =
        "return getComputedStyle(document.querySelector('#member-list .member__presence')).backgroundColor;";
    assert_eq!(bob.run(&stale_shown).await, json!(false), "connected: the member list is not said to be stale");
    let online_dot = bob.run(dot_colour).await;

    // The connection drops and stays down: the list says it may be out of date, dots greyed.
    bob.run("window.__test.offline = true; window.__test.sockets.at(-1).close();").await;
    bob.wait_until("the page to notice it is offline", "return document.body.classList.contains('is-offline');").await;
    bob.wait_until("the stale note", &stale_shown).await;
    let note = bob.find("#members-stale").await.text().await.expect("the note's text");
    assert_eq!(note, i18n::t(Lang::Ru, "members.stale"), "the note is the catalogue's text");
    assert_ne!(bob.run(dot_colour).await, online_dot, "the presence dots are greyed while offline");

    // Each failed attempt waits longer, up to a wait of several seconds…
    raise_backoff(&bob).await;
    // …which the browser's `online` event cuts short: the page is back at once, and the member
    // list is fresh again once the room's list arrives.
    bob.run("window.__test.offline = false; window.dispatchEvent(new Event('online'));").await;
    bob.wait_until_within(
        "reconnected at once after `online`",
        "return !document.body.classList.contains('is-offline');",
        AT_ONCE,
    )
    .await;
    bob.wait_until("the stale note to go", &stale_gone).await;
    assert_eq!(bob.run(dot_colour).await, online_dot, "the presence dots are lit again");
    bob.wait_for_member("Алиса", "Новосибирск").await;

    // Showing the tab again does the same.
    bob.run("window.__test.offline = true; window.__test.sockets.at(-1).close();").await;
    bob.wait_until("the page to notice it is offline", "return document.body.classList.contains('is-offline');").await;
    raise_backoff(&bob).await;
    bob.run("window.__test.offline = false; document.dispatchEvent(new Event('visibilitychange'));").await;
    bob.wait_until_within(
        "reconnected at once when the tab is shown",
        "return !document.body.classList.contains('is-offline');",
        AT_ONCE,
    )
    .await;

    // And what was said meanwhile arrives.
    alice.type_in_composer("Ты снова с нами").await;
    alice.press(Key::Enter).await;
    bob.wait_for_last_message("Ты снова с нами").await;
}

/// Makes attempts fail (the page is offline) with «Повторить сейчас» until the next one is at
/// least 4 s away, longer than [`AT_ONCE`].
async fn raise_backoff(browser: &Browser) {
    let waiting =
        "return !document.querySelector('#conn-banner').hidden && !document.querySelector('#conn-retry').hidden;";
    let seconds_left =
        "return Number((document.querySelector('#conn-banner-text').textContent.match(/\\d+/) ?? ['0'])[0]);";
    for _ in 0..12 {
        browser.wait_until("the next attempt to be planned", waiting).await;
        let left = browser.run(seconds_left).await.as_i64().expect("a number of seconds");
        if left >= 4 {
            return;
        }
        browser.click("#conn-retry").await;
    }
    panic!("{}: the wait before the next attempt never reached 4 s", browser.name);
}

async fn welcome_text(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;

    // The rule, on the page's own module: a full stop only where the sentence has no end yet.
    let cases = [
        ("Обо всём и ни о чём", "Обо всём и ни о чём."),
        ("Обо всём.", "Обо всём."),
        ("Есть вопросы?", "Есть вопросы?"),
        ("Ура!", "Ура!"),
        ("Ну и ну…", "Ну и ну…"),
        ("Читаем «Мастера и Маргариту»", "Читаем «Мастера и Маргариту»."),
        ("Он сказал: «Привет!»", "Он сказал: «Привет!»"),
        ("Правила (см. закреп.)", "Правила (см. закреп.)"),
        ("Правила:", "Правила."),
        ("  Пробелы по краям  ", "Пробелы по краям."),
        ("Котики 🐈", "Котики 🐈."),
        ("", ""),
    ];
    let inputs: Vec<&str> = cases.iter().map(|(input, _)| *input).collect();
    let expected: Vec<&str> = cases.iter().map(|(_, output)| *output).collect();
    let script = format!(
        "return import('/static/js/room-start.js').then((m) => {}.map((text) => m.asSentence(text)));",
        json!(inputs)
    );
    assert_eq!(alice.run(&script).await, json!(expected), "asSentence over {inputs:?}");

    // On the page: a description without a full stop gets one, in an element of its own.
    alice.click("#create-room").await;
    alice.wait_for("#room-dialog[open]").await;
    alice.fill("#room-form-name", "Флудилка").await;
    alice.fill("#room-form-desc", "Обо всём и ни о чём").await;
    alice.click("#room-form-submit").await;
    alice.wait_for_text("#room-name", "Флудилка").await;
    alice
        .wait_for_text(
            "#room-start-text",
            "Это начало комнаты. Обо всём и ни о чём. Сообщений пока нет — напишите первым!",
        )
        .await;
    alice.wait_for_text("#room-start-text .room-start__desc", "Обо всём и ни о чём.").await;

    // A question keeps its question mark, and nothing is added after it.
    alice.click("#rename-room").await;
    alice.wait_for("#room-dialog[open]").await;
    alice.find("#room-form-desc").await.clear().await.expect("the description field cleared");
    alice.fill("#room-form-desc", "Есть вопросы?").await;
    alice.click("#room-form-submit").await;
    alice
        .wait_for_text("#room-start-text", "Это начало комнаты. Есть вопросы? Сообщений пока нет — напишите первым!")
        .await;

    // Without a description, the two sentences alone.
    alice.click("#rename-room").await;
    alice.wait_for("#room-dialog[open]").await;
    alice.find("#room-form-desc").await.clear().await.expect("the description field cleared");
    alice.click("#room-form-submit").await;
    alice.wait_for_text("#room-start-text", "Это начало комнаты. Сообщений пока нет — напишите первым!").await;
    assert_eq!(alice.count("#room-start-text .room-start__desc").await, 0, "no empty description element");
}

async fn refused_username(origin: String, alice: Browser, _bob: Browser) {
    let validation = "return document.querySelector('#username').validationMessage;";
    let register = format!("{origin}/register");

    // Russian by default: a space is refused with the rule in words, not the browser's
    // «match the requested format».
    alice.client.goto(&register).await.expect("the registration page opens");
    alice.fill("#username", "a b").await;
    assert_eq!(alice.run(validation).await, json!(i18n::t(Lang::Ru, "register.username-chars")));
    assert!(i18n::t(Lang::Ru, "register.username-chars").contains("_ - ."), "the message names the characters allowed");

    // Too short: says how long a name must be.
    alice.find("#username").await.clear().await.expect("the field cleared");
    alice.fill("#username", "ab").await;
    assert_eq!(alice.run(validation).await, json!(i18n::t(Lang::Ru, "register.username-too-short")));
    assert!(i18n::t(Lang::Ru, "register.username-too-short").contains("3"), "the message gives the length");

    // A good name of any script is accepted.
    alice.find("#username").await.clear().await.expect("the field cleared");
    alice.fill("#username", "Алиса_1.0-x").await;
    assert_eq!(alice.run(validation).await, json!(""));

    // The form does not go out with a bad name: the page stays, the message shown by the browser.
    alice.find("#username").await.clear().await.expect("the field cleared");
    alice.fill("#username", "a b").await;
    alice.fill("#password", PASSWORD).await;
    alice.fill("#password_confirm", PASSWORD).await;
    alice.fill("#city", "Новосибирск").await;
    alice.click("#register-form button[type=submit]").await;
    assert_eq!(alice.path_and_query().await, "/register", "the form was not sent");

    // In English when the page is.
    alice.run("document.cookie = 'discock_lang=en; path=/';").await;
    alice.client.goto(&register).await.expect("the registration page opens again");
    assert_eq!(alice.attr("html", "lang").await, "en");
    alice.fill("#username", "a b").await;
    assert_eq!(alice.run(validation).await, json!(i18n::t(Lang::En, "register.username-chars")));
}

async fn too_long_message(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let note = "#composer-error";
    let note_text = format!("return document.querySelector('{note}').textContent;");
    let note_shown = format!("return document.querySelector('{note}').getBoundingClientRect().height > 0;");

    // Typing over the limit says nothing yet beyond the counter; Enter then says why it did not send.
    alice.type_in_composer(&"ж".repeat(2015)).await;
    assert_eq!(alice.run(&note_text).await, json!(""));
    alice.press(Key::Enter).await;
    let note_given = format!("return document.querySelector('{note}').textContent !== '';");
    alice.wait_until("the reason next to the composer", &note_given).await;
    let says = |count: &str, word: &str| format!("Сообщение длиннее 2\u{a0}000 символов — сократите на {count} {word}");
    assert_eq!(alice.run(&note_text).await, json!(says("15", "символов")));
    assert_eq!(alice.run(&note_shown).await, json!(true), "the reason is on screen");
    assert_eq!(alice.attr(note, "role").await, "status", "and announced politely");
    let described_by = alice.attr("#composer-input", "aria-describedby").await;
    assert!(described_by.split(' ').any(|id| id == "composer-error"), "the reason describes the box: {described_by}");
    assert_eq!(alice.composer_value().await.chars().count(), 2015, "the text stays to be shortened");
    assert_eq!(alice.count("#pending-list > *").await, 0, "nothing was sent");

    // It follows the text with the right plural, and goes once the text fits.
    alice.type_in_composer(&Key::Backspace.repeat(13)).await;
    assert_eq!(alice.run(&note_text).await, json!(says("2", "символа")));
    alice.type_in_composer(&Key::Backspace).await;
    assert_eq!(alice.run(&note_text).await, json!(says("1", "символ")));
    alice.type_in_composer(&Key::Backspace).await;
    assert_eq!(alice.run(&note_text).await, json!(""));
    assert_eq!(alice.run(&note_shown).await, json!(false), "nothing left to say");

    // At the limit it goes out.
    alice.press(Key::Enter).await;
    bob.wait_for_last_message(&"ж".repeat(2000)).await;
}

/// A script function body: every character of the interface's own chrome (its text, titles,
/// labels and CSS-generated content, not the messages people wrote) that is an emoji or a
/// pictographic symbol (miscellaneous symbols such as ☰ and ⚙, dingbats such as ✎ and ➤) —
/// what shows as a box without an emoji font — as `"U+XXXX in <where>"`. Arrows naming keys
/// (Alt+↑) are text, not icons, and pass.
const PICTOGRAPHS_IN_CHROME: &str = r#"
    const pictograph = /[\p{Extended_Pictographic}\p{Emoji_Presentation}\u{2600}-\u{27BF}\u{1F000}-\u{1FAFF}]/gu;
    const found = [];
    const note = (text, where) => {
        for (const ch of String(text ?? '').match(pictograph) ?? []) {
            found.push(`U+${ch.codePointAt(0).toString(16).toUpperCase()} in ${where}`);
        }
    };
    const name = (el) => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
    note(document.title, 'the title');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.parentElement.closest('.msg__body')) note(node.data, name(node.parentElement));
    }
    for (const el of document.querySelectorAll('*')) {
        for (const attr of ['title', 'aria-label', 'placeholder', 'alt']) note(el.getAttribute(attr), `${name(el)}[${attr}]`);
        for (const pseudo of ['::before', '::after']) {
            const content = getComputedStyle(el, pseudo).content;
            if (content && content !== 'none' && content !== 'normal') note(content, name(el) + pseudo);
        }
    }
    return found;"#;

/// A script function body: every button with its accessible name, and for buttons that show
/// only an icon, their label (aria-label or aria-labelledby) and title; plus every <svg> that
/// is not hidden from assistive technology or is focusable.
const BUTTON_NAMES: &str = r#"
    const visibleText = (el) => [...el.childNodes].map((n) =>
        n.nodeType === Node.TEXT_NODE ? n.data
            : n.nodeType === Node.ELEMENT_NODE && n.getAttribute('aria-hidden') !== 'true'
                && !n.classList.contains('visually-hidden') ? visibleText(n) : ''
    ).join('').trim();
    const buttons = [...document.querySelectorAll('button')].map((b) => {
        const labelledBy = (b.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean)
            .map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
        const text = visibleText(b);
        return {
            id: b.id || b.className,
            name: labelledBy || (b.getAttribute('aria-label') ?? '').trim() || text || (b.title ?? '').trim(),
            iconOnly: Boolean(b.querySelector('svg')) && !text.replace(/\d+/g, '').trim(),
            label: labelledBy || (b.getAttribute('aria-label') ?? '').trim(),
            title: (b.title ?? '').trim(),
        };
    });
    const exposedSvgs = [...document.querySelectorAll('svg')]
        .filter((svg) => svg.getAttribute('aria-hidden') !== 'true' || svg.getAttribute('focusable') !== 'false')
        .map((svg) => svg.outerHTML.slice(0, 80));
    return { buttons, exposedSvgs };"#;

async fn icons(origin: String, alice: Browser, bob: Browser) {
    // The sign-in and registration pages first.
    for page in ["/login", "/register"] {
        alice.client.goto(&format!("{origin}{page}")).await.expect("the page opens");
        alice.wait_for(".auth__brand .icon").await;
        assert_eq!(alice.run(PICTOGRAPHS_IN_CHROME).await, json!([]), "{page}: emoji or pictographs in the chrome");
    }

    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    // People's messages may hold emoji; the check is about the interface around them.
    bob.type_in_composer("Привет 👋 как дела? ✌").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Привет 👋 как дела? ✌").await;
    // Alice's own room shows the creator's buttons too.
    alice.click("#create-room").await;
    alice.wait_for("#room-dialog[open]").await;
    alice.fill("#room-form-name", "Иконки").await;
    alice.click("#room-form-submit").await;
    alice.wait_for_text("#room-name", "Иконки").await;
    alice.wait_for("#toasts .toast").await;

    for (layout, browser) in [("desktop", &alice), ("phone", &bob)] {
        if layout == "phone" {
            browser.emulate_phone(TALL_PHONE).await;
        }
        assert_eq!(browser.run(PICTOGRAPHS_IN_CHROME).await, json!([]), "{layout}: emoji or pictographs in the chrome");

        let found = browser.run(BUTTON_NAMES).await;
        assert_eq!(found["exposedSvgs"], json!([]), "{layout}: icons are decorative and never focusable");
        let buttons = found["buttons"].as_array().expect("a list of buttons");
        assert!(buttons.len() >= 8, "{layout}: the chat's buttons were found: {buttons:?}");
        for button in buttons {
            assert_ne!(button["name"], json!(""), "{layout}: a button without an accessible name: {button}");
            if button["iconOnly"] == json!(true) {
                assert_ne!(button["label"], json!(""), "{layout}: an icon button without a label: {button}");
                assert_ne!(button["title"], json!(""), "{layout}: an icon button without a title: {button}");
            }
        }
        let icon_buttons: Vec<&str> =
            buttons.iter().filter(|b| b["iconOnly"] == json!(true)).filter_map(|b| b["id"].as_str()).collect();
        for id in ["create-room", "open-rooms", "rename-room", "delete-room", "open-members", "composer-send"] {
            assert!(icon_buttons.contains(&id), "{layout}: #{id} is an icon button: {icon_buttons:?}");
        }
        assert_eq!(
            browser.attr("#create-room", "aria-label").await,
            i18n::t(Lang::Ru, "rooms.create"),
            "{layout}: labels come from the catalogue"
        );
    }

    // Every icon the page uses exists in the sprite, which is served as SVG, and so is the favicon.
    let served = alice
        .run(
            "return (async () => {
                const favicon = document.querySelector('link[rel=icon]').getAttribute('href');
                const used = [...new Set([...document.querySelectorAll('svg use')].map((u) => u.getAttribute('href')))];
                const sprite = await fetch('/static/icons/sprite.svg');
                const doc = new DOMParser().parseFromString(await sprite.text(), 'image/svg+xml');
                const missing = used.filter((href) => !href.startsWith('/static/icons/sprite.svg#')
                    || !doc.getElementById(href.split('#')[1]));
                const icon = await fetch(favicon);
                return { favicon, favicon_type: icon.headers.get('content-type'),
                         sprite_type: sprite.headers.get('content-type'), used: used.length, missing };
             })();",
        )
        .await;
    assert_eq!(served["favicon"], json!("/static/icons/favicon.svg"), "{served}");
    assert_eq!(served["favicon_type"], json!("image/svg+xml"), "{served}");
    assert_eq!(served["sprite_type"], json!("image/svg+xml"), "{served}");
    assert!(served["used"].as_u64().unwrap_or(0) >= 8, "{served}");
    assert_eq!(served["missing"], json!([]), "{served}");
}

/// A script function body: where the notices are, relative to the message list and the
/// composer, and whether the newest message is in view.
const NOTICE_PLACE: &str = "
    const rect = (el) => el.getBoundingClientRect();
    const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const toasts = [...document.querySelectorAll('#toasts .toast')].map(rect);
    const list = rect(document.querySelector('#messages'));
    const composer = rect(document.querySelector('#composer'));
    const last = [...document.querySelectorAll('#message-list .msg')].at(-1);
    return {
        toasts: toasts.length,
        over_list: toasts.some((t) => overlaps(t, list)),
        over_composer: toasts.some((t) => overlaps(t, composer)),
        over_last: Boolean(last) && toasts.some((t) => overlaps(t, rect(last))),
        on_screen: toasts.every((t) => t.top >= 0 && t.bottom <= innerHeight && t.left >= 0 && t.right <= innerWidth),
    };";

async fn notices_and_hover(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    alice.send_messages("Сообщение", 30).await;

    for layout in ["desktop", "phone"] {
        if layout == "phone" {
            alice.emulate_phone(TALL_PHONE).await;
        }
        alice.wait_until(&format!("{layout}: the newest message in view"), NEWEST_IN_VIEW).await;
        // A notice: the address names a room that does not exist.
        alice
            .run(
                "history.pushState({}, '', '/chat?room=999999999');
                 window.dispatchEvent(new PopStateEvent('popstate'));",
            )
            .await;
        alice.wait_for("#toasts .toast").await;
        alice.wait_until(&format!("{layout}: the newest message in view beside the notice"), NEWEST_IN_VIEW).await;
        let place = alice.run(NOTICE_PLACE).await;
        assert_eq!(
            place,
            json!({ "toasts": 1, "over_list": false, "over_composer": false, "over_last": false, "on_screen": true }),
            "{layout}: the notice covers nothing"
        );
        // Closed, it gives its room back and the list stays at its end.
        alice.click("#toasts .toast__close").await;
        alice.wait_until("the notice to go", "return document.querySelectorAll('#toasts .toast').length === 0;").await;
        alice.wait_until(&format!("{layout}: the newest message in view after the notice"), NEWEST_IN_VIEW).await;
    }

    // Bob, on a desktop with a mouse, points at a message: its background changes clearly,
    // and every text on it stays readable (4.5:1).
    bob.wait_for_last_message("Сообщение 30").await;
    let message = bob.find("#message-list .msg:last-child").await;
    let point = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
        element: message,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    bob.client.perform_actions(point).await.expect("the pointer moved onto the message");
    bob.wait_until(
        "the message to be hovered",
        "return document.querySelector('#message-list .msg:last-child').matches(':hover');",
    )
    .await;
    let contrast = bob.run(HOVER_CONTRAST).await;
    let against_pane = contrast["against_pane"].as_f64().expect("a ratio");
    assert!(against_pane >= 1.15, "the hovered message's background stands out from the pane: {contrast}");
    for text in contrast["texts"].as_array().expect("texts") {
        assert!(text["ratio"].as_f64().expect("a ratio") >= 4.5, "readable on the hover colour: {contrast}");
    }
}

/// A script function body: WCAG contrast of the hovered last message's background against the
/// pane, and of each visible text on it against that background.
const HOVER_CONTRAST: &str = "
    const parse = (css) => (css.match(/[\\d.]+/g) ?? []).map(Number);
    const over = ([r, g, b, a = 1], [R, G, B]) => [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
    const lum = (rgb) => {
        const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (x, y) => { const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p); return (hi + 0.05) / (lo + 0.05); };
    const pane = parse(getComputedStyle(document.querySelector('#main')).backgroundColor);
    const msg = document.querySelector('#message-list .msg:last-child');
    const hovered = over(parse(getComputedStyle(msg).backgroundColor), pane);
    const texts = [...msg.querySelectorAll('.msg__body, .msg__author, .msg__time, .msg__hover-time')]
        .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility === 'visible')
        .map((el) => ({ class: el.className, ratio: ratio(over(parse(getComputedStyle(el).color), hovered), hovered) }));
    return { against_pane: ratio(hovered, pane), texts };";
