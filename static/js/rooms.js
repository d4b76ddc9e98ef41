// rooms.js — owns the rooms the user can see: the sidebar list (kept in
// creation order, updated live), which one is highlighted, how unread ones are
// marked (bold, a badge with the mentions; the counts are unread.js's), the header of the
// open room (name, description, the creator's rename/delete buttons), and the
// page address that names the open room (/chat?room=ID).
import { h } from './dom.js';
import { t, onLangChange } from './i18n.js';
import { countText, mentionsLabel } from './unread.js';

function byCreation(a, b) {
  const ta = Date.parse(a.created_at);
  const tb = Date.parse(b.created_at);
  if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
  return a.id - b.id;
}

function normalise(room) {
  return {
    id: Number(room.id),
    name: String(room.name ?? ''),
    description: String(room.description ?? ''),
    created_by: room.created_by === null || room.created_by === undefined ? null : Number(room.created_by),
    created_at: room.created_at ?? '',
  };
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
   * @param {HTMLElement} o.list    the <ul>
   * @param {HTMLElement} o.status  "loading…/no rooms/error" line
   * @param {(id:number) => void} o.onSelect
   */
  constructor({ list, status, onSelect }) {
    this.list = list;
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

    list.addEventListener('click', (event) => {
      const link = event.target.closest('a[data-room-id]');
      if (!link) return;
      // Let the browser handle "open in new tab" and friends.
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.onSelect(Number(link.dataset.roomId));
    });
    onLangChange(() => {
      if (this.error) this.showError(this.error.text, this.error.retry);
      else this.renderStatus();
      if (this.unread) this.showUnread(this.unread);
    });
  }

  /** Marks each room by `counts` (get(id) -> { unread, mentions }): bold when unread, a badge with the mentions. */
  showUnread(counts) {
    this.unread = counts;
    for (const link of this.list.querySelectorAll('a[data-room-id]')) this.markUnread(link, Number(link.dataset.roomId));
  }

  markUnread(link, id) {
    const { unread, mentions } = this.unread?.get(id) ?? { unread: 0, mentions: 0 };
    link.classList.toggle('is-unread', unread > 0);
    link.querySelector('.room-link__badge')?.remove();
    if (mentions > 0) {
      link.append(h('span', { class: 'room-link__badge' },
        h('span', { 'aria-hidden': 'true', text: countText(mentions) }),
        h('span', { class: 'visually-hidden', text: mentionsLabel(mentions) })));
    }
  }

  setRooms(rooms) {
    this.rooms.clear();
    for (const room of rooms) this.rooms.set(Number(room.id), normalise(room));
    this.render();
  }

  /** Adds or replaces a room; returns the stored copy. */
  upsert(room) {
    const stored = normalise(room);
    this.rooms.set(stored.id, stored);
    this.render();
    return stored;
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

  all() {
    return Array.from(this.rooms.values()).sort(byCreation);
  }

  setActive(id) {
    this.activeId = id;
    for (const link of this.list.querySelectorAll('a[data-room-id]')) {
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
    const items = this.all().map((room) => h('li', { class: 'rooms__item' },
      h('a', {
        class: `room-link${room.id === this.activeId ? ' is-active' : ''}`,
        href: roomUrl(room.id),
        title: room.description || room.name,
        'aria-current': room.id === this.activeId ? 'page' : null,
        dataset: { roomId: room.id },
      },
      h('span', { class: 'room-link__hash', 'aria-hidden': 'true', text: '#' }),
      h('span', { class: 'room-link__name', text: room.name })),
    ));
    this.list.replaceChildren(...items);
    for (const link of this.list.querySelectorAll('a[data-room-id]')) this.markUnread(link, Number(link.dataset.roomId));
    this.error = null;
    this.loading = false;
    this.renderStatus();
  }

  /** The line under the list: loading, or that there are no rooms yet. */
  renderStatus() {
    const empty = this.rooms.size === 0;
    this.status.replaceChildren();
    this.status.textContent = this.loading ? t('rooms.loading') : empty ? t('rooms.empty') : '';
    this.status.hidden = !this.loading && !empty;
  }
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
    this.name.textContent = room.name;
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
