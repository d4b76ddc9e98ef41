//! `search`: how fast message search answers on a database of a million messages.
//!
//! ```sh
//! cargo run --release -p discock-bench --bin search
//! cargo run --release -p discock-bench --bin search -- --keep /tmp/search.db   # keep the database
//! cargo run --release -p discock-bench --bin search -- --reuse /tmp/search.db  # and search it again
//! cargo run --release -p discock-bench --bin search -- --postgres postgres://postgres@127.0.0.1/search_bench
//! ```
//!
//! Builds an SQLite database straight through SQL (users, rooms, and messages of a made-up
//! Russian-and-English team chat, indexed by the server's own triggers as they go in), starts
//! the server on it in this process (the library, built from this checkout), signs one person in
//! and asks `GET /api/search` thousands of times, one request at a time, over real HTTP: common
//! and rare words, two words, phrases, `from:` and `in:`. Prints the latency percentiles of each
//! kind and of all. With `--postgres`, the SQLite database is first copied into that (empty)
//! PostgreSQL database with the server's own `migrate-sqlite-to-postgres`, and the server runs on it.
//!
//! Layout:
//! - `corpus`: the made-up conversation (Zipf-distributed words in their forms, phrases, rare words)
//! - `load`: filling the SQLite database
//! - `queries`: the searches, by kind

#[path = "search/corpus.rs"]
mod corpus;
#[path = "search/load.rs"]
mod load;
#[path = "search/queries.rs"]
mod queries;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use discock::{App, Config};
use hdrhistogram::Histogram;
use reqwest::header::COOKIE;

use crate::queries::Kind;

const USAGE: &str = "\
search: builds a database of a million messages and measures GET /api/search on it.

USAGE: cargo run --release -p discock-bench --bin search -- [FLAGS]

  --messages N     messages to load (default 1000000)
  --users N        authors (default 1000)
  --rooms N        rooms (default 30)
  --searches N     searches measured, the kinds taking turns (default 3000), after 300 unmeasured
  --seed N         the corpus's and the searches' seed (default 1)
  --keep PATH      build the SQLite database at PATH and keep it
  --reuse PATH     search the SQLite database at PATH built by an earlier --keep (no load)
  --postgres URL   copy the SQLite database into this empty PostgreSQL database and search there
  --help
";

struct Options {
    messages: usize,
    users: usize,
    rooms: usize,
    searches: usize,
    seed: u64,
    keep: Option<PathBuf>,
    reuse: Option<PathBuf>,
    postgres: Option<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options {
        messages: 1_000_000,
        users: 1000,
        rooms: 30,
        searches: 3000,
        seed: 1,
        keep: None,
        reuse: None,
        postgres: None,
    };
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|_| format!("{flag} takes a whole number, not {v:?}"));
        match flag.as_str() {
            "--messages" => o.messages = number(&value)?,
            "--users" => o.users = number(&value)?.max(1),
            "--rooms" => o.rooms = number(&value)?.max(1),
            "--searches" => o.searches = number(&value)?.max(1),
            "--seed" => o.seed = number(&value)? as u64,
            "--keep" => o.keep = Some(value.into()),
            "--reuse" => o.reuse = Some(value.into()),
            "--postgres" => o.postgres = Some(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(Some(o))
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
            eprintln!("search: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(options).await {
        eprintln!("search: {e}");
        std::process::exit(1);
    }
}

async fn run(o: Options) -> Result<(), String> {
    let folder = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let path = o.reuse.clone().or(o.keep.clone()).unwrap_or_else(|| folder.path().join("discock.db"));
    let users: Vec<String> = (0..o.users).map(|n| format!("user{n:04}")).collect();
    let rooms = load::rooms(o.rooms);
    if o.reuse.is_none() {
        if path.exists() {
            return Err(format!("{} exists; --keep builds a new database", path.display()));
        }
        eprintln!("loading {} messages by {} users in {} rooms into {}", o.messages, o.users, o.rooms, path.display());
        let (p, (users, rooms, messages, seed)) = (path.clone(), (o.users, o.rooms, o.messages, o.seed));
        let loaded = tokio::task::spawn_blocking(move || load::fill(&p, users, rooms, messages, seed))
            .await
            .map_err(|e| format!("the load failed: {e}"))??;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(path.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);
        println!(
            "Loaded {} messages in {:.1} s ({:.0} messages/s, indexed as they went in); database {:.0} MiB",
            loaded.messages,
            loaded.took.as_secs_f64(),
            loaded.messages as f64 / loaded.took.as_secs_f64(),
            size as f64 / (1024.0 * 1024.0)
        );
    }
    let database_url = match &o.postgres {
        None => format!("sqlite://{}", path.display()),
        Some(url) => {
            eprintln!("copying into PostgreSQL");
            let (from, to) = (path.clone(), url.clone());
            let copied = tokio::task::spawn_blocking(move || {
                discock::migrate::sqlite_to_postgres(&from, &to, Duration::from_secs(10))
            })
            .await
            .map_err(|e| format!("the copy failed: {e}"))?
            .map_err(|e| format!("copying into PostgreSQL: {e}"))?;
            println!("Copied {} messages into PostgreSQL in {:.1} s", copied.messages, copied.took.as_secs_f64());
            url.clone()
        }
    };

    let vars = [
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", "0".to_owned()),
        ("DATABASE_URL", database_url),
        ("BCRYPT_COST", "4".to_owned()),
        ("SECRET_KEY", "discock-search-bench-throwaway-key-0123456789".to_owned()),
        ("RATE_LIMIT_REGISTER", "off".to_owned()),
    ];
    let lookup = |key: &str| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let config = Config::from_lookup(lookup).map_err(|e| format!("the server's settings: {}", e.0))?;
    let app = App::build(config).await.map_err(|e| format!("the server did not start: {e}"))?;
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let http = discock_bench::api::client()?;
    // A name of this run's own: a reused database already has the searchers of earlier runs.
    let searcher = format!("searcher{}", std::process::id());
    let session = discock_bench::api::register(&http, &base, &searcher).await?;
    let searches = queries::searches(o.searches + 300, &users, &rooms, o.seed.wrapping_add(7));
    let (warm_up, measured) = searches.split_at(300);
    for (_, q) in warm_up {
        search(&http, &base, &session, q).await?;
    }
    let mut by_kind: Vec<(Kind, Histogram<u64>, usize)> = Kind::ALL.iter().map(|&k| (k, histogram(), 0)).collect();
    let mut all = histogram();
    let started = Instant::now();
    for (kind, q) in measured {
        let (took, found) = search(&http, &base, &session, q).await?;
        let us = took.as_micros().max(1) as u64;
        all.record(us).map_err(|e| e.to_string())?;
        let entry = by_kind.iter_mut().find(|(k, ..)| k == kind).expect("every kind has a histogram");
        entry.1.record(us).map_err(|e| e.to_string())?;
        entry.2 += found;
    }
    let elapsed = started.elapsed();

    println!();
    println!(
        "{} searches, one at a time, in {:.1} s; latency from request to whole answer, in ms",
        measured.len(),
        elapsed.as_secs_f64()
    );
    println!();
    println!("| kind | example | searches | results per search | p50 | p95 | p99 | max |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for (kind, h, found) in &by_kind {
        let example = measured.iter().find(|(k, _)| k == kind).map(|(_, q)| q.as_str()).unwrap_or("");
        println!(
            "| {} | `{}` | {} | {:.1} | {} |",
            kind.name(),
            example,
            h.len(),
            *found as f64 / h.len().max(1) as f64,
            percentiles(h)
        );
    }
    println!("| **all** | | {} | | {} |", all.len(), percentiles(&all));

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
    Ok(())
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
}

/// `p50 | p95 | p99 | max` in milliseconds.
fn percentiles(h: &Histogram<u64>) -> String {
    let ms = |us: u64| format!("{:.2}", us as f64 / 1000.0);
    format!(
        "{} | {} | {} | {}",
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.95)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

/// One search: how long the whole answer took and how many results it had.
async fn search(http: &reqwest::Client, base: &str, session: &str, q: &str) -> Result<(Duration, usize), String> {
    let started = Instant::now();
    let resp = http
        .get(format!("{base}/api/search"))
        .query(&[("q", q)])
        .header(COOKIE, format!("discock_session={session}"))
        .send()
        .await
        .map_err(|e| format!("GET /api/search: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("GET /api/search body: {e}"))?;
    let took = started.elapsed();
    if !status.is_success() {
        return Err(format!("GET /api/search?q={q}: {status}: {}", String::from_utf8_lossy(&body)));
    }
    let results: Vec<serde_json::Value> =
        serde_json::from_slice(&body).map_err(|e| format!("GET /api/search?q={q}: not a JSON list: {e}"))?;
    Ok((took, results.len()))
}
