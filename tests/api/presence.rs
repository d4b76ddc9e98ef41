//! Presence: a person is online while one of their connections is in use, idle while all of
//! them are idle, offline with none — one status over every tab and instance, told with
//! `presence` to those in a room with them and to their direct-conversation partners, and
//! shown in member lists, profiles and the conversation list.

use serde_json::{json, Value};

use crate::helpers::*;

fn presence(user: &TestUser, status: &str) -> Value {
    json!({ "type": "presence", "user_id": user.id, "status": status })
}

async fn say_idle(socket: &mut Socket) {
    socket.send(json!({ "type": "presence", "status": "idle" })).await;
}

async fn say_online(socket: &mut Socket) {
    socket.send(json!({ "type": "presence", "status": "online" })).await;
}

/// The presence a member list gives a user, if it lists them.
fn listed(list: &Value, user: &TestUser) -> Option<Value> {
    list["users"].as_array().unwrap().iter().find(|u| u["id"] == user.id).map(|u| u["presence"].clone())
}

/// Anna and Boris both in a room of Anna's, Boris having seen Anna arrive.
async fn in_a_room(app: &TestApp) -> (TestUser, Socket, TestUser, Socket, i64) {
    let anna = TestUser::register(app).await;
    let boris = TestUser::register(app).await;
    let room = anna.create_room(&unique_name("крыльцо")).await["id"].as_i64().unwrap();
    let mut anna_ws = anna.connect(app).await;
    let mut boris_ws = boris.connect(app).await;
    boris_ws.join(room).await;
    anna_ws.join(room).await;
    boris_ws.wait_for("joined_room").await;
    (anna, anna_ws, boris, boris_ws, room)
}

both_backends!(async fn someone_in_the_room_sees_a_person_go_idle_and_come_back);
async fn someone_in_the_room_sees_a_person_go_idle_and_come_back() {
    let app = spawn_app().await;
    let (anna, mut anna_ws, _boris, mut boris_ws, _room) = in_a_room(&app).await;

    say_idle(&mut anna_ws).await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "idle"));
    // Saying it again changes nothing, so nobody hears it again.
    say_idle(&mut anna_ws).await;
    say_online(&mut anna_ws).await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "online"));
    boris_ws.expect_silence().await;
}

both_backends!(async fn member_lists_and_joins_say_who_is_idle);
async fn member_lists_and_joins_say_who_is_idle() {
    let app = spawn_app().await;
    let (anna, mut anna_ws, boris, mut boris_ws, room) = in_a_room(&app).await;
    let carl = TestUser::register(&app).await;
    let mut carl_ws = carl.connect(&app).await;

    let list = carl_ws.join(room).await;
    assert_eq!(listed(&list, &anna), Some(json!("online")));
    say_idle(&mut anna_ws).await;
    carl_ws.wait_for("presence").await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "idle"));
    carl_ws.send(json!({ "type": "leave_room", "room_id": room })).await;
    carl_ws.expect_served().await;

    let list = carl_ws.join(room).await;
    assert_eq!(listed(&list, &anna), Some(json!("idle")));
    assert_eq!(listed(&list, &boris), Some(json!("online")));
    assert_eq!(boris_ws.wait_for("joined_room").await["user"]["id"], carl.id);

    // An idle person joining another room arrives idle there.
    let other = boris.create_room(&unique_name("веранда")).await["id"].as_i64().unwrap();
    for socket in [&mut boris_ws, &mut anna_ws] {
        socket.send(json!({ "type": "join_room", "room_id": other })).await;
        socket.wait_for("room_users_list").await;
    }
    let joined = boris_ws.wait_for("joined_room").await;
    assert_eq!(joined["user"]["id"], anna.id);
    assert_eq!(joined["user"]["presence"], "idle");
}

both_backends!(async fn a_person_with_two_tabs_is_idle_only_when_both_are);
async fn a_person_with_two_tabs_is_idle_only_when_both_are() {
    let app = spawn_app().await;
    let (anna, mut anna_ws, _boris, mut boris_ws, room) = in_a_room(&app).await;
    let mut anna_tab = anna.connect(&app).await;
    anna_tab.join(room).await;

    say_idle(&mut anna_ws).await;
    anna_ws.expect_served().await;
    boris_ws.expect_silence().await;
    say_idle(&mut anna_tab).await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "idle"));
    assert_eq!(anna.get(&format!("/api/users/{}", anna.id)).await.json::<Value>().await.unwrap()["presence"], "idle");

    // One idle tab closing leaves the other, idle: nothing to tell. In use again, she is online.
    anna_tab.close().await;
    boris_ws.expect_silence().await;
    say_online(&mut anna_ws).await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "online"));
}

both_backends!(async fn a_conversation_partner_hears_someone_come_online_and_go_offline_without_sharing_a_room);
async fn a_conversation_partner_hears_someone_come_online_and_go_offline_without_sharing_a_room() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let carl = TestUser::register(&app).await;
    assert_eq!(anna.post_json("/api/dms", &json!({ "user_id": boris.id })).await.status(), 201);
    let mut boris_ws = boris.connect(&app).await;
    let mut carl_ws = carl.connect(&app).await;

    let anna_ws = anna.connect(&app).await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "online"));
    let dms: Value = boris.get("/api/dms").await.json().await.unwrap();
    assert_eq!(dms[0]["user"]["id"], anna.id);
    assert_eq!(dms[0]["presence"], "online");

    anna_ws.close().await;
    assert_eq!(boris_ws.wait_for("presence").await, presence(&anna, "offline"));
    let dms: Value = boris.get("/api/dms").await.json().await.unwrap();
    assert_eq!(dms[0]["presence"], "offline");
    assert_eq!(
        boris.get(&format!("/api/users/{}", anna.id)).await.json::<Value>().await.unwrap()["presence"],
        "offline"
    );

    // Carl shares neither a room nor a conversation with Anna: he heard none of it.
    carl_ws.expect_served().await;
    carl_ws.send(json!({ "type": "ping" })).await;
    assert_eq!(carl_ws.next().await, json!({ "type": "pong" }));
}

both_backends!(async fn a_status_other_than_online_or_idle_is_refused_and_changes_nothing);
async fn a_status_other_than_online_or_idle_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (anna, mut anna_ws, _boris, mut boris_ws, _room) = in_a_room(&app).await;

    for status in [json!("offline"), json!("away"), json!(1), Value::Null] {
        anna_ws.send(json!({ "type": "presence", "status": status })).await;
        let error = anna_ws.expect("error").await;
        assert_eq!(error["code"], "invalid_json", "{status}");
    }
    anna_ws.send(json!({ "type": "presence" })).await;
    assert_eq!(anna_ws.expect("error").await["code"], "invalid_json");

    boris_ws.expect_silence().await;
    assert_eq!(anna.get(&format!("/api/users/{}", anna.id)).await.json::<Value>().await.unwrap()["presence"], "online");
}

#[tokio::test]
async fn one_status_holds_across_two_instances() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&a).await;
            let room = anna.create_room(&unique_name("мост")).await["id"].as_i64().unwrap();
            let mut boris_on_b = boris.another_device(&b).await.connect(&b).await;
            boris_on_b.join(room).await;
            let mut anna_on_a = anna.connect(&a).await;
            anna_on_a.join(room).await;
            boris_on_b.wait_for("joined_room").await;

            // Anna idle on A: Boris on B hears it, and B's profile says so.
            say_idle(&mut anna_on_a).await;
            assert_eq!(boris_on_b.wait_for("presence").await, presence(&anna, "idle"));
            let profile: Value = boris.get(&format!("/api/users/{}", anna.id)).await.json().await.unwrap();
            assert_eq!(profile["presence"], "idle");

            // A tab of hers on B, in no room, makes her online for Boris in the room.
            let anna_on_b = anna.another_device(&b).await.connect(&b).await;
            assert_eq!(boris_on_b.wait_for("presence").await, presence(&anna, "online"));

            // It closes: idle again, since the tab on A is idle.
            anna_on_b.close().await;
            assert_eq!(boris_on_b.wait_for("presence").await, presence(&anna, "idle"));
            let list = {
                let carl = TestUser::register(&b).await;
                carl.connect(&b).await.join(room).await
            };
            assert_eq!(listed(&list, &anna), Some(json!("idle")));
        })
        .await;
}
