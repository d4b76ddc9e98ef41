// messages.js — owns the message pane of the open room: the loaded history
// (its data is message-store.js's, its <li>s message-render.js's), the pending
// bubbles of messages not yet stored, the texts around the list, saying them
// again after a language switch, and the scrolling around them: keep the position
// when older pages are prepended, load older pages when the user scrolls to the
// top (where the reader is against the bottom, and the «Перейти к последним»
// button, are messages-bottom.js's). History goes in without being read out
// (live-log.js).
//
// The list shows either the newest part of the room (live messages go at the
// end) or, after a jump to an older message, a window around it ("detached"):
// then live messages wait in `held` and the «Перейти к последним» button
// counts them; scrolling down pages newer messages in until the window meets
// the newest. Each stored message remembers the room seq its data is as of
// (`asOf`), so a logged change (edit, reaction, pin) that a page already
// showed is not applied twice.
import { t, onLangChange } from './i18n.js';
import { LiveLog } from './live-log.js';
import { ListTop } from './messages-top.js';
import { ListBottom } from './messages-bottom.js';
import { captureAnchor, restoreAnchor } from './scroll-anchor.js';
import { keepPinnedToBottom } from './pin-bottom.js';
import { flash } from './flash.js';
import { MessageStore } from './message-store.js';
import { MessageRenderer } from './message-render.js';

/** Start loading older messages this close to the top (and newer ones, in a detached window, this close to the bottom). */
const LOAD_OLDER_PX = 240;

export class MessageList {
  /**
   * @param {object} o
   * @param {object} o.elements  scroller, list, pendingList, loadOlder, status, roomStart, roomStartTitle, roomStartText, jump
   * @param {{id:number, username:string, city:string}} o.me
   * @param {(beforeId:number) => Promise<{messages:object[], hasMore:boolean, seq:number|null}>} o.fetchOlder
   * @param {() => void} o.onLatest  a detached window wants the newest page (showWindow with it)
   * @param {() => Iterable<{id:number, username:string}>} o.people  who else the page knows (the room's members)
   * @param {(clientId:string) => void} o.onRetry    resend a failed pending message
   * @param {(clientId:string) => void} o.onDiscard  forget a failed pending message
   */
  constructor({ elements, me, fetchOlder, onLatest, people, onRetry, onDiscard }) {
    Object.assign(this, elements);
    this.me = me;
    this.fetchOlder = fetchOlder;

    /** The messages' data: what the list shows, what is held back, what was deleted. */
    this.model = new MessageStore(me);
    /** The <li>s of the stored messages. */
    this.view = new MessageRenderer({ list: this.list, model: this.model, me, people, onRetry, onDiscard });
    /** Whether the list shows a window that may not reach the newest message (after a jump). */
    this.detached = false;
    /** A detached window was scrolled to its end: page newer messages in (jump.js). */
    this.onNearEnd = null;
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
    /** The area above the list (load older, status line, start of the room). */
    this.top = new ListTop(elements);
    /** Where the reader is against the end of the list, and the «Перейти к последним» button. */
    this.bottom = new ListBottom({ scroller: this.scroller, jump: this.jump, detached: () => this.detached, onLatest });
    /** The scroller is the role="log" region: live messages are read out, history is not. */
    this.log = new LiveLog(this.scroller);

    this.scroller.addEventListener('scroll', () => this.handleScroll(), { passive: true });
    this.loadOlder.addEventListener('click', () => this.requestOlder());
    // The composer growing, a notice or the keyboard taking room must not hide the newest message.
    keepPinnedToBottom(this.scroller);
    onLangChange(() => this.relabel());
  }

  get newestId() {
    return this.model.newestId;
  }

  get oldestId() {
    return this.model.oldestId;
  }

  /** Empties the pane for `room` and shows a loading line. */
  reset(room) {
    this.generation += 1;
    this.room = room;
    this.model.clear();
    this.view.nodes.clear();
    this.pending = [];
    this.hasMore = false;
    this.loaded = false;
    this.loadingOlder = false;
    this.olderError = null;
    this.detached = false;
    this.bottom.restart();
    this.list.replaceChildren();
    this.pendingList.replaceChildren();
    this.setStatus(() => t('messages.loading'));
    this.renderTop();
    this.bottom.updateJump();
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
    const status = this.top.statusShown;
    if (this.loaded) {
      const anchor = this.isNearBottom() ? null : this.captureAnchor();
      this.log.quietly(() => this.renderAll()); // the same messages, not news
      if (anchor) this.restoreAnchor(anchor);
      else this.bottom.scrollToBottom(false);
    } else {
      this.renderTop();
    }
    if (status) this.setStatus(status.text, status.retry);
    this.bottom.updateJump();
  }

  /**
   * The newest page of the room: replaces whatever the list shows (on opening the room, or
   * when it starts over after missing too much). Live messages come only after it.
   */
  setHistory(messages, hasMore, asOf) {
    this.showWindow(messages, { hasMore, asOf });
  }

  /**
   * Replaces the list with `messages` (read as of room seq `asOf`). `detached`: a window that
   * may not reach the newest message. `focusId`: scroll to that message and flash it, else
   * to the bottom. Coming back to the newest, the live messages held meanwhile are added.
   */
  showWindow(messages, { hasMore, asOf, detached = false, focusId = null }) {
    this.generation += 1; // an older page still loading belongs to the list being replaced
    this.loaded = true;
    this.hasMore = hasMore;
    this.loadingOlder = false;
    this.olderError = null;
    this.setStatus(null);
    this.model.replace(messages, asOf, { withHeld: !detached });
    this.bottom.restart({ keepUnseen: detached });
    this.detached = detached;
    this.log.quietly(() => this.renderAll());
    if (focusId === null || !this.reveal(focusId)) this.bottom.scrollToBottom(true);
    this.bottom.updateJump();
    this.fillViewport();
  }

  /** Older messages (before the oldest loaded one) go on top, keeping what the user looks at in place. */
  prependOlder(messages, hasMore, asOf) {
    this.hasMore = hasMore;
    const anchor = this.captureAnchor();
    let added = 0;
    for (const m of messages) if (this.model.store(m, asOf)) added += 1;
    if (added) {
      this.model.sortOrder();
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
  add(message, { own = false, pending, seq = 0 } = {}) {
    const wasNearBottom = this.isNearBottom();
    if (pending) this.pending = pending;
    const id = Number(message.id);
    if (this.model.get(id)) {
      if (pending) this.renderPending();
      return;
    }
    if (this.detached) {
      // Not after the window on screen, which may end long before it: kept for the way back.
      this.model.hold(message, seq);
      if (pending) this.renderPending();
      this.bottom.missed(1);
      return;
    }
    if (this.newestId === null || id > this.newestId) {
      this.appendStored(message, seq);
    } else {
      const anchor = wasNearBottom ? null : this.captureAnchor();
      this.model.store(message, seq);
      this.model.sortOrder();
      this.log.quietly(() => this.renderAll());
      if (anchor) this.restoreAnchor(anchor);
    }
    this.renderPending();
    this.bottom.afterAppend(wasNearBottom, own, 1);
  }

  /** Replaces the pending bubbles (messages of mine not yet stored) of this room. */
  setPending(entries, { scroll = false } = {}) {
    const wasNearBottom = this.isNearBottom();
    this.pending = entries;
    this.renderPending();
    if (scroll || wasNearBottom) this.bottom.scrollToBottom(true);
  }

  /** The stored message `id` (shown or held), or undefined. */
  get(id) {
    return this.model.get(id);
  }

  /**
   * A logged change (`seq`) to message `id`: `change(message)` returns its new data. Ignored
   * when the message is not loaded or its data is already as of `seq` or later.
   */
  patch(id, seq, change) {
    if (this.model.patch(id, seq, change) === 'shown') this.view.rerender(Number(id));
  }

  /** Replies to message `id` get `change(reply_to)` as their quote (the original was edited or deleted). */
  patchReplies(id, change) {
    for (const reply of this.model.patchReplies(id, change)) this.view.rerender(reply);
  }

  /** Message `id` was deleted (at `seq`): gone from the list; replies to it say so. */
  remove(id, seq) {
    id = Number(id);
    this.patchReplies(id, () => ({ id, deleted: true }));
    const wasNearBottom = this.isNearBottom();
    const anchor = wasNearBottom ? null : this.captureAnchor();
    if (!this.model.delete(id, seq)) return;
    this.log.quietly(() => this.renderAll());
    if (anchor && anchor.id !== id) this.restoreAnchor(anchor);
    else if (wasNearBottom) this.bottom.scrollToBottom(false);
  }

  /** Scrolls message `id` into the middle of the view, flashes it and focuses it; false when it is not loaded. */
  reveal(id) {
    const node = this.view.nodes.get(Number(id));
    if (!node) return false;
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
    flash(node);
    this.handleScroll();
    return true;
  }

  // ---- internals: rendering ------------------------------------------------

  renderAll() {
    this.view.renderAll();
    this.renderPending();
    this.renderTop();
  }

  appendStored(message, asOf) {
    const prev = this.newestId === null ? null : this.model.get(this.newestId);
    this.model.store(message, asOf);
    this.model.sortOrder();
    const stored = this.model.get(message.id);
    this.list.append(this.view.build([stored], prev));
    this.renderTop();
  }

  renderPending() {
    const last = this.newestId === null ? null : this.model.get(this.newestId);
    const entries = this.pending.map((e) => ({ ...e, id: null, user: this.me }));
    this.pendingList.replaceChildren(this.view.build(entries, last, { pending: true }));
  }

  /** The area above the list: «Загрузить ещё», loading/error line, or the start-of-room card. */
  renderTop() {
    this.top.render({
      loaded: this.loaded,
      hasMore: this.hasMore,
      busy: this.loadingOlder,
      failed: Boolean(this.olderError),
      room: this.room,
      empty: this.model.order.length === 0 && this.pending.length === 0,
    });
  }

  /** Shows `text()` above the list (null: nothing), with a retry button when `retry` is given. */
  setStatus(text, retry) {
    this.top.setStatus(text, retry);
  }

  // ---- internals: scrolling ---------------------------------------------------

  /** Whether the view is at the end of the list (unread.js asks, to know whether the newest are seen). */
  isNearBottom() {
    return this.bottom.isNearBottom();
  }

  captureAnchor() {
    return captureAnchor(this.scroller, this.view.nodes);
  }

  restoreAnchor(anchor) {
    restoreAnchor(this.scroller, this.view.nodes, anchor);
  }

  handleScroll() {
    this.bottom.scrolled();
    const s = this.scroller;
    if (this.scroller.scrollTop < LOAD_OLDER_PX && !this.olderError) this.requestOlder();
    if (this.detached && s.scrollHeight - s.scrollTop - s.clientHeight < LOAD_OLDER_PX) this.onNearEnd?.();
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
      const { messages, hasMore, seq } = await this.fetchOlder(this.oldestId);
      if (generation !== this.generation) return;
      this.loadingOlder = false;
      this.prependOlder(messages, hasMore, seq);
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

  /**
   * Messages after the end of a detached window (`seq`: the room seq they are as of), added
   * at its end. Returns whether the window now meets the live messages
   * held meanwhile, i.e. shows the newest part again.
   */
  appendNewer(messages, seq) {
    const prev = this.newestId === null ? null : this.model.get(this.newestId);
    const added = messages.filter((m) => this.model.store(m, seq)).map((m) => this.model.get(m.id));
    this.model.sortOrder();
    added.sort((a, b) => a.id - b.id);
    // All after the newest shown: they go at the end, and what is on screen stays as it is.
    this.log.quietly(() => this.list.append(this.view.build(added, prev)));
    this.renderPending();
    return [...this.model.held.keys()].some((id) => id <= this.newestId);
  }
}
