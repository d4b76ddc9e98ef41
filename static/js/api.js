// api.js — owns talking to the HTTP JSON API: request headers, turning error
// bodies ({"error","code"}) into ApiError, leaving for /login on 401, and reading
// the room's seq (X-Room-Seq) that comes with a history page.
import { t } from './i18n.js';

/** How many messages one history page asks for. */
export const PAGE_SIZE = 50;

/** An API call that failed; `message` is the server's human-readable text. */
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.name = 'ApiError';
    /** HTTP status, or 0 when the server could not be reached. */
    this.status = status;
    /** The server's machine-readable code ("name_taken", ...), or a local one. */
    this.code = code;
  }
}

let csrfToken = '';
let leaving = false;

/** The CSRF token from the page; sent as X-CSRF-Token on writes (harmless if unused). */
export function setCsrfToken(token) {
  csrfToken = token || '';
}

/** The session is gone: go to the login page (once). */
export function redirectToLogin() {
  if (leaving) return;
  leaving = true;
  window.location.assign('/login');
}

/** Sends one request; resolves to the response and its parsed JSON body (null when empty). */
async function exchange(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body instanceof Blob) {
    // A file goes as it is, labelled with its own type (an avatar's picture).
    headers['Content-Type'] = body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, t('chat.network-error'), 'network');
  }

  if (response.status === 401) {
    redirectToLogin();
    // The page is being replaced; never settle so callers show nothing meanwhile.
    return new Promise(() => {});
  }
  if (response.status === 204) return { response, data: null };

  let data = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }

  if (!response.ok) {
    const message = data && typeof data.error === 'string' && data.error
      ? data.error
      : t('chat.server-error', { status: String(response.status) });
    const code = data && typeof data.code === 'string' ? data.code : `http_${response.status}`;
    throw new ApiError(response.status, message, code);
  }
  return { response, data };
}

async function request(method, path, body) {
  return (await exchange(method, path, body)).data;
}

/** GET /api/me -> {id, username, city, city_id, country, timezone, avatar_url, language, about, city_privacy} */
export function getMe() {
  return request('GET', '/api/me');
}

/** PATCH /api/me {city?, city_id?, city_privacy?, about?} -> the account as GET /api/me gives it */
export function updateMe(changes) {
  return request('PATCH', '/api/me', changes);
}

/** POST /api/me/password {current, new} -> null (204); the other sessions end */
export function changePassword(current, next) {
  return request('POST', '/api/me/password', { current, new: next });
}

/** GET /api/users/{id} -> {id, username, city, about, avatar_url, created_at, presence} */
export function getUser(id) {
  return request('GET', `/api/users/${encodeURIComponent(id)}`);
}

/**
 * GET /api/cities/{id} -> {id, name, name_en, country, region, population, timezone}. Public and
 * the same for everyone, so unlike the other calls it lets the browser's cache answer.
 */
export async function getCity(id) {
  const response = await fetch(`/api/cities/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, t('chat.server-error', { status: String(response.status) }), `http_${response.status}`);
  return response.json();
}

/** PUT /api/language {language} -> {language}: saves the choice (and sets the cookie pages are rendered in) */
export function setLanguage(code) {
  return request('PUT', '/api/language', { language: code });
}

/** PUT /api/me/avatar with the picture file itself -> {avatar_url} */
export function uploadAvatar(file) {
  return request('PUT', '/api/me/avatar', file);
}

/** DELETE /api/me/avatar (fine when there is none) */
export function deleteAvatar() {
  return request('DELETE', '/api/me/avatar');
}

/** GET /api/rooms -> rooms ordered by creation */
export function listRooms() {
  return request('GET', '/api/rooms');
}

/** GET /api/dms -> [{room, user, last_message}], the direct conversations, the most recent first */
export function listDms() {
  return request('GET', '/api/dms');
}

/** POST /api/dms {user_id} -> the direct conversation with that user (a room of kind "dm") */
export function openDm(userId) {
  return request('POST', '/api/dms', { user_id: Number(userId) });
}

/** GET /api/mutes -> [room_id], the rooms muted */
export function listMutes() {
  return request('GET', '/api/mutes');
}

/** PUT or DELETE /api/rooms/{id}/mute: mutes or unmutes a room */
export function setMuted(roomId, muted) {
  return request(muted ? 'PUT' : 'DELETE', `/api/rooms/${encodeURIComponent(roomId)}/mute`);
}

/** GET /api/read_state -> [{room_id, last_read_id, unread, mentions}], one per room */
export function getReadState() {
  return request('GET', '/api/read_state');
}

/** POST /api/rooms -> the created room */
export function createRoom({ name, description }) {
  const body = { name };
  if (description) body.description = description;
  return request('POST', '/api/rooms', body);
}

/** POST /api/rooms/city -> the room of my city (made now, or the one there was); 400 no_city without a canonical city */
export function openCityRoom() {
  return request('POST', '/api/rooms/city');
}

/** PATCH /api/rooms/{id} with only the fields that changed -> the room */
export function updateRoom(id, changes) {
  return request('PATCH', `/api/rooms/${encodeURIComponent(id)}`, changes);
}

/** DELETE /api/rooms/{id} */
export function deleteRoom(id) {
  return request('DELETE', `/api/rooms/${encodeURIComponent(id)}`);
}

/**
 * GET /api/messages/{room}?limit&before|around&city_id -> { messages, seq }: up to `limit` messages,
 * oldest first, and the room's seq as of the same read (header X-Room-Seq; null if it is
 * missing). Joining with `since: seq` then continues exactly after the page. `around`: the
 * window around that message (it included) instead of the newest page; unknown id -> 404.
 * `cityId`: only the messages of people of that city who show it (unknown city -> 400).
 */
export async function listMessages(roomId, { limit = PAGE_SIZE, before, around, cityId } = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before !== undefined && before !== null) params.set('before', String(before));
  if (around !== undefined && around !== null) params.set('around', String(around));
  if (cityId !== undefined && cityId !== null) params.set('city_id', String(cityId));
  const { response, data } = await exchange('GET', `/api/messages/${encodeURIComponent(roomId)}?${params}`);
  const raw = response.headers.get('X-Room-Seq');
  const seq = raw === null || raw.trim() === '' ? NaN : Number(raw);
  return { messages: Array.isArray(data) ? data : [], seq: Number.isSafeInteger(seq) && seq >= 0 ? seq : null };
}

/**
 * GET /api/messages/{id}/reactions?emoji -> {emoji, count, users: [{id, username}]}: who reacted
 * to message `id` with `emoji`, earliest first (the first 50 named; `count` counts everyone).
 */
export function listReactors(messageId, emoji) {
  const params = new URLSearchParams({ emoji });
  return request('GET', `/api/messages/${encodeURIComponent(messageId)}/reactions?${params}`);
}

/** GET /api/rooms/{id}/pins -> the room's pinned messages */
export function listPins(roomId) {
  return request('GET', `/api/rooms/${encodeURIComponent(roomId)}/pins`);
}

/**
 * GET /api/search?q&before&limit -> messages matching `q`, newest first, each with
 * `highlight` {text, matches: [[start, end], …]} (plain text; offsets in UTF-16 units).
 */
export async function searchMessages(q, { before, limit } = {}) {
  const params = new URLSearchParams({ q });
  if (before !== undefined && before !== null) params.set('before', String(before));
  if (limit !== undefined) params.set('limit', String(limit));
  const data = await request('GET', `/api/search?${params}`);
  return Array.isArray(data) ? data : [];
}

/** GET /api/blocks -> [{id, username, city}]: the users I blocked, the most recent first */
export function listBlocks() {
  return request('GET', '/api/blocks');
}

/** PUT /api/blocks/{id}: blocks user `id` (blocking again is no error) */
export function blockUser(id) {
  return request('PUT', `/api/blocks/${encodeURIComponent(id)}`);
}

/** DELETE /api/blocks/{id}: lifts the block of user `id` (none is no error) */
export function unblockUser(id) {
  return request('DELETE', `/api/blocks/${encodeURIComponent(id)}`);
}
