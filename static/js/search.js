// search.js — owns message search: the box in the room header, the results
// panel beside the chat (the whole width on a phone) and paging through the
// results. Enter searches, Escape or the close button closes. A result's
// excerpt comes from the server as plain text with match offsets (UTF-16
// units, String#slice's); it is drawn with text nodes and <mark>s only.
// Choosing a result announces `discock:open-message` {roomId, messageId} on
// document — showing the message in its room is the listener's job — and on a
// phone closes the panel so the room is in view.
import * as api from './api.js';
import { t, onLangChange, formatRelative } from './i18n.js';
import { h, byId } from './dom.js';

/** Results asked for per page. */
const PAGE = 20;

/** The excerpt's text as text nodes, each match in a <mark>; offsets out of order or range are skipped. */
export function highlighted({ text = '', matches = [] } = {}) {
  const out = h('span', { class: 'search-result__text' });
  let at = 0;
  for (const [start, end] of matches) {
    if (!(start >= at && end > start && end <= text.length)) continue;
    out.append(text.slice(at, start), h('mark', { text: text.slice(start, end) }));
    at = end;
  }
  out.append(text.slice(at));
  return out;
}

export class SearchPanel {
  /**
   * @param {object} o
   * @param {(roomId: number) => string | undefined} o.roomName  the name of a room the page knows
   */
  constructor({ roomName }) {
    this.form = byId('search-form');
    this.input = byId('search-input');
    this.panel = byId('search-panel');
    this.title = byId('search-title');
    this.status = byId('search-status');
    this.list = byId('search-results');
    this.more = byId('search-more');
    this.roomName = roomName;
    /** The search on show, its results so far, whether the server has more. */
    this.query = '';
    this.results = [];
    this.hasMore = false;
    /** What the status line says, as a function so a language switch redoes it; null: nothing. */
    this.statusText = null;
    /** Bumped by each request, so a late answer to an older search is dropped. */
    this.token = 0;

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.search(this.input.value);
    });
    byId('search-close').addEventListener('click', () => this.close());
    this.more.addEventListener('click', () => this.fetchPage());
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || this.panel.hidden || event.defaultPrevented || event.target.closest?.('dialog')) return;
      event.preventDefault();
      this.close();
    });
    onLangChange(() => this.render());
  }

  /** Searches for `raw` from the newest message back; blank text only puts the focus in the box. */
  search(raw) {
    const q = raw.trim();
    if (!q) {
      this.input.focus();
      return;
    }
    this.query = q;
    this.results = [];
    this.hasMore = false;
    this.panel.hidden = false;
    this.fetchPage();
  }

  /** Asks for the next page of the search on show (the first when there are no results yet). */
  async fetchPage() {
    const token = ++this.token;
    const before = this.results.at(-1)?.id;
    this.statusText = () => t('search.searching');
    this.more.hidden = true;
    this.render();
    try {
      const page = await api.searchMessages(this.query, { before, limit: PAGE });
      if (token !== this.token) return;
      this.results.push(...page);
      this.hasMore = page.length >= PAGE;
      this.statusText = this.results.length ? null : () => t('search.nothing-found');
    } catch (err) {
      if (token !== this.token) return;
      this.statusText = () => t('search.failed', { reason: err.message });
    }
    this.render();
  }

  render() {
    this.title.textContent = t('search.title', { query: this.query });
    const status = this.statusText?.() ?? '';
    this.status.textContent = status;
    this.status.hidden = !status;
    this.list.replaceChildren(...this.results.map((message) => this.item(message)));
    this.more.hidden = !this.hasMore || this.statusText !== null;
  }

  item(message) {
    const room = this.roomName(message.room_id);
    const open = () => {
      document.dispatchEvent(new CustomEvent('discock:open-message', {
        detail: { roomId: message.room_id, messageId: message.id },
      }));
      if (window.matchMedia('(max-width: 767px)').matches) this.close();
    };
    return h('li', {},
      h('button', { class: 'search-result', type: 'button', onClick: open },
        h('span', { class: 'search-result__meta' },
          h('span', { class: 'search-result__author', text: message.user?.username ?? '' }),
          room ? h('span', { class: 'search-result__room', text: `#${room}` }) : null,
          h('time', { class: 'search-result__time', datetime: message.created_at, text: formatRelative(new Date(message.created_at)) })),
        highlighted(message.highlight)));
  }

  close() {
    if (this.panel.hidden) return;
    this.token += 1;
    this.panel.hidden = true;
    this.input.focus({ preventScroll: true });
  }
}
