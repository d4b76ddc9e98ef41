//! `AppState`: the services every handler and connection shares. Cheap to clone (a handful of
//! `Arc`s); it holds services and has no behaviour of its own.

use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::Accounts;
use crate::config::Config;
use crate::domain::RoomId;
use crate::fanout::Fanout;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::store::Db;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// The store, off the async threads, and its group-commit message writer.
    pub db: Db,
    /// Delivers room events and presence to this and every other instance; owns the hub.
    pub fanout: Fanout,
    /// Accounts and sessions: who is signed in, signing in and out.
    pub accounts: Accounts,
    /// How much one user or one address may do.
    pub limits: Limits,
    /// The page templates, in every language.
    pub templates: Arc<crate::assets::Templates>,
    /// The room everyone lands in; it cannot be deleted.
    pub default_room: RoomId,
    /// This app's series for `GET /metrics`; the services count into handles of their own.
    pub metrics: Arc<Metrics>,
    /// Flips to `true` when the server stops, so WebSocket connections close cleanly.
    pub shutdown: watch::Receiver<bool>,
}
