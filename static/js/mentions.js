// mentions.js — owns completing @names in the composer: typing "@" and the start of a
// name lists the room's members whose names begin so (from the member list), ↑/↓
// choose, Enter or Tab put "@name " in place of what was typed, Escape closes the
// list, a click picks too. The composer controls the listbox and points at the chosen
// option (aria-activedescendant), so a screen reader follows without focus leaving the box.
import { h } from './dom.js';
import { t, compareText } from './i18n.js';
import { avatar } from './people.js';

/** At most this many names are offered. */
const MAX_OPTIONS = 8;
/** "@" at the start or after a space, then the part of a name typed so far, right before the caret. */
const TYPED = /(?:^|\s)@([\p{Alphabetic}\p{N}_.-]{0,32})$/u;

export class MentionPicker {
  /**
   * @param {object} o
   * @param {HTMLElement} o.listbox  the <ul role="listbox"> shown above the composer
   * @param {import('./composer.js').Composer} o.composer
   * @param {() => {id:number, username:string}[]} o.members  who is in the open room
   */
  constructor({ listbox, composer, members }) {
    this.listbox = listbox;
    this.composer = composer;
    this.input = composer.input;
    this.members = members;
    /** The names offered, and which one is chosen; null while closed. */
    this.options = null;
    this.active = 0;
    /** Where the "@" typed is in the text. */
    this.at = 0;

    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-controls', listbox.id);
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('click', () => this.update());
    this.input.addEventListener('blur', () => this.close());
    composer.addKeyHandler((event) => this.handleKey(event));
    // A click on an option must not take the focus from the composer first.
    listbox.addEventListener('mousedown', (event) => event.preventDefault());
    listbox.addEventListener('click', (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  /** Looks at the text before the caret: an "@name" being typed opens (or narrows) the list. */
  update() {
    const { value, selectionStart, selectionEnd } = this.input;
    const match = selectionStart === selectionEnd ? TYPED.exec(value.slice(0, selectionStart)) : null;
    if (!match) {
      this.close();
      return;
    }
    const typed = match[1].toLocaleLowerCase();
    const found = this.members()
      .filter((user) => user.username.toLocaleLowerCase().startsWith(typed))
      .sort((a, b) => compareText(a.username, b.username))
      .slice(0, MAX_OPTIONS);
    if (!found.length) {
      this.close();
      return;
    }
    this.at = selectionStart - match[1].length - 1;
    const previous = this.options?.[this.active]?.id;
    this.options = found;
    this.active = Math.max(0, found.findIndex((user) => user.id === previous));
    this.render();
  }

  render() {
    if (!this.options) return;
    this.listbox.replaceChildren(...this.options.map((user, index) => h('li', {
      id: `mention-option-${index}`,
      class: `mention-option${index === this.active ? ' is-active' : ''}`,
      role: 'option',
      'aria-selected': index === this.active ? 'true' : 'false',
      dataset: { index },
    }, avatar(user, 'xs'), h('span', { class: 'mention-option__name', text: user.username }))));
    this.listbox.setAttribute('aria-label', t('mentions.label'));
    this.listbox.hidden = false;
    this.input.setAttribute('aria-activedescendant', `mention-option-${this.active}`);
  }

  handleKey(event) {
    if (!this.options) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + step + this.options.length) % this.options.length;
      this.render();
    } else if ((event.key === 'Enter' && !event.shiftKey) || (event.key === 'Tab' && !event.shiftKey)) {
      this.pick(this.active);
    } else if (event.key === 'Escape') {
      this.close();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  /** Puts "@name " of option `index` in place of the "@…" typed. */
  pick(index) {
    const user = this.options?.[index];
    if (!user) return;
    const { value, selectionStart } = this.input;
    const text = `@${user.username} `;
    this.input.value = value.slice(0, this.at) + text + value.slice(selectionStart);
    const caret = this.at + text.length;
    this.input.setSelectionRange(caret, caret);
    this.close();
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  close() {
    if (!this.options) return;
    this.options = null;
    this.listbox.hidden = true;
    this.listbox.replaceChildren();
    this.input.removeAttribute('aria-activedescendant');
  }
}
