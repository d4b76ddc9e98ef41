//! Avatars: uploading a picture (any of the four formats, judged by its bytes), the hostile
//! uploads refused, the served squares (sizes, no metadata, cached for good, 304), versioned
//! addresses, removing, and the address reaching everyone: in messages, `/api/me` and the
//! `user_updated` frame.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

// ---- pictures made here -------------------------------------------------------------------

/// A colourful RGB picture, `width` × `height`, encoded in `format`.
fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| Rgb([(x * 7) as u8, (y * 3) as u8, 120]));
    let picture = match format {
        // The GIF and WebP encoders take RGBA.
        ImageFormat::Gif | ImageFormat::WebP => DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(pixels).into_rgba8()),
        _ => DynamicImage::ImageRgb8(pixels),
    };
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// An animated GIF whose first frame is red and second blue.
fn red_then_blue_gif() -> Vec<u8> {
    use image::codecs::gif::GifEncoder;
    use image::Frame;
    let frame = |colour: [u8; 4]| Frame::new(RgbaImage::from_pixel(40, 40, Rgba(colour)));
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        encoder.encode_frames([frame([255, 0, 0, 255]), frame([0, 0, 255, 255])]).unwrap();
    }
    out
}

/// Text that marks where the EXIF segment's content would survive.
const SECRET: &[u8] = b"GPS 55.7558N 37.6173E secret-location";

/// A JPEG carrying an EXIF APP1 segment (right after SOI, where cameras put it).
fn jpeg_with_exif() -> Vec<u8> {
    let plain = picture(120, 90, ImageFormat::Jpeg);
    assert_eq!(&plain[..2], [0xFF, 0xD8], "a JPEG starts with SOI");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(SECRET);
    let length = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1, length[0], length[1]];
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

/// CRC-32 as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    chunk
}

/// A small, well-formed PNG file whose header claims 100000 × 100000 RGBA pixels (40 GB
/// decoded): a decompression bomb.
fn png_bomb() -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &header));
    // A zlib stream of zeros: what a bomb's IDAT holds, a few bytes that inflate to gigabytes.
    png.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0xED, 0xC1, 0x01, 0x0D, 0x00, 0x00, 0x00, 0xC2]));
    png.extend(png_chunk(b"IEND", &[]));
    png
}

// ---- talking to the server -----------------------------------------------------------------

async fn upload(user: &TestUser, app: &TestApp, content_type: &str, bytes: Vec<u8>) -> reqwest::Response {
    user.client.put(app.url("/api/me/avatar")).header("content-type", content_type).body(bytes).send().await.unwrap()
}

/// Uploads a picture that must be accepted; returns its `avatar_url`.
async fn upload_ok(user: &TestUser, app: &TestApp, content_type: &str, bytes: Vec<u8>) -> String {
    let response = upload(user, app, content_type, bytes).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["avatar_url"].as_str().expect("an avatar_url").to_owned()
}

/// Fetches one size of a served avatar; asserts 200 and returns the bytes.
async fn served(app: &TestApp, url: &str, size: u32) -> Vec<u8> {
    let response = app.client().get(app.url(&format!("{url}?size={size}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {url}?size={size}");
    assert_eq!(response.headers()["content-type"], "image/png");
    response.bytes().await.unwrap().to_vec()
}

async fn assert_refused(response: reqwest::Response, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
}

// ---- tests ---------------------------------------------------------------------------------

both_backends!(async fn a_picture_of_each_format_is_served_as_256_and_64_pixel_squares);
async fn a_picture_of_each_format_is_served_as_256_and_64_pixel_squares() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    for (content_type, format) in [
        ("image/png", ImageFormat::Png),
        ("image/jpeg", ImageFormat::Jpeg),
        ("image/webp", ImageFormat::WebP),
        ("image/gif", ImageFormat::Gif),
    ] {
        let url = upload_ok(&anna, &app, content_type, picture(300, 120, format)).await;

        assert!(url.starts_with(&format!("/avatars/{}/", anna.id)), "{url}");
        for size in [256, 64] {
            let back = image::load_from_memory_with_format(&served(&app, &url, size).await, ImageFormat::Png).unwrap();
            assert_eq!((back.width(), back.height()), (size, size), "{content_type} at {size}");
        }
    }
}

both_backends!(async fn the_format_is_read_from_the_bytes_not_from_the_declared_type);
async fn the_format_is_read_from_the_bytes_not_from_the_declared_type() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    let url = upload_ok(&anna, &app, "image/jpeg", picture(50, 50, ImageFormat::Png)).await;

    served(&app, &url, 64).await;
}

both_backends!(async fn an_animated_gif_gives_its_first_frame);
async fn an_animated_gif_gives_its_first_frame() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    let url = upload_ok(&anna, &app, "image/gif", red_then_blue_gif()).await;

    let back = image::load_from_memory(&served(&app, &url, 64).await).unwrap().into_rgb8();
    let Rgb([r, g, b]) = *back.get_pixel(32, 32);
    assert!(r > 200 && g < 40 && b < 40, "the first (red) frame, got {:?}", (r, g, b));
}

both_backends!(async fn hostile_or_broken_uploads_are_refused_as_invalid_image_and_change_nothing);
async fn hostile_or_broken_uploads_are_refused_as_invalid_image_and_change_nothing() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let whole = picture(80, 80, ImageFormat::Png);

    for (what, bytes) in [
        ("a truncated PNG", whole[..whole.len() / 2].to_vec()),
        ("a decompression bomb", png_bomb()),
        // Well-formed and tiny, but wider than the 8192 pixels decoded at most.
        ("a picture 9000 pixels wide", picture(9000, 1, ImageFormat::Png)),
        ("text labelled as PNG", b"<svg onload=alert(1)>definitely a picture</svg>".to_vec()),
        ("an empty body", Vec::new()),
    ] {
        let response = upload(&anna, &app, "image/png", bytes).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert_refused(response, StatusCode::BAD_REQUEST, "invalid_image").await;
    }

    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["avatar_url"], Value::Null);
}

both_backends!(async fn a_body_over_5_mb_gets_413_and_a_type_other_than_the_four_415);
async fn a_body_over_5_mb_gets_413_and_a_type_other_than_the_four_415() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;

    let too_big = upload(&anna, &app, "image/png", vec![0u8; 5 * 1024 * 1024 + 1]).await;
    assert_refused(too_big, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    for content_type in ["image/svg+xml", "application/octet-stream", "text/plain"] {
        let response = upload(&anna, &app, content_type, picture(20, 20, ImageFormat::Png)).await;
        assert_refused(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
    let unlabelled = anna.client.put(app.url("/api/me/avatar")).body(picture(20, 20, ImageFormat::Png)).send().await;
    assert_refused(unlabelled.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
}

both_backends!(async fn exif_and_other_metadata_do_not_survive_the_upload);
async fn exif_and_other_metadata_do_not_survive_the_upload() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let upload_bytes = jpeg_with_exif();
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(contains(&upload_bytes, SECRET) && image::load_from_memory(&upload_bytes).is_ok());

    let url = upload_ok(&anna, &app, "image/jpeg", upload_bytes).await;

    for size in [64, 256] {
        let bytes = served(&app, &url, size).await;
        assert!(!contains(&bytes, SECRET), "the EXIF content is gone at {size}");
        assert!(!contains(&bytes, b"Exif") && !contains(&bytes, b"eXIf"), "no EXIF segment or chunk at {size}");
    }
}

both_backends!(async fn a_served_avatar_is_cached_for_good_and_revalidates_with_304);
async fn a_served_avatar_is_cached_for_good_and_revalidates_with_304() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let url = upload_ok(&anna, &app, "image/png", picture(64, 64, ImageFormat::Png)).await;
    let stranger = app.client();

    let first = stranger.get(app.url(&format!("{url}?size=64"))).send().await.unwrap();

    assert_eq!(first.status(), StatusCode::OK, "readable without signing in");
    assert_eq!(first.headers()["cache-control"], "public, max-age=31536000, immutable");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = stranger.get(app.url(&format!("{url}?size=64"))).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    let other_size = stranger.get(app.url(&format!("{url}?size=256"))).header("if-none-match", &etag).send().await;
    assert_eq!(other_size.unwrap().status(), StatusCode::OK, "each size has its own ETag");
    let head = stranger.head(app.url(&format!("{url}?size=64"))).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK, "HEAD answers like GET");
    assert_eq!(head.headers()["etag"], etag.as_str());
    assert_eq!(head.headers()["content-length"], served(&app, &url, 64).await.len().to_string().as_str());
    let odd_size = stranger.get(app.url(&format!("{url}?size=100"))).send().await.unwrap();
    assert_eq!(odd_size.status(), StatusCode::NOT_FOUND);
}

both_backends!(async fn a_new_upload_gets_a_new_address_the_old_one_404s_and_removing_works);
async fn a_new_upload_gets_a_new_address_the_old_one_404s_and_removing_works() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let first = upload_ok(&anna, &app, "image/png", picture(64, 64, ImageFormat::Png)).await;

    let second = upload_ok(&anna, &app, "image/png", picture(70, 70, ImageFormat::Png)).await;

    assert_ne!(first, second);
    let old = app.client().get(app.url(&format!("{first}?size=64"))).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
    served(&app, &second, 64).await;
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["avatar_url"], second.as_str());

    let removed = anna.delete("/api/me/avatar").await;

    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let gone = app.client().get(app.url(&format!("{second}?size=64"))).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["avatar_url"], Value::Null);
    assert_eq!(anna.delete("/api/me/avatar").await.status(), StatusCode::NO_CONTENT, "removing none is fine");
    let unknown = app.client().get(app.url("/avatars/999999/1?size=64")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

both_backends!(async fn the_avatar_reaches_everyone_in_user_updated_messages_and_member_lists);
async fn the_avatar_reaches_everyone_in_user_updated_messages_and_member_lists() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    let room = app.default_room(&anna).await;
    // Anna's socket opens before her upload: what it sends afterwards must show the new picture.
    let mut anna_ws = anna.connect(&app).await;
    anna_ws.join(room).await;
    let mut boris_ws = boris.connect(&app).await;
    boris_ws.join(room).await;

    let url = upload_ok(&anna, &app, "image/png", picture(64, 64, ImageFormat::Png)).await;

    let updated = boris_ws.wait_for("user_updated").await;
    assert_eq!(updated["user"]["id"], anna.id);
    assert_eq!(updated["user"]["username"], anna.username.as_str());
    assert_eq!(updated["user"]["avatar_url"], url.as_str());
    assert_eq!(anna_ws.wait_for("user_updated").await["user"]["avatar_url"], url.as_str(), "her own tabs too");
    let message = anna_ws.say(room, "новая аватарка").await;
    assert_eq!(message["user"]["avatar_url"], url.as_str());
    let heard = boris_ws.wait_for("new_message").await;
    assert_eq!(heard["message"]["user"]["avatar_url"], url.as_str());
    let history: Vec<Value> = boris.get(&format!("/api/messages/{room}")).await.json().await.unwrap();
    assert_eq!(history.last().unwrap()["user"]["avatar_url"], url.as_str());
    let mut carl_ws = TestUser::register(&app).await.connect(&app).await;
    let members = carl_ws.join(room).await;
    let listed = members["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).cloned().unwrap();
    assert_eq!(listed["avatar_url"], url.as_str());
    assert_eq!(boris.get("/api/me").await.json::<Value>().await.unwrap()["avatar_url"], Value::Null);

    assert_eq!(anna.delete("/api/me/avatar").await.status(), StatusCode::NO_CONTENT);

    let updated = boris_ws.wait_for("user_updated").await;
    assert_eq!(updated["user"]["id"], anna.id);
    assert_eq!(updated["user"]["avatar_url"], Value::Null);
}

both_backends!(async fn uploads_beyond_the_rate_limit_get_429_with_retry_after);
async fn uploads_beyond_the_rate_limit_get_429_with_retry_after() {
    let app = spawn_app_with_env(&[("RATE_LIMIT_AVATARS", "2/3600")]).await;
    let anna = TestUser::register(&app).await;
    let boris = TestUser::register(&app).await;
    upload_ok(&anna, &app, "image/png", picture(20, 20, ImageFormat::Png)).await;
    // A refused picture counts too: decoding it cost as much.
    upload(&anna, &app, "image/png", b"not a picture".to_vec()).await;

    let third = upload(&anna, &app, "image/png", picture(20, 20, ImageFormat::Png)).await;

    assert!(third.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_refused(third, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    upload_ok(&boris, &app, "image/png", picture(20, 20, ImageFormat::Png)).await;
}

both_backends!(async fn avatar_writes_need_a_session_and_a_same_site_origin);
async fn avatar_writes_need_a_session_and_a_same_site_origin() {
    let app = spawn_app().await;
    let anna = TestUser::register(&app).await;
    let png = || picture(20, 20, ImageFormat::Png);

    let signed_out = app.client().put(app.url("/api/me/avatar")).header("content-type", "image/png").body(png());
    assert_refused(signed_out.send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;
    let foreign = anna
        .client
        .put(app.url("/api/me/avatar"))
        .header("content-type", "image/png")
        .header("origin", "https://evil.example")
        .body(png());
    assert_refused(foreign.send().await.unwrap(), StatusCode::FORBIDDEN, "cross_origin").await;
    let foreign_delete = anna.client.delete(app.url("/api/me/avatar")).header("origin", "https://evil.example");
    assert_refused(foreign_delete.send().await.unwrap(), StatusCode::FORBIDDEN, "cross_origin").await;
    let me: Value = anna.get("/api/me").await.json().await.unwrap();
    assert_eq!(me["avatar_url"], Value::Null);
}

#[tokio::test]
async fn an_avatar_uploaded_on_one_instance_reaches_the_other_and_is_served_there() {
    Backend::Postgres
        .run(async {
            let Some((a, b)) = crate::instances::two_instances().await else { return };
            let anna = TestUser::register(&a).await;
            let boris = TestUser::register(&b).await;
            let room = a.default_room(&anna).await;
            let mut on_a = anna.connect(&a).await;
            on_a.join(room).await;
            let mut on_b = boris.connect(&b).await;
            on_b.join(room).await;

            let url = upload_ok(&anna, &a, "image/png", picture(64, 64, ImageFormat::Png)).await;

            let updated = on_b.wait_for("user_updated").await;
            assert_eq!(
                (updated["user"]["id"].as_i64(), updated["user"]["avatar_url"].as_str()),
                (Some(anna.id), Some(url.as_str()))
            );
            served(&b, &url, 64).await;
            // Anna joined before her upload: B's member list, read from the shared presence, shows
            // her as she is now.
            let mut carl_on_b = TestUser::register(&b).await.connect(&b).await;
            let members = carl_on_b.join(room).await;
            let listed = members["users"].as_array().unwrap().iter().find(|u| u["id"] == anna.id).cloned().unwrap();
            assert_eq!(listed["avatar_url"], url.as_str());
            on_a.say(room, "с новой аватаркой").await;
            let heard = on_b.wait_for("new_message").await;
            assert_eq!(heard["message"]["user"]["avatar_url"], url.as_str());
        })
        .await;
}
