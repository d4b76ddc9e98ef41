// confirm.js — owns the small «are you sure?» dialog of the chat page (deleting a
// message): a title, what is at stake, «Отмена» and the action's button. It answers
// with a promise; Escape, «Отмена» and the backdrop answer no. Focus goes to the
// action's button on opening and back to the control that opened it on closing.
import { showModal, closeModal } from './dialog.js';

export class ConfirmDialog {
  /**
   * @param {object} elements  dialog, form, title, text, quote, ok, cancel, and fallbackFocus:
   *   where focus goes when the opener is gone (the message was re-rendered meanwhile)
   */
  constructor(elements) {
    Object.assign(this, elements);
    /** Resolves the open question: fn(answer). */
    this.answer = null;
    this.returnFocus = null;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.finish(true);
    });
    this.cancel.addEventListener('click', () => this.finish(false));
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.finish(false);
    });
    // Escape closes the <dialog> natively: that is a no.
    this.dialog.addEventListener('close', () => this.finish(false));
  }

  /**
   * Asks; resolves to true when the person confirms. `title`, `text` and `ok` (the action's
   * button) are texts; `quote` (optional) shows what the action is about.
   */
  ask({ title, text, ok, quote = '' }) {
    this.finish(false);
    this.title.textContent = title;
    this.text.textContent = text;
    this.quote.textContent = quote;
    this.quote.hidden = !quote;
    this.ok.textContent = ok;
    this.returnFocus = document.activeElement;
    showModal(this.dialog);
    this.ok.focus();
    return new Promise((resolve) => {
      this.answer = resolve;
    });
  }

  finish(yes) {
    const answer = this.answer;
    if (!answer) return;
    this.answer = null;
    if (this.dialog.open) closeModal(this.dialog);
    const back = this.returnFocus;
    this.returnFocus = null;
    const reachable = back?.isConnected && back !== document.body && !back.closest('[inert], [hidden]');
    (reachable ? back : this.fallbackFocus)?.focus({ preventScroll: true });
    answer(yes);
  }
}
