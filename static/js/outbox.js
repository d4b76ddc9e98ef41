// outbox.js — owns the messages we wrote that the server has not stored yet
// (each with the message it answers, if any): giving each a client_id, sending it when the open room is joined, waiting
// for the next connection while offline (then resending with the same
// client_id, which the server stores once), marking it failed when no answer
// comes (retry / delete), and holding it — with whatever is written after it —
// while the server's rate limit says wait, then sending them in order. Its data
// lives in the session state of chat.js; showing the pending bubbles is left
// to the callback.
import { MAX_MESSAGE_CHARS, charCount } from './composer.js';
import { t } from './i18n.js';

/** A sent message not confirmed within this time is shown as failed (retry/delete). */
const CONFIRM_TIMEOUT_MS = 15_000;

/** A v4 UUID; crypto.randomUUID() exists only on https/localhost. */
function newClientId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The send_message frame of an outbox entry. */
function frameOf(entry) {
  const frame = { type: 'send_message', room_id: entry.room_id, content: entry.content, client_id: entry.client_id };
  if (entry.reply) frame.reply_to = entry.reply.id;
  return frame;
}

export class Outbox {
  /**
   * @param {object} o
   * @param {object} o.state  chat.js session state (outbox, heldUntil, release, countdown, currentRoomId, joinedRoomId)
   * @param {{send: (frame: object) => boolean, retryNow: () => void}} o.socket
   * @param {{sendJoin: (roomId: number) => boolean}} o.resume  joins another room just to send to it
   * @param {(roomId: number) => boolean} o.roomExists  whether the room is still in the room list
   * @param {(entries: object[], opts?: {scroll?: boolean}) => void} o.onPending  show the pending bubbles of the open room
   * @param {(text: string) => void} o.onError  tell the user a message cannot be sent
   */
  constructor({ state, socket, resume, roomExists, onPending, onError }) {
    this.state = state;
    this.socket = socket;
    this.resume = resume;
    this.roomExists = roomExists;
    this.onPending = onPending;
    this.onError = onError;
  }

  /** The pending bubbles of `roomId`, in send order. */
  pendingFor(roomId) {
    return Array.from(this.state.outbox.values())
      .filter((e) => e.room_id === roomId)
      .map(({ client_id, content, created_at, status, reply }) => ({ client_id, content, created_at, status, reply, retry_at: this.state.heldUntil }));
  }

  /** Redraws the pending bubbles of `roomId`. */
  show(roomId, opts) {
    this.onPending(this.pendingFor(roomId), opts);
  }

  /** Redraws the pending bubbles of the open room, if any room is open. */
  showCurrent() {
    if (this.state.currentRoomId !== null) this.show(this.state.currentRoomId);
  }

  /** Whether `clientId` is one of ours not stored yet. */
  has(clientId) {
    return this.state.outbox.has(clientId);
  }

  /** Whether anything is still unsent. */
  get size() {
    return this.state.outbox.size;
  }

  /**
   * The composer's text as a new message of the open room, answering `reply` ({id, user,
   * excerpt} of the message, shown on the pending bubble) if given; false when there is
   * nothing to send.
   */
  send(raw, reply = null) {
    const s = this.state;
    const content = raw.trim();
    if (!content || s.currentRoomId === null) return false;
    if (charCount(content) > MAX_MESSAGE_CHARS) {
      this.onError(t('messages.too-long', { count: MAX_MESSAGE_CHARS }));
      return false;
    }
    const entry = {
      client_id: newClientId(),
      room_id: s.currentRoomId,
      content,
      created_at: new Date().toISOString(),
      status: 'queued',
      timer: null,
      reply,
    };
    s.outbox.set(entry.client_id, entry);
    this.transmit(entry);
    this.show(entry.room_id, { scroll: true });
    return true;
  }

  /** Sends one outbox entry if we can; otherwise it waits for the next connection. */
  transmit(entry) {
    const s = this.state;
    clearTimeout(entry.timer);
    entry.timer = null;
    if (s.heldUntil > Date.now()) {
      entry.status = 'limited'; // behind a message the server held back; goes out with it
      return;
    }
    const sent = s.joinedRoomId === entry.room_id && this.socket.send(frameOf(entry));
    entry.status = sent ? 'sending' : 'queued';
    if (sent) entry.timer = setTimeout(() => this.markFailed(entry.client_id), CONFIRM_TIMEOUT_MS);
  }

  /**
   * The server refused one of our messages as too frequent: keep it (and whatever is written
   * after it, so nothing overtakes it), show the countdown on it, and send them all, in order,
   * when the server said it would accept them.
   */
  holdUntilAllowed(clientId, retryAfterMs) {
    const s = this.state;
    const entry = s.outbox.get(clientId);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = null;
    entry.status = 'limited';
    s.heldUntil = Math.max(s.heldUntil, Date.now() + Math.max(0, Number(retryAfterMs) || 1000));
    clearTimeout(s.release);
    s.release = setTimeout(() => this.releaseHeld(), s.heldUntil - Date.now());
    if (entry.room_id === s.currentRoomId) this.show(entry.room_id);
    this.tickCountdown();
  }

  /** The wait is over: send the held-back messages in the order they were written. */
  releaseHeld() {
    const s = this.state;
    s.release = null;
    s.heldUntil = 0;
    for (const entry of s.outbox.values()) {
      if (entry.status === 'limited') this.transmit(entry);
    }
    this.showCurrent();
  }

  /** Redraws the countdown of held-back messages once a second while there are any. */
  tickCountdown() {
    const s = this.state;
    if (s.countdown) return;
    s.countdown = setInterval(() => {
      const held = Array.from(s.outbox.values()).some((e) => e.status === 'limited');
      this.showCurrent();
      if (!held) {
        clearInterval(s.countdown);
        s.countdown = null;
      }
    }, 1000);
  }

  markFailed(clientId) {
    const entry = this.state.outbox.get(clientId);
    if (!entry || entry.status !== 'sending') return;
    entry.status = 'failed';
    if (entry.room_id === this.state.currentRoomId) this.show(entry.room_id);
  }

  /**
   * The server refused one of our messages: shown as failed at once, with «Повторить».
   * `replyGone`: the message it answers was deleted, so a retry sends it as a plain message.
   */
  refused(clientId, { replyGone = false } = {}) {
    const entry = this.state.outbox.get(clientId);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = null;
    entry.status = 'failed';
    if (replyGone) entry.reply = null;
    if (entry.room_id === this.state.currentRoomId) this.show(entry.room_id);
  }

  /** «Повторить» on a failed message. */
  retry(clientId) {
    const entry = this.state.outbox.get(clientId);
    if (!entry) return;
    this.transmit(entry);
    if (entry.status === 'queued') this.socket.retryNow();
    this.show(entry.room_id);
  }

  /** «Удалить» on a failed message. */
  discard(clientId) {
    const entry = this.state.outbox.get(clientId);
    if (!entry) return;
    this.forget(clientId);
    this.show(entry.room_id);
  }

  /** Drops one entry (stored, discarded, or its room is gone) without redrawing. */
  forget(clientId) {
    const entry = this.state.outbox.get(clientId);
    if (entry) clearTimeout(entry.timer);
    this.state.outbox.delete(clientId);
  }

  /** The room is gone: its unsent messages can never be sent. */
  forgetRoom(roomId) {
    for (const entry of this.state.outbox.values()) {
      if (entry.room_id === roomId) this.forget(entry.client_id);
    }
  }

  /** The open room was joined after its page loaded: send what was written meanwhile. */
  sendWaiting(roomId) {
    for (const entry of this.state.outbox.values()) {
      if (entry.room_id === roomId && entry.status === 'queued') this.transmit(entry);
    }
    this.show(roomId);
  }

  /** Messages with a client_id from our outbox are stored: stop resending them. */
  settleFrom(list) {
    let changed = false;
    for (const m of list) {
      if (m.client_id && this.state.outbox.has(m.client_id)) {
        this.forget(m.client_id);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * After (re)connecting: resend everything still in the outbox with its original
   * client_id (the server stores each once). Messages for rooms other than the
   * open one are sent by joining that room just for the send.
   */
  flush() {
    const s = this.state;
    const others = new Map();
    for (const entry of s.outbox.values()) {
      if (entry.room_id === s.currentRoomId) {
        if (entry.status !== 'sending') this.transmit(entry); // not twice on this connection
      } else if (this.roomExists(entry.room_id)) {
        if (!others.has(entry.room_id)) others.set(entry.room_id, []);
        others.get(entry.room_id).push(entry);
      } else this.forget(entry.client_id);
    }
    for (const [roomId, entries] of others) {
      if (!this.resume.sendJoin(roomId)) return;
      for (const entry of entries) {
        this.socket.send(frameOf(entry));
        entry.status = 'sending';
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => this.markFailed(entry.client_id), CONFIRM_TIMEOUT_MS);
      }
      this.socket.send({ type: 'leave_room', room_id: roomId });
    }
    this.showCurrent();
  }

  /** The connection is gone: anything "sending" now waits for the next one instead of timing out. */
  requeue() {
    let changed = false;
    for (const entry of this.state.outbox.values()) {
      if (entry.status === 'sending') {
        clearTimeout(entry.timer);
        entry.timer = null;
        entry.status = 'queued';
        changed = true;
      }
    }
    if (changed) this.showCurrent();
  }
}
