// chat.js — entry point of the chat page. Owns the session state and the
// flow between the pieces: which room is open (URL, panes; resume.js keeps it
// in step with the room's event log), the outbox of messages not yet stored
// (resent with the same client_id after a reconnect), and dispatching every
// server frame to the view that shows it.
import * as api from './api.js';
import { ChatSocket, socketUrl } from './socket.js';
import { MessageList } from './messages.js';
import { RoomList, RoomHeader, roomUrl } from './rooms.js';
import { RoomResume } from './resume.js';
import { MemberList } from './members.js';
import { TypingIndicator } from './typing.js';
import { Composer, MAX_MESSAGE_CHARS, charCount } from './composer.js';
import { RoomDialog } from './dialog.js';
import { Drawers } from './drawers.js';
import { Toasts, ConnectionBanner } from './notify.js';
import { paintAvatar } from './people.js';
import { byId } from './dom.js';

/** Send at most one typing frame per this interval while the user types. */
const TYPING_EVERY_MS = 3_000;
/** A sent message not confirmed within this time is shown as failed (retry/delete). */
const CONFIRM_TIMEOUT_MS = 15_000;

// ---- data from the server-rendered page -------------------------------------

const data = document.body.dataset;
/** The signed-in user. */
const me = { id: Number(data.userId), username: data.username ?? '', city: data.city ?? '' };
const defaultRoomId = Number(data.defaultRoomId);
const initialRoomId = Number(data.roomId) || defaultRoomId;
api.setCsrfToken(data.csrfToken);

// ---- state --------------------------------------------------------------------

const state = {
  /** The room on screen, or null before the room list has loaded. */
  currentRoomId: null,
  /** The room the server has us subscribed to on the current connection (join_room sent). */
  joinedRoomId: null,
  /**
   * Seq of the last event of the open room's log that the view shows: the newest page's
   * X-Room-Seq, then each logged frame applied. null while that page is (re)loading.
   */
  lastSeq: null,
  /** join_room frames sent on this connection not answered yet, oldest first: { roomId, since, afterRefusal }. */
  joinsInFlight: [],
  /** Bumped on each newest-page (re)load, so late answers for an old room are dropped. */
  historyToken: 0,
  /** client_id -> { client_id, room_id, content, created_at, status, timer }, in send order; status is queued, sending, limited (held back by the rate limit until heldUntil) or failed. */
  outbox: new Map(),
  /** Unsent composer text per room, so switching rooms keeps a half-written message. */
  drafts: new Map(),
  /** When we last told the room we are typing (0: never / since the last send). */
  lastTypingAt: 0,
  /** Until when (ms since the epoch) the server's rate limit holds our messages back; 0: it does not. */
  heldUntil: 0,
  /** Timer that sends the held-back messages when heldUntil has passed. */
  release: null,
  /** Interval redrawing the countdown on held-back messages (null: none). */
  countdown: null,
  /** Logging out: don't warn about leaving the page. */
  leaving: false,
};

// ---- views ---------------------------------------------------------------------

const toasts = new Toasts(byId('toasts'));

const rooms = new RoomList({
  list: byId('room-list'),
  status: byId('room-list-status'),
  onSelect: (id) => openRoom(id),
});

const header = new RoomHeader({
  elements: {
    name: byId('room-name'),
    description: byId('room-desc'),
    rename: byId('rename-room'),
    remove: byId('delete-room'),
  },
  onRename: () => renameCurrentRoom(),
  onDelete: () => deleteCurrentRoom(),
});

const messages = new MessageList({
  elements: {
    scroller: byId('messages'),
    list: byId('message-list'),
    pendingList: byId('pending-list'),
    loadOlder: byId('load-older'),
    status: byId('messages-status'),
    roomStart: byId('room-start'),
    roomStartTitle: byId('room-start-title'),
    roomStartText: byId('room-start-text'),
    jump: byId('jump-latest'),
  },
  me,
  fetchOlder: async (beforeId) => {
    const { messages: page } = await api.listMessages(state.currentRoomId, { limit: api.PAGE_SIZE, before: beforeId });
    settleOutboxFrom(page);
    return { messages: page, hasMore: page.length >= api.PAGE_SIZE };
  },
  onRetry: (clientId) => retryPending(clientId),
  onDiscard: (clientId) => discardPending(clientId),
});

const members = new MemberList({
  list: byId('member-list'),
  title: byId('members-title'),
  badge: byId('member-count-badge'),
  meId: me.id,
});

const typing = new TypingIndicator(byId('typing'), me.id);

const composer = new Composer({
  elements: {
    form: byId('composer'),
    input: byId('composer-input'),
    send: byId('composer-send'),
    counter: byId('composer-counter'),
  },
  onSend: (content) => sendMessage(content),
  onTyping: () => sendTyping(),
});

const dialog = new RoomDialog({
  dialog: byId('room-dialog'),
  form: byId('room-form'),
  title: byId('room-dialog-title'),
  name: byId('room-form-name'),
  description: byId('room-form-desc'),
  error: byId('room-form-error'),
  submit: byId('room-form-submit'),
  cancel: byId('room-form-cancel'),
});

const drawers = new Drawers({
  backdrop: byId('backdrop'),
  drawers: [
    { button: byId('open-rooms'), panel: byId('rooms-drawer') },
    { button: byId('open-members'), panel: byId('members-drawer') },
  ],
});

const banner = new ConnectionBanner({
  banner: byId('conn-banner'),
  text: byId('conn-banner-text'),
  retry: byId('conn-retry'),
  onRetry: () => socket.retryNow(),
});

const socket = new ChatSocket({
  url: socketUrl(),
  onOpen: (info) => handleOpen(info),
  onFrame: (frame) => handleFrame(frame),
  onState: (socketState, info) => {
    banner.update(socketState, info);
    if (socketState !== 'open') handleDisconnect();
  },
  checkSession: () => api.getMe(),
  onSessionEnded: () => {
    // Logged out here or elsewhere, replaced by a new login, or expired: messages
    // still in the outbox cannot be sent any more, so leave without asking.
    state.leaving = true;
    api.redirectToLogin();
  },
});

const resume = new RoomResume({
  state,
  socket,
  onPage: (roomId, page, hasMore) => {
    settleOutboxFrom(page);
    messages.setPending(pendingFor(roomId));
    messages.setHistory(page, hasMore);
  },
  onPageError: (roomId, err) => {
    messages.showLoadError(`Не удалось загрузить сообщения: ${err.message}`, () => resume.loadNewest(roomId));
  },
  onJoined: (roomId) => sendWaiting(roomId),
});

// ---- rooms -----------------------------------------------------------------------

function roomIdFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('room');
  const id = Number(raw);
  return raw && Number.isInteger(id) && id > 0 ? id : null;
}

function setUrl(roomId, mode) {
  if (mode === 'none') return;
  const url = roomUrl(roomId);
  const current = window.location.pathname + window.location.search;
  const stateObj = { roomId };
  if (mode === 'push' && current !== url) window.history.pushState(stateObj, '', url);
  else window.history.replaceState(stateObj, '', url);
}

function isDesktop() {
  return window.matchMedia('(min-width: 768px) and (hover: hover)').matches;
}

/**
 * Shows room `roomId`: leaves the old room on the socket, resets the panes and
 * loads the newest page, then joins from its seq. `history`: 'push' | 'replace' | 'none'.
 */
function openRoom(roomId, { history = 'push' } = {}) {
  let room = rooms.get(roomId);
  if (!room) {
    const fallback = rooms.get(defaultRoomId) ?? rooms.all()[0];
    if (!fallback) {
      header.showPlaceholder('Нет комнат');
      return;
    }
    toasts.info('Такой комнаты нет — открыта комната по умолчанию.');
    room = fallback;
    if (history === 'none') history = 'replace';
  }

  drawers.close({ restoreFocus: false });
  if (state.currentRoomId === room.id) {
    setUrl(room.id, history === 'push' ? 'replace' : history);
    return;
  }

  if (state.currentRoomId !== null) state.drafts.set(state.currentRoomId, composer.value);
  state.currentRoomId = room.id;
  state.lastTypingAt = 0;

  rooms.setActive(room.id);
  showRoomHeader(room);
  members.reset();
  typing.reset();
  messages.reset(room);
  messages.setPending(pendingFor(room.id));
  composer.setValue(state.drafts.get(room.id) ?? '');
  state.drafts.delete(room.id);

  resume.leave();
  setUrl(room.id, history);
  resume.loadNewest(room.id);
  if (isDesktop()) composer.focus();
}

function showRoomHeader(room) {
  header.show(room, { isCreator: room.created_by !== null && room.created_by === me.id, isDefault: room.id === defaultRoomId });
  composer.setPlaceholder(`Написать в #${room.name}`);
  document.title = `#${room.name} — Discock`;
}

/** Re-reads the room list after a reconnect (room events may have been missed). */
async function refreshRooms() {
  try {
    const before = rooms.get(state.currentRoomId);
    const list = await api.listRooms();
    rooms.setRooms(list);
    rooms.setActive(state.currentRoomId);
    const current = rooms.get(state.currentRoomId);
    if (current) {
      showRoomHeader(current);
      messages.setRoom(current);
    } else if (state.currentRoomId !== null) {
      handleRoomGone(state.currentRoomId, null, before);
    }
  } catch {
    /* keep the list we have; the next reconnect tries again */
  }
}

function createRoom() {
  dialog.openCreate(async ({ name, description }) => {
    const room = rooms.upsert(await api.createRoom({ name, description }));
    openRoom(room.id);
    toasts.success(`Комната «${room.name}» создана.`);
  });
}

function renameCurrentRoom() {
  const room = rooms.get(state.currentRoomId);
  if (!room) return;
  dialog.openEdit(room, async ({ name, description }) => {
    const changes = {};
    if (name !== room.name) changes.name = name;
    if (description !== room.description) changes.description = description;
    if (!Object.keys(changes).length) return;
    handleRoomUpdated(await api.updateRoom(room.id, changes));
  });
}

async function deleteCurrentRoom() {
  const room = rooms.get(state.currentRoomId);
  if (!room) return;
  if (!window.confirm(`Удалить комнату «${room.name}»? Все сообщения в ней будут удалены без возможности восстановления.`)) return;
  try {
    await api.deleteRoom(room.id);
    handleRoomGone(room.id, `Комната «${room.name}» удалена.`);
  } catch (err) {
    toasts.error(err.message);
  }
}

function handleRoomUpdated(raw) {
  const room = rooms.upsert(raw);
  if (room.id === state.currentRoomId) {
    rooms.setActive(room.id);
    showRoomHeader(room);
    messages.setRoom(room);
  } else {
    rooms.setActive(state.currentRoomId);
  }
}

/** A room disappeared (deleted here, elsewhere, or found missing after a reconnect). */
function handleRoomGone(roomId, message, known) {
  const room = rooms.remove(roomId) ?? known;
  rooms.setActive(state.currentRoomId);
  dialog.closeIfEditing(roomId);
  state.drafts.delete(roomId);
  for (const entry of state.outbox.values()) {
    if (entry.room_id === roomId) forgetPending(entry.client_id);
  }
  // The server dropped our subscription with the room: don't send leave_room for it.
  if (state.joinedRoomId === roomId) state.joinedRoomId = null;
  if (roomId !== state.currentRoomId) return;

  const fallback = rooms.get(defaultRoomId) ?? rooms.all()[0];
  const where = fallback ? ` Вы перешли в «${fallback.name}».` : '';
  const what = room ? `Комната «${room.name}» была удалена.` : 'Эта комната была удалена.';
  toasts.info(`${message ?? what}${where}`);
  state.currentRoomId = null;
  if (fallback) openRoom(fallback.id, { history: 'replace' });
  else {
    resume.leave();
    header.showPlaceholder('Нет комнат');
    messages.reset(null);
    members.reset();
  }
}

// ---- sending -------------------------------------------------------------------

/** A v4 UUID; crypto.randomUUID() exists only on https/localhost. */
function newClientId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function pendingFor(roomId) {
  return Array.from(state.outbox.values())
    .filter((e) => e.room_id === roomId)
    .map(({ client_id, content, created_at, status }) => ({ client_id, content, created_at, status, retry_at: state.heldUntil }));
}

function sendMessage(raw) {
  const content = raw.trim();
  if (!content || state.currentRoomId === null) return false;
  if (charCount(content) > MAX_MESSAGE_CHARS) {
    toasts.error(`Сообщение длиннее ${MAX_MESSAGE_CHARS} символов.`);
    return false;
  }
  const entry = {
    client_id: newClientId(),
    room_id: state.currentRoomId,
    content,
    created_at: new Date().toISOString(),
    status: 'queued',
    timer: null,
  };
  state.outbox.set(entry.client_id, entry);
  transmit(entry);
  state.lastTypingAt = 0;
  messages.setPending(pendingFor(entry.room_id), { scroll: true });
  return true;
}

/** Sends one outbox entry if we can; otherwise it waits for the next connection. */
function transmit(entry) {
  clearTimeout(entry.timer);
  entry.timer = null;
  if (state.heldUntil > Date.now()) {
    entry.status = 'limited'; // behind a message the server held back; goes out with it
    return;
  }
  const sent = state.joinedRoomId === entry.room_id && socket.send({
    type: 'send_message',
    room_id: entry.room_id,
    content: entry.content,
    client_id: entry.client_id,
  });
  entry.status = sent ? 'sending' : 'queued';
  if (sent) entry.timer = setTimeout(() => markFailed(entry.client_id), CONFIRM_TIMEOUT_MS);
}

/**
 * The server refused one of our messages as too frequent: keep it (and whatever is written
 * after it, so nothing overtakes it), show the countdown on it, and send them all, in order,
 * when the server said it would accept them.
 */
function holdUntilAllowed(clientId, retryAfterMs) {
  const entry = state.outbox.get(clientId);
  if (!entry) return;
  clearTimeout(entry.timer);
  entry.timer = null;
  entry.status = 'limited';
  state.heldUntil = Math.max(state.heldUntil, Date.now() + Math.max(0, Number(retryAfterMs) || 1000));
  clearTimeout(state.release);
  state.release = setTimeout(releaseHeld, state.heldUntil - Date.now());
  if (entry.room_id === state.currentRoomId) messages.setPending(pendingFor(entry.room_id));
  tickCountdown();
}

/** The wait is over: send the held-back messages in the order they were written. */
function releaseHeld() {
  state.release = null;
  state.heldUntil = 0;
  for (const entry of state.outbox.values()) {
    if (entry.status === 'limited') transmit(entry);
  }
  if (state.currentRoomId !== null) messages.setPending(pendingFor(state.currentRoomId));
}

/** Redraws the countdown of held-back messages once a second while there are any. */
function tickCountdown() {
  if (state.countdown) return;
  state.countdown = setInterval(() => {
    const held = Array.from(state.outbox.values()).some((e) => e.status === 'limited');
    if (state.currentRoomId !== null) messages.setPending(pendingFor(state.currentRoomId));
    if (!held) {
      clearInterval(state.countdown);
      state.countdown = null;
    }
  }, 1000);
}

function markFailed(clientId) {
  const entry = state.outbox.get(clientId);
  if (!entry || entry.status !== 'sending') return;
  entry.status = 'failed';
  if (entry.room_id === state.currentRoomId) messages.setPending(pendingFor(entry.room_id));
}

function retryPending(clientId) {
  const entry = state.outbox.get(clientId);
  if (!entry) return;
  transmit(entry);
  if (entry.status === 'queued') socket.retryNow();
  messages.setPending(pendingFor(entry.room_id));
}

function discardPending(clientId) {
  const entry = state.outbox.get(clientId);
  if (!entry) return;
  forgetPending(clientId);
  messages.setPending(pendingFor(entry.room_id));
}

function forgetPending(clientId) {
  const entry = state.outbox.get(clientId);
  if (entry) clearTimeout(entry.timer);
  state.outbox.delete(clientId);
}

/** The open room was joined after its page loaded: send what was written meanwhile. */
function sendWaiting(roomId) {
  for (const entry of state.outbox.values()) {
    if (entry.room_id === roomId && entry.status === 'queued') transmit(entry);
  }
  messages.setPending(pendingFor(roomId));
}

/** Messages with a client_id from our outbox are stored: stop resending them. */
function settleOutboxFrom(list) {
  let changed = false;
  for (const m of list) {
    if (m.client_id && state.outbox.has(m.client_id)) {
      forgetPending(m.client_id);
      changed = true;
    }
  }
  return changed;
}

/**
 * After (re)connecting: resend everything still in the outbox with its original
 * client_id (the server stores each once). Messages for rooms other than the
 * open one are sent by joining that room just for the send.
 */
function flushOutbox() {
  const others = new Map();
  for (const entry of state.outbox.values()) {
    if (entry.room_id === state.currentRoomId) {
      if (entry.status !== 'sending') transmit(entry); // not twice on this connection
    } else if (rooms.get(entry.room_id)) {
      if (!others.has(entry.room_id)) others.set(entry.room_id, []);
      others.get(entry.room_id).push(entry);
    } else forgetPending(entry.client_id);
  }
  for (const [roomId, entries] of others) {
    if (!resume.sendJoin(roomId)) return;
    for (const entry of entries) {
      socket.send({ type: 'send_message', room_id: roomId, content: entry.content, client_id: entry.client_id });
      entry.status = 'sending';
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => markFailed(entry.client_id), CONFIRM_TIMEOUT_MS);
    }
    socket.send({ type: 'leave_room', room_id: roomId });
  }
  if (state.currentRoomId !== null) messages.setPending(pendingFor(state.currentRoomId));
}

function sendTyping() {
  const now = Date.now();
  if (now - state.lastTypingAt < TYPING_EVERY_MS) return;
  if (state.joinedRoomId === null || state.joinedRoomId !== state.currentRoomId) return;
  if (socket.send({ type: 'typing', room_id: state.currentRoomId })) state.lastTypingAt = now;
}

// ---- socket events ------------------------------------------------------------

async function handleOpen({ reconnected }) {
  // Rejoin the open room from lastSeq: the server replays what we missed, then goes on live.
  resume.connected({ reconnected });
  if (!reconnected || state.currentRoomId === null) {
    flushOutbox();
    return;
  }
  // Room creations and deletions are not in a room's log: re-read the list before resending.
  await refreshRooms();
  flushOutbox();
}

function handleDisconnect() {
  resume.forgetConnection();
  typing.reset();
  // Anything "sending" now waits for the next connection instead of timing out.
  let changed = false;
  for (const entry of state.outbox.values()) {
    if (entry.status === 'sending') {
      clearTimeout(entry.timer);
      entry.timer = null;
      entry.status = 'queued';
      changed = true;
    }
  }
  if (changed && state.currentRoomId !== null) messages.setPending(pendingFor(state.currentRoomId));
}

function handleFrame(frame) {
  const current = state.currentRoomId;
  switch (frame.type) {
    case 'connected':
      if (frame.user && Number(frame.user.id) !== me.id) {
        // Signed in as someone else in another tab: this page is stale.
        window.location.reload();
        return;
      }
      if (frame.user) {
        me.username = frame.user.username ?? me.username;
        me.city = frame.user.city ?? me.city;
        showMe();
      }
      break;
    case 'room_users_list':
      resume.answered(Number(frame.room_id));
      if (frame.room_id === current && Array.isArray(frame.users)) members.setAll(frame.users);
      break;
    case 'joined_room':
      if (frame.room_id === current && frame.user) members.add(frame.user);
      break;
    case 'left_room':
      if (frame.room_id === current) {
        members.remove(frame.user_id);
        typing.clear(frame.user_id);
      }
      break;
    case 'new_message':
      handleNewMessage(frame);
      break;
    case 'resync_required':
      if (resume.resync(Number(frame.room_id))) {
        toasts.info('Пока вы были не в сети, пришло много сообщений — показаны последние.');
      }
      break;
    case 'typing':
      if (frame.room_id === current && frame.user) typing.show(frame.user);
      break;
    case 'room_created':
      if (frame.room) {
        rooms.upsert(frame.room);
        rooms.setActive(current);
      }
      break;
    case 'room_updated':
      // A repeat of what the open room shows already is dropped; any other updates the list.
      if (frame.room && resume.take(Number(frame.room.id), frame.seq) !== 'duplicate') handleRoomUpdated(frame.room);
      break;
    case 'room_deleted':
      if (rooms.get(frame.room_id)) handleRoomGone(Number(frame.room_id), null);
      break;
    case 'error':
      if (frame.code === 'rate_limited' && frame.client_id && state.outbox.has(frame.client_id)) {
        holdUntilAllowed(frame.client_id, frame.retry_after_ms);
      } else if (!resume.refused(frame)) {
        toasts.error(frame.message || 'Сервер отклонил запрос.');
      }
      break;
    default:
      break; // newer server, older page: ignore what we don't know
  }
}

/** A stored message: confirms ours wherever it comes from; shown if new to the open room. */
function handleNewMessage({ message, seq }) {
  if (!message || message.id === undefined) return;
  const roomId = Number(message.room_id);
  const mine = Boolean(message.client_id && state.outbox.has(message.client_id));
  if (mine) forgetPending(message.client_id);
  if (resume.take(roomId, seq) !== 'apply') {
    // Another room, a repeat, or not in step yet (the replay after our join brings it).
    if (mine && roomId === state.currentRoomId) messages.setPending(pendingFor(roomId));
    return;
  }
  if (message.user) typing.clear(message.user.id);
  messages.add(message, { own: mine, pending: mine ? pendingFor(message.room_id) : undefined });
}

// ---- page ------------------------------------------------------------------------

function showMe() {
  paintAvatar(byId('me-avatar'), me);
  byId('me-name').textContent = me.username;
  byId('me-city').textContent = me.city ? `📍 ${me.city}` : '';
}

async function loadRooms() {
  const status = byId('room-list-status');
  status.hidden = false;
  status.textContent = 'Загрузка комнат…';
  try {
    rooms.setRooms(await api.listRooms());
  } catch (err) {
    rooms.showError(`Не удалось загрузить комнаты: ${err.message}`, () => loadRooms());
    header.showPlaceholder('Нет связи');
    return;
  }
  openRoom(roomIdFromUrl() ?? initialRoomId, { history: 'replace' });
}

function start() {
  showMe();
  byId('create-room').addEventListener('click', () => createRoom());
  byId('logout-form').addEventListener('submit', (event) => {
    if (state.outbox.size && !window.confirm('Есть неотправленные сообщения. Всё равно выйти?')) {
      event.preventDefault();
      return;
    }
    state.leaving = true;
    socket.stop();
  });
  window.addEventListener('popstate', () => {
    const id = roomIdFromUrl() ?? defaultRoomId;
    openRoom(id, { history: 'none' });
  });
  window.addEventListener('pagehide', () => socket.stop());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) socket.start();
  });
  window.addEventListener('beforeunload', (event) => {
    // Unsent messages would be lost: let the browser ask.
    if (state.outbox.size && !state.leaving) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  socket.start();
  loadRooms();
}

start();
