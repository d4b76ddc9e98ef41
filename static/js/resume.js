// resume.js — owns keeping the open room in step with the room's event log on
// the server. Every change a room shows is a logged event numbered by the room's
// seq (1, 2, 3 … without gaps); the view of the open room shows the events up to
// state.lastSeq. Opening a room loads its newest page, which says its seq, then
// joins with `since` = that seq: the server replays what came after and goes on
// live. A new connection joins with `since` = lastSeq again. This module sends
// join_room / leave_room for the open room, matches the server's answers to the
// joins it sent, decides which logged frames to apply (seq > lastSeq, once our
// latest join is answered) and which are duplicates, and starts over from the
// newest page when the server asks (resync_required) or refuses lastSeq
// (invalid_since). Its data lives in the session state of chat.js; showing
// things is left to the callbacks.
import * as api from './api.js';
import { t } from './i18n.js';

/** Codes of the `error` frames (without client_id) with which the server refuses a join_room. */
const JOIN_REFUSALS = new Set(['room_not_found', 'invalid_since', 'server_error']);

export class RoomResume {
  /**
   * @param {object} o
   * @param {object} o.state  chat.js session state (currentRoomId, joinedRoomId, lastSeq, joinsInFlight, historyToken)
   * @param {{send: (frame: object) => boolean}} o.socket
   * @param {(roomId: number, page: object[], hasMore: boolean, info: {seq: number, around: number|null, newest: object[]|null}) => void} o.onPage
   *   show the page (replaces the list): the newest, or the window around message `around`
   *   with `newest`, the room's newest message (a page of one)
   * @param {(roomId: number, err: Error, info: {around: number|null}) => void} o.onPageError  the page could not be loaded
   * @param {(roomId: number) => void} o.onJoined  the room was joined after its page: send what waited for it
   */
  constructor({ state, socket, onPage, onPageError, onJoined }) {
    this.state = state;
    this.socket = socket;
    this.onPage = onPage;
    this.onPageError = onPageError;
    this.onJoined = onJoined;
  }

  /**
   * Loads the newest page of the open room `roomId` (or, with `around`, the window around
   * that message), shows it, and joins the room from the page's seq. `afterRefusal`: the
   * server refused our last `since`.
   */
  async loadNewest(roomId, { afterRefusal = false, around = null } = {}) {
    const s = this.state;
    const token = ++s.historyToken;
    s.lastSeq = null; // until the page is in, logged frames of the room are not applied
    try {
      const [{ messages, seq }, newest] = await Promise.all([
        api.listMessages(roomId, around === null ? { limit: api.PAGE_SIZE } : { around }),
        around === null ? null : api.listMessages(roomId, { limit: 1 }),
      ]);
      if (token !== s.historyToken || roomId !== s.currentRoomId) return;
      if (seq === null) throw new Error(t('messages.no-seq'));
      const info = { seq, around, newest: newest?.messages ?? null };
      this.onPage(roomId, messages, around === null ? messages.length >= api.PAGE_SIZE : messages.length > 0, info);
      s.lastSeq = seq;
      if (this.join({ afterRefusal })) this.onJoined(roomId);
    } catch (err) {
      if (token !== s.historyToken || roomId !== s.currentRoomId) return;
      this.onPageError(roomId, err, { around });
    }
  }

  /** A connection opened: the server has forgotten our rooms. Resume the open room where the view is. */
  connected({ reconnected }) {
    const s = this.state;
    this.forgetConnection();
    if (s.currentRoomId === null) return;
    if (s.lastSeq !== null) this.join();
    // No page yet (still loading, or it failed while we were offline): load it; it joins when in.
    else if (reconnected) this.loadNewest(s.currentRoomId);
  }

  /** The connection is gone, and with it our joins and whatever answers to them were due. */
  forgetConnection() {
    this.state.joinedRoomId = null;
    this.state.joinsInFlight = [];
  }

  /** Joins the open room from lastSeq; false when there is no page yet or no connection. */
  join({ afterRefusal = false } = {}) {
    const s = this.state;
    const roomId = s.currentRoomId;
    if (roomId === null || s.lastSeq === null || !this.sendJoin(roomId, s.lastSeq, afterRefusal)) return false;
    s.joinedRoomId = roomId;
    return true;
  }

  /** Sends join_room (a resume when `since` is given) and waits for its answer. */
  sendJoin(roomId, since = null, afterRefusal = false) {
    const frame = { type: 'join_room', room_id: roomId };
    if (since !== null) frame.since = since;
    if (!this.socket.send(frame)) return false;
    this.state.joinsInFlight.push({ roomId, since, afterRefusal });
    return true;
  }

  /** Leaves the room we are subscribed to (switching rooms); the view no longer follows any log. */
  leave() {
    const s = this.state;
    if (s.joinedRoomId !== null) this.socket.send({ type: 'leave_room', room_id: s.joinedRoomId });
    s.joinedRoomId = null;
    s.lastSeq = null;
  }

  /**
   * Whether logged frames of `roomId` now come in order right after lastSeq: it is
   * the open room, its page is in, and the server has answered our latest join of it
   * (frames before that answer are repeated by its replay when they are new to us).
   */
  inStep(roomId) {
    const s = this.state;
    return roomId === s.currentRoomId && s.lastSeq !== null && s.joinedRoomId === roomId
      && !s.joinsInFlight.some((join) => join.roomId === roomId);
  }

  /**
   * A logged frame (new_message, room_updated) of `roomId` with `seq`:
   * 'apply' — new to the view, lastSeq moves to `seq`;
   * 'duplicate' — the view has it already (a seam between replay and live): drop it;
   * 'unordered' — another room, or not in step yet: its own handling, no seq rules.
   */
  take(roomId, seq) {
    if (!this.inStep(roomId)) return 'unordered';
    if (!Number.isSafeInteger(seq) || seq <= this.state.lastSeq) return 'duplicate';
    this.state.lastSeq = seq;
    return 'apply';
  }

  /** room_users_list: the server answers our join of `roomId`; its replay and live events follow in order. */
  answered(roomId) {
    const joins = this.state.joinsInFlight;
    const i = joins.findIndex((join) => join.roomId === roomId);
    if (i >= 0) joins.splice(i, 1);
  }

  /**
   * An `error` frame. If it refuses our oldest unanswered join, that join is over;
   * invalid_since for the open room starts over from the newest page (once: a second
   * refusal in a row is shown). Returns true when the frame was dealt with here.
   */
  refused(frame) {
    const s = this.state;
    if (frame.client_id || !JOIN_REFUSALS.has(frame.code) || !s.joinsInFlight.length) return false;
    const join = s.joinsInFlight.shift();
    if (join.roomId !== s.currentRoomId) return false;
    // A later join of the room is on its way: its answer decides.
    if (s.joinsInFlight.some((later) => later.roomId === join.roomId)) return frame.code === 'invalid_since';
    s.joinedRoomId = null; // not joined (the server undoes a failed join)
    if (frame.code !== 'invalid_since' || join.afterRefusal) return false;
    this.loadNewest(join.roomId, { afterRefusal: true });
    return true;
  }

  /**
   * resync_required for `roomId`: more was missed than the server replays. Starts
   * over from the newest page; false when it is not the answer to our latest join
   * of the open room (then a later answer decides).
   */
  resync(roomId) {
    if (!this.inStep(roomId)) return false;
    this.loadNewest(roomId);
    return true;
  }
}
