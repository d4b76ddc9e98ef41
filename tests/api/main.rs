//! Integration tests: the real server on 127.0.0.1:0 with a temporary database, driven by a
//! real HTTP client and real WebSocket clients.

mod helpers;

mod accounts;
mod chat;
mod history;
mod rooms;
mod store;
mod ui;
