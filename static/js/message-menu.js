// message-menu.js — owns the menu of a message's actions that opens from a long press
// on a phone (as a sheet from the bottom of the screen) or from the keyboard on a
// focused message (Enter, the context-menu key, Shift+F10): one button per action
// the person may take on that message. It is a modal <dialog>: focus goes to its
// first action, Escape or a tap outside closes it, and focus goes back to the
// message (or whatever opened it). Which actions exist is message-actions.js's.
import { h } from './dom.js';
import { icon } from './icons.js';
import { showModal, closeModal } from './dialog.js';

export class MessageMenu {
  /** @param {object} elements  dialog, list (the <ul> of actions), preview (the message's start) */
  constructor(elements) {
    Object.assign(this, elements);
    this.returnFocus = null;
    /** Runs after the dialog closed and focus went back (an action opening another dialog goes then). */
    this.after = null;
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.close();
    });
    this.dialog.addEventListener('close', () => this.closed());
  }

  /**
   * Opens the menu for a message: `preview` (its author and start), `actions`
   * [{id, icon, label, danger}], `onPick(id)` runs once the menu has closed; `returnFocus`
   * gets the focus back.
   */
  open({ preview, actions, onPick, returnFocus }) {
    this.returnFocus = returnFocus;
    this.preview.textContent = preview;
    this.list.replaceChildren(...actions.map((action) => h('li', {},
      h('button', {
        class: `menu__item${action.danger ? ' menu__item--danger' : ''}`,
        type: 'button',
        dataset: { action: action.id },
        onClick: () => {
          this.after = () => onPick(action.id);
          this.close();
        },
      }, icon(action.icon), h('span', { text: action.label })))));
    showModal(this.dialog);
    this.list.querySelector('button')?.focus();
  }

  close() {
    if (this.dialog.open) closeModal(this.dialog);
  }

  closed() {
    const back = this.returnFocus;
    this.returnFocus = null;
    if (back?.isConnected) back.focus({ preventScroll: true });
    const after = this.after;
    this.after = null;
    after?.();
  }
}
