//! The message writer's batches in the stores themselves, on both backends: however a store
//! groups a batch's writes into statements, they take effect one after the other.

use discock::domain::{self, MessageId, MessageText, RoomDescription, RoomName, User, UserId};
use discock::emoji::Emoji;
use discock::events::Change;
use discock::store::{ChangeOutcome, MarkRead, MessageChange, Write, Written};

use crate::helpers::*;
use crate::store::{message, open_store, user};

both_backends!(fn a_batch_takes_effect_write_by_write_however_the_store_groups_its_writes);
fn a_batch_takes_effect_write_by_write_however_the_store_groups_its_writes() {
    let store = open_store();
    let [alice, bob, carol, dave, erin] = ["alice", "bobby", "carol", "dave", "erin"].map(|name| user(&*store, name));
    let new_room = |name: &str| {
        store.create_room(&RoomName::parse(name).unwrap(), &RoomDescription::empty(), alice.id, domain::now()).unwrap()
    };
    let (room, other) = (new_room("A").id, new_room("B").id);
    let first = store.insert_messages(&[message(room, &alice, "first", None)]).unwrap().remove(0).message;
    let elsewhere = store.insert_messages(&[message(other, &alice, "elsewhere", None)]).unwrap().remove(0).message;
    let mark = |user: &User, message: MessageId, counted: bool| Write::MarkRead {
        user: user.id,
        room,
        message,
        at: domain::now(),
        counted,
    };
    let delete = Write::Change { id: first.id, change: MessageChange::Delete, by: alice.id, at: domain::now() };

    let written = store
        .write(&[
            Write::Post(message(room, &alice, "before Bob's mark", Some("c1"))),
            mark(&bob, first.id, true),
            Write::Post(message(room, &alice, "after Bob's mark", None)),
            mark(&carol, first.id, true),
            Write::Post(message(room, &alice, "before Bob's mark, resent", Some("c1"))),
            mark(&bob, first.id, true),
            mark(&dave, elsewhere.id, true),
            mark(&dave, first.id, false),
            delete,
            mark(&erin, first.id, true),
            Write::Post(message(room, &alice, "after the deletion", None)),
        ])
        .unwrap();

    let posted = |w: &Written| match w {
        Written::Posted(inserted) => (inserted.message.seq, inserted.fresh, inserted.message.id),
        other => panic!("expected a message, got {other:?}"),
    };
    let read = |w: &Written| match w {
        Written::Read(MarkRead::Moved(state)) => Some(state.unread),
        Written::Read(other) => panic!("expected a moved marker, got {other:?}"),
        other => panic!("expected a marker, got {other:?}"),
    };
    let outcome = |w: &Written| match w {
        Written::Read(outcome) => *outcome,
        other => panic!("expected a marker, got {other:?}"),
    };
    let (seq, fresh, id) = posted(&written[0]);
    assert_eq!((seq, fresh), (2, true));
    assert_eq!(read(&written[1]), Some(1), "Bob's mark counts the message before it, not the one after");
    assert_eq!(posted(&written[2]).0, 3);
    assert_eq!(read(&written[3]), Some(2), "Carol's mark counts both messages before it");
    assert_eq!(posted(&written[4]), (2, false, id), "a resend within the batch is its first copy");
    assert_eq!(outcome(&written[5]), MarkRead::Unchanged, "Bob's second mark finds his marker there already");
    assert_eq!(outcome(&written[6]), MarkRead::MessageNotFound, "a message of another room");
    assert_eq!(outcome(&written[7]), MarkRead::MovedUncounted);
    let Written::Changed(ChangeOutcome::Logged(deleted)) = &written[8] else { panic!("{:?}", written[8]) };
    assert_eq!(deleted.seq, 4, "the deletion follows the messages before it");
    assert_eq!(outcome(&written[9]), MarkRead::MessageNotFound, "Erin marks a message deleted before her mark");
    assert_eq!(posted(&written[10]).0, 5);
    let ids: Vec<MessageId> = [0, 2, 10].map(|i| posted(&written[i]).2).to_vec();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow with seqs: {ids:?}");
    let markers = |user: UserId| store.read_states(user).unwrap().into_iter().find(|s| s.room_id == room).unwrap();
    assert_eq!(markers(bob.id).last_read_id, first.id);
    assert_eq!(markers(dave.id).last_read_id, first.id);
    assert_eq!(markers(erin.id).last_read_id, MessageId(0), "a refused mark moves nothing");
}

both_backends!(fn changes_in_one_batch_take_effect_one_after_the_other);
fn changes_in_one_batch_take_effect_one_after_the_other() {
    let store = open_store();
    let [alice, bob] = ["alice", "bobby"].map(|name| user(&*store, name));
    let room = store
        .create_room(&RoomName::parse("A").unwrap(), &RoomDescription::empty(), alice.id, domain::now())
        .unwrap()
        .id;
    let posted =
        store.insert_messages(&[message(room, &alice, "one", None), message(room, &alice, "two", None)]).unwrap();
    let (one, two) = (posted[0].message.id, posted[1].message.id);
    let seq_before = posted[1].message.seq;
    let change =
        |id: MessageId, change: MessageChange, by: &User| Write::Change { id, change, by: by.id, at: domain::now() };
    let react = |emoji: &str| MessageChange::AddReaction { emoji: Emoji::parse(emoji).unwrap() };
    let unreact = |emoji: &str| MessageChange::RemoveReaction { emoji: Emoji::parse(emoji).unwrap() };
    let edit = |text: &str, keys: &[&str]| MessageChange::Edit {
        content: MessageText::parse(text).unwrap(),
        mention_keys: keys.iter().map(|k| k.to_string()).collect(),
    };
    // Twenty distinct emoji on "two" are the most a message may have.
    let twenty = [
        "😀", "😃", "😄", "😁", "😆", "😅", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍", "🤩", "😘", "😗", "😚",
        "😙", "😋",
    ];
    let mut batch = vec![
        change(one, react("👍"), &bob),
        change(one, react("👍"), &bob),
        change(one, unreact("👍"), &bob),
        change(one, unreact("👍"), &bob),
        change(one, edit("edited once", &[]), &alice),
        change(one, edit("edited twice @bobby", &["bobby"]), &alice),
        change(one, MessageChange::Pin(true), &alice),
        change(one, MessageChange::Pin(true), &alice),
        change(one, MessageChange::Pin(false), &alice),
    ];
    batch.extend(twenty.iter().map(|e| change(two, react(e), &bob)));
    batch.extend([
        change(two, react("🐱"), &bob),
        change(two, react("😀"), &alice),
        change(two, MessageChange::Delete, &alice),
        change(two, react("😀"), &bob),
        Write::Post(message(room, &alice, "after the changes", None)),
        change(MessageId(two.0 + 10_000), MessageChange::Delete, &alice),
    ]);

    let written = store.write(&batch).unwrap();

    let outcome = |i: usize| match &written[i] {
        Written::Changed(outcome) => outcome.clone(),
        other => panic!("write {i}: expected a change, got {other:?}"),
    };
    let event = |i: usize| match outcome(i) {
        ChangeOutcome::Logged(event) => *event,
        other => panic!("write {i}: expected a logged change, got {other:?}"),
    };
    let updated = |i: usize| match event(i).change {
        Change::MessageUpdated { message } => message,
        other => panic!("write {i}: expected message_updated, got {other:?}"),
    };
    assert!(matches!(event(0).change, Change::ReactionAdded { .. }));
    assert_eq!(outcome(1), ChangeOutcome::Unchanged, "the same reaction twice");
    assert!(matches!(event(2).change, Change::ReactionRemoved { .. }));
    assert_eq!(outcome(3), ChangeOutcome::Unchanged, "a reaction taken back twice");
    assert_eq!(updated(4).content, "edited once", "each edit's event carries its own text");
    assert_eq!(updated(5).content, "edited twice @bobby");
    assert_eq!(updated(5).mentions, vec![bob.id]);
    assert!(updated(6).pinned);
    assert_eq!(outcome(7), ChangeOutcome::Unchanged, "a pinned message pinned again");
    assert!(!updated(8).pinned);
    for i in 9..29 {
        assert!(matches!(event(i).change, Change::ReactionAdded { .. }), "emoji {}", i - 8);
    }
    assert_eq!(outcome(29), ChangeOutcome::TooManyReactions, "a twenty-first emoji");
    assert!(matches!(event(30).change, Change::ReactionAdded { .. }), "one of the twenty, by someone else");
    assert!(matches!(event(31).change, Change::MessageDeleted { .. }));
    assert_eq!(outcome(32), ChangeOutcome::NotFound, "a reaction to a deleted message");
    let Written::Posted(after) = &written[33] else { panic!("{:?}", written[33]) };
    assert_eq!(outcome(34), ChangeOutcome::NotFound, "no such message");

    let logged: Vec<usize> = [0, 2, 4, 5, 6, 8].into_iter().chain(9..29).chain([30, 31]).collect();
    let seqs: Vec<i64> = logged.iter().map(|&i| event(i).seq).collect();
    let expected: Vec<i64> = (seq_before + 1..).take(logged.len()).collect();
    assert_eq!(seqs, expected, "each logged change takes the room's next seq, in batch order");
    assert_eq!(after.message.seq, seq_before + 1 + logged.len() as i64, "the message follows the changes");
    let log = store.events_after(room, seq_before, 100).unwrap();
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), (seq_before + 1..=after.message.seq).collect::<Vec<_>>());
    let now = store.message(one, None).unwrap().unwrap();
    assert_eq!((now.content.as_str(), now.pinned, now.reactions.len()), ("edited twice @bobby", false, 0));
    assert_eq!(store.message(two, None).unwrap(), None, "deleted");
}
