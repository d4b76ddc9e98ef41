//! Tests of the PostgreSQL store against scratch databases (skipped when no server runs here).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Duration as Span, TimeZone, Utc};

use super::connect::{client_config, describe_target};
use super::migrations::MIGRATIONS;
use super::scratch::{self, ScratchDb};
use super::{Options, PostgresStore};
use crate::config::SessionLifetime;
use crate::domain::{
    self, City, ClientId, Home, Message, MessageId, MessageText, Room, RoomDescription, RoomId, RoomName, User, UserId,
    Username,
};
use crate::events::{Change, RoomEvent};
use crate::store::prelude::*;
use crate::store::{Conflict, NewMessage, StoreError};

fn options() -> Options {
    Options {
        pool_size: 2,
        connect_timeout: Duration::ZERO,
        checkout_timeout: Duration::from_millis(500),
        pool_waits: crate::metrics::PoolWaits::default(),
    }
}

fn open(db: &ScratchDb) -> PostgresStore {
    PostgresStore::open_with(&db.url, &options()).expect("opening the scratch database")
}

fn user(store: &dyn Store, name: &str) -> User {
    let city = Home::typed(City::parse("Самара").unwrap());
    store.create_user(&Username::parse(name).unwrap(), "hash", &city, None, domain::now()).unwrap().user
}

fn room(store: &dyn Store, by: &User, name: &str) -> Room {
    store.create_room(&RoomName::parse(name).unwrap(), &RoomDescription::empty(), by.id, domain::now()).unwrap()
}

fn message(room: RoomId, user: &User, text: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage {
        room_id: room,
        user: user.clone(),
        content: MessageText::parse(text).unwrap(),
        client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
        created_at: domain::now(),
        reply_to: None,
        mention_keys: Vec::new(),
    }
}

/// The messages that events posted, in order.
fn posted(events: Vec<RoomEvent>) -> Vec<Message> {
    events
        .into_iter()
        .map(|e| match e.change {
            Change::MessageCreated { message } => message,
            other => panic!("expected a message, got {other:?}"),
        })
        .collect()
}

fn contents(messages: &[Message]) -> Vec<&str> {
    messages.iter().map(|m| m.content.as_str()).collect()
}

#[test]
fn migrating_twice_is_harmless_and_the_default_room_is_created_once() {
    let Some(db) = scratch::database() else { return };
    let name = RoomName::parse("Общий чат").unwrap();
    let first = open(&db).ensure_default_room(&name, domain::now()).unwrap();

    let again = open(&db).ensure_default_room(&name, domain::now()).unwrap();

    assert_eq!(first, again);
    assert!(first.is_default && first.created_by.is_none());
    let versions: i64 = db.client().query_one("SELECT count(*) FROM schema_migrations", &[]).unwrap().get(0);
    assert_eq!(versions, MIGRATIONS.len() as i64);
}

#[test]
fn a_migration_missing_below_the_newest_applied_one_is_applied_at_the_next_start() {
    let Some(db) = scratch::database() else { return };
    drop(open(&db));
    // As if 008 had been merged after 010 was applied: neither its table nor its record.
    db.client().batch_execute("DROP TABLE read_states; DELETE FROM schema_migrations WHERE version = 8;").unwrap();

    drop(open(&db));

    let mut client = db.client();
    let table: Option<String> = client.query_one("SELECT to_regclass('read_states')::text", &[]).unwrap().get(0);
    let versions: i64 = client.query_one("SELECT count(*) FROM schema_migrations", &[]).unwrap().get(0);
    assert_eq!((table.as_deref(), versions), (Some("read_states"), MIGRATIONS.len() as i64));
}

#[test]
fn instances_starting_together_on_an_empty_database_agree_on_schema_and_default_room() {
    let Some(db) = scratch::database() else { return };
    let url = db.url.clone();

    let rooms: Vec<Room> = std::thread::scope(|s| {
        let starts: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let store = PostgresStore::open_with(&url, &options()).unwrap();
                    store.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now()).unwrap()
                })
            })
            .collect();
        starts.into_iter().map(|t| t.join().unwrap()).collect()
    });

    assert!(rooms.windows(2).all(|w| w[0] == w[1]), "{rooms:?}");
    assert_eq!(open(&db).list_rooms().unwrap().len(), 1);
}

#[test]
fn the_default_room_adopts_an_existing_room_of_that_name() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let existing = room(&store, &alice, "Общий");

    let default = store.ensure_default_room(&RoomName::parse("ОБЩИЙ").unwrap(), domain::now()).unwrap();

    assert_eq!(default.id, existing.id);
    assert!(default.is_default);
    assert_eq!(default.created_by, Some(alice.id));
}

#[test]
fn usernames_are_unique_regardless_of_case() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "Алиса");

    let clash = store.create_user(
        &Username::parse("АЛИСА").unwrap(),
        "h",
        &Home::typed(City::parse("Уфа").unwrap()),
        None,
        domain::now(),
    );

    assert!(matches!(clash, Err(StoreError::Conflict(Conflict::Username))), "{clash:?}");
    let (found, hash) = store.find_credentials("алиса").unwrap().unwrap();
    assert_eq!((found.user, found.language, hash.as_str()), (alice, None, "hash"));
    assert!(store.find_credentials("боб").unwrap().is_none());
}

#[test]
fn sessions_name_their_user_until_they_expire_or_are_deleted() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let now = domain::now();
    let lifetime = SessionLifetime { idle: Duration::from_secs(3 * 3600), max: Duration::from_secs(24 * 3600) };
    store.create_session("old", alice.id, now - Span::days(2), &lifetime).unwrap();
    store.create_session("h1", alice.id, now, &lifetime).unwrap();

    assert_eq!(store.session_user("h1", now, &lifetime).unwrap().map(|a| a.user), Some(alice.clone()));
    assert_eq!(store.session_user("h1", now + Span::hours(4), &lifetime).unwrap(), None, "idle too long");
    store.delete_session("h1").unwrap();
    assert_eq!(store.session_user("h1", now, &lifetime).unwrap(), None);
    let left: i64 = db.client().query_one("SELECT count(*) FROM sessions", &[]).unwrap().get(0);
    assert_eq!(left, 0, "creating a session purged the ended one");
    assert!(matches!(store.create_session("h2", UserId(999), now, &lifetime), Err(StoreError::NotFound)));
    assert!(matches!(
        store
            .create_session("h3", alice.id, now, &lifetime)
            .and_then(|_| store.create_session("h3", alice.id, now, &lifetime)),
        Err(StoreError::Conflict(_))
    ));
}

#[test]
fn rooms_are_unique_regardless_of_case_and_updates_change_only_what_is_given() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let description = RoomDescription::parse("о погоде").unwrap();
    let weather =
        store.create_room(&RoomName::parse("Погода").unwrap(), &description, alice.id, domain::now()).unwrap();
    let flood = room(&store, &alice, "Флуд");

    let clash = store.create_room(&RoomName::parse("ФЛУД").unwrap(), &description, alice.id, domain::now());
    let rename_clash = store.update_room(weather.id, Some(&RoomName::parse("флуд").unwrap()), None, domain::now());
    let (renamed, seq) =
        store.update_room(weather.id, Some(&RoomName::parse("Климат").unwrap()), None, domain::now()).unwrap();

    assert!(matches!(clash, Err(StoreError::Conflict(Conflict::RoomName))), "{clash:?}");
    assert!(matches!(rename_clash, Err(StoreError::Conflict(Conflict::RoomName))), "{rename_clash:?}");
    assert_eq!((renamed.name.as_str(), renamed.description.as_str()), ("Климат", "о погоде"));
    assert_eq!(seq, 1, "the rename is the room's first event; the refused one took no seq");
    assert_eq!(store.get_room(weather.id).unwrap(), Some(renamed.clone()));
    assert_eq!(store.list_rooms().unwrap(), [renamed, flood]);
    assert!(matches!(store.update_room(RoomId(999), None, None, domain::now()), Err(StoreError::NotFound)));
    assert!(matches!(
        store.create_room(&RoomName::parse("Ничья").unwrap(), &description, UserId(999), domain::now()),
        Err(StoreError::NotFound)
    ));
}

#[test]
fn deleting_a_room_deletes_its_messages_and_a_second_delete_is_not_found() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let flood = room(&store, &alice, "Флуд");
    store.insert_messages(&[message(flood.id, &alice, "hi", None)]).unwrap();

    store.delete_room(flood.id).unwrap();

    assert!(store.get_room(flood.id).unwrap().is_none());
    assert!(matches!(store.delete_room(flood.id), Err(StoreError::NotFound)));
    let again = room(&store, &alice, "Флуд");
    assert!(again.id > flood.id, "ids are never reused");
    assert!(store.messages_before(again.id, None, 10).unwrap().is_empty());
}

#[test]
fn a_batch_numbers_each_room_without_gaps_and_a_repeated_client_id_returns_the_first_copy() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let (alice, bob) = (user(&store, "alice"), user(&store, "bobby"));
    let (a, b) = (room(&store, &alice, "B-room").id, room(&store, &alice, "A-room").id);

    let results = store
        .insert_messages(&[
            message(a, &alice, "a1", Some("same")),
            message(b, &alice, "b1", None),
            message(a, &bob, "a2", Some("same")), // another user may reuse the id
            message(a, &alice, "a1 again", Some("same")),
            message(a, &alice, "a3", None),
        ])
        .unwrap();

    let seqs: Vec<(i64, bool)> = results.iter().map(|r| (r.message.seq, r.fresh)).collect();
    assert_eq!(seqs, [(1, true), (1, true), (2, true), (1, false), (3, true)]);
    assert_eq!(results[3].message, results[0].message);
    let ids: Vec<MessageId> = results.iter().map(|r| r.message.id).collect();
    assert!(ids[0] < ids[1] && ids[1] < ids[2] && ids[2] < ids[4]);
    let history = store.messages_before(a, None, 10).unwrap();
    assert_eq!(contents(&history), ["a1", "a2", "a3"]);
    assert_eq!(history[0], results[0].message, "what was announced is what is stored");

    let later = store.insert_messages(&[message(a, &alice, "again, later", Some("same"))]).unwrap();
    assert_eq!((later[0].fresh, later[0].message.id), (false, ids[0]));
    assert_eq!(store.insert_messages(&[message(a, &alice, "a4", None)]).unwrap()[0].message.seq, 4);
}

#[test]
fn a_batch_finds_its_rooms_through_their_key_rather_than_reading_them_all() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let first = store.insert_messages(&[message(room(&store, &alice, "Busy").id, &alice, "hi", None)]).unwrap();
    let mut conn = store.writer_connection().unwrap();
    let client = conn.client();

    // Rooms enough (direct conversations are rooms too) that reading them all costs more
    // than finding a few by their key.
    client
        .batch_execute(
            "INSERT INTO rooms (name, name_key, created_at)
             SELECT 'room ' || n, 'room ' || n, now() FROM generate_series(1, 20000) AS n;
             ANALYZE rooms",
        )
        .unwrap();
    let statement = client.prepare(&format!("EXPLAIN {}", super::batch::LOCK_ROOMS)).unwrap();
    let plan: Vec<String> = client
        .query(&statement, &[&vec![first[0].message.room_id.0], &vec![first[0].message.id.0]])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    // The scan of `rooms` is led by its key (an index condition), not a walk of all of them.
    let scan = plan.iter().position(|line| line.contains(" on rooms")).expect("a scan of the rooms");
    assert!(plan[scan].contains("rooms_pkey") && plan[scan + 1].contains("Index Cond"), "{}", plan.join("\n"));
}

#[test]
fn a_message_for_a_missing_room_or_user_fails_the_whole_batch_as_not_found() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let a = room(&store, &alice, "A").id;
    let ghost = User { id: UserId(999), ..alice.clone() };

    let missing_room =
        store.insert_messages(&[message(a, &alice, "kept?", None), message(RoomId(404), &alice, "x", None)]);
    let missing_user = store.insert_messages(&[message(a, &ghost, "boo", None)]);

    assert!(matches!(missing_room, Err(StoreError::NotFound)), "{missing_room:?}");
    assert!(matches!(missing_user, Err(StoreError::NotFound)), "{missing_user:?}");
    assert!(store.messages_before(a, None, 10).unwrap().is_empty(), "all or nothing");
    assert_eq!(store.insert_messages(&[message(a, &alice, "first", None)]).unwrap()[0].message.seq, 1, "no gap");
}

#[test]
fn history_pages_backwards_by_id_and_forwards_by_seq() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let (a, b) = (room(&store, &alice, "A").id, room(&store, &alice, "B").id);
    let batch: Vec<NewMessage> = (0..10).map(|i| message(a, &alice, &format!("m{i}"), None)).collect();
    let ids: Vec<MessageId> = store.insert_messages(&batch).unwrap().into_iter().map(|r| r.message.id).collect();
    store.insert_messages(&[message(b, &alice, "elsewhere", None)]).unwrap();

    let newest = store.messages_before(a, None, 3).unwrap();
    let older = store.messages_before(a, Some(newest[0].id), 3).unwrap();
    let after = posted(store.events_after(a, 7, 2).unwrap());

    assert_eq!(newest.iter().map(|m| m.id).collect::<Vec<_>>(), ids[7..10]);
    assert_eq!(older.iter().map(|m| m.id).collect::<Vec<_>>(), ids[4..7]);
    assert!(store.messages_before(a, Some(ids[0]), 3).unwrap().is_empty());
    assert_eq!(contents(&after), ["m7", "m8"]);
    assert_eq!(after.iter().map(|m| m.seq).collect::<Vec<_>>(), [8, 9]);
    assert!(store.events_after(a, 10, 5).unwrap().is_empty());
    assert_eq!(contents(&posted(store.events_after(b, 0, 5).unwrap())), ["elsewhere"]);
}

#[test]
fn timestamps_come_back_to_the_microsecond() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    let alice = user(&store, "alice");
    let at = Utc.timestamp_micros(1_700_000_000_123_457).unwrap();
    let a = store.create_room(&RoomName::parse("A").unwrap(), &RoomDescription::empty(), alice.id, at).unwrap();

    store.insert_messages(&[NewMessage { created_at: at, ..message(a.id, &alice, "x", None) }]).unwrap();

    assert_eq!(store.get_room(a.id).unwrap().unwrap().created_at, at);
    assert_eq!(store.messages_before(a.id, None, 1).unwrap()[0].created_at, at);
}

#[test]
fn a_client_id_stored_meanwhile_by_another_instance_is_answered_with_that_copy() {
    let Some(db) = scratch::database() else { return };
    let store = Arc::new(open(&db));
    let alice = user(&*store, "alice");
    let (here, there) = (room(&*store, &alice, "here").id, room(&*store, &alice, "there").id);
    let mut other_instance = db.client();
    let mut tx = other_instance.transaction().unwrap();
    tx.execute("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1", &[&there.0]).unwrap();
    tx.execute(
        "INSERT INTO messages (room_id, user_id, content, client_id, seq, created_at) VALUES ($1, $2, 'first', 'c1', 1, now())",
        &[&there.0, &alice.id.0],
    )
    .unwrap();

    let sender = {
        let (store, alice) = (store.clone(), alice.clone());
        std::thread::spawn(move || store.insert_messages(&[message(here, &alice, "resent", Some("c1"))]))
    };
    std::thread::sleep(Duration::from_millis(300)); // the insert now waits on the unique index
    tx.commit().unwrap();
    let answer = sender.join().unwrap().unwrap();

    assert!(!answer[0].fresh);
    assert_eq!((answer[0].message.content.as_str(), answer[0].message.room_id), ("first", there));
    assert_eq!(store.insert_messages(&[message(here, &alice, "next", None)]).unwrap()[0].message.seq, 1, "no gap");
}

#[test]
fn an_unreachable_server_is_unavailable_after_the_connect_timeout_without_leaking_the_password() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://app:s3cret@127.0.0.1:{port}/chat");

    let once = PostgresStore::open(&url, 1, Duration::ZERO).err().expect("nobody listens there");
    let started = Instant::now();
    let patient = PostgresStore::open(&url, 1, Duration::from_millis(700)).err().expect("nobody listens there");
    let waited = started.elapsed();

    let (once, patient) = (once.to_string(), patient.to_string());
    assert!(once.contains(&format!("PostgreSQL at 127.0.0.1:{port} not reachable")), "{once}");
    assert!(once.contains("(1 attempt)"), "{once}");
    assert!(patient.contains("(4 attempts)"), "200 + 400 + 100 ms of waiting: {patient}");
    assert!(waited >= Duration::from_millis(700) && waited < Duration::from_secs(2), "{waited:?}");
    assert!(!once.contains("s3cret") && !patient.contains("s3cret"));
    assert!(matches!(PostgresStore::open(&url, 1, Duration::ZERO), Err(StoreError::Unavailable(_))));
}

#[test]
fn a_server_that_refuses_the_login_fails_at_once_rather_than_being_retried() {
    let Some(db) = scratch::database() else { return };
    let missing = db.url.replace(&db.name, "discock_no_such_database");
    let started = Instant::now();

    let err = PostgresStore::open(&missing, 1, Duration::from_secs(30)).err().expect("no such database");

    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// A TCP proxy in front of the real server that can be cut off and restored.
struct Proxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let streams = Arc::new(Mutex::new(Vec::new()));
        let (accepting, tracked, upstream) = (open.clone(), streams.clone(), upstream.to_owned());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !accepting.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                let mut all = tracked.lock().unwrap();
                all.push(client.try_clone().unwrap());
                all.push(server.try_clone().unwrap());
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Proxy { addr, open, streams }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

#[test]
fn calls_are_unavailable_while_the_server_is_cut_off_and_the_pool_recovers_when_it_returns() {
    let Some(db) = scratch::database() else { return };
    let proxy = Proxy::start(&db.server);
    let store = PostgresStore::open_with(&db.url_via(proxy.addr), &options()).unwrap();
    assert!(store.list_rooms().unwrap().is_empty());

    proxy.cut();
    let started = Instant::now();
    let down = store.list_rooms();
    let failed_after = started.elapsed();
    proxy.restore();
    let recovered = (0..40).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        store.list_rooms().is_ok()
    });

    assert!(matches!(down, Err(StoreError::Unavailable(_))), "{down:?}");
    assert!(failed_after < Duration::from_secs(2), "fails fast: {failed_after:?}");
    assert!(recovered, "the pool reconnects by itself");
}

#[test]
fn messages_queued_while_the_server_is_cut_off_are_all_answered_unavailable_at_once() {
    let Some(db) = scratch::database() else { return };
    let proxy = Proxy::start(&db.server);
    let store = Arc::new(PostgresStore::open_with(&db.url_via(proxy.addr), &options()).unwrap());
    let alice = user(&*store, "alice");
    let a = room(&*store, &alice, "A").id;
    let db_handle = crate::store::Db::new(store, Arc::new(|_| {}));
    proxy.cut();

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let started = Instant::now();
    let answers = runtime.block_on(async {
        let sends: Vec<_> = (0..40)
            .map(|i| {
                let (db, m) = (db_handle.clone(), message(a, &alice, &format!("m{i}"), None));
                tokio::spawn(async move { db.insert_message(m).await })
            })
            .collect();
        let mut answers = Vec::new();
        for send in sends {
            answers.push(send.await.unwrap());
        }
        answers
    });
    let took = started.elapsed();
    runtime.block_on(async move { drop(db_handle) });

    assert!(answers.iter().all(|a| matches!(a, Err(StoreError::Unavailable(_)))), "{answers:?}");
    assert!(took < Duration::from_secs(3), "not one checkout timeout per message: {took:?}");
}

#[test]
fn a_store_dropped_inside_an_async_runtime_does_not_panic() {
    let Some(db) = scratch::database() else { return };
    let store = open(&db);
    store.list_rooms().unwrap(); // a connection is open and idle in the pool

    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async move { drop(store) });
}

#[test]
fn a_url_with_several_hosts_is_described_by_host_and_port_only() {
    let config = client_config("postgres://app:s3cret@db1:5433,db2/chat").unwrap().driver;
    assert_eq!(describe_target(&config), "db1:5433, db2:5432");
    let err = client_config("postgres://app:s3cret@db:x/chat").err().unwrap().to_string();
    assert!(!err.contains("s3cret"), "{err}");
}
