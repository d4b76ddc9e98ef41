// dms.js — owns the direct conversations on the page: loading them into the
// room list (GET /api/dms, on every connection: one may have started while we
// were away; it says whether each other person is online, for presence.js), a `direct_message` frame (a message in a conversation this page
// has not joined: the sidebar entry appears or moves up and its unread count
// grows), and starting one from a profile card's «Написать» (the
// `discock:write-to` event: POST /api/dms, then the conversation opens).
import * as api from './api.js';
import { t } from './i18n.js';
import { presences } from './presence.js';

export class DirectMessages {
  /**
   * @param {object} o
   * @param {import('./rooms.js').RoomList} o.rooms  keeps the conversations beside the rooms
   * @param {import('./unread.js').Unread} o.unread  counts what came
   * @param {import('./notify.js').Toasts} o.toasts
   * @param {(roomId: number) => void} o.openRoom
   */
  constructor({ rooms, unread, toasts, openRoom }) {
    this.rooms = rooms;
    this.unread = unread;
    this.toasts = toasts;
    this.openRoom = openRoom;
    /** Listeners told of each message that came in a conversation not open here (notifications). */
    this.listeners = [];
    /** Bumped by each load, so an older answer arriving late is dropped. */
    this.generation = 0;
    document.addEventListener('discock:write-to', (event) => {
      const user = event.detail?.user;
      if (user?.id !== undefined) this.writeTo(user.id);
    });
  }

  /** Reads the conversations again (a connection opened). */
  async load() {
    const generation = ++this.generation;
    let conversations;
    try {
      conversations = await api.listDms();
    } catch (err) {
      // The list stays as it was; the next connection asks again.
      console.warn('dms: GET /api/dms failed:', err);
      return;
    }
    if (generation !== this.generation || !Array.isArray(conversations)) return;
    for (const { user, presence } of conversations) if (user && presence) presences.set(user.id, presence);
    this.rooms.setConversations(conversations);
    this.unread.paint();
  }

  /** A `direct_message` frame. */
  received({ room, message }) {
    if (!room || !message) return;
    this.rooms.upsert(room, message.id);
    this.unread.posted(message);
    for (const listener of this.listeners) listener(this.rooms.get(room.id), message);
  }

  /** A message was stored in a room (a `new_message`): a conversation moves up the list. */
  posted(message) {
    this.rooms.touch(Number(message.room_id), Number(message.id));
  }

  /** Opens the conversation with user `userId`, starting it if there is none. */
  async writeTo(userId) {
    let room;
    try {
      room = await api.openDm(userId);
    } catch (err) {
      this.toasts.error(t('dms.open-failed', { reason: err.message }));
      return;
    }
    this.rooms.upsert(room);
    this.openRoom(Number(room.id));
  }
}
