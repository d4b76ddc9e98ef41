// reply.js — owns answering a message: the bar above the composer («В ответ
// Алисе: …» with × to cancel; Escape in the composer cancels too) and which message
// the next message sent answers. A room switch drops the reply; the message it
// answers being deleted drops it too. How a reply looks in the list is
// message-format.js's (replyQuote).
import { t, onLangChange } from './i18n.js';
import { excerptOf } from './message-format.js';

export class ReplyBar {
  /**
   * @param {object} o
   * @param {object} o.elements  bar, name, excerpt, cancel
   * @param {import('./composer.js').Composer} o.composer
   */
  constructor({ elements, composer }) {
    Object.assign(this, elements);
    this.composer = composer;
    /** The message the next message answers: {id, user, excerpt}, or null. */
    this.target = null;
    this.cancel.addEventListener('click', () => {
      this.clear();
      this.composer.focus();
    });
    composer.addKeyHandler((event) => {
      if (event.key !== 'Escape' || !this.target) return false;
      event.preventDefault();
      this.clear();
      return true;
    });
    onLangChange(() => this.render());
  }

  /** Answers `message` with the next message sent; the composer takes focus. */
  start(message) {
    this.target = {
      id: Number(message.id),
      user: { id: message.user?.id ?? null, username: message.user?.username ?? t('messages.unknown-author') },
      excerpt: excerptOf(message.content),
    };
    this.render();
    this.composer.focus();
  }

  /** The message the next message answers (null: none). */
  get current() {
    return this.target;
  }

  /** No reply any more (sent, cancelled, another room). */
  clear() {
    this.target = null;
    this.render();
  }

  /** Message `id` is gone: a reply to it cannot be sent. */
  forget(id) {
    if (this.target && this.target.id === Number(id)) this.clear();
  }

  render() {
    this.bar.hidden = !this.target;
    if (!this.target) return;
    this.name.textContent = t('reply.to', { name: this.target.user.username });
    this.excerpt.textContent = this.target.excerpt;
  }
}
