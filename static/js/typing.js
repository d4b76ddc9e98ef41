// typing.js — owns the «X печатает…» line under the messages: who is typing
// in the open room, each entry expiring after ~5 s or when their message lands,
// said in the page's language («Алиса и Борис печатают…», «4 человека печатают…»).
import { t, onLangChange, formatList } from './i18n.js';

const SHOW_FOR_MS = 5_000;
/** Up to this many typists are named; more are counted. */
const NAMED_AT_MOST = 3;

export class TypingIndicator {
  constructor(el, meId) {
    this.el = el;
    this.meId = meId;
    /** user id -> { username, timer } */
    this.typists = new Map();
    onLangChange(() => this.render());
  }

  /** Someone sent a typing frame: show them (again) for a few seconds. */
  show(user) {
    const id = Number(user.id);
    if (id === this.meId) return;
    const existing = this.typists.get(id);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => this.clear(id), SHOW_FOR_MS);
    this.typists.set(id, { username: String(user.username ?? ''), timer });
    this.render();
  }

  clear(userId) {
    const entry = this.typists.get(Number(userId));
    if (!entry) return;
    clearTimeout(entry.timer);
    this.typists.delete(Number(userId));
    this.render();
  }

  reset() {
    for (const { timer } of this.typists.values()) clearTimeout(timer);
    this.typists.clear();
    this.render();
  }

  render() {
    const names = Array.from(this.typists.values(), (typist) => typist.username);
    let text = '';
    if (names.length > NAMED_AT_MOST) text = t('typing.many', { count: names.length });
    else if (names.length > 0) text = t('typing.names', { count: names.length, names: formatList(names) });
    this.el.textContent = text;
    this.el.classList.toggle('is-active', names.length > 0);
  }
}
