//! `crashtest`: kills the real server with SIGKILL again and again under live traffic and checks
//! that nothing acknowledged was lost or stored twice (see `discock_bench::crash`).
//!
//! ```sh
//! cargo build --release
//! cargo run --release -p discock-bench --bin crashtest -- --kills 20 --seed 1
//! ```

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use discock_bench::crash::{self, Options};

const USAGE: &str = "\
crashtest: SIGKILLs the discock server at random moments while clients send, restarts it on the
same SQLite database, and audits the database at the end. Exits 1 on any lost, duplicated or
misnumbered message or a failed integrity check; 2 when it cannot run.

USAGE: cargo run --release -p discock-bench --bin crashtest -- [FLAGS]

  --binary PATH        the server (default target/release/discock, under $CARGO_TARGET_DIR if set;
                       build it first with `cargo build --release`)
  --kills N            SIGKILLs, each followed by a restart (default 20)
  --seed N             seeds the kill moments (default: from the clock; printed in the report)
  --users N            registered users (default 3)
  --clients N          sending WebSockets, in the default room (default 6)
  --window N           messages each client keeps in flight (default 8)
  --min-uptime-ms N    each server runs a uniformly random time in [min, max] after it listens,
  --max-uptime-ms N    then is killed (default 50 and 1500)
  --keep               keep the temp folder with the database and the server log
  --help
";

/// `target/release/discock` of this workspace, wherever the command is run from.
fn default_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("release").join("discock")
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64 % 1_000_000).unwrap_or(1);
    let mut options = Options::new(default_binary(), seed);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        if flag == "--keep" {
            options.keep = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag}: {value:?} is not a whole number"));
        match flag.as_str() {
            "--binary" => options.binary = PathBuf::from(&value),
            "--kills" => options.kills = u32::try_from(number()?).map_err(|_| format!("{flag}: too large"))?,
            "--seed" => options.seed = number()?,
            "--users" => options.users = number()? as usize,
            "--clients" => options.clients = number()? as usize,
            "--window" => options.window = number()? as usize,
            "--min-uptime-ms" => options.min_uptime = Duration::from_millis(number()?),
            "--max-uptime-ms" => options.max_uptime = Duration::from_millis(number()?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if options.min_uptime > options.max_uptime {
        return Err("--min-uptime-ms is above --max-uptime-ms".into());
    }
    Ok(Some(options))
}

#[tokio::main]
async fn main() {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("crashtest: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    eprintln!("crashtest: {} kills of {} (seed {})…", options.kills, options.binary.display(), options.seed);
    match crash::run(options).await {
        Ok(report) => {
            print!("{}", report.markdown());
            if !report.violations().is_empty() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("crashtest: {e}");
            std::process::exit(2);
        }
    }
}
