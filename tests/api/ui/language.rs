//! The UI in two languages, in the browser: a Russian reader switches the chat to English in
//! its settings and every part of the page follows at once, without a reload, and stays English
//! after one; the sign-in pages switch the same way before anyone is signed in; counts take the
//! plural form their number needs.

use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::browser::{with_alice_and_bob, Browser, DEFAULT_ROOM};

#[tokio::test]
async fn the_chat_switches_to_english_in_its_settings_without_a_reload_and_stays_english() {
    with_alice_and_bob(switched_in_the_settings).await;
}

#[tokio::test]
async fn the_login_page_switches_to_english_at_once_and_the_pages_after_it_stay_english() {
    with_alice_and_bob(switched_before_signing_in).await;
}

#[tokio::test]
async fn counts_take_the_russian_plural_form_their_number_needs() {
    with_alice_and_bob(counted_in_russian).await;
}

async fn switched_in_the_settings(origin: String, alice: Browser, bob: Browser) {
    alice.watch_sockets().await;
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    alice.wait_for_member("Борис", "Владивосток").await;
    alice.type_in_composer("Привет!").await;
    alice.press(Key::Enter).await;
    alice.wait_for_last_message("Привет!").await;

    // Russian, the default.
    assert_eq!(alice.lang().await, "ru");
    assert_eq!(alice.content(".rooms__title").await, "Комнаты");
    alice.wait_for_content("#members-title", "2 участника в комнате").await;
    assert_eq!(alice.content("#message-list .day-sep").await, "Сегодня");
    let time = alice.content("#message-list .msg__time").await;
    assert!(time.starts_with("Сегодня в "), "the time says the day: {time:?}");

    // A second tab of the same browser, to follow the switch.
    let first_tab = alice.client.window().await.expect("the first tab");
    let second_tab = alice.client.new_window(true).await.expect("a second tab").handle;
    alice.client.switch_to_window(second_tab.clone()).await.expect("switch to the second tab");
    alice.client.goto(&format!("{origin}/chat")).await.expect("the chat opens in the second tab");
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
    alice.run("window.__marker = 'the second tab';").await;
    alice.client.switch_to_window(first_tab.clone()).await.expect("back to the first tab");

    // Settings, from the footer: the language switch.
    alice.run("window.__marker = 'the same page';").await;
    alice.click("#open-settings").await;
    alice.wait_for("#settings-dialog[open]").await;
    assert_eq!(alice.content("#settings-title").await, "Настройки");
    alice.choose("#settings-lang", "en").await;

    // Everything is English at once, without a reload.
    alice.wait_until("the page to speak English", "return document.documentElement.lang === 'en';").await;
    assert_eq!(alice.run("return window.__marker;").await, json!("the same page"), "the switch reloaded the page");
    assert_eq!(alice.content(".rooms__title").await, "Rooms");
    assert_eq!(alice.attr("#composer-input", "placeholder").await, format!("Message #{DEFAULT_ROOM}"));
    assert_eq!(alice.content("#members-title").await, "2 members in the room");
    assert_eq!(alice.content("#message-list .day-sep").await, "Today");
    let time = alice.content("#message-list .msg__time").await;
    assert!(is_english_time(&time, "Today at "), "the time is English: {time:?}");
    let hover_title = alice.attr("#message-list .msg__time", "title").await;
    assert!(
        hover_title.contains(" at ") && hover_title.contains(", 20"),
        "the tooltip has the full date: {hover_title:?}"
    );
    assert_eq!(alice.content("#settings-title").await, "Settings");
    assert_eq!(alice.content("label[for=settings-lang]").await, "Language");
    assert_eq!(alice.content("#settings-done").await, "Done");
    assert_eq!(alice.attr("#open-settings", "aria-label").await, "Settings");
    assert_eq!(alice.content("#logout-form button").await, "Sign out");
    assert_eq!(
        alice.content(".composer__hint").await,
        "Enter sends, Shift+Enter starts a new line, Alt+↑/↓ changes rooms"
    );

    // The choice is saved, and the connection was told, so the server's errors follow.
    alice.wait_for_saved_language().await;
    let told = alice
        .run(
            "return window.__test.sent.map((f) => JSON.parse(f))
                .some((f) => f.type === 'set_language' && f.language === 'en');",
        )
        .await;
    assert_eq!(told, json!(true), "set_language went out on the WebSocket");
    assert_eq!(alice.count("#toasts .toast--error").await, 0, "nothing failed");

    // The server now answers this connection in English: a frame it refuses says why in English.
    alice.run("window.__test.sockets.at(-1).send(JSON.stringify({ type: 'typing', room_id: 999999 }));").await;
    alice.wait_for_content("#toasts .toast--error .toast__text", "You have not joined room 999999").await;

    // Live texts follow too: who is typing.
    bob.type_in_composer("Hi").await;
    alice.wait_for_content("#typing", "Борис is typing…").await;

    // «Done» closes the dialog and gives the focus back to the button.
    alice.click("#settings-done").await;
    alice.wait_until("the settings to close", "return !document.querySelector('#settings-dialog').open;").await;
    assert_eq!(alice.run("return document.activeElement.id;").await, json!("open-settings"));

    // The other tab followed, without a reload either.
    alice.client.switch_to_window(second_tab).await.expect("switch to the second tab");
    alice.wait_until("the second tab to speak English", "return document.documentElement.lang === 'en';").await;
    assert_eq!(alice.run("return window.__marker;").await, json!("the second tab"));
    assert_eq!(alice.content(".rooms__title").await, "Rooms");
    alice.client.close_window().await.expect("the second tab closes");
    alice.client.switch_to_window(first_tab).await.expect("back to the first tab");

    // After a reload the server renders the page in English: the choice was saved.
    alice.client.refresh().await.expect("the page reloads");
    alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
    assert_eq!(alice.lang().await, "en");
    assert_eq!(alice.run("return window.__marker ?? null;").await, json!(null), "this time it did reload");
    assert_eq!(alice.content(".rooms__title").await, "Rooms");
    assert_eq!(alice.run("return document.title;").await, json!(format!("#{DEFAULT_ROOM} — Discock")));
    alice.wait_for_content("#members-title", "2 members in the room").await;
    assert_eq!(alice.run("return document.querySelector('#settings-lang').value;").await, json!("en"));

    // When the choice cannot be saved, the page switches all the same and says so.
    alice.fail_language_saves().await;
    alice.click("#open-settings").await;
    alice.choose("#settings-lang", "ru").await;
    alice.wait_until("the page to speak Russian", "return document.documentElement.lang === 'ru';").await;
    assert_eq!(alice.content(".rooms__title").await, "Комнаты");
    alice.wait_for_content("#toasts .toast--error .toast__text", SAVE_FAILED_RU).await;

    // Борис's browser keeps his own language.
    assert_eq!(bob.lang().await, "ru");
    assert_eq!(bob.content(".rooms__title").await, "Комнаты");
}

async fn switched_before_signing_in(origin: String, alice: Browser, bob: Browser) {
    alice.client.goto(&format!("{origin}/login")).await.expect("the login page opens");
    assert_eq!(alice.lang().await, "ru");
    assert_eq!(alice.content(".auth__lead").await, "С возвращением! Рады видеть вас снова.");
    alice.run("window.__marker = 'the same page';").await;

    alice.choose("#lang-select", "en").await;
    alice.wait_until("the page to speak English", "return document.documentElement.lang === 'en';").await;
    assert_eq!(alice.run("return window.__marker;").await, json!("the same page"), "the switch reloaded the page");
    assert_eq!(alice.run("return document.title;").await, json!("Sign in — Discock"));
    assert_eq!(alice.content(".auth__lead").await, "Welcome back! Good to see you again.");
    assert_eq!(alice.content("label[for=username]").await, "Username");
    assert_eq!(alice.content("label[for=password]").await, "Password");
    assert_eq!(alice.content("form button[type=submit]").await, "Sign in");
    assert_eq!(alice.content(".auth__switch a").await, "No account? Register");
    assert_eq!(alice.content("label[for=lang-select]").await, "Language");
    alice.wait_for_saved_language().await;
    assert_eq!(alice.run("return document.querySelector('#lang-error').hidden;").await, json!(true));

    // A save that fails leaves the page switched, says so, and changes nothing for later pages.
    alice.fail_language_saves().await;
    alice.choose("#lang-select", "ru").await;
    alice.wait_until("the page to speak Russian", "return document.documentElement.lang === 'ru';").await;
    assert_eq!(alice.content("form button[type=submit]").await, "Войти");
    alice.wait_for_content("#lang-error", SAVE_FAILED_RU).await;

    // The register page that follows is rendered in English, and so are its own checks.
    alice.click(".auth__switch a").await;
    alice.wait_for_path_and_query("/register").await;
    assert_eq!(alice.lang().await, "en");
    assert_eq!(alice.run("return document.title;").await, json!("Register — Discock"));
    assert_eq!(alice.content("#register-form button[type=submit]").await, "Register");
    assert_eq!(alice.content("#username-hint").await, "3–32 characters: letters, digits, _ - .");
    assert_eq!(alice.run("return document.querySelector('#lang-select').value;").await, json!("en"));
    alice.fill("#password", "short").await;
    let message = alice.run("return document.querySelector('#password').validationMessage;").await;
    assert_eq!(message, json!("The password is too short: it needs at least 8 bytes."));

    // So is the chat after registering.
    alice.register(&origin, "Новосибирск").await;
    assert_eq!(alice.lang().await, "en");
    assert_eq!(alice.content(".rooms__title").await, "Rooms");

    // Another browser is not affected: its pages stay Russian.
    bob.client.goto(&format!("{origin}/login")).await.expect("the login page opens");
    assert_eq!(bob.lang().await, "ru");
    assert_eq!(bob.content("form button[type=submit]").await, "Войти");
}

async fn counted_in_russian(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    alice.wait_for_content("#members-title", "1 участник в комнате").await;
    bob.register(&origin, "Владивосток").await;
    alice.wait_for_content("#members-title", "2 участника в комнате").await;
    assert_eq!(alice.content("#member-count-badge").await, "2");

    bob.type_in_composer("Пишу").await;
    alice.wait_for_content("#typing", "Борис печатает…").await;

    // The composer's counter near the limit: numbers grouped as in Russian, the tooltip
    // counts what is left.
    for (length, counter, tooltip) in [
        (1999, "1 999 / 2 000", "Остался 1 символ"),
        (1998, "1 998 / 2 000", "Осталось 2 символа"),
        (1995, "1 995 / 2 000", "Осталось 5 символов"),
        (1979, "1 979 / 2 000", "Остался 21 символ"),
        (2003, "2 003 / 2 000", "Слишком длинно: уберите 3 символа"),
    ] {
        alice
            .run(&format!(
                "const input = document.querySelector('#composer-input');
                 input.value = 'ж'.repeat({length});
                 input.dispatchEvent(new Event('input'));"
            ))
            .await;
        assert_eq!(plain_spaces(&alice.content("#composer-counter").await), counter);
        assert_eq!(alice.attr("#composer-counter", "title").await, tooltip);
    }

    // The same catalogue and rules the page uses, for counts two people cannot reach.
    let said = alice
        .run(
            "return import('/static/js/i18n.js').then(({ t, formatList }) => [
                ...[1, 2, 5, 11, 21, 22, 1000].map((count) => t('members.count', { count })),
                ...[4, 5, 21].map((count) => t('typing.many', { count })),
                t('typing.names', { count: 3, names: formatList(['Алиса', 'Борис', 'Вера']) }),
                ...[1, 3, 12].map((count) => t('messages.new-count', { count })),
            ]);",
        )
        .await;
    let said: Vec<String> =
        serde_json::from_value::<Vec<String>>(said).expect("texts").iter().map(|s| plain_spaces(s)).collect();
    assert_eq!(
        said,
        [
            "1 участник в комнате",
            "2 участника в комнате",
            "5 участников в комнате",
            "11 участников в комнате",
            "21 участник в комнате",
            "22 участника в комнате",
            "1 000 участников в комнате",
            "4 человека печатают…",
            "5 человек печатают…",
            "21 человек печатает…",
            "Алиса, Борис и Вера печатают…",
            "1 новое сообщение",
            "3 новых сообщения",
            "12 новых сообщений",
        ]
    );
}

/// What the page says when it switched but could not save the choice.
const SAVE_FAILED_RU: &str = "Язык переключён, но сохранить выбор не удалось — после перезагрузки он может вернуться.";

/// An English time of day after `prefix`: «Today at 2:05 PM».
fn is_english_time(text: &str, prefix: &str) -> bool {
    let Some(time) = text.strip_prefix(prefix) else { return false };
    let time = plain_spaces(time);
    let Some((clock, half)) = time.split_once(' ') else { return false };
    let Some((hours, minutes)) = clock.split_once(':') else { return false };
    (half == "AM" || half == "PM")
        && hours.parse::<u8>().is_ok_and(|h| (1..=12).contains(&h))
        && minutes.len() == 2
        && minutes.parse::<u8>().is_ok_and(|m| m < 60)
}

/// Intl groups digits and spaces times with no-break spaces: plain ones, for comparing.
fn plain_spaces(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

impl Browser {
    /// `<html lang>`: the language the page speaks.
    async fn lang(&self) -> String {
        let lang = self.run("return document.documentElement.lang;").await;
        lang.as_str().unwrap_or_default().to_owned()
    }

    /// An element's text as written (textContent: no CSS upper-casing, hidden elements too).
    async fn content(&self, css: &str) -> String {
        self.find(css).await;
        let script = format!("return document.querySelector({}).textContent;", json!(css));
        match self.run(&script).await {
            Value::String(text) => text,
            other => panic!("{}: {css} has no text: {other}", self.name),
        }
    }

    /// Waits until an element's text, as written, is exactly `expected`.
    async fn wait_for_content(&self, css: &str, expected: &str) {
        self.find(css).await;
        let script = format!("return document.querySelector({}).textContent === {};", json!(css), json!(expected));
        self.wait_until(&format!("{css} to read {expected:?}"), &script).await;
    }

    /// Picks the option `value` of a <select>, as a click would.
    async fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{}: choosing {value} in {css}: {e}", self.name));
    }

    /// Makes this page's PUT /api/language fail as with the network gone (until it reloads).
    async fn fail_language_saves(&self) {
        self.run(
            "const fetch = window.fetch;
             window.fetch = (url, init) => String(url).endsWith('/api/language')
               ? Promise.reject(new TypeError('offline (test)'))
               : fetch(url, init);",
        )
        .await;
    }

    /// Waits until the page's PUT /api/language has been answered 200.
    async fn wait_for_saved_language(&self) {
        self.wait_until(
            "the language to be saved",
            "return performance.getEntriesByType('resource')
                .some((e) => e.name.endsWith('/api/language') && e.responseStatus === 200);",
        )
        .await;
    }
}
