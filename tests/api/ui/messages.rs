//! Working with messages in the browser, as two people do it: editing the last message with ↑
//! (the other person sees «(изменено)»), replying from a message's toolbar (the reply bar, the
//! quote, a click on the quote showing the original, «Сообщение удалено» once it is deleted),
//! reacting through the emoji picker (chips counted for everyone, each person's own chip
//! highlighted only for them) and the composer's emoji button, the tooltip of a chip naming who
//! reacted (by pointer and by keyboard, following reactions as they change), completing
//! @names, pinning and the pinned messages, jumping to a message further back than the loaded
//! page (a link to it, a reply to it, the search panel's event) with live messages waiting
//! behind «Перейти к последним», and on a phone a long press opening a message's actions as a
//! sheet. axe checks the page with each new dialog, the toolbar and the tooltip shown.

use std::time::Duration;

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::a11y::assert_no_serious_violations;
use crate::browser::*;

#[tokio::test]
async fn up_in_an_empty_composer_edits_the_last_message_and_the_other_person_sees_it_marked_edited() {
    with_alice_and_bob(edit_with_up).await;
}

#[tokio::test]
async fn a_reply_shows_its_bar_then_a_quote_that_shows_the_original_and_says_when_it_was_deleted() {
    with_alice_and_bob(reply_and_quote).await;
}

#[tokio::test]
async fn a_reaction_from_the_picker_is_counted_for_everyone_and_highlighted_only_for_whoever_reacted() {
    with_alice_and_bob(react_through_the_picker).await;
}

#[tokio::test]
async fn pointing_at_or_focusing_a_reaction_shows_who_reacted_and_it_follows_their_changes() {
    with_alice_and_bob(who_reacted_tooltip).await;
}

#[tokio::test]
async fn at_completes_a_members_name_and_the_message_mentioning_someone_stands_out_for_them() {
    with_alice_and_bob(mention_a_member).await;
}

#[tokio::test]
async fn the_rooms_creator_pins_a_message_and_the_pinned_messages_panel_lists_it_and_shows_it() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "off")], pin_and_list).await;
}

#[tokio::test]
async fn on_a_phone_a_long_press_opens_the_actions_as_a_sheet_and_the_focus_comes_back() {
    with_alice_and_bob(long_press_on_a_phone).await;
}

#[tokio::test]
async fn a_link_to_an_old_message_opens_the_chat_around_it_and_new_messages_wait_behind_jump_to_latest() {
    with_alice_and_bob_on(&[("RATE_LIMIT_MESSAGES", "off")], jump_to_an_old_message).await;
}

/// A script expression: the <li> of the stored message whose text is exactly `$text`.
fn message_with(text: &str) -> String {
    format!(
        "[...document.querySelectorAll('#message-list li.msg')].find((li) =>
            li.querySelector('.msg__body')?.textContent === {})",
        json!(text)
    )
}

impl Browser {
    /// Moves the mouse onto the message reading `text` and clicks its toolbar's `action` button.
    async fn use_toolbar(&self, text: &str, action: &str) {
        let id = self.run(&format!("return {}?.dataset.id ?? null;", message_with(text))).await;
        let id = id.as_str().unwrap_or_else(|| panic!("{}: no message {text:?}", self.name)).to_owned();
        let message = self.find(&format!("#message-list li[data-id='{id}']")).await;
        let hover = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
            element: message,
            duration: None,
            x: 0.0,
            y: 0.0,
        });
        self.client.perform_actions(hover).await.expect("the pointer moved onto the message");
        self.click(&format!("#message-list li[data-id='{id}'] .msg-toolbar [data-action='{action}']")).await;
    }

    /// Moves the mouse onto the element `css` finds.
    async fn hover(&self, css: &str) {
        let element = self.find(css).await;
        let hover = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
            element,
            duration: None,
            x: 0.0,
            y: 0.0,
        });
        self.client.perform_actions(hover).await.unwrap_or_else(|e| panic!("{}: pointing at {css}: {e}", self.name));
    }

    /// Waits until the who-reacted tooltip is shown, the focused or pointed-at chip pointing at
    /// it, with these two lines; returns nothing, fails with what it saw.
    async fn wait_for_tooltip(&self, who: &str, hint: &str) {
        let script = format!(
            "const tip = document.querySelector('#reactors-tip');
             const chip = document.querySelector(\"[aria-describedby='reactors-tip']\");
             return Boolean(tip) && !tip.hidden && tip.getAttribute('role') === 'tooltip' && Boolean(chip)
                 && chip.matches('.reaction[data-emoji]')
                 && JSON.stringify([...tip.children].map((line) => line.textContent)) === {};",
            json!(json!([who, hint]).to_string())
        );
        self.wait_until(&format!("the tooltip {who:?} / {hint:?}"), &script).await;
    }

    async fn wait_for_no_tooltip(&self) {
        self.wait_until(
            "the tooltip to hide",
            "return document.querySelector('#reactors-tip')?.hidden === true
                 && !document.querySelector('[aria-describedby=\"reactors-tip\"]');",
        )
        .await;
    }

    /// Clicks the emoji `hex` (Emojibase hexcode) in the open emoji picker; it closes.
    async fn pick_emoji(&self, hex: &str) {
        self.click(&format!(".emoji-picker__emoji[data-hex='{hex}']")).await;
        self.wait_until("the picker to close", "return !document.querySelector('.emoji-picker');").await;
    }

    /// The reaction chips under the message reading `text`: [emoji, count, pressed].
    async fn chips(&self, text: &str) -> Value {
        self.run(&format!(
            "return [...({})?.querySelectorAll('.reaction[data-emoji]') ?? []].map((chip) =>
                [chip.dataset.emoji, chip.querySelector('.reaction__count').textContent,
                 chip.getAttribute('aria-pressed') === 'true']);",
            message_with(text)
        ))
        .await
    }

    async fn wait_for_chips(&self, text: &str, expected: Value) {
        let script = format!(
            "return JSON.stringify([...({})?.querySelectorAll('.reaction[data-emoji]') ?? []].map((chip) =>
                [chip.dataset.emoji, chip.querySelector('.reaction__count').textContent,
                 chip.getAttribute('aria-pressed') === 'true'])) === {};",
            message_with(text),
            json!(expected.to_string())
        );
        self.wait_until(&format!("the chips {expected} under {text:?}"), &script).await;
    }

    /// What has focus: its id, else its tag and classes.
    async fn focused(&self) -> String {
        let found = self.run("const el = document.activeElement; return el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;");
        found.await.as_str().expect("a description").to_owned()
    }

    /// Sends `count` messages «`prefix` 1…count» to the open room over a socket of the page's
    /// own session, not through the composer (faster, and they are not the page's own);
    /// returns their ids, that of «`prefix` n» at n − 1.
    async fn seed(&self, prefix: &str, count: usize) -> Vec<i64> {
        let script = format!(
            "return (async () => {{
                const room = Number(new URLSearchParams(location.search).get('room'));
                const ws = new WebSocket(`ws://${{location.host}}/ws`);
                const frames = [];
                const waits = [];
                ws.addEventListener('message', (e) => {{
                    frames.push(JSON.parse(e.data));
                    for (const wait of waits) if (wait.test()) wait.done();
                }});
                const wanted = (test) => new Promise((done) => waits.push({{ test, done }}));
                await new Promise((open) => ws.addEventListener('open', open));
                const joined = wanted(() => frames.some((f) => f.type === 'room_users_list'));
                ws.send(JSON.stringify({{ type: 'join_room', room_id: room }}));
                await joined;
                const stored = wanted(() => frames.filter((f) => f.type === 'new_message').length === {count});
                for (let n = 1; n <= {count}; n += 1) {{
                    ws.send(JSON.stringify({{ type: 'send_message', room_id: room, content: `{prefix} ${{n}}`,
                        client_id: crypto.randomUUID() }}));
                }}
                await stored;
                ws.close();
                const ids = [];
                for (const f of frames) {{
                    if (f.type === 'new_message') ids[Number(f.message.content.split(' ').at(-1)) - 1] = f.message.id;
                }}
                return ids;
            }})();"
        );
        serde_json::from_value(self.run(&script).await).expect("the ids of the seeded messages")
    }
}

async fn edit_with_up(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    alice.type_in_composer("Встречаемся в шесть").await;
    alice.press(Key::Enter).await;
    bob.wait_for_last_message("Встречаемся в шесть").await;

    // ↑ in the empty composer opens her last message for editing, its text in the box.
    alice.press(Key::Up).await;
    alice
        .wait_until(
            "the edit box to take the focus",
            "return document.activeElement?.matches('.msg-edit__input') === true;",
        )
        .await;
    let input = alice.find(".msg-edit__input").await;
    assert_eq!(input.prop("value").await.expect("value"), Some("Встречаемся в шесть".to_owned()));

    // Escape cancels: nothing changes, the focus is back in the composer.
    input.send_keys(" и не опаздываем").await.expect("typing");
    input.send_keys(&Key::Escape).await.expect("escape");
    alice.wait_until("the edit box to close", "return !document.querySelector('.msg-edit');").await;
    assert_eq!(alice.focused().await, "#composer-input");
    alice.wait_for_last_message("Встречаемся в шесть").await;

    // Again, and Enter saves (Shift+Enter is a new line in the text).
    alice.press(Key::Up).await;
    let input = alice.find(".msg-edit__input").await;
    input.clear().await.expect("cleared");
    input.send_keys("Встречаемся в семь").await.expect("typing");
    input.send_keys(&(Key::Shift + &*Key::Enter)).await.expect("shift+enter");
    input.send_keys("у входа").await.expect("typing");
    input.send_keys(&Key::Enter).await.expect("enter");
    alice.wait_for_last_message("Встречаемся в семь\nу входа").await;
    assert_eq!(alice.focused().await, "#composer-input", "the focus went back to the composer");

    // Борис sees the new text, marked edited, with the time of the edit in its tooltip.
    bob.wait_for_last_message("Встречаемся в семь\nу входа").await;
    let mark = format!("{}?.querySelector('.msg__edited')", message_with("Встречаемся в семь\nу входа"));
    bob.wait_until("the edited mark", &format!("return Boolean({mark});")).await;
    let (text, title): (String, String) =
        serde_json::from_value(bob.run(&format!("const el = {mark}; return [el.textContent.trim(), el.title];")).await)
            .expect("the mark's text and title");
    assert_eq!(text, "(изменено)");
    assert!(title.starts_with("Изменено: "), "the tooltip says when: {title:?}");
    assert_eq!(bob.count("#message-list li.msg").await, 1, "edited in place, not a new message");
}

async fn reply_and_quote(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    bob.type_in_composer("Кто идёт на обед?").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Кто идёт на обед?").await;

    // Reply from the toolbar: the bar names whom and what, and the composer takes the focus.
    alice.use_toolbar("Кто идёт на обед?", "reply").await;
    alice.wait_for("#reply-bar:not([hidden])").await;
    assert_eq!(alice.find("#reply-bar-name").await.text().await.expect("text"), "В ответ пользователю Борис:");
    assert_eq!(alice.find("#reply-bar-excerpt").await.text().await.expect("text"), "Кто идёт на обед?");
    assert_eq!(alice.focused().await, "#composer-input");

    // Escape drops the reply; a second try sends it.
    alice.press(Key::Escape).await;
    alice.wait_for("#reply-bar[hidden]").await;
    alice.use_toolbar("Кто идёт на обед?", "reply").await;
    alice.wait_for("#reply-bar:not([hidden])").await;
    alice.type_in_composer("Я! Через пять минут").await;
    alice.press(Key::Enter).await;
    alice.wait_for("#reply-bar[hidden]").await;

    // Борис sees the reply with a quote of his message; a click on the quote shows the original.
    bob.wait_for_last_message("Я! Через пять минут").await;
    let quote = format!("{}?.querySelector('.msg__reply')", message_with("Я! Через пять минут"));
    let quoted = bob.run(&format!("return {quote}?.textContent;")).await;
    assert_eq!(quoted, json!("@БорисКто идёт на обед?"));
    bob.run(&format!("{quote}.click();")).await;
    bob.wait_until(
        "the original to be shown and flashed",
        &format!(
            "const li = {}; return document.activeElement === li && li.classList.contains('is-flashing');",
            message_with("Кто идёт на обед?")
        ),
    )
    .await;

    // Борис deletes his question (after saying yes); the reply now says the original is gone.
    bob.use_toolbar("Кто идёт на обед?", "delete").await;
    bob.wait_for("#confirm-dialog[open]").await;
    assert_no_serious_violations(&bob, "the chat page asking to delete a message").await;
    assert_eq!(bob.focused().await, "#confirm-ok", "the dialog's action has the focus");
    bob.click("#confirm-ok").await;
    for browser in [&alice, &bob] {
        browser
            .wait_until(
                "the question to go and the quote to say so",
                &format!(
                    "return !{} && {}?.querySelector('.msg__reply--deleted')?.textContent === 'Сообщение удалено';",
                    message_with("Кто идёт на обед?"),
                    message_with("Я! Через пять минут")
                ),
            )
            .await;
    }
}

async fn react_through_the_picker(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    bob.type_in_composer("Сдал экзамен!").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Сдал экзамен!").await;

    // Алиса picks 🎉 in the picker: one chip, counted once, pressed for her, not for Борис.
    alice.use_toolbar("Сдал экзамен!", "react").await;
    alice.pick_emoji("1F389").await;
    alice.wait_for_chips("Сдал экзамен!", json!([["🎉", "1", true]])).await;
    bob.wait_for_chips("Сдал экзамен!", json!([["🎉", "1", false]])).await;
    assert_no_serious_violations(&alice, "the chat page with a reaction and a message's toolbar").await;

    // Борис clicks the chip: two, pressed for him; for Алиса still pressed (her own, kept by the
    // page: the frame for the room says `me: false` to everyone).
    bob.run(&format!("{}.querySelector('.reaction[data-emoji]').click();", message_with("Сдал экзамен!"))).await;
    bob.wait_for_chips("Сдал экзамен!", json!([["🎉", "2", true]])).await;
    alice.wait_for_chips("Сдал экзамен!", json!([["🎉", "2", true]])).await;

    // Алиса takes hers back; after a reload the page still knows whose is whose.
    alice.run(&format!("{}.querySelector('.reaction[data-emoji]').click();", message_with("Сдал экзамен!"))).await;
    alice.wait_for_chips("Сдал экзамен!", json!([["🎉", "1", false]])).await;
    bob.wait_for_chips("Сдал экзамен!", json!([["🎉", "1", true]])).await;
    bob.client.refresh().await.expect("reloaded");
    bob.wait_for_chips("Сдал экзамен!", json!([["🎉", "1", true]])).await;
    assert_eq!(alice.chips("Сдал экзамен!").await, json!([["🎉", "1", false]]));

    // The composer's emoji button puts the emoji in at the cursor, and the focus back in the box.
    alice.type_in_composer("Поздравляю !").await;
    alice.run("const box = document.querySelector('#composer-input'); box.setSelectionRange(10, 10);").await;
    alice.click("#composer-emoji").await;
    alice.pick_emoji("1F389").await;
    assert_eq!(alice.composer_value().await, "Поздравляю🎉 !");
    assert_eq!(alice.focused().await, "#composer-input");
}

async fn who_reacted_tooltip(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    bob.type_in_composer("Кто со мной в кино?").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Кто со мной в кино?").await;
    let id = alice.run(&format!("return {}.dataset.id;", message_with("Кто со мной в кино?"))).await;
    let chip = format!("#message-list li[data-id='{}'] .reaction[data-emoji]", id.as_str().expect("an id"));

    let click_chip = format!("document.querySelector(\"{chip}\").click();");

    // Алиса reacts and points at her chip: the tooltip names her, and says what a click does.
    alice.use_toolbar("Кто со мной в кино?", "react").await;
    alice.pick_emoji("1F389").await;
    alice.wait_for_chips("Кто со мной в кино?", json!([["🎉", "1", true]])).await;
    alice.hover(&chip).await;
    alice.wait_for_tooltip("Реакция 🎉: Алиса", "Убрать свою реакцию").await;
    assert_no_serious_violations(&alice, "the chat page with the who-reacted tooltip").await;

    // Борис reacts too while she looks: the tooltip names both, in the order they reacted.
    bob.wait_for_chips("Кто со мной в кино?", json!([["🎉", "1", false]])).await;
    bob.run(&click_chip).await;
    alice.wait_for_chips("Кто со мной в кино?", json!([["🎉", "2", true]])).await;
    alice.wait_for_tooltip("Реакция 🎉: Алиса и Борис", "Убрать свою реакцию").await;

    // Moving away hides it.
    alice.hover("#composer-input").await;
    alice.wait_for_no_tooltip().await;

    // She takes hers back and gives it again: two still, but now after Борис. The names she
    // was shown are not shown again.
    alice.run(&click_chip).await;
    alice.wait_for_chips("Кто со мной в кино?", json!([["🎉", "1", false]])).await;
    alice.run(&click_chip).await;
    alice.wait_for_chips("Кто со мной в кино?", json!([["🎉", "2", true]])).await;
    alice.hover(&chip).await;
    alice.wait_for_tooltip("Реакция 🎉: Борис и Алиса", "Убрать свою реакцию").await;

    // From the keyboard: Борис focuses the chip and hears who reacted; Escape hides the
    // tooltip and leaves the focus on the chip, which still takes his reaction back.
    bob.run(&format!("document.querySelector(\"{chip}\").focus();")).await;
    bob.wait_for_tooltip("Реакция 🎉: Борис и Алиса", "Убрать свою реакцию").await;
    bob.chord(&[Key::Escape]).await;
    bob.wait_for_no_tooltip().await;
    assert_eq!(bob.focused().await, "button.reaction.reaction--mine");
    bob.chord(&[Key::Enter]).await;
    bob.wait_for_chips("Кто со мной в кино?", json!([["🎉", "1", false]])).await;
}

async fn mention_a_member(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    alice.wait_for_member("Борис", "Владивосток").await;

    // "@Б" offers Борис (not Алиса herself); Enter puts the whole name in, with a space.
    alice.type_in_composer("Привет, @Б").await;
    alice.wait_for("#mention-list:not([hidden]) [role='option']").await;
    let offered = alice
        .run("return [...document.querySelectorAll('#mention-list .mention-option__name')].map((o) => o.textContent);")
        .await;
    assert_eq!(offered, json!(["Борис"]));
    assert_eq!(
        alice.attr("#composer-input", "aria-activedescendant").await,
        alice.attr("#mention-list [aria-selected='true']", "id").await,
        "the composer points at the chosen name"
    );
    alice.press(Key::Enter).await;
    alice.wait_for("#mention-list[hidden]").await;
    assert_eq!(alice.composer_value().await, "Привет, @Борис ", "Enter picked the name and sent nothing");

    // Escape closes the list without sending either.
    alice.type_in_composer("и @Бо").await;
    alice.wait_for("#mention-list:not([hidden])").await;
    alice.press(Key::Escape).await;
    alice.wait_for("#mention-list[hidden]").await;
    alice.press(Key::Enter).await;

    // For Борис the message stands out and his name is a mention; for Алиса it does not.
    bob.wait_for_last_message("Привет, @Борис и @Бо").await;
    let standing_out =
        format!("return {}?.classList.contains('msg--mention') === true;", message_with("Привет, @Борис и @Бо"));
    bob.wait_until("the mention to stand out", &standing_out).await;
    let mention = bob
        .run(&format!("return {}.querySelector('.mention')?.textContent;", message_with("Привет, @Борис и @Бо")))
        .await;
    assert_eq!(mention, json!("@Борис"));
    alice.wait_for_last_message("Привет, @Борис и @Бо").await;
    assert_eq!(alice.run(&standing_out).await, json!(false));
}

async fn pin_and_list(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    // Her own room: she may pin there. Enough messages that the first is off screen.
    alice.click("#create-room").await;
    alice.wait_for("#room-dialog[open]").await;
    alice.fill("#room-form-name", "Объявления").await;
    alice.click("#room-form-submit").await;
    alice.wait_for_text("#room-name", "Объявления").await;
    alice.send_messages("Объявление", 40).await;

    // Pinned from the toolbar: the message shows a pin.
    alice.run(&format!("{}.scrollIntoView();", message_with("Объявление 1"))).await;
    alice.use_toolbar("Объявление 1", "pin").await;
    alice
        .wait_until(
            "the pin mark",
            &format!("return Boolean({}?.querySelector('.msg__pin'));", message_with("Объявление 1")),
        )
        .await;

    // The panel lists it; choosing it closes the panel and shows the message.
    alice.run("document.querySelector('#messages').scrollTop = 1e9;").await;
    alice.click("#open-pins").await;
    alice.wait_for("#pins-dialog[open] .pin-item").await;
    assert_no_serious_violations(&alice, "the chat page with the pinned messages open").await;
    assert_eq!(alice.find(".pin-item__text").await.text().await.expect("text"), "Объявление 1");
    alice.click(".pin-item").await;
    alice
        .wait_until(
            "the pinned message to be shown",
            &format!(
                "const li = {}; return !document.querySelector('#pins-dialog').open && document.activeElement === li;",
                message_with("Объявление 1")
            ),
        )
        .await;

    // Unpinned, it leaves the panel.
    alice.use_toolbar("Объявление 1", "unpin").await;
    alice
        .wait_until(
            "the pin mark to go",
            &format!("return !{}?.querySelector('.msg__pin');", message_with("Объявление 1")),
        )
        .await;
    alice.click("#open-pins").await;
    alice.wait_for_text("#pins-status", "В этой комнате нет закреплённых сообщений").await;
    assert_eq!(alice.count(".pin-item").await, 0);
    alice.chord(&[Key::Escape]).await;
    alice.wait_until("the focus back on the pin button", "return document.activeElement?.id === 'open-pins';").await;
}

async fn long_press_on_a_phone(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    bob.type_in_composer("Пришлите фото").await;
    bob.press(Key::Enter).await;
    alice.wait_for_last_message("Пришлите фото").await;
    alice.emulate_phone((375, 740)).await;

    // A finger held on the message for a moment (touch events, as a phone's screen sends them).
    let at: (f64, f64) = serde_json::from_value(
        alice
            .run(&format!(
                "const r = {}.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];",
                message_with("Пришлите фото")
            ))
            .await,
    )
    .expect("the middle of the message");
    let finger = json!([{ "x": at.0, "y": at.1 }]);
    alice.devtools("Input.dispatchTouchEvent", json!({ "type": "touchStart", "touchPoints": finger })).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    alice.devtools("Input.dispatchTouchEvent", json!({ "type": "touchEnd", "touchPoints": [] })).await;

    // The menu rises from the bottom edge, the width of the screen, its first action focused;
    // Борис's message offers Алиса no edit, delete or pin.
    alice.wait_for("#message-menu[open]").await;
    assert_no_serious_violations(&alice, "the chat page with a message's menu open on a phone").await;
    let sheet = alice
        .run(
            "const r = document.querySelector('#message-menu').getBoundingClientRect();
        return [Math.round(r.left), Math.round(r.right), Math.round(r.bottom)];",
        )
        .await;
    assert_eq!(sheet, json!([0, 375, 740]), "a sheet along the bottom edge");
    let actions = alice
        .run("return [...document.querySelectorAll('#message-menu-list [data-action]')].map((b) => b.dataset.action);")
        .await;
    assert_eq!(actions, json!(["react", "reply", "link", "copy"]));
    assert_eq!(alice.focused().await, "button.menu__item");

    // Escape closes it onto the message; «Ответить» from it starts a reply.
    alice.chord(&[Key::Escape]).await;
    alice.wait_until("the menu to close", "return !document.querySelector('#message-menu').open;").await;
    assert_eq!(
        alice.run(&format!("return document.activeElement === {};", message_with("Пришлите фото"))).await,
        json!(true)
    );
    alice.chord(&[Key::Enter]).await;
    alice.wait_for("#message-menu[open]").await;
    alice.click("#message-menu-list [data-action='reply']").await;
    alice.wait_for("#reply-bar:not([hidden])").await;
    assert_eq!(alice.focused().await, "#composer-input");
}

async fn jump_to_an_old_message(origin: String, alice: Browser, bob: Browser) {
    alice.register(&origin, "Новосибирск").await;
    bob.register(&origin, "Владивосток").await;
    // More than a page of history: the first messages are not on the page a room opens with.
    let ids = bob.seed("Старое", 80).await;
    let room = alice.attr("body", "data-default-room-id").await;
    let target = ids[4];

    // A link to «Старое 5» opens the chat around it: the message in view, focused and flashed.
    alice.client.goto(&format!("{origin}/chat?room={room}&message={target}")).await.expect("the link opens");
    let at_target = format!(
        "const li = document.querySelector(\"#message-list li[data-id='{target}']\");
         return Boolean(li) && document.activeElement === li && li.classList.contains('is-flashing');"
    );
    alice.wait_until("the linked message to be shown and flashed", &at_target).await;
    assert_eq!(
        alice.run(&format!("return {}?.dataset.id;", message_with("Старое 5"))).await,
        json!(target.to_string())
    );
    assert_eq!(alice.count(&format!("#message-list li[data-id='{}']", ids[79])).await, 0, "the newest is not loaded");
    alice.wait_for_text("#jump-latest", "Перейти к последним").await;

    // A live message does not land after the old window: it waits, counted on the button.
    bob.type_in_composer("Свежее").await;
    bob.press(Key::Enter).await;
    bob.wait_for_last_message("Свежее").await;
    alice.wait_for_text("#jump-latest", "1 новое сообщение").await;
    assert_eq!(alice.run(&format!("return Boolean({});", message_with("Свежее"))).await, json!(false));

    // The button brings the newest, with the message that waited, once.
    alice.click("#jump-latest").await;
    alice.wait_for_last_message("Свежее").await;
    assert_eq!(alice.run("return [...document.querySelectorAll('#message-list .msg__body')].filter((b) => b.textContent === 'Свежее').length;").await, json!(1));
    alice.wait_until("the button to go", "return document.querySelector('#jump-latest').hidden;").await;

    // A reply to an old message: a click on its quote loads the original's part of the room.
    let reply = json!({ "type": "send_message", "room_id": room.parse::<i64>().expect("a room id"), "content": "Отвечаю на старое",
        "client_id": "00000000-0000-4000-8000-000000000001", "reply_to": ids[1] });
    bob.client.goto(&format!("{origin}/chat?room={room}")).await.expect("reloaded");
    bob.wait_for_last_message("Свежее").await;
    bob.run(&format!(
        "const ws = new WebSocket(`ws://${{location.host}}/ws`);
         ws.addEventListener('open', () => ws.send(JSON.stringify({{ type: 'join_room', room_id: {room} }})));
         ws.addEventListener('message', (e) => {{
             if (JSON.parse(e.data).type === 'room_users_list') ws.send(JSON.stringify({reply}));
         }});"
    ))
    .await;
    alice.wait_for_last_message("Отвечаю на старое").await;
    alice.run(&format!("{}.querySelector('.msg__reply').click();", message_with("Отвечаю на старое"))).await;
    let at_original = format!(
        "const li = document.querySelector(\"#message-list li[data-id='{}']\");
         return Boolean(li) && document.activeElement === li && li.classList.contains('is-flashing');",
        ids[1]
    );
    alice.wait_until("the original to be loaded, shown and flashed", &at_original).await;

    // The search panel asks for a jump with a document event; it works the same way.
    alice
        .run(&format!(
            "document.dispatchEvent(new CustomEvent('discock:open-message', {{ detail: {{ roomId: {room}, messageId: {} }} }}));",
            ids[40]
        ))
        .await;
    let at_searched = at_original.replace(&format!("'{}'", ids[1]), &format!("'{}'", ids[40]));
    alice.wait_until("the message the event named to be shown", &at_searched).await;
}
