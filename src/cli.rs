//! The command line: which command the arguments ask for ([`Command::parse`]) and the text
//! `discock --help` prints ([`USAGE`]). What each command does lives elsewhere: serving in
//! `app`, the copy to PostgreSQL in `migrate`, the operator commands in `ops`.

use std::path::PathBuf;

use crate::config::{redact_url, DatabaseConfig};

/// What `discock --help` prints, and what a wrong command line gets with its error.
pub const USAGE: &str = "\
Usage:
  discock
      Run the server, configured by environment variables (DATABASE_URL, PORT, SECRET_KEY, …;
      a .env file is read too).

  discock migrate-sqlite-to-postgres --from sqlite://path/to/discock.db --to postgres://user:password@host:5432/dbname
      Copy users, rooms, messages, read markers, avatars and sessions from an SQLite database into an
      empty PostgreSQL database, keeping every id. Both schemas are brought up to date first.
      The copy is one transaction: all of it lands, or none. Stop the server first: messages
      sent during the copy are not copied.
      Sessions are stored as HMACs keyed by SECRET_KEY: people stay logged in only if the
      server on PostgreSQL runs with the same SECRET_KEY; otherwise they log in again.

  discock backup --to FILE [--force]
      Copy the SQLite database DATABASE_URL names into FILE while the server keeps running:
      SQLite's online backup, 256 pages at a time, of the database as it was when the backup
      began. The copy is written to FILE.partial, checked with PRAGMA integrity_check and only
      then renamed to FILE. An existing FILE is refused unless --force is given.
      With a PostgreSQL DATABASE_URL nothing is copied: use
      pg_dump --format=custom --no-owner --file=FILE \"$DATABASE_URL\"

  discock restore --from FILE
      Put the backup FILE in place of the SQLite database DATABASE_URL names. FILE must be a
      Discock database that passes PRAGMA integrity_check and whose schema is not newer than
      this binary's. Stop the server first: a server on this host that has the database open is
      detected and the restore refused; one on another host sharing the file over a network
      file system may not be. The server brings the schema up to date when it starts.

  discock admin reset-password USERNAME
      Set a new password: read from standard input when it is not a terminal (the first line),
      else generated and printed once. Every session of the user ends.
  discock admin end-sessions USERNAME
      End every session of the user: they must log in again.
  discock admin delete-messages USERNAME
      Delete every message of the user as if they had deleted each one themselves, and print
      how many.
  discock admin list-rooms
      Print every room: id, name, kind, members, messages, time of the last message.
      The admin commands work on either database. With REDIS_URL set, running servers are told
      at once (open sockets of ended sessions close, deletions reach open rooms); without it,
      see \"Operations\" in the README for when they notice.

  discock --help
      Print this text.
";

/// What the command line asks for.
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// No arguments: run the server.
    Serve,
    /// `--help` or `-h` anywhere, or `help` as the command.
    Help,
    /// `migrate-sqlite-to-postgres --from … --to …`.
    SqliteToPostgres {
        /// The SQLite file (it must exist).
        from: PathBuf,
        /// The PostgreSQL URL, password included: log it only through [`redact_url`].
        to: String,
    },
    /// `backup --to FILE [--force]`.
    Backup {
        to: PathBuf,
        /// Replace an existing `to`.
        force: bool,
    },
    /// `restore --from FILE`.
    Restore { from: PathBuf },
    /// `admin …`.
    Admin(AdminCommand),
}

/// The `admin` subcommands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    ResetPassword { username: String },
    EndSessions { username: String },
    DeleteMessages { username: String },
    ListRooms,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Serve => f.write_str("Serve"),
            Command::Help => f.write_str("Help"),
            Command::SqliteToPostgres { from, to } => {
                f.debug_struct("SqliteToPostgres").field("from", from).field("to", &redact_url(to)).finish()
            }
            Command::Backup { to, force } => f.debug_struct("Backup").field("to", to).field("force", force).finish(),
            Command::Restore { from } => f.debug_struct("Restore").field("from", from).finish(),
            Command::Admin(admin) => f.debug_tuple("Admin").field(admin).finish(),
        }
    }
}

/// A command line that cannot be followed; printed with [`USAGE`], exit status 2.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct UsageError(pub String);

impl Command {
    /// Reads the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, UsageError> {
        let args: Vec<String> = args.into_iter().collect();
        if args.iter().any(|a| matches!(a.as_str(), "--help" | "-h")) {
            return Ok(Command::Help);
        }
        let Some((command, rest)) = args.split_first() else { return Ok(Command::Serve) };
        match command.as_str() {
            "help" => Ok(Command::Help),
            "migrate-sqlite-to-postgres" => parse_migration(rest),
            "backup" => {
                let mut flags = Flags::read(rest, &["--to"], &["--force"])?;
                let to = flags.take("--to").ok_or_else(|| UsageError("--to FILE is missing".into()))?;
                Ok(Command::Backup { to: to.into(), force: flags.switch("--force") })
            }
            "restore" => {
                let mut flags = Flags::read(rest, &["--from"], &[])?;
                let from = flags.take("--from").ok_or_else(|| UsageError("--from FILE is missing".into()))?;
                Ok(Command::Restore { from: from.into() })
            }
            "admin" => parse_admin(rest).map(Command::Admin),
            _ => Err(UsageError(format!("unknown command {command:?}"))),
        }
    }
}

fn parse_migration(rest: &[String]) -> Result<Command, UsageError> {
    let mut flags = Flags::read(rest, &["--from", "--to"], &[])?;
    let from =
        flags.take("--from").ok_or_else(|| UsageError("--from sqlite://path/to/discock.db is missing".into()))?;
    let to =
        flags.take("--to").ok_or_else(|| UsageError("--to postgres://user:password@host/dbname is missing".into()))?;
    let from = match DatabaseConfig::from_url(&from, "--from").map_err(|e| UsageError(e.0))? {
        DatabaseConfig::Sqlite { path } => path,
        DatabaseConfig::Postgres { .. } => return Err(UsageError("--from must be an sqlite:// URL".into())),
    };
    match DatabaseConfig::from_url(&to, "--to").map_err(|e| UsageError(e.0))? {
        DatabaseConfig::Postgres { .. } => Ok(Command::SqliteToPostgres { from, to }),
        DatabaseConfig::Sqlite { .. } => Err(UsageError("--to must be a postgres:// URL".into())),
    }
}

fn parse_admin(rest: &[String]) -> Result<AdminCommand, UsageError> {
    let Some((sub, rest)) = rest.split_first() else {
        return Err(UsageError(
            "admin needs a subcommand: reset-password, end-sessions, delete-messages or list-rooms".into(),
        ));
    };
    let username = || match rest {
        [name] if !name.starts_with('-') => Ok(name.clone()),
        [] => Err(UsageError(format!("admin {sub} needs a USERNAME"))),
        _ => Err(UsageError(format!("admin {sub} takes one USERNAME and nothing else"))),
    };
    Ok(match sub.as_str() {
        "reset-password" => AdminCommand::ResetPassword { username: username()? },
        "end-sessions" => AdminCommand::EndSessions { username: username()? },
        "delete-messages" => AdminCommand::DeleteMessages { username: username()? },
        "list-rooms" if rest.is_empty() => AdminCommand::ListRooms,
        "list-rooms" => return Err(UsageError("admin list-rooms takes no arguments".into())),
        _ => return Err(UsageError(format!("unknown admin subcommand {sub:?}"))),
    })
}

/// `--name value` / `--name=value` options and bare switches, each at most once.
struct Flags {
    values: Vec<(&'static str, String)>,
    switches: Vec<&'static str>,
}

impl Flags {
    fn read(args: &[String], options: &[&'static str], switches: &[&'static str]) -> Result<Flags, UsageError> {
        let mut flags = Flags { values: Vec::new(), switches: Vec::new() };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            if let Some(switch) = switches.iter().find(|s| **s == flag) {
                if inline.is_some() {
                    return Err(UsageError(format!("{flag} takes no value")));
                }
                if flags.switches.contains(switch) {
                    return Err(UsageError(format!("{flag} is given twice")));
                }
                flags.switches.push(switch);
                continue;
            }
            let Some(option) = options.iter().find(|o| **o == flag) else {
                return Err(UsageError(format!("unknown argument {:?}", redact_url(flag))));
            };
            let value = match inline.or_else(|| args.next().cloned()) {
                Some(v) if !v.is_empty() => v,
                _ => return Err(UsageError(format!("{flag} needs a value"))),
            };
            if flags.values.iter().any(|(name, _)| name == option) {
                return Err(UsageError(format!("{flag} is given twice")));
            }
            flags.values.push((option, value));
        }
        Ok(flags)
    }

    fn take(&mut self, option: &str) -> Option<String> {
        let at = self.values.iter().position(|(name, _)| *name == option)?;
        Some(self.values.swap_remove(at).1)
    }

    fn switch(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        Command::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn no_arguments_serve_and_help_anywhere_prints_usage() {
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["help"]), Ok(Command::Help));
        assert_eq!(parse(&["migrate-sqlite-to-postgres", "-h"]), Ok(Command::Help));
        assert_eq!(parse(&["admin", "list-rooms", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn the_migration_takes_from_and_to_in_either_form_and_order() {
        let expected =
            Command::SqliteToPostgres { from: "data/discock.db".into(), to: "postgres://app@db/chat".into() };
        for args in [
            ["migrate-sqlite-to-postgres", "--from", "sqlite://data/discock.db", "--to", "postgres://app@db/chat"]
                .as_slice(),
            ["migrate-sqlite-to-postgres", "--to=postgres://app@db/chat", "--from=sqlite://data/discock.db"].as_slice(),
        ] {
            assert_eq!(parse(args), Ok(expected.clone()));
        }
    }

    #[test]
    fn backup_restore_and_admin_read_their_arguments() {
        assert_eq!(parse(&["backup", "--to", "b.db"]), Ok(Command::Backup { to: "b.db".into(), force: false }));
        assert_eq!(parse(&["backup", "--force", "--to=b.db"]), Ok(Command::Backup { to: "b.db".into(), force: true }));
        assert_eq!(parse(&["restore", "--from", "b.db"]), Ok(Command::Restore { from: "b.db".into() }));
        assert_eq!(
            parse(&["admin", "reset-password", "anna"]),
            Ok(Command::Admin(AdminCommand::ResetPassword { username: "anna".into() }))
        );
        assert_eq!(
            parse(&["admin", "end-sessions", "help_desk"]),
            Ok(Command::Admin(AdminCommand::EndSessions { username: "help_desk".into() }))
        );
        assert_eq!(
            parse(&["admin", "delete-messages", "spammer"]),
            Ok(Command::Admin(AdminCommand::DeleteMessages { username: "spammer".into() }))
        );
        assert_eq!(parse(&["admin", "list-rooms"]), Ok(Command::Admin(AdminCommand::ListRooms)));
    }

    #[test]
    fn a_wrong_command_line_is_a_usage_error_that_names_the_problem() {
        for (args, says) in [
            (["serve"].as_slice(), "unknown command"),
            (["migrate-sqlite-to-postgres", "--from", "sqlite://a.db"].as_slice(), "--to"),
            (["migrate-sqlite-to-postgres", "--to", "postgres://db/x"].as_slice(), "--from"),
            (["migrate-sqlite-to-postgres", "--from"].as_slice(), "--from needs a value"),
            (["migrate-sqlite-to-postgres", "--from", "a", "--from", "b"].as_slice(), "twice"),
            (["migrate-sqlite-to-postgres", "--verbose"].as_slice(), "unknown argument"),
            (
                ["migrate-sqlite-to-postgres", "--from", "postgres://db/x", "--to", "postgres://db/y"].as_slice(),
                "--from",
            ),
            (["migrate-sqlite-to-postgres", "--from", "sqlite://a.db", "--to", "sqlite://b.db"].as_slice(), "--to"),
            (["migrate-sqlite-to-postgres", "--from", "sqlite://a.db", "--to", "mysql://db"].as_slice(), "--to"),
            (["backup"].as_slice(), "--to FILE is missing"),
            (["backup", "--to", "a", "--force", "--force"].as_slice(), "twice"),
            (["backup", "--to", "a", "--force=yes"].as_slice(), "takes no value"),
            (["restore", "--to", "a"].as_slice(), "unknown argument"),
            (["admin"].as_slice(), "subcommand"),
            (["admin", "reset-password"].as_slice(), "USERNAME"),
            (["admin", "end-sessions", "a", "b"].as_slice(), "one USERNAME"),
            (["admin", "list-rooms", "x"].as_slice(), "no arguments"),
            (["admin", "ban"].as_slice(), "unknown admin subcommand"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.0.contains(says), "{args:?}: {err}");
        }
        let err = parse(&["migrate-sqlite-to-postgres", "--password=s3cret@x"]).unwrap_err();
        assert!(!err.0.contains("s3cret"), "{err}");
    }
}
