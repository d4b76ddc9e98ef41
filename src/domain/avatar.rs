//! Avatars as the domain sees them: the versioned address of a user's picture, its version
//! and the two sizes it is served in.

use serde::{Deserialize, Serialize};

use super::UserId;

/// The versioned address of a user's avatar, `/avatars/{user}/{version}`, without its size: a
/// client appends `?size=64` or `?size=256`. Each upload gets a new random version, so the
/// address of a picture never shows another one and browsers may cache it for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvatarUrl {
    pub user: UserId,
    pub version: AvatarVersion,
}

/// Which upload of a user's avatar: a random number in `1..2^53` (exact in JavaScript too),
/// new at every upload, so a removed and re-uploaded picture never reuses an old address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AvatarVersion(pub i64);

impl AvatarVersion {
    /// A fresh random version.
    pub fn random() -> AvatarVersion {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        AvatarVersion((u64::from_le_bytes(bytes) >> 11).max(1) as i64)
    }
}

/// The two sizes an avatar is served in, square, in pixels: 64 for lists and messages, 256 for
/// cards (and screens with more pixels per point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AvatarSize {
    Small,
    Large,
}

impl AvatarSize {
    pub const ALL: [AvatarSize; 2] = [AvatarSize::Small, AvatarSize::Large];

    /// Its side in pixels.
    pub fn pixels(self) -> u32 {
        match self {
            AvatarSize::Small => 64,
            AvatarSize::Large => 256,
        }
    }

    /// The size of `?size=` (`64` or `256`).
    pub fn parse(raw: &str) -> Option<AvatarSize> {
        AvatarSize::ALL.into_iter().find(|size| raw == size.pixels().to_string())
    }
}

impl AvatarUrl {
    /// The URL a stored version column gives, `None` without an avatar.
    pub fn of(user: UserId, version: Option<i64>) -> Option<AvatarUrl> {
        version.map(|v| AvatarUrl { user, version: AvatarVersion(v) })
    }
}

impl std::fmt::Display for AvatarUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/avatars/{}/{}", self.user, self.version.0)
    }
}

impl std::str::FromStr for AvatarUrl {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (user, version) = s.strip_prefix("/avatars/").and_then(|rest| rest.split_once('/')).ok_or(())?;
        Ok(AvatarUrl {
            user: UserId(user.parse().map_err(drop)?),
            version: AvatarVersion(version.parse().map_err(drop)?),
        })
    }
}

impl Serialize for AvatarUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AvatarUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(|()| serde::de::Error::custom("not an avatar URL"))
    }
}
