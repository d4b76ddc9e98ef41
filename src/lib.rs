//! Discock: a realtime room messenger. People register with a city, join rooms and chat live
//! over WebSockets; every message is stored, so history is there when they come back.
//!
//! # Layout
//! - [`config`]: environment variables, defaults, validation (Redis and database settings too).
//! - [`state`]: `AppState`, the services every handler and connection shares.
//! - [`logging`]: log lines (text or JSON), the filter and its caps on chatty dependencies, the
//!   span of each HTTP request (its id) and of each WebSocket, who is signed in.
//! - [`app`]: building the server in dependency order, graceful shutdown.
//! - [`server`]: accepting and serving HTTP connections: per-address cap, header limits and
//!   timeout, graceful shutdown of connections.
//! - [`error`]: `AppError` and its one mapping to HTTP, in the reader's language; why no route
//!   took a request (`Unmatched`).
//! - [`i18n`]: the languages (Russian, English), their message catalogues, choosing a language.
//! - [`texts`]: every text a person reads in an answer, chosen from typed errors.
//! - [`domain`]: validated types (usernames, cities, room names, message text).
//! - [`cities`]: the canonical city table (GeoNames): lookup, name search, linking free text to a
//!   city, distances, local time.
//! - [`emoji`]: what counts as one reaction emoji.
//! - [`images`]: making an uploaded picture into an avatar (format from the bytes, decoding
//!   limits, square crop, resize, PNG).
//! - [`mentions`]: the `@username` candidates in a message's text.
//! - [`keys`]: random tokens and the keyed hashes of sessions and CSRF tokens.
//! - [`auth`]: accounts, sessions, cookies, origin checks, the client address, the current user.
//! - [`limits`]: rate limits per user and per client address, open sockets per user.
//! - [`events`]: the room event log — every change to a room, numbered by the room's seq.
//! - [`chat`]: the rules, one file per feature (rooms, presence, messages, message changes,
//!   search, read markers, blocks, avatars); `ChatError`.
//! - [`search`]: message search as text: terms (folding, Snowball stems), the query syntax,
//!   the highlighted excerpt.
//! - [`store`]: the `Store` traits, their SQLite and PostgreSQL implementations, the `Db` handle and message writer.
//! - [`cli`]: the command line: which command the arguments ask for, and `--help`.
//! - [`migrate`]: `migrate-sqlite-to-postgres`, the copy of an SQLite database into PostgreSQL.
//! - [`ops`]: the operator commands: `backup` and `restore` (SQLite), `admin …` (either backend).
//! - [`hub`]: rooms, members and local presence; delivery of encoded frames.
//! - [`fanout`]: how events reach every instance's hub (in-process, or Redis), in seq order; resume.
//! - [`protocol`]: WebSocket frames, client and server, and error codes.
//! - [`ws`]: one WebSocket connection's transport, and frame dispatch onto `chat`.
//! - [`routes`]: HTTP routes (pages, JSON API, WebSocket upgrade), thin adapters onto `chat`;
//!   errors and unknown addresses answered in one place (the 404 page outside `/api/`).
//! - [`metrics`]: the series `GET /metrics` exposes, per app, and the handles services count with.
//! - [`assets`]: templates and static files embedded in the binary.
//!
//! Data flows one way: socket → `ws` → `protocol` → `chat` → `store` (commit, with the room's
//! next seq) → `fanout` → `hub` → every subscriber's socket.

pub mod app;
pub mod assets;
pub mod auth;
pub mod chat;
pub mod cities;
pub mod cli;
pub mod config;
pub mod domain;
pub mod emoji;
pub mod error;
pub mod events;
pub mod fanout;
pub mod hub;
pub mod i18n;
pub mod images;
pub mod keys;
pub mod limits;
pub mod logging;
pub mod mentions;
pub mod metrics;
pub mod migrate;
pub mod ops;
pub mod protocol;
pub mod routes;
pub mod search;
pub mod server;
pub mod state;
pub mod store;
pub mod texts;
pub mod ws;

pub use app::{shutdown_signal, App, StartError};
pub use config::Config;
pub use state::AppState;
