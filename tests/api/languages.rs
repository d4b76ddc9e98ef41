//! The two languages: choosing one (`PUT /api/language`, the `discock_lang` cookie,
//! `Accept-Language`), saving it to the account, and which language pages, API errors, form
//! errors and WebSocket frames come in.

use discock::i18n::{t, tf, Lang};
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

/// The `lang` attribute of a page's `<html>`.
fn html_lang(page: &str) -> Option<&str> {
    let start = page.find("<html lang=\"")? + "<html lang=\"".len();
    Some(&page[start..start + page[start..].find('"')?])
}

/// A browser that has chosen `lang` with the language switch before signing in.
async fn browser_that_chose(app: &TestApp, lang: &str) -> reqwest::Client {
    let client = app.client();
    let chosen = client.put(app.url("/api/language")).json(&json!({ "language": lang })).send().await.unwrap();
    assert_eq!(chosen.status(), StatusCode::OK);
    client
}

both_backends!(async fn a_browser_asking_for_english_gets_the_english_login_page);
async fn a_browser_asking_for_english_gets_the_english_login_page() {
    let app = spawn_app().await;
    let client = app.client();

    let english = client.get(app.url("/login")).header("accept-language", "en-US,en;q=0.9,ru;q=0.8").send().await;
    let unsure = client.get(app.url("/login")).header("accept-language", "de-DE,fr;q=0.5").send().await;

    let english = english.unwrap().text().await.unwrap();
    assert_eq!(html_lang(&english), Some("en"));
    assert!(english.contains(&t(Lang::En, "login.submit")), "{english}");
    assert!(!english.contains(&t(Lang::Ru, "login.submit")), "{english}");
    let unsure = unsure.unwrap().text().await.unwrap();
    assert_eq!(html_lang(&unsure), Some("ru"), "a language the product does not speak falls back to Russian");
    assert!(unsure.contains(&t(Lang::Ru, "login.submit")));
}

both_backends!(async fn the_chosen_language_beats_the_browsers_accept_language);
async fn the_chosen_language_beats_the_browsers_accept_language() {
    let app = spawn_app().await;
    let client = browser_that_chose(&app, "ru").await;

    let page = client.get(app.url("/login")).header("accept-language", "en").send().await.unwrap();

    assert_eq!(html_lang(&page.text().await.unwrap()), Some("ru"));
}

both_backends!(async fn the_saved_language_beats_the_browsers_cookie_on_the_chat_page_and_fixes_the_cookie);
async fn the_saved_language_beats_the_browsers_cookie_on_the_chat_page_and_fixes_the_cookie() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let phone = anna.sign_in_on(&app, browser_that_chose(&app, "ru").await).await;
    anna.put_json("/api/language", &json!({ "language": "en" })).await;

    let first = phone.get("/chat").await;
    let first_cookies = lang_cookies(&first);
    let first_page = first.text().await.unwrap();
    let second = phone.get("/chat").await;

    assert_eq!(html_lang(&first_page), Some("en"), "the saved language, not the phone's cookie");
    assert_eq!(first_cookies, ["discock_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"]);
    assert!(lang_cookies(&second).is_empty(), "once the cookie agrees it is left alone");
    assert_eq!(html_lang(&second.text().await.unwrap()), Some("en"));
}

both_backends!(async fn signing_in_on_a_new_device_brings_the_saved_language_along);
async fn signing_in_on_a_new_device_brings_the_saved_language_along() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    anna.put_json("/api/language", &json!({ "language": "en" })).await;
    let laptop = app.client();
    let token = app.csrf_token(&laptop, "/login").await;

    let login = laptop
        .post(app.url("/login"))
        .form(&[("username", anna.username.as_str()), ("password", &anna.password), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();

    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(lang_cookies(&login), ["discock_lang=en; Path=/; Max-Age=31536000; SameSite=Lax"]);
    let chat = laptop.get(app.url("/chat")).send().await.unwrap().text().await.unwrap();
    assert_eq!(html_lang(&chat), Some("en"));
    let me: Value = laptop.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["language"], "en");
}

/// Registers a new account from `client`, whose register page was asked for with
/// `Accept-Language: accept`; the new account's `/api/me`.
async fn register_from(app: &TestApp, client: &reqwest::Client, accept: &str) -> Value {
    let page = client.get(app.url("/register")).header("accept-language", accept).send().await.unwrap();
    let token = csrf_in(&page.text().await.unwrap()).unwrap();
    let name = unique_name("lang");
    let form = [
        ("username", name.as_str()),
        ("password", "correct horse"),
        ("password_confirm", "correct horse"),
        ("city", "Тула"),
        ("csrf_token", &token),
    ];
    let response = client.post(app.url("/register")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(lang_cookies(&response).is_empty(), "the cookie already says what was saved");
    client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap()
}

both_backends!(async fn registering_saves_the_language_the_browser_chose_but_not_one_it_merely_prefers);
async fn registering_saves_the_language_the_browser_chose_but_not_one_it_merely_prefers() {
    let app = spawn_app().await;

    let chose_english = register_from(&app, &browser_that_chose(&app, "en").await, "ru").await;
    let prefers_english = register_from(&app, &app.client(), "en").await;

    assert_eq!(chose_english["language"], "en");
    assert_eq!(prefers_english["language"], Value::Null);
}

both_backends!(async fn an_api_error_is_in_the_saved_language_whatever_the_cookie_and_keeps_its_code);
async fn an_api_error_is_in_the_saved_language_whatever_the_cookie_and_keeps_its_code() {
    let app = spawn_app().await;
    let boris = TestUser::register(&app).await;
    let anna = TestUser::register(&app).await;
    let phone = anna.sign_in_on(&app, browser_that_chose(&app, "ru").await).await;
    anna.put_json("/api/language", &json!({ "language": "en" })).await;

    let in_english = phone.get("/api/messages/999999").await;
    let in_russian = boris.get("/api/messages/999999").await;

    assert_eq!((in_english.status(), in_russian.status()), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    let (english, russian): (Value, Value) = (in_english.json().await.unwrap(), in_russian.json().await.unwrap());
    assert_eq!(english["error"], tf(Lang::En, "error.room-not-found", &[("room", &999999)]));
    assert_eq!(russian["error"], tf(Lang::Ru, "error.room-not-found", &[("room", &999999)]));
    assert_eq!(russian["error"], "Комнаты 999999 нет", "Russian by default");
    assert_eq!((&english["code"], &russian["code"]), (&json!("not_found"), &json!("not_found")));
}

both_backends!(async fn a_form_error_is_in_the_language_the_form_was_shown_in_with_the_same_status);
async fn a_form_error_is_in_the_language_the_form_was_shown_in_with_the_same_status() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let wrong_login = |client: reqwest::Client, accept: &'static str| {
        let app = &app;
        let username = anna.username.clone();
        async move {
            let token = app.csrf_token(&client, "/login").await;
            let form = [("username", username.as_str()), ("password", "wrong password"), ("csrf_token", &token)];
            let response =
                client.post(app.url("/login")).header("accept-language", accept).form(&form).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };

    let (english_status, english) = wrong_login(app.client(), "en-GB,en;q=0.9").await;
    let (russian_status, russian) = wrong_login(app.client(), "ru-RU").await;

    assert_eq!((english_status, russian_status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert!(english.contains(&t(Lang::En, "error.login-failed")), "{english}");
    assert_eq!(html_lang(&english), Some("en"));
    assert!(russian.contains("Неверное имя пользователя или пароль"), "{russian}");
}

/// Asks to join a room that does not exist; the `error` frame that answers.
async fn join_a_missing_room(socket: &mut Socket) -> Value {
    socket.send(json!({ "type": "join_room", "room_id": 999_999 })).await;
    socket.expect("error").await
}

both_backends!(async fn error_frames_switch_to_the_language_a_set_language_frame_asks_for);
async fn error_frames_switch_to_the_language_a_set_language_frame_asks_for() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let mut socket = anna.connect(&app).await;

    let before = join_a_missing_room(&mut socket).await;
    socket.send(json!({ "type": "set_language", "language": "en" })).await;
    let after = join_a_missing_room(&mut socket).await;
    socket.send(json!({ "type": "set_language", "language": "de" })).await;
    let refused = socket.expect("error").await;

    assert_eq!(before["message"], "Комнаты 999999 нет", "Russian until asked otherwise");
    assert_eq!(after["message"], tf(Lang::En, "error.room-not-found", &[("room", &999_999)]));
    assert_eq!((&before["code"], &after["code"]), (&json!("room_not_found"), &json!("room_not_found")));
    assert_eq!(refused["code"], "unsupported_language");
    assert_eq!(refused["message"], t(Lang::En, "error.unsupported-language"), "said in the language in use");
    socket.expect_served().await;
}

both_backends!(async fn a_socket_starts_in_the_saved_language);
async fn a_socket_starts_in_the_saved_language() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    anna.put_json("/api/language", &json!({ "language": "en" })).await;
    let mut socket = anna.connect(&app).await;

    let error = join_a_missing_room(&mut socket).await;
    socket.send(json!({ "type": "send_message", "room_id": 999_999, "content": " " })).await;
    let not_joined = socket.expect("error").await;

    assert_eq!(error["message"], tf(Lang::En, "error.room-not-found", &[("room", &999_999)]));
    assert_eq!(not_joined["code"], "not_joined");
    assert_eq!(not_joined["message"], tf(Lang::En, "error.not-joined", &[("room", &999_999)]));
}

both_backends!(async fn an_unknown_address_outside_the_api_answers_a_404_page_in_the_readers_language);
async fn an_unknown_address_outside_the_api_answers_a_404_page_in_the_readers_language() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    anna.put_json("/api/language", &json!({ "language": "en" })).await;
    let visitor = app.client();

    for path in ["/settings", "/nope/deeper?x=1", "/static/js/nope.js", "/health/more"] {
        let response = visitor.get(app.url(path)).header("accept-language", "en").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let headers = response.headers().clone();
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert!(headers.contains_key("content-security-policy"), "{path}");
        let page = response.text().await.unwrap();
        assert_eq!(html_lang(&page), Some("en"), "{path}");
        assert!(page.contains(&t(Lang::En, "not-found.heading")), "{path}: {page}");
        assert!(page.contains("href=\"/login\""), "{path}: a visitor is sent to the login");
    }
    let russian = visitor.get(app.url("/settings")).send().await.unwrap().text().await.unwrap();
    assert_eq!(html_lang(&russian), Some("ru"));
    assert!(russian.contains("404 — страница не найдена"), "Russian by default: {russian}");

    let member = anna.get("/settings").await;
    assert_eq!(member.status(), StatusCode::NOT_FOUND);
    let page = member.text().await.unwrap();
    assert_eq!(html_lang(&page), Some("en"), "the saved language");
    assert!(page.contains("href=\"/chat\"") && !page.contains("href=\"/login\""), "a member goes back to the chat");
}

both_backends!(async fn an_unknown_api_address_answers_json_in_the_readers_language);
async fn an_unknown_api_address_answers_json_in_the_readers_language() {
    let app = spawn_app().await;
    let client = app.client();

    for path in ["/api/nope", "/api", "/api/rooms/1/extra"] {
        let response = client.get(app.url(path)).header("accept-language", "en").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({ "error": t(Lang::En, "error.page-not-found"), "code": "not_found" }), "{path}");
    }
}
