//! Discock: a realtime room messenger. People register with a city, join rooms and chat live
//! over WebSockets; every message is stored, so history is there when they come back.
//!
//! # Layout
//! - [`config`]: environment variables, defaults, validation.
//! - [`app`]: shared state, building the server, graceful shutdown.
//! - [`error`]: `AppError` and its one mapping to HTTP.
//! - [`domain`]: validated types (usernames, cities, room names, message text).
//! - [`auth`]: passwords, sessions, CSRF, origin checks, the current user.
//! - [`store`]: the `Store` trait, its SQLite implementation, the `Db` handle and message writer.
//! - [`hub`]: rooms, members, presence and typing; delivery of encoded frames.
//! - [`protocol`]: WebSocket frames in both directions.
//! - [`ws`]: one WebSocket connection's life.
//! - [`routes`]: HTTP routes (pages, JSON API, WebSocket upgrade).
//! - [`assets`]: templates and static files embedded in the binary.
//!
//! Data flows one way: socket → `ws` → `protocol` → `store` (commit) → `hub` → every subscriber's socket.

pub mod app;
pub mod assets;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod hub;
pub mod protocol;
pub mod routes;
pub mod store;
pub mod ws;

pub use app::{shutdown_signal, App, AppState, StartError};
pub use config::Config;
