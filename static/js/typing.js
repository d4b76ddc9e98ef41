// typing.js — owns the «X печатает…» line under the messages: who is typing
// in the open room, each entry expiring after ~5 s or when their message lands.

const SHOW_FOR_MS = 5_000;

export class TypingIndicator {
  constructor(el, meId) {
    this.el = el;
    this.meId = meId;
    /** user id -> { username, timer } */
    this.typists = new Map();
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
    const names = Array.from(this.typists.values(), (t) => t.username);
    let text = '';
    if (names.length === 1) text = `${names[0]} печатает…`;
    else if (names.length === 2) text = `${names[0]} и ${names[1]} печатают…`;
    else if (names.length === 3) text = `${names[0]}, ${names[1]} и ${names[2]} печатают…`;
    else if (names.length > 3) text = 'Несколько человек печатают…';
    this.el.textContent = text;
    this.el.classList.toggle('is-active', names.length > 0);
  }
}
