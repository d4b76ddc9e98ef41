// city-features.js — puts together what the chat does with cities and time zones beyond the
// people's own rows and cards: the «Города» section and its «Комната моего города»
// (city-rooms.js), the pane's city filter (city-lens.js) opened from the member list's city
// groups, and the quiet-hours notice above the composer (quiet-hours.js). They all need our
// own full data — frames show us as others see us — so this keeps it (GET /api/me) and asks
// again whenever our profile may have changed.
import * as api from './api.js';
import { byId } from './dom.js';
import { CityRooms } from './city-rooms.js';
import { CityLens } from './city-lens.js';
import { QuietNotice } from './quiet-hours.js';

/**
 * @param {object} o
 * @param {object} o.state  chat.js session state
 * @param {{id:number}} o.me  the signed-in user
 * @param {import('./rooms.js').RoomList} o.rooms
 * @param {import('./members.js').MemberList} o.members
 * @param {import('./messages.js').MessageList} o.messages
 * @param {import('./resume.js').RoomResume} o.resume
 * @param {import('./outbox.js').Outbox} o.outbox
 * @param {import('./notify.js').Toasts} o.toasts
 * @param {HTMLTextAreaElement} o.input  the composer's box
 * @param {(roomId:number) => void} o.openRoom
 * @param {?() => void} [o.paintMe]  draws our own strip again (`me` changed)
 */
export function cityFeatures({ state, me, rooms, members, messages, resume, outbox, toasts, input, openRoom, paintMe = null }) {
  /** Our own data as GET /api/me gives it: city, city_id, country, timezone, city_privacy. */
  const self = { id: me.id, username: me.username, city: me.city, city_id: null, country: null, timezone: null };
  const cityRooms = new CityRooms({ button: byId('city-room-mine'), hint: byId('city-room-hint'), rooms, toasts, openRoom });
  const lens = new CityLens({
    elements: { banner: byId('lens-banner'), text: byId('lens-text'), showAll: byId('lens-show-all') },
    state, me: self, messages, resume, outbox,
  });
  members.onLens = (cityId, name) => lens.show(cityId, name);
  const quiet = new QuietNotice({
    element: byId('composer-quiet'),
    input,
    room: () => rooms.get(state.currentRoomId),
    members: () => members.people() ?? [],
    meId: me.id,
  });
  // Someone named in a draft kept for the room may be known only once its member list is in.
  members.onChange = () => quiet.update();

  /** Bumped per request, so an older answer never overwrites a newer one. */
  let asked = 0;
  return {
    lens,
    quiet,
    /** Our profile may have changed (start-up, a new connection, user_updated of us): read it again. */
    async refreshMe() {
      const token = ++asked;
      try {
        const fresh = await api.getMe();
        if (token !== asked) return;
        Object.assign(self, fresh);
        // Frames show us as others see us; our own strip shows our city as it is.
        if (fresh.city !== me.city || (fresh.city_id ?? null) !== (me.city_id ?? null)) {
          Object.assign(me, { city: fresh.city, city_id: fresh.city_id ?? null });
          paintMe?.();
        }
        members.setSelf(self);
        cityRooms.setMe(self);
        quiet.update();
      } catch (err) {
        // What we had stays; the next change asks again.
        console.warn('GET /api/me failed:', err);
      }
    },
    /** Another room is on screen: no filter, and the notice is about its people. */
    roomOpened() {
      lens.dropped();
      quiet.update();
    },
  };
}
