//! The chat page in a real browser: headless Chromium, driven through a chromedriver the test
//! starts itself, uses the real server the way a person does — the registration form, the
//! keyboard in the composer, the «+» dialog, clicks in the room list — while a second browser
//! watches the same room live.
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
//! Every browser is a desktop one with a mouse (hover and a fine pointer) until a test turns it
//! into a phone with touch.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without chromedriver the test says so loudly
//! and passes, so `cargo test` works on a machine without a browser; with `CI=true` it fails
//! instead, so CI cannot pass by skipping it. `CHROMEDRIVER` and `CHROME_BIN` override where
//! the two binaries are looked for.
//!
//! `DISCOCK_SCREENSHOTS=folder` also writes `screenshot.png` (1280×800) and
//! `screenshot-mobile.png` (375×740) of the finished conversation there: that is how
//! `docs/screenshot*.png` are made. Normal runs write nothing.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper::Method;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use url::Url;

use crate::helpers::*;

mod details;
mod language;

/// How long the page may take to show something the test waits for.
const UI_WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);
/// The README screenshot's window, and the phone one.
const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (375, 740);
const PASSWORD: &str = "correct horse battery";
const DEFAULT_ROOM: &str = "Общий чат";
/// A script expression: how many history pages (`GET /api/messages/…`) the page has fetched.
const HISTORY_PAGES: &str =
    "performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/messages/')).length";

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

/// Runs `scenario` with the app and two fresh browsers, Алиса's and Борис's.
async fn with_alice_and_bob<F, Fut>(scenario: F)
where
    F: FnOnce(String, Browser, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_alice_and_bob_on(&[], scenario).await;
}

/// The same, with extra configuration for the app.
async fn with_alice_and_bob_on<F, Fut>(env: &[(&str, &str)], scenario: F)
where
    F: FnOnce(String, Browser, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(chromedriver) = chromedriver_or_skip() else { return };
    let app = spawn_app_with_env(env).await;
    let driver = ChromeDriver::start(&chromedriver);
    let alice = Browser::open(&driver, "Алиса").await;
    let bob = Browser::open(&driver, "Борис").await;

    // The scenario runs as its own task so that a failed assertion still closes both browsers
    // (closing is async, so Drop cannot do it) before the panic is passed on.
    let outcome = tokio::spawn(scenario(app.origin(), alice.clone(), bob.clone())).await;
    alice.close().await;
    bob.close().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
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

    // A little more conversation for the screenshots.
    bob.type_in_composer("Уже вижу её в списке слева. Загляну после работы").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Уже вижу её в списке слева. Загляну после работы").await;
    alice.type_in_composer("Договорились, до вечера!").await;
    alice.press(Key::Enter).await;
    bob.wait_for_last_message("Договорились, до вечера!").await;
    alice.wait_for_last_message("Договорились, до вечера!").await;

    let folder = std::env::var_os("DISCOCK_SCREENSHOTS").map(PathBuf::from);
    if let Some(folder) = &folder {
        alice
            .wait_until(
                "the «room created» toast to go",
                "return document.querySelector('#toasts').childElementCount === 0;",
            )
            .await;
        alice.screenshot(&folder.join("screenshot.png"), DESKTOP).await;
    }

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
    if let Some(folder) = &folder {
        alice.screenshot(&folder.join("screenshot-mobile.png"), PHONE).await;
    }
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

// ---- chromedriver -----------------------------------------------------------------------

/// Where chromedriver is, or `None` (after saying so) when it is missing and this is not CI.
fn chromedriver_or_skip() -> Option<PathBuf> {
    let found = match std::env::var_os("CHROMEDRIVER") {
        Some(path) => Some(PathBuf::from(path)).filter(|path| path.is_file()),
        None => std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|path| path.is_file()),
    };
    if found.is_none() {
        let help = "chromedriver not found: install the Debian packages chromium and chromium-driver";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{help} (CI=true, so the browser test may not skip)");
        // Straight to stderr: libtest swallows eprintln! of a passing test unless --nocapture.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! a ui:: browser test skipped: install chromium chromium-driver !!!!!\n!!!!! {help} !!!!!\n"
        );
    }
    found
}

/// A chromedriver process of our own on a port it chose; killed when dropped.
struct ChromeDriver {
    process: Child,
    url: String,
}

impl ChromeDriver {
    fn start(path: &Path) -> ChromeDriver {
        let mut process = Command::new(path)
            .arg("--port=0")
            // Its own process group, which the Chromiums it starts join: Drop ends them all.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        // With --port=0 chromedriver prints the port it bound; the reader keeps draining the
        // pipe afterwards so chromedriver never blocks on a full one.
        let stdout = process.stdout.take().expect("piped stdout");
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.split("started successfully on port ").nth(1) {
                    let _ = port_tx.send(port.trim_end_matches('.').trim().to_owned());
                }
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
            let _ = process.kill();
            panic!("{} did not report a port within 30 s", path.display())
        });
        ChromeDriver { process, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Chromium outlives a killed chromedriver, but stays in its process group (see start):
        // end the whole group, so a test that failed before closing its sessions leaves no
        // browser running.
        let group = format!("-{}", self.process.id());
        let group_killed = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !group_killed {
            let _ = self.process.kill();
        }
        let _ = self.process.wait();
    }
}

// ---- one person's browser ---------------------------------------------------------------

/// One person's headless Chromium: its own profile, so its own cookies and session.
#[derive(Clone)]
struct Browser {
    client: Client,
    /// The username this person registers with; names the browser in failure messages.
    name: &'static str,
}

impl Browser {
    async fn open(driver: &ChromeDriver, name: &'static str) -> Browser {
        let (width, height) = DESKTOP;
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                format!("--window-size={width},{height}"),
                "--force-device-scale-factor=1",
                "--lang=ru-RU",
                // A desktop window comes with a mouse: (hover: hover) and (pointer: fine), which
                // headless Chromium, having no pointing device, would otherwise deny.
                "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4",
            ],
            // Headless Chromium ignores --lang for Accept-Language; the server picks the page's
            // language from that header, so ask for Russian, the first users' language, here.
            "prefs": { "intl.accept_languages": "ru-RU,ru" },
        });
        if let Some(binary) = std::env::var_os("CHROME_BIN") {
            options["binary"] = json!(binary.to_string_lossy());
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver cannot start Chromium (is the chromium package installed?): {e}"));
        let browser = Browser { client, name };
        browser.resize(DESKTOP).await;
        browser
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Fills in and submits the registration form; waits until the chat shows the default room.
    async fn register(&self, origin: &str, city: &str) {
        self.client.goto(&format!("{origin}/register")).await.expect("the registration page opens");
        self.fill("#username", self.name).await;
        self.fill("#password", PASSWORD).await;
        self.fill("#password_confirm", PASSWORD).await;
        self.fill("#city", city).await;
        self.click("#register-form button[type=submit]").await;
        self.wait_until("the chat page after registering", "return location.pathname === '/chat';").await;
        self.wait_for_text("#room-name", DEFAULT_ROOM).await;
    }

    async fn fill(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("{}: typing into {css}: {e}", self.name));
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("{}: clicking {css}: {e}", self.name));
    }

    async fn type_in_composer(&self, text: &str) {
        self.fill("#composer-input", text).await;
    }

    async fn press(&self, key: Key) {
        self.fill("#composer-input", &key).await;
    }

    /// Shift is held down until the end of the one key action.
    async fn press_with_shift(&self, key: Key) {
        self.fill("#composer-input", &(Key::Shift + &*key)).await;
    }

    async fn composer_value(&self) -> String {
        self.find("#composer-input").await.prop("value").await.expect("textarea value").unwrap_or_default()
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .attr(name)
            .await
            .expect("attribute read")
            .unwrap_or_else(|| panic!("{}: {css} has no {name}", self.name))
    }

    /// Before the next page loads: wraps its WebSocket so the test can reach the connection
    /// (`window.__test.sockets`), see what the page sent and got (`window.__test.sent`,
    /// `.received`), make new connections fail (`.offline = true`) and make the next join ask
    /// for a seq the room never had (`.badSince = true`). DevTools scripts are not bound by the
    /// page's CSP.
    async fn watch_sockets(&self) {
        let source = "(() => {
            const Native = window.WebSocket;
            const test = { sockets: [], sent: [], received: [], offline: false, badSince: false };
            window.__test = test;
            window.WebSocket = class extends Native {
                constructor(...args) {
                    if (test.offline) throw new DOMException('offline (test)', 'NetworkError');
                    super(...args);
                    test.sockets.push(this);
                    this.addEventListener('message', (event) => test.received.push(event.data));
                }
                send(data) {
                    const frame = JSON.parse(data);
                    if (test.badSince && frame.type === 'join_room') {
                        test.badSince = false;
                        frame.since = 1e9;
                        data = JSON.stringify(frame);
                    }
                    test.sent.push(data);
                    super.send(data);
                }
            };
        })();";
        self.devtools("Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
    }

    /// Sends `count` messages from the composer, «`prefix` 1» to «`prefix` count», and waits
    /// until the last one is shown.
    async fn send_messages(&self, prefix: &str, count: usize) {
        for n in 1..=count {
            self.type_in_composer(&format!("{prefix} {n}")).await;
            self.press(Key::Enter).await;
        }
        self.wait_for_last_message(&format!("{prefix} {count}")).await;
    }

    /// Sends `text` from the composer; `listener` then shows it as the newest message, and
    /// every message of `all` (which it joins) exactly once, in that order.
    async fn says_to(&self, listener: &Browser, text: &'static str, all: &mut Vec<&'static str>) {
        self.type_in_composer(text).await;
        self.press(Key::Enter).await;
        listener.wait_for_last_message(text).await;
        all.push(text);
        listener.assert_messages(all).await;
    }

    /// The stored messages read exactly `expected`: each once, in this order.
    async fn assert_messages(&self, expected: &[&str]) {
        let shown =
            self.run("return [...document.querySelectorAll('#message-list .msg__body')].map((b) => b.textContent);");
        assert_eq!(shown.await, json!(expected), "{}: each message once, in order", self.name);
    }

    /// The `since` of each join_room the page sent (see [`Browser::watch_sockets`]), in order.
    async fn joins_sent(&self) -> Vec<Option<i64>> {
        let joins = self
            .run(
                "return window.__test.sent.map((f) => JSON.parse(f)).filter((f) => f.type === 'join_room')
                    .map((f) => f.since ?? null);",
            )
            .await;
        serde_json::from_value(joins).expect("a list of seqs")
    }

    /// How many times the page fetched a page of history.
    async fn history_pages_fetched(&self) -> usize {
        serde_json::from_value(self.run(&format!("return {HISTORY_PAGES};")).await).expect("a count")
    }

    async fn wait_for_history_pages(&self, count: usize) {
        self.wait_until(&format!("{count} pages of history"), &format!("return {HISTORY_PAGES} === {count};")).await;
    }

    async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.expect("find_all").len()
    }

    async fn is_displayed(&self, css: &str) -> bool {
        self.find(css).await.is_displayed().await.expect("is_displayed")
    }

    async fn run(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{}: script failed: {e}", self.name))
    }

    async fn path_and_query(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Makes the page's viewport (not the window around it) `width`×`height`: headless
    /// Chromium's window includes invisible browser chrome that the page does not get.
    async fn resize(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.expect("window resized");
        let frame =
            self.run("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];");
        let frame: (u32, u32) = serde_json::from_value(frame.await).expect("two numbers");
        if frame != (0, 0) {
            self.client.set_window_size(width + frame.0, height + frame.1).await.expect("window resized");
        }
        let viewport = self.run("return [window.innerWidth, window.innerHeight];").await;
        assert_eq!(viewport, json!([width, height]), "{}: the viewport did not become {width}×{height}", self.name);
    }

    /// Turns the page into a phone's: a viewport narrower than a window may be, and touch.
    async fn emulate_phone(&self, (width, height): (u32, u32)) {
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": true });
        self.devtools("Emulation.setDeviceMetricsOverride", metrics).await;
        self.devtools("Emulation.setTouchEmulationEnabled", json!({ "enabled": true, "maxTouchPoints": 5 })).await;
        let viewport = self.run("return [window.innerWidth, window.innerHeight];").await;
        assert_eq!(viewport, json!([width, height]), "{}: the viewport did not become {width}×{height}", self.name);
    }

    async fn devtools(&self, cmd: &'static str, params: Value) {
        self.client
            .issue_cmd(DevTools { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{}: DevTools {cmd} failed: {e}", self.name));
    }

    /// A screenshot of the window, which must be exactly `size` pixels.
    async fn screenshot(&self, path: &Path, size: (u32, u32)) {
        let png = self.client.screenshot().await.expect("screenshot taken");
        assert_eq!(png_size(&png), size, "{} is not {size:?}", path.display());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("screenshot folder");
        }
        std::fs::write(path, png).expect("screenshot written");
        eprintln!("wrote {}", path.display());
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(UI_WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no {css} within {UI_WAIT:?}: {e}", self.name))
    }

    async fn wait_for(&self, css: &str) {
        self.find(css).await;
    }

    /// Polls `script` (a function body) until it returns `true`.
    async fn wait_until(&self, what: &str, script: &str) {
        self.wait_until_within(what, script, UI_WAIT).await;
    }

    /// Polls `script` (a function body) until it returns `true`, for at most `limit`.
    async fn wait_until_within(&self, what: &str, script: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            if self.run(script).await == json!(true) {
                return;
            }
            assert!(start.elapsed() < limit, "{}: still waiting for {what} after {limit:?}", self.name);
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the element's visible text is exactly `expected`.
    async fn wait_for_text(&self, css: &str, expected: &str) {
        let start = Instant::now();
        loop {
            let text = self.find(css).await.text().await.unwrap_or_default();
            if text == expected {
                return;
            }
            assert!(start.elapsed() < UI_WAIT, "{}: {css} shows {text:?}, not {expected:?}", self.name);
            tokio::time::sleep(POLL).await;
        }
    }

    async fn wait_for_path_and_query(&self, expected: &str) {
        let start = Instant::now();
        loop {
            let now = self.path_and_query().await;
            if now == expected {
                return;
            }
            assert!(start.elapsed() < UI_WAIT, "{}: the address is {now}, not {expected}", self.name);
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the newest stored message reads exactly `expected`, as the user sees it.
    async fn wait_for_last_message(&self, expected: &str) {
        let start = Instant::now();
        loop {
            let bodies = self.client.find_all(Locator::Css("#message-list .msg__body")).await.expect("find_all");
            let last = match bodies.last() {
                Some(body) => body.text().await.unwrap_or_default(),
                None => String::new(),
            };
            if last == expected {
                return;
            }
            assert!(start.elapsed() < UI_WAIT, "{}: the newest message is {last:?}, not {expected:?}", self.name);
            tokio::time::sleep(POLL).await;
        }
    }

    /// The member list as the user reads it, one string per person.
    async fn members(&self) -> Vec<String> {
        let mut members = Vec::new();
        for member in self.client.find_all(Locator::Css("#member-list .member")).await.expect("find_all") {
            members.push(member.text().await.unwrap_or_default());
        }
        members
    }

    /// Waits until the member list has `username` with `city_badge` on the same entry.
    async fn wait_for_member(&self, username: &str, city_badge: &str) {
        let start = Instant::now();
        loop {
            let members = self.members().await;
            if members.iter().any(|m| m.lines().any(|l| l.starts_with(username)) && m.contains(city_badge)) {
                return;
            }
            assert!(
                start.elapsed() < UI_WAIT,
                "{}: no {username} with {city_badge} in the member list: {members:?}",
                self.name
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base_url: &Url, session_id: Option<&str>) -> Result<Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24 && png.starts_with(b"\x89PNG"), "not a PNG");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}
