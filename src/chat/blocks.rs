//! Blocking: a person blocks another so that, in the rooms they share, neither sees the other
//! typing and the blocker's pages collapse the blocked person's messages. Blocks are stored per
//! user, so every device follows: the blocker's connections (on every instance) hear
//! `user_blocked` / `user_unblocked`; the blocked person's connections stop (or start again)
//! hearing the blocker type, and are told nothing — nobody learns they were blocked.
//!
//! For features between two people (direct messages): [`ensure_not_blocked`] refuses with
//! [`ChatError::Blocked`] when either blocked the other.

use super::ChatError;
use crate::domain::{now, User, UserId};
use crate::hub::Member;
use crate::state::AppState;
use crate::store::Block;

/// `blocker` blocks the user `blocked`. Blocking someone already blocked changes nothing and is
/// no error; only a new block is announced.
pub async fn block_user(state: &AppState, blocker: &User, blocked: UserId) -> Result<(), ChatError> {
    if blocked == blocker.id {
        return Err(ChatError::CannotBlockSelf);
    }
    let by = blocker.id;
    match state.db.call(move |s| s.block(by, blocked, now())).await? {
        Block::Blocked => {
            state.fanout.block_changed(by, blocked, true);
            Ok(())
        }
        Block::AlreadyBlocked => Ok(()),
        Block::NoSuchUser => Err(ChatError::UserNotFound(blocked)),
    }
}

/// `blocker` lifts their block of `blocked`; no block (or no such user) is no error. Only a
/// lifted block is announced.
pub async fn unblock_user(state: &AppState, blocker: &User, blocked: UserId) -> Result<(), ChatError> {
    let by = blocker.id;
    if state.db.call(move |s| s.unblock(by, blocked)).await? {
        state.fanout.block_changed(by, blocked, false);
    }
    Ok(())
}

/// The users `user` blocked, the most recently blocked first.
pub async fn blocked_users(state: &AppState, user: &User) -> Result<Vec<User>, ChatError> {
    let id = user.id;
    Ok(state.db.call(move |s| s.blocked_users(id)).await?)
}

/// Refuses with [`ChatError::Blocked`] when `a` blocked `b` or `b` blocked `a` — for anything
/// one person sends straight to another (direct messages). The answer names neither side, so a
/// blocked person cannot tell whether they were blocked or blocked the other themselves.
pub async fn ensure_not_blocked(state: &AppState, a: UserId, b: UserId) -> Result<(), ChatError> {
    if state.db.call(move |s| s.blocked_between(a, b)).await? {
        Err(ChatError::Blocked)
    } else {
        Ok(())
    }
}

/// Gives a connection that just registered with the hub its user's stored blocks, so that it
/// hears nobody's typing across a block. Called before the connection reads its first frame
/// (so before it can join a room). If the store cannot be read, the connection goes on hearing
/// everyone typing (what a failure costs is a typing line, not a message) and the failure is
/// logged.
pub async fn load_for_connection(state: &AppState, member: &Member) {
    let user = member.user.id;
    match state.db.call(move |s| s.blocks(user)).await {
        Ok(blocks) => member.load_blocks(blocks),
        Err(e) => {
            tracing::warn!(user = %user, error = %e, "could not read the user's blocks; typing is not filtered");
            member.load_blocks(Default::default());
        }
    }
}
