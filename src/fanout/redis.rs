//! The Redis side of the fan-out: one pub/sub channel that carries every event between
//! instances, presence shared through Redis hashes with a heartbeat per instance, and the
//! reconnect loops that keep both alive. While Redis is unreachable each instance keeps
//! serving its own sockets; when it comes back, every instance catches up from the database.
//!
//! Keys (all under `REDIS_PREFIX`, default `discock`):
//! - `{p}:events` — the pub/sub channel; payload `{"origin": instance, …Event}` (room events,
//!   transient frames, ended sessions).
//! - `{p}:presence:{room}` — hash, field `{user_id}@{instance}` → user JSON, one per user and
//!   instance with a connection in the room.
//! - `{p}:presence:rooms` — set of rooms that have presence entries (for the sweeper).
//! - `{p}:rooms_of:{user}` — set of the rooms the user is present in on any instance (whom a
//!   change of their status concerns).
//! - `{p}:status:{user}` — hash, field `{instance}` → `online` / `idle` for each instance with a
//!   connection of the user, and field `_` → the status they were last announced with.
//! - `{p}:status_by:{instance}` — set of the users the instance has a status part of, and
//!   `{p}:status:instances` — set of those instances (for the sweeper).
//! - `{p}:instance:{id}` — heartbeat, expires [`INSTANCE_TTL`] after the instance stops
//!   renewing it; entries of expired instances are swept and announced as `left_room`.
//!
//! `rediss://` connects over TLS (rustls, `ring`): the certificate must chain to the webpki
//! roots (Mozilla's list, compiled in) and name the host. `rediss://…#insecure` checks neither
//! and is logged as a warning at start-up; a private network needs no TLS at all (`redis://`).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use super::{Event, Fanout};
use crate::config::RedisSettings;
use crate::domain::{Presence, RoomId, User, UserId};
use crate::metrics::RedisMetrics;

/// How long an instance counts as alive after its last heartbeat.
pub const INSTANCE_TTL: Duration = Duration::from_secs(10);
/// How often heartbeats are renewed and dead instances' presence swept.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(3);
/// Longest wait for one Redis command before treating Redis as down.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// Events waiting to be published; past this, new ones are dropped (other instances then
/// catch messages up from the database).
const PUBLISH_QUEUE: usize = 16 * 1024;
/// The most events published in one pipelined round trip.
const PUBLISH_BATCH: usize = 256;

#[derive(Deserialize)]
struct Envelope {
    origin: String,
    #[serde(flatten)]
    event: Event,
}

/// An [`Envelope`] as it is published, borrowing its parts.
#[derive(Serialize)]
struct Outgoing<'a> {
    origin: &'a str,
    #[serde(flatten)]
    event: &'a Event,
}

/// Adds the user's entry for this instance; returns how many instances now have the user.
const JOIN_SCRIPT: &str = r"
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[4])
local n = 0
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, #ARGV[3]) == ARGV[3] then n = n + 1 end
end
return n
";

/// Removes an entry; returns how many instances still have the user, or -1 when the entry
/// was already gone (someone else removed it and announced the departure).
const LEAVE_SCRIPT: &str = r"
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return -1 end
local n = 0
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, #ARGV[2]) == ARGV[2] then n = n + 1 end
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[3]) end
if n == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
return n
";

/// Sets (or, with `offline`, removes) one instance's status of a user and works out the user's
/// status over every instance: online if any instance says online, idle if any says idle, else
/// offline. Returns nothing when that is the status last announced; otherwise records it and
/// returns it followed by the rooms the user is present in, for the announcement.
const STATUS_SCRIPT: &str = r"
if ARGV[2] == 'offline' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local all = redis.call('HGETALL', KEYS[1])
local now = 'offline'
for i = 1, #all, 2 do
  if all[i] ~= '_' then
    if all[i + 1] == 'online' then now = 'online' elseif now == 'offline' then now = 'idle' end
  end
end
local before = redis.call('HGET', KEYS[1], '_') or 'offline'
if ARGV[2] == 'offline' then
  redis.call('SREM', KEYS[2], ARGV[3])
else
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[1])
end
if now == 'offline' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], '_', now)
end
if now == before then return {} end
local out = redis.call('SMEMBERS', KEYS[3])
table.insert(out, 1, now)
return out
";

/// This instance's connection to Redis.
pub struct RedisLink {
    instance: String,
    prefix: String,
    commands: ConnectionManager,
    /// Events to publish, with when they were queued (for the publish lag).
    outgoing: mpsc::Sender<(Instant, Event)>,
    metrics: RedisMetrics,
    join_script: redis::Script,
    leave_script: redis::Script,
    status_script: redis::Script,
}

/// The background tasks of a link, started once the fan-out that they feed exists.
pub struct Tasks {
    client: redis::Client,
    parts: Parts,
    queue: mpsc::Receiver<(Instant, Event)>,
}

impl Tasks {
    /// Starts the publisher, subscriber and heartbeat tasks; they stop when `shutdown` flips.
    pub fn spawn(self, fanout: Fanout, shutdown: watch::Receiver<bool>) {
        tokio::spawn(publish_loop(fanout.clone(), self.parts.clone(), self.queue, shutdown.clone()));
        tokio::spawn(subscribe_loop(fanout.clone(), self.client, self.parts.clone(), shutdown.clone()));
        tokio::spawn(heartbeat_loop(fanout, self.parts, shutdown));
    }
}

impl RedisLink {
    /// Makes the link and the tasks that will keep it alive. Never fails: an unreachable Redis
    /// only means events stay on this instance until it answers.
    pub fn connect(settings: RedisSettings, metrics: RedisMetrics) -> (RedisLink, Tasks) {
        let instance = uuid::Uuid::new_v4().simple().to_string();
        // The redis crate builds its rustls config from the process-wide provider; naming ours
        // keeps that working even if another crate ever enables a second one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = redis::Client::open(settings.url.as_str()).expect("REDIS_URL was validated at start-up");
        if let redis::ConnectionAddr::TcpTls { insecure: true, .. } = client.get_connection_info().addr() {
            tracing::warn!(
                "REDIS_URL ends in #insecure: the Redis TLS certificate and host name are not checked, \
                 so anyone on the path can read and change the fan-out"
            );
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let commands =
            ConnectionManager::new_lazy_with_config(client.clone(), config).expect("lazy connection manager");
        let (outgoing, queue) = mpsc::channel(PUBLISH_QUEUE);
        let link = RedisLink {
            instance: instance.clone(),
            prefix: settings.prefix.clone(),
            commands: commands.clone(),
            outgoing,
            metrics,
            join_script: redis::Script::new(JOIN_SCRIPT),
            leave_script: redis::Script::new(LEAVE_SCRIPT),
            status_script: redis::Script::new(STATUS_SCRIPT),
        };
        tracing::info!(%instance, prefix = %settings.prefix, "fan-out through Redis");
        let tasks = Tasks { client, parts: link.clone_parts(), queue };
        (link, tasks)
    }

    fn clone_parts(&self) -> Parts {
        Parts {
            instance: self.instance.clone(),
            prefix: self.prefix.clone(),
            commands: self.commands.clone(),
            leave_script: self.leave_script.clone(),
            status_script: self.status_script.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// Queues an event for every instance.
    pub fn publish(&self, event: Event) {
        if self.outgoing.try_send((Instant::now(), event)).is_err() {
            self.metrics.publish_failures.inc();
            tracing::warn!("Redis publish queue is full; dropping an event (instances resync from the database)");
        }
    }

    fn presence_key(&self, room: RoomId) -> String {
        format!("{}:presence:{room}", self.prefix)
    }

    /// Records that the user has a connection in the room on this instance. True when no other
    /// instance had them there (so the join must be announced) — and also when Redis cannot be
    /// asked, since this instance's own sockets must still hear about it.
    pub async fn mark_present(&self, user: &User, room: RoomId) -> bool {
        let mut conn = self.commands.clone();
        let user_json = serde_json::to_string(user).expect("users serialize");
        let mut call = self.join_script.key(self.presence_key(room));
        call.key(format!("{}:presence:rooms", self.prefix))
            .key(format!("{}:rooms_of:{}", self.prefix, user.id))
            .arg(format!("{}@{}", user.id, self.instance))
            .arg(user_json)
            .arg(format!("{}@", user.id))
            .arg(room.0);
        match timed(call.invoke_async::<i64>(&mut conn)).await {
            Ok(n) => n == 1,
            Err(e) => {
                tracing::warn!(error = %e, "Redis unavailable: presence is local only for now");
                true
            }
        }
    }

    /// Removes this instance's entry for the user; true when no instance has them any more.
    pub async fn mark_absent(&self, user: UserId, room: RoomId) -> bool {
        leave(&self.clone_parts(), user, &self.instance, room).await.unwrap_or(true)
    }

    /// Rewrites this instance's presence entries of `user` in `rooms` with their changed
    /// profile; an entry removed meanwhile (they left) stays removed.
    pub async fn refresh_user(&self, user: &User, rooms: &[RoomId]) {
        const REFRESH: &str =
            "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end";
        let user_json = serde_json::to_string(user).expect("users serialize");
        let script = redis::Script::new(REFRESH);
        for room in rooms {
            let mut conn = self.commands.clone();
            let mut call = script.key(self.presence_key(*room));
            call.arg(format!("{}@{}", user.id, self.instance)).arg(&user_json);
            if let Err(e) = timed(call.invoke_async::<()>(&mut conn)).await {
                tracing::warn!(error = %e, "Redis unavailable: a changed profile shows after the next join");
            }
        }
    }

    /// Records this instance's status of `user` (its connections' state); when that changes
    /// the user's status over all instances, returns the new status and the rooms they are
    /// present in. `Err` when Redis cannot be asked.
    pub async fn set_status(
        &self,
        user: UserId,
        here: Presence,
    ) -> redis::RedisResult<Option<(Presence, Vec<RoomId>)>> {
        set_status(&self.clone_parts(), user, &self.instance, here).await
    }

    /// The statuses of `users` over all instances, as last announced (offline for anyone Redis
    /// has no status of), or `None` when Redis cannot say.
    pub async fn statuses(&self, users: &[UserId]) -> Option<Vec<Presence>> {
        if users.is_empty() {
            return Some(Vec::new());
        }
        let mut pipe = redis::pipe();
        for user in users {
            pipe.hget(format!("{}:status:{user}", self.prefix), "_");
        }
        let mut conn = self.commands.clone();
        match timed(pipe.query_async::<Vec<Option<String>>>(&mut conn)).await {
            Ok(found) => Some(
                found.iter().map(|s| s.as_deref().and_then(Presence::parse).unwrap_or(Presence::Offline)).collect(),
            ),
            Err(e) => {
                tracing::warn!(error = %e, "Redis unavailable: presence as this instance sees it");
                None
            }
        }
    }

    /// Everyone present in the room on any live instance, or `None` when Redis cannot say.
    pub async fn room_users(&self, room: RoomId) -> Option<Vec<User>> {
        let mut conn = self.commands.clone();
        let entries: Vec<String> = match timed(conn.hvals(self.presence_key(room))).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "Redis unavailable: listing local members only");
                return None;
            }
        };
        let unique: BTreeMap<UserId, User> =
            entries.iter().filter_map(|json| serde_json::from_str::<User>(json).ok()).map(|u| (u.id, u)).collect();
        Some(unique.into_values().collect())
    }
}

/// What the background tasks need of the link.
#[derive(Clone)]
struct Parts {
    instance: String,
    prefix: String,
    commands: ConnectionManager,
    leave_script: redis::Script,
    status_script: redis::Script,
    metrics: RedisMetrics,
}

async fn timed<T>(fut: impl std::future::Future<Output = redis::RedisResult<T>>) -> redis::RedisResult<T> {
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Ok(result) => result,
        Err(_) => Err(redis::RedisError::from((redis::ErrorKind::Io, "Redis command timed out"))),
    }
}

/// Runs the status script for one instance's status of `user` (see [`RedisLink::set_status`]).
async fn set_status(
    parts: &Parts,
    user: UserId,
    instance: &str,
    here: Presence,
) -> redis::RedisResult<Option<(Presence, Vec<RoomId>)>> {
    let mut conn = parts.commands.clone();
    let mut call = parts.status_script.key(format!("{}:status:{user}", parts.prefix));
    call.key(format!("{}:status_by:{instance}", parts.prefix))
        .key(format!("{}:rooms_of:{user}", parts.prefix))
        .key(format!("{}:status:instances", parts.prefix))
        .arg(instance)
        .arg(here.as_str())
        .arg(user.0);
    let answer: Vec<String> = timed(call.invoke_async(&mut conn)).await?;
    let Some((status, rooms)) = answer.split_first() else { return Ok(None) };
    let status = Presence::parse(status).unwrap_or(Presence::Offline);
    Ok(Some((status, rooms.iter().filter_map(|r| r.parse().ok()).map(RoomId).collect())))
}

/// Runs the leave script; `Ok(true)` when the user is now absent from every instance.
async fn leave(parts: &Parts, user: UserId, instance: &str, room: RoomId) -> redis::RedisResult<bool> {
    let mut conn = parts.commands.clone();
    let mut call = parts.leave_script.key(format!("{}:presence:{room}", parts.prefix));
    call.key(format!("{}:presence:rooms", parts.prefix))
        .key(format!("{}:rooms_of:{user}", parts.prefix))
        .arg(format!("{user}@{instance}"))
        .arg(format!("{user}@"))
        .arg(room.0);
    let remaining: i64 = timed(call.invoke_async(&mut conn)).await?;
    Ok(remaining == 0)
}

/// Publishes events from a process that is not an instance — the operator commands, which run
/// outside any async runtime: every subscribed instance applies them as it applies another
/// instance's (a logged event through its orderer, an ended session by closing its sockets).
/// Blocking; returns how many subscribers heard the last one.
pub fn publish_blocking(settings: &RedisSettings, events: &[Event]) -> redis::RedisResult<i64> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = redis::Client::open(settings.url.as_str())?;
    let mut conn = client.get_connection_with_timeout(COMMAND_TIMEOUT)?;
    conn.set_read_timeout(Some(COMMAND_TIMEOUT))?;
    conn.set_write_timeout(Some(COMMAND_TIMEOUT))?;
    let channel = format!("{}:events", settings.prefix);
    // No instance has this origin, so none skips the events as its own.
    let origin = format!("operator-{}", uuid::Uuid::new_v4().simple());
    let mut heard = 0;
    for event in events {
        let envelope = Outgoing { origin: &origin, event };
        let payload = serde_json::to_string(&envelope).expect("events serialize");
        heard = redis::cmd("PUBLISH").arg(&channel).arg(payload).query::<i64>(&mut conn)?;
    }
    Ok(heard)
}

/// Publishes queued events in order. Whatever queued up while the last publish was under way
/// goes out together, pipelined (at most [`PUBLISH_BATCH`] per round trip): one event at a time,
/// each waiting for its reply, the queue drains no faster than one Redis round trip per event.
/// An event that cannot be published is applied to this instance alone (logged room events and
/// ended sessions already were), so local sockets keep working without Redis.
async fn publish_loop(
    fanout: Fanout,
    parts: Parts,
    mut queue: mpsc::Receiver<(Instant, Event)>,
    mut shutdown: watch::Receiver<bool>,
) {
    let channel = format!("{}:events", parts.prefix);
    let mut conn = parts.commands.clone();
    let mut failing = false;
    let mut events = Vec::with_capacity(PUBLISH_BATCH);
    loop {
        let received = tokio::select! {
            n = queue.recv_many(&mut events, PUBLISH_BATCH) => n,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        if received == 0 {
            return;
        }
        let mut pipe = redis::pipe();
        for (_, event) in &events {
            let envelope = Outgoing { origin: &parts.instance, event };
            pipe.publish(&channel, serde_json::to_string(&envelope).expect("events serialize")).ignore();
        }
        match timed(pipe.query_async::<()>(&mut conn)).await {
            Ok(()) => {
                parts.metrics.publishes.inc_by(events.len() as u64);
                for (queued, _) in events.drain(..) {
                    parts.metrics.publish_lag.observe(queued.elapsed().as_secs_f64());
                }
                if failing {
                    tracing::info!("publishing to Redis again");
                    failing = false;
                }
            }
            Err(e) => {
                parts.metrics.publish_failures.inc_by(events.len() as u64);
                if !failing {
                    tracing::warn!(error = %e, "cannot publish to Redis; delivering on this instance only");
                    failing = true;
                }
                for (_, event) in events.drain(..) {
                    if !matches!(event, Event::Logged { .. } | Event::SessionEnded { .. }) {
                        fanout.apply(event);
                    }
                }
            }
        }
    }
}

/// Keeps a subscription to the events channel, reconnecting with backoff. After a cut it
/// resyncs: messages stored meanwhile come from the database, member lists from Redis.
async fn subscribe_loop(fanout: Fanout, client: redis::Client, parts: Parts, mut shutdown: watch::Receiver<bool>) {
    let channel = format!("{}:events", parts.prefix);
    let mut delay = Duration::from_millis(250);
    let mut was_cut = false;
    loop {
        let session = async {
            let mut pubsub = timed(client.get_async_pubsub()).await?;
            timed(pubsub.subscribe(&channel)).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let pubsub = tokio::select! {
            r = session => r,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match pubsub {
            Ok(pubsub) => {
                tracing::info!("subscribed to Redis events");
                delay = Duration::from_millis(250);
                if was_cut {
                    fanout.resync().await;
                }
                let mut messages = pubsub.into_on_message();
                loop {
                    let msg = tokio::select! {
                        m = messages.next() => m,
                        _ = shutdown.wait_for(|stop| *stop) => return,
                    };
                    let Some(msg) = msg else { break };
                    let Ok(payload) = msg.get_payload::<String>() else { continue };
                    match serde_json::from_str::<Envelope>(&payload) {
                        // This instance delivered its own room events when they were committed,
                        // and closed the connections of the sessions it ended.
                        Ok(Envelope { origin, event: Event::Logged { .. } | Event::SessionEnded { .. } })
                            if origin == parts.instance => {}
                        Ok(envelope) => fanout.apply(envelope.event),
                        // Where and what kind, not serde's text: that quotes the values it
                        // choked on, which may be what someone wrote.
                        Err(e) => tracing::warn!(
                            error = ?e.classify(),
                            line = e.line(),
                            column = e.column(),
                            "ignoring a malformed Redis event"
                        ),
                    }
                }
                tracing::warn!("Redis subscription lost; reconnecting");
            }
            Err(e) => tracing::warn!(error = %e, retry_in = ?delay, "cannot subscribe to Redis"),
        }
        was_cut = true;
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Renews this instance's heartbeat and removes the presence of instances that stopped
/// renewing theirs, announcing the users who are thereby gone.
async fn heartbeat_loop(fanout: Fanout, parts: Parts, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        if let Err(e) = beat_and_sweep(&fanout, &parts).await {
            tracing::debug!(error = %e, "heartbeat failed");
        }
    }
}

async fn beat_and_sweep(fanout: &Fanout, parts: &Parts) -> redis::RedisResult<()> {
    let mut conn = parts.commands.clone();
    let ttl = INSTANCE_TTL.as_millis() as u64;
    let _: () = timed(
        redis::cmd("SET")
            .arg(format!("{}:instance:{}", parts.prefix, parts.instance))
            .arg(1)
            .arg("PX")
            .arg(ttl)
            .query_async(&mut conn),
    )
    .await?;
    let rooms: Vec<i64> = timed(conn.smembers(format!("{}:presence:rooms", parts.prefix))).await?;
    let mut instances = Liveness::new(parts);
    for room in rooms.into_iter().map(RoomId) {
        let fields: Vec<String> = timed(conn.hkeys(format!("{}:presence:{room}", parts.prefix))).await?;
        for field in fields {
            let Some((user, instance)) = field.split_once('@') else { continue };
            let Ok(user) = user.parse::<i64>().map(UserId) else { continue };
            if instances.dead(&mut conn, instance).await? && leave(parts, user, instance, room).await? {
                tracing::info!(%room, %user, %instance, "instance stopped answering; user left");
                fanout.announce_left(room, user);
            }
        }
    }
    // Statuses: per instance, not per user, so a sweep costs the same with 10 or 10,000 people.
    let with_status: Vec<String> = timed(conn.smembers(format!("{}:status:instances", parts.prefix))).await?;
    for instance in with_status {
        if !instances.dead(&mut conn, &instance).await? {
            continue;
        }
        let users: Vec<i64> = timed(conn.smembers(format!("{}:status_by:{instance}", parts.prefix))).await?;
        for user in users.into_iter().map(UserId) {
            if let Some((status, rooms)) = set_status(parts, user, &instance, Presence::Offline).await? {
                tracing::info!(%user, %instance, ?status, "instance stopped answering; user's status changed");
                fanout.announce_presence(user, status, rooms).await;
            }
        }
        let _: () = timed(conn.srem(format!("{}:status:instances", parts.prefix), &instance)).await?;
    }
    Ok(())
}

/// Which instances are alive, asked of Redis once per instance and sweep.
struct Liveness {
    prefix: String,
    alive: HashSet<String>,
    dead: HashSet<String>,
}

impl Liveness {
    fn new(parts: &Parts) -> Liveness {
        Liveness { prefix: parts.prefix.clone(), alive: HashSet::from([parts.instance.clone()]), dead: HashSet::new() }
    }

    /// Whether the instance's heartbeat has expired.
    async fn dead(&mut self, conn: &mut ConnectionManager, instance: &str) -> redis::RedisResult<bool> {
        if self.alive.contains(instance) {
            return Ok(false);
        }
        if self.dead.contains(instance) {
            return Ok(true);
        }
        let exists: bool = timed(conn.exists(format!("{}:instance:{instance}", self.prefix))).await?;
        let known = if exists { &mut self.alive } else { &mut self.dead };
        known.insert(instance.to_owned());
        Ok(!exists)
    }
}
