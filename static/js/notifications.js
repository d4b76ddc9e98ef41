// notifications.js — owns desktop notifications and muted rooms. Notifications are
// opt-in per browser (the settings' switch asks for the browser's permission and
// remembers the choice here); when the tab is hidden, a direct message or a message
// mentioning us raises one, unless its room is muted, it is ours or its author is
// someone we blocked. A click brings the tab back at that message. Muted rooms are
// stored on the server (GET /api/mutes, PUT/DELETE /api/rooms/{id}/mute) and follow
// `room_muted` from our other devices; the bell in the room's header switches the
// open room. The rule without the browser (shouldNotify) is exported for tests.
import * as api from './api.js';
import { t, onLangChange } from './i18n.js';

/** Where this browser keeps the opt-in. */
const STORAGE_KEY = 'discock_notifications';
/** A notification's text stops here. */
const BODY_MAX = 200;

/**
 * Whether `message` should raise a notification for `meId`: someone else's, in a direct
 * conversation or mentioning us, in a room not muted, from someone not blocked, while the
 * page is hidden and notifications are on.
 */
export function shouldNotify(message, { meId, dm, muted, blocked, hidden, enabled }) {
  if (!enabled || !hidden || !message) return false;
  const author = Number(message.user?.id);
  if (author === meId || blocked(author) || muted(Number(message.room_id))) return false;
  const mentionsMe = Array.isArray(message.mentions) && message.mentions.map(Number).includes(meId);
  return dm || mentionsMe;
}

export class Notifications {
  /**
   * @param {object} o
   * @param {{id:number}} o.me
   * @param {object} o.state  chat.js session state (currentRoomId)
   * @param {import('./rooms.js').RoomList} o.rooms  which rooms are conversations, and their names
   * @param {(userId: number) => boolean} o.blocked
   * @param {HTMLInputElement} o.toggle  the settings' switch
   * @param {HTMLElement} o.status  the switch's explanation (denied, unsupported)
   * @param {HTMLButtonElement} o.bell  mutes or unmutes the open room
   * @param {(roomId: number, messageId: number) => void} o.open  shows a message
   * @param {import('./notify.js').Toasts} o.toasts
   */
  constructor({ me, state, rooms, blocked, toggle, status, bell, open, toasts }) {
    Object.assign(this, { me, state, rooms, blocked, toggle, status, bell, open, toasts });
    /** The rooms muted, by id. */
    this.muted = new Set();
    toggle.addEventListener('change', () => this.switched());
    bell.addEventListener('click', () => this.toggleMute());
    onLangChange(() => {
      this.opened();
      this.paintBell();
    });
  }

  /** Whether this browser may show them and the person asked for them. */
  get enabled() {
    return typeof Notification !== 'undefined' && Notification.permission === 'granted'
      && localStorage.getItem(STORAGE_KEY) === 'on';
  }

  /** The settings dialog opened: the switch shows what holds now. */
  opened() {
    const supported = typeof Notification !== 'undefined';
    this.toggle.disabled = !supported || Notification.permission === 'denied';
    this.toggle.checked = this.enabled;
    const note = !supported ? t('notifications.unsupported')
      : Notification.permission === 'denied' ? t('notifications.denied') : '';
    this.status.textContent = note;
    this.status.hidden = !note;
  }

  /** The switch moved: asks the browser when turning on. */
  async switched() {
    if (!this.toggle.checked) {
      localStorage.setItem(STORAGE_KEY, 'off');
      return;
    }
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    localStorage.setItem(STORAGE_KEY, permission === 'granted' ? 'on' : 'off');
    this.opened();
  }

  /** Reads the muted rooms again (a connection opened). */
  async load() {
    try {
      this.muted = new Set((await api.listMutes()).map(Number));
    } catch (err) {
      console.warn('notifications: GET /api/mutes failed:', err);
      return;
    }
    this.paintBell();
  }

  /** The bell of the open room: muted or not. */
  paintBell() {
    const muted = this.muted.has(this.state.currentRoomId);
    this.bell.setAttribute('aria-pressed', String(muted));
    const label = muted ? t('notifications.unmute') : t('notifications.mute');
    this.bell.title = label;
    this.bell.setAttribute('aria-label', label);
    this.bell.querySelector('use')?.setAttribute('href', `/static/icons/sprite.svg#${muted ? 'bell-off' : 'bell'}`);
  }

  /** The bell: mutes the open room, or unmutes it. */
  async toggleMute() {
    const roomId = this.state.currentRoomId;
    if (roomId === null) return;
    const muted = !this.muted.has(roomId);
    try {
      await api.setMuted(roomId, muted);
    } catch (err) {
      this.toasts.error(err.message);
      return;
    }
    this.applyMuted(roomId, muted);
  }

  applyMuted(roomId, muted) {
    if (muted) this.muted.add(Number(roomId));
    else this.muted.delete(Number(roomId));
    this.paintBell();
  }

  /** Every server frame passes here after its own handler. */
  frame(frame) {
    switch (frame.type) {
      case 'room_muted': this.applyMuted(frame.room_id, Boolean(frame.muted)); break;
      case 'new_message':
      case 'mentioned':
      case 'direct_message': this.maybeNotify(frame.message, frame.type === 'direct_message'); break;
      default: break;
    }
  }

  maybeNotify(message, fromFrame) {
    if (!message) return;
    const room = this.rooms.get(Number(message.room_id));
    const dm = fromFrame || room?.kind === 'dm';
    const notify = shouldNotify(message, {
      meId: this.me.id,
      dm,
      muted: (id) => this.muted.has(id),
      blocked: (id) => this.blocked(id),
      hidden: document.visibilityState === 'hidden',
      enabled: this.enabled,
    });
    if (!notify) return;
    const author = message.user?.username ?? '';
    const title = dm ? author : t('notifications.mention-title', { name: author, room: room?.name ?? '' });
    const body = String(message.content ?? '').slice(0, BODY_MAX);
    const shown = new Notification(title, { body, tag: `discock-${message.id}` });
    shown.addEventListener('click', () => {
      window.focus();
      this.open(Number(message.room_id), Number(message.id));
      shown.close();
    });
  }
}
