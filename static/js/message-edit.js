// message-edit.js — owns editing one of my messages in place: the box that takes the
// place of its text (Enter saves with edit_message, Shift+Enter breaks the line,
// Escape cancels, emptying it offers to delete the message), ↑ in an empty composer
// opening it on my newest message, and focus going back where the edit started. The
// box survives its message being re-rendered meanwhile (a reaction, a pin) with what
// was typed in it. The list shows the saved text when message_updated comes.
import { h } from './dom.js';
import { t } from './i18n.js';
import { MAX_MESSAGE_CHARS, charCount } from './composer.js';

export class MessageEditor {
  /**
   * @param {object} o
   * @param {import('./messages.js').MessageList} o.messages
   * @param {import('./composer.js').Composer} o.composer
   * @param {(frame: object) => boolean} o.send  sends a frame; false when offline
   * @param {(text: string) => void} o.onError
   * @param {(message: object) => void} o.onEmptied  the text was emptied: offer to delete the message
   */
  constructor({ messages, composer, send, onError, onEmptied }) {
    Object.assign(this, { messages, composer, send, onError, onEmptied });
    /** The message being edited, or null. */
    this.id = null;
    /** The box (kept across re-renders of the message) and where focus goes afterwards. */
    this.box = null;
    this.returnFocus = null;

    composer.addKeyHandler((event) => {
      if (event.key !== 'ArrowUp' || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return false;
      if (composer.value !== '') return false;
      const mine = messages.model.lastOwn();
      if (!mine) return false;
      event.preventDefault();
      this.start(mine.id);
      return true;
    });
    // A re-rendered message gets the box back, with what was typed and the caret where it was.
    messages.view.hooks.push((node, message) => {
      if (message.id === this.id && this.box) this.attach(node);
    });
  }

  /** Opens the box on my message `id` (on the list), focused, its text selected at the end. */
  start(id) {
    const message = this.messages.get(id);
    const node = this.messages.view.nodes.get(Number(id));
    if (!message || !node) return;
    if (this.id !== null) this.close();
    this.returnFocus = document.activeElement;
    this.id = Number(id);
    const input = h('textarea', {
      class: 'msg-edit__input',
      rows: String(Math.min(10, String(message.content ?? '').split('\n').length)),
      'aria-label': t('edit.label'),
      'aria-describedby': 'msg-edit-hint',
    });
    input.value = String(message.content ?? '');
    input.addEventListener('keydown', (event) => this.handleKey(event));
    input.addEventListener('input', () => {
      input.rows = Math.max(1, Math.min(10, input.value.split('\n').length));
    });
    this.box = h('div', { class: 'msg-edit' },
      input,
      h('p', { class: 'msg-edit__hint', id: 'msg-edit-hint', text: t('edit.hint') }));
    this.attach(node);
    node.scrollIntoView({ block: 'nearest' });
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  /**
   * Puts the box into `node` in place of the message's text. (A re-rendered message gets it
   * before it is on the page; message-actions.js gives the focus back once it is.)
   */
  attach(node) {
    node.classList.add('msg--editing');
    node.querySelector('.msg__text')?.after(this.box);
  }

  handleKey(event) {
    if (event.isComposing || event.keyCode === 229) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.close();
    } else if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      this.save();
    }
  }

  save() {
    const id = this.id;
    const message = this.messages.get(id);
    const content = this.box.querySelector('textarea').value.trim();
    if (!message) {
      this.close();
      return;
    }
    if (!content) {
      this.close();
      this.onEmptied(message);
      return;
    }
    if (charCount(content) > MAX_MESSAGE_CHARS) {
      this.onError(t('messages.too-long', { count: MAX_MESSAGE_CHARS }));
      return;
    }
    if (content !== String(message.content ?? '').trim()) {
      if (!this.send({ type: 'edit_message', message_id: id, content })) {
        this.onError(t('message.offline'));
        return;
      }
    }
    this.close();
  }

  /** Another room opened: the box went with the old list. */
  forget() {
    this.id = null;
    this.box = null;
    this.returnFocus = null;
  }

  /** Closes the box (the message shows its text again); focus goes back where the edit started. */
  close() {
    if (this.id === null) return;
    const node = this.messages.view.nodes.get(this.id);
    this.box?.remove();
    node?.classList.remove('msg--editing');
    this.id = null;
    this.box = null;
    const back = this.returnFocus;
    this.returnFocus = null;
    const reachable = back?.isConnected && back !== document.body && !back.closest('[inert], [hidden]');
    (reachable ? back : node ?? this.composer.input).focus({ preventScroll: true });
  }
}
