//! `AppError`: every way a request can fail, mapped to an HTTP status and a JSON body
//! `{"error": "...", "code": "..."}` in exactly one place; and the rejection handler for
//! requests no route matched.

use std::convert::Infallible;

use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use crate::domain::DomainError;
use crate::store::{Conflict, StoreError};

/// A failed request. Client errors carry a message the user can act on; server errors are
/// logged with their cause and answered with a generic sentence.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Требуется вход")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("Запрос пришёл с чужого сайта")]
    CrossOrigin,
    #[error("Форма устарела: обновите страницу и попробуйте снова")]
    Csrf,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Тело запроса должно быть JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("База данных недоступна, попробуйте позже")]
    Unavailable(#[source] StoreError),
    #[error("Внутренняя ошибка сервера")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::CrossOrigin | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code for the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::CrossOrigin => "cross_origin",
            AppError::Csrf => "csrf",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::BadRequest(_) => "bad_request",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// Logs server-side failures with their cause chain; client errors are not worth a log line.
    pub fn log(&self) {
        if let AppError::Unavailable(e) = self {
            tracing::warn!(error = %error_chain(e), "request failed: database unavailable");
        } else if let AppError::Internal(e) = self {
            tracing::error!(error = %error_chain(e.as_ref()), "request failed");
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

/// JSON body of every error answer.
pub fn json_error(status: StatusCode, message: &str, code: &str) -> Response {
    let body = warp::reply::json(&serde_json::json!({ "error": message, "code": code }));
    warp::reply::with_status(body, status).into_response()
}

impl Reply for AppError {
    fn into_response(self) -> Response {
        self.log();
        json_error(self.status(), &self.to_string(), self.code())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("Не найдено".into()),
            StoreError::Conflict(Conflict::Username) => AppError::Conflict("Это имя пользователя уже занято".into()),
            StoreError::Conflict(Conflict::RoomName) => AppError::Conflict("Комната с таким названием уже есть".into()),
            e @ StoreError::Unavailable(_) => AppError::Unavailable(e),
            StoreError::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        AppError::BadRequest(e.0)
    }
}

/// Turns a handler's result into a response: the one place application errors become HTTP.
pub fn respond<R: Reply>(result: Result<R, AppError>) -> Response {
    match result {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Answers requests that no route accepted: unknown paths, wrong methods, oversized bodies.
pub async fn handle_rejection(rejection: warp::Rejection) -> Result<Response, Infallible> {
    let (status, message, code) = if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, "Страница не найдена", "not_found")
    } else if rejection.find::<crate::routes::BodyTooLarge>().is_some() {
        // Checked before MethodNotAllowed: warp merges the rejections of every route tried,
        // and the route that matched the path is the one that refused the body.
        (StatusCode::PAYLOAD_TOO_LARGE, "Слишком большой запрос", "payload_too_large")
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (StatusCode::METHOD_NOT_ALLOWED, "Метод не поддерживается", "method_not_allowed")
    } else {
        tracing::debug!(?rejection, "unhandled rejection");
        (StatusCode::BAD_REQUEST, "Некорректный запрос", "bad_request")
    };
    Ok(json_error(status, message, code))
}
