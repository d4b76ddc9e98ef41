// room-actions.js — owns what happens to rooms themselves: creating, renaming
// and deleting one (through the room dialog and the API), applying a room that
// changed or disappeared (here, in another tab, or found missing after a
// reconnect — then the page moves to the default room), and re-reading the room
// list after a reconnect. Its data lives in the session state of chat.js; which
// room is open is chat.js's openRoom, passed in.
import * as api from './api.js';
import { t } from './i18n.js';

export class RoomActions {
  /**
   * @param {object} o
   * @param {object} o.state  chat.js session state (currentRoomId, joinedRoomId, drafts)
   * @param {number} o.defaultRoomId  the room to fall back to
   * @param {import('./rooms.js').RoomList} o.rooms
   * @param {import('./dialog.js').RoomDialog} o.dialog
   * @param {import('./notify.js').Toasts} o.toasts
   * @param {import('./outbox.js').Outbox} o.outbox  forgets the unsent messages of a room that is gone
   * @param {(roomId: number, opts?: {history?: string}) => void} o.openRoom  show a room
   * @param {(room: object) => void} o.onRoomChanged  the open room was renamed or re-described
   * @param {() => void} o.onNoRooms  the open room is gone and no other is left
   */
  constructor({ state, defaultRoomId, rooms, dialog, toasts, outbox, openRoom, onRoomChanged, onNoRooms }) {
    this.state = state;
    this.defaultRoomId = defaultRoomId;
    this.rooms = rooms;
    this.dialog = dialog;
    this.toasts = toasts;
    this.outbox = outbox;
    this.openRoom = openRoom;
    this.onRoomChanged = onRoomChanged;
    this.onNoRooms = onNoRooms;
  }

  /** Re-reads the room list after a reconnect (room events may have been missed). */
  async refresh() {
    const s = this.state;
    try {
      const before = this.rooms.get(s.currentRoomId);
      const list = await api.listRooms();
      this.rooms.setRooms(list);
      this.rooms.setActive(s.currentRoomId);
      const current = this.rooms.get(s.currentRoomId);
      if (current) {
        this.onRoomChanged(current);
      } else if (s.currentRoomId !== null) {
        this.gone(s.currentRoomId, null, before);
      }
    } catch {
      /* keep the list we have; the next reconnect tries again */
    }
  }

  create() {
    this.dialog.openCreate(async ({ name, description }) => {
      const room = this.rooms.upsert(await api.createRoom({ name, description }));
      this.openRoom(room.id);
      this.toasts.success(t('rooms.created', { room: room.name }));
    });
  }

  renameCurrent() {
    const room = this.rooms.get(this.state.currentRoomId);
    if (!room) return;
    this.dialog.openEdit(room, async ({ name, description }) => {
      const changes = {};
      if (name !== room.name) changes.name = name;
      if (description !== room.description) changes.description = description;
      if (!Object.keys(changes).length) return;
      this.updated(await api.updateRoom(room.id, changes));
    });
  }

  async deleteCurrent() {
    const room = this.rooms.get(this.state.currentRoomId);
    if (!room) return;
    if (!window.confirm(t('rooms.delete-confirm', { room: room.name }))) return;
    try {
      await api.deleteRoom(room.id);
      this.gone(room.id, t('rooms.deleted', { room: room.name }));
    } catch (err) {
      this.toasts.error(err.message);
    }
  }

  /** A room was renamed or re-described (here or elsewhere). */
  updated(raw) {
    const room = this.rooms.upsert(raw);
    if (room.id === this.state.currentRoomId) {
      this.rooms.setActive(room.id);
      this.onRoomChanged(room);
    } else {
      this.rooms.setActive(this.state.currentRoomId);
    }
  }

  /** A room disappeared (deleted here, elsewhere, or found missing after a reconnect). */
  gone(roomId, message, known) {
    const s = this.state;
    const room = this.rooms.remove(roomId) ?? known;
    this.rooms.setActive(s.currentRoomId);
    this.dialog.closeIfEditing(roomId);
    s.drafts.delete(roomId);
    this.outbox.forgetRoom(roomId);
    // The server dropped our subscription with the room: don't send leave_room for it.
    if (s.joinedRoomId === roomId) s.joinedRoomId = null;
    if (roomId !== s.currentRoomId) return;

    const fallback = this.rooms.get(this.defaultRoomId) ?? this.rooms.all()[0];
    const what = room ? t('rooms.was-deleted', { room: room.name }) : t('rooms.this-was-deleted');
    const where = fallback ? t('rooms.moved-to', { room: fallback.name }) : '';
    this.toasts.info([message ?? what, where].filter(Boolean).join(' '));
    s.currentRoomId = null;
    if (fallback) this.openRoom(fallback.id, { history: 'replace' });
    else this.onNoRooms();
  }
}
