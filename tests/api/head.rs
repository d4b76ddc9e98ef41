//! `HEAD` wherever `GET` answers: the same status and headers, and no body — checked over raw
//! TCP, since an HTTP client never reads a body after `HEAD` and so could not see one sent by
//! mistake.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// One answer read off the wire: the status line and the headers (names in lower case).
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: String,
    headers: BTreeMap<String, String>,
}

/// Headers that differ from one request to the next whatever the method.
const VARYING: [&str; 4] = ["date", "set-cookie", "server-timing", "x-request-id"];

/// Sends `method path` and then `GET /health` on one keep-alive connection, and reads both
/// answers. Returns the first answer's head and whatever came between its head and the second
/// answer's status line: that is its body.
async fn ask_then_health(app: &TestApp, method: &str, path: &str, cookie: Option<&str>) -> (Head, String) {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let cookie = cookie.map(|c| format!("Cookie: discock_session={c}\r\n")).unwrap_or_default();
    let requests = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{cookie}\r\n\
         GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(requests.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut raw))
        .await
        .expect("both answers arrive in time")
        .expect("the connection reads cleanly");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").expect("a complete head");
    let second = rest.find("HTTP/1.1 200 OK\r\n").expect("the second answer follows on the same connection");
    let mut lines = head.lines();
    let status = lines.next().unwrap().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .filter(|(name, _)| !VARYING.contains(&name.as_str()))
        .collect();
    (Head { status, headers }, rest[..second].to_owned())
}

both_backends!(async fn head_answers_like_get_with_the_same_status_and_headers_and_no_body);
async fn head_answers_like_get_with_the_same_status_and_headers_and_no_body() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let session = Some(anna.session.as_str());

    for (path, cookie) in [
        ("/login", None),
        ("/chat", session),
        ("/chat", None),
        ("/static/css/app.css", None),
        ("/api/rooms", session),
        ("/api/me", None),
        ("/health", None),
        ("/nope", None),
    ] {
        let (get, get_body) = ask_then_health(&app, "GET", path, cookie).await;
        let (head, head_body) = ask_then_health(&app, "HEAD", path, cookie).await;

        assert_eq!(head, get, "HEAD {path} (signed in: {})", cookie.is_some());
        assert_eq!(head_body, "", "HEAD {path} sends no body");
        let length: usize = get.headers.get("content-length").map_or(0, |l| l.parse().unwrap());
        assert_eq!(get_body.len(), length, "GET {path} sends its body");
    }
}
