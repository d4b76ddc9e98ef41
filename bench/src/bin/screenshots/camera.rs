//! Takes one picture: a fresh headless Chromium (its own profile, so no cookie or focus carries
//! over) with the shot's screen, language and the scene's time zone; the page loaded and settled
//! (fonts in, transitions over, nothing focused, the newest message in view); a PNG of exactly
//! the viewport. What does not look as expected but still makes a picture is handed back as a
//! warning; what would make a wrong picture is an error.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use discock::auth::{LANG_COOKIE, SESSION_COOKIE};
use discock::i18n::Lang;
use discock_bench::browser::{png_size, ChromeDriver, DevTools};
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::conversation::{CONVERSATION, TYPING};
use crate::seed::Demo;
use crate::shots::{Page, Shot};

/// How long a page may take to show what a picture needs.
const PAGE_WAIT: Duration = Duration::from_secs(15);
/// How long to wait for what a picture should show but can do without (then: a warning).
const EXTRA_WAIT: Duration = Duration::from_secs(6);
const POLL: Duration = Duration::from_millis(100);

/// The login page is there.
const LOGIN_READY: &str = "return location.pathname === '/login' && document.querySelector('form') !== null;";
/// The chat shows the default room (`arguments[0]`) with its newest message (`arguments[1]`).
const CHAT_READY: &str = "
    const bodies = document.querySelectorAll('#message-list .msg__body');
    return location.pathname === '/chat'
        && document.querySelector('#room-name')?.textContent === arguments[0]
        && bodies.length > 0 && bodies[bodies.length - 1].textContent === arguments[1];";
/// Fonts loaded, and no transition or finite animation still running (endless ones, such as a
/// typing indicator's dots, never end).
const SETTLED: &str = "
    return document.fonts.status === 'loaded' && document.getAnimations().every((a) =>
        a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity);";
/// Whether the message list is scrolled to its end.
const AT_NEWEST: &str = "
    const list = document.querySelector('#messages');
    return !list || list.scrollHeight - list.scrollTop - list.clientHeight < 2;";

/// Where Chromium runs, and what every picture shares.
pub struct Camera<'a> {
    pub driver: &'a ChromeDriver,
    /// The browser binary (else chromedriver looks for one).
    pub chrome: Option<PathBuf>,
    pub origin: String,
    /// The scene's time zone (see `scene.rs`).
    pub timezone: String,
}

impl Camera<'_> {
    /// Takes `shot` into `path`; returns what looked off.
    pub async fn take(&self, shot: Shot, demo: &Demo, path: &Path) -> Result<Vec<String>, String> {
        let profile = tempfile::tempdir().map_err(|e| format!("a browser profile folder: {e}"))?;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(self.capabilities(shot, profile.path()))
            .connect(&self.driver.url)
            .await
            .map_err(|e| format!("chromedriver could not start Chromium: {e}"))?;
        let page = Tab { client: client.clone(), shot, warnings: Vec::new() };
        let taken = page.photograph(self, demo, path).await;
        let _ = client.close().await;
        taken
    }

    fn capabilities(&self, shot: Shot, profile: &Path) -> Capabilities {
        let (width, height) = shot.device.viewport();
        // The browser's own language is the shot's, as a person's would be; the page is told
        // the language explicitly too (the cookie in `Tab::open`, the viewer's saved choice in
        // `shoot`).
        let (locale, accept) = match shot.lang {
            Lang::Ru => ("ru-RU", "ru-RU,ru"),
            Lang::En => ("en-US", "en-US,en"),
        };
        let mut options = json!({
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // The same colours on every machine.
                "--force-color-profile=srgb",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={width},{height}"),
                format!("--lang={locale}"),
            ],
            "prefs": { "intl.accept_languages": accept },
        });
        if let Some(chrome) = &self.chrome {
            options["binary"] = json!(chrome.to_string_lossy());
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        capabilities
    }
}

/// One browser, on its way to one picture.
struct Tab {
    client: Client,
    shot: Shot,
    warnings: Vec<String>,
}

impl Tab {
    async fn photograph(mut self, camera: &Camera<'_>, demo: &Demo, path: &Path) -> Result<Vec<String>, String> {
        self.emulate(&camera.timezone).await?;
        self.open(&camera.origin, demo).await?;
        self.settle(demo).await?;
        self.check_language().await?;
        let png = self.client.screenshot().await.map_err(|e| format!("taking the screenshot: {e}"))?;
        let expected = self.shot.device.pixels();
        match png_size(&png) {
            Some(size) if size == expected => {}
            other => return Err(format!("the screenshot is {other:?}, not {expected:?} pixels")),
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(self.warnings)
    }

    /// The screen (exactly the viewport, at its pixel density; touch on a phone) and the clock.
    async fn emulate(&self, timezone: &str) -> Result<(), String> {
        let device = self.shot.device;
        let (width, height) = device.viewport();
        let metrics = json!({
            "width": width,
            "height": height,
            "deviceScaleFactor": device.scale(),
            "mobile": device.is_phone(),
        });
        self.devtools("Emulation.setDeviceMetricsOverride", metrics).await?;
        if device.is_phone() {
            self.devtools("Emulation.setTouchEmulationEnabled", json!({ "enabled": true, "maxTouchPoints": 5 }))
                .await?;
            // A phone's scrollbars only show while scrolling.
            self.devtools("Emulation.setScrollbarsHidden", json!({ "hidden": true })).await?;
        }
        self.devtools("Emulation.setTimezoneOverride", json!({ "timezoneId": timezone })).await
    }

    /// Sets the cookies a person in this language (and, for the chat, signed in as the viewer)
    /// would have, then loads the page.
    async fn open(&self, origin: &str, demo: &Demo) -> Result<(), String> {
        self.add_cookie(origin, LANG_COOKIE, self.shot.lang.code()).await?;
        match self.shot.page {
            Page::Login => {
                self.goto(&format!("{origin}/login")).await?;
                self.wait_until("the login form", LOGIN_READY, vec![], PAGE_WAIT).await
            }
            Page::Chat => {
                self.add_cookie(origin, SESSION_COOKIE, &demo.viewer_session).await?;
                self.goto(&format!("{origin}/chat")).await?;
                let newest = CONVERSATION.last().expect("a conversation").text;
                let args = vec![json!(demo.room_name), json!(newest)];
                self.wait_until("the room with its newest message", CHAT_READY, args, PAGE_WAIT).await
            }
        }
    }

    /// Waits for what the picture should show, and for the page to stop moving.
    async fn settle(&mut self, demo: &Demo) -> Result<(), String> {
        if self.shot.page == Page::Chat {
            let online =
                format!("return document.querySelectorAll('#member-list .member').length === {};", demo.online);
            self.wait_or_warn(&format!("{} people online in the member list", demo.online), &online).await?;
            let typing = "return document.querySelector('#typing')?.classList.contains('is-active') === true;";
            self.wait_or_warn(&format!("{TYPING}'s typing line"), typing).await?;
            let toasts = "return (document.querySelector('#toasts')?.childElementCount ?? 0) === 0;";
            self.wait_or_warn("the notifications to go", toasts).await?;
        }
        // No focus ring or caret: a person looking at the page has not clicked anything yet.
        self.run("document.activeElement?.blur();", vec![]).await?;
        self.wait_or_warn("fonts and transitions to finish", SETTLED).await?;
        if self.run(AT_NEWEST, vec![]).await? != json!(true) {
            self.warnings.push("the message list did not open at the newest message; scrolled it there".into());
            self.run("const list = document.querySelector('#messages'); list.scrollTop = list.scrollHeight;", vec![])
                .await?;
        }
        // Two frames, so whatever the last change was has been painted.
        let painted = "const done = arguments[arguments.length - 1];
            requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        self.client.execute_async(painted, vec![]).await.map_err(|e| format!("waiting for a frame: {e}"))?;
        let viewport = self.run("return [window.innerWidth, window.innerHeight];", vec![]).await?;
        let (width, height) = self.shot.device.viewport();
        if viewport != json!([width, height]) {
            return Err(format!("the page's viewport is {viewport}, not {width}×{height}"));
        }
        Ok(())
    }

    /// Warns when the page came in another language than the picture's (the server or the page
    /// does not offer it yet).
    async fn check_language(&mut self) -> Result<(), String> {
        let shown = self.run("return document.documentElement.lang;", vec![]).await?;
        let wanted = self.shot.lang.code();
        if shown != json!(wanted) {
            self.warnings.push(format!("the page says lang={shown}, not {wanted:?}"));
        }
        Ok(())
    }

    async fn goto(&self, url: &str) -> Result<(), String> {
        self.client.goto(url).await.map_err(|e| format!("opening {url}: {e}"))
    }

    /// A cookie for `origin`, as its server would set it (through DevTools: WebDriver's own
    /// command needs a page of the site open first).
    async fn add_cookie(&self, origin: &str, name: &str, value: &str) -> Result<(), String> {
        let cookie = json!({ "name": name, "value": value, "url": origin, "path": "/", "sameSite": "Lax" });
        self.devtools("Network.setCookie", cookie).await
    }

    async fn devtools(&self, cmd: &'static str, params: Value) -> Result<(), String> {
        self.client.issue_cmd(DevTools { cmd, params }).await.map(drop).map_err(|e| format!("DevTools {cmd}: {e}"))
    }

    async fn run(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client.execute(script, args).await.map_err(|e| format!("a script in the page failed: {e}"))
    }

    /// Polls `script` until it returns `true`, for at most `within`.
    async fn wait_until(&self, what: &str, script: &str, args: Vec<Value>, within: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if self.run(script, args.clone()).await? == json!(true) {
                return Ok(());
            }
            if start.elapsed() > within {
                let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                return Err(format!("{url} did not show {what} within {within:?}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Like `wait_until`, but only a warning when it does not come.
    async fn wait_or_warn(&mut self, what: &str, script: &str) -> Result<(), String> {
        if let Err(e) = self.wait_until(what, script, vec![], EXTRA_WAIT).await {
            if e.starts_with("a script in the page failed") {
                return Err(e);
            }
            self.warnings.push(e);
        }
        Ok(())
    }
}
