// keys.js — owns the chat page's keyboard shortcuts that work from anywhere on
// the page, the composer included: Alt+↑ / Alt+↓ open the previous / next room
// of the list (round from the last to the first), without a reload, and tell
// screen readers which room opened. Escape belongs to what it closes
// (drawers.js, the native <dialog> in dialog.js).
import { t } from './i18n.js';

export class RoomKeys {
  /**
   * @param {object} o
   * @param {import('./rooms.js').RoomList} o.rooms  the rooms, in list order
   * @param {import('./drawers.js').Drawers} o.drawers  a switch closes an open drawer
   * @param {() => number|null} o.currentRoomId
   * @param {(roomId: number) => void} o.openRoom
   * @param {HTMLElement} o.composer   takes focus when the focused control goes away with a drawer
   * @param {HTMLElement} o.announcer  a role="status" region, visually hidden
   */
  constructor({ rooms, drawers, currentRoomId, openRoom, composer, announcer }) {
    Object.assign(this, { rooms, drawers, currentRoomId, openRoom, composer, announcer });
    document.addEventListener('keydown', (event) => this.handle(event));
  }

  handle(event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing) return;
    const step = { ArrowUp: -1, ArrowDown: 1 }[event.key];
    if (!step || event.defaultPrevented) return;
    // Not behind a modal dialog, and not from a <select>, where Alt+↓ opens the list.
    if (document.querySelector('dialog[open]') || event.target.closest?.('select')) return;
    event.preventDefault();
    this.step(step);
  }

  /** Opens the room `step` places away from the open one in the list. */
  step(step) {
    const rooms = this.rooms.all();
    const at = rooms.findIndex((room) => room.id === this.currentRoomId());
    if (rooms.length < 2 || at < 0) return;
    const room = rooms[(at + step + rooms.length) % rooms.length];

    const focused = document.activeElement;
    const inList = Boolean(focused?.closest?.('a[data-room-id]')) && this.rooms.list.contains(focused);
    const inDrawer = this.drawers.holds(focused);
    this.openRoom(room.id);

    // Focus stays where it was (the composer keeps its place), except on the room list, where it
    // follows the open room, and in a drawer, which the switch has just closed.
    if (inList && !inDrawer) this.rooms.list.querySelector('a[aria-current="page"]')?.focus();
    else if (inDrawer) this.composer.focus();
    this.announcer.textContent = t('chat.room-opened', { name: room.name });
  }
}
