//! The library half of `discock-bench`: what its binaries share with each other and with the
//! server's own integration tests.
//!
//! Layout:
//! - `api`: the few Discock HTTP calls (register, default room, create room, history page)
//! - `browser`: headless Chromium through a chromedriver of our own (the `screenshots` command and
//!   the browser tests, `tests/api/browser.rs`)
//! - `crash`: the crash test — SIGKILL the real server again and again under live traffic, then
//!   audit its SQLite file (run by `src/bin/crashtest.rs`, and with 3 kills by `tests/api/crash.rs`)

pub mod api;
pub mod browser;
pub mod crash;
