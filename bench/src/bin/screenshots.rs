//! `screenshots`: the README's pictures, made again from the code as it is.
//!
//! ```sh
//! cargo run --release -p discock-bench --bin screenshots
//! cargo run --release -p discock-bench --bin screenshots -- --only chat-en-phone --out /tmp/pictures
//! ```
//!
//! Starts the server in this process on a throwaway SQLite database, plays a demo into it through
//! the HTTP API and WebSockets, and photographs the login and chat pages in headless Chromium,
//! each picture in a fresh browser: Russian and English, desktop and phone.
//!
//! Layout:
//! - `conversation`: the demo as data — people, cities, rooms, two days of messages
//! - `scene`: the browser's time zone and the instants of the conversation's local times
//! - `server`: the in-process server and its temporary database
//! - `seed`: plays the demo in, and keeps some people online (one typing) for the pictures
//! - `shots`: the pictures — page, language, screen, file name
//! - `camera`: one picture in a fresh headless Chromium
//! - `options`: the flags

#[path = "screenshots/camera.rs"]
mod camera;
#[path = "screenshots/conversation.rs"]
mod conversation;
#[path = "screenshots/options.rs"]
mod options;
#[path = "screenshots/scene.rs"]
mod scene;
#[path = "screenshots/seed.rs"]
mod seed;
#[path = "screenshots/server.rs"]
mod server;
#[path = "screenshots/shots.rs"]
mod shots;

use std::path::PathBuf;

use discock_bench::api;
use discock_bench::browser::{find_chromedriver, find_on_path, ChromeDriver, INSTALL_HINT};

use crate::camera::Camera;
use crate::options::Options;
use crate::scene::Scene;
use crate::seed::Demo;
use crate::server::DemoServer;

#[tokio::main]
async fn main() {
    let options = match options::parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{}", options::USAGE);
            return;
        }
        Err(e) => {
            eprintln!("screenshots: {e}\n\n{}", options::USAGE);
            std::process::exit(2);
        }
    };
    if let Err(e) = run(options).await {
        eprintln!("screenshots: {e}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> Result<(), String> {
    // The browser first: without it there is nothing to do, and the message should say so.
    let chromedriver = find_chromedriver().ok_or_else(|| match std::env::var_os("CHROMEDRIVER") {
        Some(path) => format!("CHROMEDRIVER is {}, which is not a file", PathBuf::from(path).display()),
        None => format!("chromedriver not found (not on PATH, and CHROMEDRIVER is not set): {INSTALL_HINT}"),
    })?;
    let chrome = find_chrome()?;
    let mut warnings = 0;
    if let Some(missing) = missing_emoji_font() {
        eprintln!("screenshots: warning: {missing}");
        warnings += 1;
    }
    std::fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;

    let server = DemoServer::start().await?;
    let scene = Scene::now();
    let demo = seed::play(&server, &scene).await?;
    eprintln!("screenshots: demo ready at {} (browser time zone {})", server.origin(), scene.timezone_id());
    let driver = ChromeDriver::start(&chromedriver)?;
    let camera = Camera { driver: &driver, chrome, origin: server.origin(), timezone: scene.timezone_id() };
    let taken = shoot(&camera, &demo, &options).await;
    drop(driver);
    demo.leave().await;
    server.stop().await;
    warnings += taken?;
    if warnings > 0 {
        eprintln!("screenshots: {warnings} warning(s) above; the pictures were written anyway");
    }
    Ok(())
}

/// Takes every picture asked for; how many warnings there were.
async fn shoot(camera: &Camera<'_>, demo: &Demo, options: &Options) -> Result<usize, String> {
    let http = api::client()?;
    let mut warnings = 0;
    let mut told_no_language_api = false;
    for shot in &options.shots {
        if shot.page == shots::Page::Chat {
            // The viewer's saved choice, as if picked in the interface: the page follows it
            // whatever the browser's cookie says.
            let saved = api::set_language(&http, &camera.origin, &demo.viewer_session, shot.lang.code()).await?;
            if !saved && !told_no_language_api {
                eprintln!(
                    "screenshots: warning: the server has no PUT /api/language; the pages get their language \
                     from the discock_lang cookie alone"
                );
                told_no_language_api = true;
                warnings += 1;
            }
        }
        let name = shot.name();
        let path = options.out.join(format!("{name}.png"));
        let found = camera.take(*shot, demo, &path).await.map_err(|e| format!("{name}: {e}"))?;
        let (width, height) = shot.device.pixels();
        eprintln!("screenshots: wrote {} ({width}×{height})", path.display());
        for warning in &found {
            eprintln!("screenshots: warning: {name}: {warning}");
        }
        warnings += found.len();
    }
    Ok(warnings)
}

/// A sentence when no font on this machine draws emoji: the pictures would show empty boxes
/// where the interface and the demo use them (📍 before every city). Asks fontconfig, which
/// Chromium uses on Linux; says nothing when `fc-list` is not there to ask.
fn missing_emoji_font() -> Option<String> {
    let fonts = std::process::Command::new("fc-list").arg(":charset=1f4cd").arg("family").output().ok()?;
    (fonts.status.success() && fonts.stdout.trim_ascii().is_empty()).then(|| {
        "no font here draws emoji, so the pictures will show empty boxes for them: \
         install one (Debian: apt-get install fonts-noto-color-emoji)"
            .to_owned()
    })
}

/// The Chromium to drive: `$CHROME_BIN`, else the first of the usual names on `PATH`.
fn find_chrome() -> Result<Option<PathBuf>, String> {
    if let Some(path) = std::env::var_os("CHROME_BIN") {
        let path = PathBuf::from(path);
        return match path.is_file() {
            true => Ok(Some(path)),
            false => Err(format!("CHROME_BIN is {}, which is not a file", path.display())),
        };
    }
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .into_iter()
        .find_map(find_on_path)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "Chromium not found (no chromium or google-chrome on PATH, and CHROME_BIN is not set): {INSTALL_HINT}"
            )
        })
}
