//! `GET /metrics`: off without `METRICS_TOKEN`, refused without the bearer token, and with it
//! the app's own counts in the Prometheus text format — each app counts apart, so the counts
//! asserted here are exact even with many apps in this process.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const TOKEN: &str = "metrics-token-for-the-tests";

async fn spawn_scraped_app(extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![("METRICS_TOKEN", TOKEN)];
    env.extend_from_slice(extra);
    spawn_app_with_env(&env).await
}

/// `GET /metrics` with this `Authorization` header, if any.
async fn get_metrics(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client().get(app.url("/metrics"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

/// The series of one scrape, by `name{labels}`.
struct Scrape(Vec<(String, f64)>);

impl Scrape {
    async fn of(app: &TestApp) -> Scrape {
        let response = get_metrics(app, Some(&format!("Bearer {TOKEN}"))).await;
        assert_eq!(response.status(), StatusCode::OK);
        Scrape::parse(&response.text().await.unwrap())
    }

    /// Every line that is not a comment must be `name{labels} value`.
    fn parse(text: &str) -> Scrape {
        let mut series = Vec::new();
        for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not `name value`: {line:?}"));
            let bare = name.split_once('{').map_or(name, |(bare, labels)| {
                assert!(labels.ends_with('}'), "unclosed labels: {line:?}");
                for pair in labels[..labels.len() - 1].split(',') {
                    let (key, quoted) = pair.split_once('=').unwrap_or_else(|| panic!("bad label: {line:?}"));
                    assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line:?}");
                    assert!(quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"'), "{line:?}");
                }
                bare
            });
            assert!(
                !bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "bad metric name: {line:?}"
            );
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("bad value: {line:?}")),
            };
            series.push((name.to_owned(), value));
        }
        Scrape(series)
    }

    /// The value of one series; 0 when it has not appeared yet.
    fn get(&self, series: &str) -> f64 {
        self.0.iter().find(|(name, _)| name == series).map_or(0.0, |(_, v)| *v)
    }

    fn has(&self, series: &str) -> bool {
        self.0.iter().any(|(name, _)| name == series)
    }
}

/// Scrapes until `series` has `value`, for counts that change just after a socket closes.
async fn wait_until(app: &TestApp, series: &str, value: f64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now = Scrape::of(app).await.get(series);
        if now == value {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{series} stayed at {now}, expected {value}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_metrics_endpoint_does_not_exist_without_a_token_configured() {
    let app = spawn_app().await;
    let response = get_metrics(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(get_metrics(&app, None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_scrape_without_the_bearer_token_or_with_a_wrong_one_gets_401_and_a_bearer_challenge() {
    let app = spawn_scraped_app(&[]).await;
    for authorization in [None, Some("Bearer wrong-token"), Some(TOKEN), Some(&*format!("Basic {TOKEN}"))] {
        let response = get_metrics(&app, authorization).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "bad_metrics_token", "{body}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn the_right_token_gets_prometheus_text_with_every_series_named_and_described() {
    let app = spawn_scraped_app(&[]).await;
    let response = get_metrics(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    let text = response.text().await.unwrap();
    let scrape = Scrape::parse(&text);
    for series in [
        "discock_websocket_connections",
        "discock_room_memberships",
        "discock_messages_stored_total",
        "discock_deliveries_total",
        "discock_group_commit_batch_size_count",
        "discock_group_commit_duration_seconds_count",
        "discock_history_request_duration_seconds_count",
        "discock_search_request_duration_seconds_count",
        "discock_db_pool_wait_seconds_count",
        "discock_db_pool_timeouts_total",
        "discock_redis_publishes_total",
        "discock_redis_resyncs_total",
        "discock_room_events_skipped_total",
        "discock_rate_limit_hits_total{kind=\"message\"}",
        "discock_process_cpu_seconds_total",
        "discock_process_resident_memory_bytes",
    ] {
        assert!(scrape.has(series), "{series} missing from:\n{text}");
    }
    assert!(scrape.get("discock_process_resident_memory_bytes") > 1_000_000.0);
    assert!(scrape.get("discock_db_pool_wait_seconds_count") > 0.0, "start-up used the pool");
    for (name, _) in &scrape.0 {
        let family = name.split(['{', ' ']).next().unwrap();
        let family = ["_bucket", "_sum", "_count"].iter().fold(family, |f, s| f.strip_suffix(s).unwrap_or(f));
        assert!(text.contains(&format!("# HELP {family} ")), "{family} has no help text");
        assert!(text.contains(&format!("# TYPE {family} ")), "{family} has no type");
    }
}

both_backends!(async fn messages_sent_over_a_socket_are_counted_exactly_and_the_connection_while_it_is_open);
async fn messages_sent_over_a_socket_are_counted_exactly_and_the_connection_while_it_is_open() {
    let app = spawn_scraped_app(&[]).await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let before = Scrape::of(&app).await;
    assert_eq!(before.get("discock_websocket_connections"), 0.0);

    let mut socket = anna.connect(&app).await;
    socket.join(room).await;
    const N: usize = 7;
    for i in 0..N {
        socket.say(room, &format!("counted {i}")).await;
    }
    let history = anna.get(&format!("/api/messages/{room}")).await;
    assert_eq!(history.status(), StatusCode::OK);
    let open = Scrape::of(&app).await;

    let stored = open.get("discock_messages_stored_total") - before.get("discock_messages_stored_total");
    assert_eq!(stored, N as f64, "every message once, no more");
    let delivered = open.get("discock_deliveries_total") - before.get("discock_deliveries_total");
    assert!(delivered >= N as f64, "each message reached the sender's outbox: {delivered}");
    assert_eq!(open.get("discock_websocket_connections"), 1.0);
    assert_eq!(open.get("discock_room_memberships"), 1.0);
    assert!(open.get("discock_group_commit_batch_size_sum") >= N as f64);
    let histories = open.get("discock_history_request_duration_seconds_count")
        - before.get("discock_history_request_duration_seconds_count");
    assert_eq!(histories, 1.0);

    socket.close().await;
    wait_until(&app, "discock_websocket_connections", 0.0).await;
    wait_until(&app, "discock_room_memberships", 0.0).await;
}

both_backends!(async fn a_refused_frame_is_counted_under_the_code_of_its_error_frame);
async fn a_refused_frame_is_counted_under_the_code_of_its_error_frame() {
    let app = spawn_scraped_app(&[]).await;
    let anna = TestUser::register(&app).await;
    let mut socket = anna.connect(&app).await;

    socket.send(json!({ "type": "no_such_frame" })).await;
    assert_eq!(socket.expect("error").await["code"], "unknown_type");
    socket.send(json!({ "type": "join_room", "room_id": 987_654 })).await;
    assert_eq!(socket.expect("error").await["code"], "room_not_found");
    socket.send(json!({ "type": "no_such_frame" })).await;
    socket.expect("error").await;

    let scrape = Scrape::of(&app).await;
    assert_eq!(scrape.get("discock_frames_refused_total{code=\"unknown_type\"}"), 2.0);
    assert_eq!(scrape.get("discock_frames_refused_total{code=\"room_not_found\"}"), 1.0);
    assert!(!scrape.has("discock_frames_refused_total{code=\"rate_limited\"}"));
}

both_backends!(async fn hits_of_a_rate_limit_are_counted_under_that_limit);
async fn hits_of_a_rate_limit_are_counted_under_that_limit() {
    let app = spawn_scraped_app(&[("RATE_LIMIT_MESSAGES", "2/60")]).await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;

    socket.say(room, "one").await;
    socket.say(room, "two").await;
    socket.send(json!({ "type": "send_message", "room_id": room, "content": "three" })).await;
    assert_eq!(socket.wait_for("error").await["code"], "rate_limited");

    let scrape = Scrape::of(&app).await;
    assert_eq!(scrape.get("discock_rate_limit_hits_total{kind=\"message\"}"), 1.0);
    assert_eq!(scrape.get("discock_rate_limit_hits_total{kind=\"room\"}"), 0.0);
    assert_eq!(scrape.get("discock_frames_refused_total{code=\"rate_limited\"}"), 1.0);
    assert_eq!(scrape.get("discock_messages_stored_total"), 2.0, "the refused message was not stored");
}

#[tokio::test]
async fn an_instance_on_redis_counts_what_it_publishes_and_how_long_it_waited() {
    Backend::Postgres
        .run(async {
            let redis = crate::instances::redis_url();
            if !crate::instances::redis_or_skip(&redis).await {
                return;
            }
            let mut env = crate::instances::deployment(&redis);
            env.push(("METRICS_TOKEN".into(), TOKEN.into()));
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let app = spawn_app_with_env(&env).await;
            let anna = TestUser::register(&app).await;
            let room = app.default_room(&anna).await;
            let mut socket = anna.connect(&app).await;
            socket.join(room).await;
            socket.say(room, "through Redis").await;

            // Published by a task of its own, just after the commit.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            let scrape = loop {
                let scrape = Scrape::of(&app).await;
                if scrape.get("discock_redis_publish_lag_seconds_count") >= 1.0
                    || tokio::time::Instant::now() > deadline
                {
                    break scrape;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            assert!(scrape.get("discock_redis_publishes_total") >= 1.0, "the message went to Redis");
            assert!(scrape.get("discock_redis_publish_lag_seconds_count") >= 1.0, "its lag was measured");
            assert_eq!(scrape.get("discock_redis_publish_failures_total"), 0.0);
            assert_eq!(scrape.get("discock_redis_resyncs_total"), 0.0, "the subscription was never cut");
            assert_eq!(scrape.get("discock_room_events_skipped_total"), 0.0, "nothing was given up on");
        })
        .await;
}
