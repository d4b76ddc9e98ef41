//! Accounts: registration with a city, login, logout, sessions, CSRF and origin checks, and
//! the pages that depend on them.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

fn valid_fields<'a>(username: &'a str, city: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("username", username), ("password", "password123"), ("password_confirm", "password123"), ("city", city)]
}

both_backends!(async fn registering_with_a_city_logs_the_user_in_and_sends_them_to_the_chat);
async fn registering_with_a_city_logs_the_user_in_and_sends_them_to_the_chat() {
    let app = spawn_app().await;
    let client = app.client();
    let name = unique_name("ivan");

    let response = app.post_register(&client, &valid_fields(&name, "  Екатеринбург ")).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/chat");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("discock_session="))
        .expect("a session cookie");
    let token = cookie_value(&response, "discock_session").unwrap();
    assert_eq!(token.len(), 64, "256-bit token, hex");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP gets no Secure flag");
    let me: Value = client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], name.as_str());
    assert_eq!(me["city"], "Екатеринбург");
    assert!(me["id"].is_i64());
}

both_backends!(async fn the_session_cookie_is_secure_when_the_request_came_over_https);
async fn the_session_cookie_is_secure_when_the_request_came_over_https() {
    let app = spawn_app().await;
    let client = app.client();
    let token = app.csrf_token(&client, "/register").await;
    let name = unique_name("sec");
    let mut form = valid_fields(&name, "Тула");
    form.push(("csrf_token", &token));

    let response =
        client.post(app.url("/register")).header("x-forwarded-proto", "https").form(&form).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

both_backends!(async fn invalid_registrations_are_refused_with_the_form_kept_and_the_error_shown);
async fn invalid_registrations_are_refused_with_the_form_kept_and_the_error_shown() {
    let app = spawn_app().await;
    let long_password = "я".repeat(37); // 74 bytes
    let long_city = "г".repeat(65);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("short username", valid_fields("ab", "Омск")),
        ("bad characters", valid_fields("ivan petrov", "Омск")),
        ("empty city", valid_fields("ivan_ok", "   ")),
        ("long city", valid_fields("ivan_ok", &long_city)),
        (
            "short password",
            vec![("username", "ivan_ok"), ("password", "short"), ("password_confirm", "short"), ("city", "Омск")],
        ),
        (
            "password over 72 bytes",
            vec![
                ("username", "ivan_ok"),
                ("password", &long_password),
                ("password_confirm", &long_password),
                ("city", "Омск"),
            ],
        ),
        (
            "passwords differ",
            vec![
                ("username", "ivan_ok"),
                ("password", "password123"),
                ("password_confirm", "password124"),
                ("city", "Омск"),
            ],
        ),
    ];
    for (case, fields) in cases {
        let client = app.client();
        let response = app.post_register(&client, &fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        assert!(cookie_value(&response, "discock_session").is_none(), "{case}: no session");
        let html = response.text().await.unwrap();
        assert!(html.contains("role=\"alert\""), "{case}: the error is shown");
        assert!(csrf_in(&html).is_some(), "{case}: the form is rendered again");
        let typed = fields.iter().find(|(k, _)| *k == "username").unwrap().1;
        assert!(html.contains(&format!("value=\"{typed}\"")), "{case}: the username is kept");
    }
}

both_backends!(async fn a_taken_username_is_refused_regardless_of_case);
async fn a_taken_username_is_refused_regardless_of_case() {
    let app = spawn_app().await;
    let first = app.post_register(&app.client(), &valid_fields("Иван_Грозный", "Москва")).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);

    let second = app.post_register(&app.client(), &valid_fields("иван_грозный", "Тверь")).await;

    assert_eq!(second.status(), StatusCode::CONFLICT);
    let html = second.text().await.unwrap();
    assert!(html.contains("уже занято"));
    assert!(html.contains("Тверь"), "the typed city is kept");
}

both_backends!(async fn a_form_post_with_a_missing_or_wrong_csrf_token_is_forbidden);
async fn a_form_post_with_a_missing_or_wrong_csrf_token_is_forbidden() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let client = app.client();
    app.csrf_token(&client, "/register").await; // sets the seed cookie
    let name = unique_name("csrf");
    let mut fields = valid_fields(&name, "Омск");

    let missing = client.post(app.url("/register")).form(&fields).send().await.unwrap();
    fields.push(("csrf_token", "00ff"));
    let wrong = client.post(app.url("/register")).form(&fields).send().await.unwrap();
    let login = client
        .post(app.url("/login"))
        .form(&[("username", user.username.as_str()), ("password", &user.password), ("csrf_token", "bad")])
        .send()
        .await
        .unwrap();
    let logout = user.client.post(app.url("/logout")).form(&[("csrf_token", "bad")]).send().await.unwrap();

    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(user.get("/api/me").await.status(), StatusCode::OK, "the session survived the forged logout");
}

both_backends!(async fn a_form_post_from_another_site_is_forbidden_even_with_a_valid_token);
async fn a_form_post_from_another_site_is_forbidden_even_with_a_valid_token() {
    let app = spawn_app().await;
    let client = app.client();
    let token = app.csrf_token(&client, "/register").await;
    let name = unique_name("evil");
    let mut fields = valid_fields(&name, "Омск");
    fields.push(("csrf_token", &token));

    let response =
        client.post(app.url("/register")).header("origin", "http://evil.example").form(&fields).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "cross_origin");
}

both_backends!(async fn logging_in_starts_a_new_session_every_time);
async fn logging_in_starts_a_new_session_every_time() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let client = app.client();
    let token = app.csrf_token(&client, "/login").await;

    let response = client
        .post(app.url("/login"))
        .header("origin", app.origin())
        .form(&[
            ("username", user.username.to_uppercase().as_str()),
            ("password", &user.password),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/chat");
    let session = cookie_value(&response, "discock_session").unwrap();
    assert_ne!(session, user.session, "a fresh token, not the old one");
    let me: Value = client.get(app.url("/api/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["id"], user.id);
}

both_backends!(async fn login_failures_give_one_generic_answer_whether_or_not_the_user_exists);
async fn login_failures_give_one_generic_answer_whether_or_not_the_user_exists() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let mut answers = Vec::new();
    for (username, password) in [(user.username.as_str(), "wrong password"), ("nobody_here", "whatever123")] {
        let client = app.client();
        let token = app.csrf_token(&client, "/login").await;
        let response = client
            .post(app.url("/login"))
            .form(&[("username", username), ("password", password), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(cookie_value(&response, "discock_session").is_none());
        let html = response.text().await.unwrap();
        let alert_start = html.find("role=\"alert\"").expect("an error is shown");
        answers.push(html[alert_start..alert_start + 200.min(html.len() - alert_start)].to_owned());
    }
    assert_eq!(answers[0], answers[1], "the same error either way");
}

both_backends!(async fn logging_out_deletes_the_session_on_the_server);
async fn logging_out_deletes_the_session_on_the_server() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let token = app.csrf_token(&user.client, "/chat").await;

    let response = user.client.post(app.url("/logout")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
    // Replaying the old cookie from a fresh client must not work either.
    let replay = app
        .client()
        .get(app.url("/api/me"))
        .header("cookie", format!("discock_session={}", user.session))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
}

both_backends!(async fn the_api_answers_401_json_without_a_session);
async fn the_api_answers_401_json_without_a_session() {
    let app = spawn_app().await;
    let client = app.client();
    for path in ["/api/me", "/api/rooms", "/api/messages/1"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized", "{path}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{path}");
    }
}

both_backends!(async fn the_front_page_sends_visitors_to_login_and_members_to_the_chat);
async fn the_front_page_sends_visitors_to_login_and_members_to_the_chat() {
    let app = spawn_app().await;
    let anonymous = app.client().get(app.url("/")).send().await.unwrap();
    let chat_anonymous = app.client().get(app.url("/chat")).send().await.unwrap();
    let user = TestUser::register(&app).await;
    let member = user.get("/").await;

    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/login");
    assert_eq!(chat_anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(chat_anonymous.headers()["location"], "/login");
    assert_eq!(member.status(), StatusCode::SEE_OTHER);
    assert_eq!(member.headers()["location"], "/chat");
}

both_backends!(async fn the_chat_page_opens_the_requested_room_or_else_the_default_one);
async fn the_chat_page_opens_the_requested_room_or_else_the_default_one() {
    let app = spawn_app().await;
    let user = TestUser::register(&app).await;
    let default_room = app.default_room(&user).await;
    let room = user.create_room("флудилка").await["id"].as_i64().unwrap();

    let chosen = user.get(&format!("/chat?room={room}")).await.text().await.unwrap();
    let plain = user.get("/chat").await.text().await.unwrap();
    let unknown = user.get("/chat?room=99999").await.text().await.unwrap();

    assert!(chosen.contains(&format!("data-room-id=\"{room}\"")));
    assert!(plain.contains(&format!("data-room-id=\"{default_room}\"")));
    assert!(unknown.contains(&format!("data-room-id=\"{default_room}\"")));
    assert!(csrf_in(&plain).is_some(), "the logout form carries a CSRF token");
}

both_backends!(async fn user_data_is_escaped_in_pages);
async fn user_data_is_escaped_in_pages() {
    let app = spawn_app().await;
    let user = TestUser::register_in(&app, "<script>alert(1)</script>").await;

    let html = user.get("/chat").await.text().await.unwrap();

    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
}

both_backends!(async fn pages_carry_a_strict_content_security_policy);
async fn pages_carry_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let response = app.client().get(app.url("/login")).send().await.unwrap();
    let csp = response.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
}

both_backends!(async fn static_files_are_served_with_their_types_and_revalidated_by_etag);
async fn static_files_are_served_with_their_types_and_revalidated_by_etag() {
    let app = spawn_app().await;
    let client = app.client();
    let js = client.get(app.url("/static/js/chat.js")).send().await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.headers()["content-type"].to_str().unwrap().contains("javascript"));
    let etag = js.headers()["etag"].clone();

    let again = client.get(app.url("/static/js/chat.js")).header("if-none-match", etag).send().await.unwrap();
    let missing = client.get(app.url("/static/js/nope.js")).send().await.unwrap();

    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

both_backends!(async fn the_vendored_emoji_data_is_served_as_json_and_revalidated_by_etag);
async fn the_vendored_emoji_data_is_served_as_json_and_revalidated_by_etag() {
    let app = spawn_app().await;
    let client = app.client();
    for lang in ["ru", "en"] {
        let url = app.url(&format!("/static/vendor/emojibase/{lang}/compact.json"));
        let data = client.get(url.clone()).send().await.unwrap();
        assert_eq!(data.status(), StatusCode::OK);
        assert_eq!(data.headers()["content-type"], "application/json");
        let etag = data.headers()["etag"].clone();
        let emoji: Vec<Value> = data.json().await.unwrap();
        assert!(emoji.len() > 1800, "{lang}: {} emoji", emoji.len());

        let again = client.get(url).header("if-none-match", etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
}

both_backends!(async fn cookie_secure_true_marks_cookies_secure_even_over_plain_http);
async fn cookie_secure_true_marks_cookies_secure_even_over_plain_http() {
    let app = spawn_app_with_env(&[("COOKIE_SECURE", "true")]).await;
    let client = app.client();
    let token = app.csrf_token(&client, "/register").await;
    let name = unique_name("always");
    let mut form = valid_fields(&name, "Тула");
    form.push(("csrf_token", &token));

    let response = client.post(app.url("/register")).form(&form).send().await.unwrap();

    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
