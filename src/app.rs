//! The application: `App::build` (opens the store, builds the services in dependency order,
//! binds the listener, wires the routes) and graceful shutdown. Serving the bound listener is
//! `crate::server`'s.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::Accounts;
use crate::config::Config;
use crate::fanout::Fanout;
use crate::hub::Hub;
use crate::keys::{random_token, Keys};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::store::{self, CommitSink, Db, DbReader, StoreError};
use crate::{assets, routes, server};

/// Why the server could not start; printed as one line before exiting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot load the templates: {0}")]
    Templates(#[from] tera::Error),
    #[error("start-up task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A built server, bound and ready to run.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
}

impl App {
    /// Opens and migrates the store, creates the default room, binds the listener.
    pub async fn build(config: Config) -> Result<App, StartError> {
        if !config.secret_key.from_env {
            tracing::warn!(
                "SECRET_KEY is not set: a random key was generated, so sessions and form tokens will not survive a restart"
            );
        }
        let database = config.database.clone();
        let default_name = config.default_room.clone();
        let cost = config.bcrypt_cost;
        // Parsed now, beside opening the store, rather than by the first request that needs it.
        let cities = tokio::task::spawn_blocking(load_cities);
        // This app's own series: tests run many apps in one process, each counting apart.
        let metrics = Arc::new(Metrics::new());
        let pool_waits = metrics.pool.clone();
        let (store, default_room, dummy_hash) = tokio::task::spawn_blocking(move || {
            let store = store::open_measured(&database, pool_waits)?;
            let room = store.ensure_default_room(&default_name, crate::domain::now())?;
            crate::chat::profiles::link_free_cities(&*store)?;
            let dummy = bcrypt::hash(random_token(), cost).map_err(|e| StoreError::Internal(Box::new(e)))?;
            Ok::<_, StoreError>((store, room, dummy))
        })
        .await??;
        cities.await?;

        // Built whole, in dependency order: the fan-out reads the store; the message writer
        // hands every commit to the fan-out; accounts close ended sessions' sockets through it.
        let (stop, shutdown) = watch::channel(false);
        let hub = Arc::new(Hub::with_metrics(metrics.hub.clone()));
        let fanout =
            Fanout::start(hub, DbReader::new(store.clone()), config.redis(), metrics.redis.clone(), shutdown.clone());
        let on_commit: CommitSink = {
            let fanout = fanout.clone();
            Arc::new(move |event| fanout.logged(event))
        };
        let db = Db::with_metrics(store, on_commit, metrics.writer.clone());
        let accounts = Accounts::new(
            db.clone(),
            Keys::new(&config.secret_key.bytes),
            config.bcrypt_cost,
            dummy_hash,
            config.sessions,
            fanout.clone(),
        );
        let limits = Limits::new(config.limits.clone(), db.clone(), metrics.limits.clone());
        tokio::spawn(sweep_limits(limits.clone(), shutdown.clone()));
        let state = AppState {
            db,
            fanout,
            accounts,
            limits,
            templates: Arc::new(assets::templates()?),
            default_room: default_room.id,
            metrics,
            shutdown,
            config: Arc::new(config),
        };

        let addr = SocketAddr::new(state.config.host, state.config.port);
        let listener = bind(addr).map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
        Ok(App { listener, addr, state, stop })
    }

    /// The services the app runs on, for calling them directly (tests of services that no
    /// route reaches yet).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `signal` resolves, then stops accepting, closes WebSockets with
    /// "going away" and waits for in-flight HTTP requests.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) {
        let App { listener, addr, state, stop } = self;
        tracing::info!(%addr, "listening");
        let mut limits = state.config.connections;
        if state.config.limits.trust_proxy && limits.per_address.take().is_some() {
            // Behind the proxy every connection comes from the proxy's address; the client's is
            // only known once the request's headers are read, after the accept loop's decision.
            tracing::info!("TRUST_PROXY is set: the per-address connection cap is off (it would count the proxy)");
        }
        let routes = routes::routes(state);
        server::serve(listener, routes, limits, async move {
            signal.await;
            tracing::info!("shutting down");
            let _ = stop.send(true);
        })
        .await;
    }
}

/// Parses the embedded city table (once per process) and says how long it took.
fn load_cities() {
    let started = std::time::Instant::now();
    let n = crate::cities::table().len();
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(cities = n, ms, "city table loaded");
}

/// Forgets full rate-limit buckets every few minutes, until the server stops.
async fn sweep_limits(limits: Limits, mut shutdown: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        if let Err(e) = limits.sweep().await {
            tracing::warn!(error = %e, "could not purge old rate-limit buckets");
        }
    }
}

/// Binds the listening socket. `TCP_NODELAY` is set on it so that, on Linux, accepted sockets
/// inherit it (`crate::server` sets it on each as well, for other systems). Without it,
/// Nagle's algorithm holds a frame back while an earlier one is unacknowledged, which adds
/// delayed-ACK pauses to live delivery.
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Resolves on Ctrl-C or SIGTERM (what a PaaS sends to stop a container).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_inherit_tcp_nodelay_from_the_listener() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert!(accepted.nodelay().unwrap(), "Nagle's algorithm would delay small frames");
        assert!(!client.nodelay().unwrap(), "the client's own socket keeps the default");
    }
}
