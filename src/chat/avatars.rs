//! Avatars: a user uploads a picture, which is made into the served sizes and stored, or
//! removes it; either way everyone connected hears `user_updated` with the user as they are
//! now. Pictures are read back by address (user and version), signed in or not.

use super::ChatError;
use crate::domain::{now, AvatarSize, AvatarVersion, User, UserId};
use crate::images;
use crate::state::AppState;
use crate::store::{NewAvatar, StoreError, StoredAvatar};

/// An upload that passed the checks made before its body is read: the caller may read it now
/// and hand it to [`upload_avatar`].
pub struct AllowedUpload {
    user: UserId,
}

/// Whether `user` may upload a picture declared as `content_type`, checked before the body is
/// read (so a refusal costs neither the bytes nor the decoding): the type must be one of
/// [`images::ACCEPTED_TYPES`], and the upload counts against the user's rate, whatever its bytes
/// turn out to be, since each costs a decode.
pub fn allow_upload(state: &AppState, user: &User, content_type: Option<&str>) -> Result<AllowedUpload, ChatError> {
    if !content_type.is_some_and(images::accepted_type) {
        return Err(ChatError::UnsupportedImageType);
    }
    state.limits.avatar(user.id)?;
    Ok(AllowedUpload { user: user.id })
}

/// Makes `bytes` the avatar of the upload's user: a picture of one of the accepted formats (by
/// its bytes, whatever was declared) within the decoding limits. Returns the user as they are
/// now, with the new avatar's address; everyone connected hears it.
pub async fn upload_avatar(state: &AppState, upload: AllowedUpload, bytes: bytes::Bytes) -> Result<User, ChatError> {
    let processed = {
        let _turn = state.limits.image_work().await;
        // Decoding and resizing take milliseconds to a second of CPU: off the async threads,
        // a few at a time (the permit above).
        tokio::task::spawn_blocking(move || images::process(&bytes))
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
    let id = upload.user;
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
