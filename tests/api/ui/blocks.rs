//! Blocking in the browser. Алиса blocks Борис the way a profile card asks for it (the
//! `discock:block` event): his messages in the room she has open — the one already shown, one
//! arriving live, and all of them after a reload — collapse to «Сообщение от заблокированного
//! пользователя — показать», and «показать» reveals that one message. Unblocking him from the
//! settings dialog shows them all again.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

const COLLAPSED: &str = "Сообщение от заблокированного пользователя — показать";

#[tokio::test]
async fn a_blocked_persons_messages_are_collapsed_and_show_reveals_one() {
    with_alice_and_bob(blocked_messages).await;
}

async fn says(bob: &Browser, alice: &Browser, text: &str) {
    bob.type_in_composer(text).await;
    bob.press(Key::Enter).await;
    bob.wait_for_last_message(text).await;
    // Shown or collapsed, the message is on Алиса's list.
    alice
        .wait_until(
            &format!("«{text}» on the list"),
            &format!(
                "return [...document.querySelectorAll('#message-list .msg__body')].some((b) => b.textContent === {});",
                json!(text)
            ),
        )
        .await;
}

/// Waits until exactly `count` messages on Алиса's list are collapsed.
async fn collapsed(alice: &Browser, count: usize) {
    alice
        .wait_until(
            &format!("{count} collapsed messages"),
            &format!("return document.querySelectorAll('#message-list li.msg--blocked').length === {count};"),
        )
        .await;
}

/// What Алиса reads of each stored message: its visible text.
async fn visible(alice: &Browser) -> Vec<String> {
    let mut shown = Vec::new();
    for li in alice.client.find_all(fantoccini::Locator::Css("#message-list li.msg[data-id]")).await.unwrap() {
        shown.push(li.text().await.unwrap_or_default());
    }
    shown
}

async fn blocked_messages(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    says(&bob, &alice, "Привет, я Борис").await;
    let bob_id = bob.run("return Number(document.body.dataset.userId);").await;

    alice
        .run(&format!(
            "document.dispatchEvent(new CustomEvent('discock:block', {{ detail: {{ user: {{ id: {bob_id}, username: 'Борис' }} }} }}));
             return true;"
        ))
        .await;

    collapsed(&alice, 1).await;
    alice.wait_for_text("#message-list li.msg--blocked .msg__blocked", COLLAPSED).await;
    says(&bob, &alice, "И ещё одно").await;
    collapsed(&alice, 2).await;
    let texts = visible(&alice).await;
    assert!(texts.iter().all(|t| !t.contains("Привет") && !t.contains("ещё одно")), "neither text is shown: {texts:?}");

    alice.click("#message-list li.msg--blocked .msg__blocked-show").await;
    collapsed(&alice, 1).await;
    let texts = visible(&alice).await;
    assert!(texts.iter().any(|t| t.contains("Привет, я Борис")), "the first is revealed: {texts:?}");
    assert!(texts.iter().all(|t| !t.contains("ещё одно")), "the other stays collapsed: {texts:?}");

    // History drawn after a reload collapses them again.
    alice.client.refresh().await.expect("the page reloads");
    collapsed(&alice, 2).await;

    // Unblocked from the settings: everything shows.
    alice.click("#open-settings").await;
    alice.wait_for("#blocked-list li button").await;
    alice.click("#blocked-list li button").await;
    collapsed(&alice, 0).await;
    alice.wait_for_last_message("И ещё одно").await;
}
