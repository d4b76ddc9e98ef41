//! Avatars in the browser: Борис uploads a picture (through the API, as the settings dialog
//! does), and without a reload Алиса's page shows it as a picture in the member list and beside
//! his next message, and his own page in its footer — each an <img> that loaded, named
//! «Аватар Борис». His settings show it large; removing it there takes it off Алиса's page.

use fantoccini::key::Key;
use serde_json::json;

use crate::browser::*;

#[tokio::test]
async fn an_uploaded_avatar_shows_as_a_picture_in_the_member_list_the_messages_and_the_footer() {
    with_alice_and_bob(avatar_shown).await;
}

/// Draws a red picture wider than tall on a canvas and uploads it as the page's user's avatar;
/// returns the `avatar_url` of the answer.
const UPLOAD: &str = "return (async () => {
        const canvas = document.createElement('canvas');
        canvas.width = 90;
        canvas.height = 60;
        const context = canvas.getContext('2d');
        context.fillStyle = '#d33';
        context.fillRect(0, 0, 90, 60);
        const picture = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
        const response = await fetch('/api/me/avatar', { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: picture });
        if (!response.ok) throw new Error(`upload refused: ${response.status}`);
        return (await response.json()).avatar_url;
    })();";

/// Whether the avatar picture `css` names is there, loaded, with this address and alt text.
fn loaded_picture(css: &str, src: &str, alt: &str) -> String {
    format!(
        "const img = document.querySelector({css});
         return Boolean(img && img.complete && img.naturalWidth > 0
             && img.getAttribute('src') === {src} && img.alt === {alt});",
        css = json!(css),
        src = json!(src),
        alt = json!(alt)
    )
}

async fn avatar_shown(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    let bob_id = bob.run("return Number(document.body.dataset.userId);").await;
    let in_members = format!("#member-list .avatar[data-avatar-user='{bob_id}']");
    alice.wait_for(&in_members).await;
    assert_eq!(alice.count(&format!("{in_members} img")).await, 0, "no picture yet: the initial");

    let url = bob.run(UPLOAD).await;
    let url = url.as_str().expect("an avatar_url");

    let small = format!("{url}?size=64");
    alice
        .wait_until(
            "Борис's picture in the member list",
            &loaded_picture(&format!("{in_members} img.avatar__picture"), &small, "Аватар Борис"),
        )
        .await;
    bob.wait_until(
        "his own picture in the footer",
        &loaded_picture("#me-avatar img.avatar__picture", &small, "Аватар Борис"),
    )
    .await;
    bob.type_in_composer("Как вам моя аватарка?").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Как вам моя аватарка?").await;
    alice
        .wait_until(
            "Борис's picture beside his message",
            &loaded_picture(&format!("#message-list .avatar[data-avatar-user='{bob_id}'] img"), &small, "Аватар Борис"),
        )
        .await;

    bob.click("#open-settings").await;
    bob.wait_for("#settings-dialog[open]").await;
    bob.wait_until(
        "the large picture in his settings",
        &loaded_picture("#avatar-preview img.avatar__picture", &format!("{url}?size=256"), "Аватар Борис"),
    )
    .await;
    bob.click("#avatar-remove").await;
    bob.wait_for_text("#avatar-status", "Аватар удалён").await;
    alice
        .wait_until(
            "the initial again in the member list",
            &format!(
                "return document.querySelector(\"{in_members}\")?.textContent === 'Б'
                 && !document.querySelector(\"{in_members} img\");"
            ),
        )
        .await;
}
