//! The operator commands, run as the real `discock` binary against a test app's database:
//! `backup` under write load and `restore` into a fresh file (SQLite), their refusals, and the
//! `admin` subcommands on both backends.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::instances::{as_refs, deployment, redis_or_skip, redis_url};

/// `discock ARGS` with `env` (the database's, say) and nothing else from this process's
/// environment, in an empty folder (so no `.env` is read), `stdin` piped in; run on a blocking
/// thread so the server under test keeps serving meanwhile.
async fn discock(env: Vec<(String, String)>, args: &[&str], stdin: &str) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let folder = tempfile::tempdir().expect("temp dir");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_discock"))
            .args(&args)
            .env_clear()
            .envs(env)
            .env("BCRYPT_COST", "4")
            .env("RUST_LOG", "warn")
            .current_dir(folder.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the discock binary runs");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("writing stdin");
        child.wait_with_output().expect("discock finishes")
    })
    .await
    .expect("the command thread")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn sqlite_env(path: &Path) -> Vec<(String, String)> {
    vec![("DATABASE_URL".into(), format!("sqlite://{}", path.display()))]
}

/// `PRAGMA integrity_check` of an SQLite file, opened read-only.
fn integrity_of(path: &Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// Every message id in a room's history, paging back from the newest.
async fn history_ids(app: &TestApp, client: &reqwest::Client, room: i64) -> HashSet<i64> {
    let mut ids = HashSet::new();
    let mut before = String::new();
    loop {
        let url = app.url(&format!("/api/messages/{room}?limit=100{before}"));
        let page: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        let page = page.as_array().unwrap_or_else(|| panic!("a page of messages: {page}"));
        let Some(oldest) = page.first() else { return ids };
        ids.extend(page.iter().map(|m| m["id"].as_i64().unwrap()));
        before = format!("&before={}", oldest["id"]);
    }
}

/// The user's own messages in a room's history, by content.
async fn contents_by(user: &TestUser, reader: &TestUser, room: i64) -> Vec<String> {
    let page: Value = reader.get(&format!("/api/messages/{room}?limit=100")).await.json().await.unwrap();
    page.as_array()
        .unwrap()
        .iter()
        .filter(|m| m["user"]["id"] == user.id)
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_backup_taken_under_write_load_holds_every_message_acknowledged_before_it_began() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    let mut socket = anna.connect(&app).await;
    socket.join(room).await;
    // A writer that sends as fast as the server acknowledges (its own copy coming back), long
    // messages so the database outgrows one step of the backup while it runs.
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let writer = tokio::spawn({
        let acked = acked.clone();
        async move {
            let mut n = 0;
            while !*stopped.borrow_and_update() {
                n += 1;
                let content = format!("{n} {}", "слово ".repeat(300));
                let client_id = format!("load-{n}");
                socket
                    .send(
                        json!({ "type": "send_message", "room_id": room, "content": content, "client_id": client_id }),
                    )
                    .await;
                loop {
                    let frame = socket.wait_for("new_message").await;
                    if frame["message"]["client_id"] == client_id.as_str() {
                        acked.lock().unwrap().push(frame["message"]["id"].as_i64().unwrap());
                        break;
                    }
                }
            }
            socket
        }
    });
    while acked.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let folder = tempfile::tempdir().unwrap();
    let backup = folder.path().join("discock-backup.db");

    let before_backup: Vec<i64> = acked.lock().unwrap().clone();
    let output = discock(app.database_env(), &["backup", "--to", backup.to_str().unwrap()], "").await;
    let during_backup = acked.lock().unwrap().len() - before_backup.len();
    stop.send(true).unwrap();
    writer.await.unwrap().close().await;

    assert!(output.status.success(), "{}", stderr(&output));
    let summary = stdout(&output);
    let pages: u64 = summary.split(": ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(pages > 256, "copied in several steps: {summary}");
    assert!(during_backup > 0, "the server kept writing during the backup");
    assert_eq!(integrity_of(&backup), "ok");
    assert!(!folder.path().join("discock-backup.db.partial").exists());

    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("data").join("discock.db");
    let output = discock(sqlite_env(&restored), &["restore", "--from", backup.to_str().unwrap()], "").await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(integrity_of(&restored), "ok");

    let copy = spawn_app_on_sqlite_file(restored_dir, restored).await;
    let reader = TestUser::register(&copy).await;
    let stored = history_ids(&copy, &reader.client, room).await;
    let missing: Vec<i64> = before_backup.iter().copied().filter(|id| !stored.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged before the backup began but not in it: {missing:?}");
}

#[tokio::test]
async fn a_backup_refuses_an_existing_file_unless_forced() {
    let app = spawn_app().await;
    let folder = tempfile::tempdir().unwrap();
    let backup = folder.path().join("taken.db");
    std::fs::write(&backup, b"an older backup").unwrap();

    let refused = discock(app.database_env(), &["backup", "--to", backup.to_str().unwrap()], "").await;
    let forced = discock(app.database_env(), &["backup", "--force", "--to", backup.to_str().unwrap()], "").await;

    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("already exists") && stderr(&refused).contains("--force"),
        "{}",
        stderr(&refused)
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(integrity_of(&backup), "ok");
}

#[tokio::test]
async fn a_backup_of_a_postgresql_database_names_the_pg_dump_command_instead() {
    let env = vec![("DATABASE_URL".to_owned(), "postgres://app:s3cret@db.invalid/chat".to_owned())];

    let output = discock(env, &["backup", "--to", "/tmp/chat.dump"], "").await;

    assert!(!output.status.success());
    let says = stderr(&output);
    assert!(says.contains(r#"pg_dump --format=custom --no-owner --file=/tmp/chat.dump "$DATABASE_URL""#), "{says}");
    assert!(says.contains("pg_restore"), "{says}");
    assert!(!says.contains("s3cret"), "{says}");
}

#[tokio::test]
async fn a_restore_is_refused_while_a_server_has_the_database_open_and_replaces_it_once_stopped() {
    let mut app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let folder = tempfile::tempdir().unwrap();
    let backup = folder.path().join("b.db");
    let made = discock(app.database_env(), &["backup", "--to", backup.to_str().unwrap()], "").await;
    assert!(made.status.success(), "{}", stderr(&made));
    let boris = TestUser::register(&app).await;

    let refused = discock(app.database_env(), &["restore", "--from", backup.to_str().unwrap()], "").await;
    app.shutdown().await;
    let restored = discock(app.database_env(), &["restore", "--from", backup.to_str().unwrap()], "").await;

    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("Stop every server"), "{}", stderr(&refused));
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(stdout(&restored).contains("users: 1,"), "only anna was there: {}", stdout(&restored));
    let app = app.restart().await;
    assert!(app.logs_in(&anna.username, &anna.password).await, "in the backup");
    assert!(!app.logs_in(&boris.username, &boris.password).await, "registered after the backup");
}

#[tokio::test]
async fn a_restore_refuses_a_file_that_is_no_discock_database_or_is_newer_than_the_binary() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("live.db");
    let garbage = folder.path().join("garbage.db");
    std::fs::write(&garbage, vec![7u8; 8192]).unwrap();
    let other = folder.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE notes (x)").unwrap();
    let newer = folder.path().join("newer.db");
    let app = spawn_app().await;
    let made = discock(app.database_env(), &["backup", "--to", newer.to_str().unwrap()], "").await;
    assert!(made.status.success(), "{}", stderr(&made));
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
        .unwrap();

    for (file, says) in [(&garbage, "not an SQLite database"), (&other, "not a Discock one"), (&newer, "9999")] {
        let output = discock(sqlite_env(&target), &["restore", "--from", file.to_str().unwrap()], "").await;
        assert!(!output.status.success(), "{file:?}");
        assert!(stderr(&output).contains(says), "{file:?}: {}", stderr(&output));
    }
}

both_backends!(async fn resetting_a_password_refuses_the_old_one_accepts_the_new_and_logs_out_every_session);
async fn resetting_a_password_refuses_the_old_one_accepts_the_new_and_logs_out_every_session() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let phone = anna.another_device(&app).await;

    let output =
        discock(app.database_env(), &["admin", "reset-password", &anna.username], "a brand new secret\n").await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("2 sessions ended"), "{}", stdout(&output));
    assert!(!stdout(&output).contains("a brand new secret"), "a password given is not echoed");
    assert!(!app.logs_in(&anna.username, &anna.password).await, "the old password is refused");
    assert!(app.logs_in(&anna.username, "a brand new secret").await, "the new one works");
    for session in [&anna, &phone] {
        assert_eq!(session.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    }
    let short = discock(app.database_env(), &["admin", "reset-password", &anna.username], "short\n").await;
    assert!(!short.status.success() && stderr(&short).contains("at least 8 bytes"), "{}", stderr(&short));
}

both_backends!(async fn ending_a_users_sessions_stops_their_cookies_and_closes_their_sockets_at_the_next_check);
async fn ending_a_users_sessions_stops_their_cookies_and_closes_their_sockets_at_the_next_check() {
    let app = spawn_app_with_ping(Duration::from_millis(300)).await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let phone = anna.another_device(&app).await;
    let mut socket = anna.connect(&app).await;

    let output = discock(app.database_env(), &["admin", "end-sessions", &anna.username], "").await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("2 sessions ended"), "{}", stdout(&output));
    for session in [&anna, &phone] {
        assert_eq!(session.get("/api/me").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(socket.closed_with().await, Some(4001));
    assert_eq!(boris.get("/api/me").await.status(), StatusCode::OK, "other users stay signed in");
}

both_backends!(async fn deleting_a_users_messages_removes_them_as_their_own_deletion_does_and_leaves_the_rest);
async fn deleting_a_users_messages_removes_them_as_their_own_deletion_does_and_leaves_the_rest() {
    let app = spawn_app().await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let other = anna.create_room("вторая").await["id"].as_i64().unwrap();
    let (mut a, mut b) = (anna.connect(&app).await, boris.connect(&app).await);
    a.join(room).await;
    a.join(other).await;
    b.join(room).await;
    for text in ["раз", "два"] {
        a.say(room, text).await;
    }
    a.say(other, "три").await;
    b.say(room, "моё остаётся").await;

    let output = discock(app.database_env(), &["admin", "delete-messages", &anna.username], "").await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("3 messages deleted"), "{}", stdout(&output));
    assert!(contents_by(&anna, &boris, room).await.is_empty());
    assert!(contents_by(&anna, &boris, other).await.is_empty());
    assert_eq!(contents_by(&boris, &boris, room).await, ["моё остаётся"]);
    // Without Redis the open room hears of it with its next event, which shows the server the
    // gap in the room's sequence: the deletions come first, then the new message.
    b.send(json!({ "type": "send_message", "room_id": room, "content": "дальше", "client_id": "next" })).await;
    let mut deleted = 0;
    loop {
        let frame = b.next().await;
        match frame["type"].as_str() {
            Some("message_deleted") => deleted += 1,
            Some("new_message") if frame["message"]["client_id"] == "next" => break,
            _ => {}
        }
    }
    assert_eq!(deleted, 2, "both deletions in the room reached the open socket");
    assert_eq!(contents_by(&boris, &boris, room).await, ["моё остаётся", "дальше"]);
}

both_backends!(async fn with_redis_the_admin_commands_reach_open_sockets_at_once);
async fn with_redis_the_admin_commands_reach_open_sockets_at_once() {
    let redis = redis_url();
    if !redis_or_skip(&redis).await {
        return;
    }
    let deployment = deployment(&redis);
    // Sockets pinged (and their sessions checked) only every 30 s, as by default.
    let app = spawn_app_with_env(&as_refs(&deployment)).await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let (mut a, mut b) = (anna.connect(&app).await, boris.connect(&app).await);
    a.join(room).await;
    b.join(room).await;
    let spam = a.say(room, "спам").await;
    b.wait_for("new_message").await;
    let mut env = app.database_env();
    env.extend(deployment);

    let deleted = discock(env.clone(), &["admin", "delete-messages", &anna.username], "").await;
    let ended = discock(env, &["admin", "end-sessions", &anna.username], "").await;

    assert!(deleted.status.success() && ended.status.success(), "{}{}", stderr(&deleted), stderr(&ended));
    assert!(stdout(&deleted).contains("told through Redis"), "{}", stdout(&deleted));
    assert_eq!(b.wait_for("message_deleted").await["message_id"], spam["id"]);
    assert_eq!(a.closed_with().await, Some(4001));
}

both_backends!(async fn listing_rooms_prints_every_room_with_its_members_and_messages);
async fn listing_rooms_prints_every_room_with_its_members_and_messages() {
    let app = spawn_app().await;
    let (anna, boris) = (TestUser::register(&app).await, TestUser::register(&app).await);
    let room = app.default_room(&anna).await;
    let quiet = anna.create_room("тихая").await["id"].as_i64().unwrap();
    let (mut a, mut b) = (anna.connect(&app).await, boris.connect(&app).await);
    a.join(room).await;
    b.join(room).await;
    a.say(room, "раз").await;
    b.say(room, "два").await;
    let doomed = b.say(room, "три").await;
    b.send(json!({ "type": "delete_message", "message_id": doomed["id"] })).await;
    b.wait_for("message_deleted").await;

    let output = discock(app.database_env(), &["admin", "list-rooms"], "").await;

    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    let lines: Vec<Vec<&str>> =
        table.lines().map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()).collect();
    assert_eq!(lines[0], ["ID", "NAME", "KIND", "MEMBERS", "MESSAGES", "LAST MESSAGE"], "{table}");
    let row = |id: i64| lines.iter().find(|l| l[0] == id.to_string()).unwrap_or_else(|| panic!("room {id} in {table}"));
    assert_eq!(&row(room)[1..5], ["Общий чат", "room", "2", "2"], "{table}");
    assert!(row(room)[5].ends_with("UTC"), "{table}");
    assert_eq!(&row(quiet)[1..], ["тихая", "room", "0", "0", "-"], "{table}");
}

both_backends!(async fn an_admin_command_naming_nobody_says_so_and_fails);
async fn an_admin_command_naming_nobody_says_so_and_fails() {
    let app = spawn_app().await;

    for sub in ["reset-password", "end-sessions", "delete-messages"] {
        let output = discock(app.database_env(), &["admin", sub, "nobody_here"], "a brand new secret\n").await;
        assert_eq!(output.status.code(), Some(1), "{sub}");
        assert!(stderr(&output).contains(r#"there is no user "nobody_here""#), "{sub}: {}", stderr(&output));
    }
    let folder = tempfile::tempdir().unwrap();
    let typo = folder.path().join("typo.db");
    let output = discock(sqlite_env(&typo), &["admin", "list-rooms"], "").await;
    assert!(!output.status.success() && stderr(&output).contains("no SQLite database"), "{}", stderr(&output));
    assert!(!typo.exists(), "a mistyped path is not made into a new database");
}

#[tokio::test]
async fn help_lists_every_command() {
    let output = discock(Vec::new(), &["--help"], "").await;

    let usage = stdout(&output);
    for command in [
        "migrate-sqlite-to-postgres",
        "backup --to FILE",
        "restore --from FILE",
        "admin reset-password USERNAME",
        "admin end-sessions USERNAME",
        "admin delete-messages USERNAME",
        "admin list-rooms",
    ] {
        assert!(usage.contains(command), "{command} in {usage}");
    }
}
