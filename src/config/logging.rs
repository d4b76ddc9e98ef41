//! How log lines are written (`LOG_FORMAT`): read by `main` before anything else is, so that
//! even the configuration's own complaints come out in the chosen format.

use super::ConfigError;

/// `LOG_FORMAT`: what one log line looks like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, the spans' fields before the message (tracing's own format).
    #[default]
    Text,
    /// One JSON object per line, for a log shipper: the event's fields at the top level, the
    /// innermost span's under `span` and every open span's under `spans`.
    Json,
}

impl LogFormat {
    /// Reads `LOG_FORMAT` from the process environment (after `.env` was loaded).
    pub fn from_env() -> Result<LogFormat, ConfigError> {
        LogFormat::parse(std::env::var("LOG_FORMAT").ok().as_deref())
    }

    /// `text` (also when unset or empty) or `json`, in any case; anything else is refused,
    /// since a shipper expecting JSON would choke on text lines.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, ConfigError> {
        match value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_ascii_lowercase).as_deref() {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(ConfigError(format!("LOG_FORMAT must be text or json, got {other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_the_default_json_is_the_alternative_and_anything_else_is_refused() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some(" ")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("TEXT")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("json")), Ok(LogFormat::Json));
        let refused = LogFormat::parse(Some("logfmt")).unwrap_err();
        assert!(refused.0.contains("LOG_FORMAT") && refused.0.contains("logfmt"), "{refused}");
    }
}
