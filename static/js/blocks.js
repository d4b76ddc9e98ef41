// blocks.js — owns whom I blocked, as this page knows it, and what that does to
// the message list. The set of blocked user ids is read from GET /api/blocks at
// start and each time the connection opens, and kept up to date by the
// `user_blocked` / `user_unblocked` frames (a block made on any of my devices,
// this one included). A message of someone I blocked is drawn collapsed, as one
// line «Сообщение от заблокированного пользователя — показать»; «показать»
// reveals that one message (until the page reloads). Blocking and unblocking are
// asked for by other pieces (the profile card, the settings' list) with the
// `discock:block` / `discock:unblock` events on `document`, {detail: {user}}.
// Typing across a block is filtered by the server; the blocked person is never
// told. chat.js merges frameHandlers() into frames.js's map.
import * as api from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export class Blocks {
  /**
   * @param {object} o
   * @param {import('./messages.js').MessageList} o.messages  the open room's list, drawn through its renderer's hooks
   * @param {import('./notify.js').Toasts} o.toasts
   */
  constructor({ messages, toasts }) {
    this.messages = messages;
    this.toasts = toasts;
    /** Ids of the users I blocked. */
    this.ids = new Set();
    /** The users I blocked, the most recent first, as GET /api/blocks last said. */
    this.users = [];
    /** Messages of blocked users the reader chose to see anyway. */
    this.revealed = new Set();
    /** fn() after the list or the set changed (the settings' list redraws). */
    this.listeners = new Set();
    /** Bumped by each load, so an older answer does not overwrite a newer one. */
    this.loads = 0;
    /** Why the last load failed (the settings' list says so), or null. */
    this.failed = null;

    messages.view.hooks.push((node, message) => this.decorate(node, message));
    document.addEventListener('discock:block', (event) => this.block(event.detail?.user));
    document.addEventListener('discock:unblock', (event) => this.unblock(event.detail?.user));
  }

  /** Whether I blocked user `id`. */
  has(id) {
    return this.ids.has(Number(id));
  }

  /** Calls `fn()` whenever whom I blocked changes; returns a function that stops it. */
  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Reads the list again (start, each connection opening, after a frame). */
  async refresh() {
    const load = ++this.loads;
    let users;
    try {
      users = await api.listBlocks();
    } catch (err) {
      if (load === this.loads) this.failed = err;
      this.changed([]);
      return;
    }
    if (load !== this.loads || !Array.isArray(users)) return;
    this.failed = null;
    this.users = users;
    const before = this.ids;
    this.ids = new Set(users.map((u) => Number(u.id)));
    const touched = [...before, ...this.ids].filter((id) => before.has(id) !== this.ids.has(id));
    this.changed(touched);
  }

  /** Server frame type -> handler, for frames.js's map. */
  frameHandlers() {
    return {
      user_blocked: (frame) => this.applyFrame(Number(frame.user_id), true),
      user_unblocked: (frame) => this.applyFrame(Number(frame.user_id), false),
    };
  }

  applyFrame(id, blocked) {
    if (!Number.isSafeInteger(id)) return;
    if (blocked === this.ids.has(id)) {
      this.refresh(); // the names for the settings' list
      return;
    }
    if (blocked) this.ids.add(id);
    else this.ids.delete(id);
    this.changed([id]);
    this.refresh();
  }

  async block(user) {
    if (!user || user.id === undefined) return;
    try {
      await api.blockUser(user.id);
    } catch (err) {
      this.toasts.error(err.message);
      return;
    }
    this.toasts.success(t('blocks.blocked', { name: user.username ?? '' }));
    this.applyFrame(Number(user.id), true);
  }

  async unblock(user) {
    if (!user || user.id === undefined) return;
    try {
      await api.unblockUser(user.id);
    } catch (err) {
      this.toasts.error(err.message);
      return;
    }
    this.toasts.success(t('blocks.unblocked', { name: user.username ?? '' }));
    this.applyFrame(Number(user.id), false);
  }

  /** Redraws the shown messages of the users in `touched`, then tells the listeners. */
  changed(touched) {
    if (touched.length) {
      const ids = new Set(touched);
      for (const message of this.messages.model.byId.values()) {
        if (message.user && ids.has(Number(message.user.id))) this.messages.view.rerender(message.id);
      }
    }
    for (const fn of this.listeners) fn();
  }

  /** A renderer hook: collapses the <li> of a message of someone I blocked, unless revealed. */
  decorate(node, message) {
    if (!message.user || !this.has(message.user.id) || this.revealed.has(message.id)) return;
    for (const child of node.children) child.hidden = true;
    node.classList.add('msg--blocked');
    const show = h('button', {
      class: 'link-btn msg__blocked-show',
      type: 'button',
      text: t('blocks.show'),
      'data-i18n': 'blocks.show',
      'aria-label': t('blocks.show-label'),
      'data-i18n-aria-label': 'blocks.show-label',
      onClick: (event) => {
        event.stopPropagation();
        this.revealed.add(message.id);
        this.messages.view.rerender(message.id);
        this.messages.view.nodes.get(message.id)?.focus({ preventScroll: true });
      },
    });
    node.append(h('div', { class: 'msg__blocked' },
      h('span', { text: t('blocks.collapsed'), 'data-i18n': 'blocks.collapsed' }),
      ' — ',
      show));
  }
}
