//! The permission matrix of the people features: every endpoint and frame of direct messages,
//! blocks, profiles, avatars, mutes and read state, tried by each kind of person, in one table
//! ([`MATRIX`]) that one driver runs.
//!
//! Each cell runs in a scene of its own: Anna (the owner) and a partner in their direct
//! conversation, both connected and joined, with a message of each, the partner's message
//! pinned and given a 👍 by the actor (when the actor is one of the two). The actors are:
//!
//! - **me**: Anna herself, acting on her own things (the partner is Boris);
//! - **other member**: Boris, the other person of the conversation;
//! - **outsider**: Carl, signed in, not in the conversation (Anna and Boris are);
//! - **blocked**: Dora, the other person of a conversation with Anna, whom Anna blocked;
//! - **blocker**: Eve, likewise, who blocked Anna;
//! - **signed out**: a client with no session (HTTP only).
//!
//! A person-addressed request (`POST /api/dms`, blocks, `GET /api/users/{id}`, the avatar) names
//! Anna. A frame's "own" message is the actor's (Anna's for the outsider), "theirs" is the other
//! person's. For a frame the table says what the actor's socket gets, what the other person's
//! socket gets (`peer`) and what another connection of the actor's, in no room, gets
//! (`direct_message`, `read_state`); for a list, whether the scene's conversation (for
//! `GET /api/blocks`: the other person) is in it. Besides its cell, every run checks that nobody's
//! account but the actor's changed (`GET /api/me`, `/api/blocks`, `/api/mutes` of the
//! conversation's people). A failing cell is named `Op × Actor` with what it expected and got;
//! all failing cells are listed together.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// Who acts; the columns of [`MATRIX`], in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Me,
    OtherMember,
    Outsider,
    Blocked,
    Blocker,
    SignedOut,
}

const ACTORS: [Actor; 6] =
    [Actor::Me, Actor::OtherMember, Actor::Outsider, Actor::Blocked, Actor::Blocker, Actor::SignedOut];

/// What is tried; the rows of [`MATRIX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    // ---- HTTP ----
    /// `POST /api/dms` with Anna.
    OpenDm,
    /// `GET /api/dms`: is the conversation listed?
    ListDms,
    /// `PUT /api/blocks/{anna}`.
    Block,
    /// `DELETE /api/blocks/{anna}`.
    Unblock,
    /// `GET /api/blocks`: is the other person listed?
    ListBlocks,
    /// `GET /api/users/{anna}`.
    Profile,
    /// `PATCH /api/me` (the actor's own about text).
    PatchMe,
    /// `POST /api/me/password` with the right current password.
    ChangePassword,
    /// `POST /api/me/password` with a wrong current password.
    WrongPassword,
    /// `PUT /api/me/avatar` with a PNG.
    PutAvatar,
    /// `DELETE /api/me/avatar`.
    DeleteAvatar,
    /// `GET /avatars/{anna}/{version}?size=64` of the avatar Anna uploaded.
    ServeAvatar,
    /// `PUT /api/rooms/{conversation}/mute`.
    Mute,
    /// `DELETE /api/rooms/{conversation}/mute`.
    Unmute,
    /// `GET /api/mutes`, after the other person muted the conversation: is it listed?
    ListMutes,
    /// `GET /api/read_state`: is the conversation listed?
    ReadState,
    /// `GET /api/messages/{conversation}`.
    History,
    /// `GET /api/messages/{conversation}?around={theirs}`.
    Around,
    /// `GET /api/rooms/{conversation}/pins`.
    Pins,
    /// `GET /api/messages/{theirs}/reactions?emoji=👍`.
    Reactors,
    /// `GET /api/search?q=…&room_id={conversation}`.
    Search,
    /// `PATCH /api/rooms/{conversation}`.
    RenameRoom,
    /// `DELETE /api/rooms/{conversation}`.
    DeleteRoom,
    /// `GET /ws`, the upgrade.
    Connect,
    // ---- frames, in the conversation ----
    /// `join_room` (a member leaves it first, so that they are not in it).
    JoinRoom,
    LeaveRoom,
    SendMessage,
    Typing,
    /// `mark_read` of their message.
    MarkRead,
    EditOwn,
    EditTheirs,
    DeleteOwn,
    DeleteTheirs,
    /// `add_reaction` 🎉 to their message.
    React,
    /// `remove_reaction` of the actor's 👍 on their message.
    Unreact,
    /// `pin_message` of one's own (unpinned) message.
    Pin,
    /// `unpin_message` of their (pinned) message.
    Unpin,
}

impl Op {
    /// Whether it is a frame (the rest are HTTP requests).
    fn is_frame(self) -> bool {
        matches!(
            self,
            Op::JoinRoom
                | Op::LeaveRoom
                | Op::SendMessage
                | Op::Typing
                | Op::MarkRead
                | Op::EditOwn
                | Op::EditTheirs
                | Op::DeleteOwn
                | Op::DeleteTheirs
                | Op::React
                | Op::Unreact
                | Op::Pin
                | Op::Unpin
        )
    }
}

/// What one socket gets for a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    Nothing,
    Gets(&'static str),
    Error(&'static str),
}

/// One cell: the answer expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    /// An HTTP status, with the error's `code` when it is one.
    Http(u16, Option<&'static str>),
    /// 200, and whether the scene's conversation (or person) is in the list.
    Listed(bool),
    /// What the actor's socket, the other person's socket and another connection of the actor's
    /// (a second device, in no room) get.
    Frame { actor: Reply, peer: Reply, elsewhere: Reply },
    /// Not a thing this actor can try (a frame without a session).
    NotApplicable,
}

const fn ok(status: u16) -> Cell {
    Cell::Http(status, None)
}
const fn no(status: u16, code: &'static str) -> Cell {
    Cell::Http(status, Some(code))
}
const fn frames(actor: Reply, peer: Reply) -> Cell {
    Cell::Frame { actor, peer, elsewhere: Reply::Nothing }
}
/// The actor and the other person both get `kind`.
const fn both(kind: &'static str) -> Cell {
    frames(Reply::Gets(kind), Reply::Gets(kind))
}
/// The actor gets an `error` with `code`; nobody else gets anything.
const fn refused(code: &'static str) -> Cell {
    frames(Reply::Error(code), Reply::Nothing)
}
const LISTED: Cell = Cell::Listed(true);
const UNLISTED: Cell = Cell::Listed(false);
const OUT: Cell = no(401, "unauthorized");
const NA: Cell = Cell::NotApplicable;
const GONE: Cell = no(404, "not_found");
const NO_MSG: Cell = no(404, "message_not_found");
const WRONG_PASSWORD: Cell = no(403, "wrong_password");
/// Nobody gets anything.
const QUIET: Cell = frames(Reply::Nothing, Reply::Nothing);
const JOINED: Cell = frames(Reply::Gets("room_users_list"), Reply::Gets("joined_room"));
const LEFT: Cell = frames(Reply::Nothing, Reply::Gets("left_room"));
const TYPED: Cell = frames(Reply::Nothing, Reply::Gets("typing"));
/// A message stored in a conversation: `new_message` where it is joined, `direct_message` on
/// the actor's connection that did not join it.
const SENT: Cell = Cell::Frame {
    actor: Reply::Gets("new_message"),
    peer: Reply::Gets("new_message"),
    elsewhere: Reply::Gets("direct_message"),
};
/// A read marker moved: only the actor's other connections hear of it.
const READ: Cell = Cell::Frame { actor: Reply::Nothing, peer: Reply::Nothing, elsewhere: Reply::Gets("read_state") };

/// Operation × actor → the answer. Columns: me, other member, outsider, blocked, blocker,
/// signed out.
#[rustfmt::skip]
const MATRIX: &[(Op, [Cell; 6])] = &[
    //                    me                       other member             outsider                    blocked                  blocker                  signed out
    (Op::OpenDm,         [no(400, "bad_request"),  ok(200),                 ok(201),                    no(403, "blocked"),      no(403, "blocked"),      OUT]),
    (Op::ListDms,        [LISTED,                  LISTED,                  UNLISTED,                   LISTED,                  LISTED,                  OUT]),
    (Op::Block,          [no(400, "bad_request"),  ok(204),                 ok(204),                    ok(204),                 ok(204),                 OUT]),
    (Op::Unblock,        [ok(204),                 ok(204),                 ok(204),                    ok(204),                 ok(204),                 OUT]),
    (Op::ListBlocks,     [UNLISTED,                UNLISTED,                UNLISTED,                   UNLISTED,                LISTED,                  OUT]),
    (Op::Profile,        [ok(200),                 ok(200),                 ok(200),                    ok(200),                 ok(200),                 OUT]),
    (Op::PatchMe,        [ok(200),                 ok(200),                 ok(200),                    ok(200),                 ok(200),                 OUT]),
    (Op::ChangePassword, [ok(204),                 ok(204),                 ok(204),                    ok(204),                 ok(204),                 OUT]),
    (Op::WrongPassword,  [WRONG_PASSWORD,          WRONG_PASSWORD,          WRONG_PASSWORD,             WRONG_PASSWORD,          WRONG_PASSWORD,          OUT]),
    (Op::PutAvatar,      [ok(200),                 ok(200),                 ok(200),                    ok(200),                 ok(200),                 OUT]),
    (Op::DeleteAvatar,   [ok(204),                 ok(204),                 ok(204),                    ok(204),                 ok(204),                 OUT]),
    (Op::ServeAvatar,    [ok(200),                 ok(200),                 ok(200),                    ok(200),                 ok(200),                 ok(200)]),
    (Op::Mute,           [ok(204),                 ok(204),                 GONE,                       ok(204),                 ok(204),                 OUT]),
    (Op::Unmute,         [ok(204),                 ok(204),                 GONE,                       ok(204),                 ok(204),                 OUT]),
    (Op::ListMutes,      [UNLISTED,                UNLISTED,                UNLISTED,                   UNLISTED,                UNLISTED,                OUT]),
    (Op::ReadState,      [LISTED,                  LISTED,                  UNLISTED,                   LISTED,                  LISTED,                  OUT]),
    (Op::History,        [ok(200),                 ok(200),                 GONE,                       ok(200),                 ok(200),                 OUT]),
    (Op::Around,         [ok(200),                 ok(200),                 GONE,                       ok(200),                 ok(200),                 OUT]),
    (Op::Pins,           [ok(200),                 ok(200),                 GONE,                       ok(200),                 ok(200),                 OUT]),
    (Op::Reactors,       [ok(200),                 ok(200),                 NO_MSG,                     ok(200),                 ok(200),                 OUT]),
    (Op::Search,         [ok(200),                 ok(200),                 GONE,                       ok(200),                 ok(200),                 OUT]),
    (Op::RenameRoom,     [no(403, "forbidden"),    no(403, "forbidden"),    GONE,                       no(403, "forbidden"),    no(403, "forbidden"),    OUT]),
    (Op::DeleteRoom,     [no(403, "forbidden"),    no(403, "forbidden"),    GONE,                       no(403, "forbidden"),    no(403, "forbidden"),    OUT]),
    (Op::Connect,        [ok(101),                 ok(101),                 ok(101),                    ok(101),                 ok(101),                 ok(401)]),
    //                    me                       other member             outsider                    blocked                  blocker                  signed out
    (Op::JoinRoom,       [JOINED,                  JOINED,                  refused("room_not_found"),  JOINED,                  JOINED,                  NA]),
    (Op::LeaveRoom,      [LEFT,                    LEFT,                    refused("not_joined"),      LEFT,                    LEFT,                    NA]),
    (Op::SendMessage,    [SENT,                    SENT,                    refused("not_joined"),      refused("blocked"),      refused("blocked"),      NA]),
    (Op::Typing,         [TYPED,                   TYPED,                   refused("not_joined"),      QUIET,                   QUIET,                   NA]),
    (Op::MarkRead,       [READ,                    READ,                    refused("not_joined"),      READ,                    READ,                    NA]),
    (Op::EditOwn,        [both("message_updated"), both("message_updated"), refused("message_not_found"), refused("blocked"),    refused("blocked"),      NA]),
    (Op::EditTheirs,     [refused("forbidden"),    refused("forbidden"),    refused("message_not_found"), refused("forbidden"),  refused("forbidden"),    NA]),
    (Op::DeleteOwn,      [both("message_deleted"), both("message_deleted"), refused("message_not_found"), both("message_deleted"), both("message_deleted"), NA]),
    (Op::DeleteTheirs,   [refused("forbidden"),    refused("forbidden"),    refused("message_not_found"), refused("forbidden"),  refused("forbidden"),    NA]),
    (Op::React,          [both("reaction_added"),  both("reaction_added"),  refused("message_not_found"), refused("blocked"),    refused("blocked"),      NA]),
    (Op::Unreact,        [both("reaction_removed"), both("reaction_removed"), refused("message_not_found"), both("reaction_removed"), both("reaction_removed"), NA]),
    (Op::Pin,            [both("message_updated"), both("message_updated"), refused("message_not_found"), refused("blocked"),    refused("blocked"),      NA]),
    (Op::Unpin,          [both("message_updated"), both("message_updated"), refused("message_not_found"), both("message_updated"), both("message_updated"), NA]),
];

both_backends!(async fn every_person_may_do_exactly_what_the_permission_matrix_says);
async fn every_person_may_do_exactly_what_the_permission_matrix_says() {
    let app = Arc::new(spawn_app().await);
    let ops: std::collections::HashSet<Op> = MATRIX.iter().map(|(op, _)| *op).collect();
    assert_eq!(ops.len(), MATRIX.len(), "every operation has one row");

    // Each cell has a scene of its own, so cells run side by side, a few at a time.
    let lanes = Arc::new(tokio::sync::Semaphore::new(6));
    let mut cells = tokio::task::JoinSet::new();
    for &(op, row) in MATRIX {
        for (actor, expected) in ACTORS.into_iter().zip(row) {
            if expected == NA {
                continue;
            }
            let (app, lanes) = (app.clone(), lanes.clone());
            cells.spawn(async move {
                let _lane = lanes.acquire_owned().await.unwrap();
                let name = format!("{op:?} × {actor:?}");
                let outcome = tokio::spawn(run_cell(app, op, actor, expected)).await;
                match outcome {
                    Ok(Ok(())) => None,
                    Ok(Err(wrong)) => Some(format!("{name}: {wrong}")),
                    Err(panic) => Some(format!("{name}: panicked: {}", panic_text(panic))),
                }
            });
        }
    }
    let mut failures = Vec::new();
    while let Some(done) = cells.join_next().await {
        failures.extend(done.expect("a cell's task ends"));
    }
    failures.sort();
    assert!(failures.is_empty(), "{} cells of the matrix disagree:\n{}", failures.len(), failures.join("\n"));
}

fn panic_text(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(no message)".into()),
        Err(e) => e.to_string(),
    }
}

/// Sets up a scene, tries `op` as `actor`, and compares the answer with `expected`; also that
/// nobody's account but the actor's changed.
async fn run_cell(app: Arc<TestApp>, op: Op, actor: Actor, expected: Cell) -> Result<(), String> {
    let mut scene = Scene::set_up(&app, actor, op).await;
    let before = scene.bystanders_accounts().await;
    let got = match expected {
        Cell::Frame { actor: to_actor, peer, elsewhere } => scene.frame(op, to_actor, peer, elsewhere).await,
        _ => scene.http(&app, op).await,
    };
    let after = scene.bystanders_accounts().await;
    let mut wrong = Vec::new();
    if got != expected.to_string() {
        wrong.push(format!("expected `{expected}`, got `{got}`"));
    }
    if before != after {
        wrong.push(format!("someone else's account changed: {before} became {after}"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Nothing => write!(f, "nothing"),
            Reply::Gets(kind) => write!(f, "{kind}"),
            Reply::Error(code) => write!(f, "error {code}"),
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Http(status, None) => write!(f, "{status}"),
            Cell::Http(status, Some(code)) => write!(f, "{status} {code}"),
            Cell::Listed(true) => write!(f, "200, listed"),
            Cell::Listed(false) => write!(f, "200, not listed"),
            Cell::Frame { actor, peer, elsewhere } => {
                write!(f, "actor: {actor}; peer: {peer}; actor elsewhere: {elsewhere}")
            }
            Cell::NotApplicable => write!(f, "n/a"),
        }
    }
}

/// A frame as the table names it: its type, or `error <code>`.
fn describe(frame: &Value) -> String {
    match frame["type"].as_str() {
        Some("error") => format!("error {}", frame["code"].as_str().unwrap_or("?")),
        Some(kind) => kind.to_owned(),
        None => format!("{frame}"),
    }
}

/// The next frame a socket gets within `wait` that belongs to this scene: `user_updated` goes
/// to every connection, so other cells' profile and avatar changes reach this one too.
async fn next_in_scene(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = socket.next_within(left).await?;
        if frame["type"] != "user_updated" {
            return Some(frame);
        }
    }
}

/// Joins a room, as [`Socket::join`] does but letting other cells' `user_updated` frames come first.
async fn join(socket: &mut Socket, room: i64) {
    socket.send(json!({ "type": "join_room", "room_id": room })).await;
    socket.wait_for("room_users_list").await;
}

/// What a socket other than the actor's gets: the first frame of the scene, or "nothing" once
/// it stayed quiet for [`QUIET_FOR`] (when nothing is expected) or [`FRAME_WAIT`].
async fn heard(socket: &mut Socket, expected: Reply) -> String {
    let wait = if expected == Reply::Nothing { QUIET_FOR } else { FRAME_WAIT };
    next_in_scene(socket, wait).await.map_or("nothing".to_owned(), |f| describe(&f))
}

/// How long a socket must stay quiet for "nothing".
const QUIET_FOR: Duration = Duration::from_millis(300);

/// A small PNG.
fn png() -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([(x * 16) as u8, (y * 16) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(pixels).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Anna and a partner in their conversation, as the module's docs tell, seen from one actor.
struct Scene {
    actor: Actor,
    anna: TestUser,
    /// Boris (me, other member, outsider, signed out), Dora (blocked) or Eve (blocker).
    partner: TestUser,
    /// Carl, for the outsider.
    outsider: Option<TestUser>,
    room: i64,
    /// The actor's message (Anna's when the actor is not in the conversation).
    own: i64,
    /// The other person's message: pinned, with the actor's 👍 when the actor is in it.
    theirs: i64,
    /// Anna's avatar, for [`Op::ServeAvatar`].
    avatar_url: Option<String>,
    actor_ws: Option<Socket>,
    /// The other person's socket, joined to the conversation: Boris's when Anna acts, else Anna's.
    peer_ws: Socket,
    /// Another connection of the actor's, on a second device, in no room (frames only).
    elsewhere_ws: Option<Socket>,
    /// Sockets that only stay open.
    _rest: Vec<Socket>,
}

impl Scene {
    async fn set_up(app: &TestApp, actor: Actor, op: Op) -> Scene {
        let anna = TestUser::register(app).await;
        let partner = TestUser::register(app).await;
        let outsider = if actor == Actor::Outsider { Some(TestUser::register(app).await) } else { None };
        let opened = anna.post_json("/api/dms", &json!({ "user_id": partner.id })).await;
        assert_eq!(opened.status(), 201, "the conversation is opened");
        let room = opened.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

        let mut anna_ws = anna.connect(app).await;
        join(&mut anna_ws, room).await;
        let mut partner_ws = partner.connect(app).await;
        join(&mut partner_ws, room).await;
        anna_ws.wait_for("joined_room").await;
        let by_anna = anna_ws.say(room, "шпинат от Анны").await["id"].as_i64().unwrap();
        partner_ws.wait_for("new_message").await;
        let by_partner = partner_ws.say(room, "шпинат в ответ").await["id"].as_i64().unwrap();
        anna_ws.wait_for("new_message").await;

        let anna_acts = actor == Actor::Me;
        let (own, theirs) = match actor {
            Actor::Me => (by_anna, by_partner),
            Actor::OtherMember | Actor::Blocked | Actor::Blocker => (by_partner, by_anna),
            Actor::Outsider | Actor::SignedOut => (by_anna, by_partner),
        };
        let reactor = if anna_acts || actor == Actor::Outsider || actor == Actor::SignedOut {
            &mut anna_ws
        } else {
            &mut partner_ws
        };
        reactor.send(json!({ "type": "add_reaction", "message_id": theirs, "emoji": "👍" })).await;
        anna_ws.wait_for("reaction_added").await;
        partner_ws.wait_for("reaction_added").await;
        anna_ws.send(json!({ "type": "pin_message", "message_id": theirs })).await;
        anna_ws.wait_for("message_updated").await;
        partner_ws.wait_for("message_updated").await;

        let mut scene = Scene {
            actor,
            anna,
            partner,
            outsider,
            room,
            own,
            theirs,
            avatar_url: None,
            actor_ws: None,
            peer_ws: anna_ws,
            elsewhere_ws: None,
            _rest: Vec::new(),
        };
        match actor {
            Actor::Blocked => {
                assert_eq!(scene.anna.put(&format!("/api/blocks/{}", scene.partner.id)).await.status(), 204);
                scene.peer_ws.wait_for("user_blocked").await;
            }
            Actor::Blocker => {
                assert_eq!(scene.partner.put(&format!("/api/blocks/{}", scene.anna.id)).await.status(), 204);
                partner_ws.wait_for("user_blocked").await;
            }
            _ => {}
        }
        match op {
            Op::ServeAvatar => {
                let response = scene
                    .anna
                    .client
                    .put(app.url("/api/me/avatar"))
                    .header("content-type", "image/png")
                    .body(png())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "Anna's avatar is uploaded");
                let body: Value = response.json().await.unwrap();
                scene.avatar_url = Some(body["avatar_url"].as_str().unwrap().to_owned());
            }
            Op::ListMutes => {
                let other = if anna_acts { &scene.partner } else { &scene.anna };
                assert_eq!(other.put(&format!("/api/rooms/{room}/mute")).await.status(), 204);
            }
            _ => {}
        }

        match actor {
            Actor::Me => {
                scene.actor_ws = Some(std::mem::replace(&mut scene.peer_ws, partner_ws));
            }
            Actor::OtherMember | Actor::Blocked | Actor::Blocker => scene.actor_ws = Some(partner_ws),
            Actor::Outsider => {
                scene.actor_ws = Some(scene.outsider.as_ref().unwrap().connect(app).await);
                scene._rest.push(partner_ws);
            }
            Actor::SignedOut => scene._rest.push(partner_ws),
        }
        if op.is_frame() {
            if let Some(user) = scene.actor_user() {
                scene.elsewhere_ws = Some(user.another_device(app).await.connect(app).await);
            }
        }
        if op == Op::JoinRoom && actor != Actor::Outsider {
            let actor_ws = scene.actor_ws.as_mut().unwrap();
            actor_ws.send(json!({ "type": "leave_room", "room_id": room })).await;
            scene.peer_ws.wait_for("left_room").await;
        }
        scene
    }

    /// The actor as a signed-in user, if they are one.
    fn actor_user(&self) -> Option<&TestUser> {
        match self.actor {
            Actor::Me => Some(&self.anna),
            Actor::OtherMember | Actor::Blocked | Actor::Blocker => Some(&self.partner),
            Actor::Outsider => self.outsider.as_ref(),
            Actor::SignedOut => None,
        }
    }

    /// The other person of the conversation, from the actor's side.
    fn counterpart(&self) -> i64 {
        if self.actor == Actor::Me {
            self.partner.id
        } else {
            self.anna.id
        }
    }

    /// `GET /api/me`, `/api/blocks` and `/api/mutes` of the conversation's people other than the
    /// actor, as one line.
    async fn bystanders_accounts(&self) -> String {
        let actor = self.actor_user().map(|u| u.id);
        let mut line = String::new();
        for person in [&self.anna, &self.partner].into_iter().filter(|p| Some(p.id) != actor) {
            for path in ["/api/me", "/api/blocks", "/api/mutes"] {
                let response = person.get(path).await;
                let status = response.status();
                let mut body: Value = response.json().await.unwrap_or(Value::Null);
                if path == "/api/blocks" {
                    // Whom they blocked; how those people look now is theirs to change.
                    body = body.as_array().map_or(Value::Null, |list| list.iter().map(|u| u["id"].clone()).collect());
                }
                line.push_str(&format!("{} {path}: {status} {body}; ", person.username));
            }
        }
        line
    }

    /// Makes the HTTP request of `op` as the actor; the answer as the table writes it.
    async fn http(&self, app: &TestApp, op: Op) -> String {
        let (room, theirs, anna) = (self.room, self.theirs, self.anna.id);
        if op == Op::Connect {
            let session = self.actor_user().map(|u| u.session.as_str());
            return match ws_connect(app, session, Some(&app.origin())).await {
                Ok(_) => "101".into(),
                Err(status) => status.as_u16().to_string(),
            };
        }
        let password = || self.actor_user().map_or("correct horse".to_owned(), |u| u.password.clone());
        let (method, path, body) = match op {
            Op::OpenDm => (Method::POST, "/api/dms".to_owned(), Some(json!({ "user_id": anna }))),
            Op::ListDms => (Method::GET, "/api/dms".to_owned(), None),
            Op::Block => (Method::PUT, format!("/api/blocks/{anna}"), None),
            Op::Unblock => (Method::DELETE, format!("/api/blocks/{anna}"), None),
            Op::ListBlocks => (Method::GET, "/api/blocks".to_owned(), None),
            Op::Profile => (Method::GET, format!("/api/users/{anna}"), None),
            Op::PatchMe => (Method::PATCH, "/api/me".to_owned(), Some(json!({ "about": "в матрице" }))),
            Op::ChangePassword => (
                Method::POST,
                "/api/me/password".to_owned(),
                Some(json!({ "current": password(), "new": "battery staple" })),
            ),
            Op::WrongPassword => (
                Method::POST,
                "/api/me/password".to_owned(),
                Some(json!({ "current": "not my password", "new": "battery staple" })),
            ),
            Op::PutAvatar | Op::DeleteAvatar => (Method::PUT, "/api/me/avatar".to_owned(), None),
            Op::ServeAvatar => (Method::GET, format!("{}?size=64", self.avatar_url.as_ref().unwrap()), None),
            Op::Mute => (Method::PUT, format!("/api/rooms/{room}/mute"), None),
            Op::Unmute => (Method::DELETE, format!("/api/rooms/{room}/mute"), None),
            Op::ListMutes => (Method::GET, "/api/mutes".to_owned(), None),
            Op::ReadState => (Method::GET, "/api/read_state".to_owned(), None),
            Op::History => (Method::GET, format!("/api/messages/{room}"), None),
            Op::Around => (Method::GET, format!("/api/messages/{room}?around={theirs}"), None),
            Op::Pins => (Method::GET, format!("/api/rooms/{room}/pins"), None),
            Op::Reactors => (Method::GET, format!("/api/messages/{theirs}/reactions?emoji=%F0%9F%91%8D"), None),
            Op::Search => (Method::GET, format!("/api/search?q=шпинат&room_id={room}"), None),
            Op::RenameRoom => (Method::PATCH, format!("/api/rooms/{room}"), Some(json!({ "name": "наша" }))),
            Op::DeleteRoom => (Method::DELETE, format!("/api/rooms/{room}"), None),
            _ => unreachable!("{op:?} is a frame"),
        };
        let client = self.actor_user().map_or_else(|| app.client(), |u| u.client.clone());
        let method = if op == Op::DeleteAvatar { Method::DELETE } else { method };
        let mut request = client.request(method, app.url(&path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        if op == Op::PutAvatar {
            request = request.header("content-type", "image/png").body(png());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status >= 400 {
            return format!("{status} {}", body["code"].as_str().unwrap_or("(no code)"));
        }
        let listed = |found: &dyn Fn(&Value) -> bool| {
            let listed = body.as_array().is_some_and(|list| list.iter().any(found));
            Cell::Listed(listed).to_string()
        };
        match (op, status) {
            (Op::ListDms, 200) => listed(&|c| c["room"]["id"] == room),
            (Op::ReadState, 200) => listed(&|r| r["room_id"] == room),
            (Op::ListMutes, 200) => listed(&|r| *r == room),
            (Op::ListBlocks, 200) => listed(&|u| u["id"] == self.counterpart()),
            _ => status.to_string(),
        }
    }

    /// Sends the frame of `op` from the actor's socket; what the actor's and the other person's
    /// sockets then get, as the table writes it. Where "nothing" is expected, the actor's socket
    /// is asked for a `pong` (frames are answered in order) and the other's must stay quiet.
    async fn frame(&mut self, op: Op, to_actor: Reply, to_peer: Reply, to_elsewhere: Reply) -> String {
        let (room, own, theirs) = (self.room, self.own, self.theirs);
        let frame = match op {
            Op::JoinRoom => json!({ "type": "join_room", "room_id": room }),
            Op::LeaveRoom => json!({ "type": "leave_room", "room_id": room }),
            Op::SendMessage => json!({ "type": "send_message", "room_id": room, "content": "через матрицу" }),
            Op::Typing => json!({ "type": "typing", "room_id": room }),
            Op::MarkRead => json!({ "type": "mark_read", "room_id": room, "message_id": theirs }),
            Op::EditOwn => json!({ "type": "edit_message", "message_id": own, "content": "исправлено" }),
            Op::EditTheirs => json!({ "type": "edit_message", "message_id": theirs, "content": "исправлено" }),
            Op::DeleteOwn => json!({ "type": "delete_message", "message_id": own }),
            Op::DeleteTheirs => json!({ "type": "delete_message", "message_id": theirs }),
            Op::React => json!({ "type": "add_reaction", "message_id": theirs, "emoji": "🎉" }),
            Op::Unreact => json!({ "type": "remove_reaction", "message_id": theirs, "emoji": "👍" }),
            Op::Pin => json!({ "type": "pin_message", "message_id": own }),
            Op::Unpin => json!({ "type": "unpin_message", "message_id": theirs }),
            _ => unreachable!("{op:?} is an HTTP request"),
        };
        let actor_ws = self.actor_ws.as_mut().expect("a signed-in actor has a socket");
        actor_ws.send(frame).await;
        let actor_got = if to_actor == Reply::Nothing {
            actor_ws.send(json!({ "type": "ping" })).await;
            match next_in_scene(actor_ws, FRAME_WAIT).await {
                Some(frame) if frame["type"] == "pong" => "nothing".to_owned(),
                Some(frame) => describe(&frame),
                None => "no pong".to_owned(),
            }
        } else {
            next_in_scene(actor_ws, FRAME_WAIT).await.map_or("nothing".to_owned(), |f| describe(&f))
        };
        let elsewhere_ws = self.elsewhere_ws.as_mut().expect("a signed-in actor has a second socket");
        let (peer_got, elsewhere_got) =
            tokio::join!(heard(&mut self.peer_ws, to_peer), heard(elsewhere_ws, to_elsewhere));
        format!("actor: {actor_got}; peer: {peer_got}; actor elsewhere: {elsewhere_got}")
    }
}
