// jump.js — owns showing a message in context, wherever it is: one already on the
// list is scrolled to and flashed; one further back is loaded as a window around it
// (GET /api/messages/{room}?around=ID), and one in another room opens that room at
// it. It also brings a window that does not reach the newest message back to the
// newest (the «Перейти к последним» button, or scrolling down until the window
// meets it, a page at a time). Anything on the page asks for a jump with the
// document event `discock:open-message` ({roomId, messageId}); a link
// /chat?room=R&message=M opens the page there.
import * as api from './api.js';
import { t } from './i18n.js';

/** The message a page address names (?message=ID), or null. */
export function messageIdFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('message');
  const id = Number(raw);
  return raw && Number.isInteger(id) && id > 0 ? id : null;
}

export class Jumper {
  /**
   * @param {object} o
   * @param {object} o.state  chat.js session state (currentRoomId)
   * @param {import('./messages.js').MessageList} o.messages
   * @param {(roomId: number, opts: {around: number}) => void} o.openRoom  opens another room at a message
   * @param {(page: object[]) => void} o.settle  messages of ours a page shows are stored: out of the outbox
   * @param {import('./notify.js').Toasts} o.toasts
   */
  constructor({ state, messages, openRoom, settle, toasts }) {
    Object.assign(this, { state, messages, openRoom, settle, toasts });
    /** Bumped by each jump: an answer for an earlier one is dropped. */
    this.token = 0;
    this.loadingNewer = false;
    messages.onNearEnd = () => this.loadNewer();
    document.addEventListener('discock:open-message', (event) => {
      const { roomId, messageId } = event.detail ?? {};
      if (Number.isInteger(Number(roomId)) && Number.isInteger(Number(messageId))) this.jumpTo(Number(roomId), Number(messageId));
    });
  }

  /** Shows message `messageId` of room `roomId` in context, scrolled to and flashed. */
  async jumpTo(roomId, messageId) {
    const token = ++this.token;
    if (roomId !== this.state.currentRoomId) {
      this.openRoom(roomId, { around: messageId });
      return;
    }
    if (this.messages.reveal(messageId)) return;
    try {
      const [{ messages: page, seq }, newest] = await Promise.all([
        api.listMessages(roomId, { around: messageId }),
        api.listMessages(roomId, { limit: 1 }),
      ]);
      if (token !== this.token || roomId !== this.state.currentRoomId) return;
      this.settle(page);
      this.show(page, seq, newest.messages, messageId);
    } catch (err) {
      if (token !== this.token) return;
      this.toasts.error(err.status === 404 ? t('jump.not-found') : err.message);
    }
  }

  /**
   * Shows the window `page` (read as of `seq`) around `messageId`; `newest` is the room's
   * newest message (a page of one), which tells whether the window reaches the end.
   */
  show(page, seq, newest, messageId) {
    const newestId = newest.length ? Number(newest[newest.length - 1].id) : null;
    const reachesEnd = newestId === null || page.some((m) => Number(m.id) === newestId);
    this.messages.showWindow(page, { hasMore: page.length > 0, asOf: seq, detached: !reachesEnd, focusId: messageId });
  }

  /** «Перейти к последним» from a detached window: the newest page, with what came live meanwhile. */
  async toLatest() {
    const token = ++this.token;
    const roomId = this.state.currentRoomId;
    try {
      const { messages: page, seq } = await api.listMessages(roomId, { limit: api.PAGE_SIZE });
      if (token !== this.token || roomId !== this.state.currentRoomId) return;
      this.settle(page);
      this.messages.showWindow(page, { hasMore: page.length >= api.PAGE_SIZE, asOf: seq });
    } catch (err) {
      if (token === this.token) this.toasts.error(err.message);
    }
  }

  /**
   * A detached window scrolled to its end: the messages after it, read as a window around
   * its newest one. None left means it has reached the newest: then the newest page.
   */
  async loadNewer() {
    const m = this.messages;
    if (!m.detached || this.loadingNewer || m.newestId === null) return;
    const token = this.token;
    const generation = m.generation;
    const from = m.newestId;
    this.loadingNewer = true;
    try {
      const { messages: page, seq } = await api.listMessages(this.state.currentRoomId, { around: from });
      if (token !== this.token || generation !== m.generation) return;
      this.settle(page);
      const newer = page.filter((message) => Number(message.id) > from);
      if (!newer.length || m.appendNewer(newer, seq)) this.toLatest();
    } catch {
      /* the next scroll tries again */
    } finally {
      this.loadingNewer = false;
    }
  }
}
