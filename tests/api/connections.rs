//! The HTTP server's own defences, driven over raw TCP where a well-behaved client cannot
//! misbehave enough: the header-read timeout against slowloris, the limits on request
//! headers, and the cap on one address's open connections (WebSockets included).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

/// A TCP connection to the app from the given loopback address (Linux routes all of
/// 127.0.0.0/8 to the loopback interface), so a test can be several clients at once.
async fn connect_from(addr: SocketAddr, local: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Sends `GET /health` on the connection and returns the answer's status line, or `None` when
/// the server closes the connection without answering.
async fn health_over(mut stream: TcpStream) -> Option<String> {
    let request = b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(request).await.ok()?;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers or closes in time");
    if read.is_err() && answer.is_empty() {
        return None; // reset
    }
    let answer = String::from_utf8_lossy(&answer);
    answer.lines().next().filter(|line| !line.is_empty()).map(str::to_owned)
}

both_backends!(async fn a_client_that_sends_its_headers_too_slowly_is_disconnected);
async fn a_client_that_sends_its_headers_too_slowly_is_disconnected() {
    let app = spawn_app_with_env(&[("HEADER_READ_TIMEOUT", "1")]).await;
    let (mut reader, mut writer) = TcpStream::connect(app.addr).await.unwrap().into_split();
    let started = Instant::now();

    // Slowloris: a request line, then a header that never ends, one byte every 100 ms.
    let trickle = tokio::spawn(async move {
        let head = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
        for byte in head.iter().chain(std::iter::repeat(&b'a')) {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut answer = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut answer)).await;
    trickle.abort();

    assert!(ended.is_ok(), "the server still waits for the headers after 5 s");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "closed after {elapsed:?}, before the timeout");
    assert!(elapsed < Duration::from_secs(3), "closed only after {elapsed:?}");
    assert!(answer.is_empty(), "no answer, just a closed connection: {}", String::from_utf8_lossy(&answer));
}

both_backends!(async fn a_request_with_more_than_64_header_fields_is_refused_with_431);
async fn a_request_with_more_than_64_header_fields_is_refused_with_431() {
    let app = spawn_app().await;
    let client = app.client();
    let with_headers = |n: usize| {
        (0..n).fold(client.get(app.url("/health")), |request, i| request.header(format!("x-field-{i}"), "value"))
    };

    let usual = with_headers(40).send().await.unwrap();
    let too_many = with_headers(80).send().await;

    assert_eq!(usual.status(), StatusCode::OK, "a request with many headers is still served");
    if let Ok(response) = too_many {
        assert_eq!(response.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    } // else the server closed the connection before the client read the answer: refused too
}

both_backends!(async fn a_request_whose_headers_pass_32_kib_is_refused_with_431);
async fn a_request_whose_headers_pass_32_kib_is_refused_with_431() {
    let app = spawn_app().await;
    let client = app.client();

    let large = client.get(app.url("/health")).header("x-large", "a".repeat(16 * 1024)).send().await.unwrap();
    let too_large = client.get(app.url("/health")).header("x-large", "a".repeat(40 * 1024)).send().await;

    assert_eq!(large.status(), StatusCode::OK, "16 KiB of headers are still served");
    if let Ok(response) = too_large {
        assert_eq!(response.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    } // else the server closed the connection before the client read the answer: refused too
}

both_backends!(async fn connections_past_an_addresss_cap_are_refused_while_other_addresses_are_served);
async fn connections_past_an_addresss_cap_are_refused_while_other_addresses_are_served() {
    let app = spawn_app_with_env(&[("MAX_CONNECTIONS_PER_ADDRESS", "2")]).await;
    let anna = TestUser::register(&app).await;
    let (crowded, other) = ("127.0.0.3", "127.0.0.4");

    // The crowded address holds its two: an open WebSocket and an idle connection.
    let mut request = format!("ws://{}/ws", app.addr).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(&format!("discock_session={}", anna.session)).unwrap());
    request.headers_mut().insert("origin", HeaderValue::from_str(&app.origin()).unwrap());
    let (mut socket, _) =
        tokio_tungstenite::client_async(request, connect_from(app.addr, crowded).await).await.expect("upgrade");
    let _idle = connect_from(app.addr, crowded).await;

    let third = health_over(connect_from(app.addr, crowded).await).await;
    let elsewhere = health_over(connect_from(app.addr, other).await).await;

    assert_eq!(third, None, "a third connection from the same address is closed unanswered");
    assert_eq!(elsewhere.as_deref(), Some("HTTP/1.1 200 OK"), "another address is served meanwhile");

    // Closing the WebSocket frees its slot.
    socket.send(Message::Close(None)).await.unwrap();
    while let Some(Ok(_)) = socket.next().await {}
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let again = health_over(connect_from(app.addr, crowded).await).await;
        if again.as_deref() == Some("HTTP/1.1 200 OK") {
            break;
        }
        assert!(Instant::now() < deadline, "the WebSocket's slot was never freed (last answer: {again:?})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

both_backends!(async fn behind_a_trusted_proxy_the_per_address_cap_does_not_count_the_proxy);
async fn behind_a_trusted_proxy_the_per_address_cap_does_not_count_the_proxy() {
    let app = spawn_app_with_env(&[("MAX_CONNECTIONS_PER_ADDRESS", "1"), ("TRUST_PROXY", "true")]).await;
    let proxy = "127.0.0.5";

    // Two connections at once from the proxy's address: both are served.
    let held = connect_from(app.addr, proxy).await;
    let second = health_over(connect_from(app.addr, proxy).await).await;

    assert!(second.is_some_and(|answer| answer.starts_with("HTTP/1.1 200")), "the proxy is not one client");
    drop(held);
}
