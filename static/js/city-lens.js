// city-lens.js — owns the message pane's city filter: «Только их сообщения» on a city's group
// of the member list shows only the open room's messages written by people of that city who
// show it (GET /api/messages/{room}?city_id=N, older pages the same way as one scrolls up),
// under a banner «Сообщения из города Казань · показать все». While it is on, a live message
// shows only when its author is of that city. «Показать все», another room, or the room's
// newest page coming back for another reason (a reconnect, a jump) end it; ending it by hand
// loads the room as usual again. Joining, seqs and the outbox stay as they were.
import * as api from './api.js';
import { t, onLangChange } from './i18n.js';

export class CityLens {
  /**
   * @param {object} o
   * @param {object} o.elements  banner (hidden while off), text, showAll (a button)
   * @param {object} o.state  chat.js session state (currentRoomId)
   * @param {{id:number, city_id:?number}} o.me  our own data (GET /api/me): our messages count as our city's
   * @param {import('./messages.js').MessageList} o.messages
   * @param {import('./resume.js').RoomResume} o.resume
   * @param {import('./outbox.js').Outbox} o.outbox
   */
  constructor({ elements, state, me, messages, resume, outbox }) {
    Object.assign(this, elements);
    Object.assign(this, { state, me, messages, resume, outbox });
    /** The filter on: { roomId, cityId, name }; null while the room shows everyone. */
    this.active = null;
    /** The pane's own way of loading older pages, put back when the filter ends. */
    this.plainFetchOlder = messages.fetchOlder;
    /** Bumped at each start and end, so a late page of an earlier filter is dropped. */
    this.token = 0;
    this.showAll.addEventListener('click', () => this.leave());
    onLangChange(() => this.paint());
    this.paint();
  }

  /** Shows only the messages of city `cityId` (named `name`) in the open room. */
  async show(cityId, name) {
    const roomId = this.state.currentRoomId;
    if (roomId === null) return;
    const token = ++this.token;
    this.active = { roomId, cityId, name };
    this.paint();
    this.messages.fetchOlder = async (beforeId) => {
      const { messages: page, seq } = await api.listMessages(roomId, { limit: api.PAGE_SIZE, before: beforeId, cityId });
      return { messages: page, hasMore: page.length >= api.PAGE_SIZE, seq };
    };
    this.messages.reset(this.messages.room);
    this.messages.setPending(this.outbox.pendingFor(roomId));
    try {
      const { messages: page, seq } = await api.listMessages(roomId, { limit: api.PAGE_SIZE, cityId });
      if (token !== this.token) return;
      this.messages.setHistory(page, page.length >= api.PAGE_SIZE, seq);
    } catch (err) {
      if (token !== this.token) return;
      this.messages.showLoadError(() => t('messages.load-failed', { reason: err.message }), () => this.show(cityId, name));
    }
  }

  /** «Показать все»: the filter ends and the room's newest page loads as usual. */
  leave() {
    const roomId = this.active?.roomId;
    if (!this.dropped()) return;
    if (roomId === this.state.currentRoomId) {
      this.messages.reset(this.messages.room);
      this.messages.setPending(this.outbox.pendingFor(roomId));
      this.resume.loadNewest(roomId);
    }
  }

  /**
   * The pane shows something else now (another room, the room's newest page again): the
   * filter is off without loading anything. Returns whether it was on.
   */
  dropped() {
    if (!this.active) return false;
    this.token += 1;
    this.active = null;
    this.messages.fetchOlder = this.plainFetchOlder;
    this.paint();
    return true;
  }

  /** Whether a live `message` of the open room belongs on the pane (always, while the filter is off). */
  shows(message) {
    if (!this.active || Number(message.room_id) !== this.active.roomId) return true;
    const authorId = Number(message.user?.id);
    // Our own messages come as others see them; we know our own city.
    const cityId = authorId === this.me.id ? this.me.city_id : message.user?.city_id;
    return cityId !== null && cityId !== undefined && Number(cityId) === this.active.cityId;
  }

  paint() {
    this.banner.hidden = !this.active;
    this.text.textContent = this.active ? t('lens.banner', { city: this.active.name }) : '';
    this.showAll.textContent = t('lens.show-all');
  }
}
