// members.js — owns the right-hand member list of the open room: who is in it
// (from room_users_list / joined_room / left_room; user_updated changes a city), sorted by username in the
// page's language, each with their city and a presence dot (presence.js), and the count
// («3 участника в комнате»). While the connection is down the list may be out
// of date: it says so and greys the dots until the room's next room_users_list.
// A name or avatar opens the person's profile card (data-profile-id, profile-card.js).
// Each person whose time zone shows has their local time beside them, all redrawn by the
// page's one minute tick (clock.js). «По городам» groups the list by city (city-groups.js),
// each canonical city with a way to read only its people's messages (city-lens.js).
// Frames show us as others see us, so our own row takes our full data (`setSelf`).
import { h } from './dom.js';
import { t, lang, onLangChange, formatNumber, compareText } from './i18n.js';
import { avatar, cityBadge } from './people.js';
import { presenceDot } from './presence.js';
import { localTime } from './local-time.js';
import { onEachMinute } from './clock.js';
import { groupByCity } from './city-groups.js';
import { cityName, cityNameEl } from './city-names.js';

export class MemberList {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list   the <ul>
   * @param {HTMLElement} o.title  heading that shows the count
   * @param {HTMLElement} o.badge  small count on the mobile header button
   * @param {HTMLElement} o.staleNote  «the list may be out of date», shown while stale
   * @param {number} o.meId
   * @param {HTMLButtonElement} [o.byCity]  the «По городам» toggle
   */
  constructor({ list, title, badge, staleNote, meId, byCity = null }) {
    this.list = list;
    this.title = title;
    this.badge = badge;
    this.staleNote = staleNote;
    this.meId = meId;
    this.byCity = byCity;
    /** Our own full data (GET /api/me), shown on our row instead of what the frames let others see. */
    this.self = null;
    /** Whether the list is grouped by city. */
    this.grouped = false;
    /** fn(cityId, name): «Только их сообщения» of a city's group was chosen. */
    this.onLens = null;
    /** fn() after each redraw: who is in the room (or what they show) may have changed. */
    this.onChange = null;
    /** The local-time labels on the list and their zones, redrawn each minute. */
    this.clocks = [];
    byCity?.addEventListener('click', () => {
      this.grouped = !this.grouped;
      this.render();
    });
    onEachMinute((now) => this.tick(now));
    /** Users in the open room by id; null until the server's first list arrives. */
    this.users = null;
    /** The connection dropped since the last room_users_list: presence may have changed unseen. */
    this.stale = false;
    onLangChange(() => this.render());
  }

  /** The connection is down: what the list shows may no longer be true. */
  markStale() {
    if (this.stale) return;
    this.stale = true;
    this.showStale();
  }

  showStale() {
    // Nothing to warn about before there is a list to doubt.
    const stale = this.stale && this.users !== null;
    this.staleNote.hidden = !stale;
    this.list.classList.toggle('members--stale', stale);
  }

  /** Forget everyone (room switch): the count shows «…» until the list arrives. */
  reset() {
    this.users = null;
    this.render();
  }

  /** The server's list of who is in the room now: fresh again. */
  setAll(users) {
    this.stale = false;
    this.users = new Map();
    for (const user of users) this.users.set(Number(user.id), { ...user, id: Number(user.id) });
    this.render();
  }

  add(user) {
    if (!this.users) this.users = new Map();
    this.users.set(Number(user.id), { ...user, id: Number(user.id) });
    this.render();
  }

  /** A member changed their profile (user_updated): their row shows it. */
  update(user) {
    const id = Number(user.id);
    if (!this.users?.has(id)) return;
    this.users.set(id, { ...this.users.get(id), ...user, id });
    this.render();
  }

  remove(userId) {
    if (this.users?.delete(Number(userId))) this.render();
  }

  /** Our own data as GET /api/me gives it (city, city_id, country, timezone). */
  setSelf(me) {
    this.self = me;
    this.render();
  }

  /** The people of the room, our own row with our own data; null before the first list. */
  people() {
    if (!this.users) return null;
    return Array.from(this.users.values(), (user) => (user.id === this.meId && this.self
      ? { ...user, city: this.self.city, city_id: this.self.city_id, country: this.self.country, timezone: this.self.timezone }
      : user));
  }

  render() {
    this.draw();
    this.onChange?.();
  }

  draw() {
    this.showStale();
    this.clocks = [];
    if (this.byCity) {
      this.byCity.setAttribute('aria-pressed', String(this.grouped));
      this.byCity.textContent = t('lens.by-city');
    }
    const users = this.people();
    if (!users) {
      this.title.textContent = t('members.loading');
      this.badge.textContent = '';
      this.list.replaceChildren();
      return;
    }
    users.sort((a, b) => compareText(a.username, b.username) || a.id - b.id);
    this.title.textContent = t('members.count', { count: users.length });
    this.badge.textContent = users.length ? formatNumber(users.length) : '';
    if (!this.grouped) {
      this.list.replaceChildren(...users.map((user) => this.row(user)));
      return;
    }
    const regions = new Intl.DisplayNames(lang, { type: 'region' });
    const groups = groupByCity(users, {
      countryName: (code) => { try { return regions.of(code) ?? code; } catch { return code; } },
      hiddenName: t('lens.hidden'),
      compare: compareText,
    });
    this.list.replaceChildren(...groups.map((group) => h('li', { class: 'members__group' },
      h('div', { class: 'members__group-head' },
        h('h3', { class: 'members__group-name' }, group.cityId === null ? group.name : cityNameEl(group.cityId, group.name)),
        h('span', { class: 'members__group-count', text: formatNumber(group.users.length) }),
        group.cityId === null ? null : h('button', {
          class: 'link-btn members__group-lens', type: 'button', text: t('lens.only-theirs'),
          onClick: () => this.onLens?.(group.cityId, cityName(group.cityId, group.name)),
        })),
      h('ul', { class: 'members__sublist' }, ...group.users.map((user) => this.row(user))))));
  }

  /** One person's row: avatar and presence, name, city, and their local time when it shows. */
  row(user) {
    return h('li', { class: 'member' },
      h('div', { class: 'member__avatar', dataset: { profileId: user.id } },
        avatar(user, 'sm'),
        presenceDot(user.id, 'member__presence')),
      h('div', { class: 'member__info' },
        h('div', { class: 'member__name' },
          h('button', { class: 'member__open', type: 'button', dataset: { profileId: user.id }, text: user.username }),
          user.id === this.meId ? h('span', { class: 'member__me', text: ` ${t('members.me')}` }) : null),
        cityBadge(user),
        this.clock(user.timezone)));
  }

  /** A small label with the local time in `timezone`, kept for the minute tick; null without a zone. */
  clock(timezone, now = new Date()) {
    const time = timezone ? localTime(timezone, now, lang) : null;
    if (!time) return null;
    const el = h('span', { class: 'member__time muted', text: time, title: t('localtime.card', { time }) });
    this.clocks.push({ el, timezone });
    return el;
  }

  /** A new minute: every local time on the list moves on, nothing else is redrawn. */
  tick(now) {
    for (const { el, timezone } of this.clocks) {
      const time = localTime(timezone, now, lang);
      el.textContent = time;
      el.title = t('localtime.card', { time });
    }
  }
}
