//! Every text a person reads in a server answer — form errors, `error` frames' `message`, JSON
//! `error` bodies, close reasons — chosen here from typed errors, in Russian. Errors elsewhere
//! carry no user-facing text, so a second language is a second set of these functions; API
//! `code` values are chosen elsewhere and stay stable English identifiers.

use crate::chat::ChatError;
use crate::domain::{DomainError, MessageText};
use crate::protocol::ProtocolError;

/// A rule a submitted value broke.
pub fn domain_error(e: DomainError) -> String {
    match e {
        DomainError::UsernameLength => "Имя пользователя должно быть от 3 до 32 символов".into(),
        DomainError::UsernameChars => "Имя пользователя может содержать только буквы, цифры и символы _ - .".into(),
        DomainError::CityEmpty => "Укажите город".into(),
        DomainError::CityTooLong => "Название города — не больше 64 символов".into(),
        DomainError::CityChars => "Название города содержит недопустимые символы".into(),
        DomainError::RoomNameEmpty => "Название комнаты не может быть пустым".into(),
        DomainError::RoomNameTooLong => "Название комнаты — не больше 64 символов".into(),
        DomainError::RoomNameChars => "Название комнаты содержит недопустимые символы".into(),
        DomainError::DescriptionTooLong => "Описание комнаты — не больше 256 символов".into(),
        DomainError::DescriptionChars => "Описание комнаты содержит недопустимые символы".into(),
        DomainError::MessageEmpty => "Пустое сообщение не отправлено".into(),
        DomainError::MessageTooLong => format!("Сообщение длиннее {} символов", MessageText::MAX_CHARS),
        DomainError::ClientIdInvalid => "client_id должен состоять из 1–64 печатных ASCII-символов".into(),
        DomainError::PasswordTooShort => "Пароль должен быть не короче 8 байт".into(),
        DomainError::PasswordTooLong => "Пароль должен быть не длиннее 72 байт".into(),
    }
}

/// Why the chat refused an operation.
pub fn chat_error(e: &ChatError) -> String {
    match e {
        ChatError::RoomNotFound(room) => format!("Комнаты {room} нет"),
        ChatError::NotJoined(room) => format!("Вы не вошли в комнату {room}"),
        ChatError::NotRoomCreator => "Изменять комнату может только её создатель".into(),
        ChatError::DefaultRoomUndeletable => "Общую комнату по умолчанию удалить нельзя".into(),
        ChatError::RoomNameTaken => "Комната с таким названием уже есть".into(),
        ChatError::NothingToChange => "Укажите name и/или description".into(),
        ChatError::BadLimit => BAD_LIMIT.into(),
        ChatError::InvalidSince { since, seq } => {
            format!("since должен быть от 0 до номера последнего события комнаты ({seq}), а не {since}")
        }
        ChatError::NotSignedIn => LOGIN_REQUIRED.into(),
        ChatError::RateLimited { retry_after } => {
            format!("Слишком часто. Попробуйте снова через {}", wait(*retry_after))
        }
        ChatError::Invalid(e) => domain_error(*e),
        ChatError::Unavailable(_) | ChatError::Internal(_) => SERVER_FAILED.into(),
    }
}

/// Why a WebSocket frame could not be read.
pub fn protocol_error(e: &ProtocolError) -> String {
    match e {
        ProtocolError::NotJson(detail) => format!("Кадр не является JSON: {detail}"),
        ProtocolError::NoType => "Кадр должен быть JSON-объектом с полем \"type\"".into(),
        ProtocolError::UnknownType(kind) => format!("Неизвестный тип кадра: {kind:?}"),
        ProtocolError::BadFields { kind, detail } => format!("Неверные поля кадра {kind:?}: {detail}"),
        ProtocolError::Binary => "Поддерживаются только текстовые кадры с JSON".into(),
    }
}

/// A storage failure behind a frame: the client may retry.
pub const SERVER_FAILED: &str = "Сервер не смог выполнить запрос, попробуйте ещё раз";
pub const LOGIN_REQUIRED: &str = "Требуется вход";
pub const CROSS_ORIGIN: &str = "Запрос пришёл с чужого сайта";
pub const CSRF: &str = "Форма устарела: обновите страницу и попробуйте снова";
pub const NOT_JSON_BODY: &str = "Тело запроса должно быть JSON (Content-Type: application/json)";
pub const DATABASE_DOWN: &str = "База данных недоступна, попробуйте позже";
pub const INTERNAL: &str = "Внутренняя ошибка сервера";
pub const BAD_LIMIT: &str = "limit должен быть целым числом от 1";
pub const ROOM_ID_NOT_INTEGER: &str = "Номер комнаты должен быть целым числом";
pub const BEFORE_NOT_INTEGER: &str = "before должен быть целым числом";
pub const BODY_NOT_OBJECT: &str = "Тело запроса должно быть JSON-объектом";
pub const BAD_FORM: &str = "Некорректные данные формы";
pub const UNSUPPORTED_LANGUAGE: &str = "Поддерживаются только языки ru (русский) и en (английский)";
pub const NOT_A_WEBSOCKET: &str = "Ожидается WebSocket-подключение (Upgrade: websocket, версия 13)";
pub const PASSWORDS_DIFFER: &str = "Пароли не совпадают";
pub const USERNAME_TAKEN: &str = "Это имя пользователя уже занято";
pub const LOGIN_FAILED: &str = "Неверное имя пользователя или пароль";
pub const PAGE_NOT_FOUND: &str = "Страница не найдена";
pub const FILE_NOT_FOUND: &str = "Файл не найден";
pub const PAYLOAD_TOO_LARGE: &str = "Слишком большой запрос";
pub const METHOD_NOT_ALLOWED: &str = "Метод не поддерживается";
pub const BAD_REQUEST: &str = "Некорректный запрос";

/// How long to wait, for people: «3 с», «2 мин», «1 ч».
pub fn wait(d: std::time::Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match secs {
        0..=1 => "1 с".into(),
        2..=119 => format!("{secs} с"),
        120..=7199 => format!("{} мин", secs.div_ceil(60)),
        _ => format!("{} ч", secs.div_ceil(3600)),
    }
}

/// Too many failed logins for this account or from this address.
pub fn login_blocked(retry_after: std::time::Duration) -> String {
    format!("Слишком много неудачных попыток входа. Попробуйте снова через {}", wait(retry_after))
}

/// Too many registrations from this address.
pub fn register_blocked(retry_after: std::time::Duration) -> String {
    format!("Слишком много регистраций с этого адреса. Попробуйте снова через {}", wait(retry_after))
}

pub const TOO_MANY_CONNECTIONS: &str = "Открыто слишком много вкладок чата: закройте лишние и попробуйте снова";

/// A request body that is not valid JSON.
pub fn bad_json(detail: &str) -> String {
    format!("Некорректный JSON: {detail}")
}

/// A JSON body whose fields are missing or of the wrong kind.
pub fn bad_fields(detail: &str) -> String {
    format!("Неверные поля: {detail}")
}

/// Reasons in WebSocket close frames.
pub const CLOSE_TOO_BIG: &str = "кадр больше 64 КиБ";
pub const CLOSE_NOT_UTF8: &str = "текст не в UTF-8";
pub const CLOSE_PROTOCOL: &str = "нарушен протокол WebSocket";
pub const CLOSE_IDLE: &str = "нет активности";
pub const CLOSE_LAGGED: &str = "соединение не успевает; переподключитесь";
pub const CLOSE_SHUTTING_DOWN: &str = "сервер перезапускается";
pub const CLOSE_SESSION_ENDED: &str = "сеанс завершён; войдите снова";
