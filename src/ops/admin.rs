//! `discock admin …`: an operator's account and room chores on either backend, through the
//! store traits, the way the server itself makes the same changes.
//!
//! Running servers learn of them through Redis when `REDIS_URL` is set: the ended sessions are
//! announced as a logout is (their sockets close with 4001 on every instance) and each deleted
//! message as its logged event (open rooms show the deletion). Without Redis nothing reaches
//! a running server directly; it notices on its own: a request with an ended session is
//! refused at once (sessions are read from the database per request), an open socket closes
//! at its next session check (at each ping, every 30 s), and a deletion reaches the room's
//! open sockets when the room's next event shows the server the gap in its sequence (or at
//! the next reload).

use std::io::{IsTerminal, Read};
use std::sync::Arc;

use crate::cli::AdminCommand;
use crate::config::{Config, DatabaseConfig};
use crate::domain::{now, Password, UserId, Username};
use crate::fanout::redis::publish_blocking;
use crate::fanout::Event;
use crate::store::prelude::*;
use crate::store::{ChangeOutcome, MessageChange, RoomSummary, StoreError, Write, Written, MAX_BATCH};

/// Why an admin command did nothing (or, for a store failure midway, only part).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no SQLite database at {} (check DATABASE_URL)", .0.display())]
    NoDatabase(std::path::PathBuf),
    #[error("there is no user {0:?}")]
    UnknownUser(String),
    #[error("the new password is not accepted: {0}")]
    BadPassword(String),
    #[error("reading the new password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("hashing the new password: {0}")]
    Hashing(#[from] bcrypt::BcryptError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs one admin command against the database `config` names; returns what to print.
/// Blocking: call outside any async runtime.
pub fn run(config: &Config, command: &AdminCommand) -> Result<String, AdminError> {
    let store = open(&config.database)?;
    let admin = Admin { store, config };
    match command {
        AdminCommand::ResetPassword { username } => admin.reset_password(username),
        AdminCommand::EndSessions { username } => admin.end_sessions(username),
        AdminCommand::DeleteMessages { username } => admin.delete_messages(username),
        AdminCommand::ListRooms => Ok(rooms_table(&admin.store.room_summaries()?)),
    }
}

/// The store, with a pool of two connections for PostgreSQL: one command needs no more. A
/// missing SQLite file is refused rather than created (a mistyped `DATABASE_URL` would
/// otherwise find nobody in a new, empty database).
fn open(database: &DatabaseConfig) -> Result<Arc<dyn Store>, AdminError> {
    if let DatabaseConfig::Sqlite { path } = database {
        if !path.is_file() {
            return Err(AdminError::NoDatabase(path.clone()));
        }
    }
    let mut database = database.clone();
    if let DatabaseConfig::Postgres { pool_size, .. } = &mut database {
        *pool_size = 2;
    }
    Ok(crate::store::open(&database)?)
}

struct Admin<'a> {
    store: Arc<dyn Store>,
    config: &'a Config,
}

impl Admin<'_> {
    fn user(&self, username: &str) -> Result<UserId, AdminError> {
        let unknown = || AdminError::UnknownUser(username.to_owned());
        let name = Username::parse(username).map_err(|_| unknown())?;
        let (account, _) = self.store.find_credentials(&name.key())?.ok_or_else(unknown)?;
        Ok(account.user.id)
    }

    fn reset_password(&self, username: &str) -> Result<String, AdminError> {
        let user = self.user(username)?;
        let stdin = std::io::stdin();
        let (text, generated) = if stdin.is_terminal() {
            (crate::keys::random_token()[..24].to_owned(), true)
        } else {
            let mut input = String::new();
            stdin.lock().read_to_string(&mut input).map_err(AdminError::Stdin)?;
            (input.lines().next().unwrap_or_default().to_owned(), false)
        };
        // The rules and the hashing of registration and of a password change.
        let password = Password::parse(&text).map_err(|e| AdminError::BadPassword(e.to_string()))?;
        let hash = bcrypt::hash(password.expose(), self.config.bcrypt_cost)?;
        self.store.set_password_hash(user, &hash)?;
        let ended = self.end_all_sessions(user)?;
        let mut out = format!("the password of {username} is reset; {ended}");
        if generated {
            out.push_str(&format!("\nnew password (shown once): {text}"));
        }
        Ok(out)
    }

    fn end_sessions(&self, username: &str) -> Result<String, AdminError> {
        let user = self.user(username)?;
        Ok(format!("{username}: {}", self.end_all_sessions(user)?))
    }

    /// Ends every session of `user` and tells the running servers; says what it did.
    fn end_all_sessions(&self, user: UserId) -> Result<String, AdminError> {
        // No stored hash is empty, so keeping "" keeps none.
        let ended = self.store.delete_other_sessions(user, "")?;
        let events: Vec<Event> = ended.iter().map(|hash| Event::SessionEnded { session: hash.clone() }).collect();
        Ok(format!("{} sessions ended{}", ended.len(), self.announce(&events)))
    }

    fn delete_messages(&self, username: &str) -> Result<String, AdminError> {
        let user = self.user(username)?;
        let ids = self.store.message_ids_of(user)?;
        let mut events = Vec::new();
        for chunk in ids.chunks(MAX_BATCH) {
            // The deletion the author makes themselves: the same change through the same
            // writer call, logged as each room's next event in the batch's transaction.
            let at = now();
            let writes: Vec<Write> =
                chunk.iter().map(|&id| Write::Change { id, change: MessageChange::Delete, by: user, at }).collect();
            for written in self.store.write(&writes)? {
                if let Written::Changed(ChangeOutcome::Logged(event)) = written {
                    events.push(Event::Logged { event: *event });
                }
            }
        }
        Ok(format!("{username}: {} messages deleted{}", events.len(), self.announce(&events)))
    }

    /// Publishes `events` to the running servers through Redis, if configured; the rest of the
    /// summary line, saying whether they were told.
    fn announce(&self, events: &[Event]) -> String {
        let Some(redis) = self.config.redis() else {
            return String::from(" (no REDIS_URL: running servers notice on their own)");
        };
        if events.is_empty() {
            return String::new();
        }
        match publish_blocking(&redis, events) {
            Ok(_) => String::from("; running servers told through Redis"),
            Err(e) => format!(" (could not tell running servers through Redis: {e}; they notice on their own)"),
        }
    }
}

/// The rooms as a plain table, columns aligned, one room a line.
pub fn rooms_table(rooms: &[RoomSummary]) -> String {
    let header = ["ID", "NAME", "KIND", "MEMBERS", "MESSAGES", "LAST MESSAGE"].map(String::from);
    let mut lines = vec![header];
    for room in rooms {
        lines.push([
            room.id.0.to_string(),
            room.name.clone(),
            room.kind.as_str().to_owned(),
            room.members.to_string(),
            room.messages.to_string(),
            room.last_message_at.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
        ]);
    }
    let width = |column: usize| lines.iter().map(|l| l[column].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..6).map(width).collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            // Numbers right-aligned, text left-aligned.
            .map(|(i, (cell, w))| {
                let pad = " ".repeat(w - cell.chars().count());
                if matches!(i, 0 | 3 | 4) {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RoomId;
    use crate::store::SummaryKind;
    use chrono::TimeZone;

    #[test]
    fn the_rooms_table_aligns_its_columns_whatever_the_names() {
        let rooms = [
            RoomSummary {
                id: RoomId(1),
                name: "Общий чат".into(),
                kind: SummaryKind::Room,
                members: 12,
                messages: 340,
                last_message_at: Some(chrono::Utc.with_ymd_and_hms(2026, 12, 7, 16, 5, 21).unwrap()),
            },
            RoomSummary {
                id: RoomId(10),
                name: "dm".into(),
                kind: SummaryKind::Dm,
                members: 2,
                messages: 0,
                last_message_at: None,
            },
        ];
        let table = rooms_table(&rooms);
        assert_eq!(
            table,
            "ID  NAME       KIND  MEMBERS  MESSAGES  LAST MESSAGE\n\
             \x201  Общий чат  room       12       340  2026-12-07 16:05:21 UTC\n\
             10  dm         dm          2         0  -"
        );
    }
}
