//! What reaches a person outside the room it happens in: a message mentioning them
//! (`mentioned`), and the rooms they muted (`PUT`/`DELETE /api/rooms/{id}/mute`, `GET
//! /api/mutes`, `room_muted` on every device).

use serde_json::{json, Value};

use crate::helpers::*;

both_backends!(async fn a_mention_reaches_the_person_on_connections_outside_the_room);
async fn a_mention_reaches_the_person_on_connections_outside_the_room() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let room = anna.create_room(&unique_name("упоминания")).await["id"].as_i64().unwrap();
    let mut boris_elsewhere = boris.connect(&app).await;
    let mut boris_inside = boris.another_device(&app).await.connect(&app).await;
    boris_inside.join(room).await;
    let mut carl = TestUser::register(&app).await.connect(&app).await;
    let mut anna_ws = anna.connect(&app).await;
    anna_ws.join(room).await;

    let said = anna_ws.say(room, &format!("@{} глянь, и @{} тоже", boris.username, anna.username)).await;

    let frame = boris_elsewhere.expect("mentioned").await;
    assert_eq!(frame, json!({ "type": "mentioned", "message": said }));
    assert_eq!(boris_inside.wait_for("new_message").await["message"], said, "inside the room: the message itself");
    boris_inside.expect_silence().await;
    carl.expect_silence().await;
    anna_ws.expect_silence().await; // mentioning oneself tells nobody
    anna_ws.say(room, "без упоминаний").await;
    boris_elsewhere.expect_silence().await;
}

both_backends!(async fn a_muted_room_is_stored_per_user_and_every_device_hears_of_it);
async fn a_muted_room_is_stored_per_user_and_every_device_hears_of_it() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let room = anna.create_room(&unique_name("тихая")).await["id"].as_i64().unwrap();
    let mut phone = anna.connect(&app).await;
    let laptop = anna.another_device(&app).await;
    let mut boris = TestUser::register(&app).await.connect(&app).await;

    let muted = anna.put_json(&format!("/api/rooms/{room}/mute"), &json!({})).await;
    let again = laptop.put_json(&format!("/api/rooms/{room}/mute"), &json!({})).await;

    assert_eq!((muted.status().as_u16(), again.status().as_u16()), (204, 204), "muting a muted room is no error");
    assert_eq!(phone.expect("room_muted").await, json!({ "type": "room_muted", "room_id": room, "muted": true }));
    let mutes: Value = laptop.get("/api/mutes").await.json().await.unwrap();
    assert_eq!(mutes, json!([room]), "the same on every device");
    assert_eq!(laptop.delete(&format!("/api/rooms/{room}/mute")).await.status(), 204);
    assert_eq!(phone.wait_for("room_muted").await["muted"], false);
    assert_eq!(anna.get("/api/mutes").await.json::<Value>().await.unwrap(), json!([]));
    boris.expect_silence().await;
}

both_backends!(async fn only_a_room_one_may_see_can_be_muted);
async fn only_a_room_one_may_see_can_be_muted() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let carl = TestUser::register(&app).await;
    let dm = anna.post_json("/api/dms", &json!({ "user_id": boris.id })).await.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    let theirs = carl.put_json(&format!("/api/rooms/{dm}/mute"), &json!({})).await;
    let missing = carl.put_json("/api/rooms/999999999/mute", &json!({})).await;
    let garbled = carl.put_json("/api/rooms/тихо/mute", &json!({})).await;
    let signed_out = app.client().put(app.url(&format!("/api/rooms/{dm}/mute"))).send().await.unwrap();

    assert_eq!(theirs.status(), 404, "someone else's conversation does not exist");
    assert_eq!(theirs.json::<Value>().await.unwrap()["code"], "not_found");
    assert_eq!(missing.status(), 404);
    assert_eq!(garbled.status(), 400);
    assert_eq!(signed_out.status(), 401);
    assert_eq!(carl.get("/api/mutes").await.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(boris.put_json(&format!("/api/rooms/{dm}/mute"), &json!({})).await.status(), 204, "its people may");
}
