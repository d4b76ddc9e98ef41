// pins.js — owns the open room's pinned messages: the pin button in the room's
// header opens a panel listing them (GET /api/rooms/{id}/pins), newest pin first
// as the server orders them, each showing its author, time and start; choosing one
// closes the panel and shows the message in context, which takes the focus. The
// panel is a modal <dialog> (Escape closes it; focus goes back to the pin button)
// and reloads itself while open when a message of the room is pinned, unpinned or
// deleted.
import * as api from './api.js';
import { h } from './dom.js';
import { t, onLangChange, formatRelative } from './i18n.js';
import { authorOf, dateOf, excerptOf } from './message-format.js';
import { showModal, closeModal } from './dialog.js';

export class PinsPanel {
  /**
   * @param {object} o
   * @param {object} o.elements  button, dialog, list, status, close
   * @param {() => number|null} o.roomId  the open room
   * @param {(roomId: number, messageId: number) => void} o.jump
   */
  constructor({ elements, roomId, jump }) {
    Object.assign(this, elements);
    this.roomId = roomId;
    this.jump = jump;
    /** The pins shown, or null while loading; the error text (a function) when they could not be read. */
    this.pins = null;
    this.error = null;
    /** Bumped by each load: an answer for an earlier one (another room) is dropped. */
    this.token = 0;
    this.button.addEventListener('click', () => this.open());
    this.close.addEventListener('click', () => closeModal(this.dialog));
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) closeModal(this.dialog);
    });
    /** The jump to a chosen pin, made once the panel has closed (and would not take the focus back). */
    this.chosen = null;
    this.dialog.addEventListener('close', () => {
      const chosen = this.chosen;
      this.chosen = null;
      if (chosen) chosen();
      else if (this.button.isConnected && !this.button.hidden) this.button.focus({ preventScroll: true });
    });
    onLangChange(() => this.render());
  }

  open() {
    showModal(this.dialog);
    this.close.focus();
    this.load();
  }

  /** Pins changed in the open room: read them again if the panel shows them. */
  changed() {
    if (this.dialog.open) this.load();
  }

  /** Another room opened: the panel belongs to the room it showed. */
  reset() {
    this.token += 1;
    if (this.dialog.open) closeModal(this.dialog);
  }

  async load() {
    const token = ++this.token;
    const roomId = this.roomId();
    if (roomId === null) return;
    if (this.pins === null) this.render();
    try {
      const pins = await api.listPins(roomId);
      if (token !== this.token) return;
      this.pins = Array.isArray(pins) ? pins : [];
      this.error = null;
    } catch (err) {
      if (token !== this.token) return;
      this.pins = [];
      const message = err?.message;
      this.error = message ? () => message : () => t('pins.load-failed');
    }
    this.render();
  }

  render() {
    const status = this.error ? this.error() : this.pins === null ? t('pins.loading') : this.pins.length ? '' : t('pins.empty');
    this.status.textContent = status;
    this.status.hidden = !status;
    this.list.replaceChildren(...(this.pins ?? []).map((message) => h('li', {},
      h('button', {
        class: 'pin-item',
        type: 'button',
        onClick: () => {
          this.chosen = () => this.jump(Number(message.room_id ?? this.roomId()), Number(message.id));
          closeModal(this.dialog);
        },
      },
      h('span', { class: 'pin-item__head' },
        h('span', { class: 'pin-item__author', text: authorOf(message).username }),
        h('time', { class: 'pin-item__time', datetime: dateOf(message).toISOString(), text: formatRelative(dateOf(message)) })),
      h('span', { class: 'pin-item__text', text: excerptOf(message.content) })))));
  }
}
