// members.js — owns the right-hand member list of the open room: who is in it
// (from room_users_list / joined_room / left_room; user_updated changes a city), sorted by username in the
// page's language, each with their city and a presence dot (presence.js), and the count
// («3 участника в комнате»). While the connection is down the list may be out
// of date: it says so and greys the dots until the room's next room_users_list.
// A name or avatar opens the person's profile card (data-profile-id, profile-card.js).
import { h } from './dom.js';
import { t, onLangChange, formatNumber, compareText } from './i18n.js';
import { avatar, cityBadge } from './people.js';
import { presenceDot } from './presence.js';

export class MemberList {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list   the <ul>
   * @param {HTMLElement} o.title  heading that shows the count
   * @param {HTMLElement} o.badge  small count on the mobile header button
   * @param {HTMLElement} o.staleNote  «the list may be out of date», shown while stale
   * @param {number} o.meId
   */
  constructor({ list, title, badge, staleNote, meId }) {
    this.list = list;
    this.title = title;
    this.badge = badge;
    this.staleNote = staleNote;
    this.meId = meId;
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

  render() {
    this.showStale();
    if (!this.users) {
      this.title.textContent = t('members.loading');
      this.badge.textContent = '';
      this.list.replaceChildren();
      return;
    }
    const users = Array.from(this.users.values())
      .sort((a, b) => compareText(a.username, b.username) || a.id - b.id);
    this.title.textContent = t('members.count', { count: users.length });
    this.badge.textContent = users.length ? formatNumber(users.length) : '';
    this.list.replaceChildren(...users.map((user) => h('li', { class: 'member' },
      h('div', { class: 'member__avatar', dataset: { profileId: user.id } },
        avatar(user, 'sm'),
        presenceDot(user.id, 'member__presence')),
      h('div', { class: 'member__info' },
        h('div', { class: 'member__name' },
          h('button', { class: 'member__open', type: 'button', dataset: { profileId: user.id }, text: user.username }),
          user.id === this.meId ? h('span', { class: 'member__me', text: ` ${t('members.me')}` }) : null),
        cityBadge(user.city)),
    )));
  }
}
