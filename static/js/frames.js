// frames.js — owns what each server frame does to the page: a frame-type →
// handler map (members coming and going, typing, new messages — confirming
// ours from the outbox, counting unread ones —, read markers moved elsewhere, messages in
// direct conversations not open here, room changes, profile and avatar changes (user-updates.js),
// who is online, idle or offline (presence.js),
// errors; the frames about existing
// messages are message-frames.js's, merged in). Which logged frames apply is
// resume.js's call; the handlers only pass each frame to the piece that shows
// it. A type not in the map is ignored (newer server, older page), and so is
// the server not knowing a frame we sent (newer page, older server: e.g.
// set_language during a rolling deploy), which the person can do nothing about.
import { t } from './i18n.js';
import { messageFrameHandlers, messagePosted } from './message-frames.js';
import { userUpdated, usersSeen } from './people.js';
import { presences } from './presence.js';

/** Error codes of the frames about messages (edit, delete, react, pin, reply): shown as they come. */
const MESSAGE_REFUSALS = new Set(['message_not_found', 'forbidden', 'invalid_emoji', 'too_many_reactions']);

/**
 * @param {object} o
 * @param {object} o.state  chat.js session state (currentRoomId)
 * @param {{id:number, username:string, city:string, avatar_url:?string}} o.me  the signed-in user, updated from `connected` and `user_updated`
 * @param {() => void} o.onMe  show the updated user
 * @param {import('./resume.js').RoomResume} o.resume
 * @param {import('./outbox.js').Outbox} o.outbox
 * @param {import('./room-actions.js').RoomActions} o.roomActions
 * @param {import('./rooms.js').RoomList} o.rooms
 * @param {import('./members.js').MemberList} o.members
 * @param {import('./typing.js').TypingIndicator} o.typing
 * @param {import('./messages.js').MessageList} o.messages
 * @param {import('./notify.js').Toasts} o.toasts
 * @param {import('./unread.js').Unread} o.unread
 * @param {import('./dms.js').DirectMessages} o.dms
 * @param {import('./presence.js').PresenceReporter} o.presenceReporter  says idle again to a new connection
 * @param {() => void} o.onPinsChanged  a message of the open room was pinned, unpinned or deleted
 * @param {(messageId: number) => void} o.onDeleted  a message of the open room was deleted
 * @param {(messageId: number, emoji?: string) => void} o.onReactorsChanged  who reacted to a message may have changed
 * @param {(user: object) => void} o.onUserUpdated  someone changed their profile
 * @param {(message: object) => boolean} [o.shows]  whether a new message of the open room belongs on the pane (city-lens.js)
 * @returns {Map<string, (frame: object) => void>} server frame type -> its handler
 */
export function frameHandlers({ state, me, onMe, resume, outbox, roomActions, rooms, members, typing, messages, toasts, unread, dms, presenceReporter, onPinsChanged, onDeleted, onReactorsChanged, onUserUpdated, shows = () => true }) {
  /** A stored message: confirms ours wherever it comes from; shown if new to the open room. */
  function newMessage({ message, seq }) {
    if (!message || message.id === undefined) return;
    const roomId = Number(message.room_id);
    const mine = Boolean(message.client_id && outbox.has(message.client_id));
    if (mine) outbox.forget(message.client_id);
    unread.posted(message);
    dms.posted(message);
    if (resume.take(roomId, seq) !== 'apply') {
      // Another room, a repeat, or not in step yet (the replay after our join brings it).
      if (mine && roomId === state.currentRoomId) messages.setPending(outbox.pendingFor(roomId));
      return;
    }
    if (message.user) typing.clear(message.user.id);
    if (!shows(message)) {
      // Filtered out of the pane (another city's): our confirmed bubble still goes.
      if (mine) messages.setPending(outbox.pendingFor(roomId));
      return;
    }
    messages.add(messagePosted(message), { own: mine, pending: mine ? outbox.pendingFor(message.room_id) : undefined, seq });
  }

  return new Map(Object.entries({
    ...messageFrameHandlers({ me, resume, messages, onPinsChanged, onDeleted, onReactorsChanged }),
    connected(frame) {
      if (frame.user && Number(frame.user.id) !== me.id) {
        // Signed in as someone else in another tab: this page is stale.
        window.location.reload();
        return;
      }
      if (frame.user) {
        me.username = frame.user.username ?? me.username;
        me.city = frame.user.city ?? me.city;
        me.city_id = frame.user.city_id ?? null;
        me.avatar_url = frame.user.avatar_url ?? null;
        onMe();
      }
      presenceReporter.connected();
    },
    room_users_list(frame) {
      resume.answered(Number(frame.room_id));
      if (Array.isArray(frame.users)) {
        usersSeen(frame.users);
        presences.inRoom(frame.users);
      }
      if (frame.room_id === state.currentRoomId && Array.isArray(frame.users)) members.setAll(frame.users);
    },
    joined_room(frame) {
      if (frame.user) presences.inRoom([frame.user]);
      if (frame.room_id === state.currentRoomId && frame.user) members.add(frame.user);
    },
    left_room(frame) {
      if (frame.room_id === state.currentRoomId) {
        members.remove(frame.user_id);
        typing.clear(frame.user_id);
      }
    },
    new_message: newMessage,
    presence(frame) {
      presences.set(frame.user_id, frame.status);
    },
    user_updated(frame) {
      if (!frame.user) return;
      // Every avatar of theirs on the page (messages, members, mentions) follows, and so do
      // their city and the profile card (user-updates.js).
      userUpdated(frame.user);
      if (Number(frame.user.id) === me.id) me.avatar_url = frame.user.avatar_url ?? null;
      onUserUpdated(frame.user);
    },
    read_state(frame) {
      unread.applyFrame(frame);
    },
    direct_message(frame) {
      dms.received(frame);
    },
    mentioned(frame) {
      // A mention of us in a room this page does not follow: its badge counts it now.
      if (frame.message) unread.posted(frame.message);
    },
    resync_required(frame) {
      if (resume.resync(Number(frame.room_id))) {
        toasts.info(t('messages.resync'));
      }
    },
    typing(frame) {
      if (frame.room_id === state.currentRoomId && frame.user) typing.show(frame.user);
    },
    room_created(frame) {
      if (frame.room) {
        rooms.upsert(frame.room);
        rooms.setActive(state.currentRoomId);
      }
    },
    room_updated(frame) {
      // A repeat of what the open room shows already is dropped; any other updates the list.
      if (frame.room && resume.take(Number(frame.room.id), frame.seq) !== 'duplicate') roomActions.updated(frame.room);
    },
    room_deleted(frame) {
      if (rooms.get(frame.room_id)) roomActions.gone(Number(frame.room_id), null);
    },
    error(frame) {
      if (frame.code === 'unknown_type') {
        console.warn('the server does not know a frame this page sent:', frame.message);
      } else if (frame.code === 'rate_limited' && frame.client_id && outbox.has(frame.client_id)) {
        outbox.holdUntilAllowed(frame.client_id, frame.retry_after_ms);
      } else if (frame.client_id && outbox.has(frame.client_id)) {
        // Refused for good (the message it answers is gone…): not worth waiting for the timeout.
        outbox.refused(frame.client_id, { replyGone: frame.code === 'message_not_found' });
        toasts.error(frame.message || t('chat.request-refused'));
      } else if (MESSAGE_REFUSALS.has(frame.code)) {
        toasts.error(frame.message || t('chat.request-refused'));
      } else if (!resume.refused(frame)) {
        toasts.error(frame.message || t('chat.request-refused'));
      }
    },
  }));
}
