// messages-bottom.js — owns where the reader is against the end of the message list: near
// the bottom or far up, taking them down to it, the count of new messages that came while
// they were away from it, and the «Перейти к последним» button that says so and takes them
// back (to the newest page, from a window that does not reach it). messages.js says when
// messages come and which window is shown.
import { t } from './i18n.js';
import { icon } from './icons.js';

/** "Near the bottom": new messages keep the view pinned to the end. */
const NEAR_BOTTOM_PX = 120;
/** Scrolled up more than this many screens: offer the way back to the newest. */
const FAR_SCREENS = 2;

export class ListBottom {
  /**
   * @param {object} o
   * @param {HTMLElement} o.scroller  the scrolling message pane
   * @param {HTMLButtonElement} o.jump  «Перейти к последним»
   * @param {() => boolean} o.detached  whether the list shows a window that may not reach the newest message
   * @param {() => void} o.onLatest  a detached window wants the newest page
   */
  constructor({ scroller, jump, detached, onLatest }) {
    Object.assign(this, { scroller, jump, detached, onLatest });
    /** Scrolled far up: the button offers the way back even without new messages. */
    this.far = false;
    /** New messages that arrived while the user was scrolled up. */
    this.unseen = 0;
    jump.addEventListener('click', () => this.jumpToLatest());
  }

  /** A new list is shown: not far up, and nothing unseen unless `keepUnseen`. The button is painted by updateJump(). */
  restart({ keepUnseen = false } = {}) {
    if (!keepUnseen) this.unseen = 0;
    this.far = false;
  }

  isNearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(clearUnseen) {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    if (clearUnseen) {
      this.unseen = 0;
      this.updateJump();
    }
  }

  /** `count` messages went at the end: follow them if the reader was at the bottom (or they are `own`), else count them. */
  afterAppend(wasNearBottom, own, count) {
    if (wasNearBottom || own) this.scrollToBottom(true);
    else this.missed(count);
  }

  /** `count` new messages the reader does not see (scrolled up, or held back from a detached window). */
  missed(count) {
    this.unseen += count;
    this.updateJump();
  }

  updateJump() {
    this.jump.hidden = !(this.unseen > 0 || this.detached() || this.far);
    this.jump.replaceChildren(
      this.unseen > 0 ? t('messages.new-count', { count: this.unseen }) : t('messages.jump-latest'),
      icon('arrow-down'),
    );
  }

  /** The pane scrolled: back at the bottom, the new messages are seen; far up, the button offers the way back. */
  scrolled() {
    const s = this.scroller;
    const far = s.scrollHeight - s.scrollTop - s.clientHeight > FAR_SCREENS * s.clientHeight;
    if ((this.isNearBottom() && this.unseen && !this.detached()) || far !== this.far) {
      if (!this.detached() && this.isNearBottom()) this.unseen = 0;
      this.far = far;
      this.updateJump();
    }
  }

  /** «Перейти к последним»: the newest messages, fetching them when the window on screen does not reach them. */
  jumpToLatest() {
    if (this.detached()) this.onLatest();
    else this.scrollToBottom(true);
  }
}
