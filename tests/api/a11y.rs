//! Accessibility of the real pages in a real browser (see `browser.rs`).
//!
//! axe-core (vendored in `tests/fixtures/axe/`) is injected through WebDriver into the login
//! page, the registration page and the chat page — signed in, with messages and another member,
//! its dialog and drawers open — at 1440×900 and as a 375×812 phone, and any violation of
//! impact `serious` or `critical` fails the test with every one listed (rule, impact, help,
//! elements). What axe cannot see is checked by driving the page: the keyboard (Alt+↑/↓
//! between rooms, Escape closing drawers and dialogs with focus going back to their buttons,
//! the Tab order with a visible focus ring at every stop), the names screen readers read, the
//! message log reading out live messages but not history, and reduced motion.

use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::browser::*;

/// axe-core, run in the page as a script.
const AXE: &str = include_str!("../fixtures/axe/axe.min.js");
/// The desktop and the phone the pages are checked at.
const WIDE: (u32, u32) = (1440, 900);
const PHONE: (u32, u32) = (375, 812);

/// Runs axe on the document and hands back its violations, each cut down to what a failure
/// message needs.
const RUN_AXE: &str = "const done = arguments[arguments.length - 1];
    axe.run(document, { resultTypes: ['violations'] })
      .then((result) => done(result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), summary: n.failureSummary ?? '' })),
      }))))
      .catch((error) => done({ error: String(error) }));";

/// True once no finite CSS animation or transition is running, so that axe reads colours as
/// they end up and not halfway through a fade.
const SETTLED: &str = "return document.getAnimations()
    .every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity);";

/// A script function naming an element for failure messages: `#id`, else `#id-of-its-nearest-
/// ancestor-with-one tag`.
const DESCRIBE: &str = "const describe = (el) => {
    if (!el || el === document.body) return 'body';
    if (el.id) return '#' + el.id;
    const holder = el.parentElement?.closest('[id]');
    return (holder ? '#' + holder.id + ' ' : '') + el.tagName.toLowerCase();
};";

// ---- axe ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_login_and_registration_pages_have_no_serious_accessibility_violations_on_desktop_and_phone() {
    with_alice(|origin, alice| async move {
        alice.resize(WIDE).await;
        for phone in [false, true] {
            let size = if phone { "phone" } else { "desktop" };
            if phone {
                alice.emulate_phone(PHONE).await;
            }
            alice.client.goto(&format!("{origin}/login")).await.expect("the login page opens");
            alice.wait_for("#username").await;
            assert_no_serious_violations(&alice, &format!("the login page ({size})")).await;

            // The same page telling the person what went wrong.
            alice.fill("#username", "никто").await;
            alice.fill("#password", PASSWORD).await;
            alice.click("form button[type=submit]").await;
            alice.wait_for(".alert--error").await;
            assert_no_serious_violations(&alice, &format!("the login page with an error ({size})")).await;

            alice.client.goto(&format!("{origin}/register")).await.expect("the registration page opens");
            alice.wait_for("#register-form").await;
            assert_no_serious_violations(&alice, &format!("the registration page ({size})")).await;
        }
    })
    .await;
}

#[tokio::test]
async fn the_chat_page_has_no_serious_accessibility_violations_on_desktop_and_phone() {
    with_alice_and_bob(|origin, alice, bob| async move {
        alice.resize(WIDE).await;
        alice.register(&origin, "Новосибирск").await;
        bob.register(&origin, "Владивосток").await;
        alice.wait_for_member("Борис", "Владивосток").await;
        let mut all = vec![];
        alice.says_to(&bob, "Привет! Как погода во Владивостоке?", &mut all).await;
        bob.says_to(&alice, "Туман с утра, к обеду разошёлся", &mut all).await;
        alice.says_to(&bob, "А у нас минус двадцать", &mut all).await;

        assert_no_serious_violations(&alice, "the chat page (desktop)").await;

        for (button, dialog) in [("#create-room", "#room-dialog"), ("#open-settings", "#settings-dialog")] {
            alice.click(button).await;
            alice.wait_for(&format!("{dialog}[open]")).await;
            assert_no_serious_violations(&alice, &format!("the chat page with {dialog} open (desktop)")).await;
            alice.chord(&[Key::Escape]).await;
            alice.wait_until("the dialog to close", "return !document.querySelector('dialog[open]');").await;
        }

        alice.emulate_phone(PHONE).await;
        alice.wait_until("both drawers to slide away", DRAWERS_AWAY).await;
        assert_no_serious_violations(&alice, "the chat page (phone)").await;

        for (button, drawer) in [("#open-members", "#members-drawer"), ("#open-rooms", "#rooms-drawer")] {
            alice.click(button).await;
            alice.wait_until(&format!("{drawer} to slide in"), &drawer_on_screen(drawer)).await;
            assert_no_serious_violations(&alice, &format!("the chat page with {drawer} open (phone)")).await;
            alice.chord(&[Key::Escape]).await;
            alice.wait_until("both drawers to slide away", DRAWERS_AWAY).await;
        }
    })
    .await;
}

/// Injects axe into the page as it is now, runs it, and fails listing every violation of impact
/// serious or critical; milder ones are printed as a note.
pub(crate) async fn assert_no_serious_violations(browser: &Browser, page: &str) {
    browser.wait_until("animations to finish", SETTLED).await;
    if browser.run("return typeof window.axe;").await != json!("object") {
        let loaded = browser.run(&format!("{AXE}\n;return typeof window.axe;")).await;
        assert_eq!(loaded, json!("object"), "{page}: axe did not load");
    }
    let result = browser.client.execute_async(RUN_AXE, vec![]).await.unwrap_or_else(|e| panic!("{page}: axe: {e}"));
    let Value::Array(violations) = result else { panic!("{page}: axe failed: {result}") };

    let (serious, mild): (Vec<&Value>, Vec<&Value>) =
        violations.iter().partition(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")));
    if !mild.is_empty() {
        eprintln!("note — {page}: minor or moderate accessibility findings:\n{}", describe_violations(&mild));
    }
    assert!(
        serious.is_empty(),
        "{page}: {} serious or critical accessibility violation(s):\n{}",
        serious.len(),
        describe_violations(&serious)
    );
}

/// One block per violation: rule, impact, help and link, then each element with axe's summary.
fn describe_violations(violations: &[&Value]) -> String {
    let mut text = String::new();
    for v in violations {
        let field = |name: &str| v[name].as_str().unwrap_or("?").to_owned();
        text += &format!("  [{}] {} — {} ({})\n", field("impact"), field("id"), field("help"), field("url"));
        for node in v["nodes"].as_array().into_iter().flatten() {
            let summary = node["summary"].as_str().unwrap_or_default().replace('\n', "\n        ");
            text += &format!("      {}\n        {summary}\n", node["target"].as_str().unwrap_or("?"));
        }
    }
    text
}

/// True once both drawers are off screen (the phone layout with nothing open).
const DRAWERS_AWAY: &str = "return ['#rooms-drawer', '#members-drawer'].every((id) => {
    const r = document.querySelector(id).getBoundingClientRect();
    return r.right <= 0 || r.left >= window.innerWidth;
});";

/// A script that is true once `drawer` lies wholly on screen.
fn drawer_on_screen(drawer: &str) -> String {
    format!(
        "const r = document.querySelector('{drawer}').getBoundingClientRect();
         return r.left >= 0 && r.right <= window.innerWidth;"
    )
}

// ---- keyboard -----------------------------------------------------------------------------

#[tokio::test]
async fn alt_down_then_alt_up_switch_to_the_next_and_previous_room_from_the_composer_without_a_reload() {
    with_alice(|origin, alice| async move {
        alice.register(&origin, "Новосибирск").await;
        let first = alice.attr("body", "data-default-room-id").await;
        let second = create_room(&alice, "Флудилка").await;
        alice.click(&format!("#room-list a[data-room-id='{first}']")).await;
        alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
        alice.run("window.__marker = 'the same page';").await;
        alice.click("#composer-input").await;

        alice.chord(&[Key::Alt, Key::Down]).await;
        alice.wait_for_path_and_query(&format!("/chat?room={second}")).await;
        alice.wait_for_text("#room-name", "Флудилка").await;
        assert_eq!(focused(&alice).await, "#composer-input", "the composer keeps the focus");
        alice.wait_for_text("#announcer", "Открыта комната «Флудилка»").await;

        alice.chord(&[Key::Alt, Key::Up]).await;
        alice.wait_for_path_and_query(&format!("/chat?room={first}")).await;
        alice.wait_for_text("#room-name", DEFAULT_ROOM).await;
        assert_eq!(focused(&alice).await, "#composer-input");

        // Past the top of the list it goes round to the bottom.
        alice.chord(&[Key::Alt, Key::Up]).await;
        alice.wait_for_path_and_query(&format!("/chat?room={second}")).await;

        // On the room list, focus follows the room that opens.
        alice.run("document.querySelector('#room-list a[aria-current=page]').focus();").await;
        alice.chord(&[Key::Alt, Key::Down]).await;
        alice.wait_for_path_and_query(&format!("/chat?room={first}")).await;
        let on_link = alice.run("return document.activeElement.dataset.roomId;").await;
        assert_eq!(on_link, json!(first), "focus moved to the open room's link");

        assert_eq!(
            alice.run("return window.__marker;").await,
            json!("the same page"),
            "switching rooms reloaded the page"
        );
    })
    .await;
}

#[tokio::test]
async fn escape_closes_a_phone_drawer_and_focus_goes_back_to_the_button_that_opened_it() {
    with_alice(|origin, alice| async move {
        alice.register(&origin, "Новосибирск").await;
        alice.emulate_phone(PHONE).await;
        alice.wait_until("both drawers to slide away", DRAWERS_AWAY).await;

        // The member list: focus lands on its first control, «По городам» above the names.
        alice.click("#open-members").await;
        alice.wait_until("focus in the member drawer", IN_OPEN_DRAWER).await;
        assert_eq!(focused(&alice).await, "#members-by-city");
        assert_eq!(alice.attr("#open-members", "aria-expanded").await, "true");
        assert_eq!(
            alice.run("return document.getElementById('main').inert;").await,
            json!(true),
            "the page behind is inert"
        );
        alice.chord(&[Key::Escape]).await;
        alice.wait_until("the member drawer to close", "return !document.querySelector('.drawer.is-open');").await;
        assert_eq!(focused(&alice).await, "#open-members", "focus is back on the button");
        assert_eq!(alice.attr("#open-members", "aria-expanded").await, "false");
        assert_eq!(alice.run("return document.getElementById('main').inert;").await, json!(false));

        // The room list: focus lands on the open room's link.
        alice.click("#open-rooms").await;
        alice.wait_until("focus in the room drawer", IN_OPEN_DRAWER).await;
        assert_eq!(alice.run("return document.activeElement.getAttribute('aria-current');").await, json!("page"));
        alice.chord(&[Key::Escape]).await;
        alice.wait_until("the room drawer to close", "return !document.querySelector('.drawer.is-open');").await;
        assert_eq!(focused(&alice).await, "#open-rooms", "focus is back on the button");
    })
    .await;
}

/// True once a drawer is open and holds the focus.
const IN_OPEN_DRAWER: &str =
    "return document.querySelector('.drawer.is-open')?.contains(document.activeElement) ?? false;";

#[tokio::test]
async fn the_room_and_settings_dialogs_open_from_their_buttons_take_focus_and_escape_closes_them_back_onto_the_button()
{
    with_alice(|origin, alice| async move {
        alice.register(&origin, "Новосибирск").await;

        // «+» from the keyboard: focus goes to the name field; Escape closes it, focus goes back.
        alice.run("document.getElementById('create-room').focus();").await;
        alice.chord(&[Key::Enter]).await;
        alice.wait_for("#room-dialog[open]").await;
        assert_eq!(focused(&alice).await, "#room-form-name");
        alice.chord(&[Key::Escape]).await;
        alice.wait_until("the room dialog to close", "return !document.querySelector('#room-dialog').open;").await;
        assert_eq!(focused(&alice).await, "#create-room", "focus is back on «+»");

        // The settings button the same way: focus on the language, and back.
        alice.run("document.getElementById('open-settings').focus();").await;
        alice.chord(&[Key::Enter]).await;
        alice.wait_for("#settings-dialog[open]").await;
        assert_eq!(focused(&alice).await, "#settings-lang");
        alice.chord(&[Key::Escape]).await;
        alice.wait_until("the settings to close", "return !document.querySelector('#settings-dialog').open;").await;
        assert_eq!(focused(&alice).await, "#open-settings", "focus is back on the settings button");

        // The creator's edit button the same way, closed with Отмена this time.
        create_room(&alice, "Флудилка").await;
        alice.run("document.getElementById('rename-room').focus();").await;
        alice.chord(&[Key::Enter]).await;
        alice.wait_for("#room-dialog[open]").await;
        assert_eq!(alice.find("#room-form-name").await.prop("value").await.expect("value"), Some("Флудилка".into()));
        alice.click("#room-form-cancel").await;
        alice.wait_until("the room dialog to close", "return !document.querySelector('#room-dialog').open;").await;
        assert_eq!(focused(&alice).await, "#rename-room", "focus is back on the edit button");
    })
    .await;
}

#[tokio::test]
async fn tab_visits_the_controls_in_layout_order_each_with_a_visible_focus_ring() {
    with_alice(|origin, alice| async move {
        alice.resize(WIDE).await;
        alice.register(&origin, "Новосибирск").await;
        alice.run("document.getElementById('composer-input').focus();").await;
        let desktop = [
            "#composer-emoji",
            "#members-by-city",
            "#member-list button",
            "#create-room",
            "#room-list a",
            "#city-room-mine",
            "#open-settings",
            "#logout-form button",
            "#search-input",
            "#open-pins",
            "#mute-room",
            "#messages",
            "#composer-input",
        ];
        assert_tab_cycle(&alice, &desktop, "desktop").await;

        alice.emulate_phone(PHONE).await;
        alice.wait_until("both drawers to slide away", DRAWERS_AWAY).await;
        alice.run("document.getElementById('composer-input').focus();").await;
        let phone = [
            "#composer-emoji",
            "#open-rooms",
            "#search-input",
            "#open-pins",
            "#mute-room",
            "#open-members",
            "#messages",
            "#composer-input",
        ];
        assert_tab_cycle(&alice, &phone, "phone").await;
    })
    .await;
}

/// Presses Tab from the composer until focus has come round to it again, and checks that the
/// stops, in order, are `expected`, and that each shows a focus ring of at least 2 px (on the
/// element, or on its parent where the ring goes round a bar, as for the composer).
async fn assert_tab_cycle(browser: &Browser, expected: &[&str], layout: &str) {
    let look = format!(
        "{DESCRIBE}
         const el = document.activeElement;
         const ring = (e) => {{
             const s = getComputedStyle(e);
             return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
                 && s.outlineColor !== 'rgba(0, 0, 0, 0)';
         }};
         return [describe(el), ring(el) || (el.parentElement !== null && ring(el.parentElement))];"
    );
    assert_eq!(focused(browser).await, "#composer-input", "{layout}: the cycle starts in the composer");
    let mut stops = Vec::new();
    for _ in 0..3 * expected.len() + 3 {
        browser.chord(&[Key::Tab]).await;
        let stop: (String, bool) = serde_json::from_value(browser.run(&look).await).expect("a stop");
        if stop.0 == "body" {
            continue; // past the end of the page, before it starts again
        }
        assert!(stop.1, "{layout}: {} has no visible focus ring", stop.0);
        let back_in_the_composer = stop.0 == "#composer-input";
        stops.push(stop.0);
        if back_in_the_composer {
            break;
        }
    }
    assert_eq!(stops, expected, "{layout}: the Tab order");
}

// ---- what screen readers get --------------------------------------------------------------

#[tokio::test]
async fn the_message_list_is_a_polite_log_and_the_composer_and_every_button_have_a_name() {
    with_alice(|origin, alice| async move {
        alice.resize(WIDE).await;
        alice.register(&origin, "Новосибирск").await;
        // Its creator gets the edit and delete buttons.
        create_room(&alice, "Флудилка").await;
        // The «room created» toast goes by itself; buttons must not come and go while counted.
        alice.wait_until("the toast to go", "return document.querySelector('#toasts').childElementCount === 0;").await;

        // Polite, once the history that came with the room (see the test below) is in.
        alice.wait_until("the log to speak again", LOG_SPEAKS).await;
        assert_eq!(alice.accessible_role("#messages").await, "log");
        assert_eq!(alice.attr("#messages", "aria-live").await, "polite");
        assert_eq!(alice.accessible_name("#messages").await, "Сообщения");
        assert_eq!(alice.accessible_name("#composer-input").await, "Сообщение");
        for (button, name) in [
            ("#create-room", "Создать комнату"),
            ("#rename-room", "Изменить комнату"),
            ("#delete-room", "Удалить комнату"),
            ("#composer-send", "Отправить"),
        ] {
            assert_eq!(alice.accessible_name(button).await, name, "{button}");
        }
        assert_every_shown_button_has_a_name(&alice, "desktop").await;

        alice.emulate_phone(PHONE).await;
        alice.wait_until("both drawers to slide away", DRAWERS_AWAY).await;
        assert_eq!(alice.accessible_name("#open-rooms").await, "Открыть список комнат");
        // The count on the button is part of its name (what you see is what you can say).
        assert_eq!(alice.accessible_name("#open-members").await, "Открыть список участников 1");
        assert_every_shown_button_has_a_name(&alice, "phone").await;
    })
    .await;
}

async fn assert_every_shown_button_has_a_name(browser: &Browser, layout: &str) {
    let buttons = browser.client.find_all(Locator::Css("button")).await.expect("find_all");
    let mut checked = 0;
    for button in buttons {
        if !button.is_displayed().await.expect("is_displayed") {
            continue;
        }
        let name = browser.accessible_name_of(&button).await;
        if name.trim().is_empty() {
            let html = button.html(false).await.unwrap_or_default();
            panic!("{layout}: a button without a name: {html}");
        }
        checked += 1;
    }
    assert!(checked >= 4, "{layout}: only {checked} buttons were on screen");
}

#[tokio::test]
async fn history_goes_into_the_log_silently_and_live_messages_are_announced() {
    with_alice_and_bob(|origin, alice, bob| async move {
        alice.register(&origin, "Новосибирск").await;
        bob.register(&origin, "Владивосток").await;
        let first = alice.attr("body", "data-default-room-id").await;
        let history = ["Первое", "Второе", "Третье"];
        let mut all = vec![];
        for text in history {
            bob.says_to(&alice, text, &mut all).await;
        }
        create_room(&alice, "Флудилка").await;

        // From here on, every message put into the list is noted with the region's aria-live at
        // that moment (reconstructed from the attribute changes around it).
        alice
            .run(
                "const region = document.getElementById('messages');
                 const events = [];
                 window.__liveLog = events;
                 new MutationObserver((records) => {
                     for (const r of records) {
                         if (r.type === 'attributes' && r.target === region) events.push({ old: r.oldValue });
                         if (r.type === 'childList' && r.target.id === 'message-list') {
                             for (const n of r.addedNodes) {
                                 if (!n.classList?.contains('msg')) continue;
                                 events.push({ added: n.querySelector('.msg__body').textContent });
                             }
                         }
                     }
                 }).observe(region, {
                     subtree: true, childList: true,
                     attributes: true, attributeFilter: ['aria-live'], attributeOldValue: true,
                 });",
            )
            .await;

        // Opening the room with history, then a message arriving live.
        alice.click(&format!("#room-list a[data-room-id='{first}']")).await;
        alice.wait_for_last_message("Третье").await;
        alice.wait_until("the log to speak again", LOG_SPEAKS).await;
        bob.says_to(&alice, "Живое", &mut all).await;

        let noted = alice
            .run(
                "const events = window.__liveLog;
                 const now = document.getElementById('messages').getAttribute('aria-live');
                 return events.flatMap((e, i) => e.added === undefined ? []
                     : [[e.added, events.slice(i + 1).find((x) => 'old' in x)?.old ?? now]]);",
            )
            .await;
        let expected: Vec<(&str, &str)> =
            history.iter().map(|&text| (text, "off")).chain([("Живое", "polite")]).collect();
        assert_eq!(noted, json!(expected), "history went in silently, the live message was announced");
    })
    .await;
}

/// True once the message log is polite again after history went in.
const LOG_SPEAKS: &str = "return document.getElementById('messages').getAttribute('aria-live') === 'polite';";

// ---- motion -------------------------------------------------------------------------------

#[tokio::test]
async fn asking_for_reduced_motion_turns_off_transitions_animations_and_smooth_scrolling() {
    with_alice(|origin, alice| async move {
        alice.register(&origin, "Новосибирск").await;
        alice.emulate_phone(PHONE).await;
        let moving = format!(
            "{DESCRIBE}
             const found = new Set();
             for (const el of document.querySelectorAll('*')) {{
                 for (const pseudo of [null, '::before', '::after']) {{
                     const s = getComputedStyle(el, pseudo);
                     const moves = s.transitionDuration.split(',').some((d) => parseFloat(d) > 0)
                         || s.animationName !== 'none' || s.scrollBehavior === 'smooth';
                     if (moves) found.add(describe(el) + (pseudo ?? ''));
                 }}
             }}
             return [...found];"
        );

        // As it is, things slide and fade (so the check below can fail).
        let before = alice.run(&moving).await;
        assert!(before.as_array().is_some_and(|found| found.iter().any(|f| f == "#members-drawer")), "{before}");

        alice.emulate_media("prefers-reduced-motion", "reduce").await;
        assert_eq!(alice.run(&moving).await, json!([]), "something still moves");

        // A drawer and the dialog appear at once, with nothing animating.
        alice.click("#open-members").await;
        assert_eq!(
            alice.run(&drawer_on_screen("#members-drawer")).await,
            json!(true),
            "the drawer is in place at once"
        );
        assert_eq!(alice.run("return document.getAnimations().length;").await, json!(0), "the drawer animates");
        alice.chord(&[Key::Escape]).await;
        alice.click("#open-rooms").await;
        alice.click("#create-room").await;
        alice.wait_for("#room-dialog[open]").await;
        assert_eq!(alice.run("return document.getAnimations().length;").await, json!(0), "the dialog animates");
    })
    .await;
}

// ---- helpers ------------------------------------------------------------------------------

/// Creates a room with the «+» dialog; it opens. Returns its id.
async fn create_room(browser: &Browser, name: &str) -> String {
    browser.click("#create-room").await;
    browser.wait_for("#room-dialog[open]").await;
    browser.fill("#room-form-name", name).await;
    browser.click("#room-form-submit").await;
    browser.wait_for_text("#room-name", name).await;
    browser.attr("#room-list a[aria-current=page]", "data-room-id").await
}

/// What has focus, as `#id` (or `#ancestor-id tag`).
async fn focused(browser: &Browser) -> String {
    let described = browser.run(&format!("{DESCRIBE} return describe(document.activeElement);")).await;
    described.as_str().expect("a description").to_owned()
}
