// messages-top.js — owns the area above the message list: the «Загрузить ещё» button,
// the status line (loading, an error with «Повторить»), and the start-of-room card
// shown once the list reaches the room's first message. messages.js says what to show.
import { h } from './dom.js';
import { t } from './i18n.js';
import { renderRoomStart } from './room-start.js';

export class ListTop {
  /** @param {object} elements  loadOlder, status, roomStart, roomStartTitle, roomStartText */
  constructor(elements) {
    Object.assign(this, elements);
    /** The status line, if shown: { text: () => string, retry }, so a language switch can say it again. */
    this.statusShown = null;
  }

  /**
   * Shows the area for a list that is `loaded` (or not yet), may have older messages
   * (`hasMore`), is loading them (`busy`) or failed to (`failed`); at the room's start, the
   * card for `room`, `empty` when nothing was ever written.
   */
  render({ loaded, hasMore, busy, failed, room, empty }) {
    this.loadOlder.hidden = !(loaded && hasMore && !busy);
    this.loadOlder.textContent = failed ? t('messages.load-older-failed') : t('messages.load-older');
    if (loaded) this.setStatus(busy ? () => t('messages.loading-older') : null);

    const atStart = loaded && !hasMore;
    this.roomStart.hidden = !atStart;
    if (atStart && room) renderRoomStart({ title: this.roomStartTitle, text: this.roomStartText }, room, empty);
  }

  /** Shows `text()` (null: nothing), with a retry button when `retry` is given. */
  setStatus(text, retry) {
    this.statusShown = text ? { text, retry } : null;
    this.status.replaceChildren();
    if (!text) {
      this.status.hidden = true;
      return;
    }
    this.status.append(document.createTextNode(text()));
    if (retry) {
      this.status.append(' ', h('button', { class: 'link-btn', type: 'button', text: t('common.retry'), onClick: retry }));
    }
    this.status.hidden = false;
  }
}
