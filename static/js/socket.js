// socket.js — owns the one WebSocket connection: opening it, JSON framing,
// heartbeats (ping every 25 s), noticing a dead link, and reconnecting with
// exponential backoff (1 s doubling to at most 10 s, with jitter), at once when
// the browser says the network is back (`online`) or the tab is shown again —
// except after close code 4001 (the session ended), which stops for good. It
// also keeps the connection speaking the page's language (set_language, so the
// server's error frames follow a switch). It knows nothing about rooms or
// messages: chat.js decides what to (re)send on open.
import { lang, onLangChange } from './i18n.js';

/** Close code of a socket whose session ended (logout, a new login, expiry). */
const SESSION_ENDED = 4001;

const PING_EVERY_MS = 25_000;
const BACKOFF_FIRST_MS = 1_000;
/** Low enough that a page finds a server that came back within seconds, not half a minute. */
const BACKOFF_MAX_MS = 10_000;
/** After `online` or the tab being shown, an open socket must answer a ping this fast or is replaced. */
const PROBE_MS = 5_000;

/**
 * How long to wait before reconnect attempt `attempt` (0 = the first after a drop):
 * 1 s doubling up to 10 s, of which a random 50–100 % (`random` in [0, 1)), so the
 * clients of a restarted server do not all come back in the same instant.
 */
export function backoffDelay(attempt, random = Math.random()) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.5 + random / 2));
}

/** ws:// or wss:// URL of /ws on this host. */
export function socketUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws`;
}

export class ChatSocket {
  /**
   * @param {object} o
   * @param {string} o.url
   * @param {(info: {reconnected: boolean}) => void} o.onOpen   connection is usable
   * @param {(frame: object) => void} o.onFrame                 every server frame except pong
   * @param {(state: string, info: object) => void} o.onState   'connecting' | 'open' | 'waiting' | 'stopped'
   * @param {() => Promise<unknown>} o.checkSession             before each reconnect; rejects on network failure
   * @param {() => void} o.onSessionEnded                       the server closed with 4001: sign in again
   */
  constructor({ url, onOpen, onFrame, onState, checkSession, onSessionEnded }) {
    this.url = url;
    this.onOpen = onOpen;
    this.onFrame = onFrame;
    this.onState = onState;
    this.checkSession = checkSession;
    this.onSessionEnded = onSessionEnded;

    /** The live socket, or null between connections. */
    this.ws = null;
    /** Whether the current socket has fired `open`. */
    this.ready = false;
    /** Failed attempts since the last successful open; drives the backoff. */
    this.attempt = 0;
    /** How many times a connection opened; >1 means "reconnected". */
    this.opens = 0;
    /** Set by stop(): no more reconnects (logout, page hidden for good). */
    this.stopped = true;
    /** A reconnect is in progress (session check or handshake), so don't start another. */
    this.busy = false;
    this.retryTimer = null;
    this.probeTimer = null;
    this.heartbeat = null;
    this.lastHeardAt = 0;
    this.lastPingAt = 0;
    this.state = 'stopped';

    /**
     * The language a new connection starts in: the page's at load, which the server chose
     * too. After a switch every connection is told, in case the switch was not saved.
     */
    this.startLang = lang;
    onLangChange((code) => this.sendLanguage(code));

    this.handleOnline = () => this.comeBack();
    this.handleVisible = () => {
      if (document.visibilityState === 'visible') this.comeBack();
    };
  }

  get isOpen() {
    return Boolean(this.ws && this.ready && this.ws.readyState === WebSocket.OPEN);
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.handleOnline);
    document.addEventListener('visibilitychange', this.handleVisible);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.probeTimer);
    this.probeTimer = null;
    window.removeEventListener('online', this.handleOnline);
    document.removeEventListener('visibilitychange', this.handleVisible);
    this.drop(1000);
    this.setState('stopped');
  }

  /** Sends one frame; false when there is no open connection (the caller keeps it). */
  send(frame) {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Tells the server which language this connection's error messages are to be in. */
  sendLanguage(code) {
    this.send({ type: 'set_language', language: code });
  }

  /**
   * The network is back or the tab is shown again: whatever the backoff had reached,
   * reconnect now and start counting from 1 s. A socket that still looks open may have
   * died meanwhile without the browser noticing: it gets a ping, and is replaced if
   * nothing comes back within PROBE_MS.
   */
  comeBack() {
    if (this.stopped) return;
    this.attempt = 0;
    if (this.isOpen) {
      this.probe();
      return;
    }
    this.retryNow();
  }

  probe() {
    if (this.probeTimer) return;
    const sentAt = Date.now();
    const ws = this.ws;
    this.send({ type: 'ping' });
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      if (ws !== this.ws || this.lastHeardAt >= sentAt) return;
      this.drop(4000);
      this.retryNow();
    }, PROBE_MS);
  }

  /** Skip the rest of the backoff wait (the banner's button, comeBack()). */
  retryNow() {
    if (this.stopped || this.ws || this.busy) return;
    clearTimeout(this.retryTimer);
    this.reconnect();
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.setState('connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.ready = false;

    ws.addEventListener('open', () => {
      if (ws !== this.ws) return;
      this.ready = true;
      this.attempt = 0;
      this.opens += 1;
      this.lastHeardAt = Date.now();
      this.startHeartbeat();
      this.setState('open');
      if (lang !== this.startLang) this.sendLanguage(lang);
      this.onOpen({ reconnected: this.opens > 1 });
    });

    ws.addEventListener('message', (event) => {
      if (ws !== this.ws) return;
      this.lastHeardAt = Date.now();
      if (typeof event.data !== 'string') return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.type !== 'string' || frame.type === 'pong') return;
      this.onFrame(frame);
    });

    ws.addEventListener('close', (event) => {
      if (ws !== this.ws) return;
      if (event.code === SESSION_ENDED) {
        // Reconnecting cannot help: the session is gone on the server.
        this.stop();
        this.onSessionEnded?.();
        return;
      }
      // Any other close (4008 "you lagged", 1001 "server going away", network
      // loss) ends the same way: wait a little, then come back and resync.
      this.drop();
      this.scheduleReconnect();
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  /** Forgets the current socket without triggering our own close handling. */
  drop(code) {
    clearInterval(this.heartbeat);
    this.heartbeat = null;
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws && ws.readyState !== WebSocket.CLOSED && ws.readyState !== WebSocket.CLOSING) {
      try {
        ws.close(code ?? 1000);
      } catch {
        /* already closing */
      }
    }
  }

  scheduleReconnect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const delay = backoffDelay(this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    this.setState('waiting', { delay, retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => this.reconnect(), delay);
  }

  async reconnect() {
    if (this.stopped || this.ws || this.busy) return;
    this.busy = true;
    this.setState('connecting');
    try {
      // A WebSocket refused for lack of a session only shows up as a bare close,
      // so ask the API: a 401 there sends us to /login.
      await this.checkSession();
    } catch {
      this.busy = false;
      this.scheduleReconnect();
      return;
    }
    this.busy = false;
    if (this.stopped || this.ws) return;
    this.connect();
  }

  startHeartbeat() {
    clearInterval(this.heartbeat);
    this.lastPingAt = 0;
    this.heartbeat = setInterval(() => {
      if (!this.isOpen) return;
      // Nothing at all since the previous ping (not even its pong): the link is dead
      // even if the browser has not noticed yet.
      if (this.lastPingAt && this.lastHeardAt < this.lastPingAt) {
        this.drop(4000);
        this.scheduleReconnect();
        return;
      }
      this.lastPingAt = Date.now();
      this.send({ type: 'ping' });
    }, PING_EVERY_MS);
  }

  setState(state, info = {}) {
    this.state = state;
    this.onState?.(state, { ...info, everOpened: this.opens > 0, attempt: this.attempt });
  }
}
