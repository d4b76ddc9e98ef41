//! Formatted message text (static/js/format.js) in the real chat page, drawn into a message
//! body by the test itself, since using it for the message list is the chat's business: the
//! styles make each kind of markup visible, a spoiler hides its text until revealed from the
//! keyboard, links carry their safe attributes, and axe finds nothing serious in any of it.

use fantoccini::key::Key;
use serde_json::json;

use crate::a11y::assert_no_serious_violations;
use crate::browser::*;

/// Draws `arguments[0]` as a message body at the top of the message list, mentioning Алиса.
const RENDER: &str = "const [text] = arguments;
    return import('/static/js/format.js').then(({ renderMessage }) => {
        const body = document.createElement('div');
        body.className = 'msg__body';
        body.id = 'formatted';
        const mentions = new Map([['алиса', { id: 1 }], ['борис', { id: 2 }]]);
        body.append(renderMessage(text, { mentions, me: 'алиса' }));
        document.querySelector('#messages').prepend(body);
        return body.childNodes.length;
    });";

const TEXT: &str = "**жирный** *курсив* __подчёркнутый__ ~~зачёркнутый~~ `код` @Алиса и @Борис\n\
    > цитата с ||тайной https://example.com||\n\
    ```rust\nfn main() {}\n```\n\
    <img src=x onerror=alert(1)> javascript:alert(1) https://example.com/путь?q=1.";

#[tokio::test]
async fn formatted_text_shows_its_markup_hides_spoilers_until_revealed_and_passes_axe() {
    with_alice(format_scenario).await;
}

async fn format_scenario(origin: String, alice: Browser) {
    alice.register(&origin, "Тверь").await;
    let nodes = alice.client.execute(RENDER, vec![json!(TEXT)]).await.expect("renders");
    assert!(nodes.as_u64().is_some_and(|n| n > 5), "{nodes}");

    // Each kind of markup looks like itself.
    let looks = alice
        .run(
            "const f = document.querySelector('#formatted');
            const style = (css) => getComputedStyle(f.querySelector(css));
            return {
                bold: Number(style('strong').fontWeight) >= 600,
                italic: style('em').fontStyle,
                underline: style('u').textDecorationLine,
                strike: style('s').textDecorationLine,
                code: style('.md-code').fontFamily.includes('monospace'),
                pre: style('.md-pre').whiteSpace,
                quote: style('.md-quote').borderLeftStyle,
                me: f.querySelector('.mention-me').textContent,
                mentions: f.querySelectorAll('.mention').length,
                images: f.querySelectorAll('img').length,
            };",
        )
        .await;
    assert_eq!(
        looks,
        json!({
            "bold": true, "italic": "italic", "underline": "underline", "strike": "line-through",
            "code": true, "pre": "pre", "quote": "solid", "me": "@Алиса", "mentions": 2, "images": 0,
        })
    );

    // Links: only the http(s) ones, opening apart, the sentence's full stop left out.
    let links = alice
        .run(
            "return [...document.querySelectorAll('#formatted a')].map((a) =>
                [a.getAttribute('href'), a.target, a.rel, a.textContent, Boolean(a.closest('[inert]'))]);",
        )
        .await;
    assert_eq!(
        links,
        json!([
            ["https://example.com/", "_blank", "noopener noreferrer nofollow", "https://example.com", true],
            [
                "https://example.com/%D0%BF%D1%83%D1%82%D1%8C?q=1",
                "_blank",
                "noopener noreferrer nofollow",
                "https://example.com/путь?q=1",
                false
            ],
        ])
    );

    // The spoiler: a named button, its text invisible and out of reach until Enter reveals it.
    assert_eq!(alice.accessible_role(".spoiler").await, "button");
    assert_eq!(alice.accessible_name(".spoiler").await, "Спойлер: нажмите, чтобы показать");
    let hidden = "return getComputedStyle(document.querySelector('.spoiler__content')).opacity;";
    assert_eq!(alice.run(hidden).await, json!("0"));
    assert_no_serious_violations(&alice, "the chat page with formatted text").await;
    alice.run("document.querySelector('.spoiler').focus(); return true;").await;
    alice.chord(&[Key::Enter]).await;
    assert_eq!(alice.run(hidden).await, json!("1"));
    let revealed = alice
        .run(
            "const s = document.querySelector('.spoiler');
            return [s.className, s.getAttribute('role'), document.activeElement.className];",
        )
        .await;
    assert_eq!(revealed, json!(["spoiler spoiler--revealed", null, "spoiler__content"]));
    assert_no_serious_violations(&alice, "the chat page with a revealed spoiler").await;
}
