//! Several instances behind one room: two servers sharing one PostgreSQL and one Redis see the
//! same people and messages, in order; an instance keeps serving without Redis and catches up
//! when it returns; a dead instance's users disappear.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::*;
use crate::resume::logged_until;

/// The shared Redis of the machine (`DISCOCK_TEST_REDIS` overrides it).
pub(crate) fn redis_url() -> String {
    std::env::var("DISCOCK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// True when Redis answers; otherwise fails under CI=true, or says loudly that the test is skipped.
pub(crate) async fn redis_or_skip(url: &str) -> bool {
    let answer = async {
        let client = redis::Client::open(url)?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    let cause = match tokio::time::timeout(Duration::from_secs(3), answer).await {
        Ok(Ok(_)) => return true,
        Ok(Err(e)) => e.to_string(),
        Err(_) => "timed out".to_owned(),
    };
    assert!(std::env::var("CI").as_deref() != Ok("true"), "Redis at {url} is required when CI=true: {cause}");
    let line = format!("!!!!! a Redis test skipped: Redis not reachable at {url}: {cause} !!!!!\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    false
}

/// Environment for instances of one test's deployment: its own key namespace on the shared Redis.
pub(crate) fn deployment(redis: &str) -> Vec<(String, String)> {
    vec![
        ("REDIS_URL".into(), redis.to_owned()),
        ("REDIS_PREFIX".into(), format!("test-{}", uuid::Uuid::new_v4().simple())),
    ]
}

pub(crate) fn as_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Two instances of one deployment on the shared Redis and one PostgreSQL database; `None`
/// (after the loud skip note) when Redis is missing outside CI.
pub(crate) async fn two_instances() -> Option<(TestApp, TestApp)> {
    let redis = redis_url();
    if !redis_or_skip(&redis).await {
        return None;
    }
    let env = deployment(&redis);
    let a = spawn_app_with_env(&as_refs(&env)).await;
    let b = a.another_instance(&as_refs(&env)).await;
    Some((a, b))
}

/// One instance of a deployment on the shared Redis, with the Redis URL and the deployment's
/// key prefix, for a test that plays the part of a dead instance by writing keys itself.
async fn one_instance() -> Option<(TestApp, String, String)> {
    let redis = redis_url();
    if !redis_or_skip(&redis).await {
        return None;
    }
    let env = deployment(&redis);
    let prefix = env[1].1.clone();
    Some((spawn_app_with_env(&as_refs(&env)).await, redis, prefix))
}

fn ids(users: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = users.as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

/// Reads frames until a `new_message` with this content arrives; panics after `within`.
async fn wait_for_message(socket: &mut Socket, content: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        assert!(Instant::now() < deadline, "{content:?} did not arrive within {within:?}");
        let frame = socket.next().await;
        if frame["type"] == "new_message" && frame["message"]["content"] == content {
            return frame["message"].clone();
        }
    }
}

#[tokio::test]
async fn a_client_resuming_on_another_instance_gets_what_it_missed_and_what_comes_meanwhile() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&b).await;
            let room = anna.create_room("Между серверами").await["id"].as_i64().unwrap();
            let mut on_a = anna.connect(&a).await;
            // room_created comes back through Redis even on A, and may reach this new socket first.
            on_a.send(json!({ "type": "join_room", "room_id": room })).await;
            on_a.wait_for("room_users_list").await;
            let mut on_b = boris.connect(&b).await;
            // room_created may still be on its way to B through Redis: skip it if it comes first.
            on_b.send(json!({ "type": "join_room", "room_id": room })).await;
            on_b.wait_for("room_users_list").await;
            on_a.say(room, "до").await;
            let seen = wait_for_message(&mut on_b, "до", FRAME_WAIT).await;
            let seen_seq = 1;
            assert_eq!(seen["content"], "до");
            on_b.close().await;

            for i in 0..20 {
                on_a.say(room, &format!("пока тебя нет {i}")).await;
            }
            let renamed = anna.patch_json(&format!("/api/rooms/{room}"), &json!({ "name": "Между серверами 2" })).await;
            assert_eq!(renamed.status(), 200);
            // More keeps coming from instance A while boris resumes on instance B.
            let sender = tokio::spawn(async move {
                for i in 0..30 {
                    on_a.send(json!({ "type": "send_message", "room_id": room, "content": format!("потоком {i}") }))
                        .await;
                }
                on_a
            });
            let mut back = boris.connect(&b).await;
            back.send(json!({ "type": "join_room", "room_id": room, "since": seen_seq })).await;
            back.wait_for("room_users_list").await;
            let got = logged_until(&mut back, seen_seq + 51).await;
            let _on_a = sender.await.unwrap();

            let seqs: Vec<i64> = got.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
            assert_eq!(seqs, (seen_seq + 1..=seen_seq + 51).collect::<Vec<_>>());
            assert_eq!(got[0]["message"]["content"], "пока тебя нет 0");
            assert_eq!(
                (got[20]["type"].as_str(), got[20]["room"]["name"].as_str()),
                (Some("room_updated"), Some("Между серверами 2"))
            );
            assert_eq!(got[50]["message"]["content"], "потоком 29");
            back.expect_silence().await;
        })
        .await;
}

#[tokio::test]
async fn two_instances_share_people_messages_and_rooms_through_redis() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = two_instances().await else { return };
            let anna = TestUser::register_in(&a, "Казань").await;
            let boris = TestUser::register_in(&b, "Пермь").await;
            let room = a.default_room(&anna).await;
            let mut on_a = anna.connect(&a).await;
            let mut on_b = boris.connect(&b).await;

            on_a.join(room).await;
            let list = on_b.join(room).await;
            let joined = on_a.expect("joined_room").await;

            assert_eq!(ids(&list["users"]), vec![anna.id, boris.id], "B lists the user connected to A");
            assert_eq!(joined["user"]["city"], "Пермь");

            let from_a = on_a.say(room, "привет с первого").await;
            assert_eq!(wait_for_message(&mut on_b, "привет с первого", FRAME_WAIT).await, from_a);
            let from_b = on_b.say(room, "и тебе со второго").await;
            assert_eq!(wait_for_message(&mut on_a, "и тебе со второго", FRAME_WAIT).await, from_b);

            on_b.send(json!({ "type": "typing", "room_id": room })).await;
            assert_eq!(on_a.wait_for("typing").await["user"]["id"], boris.id);

            let created = boris.create_room("общая для двух").await;
            assert_eq!(on_a.wait_for("room_created").await["room"], created);

            let history_a: Value = anna.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
            let history_b: Value = boris.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
            assert_eq!(history_a, history_b);
            assert_eq!(history_a.as_array().unwrap(), &vec![from_a, from_b]);

            on_b.close().await;
            assert_eq!(on_a.wait_for("left_room").await["user_id"], boris.id);
        })
        .await
}

#[tokio::test]
async fn messages_sent_through_two_instances_reach_everyone_in_id_order() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = two_instances().await else { return };
            let users = [
                TestUser::register(&a).await,
                TestUser::register(&b).await,
                TestUser::register(&a).await,
                TestUser::register(&b).await,
            ];
            let room = a.default_room(&users[0]).await;
            let mut sockets = Vec::new();
            for (i, user) in users.iter().enumerate() {
                let app = if i % 2 == 0 { &a } else { &b };
                let mut socket = user.connect(app).await;
                socket.join(room).await;
                sockets.push(socket);
            }

            for round in 0..30 {
                for sender in [0, 1] {
                    sockets[sender]
                        .send(
                            json!({ "type": "send_message", "room_id": room, "content": format!("{sender}:{round}") }),
                        )
                        .await;
                }
            }

            for listener in [2, 3] {
                let mut seen = Vec::new();
                while seen.len() < 60 {
                    let frame = sockets[listener].next().await;
                    if frame["type"] == "new_message" {
                        seen.push(frame["message"]["id"].as_i64().unwrap());
                    }
                }
                assert!(seen.windows(2).all(|w| w[0] < w[1]), "listener {listener} saw ids out of order: {seen:?}");
            }
        })
        .await
}

/// A Redis server of the test's own, on a free port, that the test can stop and start again.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut redis = OwnRedis { port, child: None };
        redis.resume();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn resume(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn an_instance_serves_its_own_sockets_without_redis_and_catches_up_when_redis_returns() {
    Backend::Postgres
        .run(async {
            if !redis_or_skip(&redis_url()).await {
                return; // the machine has no Redis at all, so no redis-server either
            }
            let mut redis = OwnRedis::start();
            let env = deployment(&redis.url());
            let a = spawn_app_with_env(&as_refs(&env)).await;
            let b = a.another_instance(&as_refs(&env)).await;
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&b).await;
            let room = a.default_room(&anna).await;
            let mut on_a = anna.connect(&a).await;
            let mut on_b = boris.connect(&b).await;
            on_a.join(room).await;
            on_b.join(room).await;
            on_a.say(room, "до аварии").await;
            wait_for_message(&mut on_b, "до аварии", FRAME_WAIT).await;

            redis.kill();
            let during = on_a.say(room, "пока Redis лежит").await;
            assert_eq!(during["content"], "пока Redis лежит", "A still delivers to its own sockets");

            redis.resume();
            let caught_up = wait_for_message(&mut on_b, "пока Redis лежит", Duration::from_secs(20)).await;
            assert_eq!(caught_up, during, "B caught up from the database once Redis returned");
            let after = on_a.say(room, "снова вместе").await;
            assert_eq!(wait_for_message(&mut on_b, "снова вместе", Duration::from_secs(10)).await, after);
        })
        .await
}

#[tokio::test]
async fn someone_whose_instance_died_disappears_from_the_room() {
    Backend::Postgres
        .run(async {
            let Some((a, redis, prefix)) = one_instance().await else { return };
            let anna = TestUser::register(&a).await;
            let room = a.default_room(&anna).await;
            // A user present only on an instance that has stopped renewing its heartbeat.
            let ghost = json!({ "id": 424242, "username": "призрак", "city": "Нигде" });
            let client = redis::Client::open(redis.as_str()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let _: () = redis::cmd("HSET")
                .arg(format!("{prefix}:presence:{room}"))
                .arg("424242@dead-instance")
                .arg(ghost.to_string())
                .query_async(&mut conn)
                .await
                .unwrap();
            let _: () = redis::cmd("SADD")
                .arg(format!("{prefix}:presence:rooms"))
                .arg(room)
                .query_async(&mut conn)
                .await
                .unwrap();
            let mut on_a = anna.connect(&a).await;

            let started = Instant::now();
            let list = on_a.join(room).await;
            let mut left = None;
            while left.is_none() && started.elapsed() < Duration::from_secs(20) {
                let frame = on_a.next().await;
                if frame["type"] == "left_room" {
                    left = Some(frame);
                }
            }

            assert!(ids(&list["users"]).contains(&424242), "the ghost was listed while its entry lasted: {list}");
            let left = left.expect("the dead instance's user left within 20 s");
            assert_eq!(left["user_id"], 424242);
            let users: Vec<String> =
                redis::cmd("HKEYS").arg(format!("{prefix}:presence:{room}")).query_async(&mut conn).await.unwrap();
            assert!(users.iter().all(|f| !f.starts_with("424242@")), "{users:?}");
        })
        .await
}

#[tokio::test]
async fn logging_out_on_one_instance_closes_the_sessions_sockets_on_every_instance_within_a_second() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = two_instances().await else { return };
            let laptop = TestUser::register(&a).await;
            let phone = laptop.another_device(&a).await;
            let mut on_a = laptop.connect(&a).await;
            let mut on_b = laptop.connect(&b).await;
            let mut phone_on_b = phone.connect(&b).await;

            let started = Instant::now();
            laptop.log_out(&a).await;
            let codes = (on_a.closed_with().await, on_b.closed_with().await);
            let took = started.elapsed();

            assert_eq!(codes, (Some(4001), Some(4001)));
            assert!(took < Duration::from_secs(1), "the sockets closed {took:?} after the logout");
            phone_on_b.expect_served().await;
        })
        .await;
}

#[tokio::test]
async fn edits_reactions_and_deletions_reach_the_other_instance_in_the_rooms_order() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&b).await;
            let room = anna.create_room("Правки между серверами").await["id"].as_i64().unwrap();
            let mut on_a = anna.connect(&a).await;
            // room_created comes back through Redis even on A, and may reach this new socket first.
            on_a.send(json!({ "type": "join_room", "room_id": room })).await;
            on_a.wait_for("room_users_list").await;
            let mut on_b = boris.connect(&b).await;
            on_b.send(json!({ "type": "join_room", "room_id": room })).await;
            on_b.wait_for("room_users_list").await;

            let first = on_a.say(room, "первое").await;
            wait_for_message(&mut on_b, "первое", FRAME_WAIT).await;
            // Changes from both instances, interleaved: each takes the room's next seq.
            on_a.send(json!({ "type": "edit_message", "message_id": first["id"], "content": "первое, исправлено" }))
                .await;
            on_b.send(json!({ "type": "add_reaction", "message_id": first["id"], "emoji": "🔥" })).await;
            on_a.send(json!({ "type": "pin_message", "message_id": first["id"] })).await;
            on_b.send(json!({ "type": "send_message", "room_id": room, "content": "второе", "reply_to": first["id"] }))
                .await;
            let mut on_a_logged = logged_until(&mut on_a, 5).await;
            let mut on_b_logged = logged_until(&mut on_b, 5).await;
            // Deleted only once the reply is stored: deleting first would refuse the reply.
            on_a.send(json!({ "type": "delete_message", "message_id": first["id"] })).await;
            on_a_logged.extend(logged_until(&mut on_a, 6).await);
            on_b_logged.extend(logged_until(&mut on_b, 6).await);

            let kinds =
                |frames: &[Value]| frames.iter().map(|f| f["type"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
            assert_eq!(kinds(&on_a_logged), kinds(&on_b_logged), "both instances deliver the same order");
            assert_eq!(on_b_logged.len(), 5, "edit, reaction, pin, reply and deletion, once each");
            assert_eq!(on_b_logged.last().unwrap()["type"], "message_deleted");
            let history: Vec<Value> = boris.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
            assert_eq!(history.len(), 1);
            assert_eq!(history[0]["reply_to"], json!({ "id": first["id"], "deleted": true }));
        })
        .await
}

#[tokio::test]
async fn the_status_a_dead_instance_left_behind_is_swept_and_its_user_goes_offline() {
    Backend::Postgres
        .run(async {
            let Some((a, redis, prefix)) = one_instance().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&a).await;
            assert_eq!(anna.post_json("/api/dms", &json!({ "user_id": boris.id })).await.status(), 201);
            // Boris online only on an instance that has stopped renewing its heartbeat.
            let client = redis::Client::open(redis.as_str()).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let _: () = redis::cmd("HSET")
                .arg(format!("{prefix}:status:{}", boris.id))
                .arg("dead-instance")
                .arg("online")
                .arg("_")
                .arg("online")
                .query_async(&mut conn)
                .await
                .unwrap();
            let _: () = redis::cmd("SADD")
                .arg(format!("{prefix}:status_by:dead-instance"))
                .arg(boris.id)
                .query_async(&mut conn)
                .await
                .unwrap();
            let _: () = redis::cmd("SADD")
                .arg(format!("{prefix}:status:instances"))
                .arg("dead-instance")
                .query_async(&mut conn)
                .await
                .unwrap();
            let mut on_a = anna.connect(&a).await;
            let profile: Value = anna.get(&format!("/api/users/{}", boris.id)).await.json().await.unwrap();

            let started = Instant::now();
            let mut offline = None;
            while offline.is_none() && started.elapsed() < Duration::from_secs(20) {
                let frame = on_a.next().await;
                if frame["type"] == "presence" && frame["user_id"] == boris.id {
                    offline = Some(frame);
                }
            }

            assert_eq!(profile["presence"], "online", "his status counted while its part lasted");
            let offline = offline.expect("the dead instance's part of his status was swept within 20 s");
            assert_eq!(offline, json!({ "type": "presence", "user_id": boris.id, "status": "offline" }));
            let after: Value = anna.get(&format!("/api/users/{}", boris.id)).await.json().await.unwrap();
            assert_eq!(after["presence"], "offline");
            let left: bool =
                redis::cmd("EXISTS").arg(format!("{prefix}:status:{}", boris.id)).query_async(&mut conn).await.unwrap();
            assert!(!left, "nothing of his status is left in Redis");
            let instances: Vec<String> =
                redis::cmd("SMEMBERS").arg(format!("{prefix}:status:instances")).query_async(&mut conn).await.unwrap();
            assert!(!instances.contains(&"dead-instance".to_owned()), "the dead instance is forgotten: {instances:?}");
        })
        .await
}
