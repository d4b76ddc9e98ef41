// room-opener.js — owns which room is on screen: opening one (or the default room when it is
// gone), with its URL, the panes reset for it, the draft kept for the room left and the
// room's own loaded and joined (resume.js); and the texts that name the open room — its
// header, the composer's placeholder and the page title — again after a language switch.
import { t } from './i18n.js';
import { isDesktop } from './drawers.js';
import { setRoomUrl } from './rooms.js';

export class RoomOpener {
  /**
   * @param {object} o  the page's pieces (see chat.js): state, me, defaultRoomId, rooms,
   *   header, drawers, toasts, composer, members, typing, messages, outbox, resume, unread,
   *   notifications, divider, `features` (message-features.js) and `city` (city-features.js).
   */
  constructor(o) {
    Object.assign(this, o);
  }

  /**
   * Shows room `roomId`: leaves the old room on the socket, resets the panes and
   * loads the newest page (or, with `around`, the window around that message), then joins
   * from its seq. `history`: 'push' | 'replace' | 'none'.
   */
  open(roomId, { history = 'push', around = null } = {}) {
    const { state, rooms, features, composer } = this;
    let room = rooms.get(roomId);
    if (!room) {
      const fallback = rooms.get(this.defaultRoomId) ?? rooms.all()[0];
      if (!fallback) {
        this.header.showPlaceholder(() => t('chat.no-rooms'));
        return;
      }
      this.toasts.info(t('chat.room-missing'));
      room = fallback;
      around = null;
      if (history === 'none') history = 'replace';
    }

    this.drawers.close({ restoreFocus: false });
    if (state.currentRoomId === room.id) {
      setRoomUrl(room.id, history === 'push' ? 'replace' : history);
      if (around !== null) features.jumper.jumpTo(room.id, around);
      return;
    }

    if (state.currentRoomId !== null) state.drafts.set(state.currentRoomId, composer.value);
    state.currentRoomId = room.id;
    state.lastTypingAt = 0;

    rooms.setActive(room.id);
    this.showHeader(room);
    this.members.reset();
    this.typing.reset();
    features.editor.forget();
    features.reply.clear();
    features.pins.reset();
    this.divider.opened(room.id);
    this.notifications.paintBell();
    this.messages.reset(room);
    this.messages.setPending(this.outbox.pendingFor(room.id));
    composer.setValue(state.drafts.get(room.id) ?? '');
    state.drafts.delete(room.id);
    this.city.roomOpened();

    this.resume.leave();
    setRoomUrl(room.id, history);
    this.resume.loadNewest(room.id, { around });
    if (isDesktop()) composer.focus();
  }

  /** The texts that name `room`: the header, the composer's placeholder, the page title. */
  showHeader(room) {
    this.header.show(room, {
      isCreator: room.created_by !== null && room.created_by === this.me.id,
      isDefault: room.id === this.defaultRoomId,
    });
    const dm = room.kind === 'dm';
    this.composer.setPlaceholder(dm ? t('composer.placeholder-dm', { name: room.name }) : t('composer.placeholder-room', { room: room.name }));
    this.unread.setTitle(`${dm ? '@' : '#'}${room.name} — Discock`);
  }

  /** After a language switch: the open room's texts outside the views that redo their own. */
  relabel() {
    const room = this.rooms.get(this.state.currentRoomId);
    if (room) this.showHeader(room);
    else this.composer.setPlaceholder(t('composer.placeholder'));
  }
}
