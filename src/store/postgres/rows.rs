//! Reading PostgreSQL rows into domain types, and the column lists (as macros, so they can be
//! spliced into `const` SQL with `concat!`) that go with them.

use postgres::Row;

use super::connect::internal;
use crate::domain::{
    Account, AvatarUrl, CityPrivacy, Home, Message, MessageId, Room, RoomId, RoomKind, User, UserId, Username,
};
use crate::i18n::Lang;
use crate::store::StoreError;

/// A room's columns, read by [`room_from_row`] from a query on `rooms` (not aliased): the last
/// two are a city room's city and how many people of that city show it (counted over the
/// users' city index; nothing is counted for other rooms).
macro_rules! room_columns {
    () => {
        "id, name, description, created_by, created_at, is_default, dm_a, dm_b, city_id,
         CASE WHEN city_id IS NULL THEN NULL
              ELSE (SELECT count(*) FROM users cu WHERE cu.city_id = rooms.city_id AND cu.city_privacy = 'city') END"
    };
}
pub(super) use room_columns;
/// How many columns [`room_columns!`] has: a query's own columns come after them.
pub(super) const ROOM_COLUMN_COUNT: usize = 10;

/// A message's columns, read by [`message_from_row_at`]: the message, its author, and what its
/// reply shows of the message it answers (`r`, `ru`).
macro_rules! message_columns {
    () => {
        "m.id, m.room_id, m.content, m.created_at, m.client_id, m.seq, u.id, u.username, u.city, u.avatar_version, u.city_id, u.city_privacy,
         m.edited_at, m.pinned_at IS NOT NULL, m.mentions,
         m.reply_to_id, r.deleted_at IS NOT NULL, ru.id, ru.username, left(r.content, 101)"
    };
}
pub(super) use message_columns;

macro_rules! message_select {
    () => {
        concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages m JOIN users u ON u.id = m.user_id
             LEFT JOIN messages r ON r.id = m.reply_to_id LEFT JOIN users ru ON ru.id = r.user_id"
        )
    };
}
pub(super) use message_select;

pub(super) fn room_from_row(r: &Row) -> Result<Room, postgres::Error> {
    Ok(Room {
        id: RoomId(r.try_get(0)?),
        name: r.try_get(1)?,
        description: r.try_get(2)?,
        created_by: r.try_get::<_, Option<i64>>(3)?.map(UserId),
        created_at: r.try_get(4)?,
        is_default: r.try_get(5)?,
        kind: RoomKind::Room,
        dm: None,
        members: Vec::new(),
        city_id: None,
        city_members: None,
    }
    .with_dm(r.try_get(6)?, r.try_get(7)?)
    .with_city(r.try_get::<_, Option<i64>>(8)?.and_then(|id| u32::try_from(id).ok()), r.try_get(9)?))
}

/// The user's columns, in the order [`user_from_row`] reads them (six, from `at`): id,
/// username, city, avatar_version, city_id, city_privacy.
pub(super) fn user_with_home(r: &Row, at: usize) -> Result<(User, Home, CityPrivacy), postgres::Error> {
    let id = UserId(r.try_get(at)?);
    let home = Home::stored(r.try_get(at + 2)?, r.try_get(at + 4)?);
    let privacy = CityPrivacy::from_stored(r.try_get::<_, &str>(at + 5)?);
    let user = User::seen_by_others(
        id,
        Username::from_trusted(r.try_get(at + 1)?),
        &home,
        privacy,
        AvatarUrl::of(id, r.try_get(at + 3)?),
    );
    Ok((user, home, privacy))
}

/// A user as others see them, from the six columns of [`user_with_home`].
pub(super) fn user_from_row(r: &Row, at: usize) -> Result<User, postgres::Error> {
    user_with_home(r, at).map(|(user, _, _)| user)
}

/// An account from the user's six columns at `at` (see [`user_with_home`]) followed by
/// `language`; a code this server does not know (written by a newer version, say) reads as no
/// choice.
pub(super) fn account_from_row(r: &Row, at: usize) -> Result<Account, postgres::Error> {
    let language = r.try_get::<_, Option<String>>(at + 6)?.and_then(|code| Lang::parse(&code));
    let (user, home, city_privacy) = user_with_home(r, at)?;
    Ok(Account { user, home, city_privacy, language })
}

pub(super) fn message_from_row(r: &Row) -> Result<Message, postgres::Error> {
    message_from_row_at(r, 0)
}

/// A message from the columns of [`message_columns!`], starting at column `at`; its reactions
/// are read separately ([`super::messages::with_reactions`]).
pub(super) fn message_from_row_at(r: &Row, at: usize) -> Result<Message, postgres::Error> {
    let reply_author = match r.try_get::<_, Option<i64>>(at + 17)? {
        Some(id) => Some((id, r.try_get::<_, String>(at + 18)?)),
        None => None,
    };
    Ok(Message {
        id: MessageId(r.try_get(at)?),
        room_id: RoomId(r.try_get(at + 1)?),
        content: r.try_get(at + 2)?,
        created_at: r.try_get(at + 3)?,
        client_id: r.try_get(at + 4)?,
        seq: r.try_get(at + 5)?,
        user: user_from_row(r, at + 6)?,
        edited_at: r.try_get(at + 12)?,
        pinned: r.try_get(at + 13)?,
        mentions: crate::store::mentions_from_column(r.try_get::<_, Option<&str>>(at + 14)?),
        reply_to: crate::store::reply_from_columns(
            r.try_get(at + 15)?,
            r.try_get(at + 16)?,
            reply_author,
            r.try_get::<_, Option<&str>>(at + 19)?,
        ),
        reactions: Vec::new(),
    })
}

pub(super) fn rows<T>(rows: Vec<Row>, from_row: fn(&Row) -> Result<T, postgres::Error>) -> Result<Vec<T>, StoreError> {
    rows.iter().map(from_row).collect::<Result<_, _>>().map_err(internal)
}
