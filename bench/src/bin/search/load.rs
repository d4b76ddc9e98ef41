//! Filling a fresh SQLite database fast, straight through SQL: the schema comes from the
//! server's own migrations (`SqliteStore::open`), then users, rooms and messages go in with
//! prepared statements in large transactions. The search index is kept by the server's triggers,
//! as in production, so the load's speed is also the indexing's.

use std::path::Path;
use std::time::{Duration, Instant};

use discock::store::sqlite::{register_functions, SqliteStore};
use rusqlite::params;

use crate::corpus::{Rng, Words};

/// Rows per transaction.
const BATCH: usize = 50_000;

/// What was loaded, and how long the messages took.
pub struct Loaded {
    pub messages: usize,
    pub took: Duration,
}

pub fn rooms(count: usize) -> Vec<String> {
    const NAMES: &[&str] = &[
        "Разработка",
        "Флуд",
        "Дежурство",
        "Релизы",
        "Кошки и собаки",
        "Backend",
        "Frontend",
        "Офис",
        "Новости",
        "Обед",
        "Книжный клуб",
        "Кино",
        "Музыка",
        "Спорт",
        "Путешествия",
        "Москва",
        "Новосибирск",
        "Питер",
        "DevOps",
        "Дизайн",
        "Продукт",
        "Поддержка",
        "Продажи",
        "HR",
        "Мониторинг",
        "Инциденты",
        "Random",
        "Английский",
        "Настолки",
        "Велосипеды",
    ];
    (0..count)
        .map(|n| match NAMES.get(n) {
            Some(name) => (*name).to_owned(),
            None => format!("Комната {n}"),
        })
        .collect()
}

/// Creates the database at `path` with `users` users, `rooms` rooms and `messages` messages.
pub fn fill(path: &Path, users: usize, rooms: usize, messages: usize, seed: u64) -> Result<Loaded, String> {
    drop(SqliteStore::open(path).map_err(|e| format!("creating the database: {e}"))?);
    let failed = |e: rusqlite::Error| format!("loading the database: {e}");
    let mut db = rusqlite::Connection::open(path).map_err(failed)?;
    register_functions(&db).map_err(failed)?;
    db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;")
        .map_err(failed)?;
    let now_us = chrono::Utc::now().timestamp_micros();
    let usernames: Vec<String> = (0..users).map(|n| format!("user{n:04}")).collect();
    let room_names = self::rooms(rooms);
    let (mut user_ids, mut room_ids) = (Vec::new(), Vec::new());
    {
        let tx = db.transaction().map_err(failed)?;
        for name in &usernames {
            tx.execute(
                "INSERT INTO users (username, username_key, password_hash, city, created_at)
                 VALUES (?1, ?1, 'not a hash: nobody logs in as these', 'Benchville', ?2)",
                params![name, now_us],
            )
            .map_err(failed)?;
            user_ids.push(tx.last_insert_rowid());
        }
        for name in &room_names {
            tx.execute(
                "INSERT INTO rooms (name, name_key, description, created_at) VALUES (?1, ?2, '', ?3)",
                params![name, name.to_lowercase(), now_us],
            )
            .map_err(failed)?;
            room_ids.push(tx.last_insert_rowid());
        }
        tx.commit().map_err(failed)?;
    }

    let started = Instant::now();
    let words = Words::new();
    let mut rng = Rng::new(seed);
    let mut seqs = vec![0i64; room_ids.len()];
    // A message every 2 s on average, ending now.
    let first_us = now_us - messages as i64 * 2_000_000;
    let mut done = 0;
    while done < messages {
        let tx = db.transaction().map_err(failed)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO messages (room_id, user_id, content, seq, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(failed)?;
            for n in done..(done + BATCH).min(messages) {
                let room = rng.below(room_ids.len());
                seqs[room] += 1;
                let user = user_ids[rng.below(user_ids.len())];
                let content = words.message(&mut rng);
                insert
                    .execute(params![room_ids[room], user, content, seqs[room], first_us + n as i64 * 2_000_000])
                    .map_err(failed)?;
            }
        }
        tx.commit().map_err(failed)?;
        done = (done + BATCH).min(messages);
        eprint!("\r  {done} / {messages} messages ({:.0} s)", started.elapsed().as_secs_f64());
    }
    eprintln!();
    // The rooms' seqs match their messages, as the server keeps them (the log itself is not
    // needed to search, so it is left empty).
    let tx = db.transaction().map_err(failed)?;
    for (room, seq) in room_ids.iter().zip(&seqs) {
        tx.execute("UPDATE rooms SET last_seq = ?2 WHERE id = ?1", params![room, seq]).map_err(failed)?;
    }
    tx.commit().map_err(failed)?;
    Ok(Loaded { messages, took: started.elapsed() })
}
