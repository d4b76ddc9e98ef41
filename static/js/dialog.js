// dialog.js — owns the create/rename room dialog: filling it, client-side
// checks, the busy state while the request runs, showing the server's error
// text inside the dialog, and focus: it goes to the name field on opening and
// back to the control that opened the dialog when it closes, however it closes
// (Escape, Отмена, the backdrop, or done). Also the <dialog> handling every
// modal of the page shares (showModal / close, with a fallback for old browsers).
import { charCount } from './composer.js';
import { t, onLangChange } from './i18n.js';

const NAME_MAX = 64;
const DESCRIPTION_MAX = 256;

/** Opens `dialog` as a modal (the rest of the page inert), unless it is open already. */
export function showModal(dialog) {
  if (dialog.open) return;
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
}

/** Closes a dialog opened with showModal. */
export function closeModal(dialog) {
  if (typeof dialog.close === 'function') dialog.close();
  else dialog.removeAttribute('open');
}

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
    /** The title and submit button of the current mode (create or edit), in the current language. */
    this.titleText = () => t('room-form.create-title');
    this.submitText = () => t('room-form.create');
    /** The error shown, as a function so it can be said again in another language. */
    this.errorText = null;

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
    this.name.addEventListener('input', () => this.showError(null));
    onLangChange(() => this.renderTexts());
  }

  /** Opens the empty dialog; `handler({name, description})` creates the room. */
  openCreate(handler) {
    this.open({
      titleText: () => t('room-form.create-title'),
      submitText: () => t('room-form.create'),
      name: '',
      description: '',
      roomId: null,
      handler,
    });
  }

  /** Opens the dialog filled with `room`; `handler({name, description})` saves it. */
  openEdit(room, handler) {
    this.open({
      titleText: () => t('room-form.edit-title'),
      submitText: () => t('room-form.save'),
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

  open({ titleText, submitText, name, description, roomId, handler }) {
    this.titleText = titleText;
    this.submitText = submitText;
    this.name.value = name;
    this.description.value = description;
    this.roomId = roomId;
    this.handler = handler;
    this.showError(null);
    this.setBusy(false);
    if (!this.dialog.open) this.returnFocus = document.activeElement;
    showModal(this.dialog);
    this.name.focus();
    this.name.select();
  }

  close() {
    closeModal(this.dialog);
    // A real <dialog> fires 'close', which runs closed(); the fallback for old browsers does not.
    if (typeof this.dialog.close !== 'function') this.closed();
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

  /** Shows `text()` as the dialog's error (null: none); a function, so a language switch can redo it. */
  showError(text) {
    this.errorText = text;
    this.error.textContent = text ? text() : '';
    this.error.hidden = !text;
  }

  setBusy(busy) {
    this.busy = busy;
    this.submit.disabled = busy;
    this.cancel.disabled = busy;
    this.renderTexts();
  }

  /** The texts that depend on the mode, in the current language. */
  renderTexts() {
    this.title.textContent = this.titleText();
    this.submit.textContent = this.busy ? t('room-form.saving') : this.submitText();
    if (this.errorText) this.error.textContent = this.errorText();
  }

  async submitForm() {
    if (this.busy || !this.handler) return;
    const name = this.name.value.trim();
    const description = this.description.value.trim();
    if (!name) {
      this.showError(() => t('room-form.name-empty'));
      this.name.focus();
      return;
    }
    if (charCount(name) > NAME_MAX) {
      this.showError(() => t('room-form.name-too-long', { count: NAME_MAX }));
      return;
    }
    if (charCount(description) > DESCRIPTION_MAX) {
      this.showError(() => t('room-form.description-too-long', { count: DESCRIPTION_MAX }));
      return;
    }
    this.showError(null);
    this.setBusy(true);
    try {
      await this.handler({ name, description });
      this.close();
    } catch (err) {
      this.setBusy(false);
      const message = err?.message;
      this.showError(message ? () => message : () => t('room-form.save-failed'));
      this.name.focus();
    }
  }
}
