//! The two languages: choosing one (`PUT /api/language`, the `discock_lang` cookie,
//! `Accept-Language`), saving it to the account, and which language pages, API errors, form
//! errors and WebSocket frames come in.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Every `Set-Cookie` of a response that sets the language cookie.
fn lang_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .filter(|c| c.starts_with("discock_lang="))
        .collect()
}

both_backends!(async fn choosing_a_language_signed_in_saves_it_to_the_account_and_sets_the_cookie);
async fn choosing_a_language_signed_in_saves_it_to_the_account_and_sets_the_cookie() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let before: Value = anna.get("/api/me").await.json().await.unwrap();

    let response = anna.put_json("/api/language", &json!({ "language": "en" })).await;

    assert_eq!(before["language"], Value::Null, "a new account has chosen nothing yet");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(lang_cookies(&response), ["discock_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"]);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "language": "en" }));
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!((me["id"].as_i64(), &me["language"]), (Some(anna.id), &json!("en")));
    assert_eq!(me["username"], anna.username.as_str(), "the rest of /api/me is as before");
}

both_backends!(async fn choosing_a_language_signed_out_sets_only_the_cookie);
async fn choosing_a_language_signed_out_sets_only_the_cookie() {
    let app = spawn_app().await;
    let client = app.client();

    let response = client.put(app.url("/api/language")).json(&json!({ "language": "ru" })).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(lang_cookies(&response), ["discock_lang=ru; Path=/; Max-Age=31536000; SameSite=Lax"]);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "language": "ru" }));
}

both_backends!(async fn a_region_tag_chooses_its_language);
async fn a_region_tag_chooses_its_language() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    let response = anna.put_json("/api/language", &json!({ "language": "en-GB" })).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "language": "en" }));
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["language"], "en");
}

both_backends!(async fn a_language_the_product_does_not_speak_is_refused_with_unsupported_language);
async fn a_language_the_product_does_not_speak_is_refused_with_unsupported_language() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    anna.put_json("/api/language", &json!({ "language": "en" })).await;

    for language in ["de", "", "english", "xx-RU"] {
        let response = anna.put_json("/api/language", &json!({ "language": language })).await;

        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{language:?}");
        assert!(lang_cookies(&response).is_empty(), "{language:?}: no cookie is set");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unsupported_language", "{language:?}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    }
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["language"], "en", "the saved choice stays");
}

both_backends!(async fn the_language_api_checks_origin_content_type_and_fields_like_every_json_api);
async fn the_language_api_checks_origin_content_type_and_fields_like_every_json_api() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let put = || anna.client.put(app.url("/api/language"));

    let foreign = put().header("origin", "http://evil.example").json(&json!({ "language": "en" })).send().await;
    let as_text = put().header("content-type", "text/plain").body(r#"{"language":"en"}"#).send().await;
    let not_an_object = put().json(&json!(["en"])).send().await;
    let no_field = put().json(&json!({ "lang": "en" })).send().await;
    let not_a_string = put().json(&json!({ "language": 5 })).send().await;

    for (what, response, status, code) in [
        ("another site", foreign, StatusCode::FORBIDDEN, "cross_origin"),
        ("text/plain", as_text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("an array", not_an_object, StatusCode::BAD_REQUEST, "bad_request"),
        ("no language field", no_field, StatusCode::BAD_REQUEST, "bad_request"),
        ("a number", not_a_string, StatusCode::BAD_REQUEST, "bad_request"),
    ] {
        let response = response.unwrap();
        assert_eq!(response.status(), status, "{what}");
        assert!(lang_cookies(&response).is_empty(), "{what}: no cookie is set");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], code, "{what}");
    }
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["language"], Value::Null, "nothing was saved");
}

both_backends!(async fn the_language_cookie_is_secure_when_session_cookies_are);
async fn the_language_cookie_is_secure_when_session_cookies_are() {
    let app = spawn_app().await;
    let client = app.client();

    let proxied = client
        .put(app.url("/api/language"))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "language": "en" }))
        .send()
        .await
        .unwrap();

    assert_eq!(lang_cookies(&proxied), ["discock_lang=en; Path=/; Max-Age=31536000; SameSite=Lax; Secure"]);
}
