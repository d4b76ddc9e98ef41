//! The `discock` binary: logging, configuration, and the server until Ctrl-C or SIGTERM; or,
//! with arguments, a one-off command (`discock --help`).

use std::path::Path;
use std::process::ExitCode;

use discock::cli::{Command, USAGE};
use discock::config::{redact_url, LogFormat, DEFAULT_CONNECT_TIMEOUT};
use discock::migrate;
use discock::{logging, shutdown_signal, App, Config};

fn main() -> ExitCode {
    let command = match Command::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("discock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if command == Command::Help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let dotenv = dotenvy::dotenv();
    // Before anything logs: a shipper that expects JSON must not get a line of text first.
    let format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(e) => {
            eprintln!("discock: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A command's own output goes to stdout (a table, a generated password), so its logs go to
    // stderr; the server's stay on stdout.
    let to = if command == Command::Serve { logging::Output::Stdout } else { logging::Output::Stderr };
    logging::init(format, to);
    if let Err(e) = dotenv.as_ref().map(|_| ()).or_else(|e| if e.not_found() { Ok(()) } else { Err(e) }) {
        eprintln!("cannot read .env: {e}");
        return ExitCode::FAILURE;
    }
    match command {
        Command::SqliteToPostgres { from, to } => migrate_sqlite_to_postgres(&from, &to),
        Command::Serve | Command::Help => serve(),
        operator => discock::ops::run(&operator),
    }
}

fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // The runtime starts here rather than around `main`, so the migration and operator commands
    // can use the blocking PostgreSQL client, which panics inside a runtime.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("discock: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match App::build(config).await {
            Ok(app) => {
                app.run_until(shutdown_signal()).await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("discock: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn migrate_sqlite_to_postgres(from: &Path, to: &str) -> ExitCode {
    match migrate::sqlite_to_postgres(from, to, DEFAULT_CONNECT_TIMEOUT) {
        Ok(c) => {
            println!(
                "copied {} users, {} rooms, {} messages, {} room events, {} reactions, {} read markers, {} blocks, {} avatars and {} sessions from {} to {} in {:.1} s",
                c.users,
                c.rooms,
                c.messages,
                c.events,
                c.reactions,
                c.read_states,
                c.blocks,
                c.avatars,
                c.sessions,
                from.display(),
                redact_url(to),
                c.took.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("discock: migration failed, nothing was copied: {e}");
            ExitCode::FAILURE
        }
    }
}
