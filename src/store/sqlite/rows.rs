//! Reading SQLite rows into domain types, the column lists that go with them, timestamps as
//! microseconds, and turning rusqlite errors into `StoreError`.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Row;

use crate::domain::{Account, City, Message, MessageId, Room, RoomId, User, UserId, Username};
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

fn time(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

pub(super) const ROOM_COLUMNS: &str = "id, name, description, created_by, created_at, is_default";

pub(super) fn room_from_row(r: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        id: RoomId(r.get(0)?),
        name: r.get(1)?,
        description: r.get(2)?,
        created_by: r.get::<_, Option<i64>>(3)?.map(UserId),
        created_at: time(r.get(4)?),
        is_default: r.get(5)?,
    })
}

pub(super) fn user_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(r.get(at)?),
        username: Username::from_trusted(r.get(at + 1)?),
        city: City::from_trusted(r.get(at + 2)?),
    })
}

/// An account from the user's columns at `at` followed by `language`; a code this server does
/// not know (written by a newer version, say) reads as no choice.
pub(super) fn account_from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Account> {
    let language = r.get::<_, Option<String>>(at + 3)?.and_then(|code| Lang::parse(&code));
    Ok(Account { user: user_from_row(r, at)?, language })
}

pub(super) const MESSAGE_SELECT: &str =
    "SELECT m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city
     FROM messages m JOIN users u ON u.id = m.user_id";

pub(super) fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    message_from_row_at(r, 0)
}

/// A message from the columns of [`MESSAGE_SELECT`], starting at column `at`.
pub(super) fn message_from_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(r.get(at)?),
        room_id: RoomId(r.get(at + 1)?),
        content: r.get(at + 2)?,
        created_at: time(r.get(at + 3)?),
        client_id: r.get(at + 4)?,
        seq: r.get(at + 5)?,
        user: user_from_row(r, at + 6)?,
    })
}
