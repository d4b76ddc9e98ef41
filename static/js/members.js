// members.js — owns the right-hand member list of the open room: who is in it
// (from room_users_list / joined_room / left_room), sorted by username in the
// page's language, each with a 📍 city, and the count («3 участника в комнате»).
import { h } from './dom.js';
import { t, onLangChange, formatNumber, compareText } from './i18n.js';
import { avatar, cityBadge } from './people.js';

export class MemberList {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list   the <ul>
   * @param {HTMLElement} o.title  heading that shows the count
   * @param {HTMLElement} o.badge  small count on the mobile header button
   * @param {number} o.meId
   */
  constructor({ list, title, badge, meId }) {
    this.list = list;
    this.title = title;
    this.badge = badge;
    this.meId = meId;
    /** Users in the open room by id; null until the server's first list arrives. */
    this.users = null;
    onLangChange(() => this.render());
  }

  /** Forget everyone (room switch): the count shows «…» until the list arrives. */
  reset() {
    this.users = null;
    this.render();
  }

  setAll(users) {
    this.users = new Map();
    for (const user of users) this.users.set(Number(user.id), { ...user, id: Number(user.id) });
    this.render();
  }

  add(user) {
    if (!this.users) this.users = new Map();
    this.users.set(Number(user.id), { ...user, id: Number(user.id) });
    this.render();
  }

  remove(userId) {
    if (this.users?.delete(Number(userId))) this.render();
  }

  render() {
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
      avatar(user, 'sm'),
      h('div', { class: 'member__info' },
        h('div', { class: 'member__name' },
          h('span', { text: user.username }),
          user.id === this.meId ? h('span', { class: 'member__me', text: ` ${t('members.me')}` }) : null),
        cityBadge(user.city)),
    )));
  }
}
