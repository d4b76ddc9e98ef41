//! Direct messages in the browser. Борис starts a conversation with Алиса the way a profile
//! card's «Написать» does (the `discock:write-to` event): it opens at once, named after her.
//! His first message reaches her page while she reads another room: the conversation appears
//! under «Личные сообщения» in bold with a red badge counting its unread messages, and the tab's
//! title counts it; opening it shows the message and reads it.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

#[tokio::test]
async fn a_new_direct_message_appears_in_the_sidebar_with_a_badge_and_opens_from_there() {
    with_alice_and_bob(direct_message).await;
}

async fn direct_message(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let alice_id = alice.run("return Number(document.body.dataset.userId);").await;

    // Борис writes to her as a profile card's «Написать» button would ask.
    let room = bob.write_to(&alice_id, "Алиса").await;
    let link = format!("#dm-list a[data-room-id='{room}']");
    bob.wait_for(&link).await;
    assert!(bob.count(&format!("#room-list a[data-room-id='{room}']")).await == 0, "not among the rooms");
    bob.type_in_composer("Привет! Это личное.").await;
    bob.press(Key::Enter).await;
    bob.wait_for_last_message("Привет! Это личное.").await;

    // Her page, on «Общий чат», hears of it live.
    alice.wait_for(&link).await;
    let general = format!("#{DEFAULT_ROOM} — Discock");
    let marks = format!(
        "const link = document.querySelector(\"{link}\");
         return link.classList.contains('is-unread')
             && link.querySelector('.room-link__badge [aria-hidden]')?.textContent === '1'
             && link.textContent.includes('Борис')
             && document.title === {};",
        json!(format!("(1) {general}"))
    );
    alice.wait_until("a bold conversation with a badge and a count in the title", &marks).await;
    assert!(alice.is_displayed("#dms-title").await, "the section shows once there is a conversation");

    // She opens it: the message is there, and it is read.
    alice.click(&link).await;
    alice.wait_for_text("#room-name", "Борис").await;
    alice.wait_for_last_message("Привет! Это личное.").await;
    alice
        .wait_until(
            "the conversation read",
            &format!(
                "const link = document.querySelector(\"{link}\");
                 return !link.classList.contains('is-unread') && !link.querySelector('.room-link__badge')
                     && document.title === '@Борис — Discock';"
            ),
        )
        .await;
}
