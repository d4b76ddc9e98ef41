//! The HTTP server: the accept loop (a cap on each client address's open connections,
//! `TCP_NODELAY`), hyper's HTTP/1 serving each connection under header limits and a
//! header-read timeout (with upgrades, for `/ws`), `HEAD` answered as `GET` without the body,
//! each request in its span with an `X-Request-Id` and a closing log line, and graceful
//! shutdown.
//!
//! It replaces `warp::serve(..).incoming(..).graceful(..)`, which in warp 0.4 offers nothing
//! beyond those two calls (and TLS): it builds hyper's connection builder itself without a
//! timer, so hyper's header-read timeout is silently off and a client that trickles its
//! headers holds a connection (and delays graceful shutdown) forever; the header limits stay
//! hyper's defaults (100 headers, about 400 KB); and accepted sockets are never seen, so there
//! is nowhere to count them. Routing stays warp's: each connection serves `warp::service`.
//!
//! Only HTTP/1.1 is served. warp also accepted cleartext HTTP/2 with prior knowledge, which
//! browsers never use (they speak HTTP/2 only over TLS, which a proxy in front terminates)
//! and which would need limits of its own.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tracing::Instrument;
use warp::filters::BoxedFilter;
use warp::http::HeaderValue;
use warp::reply::Response;

use crate::auth::PeerAddr;
use crate::config::ConnectionLimits;
use crate::logging::{self, REQUEST_ID_HEADER};

/// Most header fields a request may carry; more are answered 431. A browser sends about 15 and
/// a proxy adds a handful; hyper's default of 100 lets a client make every request cost 100
/// parsed and stored fields.
const MAX_HEADERS: usize = 64;
/// Most bytes of request line and headers together; more are answered 431. Discock's own
/// cookies are under 200 bytes, so 32 KiB leaves room for other cookies of the domain, while
/// hyper's default (its 400 KB read buffer) would let every connection hold that much.
const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Serves `routes` on `listener` until `signal` resolves; then stops accepting, lets every
/// request in flight finish (idle keep-alive connections close at once) and returns.
/// WebSockets are not waited for: they end on the app's own shutdown signal, which the caller
/// sends when `signal` resolves.
pub async fn serve(
    listener: TcpListener,
    routes: BoxedFilter<(Response,)>,
    limits: ConnectionLimits,
    signal: impl Future<Output = ()>,
) {
    let service = warp::service(routes);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(MAX_HEADERS)
        .max_header_size(MAX_HEADER_BYTES);
    let counts = AddressCounts::default();
    // Shutdown as in mini-redis: connections watch `stopping`, and each holds a clone of
    // `finished`, so `recv` returns `None` once the last of them has ended.
    let (stop, stopping) = watch::channel(false);
    let (finished, mut all_finished) = mpsc::channel::<()>(1);

    let mut signal = pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let slot = match limits.per_address {
            None => None,
            Some(cap) => match counts.claim(peer.ip(), cap) {
                Some(slot) => Some(slot),
                None => {
                    // Debug, not warn: whoever hits the cap could otherwise flood the log.
                    tracing::debug!(%peer, cap, "connection refused: too many from this address");
                    drop(stream);
                    continue;
                }
            },
        };
        // Accepted sockets inherit TCP_NODELAY from the listener on Linux (see `app::bind`);
        // set it anyway, for systems where they do not.
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Counted { stream, _slot: slot });
        // warp's own peer address is private to warp's server; requests carry ours instead.
        let routes = TowerToHyperService::new(service.clone());
        let with_peer = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            let started = Instant::now();
            request.extensions_mut().insert(PeerAddr(peer));
            let id = logging::request_id(request.headers().get(REQUEST_ID_HEADER).map(HeaderValue::as_bytes));
            let span = logging::request_span(&id, request.method().as_str(), request.uri().path());
            let head = answer_head_as_get(&mut request);
            let answer = span.in_scope(|| hyper::service::Service::call(&routes, request));
            async move {
                let mut response = answer.await?;
                if head {
                    keep_zero_length(&mut response);
                }
                if let Ok(value) = HeaderValue::from_str(&id) {
                    response.headers_mut().insert(REQUEST_ID_HEADER, value);
                }
                logging::request_finished(response.status().as_u16(), started);
                Ok::<_, Infallible>(response)
            }
            .instrument(span)
        });
        let conn = builder.serve_connection(io, with_peer).with_upgrades();
        let mut stopping = stopping.clone();
        let finished = finished.clone();
        tokio::spawn(async move {
            let _finished = finished;
            let mut conn = pin!(conn);
            let result = tokio::select! {
                result = conn.as_mut() => result,
                _ = async { drop(stopping.wait_for(|stop| *stop).await) } => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            // Debug: timeouts, 431s and clients vanishing mid-request are the clients' doing.
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }

    drop(listener);
    let _ = stop.send(true);
    drop(finished);
    let _ = all_finished.recv().await;
}

/// Routes a `HEAD` request as the `GET` it asks about, so every address that answers `GET`
/// answers `HEAD` alike, in this one place rather than in each route. The connection still knows
/// the request was a `HEAD` (hyper reads the method from the wire, not from the request handed to
/// the service), so it sends the `GET` answer's status and headers — `Content-Length` included —
/// and leaves out the body.
/// Returns whether it was a `HEAD`.
fn answer_head_as_get<B>(request: &mut hyper::Request<B>) -> bool {
    let head = request.method() == hyper::Method::HEAD;
    if head {
        *request.method_mut() = hyper::Method::GET;
    }
    head
}

/// hyper writes the `Content-Length: 0` of an empty `GET` answer by itself but leaves it out of
/// the `HEAD` answer; state it, so that `HEAD` shows exactly the headers `GET` gets. (Answers
/// that can have no body — 1xx, 204, 304 — carry no length either way.)
fn keep_zero_length<B: hyper::body::Body>(response: &mut hyper::Response<B>) {
    let status = response.status();
    let bodiless = status.is_informational() || matches!(status.as_u16(), 204 | 304);
    if !bodiless && response.body().size_hint().exact() == Some(0) {
        response.headers_mut().entry(hyper::header::CONTENT_LENGTH).or_insert(hyper::header::HeaderValue::from(0));
    }
}

/// As hyper 0.14 and warp did: errors about one connection (reset before it was accepted) are
/// ignored; others, such as running out of file descriptors, are logged and accepting pauses
/// for a second, since retrying at once would only spin.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// Open connections per client address. A `std` mutex: it is held for one map update and never
/// across an `.await`.
#[derive(Clone, Default)]
struct AddressCounts(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl AddressCounts {
    /// A slot for one more connection from `ip`, or `None` when it already has `cap`.
    fn claim(&self, ip: IpAddr, cap: usize) -> Option<Slot> {
        let key = client_key(ip);
        let mut counts = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(key).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Slot { counts: self.clone(), key })
    }

    #[cfg(test)]
    fn open(&self, ip: IpAddr) -> usize {
        self.0.lock().unwrap().get(&client_key(ip)).copied().unwrap_or(0)
    }
}

/// What counts as one client: an IPv4 address, or an IPv6 /64 network — a host is usually
/// given a whole /64 and can pick any address in it. IPv4 clients of a dual-stack listener
/// arrive as IPv4-mapped IPv6 addresses and are counted as the IPv4 address they are.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// One open connection counted against its address; released when dropped.
struct Slot {
    counts: AddressCounts,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// An accepted socket and its slot. The slot lives as long as the socket, through a WebSocket
/// upgrade too (hyper hands this very object to the upgraded connection), so an open
/// WebSocket counts against its address like any other connection.
struct Counted {
    stream: TcpStream,
    _slot: Option<Slot>,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_address_gets_at_most_its_cap_and_a_closed_connection_frees_its_slot() {
        let counts = AddressCounts::default();
        let first = counts.claim(ip("10.0.0.1"), 2).unwrap();
        let _second = counts.claim(ip("10.0.0.1"), 2).unwrap();

        assert!(counts.claim(ip("10.0.0.1"), 2).is_none(), "a third is refused");
        assert!(counts.claim(ip("10.0.0.2"), 2).is_some(), "another address is not affected");
        drop(first);
        assert!(counts.claim(ip("10.0.0.1"), 2).is_some(), "a slot was freed");
    }

    #[test]
    fn an_address_without_connections_leaves_no_entry_behind() {
        let counts = AddressCounts::default();
        drop(counts.claim(ip("10.0.0.1"), 2));
        assert!(counts.0.lock().unwrap().is_empty());
    }

    #[test]
    fn an_ipv6_network_counts_as_one_client_and_mapped_ipv4_as_its_ipv4_address() {
        let counts = AddressCounts::default();
        let _a = counts.claim(ip("2001:db8:1:2::1"), 2).unwrap();
        let _b = counts.claim(ip("2001:db8:1:2:ffff::9"), 2).unwrap();
        assert!(counts.claim(ip("2001:db8:1:2::77"), 2).is_none(), "same /64");
        assert!(counts.claim(ip("2001:db8:1:3::1"), 2).is_some(), "another /64");

        let _c = counts.claim(ip("::ffff:192.0.2.7"), 2).unwrap();
        assert_eq!(counts.open(ip("192.0.2.7")), 1);
    }
}
