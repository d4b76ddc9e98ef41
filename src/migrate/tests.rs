//! Tests of the SQLite to PostgreSQL copy (on a scratch PostgreSQL
//! database when one is reachable).

use super::*;
use crate::config::SessionLifetime;
use crate::domain::{
    self, AvatarSize, AvatarVersion, City, CityPrivacy, ClientId, Home, MessageText, RoomDescription, RoomName,
    Username,
};
use crate::i18n::Lang;
use crate::store::postgres::scratch;
use crate::store::prelude::*;
use crate::store::{MessageChange, NewAvatar, NewMessage, ProfileChange};

#[test]
fn a_missing_sqlite_file_is_refused_rather_than_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");

    let err = sqlite_to_postgres(&path, "postgres://nobody@127.0.0.1:1/x", Duration::ZERO).unwrap_err();

    assert!(matches!(err, MigrateError::SourceMissing(_)), "{err}");
    assert!(!path.exists());
}

/// An SQLite database with two users, three rooms (one a city's, one deleted after use),
/// messages with and without client ids, a live session and one past the default absolute
/// limit.
fn small_sqlite_database(path: &Path) -> (Vec<crate::domain::Message>, crate::domain::Room) {
    let store = SqliteStore::open(path).unwrap();
    let city = Home::typed(City::parse("Самара").unwrap());
    let now = domain::now();
    let alice = store.create_user(&Username::parse("Алиса").unwrap(), "h1", &city, Some(Lang::En), now).unwrap().user;
    let bob = store.create_user(&Username::parse("bobby").unwrap(), "h2", &city, None, now).unwrap().user;
    let private = ProfileChange { city_privacy: Some(CityPrivacy::Country), ..ProfileChange::default() };
    store.update_profile(bob.id, &private).unwrap();
    let picture = NewAvatar {
        version: AvatarVersion(7),
        small: vec![1, 2, 3],
        large: vec![4, 5, 6, 0],
        content_type: "image/png",
    };
    let alice = store.set_avatar(alice.id, &picture, now).unwrap();
    let general = store.ensure_default_room(&RoomName::parse("Общий").unwrap(), now).unwrap();
    let kazan = RoomName::parse("Казань").unwrap();
    store.city_room(crate::cities::CityId(551487), &kazan, &kazan, now).unwrap();
    let doomed =
        store.create_room(&RoomName::parse("Временная").unwrap(), &RoomDescription::empty(), alice.id, now).unwrap();
    let say = |room, user: &crate::domain::User, text: &str, client_id: Option<&str>| NewMessage {
        room_id: room,
        user: user.clone(),
        content: MessageText::parse(text).unwrap(),
        client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
        created_at: domain::now(),
        reply_to: None,
        mention_keys: Vec::new(),
    };
    let kept = store
        .insert_messages(&[
            say(general.id, &alice, "привет", Some("c1")),
            say(general.id, &bob, "hi", None),
            say(general.id, &alice, "как дела?", Some("c2")),
        ])
        .unwrap();
    // Worked on after posting: a reaction, an edit with a mention, a pin.
    let ids: Vec<_> = kept.iter().map(|i| i.message.id).collect();
    let thumbs = MessageChange::AddReaction { emoji: crate::emoji::Emoji::parse("👍").unwrap() };
    store.change_message(ids[0], &thumbs, bob.id, now).unwrap();
    let edit = MessageChange::Edit {
        content: MessageText::parse("@bobby как дела?").unwrap(),
        mention_keys: vec!["bobby".into()],
    };
    store.change_message(ids[2], &edit, alice.id, now).unwrap();
    store.change_message(ids[1], &MessageChange::Pin(true), alice.id, now).unwrap();
    store.mark_read(bob.id, general.id, ids[1], now).unwrap();
    store.block(bob.id, alice.id, now).unwrap();
    // The newest message id and the newest room id then belong to deleted rows.
    store.insert_messages(&[say(doomed.id, &bob, "gone soon", None)]).unwrap();
    store.delete_room(doomed.id).unwrap();
    let lifetime = SessionLifetime::default();
    store.create_session("live", alice.id, now, &lifetime).unwrap();
    store.create_session("dead", bob.id, now - chrono::Duration::days(100), &lifetime).unwrap();
    (store.messages_before(general.id, None, 10).unwrap(), general)
}

#[test]
fn a_small_sqlite_database_is_copied_with_ids_seqs_and_timestamps_intact() {
    let Some(db) = scratch::database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("discock.db");
    let (messages, general) = small_sqlite_database(&path);

    let copied = sqlite_to_postgres(&path, &db.url, Duration::ZERO).unwrap();

    assert_eq!((copied.users, copied.rooms, copied.messages, copied.sessions), (2, 2, 3, 2));
    assert_eq!((copied.events, copied.reactions), (6, 1), "three messages, three changes; one reaction");
    assert_eq!((copied.read_states, copied.blocks, copied.avatars), (1, 1, 1));
    assert!(messages[2].edited_at.is_some() && messages[1].pinned && messages[0].reactions.len() == 1);
    let pg = PostgresStore::open(&db.url, 1, Duration::ZERO).unwrap();
    assert_eq!(pg.messages_before(general.id, None, 10).unwrap(), messages);
    let rooms = pg.list_rooms().unwrap();
    assert_eq!(rooms[0], general);
    assert_eq!((rooms[1].name.as_str(), rooms[1].city_id.map(|c| c.0)), ("Казань", Some(551487)), "city rooms too");
    assert_eq!(pg.ensure_default_room(&RoomName::parse("Другое").unwrap(), domain::now()).unwrap(), general);
    let lifetime = SessionLifetime::default();
    let account = pg.session_user("live", domain::now(), &lifetime).unwrap().expect("the live session came along");
    assert_eq!(pg.session_user("dead", domain::now(), &lifetime).unwrap(), None, "the ended one stays ended");
    let alice = account.user;
    let bobs = pg.read_states(pg.find_credentials("bobby").unwrap().unwrap().0.user.id).unwrap();
    assert_eq!((bobs[0].last_read_id, bobs[0].unread), (messages[1].id, 1), "read markers came along");
    let bob = pg.find_credentials("bobby").unwrap().unwrap().0;
    let samara = crate::cities::table().link("Самара").map(|c| c.id);
    assert_eq!(
        (bob.city_privacy, bob.home.city_id),
        (CityPrivacy::Country, samara),
        "the city and its privacy came along"
    );
    assert!(samara.is_some(), "Самара is a canonical city");
    let bob = bob.user;
    assert_eq!(pg.blocked_users(bob.id).unwrap(), std::slice::from_ref(&alice), "blocks came along");
    assert_eq!((alice.username.as_str(), account.language), ("Алиса", Some(Lang::En)), "the language came along");
    assert_eq!(alice.avatar_url.map(|url| url.version), Some(AvatarVersion(7)), "the avatar came along");
    let small = pg.avatar(alice.id, AvatarVersion(7), AvatarSize::Small).unwrap().expect("its picture too");
    assert_eq!((small.bytes, small.content_type.as_str()), (vec![1, 2, 3], "image/png"));
    assert_eq!(pg.find_credentials("bobby").unwrap().map(|(a, _)| a.language), Some(None), "and its absence");
    assert_eq!(pg.find_credentials("алиса").unwrap().map(|(a, h)| (a.user.id, h)), Some((alice.id, "h1".into())));
    let resent = NewMessage {
        room_id: general.id,
        user: alice.clone(),
        content: MessageText::parse("привет").unwrap(),
        client_id: Some(ClientId::parse("c1").unwrap()),
        created_at: domain::now(),
        reply_to: None,
        mention_keys: Vec::new(),
    };
    assert_eq!(
        pg.insert_messages(std::slice::from_ref(&resent)).unwrap()[0].message,
        messages[0],
        "client ids came along"
    );
    let next = pg.insert_messages(&[NewMessage { client_id: None, ..resent }]).unwrap().remove(0).message;
    assert_eq!(next.seq, 7, "the room's seq continues");
    assert_eq!(next.id.0, messages[2].id.0 + 2, "the deleted room's message id is not handed out again");
    let room = pg.create_room(&RoomName::parse("Новая").unwrap(), &RoomDescription::empty(), alice.id, domain::now());
    assert_eq!(room.unwrap().id.0, general.id.0 + 3, "nor is the deleted room's id");
}

#[test]
fn copying_into_a_database_that_already_has_data_is_refused_and_changes_nothing() {
    let Some(db) = scratch::database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("discock.db");
    small_sqlite_database(&path);
    let pg = PostgresStore::open(&db.url, 1, Duration::ZERO).unwrap();
    let existing = pg.ensure_default_room(&RoomName::parse("Общий чат").unwrap(), domain::now()).unwrap();

    let err = sqlite_to_postgres(&path, &db.url, Duration::ZERO).unwrap_err();

    assert!(matches!(err, MigrateError::TargetNotEmpty { users: 0, rooms: 1, messages: 0 }), "{err}");
    assert!(err.to_string().contains("not empty"));
    assert_eq!(pg.list_rooms().unwrap(), [existing]);
}
