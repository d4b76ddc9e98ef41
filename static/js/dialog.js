// dialog.js — owns the create/rename room dialog: filling it, client-side
// checks, the busy state while the request runs, showing the server's error
// text inside the dialog, and focus: it goes to the name field on opening and
// back to the control that opened the dialog when it closes, however it closes
// (Escape, Отмена, the backdrop, or done).
import { charCount } from './composer.js';

const NAME_MAX = 64;
const DESCRIPTION_MAX = 256;

export class RoomDialog {
  /**
   * @param {object} elements  dialog, form, title, name, description, error, submit, cancel, and
   *   fallbackFocus: where focus goes when the opener is gone or out of reach (a closed drawer)
   */
  constructor(elements) {
    Object.assign(this, elements);
    /** The element focused when the dialog opened: focus goes back there on closing. */
    this.returnFocus = null;
    /** (values) => Promise: does the work; a rejection's message is shown in the dialog. */
    this.handler = null;
    /** Id of the room being edited, or null when creating. */
    this.roomId = null;
    this.busy = false;

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submitForm();
    });
    this.cancel.addEventListener('click', () => this.close());
    this.dialog.addEventListener('cancel', (event) => {
      if (this.busy) event.preventDefault();
    });
    // Every way of closing ends here, Escape (which closes the <dialog> natively) included.
    this.dialog.addEventListener('close', () => this.closed());
    // A click on the dimmed backdrop (the <dialog> itself, outside the form) closes it.
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog && !this.busy) this.close();
    });
    this.name.addEventListener('input', () => this.showError(''));
  }

  /** Opens the empty dialog; `handler({name, description})` creates the room. */
  openCreate(handler) {
    this.open({
      title: 'Создать комнату',
      submitText: 'Создать',
      name: '',
      description: '',
      roomId: null,
      handler,
    });
  }

  /** Opens the dialog filled with `room`; `handler({name, description})` saves it. */
  openEdit(room, handler) {
    this.open({
      title: 'Изменить комнату',
      submitText: 'Сохранить',
      name: room.name,
      description: room.description,
      roomId: room.id,
      handler,
    });
  }

  /** Closes the dialog if it is editing `roomId` (the room was just deleted). */
  closeIfEditing(roomId) {
    if (this.dialog.open && this.roomId === roomId) this.close();
  }

  open({ title, submitText, name, description, roomId, handler }) {
    this.title.textContent = title;
    this.submit.textContent = submitText;
    this.submitText = submitText;
    this.name.value = name;
    this.description.value = description;
    this.roomId = roomId;
    this.handler = handler;
    this.showError('');
    this.setBusy(false);
    if (!this.dialog.open) {
      this.returnFocus = document.activeElement;
      if (typeof this.dialog.showModal === 'function') this.dialog.showModal();
      else this.dialog.setAttribute('open', '');
    }
    this.name.focus();
    this.name.select();
  }

  close() {
    if (typeof this.dialog.close === 'function') {
      this.dialog.close(); // fires 'close', which runs closed()
    } else {
      this.dialog.removeAttribute('open');
      this.closed();
    }
  }

  closed() {
    this.setBusy(false);
    this.handler = null;
    this.roomId = null;
    const back = this.returnFocus;
    this.returnFocus = null;
    const reachable = back?.isConnected && back !== document.body && !back.closest('[inert], [hidden]');
    (reachable ? back : this.fallbackFocus)?.focus({ preventScroll: true });
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  setBusy(busy) {
    this.busy = busy;
    this.submit.disabled = busy;
    this.cancel.disabled = busy;
    this.submit.textContent = busy ? 'Сохранение…' : (this.submitText || this.submit.textContent);
  }

  async submitForm() {
    if (this.busy || !this.handler) return;
    const name = this.name.value.trim();
    const description = this.description.value.trim();
    if (!name) {
      this.showError('Введите название комнаты.');
      this.name.focus();
      return;
    }
    if (charCount(name) > NAME_MAX) {
      this.showError(`Название — не больше ${NAME_MAX} символов.`);
      return;
    }
    if (charCount(description) > DESCRIPTION_MAX) {
      this.showError(`Описание — не больше ${DESCRIPTION_MAX} символов.`);
      return;
    }
    this.showError('');
    this.setBusy(true);
    try {
      await this.handler({ name, description });
      this.close();
    } catch (err) {
      this.setBusy(false);
      this.showError(err?.message || 'Не удалось сохранить комнату.');
      this.name.focus();
    }
  }
}
