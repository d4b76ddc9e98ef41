//! `cities`: how long the embedded city table takes to load, and how fast it answers name
//! searches — in process, and over HTTP through `GET /api/cities`.
//!
//! ```sh
//! cargo run --release -p discock-bench --bin cities
//! cargo run --release -p discock-bench --bin cities -- --top 500 --no-http
//! ```
//!
//! The load is `Cities::parse` on the embedded files, 20 times (min and median). The queries are
//! every 1- to 6-character prefix of the Russian and English names of the most populous cities,
//! and those names whole, each distinct query once (after one unmeasured pass), through
//! `Cities::search(q, 10)`: the autocomplete of the registration and profile forms. Then the same
//! queries, one request at a time, against the server started in this process on 127.0.0.1:0 (a
//! temporary SQLite database), with the route's own `Server-Timing` beside the round trip.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use discock::cities::{self, Cities};
use discock::{App, Config};

const USAGE: &str = "\
cities: measures loading the city table and searching it, in process and over HTTP.

USAGE: cargo run --release -p discock-bench --bin cities -- [FLAGS]

  --top N      take the names of the N most populous cities (default 2000)
  --limit N    answers per search (default 10)
  --no-http    skip the measurement over HTTP
  --help
";

struct Options {
    top: usize,
    limit: usize,
    http: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options { top: 2000, limit: 10, http: true };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--no-http" => o.http = false,
            "--top" | "--limit" => {
                let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let n = value.parse::<usize>().map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
                if flag == "--top" {
                    o.top = n.max(1);
                } else {
                    o.limit = n.clamp(1, cities::MAX_SEARCH_LIMIT);
                }
            }
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
            eprintln!("cities: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(options).await {
        eprintln!("cities: {e}");
        std::process::exit(1);
    }
}

async fn run(o: Options) -> Result<(), String> {
    let mut loads = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let table = Cities::parse(cities::EMBEDDED_CITIES, cities::EMBEDDED_REGIONS).map_err(|e| e.to_string())?;
        loads.push(started.elapsed());
        std::hint::black_box(table);
    }
    loads.sort();
    let table = cities::table();
    println!(
        "Load: {} cities from {:.1} MB, min {:.1} ms, median {:.1} ms (20 loads)",
        table.len(),
        (cities::EMBEDDED_CITIES.len() + cities::EMBEDDED_REGIONS.len()) as f64 / 1e6,
        ms(loads[0]),
        ms(loads[loads.len() / 2])
    );

    let queries = queries(table, o.top);
    for q in &queries {
        std::hint::black_box(table.search(q, o.limit));
    }
    let mut by_length: Vec<(&str, Vec<Duration>)> =
        ["1", "2", "3", "4–6", "whole names"].into_iter().map(|k| (k, Vec::new())).collect();
    let mut all = Vec::with_capacity(queries.len());
    for q in &queries {
        let started = Instant::now();
        std::hint::black_box(table.search(q, o.limit));
        let took = started.elapsed();
        all.push(took);
        by_length[group(q)].1.push(took);
    }
    println!();
    println!("In process: `Cities::search(q, {})` over the names of the {} most populous cities; µs", o.limit, o.top);
    println!();
    println!("| query length (chars) | queries | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    for (name, times) in &mut by_length {
        println!("| {name} | {} |", summary(times));
    }
    println!("| **all** | {} |", summary(&mut all));

    if o.http {
        http(&queries, o.limit).await?;
    }
    Ok(())
}

/// Every distinct 1..=6-character prefix of the Russian and English names of the `top` most
/// populous cities, and the names whole.
fn queries(table: &Cities, top: usize) -> Vec<String> {
    let mut biggest: Vec<_> = table.iter().collect();
    biggest.sort_by(|a, b| b.population.cmp(&a.population).then(a.id.cmp(&b.id)));
    let mut set = BTreeSet::new();
    for city in biggest.into_iter().take(top) {
        for name in [&*city.name, &*city.name_en] {
            let chars: Vec<char> = name.chars().collect();
            for n in 1..=chars.len().min(6) {
                set.insert(chars[..n].iter().collect::<String>());
            }
            set.insert(name.to_owned());
        }
    }
    set.into_iter().collect()
}

/// The row of the table a query's time goes to.
fn group(q: &str) -> usize {
    match q.chars().count() {
        1 => 0,
        2 => 1,
        3 => 2,
        4..=6 => 3,
        _ => 4,
    }
}

/// `count | p50 | p99 | max` in microseconds.
fn summary(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "0 | | | ".to_owned();
    }
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    let us = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e6);
    format!("{} | {} | {} | {}", times.len(), us(at(0.50)), us(at(0.99)), us(times[times.len() - 1]))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The same queries over real HTTP, one at a time, against the server built from this checkout.
async fn http(queries: &[String], limit: usize) -> Result<(), String> {
    let folder = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let vars = [
        ("HOST", "127.0.0.1".to_owned()),
        ("PORT", "0".to_owned()),
        ("DATABASE_URL", format!("sqlite://{}", folder.path().join("discock.db").display())),
        ("SECRET_KEY", "discock-cities-bench-throwaway-key-0123456789".to_owned()),
    ];
    let lookup = |key: &str| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let config = Config::from_lookup(lookup).map_err(|e| format!("the server's settings: {}", e.0))?;
    let app = App::build(config).await.map_err(|e| format!("the server did not start: {e}"))?;
    let base = format!("http://{}/api/cities", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let http = discock_bench::api::client()?;
    let limit = limit.to_string();
    let ask = |q: &str| http.get(&base).query(&[("q", q), ("limit", limit.as_str())]).send();
    for q in queries.iter().take(500) {
        ask(q).await.map_err(|e| format!("GET /api/cities: {e}"))?;
    }
    let (mut round_trips, mut in_server) = (Vec::new(), Vec::new());
    for q in queries {
        let started = Instant::now();
        let response = ask(q).await.map_err(|e| format!("GET /api/cities: {e}"))?;
        let status = response.status();
        let timing = response.headers().get("server-timing").and_then(|v| v.to_str().ok()).map(str::to_owned);
        response.bytes().await.map_err(|e| format!("GET /api/cities body: {e}"))?;
        round_trips.push(started.elapsed());
        if !status.is_success() {
            return Err(format!("GET /api/cities?q={q}: {status}"));
        }
        let app_ms = timing.as_deref().and_then(|t| t.strip_prefix("app;dur=")).and_then(|v| v.parse::<f64>().ok());
        if let Some(app_ms) = app_ms {
            in_server.push(Duration::from_secs_f64(app_ms / 1000.0));
        }
    }
    println!();
    println!("Over HTTP: `GET /api/cities?q&limit={limit}`, one request at a time on one connection; µs");
    println!();
    println!("| measured | requests | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    println!("| round trip | {} |", summary(&mut round_trips));
    println!("| in the handler (Server-Timing) | {} |", summary(&mut in_server));
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
    Ok(())
}
