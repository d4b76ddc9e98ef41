// message-features.js — owns putting together what a person does with messages on
// the chat page, each piece from its own module, on the page's elements: replying
// (reply.js), editing in place (message-edit.js), the toolbar, menu and keys of a
// message (message-actions.js, message-menu.js), the delete confirmation
// (confirm.js), jumping to a message (jump.js), the pinned messages (pins.js),
// who reacted (reactors.js), completing @names (mentions.js) and the composer's emoji button. chat.js gives it
// the session's pieces and gets back the ones it needs to call.
import { byId } from './dom.js';
import { ReplyBar } from './reply.js';
import { MessageEditor } from './message-edit.js';
import { ConfirmDialog } from './confirm.js';
import { MessageMenu } from './message-menu.js';
import { MessageActions } from './message-actions.js';
import { Jumper } from './jump.js';
import { PinsPanel } from './pins.js';
import { MentionPicker } from './mentions.js';
import { ReactorTooltip } from './reactors.js';
import { openEmojiPicker } from './emoji-picker.js';

/**
 * @param {object} o
 * @param {object} o.state  chat.js session state
 * @param {{id:number}} o.me
 * @param {import('./socket.js').ChatSocket} o.socket
 * @param {import('./rooms.js').RoomList} o.rooms
 * @param {import('./messages.js').MessageList} o.messages
 * @param {import('./members.js').MemberList} o.members
 * @param {import('./composer.js').Composer} o.composer
 * @param {import('./notify.js').Toasts} o.toasts
 * @param {(roomId: number, opts: {around: number}) => void} o.openRoom  opens another room at a message
 * @param {(page: object[]) => void} o.settle  our messages a page shows are stored
 */
export function messageFeatures({ state, me, socket, rooms, messages, members, composer, toasts, openRoom, settle }) {
  const room = () => (state.currentRoomId === null ? null : rooms.get(state.currentRoomId) ?? null);
  const send = (frame) => socket.send(frame);

  // First to see the composer's keys: while its list is open, ↑/↓, Enter, Tab and Escape are its.
  new MentionPicker({
    listbox: byId('mention-list'),
    composer,
    members: () => Array.from(members.users?.values() ?? []).filter((user) => user.id !== me.id),
  });
  const reply = new ReplyBar({
    elements: { bar: byId('reply-bar'), name: byId('reply-bar-name'), excerpt: byId('reply-bar-excerpt'), cancel: byId('reply-bar-cancel') },
    composer,
  });
  const confirm = new ConfirmDialog({
    dialog: byId('confirm-dialog'),
    form: byId('confirm-form'),
    title: byId('confirm-title'),
    text: byId('confirm-text'),
    quote: byId('confirm-quote'),
    ok: byId('confirm-ok'),
    cancel: byId('confirm-cancel'),
    fallbackFocus: composer.input,
  });
  const jumper = new Jumper({ state, messages, openRoom, settle, toasts });
  const jump = (roomId, messageId) => jumper.jumpTo(roomId, messageId);
  // Declared before the editor, which offers to delete a message whose text was emptied.
  let actions = null;
  const editor = new MessageEditor({
    messages,
    composer,
    send,
    onError: (text) => toasts.error(text),
    onEmptied: (message) => actions.confirmDelete(message),
  });
  actions = new MessageActions({
    scroller: byId('messages'),
    list: byId('message-list'),
    me,
    room,
    messages,
    menu: new MessageMenu({ dialog: byId('message-menu'), list: byId('message-menu-list'), preview: byId('message-menu-preview') }),
    reply,
    editor,
    confirm,
    send,
    jump,
    toasts,
  });
  const pins = new PinsPanel({
    elements: { button: byId('open-pins'), dialog: byId('pins-dialog'), list: byId('pins-list'), status: byId('pins-status'), close: byId('pins-close') },
    roomId: () => state.currentRoomId,
    jump,
  });
  const reactors = new ReactorTooltip({ list: byId('message-list'), scroller: byId('messages') });
  const emoji = byId('composer-emoji');
  emoji.addEventListener('click', () => openEmojiPicker(emoji, { onPick: (picked) => composer.insert(picked) }));

  return {
    reply,
    editor,
    jumper,
    pins,
    reactors,
    /** Message `id` was deleted: a reply being written to it, or an edit of it, ends. */
    deleted(id) {
      reply.forget(id);
      if (editor.id === id) {
        editor.forget();
        composer.focus();
      }
    },
  };
}
