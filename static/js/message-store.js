// message-store.js — owns the data of the open room's messages, apart from how they
// are shown: the stored messages the list shows (once per id, in id order), the live
// ones held back while the list shows an older window, the ones deleted while the room
// is open, and the room seq each message's data is as of (`asOf`), so a logged change
// a page already contained is never applied twice. messages.js renders it.

export class MessageStore {
  /** @param {{id:number}} me  the signed-in user (whose messages are "mine") */
  constructor(me) {
    this.me = me;
    /** Stored messages on the list by id: the single source of truth (dedupe). */
    this.byId = new Map();
    /** Ids of `byId`, ascending, in display order. */
    this.order = [];
    /** Live messages that came while the list showed an older window, by id (asOf = their frame's seq). */
    this.held = new Map();
    /** Messages deleted while the room is open, id -> seq: a page read before the deletion must not bring them back. */
    this.deletedAt = new Map();
  }

  get newestId() {
    return this.order.length ? this.order[this.order.length - 1] : null;
  }

  get oldestId() {
    return this.order.length ? this.order[0] : null;
  }

  /** Another room: nothing known. */
  clear() {
    this.byId.clear();
    this.order = [];
    this.held.clear();
    this.deletedAt.clear();
  }

  /** The stored message `id` (on the list or held), or undefined. */
  get(id) {
    return this.byId.get(Number(id)) ?? this.held.get(Number(id));
  }

  /** Whether message `id` is on the list. */
  has(id) {
    return this.byId.has(Number(id));
  }

  /** The messages on the list, in order. */
  list() {
    return this.order.map((id) => this.byId.get(id));
  }

  /** My newest message on the list, or null. */
  lastOwn() {
    for (let i = this.order.length - 1; i >= 0; i -= 1) {
      const m = this.byId.get(this.order[i]);
      if (m.user && Number(m.user.id) === this.me.id) return m;
    }
    return null;
  }

  /**
   * Puts `message` (data as of seq `asOf`) on the list unless it is there already or was
   * deleted after `asOf`; when `known` (what the view had before) holds newer data of it,
   * that wins. Call sortOrder() after a batch. Returns whether it was added.
   */
  store(message, asOf = 0, known = null) {
    if (!message || message.id === undefined || message.id === null) return false;
    const id = Number(message.id);
    const seq = asOf ?? 0;
    if (this.byId.has(id) || this.deletedAt.get(id) > seq) return false;
    const before = known?.get(id);
    this.byId.set(id, before && before.asOf > seq ? before : { ...message, id, asOf: seq });
    return true;
  }

  sortOrder() {
    this.order = Array.from(this.byId.keys()).sort((a, b) => a - b);
  }

  /** Keeps a live message for later: the list shows an older window. */
  hold(message, seq) {
    const id = Number(message.id);
    this.held.set(id, { ...message, id, asOf: seq ?? 0 });
  }

  /**
   * Replaces the list with `messages` (as of `asOf`); `withHeld` adds the held live messages
   * after the page's start and forgets them as held. What the view knew wins where newer.
   */
  replace(messages, asOf, { withHeld }) {
    const known = new Map([...this.byId, ...this.held]);
    this.byId.clear();
    for (const m of messages) this.store(m, asOf, known);
    if (withHeld) {
      const oldest = messages.length ? Number(messages[0].id) : 0;
      for (const m of this.held.values()) if (m.id > oldest) this.store(m, m.asOf, known);
      this.held.clear();
    }
    this.sortOrder();
  }

  /**
   * A logged change at `seq` to message `id`: `change(message)` gives its new data. Returns
   * 'shown' when a message on the list changed, 'held' for a held one, null when it is not
   * here or its data is already as of `seq` or later.
   */
  patch(id, seq, change) {
    id = Number(id);
    for (const [map, where] of [[this.byId, 'shown'], [this.held, 'held']]) {
      const message = map.get(id);
      if (!message) continue;
      if (seq <= message.asOf) return null;
      map.set(id, { ...change(message), id, asOf: seq });
      return where;
    }
    return null;
  }

  /** Replies to message `id` get `change(reply_to)` as their quote; returns the ids on the list that changed. */
  patchReplies(id, change) {
    id = Number(id);
    const shown = [];
    for (const map of [this.held, this.byId]) {
      for (const m of map.values()) {
        if (Number(m.reply_to?.id) !== id) continue;
        map.set(m.id, { ...m, reply_to: change(m.reply_to) });
        if (map === this.byId) shown.push(m.id);
      }
    }
    return shown;
  }

  /** Message `id` was deleted at `seq`; returns whether it was on the list. */
  delete(id, seq) {
    id = Number(id);
    this.deletedAt.set(id, seq ?? 0);
    this.held.delete(id);
    if (!this.byId.delete(id)) return false;
    this.sortOrder();
    return true;
  }
}
