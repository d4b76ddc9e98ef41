// city-rooms.js — owns the sidebar's «Города» section: the rooms of cities (a room whose
// `city_id` is set), each with how many of its people show that city, your own city's room
// first and marked as yours; and «Комната моего города», which asks the server for your
// city's room (POST /api/rooms/city: made once, then the same room for everyone) and opens
// it like any room. Without a canonical city of your own (chosen from the list in the
// settings) the button stays disabled and says why. The links and their order are rooms.js's.
import * as api from './api.js';
import { t, onLangChange } from './i18n.js';

export class CityRooms {
  /**
   * @param {object} o
   * @param {HTMLButtonElement} o.button  «Комната моего города»
   * @param {HTMLElement} o.hint  why the button is disabled (its aria-describedby)
   * @param {import('./rooms.js').RoomList} o.rooms
   * @param {import('./notify.js').Toasts} o.toasts
   * @param {(roomId:number) => void} o.openRoom
   */
  constructor({ button, hint, rooms, toasts, openRoom }) {
    Object.assign(this, { button, hint, rooms, toasts, openRoom });
    /** Our canonical city, or null (free text, or not loaded yet). */
    this.cityId = null;
    /** Whether our own data has come (until then the button waits without a hint). */
    this.known = false;
    /** A request is on its way: one click, one room. */
    this.busy = false;
    button.addEventListener('click', () => this.openMine());
    onLangChange(() => {
      this.paint();
      // «ваш город» and the counts' labels are the list's texts.
      if (!rooms.loading) rooms.render();
    });
    this.paint();
  }

  /** Our own data changed (GET /api/me): the button and which room is ours follow. */
  setMe(me) {
    const id = Number(me?.city_id);
    this.cityId = me?.city_id === null || me?.city_id === undefined || !Number.isSafeInteger(id) ? null : id;
    this.known = true;
    this.rooms.setMyCity(this.cityId);
    this.paint();
  }

  paint() {
    const canonical = this.cityId !== null;
    this.button.disabled = !canonical || this.busy;
    const why = this.known && !canonical;
    this.hint.textContent = why ? t('cityroom.no-city') : '';
    this.hint.hidden = !why;
  }

  /** POST /api/rooms/city, then the room opens (joined as any room is). */
  async openMine() {
    if (this.busy || this.cityId === null) return;
    this.busy = true;
    this.paint();
    try {
      const room = await api.openCityRoom();
      this.rooms.upsert(room);
      this.openRoom(Number(room.id));
    } catch (err) {
      this.toasts.error(t('cityroom.failed', { reason: err.message }));
    } finally {
      this.busy = false;
      this.paint();
    }
  }
}
