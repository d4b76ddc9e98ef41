// unread-divider.js — owns where the unread part of a room begins, as the room
// opens: the «Новые сообщения» line above the first message after the read
// marker (someone else's), and the «Перейти к непрочитанному» bar while that
// line is above the screen or not loaded yet. The marker is the one the room
// had when it was opened: reading it (unread.js) does not move the line until
// another room is opened, and a room opened with nothing unread gets no line
// for what comes while it is watched. A room never marked read has neither: all
// of it is new.
import { t, onLangChange } from './i18n.js';

/** Class of the first unread message; its ::before draws the line (the text is its data-unread-label). */
const FIRST = 'msg--first-unread';

/**
 * The first message id after `after` among `ids` (oldest first) that `mine(id)` does not
 * claim, or null when none is loaded.
 */
export function firstUnread(ids, after, mine) {
  for (const id of ids) if (id > after && !mine(id)) return id;
  return null;
}

export class UnreadDivider {
  /**
   * @param {object} o
   * @param {object} o.state  chat.js session state (currentRoomId)
   * @param {{id:number}} o.me
   * @param {import('./messages.js').MessageList} o.messages  the open room's view
   * @param {import('./unread.js').Unread} o.unread  the counts as the room opens
   * @param {HTMLButtonElement} o.bar  «Перейти к непрочитанному»
   * @param {(roomId: number, messageId: number) => void} o.jumpTo
   */
  constructor({ state, me, messages, unread, bar, jumpTo }) {
    Object.assign(this, { state, me, messages, unread, bar, jumpTo });
    /** The open room's marker when it was opened (null: no line), and how many were unread. */
    this.after = null;
    this.count = 0;
    /** The message the line is above, once loaded. */
    this.firstId = null;
    /** The reader has seen the line: the bar stays away. */
    this.seen = false;
    new MutationObserver(() => this.place()).observe(messages.list, { childList: true });
    messages.scroller.addEventListener('scroll', () => this.paintBar(), { passive: true });
    bar.addEventListener('click', () => this.go());
    onLangChange(() => {
      this.place();
      this.paintBar();
    });
  }

  /**
   * Room `roomId` opens: its line goes after the marker it has now. The count may be behind
   * (the page follows only the open room live), so the messages loaded decide where it goes.
   */
  opened(roomId) {
    const { lastReadId, unread } = this.unread.counts.get(roomId);
    this.after = lastReadId > 0 ? lastReadId : null;
    this.count = unread;
    this.firstId = null;
    this.seen = false;
    // The list still shows the room before: its first page of this room places the line.
    this.bar.hidden = true;
  }

  /** Marks the first unread message loaded (the list changed), and redraws the bar. */
  place() {
    for (const li of this.messages.list.querySelectorAll(`li.${FIRST}`)) li.classList.remove(FIRST);
    this.firstId = null;
    if (this.after !== null) {
      const ids = [...this.messages.list.querySelectorAll('li[data-id]')].map((li) => Number(li.dataset.id));
      const mine = (id) => Number(this.messages.get(id)?.user?.id) === this.me.id;
      this.firstId = firstUnread(ids, this.after, mine);
      const li = this.firstId === null ? null : this.messages.list.querySelector(`li[data-id="${this.firstId}"]`);
      if (li) {
        li.classList.add(FIRST);
        li.dataset.unreadLabel = t('messages.new');
      } else if (this.messages.loaded && !this.messages.detached
        && (this.messages.oldestId === null || this.messages.oldestId <= this.after)) {
        // The room's newest page has nothing unread: what comes while it is open is read as it
        // comes, and gets no line.
        this.after = null;
      }
    }
    this.paintBar();
  }

  /** Where the line is: 'above' the screen, 'here' on it, 'below' it, or 'unloaded'. */
  where() {
    const li = this.firstId === null ? null : this.messages.list.querySelector(`li.${FIRST}`);
    if (!li) return 'unloaded';
    const view = this.messages.scroller.getBoundingClientRect();
    const box = li.getBoundingClientRect();
    if (box.bottom < view.top) return 'above';
    return box.top > view.bottom ? 'below' : 'here';
  }

  /** The bar shows while the line is above the screen or older than the loaded messages. */
  paintBar() {
    const where = this.after === null ? null : this.where();
    if (where === 'here') this.seen = true;
    const unloaded = where === 'unloaded' && this.messages.oldestId !== null && this.messages.oldestId > this.after;
    const show = !this.seen && (where === 'above' || unloaded);
    this.bar.hidden = !show;
    if (!show) return;
    const count = this.count > 0 ? `${t('rooms.unread', { count: Math.min(this.count, 1000) })} · ` : '';
    this.bar.textContent = `${count}${t('unread.jump')}`;
  }

  /** «Перейти к непрочитанному»: to the line, loading the history around the marker when it is further back. */
  go() {
    const li = this.messages.list.querySelector(`li.${FIRST}`);
    if (li) {
      li.scrollIntoView({ block: 'center' });
      this.seen = true;
      this.paintBar();
    } else if (this.after !== null && this.state.currentRoomId !== null) {
      this.jumpTo(this.state.currentRoomId, this.after);
    }
  }
}
