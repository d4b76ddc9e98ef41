// message-frames.js — owns what the frames about existing messages do to the page:
// message_updated (an edit, a pin), message_deleted and reaction_added /
// reaction_removed, and telling the who-reacted tooltip (reactors.js) what changed. Each is a logged event of its room: resume.js says whether it is
// new to the view, then the message list changes the one message (which ignores what
// a page it loaded already contained). My own `me` on a reaction is kept here from
// the frames' user_id, since frames to the whole room say `me: false` for everyone.
// frames.js merges these handlers into its map.
//
// Reactions come only from history pages (a snapshot as of their seq) and from the
// reaction frames, never from message frames: a replay after a reconnect shows each
// message as it is *now*, reactions included, and then replays the reaction events
// that led there, which would count them twice. A message is posted without
// reactions, and all of its reactions are events after it, so a new_message starts
// with none (messagePosted) and a message_updated keeps what the view counted.
import { withReactionAdded, withReactionRemoved } from './reactions.js';
import { excerptOf } from './message-format.js';

/** A new_message's message as the view keeps it: without reactions yet (see above). */
export function messagePosted(message) {
  return { ...message, reactions: [] };
}

/**
 * @param {object} o
 * @param {{id:number}} o.me
 * @param {import('./resume.js').RoomResume} o.resume
 * @param {import('./messages.js').MessageList} o.messages
 * @param {() => void} o.onPinsChanged  a message of the open room was pinned, unpinned or deleted
 * @param {(messageId: number) => void} o.onDeleted  a message of the open room was deleted (a reply to it, an edit of it end)
 * @param {(messageId: number, emoji?: string) => void} o.onReactorsChanged  who reacted to a message (with `emoji`;
 *   without it, the message was changed or deleted) may have changed: after the message is drawn anew
 * @returns {Record<string, (frame: object) => void>} frame type -> handler
 */
export function messageFrameHandlers({ me, resume, messages, onPinsChanged, onDeleted, onReactorsChanged }) {
  /** Whether a logged frame of `roomId` at `seq` is new to the open room's view. */
  const fresh = (roomId, seq) => resume.take(Number(roomId), seq) === 'apply';

  return {
    message_updated({ message, seq }) {
      if (!message || message.id === undefined || !fresh(message.room_id, seq)) return;
      const before = messages.get(message.id);
      messages.patch(message.id, seq, (known) => ({ ...message, reactions: known.reactions ?? [] }));
      messages.patchReplies(message.id, (quote) => (quote.deleted ? quote : { ...quote, excerpt: excerptOf(message.content) }));
      if (!before || Boolean(before.pinned) !== Boolean(message.pinned)) onPinsChanged();
      onReactorsChanged(Number(message.id));
    },
    message_deleted({ room_id: roomId, message_id: id, seq }) {
      if (!fresh(roomId, seq)) return;
      messages.remove(id, seq);
      onDeleted(Number(id));
      onPinsChanged();
      onReactorsChanged(Number(id));
    },
    // Who reacted is asked anew even for a frame the view had (or another room's): the names
    // kept for the tooltip may be older than the view.
    reaction_added({ room_id: roomId, message_id: id, emoji, user_id: userId, seq }) {
      if (fresh(roomId, seq)) {
        const mine = Number(userId) === me.id;
        messages.patch(id, seq, (known) => ({ ...known, reactions: withReactionAdded(known, emoji, mine) }));
      }
      onReactorsChanged(Number(id), emoji);
    },
    reaction_removed({ room_id: roomId, message_id: id, emoji, user_id: userId, seq }) {
      if (fresh(roomId, seq)) {
        const mine = Number(userId) === me.id;
        messages.patch(id, seq, (known) => ({ ...known, reactions: withReactionRemoved(known, emoji, mine) }));
      }
      onReactorsChanged(Number(id), emoji);
    },
  };
}
