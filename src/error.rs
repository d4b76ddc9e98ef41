//! `AppError`: every way a request can fail, mapped to an HTTP status and a JSON body
//! `{"error": "...", "code": "..."}` in exactly one place ([`AppError::into_answer`], in the
//! reader's language); [`Unmatched`], why no route took a request; and the rejection for
//! oversized bodies. Which language to answer in is decided by the caller (`crate::routes`).

use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use crate::auth::AuthError;
use crate::chat::ChatError;
use crate::cities::CityId;
use crate::domain::DomainError;
use crate::i18n::Lang;
use crate::store::StoreError;
use crate::texts::{self, Sentence};

/// A failed request. Client errors carry what the user can act on; server errors are logged
/// with their cause and answered with a generic sentence. The texts come from `crate::texts`,
/// in the language the answer is given in.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    /// `GET /metrics` without `Authorization: Bearer <METRICS_TOKEN>`, or with another token.
    #[error("metrics bearer token missing or wrong")]
    BadMetricsToken,
    #[error("cross-origin request")]
    CrossOrigin,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("bad request: {0:?}")]
    BadRequest(BadRequest),
    #[error("body is not application/json")]
    UnsupportedMediaType,
    /// The user has as many open sockets as allowed.
    #[error("too many open sockets")]
    TooManyConnections,
    #[error(transparent)]
    Chat(#[from] ChatError),
    /// No canonical city has this id (`GET /api/cities/{id}`).
    #[error("no city {0}")]
    CityNotFound(CityId),
    #[error("database unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What was wrong with the request itself (not with what it asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRequest {
    /// The body is not JSON; the parser's words.
    Json(String),
    /// The body is JSON but not an object.
    NotAnObject,
    /// The object's fields are missing or of the wrong kind; the parser's words.
    Fields(String),
    RoomIdNotInteger,
    BeforeNotInteger,
    AroundNotInteger,
    MessageIdNotInteger,
    /// A user id in the path that is not an integer (`/api/users/{id}`, `/api/blocks/{user_id}`).
    UserIdNotInteger,
    LimitNotInteger,
    Form,
    NotAWebSocket,
    /// A language the product does not speak (`PUT /api/language`).
    UnsupportedLanguage,
    /// A city id in the path that is not an integer (`/api/cities/{id}`).
    CityIdNotInteger,
    /// A city search's `limit` that is not a whole number within 1..=50.
    CityLimit,
    /// A city search's `q` longer than [`crate::cities::MAX_QUERY_CHARS`].
    CityQueryTooLong,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized | AppError::BadMetricsToken => StatusCode::UNAUTHORIZED,
            AppError::CrossOrigin | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyConnections => StatusCode::TOO_MANY_REQUESTS,
            AppError::CityNotFound(_) => StatusCode::NOT_FOUND,
            AppError::Chat(e) => match e {
                ChatError::RoomNotFound(_) | ChatError::MessageNotFound(_) | ChatError::UserNotFound(_) => {
                    StatusCode::NOT_FOUND
                }
                ChatError::NotJoined(_)
                | ChatError::Blocked
                | ChatError::WrongPassword
                | ChatError::NotRoomCreator
                | ChatError::NotAuthor
                | ChatError::CannotDelete
                | ChatError::CannotPin => StatusCode::FORBIDDEN,
                ChatError::DefaultRoomUndeletable | ChatError::RoomNameTaken | ChatError::TooManyReactions => {
                    StatusCode::CONFLICT
                }
                ChatError::NothingToChange
                | ChatError::DmWithSelf
                | ChatError::EmptyProfileChange
                | ChatError::UnknownCity(_)
                | ChatError::NoCity
                | ChatError::InvalidEmoji
                | ChatError::BeforeWithAround
                | ChatError::BadLimit
                | ChatError::CannotBlockSelf
                | ChatError::InvalidSince { .. }
                | ChatError::InvalidImage
                | ChatError::AroundWithCity
                | ChatError::Invalid(_) => StatusCode::BAD_REQUEST,
                ChatError::UnsupportedImageType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ChatError::NotSignedIn => StatusCode::UNAUTHORIZED,
                ChatError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                ChatError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                ChatError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code for the JSON body.
    pub fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::UNAUTHORIZED => match self {
                AppError::BadMetricsToken => "bad_metrics_token",
                _ => "unauthorized",
            },
            StatusCode::FORBIDDEN => match self {
                AppError::CrossOrigin => "cross_origin",
                AppError::Csrf => "csrf",
                AppError::Chat(ChatError::Blocked) => "blocked",
                AppError::Chat(ChatError::WrongPassword) => "wrong_password",
                _ => "forbidden",
            },
            StatusCode::NOT_FOUND => match self {
                AppError::Chat(ChatError::MessageNotFound(_)) => "message_not_found",
                _ => "not_found",
            },
            StatusCode::CONFLICT => "conflict",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            StatusCode::INTERNAL_SERVER_ERROR => "internal",
            _ => match self {
                AppError::BadRequest(BadRequest::UnsupportedLanguage) => "unsupported_language",
                AppError::Chat(ChatError::InvalidEmoji) => "invalid_emoji",
                AppError::Chat(ChatError::InvalidImage) => "invalid_image",
                AppError::Chat(ChatError::UnknownCity(_)) => "unknown_city",
                AppError::Chat(ChatError::NoCity) => "no_city",
                _ => "bad_request",
            },
        }
    }

    /// What the person reads, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let sentence = match self {
            AppError::Unauthorized => Sentence::LoginRequired,
            AppError::BadMetricsToken => Sentence::BadMetricsToken,
            AppError::CrossOrigin => Sentence::CrossOrigin,
            AppError::Csrf => Sentence::Csrf,
            AppError::UnsupportedMediaType => Sentence::NotJsonBody,
            AppError::TooManyConnections => Sentence::TooManyConnections,
            AppError::BadRequest(bad) => match bad {
                BadRequest::Json(detail) => return texts::bad_json(lang, detail),
                BadRequest::NotAnObject => Sentence::BodyNotObject,
                BadRequest::Fields(detail) => return texts::bad_fields(lang, detail),
                BadRequest::RoomIdNotInteger => Sentence::RoomIdNotInteger,
                BadRequest::BeforeNotInteger => Sentence::BeforeNotInteger,
                BadRequest::AroundNotInteger => Sentence::AroundNotInteger,
                BadRequest::MessageIdNotInteger => Sentence::MessageIdNotInteger,
                BadRequest::UserIdNotInteger => Sentence::UserIdNotInteger,
                BadRequest::LimitNotInteger => Sentence::BadLimit,
                BadRequest::Form => Sentence::BadForm,
                BadRequest::NotAWebSocket => Sentence::NotAWebSocket,
                BadRequest::UnsupportedLanguage => Sentence::UnsupportedLanguage,
                BadRequest::CityIdNotInteger => Sentence::CityIdNotInteger,
                BadRequest::CityLimit => return texts::city_limit(lang),
                BadRequest::CityQueryTooLong => return texts::city_query_too_long(lang),
            },
            AppError::CityNotFound(_) => Sentence::CityNotFound,
            AppError::Chat(ChatError::Unavailable(_)) | AppError::Unavailable(_) => Sentence::DatabaseDown,
            AppError::Chat(ChatError::Internal(_)) | AppError::Internal(_) => Sentence::Internal,
            AppError::Chat(e) => return texts::chat_error(lang, e),
        };
        sentence.text(lang)
    }

    /// Whether the saved language of the user behind the request is worth looking up to answer
    /// this error: not when nobody is signed in, nor when storage is failing — the lookup would
    /// only fail too, after making the answer wait for it.
    pub fn speaks_to_a_user(&self) -> bool {
        !matches!(
            self,
            AppError::Unauthorized
                | AppError::BadMetricsToken
                | AppError::Unavailable(_)
                | AppError::Internal(_)
                | AppError::Chat(ChatError::Unavailable(_) | ChatError::Internal(_) | ChatError::NotSignedIn)
        )
    }

    /// When a refused request may be tried again (the `Retry-After` of a 429).
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            AppError::Chat(ChatError::RateLimited { retry_after }) => Some(*retry_after),
            // A slot frees when one of the user's sockets closes; a few seconds is a fair guess.
            AppError::TooManyConnections => Some(std::time::Duration::from_secs(5)),
            _ => None,
        }
    }

    /// Logs server-side failures with their cause chain; client errors are not worth a log line.
    pub fn log(&self) {
        match self {
            AppError::Unavailable(e) | AppError::Chat(ChatError::Unavailable(e)) => {
                tracing::warn!(error = %error_chain(e), "request failed: database unavailable")
            }
            AppError::Chat(ChatError::Internal(e)) => tracing::error!(error = %error_chain(e), "request failed"),
            AppError::Internal(e) => tracing::error!(error = %error_chain(e.as_ref()), "request failed"),
            _ => {}
        }
    }

    /// Wraps any unexpected failure.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Box::new(e))
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// A `Retry-After` value: whole seconds, rounded up, at least 1.
pub fn retry_after_header(wait: std::time::Duration) -> warp::http::HeaderValue {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    warp::http::HeaderValue::from(secs)
}

/// JSON body of every error answer.
pub fn json_error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = warp::reply::json(&serde_json::json!({ "error": message, "code": code }));
    warp::reply::with_status(body, status).into_response()
}

impl AppError {
    /// The HTTP answer, its text in `lang`: status, JSON body, `Retry-After`. Logs server-side
    /// failures. The one place an application error becomes HTTP.
    pub fn into_answer(self, lang: Lang) -> Response {
        self.log();
        let mut response = json_error(self.status(), &self.message(lang), self.code());
        if let Some(wait) = self.retry_after() {
            response.headers_mut().insert(warp::http::header::RETRY_AFTER, retry_after_header(wait));
        }
        if let AppError::BadMetricsToken = self {
            // RFC 6750: how to authenticate, for a client (Prometheus) that did not.
            let bearer = warp::http::HeaderValue::from_static("Bearer");
            response.headers_mut().insert(warp::http::header::WWW_AUTHENTICATE, bearer);
        }
        response
    }
}

impl From<StoreError> for AppError {
    /// Storage failures outside the chat's rules (accounts, sessions): there, nothing the user
    /// asked for can be missing or taken, so any such answer is the server's fault.
    fn from(e: StoreError) -> Self {
        match e {
            e @ StoreError::Unavailable(_) => AppError::Unavailable(e),
            e => AppError::Internal(Box::new(e)),
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::SignedOut => AppError::Unauthorized,
            AuthError::CrossOrigin => AppError::CrossOrigin,
            AuthError::Store(e) => e.into(),
            AuthError::Hashing(e) => AppError::Internal(e),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        AppError::Chat(ChatError::Invalid(e))
    }
}

/// A request body that exceeded its route's limit; answered with 413.
#[derive(Debug)]
pub struct BodyTooLarge;
impl warp::reject::Reject for BodyTooLarge {}

/// Why no route took a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmatched {
    /// No route has this path.
    NotFound,
    /// The route refused a body over its limit.
    PayloadTooLarge,
    /// A route has this path, but not this method.
    MethodNotAllowed,
    /// Anything else a filter refused.
    BadRequest,
}

impl Unmatched {
    /// Reads warp's rejection (which merges the rejections of every route tried).
    pub fn of(rejection: &warp::Rejection) -> Unmatched {
        if rejection.is_not_found() {
            Unmatched::NotFound
        } else if rejection.find::<BodyTooLarge>().is_some() {
            // Checked before MethodNotAllowed: warp merges the rejections of every route tried,
            // and the route that matched the path is the one that refused the body.
            Unmatched::PayloadTooLarge
        } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
            Unmatched::MethodNotAllowed
        } else {
            tracing::debug!(?rejection, "unhandled rejection");
            Unmatched::BadRequest
        }
    }

    /// The JSON answer, its text in `lang`.
    pub fn into_answer(self, lang: Lang) -> Response {
        let (status, sentence, code) = match self {
            Unmatched::NotFound => (StatusCode::NOT_FOUND, Sentence::PageNotFound, "not_found"),
            Unmatched::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, Sentence::PayloadTooLarge, "payload_too_large")
            }
            Unmatched::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, Sentence::MethodNotAllowed, "method_not_allowed")
            }
            Unmatched::BadRequest => (StatusCode::BAD_REQUEST, Sentence::BadRequest, "bad_request"),
        };
        json_error(status, &sentence.text(lang), code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_between_two_people_is_a_403_coded_blocked_in_both_languages() {
        let e = AppError::Chat(ChatError::Blocked);
        assert_eq!((e.status(), e.code()), (StatusCode::FORBIDDEN, "blocked"));
        assert_eq!(e.message(Lang::Ru), "Этот пользователь ограничил общение с вами");
        assert_eq!(e.message(Lang::En), "This user has limited contact with you");
        let own = AppError::Chat(ChatError::CannotBlockSelf);
        assert_eq!((own.status(), own.code()), (StatusCode::BAD_REQUEST, "bad_request"));
        let nobody = AppError::Chat(ChatError::UserNotFound(crate::domain::UserId(9)));
        assert_eq!((nobody.status(), nobody.code()), (StatusCode::NOT_FOUND, "not_found"));
    }
}
