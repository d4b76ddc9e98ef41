//! The `Store` contract, driven directly (no HTTP), and the group-commit writer behind `Db`.

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use discock::config::SessionLifetime;
use discock::domain::{
    self, City, ClientId, Home, MessageId, MessageText, RoomDescription, RoomName, User, UserId, Username,
};
use discock::emoji::Emoji;
use discock::events::{Change, RoomEvent};
use discock::i18n::Lang;
use discock::store::prelude::*;
use discock::store::{self, ChangeOutcome, Conflict, Db, MarkRead, MessageChange, NewMessage, StoreError};

use crate::helpers::*;

/// A store on a fresh database of the current backend; derefs to `dyn Store`.
pub(crate) struct TestStore {
    /// Always `Some` until dropped.
    store: Option<Arc<dyn Store>>,
    /// Deleted after the store is closed (see `Drop`).
    _database: TestDatabase,
}

/// Opens (and migrates) a store on a new database of the current backend.
pub(crate) fn open_store() -> TestStore {
    let database = TestDatabase::create(Backend::current());
    let config = database.config();
    let store = off_runtime(|| store::open(&config)).expect("the store opens");
    TestStore { store: Some(store), _database: database }
}

impl TestStore {
    /// Another handle on the same store, for `Db`.
    fn shared(&self) -> Arc<dyn Store> {
        self.store.clone().expect("open")
    }
}

impl Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &dyn Store {
        self.store.as_deref().expect("open")
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        // Close the connections off the async threads (see `off_runtime`), and before the
        // database itself goes, so that dropping it finds nobody connected.
        let store = self.store.take();
        off_runtime(move || drop(store));
    }
}

pub(crate) fn user(store: &dyn Store, name: &str) -> User {
    store
        .create_user(
            &Username::parse(name).unwrap(),
            "hash",
            &Home::typed(City::parse("Самара").unwrap()),
            None,
            domain::now(),
        )
        .unwrap()
        .user
}

pub(crate) fn message(room: discock::domain::RoomId, user: &User, text: &str, client_id: Option<&str>) -> NewMessage {
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

both_backends!(fn opening_creates_the_folder_and_migrating_twice_is_harmless);
fn opening_creates_the_folder_and_migrating_twice_is_harmless() {
    // An SQLite file in a folder that does not exist yet, or an empty PostgreSQL database.
    let database = TestDatabase::create(Backend::current());
    let first = store::open(&database.config()).unwrap();
    let room = first.ensure_default_room(&RoomName::parse("Общий чат").unwrap(), domain::now()).unwrap();
    drop(first);

    let second = store::open(&database.config()).unwrap();
    let again = second.ensure_default_room(&RoomName::parse("Общий чат").unwrap(), domain::now()).unwrap();

    assert_eq!(room, again, "the default room is created once");
    assert!(room.is_default && room.created_by.is_none());
    assert_eq!(second.list_rooms().unwrap().len(), 1);
}

both_backends!(fn usernames_are_unique_regardless_of_case);
fn usernames_are_unique_regardless_of_case() {
    let store = open_store();
    user(&*store, "Алиса");
    let err = store
        .create_user(
            &Username::parse("АЛИСА").unwrap(),
            "h",
            &Home::typed(City::parse("Уфа").unwrap()),
            None,
            domain::now(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::Username)));
    let (found, hash) = store.find_credentials("алиса").unwrap().unwrap();
    assert_eq!(found.user.username.as_str(), "Алиса");
    assert_eq!(hash, "hash");
}

both_backends!(fn a_chosen_language_is_saved_and_comes_back_with_the_session_and_the_credentials);
fn a_chosen_language_is_saved_and_comes_back_with_the_session_and_the_credentials() {
    let store = open_store();
    let city = Home::typed(City::parse("Уфа").unwrap());
    let anna =
        store.create_user(&Username::parse("anna").unwrap(), "h", &city, Some(Lang::En), domain::now()).unwrap().user;
    let boris = user(&*store, "boris");
    let (now, life) = (domain::now(), short_lifetime());
    store.create_session("annas", anna.id, now, &life).unwrap();
    store.create_session("boriss", boris.id, now, &life).unwrap();
    let language = |hash: &str| store.session_user(hash, now, &life).unwrap().expect("a live session").language;
    assert_eq!((language("annas"), language("boriss")), (Some(Lang::En), None), "as registered");

    store.set_language(boris.id, Lang::Ru).unwrap();
    store.set_language(anna.id, Lang::Ru).unwrap();
    store.set_language(UserId(999_999), Lang::En).unwrap();

    assert_eq!((language("annas"), language("boriss")), (Some(Lang::Ru), Some(Lang::Ru)));
    let (found, _) = store.find_credentials("anna").unwrap().unwrap();
    assert_eq!((found.user, found.language), (anna, Some(Lang::Ru)));
}

/// Sessions that end after three hours idle or a day after their login.
fn short_lifetime() -> SessionLifetime {
    SessionLifetime { idle: std::time::Duration::from_secs(3 * 3600), max: std::time::Duration::from_secs(24 * 3600) }
}

both_backends!(fn a_session_names_its_user_until_idle_too_long_or_past_its_absolute_limit_or_deleted);
fn a_session_names_its_user_until_idle_too_long_or_past_its_absolute_limit_or_deleted() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let (now, life) = (domain::now(), short_lifetime());
    store.create_session("h1", alice.id, now, &life).unwrap();

    assert_eq!(store.session_user("h1", now, &life).unwrap().map(|a| a.user), Some(alice.clone()));
    assert_eq!(store.session_user("h1", now + Duration::hours(4), &life).unwrap(), None, "idle for four hours");
    // Used every two hours, it still ends a day after the login.
    for hours in [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22] {
        assert!(store.session_user("h1", now + Duration::hours(hours), &life).unwrap().is_some(), "{hours} h");
    }
    assert_eq!(store.session_user("h1", now + Duration::hours(24), &life).unwrap(), None, "a day after the login");
    assert!(store.delete_session("h1").unwrap());
    assert!(!store.delete_session("h1").unwrap(), "deleting twice finds nothing");
    assert_eq!(store.session_user("h1", now, &life).unwrap(), None);
}

both_backends!(fn checking_a_session_notes_its_use_at_most_once_an_hour);
fn checking_a_session_notes_its_use_at_most_once_an_hour() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let (now, life) = (domain::now(), short_lifetime());
    store.create_session("early", alice.id, now, &life).unwrap();
    store.create_session("late", alice.id, now, &life).unwrap();

    // Half an hour in: too soon to write, so "early" still counts as last seen at its login.
    store.session_user("early", now + Duration::minutes(30), &life).unwrap();
    // Two hours in: "late" is noted as seen then.
    store.session_user("late", now + Duration::hours(2), &life).unwrap();

    let at = now + Duration::minutes(3 * 60 + 10);
    assert_eq!(store.session_user("early", at, &life).unwrap(), None, "idle since its login");
    assert_eq!(
        store.session_user("late", at, &life).unwrap().map(|a| a.user),
        Some(alice),
        "seen an hour and ten minutes ago"
    );
}

both_backends!(fn creating_a_session_purges_the_ended_ones);
fn creating_a_session_purges_the_ended_ones() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let (now, life) = (domain::now(), short_lifetime());
    store.create_session("idle", alice.id, now - Duration::hours(4), &life).unwrap();
    store.create_session("live", alice.id, now - Duration::hours(1), &life).unwrap();

    store.create_session("new", alice.id, now, &life).unwrap();

    assert!(!store.delete_session("idle").unwrap(), "the ended session was purged");
    assert!(store.delete_session("live").unwrap(), "the live one was kept");
}

both_backends!(fn deleting_a_users_other_sessions_keeps_the_given_one_and_names_those_deleted);
fn deleting_a_users_other_sessions_keeps_the_given_one_and_names_those_deleted() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let bob = user(&*store, "bob");
    let (now, life) = (domain::now(), short_lifetime());
    for (hash, owner) in [("laptop", &alice), ("phone", &alice), ("tablet", &alice), ("bobs", &bob)] {
        store.create_session(hash, owner.id, now, &life).unwrap();
    }

    let mut deleted = store.delete_other_sessions(alice.id, "laptop").unwrap();
    deleted.sort();

    assert_eq!(deleted, ["phone", "tablet"]);
    assert_eq!(store.session_user("laptop", now, &life).unwrap().map(|a| a.user), Some(alice.clone()));
    assert_eq!(store.session_user("phone", now, &life).unwrap(), None);
    assert_eq!(
        store.session_user("bobs", now, &life).unwrap().map(|a| a.user),
        Some(bob),
        "another user's sessions stay"
    );
    assert!(store.delete_other_sessions(alice.id, "laptop").unwrap().is_empty());
}

both_backends!(fn a_batch_is_stored_in_order_and_a_repeated_client_id_returns_the_first_copy);
fn a_batch_is_stored_in_order_and_a_repeated_client_id_returns_the_first_copy() {
    let store = open_store();
    let room = store.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now()).unwrap().id;
    let (alice, bob) = (user(&*store, "alice"), user(&*store, "bobby"));

    let results = store
        .insert_messages(&[
            message(room, &alice, "one", Some("same")),
            message(room, &bob, "two", Some("same")), // another user may reuse the id
            message(room, &alice, "three", None),
            message(room, &alice, "again", Some("same")),
        ])
        .unwrap();

    let fresh: Vec<bool> = results.iter().map(|r| r.fresh).collect();
    assert_eq!(fresh, [true, true, true, false]);
    assert_eq!(results[3].message, results[0].message);
    assert!(results[0].message.id < results[1].message.id && results[1].message.id < results[2].message.id);
    let history = store.messages_before(room, None, 10).unwrap();
    let contents: Vec<&str> = history.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["one", "two", "three"]);
    assert_eq!(history[0], results[0].message, "what was announced is what is stored");
}

both_backends!(fn a_message_for_a_missing_room_fails_the_batch_as_not_found);
fn a_message_for_a_missing_room_fails_the_batch_as_not_found() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let err = store.insert_messages(&[message(discock::domain::RoomId(404), &alice, "x", None)]).unwrap_err();
    assert!(matches!(err, StoreError::NotFound));
}

both_backends!(fn history_pages_go_backwards_from_before);
fn history_pages_go_backwards_from_before() {
    let store = open_store();
    let room = store.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now()).unwrap().id;
    let alice = user(&*store, "alice");
    let batch: Vec<NewMessage> = (0..10).map(|i| message(room, &alice, &format!("m{i}"), None)).collect();
    let ids: Vec<MessageId> = store.insert_messages(&batch).unwrap().into_iter().map(|r| r.message.id).collect();

    let newest = store.messages_before(room, None, 3).unwrap();
    let older = store.messages_before(room, Some(newest[0].id), 3).unwrap();

    assert_eq!(newest.iter().map(|m| m.id).collect::<Vec<_>>(), ids[7..10]);
    assert_eq!(older.iter().map(|m| m.id).collect::<Vec<_>>(), ids[4..7]);
    assert!(store.messages_before(room, Some(ids[0]), 3).unwrap().is_empty());
}

both_backends!(fn room_names_are_unique_regardless_of_case_and_deleting_a_room_deletes_its_messages);
fn room_names_are_unique_regardless_of_case_and_deleting_a_room_deletes_its_messages() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let name = RoomName::parse("Флуд").unwrap();
    let room = store.create_room(&name, &RoomDescription::empty(), alice.id, domain::now()).unwrap();
    let clash =
        store.create_room(&RoomName::parse("флуд").unwrap(), &RoomDescription::empty(), alice.id, domain::now());
    assert!(matches!(clash, Err(StoreError::Conflict(Conflict::RoomName))));
    store.insert_messages(&[message(room.id, &alice, "hi", None)]).unwrap();

    store.delete_room(room.id).unwrap();

    assert!(store.get_room(room.id).unwrap().is_none());
    assert!(matches!(store.delete_room(room.id), Err(StoreError::NotFound)));
    let again = store.create_room(&name, &RoomDescription::empty(), alice.id, domain::now()).unwrap();
    assert!(store.messages_before(again.id, None, 10).unwrap().is_empty());
}

both_backends!(fn updating_a_room_changes_only_what_is_given);
fn updating_a_room_changes_only_what_is_given() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let description = RoomDescription::parse("о погоде").unwrap();
    let room = store.create_room(&RoomName::parse("Погода").unwrap(), &description, alice.id, domain::now()).unwrap();

    let (renamed, _) =
        store.update_room(room.id, Some(&RoomName::parse("Климат").unwrap()), None, domain::now()).unwrap();

    assert_eq!(renamed.name, "Климат");
    assert_eq!(renamed.description, "о погоде");
    let missing = store.update_room(discock::domain::RoomId(999), None, None, domain::now());
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

both_backends!(async fn concurrent_senders_are_committed_together_and_announced_in_id_order);
async fn concurrent_senders_are_committed_together_and_announced_in_id_order() {
    let store = open_store();
    let announced = Arc::new(Mutex::new(Vec::new()));
    let sink = announced.clone();
    let db = Db::new(
        store.shared(),
        Arc::new(move |event: RoomEvent| match event.change {
            Change::MessageCreated { message } => sink.lock().unwrap().push(message.id),
            other => panic!("only messages were written, but the writer announced {other:?}"),
        }),
    );
    // On this async thread the store is used only through `Db`, as the server does.
    let (room, alice) = db
        .call(|s| Ok((s.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now())?.id, user(s, "alice"))))
        .await
        .unwrap();

    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let db = db.clone();
            let m = message(room, &alice, &format!("n{i}"), Some(&format!("c{i}")));
            tokio::spawn(async move { db.insert_message(m).await.unwrap() })
        })
        .collect();
    let mut stored = Vec::new();
    for t in tasks {
        stored.push(t.await.unwrap().message.id);
    }

    let announced = announced.lock().unwrap().clone();
    assert_eq!(announced.len(), 200);
    assert!(announced.windows(2).all(|w| w[0] < w[1]), "the sink sees commits in id order");
    stored.sort();
    assert_eq!(stored, announced, "every sender got its own message back");
    let newest = db.call(move |s| s.messages_before(room, None, 100)).await.unwrap();
    assert_eq!(newest.len(), 100);
}

/// A writer whose commit sink records what it announces, the default room, Alice and Bob, and
/// Alice's first message there.
struct Writing {
    db: Db,
    announced: Arc<Mutex<Vec<RoomEvent>>>,
    room: domain::RoomId,
    alice: User,
    bob: User,
    first: domain::Message,
    _store: TestStore,
}

async fn writing_with_a_first_message() -> Writing {
    let store = open_store();
    let announced = Arc::new(Mutex::new(Vec::new()));
    let sink = announced.clone();
    let db = Db::new(store.shared(), Arc::new(move |event: RoomEvent| sink.lock().unwrap().push(event)));
    let (room, alice, bob) = db
        .call(|s| {
            let room = s.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now())?.id;
            Ok((room, user(s, "alice"), user(s, "bob")))
        })
        .await
        .unwrap();
    let first = db.insert_message(message(room, &alice, "первое", None)).await.unwrap().message;
    Writing { db, announced, room, alice, bob, first, _store: store }
}

both_backends!(async fn changes_queued_among_messages_are_committed_and_announced_in_their_place);
async fn changes_queued_among_messages_are_committed_and_announced_in_their_place() {
    let Writing { db, announced, room, alice, bob, first, _store } = writing_with_a_first_message().await;

    // Messages and changes queued together, without waiting for each other, so the writer
    // takes several of them into one batch.
    let mut pending = Vec::new();
    for i in 0..20 {
        pending.push(db.queue_message(message(room, &bob, &format!("n{i}"), None)).await.unwrap());
    }
    let thumbs = MessageChange::AddReaction { emoji: Emoji::parse("👍").unwrap() };
    let edit =
        MessageChange::Edit { content: MessageText::parse("исправлено").unwrap(), mention_keys: vec![] };
    let (added, again, edited, missing) = tokio::join!(
        db.change_message(first.id, thumbs.clone(), bob.id, domain::now()),
        db.change_message(first.id, thumbs, bob.id, domain::now()),
        db.change_message(first.id, edit, alice.id, domain::now()),
        db.change_message(MessageId(first.id.0 + 10_000), MessageChange::Delete, alice.id, domain::now()),
    );
    for p in pending {
        p.await.unwrap();
    }

    assert!(matches!(added.unwrap(), ChangeOutcome::Logged(_)));
    assert_eq!(again.unwrap(), ChangeOutcome::Unchanged, "a repeated reaction logs nothing");
    assert!(matches!(edited.unwrap(), ChangeOutcome::Logged(_)));
    assert_eq!(missing.unwrap(), ChangeOutcome::NotFound, "a change to no message sinks nothing else");
    let announced = announced.lock().unwrap().clone();
    let seqs: Vec<i64> = announced.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=23).collect::<Vec<i64>>(), "one event per fresh message or change, in seq order");
    assert_eq!(announced.iter().filter(|e| matches!(e.change, Change::ReactionAdded { .. })).count(), 1);
    let kinds = |events: &[RoomEvent]| events.iter().map(|e| (e.seq, e.change.kind())).collect::<Vec<_>>();
    let logged = db.call(move |s| s.events_after(room, 0, 100)).await.unwrap();
    assert_eq!(kinds(&logged), kinds(&announced), "the log holds what was announced, in the same order");
    let now = db.call(move |s| s.message(first.id, Some(bob.id))).await.unwrap().unwrap();
    assert_eq!(now.content, "исправлено");
    assert_eq!(now.reactions.len(), 1);
    assert!(now.reactions[0].me);
}

both_backends!(async fn read_markers_queued_among_messages_count_what_is_committed_before_them);
async fn read_markers_queued_among_messages_count_what_is_committed_before_them() {
    let Writing { db, announced, room, alice, bob, first, _store } = writing_with_a_first_message().await;

    // Bob's marks and Alice's messages queued together, so the writer batches them.
    let mut pending = Vec::new();
    for i in 0..5 {
        pending.push(db.queue_message(message(room, &alice, &format!("n{i}"), None)).await.unwrap());
    }
    let (moved, behind, missing) = tokio::join!(
        db.mark_read(bob.id, room, first.id, domain::now(), true),
        db.mark_read(bob.id, room, first.id, domain::now(), true),
        db.mark_read(bob.id, room, MessageId(first.id.0 + 10_000), domain::now(), true),
    );
    for p in pending {
        p.await.unwrap();
    }

    let MarkRead::Moved(state) = moved.unwrap() else { panic!("the first mark moves the marker") };
    assert_eq!((state.last_read_id, state.unread), (first.id, 5), "the messages queued before it count");
    assert_eq!(behind.unwrap(), MarkRead::Unchanged, "a marker never moves to where it is");
    assert_eq!(missing.unwrap(), MarkRead::MessageNotFound, "a mark of no message sinks nothing else");
    assert_eq!(announced.lock().unwrap().len(), 6, "a mark is no room event: only the messages are announced");
    let states = db.call(move |s| s.read_states(bob.id)).await.unwrap();
    assert_eq!(states.iter().find(|s| s.room_id == room).unwrap().unread, 5);

    // A mark nobody waits for the counts of moves the marker just the same.
    let last = db.call(move |s| s.messages_before(room, None, 1)).await.unwrap().remove(0);
    let quiet = db.mark_read(bob.id, room, last.id, domain::now(), false).await.unwrap();
    assert_eq!(quiet, MarkRead::MovedUncounted);
    assert_eq!(db.mark_read(bob.id, room, last.id, domain::now(), false).await.unwrap(), MarkRead::Unchanged);
    let states = db.call(move |s| s.read_states(bob.id)).await.unwrap();
    let state = states.iter().find(|s| s.room_id == room).unwrap();
    assert_eq!((state.last_read_id, state.unread), (last.id, 0));
}

both_backends!(fn each_room_numbers_its_messages_without_gaps);
fn each_room_numbers_its_messages_without_gaps() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let a =
        store.create_room(&RoomName::parse("A").unwrap(), &RoomDescription::empty(), alice.id, domain::now()).unwrap();
    let b =
        store.create_room(&RoomName::parse("B").unwrap(), &RoomDescription::empty(), alice.id, domain::now()).unwrap();
    let batch = vec![
        message(a.id, &alice, "a1", None),
        message(b.id, &alice, "b1", None),
        message(a.id, &alice, "a2", Some("x")),
        message(a.id, &alice, "a2 again", Some("x")),
        message(a.id, &alice, "a3", None),
    ];

    let seqs: Vec<(i64, bool)> =
        store.insert_messages(&batch).unwrap().iter().map(|r| (r.message.seq, r.fresh)).collect();

    assert_eq!(seqs, [(1, true), (1, true), (2, true), (2, false), (3, true)]);
    let after_one: Vec<String> =
        posted(store.events_after(a.id, 1, 10).unwrap()).into_iter().map(|m| m.content).collect();
    assert_eq!(after_one, ["a2", "a3"]);
    assert_eq!(store.events_after(b.id, 0, 10).unwrap().len(), 1);
}

/// The messages that a run of events posted, in order; panics on any other kind of event.
fn posted(events: Vec<RoomEvent>) -> Vec<domain::Message> {
    events
        .into_iter()
        .map(|e| match e.change {
            Change::MessageCreated { message } => message,
            other => panic!("expected a posted message, got {other:?}"),
        })
        .collect()
}

both_backends!(fn messages_and_room_changes_share_one_gapless_sequence_in_the_log);
fn messages_and_room_changes_share_one_gapless_sequence_in_the_log() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let room = store
        .create_room(&RoomName::parse("Лог").unwrap(), &RoomDescription::empty(), alice.id, domain::now())
        .unwrap();
    store.insert_messages(&[message(room.id, &alice, "первое", None)]).unwrap();
    let (renamed, rename_seq) =
        store.update_room(room.id, Some(&RoomName::parse("Журнал").unwrap()), None, domain::now()).unwrap();
    let second = store.insert_messages(&[message(room.id, &alice, "второе", None)]).unwrap();

    let log = store.events_after(room.id, 0, 10).unwrap();

    assert_eq!(rename_seq, 2);
    assert_eq!(second[0].message.seq, 3, "the message after the rename takes the next seq");
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(matches!(&log[0].change, Change::MessageCreated { message } if message.content == "первое"));
    assert_eq!(log[1].change, Change::RoomUpdated { room: renamed });
    assert_eq!(log[2].change, Change::MessageCreated { message: second[0].message.clone() });
    assert_eq!(store.room_seq(room.id).unwrap(), Some(3));
    assert_eq!(store.events_after(room.id, 1, 1).unwrap().len(), 1, "the limit holds");
    assert_eq!(store.room_seq(discock::domain::RoomId(999)).unwrap(), None);
}

both_backends!(fn a_history_page_comes_with_the_rooms_seq_as_of_the_same_read);
fn a_history_page_comes_with_the_rooms_seq_as_of_the_same_read() {
    let store = open_store();
    let alice = user(&*store, "alice");
    let room = store
        .create_room(&RoomName::parse("Стр").unwrap(), &RoomDescription::empty(), alice.id, domain::now())
        .unwrap();
    let empty = store.history(room.id, None, 10, alice.id).unwrap().expect("the room exists");
    let batch: Vec<NewMessage> = (0..5).map(|i| message(room.id, &alice, &format!("m{i}"), None)).collect();
    store.insert_messages(&batch).unwrap();
    store.update_room(room.id, None, Some(&RoomDescription::parse("новое").unwrap()), domain::now()).unwrap();

    let page = store.history(room.id, None, 3, alice.id).unwrap().expect("the room exists");

    assert_eq!((empty.messages.len(), empty.seq), (0, 0));
    assert_eq!(page.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(), ["m2", "m3", "m4"]);
    assert_eq!(page.seq, 6, "five messages and a room change");
    assert!(store.history(discock::domain::RoomId(999), None, 3, alice.id).unwrap().is_none());
}

both_backends!(fn unread_counts_stop_at_a_thousand_and_read_markers_only_move_forward);
fn unread_counts_stop_at_a_thousand_and_read_markers_only_move_forward() {
    let store = open_store();
    let room = store.ensure_default_room(&RoomName::parse("Общий").unwrap(), domain::now()).unwrap().id;
    let alice = user(&*store, "alice");
    // Someone whose id has alice's in it ("1" in "10"): mentioning them is no mention of her.
    let lookalike = (0..40)
        .map(|i| user(&*store, &format!("someone{i}")))
        .find(|u| u.id.0.to_string().contains(&alice.id.0.to_string()))
        .expect("an id containing alice's");
    let bob = user(&*store, "bobby");
    let mentioning = |who: &User, text: &str| NewMessage {
        mention_keys: vec![who.username.key()],
        ..message(room, &bob, text, None)
    };
    let mut batch: Vec<NewMessage> = (0..1003).map(|i| mentioning(&alice, &format!("@alice {i}"))).collect();
    batch.push(mentioning(&lookalike, "не ей"));
    batch.push(message(room, &alice, "своё", None));
    let stored = store.insert_messages(&batch).unwrap();
    let id = |i: usize| stored[i].message.id;

    let states = store.read_states(alice.id).unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!((states[0].last_read_id, states[0].unread, states[0].mentions), (MessageId(0), 1000, 1000));

    let moved = store.mark_read(alice.id, room, id(1000), domain::now()).unwrap();
    let store::MarkRead::Moved(state) = moved else { panic!("the marker moves: {moved:?}") };
    assert_eq!((state.room_id, state.last_read_id, state.unread, state.mentions), (room, id(1000), 3, 2));
    assert_eq!(store.mark_read(alice.id, room, id(5), domain::now()).unwrap(), store::MarkRead::Unchanged);
    assert_eq!(store.mark_read(alice.id, room, id(1000), domain::now()).unwrap(), store::MarkRead::Unchanged);
    assert_eq!(store.read_states(alice.id).unwrap(), vec![state], "as it was after the move");
    assert_eq!(
        store.mark_read(alice.id, discock::domain::RoomId(room.0 + 1), id(1002), domain::now()).unwrap(),
        store::MarkRead::MessageNotFound,
        "a message of another room"
    );
    assert_eq!(store.read_states(bob.id).unwrap()[0].unread, 1, "bob's marker is his own: alice's message");
}

both_backends!(fn blocks_are_kept_per_direction_and_blocked_between_sees_either);
fn blocks_are_kept_per_direction_and_blocked_between_sees_either() {
    use discock::domain::Blocks;
    use discock::store::Block;
    let store = open_store();
    let (anna, boris, clara) = (user(&*store, "anna"), user(&*store, "boris"), user(&*store, "clara"));
    let now = domain::now();

    assert_eq!(store.block(anna.id, boris.id, now).unwrap(), Block::Blocked);
    assert_eq!(store.block(anna.id, boris.id, now).unwrap(), Block::AlreadyBlocked);
    assert_eq!(store.block(anna.id, UserId(999_999_999), now).unwrap(), Block::NoSuchUser);
    assert_eq!(store.block(clara.id, anna.id, now + Duration::seconds(1)).unwrap(), Block::Blocked);

    assert!(store.blocked_between(anna.id, boris.id).unwrap());
    assert!(store.blocked_between(boris.id, anna.id).unwrap(), "either way round");
    assert!(!store.blocked_between(boris.id, clara.id).unwrap());
    assert_eq!(store.blocks(anna.id).unwrap(), Blocks { blocked: vec![boris.id], blocked_by: vec![clara.id] });
    assert_eq!(store.blocked_users(anna.id).unwrap(), std::slice::from_ref(&boris));

    assert!(store.unblock(anna.id, boris.id).unwrap());
    assert!(!store.unblock(anna.id, boris.id).unwrap(), "nothing left to lift");
    assert!(!store.blocked_between(anna.id, boris.id).unwrap());
    assert_eq!(store.blocks(boris.id).unwrap(), Blocks::default());
}
