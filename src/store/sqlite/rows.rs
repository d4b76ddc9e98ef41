//! Reading SQLite rows into domain types, the column lists that go with them, timestamps as
//! microseconds, and turning rusqlite errors into `StoreError`.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Row;

use crate::domain::{
    Account, AvatarUrl, CityPrivacy, Home, Message, MessageId, Room, RoomId, RoomKind, User, UserId, Username,
};
use crate::i18n::Lang;
use crate::store::{Conflict, StoreError};

pub(super) fn internal(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(Box::new(e))
        }
        _ => StoreError::Internal(Box::new(e)),
    }
}

/// Maps a unique-constraint failure to the conflict it means, foreign-key failures to NotFound.
pub(super) fn write_error(e: rusqlite::Error, conflict: Conflict) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return StoreError::Conflict(conflict)
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::NotFound,
            _ => {}
        }
    }
    internal(e)
}

pub(super) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(super) fn time(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

/// A room's columns, read by [`room_from_row`] from a query on `rooms` (not aliased): the last
/// two are a city room's city and how many people of that city show it (counted over the
/// users' city index; nothing is counted for other rooms).
pub(super) const ROOM_COLUMNS: &str = "id, name, description, created_by, created_at, is_default, dm_a, dm_b, city_id,
     CASE WHEN city_id IS NULL THEN NULL
          ELSE (SELECT count(*) FROM users cu WHERE cu.city_id = rooms.city_id AND cu.city_privacy = 'city') END";
/// How many columns [`ROOM_COLUMNS`] has: a query's own columns come after them.
pub(super) const ROOM_COLUMN_COUNT: usize = 10;

pub(super) fn room_from_row(r: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: RoomId(r.get(0)?),
        name: r.get(1)?,
        description: r.get(2)?,
        created_by: r.get::<_, Option<i64>>(3)?.map(UserId),
        created_at: time(r.get(4)?),
        is_default: r.get(5)?,
        kind: RoomKind::Room,
        dm: None,
        members: Vec::new(),
        city_id: None,
        city_members: None,
    }
    .with_dm(r.get(6)?, r.get(7)?)
    .with_city(r.get(8)?, r.get(9)?))
}

/// The user's columns, in the order [`user_from_row`] reads them (six, from `at`): id,
/// username, city, avatar_version, city_id, city_privacy.
pub(super) fn user_with_home(r: &Row<'_>, at: usize) -> rusqlite::Result<(User, Home, CityPrivacy)> {
    let id = UserId(r.get(at)?);
    let home = Home::stored(r.get(at + 2)?, r.get(at + 4)?);
    let privacy = CityPrivacy::from_stored(&r.get::<_, String>(at + 5)?);
    let user = User::seen_by_others(
        id,
        Username::from_trusted(r.get(at + 1)?),
        &home,
        privacy,
        AvatarUrl::of(id, r.get(at + 3)?),
    );
    Ok((user, home, privacy))
}

/// A user as others see them, from the six columns of [`user_with_home`].
pub(super) fn user_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    user_with_home(r, at).map(|(user, _, _)| user)
}

/// An account from the user's six columns at `at` (see [`user_with_home`]) followed by
/// `language`; a code this server does not know (written by a newer version, say) reads as no
/// choice.
pub(super) fn account_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Account> {
    let language = r.get::<_, Option<String>>(at + 6)?.and_then(|code| Lang::parse(&code));
    let (user, home, city_privacy) = user_with_home(r, at)?;
    Ok(Account { user, home, city_privacy, language })
}

/// A message's columns, read by [`message_from_row_at`]: the message, its author, and what its
/// reply shows of the message it answers (`r`, `ru`; see [`MESSAGE_JOINS`]).
macro_rules! message_columns {
    () => {
        "m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city, u.avatar_version, u.city_id, u.city_privacy,
         m.edited_at, m.pinned_at IS NOT NULL, m.mentions,
         m.reply_to_id, r.deleted_at IS NOT NULL, ru.id, ru.username, substr(r.content, 1, 101)"
    };
}
pub(super) use message_columns;

pub(super) const MESSAGE_SELECT: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages m JOIN users u ON u.id = m.user_id
     LEFT JOIN messages r ON r.id = m.reply_to_id LEFT JOIN users ru ON ru.id = r.user_id"
);

pub(super) fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    message_from_row_at(r, 0)
}

/// A message from the columns of [`message_columns!`], starting at column `at`; its reactions
/// are read separately ([`super::messages::with_reactions`]).
pub(super) fn message_from_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Message> {
    let reply_author = match r.get::<_, Option<i64>>(at + 17)? {
        Some(id) => Some((id, r.get::<_, String>(at + 18)?)),
        None => None,
    };
    Ok(Message {
        id: MessageId(r.get(at)?),
        room_id: RoomId(r.get(at + 1)?),
        content: r.get(at + 2)?,
        created_at: time(r.get(at + 3)?),
        client_id: r.get(at + 4)?,
        seq: r.get(at + 5)?,
        user: user_from_row(r, at + 6)?,
        edited_at: r.get::<_, Option<i64>>(at + 12)?.map(time),
        pinned: r.get(at + 13)?,
        mentions: crate::store::mentions_from_column(r.get::<_, Option<String>>(at + 14)?.as_deref()),
        reply_to: crate::store::reply_from_columns(
            r.get(at + 15)?,
            r.get(at + 16)?,
            reply_author,
            r.get::<_, Option<String>>(at + 19)?.as_deref(),
        ),
        reactions: Vec::new(),
    })
}
