// rooms.js — owns the rooms the user can see: the sidebar lists (public rooms
// in creation order; direct conversations, named after the other person with
// their presence dot (presence.js), the most recent first; both updated live), which one is highlighted, how unread ones are
// marked (bold; a badge with the mentions, or with every unread message of a
// conversation; the counts are unread.js's), the rooms of cities under «Города» (city-rooms.js
// has the button that makes yours; a city room is named in the page's language, city-names.js), the header of the
// open room (name, description, the creator's rename/delete buttons), and the
// page address that names the open room (/chat?room=ID).
import { h } from './dom.js';
import { t, onLangChange, formatNumber } from './i18n.js';
import { countText, mentionsLabel } from './unread.js';
import { avatar } from './people.js';
import { cityNameEl } from './city-names.js';
import { presenceDot } from './presence.js';

function byCreation(a, b) {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
  return a.id - b.id;
}

/** Conversations by their newest message (`activity`), then the newest made. */
function byActivity(a, b) {
  return (b.activity - a.activity) || -byCreation(a, b);
}

/**
 * A room as the page keeps it. A direct conversation (`kind` "dm") is named after the other
 * person (`peer`), who `meId` is not; `activity` is the id of its newest message we know of.
 */
export function normalise(room, meId, activity = 0) {
  const kind = room.kind === 'dm' ? 'dm' : 'room';
  const members = Array.isArray(room.members) ? room.members : [];
  const peer = kind === 'dm' ? (members.find((m) => Number(m.id) !== meId) ?? null) : null;
  return {
    id: Number(room.id),
    kind,
    name: peer ? String(peer.username ?? '') : String(room.name ?? ''),
    description: kind === 'dm' ? '' : String(room.description ?? ''),
    created_by: room.created_by === null || room.created_by === undefined ? null : Number(room.created_by),
    created_at: room.created_at ?? '',
    /** The city a city room is for (GeoNames id), else null. */
    city_id: kind === 'room' && Number.isSafeInteger(Number(room.city_id)) && room.city_id !== null ? Number(room.city_id) : null,
    /** How many people of that city show it; null for other rooms. */
    city_members: Number.isSafeInteger(Number(room.city_members)) && room.city_members !== null ? Number(room.city_members) : null,
    peer,
    activity: Number(activity) || 0,
  };
}

/** Whether `room` (normalised) is the room of a city. */
export function isCityRoom(room) {
  return room.kind !== 'dm' && room.city_id !== null && room.city_id !== undefined;
}

/** City rooms in the order «Города» lists them: `myCityId`'s first, then the most people, then by name. */
export function cityRoomOrder(rooms, myCityId = null) {
  const mine = (r) => (myCityId !== null && r.city_id === myCityId ? 0 : 1);
  return Array.from(rooms).sort((a, b) => (mine(a) - mine(b))
    || ((b.city_members ?? 0) - (a.city_members ?? 0))
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    || a.id - b.id);
}

/**
 * Rooms (normalised) in the sidebar's order: public rooms by creation, then the rooms of
 * cities (`cityRoomOrder`), then conversations, the most recent first.
 */
export function sidebarOrder(rooms, myCityId = null) {
  const all = Array.from(rooms);
  return [
    ...all.filter((r) => r.kind !== 'dm' && !isCityRoom(r)).sort(byCreation),
    ...cityRoomOrder(all.filter(isCityRoom), myCityId),
    ...all.filter((r) => r.kind === 'dm').sort(byActivity),
  ];
}

/** The address of a room's page. */
export function roomUrl(id) {
  return `/chat?room=${encodeURIComponent(id)}`;
}

/** The room the address names, or null when it names none. */
export function roomIdFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('room');
  const id = Number(raw);
  return raw && Number.isInteger(id) && id > 0 ? id : null;
}

/** Points the address at room `roomId`. `mode`: 'push' (a new history entry) | 'replace' | 'none'. */
export function setRoomUrl(roomId, mode) {
  if (mode === 'none') return;
  const url = roomUrl(roomId);
  const current = window.location.pathname + window.location.search;
  const stateObj = { roomId };
  if (mode === 'push' && current !== url) window.history.pushState(stateObj, '', url);
  else window.history.replaceState(stateObj, '', url);
}

export class RoomList {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list    the <ul> of public rooms
   * @param {HTMLElement} o.dmList  the <ul> of direct conversations
   * @param {HTMLElement} [o.cityList]  the <ul> of city rooms (without it they stay with the rooms)
   * @param {HTMLElement} o.status  "loading…/no rooms/error" line
   * @param {number} o.meId  the signed-in user
   * @param {(id:number) => void} o.onSelect
   */
  constructor({ list, dmList, cityList = null, status, meId, onSelect }) {
    this.list = list;
    this.dmList = dmList;
    this.cityList = cityList;
    /** Our canonical city: its room is listed first under «Города», marked as ours. */
    this.myCityId = null;
    this.meId = meId;
    this.status = status;
    this.onSelect = onSelect;
    /** Rooms by id. */
    this.rooms = new Map();
    this.activeId = null;
    /** The list's failure line, if it shows one: { text: () => string, retry }. */
    this.error = null;
    /** Whether the rooms are being loaded (the page starts so). */
    this.loading = true;
    /** The unread counts to mark rooms with (unread.js's UnreadCounts), or null. */
    this.unread = null;

    const select = (event) => {
      const link = event.target.closest('a[data-room-id]');
      if (!link) return;
      // Let the browser handle "open in new tab" and friends.
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.onSelect(Number(link.dataset.roomId));
    };
    list.addEventListener('click', select);
    dmList.addEventListener('click', select);
    cityList?.addEventListener('click', select);
    onLangChange(() => {
      if (this.error) this.showError(this.error.text, this.error.retry);
      else this.renderStatus();
      if (this.unread) this.showUnread(this.unread);
    });
  }

  /** Marks each room by `counts` (get(id) -> { unread, mentions }): bold when unread, a badge with the mentions. */
  showUnread(counts) {
    this.unread = counts;
    for (const link of this.links()) this.markUnread(link, Number(link.dataset.roomId));
  }

  /** Every room link of the lists. */
  links() {
    return [this.list, this.cityList, this.dmList]
      .filter(Boolean).flatMap((list) => [...list.querySelectorAll('a[data-room-id]')]);
  }

  /** Our canonical city changed (null: none): «Города» puts its room first. */
  setMyCity(cityId) {
    if (this.myCityId === cityId) return;
    this.myCityId = cityId;
    // Before the rooms are in, the list they bring is drawn with it.
    if (!this.loading) this.render();
  }

  /** Bold when unread; a red badge with the mentions — for a conversation, with every unread message. */
  markUnread(link, id) {
    const { unread, mentions } = this.unread?.get(id) ?? { unread: 0, mentions: 0 };
    const badge = this.rooms.get(id)?.kind === 'dm' ? unread : mentions;
    link.classList.toggle('is-unread', unread > 0);
    link.querySelector('.room-link__badge')?.remove();
    if (badge > 0) {
      const label = badge === mentions && this.rooms.get(id)?.kind !== 'dm'
        ? mentionsLabel(badge)
        : t('rooms.unread', { count: Math.min(badge, 1000) });
      link.append(h('span', { class: 'room-link__badge' },
        h('span', { 'aria-hidden': 'true', text: countText(badge) }),
        h('span', { class: 'visually-hidden', text: label })));
    }
  }

  /** Replaces the public rooms (the direct conversations stay). */
  setRooms(rooms) {
    for (const [id, room] of this.rooms) if (room.kind !== 'dm') this.rooms.delete(id);
    for (const room of rooms) this.rooms.set(Number(room.id), normalise(room, this.meId));
    this.render();
  }

  /** Replaces the direct conversations with GET /api/dms's answer (the public rooms stay). */
  setConversations(conversations) {
    for (const [id, room] of this.rooms) if (room.kind === 'dm') this.rooms.delete(id);
    for (const { room, last_message: last } of conversations) {
      const stored = normalise(room, this.meId, last?.id ?? 0);
      this.rooms.set(stored.id, stored);
    }
    this.render();
  }

  /** Adds or replaces a room (a conversation keeps its activity unless `activity` is newer); returns the stored copy. */
  upsert(room, activity = 0) {
    const known = this.rooms.get(Number(room.id))?.activity ?? 0;
    const stored = normalise(room, this.meId, Math.max(known, Number(activity) || 0));
    this.rooms.set(stored.id, stored);
    this.render();
    return stored;
  }

  /** A message `messageId` was stored in room `id`: a conversation moves up. */
  touch(id, messageId) {
    const room = this.rooms.get(Number(id));
    if (room?.kind !== 'dm' || room.activity >= messageId) return;
    room.activity = messageId;
    this.render();
  }

  /** Removes a room; returns it, or undefined if it was not known. */
  remove(id) {
    const room = this.rooms.get(Number(id));
    if (room) {
      this.rooms.delete(room.id);
      this.render();
    }
    return room;
  }

  get(id) {
    return this.rooms.get(Number(id));
  }

  /** The public rooms by creation, the cities' rooms, then the conversations, the most recent first: the sidebar's order. */
  all() {
    return sidebarOrder(this.rooms.values(), this.myCityId);
  }

  setActive(id) {
    this.activeId = id;
    for (const link of this.links()) {
      const active = Number(link.dataset.roomId) === id;
      link.classList.toggle('is-active', active);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  /** Shows `text()` with a retry button instead of the list (a function, so a language switch can redo it). */
  showError(text, retry) {
    this.error = { text, retry };
    this.status.replaceChildren(document.createTextNode(text()), ' ',
      h('button', { class: 'link-btn', type: 'button', text: t('common.retry'), onClick: retry }));
    this.status.hidden = false;
  }

  /** Shows that the rooms are being loaded. */
  showLoading() {
    this.error = null;
    this.loading = true;
    this.renderStatus();
  }

  render() {
    const item = (room) => h('li', { class: 'rooms__item' },
      h('a', {
        class: `room-link${room.kind === 'dm' ? ' room-link--dm' : ''}${room.id === this.activeId ? ' is-active' : ''}`,
        href: roomUrl(room.id),
        title: room.description || room.name,
        'aria-current': room.id === this.activeId ? 'page' : null,
        dataset: { roomId: room.id },
      },
      room.kind === 'dm' ? null : h('span', { class: 'room-link__hash', 'aria-hidden': 'true', text: '#' }),
      h('span', { class: 'room-link__name' }, isCityRoom(room) ? cityNameEl(room.city_id, room.name) : room.name),
      this.cityList && isCityRoom(room) ? cityMarks(room, this.myCityId) : null,
      // After the name, so a screen reader says «Алиса, в сети»; the stylesheet puts it first.
      room.kind === 'dm'
        ? h('span', { class: 'room-link__avatar' }, avatar(room.peer, 'xs'), room.peer ? presenceDot(room.peer.id, 'room-link__presence') : null)
        : null),
    );
    const all = this.all();
    const apart = (r) => this.cityList !== null && isCityRoom(r);
    this.list.replaceChildren(...all.filter((r) => r.kind !== 'dm' && !apart(r)).map(item));
    this.cityList?.replaceChildren(...all.filter(apart).map(item));
    const conversations = all.filter((r) => r.kind === 'dm');
    this.dmList.replaceChildren(...conversations.map(item));
    this.dmList.closest('[data-dm-section]')?.toggleAttribute('hidden', conversations.length === 0);
    for (const link of this.links()) this.markUnread(link, Number(link.dataset.roomId));
    this.error = null;
    this.loading = false;
    this.renderStatus();
  }

  /** The line under the list: loading, or that there are no rooms yet. */
  renderStatus() {
    const empty = !Array.from(this.rooms.values()).some((r) => r.kind !== 'dm');
    this.status.replaceChildren();
    this.status.textContent = this.loading ? t('rooms.loading') : empty ? t('rooms.empty') : '';
    this.status.hidden = !this.loading && !empty;
  }
}

/** After a city room's name: «ваш город» on ours, and how many of its people show that city. */
function cityMarks(room, myCityId) {
  return [
    room.city_id === myCityId ? h('span', { class: 'room-link__yours', text: t('cityroom.yours') }) : null,
    room.city_members === null ? null : h('span', {
      class: 'room-link__people', title: t('cityroom.members', { count: room.city_members }),
    },
    h('span', { 'aria-hidden': 'true', text: formatNumber(room.city_members) }),
    h('span', { class: 'visually-hidden', text: t('cityroom.members', { count: room.city_members }) })),
  ];
}

export class RoomHeader {
  /**
   * @param {object} o
   * @param {object} o.elements  name, description, rename, remove
   * @param {() => void} o.onRename
   * @param {() => void} o.onDelete
   */
  constructor({ elements, onRename, onDelete }) {
    Object.assign(this, elements);
    /** The text shown instead of a room (loading, no rooms…), or null while a room is shown. */
    this.placeholder = () => t('chat.loading');
    this.rename.addEventListener('click', () => onRename());
    this.remove.addEventListener('click', () => onDelete());
    onLangChange(() => {
      if (this.placeholder) this.showPlaceholder(this.placeholder);
    });
  }

  /** Shows `room`; the creator gets rename/delete (delete never for the default room). */
  show(room, { isCreator, isDefault }) {
    this.placeholder = null;
    this.name.replaceChildren(isCityRoom(room) ? cityNameEl(room.city_id, room.name) : room.name);
    this.name.title = room.name;
    this.description.textContent = room.description;
    this.description.title = room.description;
    this.description.hidden = !room.description;
    this.rename.hidden = !isCreator;
    this.remove.hidden = !isCreator || isDefault;
  }

  /** Shows `text()` instead of a room (a function, so a language switch can say it again). */
  showPlaceholder(text) {
    this.placeholder = text;
    this.name.textContent = text();
    this.name.title = '';
    this.description.textContent = '';
    this.description.hidden = true;
    this.rename.hidden = true;
    this.remove.hidden = true;
  }
}
