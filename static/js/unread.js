// unread.js — owns what the user has not read yet, per room: the read marker, how
// many messages are unread and how many of those mention the user. The counts come
// from GET /api/read_state when a connection opens (the first one and every
// reconnect), from `read_state` frames (another tab or device of ours moved the
// marker) and from live `new_message` frames the user is not looking at (another
// room, a hidden tab, the open room scrolled up). While the open room is visible
// and scrolled to its newest message, it is read: its counts go to zero and
// `mark_read` tells the server, at most once a second per room and only forward.
// The room list draws the counts (rooms.js); the tab's title starts with their sum.
// The rules without the DOM (UnreadCounts, countText, titleWithCount) are exported
// for tests/js/unread.test.js.
import * as api from './api.js';
import { t } from './i18n.js';

/** The server counts no further (README: `GET /api/read_state`); shown as "1000+". */
export const CAP = 1000;

/** mark_read goes out at most this often per room. */
const MARK_EVERY_MS = 1000;

/** A count as the room list shows it: the number, or "1000+" at the cap. */
export function countText(n) {
  return n >= CAP ? `${CAP}+` : String(n);
}

/** What a screen reader says for a room's mention badge: «3 упоминания» / "3 mentions". */
export function mentionsLabel(n) {
  return n >= CAP ? t('rooms.mentions-capped', { count: CAP }) : t('rooms.mentions', { count: n });
}

/** The tab's title with the number of unread messages in front: «(3) #общий — Discock». */
export function titleWithCount(title, total) {
  return total > 0 ? `(${total}) ${title}` : title;
}

/** Nothing unread. */
const NONE = Object.freeze({ lastReadId: 0, unread: 0, mentions: 0 });

/** The counts of every room: pure bookkeeping, no DOM and no network. */
export class UnreadCounts {
  constructor() {
    /** room id -> { lastReadId, unread, mentions, seenId } (seenId: the newest message counted, so a repeat is not counted twice). */
    this.rooms = new Map();
  }

  /** The room's counts ({ lastReadId, unread, mentions }); zeros for a room never heard of. */
  get(roomId) {
    return this.rooms.get(Number(roomId)) ?? NONE;
  }

  /** Takes the server's word for one room (an entry of GET /api/read_state, or a read_state frame). */
  set({ room_id: roomId, last_read_id: lastReadId, unread, mentions }) {
    const id = Number(roomId);
    const seenId = this.rooms.get(id)?.seenId ?? 0;
    this.rooms.set(id, {
      lastReadId: Number(lastReadId) || 0,
      unread: Math.min(CAP, Number(unread) || 0),
      mentions: Math.min(CAP, Number(mentions) || 0),
      seenId,
    });
  }

  /** Takes GET /api/read_state: every room's counts; rooms it does not list are forgotten. */
  setAll(entries) {
    const listed = new Set(entries.map((entry) => Number(entry.room_id)));
    for (const id of this.rooms.keys()) if (!listed.has(id)) this.rooms.delete(id);
    for (const entry of entries) this.set(entry);
  }

  /**
   * A live message of `meId`'s view. `read`: the user sees it as it comes (the open room,
   * visible, at its newest). Counts it unless it is read, the user's own, at or below the
   * marker, or counted already; a mention of the user counts as one more mention.
   * Returns whether the counts changed.
   */
  posted(message, meId, read) {
    const roomId = Number(message.room_id);
    const id = Number(message.id);
    const entry = this.rooms.get(roomId) ?? { ...NONE, seenId: 0 };
    this.rooms.set(roomId, entry);
    if (!Number.isSafeInteger(id) || id <= entry.lastReadId || id <= entry.seenId) return false;
    entry.seenId = id;
    if (read || Number(message.user?.id) === meId) return false;
    entry.unread = Math.min(CAP, entry.unread + 1);
    if (Array.isArray(message.mentions) && message.mentions.map(Number).includes(meId)) {
      entry.mentions = Math.min(CAP, entry.mentions + 1);
    }
    return true;
  }

  /** The user has read room `roomId` up to message `messageId`. Returns whether the counts changed. */
  read(roomId, messageId) {
    const entry = this.rooms.get(Number(roomId)) ?? { ...NONE, seenId: 0 };
    this.rooms.set(Number(roomId), entry);
    const changed = entry.unread > 0 || entry.mentions > 0;
    entry.lastReadId = Math.max(entry.lastReadId, messageId);
    entry.seenId = Math.max(entry.seenId, messageId);
    entry.unread = 0;
    entry.mentions = 0;
    return changed;
  }

  /** Unread messages of the rooms `exists` says are there (a deleted room no longer counts). */
  total(exists = () => true) {
    let sum = 0;
    for (const [id, entry] of this.rooms) if (exists(id)) sum += entry.unread;
    return sum;
  }
}

/** Keeps the counts, the room list's marks and the title in step with the server and the view. */
export class Unread {
  /**
   * @param {object} o
   * @param {object} o.state  chat.js session state (currentRoomId, joinedRoomId)
   * @param {{id:number}} o.me  the signed-in user
   * @param {{send: (frame: object) => boolean}} o.socket
   * @param {import('./rooms.js').RoomList} o.rooms  draws the counts
   * @param {import('./messages.js').MessageList} o.messages  the open room's view
   */
  constructor({ state, me, socket, rooms, messages }) {
    this.state = state;
    this.me = me;
    this.socket = socket;
    this.rooms = rooms;
    this.messages = messages;
    this.counts = new UnreadCounts();
    /** The title without the count (chat.js sets it with the open room). */
    this.title = document.title;
    /** room id -> { id, at }: the last mark_read sent there and when. */
    this.sent = new Map();
    /** A mark_read waiting for its turn (MARK_EVERY_MS), or null. */
    this.timer = null;
    /** Bumped by each refresh, so an older answer arriving late is dropped. */
    this.generation = 0;

    rooms.showUnread(this.counts);
    // The open room is read when it changes under the reader, is scrolled or comes into view.
    new MutationObserver(() => this.check()).observe(messages.list, { childList: true });
    messages.scroller.addEventListener('scroll', () => this.check(), { passive: true });
    document.addEventListener('visibilitychange', () => this.check());
  }

  /** Sets the tab's title (with the unread count in front). */
  setTitle(title) {
    this.title = title;
    this.paint();
  }

  /** Reads every room's counts again (a connection opened: what came meanwhile is not in any frame). */
  async refresh() {
    const generation = ++this.generation;
    let entries;
    try {
      entries = await api.getReadState();
    } catch (err) {
      // The marks stay as they were; the next connection asks again.
      console.warn('unread: GET /api/read_state failed:', err);
      return;
    }
    if (generation !== this.generation || !Array.isArray(entries)) return;
    this.counts.setAll(entries);
    this.paint();
    this.check();
  }

  /** A `new_message` frame (before the view shows it). */
  posted(message) {
    const read = Number(message.room_id) === this.state.currentRoomId && this.viewing();
    if (this.counts.posted(message, this.me.id, read)) this.paint();
  }

  /** A `read_state` frame: another of our tabs or devices moved the marker. */
  applyFrame(frame) {
    this.counts.set(frame);
    this.paint();
    this.check();
  }

  /** Whether the reader sees the newest messages of the open room right now. */
  viewing() {
    const m = this.messages;
    return document.visibilityState === 'visible' && m.loaded && !m.detached && m.isNearBottom();
  }

  /** If the open room is being looked at: its counts go to zero, and the server hears of it soon. */
  check() {
    const roomId = this.state.currentRoomId;
    const newest = this.messages.newestId;
    if (roomId === null || newest === null || !this.viewing()) return;
    if (this.counts.read(roomId, newest)) this.paint();
    if (newest > (this.sent.get(roomId)?.id ?? 0) && this.timer === null) {
      const wait = Math.max(0, (this.sent.get(roomId)?.at ?? 0) + MARK_EVERY_MS - Date.now());
      this.timer = setTimeout(() => this.markRead(), wait);
    }
  }

  /** Sends mark_read for the open room's newest message, when it is joined and still looked at. */
  markRead() {
    this.timer = null;
    const roomId = this.state.currentRoomId;
    const newest = this.messages.newestId;
    // Not joined on this connection (yet): the server would refuse; the join's page or a scroll checks again.
    if (roomId === null || newest === null || this.state.joinedRoomId !== roomId || !this.viewing()) return;
    if (newest <= (this.sent.get(roomId)?.id ?? 0)) return;
    if (this.socket.send({ type: 'mark_read', room_id: roomId, message_id: newest })) {
      this.sent.set(roomId, { id: newest, at: Date.now() });
    }
  }

  /** Redraws the room list's marks and the title. */
  paint() {
    this.rooms.showUnread(this.counts);
    document.title = titleWithCount(this.title, this.counts.total((id) => Boolean(this.rooms.get(id))));
  }
}
