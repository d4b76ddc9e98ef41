//! Integration tests: the real server on 127.0.0.1:0 with a database of its own, driven by a
//! real HTTP client and real WebSocket clients.
//!
//! Every test but the browser ones (`ui.rs`, `a11y.rs`) and the crash test runs twice, as
//! `<test>::sqlite` and `<test>::postgres` (`both_backends!` in helpers.rs). The PostgreSQL
//! halves create a database per test on the server `DISCOCK_TEST_POSTGRES` names (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); when it cannot be reached they skip, loudly,
//! or fail when `CI=true`. `crash.rs` runs the server binary itself as a child process, on
//! SQLite only, since it kills it with SIGKILL; `operations.rs` runs the operator commands
//! (`discock backup`, `restore`, `admin …`) as child processes against a test app's database. `js_units.rs` runs the browser modules' own unit
//! tests (`tests/js/`) under Node.js, and `catalogues.rs` reads files; neither starts a server.

mod helpers;

mod a11y;
mod accounts;
mod avatars;
mod blocks;
mod browser;
mod catalogues;
mod chat;
mod cities;
mod city_rooms;
mod connections;
mod crash;
mod dms;
mod fuzz;
mod head;
mod history;
mod instances;
mod js_units;
mod languages;
mod limits;
mod logs;
mod message_changes;
mod metrics;
mod notices;
mod operations;
mod permissions;
mod presence;
mod profiles;
mod reads;
mod resume;
mod rooms;
mod search;
mod sessions;
mod shutdown;
mod store;
mod store_batches;
mod tls;
mod ui;
mod user_cities;
