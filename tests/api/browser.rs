//! A person's browser for the browser tests (`ui.rs`, `a11y.rs`): a chromedriver the tests
//! start themselves, one headless Chromium per person with its own profile (so its own
//! cookies and session), and what a test does with it — fill in forms, type, press keys, wait
//! for what the page shows, run a script in it, emulate a phone.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without chromedriver a browser test says so
//! loudly and passes, so `cargo test` works on a machine without a browser; with `CI=true` it
//! fails instead, so CI cannot pass by skipping it. `CHROMEDRIVER` and `CHROME_BIN` override
//! where the two binaries are looked for.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use discock_bench::browser::{find_chromedriver, ChromeDriver, DevTools, INSTALL_HINT};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper::Method;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use url::Url;

use crate::helpers::*;

/// How long the page may take to show something the test waits for.
pub const UI_WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
pub const POLL: Duration = Duration::from_millis(50);
/// The window a browser opens with.
pub const DESKTOP: (u32, u32) = (1280, 800);
pub const PASSWORD: &str = "correct horse battery";
pub const DEFAULT_ROOM: &str = "Общий чат";
/// A script expression: how many history pages (`GET /api/messages/…`) the page has fetched.
const HISTORY_PAGES: &str =
    "performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/messages/')).length";

// ---- running a scenario -----------------------------------------------------------------

/// Browser scenarios run one at a time, while the other tests go on beside them. Two Chromiums
/// and their chromedrivers starting together on a 2-core machine, next to the rest of the suite,
/// sometimes took longer than any wait here allows; one at a time they never do.
static ONE_BROWSER_SCENARIO_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `scenario` with the app and two fresh browsers, Алиса's and Борис's.
pub async fn with_alice_and_bob<F, Fut>(scenario: F)
where
    F: FnOnce(String, Browser, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_alice_and_bob_on(&[], scenario).await;
}

/// The same, with extra configuration for the app.
pub async fn with_alice_and_bob_on<F, Fut>(env: &[(&str, &str)], scenario: F)
where
    F: FnOnce(String, Browser, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(chromedriver) = chromedriver_or_skip() else { return };
    let _turn = ONE_BROWSER_SCENARIO_AT_A_TIME.lock().await;
    let app = spawn_app_with_env(env).await;
    let driver = ChromeDriver::start(&chromedriver).unwrap_or_else(|e| panic!("{e}"));
    let alice = Browser::open(&driver, "Алиса").await;
    let bob = Browser::open(&driver, "Борис").await;
    let scenario = scenario(app.origin(), alice.clone(), bob.clone());
    run_then_close(scenario, &[alice, bob]).await;
}

/// Runs `scenario` with the app and one fresh browser, Алиса's, not signed in.
pub async fn with_alice<F, Fut>(scenario: F)
where
    F: FnOnce(String, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(chromedriver) = chromedriver_or_skip() else { return };
    let _turn = ONE_BROWSER_SCENARIO_AT_A_TIME.lock().await;
    let app = spawn_app_with_env(&[]).await;
    let driver = ChromeDriver::start(&chromedriver).unwrap_or_else(|e| panic!("{e}"));
    let alice = Browser::open(&driver, "Алиса").await;
    run_then_close(scenario(app.origin(), alice.clone()), &[alice]).await;
}

/// Runs `scenario` as its own task so that a failed assertion still closes the browsers
/// (closing is async, so Drop cannot do it) before the panic is passed on.
async fn run_then_close(scenario: impl Future<Output = ()> + Send + 'static, browsers: &[Browser]) {
    let outcome = tokio::spawn(scenario).await;
    for browser in browsers {
        browser.clone().close().await;
    }
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

// ---- chromedriver -----------------------------------------------------------------------

/// Where chromedriver is, or `None` (after saying so) when it is missing and this is not CI.
pub fn chromedriver_or_skip() -> Option<PathBuf> {
    let found = find_chromedriver();
    if found.is_none() {
        let help = format!("chromedriver not found: {INSTALL_HINT}");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{help} (CI=true, so the browser tests may not skip)");
        // Straight to stderr: libtest swallows eprintln! of a passing test unless --nocapture.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! a browser test (ui::, a11y::) skipped: install chromium chromium-driver !!!!!\n!!!!! {help} !!!!!\n"
        );
    }
    found
}

// ---- one person's browser ---------------------------------------------------------------

/// One person's headless Chromium: its own profile, so its own cookies and session.
#[derive(Clone)]
pub struct Browser {
    pub client: Client,
    /// The username this person registers with; names the browser in failure messages.
    pub name: &'static str,
}

impl Browser {
    pub async fn open(driver: &ChromeDriver, name: &'static str) -> Browser {
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
                // headless Chromium, having no pointing device, would otherwise deny. A phone
                // (emulate_phone) switches to touch.
                "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4",
            ],
            // Headless Chromium asks for English whatever --lang says; the pages are tested in
            // Russian, the language they speak by default.
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

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Fills in and submits the registration form; waits until the chat shows the default room.
    /// The city is typed and left as typed: Tab closes the city picker's list, if it opened,
    /// without picking (the server links a city it knows by name).
    pub async fn register(&self, origin: &str, city: &str) {
        self.client.goto(&format!("{origin}/register")).await.expect("the registration page opens");
        self.fill("#username", self.name).await;
        self.fill("#password", PASSWORD).await;
        self.fill("#password_confirm", PASSWORD).await;
        self.fill("#city", &format!("{city}{}", &*Key::Tab)).await;
        self.click("#register-form button[type=submit]").await;
        self.wait_until("the chat page after registering", "return location.pathname === '/chat';").await;
        self.wait_for_text("#room-name", DEFAULT_ROOM).await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("{}: typing into {css}: {e}", self.name));
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("{}: clicking {css}: {e}", self.name));
    }

    pub async fn type_in_composer(&self, text: &str) {
        self.fill("#composer-input", text).await;
    }

    pub async fn press(&self, key: Key) {
        self.fill("#composer-input", &key).await;
    }

    /// Shift is held down until the end of the one key action.
    pub async fn press_with_shift(&self, key: Key) {
        self.fill("#composer-input", &(Key::Shift + &*key)).await;
    }

    /// Presses `keys` together on whatever has focus, the way a keyboard does (WebDriver
    /// actions, not typing into a chosen element): each goes down in order, then all come up in
    /// reverse, so `[Key::Alt, Key::Down]` is Alt+↓.
    pub async fn chord(&self, keys: &[Key]) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for &key in keys {
            actions = actions.then(KeyAction::Down { value: key.into() });
        }
        for &key in keys.iter().rev() {
            actions = actions.then(KeyAction::Up { value: key.into() });
        }
        self.client.perform_actions(actions).await.unwrap_or_else(|e| panic!("{}: pressing {keys:?}: {e}", self.name));
    }

    /// The accessible name the browser computes for the element, as a screen reader gets it.
    pub async fn accessible_name(&self, css: &str) -> String {
        self.accessible_name_of(&self.find(css).await).await
    }

    /// The same for an element already found.
    pub async fn accessible_name_of(&self, element: &fantoccini::elements::Element) -> String {
        self.element_property(element, "computedlabel").await
    }

    /// The ARIA role the browser computes for the element.
    pub async fn accessible_role(&self, css: &str) -> String {
        self.element_property(&self.find(css).await, "computedrole").await
    }

    async fn element_property(&self, element: &fantoccini::elements::Element, property: &'static str) -> String {
        let command = ElementProperty { element: element.element_id().to_string(), property };
        let value = self.client.issue_cmd(command).await.unwrap_or_else(|e| panic!("{}: {property}: {e}", self.name));
        value.as_str().unwrap_or_else(|| panic!("{}: {property} is not a string: {value}", self.name)).to_owned()
    }

    /// Makes the page see a CSS media feature as `value`, e.g. `prefers-reduced-motion: reduce`.
    pub async fn emulate_media(&self, feature: &str, value: &str) {
        let features = json!({ "features": [{ "name": feature, "value": value }] });
        self.devtools("Emulation.setEmulatedMedia", features).await;
    }

    pub async fn composer_value(&self) -> String {
        self.find("#composer-input").await.prop("value").await.expect("textarea value").unwrap_or_default()
    }

    pub async fn attr(&self, css: &str, name: &str) -> String {
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
    pub async fn watch_sockets(&self) {
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
    pub async fn send_messages(&self, prefix: &str, count: usize) {
        for n in 1..=count {
            self.type_in_composer(&format!("{prefix} {n}")).await;
            self.press(Key::Enter).await;
        }
        self.wait_for_last_message(&format!("{prefix} {count}")).await;
    }

    /// Sends `text` from the composer; `listener` then shows it as the newest message, and
    /// every message of `all` (which it joins) exactly once, in that order.
    pub async fn says_to(&self, listener: &Browser, text: &'static str, all: &mut Vec<&'static str>) {
        self.type_in_composer(text).await;
        self.press(Key::Enter).await;
        listener.wait_for_last_message(text).await;
        all.push(text);
        listener.assert_messages(all).await;
    }

    /// The stored messages read exactly `expected`: each once, in this order.
    pub async fn assert_messages(&self, expected: &[&str]) {
        let shown =
            self.run("return [...document.querySelectorAll('#message-list .msg__body')].map((b) => b.textContent);");
        assert_eq!(shown.await, json!(expected), "{}: each message once, in order", self.name);
    }

    /// The `since` of each join_room the page sent (see [`Browser::watch_sockets`]), in order.
    pub async fn joins_sent(&self) -> Vec<Option<i64>> {
        let joins = self
            .run(
                "return window.__test.sent.map((f) => JSON.parse(f)).filter((f) => f.type === 'join_room')
                    .map((f) => f.since ?? null);",
            )
            .await;
        serde_json::from_value(joins).expect("a list of seqs")
    }

    /// How many times the page fetched a page of history.
    pub async fn history_pages_fetched(&self) -> usize {
        serde_json::from_value(self.run(&format!("return {HISTORY_PAGES};")).await).expect("a count")
    }

    pub async fn wait_for_history_pages(&self, count: usize) {
        self.wait_until(&format!("{count} pages of history"), &format!("return {HISTORY_PAGES} === {count};")).await;
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.expect("find_all").len()
    }

    pub async fn is_displayed(&self, css: &str) -> bool {
        self.find(css).await.is_displayed().await.expect("is_displayed")
    }

    pub async fn run(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{}: script failed: {e}", self.name))
    }

    pub async fn path_and_query(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Makes the page's viewport (not the window around it) `width`×`height`: headless
    /// Chromium's window includes invisible browser chrome that the page does not get.
    pub async fn resize(&self, (width, height): (u32, u32)) {
        // A loaded machine can report the old size for a moment after set_window_size: measure
        // again until the viewport is the one asked for, within UI_WAIT.
        let deadline = std::time::Instant::now() + UI_WAIT;
        let mut viewport;
        loop {
            self.client.set_window_size(width, height).await.expect("window resized");
            let frame =
                self.run("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];");
            let frame: (i64, i64) = serde_json::from_value(frame.await).expect("two numbers");
            if frame != (0, 0) && frame.0 >= 0 && frame.1 >= 0 {
                let (w, h) = (width + frame.0 as u32, height + frame.1 as u32);
                self.client.set_window_size(w, h).await.expect("window resized");
            }
            viewport = self.run("return [window.innerWidth, window.innerHeight];").await;
            if viewport == json!([width, height]) || std::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        assert_eq!(viewport, json!([width, height]), "{}: the viewport did not become {width}×{height}", self.name);
    }

    /// Turns the page into a phone's: a viewport narrower than a window may be, and touch.
    pub async fn emulate_phone(&self, (width, height): (u32, u32)) {
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": true });
        self.devtools("Emulation.setDeviceMetricsOverride", metrics).await;
        self.devtools("Emulation.setTouchEmulationEnabled", json!({ "enabled": true, "maxTouchPoints": 5 })).await;
        let viewport = self.run("return [window.innerWidth, window.innerHeight];").await;
        assert_eq!(viewport, json!([width, height]), "{}: the viewport did not become {width}×{height}", self.name);
    }

    pub async fn devtools(&self, cmd: &'static str, params: Value) {
        self.client
            .issue_cmd(DevTools { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{}: DevTools {cmd} failed: {e}", self.name));
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(UI_WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{}: no {css} within {UI_WAIT:?}: {e}", self.name))
    }

    pub async fn wait_for(&self, css: &str) {
        self.find(css).await;
    }

    /// Waits until the element is where a finger can tap it: inside the window, done moving (no
    /// transition or animation running on it or any ancestor, such as a drawer sliding in), and
    /// the topmost element at its centre. A tap computed while a drawer still slides lands beside
    /// its target.
    pub async fn wait_until_tappable(&self, css: &str) {
        let selector = serde_json::to_string(css).expect("a CSS selector is a JSON string");
        self.wait_until(
            &format!("{css} still and on screen"),
            &format!(
                "const el = document.querySelector({selector});
                 if (!el) return false;
                 const r = el.getBoundingClientRect();
                 if (r.width <= 0 || r.left < 0 || r.top < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight) return false;
                 for (let at = el; at; at = at.parentElement) {{
                   if (at.getAnimations().some((a) => a.playState === 'running' || a.pending)) return false;
                 }}
                 return el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));"
            ),
        )
        .await;
    }

    /// Polls `script` (a function body) until it returns `true`.
    pub async fn wait_until(&self, what: &str, script: &str) {
        self.wait_until_within(what, script, UI_WAIT).await;
    }

    /// Polls `script` (a function body) until it returns `true`, for at most `limit`.
    pub async fn wait_until_within(&self, what: &str, script: &str, limit: Duration) {
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
    /// Opens the conversation with user `id` (named `name`) as a profile card's «Написать»
    /// does (the `discock:write-to` event); returns its room id once the page shows it.
    pub async fn write_to(&self, id: &Value, name: &str) -> Value {
        self.run(&format!(
            "document.dispatchEvent(new CustomEvent('discock:write-to', {{ detail: {{ user: {{ id: {id} }} }} }}));"
        ))
        .await;
        self.wait_for_text("#room-name", name).await;
        self.wait_until("the conversation's address", "return /[?]room=\\d+$/.test(location.search);").await;
        self.run("return Number(new URLSearchParams(location.search).get('room'));").await
    }

    pub async fn wait_for_text(&self, css: &str, expected: &str) {
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

    pub async fn wait_for_path_and_query(&self, expected: &str) {
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
    pub async fn wait_for_last_message(&self, expected: &str) {
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
    pub async fn members(&self) -> Vec<String> {
        let mut members = Vec::new();
        for member in self.client.find_all(Locator::Css("#member-list .member")).await.expect("find_all") {
            members.push(member.text().await.unwrap_or_default());
        }
        members
    }

    /// Waits until the member list has `username` with `city_badge` on the same entry.
    pub async fn wait_for_member(&self, username: &str, city_badge: &str) {
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

/// One of WebDriver's computed accessibility properties of an element (`computedlabel`,
/// `computedrole`), which chromedriver answers from Chromium's accessibility tree.
#[derive(Debug)]
struct ElementProperty {
    element: String,
    property: &'static str,
}

impl WebDriverCompatibleCommand for ElementProperty {
    fn endpoint(&self, base_url: &Url, session_id: Option<&str>) -> Result<Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/element/{}/{}", self.element, self.property))
    }

    fn method_and_body(&self, _request_url: &Url) -> (Method, Option<String>) {
        (Method::GET, None)
    }
}
