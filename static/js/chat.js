// chat.js — entry point of the chat page. Owns the session state, the
// wiring between the pieces, sending and start-up. Which room is open (URL, panes,
// header) is room-opener.js, resume.js keeping it in step with the room's event log. Leaving, back and forward are
// page-life.js; the connection coming and going is connection-flow.js. The outbox of messages not yet stored is outbox.js; creating,
// renaming and deleting rooms is room-actions.js; what each server frame does
// is frames.js; the settings dialog is settings.js; keyboard shortcuts are
// keys.js; the profile card is profile-card.js and a changed profile user-updates.js; replying, editing, reacting, jumping to a message and the pins are
// put together by message-features.js; message search is search.js; unread counts, marking
// the open room read and the count in the title are unread.js; direct conversations
// are dms.js; online, idle or offline is presence.js; where the unread part of the open room begins is unread-divider.js; whom I
// blocked (their messages collapsed, the settings' list) is blocks.js and blocked-list.js; city rooms, the city filter and quiet hours are city-features.js.
// They all work on one state object (chat-state.js).
import * as api from './api.js';
import { ChatSocket, socketUrl } from './socket.js';
import { MessageList } from './messages.js';
import { RoomList, RoomHeader, roomIdFromUrl } from './rooms.js';
import { RoomResume } from './resume.js';
import { Outbox } from './outbox.js';
import { RoomActions } from './room-actions.js';
import { frameHandlers } from './frames.js';
import { MemberList } from './members.js';
import { TypingIndicator } from './typing.js';
import { Composer } from './composer.js';
import { RoomDialog } from './dialog.js';
import { SearchPanel } from './search.js';
import { followOtherTabs } from './language.js';
import { t, onLangChange } from './i18n.js';
import { Drawers } from './drawers.js';
import { RoomKeys } from './keys.js';
import { Toasts, ConnectionBanner } from './notify.js';
import { paintProfile } from './people.js';
import { byId } from './dom.js';
import { messageFeatures } from './message-features.js';
import { messageIdFromUrl } from './jump.js';
import { Unread } from './unread.js';
import { DirectMessages } from './dms.js';
import { UnreadDivider } from './unread-divider.js';
import { chatState } from './chat-state.js';
import { Notifications } from './notifications.js';
import { Blocks } from './blocks.js';
import { ProfileCard } from './profile-card.js';
import { settingsDialog } from './settings-dialog.js';
import { applyUserUpdate } from './user-updates.js';
import { PresenceReporter } from './presence.js';
import { watchPageLife } from './page-life.js';
import { ConnectionFlow } from './connection-flow.js';
import { cityFeatures } from './city-features.js';
import { showOwnCityFrom } from './city-label.js';
import { RoomOpener } from './room-opener.js';

/** Send at most one typing frame per this interval while the user types. */
const TYPING_EVERY_MS = 3_000;

// ---- data from the server-rendered page -------------------------------------

const data = document.body.dataset;
/** The signed-in user. */
const me = {
  id: Number(data.userId), username: data.username ?? '', city: data.city ?? '', city_id: Number(data.cityId) || null, avatar_url: data.avatarUrl || null,
};
// Our own city shows as we have it, not as frames (shared with everyone) show us.
showOwnCityFrom(me);
const defaultRoomId = Number(data.defaultRoomId);
const initialRoomId = Number(data.roomId) || defaultRoomId;
api.setCsrfToken(data.csrfToken);

// ---- state --------------------------------------------------------------------

const state = chatState();

// ---- views ---------------------------------------------------------------------

const toasts = new Toasts(byId('toasts'));

const rooms = new RoomList({
  list: byId('room-list'),
  dmList: byId('dm-list'),
  cityList: byId('city-list'),
  status: byId('room-list-status'),
  meId: me.id,
  onSelect: (id) => opener.open(id),
});

const header = new RoomHeader({
  elements: {
    name: byId('room-name'),
    description: byId('room-desc'),
    rename: byId('rename-room'),
    remove: byId('delete-room'),
  },
  onRename: () => roomActions.renameCurrent(),
  onDelete: () => roomActions.deleteCurrent(),
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
    const { messages: page, seq } = await api.listMessages(state.currentRoomId, { limit: api.PAGE_SIZE, before: beforeId });
    outbox.settleFrom(page);
    return { messages: page, hasMore: page.length >= api.PAGE_SIZE, seq };
  },
  onLatest: () => features.jumper.toLatest(),
  people: () => members.users?.values() ?? [],
  onRetry: (clientId) => outbox.retry(clientId),
  onDiscard: (clientId) => outbox.discard(clientId),
});

const members = new MemberList({
  list: byId('member-list'),
  title: byId('members-title'),
  badge: byId('member-count-badge'),
  staleNote: byId('members-stale'),
  meId: me.id,
  byCity: byId('members-by-city'),
});

const typing = new TypingIndicator(byId('typing'), me.id);

const composer = new Composer({
  elements: {
    form: byId('composer'),
    input: byId('composer-input'),
    send: byId('composer-send'),
    counter: byId('composer-counter'),
    error: byId('composer-error'),
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
  fallbackFocus: byId('composer-input'),
});

const drawers = new Drawers({
  backdrop: byId('backdrop'),
  drawers: [
    { button: byId('open-rooms'), panel: byId('rooms-drawer') },
    { button: byId('open-members'), panel: byId('members-drawer') },
  ],
});

new RoomKeys({
  rooms,
  drawers,
  currentRoomId: () => state.currentRoomId,
  openRoom: (id) => opener.open(id),
  composer: byId('composer-input'),
  announcer: byId('announcer'),
});

const blocks = new Blocks({ messages, toasts });

const notifications = new Notifications({
  me, state, rooms, toasts,
  blocked: (id) => blocks.has(id),
  toggle: byId('notifications-toggle'),
  status: byId('notifications-status'),
  bell: byId('mute-room'),
  open: (roomId, id) => features.jumper.jumpTo(roomId, id),
});

// The settings dialog and its sections live on their own; the views redo their texts on a switch.
settingsDialog({
  me, toasts, blocks, notifications,
  onMe: () => showMe(),
  onProfileSaved: (saved) => applyUserUpdate(saved, userUpdateTargets()),
});

const profileCard = new ProfileCard({
  dialog: byId('profile-card'),
  content: byId('profile-card-content'),
  me,
  fallbackFocus: byId('composer-input'),
});

new SearchPanel({ roomName: (id) => rooms.get(id)?.name });

const banner = new ConnectionBanner({
  banner: byId('conn-banner'),
  text: byId('conn-banner-text'),
  retry: byId('conn-retry'),
  onRetry: () => socket.retryNow(),
});

const socket = new ChatSocket({
  url: socketUrl(),
  onOpen: (info) => connection.opened(info),
  onFrame: (frame) => connection.frame(frame),
  onState: (socketState, info) => {
    banner.update(socketState, info);
    if (socketState !== 'open') connection.lost();
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
  onPage: (roomId, page, hasMore, { seq, around, newest }) => {
    outbox.settleFrom(page);
    city.lens.dropped();
    messages.setPending(outbox.pendingFor(roomId));
    if (around === null) messages.setHistory(page, hasMore, seq);
    else features.jumper.show(page, seq, newest, around);
  },
  onPageError: (roomId, err, { around }) => {
    if (around !== null && err.status === 404) {
      // The message a link or a jump named is gone: the room as usual.
      toasts.error(t('jump.not-found'));
      resume.loadNewest(roomId);
      return;
    }
    messages.showLoadError(() => t('messages.load-failed', { reason: err.message }), () => resume.loadNewest(roomId));
  },
  onJoined: (roomId) => outbox.sendWaiting(roomId),
});

const outbox = new Outbox({
  state,
  socket,
  resume,
  roomExists: (roomId) => Boolean(rooms.get(roomId)),
  onPending: (entries, opts) => messages.setPending(entries, opts),
  onError: (text) => toasts.error(text),
});

const roomActions = new RoomActions({
  state,
  defaultRoomId,
  rooms,
  dialog,
  toasts,
  outbox,
  openRoom: (roomId, opts) => opener.open(roomId, opts),
  onRoomChanged: (room) => {
    opener.showHeader(room);
    messages.setRoom(room);
  },
  onNoRooms: () => {
    resume.leave();
    header.showPlaceholder(() => t('chat.no-rooms'));
    messages.reset(null);
    members.reset();
  },
});

const features = messageFeatures({
  state, me, socket, rooms, messages, members, composer, toasts,
  openRoom: (roomId, opts) => opener.open(roomId, opts),
  settle: (page) => outbox.settleFrom(page),
});

const city = cityFeatures({ state, me, rooms, members, messages, resume, outbox, toasts, input: byId('composer-input'), openRoom: (id) => opener.open(id), paintMe });

const unread = new Unread({ state, me, socket, rooms, messages });

const dms = new DirectMessages({ rooms, unread, toasts, openRoom: (roomId) => opener.open(roomId) });

const divider = new UnreadDivider({
  state, me, messages, unread, bar: byId('unread-bar'), jumpTo: (roomId, id) => features.jumper.jumpTo(roomId, id),
});

const presenceReporter = new PresenceReporter({ send: (frame) => socket.send(frame) });
const frames = frameHandlers({
  state, me, onMe: () => showMe(), resume, outbox, roomActions, rooms, members, typing, messages, toasts, unread, dms, presenceReporter,
  onPinsChanged: () => features.pins.changed(),
  onDeleted: (id) => features.deleted(id),
  onReactorsChanged: (id, emoji) => features.reactors.changed(id, emoji),
  onUserUpdated: (user) => applyUserUpdate(user, userUpdateTargets()),
  shows: (message) => city.lens.shows(message),
});
for (const [type, handler] of Object.entries(blocks.frameHandlers())) frames.set(type, handler);

const connection = new ConnectionFlow({
  state, resume, unread, notifications, dms, blocks, outbox, roomActions, members, typing, frames: () => frames,
});

const opener = new RoomOpener({
  state, me, defaultRoomId, rooms, header, drawers, toasts, composer, members, typing, messages, outbox, resume, unread,
  notifications, divider, features, city,
});

/** What shows a person, for a change to their profile. */
function userUpdateTargets() {
  return { me, onMe: () => showMe(), members, messages, card: profileCard };
}

// ---- sending -------------------------------------------------------------------

function sendMessage(raw) {
  if (!outbox.send(raw, features.reply.current)) return false;
  features.reply.clear();
  state.lastTypingAt = 0;
  // Written while an older part of the room is on screen: show where it goes.
  if (messages.detached) features.jumper.toLatest();
  return true;
}

function sendTyping() {
  const now = Date.now();
  if (now - state.lastTypingAt < TYPING_EVERY_MS) return;
  if (state.joinedRoomId === null || state.joinedRoomId !== state.currentRoomId) return;
  if (socket.send({ type: 'typing', room_id: state.currentRoomId })) state.lastTypingAt = now;
}

// ---- page ------------------------------------------------------------------------

function showMe() {
  paintMe();
  city.refreshMe();
}

function paintMe() {
  paintProfile({ avatar: byId('me-avatar'), name: byId('me-name'), city: byId('me-city') }, me);
}

async function loadRooms() {
  rooms.showLoading();
  try {
    const [list] = await Promise.all([api.listRooms(), dms.load()]);
    rooms.setRooms(list);
  } catch (err) {
    rooms.showError(() => t('rooms.load-failed', { reason: err.message }), () => loadRooms());
    header.showPlaceholder(() => t('chat.offline'));
    return;
  }
  // A link to a message (/chat?room=R&message=M) opens the room at it.
  opener.open(roomIdFromUrl() ?? initialRoomId, { history: 'replace', around: messageIdFromUrl() });
}

function start() {
  showMe();
  byId('create-room').addEventListener('click', () => roomActions.create());
  watchPageLife({
    state, outbox, socket,
    onNavigate: () => opener.open(roomIdFromUrl() ?? defaultRoomId, { history: 'none', around: messageIdFromUrl() }),
  });
  onLangChange(() => opener.relabel());
  followOtherTabs();

  socket.start();
  loadRooms();
}

start();
