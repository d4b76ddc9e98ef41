//! Avatars: a user uploads a picture, which is made into the served sizes and stored, or
//! removes it; either way everyone connected hears `user_updated` with the user as they are
//! now. Pictures are read back by address (user and version), signed in or not.

use super::ChatError;
use crate::domain::{now, AvatarSize, AvatarVersion, User, UserId};
use crate::images;
use crate::state::AppState;
use crate::store::{NewAvatar, StoreError, StoredAvatar};

/// An upload: the picture's bytes and the content type the request declared.
pub struct UploadAvatar {
    pub bytes: bytes::Bytes,
    pub content_type: Option<String>,
}

/// Makes `upload` the avatar of `user`: the declared type must be one of
/// [`images::ACCEPTED_TYPES`], the bytes a picture of one of those formats (whatever was
/// declared) within the decoding limits. Every attempt counts against the user's rate, since
/// each costs a decode. Returns the user as they are now, with the new avatar's address.
pub async fn upload_avatar(state: &AppState, user: &User, upload: UploadAvatar) -> Result<User, ChatError> {
    if !upload.content_type.as_deref().is_some_and(images::accepted_type) {
        return Err(ChatError::UnsupportedImageType);
    }
    state.limits.avatar(user.id)?;
    let processed = {
        let _turn = state.limits.image_work().await;
        // Decoding and resizing take milliseconds to a second of CPU: off the async threads,
        // a few at a time (the permit above).
        tokio::task::spawn_blocking(move || images::process(&upload.bytes))
            .await
            .map_err(|e| ChatError::Internal(StoreError::Internal(Box::new(e))))?
            .map_err(|e| {
                tracing::debug!(error = %e, "avatar upload refused");
                ChatError::InvalidImage
            })?
    };
    let avatar = NewAvatar {
        version: AvatarVersion::random(),
        small: processed.small,
        large: processed.large,
        content_type: images::CONTENT_TYPE,
    };
    let id = user.id;
    let updated = state.db.call(move |s| s.set_avatar(id, &avatar, now())).await?;
    state.fanout.user_updated(&updated);
    Ok(updated)
}

/// Removes the avatar of `user` (nothing to remove is no error); everyone hears of it.
pub async fn delete_avatar(state: &AppState, user: &User) -> Result<User, ChatError> {
    let id = user.id;
    let updated = state.db.call(move |s| s.delete_avatar(id)).await?;
    state.fanout.user_updated(&updated);
    Ok(updated)
}

/// The stored picture of `user` at `version` in `size`; `None` when that is not their current
/// avatar (a stale address, an unknown user).
pub async fn avatar(
    state: &AppState,
    user: UserId,
    version: AvatarVersion,
    size: AvatarSize,
) -> Result<Option<StoredAvatar>, ChatError> {
    Ok(state.db.call(move |s| s.avatar(user, version, size)).await?)
}
