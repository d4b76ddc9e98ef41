//! The operator's commands beyond serving: `backup` and `restore` of an SQLite database, and
//! the `admin` chores on either backend. Each is blocking and runs before any async runtime
//! exists (the synchronous PostgreSQL client panics inside one); [`run`] prints the outcome.

pub mod admin;
pub mod backup;
pub mod restore;

use std::process::ExitCode;

use crate::cli::Command;
use crate::Config;

/// Runs an operator command (`backup`, `restore`, `admin …`; any other is refused), printing its
/// summary, or its error as `discock: …` with exit status 1.
pub fn run(command: &Command) -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail(e),
    };
    let outcome = match command {
        Command::Backup { to, force } => backup::backup(&config.database, to, *force)
            .map(|r| {
                format!(
                    "backed up {} to {}: {} pages, {} bytes in {:.1} s",
                    r.from.display(),
                    r.to.display(),
                    r.pages,
                    r.bytes,
                    r.took.as_secs_f64()
                )
            })
            .map_err(|e| e.to_string()),
        Command::Restore { from } => restore::restore(&config.database, from)
            .map(|r| {
                format!(
                    "restored {} into {}: {} pages (users: {}, rooms: {}, messages: {}), schema version {} in {:.1} s \
                 (the server brings the schema up to date when it starts)",
                    r.from.display(),
                    r.to.display(),
                    r.pages,
                    r.users,
                    r.rooms,
                    r.messages,
                    r.version,
                    r.took.as_secs_f64()
                )
            })
            .map_err(|e| e.to_string()),
        Command::Admin(admin) => admin::run(&config, admin).map_err(|e| e.to_string()),
        Command::Serve | Command::Help | Command::SqliteToPostgres { .. } => {
            return fail("not an operator command");
        }
    };
    match outcome {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("discock: {e}");
    ExitCode::FAILURE
}

/// What `PRAGMA integrity_check` found wrong, `None` when it says `ok`.
fn integrity_problems(conn: &rusqlite::Connection) -> Result<Option<String>, rusqlite::Error> {
    let lines: Vec<String> =
        conn.prepare("PRAGMA integrity_check")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok((lines != ["ok"]).then(|| lines.into_iter().take(5).collect::<Vec<_>>().join("; ")))
}

/// `word` as one shell word: as it is when it needs no quoting, else in single quotes.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
