//! Validated domain types: a value of these types has passed its rules once, at the edge.
//!
//! Parse, don't validate: handlers turn raw strings into these types and everything
//! behind them (store, hub, protocol) can rely on the invariants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

mod avatar;
mod home;
mod presence;
mod room;

pub use avatar::{AvatarSize, AvatarUrl, AvatarVersion};
pub use home::{CityPrivacy, Country, Home, Place};
pub use presence::{Activity, Presence, PresentUser};
pub use room::{Room, RoomKind};

/// A rule a user-supplied value broke. Typed, so that the text a person reads is chosen once,
/// at the edge, in their language (`crate::texts`); `Display` is for logs and developers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("a username has 3 to 32 characters")]
    UsernameLength,
    #[error("a username has letters, digits and _ - . only")]
    UsernameChars,
    #[error("a city is required")]
    CityEmpty,
    #[error("a city has at most 64 characters")]
    CityTooLong,
    #[error("a city has no control characters")]
    CityChars,
    #[error("a room name is required")]
    RoomNameEmpty,
    #[error("a room name has at most 64 characters")]
    RoomNameTooLong,
    #[error("a room name has no control characters")]
    RoomNameChars,
    #[error("a room description has at most 256 characters")]
    DescriptionTooLong,
    #[error("a room description has no control characters")]
    DescriptionChars,
    #[error("a message is empty")]
    MessageEmpty,
    #[error("a message has at most {} characters", MessageText::MAX_CHARS)]
    MessageTooLong,
    #[error("a client_id has 1 to 64 printable ASCII characters")]
    ClientIdInvalid,
    #[error("a password has at least 8 bytes")]
    PasswordTooShort,
    #[error("a password has at most 72 bytes")]
    PasswordTooLong,
    #[error("a search says nothing to look for")]
    SearchEmpty,
    #[error("a search text is too long")]
    SearchTooLong,
    #[error("an about text has at most {} characters", About::MAX_CHARS)]
    AboutTooLong,
    #[error("an about text has no control characters but line breaks")]
    AboutChars,
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Database id of a user.
    UserId
);
id_type!(
    /// Database id of a room.
    RoomId
);
id_type!(
    /// Database id of a message; ids grow in commit order, so they order a room's history.
    MessageId
);

/// The current time at the precision the databases keep (microseconds), so a message
/// announced live and the same message read back from history are identical.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

/// Key used for case-insensitive uniqueness (Unicode lower case, so «Иван» and «иван» collide).
pub fn fold_case(s: &str) -> String {
    s.to_lowercase()
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_type!(
    /// 3–32 characters: letters of any script, digits, `_`, `-`, `.`.
    Username
);
string_type!(
    /// The city a user registered with: trimmed, 1–64 characters, no control characters.
    City
);
string_type!(
    /// A room name: trimmed, 1–64 characters, no control characters.
    RoomName
);
string_type!(
    /// A room description: trimmed, at most 256 characters, no control characters; may be empty.
    RoomDescription
);
string_type!(
    /// A message body: trimmed, 1–2000 characters; control characters other than newline and tab are dropped.
    MessageText
);
string_type!(
    /// What a user says about themselves on their profile: trimmed, at most 190 characters,
    /// line breaks allowed but no other control characters; empty when unset.
    About
);
string_type!(
    /// A client-chosen id that makes resending a message idempotent: 1–64 printable ASCII characters.
    ClientId
);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        let len = s.chars().count();
        if !(3..=32).contains(&len) {
            return Err(DomainError::UsernameLength);
        }
        if !s.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            return Err(DomainError::UsernameChars);
        }
        Ok(Self(s.to_owned()))
    }
    /// Key that makes usernames unique regardless of case.
    pub fn key(&self) -> String {
        fold_case(&self.0)
    }
    /// Wraps a name read back from storage, where it was validated when written.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }
}

/// Usernames and cities also arrive from other instances (Redis); they pass the same rules.
macro_rules! deserialize_by_parse {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(s: String) -> Result<Self, DomainError> {
                $name::parse(&s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $name::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

deserialize_by_parse!(Username);
deserialize_by_parse!(City);

impl City {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        let len = s.chars().count();
        if len == 0 {
            return Err(DomainError::CityEmpty);
        }
        if len > 64 {
            return Err(DomainError::CityTooLong);
        }
        if has_control(s) {
            return Err(DomainError::CityChars);
        }
        Ok(Self(s.to_owned()))
    }
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }
}

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        let len = s.chars().count();
        if len == 0 {
            return Err(DomainError::RoomNameEmpty);
        }
        if len > 64 {
            return Err(DomainError::RoomNameTooLong);
        }
        if has_control(s) {
            return Err(DomainError::RoomNameChars);
        }
        Ok(Self(s.to_owned()))
    }
    /// Key that makes room names unique regardless of case.
    pub fn key(&self) -> String {
        fold_case(&self.0)
    }
}

impl RoomDescription {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        if s.chars().count() > 256 {
            return Err(DomainError::DescriptionTooLong);
        }
        if has_control(s) {
            return Err(DomainError::DescriptionChars);
        }
        Ok(Self(s.to_owned()))
    }
    pub fn empty() -> Self {
        Self(String::new())
    }
}

impl MessageText {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        // NUL and other control characters are dropped: they render as nothing useful and
        // PostgreSQL's text type cannot store NUL at all.
        let cleaned: String = raw.trim().chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect();
        let s = cleaned.trim();
        if s.is_empty() {
            return Err(DomainError::MessageEmpty);
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::MessageTooLong);
        }
        Ok(Self(s.to_owned()))
    }
}

impl About {
    pub const MAX_CHARS: usize = 190;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        if s.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::AboutTooLong);
        }
        if s.chars().any(|c| c.is_control() && c != '\n') {
            return Err(DomainError::AboutChars);
        }
        Ok(Self(s.to_owned()))
    }
    /// Wraps a text read back from storage, where it was validated when written.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }
}

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.is_empty() || raw.len() > 64 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(DomainError::ClientIdInvalid);
        }
        Ok(Self(raw.to_owned()))
    }
}

/// A password as typed: 8–72 bytes (bcrypt ignores everything past 72, so longer is refused, not cut).
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.len() {
            0..=7 => Err(DomainError::PasswordTooShort),
            8..=72 => Ok(Self(raw.to_owned())),
            _ => Err(DomainError::PasswordTooLong),
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A registered user as everyone else sees them: their city only as far as their
/// [`CityPrivacy`] shows it (see [`Place`]). Built by [`User::seen_by_others`], so the part a user
/// hides never enters a frame, a list or an answer about them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    /// The city's name (the canonical Russian name when it is a city of the table); `null` when
    /// they show only their country or nothing.
    #[serde(default)]
    pub city: Option<City>,
    /// The canonical city's GeoNames id; `null` for a city as typed, or when not shown.
    #[serde(default)]
    pub city_id: Option<crate::cities::CityId>,
    /// The canonical city's country; `null` for a city as typed, or when hidden.
    #[serde(default)]
    pub country: Option<Country>,
    /// The canonical city's IANA time zone; `null` for a city as typed, or when not shown.
    #[serde(default)]
    pub timezone: Option<chrono_tz::Tz>,
    /// Where their picture is served, `null` without one. Read with the user's own row (the
    /// `users.avatar_version` column), so messages and member lists cost no extra query.
    #[serde(default)]
    pub avatar_url: Option<AvatarUrl>,
}

impl User {
    /// The user as others see them: `home` only as far as `privacy` shows it.
    pub fn seen_by_others(
        id: UserId,
        username: Username,
        home: &Home,
        privacy: CityPrivacy,
        avatar_url: Option<AvatarUrl>,
    ) -> User {
        let Place { city, city_id, country, timezone } = Place::of(home, privacy);
        User { id, username, city, city_id, country, timezone, avatar_url }
    }
}

/// A user's own view of their account: the user as everyone sees them, their city in full
/// whatever they show of it, and the settings only they see. Kept apart from [`User`], which
/// travels in every message, member list and fan-out frame, so that a private preference never
/// reaches other people; `GET /api/me` answers with [`Account::own_user`] and the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// As everyone else sees them.
    pub user: User,
    /// Their city in full.
    pub home: Home,
    pub city_privacy: CityPrivacy,
    /// The language they chose for the interface; `None` until they choose one, and then their
    /// browser's language applies.
    pub language: Option<Lang>,
}

impl Account {
    /// A new account: its city shown to everyone (the default), no avatar yet.
    pub fn new(id: UserId, username: Username, home: Home, language: Option<Lang>) -> Account {
        let user = User::seen_by_others(id, username, &home, CityPrivacy::City, None);
        Account { user, home, city_privacy: CityPrivacy::City, language }
    }

    /// The user as they see themselves: their city in full, whatever they show of it.
    pub fn own_user(&self) -> User {
        let user = &self.user;
        User::seen_by_others(user.id, user.username.clone(), &self.home, CityPrivacy::City, user.avatar_url)
    }
}

/// A user's public profile as stored (`GET /api/users/{id}` adds how to reach them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// As everyone else sees them.
    #[serde(flatten)]
    pub user: User,
    /// Their city in full, for their own view and for what is worked out from it (a distance);
    /// never serialized.
    #[serde(skip)]
    pub home: Home,
    #[serde(skip)]
    pub city_privacy: CityPrivacy,
    pub about: About,
    /// When they registered.
    pub created_at: DateTime<Utc>,
}

/// How far a user has read a room, as `GET /api/read_state` and the `read_state` frame show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    pub room_id: RoomId,
    /// The newest message the user marked read; 0 when they never marked one in this room.
    pub last_read_id: MessageId,
    /// Messages after `last_read_id` that are not deleted and not the user's own, at most
    /// [`ReadState::MAX_COUNT`].
    pub unread: u32,
    /// Those of them that mention the user, counted among the oldest `MAX_COUNT + 1` unread
    /// messages (so never more than `unread`).
    pub mentions: u32,
}

impl ReadState {
    /// Where the counts stop: a client shows "1000+" rather than making the server count on.
    pub const MAX_COUNT: u32 = 1000;
}

/// A user's blocks, both ways: whom they blocked and who blocked them. Either way, the two do
/// not see each other's typing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocks {
    /// The users this user blocked.
    pub blocked: Vec<UserId>,
    /// The users who blocked this user.
    pub blocked_by: Vec<UserId>,
}

/// A stored message with its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub client_id: Option<String>,
    pub user: User,
    /// Position in the room: 1, 2, 3 … without gaps, in id order. Internal (not in the JSON):
    /// it lets instances deliver a room's messages in order and notice missed ones.
    #[serde(skip)]
    pub seq: i64,
    /// When its author last changed the text; `None` if never.
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// The message this one answers.
    #[serde(default)]
    pub reply_to: Option<ReplyRef>,
    /// Reactions, one entry per emoji, ordered by the emoji's first use.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// The users its text mentions (`@username` of an existing user), in order of first mention.
    #[serde(default)]
    pub mentions: Vec<UserId>,
    /// Pinned by the room's creator.
    #[serde(default)]
    pub pinned: bool,
}

impl Message {
    /// A message just posted: nothing has happened to it yet.
    pub fn posted(
        id: MessageId,
        room_id: RoomId,
        user: User,
        content: String,
        created_at: DateTime<Utc>,
        client_id: Option<String>,
        seq: i64,
    ) -> Message {
        Message {
            id,
            room_id,
            content,
            created_at,
            client_id,
            user,
            seq,
            edited_at: None,
            reply_to: None,
            reactions: Vec::new(),
            mentions: Vec::new(),
            pinned: false,
        }
    }
}

/// What a reply shows of the message it answers: `{"id","user":{"id","username"},"excerpt"}`,
/// or `{"id","deleted":true}` once that message was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReplyRef {
    Present { id: MessageId, user: Author, excerpt: String },
    Deleted { id: MessageId, deleted: bool },
}

impl ReplyRef {
    /// Characters of the original a reply shows at most (an ellipsis included).
    pub const EXCERPT_CHARS: usize = 100;

    /// The reference to `original` (its text cut to [`ReplyRef::EXCERPT_CHARS`]), or the
    /// deleted form.
    pub fn to(id: MessageId, original: Option<(Author, &str)>) -> ReplyRef {
        match original {
            None => ReplyRef::Deleted { id, deleted: true },
            Some((user, text)) => ReplyRef::Present { id, user, excerpt: excerpt(text, Self::EXCERPT_CHARS) },
        }
    }

    pub fn id(&self) -> MessageId {
        match self {
            ReplyRef::Present { id, .. } | ReplyRef::Deleted { id, .. } => *id,
        }
    }
}

/// `text` cut to at most `max` characters, the cut marked with "…".
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The part of a user shown beside their words elsewhere (a reply, "… печатает").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub id: UserId,
    pub username: Username,
}

/// One emoji's reactions to a message: `{"emoji","count","me"}`, `me` for the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub count: u32,
    pub me: bool,
}

/// Who reacted to a message with one emoji: `{"emoji","count","users"}`, the users in the
/// order they reacted (earliest first), at most as many as asked for; `count` counts them all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reactors {
    pub emoji: String,
    pub count: u32,
    pub users: Vec<Author>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_carries_the_address_of_their_avatar_or_null_and_reads_back() {
        let user = |version| User {
            id: UserId(12),
            username: Username::parse("anna").unwrap(),
            city: Some(City::parse("Орёл").unwrap()),
            city_id: None,
            country: None,
            timezone: None,
            avatar_url: AvatarUrl::of(UserId(12), version),
        };
        let json = serde_json::to_value(user(Some(9_007_199_254_740_991))).unwrap();
        assert_eq!(json["avatar_url"], "/avatars/12/9007199254740991");
        assert_eq!(serde_json::to_value(user(None)).unwrap()["avatar_url"], serde_json::Value::Null);
        for version in [Some(5), None] {
            let back: User = serde_json::from_str(&serde_json::to_string(&user(version)).unwrap()).unwrap();
            assert_eq!(back, user(version));
        }
        assert!(serde_json::from_str::<AvatarUrl>(r#""/static/x.png""#).is_err());
        assert_eq!(AvatarSize::parse("64"), Some(AvatarSize::Small));
        assert_eq!(AvatarSize::parse("256"), Some(AvatarSize::Large));
        assert_eq!(AvatarSize::parse("128"), None);
        let version = AvatarVersion::random().0;
        assert!((1..1 << 53).contains(&version), "exact in JavaScript: {version}");
    }

    #[test]
    fn usernames_accept_any_script_digits_and_three_punctuation_marks() {
        for ok in ["ivan", "Иван_Петров", "user.name-1", "李小龙", "abc", &"x".repeat(32)] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn usernames_refuse_wrong_lengths_spaces_and_symbols() {
        for bad in ["", "ab", &"x".repeat(33), "a b c", "ivan!", "<script>", "ivan@mail"] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn username_keys_fold_case_across_scripts() {
        assert_eq!(Username::parse("ИВАН").unwrap().key(), Username::parse("иван").unwrap().key());
    }

    #[test]
    fn passwords_are_measured_in_bytes_and_never_truncated() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"я".repeat(36)).is_ok()); // 72 bytes
        assert!(Password::parse(&"я".repeat(37)).is_err()); // 74 bytes, 37 characters
    }

    #[test]
    fn cities_are_trimmed_and_must_be_printable() {
        assert_eq!(City::parse("  Москва ").unwrap().as_str(), "Москва");
        assert!(City::parse("   ").is_err());
        assert!(City::parse("Mos\u{0}cow").is_err());
        assert!(City::parse(&"к".repeat(65)).is_err());
        assert!(City::parse(&"к".repeat(64)).is_ok());
    }

    #[test]
    fn room_names_are_trimmed_and_limited_to_64_characters() {
        assert_eq!(RoomName::parse(" флуд ").unwrap().as_str(), "флуд");
        assert!(RoomName::parse("").is_err());
        assert!(RoomName::parse(&"ы".repeat(65)).is_err());
        assert_eq!(RoomName::parse("Флуд").unwrap().key(), RoomName::parse("флуд").unwrap().key());
    }

    #[test]
    fn room_descriptions_may_be_empty_but_not_longer_than_256() {
        assert!(RoomDescription::parse("").is_ok());
        assert!(RoomDescription::parse(&"d".repeat(256)).is_ok());
        assert!(RoomDescription::parse(&"d".repeat(257)).is_err());
    }

    #[test]
    fn message_text_is_trimmed_and_bounded() {
        assert_eq!(MessageText::parse("  привет \n").unwrap().as_str(), "привет");
        assert_eq!(MessageText::parse(" \n\t ").unwrap_err(), DomainError::MessageEmpty);
        assert_eq!(MessageText::parse("\u{0}\u{7}").unwrap_err(), DomainError::MessageEmpty);
        assert!(MessageText::parse(&"ж".repeat(2000)).is_ok());
        assert_eq!(MessageText::parse(&"ж".repeat(2001)).unwrap_err(), DomainError::MessageTooLong);
    }

    #[test]
    fn message_text_keeps_line_breaks_and_drops_nul() {
        assert_eq!(MessageText::parse("a\u{0}b\nc").unwrap().as_str(), "ab\nc");
    }

    #[test]
    fn about_texts_are_trimmed_bounded_and_keep_only_line_breaks() {
        assert_eq!(About::parse("  люблю чай\nи кофе \n").unwrap().as_str(), "люблю чай\nи кофе");
        assert_eq!(About::parse("").unwrap().as_str(), "");
        assert!(About::parse(&"ж".repeat(190)).is_ok());
        assert_eq!(About::parse(&"ж".repeat(191)).unwrap_err(), DomainError::AboutTooLong);
        assert_eq!(About::parse("a\tb").unwrap_err(), DomainError::AboutChars);
        assert_eq!(About::parse("a\u{0}b").unwrap_err(), DomainError::AboutChars);
        assert_eq!(About::parse("a\r\nb").unwrap_err(), DomainError::AboutChars);
    }

    #[test]
    fn client_ids_are_short_printable_ascii() {
        assert!(ClientId::parse("0b6f7a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("has space").is_err());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
    }
}
