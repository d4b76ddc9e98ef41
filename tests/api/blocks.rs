//! Blocking people: `PUT`/`DELETE /api/blocks/{user_id}` and `GET /api/blocks`, their refusals,
//! the blocker's devices hearing `user_blocked` / `user_unblocked` while the blocked person hears
//! nothing, and typing hidden both ways across a block — on one instance and, through Redis,
//! across two.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// `GET /api/blocks` for `user`.
async fn blocked_list(user: &TestUser) -> Vec<Value> {
    let response = user.get("/api/blocks").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn block(user: &TestUser, other: i64) -> reqwest::Response {
    user.put(&format!("/api/blocks/{other}")).await
}

async fn unblock(user: &TestUser, other: i64) -> reqwest::Response {
    user.delete(&format!("/api/blocks/{other}")).await
}

fn typing_in(room: i64) -> Value {
    json!({ "type": "typing", "room_id": room })
}

/// The id of the user in the next `typing` frame the socket gets.
async fn next_typist(socket: &mut Socket) -> i64 {
    socket.wait_for("typing").await["user"]["id"].as_i64().unwrap()
}

both_backends!(async fn blocking_again_and_unblocking_twice_are_harmless_and_the_list_is_newest_first);
async fn blocking_again_and_unblocking_twice_are_harmless_and_the_list_is_newest_first() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register_in(&app, "Тверь").await;
    let clara = TestUser::register_in(&app, "Омск").await;

    assert_eq!(block(&anna, boris.id).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(block(&anna, boris.id).await.status(), StatusCode::NO_CONTENT, "blocking again");
    assert_eq!(block(&anna, clara.id).await.status(), StatusCode::NO_CONTENT);

    assert_eq!(
        blocked_list(&anna).await,
        [user_json(clara.id, &clara.username, "Омск"), user_json(boris.id, &boris.username, "Тверь"),],
        "the most recent first"
    );
    assert!(blocked_list(&boris).await.is_empty(), "blocks are the blocker's own");

    assert_eq!(unblock(&anna, boris.id).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(unblock(&anna, boris.id).await.status(), StatusCode::NO_CONTENT, "unblocking again");
    assert_eq!(unblock(&boris, anna.id).await.status(), StatusCode::NO_CONTENT, "never blocked");
    let left: Vec<i64> = blocked_list(&anna).await.iter().map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!(left, [clara.id]);
}

both_backends!(async fn blocking_refuses_oneself_unknown_users_bad_ids_strangers_and_other_sites);
async fn blocking_refuses_oneself_unknown_users_bad_ids_strangers_and_other_sites() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let code = |response: reqwest::Response| async move {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
        (status, body["code"].as_str().unwrap().to_owned())
    };

    assert_eq!(code(block(&anna, anna.id).await).await, (StatusCode::BAD_REQUEST, "bad_request".into()));
    assert_eq!(code(block(&anna, 999_999_999).await).await, (StatusCode::NOT_FOUND, "not_found".into()));
    assert_eq!(code(anna.put("/api/blocks/boris").await).await, (StatusCode::BAD_REQUEST, "bad_request".into()));
    assert_eq!(code(anna.delete("/api/blocks/1.5").await).await, (StatusCode::BAD_REQUEST, "bad_request".into()));

    let stranger = app.client();
    let path = app.url(&format!("/api/blocks/{}", boris.id));
    for response in [
        stranger.put(&path).send().await.unwrap(),
        stranger.delete(&path).send().await.unwrap(),
        stranger.get(app.url("/api/blocks")).send().await.unwrap(),
    ] {
        assert_eq!(code(response).await, (StatusCode::UNAUTHORIZED, "unauthorized".into()));
    }

    let foreign = anna.client.put(&path).header("origin", "http://evil.example").send().await.unwrap();
    assert_eq!(code(foreign).await, (StatusCode::FORBIDDEN, "cross_origin".into()));
    let foreign = anna.client.delete(&path).header("origin", "http://evil.example").send().await.unwrap();
    assert_eq!(code(foreign).await, (StatusCode::FORBIDDEN, "cross_origin".into()));
    assert!(blocked_list(&anna).await.is_empty(), "nothing was blocked");
}

/// Anna, Boris and Clara in the default room, each on one socket.
struct Three {
    anna: TestUser,
    boris: TestUser,
    clara: TestUser,
    anna_ws: Socket,
    boris_ws: Socket,
    clara_ws: Socket,
    room: i64,
}

async fn three_in_a_room(app: &TestApp) -> Three {
    let (anna, boris, clara) =
        (TestUser::register(app).await, TestUser::register(app).await, TestUser::register(app).await);
    seated(app, anna, boris, clara).await
}

async fn seated(app: &TestApp, anna: TestUser, boris: TestUser, clara: TestUser) -> Three {
    let room = app.default_room(&anna).await;
    let mut anna_ws = anna.connect(app).await;
    let mut boris_ws = boris.connect(app).await;
    let mut clara_ws = clara.connect(app).await;
    for socket in [&mut anna_ws, &mut boris_ws, &mut clara_ws] {
        socket.join(room).await;
    }
    Three { anna, boris, clara, anna_ws, boris_ws, clara_ws, room }
}

/// Boris and Anna type, in that order, then Clara once she has seen both: returns whose typing
/// Anna and Boris each saw first. Clara types after the others' typing was delivered, so
/// anything of theirs that got through would come first.
async fn everyone_types(t: &mut Three) -> (i64, i64) {
    t.boris_ws.send(typing_in(t.room)).await;
    t.anna_ws.send(typing_in(t.room)).await;
    let mut seen = [next_typist(&mut t.clara_ws).await, next_typist(&mut t.clara_ws).await];
    seen.sort();
    let mut both = [t.anna.id, t.boris.id];
    both.sort();
    assert_eq!(seen, both, "a third person sees both typing");
    t.clara_ws.send(typing_in(t.room)).await;
    (next_typist(&mut t.anna_ws).await, next_typist(&mut t.boris_ws).await)
}

both_backends!(async fn a_block_hides_typing_both_ways_while_a_third_person_sees_both);
async fn a_block_hides_typing_both_ways_while_a_third_person_sees_both() {
    let app = spawn_app().await;
    let mut t = three_in_a_room(&app).await;

    assert_eq!(block(&t.anna, t.boris.id).await.status(), StatusCode::NO_CONTENT);

    let (anna_saw, boris_saw) = everyone_types(&mut t).await;
    assert_eq!(anna_saw, t.clara.id, "the blocker does not see the blocked person typing");
    assert_eq!(boris_saw, t.clara.id, "the blocked person does not see the blocker typing");
}

both_backends!(async fn unblocking_lets_typing_through_again);
async fn unblocking_lets_typing_through_again() {
    let app = spawn_app().await;
    let mut t = three_in_a_room(&app).await;
    block(&t.anna, t.boris.id).await;

    assert_eq!(unblock(&t.anna, t.boris.id).await.status(), StatusCode::NO_CONTENT);

    t.boris_ws.send(typing_in(t.room)).await;
    assert_eq!(next_typist(&mut t.anna_ws).await, t.boris.id);
    t.anna_ws.send(typing_in(t.room)).await;
    assert_eq!(next_typist(&mut t.boris_ws).await, t.anna.id);
}

both_backends!(async fn a_connection_opened_after_a_block_hears_no_typing_across_it);
async fn a_connection_opened_after_a_block_hears_no_typing_across_it() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let clara = TestUser::register(&app).await;
    block(&boris, anna.id).await;

    let mut t = seated(&app, anna, boris, clara).await;

    let (anna_saw, boris_saw) = everyone_types(&mut t).await;
    assert_eq!(anna_saw, t.clara.id, "blocked by boris before either connected");
    assert_eq!(boris_saw, t.clara.id);
}

both_backends!(async fn the_blockers_devices_hear_the_change_and_the_blocked_person_hears_nothing);
async fn the_blockers_devices_hear_the_change_and_the_blocked_person_hears_nothing() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let mut phone = anna.connect(&app).await;
    let mut laptop = anna.another_device(&app).await.connect(&app).await;
    let mut boris_ws = boris.connect(&app).await;

    block(&anna, boris.id).await;

    let blocked = json!({ "type": "user_blocked", "user_id": boris.id });
    assert_eq!(phone.next().await, blocked);
    assert_eq!(laptop.next().await, blocked);
    block(&anna, boris.id).await;
    unblock(&anna, boris.id).await;
    let unblocked = json!({ "type": "user_unblocked", "user_id": boris.id });
    assert_eq!(phone.next().await, unblocked, "blocking again is no news");
    assert_eq!(laptop.next().await, unblocked);
    unblock(&anna, boris.id).await;
    phone.expect_silence().await;
    laptop.expect_silence().await;
    boris_ws.expect_silence().await;
}

#[tokio::test]
async fn typing_stays_filtered_across_instances_after_a_block_made_on_the_other_one() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&b).await;
            let clara = TestUser::register(&a).await;
            let room = a.default_room(&anna).await;
            let mut anna_ws = anna.connect(&a).await;
            let mut anna_on_b = anna.another_device(&b).await.connect(&b).await;
            let mut boris_ws = boris.connect(&b).await;
            let mut clara_ws = clara.connect(&a).await;
            for socket in [&mut anna_ws, &mut boris_ws, &mut clara_ws] {
                socket.join(room).await;
            }
            let mut t = Three { anna, boris, clara, anna_ws, boris_ws, clara_ws, room };

            assert_eq!(block(&t.anna, t.boris.id).await.status(), StatusCode::NO_CONTENT);
            // Both instances have applied the block once the blocker's sockets on each hear it.
            t.anna_ws.wait_for("user_blocked").await;
            anna_on_b.wait_for("user_blocked").await;

            let (anna_saw, boris_saw) = everyone_types(&mut t).await;
            assert_eq!(anna_saw, t.clara.id, "boris on the other instance is not seen typing");
            assert_eq!(boris_saw, t.clara.id, "nor is anna seen by him");
        })
        .await;
}
