//! Profiles: what everyone may read about a user (with their presence), a user
//! changing their own city and about text — everyone connected hears `user_updated` — and a
//! user changing their password, which ends their other sessions.

use serde::{Deserialize, Serialize};

use super::ChatError;
use crate::domain::{About, Account, City, Password, Presence, Profile, User, UserId};
use crate::state::AppState;

/// A profile as `GET /api/users/{id}` answers it: the user (with their `avatar_url`), their
/// about text, since when they are here, and whether they are online.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: Profile,
    pub presence: Presence,
}

/// The signed-in user's own account as `GET /api/me` and `PATCH /api/me` answer it: the
/// account with its about text.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    #[serde(flatten)]
    pub account: Account,
    pub about: About,
}

/// A change to one's own profile; at least one field.
#[derive(Debug, Deserialize)]
pub struct UpdateProfile {
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub about: Option<String>,
}

/// A password change: the current password, then the new one.
#[derive(Debug, Deserialize)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
}

/// Anyone signed in may read anyone's profile, with their status over every instance.
pub async fn get_profile(state: &AppState, _actor: &User, id: UserId) -> Result<ProfileView, ChatError> {
    let profile = state.db.call(move |s| s.profile(id)).await?.ok_or(ChatError::UserNotFound(id))?;
    let presence = state.fanout.statuses(&[id]).await[0];
    Ok(ProfileView { presence, profile })
}

/// The signed-in user's own account with their about text.
pub async fn me(state: &AppState, account: Account) -> Result<Me, ChatError> {
    let id = account.user.id;
    let profile = state.db.call(move |s| s.profile(id)).await?.ok_or(ChatError::NotSignedIn)?;
    Ok(Me { account: Account { user: profile.user, ..account }, about: profile.about })
}

/// Changes the actor's city and/or about text; everyone connected, on every instance, hears
/// `user_updated` with the user as others see them.
pub async fn update_profile(state: &AppState, actor: Account, command: UpdateProfile) -> Result<Me, ChatError> {
    if command.city.is_none() && command.about.is_none() {
        return Err(ChatError::EmptyProfileChange);
    }
    let city = command.city.as_deref().map(City::parse).transpose()?;
    let about = command.about.as_deref().map(About::parse).transpose()?;
    let id = actor.user.id;
    let profile =
        state.db.call(move |s| s.update_profile(id, city.as_ref(), about.as_ref())).await.map_err(|e| match e {
            crate::store::StoreError::NotFound => ChatError::NotSignedIn,
            e => ChatError::from(e),
        })?;
    state.fanout.user_updated(&profile.user);
    Ok(Me { account: Account { user: profile.user, ..actor }, about: profile.about })
}

/// Changes the actor's password, given the current one; then every other session of theirs
/// ends (their sockets close with 4001 on every instance) and `session` — the one asking —
/// stays. Wrong guesses count against the same limit as failed logins of the account.
pub async fn change_password(
    state: &AppState,
    actor: &User,
    session: &str,
    client: Option<std::net::IpAddr>,
    command: ChangePassword,
) -> Result<(), ChatError> {
    let account_key = actor.username.key();
    let blocked = state.limits.login_blocked(&account_key, client).await.map_err(ChatError::from)?;
    if let Some(wait) = blocked {
        return Err(wait.into());
    }
    let new = Password::parse(&command.new)?;
    let verified = state
        .accounts
        .authenticate(actor.username.as_str(), command.current)
        .await
        .map_err(auth_failure)?
        .is_some_and(|account| account.user.id == actor.id);
    if !verified {
        state.limits.login_failed(&account_key, client).await.map_err(ChatError::from)?;
        return Err(ChatError::WrongPassword);
    }
    state.accounts.set_password(actor.id, new).await.map_err(auth_failure)?;
    state.accounts.end_other_sessions(actor.id, session).await.map_err(auth_failure)?;
    tracing::info!(user = %actor.id, "password changed");
    Ok(())
}

/// An account operation's failure as the chat's.
fn auth_failure(e: crate::auth::AuthError) -> ChatError {
    use crate::auth::AuthError;
    match e {
        AuthError::SignedOut => ChatError::NotSignedIn,
        AuthError::Store(e) => e.into(),
        e => ChatError::Internal(crate::store::StoreError::Internal(Box::new(e))),
    }
}
