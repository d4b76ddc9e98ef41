//! Profiles: what everyone may read about a user (with their presence, local time and distance),
//! a user changing their own city, its privacy and about text — everyone connected hears
//! `user_updated` — and a user changing their password, which ends their other sessions.

use serde::{Deserialize, Serialize};

use super::ChatError;
use crate::cities::{clock::LocalTime, CityId};
use crate::domain::{About, Account, City, CityPrivacy, Home, Password, Presence, Profile, User, UserId};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::store::{ProfileChange, ProfileStore, StoreError};

/// A profile as `GET /api/users/{id}` answers it: the user (with their `avatar_url`), their
/// about text, since when they are here, whether they are online, their local time and how far
/// away they live — both only from what they show of their city.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileView {
    #[serde(flatten)]
    pub profile: Profile,
    pub presence: Presence,
    /// Whole kilometres between the reader's city and theirs; `null` when either is not a
    /// canonical city, they do not show it, or it is the reader's own profile.
    pub distance_km: Option<u32>,
    /// Their local time now; `null` when their time zone is not shown or not known.
    pub local_time: Option<LocalTime>,
}

/// The signed-in user's own account as `GET /api/me` and `PATCH /api/me` answer it: their
/// city in full (whatever they show others), its privacy, their language and about text.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    #[serde(flatten)]
    pub user: User,
    pub language: Option<Lang>,
    pub about: About,
    pub city_privacy: CityPrivacy,
}

impl Me {
    fn of(account: &Account, about: About) -> Me {
        Me { user: account.own_user(), language: account.language, about, city_privacy: account.city_privacy }
    }
}

/// A change to one's own profile; at least one field. `city_id` names a canonical city and
/// wins over `city`, a text that is linked when it names one city unambiguously.
#[derive(Debug, Deserialize)]
pub struct UpdateProfile {
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub city_id: Option<u32>,
    #[serde(default)]
    pub city_privacy: Option<CityPrivacy>,
    #[serde(default)]
    pub about: Option<String>,
}

/// Where someone says they live, from a canonical id or else a text: an id the table lacks is
/// refused; a text is linked when it names one city unambiguously, else kept as typed.
pub fn resolve_home(city: Option<&str>, city_id: Option<u32>) -> Result<Option<Home>, ChatError> {
    if let Some(id) = city_id {
        return Home::by_id(CityId(id)).map(Some).ok_or(ChatError::UnknownCity(id));
    }
    Ok(city.map(City::parse).transpose()?.map(Home::typed))
}

/// A password change: the current password, then the new one.
#[derive(Debug, Deserialize)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
}

/// Links the users whose city, as typed, names exactly one canonical city
/// ([`Cities::link_only`](crate::cities::Cities::link_only)): accounts from before the city
/// table, and texts a newer table recognizes. Stricter than text typed now
/// ([`Home::typed`]): nobody is there to see the result, so a name several cities share stays
/// as its owner typed it. Run at start-up, before anyone is served; looks at each distinct free
/// text once.
pub fn link_free_cities(store: &(impl ProfileStore + ?Sized)) -> Result<u64, StoreError> {
    let mut linked = 0;
    for typed in store.free_cities()? {
        let Ok(city) = City::parse(&typed) else { continue };
        if let Some(found) = crate::cities::table().link_only(city.as_str()) {
            linked += store.link_free_city(&typed, &Home::canonical(found))?;
        }
    }
    if linked > 0 {
        tracing::info!(linked, "linked cities as typed to canonical cities");
    }
    Ok(linked)
}

/// Anyone signed in may read anyone's profile, with their status over every instance; their
/// own shows their city in full.
pub async fn get_profile(state: &AppState, actor: &Account, id: UserId) -> Result<ProfileView, ChatError> {
    let mut profile = state.db.call(move |s| s.profile(id)).await?.ok_or(ChatError::UserNotFound(id))?;
    let own = id == actor.user.id;
    if own {
        let user = &profile.user;
        profile.user =
            User::seen_by_others(user.id, user.username.clone(), &profile.home, CityPrivacy::City, user.avatar_url);
    }
    let presence = state.fanout.statuses(&[id]).await[0];
    let theirs = profile.user.city_id.and_then(|id| crate::cities::table().get(id));
    let distance_km = match (own, actor.home.canonical_city(), theirs) {
        (false, Some(mine), Some(theirs)) => Some(crate::cities::distance_km(mine, theirs)),
        _ => None,
    };
    let local_time = profile.user.timezone.map(|tz| crate::cities::clock::local_time(tz, crate::domain::now()));
    Ok(ProfileView { presence, profile, distance_km, local_time })
}

/// The signed-in user's own account with their about text.
pub async fn me(state: &AppState, account: Account) -> Result<Me, ChatError> {
    let id = account.user.id;
    let profile = state.db.call(move |s| s.profile(id)).await?.ok_or(ChatError::NotSignedIn)?;
    let account = Account { user: profile.user, home: profile.home, city_privacy: profile.city_privacy, ..account };
    Ok(Me::of(&account, profile.about))
}

/// Changes the actor's city and/or about text; everyone connected, on every instance, hears
/// `user_updated` with the user as others see them.
pub async fn update_profile(state: &AppState, actor: Account, command: UpdateProfile) -> Result<Me, ChatError> {
    let UpdateProfile { city, city_id, city_privacy, about } = command;
    if city.is_none() && city_id.is_none() && city_privacy.is_none() && about.is_none() {
        return Err(ChatError::EmptyProfileChange);
    }
    let change = ProfileChange {
        home: resolve_home(city.as_deref(), city_id)?,
        about: about.as_deref().map(About::parse).transpose()?,
        city_privacy,
    };
    let id = actor.user.id;
    let profile = state.db.call(move |s| s.update_profile(id, &change)).await.map_err(|e| match e {
        crate::store::StoreError::NotFound => ChatError::NotSignedIn,
        e => ChatError::from(e),
    })?;
    state.fanout.user_updated(&profile.user);
    let account = Account { user: profile.user, home: profile.home, city_privacy: profile.city_privacy, ..actor };
    Ok(Me::of(&account, profile.about))
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
