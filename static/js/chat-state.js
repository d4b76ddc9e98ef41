// chat-state.js — owns the shape of the chat page's session state: the one
// documented object that chat.js and the pieces it puts together (resume.js,
// outbox.js, unread.js, room-actions.js, …) read and update with small steps.

/** A fresh state: no room open yet, nothing joined, sent or held back. */
export function chatState() {
  return {
    /** The room on screen, or null before the room list has loaded. */
    currentRoomId: null,
    /** The room the server has us subscribed to on the current connection (join_room sent). */
    joinedRoomId: null,
    /**
     * Seq of the last event of the open room's log that the view shows: the newest page's
     * X-Room-Seq, then each logged frame applied. null while that page is (re)loading.
     */
    lastSeq: null,
    /** join_room frames sent on this connection not answered yet, oldest first: { roomId, since, afterRefusal }. */
    joinsInFlight: [],
    /** Bumped on each newest-page (re)load, so late answers for an old room are dropped. */
    historyToken: 0,
    /** client_id -> { client_id, room_id, content, created_at, status, timer }, in send order; status is queued, sending, limited (held back by the rate limit until heldUntil) or failed. */
    outbox: new Map(),
    /** Unsent composer text per room, so switching rooms keeps a half-written message. */
    drafts: new Map(),
    /** When we last told the room we are typing (0: never / since the last send). */
    lastTypingAt: 0,
    /** Until when (ms since the epoch) the server's rate limit holds our messages back; 0: it does not. */
    heldUntil: 0,
    /** Timer that sends the held-back messages when heldUntil has passed. */
    release: null,
    /** Interval redrawing the countdown on held-back messages (null: none). */
    countdown: null,
    /** Logging out: don't warn about leaving the page. */
    leaving: false,
  };
}
