// message-render.js — owns the <li>s of the open room's messages: building them in
// order with their day separators and author groups (one message's look is
// message-format.js's), the rendered node of each stored message, rebuilding one in
// place when it changes, and rendering the whole list again without losing what the
// reader had: the focus (on a message or a control in it) and a jump's highlight.
// Others may touch each stored message's node as it is built (`hooks`: the inline
// editor puts itself back) and learn when one replaced another (`onReplaced`).
import { dayKey, dateOf, continues, daySeparator, messageItem } from './message-format.js';
import { flash } from './flash.js';

export class MessageRenderer {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list  the list of stored messages
   * @param {import('./message-store.js').MessageStore} o.model
   * @param {{id:number, username:string}} o.me
   * @param {() => Iterable<{id:number, username:string}>} o.people  who else the page knows (the room's members)
   * @param {(clientId:string) => void} o.onRetry
   * @param {(clientId:string) => void} o.onDiscard
   */
  constructor({ list, model, me, people, onRetry, onDiscard }) {
    Object.assign(this, { list, model, me, people, onRetry, onDiscard });
    /** Rendered <li> of each stored message by id (scroll anchoring, jumps, changes). */
    this.nodes = new Map();
    /** fn(node, message) run on each rendered stored message (the inline editor re-attaches itself). */
    this.hooks = [];
    /** fn(oldNode|null, newNode, focused) after a message's <li> was rebuilt under the focus. */
    this.onReplaced = null;
  }

  /** <li>s for `messages` (in order), grouped against `prev`, the message shown just before them. */
  build(messages, prev, { pending = false } = {}) {
    const fragment = document.createDocumentFragment();
    for (const message of messages) {
      const date = dateOf(message);
      if (!prev || dayKey(dateOf(prev)) !== dayKey(date)) fragment.append(daySeparator(date));
      const node = this.item(message, continues(prev, message), pending);
      if (!pending) this.nodes.set(message.id, node);
      fragment.append(node);
      prev = message;
    }
    return fragment;
  }

  item(message, continued, pending = false) {
    const people = message.mentions?.length ? this.knownPeople() : undefined;
    const node = messageItem(message, { continued, pending, me: this.me, people, onRetry: this.onRetry, onDiscard: this.onDiscard });
    if (!pending) for (const hook of this.hooks) hook(node, message);
    return node;
  }

  /** Usernames by user id: me, the room's members, and the authors on the list. */
  knownPeople() {
    const people = new Map([[this.me.id, this.me.username]]);
    for (const user of this.people()) people.set(Number(user.id), user.username);
    for (const message of this.model.byId.values()) {
      if (message.user) people.set(Number(message.user.id), message.user.username);
    }
    return people;
  }

  /** Rebuilds the <li> of stored message `id` in place (same group, same position). */
  rerender(id) {
    const old = this.nodes.get(id);
    if (!old) return;
    const { order, byId } = this.model;
    const at = order.indexOf(id);
    const prev = at > 0 ? byId.get(order[at - 1]) : null;
    const message = byId.get(id);
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    const node = this.item(message, continues(prev, message));
    old.replaceWith(node);
    this.nodes.set(id, node);
    this.onReplaced?.(old, node, focused);
  }

  /** Renders every stored message again; the one with the focus gets it back, one lit up by a jump stays lit. */
  renderAll() {
    const focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    const focusedId = Number(focused?.closest('li[data-id]')?.dataset.id);
    const flashing = [...this.list.querySelectorAll('li.is-flashing')].map((li) => Number(li.dataset.id));
    this.nodes.clear();
    this.list.replaceChildren(this.build(this.model.list(), null));
    for (const id of flashing) if (this.nodes.has(id)) flash(this.nodes.get(id));
    if (this.nodes.has(focusedId)) this.onReplaced?.(null, this.nodes.get(focusedId), focused);
  }
}
