//! Every text a person reads in a server answer — form errors, `error` frames' `message`, JSON
//! `error` bodies, close reasons — chosen here from typed errors, in the reader's language. The
//! words live in the catalogues (`static/i18n/*.json`, keys `error.*`, `close.*`, `wait.*`);
//! this module only picks the key and fills in its arguments. Errors elsewhere carry no
//! user-facing text; API `code` values are chosen elsewhere and stay stable English identifiers.
//! Texts for developers (logs, panics) stay English and out of the catalogues.
//!
//! Keys are written out as literals, so that `tests/api/catalogues.rs` can check that each one
//! exists in both catalogues.

use std::time::Duration;

use crate::chat::ChatError;
use crate::domain::{DomainError, MessageText};
use crate::i18n::{t, tf, Lang};
use crate::protocol::ProtocolError;

/// A rule a submitted value broke.
pub fn domain_error(lang: Lang, e: DomainError) -> String {
    let key = match e {
        DomainError::UsernameLength => "error.username-length",
        DomainError::UsernameChars => "error.username-chars",
        DomainError::CityEmpty => "error.city-empty",
        DomainError::CityTooLong => "error.city-too-long",
        DomainError::CityChars => "error.city-chars",
        DomainError::RoomNameEmpty => "error.room-name-empty",
        DomainError::RoomNameTooLong => "error.room-name-too-long",
        DomainError::RoomNameChars => "error.room-name-chars",
        DomainError::DescriptionTooLong => "error.description-too-long",
        DomainError::DescriptionChars => "error.description-chars",
        DomainError::MessageEmpty => "error.message-empty",
        DomainError::MessageTooLong => {
            return tf(lang, "error.message-too-long", &[("max", &MessageText::MAX_CHARS)]);
        }
        DomainError::ClientIdInvalid => "error.client-id-invalid",
        DomainError::PasswordTooShort => "error.password-too-short",
        DomainError::PasswordTooLong => "error.password-too-long",
        DomainError::SearchEmpty => "error.search-empty",
        DomainError::AboutTooLong => {
            return tf(lang, "error.about-too-long", &[("max", &crate::domain::About::MAX_CHARS)]);
        }
        DomainError::AboutChars => "error.about-chars",
        DomainError::SearchTooLong => {
            return tf(lang, "error.search-too-long", &[("max", &crate::search::query::MAX_CHARS)]);
        }
    };
    t(lang, key)
}

/// Why the chat refused an operation.
pub fn chat_error(lang: Lang, e: &ChatError) -> String {
    match e {
        ChatError::RoomNotFound(room) => tf(lang, "error.room-not-found", &[("room", room)]),
        ChatError::NotJoined(room) => tf(lang, "error.not-joined", &[("room", room)]),
        ChatError::NotRoomCreator => t(lang, "error.not-room-creator"),
        ChatError::NotAuthor => t(lang, "error.not-author"),
        ChatError::CannotDelete => t(lang, "error.cannot-delete"),
        ChatError::CannotPin => t(lang, "error.cannot-pin"),
        ChatError::MessageNotFound(_) => t(lang, "error.message-not-found"),
        ChatError::InvalidEmoji => t(lang, "error.invalid-emoji"),
        ChatError::TooManyReactions => {
            tf(lang, "error.too-many-reactions", &[("max", &crate::store::MAX_REACTION_EMOJI)])
        }
        ChatError::BeforeWithAround => t(lang, "error.before-with-around"),
        ChatError::InvalidImage => t(lang, "error.invalid-image"),
        ChatError::UnsupportedImageType => t(lang, "error.image-type"),
        ChatError::DefaultRoomUndeletable => t(lang, "error.default-room-undeletable"),
        ChatError::RoomNameTaken => t(lang, "error.room-name-taken"),
        ChatError::NothingToChange => t(lang, "error.nothing-to-change"),
        ChatError::UserNotFound(user) => tf(lang, "error.user-not-found", &[("user", user)]),
        ChatError::DmWithSelf => t(lang, "error.dm-with-self"),
        ChatError::EmptyProfileChange => t(lang, "error.empty-profile-change"),
        ChatError::UnknownCity(id) => tf(lang, "error.unknown-city", &[("id", id)]),
        ChatError::NoCity => t(lang, "error.no-city"),
        ChatError::WrongPassword => t(lang, "error.wrong-password"),
        ChatError::BadLimit => Sentence::BadLimit.text(lang),
        ChatError::InvalidSince { since, seq } => tf(lang, "error.invalid-since", &[("since", since), ("seq", seq)]),
        ChatError::CannotBlockSelf => t(lang, "error.cannot-block-self"),
        ChatError::Blocked => t(lang, "error.blocked"),
        ChatError::NotSignedIn => Sentence::LoginRequired.text(lang),
        ChatError::AroundWithCity => t(lang, "error.around-with-city"),
        ChatError::RateLimited { retry_after } => {
            tf(lang, "error.rate-limited", &[("wait", &wait(lang, *retry_after))])
        }
        ChatError::Invalid(e) => domain_error(lang, *e),
        ChatError::Unavailable(_) | ChatError::Internal(_) => Sentence::ServerFailed.text(lang),
    }
}

/// Why a WebSocket frame could not be read.
pub fn protocol_error(lang: Lang, e: &ProtocolError) -> String {
    match e {
        ProtocolError::NotJson(detail) => tf(lang, "error.frame-not-json", &[("detail", detail)]),
        ProtocolError::NoType => t(lang, "error.frame-no-type"),
        ProtocolError::UnknownType(kind) => tf(lang, "error.frame-unknown-type", &[("type", &format!("{kind:?}"))]),
        ProtocolError::BadFields { kind, detail } => {
            tf(lang, "error.frame-bad-fields", &[("type", &format!("{kind:?}")), ("detail", detail)])
        }
        ProtocolError::Binary => t(lang, "error.frame-binary"),
    }
}

/// A sentence that takes no arguments, named by what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sentence {
    /// A storage failure behind a frame: the client may retry.
    ServerFailed,
    LoginRequired,
    CrossOrigin,
    Csrf,
    NotJsonBody,
    DatabaseDown,
    Internal,
    BadLimit,
    RoomIdNotInteger,
    BeforeNotInteger,
    AroundNotInteger,
    MessageIdNotInteger,
    UserIdNotInteger,
    CityIdNotInteger,
    CityNotFound,
    BodyNotObject,
    BadForm,
    NotAWebSocket,
    UnsupportedLanguage,
    PasswordsDiffer,
    UsernameTaken,
    LoginFailed,
    PageNotFound,
    PayloadTooLarge,
    MethodNotAllowed,
    BadRequest,
    TooManyConnections,
    /// `GET /metrics` without the right bearer token.
    BadMetricsToken,
}

impl Sentence {
    /// The sentence in `lang`.
    pub fn text(self, lang: Lang) -> String {
        let key = match self {
            Sentence::ServerFailed => "error.server-failed",
            Sentence::LoginRequired => "error.login-required",
            Sentence::CrossOrigin => "error.cross-origin",
            Sentence::Csrf => "error.csrf",
            Sentence::NotJsonBody => "error.not-json-body",
            Sentence::DatabaseDown => "error.database-down",
            Sentence::Internal => "error.internal",
            Sentence::BadLimit => "error.bad-limit",
            Sentence::RoomIdNotInteger => "error.room-id-not-integer",
            Sentence::BeforeNotInteger => "error.before-not-integer",
            Sentence::AroundNotInteger => "error.around-not-integer",
            Sentence::MessageIdNotInteger => "error.message-id-not-integer",
            Sentence::UserIdNotInteger => "error.user-id-not-integer",
            Sentence::CityIdNotInteger => "error.city-id-not-integer",
            Sentence::CityNotFound => "error.city-not-found",
            Sentence::BodyNotObject => "error.body-not-object",
            Sentence::BadForm => "error.bad-form",
            Sentence::NotAWebSocket => "error.not-a-websocket",
            Sentence::UnsupportedLanguage => "error.unsupported-language",
            Sentence::PasswordsDiffer => "error.passwords-differ",
            Sentence::UsernameTaken => "error.username-taken",
            Sentence::LoginFailed => "error.login-failed",
            Sentence::PageNotFound => "error.page-not-found",
            Sentence::PayloadTooLarge => "error.payload-too-large",
            Sentence::MethodNotAllowed => "error.method-not-allowed",
            Sentence::BadRequest => "error.bad-request",
            Sentence::TooManyConnections => "error.too-many-connections",
            Sentence::BadMetricsToken => "error.bad-metrics-token",
        };
        t(lang, key)
    }
}

/// How long to wait, for people, as the object of «через …» / "in …": «1 секунду»,
/// «3 секунды», «5 минут», «2 часа»; "1 second", "5 minutes". Whole seconds up to two minutes,
/// then whole minutes up to two hours, then hours, always rounded up.
pub fn wait(lang: Lang, d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (key, count) = match secs {
        0..=119 => ("wait.seconds", secs.max(1)),
        120..=7199 => ("wait.minutes", secs.div_ceil(60)),
        _ => ("wait.hours", secs.div_ceil(3600)),
    };
    tf(lang, key, &[("count", &count)])
}

/// Too many failed logins for this account or from this address.
pub fn login_blocked(lang: Lang, retry_after: Duration) -> String {
    tf(lang, "error.login-blocked", &[("wait", &wait(lang, retry_after))])
}

/// Too many registrations from this address.
pub fn register_blocked(lang: Lang, retry_after: Duration) -> String {
    tf(lang, "error.register-blocked", &[("wait", &wait(lang, retry_after))])
}

/// A city search's `limit` out of its range.
pub fn city_limit(lang: Lang) -> String {
    tf(lang, "error.city-limit", &[("max", &crate::cities::MAX_SEARCH_LIMIT)])
}

/// A city search's `q` that is too long.
pub fn city_query_too_long(lang: Lang) -> String {
    tf(lang, "error.city-query-too-long", &[("max", &crate::cities::MAX_QUERY_CHARS)])
}

/// A request body that is not valid JSON; `detail` is the parser's (English) words.
pub fn bad_json(lang: Lang, detail: &str) -> String {
    tf(lang, "error.bad-json", &[("detail", &detail)])
}

/// A JSON body whose fields are missing or of the wrong kind; `detail` is the parser's words.
pub fn bad_fields(lang: Lang, detail: &str) -> String {
    tf(lang, "error.bad-fields", &[("detail", &detail)])
}

/// Why the server closes a WebSocket: the reason in its close frame. RFC 6455 allows a reason
/// of at most 123 bytes of UTF-8; a test holds every language's texts to that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    TooBig,
    NotUtf8,
    Protocol,
    Idle,
    Lagged,
    ShuttingDown,
    SessionEnded,
}

impl CloseReason {
    /// The reason in `lang`.
    pub fn text(self, lang: Lang) -> String {
        let key = match self {
            CloseReason::TooBig => "close.too-big",
            CloseReason::NotUtf8 => "close.not-utf8",
            CloseReason::Protocol => "close.protocol",
            CloseReason::Idle => "close.idle",
            CloseReason::Lagged => "close.lagged",
            CloseReason::ShuttingDown => "close.shutting-down",
            CloseReason::SessionEnded => "close.session-ended",
        };
        t(lang, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::catalogue;

    #[test]
    fn every_close_reason_fits_in_a_close_frame_in_every_language() {
        for lang in Lang::ALL {
            let cat = catalogue(lang);
            let close_keys: Vec<&str> = cat.keys().filter(|k| k.starts_with("close.")).collect();
            assert!(close_keys.len() >= 7, "{lang}: {close_keys:?}");
            for key in close_keys {
                let reason = cat.text(key, &[]);
                assert!(reason.len() <= 123, "{lang} {key}: {} bytes: {reason}", reason.len());
            }
        }
        for reason in [
            CloseReason::TooBig,
            CloseReason::NotUtf8,
            CloseReason::Protocol,
            CloseReason::Idle,
            CloseReason::Lagged,
            CloseReason::ShuttingDown,
            CloseReason::SessionEnded,
        ] {
            assert!(!reason.text(Lang::Ru).starts_with("close."), "{reason:?} has its text");
        }
    }

    #[test]
    fn a_wait_is_a_correct_russian_plural() {
        let say = |secs: u64| wait(Lang::Ru, Duration::from_secs(secs));
        assert_eq!(say(0), "1 секунду");
        assert_eq!(say(1), "1 секунду");
        assert_eq!(say(3), "3 секунды");
        assert_eq!(say(5), "5 секунд");
        assert_eq!(say(11), "11 секунд");
        assert_eq!(say(21), "21 секунду");
        assert_eq!(say(22), "22 секунды");
        assert_eq!(say(119), "119 секунд");
        assert_eq!(say(120), "2 минуты");
        assert_eq!(say(61 * 60), "61 минуту");
        assert_eq!(say(25 * 60), "25 минут");
        assert_eq!(say(7200), "2 часа");
        assert_eq!(say(5 * 3600), "5 часов");
        assert_eq!(say(21 * 3600), "21 час");
        assert_eq!(wait(Lang::Ru, Duration::from_millis(2001)), "3 секунды", "rounded up");
    }

    #[test]
    fn a_wait_is_a_correct_english_plural() {
        let say = |secs: u64| wait(Lang::En, Duration::from_secs(secs));
        assert_eq!(say(1), "1 second");
        assert_eq!(say(2), "2 seconds");
        assert_eq!(say(59), "59 seconds");
        assert_eq!(say(121), "3 minutes");
        assert_eq!(say(3600), "60 minutes");
        assert_eq!(say(7200), "2 hours");
        assert_eq!(say(3 * 3600 + 1), "4 hours");
        assert_eq!(wait(Lang::En, Duration::from_millis(300)), "1 second");
    }

    #[test]
    fn a_refusal_reads_as_a_sentence_in_each_language() {
        let limited = ChatError::RateLimited { retry_after: Duration::from_secs(5) };
        assert_eq!(chat_error(Lang::Ru, &limited), "Слишком часто. Попробуйте снова через 5 секунд");
        assert_eq!(chat_error(Lang::En, &limited), "Too many requests. Try again in 5 seconds");
        let missing = ChatError::RoomNotFound(crate::domain::RoomId(7));
        assert_eq!(
            (chat_error(Lang::Ru, &missing), chat_error(Lang::En, &missing)),
            ("Комнаты 7 нет".into(), "Room 7 does not exist".into())
        );
        assert_eq!(
            domain_error(Lang::En, DomainError::MessageTooLong),
            format!("The message is longer than {} characters", MessageText::MAX_CHARS)
        );
        assert_eq!(
            protocol_error(Lang::En, &ProtocolError::UnknownType("dance".into())),
            "Unknown frame type: \"dance\""
        );
        assert_eq!(
            login_blocked(Lang::Ru, Duration::from_secs(60)),
            "Слишком много неудачных попыток входа. Попробуйте снова через 60 секунд"
        );
    }
}
