// messages.js — owns the message pane of the open room: the loaded history
// (kept once per id, sorted), the pending bubbles of messages not yet stored,
// author grouping and date separators (how one message looks is
// message-format.js), the texts around the list, saying them again after a
// language switch, and all scrolling: stick to the bottom, keep the position
// when older pages are prepended, load older pages when the user scrolls to
// the top. History goes in without being read out (live-log.js).
import { h } from './dom.js';
import { t, onLangChange } from './i18n.js';
import { LiveLog } from './live-log.js';
import { icon } from './icons.js';
import { renderRoomStart } from './room-start.js';
import { keepPinnedToBottom } from './pin-bottom.js';
import { dateOf, dayKey, continues, daySeparator, messageItem } from './message-format.js';

/** "Near the bottom": new messages keep the view pinned to the end. */
const NEAR_BOTTOM_PX = 120;
/** Start loading older messages this close to the top. */
const LOAD_OLDER_PX = 240;

export class MessageList {
  /**
   * @param {object} o
   * @param {object} o.elements  scroller, list, pendingList, loadOlder, status, roomStart, roomStartTitle, roomStartText, jump
   * @param {{id:number, username:string, city:string}} o.me
   * @param {(beforeId:number) => Promise<{messages:object[], hasMore:boolean}>} o.fetchOlder
   * @param {(clientId:string) => void} o.onRetry    resend a failed pending message
   * @param {(clientId:string) => void} o.onDiscard  forget a failed pending message
   */
  constructor({ elements, me, fetchOlder, onRetry, onDiscard }) {
    Object.assign(this, elements);
    this.me = me;
    this.fetchOlder = fetchOlder;
    this.onRetry = onRetry;
    this.onDiscard = onDiscard;

    /** Stored messages of the open room by id: the single source of truth (dedupe). */
    this.byId = new Map();
    /** Ids of `byId`, ascending, in display order. */
    this.order = [];
    /** Rendered <li> of each stored message, for scroll anchoring. */
    this.nodes = new Map();
    /** Entries not yet confirmed by the server (see outbox.js). */
    this.pending = [];
    /** Whether older messages may exist before the oldest loaded one. */
    this.hasMore = false;
    /** Whether the newest page has arrived; live messages are added only after it. */
    this.loaded = false;
    this.loadingOlder = false;
    this.olderError = null;
    this.room = null;
    /** Bumped by reset(): answers for a room we already left are ignored. */
    this.generation = 0;
    /** New messages that arrived while the user was scrolled up. */
    this.unseen = 0;
    /** The status line above the list, if shown: { text: () => string, retry }. */
    this.statusShown = null;
    /** The scroller is the role="log" region: live messages are read out, history is not. */
    this.log = new LiveLog(this.scroller);

    this.scroller.addEventListener('scroll', () => this.handleScroll(), { passive: true });
    this.loadOlder.addEventListener('click', () => this.requestOlder());
    this.jump.addEventListener('click', () => this.scrollToBottom(true));
    // The composer growing, a notice or the keyboard taking room must not hide the newest message.
    keepPinnedToBottom(this.scroller);
    onLangChange(() => this.relabel());
  }

  get newestId() {
    return this.order.length ? this.order[this.order.length - 1] : null;
  }

  get oldestId() {
    return this.order.length ? this.order[0] : null;
  }

  /** Empties the pane for `room` and shows a loading line. */
  reset(room) {
    this.generation += 1;
    this.room = room;
    this.byId.clear();
    this.order = [];
    this.nodes.clear();
    this.pending = [];
    this.hasMore = false;
    this.loaded = false;
    this.loadingOlder = false;
    this.olderError = null;
    this.unseen = 0;
    this.list.replaceChildren();
    this.pendingList.replaceChildren();
    this.setStatus(() => t('messages.loading'));
    this.renderTop();
    this.updateJump();
  }

  /** The room was renamed or re-described. */
  setRoom(room) {
    this.room = room;
    this.renderTop();
  }

  /** Shows an error, `text()`, instead of the history (with a retry button). */
  showLoadError(text, retry) {
    this.setStatus(text, retry);
  }

  /** After a language switch: every text, time and day again, the view staying where it was. */
  relabel() {
    const status = this.statusShown;
    if (this.loaded) {
      const anchor = this.isNearBottom() ? null : this.captureAnchor();
      this.log.quietly(() => this.renderAll()); // the same messages, not news
      if (anchor) this.restoreAnchor(anchor);
      else this.scrollToBottom(false);
    } else {
      this.renderTop();
    }
    if (status) this.setStatus(status.text, status.retry);
    this.updateJump();
  }

  /**
   * The newest page of the room: replaces whatever the list shows (on opening the room, or
   * when it starts over after missing too much). Live messages come only after it.
   */
  setHistory(messages, hasMore) {
    this.generation += 1; // an older page still loading belongs to the list being replaced
    this.loaded = true;
    this.hasMore = hasMore;
    this.loadingOlder = false;
    this.olderError = null;
    this.setStatus(null);
    this.byId.clear();
    for (const m of messages) this.store(m);
    this.sortOrder();
    this.log.quietly(() => this.renderAll());
    this.scrollToBottom(true);
    this.fillViewport();
  }

  /** Older messages (before the oldest loaded one) go on top, keeping what the user looks at in place. */
  prependOlder(messages, hasMore) {
    this.hasMore = hasMore;
    const anchor = this.captureAnchor();
    let added = 0;
    for (const m of messages) if (this.store(m)) added += 1;
    if (added) {
      this.sortOrder();
      this.log.quietly(() => this.renderAll());
    } else {
      this.renderTop();
    }
    this.restoreAnchor(anchor);
  }

  /**
   * A live message. `own` pins the view to the bottom; `pending` (optional)
   * replaces the pending bubbles in the same step, so a confirmed bubble turns
   * into the stored message without a flicker.
   */
  add(message, { own = false, pending } = {}) {
    const wasNearBottom = this.isNearBottom();
    if (pending) this.pending = pending;
    const id = Number(message.id);
    if (this.byId.has(id)) {
      if (pending) this.renderPending();
      return;
    }
    if (this.newestId === null || id > this.newestId) {
      this.appendStored(message);
    } else {
      const anchor = wasNearBottom ? null : this.captureAnchor();
      this.store(message);
      this.sortOrder();
      this.log.quietly(() => this.renderAll());
      if (anchor) this.restoreAnchor(anchor);
    }
    this.renderPending();
    this.afterAppend(wasNearBottom, own, 1);
  }

  /** Replaces the pending bubbles (messages of mine not yet stored) of this room. */
  setPending(entries, { scroll = false } = {}) {
    const wasNearBottom = this.isNearBottom();
    this.pending = entries;
    this.renderPending();
    if (scroll || wasNearBottom) this.scrollToBottom(true);
  }

  // ---- internals: data ------------------------------------------------------

  store(message) {
    if (!message || message.id === undefined || message.id === null) return false;
    const id = Number(message.id);
    if (this.byId.has(id)) return false;
    this.byId.set(id, { ...message, id });
    return true;
  }

  sortOrder() {
    this.order = Array.from(this.byId.keys()).sort((a, b) => a - b);
  }

  // ---- internals: rendering ------------------------------------------------

  /** Builds <li>s for `messages` (in order), grouping against `prev`, the message shown just before them. */
  buildItems(messages, prev, { pending = false } = {}) {
    const fragment = document.createDocumentFragment();
    for (const message of messages) {
      const date = dateOf(message);
      if (!prev || dayKey(dateOf(prev)) !== dayKey(date)) fragment.append(daySeparator(date));
      const node = messageItem(message, {
        continued: continues(prev, message), pending, meId: this.me.id, onRetry: this.onRetry, onDiscard: this.onDiscard,
      });
      if (!pending) this.nodes.set(message.id, node);
      fragment.append(node);
      prev = message;
    }
    return fragment;
  }

  renderAll() {
    this.nodes.clear();
    const messages = this.order.map((id) => this.byId.get(id));
    this.list.replaceChildren(this.buildItems(messages, null));
    this.renderPending();
    this.renderTop();
  }

  appendStored(message) {
    const prev = this.newestId === null ? null : this.byId.get(this.newestId);
    this.store(message);
    const stored = this.byId.get(Number(message.id));
    this.order.push(stored.id);
    this.list.append(this.buildItems([stored], prev));
    this.renderTop();
  }

  renderPending() {
    const last = this.newestId === null ? null : this.byId.get(this.newestId);
    const entries = this.pending.map((e) => ({ ...e, id: null, user: this.me }));
    this.pendingList.replaceChildren(this.buildItems(entries, last, { pending: true }));
  }

  /** The area above the list: «Загрузить ещё», loading/error line, or the start-of-room card. */
  renderTop() {
    const busy = this.loadingOlder;
    this.loadOlder.hidden = !(this.loaded && this.hasMore && !busy);
    this.loadOlder.textContent = this.olderError ? t('messages.load-older-failed') : t('messages.load-older');
    if (this.loaded) this.setStatus(busy ? () => t('messages.loading-older') : null);

    const atStart = this.loaded && !this.hasMore;
    this.roomStart.hidden = !atStart;
    if (atStart && this.room) {
      const empty = this.order.length === 0 && this.pending.length === 0;
      renderRoomStart({ title: this.roomStartTitle, text: this.roomStartText }, this.room, empty);
    }
  }

  /** Shows `text()` above the list (null: nothing), with a retry button when `retry` is given. */
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

  // ---- internals: scrolling ---------------------------------------------------

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

  afterAppend(wasNearBottom, own, count) {
    if (wasNearBottom || own) {
      this.scrollToBottom(true);
    } else {
      this.unseen += count;
      this.updateJump();
    }
  }

  updateJump() {
    this.jump.hidden = this.unseen === 0;
    this.jump.replaceChildren(
      this.unseen > 0 ? t('messages.new-count', { count: this.unseen }) : t('messages.new'),
      icon('arrow-down'),
    );
  }

  /** The first message visible at the top, and how far from the top it sits. */
  captureAnchor() {
    const top = this.scroller.getBoundingClientRect().top;
    for (const [id, node] of this.nodes) {
      const rect = node.getBoundingClientRect();
      if (rect.bottom > top) return { id, offset: rect.top - top, fallback: this.scroller.scrollHeight - this.scroller.scrollTop };
    }
    return { id: null, offset: 0, fallback: this.scroller.scrollHeight - this.scroller.scrollTop };
  }

  restoreAnchor(anchor) {
    if (!anchor) return;
    const node = anchor.id === null ? null : this.nodes.get(anchor.id);
    if (node) {
      const top = this.scroller.getBoundingClientRect().top;
      this.scroller.scrollTop += node.getBoundingClientRect().top - top - anchor.offset;
    } else {
      this.scroller.scrollTop = this.scroller.scrollHeight - anchor.fallback;
    }
  }

  handleScroll() {
    if (this.isNearBottom() && this.unseen) {
      this.unseen = 0;
      this.updateJump();
    }
    if (this.scroller.scrollTop < LOAD_OLDER_PX && !this.olderError) this.requestOlder();
  }

  /** If the loaded page does not fill the pane, there is no scrollbar to pull: load more now. */
  fillViewport() {
    const generation = this.generation;
    requestAnimationFrame(() => {
      if (generation !== this.generation || !this.hasMore || this.loadingOlder) return;
      if (this.scroller.scrollHeight <= this.scroller.clientHeight + LOAD_OLDER_PX) this.requestOlder();
    });
  }

  async requestOlder() {
    if (!this.loaded || !this.hasMore || this.loadingOlder || this.oldestId === null) return;
    const generation = this.generation;
    this.loadingOlder = true;
    this.olderError = null;
    this.renderTop();
    try {
      const { messages, hasMore } = await this.fetchOlder(this.oldestId);
      if (generation !== this.generation) return;
      this.loadingOlder = false;
      this.prependOlder(messages, hasMore);
      this.fillViewport();
    } catch (err) {
      if (generation !== this.generation) return;
      this.loadingOlder = false;
      this.olderError = err;
      this.renderTop();
      const message = err?.message;
      this.setStatus(message ? () => message : () => t('messages.load-failed-plain'));
    }
  }
}
