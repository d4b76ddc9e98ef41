// presence.js — owns who is online, idle or offline as this page knows it, and what this page
// tells the server about its own person. Two halves:
//
// - What we send: `{"type":"presence","status":"online"|"idle"}` when the status of this
//   connection changes. A connection starts online; it becomes idle when the tab is hidden or
//   after IDLE_AFTER_MS without input, and online again at the first input or when the tab is
//   shown. IdleDetector is the pure part (its clock and timer are handed in, so the unit tests
//   drive it); PresenceReporter listens to the document and sends through the socket, and says
//   idle again on a new connection (the `connected` frame), which the server starts online.
// - What we show: a map user id -> status (PresenceMap), fed by the member lists
//   (`room_users_list`, `joined_room`: someone in a room is connected), `presence` frames, the
//   conversations (`GET /api/dms`) and profiles (`GET /api/users/{id}`), with subscribers. The
//   dots on avatars and the words on a profile card built by presenceDot() / presenceText()
//   follow it by themselves: a change repaints every one of that person's on the page.
import { h } from './dom.js';
import { t, onLangChange } from './i18n.js';

/** Without input for this long, a visible tab counts as idle. */
export const IDLE_AFTER_MS = 5 * 60_000;

/** The statuses a person can have; anything else from a newer server is ignored. */
const STATUSES = new Set(['online', 'idle', 'offline']);

/** Document events that count as someone using the page (captured: scroll does not bubble). */
const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'];

/**
 * Whether this page's person is online or idle, from what they do: input and the tab being shown
 * or hidden. Tells `onChange` each change of status, never a repeat. Input only records the time:
 * the one timer, when it fires, looks at how long it has been quiet and waits for the rest.
 */
export class IdleDetector {
  /**
   * @param {object} o
   * @param {(status: 'online'|'idle') => void} o.onChange
   * @param {boolean} [o.hidden]  whether the tab starts hidden (then it starts idle)
   * @param {() => number} [o.now]  the clock, in ms
   * @param {(fn: () => void, ms: number) => unknown} [o.setTimer]
   * @param {(timer: unknown) => void} [o.clearTimer]
   * @param {number} [o.idleAfterMs]
   */
  constructor({
    onChange, hidden = false, now = () => Date.now(),
    setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (timer) => clearTimeout(timer),
    idleAfterMs = IDLE_AFTER_MS,
  }) {
    Object.assign(this, { onChange, now, setTimer, clearTimer, idleAfterMs });
    /** Whether the tab is hidden now. */
    this.hidden = hidden;
    /** What the server was last told (or starts with): 'online' | 'idle'. */
    this.status = hidden ? 'idle' : 'online';
    /** When the person last used the page. */
    this.lastInputAt = now();
    /** The timer that looks whether it has been quiet long enough, or null (hidden, or idle already). */
    this.timer = null;
    if (!hidden) this.arm(idleAfterMs);
  }

  /** The person used the page (a key, the pointer, the wheel, a touch, a scroll). */
  input() {
    this.lastInputAt = this.now();
    if (this.hidden) return;
    this.become('online');
    if (this.timer === null) this.arm(this.idleAfterMs);
  }

  /** The tab was hidden (`true`) or shown. */
  visibility(hidden) {
    if (hidden === this.hidden) return;
    this.hidden = hidden;
    if (hidden) {
      this.disarm();
      this.become('idle');
      return;
    }
    this.lastInputAt = this.now();
    this.become('online');
    this.arm(this.idleAfterMs);
  }

  /** The timer fired: idle if quiet long enough, else look again when it would be. */
  check() {
    this.timer = null;
    if (this.hidden) return;
    const quiet = this.now() - this.lastInputAt;
    if (quiet >= this.idleAfterMs) this.become('idle');
    else this.arm(this.idleAfterMs - quiet);
  }

  arm(ms) {
    this.disarm();
    this.timer = this.setTimer(() => this.check(), ms);
  }

  disarm() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  become(status) {
    if (status === this.status) return;
    this.status = status;
    this.onChange(status);
  }
}

/** Tells the server, through the socket, whether this page's person is online or idle. */
export class PresenceReporter {
  /**
   * @param {object} o
   * @param {(frame: object) => boolean} o.send  sends a frame; false when there is no connection
   */
  constructor({ send }) {
    this.send = send;
    this.detector = new IdleDetector({
      hidden: document.visibilityState === 'hidden',
      // Not sent for want of a connection: a new one starts online, and `connected` says idle.
      onChange: (status) => this.send({ type: 'presence', status }),
    });
    const input = () => this.detector.input();
    for (const type of INPUT_EVENTS) document.addEventListener(type, input, { capture: true, passive: true });
    document.addEventListener('visibilitychange', () => this.detector.visibility(document.visibilityState === 'hidden'));
  }

  /** A new connection (the `connected` frame): it starts online, so say so if we are idle. */
  connected() {
    if (this.detector.status === 'idle') this.send({ type: 'presence', status: 'idle' });
  }
}

/** Each person's status as this page last heard it; anyone not heard of is offline. */
export class PresenceMap {
  constructor() {
    /** User id -> 'online' | 'idle' (offline people are not kept). */
    this.statuses = new Map();
    /** Told `(userId, status)` at each change. */
    this.listeners = new Set();
  }

  /** 'online', 'idle' or 'offline'. */
  get(userId) {
    return this.statuses.get(Number(userId)) ?? 'offline';
  }

  /** Sets a person's status; a status this page does not know is ignored. Returns whether it changed. */
  set(userId, status) {
    const id = Number(userId);
    if (!Number.isSafeInteger(id) || !STATUSES.has(status) || this.get(id) === status) return false;
    if (status === 'offline') this.statuses.delete(id);
    else this.statuses.set(id, status);
    for (const listener of this.listeners) listener(id, status);
    return true;
  }

  /** People in a room's member list: connected, so online unless the list says idle. */
  inRoom(users) {
    for (const user of users) {
      if (user?.id !== undefined) this.set(user.id, user.presence === 'idle' ? 'idle' : 'online');
    }
  }

  /** Calls `listener(userId, status)` at each change; returns what stops it. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The page's one map. */
export const presences = new PresenceMap();

/** The words for a status, from the catalogue. */
function statusText(status) {
  if (status === 'online') return t('presence.online');
  if (status === 'idle') return t('presence.idle');
  return t('presence.offline');
}

/** Shows `userId`'s status on a dot or a text built below. */
function paint(el, status) {
  const text = statusText(status);
  if (el.dataset.presenceShows === 'text') {
    el.textContent = text;
    return;
  }
  for (const other of STATUSES) el.classList.remove(`presence-dot--${other}`);
  el.classList.add(`presence-dot--${status}`);
  el.setAttribute('title', text);
  if (el.getAttribute('role') === 'img') el.setAttribute('aria-label', text);
}

/**
 * A dot for an avatar showing `userId`'s status (green, a yellow moon, grey), titled with it in
 * words and, unless `decorative` (the words are beside it), labelled with them for a screen
 * reader; `className` places it. It follows the person's changes by itself.
 */
export function presenceDot(userId, className = '', { decorative = false } = {}) {
  const el = h('span', {
    class: `presence-dot ${className}`.trim(),
    role: decorative ? null : 'img',
    'aria-hidden': decorative ? 'true' : null,
    dataset: { presenceOf: Number(userId), presenceShows: 'dot' },
  });
  paint(el, presences.get(userId));
  return el;
}

/** `userId`'s status in words («В сети»), following their changes by itself. */
export function presenceText(userId, props = {}) {
  const el = h('p', { ...props, dataset: { presenceOf: Number(userId), presenceShows: 'text' } });
  paint(el, presences.get(userId));
  return el;
}

/** Repaints the dots and texts of `userId`, or of everyone. */
function repaint(userId = null) {
  const selector = userId === null ? '[data-presence-of]' : `[data-presence-of="${Number(userId)}"]`;
  for (const el of document.querySelectorAll(selector)) paint(el, presences.get(el.dataset.presenceOf));
}

presences.subscribe((userId) => repaint(userId));
onLangChange(() => repaint());
