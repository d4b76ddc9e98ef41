//! Discock: a realtime room messenger. People register with a city, join rooms and chat live
//! over WebSockets; every message is stored, so history is there when they come back.
//!
//! # Layout
//! - [`config`]: environment variables, defaults, validation.
//! - [`app`]: shared state, building the server, graceful shutdown.
//! - [`error`]: `AppError` and its one mapping to HTTP.
//! - [`domain`]: validated types (usernames, cities, room names, message text).
//! - [`auth`]: passwords, sessions, CSRF, origin checks, the current user.
//! - [`store`]: the `Store` trait, its SQLite and PostgreSQL implementations, the `Db` handle and message writer.
//! - [`migrate`]: the command line beyond serving (`--help`, `migrate-sqlite-to-postgres`).
//! - [`hub`]: rooms, members and local presence; delivery of encoded frames.
//! - [`fanout`]: how events reach every instance's hub (in-process, or Redis), in order.
//! - [`protocol`]: WebSocket frames in both directions.
//! - [`ws`]: one WebSocket connection's life.
//! - [`routes`]: HTTP routes (pages, JSON API, WebSocket upgrade).
//! - [`assets`]: templates and static files embedded in the binary.
//!
//! Data flows one way: socket → `ws` → `protocol` → `store` (commit) → `fanout` → `hub` → every subscriber's socket.

pub mod app;
pub mod assets;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod fanout;
pub mod hub;
pub mod migrate;
pub mod protocol;
pub mod routes;
pub mod store;
pub mod ws;

pub use app::{shutdown_signal, App, AppState, StartError};
pub use config::Config;
